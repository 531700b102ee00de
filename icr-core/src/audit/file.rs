//! The durable log: one file, appended with `O_APPEND`, each entry synced before it is
//! acknowledged, syncs shared between concurrent appends (group commit).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::chain::{inspect, seal};
use super::verify::{LineReader, Start, scan, scan_from};
use super::{
    AuditEntry, AuditError, AuditKey, AuditKind, AuditOutcome, AuditRecord, AuditSink, Checkpoint,
    ProblemKind,
};

/// An audit log in a file, one JSON entry per line (see [`AuditEntry`]).
///
/// [`append`](AuditSink::append) returns only once the entry is on stable storage
/// (`fdatasync`). Threads appending at the same time share syncs: while one thread syncs,
/// the others write their lines and wait; the next sync covers all of them. Each caller
/// still returns only after a sync that covers its own entry.
///
/// After a failed write or sync the log refuses every append ([`AuditError::Poisoned`])
/// until it is reopened: a failed `fdatasync` may have dropped data, so nothing later can
/// be acknowledged on top of it.
///
/// Many processes on one machine may append to the same file (a web EPR's workers): each
/// append holds an exclusive lock on the file (`File::lock`, `flock` on Unix) from reading
/// the chain's head (catching up on what other processes appended, verified under the
/// key) to its write, so the chain never breaks; the sync is still shared by the threads
/// of a process. Opening takes the same lock, so a line another process is writing is
/// never taken for a torn one, and reading for verification takes a shared lock. Across
/// machines (a network file system's locks cannot be relied on) a shared database is the
/// store.
pub struct FileAuditLog {
    key: AuditKey,
    path: PathBuf,
    /// Opened with `O_APPEND`; written under `state`'s lock, synced outside it.
    file: File,
    state: Mutex<State>,
    /// Signalled when a sync ends (or fails).
    synced: Condvar,
    quarantined: Option<PathBuf>,
    /// Where the checkpoint is kept beside the log, when the log was opened with one.
    checkpoint_file: Option<PathBuf>,
}

struct State {
    next_seq: u64,
    /// MAC of the last entry written.
    head_mac: String,
    /// Sequence number of the last entry written (not necessarily synced).
    written: u64,
    /// The last entry covered by a completed sync.
    durable: Checkpoint,
    /// Bytes of the file up to the last entry written, and up to `durable`.
    written_len: u64,
    durable_len: u64,
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
    /// The path is opened without following a symbolic link (a link there, even a
    /// dangling one, is refused with [`AuditError::NotAFile`]), and a new log is created
    /// readable and writable by its owner only (`0600`): it is patient data. An existing
    /// file whose first line is not an entry sealed under `key` — another file planted at
    /// the path, or a log kept under another key — is refused with
    /// [`AuditError::NotAnAuditLog`] and left exactly as it is.
    ///
    /// A torn last line — no newline, unreadable, or a bad MAC on the last line only, as a
    /// crash in the middle of a write leaves — after at least one good entry is
    /// quarantined: its bytes are copied to `<path>.quarantine-<seq>` (`seq` being the
    /// number it would have had, created `0600`), synced, and cut from the log, which then
    /// continues from the last good entry. See [`quarantined`](Self::quarantined); the
    /// host must report it (the `icr` command does, on stderr), and
    /// [`verify_file`](super::verify_file) against a checkpoint still finds an edited
    /// entry that was cut this way. Any other problem fails with
    /// [`AuditError::ChainBroken`] naming the line, and the log is not touched.
    pub fn open(path: &Path, key: AuditKey) -> Result<FileAuditLog, AuditError> {
        FileAuditLog::open_inner(path, key, None)
    }

