//! Verifying a log file: every MAC, every link, every sequence number, and the head
//! against a checkpoint kept elsewhere.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::chain::inspect;
use super::{AuditEntry, AuditError, AuditKey, Checkpoint};

/// What [`verify_file`] found.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Complete lines read as entries (a torn last line is not counted).
    pub entries: u64,
    /// What is wrong, in line order; empty when the log verifies.
    pub problems: Vec<Problem>,
    /// The last entry of the verified prefix (the entries before the first problem): the
    /// checkpoint a host can keep when the log verifies.
    pub head: Checkpoint,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_verified(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing wrong with a log, and where.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Line of the file (1-based).
    pub line: u64,
    /// Sequence number written on that line, when it could be read.
    pub seq: Option<u64>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a line of a log, or with the log against a checkpoint.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The MAC does not match the line: it was edited, or forged without the key.
    BadMac,
    /// The MAC is good but `prev` is not the previous line's MAC: an entry was deleted,
    /// inserted or moved here.
    BadLink,
    /// The MAC and link are good but the sequence number is not one more than the
    /// previous entry's (only a faulty writer holding the key can do this).
    BadSequence,
    /// The line does not have the shape of an entry (not the last line).
    Unparsable,
    /// The last line is incomplete (no newline) or unreadable: a write cut short by a
    /// crash. [`FileAuditLog::open`](super::FileAuditLog::open) quarantines it.
    TornTail,
    /// The log ends before the checkpoint's entry: entries were removed from the end.
    Truncated {
        /// The checkpoint's sequence number, which the log should reach at least.
        expected_at_least: u64,
    },
    /// The checkpoint's entry (the first entry with its sequence number and a good MAC)
    /// is present with a different MAC: the log was replaced by an older copy and then
    /// written again.
    RolledBack,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::BadMac => f.write_str("mac does not match: edited or forged"),
            ProblemKind::BadLink => {
                f.write_str("link to the previous entry broken: deleted, inserted or moved")
            }
            ProblemKind::BadSequence => f.write_str("sequence number out of order"),
            ProblemKind::Unparsable => f.write_str("not an entry line"),
            ProblemKind::TornTail => f.write_str("last line incomplete"),
            ProblemKind::Truncated { expected_at_least } => {
                write!(f, "log ends before checkpoint entry {expected_at_least}")
            }
            ProblemKind::RolledBack => f.write_str("checkpoint entry differs: rolled back"),
        }
    }
}

/// Verifies a log file from its first line, optionally against a checkpoint.
///
/// Reading fails only on I/O; everything wrong with the content is a [`Problem`] in the
/// report, one per line at most (plus one for the checkpoint), so that a single deleted
/// entry is reported once and not as every later line.
pub fn verify_file(
    path: &Path,
    key: &AuditKey,
    checkpoint: Option<&Checkpoint>,
) -> Result<VerifyReport, AuditError> {
    let scan = scan(
        LineReader::new(open_log(path)?)?,
        key,
        checkpoint,
        |_, _, _| Ok(()),
    )?;
    Ok(scan.report)
}

/// A log to read: a regular file (a device such as `/dev/zero`, a directory or a FIFO
/// is refused, never "verified: 0 entries"), read under a shared lock.
fn open_log(path: &Path) -> Result<File, AuditError> {
    let file = File::open(path).map_err(AuditError::io("read"))?;
    if !file.metadata().map_err(AuditError::io("read"))?.is_file() {
        return Err(AuditError::NotAFile);
    }
    // Writers in other processes hold the exclusive lock while they write a line: with
    // the shared lock held until the file is closed, a line being written is never read
    // as a torn one.
    file.lock_shared().map_err(AuditError::io("lock"))?;
    Ok(file)
}

/// The entries of the verified prefix of a log: every entry before the first problem.
///
/// An entry after a problem is never returned, because nothing vouches for it. Use
/// [`verify_file`] to learn whether the prefix is the whole log. This holds every entry:
/// for a large log use [`for_each_verified`].
pub fn read_verified(path: &Path, key: &AuditKey) -> Result<Vec<AuditEntry>, AuditError> {
    let mut entries = Vec::new();
    for_each_verified(path, key, |e| entries.push(e))?;
    Ok(entries)
}

/// Hands each entry of the verified prefix of a log to `each`, in order, one at a time
/// (memory stays flat however long the log).
pub fn for_each_verified(
    path: &Path,
    key: &AuditKey,
    mut each: impl FnMut(AuditEntry),
) -> Result<(), AuditError> {
    for_each_verified_after(path, key, 0, &mut |e| {
        each(e);
        Ok(())
    })
}

