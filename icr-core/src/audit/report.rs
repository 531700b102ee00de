//! Reading the log for people: a patient's access report and the privacy officer's list.

use serde::{Deserialize, Serialize};

use super::{AuditEntry, AuditKind, AuditOutcome};

/// One access to a patient's record, as the patient or a privacy officer reads it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReportLine {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// Who: SDS user id.
    pub user_id: String,
    /// Who: name, when known.
    pub user_name: Option<String>,
    /// Their role.
    pub role: String,
    /// Their organisation (ODS code).
    pub organisation: String,
    /// What happened.
    pub kind: AuditKind,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Sections shown.
    pub sections: Vec<String>,
    /// How many items were shown (the audit entry names each one; the report counts
    /// them). 0 for entries that show nothing, and for entries written before item ids
    /// were audited.
    #[serde(default)]
    pub items_shown: i64,
    /// How many items were withheld from the user.
    #[serde(default)]
    pub items_withheld: i64,
    /// Why: purpose of use.
    pub purpose: Option<String>,
    /// Why: break-glass justification or denial reason.
    pub reason: Option<String>,
}

/// Who looked at (or tried to look at) this patient's record, when, which sections, how
/// many items were shown and withheld, and why: every entry about the patient, oldest
/// first. Items are counted, not named: item ids are resource references that mean
/// nothing to a patient; the audit entry itself names each one for an investigation. Spaces and hyphens in the NHS number
/// are ignored.
pub fn patient_access_report(entries: &[AuditEntry], nhs_number: &str) -> Vec<AccessReportLine> {
    let wanted = digits(nhs_number);
    entries
        .iter()
        .filter(|e| concerns(e, &wanted))
        .map(line_of)
        .collect()
}

/// The same report read from a log file, streamed: only the patient's lines are held,
/// never the whole log. Entries after the log's first problem are not reported.
pub fn patient_access_report_file(
    path: &std::path::Path,
    key: &super::AuditKey,
    nhs_number: &str,
) -> Result<Vec<AccessReportLine>, super::AuditError> {
    let wanted = digits(nhs_number);
    let mut lines = Vec::new();
    super::verify::for_each_verified(path, key, |e| {
        if concerns(&e, &wanted) {
            lines.push(line_of(&e));
        }
    })?;
    Ok(lines)
}

fn concerns(e: &AuditEntry, wanted: &str) -> bool {
    !wanted.is_empty()
        && e.record
            .patient
            .as_deref()
            .is_some_and(|p| digits(p) == wanted)
}

fn line_of(e: &AuditEntry) -> AccessReportLine {
    let r = &e.record;
    AccessReportLine {
        time: e.time.clone(),
        user_id: r.user_id.clone(),
        user_name: r.user_name.clone(),
        role: r.role.clone(),
        organisation: r.organisation.clone(),
        kind: r.kind,
        outcome: r.outcome,
        sections: r.sections.clone(),
        items_shown: i64::try_from(r.items_shown.len()).unwrap_or(i64::MAX),
        items_withheld: i64::try_from(r.items_withheld.len()).unwrap_or(i64::MAX),
        purpose: r.purpose.clone(),
        reason: r.reason.clone(),
    }
}

/// Entries a privacy officer must review: every break-glass, and every denial (a refused
/// session, a refused record, or any entry whose outcome is denied).
pub fn privacy_alerts(entries: &[AuditEntry]) -> Vec<AuditEntry> {
    entries
        .iter()
        .filter(|e| {
            matches!(
                e.record.kind,
                AuditKind::BreakGlass | AuditKind::AccessDenied | AuditKind::SessionRefused
            ) || e.record.outcome == AuditOutcome::Denied
        })
        .cloned()
        .collect()
}

fn digits(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
}