    /// Opens the log as [`open`](Self::open) does, and keeps its checkpoint in
    /// `checkpoint_file` (created owner-only, replaced atomically) so that a cut or edited
    /// tail cannot pass unnoticed between runs: when the file exists, the log must still
    /// hold the checkpoint's entry unchanged, or it is refused
    /// ([`AuditError::ChainBroken`] with [`Truncated`](ProblemKind::Truncated) or
    /// [`RolledBack`](ProblemKind::RolledBack), or the line of the first problem at or
    /// before the checkpoint) before anything is cut or written. The checkpoint is saved
    /// by [`save_checkpoint`](Self::save_checkpoint) and when the log is dropped.
    ///
    /// The checkpoint sits beside the log, so someone able to rewrite both can still
    /// forge a consistent pair: a deployment that must detect that keeps checkpoints
    /// elsewhere too (see [`checkpoint`](Self::checkpoint)).
    pub fn open_with_checkpoint_file(
        path: &Path,
        key: AuditKey,
        checkpoint_file: &Path,
    ) -> Result<FileAuditLog, AuditError> {
        let saved = match std::fs::symlink_metadata(checkpoint_file) {
            Err(_) => None,
            Ok(m) if !m.is_file() => return Err(AuditError::BadCheckpoint),
            Ok(_) => {
                let text =
                    std::fs::read(checkpoint_file).map_err(AuditError::io("read checkpoint"))?;
                Some(
                    serde_json::from_slice::<Saved>(&text)
                        .map_err(|_| AuditError::BadCheckpoint)?,
                )
            }
        };
        let mut log = FileAuditLog::open_inner(path, key, saved.as_ref())?;
        log.checkpoint_file = Some(checkpoint_file.to_owned());
        log.save_checkpoint()?;
        Ok(log)
    }

    /// Writes the last acknowledged entry to the checkpoint file the log was opened with
    /// (nothing to do without one): a new owner-only file, synced, renamed over the old.
    pub fn save_checkpoint(&self) -> Result<(), AuditError> {
        let Some(target) = &self.checkpoint_file else {
            return Ok(());
        };
        let (checkpoint, len) = match self.state.lock() {
            Ok(state) => (state.durable.clone(), state.durable_len),
            Err(poisoned) => {
                let state = poisoned.into_inner();
                (state.durable.clone(), state.durable_len)
            }
        };
        let saved = Saved {
            seq: checkpoint.seq,
            mac: checkpoint.mac,
            len: Some(len),
        };
        // Other processes keep the same checkpoint file: save under the log's lock, and
        // never replace a checkpoint further along the chain than ours.
        let _held = FileLock::exclusive(&self.file)?;
        let theirs = std::fs::read(target)
            .ok()
            .and_then(|b| serde_json::from_slice::<Saved>(&b).ok());
        if theirs.is_some_and(|t| t.seq > saved.seq) {
            return Ok(());
        }
        let json = serde_json::to_vec(&saved).map_err(|_| AuditError::BadCheckpoint)?;
        replace_file(target, &json, "write checkpoint")
    }

