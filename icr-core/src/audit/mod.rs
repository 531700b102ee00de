//! The tamper-evident audit log: who opened which patient's record, saw what, was refused
//! what, and who broke the glass.
//!
//! # Why it is built this way
//!
//! - **Fail closed.** A session appends an entry *before* it returns any data, and
//!   [`AuditSink::append`] returns only once the entry is durable. If the append fails,
//!   the session fails and shows nothing: an access that cannot be audited does not
//!   happen. [`MemoryAuditLog::failing`] lets hosts test that path.
//! - **Hash chain under a key.** Each [`AuditEntry`] carries the HMAC-SHA-256 of its
//!   content (`mac`) and the MAC of the entry before it (`prev`), with sequence numbers
//!   going up by one from 1. Editing an entry breaks its MAC; deleting, inserting or
//!   reordering entries breaks a link; and because the MAC is keyed with an
//!   [`AuditKey`] kept outside the log, someone who can write the file cannot recompute
//!   the chain after a change. [`verify_file`] reports each [`Problem`] with its line.
//! - **Checkpoints for the end of the log.** A chain cannot show that its last entries
//!   were cut off, or that the whole file was swapped for an older copy: what remains is
//!   a valid chain. The host keeps the latest [`Checkpoint`] (sequence number and MAC of
//!   the last acknowledged entry) somewhere else; against it, verification reports
//!   [`ProblemKind::Truncated`] and [`ProblemKind::RolledBack`].
//! - **Quarantine, not repair.** A crash in the middle of a write can leave a torn last
//!   line. [`FileAuditLog::open`] moves it out of the log into
//!   `<path>.quarantine-<seq>` and continues the chain after the last good entry. The
//!   torn line was never acknowledged (an append returns after the whole line is synced),
//!   so nothing acknowledged is lost; its bytes are kept for investigation and never read
//!   as an entry. Damage anywhere before the last line is not a crash: opening fails.
//! - **Durable and fast enough.** Each line goes out in one `write` on an `O_APPEND`
//!   file and is `fdatasync`ed before `append` returns; concurrent appends share syncs
//!   (group commit). The file is JSON Lines, readable with `jq`.
//!
//! The log is patient data: error messages and `Debug` output never show its contents.
//!
//! # File format
//!
//! One [`AuditEntry`] per line, `{"seq":1,"time":"…","record":{…},"prev":"…","mac":"…"}`.
//! `mac` = HMAC-SHA-256(key, the compact serde_json bytes of
//! `{"seq","time","record","prev"}` in that order), in lower-case hex; the line is those
//! bytes with the final `}` replaced by `,"mac":"<hex>"}`. A verifier therefore checks a
//! line's MAC over the line's own bytes, without parsing or re-serialising it.
//!
//! ```
//! use icr_core::audit::{AuditKey, AuditKind, AuditRecord, AuditSink, MemoryAuditLog};
//!
//! let log = MemoryAuditLog::new(AuditKey::from_bytes(&[7; 32])?);
//! let entry = log.append(AuditRecord {
//!     kind: AuditKind::RecordViewed,
//!     user_id: "555123456789".into(),
//!     patient: Some("9434765919".into()),
//!     sections: vec!["medications".into()],
//!     ..AuditRecord::default()
//! })?;
//! assert_eq!(entry.seq, 1);
//! # Ok::<(), icr_core::audit::AuditError>(())
//! ```

pub(crate) mod chain;
mod error;
mod fhir;
mod file;
mod memory;
mod record;
mod report;
#[cfg(feature = "fetch")]
mod ship;
mod source;
pub(crate) mod verify;

#[cfg(test)]
mod tests;

pub use chain::AuditKey;
pub use error::AuditError;
pub use fhir::{
    AUDIT_ENTRY_SYSTEM, AUDIT_ITEM_SYSTEM, AuditSystem, AuditSystems, BALP_PATIENT_READ,
    to_balp_audit_event, to_fhir_audit_event,
};
pub use file::FileAuditLog;
pub use memory::MemoryAuditLog;
pub use record::{AuditEntry, AuditKind, AuditOutcome, AuditRecord, Checkpoint, WithheldCount};
pub use report::{
    AccessReportLine, patient_access_report, patient_access_report_file, privacy_alerts,
};
#[cfg(feature = "fetch")]
pub use ship::{FileShipMark, ShipError, ShipMark, ShipReport, ShipTarget, ship_pending};
pub use source::{AuditLog, AuditSource, FileAuditReader, access_report_from, privacy_alerts_from};
pub use verify::{
    Problem, ProblemKind, VerifyReport, for_each_verified, read_verified, verify_file,
};

/// Where a session records what it does. Shared between threads (`&self`).
pub trait AuditSink: Send + Sync {
    /// Seals the record into the next entry and stores it durably. Returns the entry once
    /// it is stored, or an error, in which case the caller must not return data.
    fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditError>;
}
