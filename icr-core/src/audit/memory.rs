//! An in-memory log, for tests and for hosts that keep the lines in their own storage.

use std::io::Write;
use std::sync::Mutex;

use super::chain::seal;
use super::{AuditEntry, AuditError, AuditKey, AuditRecord, AuditSink, Checkpoint};

/// An audit log held in memory, sealed and chained exactly as [`FileAuditLog`](super::FileAuditLog)
/// seals a file, so its [`export_jsonl`](Self::export_jsonl) output verifies with
/// [`verify_file`](super::verify_file).
///
/// [`failing`](Self::failing) and [`set_failing`](Self::set_failing) make appends fail, to
/// test that a session fails closed.
#[derive(Debug)]
pub struct MemoryAuditLog {
    key: AuditKey,
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    entries: Vec<AuditEntry>,
    failing: bool,
}

impl MemoryAuditLog {
    /// An empty log sealed with `key`.
    pub fn new(key: AuditKey) -> MemoryAuditLog {
        MemoryAuditLog {
            key,
            state: Mutex::new(MemoryState::default()),
        }
    }

    /// A log whose every append fails with [`AuditError::Unavailable`].
    pub fn failing() -> MemoryAuditLog {
        let log = MemoryAuditLog::new(AuditKey::from_bytes_unchecked(&[0; 32]));
        log.set_failing(true);
        log
    }

    /// Makes appends fail (`true`) or succeed again (`false`).
    pub fn set_failing(&self, failing: bool) {
        match self.state.lock() {
            Ok(mut state) => state.failing = failing,
            Err(poisoned) => poisoned.into_inner().failing = failing,
        }
    }

    /// The key the log is sealed under.
    pub(crate) fn key(&self) -> &AuditKey {
        &self.key
    }

    /// A copy of the entries, oldest first.
    pub fn entries(&self) -> Vec<AuditEntry> {
        match self.state.lock() {
            Ok(state) => state.entries.clone(),
            Err(poisoned) => poisoned.into_inner().entries.clone(),
        }
    }

    /// The last entry, as a checkpoint.
    pub fn checkpoint(&self) -> Checkpoint {
        let state = match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        state
            .entries
            .last()
            .map(|e| Checkpoint {
                seq: e.seq,
                mac: e.mac.clone(),
            })
            .unwrap_or_else(Checkpoint::empty)
    }

    /// Writes the log in the file format, one line per entry.
    pub fn export_jsonl(&self, out: &mut impl Write) -> Result<(), AuditError> {
        for entry in self.entries() {
            serde_json::to_writer(&mut *out, &entry).map_err(|_| AuditError::Serialize)?;
            out.write_all(b"\n").map_err(AuditError::io("write"))?;
        }
        Ok(())
    }
}

impl AuditSink for MemoryAuditLog {
    fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditError> {
        let mut state = self.state.lock().map_err(|_| AuditError::LockPoisoned)?;
        if state.failing {
            return Err(AuditError::Unavailable);
        }
        let (seq, prev) = match state.entries.last() {
            Some(last) => (last.seq.saturating_add(1), last.mac.as_str()),
            None => (1, super::record::GENESIS_MAC),
        };
        let time = jiff::Timestamp::now().to_string();
        let (entry, _line) = seal(&self.key, seq, time, record, prev)?;
        state.entries.push(entry.clone());
        Ok(entry)
    }
}
