//! The audit log as hosts read it: a patient's access report and verification.

use std::path::Path;

use icr_core::audit::{self, AuditKey, verify_file};

use crate::error::{CoreError, IcrError, host};
use crate::summary::{code, count};

/// One access to a patient's record: who, when, what, why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccessReportLine {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// Who: SDS user id.
    pub user_id: String,
    /// Who: name, when known.
    pub user_name: Option<String>,
    /// Their policy role (`gp`).
    pub role: String,
    /// Their organisation (ODS code).
    pub organisation: String,
    /// What happened: `session_opened`, `session_refused`, `record_viewed`,
    /// `access_denied`, `break_glass`.
    pub kind: String,
    /// How it ended: `success`, `denied`, `failed`.
    pub outcome: String,
    /// Sections shown.
    pub sections: Vec<String>,
    /// Purpose of use.
    pub purpose: Option<String>,
    /// Break-glass justification or denial reason.
    pub reason: Option<String>,
    /// How many items were shown (each is named in the audit entry).
    pub items_shown: i64,
    /// How many items were withheld.
    pub items_withheld: i64,
}

impl From<audit::AccessReportLine> for AccessReportLine {
    fn from(l: audit::AccessReportLine) -> Self {
        AccessReportLine {
            time: l.time,
            user_id: l.user_id,
            user_name: l.user_name,
            role: l.role,
            organisation: l.organisation,
            kind: code(&l.kind),
            outcome: code(&l.outcome),
            sections: l.sections,
            purpose: l.purpose,
            reason: l.reason,
            items_shown: count(l.items_shown),
            items_withheld: count(l.items_withheld),
        }
    }
}

/// The head of an audit log at some moment: keep it apart from the log to detect a log
/// cut short or rolled back.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Checkpoint {
    /// Sequence number of the last entry (0 for an empty log).
    pub seq: i64,
    /// Hex MAC of that entry.
    pub mac: String,
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<audit::Checkpoint> for Checkpoint {
    fn from(c: audit::Checkpoint) -> Self {
        Checkpoint {
            seq: signed(c.seq),
            mac: c.mac,
        }
    }
}

impl TryFrom<Checkpoint> for audit::Checkpoint {
    type Error = IcrError;

    fn try_from(c: Checkpoint) -> Result<Self, IcrError> {
        let seq = u64::try_from(c.seq).map_err(|_| {
            host(CoreError::Input(
                "a checkpoint's seq is never negative".to_owned(),
            ))
        })?;
        Ok(audit::Checkpoint { seq, mac: c.mac })
    }
}

/// One thing wrong with an audit log, and where.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditProblem {
    /// Line of the file (1-based).
    pub line: i64,
    /// Sequence number on that line, when readable.
    pub seq: Option<i64>,
    /// What is wrong (`bad_mac`, `bad_link`, `truncated`, …).
    pub kind: String,
    /// The same in words.
    pub description: String,
}

/// What verifying an audit log found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditVerification {
    /// True when nothing is wrong.
    pub verified: bool,
    /// Entries read.
    pub entries: i64,
    /// What is wrong, in line order.
    pub problems: Vec<AuditProblem>,
    /// The last entry of the verified prefix: the checkpoint to keep when it verifies.
    pub head: Checkpoint,
}

impl From<audit::VerifyReport> for AuditVerification {
    fn from(r: audit::VerifyReport) -> Self {
        AuditVerification {
            verified: r.is_verified(),
            entries: signed(r.entries),
            problems: r
                .problems
                .into_iter()
                .map(|p| AuditProblem {
                    line: signed(p.line),
                    seq: p.seq.map(signed),
                    kind: code(&p.kind),
                    description: p.kind.to_string(),
                })
                .collect(),
            head: r.head.into(),
        }
    }
}

/// Verifies an audit log file with its key, against a checkpoint when given: what a
/// privacy officer's tool runs over a log.
#[uniffi::export(default(checkpoint = None))]
pub fn verify_audit_file(
    path: String,
    key: Vec<u8>,
    checkpoint: Option<Checkpoint>,
) -> Result<AuditVerification, IcrError> {
    let key = AuditKey::from_bytes(&key)?;
    let checkpoint = checkpoint.map(audit::Checkpoint::try_from).transpose()?;
    Ok(verify_file(Path::new(&path), &key, checkpoint.as_ref())?.into())
}
