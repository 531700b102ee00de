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

/// The sealed lines (each as [`seal`] wrote it, newline included), not the entries: an
/// append stores the one buffer it wrote and hands the entry itself back, instead of a
/// copy of every string in it; [`MemoryAuditLog::entries`] reads the lines back.
#[derive(Debug)]
struct MemoryState {
    lines: Vec<Vec<u8>>,
    head: Checkpoint,
    failing: bool,
}

impl Default for MemoryState {
    fn default() -> MemoryState {
        MemoryState {
            lines: Vec::new(),
            head: Checkpoint::empty(),
            failing: false,
        }
    }
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

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A copy of the entries, oldest first, read back from the sealed lines. Each line is
    /// serde_json's writing of an entry, which always reads back as that entry (the test
    /// `a_memory_log_reads_back_exactly_what_each_append_returned` holds it to that).
    pub fn entries(&self) -> Vec<AuditEntry> {
        self.state()
            .lines
            .iter()
            .filter_map(|line| serde_json::from_slice(line).ok())
            .collect()
    }

    /// The last entry, as a checkpoint.
    pub fn checkpoint(&self) -> Checkpoint {
        self.state().head.clone()
    }

    /// Writes the log in the file format, one line per entry: the lines as sealed.
    pub fn export_jsonl(&self, out: &mut impl Write) -> Result<(), AuditError> {
        let lines = self.state().lines.clone();
        for line in &lines {
            out.write_all(line).map_err(AuditError::io("write"))?;
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
        let seq = state.head.seq.saturating_add(1);
        let time = jiff::Timestamp::now().to_string();
        let (entry, line) = seal(&self.key, seq, time, record, &state.head.mac)?;
        state.lines.push(line);
        state.head.seq = seq;
        state.head.mac.clone_from(&entry.mac);
        Ok(entry)
    }
}
