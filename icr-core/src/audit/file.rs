//! The durable log: one file, appended with `O_APPEND`, each entry synced before it is
//! acknowledged, syncs shared between concurrent appends (group commit).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::chain::seal;
use super::verify::{LineReader, scan};
use super::{AuditEntry, AuditError, AuditKey, AuditRecord, AuditSink, Checkpoint, ProblemKind};

/// An audit log in a file, one JSON entry per line (see [`AuditEntry`]).
///
/// [`append`](AuditSink::append) returns only once the entry is on stable storage
/// (`fdatasync`). Threads appending at the same time share syncs: while one thread syncs,
/// the others write their lines and wait; the next sync covers all of them. Each caller
/// still returns only after a sync that covers its own entry.
///
/// After a failed write or sync the log refuses every append ([`AuditError::Poisoned`])
/// until it is reopened: a failed `fdatasync` may have dropped data, so nothing later can
/// be acknowledged on top of it. One process writes a given file at a time.
pub struct FileAuditLog {
    key: AuditKey,
    path: PathBuf,
    /// Opened with `O_APPEND`; written under `state`'s lock, synced outside it.
    file: File,
    state: Mutex<State>,
    /// Signalled when a sync ends (or fails).
    synced: Condvar,
    quarantined: Option<PathBuf>,
}

struct State {
    next_seq: u64,
    /// MAC of the last entry written.
    head_mac: String,
    /// Sequence number of the last entry written (not necessarily synced).
    written: u64,
    /// The last entry covered by a completed sync.
    durable: Checkpoint,
    /// A thread is syncing now.
    syncing: bool,
    /// The operation that failed, after which appends are refused.
    failed: Option<&'static str>,
    /// Syncs done (for tests and the benchmark: fewer than appends under group commit).
    syncs: u64,
}

impl FileAuditLog {
    /// Opens the log at `path`, creating it (and syncing its directory) if it does not
    /// exist, and verifies the whole existing chain.
    ///
    /// A torn last line — no newline, unreadable, or a bad MAC on the last line only, as a
    /// crash in the middle of a write leaves — is quarantined: its bytes are copied to
    /// `<path>.quarantine-<seq>` (`seq` being the number it would have had), synced, and
    /// cut from the log, which then continues from the last good entry. See
    /// [`quarantined`](Self::quarantined). Any other problem fails with
    /// [`AuditError::ChainBroken`] naming the line, and the log is not touched.
    pub fn open(path: &Path, key: AuditKey) -> Result<FileAuditLog, AuditError> {
        let existed = path.try_exists().map_err(AuditError::io("open"))?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(AuditError::io("open"))?;
        if !file.metadata().map_err(AuditError::io("open"))?.is_file() {
            return Err(AuditError::NotAFile);
        }
        if !existed {
            sync_dir(path)?;
        }
        let read = File::open(path).map_err(AuditError::io("read"))?;
        let found = scan(LineReader::new(read)?, &key, None, |_, _, _| Ok(()))?;
        let mut quarantined = None;
        let mut problems = found.report.problems.iter();
        if let Some(first) = problems.next() {
            let torn = matches!(first.kind, ProblemKind::TornTail | ProblemKind::BadMac)
                && first.line == found.lines
                && problems.next().is_none();
            if !torn {
                return Err(AuditError::ChainBroken {
                    line: first.line,
                    seq: first.seq,
                    problem: first.kind.clone(),
                });
            }
            let seq = found.report.head.seq.saturating_add(1);
            quarantined = Some(quarantine(path, &file, found.verified_len, seq)?);
        }
        let head = found.report.head;
        Ok(FileAuditLog {
            key,
            path: path.to_owned(),
            file,
            state: Mutex::new(State {
                next_seq: head.seq.saturating_add(1),
                head_mac: head.mac.clone(),
                written: head.seq,
                durable: head,
                syncing: false,
                failed: None,
                syncs: 0,
            }),
            synced: Condvar::new(),
            quarantined,
        })
    }

    /// The last acknowledged (synced) entry, for the host to keep where this log's writer
    /// cannot change it, and to give to [`verify_file`](super::verify_file) later.
    pub fn checkpoint(&self) -> Checkpoint {
        match self.state.lock() {
            Ok(state) => state.durable.clone(),
            Err(poisoned) => poisoned.into_inner().durable.clone(),
        }
    }

