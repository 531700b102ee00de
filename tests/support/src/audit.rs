//! Audit fixtures: the MAC keys test logs are sealed with, and the record of a typical
//! view, so each test binary does not write its own.
//!
//! Nothing in a test depends on the key's bytes, only on every writer and reader of one
//! log using the same key; one key for every test (and [`another_key`] where a test needs
//! a chain the first key cannot verify) says so.

use icr_core::audit::{AuditKey, AuditKind, AuditRecord};

/// The bytes of [`key`]: for a host that takes the key as bytes (the FFI's
/// `AuditLog::Postgres`) or as hex ([`key_hex`], the `icr` command's `ICR_AUDIT_KEY`).
pub const KEY: &[u8] = b"icr test audit key: 32 bytes or more, never deployed";

/// The key every test log is sealed with (a test's, never a deployment's).
pub fn key() -> AuditKey {
    AuditKey::from_bytes(KEY).expect("a 52-byte key is long enough")
}

/// [`KEY`] as hex, the way the `icr` command reads `ICR_AUDIT_KEY`.
pub fn key_hex() -> String {
    KEY.iter().map(|b| format!("{b:02x}")).collect()
}

/// A second key, for a log [`key`] must not verify: another deployment's chain, which a
/// test puts where the first one was expected.
pub fn another_key() -> AuditKey {
    AuditKey::from_bytes(b"another deployment's audit key, also 32 bytes or more")
        .expect("a 53-byte key is long enough")
}

/// A GP's view of a patient's medications, the `i`-th of a test log, in the session
/// named `{session}{i}` (`viewed("s", 7)` is in session `s7`): a line of a typical log.
///
/// Pass `i / k` for `k` views a session. The session id is the only field that varies,
/// so a test that edits a stored line can find it by that id.
pub fn viewed(session: &str, i: u64) -> AuditRecord {
    AuditRecord {
        kind: AuditKind::RecordViewed,
        session_id: format!("{session}{i}"),
        user_id: "555123456789".into(),
        role: "gp".into(),
        organisation: "A12345".into(),
        patient: Some("9434765919".into()),
        sections: vec!["medications".into()],
        ..AuditRecord::default()
    }
}
