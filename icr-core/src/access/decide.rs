//! Access decisions: for each item of a record, may this viewer see it, and if not, why.
//!
//! Every rule that withholds an item adds a reason; an item is shown only when no rule
//! withholds it (deny overrides allow). Reasons name the rule and the category, so the
//! summary can tell the clinician why something is withheld without saying what it is.

use serde::Serialize;

use super::policy::{Policy, RoleRule};
use crate::merge::SharedCareRecord;
use crate::model::{Entry, SensitiveCategory};
use crate::summary::WithheldReason;

/// Who is looking, as the decision needs it.
#[derive(Debug, Clone)]
pub struct Viewer<'p> {
    /// The viewer's role.
    pub role: &'p RoleRule,
    /// The relationship basis the host asserted (`registered-gp`, `none`, …).
    pub relationship: String,
    /// Emergency access is active for this session.
    pub break_glass: bool,
    /// The patient has opted out of sharing.
    pub patient_opted_out: bool,
}

/// One reason an item is withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The rule that decided (`role:receptionist`, `deny:no-results-…`, `inference:…`).
    pub rule: String,
    /// The reason code shown to the viewer.
    pub reason: WithheldReason,
}

/// The decision about one item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Decision {
    /// Why it is withheld; empty when it is shown.
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// True when the item may be shown.
    pub fn allowed(&self) -> bool {
        self.reasons.is_empty()
    }

    fn deny(&mut self, rule: String, reason: WithheldReason) {
        self.reasons.push(Reason { rule, reason });
    }
}

/// Categories of an item: its labels, plus the category of its source's care setting
/// when every organisation that reported it is of that setting.
pub fn categories(policy: &Policy, entry: &Entry) -> Vec<SensitiveCategory> {
    let mut out: Vec<SensitiveCategory> = entry.sensitivity.iter().map(|s| s.category).collect();
    for rule in &policy.sensitive_sources {
        let all_from = !entry.provenance.is_empty()
            && entry
                .provenance
                .iter()
                .all(|p| p.organisation.care_setting == rule.care_setting);
        if all_from && !out.contains(&rule.category) {
            out.push(rule.category);
        }
    }
    out
}

fn category_key(c: SensitiveCategory) -> String {
    match serde_json::to_value(c) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{c:?}").to_lowercase(),
    }
}

/// Decides every item of the record for the viewer, in record order.
pub fn decide(policy: &Policy, viewer: &Viewer<'_>, record: &SharedCareRecord) -> Vec<Decision> {
    let role = viewer.role;
    let participating_all = policy.participating_organisations.iter().any(|o| o == "*");
    let legitimate = policy
        .legitimate_relationships
        .contains(&viewer.relationship);
    let opted_out_applies =
        viewer.patient_opted_out && !(viewer.break_glass && policy.break_glass.overrides_opt_out);
    let mut withheld_categories: Vec<SensitiveCategory> = Vec::new();
    let mut decisions: Vec<Decision> = record
        .entries
        .iter()
        .map(|entry| {
            let mut d = Decision::default();
            if opted_out_applies {
                d.deny("consent:opt-out".to_owned(), WithheldReason::PatientOptOut);
            }
            if !legitimate && !viewer.break_glass {
                d.deny("relationship".to_owned(), WithheldReason::NoRelationship);
            }
            if !role.allows_section(entry.section) {
                d.deny(format!("role:{}", role.name), WithheldReason::RoleSection);
            }
            let cats = categories(policy, entry);
            for rule in policy
                .deny
                .iter()
                .filter(|r| r.roles.iter().any(|n| n == "*" || *n == role.name))
            {
                if rule
                    .sections
                    .iter()
                    .any(|s| s == "*" || s == entry.section.key())
                {
                    d.deny(format!("deny:{}", rule.id), WithheldReason::RoleSection);
                }
                for c in cats.iter().filter(|c| rule.categories.contains(c)) {
                    d.deny(
                        format!("deny:{}", rule.id),
                        WithheldReason::SensitiveCategory(category_key(*c)),
                    );
                }
            }
            for c in cats.iter().filter(|c| !role.sensitive.contains(c)) {
                d.deny(
                    format!("role:{}:sensitive", role.name),
                    WithheldReason::SensitiveCategory(category_key(*c)),
                );
                if !withheld_categories.contains(c) {
                    withheld_categories.push(*c);
                }
            }
            if !participating_all
                && !entry.provenance.iter().any(|p| {
                    p.organisation
                        .ods_code
                        .as_ref()
                        .is_some_and(|ods| policy.participating_organisations.contains(ods))
                })
            {
                d.deny("participation".to_owned(), WithheldReason::NonParticipating);
            }
            d
        })
        .collect();
    for rule in policy
        .inference
        .iter()
        .filter(|r| withheld_categories.contains(&r.category))
    {
        for (entry, d) in record.entries.iter().zip(decisions.iter_mut()) {
            if !d.allowed() || !rule.sections.iter().any(|s| s == entry.section.key()) {
                continue;
            }
            let text = item_text(entry);
            if rule.terms.iter().any(|t| text.contains(t.as_str())) {
                d.deny(format!("inference:{}", rule.id), WithheldReason::Inference);
            }
        }
    }
    decisions
}

/// The item's words, lower-cased: title, code display and every text of its detail.
fn item_text(entry: &Entry) -> String {
    let mut text = entry.title.to_lowercase();
    if let Some(d) = entry.code.as_ref().and_then(|c| c.display.as_deref()) {
        text.push(' ');
        text.push_str(&d.to_lowercase());
    }
    if let Ok(detail) = serde_json::to_string(&entry.detail) {
        text.push(' ');
        text.push_str(&detail.to_lowercase());
    }
    text
}
