//! Audit fixtures: one MAC key for every test log, and the record of a typical view, so
//! each test binary does not write its own.

use icr_core::audit::{AuditKey, AuditKind, AuditRecord};

/// The key every test log is sealed with (a test, never a deployment's).
pub fn key() -> AuditKey {
    AuditKey::from_bytes(b"icr test audit key: 32 bytes or more, never deployed")
        .expect("a 52-byte key is long enough")
}

/// A GP's view of a patient's medications in session `session_id`: a line of a typical
/// log.
pub fn viewed(session_id: String) -> AuditRecord {
    AuditRecord {
        kind: AuditKind::RecordViewed,
        session_id,
        user_id: "555123456789".into(),
        role: "gp".into(),
        organisation: "A12345".into(),
        patient: Some("9434765919".into()),
        sections: vec!["medications".into()],
        ..AuditRecord::default()
    }
}