/// [`for_each_verified`] for the entries numbered above `after` (the whole chain is
/// still read and checked), stopping at `each`'s first error.
pub(crate) fn for_each_verified_after(
    path: &Path,
    key: &AuditKey,
    after: u64,
    each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
) -> Result<(), AuditError> {
    scan(
        LineReader::new(open_log(path)?)?,
        key,
        None,
        |line, seq, bytes| parse_verified(line, seq, bytes, after, each),
    )?;
    Ok(())
}

/// Parses a verified line numbered above `after` and hands it to `each`.
pub(crate) fn parse_verified(
    line: u64,
    seq: u64,
    bytes: &[u8],
    after: u64,
    each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
) -> Result<(), AuditError> {
    if seq <= after {
        return Ok(());
    }
    let entry = serde_json::from_slice(bytes).map_err(|_| AuditError::ChainBroken {
        line,
        seq: Some(seq),
        problem: ProblemKind::Unparsable,
    })?;
    each(entry)
}

/// Reads a file line by line in place: a large buffer, lines handed out as slices of it
/// (no copy per line), the end of the file fixed when reading starts.
pub(crate) struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes of the file not yet read into `buf`.
    unread: u64,
}

/// One line: its bytes without the newline, whether it had one, whether it is the last.
pub(crate) struct Line<'a> {
    pub bytes: &'a [u8],
    pub newline: bool,
    pub last: bool,
}

impl LineReader<File> {
    /// Reads `file` from its start up to its length now: bytes appended later are not
    /// read (a live log is verified as it was when verification began).
    pub(crate) fn new(file: File) -> Result<LineReader<File>, AuditError> {
        LineReader::at(file, 0)
    }

    /// Reads `file` from byte `offset` up to its length now.
    pub(crate) fn at(mut file: File, offset: u64) -> Result<LineReader<File>, AuditError> {
        use std::io::{Seek, SeekFrom};
        let len = file.metadata().map_err(AuditError::io("read"))?.len();
        file.seek(SeekFrom::Start(offset))
            .map_err(AuditError::io("read"))?;
        Ok(LineReader::with_len(file, len.saturating_sub(offset)))
    }
}

impl<R: Read> LineReader<R> {
    /// Reads at most `len` bytes of `inner`.
    pub(crate) fn with_len(inner: R, len: u64) -> LineReader<R> {
        LineReader {
            inner,
            buf: vec![0; 1 << 20],
            start: 0,
            end: 0,
            unread: len,
        }
    }
}

impl<R: Read> LineReader<R> {
    pub(crate) fn next_line(&mut self) -> Result<Option<Line<'_>>, AuditError> {
        loop {
            let pending = self.buf.get(self.start..self.end).unwrap_or_default();
            if let Some(i) = find_newline(pending) {
                let from = self.start;
                self.start += i + 1;
                let last = self.start == self.end && self.unread == 0;
                return Ok(Some(Line {
                    bytes: self.buf.get(from..from + i).unwrap_or_default(),
                    newline: true,
                    last,
                }));
            }
            if self.unread == 0 {
                if self.start == self.end {
                    return Ok(None);
                }
                let from = self.start;
                self.start = self.end;
                return Ok(Some(Line {
                    bytes: self.buf.get(from..self.end).unwrap_or_default(),
                    newline: false,
                    last: true,
                }));
            }
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                // A line longer than the buffer.
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let room = self.buf.len() - self.end;
            let want = usize::try_from(self.unread).map_or(room, |u| u.min(room));
            let Some(into) = self.buf.get_mut(self.end..self.end + want) else {
                return Ok(None);
            };
            match self.inner.read(into) {
                // The file shrank while it was read: what was read is all there is.
                Ok(0) => self.unread = 0,
                Ok(n) => {
                    self.end += n;
                    self.unread = self.unread.saturating_sub(n as u64);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(AuditError::io("read")(e)),
            }
        }
    }
}

/// Position of the first `\n`: 32 bytes per step, eight at a time (a word holds a
/// newline when `word ^ "\n\n…"` has a zero byte).
pub(crate) fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let has_newline = |word: &[u8]| {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_ne_bytes) ^ NEWLINES;
        word.wrapping_sub(ONES) & !word & HIGHS
    };
    let mut blocks = bytes.chunks_exact(32);
    let mut at = 0;
    for block in &mut blocks {
        let hit = block.chunks_exact(8).fold(0, |acc, w| acc | has_newline(w));
        if hit != 0 {
            break;
        }
        at += 32;
    }
    bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
}

/// The outcome of reading a log from its start.
pub(crate) struct Scan {
    /// What was found.
    pub report: VerifyReport,
    /// Lines read, a torn last line included.
    pub lines: u64,
    /// Bytes of the verified prefix.
    pub verified_len: u64,
}

