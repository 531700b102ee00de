//! Errors of the audit log. Messages never quote an entry: the log is patient data.

use thiserror::Error;

use super::ProblemKind;

/// Why the audit log could not be opened, appended to or read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditError {
    /// A file operation failed. The session must not return data (fail closed).
    #[error("audit log {operation} failed: {kind}")]
    Io {
        /// What was being done (`"open"`, `"write"`, `"sync"`, `"read"`, `"quarantine"`).
        operation: &'static str,
        /// The operating system's error kind.
        kind: std::io::ErrorKind,
    },
    /// The path names something that is not a regular file (a directory, a device).
    #[error("audit log path is not a regular file")]
    NotAFile,
    /// The file at the path is not an audit log sealed under this key (its first line is
    /// not a valid entry): another file, or a log kept under another key. It is left as
    /// it is.
    #[error(
        "the file at the audit log path is not an audit log under this key; it was left untouched"
    )]
    NotAnAuditLog,
    /// The checkpoint file beside the log is not a checkpoint (`{"seq","mac"}`).
    #[error("the audit checkpoint file is not a checkpoint")]
    BadCheckpoint,
    /// The existing log does not verify before its last line, so it cannot be continued.
    #[error("audit log chain is broken at line {line} ({problem})")]
    ChainBroken {
        /// Line of the first problem (1-based).
        line: u64,
        /// Sequence number read from that line, when it could be read.
        seq: Option<u64>,
        /// What is wrong there.
        problem: ProblemKind,
    },
    /// The key is shorter than the 32 bytes HMAC-SHA-256 needs for full strength.
    #[error("audit key is {len} bytes, at least 32 are required")]
    KeyTooShort {
        /// Length of the key given.
        len: usize,
    },
    /// The system's random number generator failed while generating a key.
    #[error("audit key could not be generated: no system randomness")]
    Random,
    /// An entry could not be serialised (never expected; reported rather than panicking).
    #[error("audit entry could not be serialised")]
    Serialize,
    /// An earlier write or sync failed, so the log refuses appends until it is reopened
    /// (reopening quarantines a torn last line).
    #[error("audit log refuses appends after an earlier {operation} failure; reopen it")]
    Poisoned {
        /// The operation that failed first.
        operation: &'static str,
    },
    /// A thread panicked while it held the log's lock.
    #[error("audit log lock is poisoned")]
    LockPoisoned,
    /// The database holding the log could not be reached, or refused a statement: the
    /// append was not acknowledged and the session must not return data.
    #[error("audit database {operation} failed{}", code.as_ref().map(|c| format!(" (SQLSTATE {c})")).unwrap_or_default())]
    Database {
        /// What was being done (`"connect"`, `"append"`, `"read"`, `"migrate"`).
        operation: &'static str,
        /// The database's SQLSTATE code, when it gave one (never its message, which can
        /// quote values).
        code: Option<String>,
    },
    /// The database's schema is newer than this SDK knows: upgrade the SDK first.
    #[error("the database schema is version {found}; this SDK knows up to {known}")]
    SchemaTooNew {
        /// The version found.
        found: i32,
        /// The newest version this SDK applies.
        known: i32,
    },
    /// The store is not available (a [`MemoryAuditLog`](super::MemoryAuditLog) made to fail).
    #[error("audit store is unavailable")]
    Unavailable,
}

impl AuditError {
    pub(crate) fn io(operation: &'static str) -> impl FnOnce(std::io::Error) -> AuditError {
        move |e| AuditError::Io {
            operation,
            kind: e.kind(),
        }
    }
}
