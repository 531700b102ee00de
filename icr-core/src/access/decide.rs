//! Access decisions: for each item of a record, may this viewer see it, and if not, why.
//!
//! Every rule that withholds an item adds a reason; an item is shown only when no rule
//! withholds it (deny overrides allow). Reasons name the rule and the category, so the
//! summary can tell the clinician why something is withheld without saying what it is.

use serde::Serialize;

use super::pack::{PackIndex, category_key};
use super::policy::{Compiled, Policy, RoleRule};
use crate::merge::SharedCareRecord;
use crate::model::WithheldReason;
use crate::model::{Entry, Item, LabelBasis, SensitiveCategory, Sensitivity};

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
    /// Its sensitivity labels, each with its basis: security labels and item kind from
    /// ingest, the policy's packs, its source's care setting, and the items it is linked to.
    pub labels: Vec<Sensitivity>,
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

/// An item's own labels: from ingest (security labels, kind of item), from the policy's
/// code packs (each concept it carries), and from its source's care setting when every
/// organisation that reported it is of a setting the policy treats as sensitive.
fn own_labels(policy: &Policy, packs: &PackIndex, entry: &Item) -> Vec<Sensitivity> {
    let mut out: Vec<Sensitivity> = entry.sensitivity.clone();
    for &c in &entry.concepts {
        for pack in packs.packs_of(c) {
            if !out.iter().any(|s| s.category == pack.category) {
                out.push(Sensitivity {
                    category: pack.category,
                    basis: LabelBasis::Code,
                    pack: Some(pack.id.clone()),
                    code: Some(c.to_string()),
                });
            }
        }
    }
    for rule in &policy.sensitive_sources {
        let all_from = !entry.provenance.is_empty()
            && entry
                .provenance
                .iter()
                .all(|p| p.organisation.care_setting == rule.care_setting);
        if all_from && !out.iter().any(|s| s.category == rule.category) {
            out.push(Sensitivity::new(rule.category, LabelBasis::CareSetting));
        }
    }
    out
}

/// Every item's labels: its own, then a `linked` label for each category of an item it
/// is linked to that it does not carry itself (one step: what a linked item inherited is
/// not passed on, so a consultation does not spread one topic's sensitivity to the rest).
pub fn labels(policy: &Policy, record: &SharedCareRecord) -> Vec<Vec<Sensitivity>> {
    labels_with(policy, &policy.compiled(), record)
}

fn labels_with(
    policy: &Policy,
    compiled: &Compiled,
    record: &SharedCareRecord,
) -> Vec<Vec<Sensitivity>> {
    let own: Vec<Vec<Sensitivity>> = record
        .entries
        .iter()
        .map(|e| own_labels(policy, &compiled.codes, e))
        .collect();
    // What each linked item inherits, worked out from the own labels before they are
    // moved into the result.
    let inherited: Vec<(usize, Vec<Sensitivity>)> = record
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.linked_at.is_empty())
        .filter_map(|(i, entry)| {
            let mine = own.get(i)?;
            let mut extra: Vec<Sensitivity> = Vec::new();
            for cat in entry
                .linked_at
                .iter()
                .filter_map(|&j| own.get(j))
                .flatten()
                .map(|s| s.category)
            {
                if !mine.iter().chain(&extra).any(|s| s.category == cat) {
                    extra.push(Sensitivity::new(cat, LabelBasis::Linked));
                }
            }
            (!extra.is_empty()).then_some((i, extra))
        })
        .collect();
    let mut all = own;
    for (i, extra) in inherited {
        if let Some(labels) = all.get_mut(i) {
            labels.extend(extra);
        }
    }
    all
}

/// The reason a label withholds an item: its category, or only "linked to sensitive
/// information" when it was inherited (never which).
fn label_reason(label: &Sensitivity) -> WithheldReason {
    if label.basis == LabelBasis::Linked {
        WithheldReason::Linked
    } else {
        WithheldReason::SensitiveCategory(category_key(label.category))
    }
}

/// Decides every item of the record for the viewer, in record order.
pub fn decide(policy: &Policy, viewer: &Viewer<'_>, record: &SharedCareRecord) -> Vec<Decision> {
    decide_with(policy, &policy.compiled(), viewer, record)
}

/// [`decide`] with the policy's packs already indexed: an `Icr` indexes its policy once,
/// when it is built, since its policy never changes after.
pub(crate) fn decide_with(
    policy: &Policy,
    compiled: &Compiled,
    viewer: &Viewer<'_>,
    record: &SharedCareRecord,
) -> Vec<Decision> {
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
        .zip(labels_with(policy, compiled, record))
        .map(|(entry, labels)| {
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
                for l in labels
                    .iter()
                    .filter(|l| rule.categories.contains(&l.category))
                {
                    d.deny(format!("deny:{}", rule.id), label_reason(l));
                }
            }
            for l in labels
                .iter()
                .filter(|l| !role.sensitive.contains(&l.category))
            {
                d.deny(format!("role:{}:sensitive", role.name), label_reason(l));
                if !withheld_categories.contains(&l.category) {
                    withheld_categories.push(l.category);
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
            d.labels = labels;
            d
        })
        .collect();
    for (rule, terms) in policy
        .inference
        .iter()
        .zip(&compiled.inference)
        .filter(|(r, _)| withheld_categories.contains(&r.category))
    {
        for (entry, d) in record.entries.iter().zip(decisions.iter_mut()) {
            if !d.allowed() || !rule.sections.iter().any(|s| s == entry.section.key()) {
                continue;
            }
            if terms.matches(&item_text(entry), &entry.concepts) {
                d.deny(format!("inference:{}", rule.id), WithheldReason::Inference);
            }
        }
    }
    decisions
}

/// The item's words: title, code display and every text of its detail.
fn item_text(entry: &Entry) -> String {
    let mut text = entry.title.clone();
    if let Some(d) = entry.code.as_ref().and_then(|c| c.display.as_deref()) {
        text.push(' ');
        text.push_str(d);
    }
    if let Ok(detail) = serde_json::to_string(&entry.detail) {
        text.push(' ');
        text.push_str(&detail);
    }
    text
}
