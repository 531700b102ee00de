//! Verifying an audit file from a host (the records themselves are core's).

use std::path::Path;

use icr_core::audit::{self, AuditKey, Checkpoint, VerifyReport};

use crate::error::IcrError;

/// Verifies an audit file's chain with its key: every line's MAC, the links between lines,
/// the sequence and, given a checkpoint kept elsewhere, that the file was not rolled back
/// or cut short past it. `problems` is empty when it verifies.
#[uniffi::export(default(checkpoint = None))]
pub fn verify_audit_file(
    path: String,
    key: Vec<u8>,
    checkpoint: Option<Checkpoint>,
) -> Result<VerifyReport, IcrError> {
    let key = AuditKey::from_bytes(&key)?;
    Ok(audit::verify_file(
        Path::new(&path),
        &key,
        checkpoint.as_ref(),
    )?)
}

/// What an audit problem means, in words (no patient data).
#[uniffi::export]
pub fn describe_audit_problem(kind: audit::ProblemKind) -> String {
    kind.to_string()
}
