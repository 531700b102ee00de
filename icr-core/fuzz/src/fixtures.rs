//! The project's own demo data, built once per process: the five synthetic demo sources
//! merged into one record, a GP session over it, its summary, and the keys the seed
//! tokens and audit logs are made with.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use icr_core::access::Policy;
use icr_core::audit::{AuditKey, MemoryAuditLog};
use icr_core::launch::Relationship;
use icr_core::session::{Icr, Session, demo};
use icr_core::{PatientSummary, SharedCareRecord};

/// The HMAC key of the seed audit logs (fuzzing only).
pub const AUDIT_KEY: [u8; 32] = *b"icr fuzz audit key: not a secret";

/// The HS256 secret of the seed launch tokens (fuzzing only).
pub const HS256_SECRET: &[u8] = b"icr fuzz hs256 secret: not a secret at all";

/// Seed of the Ed25519 launch key (fuzzing only).
pub const ED25519_SEED: [u8; 32] = *b"icr fuzz ed25519 seed: not secre";

/// The time the launch target verifies at: the seed tokens were minted at it.
pub const NOW: i64 = 1_795_000_000;

/// The audit key.
pub fn audit_key() -> AuditKey {
    AuditKey::from_bytes(&AUDIT_KEY).unwrap()
}

/// The demo patient's record from the five demo sources.
pub fn demo_record() -> &'static SharedCareRecord {
    static RECORD: OnceLock<SharedCareRecord> = OnceLock::new();
    RECORD.get_or_init(|| icr_core::demo::record().unwrap())
}

/// A fresh ICR (default policy, demo launch key, audit in memory) and a GP session
/// for the demo patient in it.
pub fn gp_session() -> (Arc<MemoryAuditLog>, Icr, Session) {
    let audit = Arc::new(MemoryAuditLog::new(audit_key()));
    let icr = demo::icr(audit.clone()).unwrap();
    let policy = Policy::default_uk().unwrap();
    let now = jiff::Timestamp::now().as_second();
    let patient = icr_core::demo::patient().unwrap();
    let token = demo::token(&policy, "gp", Relationship::RegisteredGp, patient, now).unwrap();
    let session = icr.open_session(&token).unwrap();
    (audit, icr, session)
}

/// Runs `f` with a GP session for the demo patient. The session (and the audit log in
/// memory behind it, which grows with every summary) is replaced every 2,000 uses, so a
/// long fuzzing run stays within its memory limit.
pub fn with_gp_session<T>(f: impl FnOnce(&Session) -> T) -> T {
    /// A GP session with the number of times it has been used.
    type CountedSession = (u32, (Arc<MemoryAuditLog>, Icr, Session));
    thread_local! {
        static SESSION: RefCell<Option<CountedSession>> = const { RefCell::new(None) };
    }
    SESSION.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(uses, _)| *uses >= 2_000) {
            *slot = Some((0, gp_session()));
        }
        let (uses, (_, _, session)) = slot.as_mut().unwrap();
        *uses += 1;
        f(session)
    })
}

/// The demo patient's summary as a GP sees it.
pub fn demo_summary() -> &'static PatientSummary {
    static SUMMARY: OnceLock<PatientSummary> = OnceLock::new();
    SUMMARY.get_or_init(|| with_gp_session(|s| s.summary(demo_record()).unwrap()))
}