/// Where reading starts: the chain just after an entry already checked (its line, the
/// bytes up to and including its newline, its sequence number and MAC).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    pub lines: u64,
    pub offset: u64,
    pub seq: u64,
    pub mac: [u8; 64],
}

impl Start {
    /// The start of a log.
    fn genesis() -> Start {
        Start {
            lines: 0,
            offset: 0,
            seq: 0,
            mac: [b'0'; 64],
        }
    }
}

/// Reads and checks every line; `on_verified(line, seq, bytes)` sees each line of the
/// verified prefix (without its newline).
pub(crate) fn scan<R: Read>(
    reader: LineReader<R>,
    key: &AuditKey,
    checkpoint: Option<&Checkpoint>,
    on_verified: impl FnMut(u64, u64, &[u8]) -> Result<(), AuditError>,
) -> Result<Scan, AuditError> {
    scan_from(reader, key, checkpoint, Start::genesis(), on_verified)
}

/// [`scan`] from `start`, the reader positioned just after it: line numbers, lengths and
/// the head are of the whole file.
pub(crate) fn scan_from<R: Read>(
    mut reader: LineReader<R>,
    key: &AuditKey,
    checkpoint: Option<&Checkpoint>,
    start: Start,
    mut on_verified: impl FnMut(u64, u64, &[u8]) -> Result<(), AuditError>,
) -> Result<Scan, AuditError> {
    let checkpoint = checkpoint.filter(|c| c.seq > 0);
    let mut problems = Vec::new();
    let (mut lines, mut entries, mut offset, mut verified_len) =
        (start.lines, start.lines, start.offset, start.offset);
    // The chain as read so far: the next sequence number and the last MAC.
    let mut next_seq = start.seq.saturating_add(1);
    let mut prev = start.mac;
    // The head of the verified prefix.
    let (mut head_seq, mut head_mac) = (start.seq, start.mac);
    let mut clean = true;
    let (mut max_good_seq, mut checkpoint_seen) = (
        start.seq,
        checkpoint.is_some_and(|c| c.seq <= start.seq && start.seq > 0),
    );
    while let Some(Line {
        bytes: line,
        newline,
        last,
    }) = reader.next_line()?
    {
        lines += 1;
        if !newline {
            problems.push(Problem {
                line: lines,
                seq: None,
                kind: ProblemKind::TornTail,
            });
            break;
        }
        entries += 1;
        offset += line.len() as u64 + 1;
        let Some(found) = inspect(key, line) else {
            clean = false;
            next_seq = next_seq.saturating_add(1);
            let kind = if last {
                ProblemKind::TornTail
            } else {
                ProblemKind::Unparsable
            };
            problems.push(Problem {
                line: lines,
                seq: None,
                kind,
            });
            continue;
        };
        let problem = if !found.mac_ok {
            Some(ProblemKind::BadMac)
        } else if found.prev != prev {
            Some(ProblemKind::BadLink)
        } else if found.seq != next_seq {
            Some(ProblemKind::BadSequence)
        } else {
            None
        };
        let mut rolled_back = false;
        if found.mac_ok {
            max_good_seq = max_good_seq.max(found.seq);
            // The checkpoint names the first entry with its number: a later one with the
            // same number (a fork, already past a problem) says nothing about it.
            if let Some(cp) = checkpoint.filter(|c| c.seq == found.seq && !checkpoint_seen) {
                checkpoint_seen = true;
                rolled_back = cp.mac.as_bytes() != found.mac;
            }
        }
        // Follow the chain as written, so that one bad line is reported once.
        prev.copy_from_slice(found.mac);
        next_seq = found.seq.saturating_add(1);
        let kinds = problem
            .into_iter()
            .chain(rolled_back.then_some(ProblemKind::RolledBack));
        for kind in kinds {
            clean = false;
            problems.push(Problem {
                line: lines,
                seq: Some(found.seq),
                kind,
            });
        }
        if clean {
            on_verified(lines, found.seq, line)?;
            verified_len = offset;
            head_seq = found.seq;
            head_mac = prev;
        }
    }
    if let Some(cp) = checkpoint
        && !checkpoint_seen
        && max_good_seq < cp.seq
    {
        problems.push(Problem {
            line: entries + 1,
            seq: None,
            kind: ProblemKind::Truncated {
                expected_at_least: cp.seq,
            },
        });
    }
    let head = Checkpoint {
        seq: head_seq,
        mac: head_mac.iter().map(|&b| char::from(b)).collect(),
    };
    Ok(Scan {
        report: VerifyReport {
            entries,
            problems,
            head,
        },
        lines,
        verified_len,
    })
}