    fn open_inner(
        path: &Path,
        key: AuditKey,
        saved: Option<&Saved>,
    ) -> Result<FileAuditLog, AuditError> {
        let checkpoint = saved.map(Saved::checkpoint);
        let checkpoint = checkpoint.as_ref();
        let existed = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => return Err(AuditError::NotAFile),
            Ok(_) => true,
            Err(_) => false,
        };
        let file = owner_only(OpenOptions::new().read(true).append(true).create(true))
            .open(path)
            .map_err(|e| {
                // A link put there since the check: O_NOFOLLOW refuses it (ELOOP).
                #[cfg(unix)]
                if e.raw_os_error() == Some(libc::ELOOP) {
                    return AuditError::NotAFile;
                }
                AuditError::io("open")(e)
            })?;
        if !file.metadata().map_err(AuditError::io("open"))?.is_file() {
            return Err(AuditError::NotAFile);
        }
        if !existed {
            sync_dir(path)?;
        }
        // Another process may be appending: read and repair the chain under the file
        // lock, so that a line being written is never taken for a torn one.
        let held = FileLock::exclusive(&file)?;
        let read = file.try_clone().map_err(AuditError::io("read"))?;
        // With a checkpoint that says where its entry ends, only what follows it is read
        // (the entry itself checked first): opening costs the tail, not the whole log.
        let found = match saved.and_then(|s| tail_start(&file, &key, s)) {
            Some(start) => scan_from(
                LineReader::at(read, start.offset)?,
                &key,
                checkpoint,
                start,
                |_, _, _| Ok(()),
            )?,
            None => scan(LineReader::at(read, 0)?, &key, checkpoint, |_, _, _| Ok(()))?,
        };
        let mut quarantined = None;
        let mut problems = found.report.problems.iter();
        if let Some(first) = problems.next() {
            if first.line == 1 && checkpoint.is_none_or(|c| c.seq == 0) {
                // Nothing in the file was ever sealed under this key: not ours to cut.
                return Err(AuditError::NotAnAuditLog);
            }
            let before_checkpoint = checkpoint.is_some_and(|c| first.line <= c.seq);
            let torn = matches!(first.kind, ProblemKind::TornTail | ProblemKind::BadMac)
                && first.line == found.lines
                && !before_checkpoint
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
        drop(held);
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
                written_len: found.verified_len,
                durable_len: found.verified_len,
                syncing: false,
                failed: None,
                syncs: 0,
            }),
            synced: Condvar::new(),
            quarantined,
            checkpoint_file: None,
        }
        .recorded())
    }

    /// Records a quarantine in the log itself, so that it is in the evidence and not only
    /// in a file beside it. Best effort: the quarantine file is kept whatever happens.
    fn recorded(self) -> FileAuditLog {
        if let Some(q) = &self.quarantined {
            let name = q.file_name().map(|n| n.to_string_lossy().into_owned());
            let _ = self.append(AuditRecord {
                kind: AuditKind::LogRecovered,
                outcome: AuditOutcome::Failed,
                reason: Some(format!(
                    "an incomplete or unverifiable last line was set aside in {}",
                    name.unwrap_or_default()
                )),
                ..AuditRecord::default()
            });
        }
        self
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

    /// The key the log is sealed under.
    pub(crate) fn key(&self) -> &AuditKey {
        &self.key
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

impl Drop for FileAuditLog {
    /// Keeps the checkpoint file current when the log is closed (best effort: a failure
    /// leaves an older checkpoint, which still vouches for the entries up to it).
    fn drop(&mut self) {
        let _ = self.save_checkpoint();
    }
}

impl FileAuditLog {
    /// Reads and verifies what other processes appended since this one last wrote or
    /// read (called with the file lock held), so the next entry links to the real head.
    /// Anything there that does not verify under the key breaks the chain: the append
    /// fails closed and the log is not touched.
    fn catch_up(&self, state: &mut State) -> Result<(), AuditError> {
        let len = self.file.metadata().map_err(AuditError::io("read"))?.len();
        if len == state.written_len {
            return Ok(());
        }
        let mac: [u8; 64] = state.head_mac.as_bytes().try_into().unwrap_or([b'0'; 64]);
        let start = Start {
            lines: state.written,
            offset: state.written_len,
            seq: state.written,
            mac,
        };
        let read = self.file.try_clone().map_err(AuditError::io("read"))?;
        let found = scan_from(
            LineReader::at(read, start.offset)?,
            &self.key,
            None,
            start,
            |_, _, _| Ok(()),
        )?;
        if let Some(first) = found.report.problems.first() {
            return Err(AuditError::ChainBroken {
                line: first.line,
                seq: first.seq,
                problem: first.kind.clone(),
            });
        }
        let head = found.report.head;
        state.next_seq = head.seq.saturating_add(1);
        state.head_mac.clone_from(&head.mac);
        state.written = head.seq;
        state.written_len = found.verified_len;
        Ok(())
    }
}

/// An exclusive lock on the whole log file, released when dropped: writers in other
/// processes wait for it, so appends from many processes on one machine make one chain.
/// It is the standard library's `File::lock` (`flock` on Unix: the lock belongs to the
/// open file, so it is not shared or dropped by other descriptors of this process), held
/// only by the one thread of this process that holds the state lock.
struct FileLock<'f> {
    file: &'f File,
}

impl<'f> FileLock<'f> {
    fn exclusive(file: &'f File) -> Result<FileLock<'f>, AuditError> {
        file.lock().map_err(AuditError::io("lock"))?;
        Ok(FileLock { file })
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl AuditSink for FileAuditLog {
    fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditError> {
        let mut state = self.lock()?;
        if let Some(operation) = state.failed {
            return Err(AuditError::Poisoned { operation });
        }
        // Other processes append to the same file: hold the file lock from reading the
        // chain's head to the write, so every entry links to the one before it whoever
        // wrote that. The sync is shared afterwards as before (it flushes the whole file).
        let held = FileLock::exclusive(&self.file)?;
        if let Err(e) = self.catch_up(&mut state) {
            if !matches!(e, AuditError::Io { .. }) {
                state.failed = Some("read");
            }
            return Err(e);
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
        state.written_len += line.len() as u64;
        drop(held);
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
            let target_len = state.written_len;
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
                Ok(()) if target.seq > state.durable.seq => {
                    state.durable = target;
                    state.durable_len = target_len;
                }
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

/// The checkpoint as the log keeps it beside itself: the entry, and where it ends in the
/// file (so a later open reads only what follows). `len` is absent in checkpoints
/// written by hand or by other tools.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    seq: u64,
    mac: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    len: Option<u64>,
}

impl Saved {
    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            seq: self.seq,
            mac: self.mac.clone(),
        }
    }
}

/// Where to start reading after the checkpoint's entry: only when the file still holds
/// that entry, sealed under the key, ending exactly where the checkpoint says. Anything
/// else (a shorter file, another entry there, a line over 1 MiB) reads the whole log.
fn tail_start(file: &File, key: &AuditKey, saved: &Saved) -> Option<Start> {
    let len = saved.len.filter(|l| *l > 0 && saved.seq > 0)?;
    if file.metadata().ok()?.len() < len {
        return None;
    }
    let from = len.saturating_sub(1 << 20);
    let mut buf = vec![0; usize::try_from(len - from).ok()?];
    let mut f = file.try_clone().ok()?;
    f.seek(SeekFrom::Start(from)).ok()?;
    f.read_exact(&mut buf).ok()?;
    let body = buf.strip_suffix(b"\n")?;
    let line = match body.iter().rposition(|&b| b == b'\n') {
        Some(i) => body.get(i + 1..)?,
        None if from == 0 => body,
        None => return None,
    };
    let found = inspect(key, line)?;
    if !found.mac_ok || found.seq != saved.seq || found.mac != saved.mac.as_bytes() {
        return None;
    }
    Some(Start {
        lines: saved.seq,
        offset: len,
        seq: saved.seq,
        mac: found.mac.try_into().ok()?,
    })
}

/// Replaces the file at `target` with `bytes` so that a crash leaves the old file or the
/// new one: a new owner-only temporary file (a name of its own per call, so threads and
/// processes never share one), synced, renamed over the old, the directory synced.
pub(crate) fn replace_file(
    target: &Path,
    bytes: &[u8],
    operation: &'static str,
) -> Result<(), AuditError> {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let temp = target.with_file_name(name);
    let written = owner_only(OpenOptions::new().write(true).create_new(true))
        .open(&temp)
        .and_then(|mut out| {
            out.write_all(bytes)?;
            out.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, target));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(AuditError::io(operation)(e));
    }
    sync_dir(target)
}

/// Options that create a file readable and writable by its owner only and never follow
/// a symbolic link at the path (`O_NOFOLLOW`).
pub(crate) fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
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
        match owner_only(OpenOptions::new().write(true).create_new(true)).open(&target) {
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
    let mut torn = log.try_clone().map_err(AuditError::io("quarantine"))?;
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