    /// Where the torn last line found by [`open`](Self::open) was moved, if there was one.
    /// Its bytes are kept for investigation and are never trusted.
    pub fn quarantined(&self) -> Option<&Path> {
        self.quarantined.as_deref()
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of syncs done since the log was opened.
    pub fn sync_count(&self) -> u64 {
        match self.state.lock() {
            Ok(state) => state.syncs,
            Err(poisoned) => poisoned.into_inner().syncs,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, AuditError> {
        self.state.lock().map_err(|_| AuditError::LockPoisoned)
    }

    /// Test hook: replaces the file handle (with a read-only one, to make writes fail
    /// even as root, where permissions are not enforced).
    #[cfg(test)]
    pub(crate) fn replace_file_for_test(&mut self, file: File) {
        self.file = file;
    }
}

impl AuditSink for FileAuditLog {
    fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditError> {
        let mut state = self.lock()?;
        if let Some(operation) = state.failed {
            return Err(AuditError::Poisoned { operation });
        }
        let seq = state.next_seq;
        let time = jiff::Timestamp::now().to_string();
        let (entry, line) = seal(&self.key, seq, time, record, &state.head_mac)?;
        // One write of the whole line; under the lock, so lines never interleave.
        if let Err(e) = (&self.file).write_all(&line) {
            state.failed = Some("write");
            self.synced.notify_all();
            return Err(AuditError::io("write")(e));
        }
        state.next_seq = seq.saturating_add(1);
        state.head_mac.clone_from(&entry.mac);
        state.written = seq;
        loop {
            if state.durable.seq >= seq {
                return Ok(entry);
            }
            if let Some(operation) = state.failed {
                return Err(AuditError::Poisoned { operation });
            }
            if state.syncing {
                // Another thread is syncing; the next sync covers this entry.
                state = self
                    .synced
                    .wait(state)
                    .map_err(|_| AuditError::LockPoisoned)?;
                continue;
            }
            state.syncing = true;
            let target = Checkpoint {
                seq: state.written,
                mac: state.head_mac.clone(),
            };
            drop(state);
            let result = self.file.sync_data();
            state = match self.lock() {
                Ok(state) => state,
                Err(e) => {
                    // Wake the waiters, who then see the poisoned lock too.
                    self.synced.notify_all();
                    return Err(e);
                }
            };
            state.syncing = false;
            state.syncs += 1;
            self.synced.notify_all();
            match result {
                Ok(()) if target.seq > state.durable.seq => state.durable = target,
                Ok(()) => {}
                Err(e) => {
                    state.failed = Some("sync");
                    return Err(AuditError::io("sync")(e));
                }
            }
        }
    }
}

impl fmt::Debug for FileAuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileAuditLog")
            .field("path", &self.path)
            .field("checkpoint", &self.checkpoint())
            .field("quarantined", &self.quarantined)
            .finish_non_exhaustive()
    }
}

/// Copies the bytes from `good_len` to the end into a new quarantine file, syncs it and its
/// directory, then cuts them from the log and syncs the log.
fn quarantine(path: &Path, log: &File, good_len: u64, seq: u64) -> Result<PathBuf, AuditError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".quarantine-{seq}"));
    let base = path.with_file_name(name);
    let mut target = base.clone();
    let mut copy = 1;
    let mut out = loop {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
        {
            Ok(file) => break file,
            // An earlier crash left one for this seq: keep it, use the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && copy < 1000 => {
                copy += 1;
                let mut name = base.as_os_str().to_os_string();
                name.push(format!(".{copy}"));
                target = PathBuf::from(name);
            }
            Err(e) => return Err(AuditError::io("quarantine")(e)),
        }
    };
    let mut torn = File::open(path).map_err(AuditError::io("quarantine"))?;
    torn.seek(SeekFrom::Start(good_len))
        .map_err(AuditError::io("quarantine"))?;
    io::copy(&mut torn, &mut out).map_err(AuditError::io("quarantine"))?;
    out.sync_all().map_err(AuditError::io("quarantine"))?;
    sync_dir(&target)?;
    log.set_len(good_len)
        .map_err(AuditError::io("quarantine"))?;
    log.sync_all().map_err(AuditError::io("quarantine"))?;
    Ok(target)
}

/// Syncs the directory holding `path`, so that a new name in it survives a crash.
fn sync_dir(path: &Path) -> Result<(), AuditError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AuditError::io("sync directory"))
}
