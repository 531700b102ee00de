//! Unit tests of the audit log: the chain, tampering, torn tails, failures, exports.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use ring::hmac;

use super::chain::seal;
use super::*;

static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("icr-audit-{}-{name}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn log(&self) -> PathBuf {
        self.0.join("audit.jsonl")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const NHS: &str = "9434765919";

fn key() -> AuditKey {
    AuditKey::from_bytes(&[0x42; 32]).unwrap()
}

fn other_key() -> AuditKey {
    AuditKey::from_bytes(&[0x17; 32]).unwrap()
}

fn record(i: usize) -> AuditRecord {
    AuditRecord {
        kind: AuditKind::RecordViewed,
        outcome: AuditOutcome::Success,
        session_id: format!("session-{}", i / 10),
        token_id: Some("tok-1".into()),
        user_id: format!("55512345{i:04}"),
        user_name: Some("Dr A Example".into()),
        role: "GP".into(),
        role_profile: "R8000".into(),
        organisation: "A12345".into(),
        patient: Some(NHS.into()),
        purpose: Some("direct_care".into()),
        relationship: Some("registered_gp".into()),
        sections: vec!["medications".into(), "allergies".into()],
        withheld: vec![WithheldCount {
            section: "problems".into(),
            reason: "sensitive".into(),
            count: 2,
        }],
        sources: vec!["A12345".into(), "RXX".into()],
        reason: None,
        ..AuditRecord::default()
    }
}

/// Writes a log of `n` entries through [`FileAuditLog`] and returns its lines.
fn write_log(path: &Path, n: usize) -> Vec<String> {
    let log = FileAuditLog::open(path, key()).unwrap();
    for i in 0..n {
        log.append(record(i)).unwrap();
    }
    lines(path)
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).unwrap();
}

fn problems(path: &Path, checkpoint: Option<&Checkpoint>) -> Vec<Problem> {
    verify_file(path, &key(), checkpoint).unwrap().problems
}

fn problem(line: u64, seq: Option<u64>, kind: ProblemKind) -> Problem {
    Problem { line, seq, kind }
}

// ---- the chain ----

#[test]
fn audit_thousand_entries_reopen_and_verify() {
    let dir = TempDir::new("thousand");
    let path = dir.log();
    {
        let log = FileAuditLog::open(&path, key()).unwrap();
        for i in 0..1000 {
            let entry = log.append(record(i)).unwrap();
            assert_eq!(entry.seq, i as u64 + 1);
        }
        assert_eq!(log.checkpoint().seq, 1000);
    }
    let log = FileAuditLog::open(&path, key()).unwrap();
    assert!(log.quarantined().is_none());
    let checkpoint = log.checkpoint();
    assert_eq!(checkpoint.seq, 1000);
    let report = verify_file(&path, &key(), Some(&checkpoint)).unwrap();
    assert_eq!(report.entries, 1000);
    assert!(report.is_verified(), "{:?}", report.problems);
    assert_eq!(report.head, checkpoint);
    let entries = read_verified(&path, &key()).unwrap();
    assert_eq!(entries.len(), 1000);
    assert!(entries.iter().zip(1..).all(|(e, seq)| e.seq == seq));
    assert_eq!(entries[999].record, record(999));
}

#[test]
fn audit_chain_continues_after_reopen() {
    let dir = TempDir::new("continue");
    let path = dir.log();
    let first = {
        let log = FileAuditLog::open(&path, key()).unwrap();
        assert_eq!(log.checkpoint(), Checkpoint::empty());
        log.append(record(0)).unwrap()
    };
    assert_eq!(first.prev, "0".repeat(64));
    let log = FileAuditLog::open(&path, key()).unwrap();
    let second = log.append(record(1)).unwrap();
    assert_eq!((second.seq, second.prev.as_str()), (2, first.mac.as_str()));
    assert!(verify_file(&path, &key(), None).unwrap().is_verified());
}

#[test]
fn audit_mac_is_hmac_of_the_documented_bytes() {
    let dir = TempDir::new("format");
    let path = dir.log();
    let entry = FileAuditLog::open(&path, key())
        .unwrap()
        .append(record(3))
        .unwrap();
    #[derive(serde::Serialize)]
    struct Unsigned<'a> {
        seq: u64,
        time: &'a str,
        record: &'a AuditRecord,
        prev: &'a str,
    }
    let bytes = serde_json::to_vec(&Unsigned {
        seq: entry.seq,
        time: &entry.time,
        record: &entry.record,
        prev: &entry.prev,
    })
    .unwrap();
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &[0x42; 32]), &bytes);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(entry.mac, hex);
    // The stored line is the entry, fields in order, readable as plain JSON.
    let line = &lines(&path)[0];
    assert_eq!(line.as_bytes(), serde_json::to_vec(&entry).unwrap());
    assert!(line.starts_with("{\"seq\":1,\"time\":\""));
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["record"]["kind"], "record_viewed");
    assert_eq!(value["record"]["outcome"], "success");
    assert!(entry.time.ends_with('Z'));
    assert!(entry.time.parse::<jiff::Timestamp>().is_ok());
}

#[test]
fn audit_empty_log_verifies() {
    let dir = TempDir::new("empty");
    let path = dir.log();
    let log = FileAuditLog::open(&path, key()).unwrap();
    let report = verify_file(&path, &key(), Some(&log.checkpoint())).unwrap();
    assert_eq!((report.entries, report.problems.len()), (0, 0));
    assert_eq!(report.head, Checkpoint::empty());
}

// ---- tampering ----

#[test]
fn audit_flipped_bit_is_bad_mac_at_its_line() {
    let dir = TempDir::new("flip");
    let path = dir.log();
    let mut lines = write_log(&path, 10);
    let mut bytes = lines[4].clone().into_bytes();
    bytes[20] ^= 0x01; // inside the time
    lines[4] = String::from_utf8(bytes).unwrap();
    write_lines(&path, &lines);
    assert_eq!(
        problems(&path, None),
        vec![problem(5, Some(5), ProblemKind::BadMac)]
    );
    // Editing the record (a user id) is caught the same way.
    let mut lines = write_log(&dir.0.join("b.jsonl"), 10);
    lines[6] = lines[6].replace("555123450006", "555123450099");
    write_lines(&path, &lines);
    assert_eq!(
        problems(&path, None),
        vec![problem(7, Some(7), ProblemKind::BadMac)]
    );
    // Opening refuses to continue a broken chain and names the line.
    assert_eq!(
        FileAuditLog::open(&path, key()).unwrap_err(),
        AuditError::ChainBroken {
            line: 7,
            seq: Some(7),
            problem: ProblemKind::BadMac
        }
    );
}

#[test]
fn audit_deleted_entry_is_bad_link() {
    let dir = TempDir::new("delete");
    let path = dir.log();
    let mut lines = write_log(&path, 10);
    lines.remove(3); // seq 4
    write_lines(&path, &lines);
    assert_eq!(
        problems(&path, None),
        vec![problem(4, Some(5), ProblemKind::BadLink)]
    );
}

#[test]
fn audit_inserted_copy_is_bad_link() {
    let dir = TempDir::new("insert");
    let path = dir.log();
    let mut lines = write_log(&path, 10);
    let copy = lines[1].clone();
    lines.insert(6, copy); // seq 2 again, as line 7
    write_lines(&path, &lines);
    let found = problems(&path, None);
    assert_eq!(found[0], problem(7, Some(2), ProblemKind::BadLink));
    // The genuine entry after it no longer links either; nothing else is reported.
    assert_eq!(found[1], problem(8, Some(7), ProblemKind::BadLink));
    assert_eq!(found.len(), 2);
}

#[test]
fn audit_swapped_entries_are_bad_link() {
    let dir = TempDir::new("swap");
    let path = dir.log();
    let mut lines = write_log(&path, 10);
    lines.swap(2, 3);
    write_lines(&path, &lines);
    let found = problems(&path, None);
    assert_eq!(found[0], problem(3, Some(4), ProblemKind::BadLink));
    assert!(found.iter().all(|p| p.kind == ProblemKind::BadLink));
    assert!(found.iter().all(|p| (3..=5).contains(&p.line)));
}

#[test]
fn audit_forgery_with_another_key_is_bad_mac() {
    let dir = TempDir::new("forge");
    let path = dir.log();
    let mut lines = write_log(&path, 10);
    // The attacker edits entry 5 and re-seals it and every later entry, chained
    // correctly, with a key of their own.
    let head: AuditEntry = serde_json::from_str(&lines[3]).unwrap();
    let mut prev = head.mac;
    for (i, line) in lines.iter_mut().enumerate().skip(4) {
        let entry: AuditEntry = serde_json::from_str(line).unwrap();
        let mut forged = entry.record.clone();
        forged.user_id = "someone-else".into();
        let (entry, bytes) = seal(&other_key(), i as u64 + 1, entry.time, forged, &prev).unwrap();
        prev = entry.mac;
        *line = String::from_utf8(bytes).unwrap().trim_end().to_owned();
    }
    write_lines(&path, &lines);
    let found = problems(&path, None);
    assert_eq!(found[0], problem(5, Some(5), ProblemKind::BadMac));
    assert_eq!(found.len(), 6);
    assert!(found.iter().all(|p| p.kind == ProblemKind::BadMac));
    // Under the attacker's key the chain would look fine: the key is what protects it.
    let forged = verify_file(&path, &other_key(), None).unwrap().problems;
    assert_eq!(forged[0], problem(1, Some(1), ProblemKind::BadMac));
}

#[test]
fn audit_truncation_detected_against_checkpoint() {
    let dir = TempDir::new("truncate");
    let path = dir.log();
    let checkpoint = {
        let log = FileAuditLog::open(&path, key()).unwrap();
        for i in 0..10 {
            log.append(record(i)).unwrap();
        }
        log.checkpoint()
    };
    let mut lines = lines(&path);
    lines.truncate(7);
    write_lines(&path, &lines);
    // The chain alone cannot tell.
    assert!(problems(&path, None).is_empty());
    assert_eq!(
        problems(&path, Some(&checkpoint)),
        vec![problem(
            8,
            None,
            ProblemKind::Truncated {
                expected_at_least: 10
            }
        )]
    );
}

#[test]
fn audit_rollback_detected_against_checkpoint() {
    let dir = TempDir::new("rollback");
    let path = dir.log();
    let old_copy = dir.0.join("old.jsonl");
    let checkpoint = {
        let log = FileAuditLog::open(&path, key()).unwrap();
        for i in 0..6 {
            log.append(record(i)).unwrap();
        }
        fs::copy(&path, &old_copy).unwrap();
        for i in 6..10 {
            log.append(record(i)).unwrap();
        }
        log.checkpoint()
    };
    // The file is replaced by the older copy: it ends before the checkpoint.
    fs::copy(&old_copy, &path).unwrap();
    assert!(problems(&path, None).is_empty());
    assert_eq!(
        problems(&path, Some(&checkpoint)),
        vec![problem(
            7,
            None,
            ProblemKind::Truncated {
                expected_at_least: 10
            }
        )]
    );
    // ... and the SDK, unaware, writes on: entry 10 now exists with another MAC.
    {
        let log = FileAuditLog::open(&path, key()).unwrap();
        for i in 0..5 {
            log.append(record(100 + i)).unwrap();
        }
    }
    assert!(problems(&path, None).is_empty());
    assert_eq!(
        problems(&path, Some(&checkpoint)),
        vec![problem(10, Some(10), ProblemKind::RolledBack)]
    );
}

/// Found by the audit_log fuzz target (icr-core/fuzz/regressions/audit_log): a second
/// entry sealed with the key and the checkpoint's sequence number, after a problem,
/// was taken for a rollback although the checkpoint's own entry was in place.
#[test]
fn audit_a_later_entry_with_the_checkpoint_number_is_no_rollback() {
    let dir = TempDir::new("fork");
    let path = dir.log();
    let mut lines = write_log(&path, 6);
    lines[3] = lines[3].replace("medications", "medicationz");
    let edited: AuditEntry = serde_json::from_str(&lines[3]).unwrap();
    let (_, bytes) = seal(&key(), 3, edited.time, record(99), &edited.mac).unwrap();
    lines.insert(4, String::from_utf8(bytes).unwrap().trim_end().to_owned());
    write_lines(&path, &lines);
    let report = verify_file(&path, &key(), None).unwrap();
    assert_eq!(report.head.seq, 3);
    assert_eq!(report.problems[0], problem(4, Some(4), ProblemKind::BadMac));
    assert!(report.problems.iter().any(|p| p.seq == Some(3)));
    // Against the head it verified (entry 3, on line 3): nothing more is wrong.
    assert_eq!(problems(&path, Some(&report.head)), report.problems);
}

#[test]
fn audit_read_verified_returns_only_the_verified_prefix() {
    let dir = TempDir::new("prefix");
    let path = dir.log();
    let mut lines = write_log(&path, 10);
    lines[5] = lines[5].replace("medications", "medicationz");
    write_lines(&path, &lines);
    let entries = read_verified(&path, &key()).unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let report = verify_file(&path, &key(), None).unwrap();
    assert_eq!((report.entries, report.head.seq), (10, 5));
}

#[test]
fn audit_unparsable_middle_line_fails_open() {
    let dir = TempDir::new("garbage");
    let path = dir.log();
    let mut lines = write_log(&path, 5);
    lines.insert(2, "not json".into());
    write_lines(&path, &lines);
    assert_eq!(
        problems(&path, None)[0],
        problem(3, None, ProblemKind::Unparsable)
    );
    let err = FileAuditLog::open(&path, key()).unwrap_err();
    assert!(
        matches!(err, AuditError::ChainBroken { line: 3, .. }),
        "{err}"
    );
    // An empty line in the middle is no better.
    let mut lines = write_log(&dir.0.join("b.jsonl"), 5);
    lines.insert(4, String::new());
    write_lines(&path, &lines);
    assert_eq!(
        problems(&path, None)[0],
        problem(5, None, ProblemKind::Unparsable)
    );
}

// ---- torn tails ----

#[test]
fn audit_torn_tail_is_quarantined_and_the_chain_continues() {
    let dir = TempDir::new("torn");
    let path = dir.log();
    let lines = write_log(&path, 5);
    let partial = &lines[4][..40];
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(partial.replace("\"seq\":5", "\"seq\":6").as_bytes());
    fs::write(&path, &bytes).unwrap();
    let report = verify_file(&path, &key(), None).unwrap();
    assert_eq!(report.entries, 5);
    assert_eq!(
        report.problems,
        vec![problem(6, None, ProblemKind::TornTail)]
    );

    let log = FileAuditLog::open(&path, key()).unwrap();
    let quarantined = log.quarantined().unwrap().to_owned();
    assert_eq!(quarantined.file_name().unwrap(), "audit.jsonl.quarantine-6");
    assert_eq!(
        fs::read_to_string(&quarantined).unwrap(),
        partial.replace("\"seq\":5", "\"seq\":6")
    );
    // The log records the recovery itself, as entry 6, naming the quarantine file.
    assert_eq!(log.checkpoint().seq, 6);
    let recovered = read_verified(&path, &key()).unwrap().pop().unwrap();
    assert_eq!(recovered.record.kind, AuditKind::LogRecovered);
    assert_eq!(recovered.record.outcome, AuditOutcome::Failed);
    assert!(
        recovered
            .record
            .reason
            .unwrap()
            .ends_with("audit.jsonl.quarantine-6")
    );
    let fifth: AuditEntry = serde_json::from_str(&lines[4]).unwrap();
    assert_eq!(recovered.prev, fifth.mac);
    assert!(verify_file(&path, &key(), None).unwrap().is_verified());
    let next = log.append(record(5)).unwrap();
    assert_eq!((next.seq, next.prev.as_str()), (7, recovered.mac.as_str()));
    drop(log);
    let report = verify_file(&path, &key(), None).unwrap();
    assert_eq!((report.entries, report.problems.len()), (7, 0));
}

#[test]
fn audit_second_torn_tail_at_same_seq_keeps_both() {
    let dir = TempDir::new("torn-twice");
    let path = dir.log();
    write_log(&path, 2);
    // An earlier crash left a quarantine file for seq 3: kept, the next name used.
    let earlier = dir.0.join("audit.jsonl.quarantine-3");
    fs::write(&earlier, b"{\"seq\":3,\"earlier").unwrap();
    let mut file = fs::OpenOptions::new().append(true).open(&path).unwrap();
    std::io::Write::write_all(&mut file, b"{\"seq\":3,\"ti").unwrap();
    drop(file);
    let log = FileAuditLog::open(&path, key()).unwrap();
    let name = log.quarantined().unwrap().file_name().unwrap().to_owned();
    assert_eq!(name, "audit.jsonl.quarantine-3.2");
    assert_eq!(fs::read(&earlier).unwrap(), b"{\"seq\":3,\"earlier");
    drop(log);
    assert!(verify_file(&path, &key(), None).unwrap().is_verified());
}

#[test]
fn audit_unreadable_or_bad_mac_last_line_is_quarantined() {
    let dir = TempDir::new("torn-kinds");
    let path = dir.log();
    // A block of zeros with a newline, as a file system may leave after power loss.
    write_log(&path, 3);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0; 100]);
    bytes.push(b'\n');
    fs::write(&path, &bytes).unwrap();
    assert_eq!(
        problems(&path, None),
        vec![problem(4, None, ProblemKind::TornTail)]
    );
    let log = FileAuditLog::open(&path, key()).unwrap();
    assert!(log.quarantined().is_some());
    drop(log);
    assert!(verify_file(&path, &key(), None).unwrap().is_verified());
    // A complete last line with a bad MAC (here the recovery entry, 4, edited): reported
    // as such, quarantined on open, and the recovery recorded again as entry 4.
    let mut lines = lines(&path);
    let last = lines.len() - 1;
    lines[last] = lines[last].replace("set aside", "set asidE");
    write_lines(&path, &lines);
    assert_eq!(
        problems(&path, None),
        vec![problem(4, Some(4), ProblemKind::BadMac)]
    );
    let log = FileAuditLog::open(&path, key()).unwrap();
    assert!(log.quarantined().is_some());
    assert_eq!(log.checkpoint().seq, 4);
    assert_eq!(log.append(record(9)).unwrap().seq, 5);
}

#[test]
fn audit_a_planted_file_or_another_keys_log_is_refused_and_left_byte_identical() {
    let dir = TempDir::new("planted");
    let path = dir.log();
    for planted in [
        b"secret-token-0123456789\n".to_vec(),
        b"not json and no newline".to_vec(),
        b"{\"seq\":1,\"looks\":\"like an entry\"}\n".to_vec(),
    ] {
        fs::write(&path, &planted).unwrap();
        assert!(matches!(
            FileAuditLog::open(&path, key()),
            Err(AuditError::NotAnAuditLog)
        ));
        assert_eq!(fs::read(&path).unwrap(), planted, "left byte-identical");
    }
    // A one-entry log reopened under another key: refused, not restarted under it.
    fs::remove_file(&path).unwrap();
    let lines = write_log(&path, 1);
    let before = fs::read(&path).unwrap();
    assert!(matches!(
        FileAuditLog::open(&path, other_key()),
        Err(AuditError::NotAnAuditLog)
    ));
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(lines.len(), 1);
    let names: Vec<_> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no quarantine file: {names:?}");
}

#[cfg(unix)]
#[test]
fn audit_symlinks_are_refused_and_logs_are_owner_only() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = TempDir::new("symlink");
    let secret = dir.0.join("token.txt");
    fs::write(&secret, b"secret-token\n").unwrap();
    let link = dir.0.join("audit-link.jsonl");
    symlink(&secret, &link).unwrap();
    assert!(matches!(
        FileAuditLog::open(&link, key()),
        Err(AuditError::NotAFile)
    ));
    assert_eq!(fs::read(&secret).unwrap(), b"secret-token\n");
    // A dangling link does not create its target.
    let dangling = dir.0.join("dangling.jsonl");
    let target = dir.0.join("created-by-mistake");
    symlink(&target, &dangling).unwrap();
    assert!(matches!(
        FileAuditLog::open(&dangling, key()),
        Err(AuditError::NotAFile)
    ));
    assert!(!target.exists());
    // New logs and quarantine files are readable by their owner only.
    let path = dir.log();
    write_log(&path, 2);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let mut file = fs::OpenOptions::new().append(true).open(&path).unwrap();
    std::io::Write::write_all(&mut file, b"{\"seq\":3,\"ti").unwrap();
    drop(file);
    let log = FileAuditLog::open(&path, key()).unwrap();
    let quarantined = log.quarantined().unwrap();
    assert_eq!(
        fs::metadata(quarantined).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

// ---- failures ----

#[test]
fn audit_failing_memory_log_refuses_appends() {
    let log = MemoryAuditLog::failing();
    assert_eq!(log.append(record(0)), Err(AuditError::Unavailable));
    assert!(log.entries().is_empty());

    let log = MemoryAuditLog::new(key());
    assert_eq!(log.append(record(0)).unwrap().seq, 1);
    log.set_failing(true);
    assert_eq!(log.append(record(1)), Err(AuditError::Unavailable));
    log.set_failing(false);
    assert_eq!(log.append(record(2)).unwrap().seq, 2);
    assert_eq!(log.checkpoint().seq, 2);
}

#[test]
fn audit_open_fails_typed_when_the_path_cannot_be_a_log() {
    let dir = TempDir::new("bad-path");
    let blocker = dir.0.join("a-file");
    fs::write(&blocker, b"x").unwrap();
    let err = FileAuditLog::open(&blocker.join("audit.jsonl"), key()).unwrap_err();
    assert!(
        matches!(
            err,
            AuditError::Io {
                operation: "open",
                ..
            }
        ),
        "{err:?}"
    );
    // The log replaced by a directory.
    let path = dir.log();
    write_log(&path, 2);
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    let err = FileAuditLog::open(&path, key()).unwrap_err();
    assert!(
        matches!(
            err,
            AuditError::Io {
                operation: "open",
                ..
            } | AuditError::NotAFile
        ),
        "{err:?}"
    );
    let err = verify_file(&dir.0.join("missing.jsonl"), &key(), None).unwrap_err();
    assert!(matches!(
        err,
        AuditError::Io {
            operation: "read",
            ..
        }
    ));
}

#[test]
fn audit_failed_write_is_a_typed_error_and_poisons_the_log() {
    let dir = TempDir::new("write-fails");
    let path = dir.log();
    let mut log = FileAuditLog::open(&path, key()).unwrap();
    log.append(record(0)).unwrap();
    // A read-only handle makes the write fail even as root.
    log.replace_file_for_test(fs::File::open(&path).unwrap());
    let err = log.append(record(1)).unwrap_err();
    assert!(
        matches!(
            err,
            AuditError::Io {
                operation: "write",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        log.append(record(2)).unwrap_err(),
        AuditError::Poisoned { operation: "write" }
    );
    assert_eq!(log.checkpoint().seq, 1);
    drop(log);
    let log = FileAuditLog::open(&path, key()).unwrap();
    assert_eq!(log.append(record(3)).unwrap().seq, 2);
}

#[test]
fn audit_key_must_be_long_enough_and_never_shows() {
    assert_eq!(
        AuditKey::from_bytes(&[1; 31]).unwrap_err(),
        AuditError::KeyTooShort { len: 31 }
    );
    let key = AuditKey::from_bytes(&[1; 64]).unwrap();
    assert_eq!(format!("{key:?}"), "AuditKey(***)");
    assert!(AuditKey::generate().is_ok());
}

#[test]
fn audit_debug_and_errors_never_show_patient_data() {
    let mut r = record(1);
    r.reason = Some("patient unconscious in ED".into());
    let debug = format!("{r:?}");
    assert!(
        !debug.contains(NHS) && !debug.contains("unconscious"),
        "{debug}"
    );
    let errors = [
        AuditError::ChainBroken {
            line: 3,
            seq: Some(3),
            problem: ProblemKind::BadMac,
        },
        AuditError::Io {
            operation: "write",
            kind: std::io::ErrorKind::StorageFull,
        },
        AuditError::Poisoned { operation: "sync" },
    ];
    for e in errors {
        let text = e.to_string();
        assert!(text.starts_with("audit"), "{text}");
        assert_eq!(text, text.to_lowercase());
    }
}

// ---- group commit ----

#[test]
fn audit_concurrent_appends_share_syncs_and_keep_the_chain() {
    let dir = TempDir::new("group");
    let path = dir.log();
    let log = FileAuditLog::open(&path, key()).unwrap();
    let seqs: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let log = &log;
                s.spawn(move || {
                    (0..25)
                        .map(|i| log.append(record(t * 100 + i)).unwrap().seq)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=200).collect::<Vec<_>>());
    assert!(log.sync_count() <= 200);
    assert_eq!(log.checkpoint().seq, 200);
    let report = verify_file(&path, &key(), Some(&log.checkpoint())).unwrap();
    assert_eq!((report.entries, report.problems.len()), (200, 0));
}

// ---- memory log ----

#[test]
fn audit_memory_log_exports_lines_that_verify() {
    let dir = TempDir::new("memory");
    let log = MemoryAuditLog::new(key());
    for i in 0..20 {
        log.append(record(i)).unwrap();
    }
    let mut out = Vec::new();
    log.export_jsonl(&mut out).unwrap();
    fs::write(dir.log(), &out).unwrap();
    let report = verify_file(&dir.log(), &key(), Some(&log.checkpoint())).unwrap();
    assert_eq!((report.entries, report.problems.len()), (20, 0));
    assert_eq!(read_verified(&dir.log(), &key()).unwrap(), log.entries());
}

// ---- exports and reports ----

fn entry_of(kind: AuditKind, outcome: AuditOutcome, reason: Option<&str>) -> AuditEntry {
    let log = MemoryAuditLog::new(key());
    let mut r = record(1);
    r.kind = kind;
    r.outcome = outcome;
    r.reason = reason.map(str::to_owned);
    log.append(r).unwrap()
}

/// The entity the test looks for, by its `type` code.
fn entities_typed<'a>(event: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"]["code"] == code)
        .collect()
}

#[test]
fn audit_fhir_audit_event_for_a_view() {
    let entry = entry_of(AuditKind::RecordViewed, AuditOutcome::Success, None);
    let event = to_fhir_audit_event(&entry);
    assert_eq!(event["resourceType"], "AuditEvent");
    assert!(
        event.get("id").is_none(),
        "the server assigns the id; the entry's key is its entity"
    );
    assert_eq!(event["type"]["code"], "rest");
    assert_eq!(
        event["type"]["system"],
        "http://terminology.hl7.org/CodeSystem/audit-event-type"
    );
    assert_eq!(event["subtype"][0]["code"], "read");
    assert_eq!(event["action"], "R");
    assert_eq!(event["recorded"], entry.time.as_str());
    assert_eq!(event["outcome"], "0");
    let user = &event["agent"][0];
    assert_eq!(user["type"]["coding"][0]["code"], "IRCP");
    assert_eq!(
        user["who"]["identifier"]["system"],
        "https://fhir.nhs.uk/Id/sds-user-id"
    );
    assert_eq!(user["who"]["identifier"]["value"], "555123450001");
    assert_eq!(user["requestor"], true);
    assert_eq!(user["role"][0]["coding"][0]["code"], "R8000");
    assert_eq!(user["purposeOfUse"][0]["coding"][0]["code"], "TREAT");
    assert_eq!(event["agent"][1]["type"]["coding"][0]["code"], "PROV");
    assert_eq!(event["agent"][1]["who"]["identifier"]["value"], "A12345");
    assert!(
        event["source"]["observer"]["display"]
            .as_str()
            .unwrap()
            .starts_with("ICR SDK")
    );
    let patient = entities_typed(&event, "1");
    assert_eq!(patient.len(), 1);
    assert_eq!(
        patient[0]["what"]["identifier"]["system"],
        "https://fhir.nhs.uk/Id/nhs-number"
    );
    assert_eq!(patient[0]["what"]["identifier"]["value"], NHS);
    let summary = entities_typed(&event, "2");
    assert_eq!(summary.len(), 1, "one data entity: the summary shown");
    let details: Vec<_> = summary[0]["detail"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "section")
        .map(|d| d["valueString"].as_str().unwrap())
        .collect();
    assert_eq!(details, ["medications", "allergies"]);
    let own = entities_typed(&event, "4");
    assert_eq!(own.len(), 1, "the entry itself");
    assert_eq!(own[0]["what"]["identifier"]["value"], entry.mac.as_str());
}

#[test]
fn audit_fhir_audit_event_names_every_item_shown_and_withheld_as_an_entity() {
    let log = MemoryAuditLog::new(key());
    let mut r = record(1);
    r.items_shown = vec![
        "Y90001/AllergyIntolerance/a".into(),
        "RXX/MedicationStatement/m".into(),
    ];
    r.items_withheld = vec!["RXX/Condition/c".into()];
    let event = to_fhir_audit_event(&log.append(r).unwrap());
    let entities = event["entity"].as_array().unwrap();
    assert_eq!(
        entities.len(),
        6,
        "the patient, the summary and the entry, then one per item"
    );
    assert_eq!(entities[0]["role"]["code"], "1", "the patient first");
    let items: Vec<(&str, &str, &str, &str)> = entities[3..]
        .iter()
        .map(|e| {
            assert_eq!(
                e["type"]["system"], "http://hl7.org/fhir/resource-types",
                "typed by resource type, outside BALP's data slice"
            );
            assert_eq!(e["role"]["code"], "4", "Domain Resource");
            assert_eq!(
                e["role"]["system"],
                "http://terminology.hl7.org/CodeSystem/object-role"
            );
            assert_eq!(e["what"]["identifier"]["system"], "urn:icr-sdk:item");
            assert_eq!(e["detail"][0]["type"], "disclosure");
            (
                e["what"]["identifier"]["value"].as_str().unwrap(),
                e["type"]["code"].as_str().unwrap(),
                e["detail"][0]["valueString"].as_str().unwrap(),
                e["description"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (
                "Y90001/AllergyIntolerance/a",
                "AllergyIntolerance",
                "shown",
                "shown to the user"
            ),
            (
                "RXX/MedicationStatement/m",
                "MedicationStatement",
                "shown",
                "shown to the user"
            ),
            (
                "RXX/Condition/c",
                "Condition",
                "withheld",
                "withheld from the user"
            ),
        ]
    );
    // An entry that names no items has the patient, the summary and the entry only.
    let plain = entry_of(AuditKind::RecordViewed, AuditOutcome::Success, None);
    assert_eq!(
        to_fhir_audit_event(&plain)["entity"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn audit_fhir_audit_event_break_glass_and_denial() {
    let bg = entry_of(
        AuditKind::BreakGlass,
        AuditOutcome::Success,
        Some("unconscious in ED"),
    );
    let event = to_fhir_audit_event(&bg);
    assert_eq!(event["type"]["code"], "110113", "Security Alert");
    assert_eq!(
        event["subtype"][0]["code"], "110127",
        "Emergency Override Started"
    );
    let purpose = &event["agent"][0]["purposeOfUse"][0];
    assert_eq!(purpose["coding"][0]["code"], "BTG");
    assert_eq!(
        purpose["coding"][0]["system"],
        "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    );
    assert_eq!(purpose["text"], "unconscious in ED");
    assert_eq!(
        event["agent"][0]["purposeOfUse"][1]["coding"][0]["code"], "TREAT",
        "the session's purpose follows"
    );
    assert!(
        entities_typed(&event, "4")[0]["detail"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["type"] == "reason" && d["valueString"] == "unconscious in ED")
    );

    let denied = entry_of(
        AuditKind::AccessDenied,
        AuditOutcome::Denied,
        Some("no_relationship"),
    );
    let event = to_fhir_audit_event(&denied);
    assert_eq!(event["outcome"], "4");
    assert_eq!(event["outcomeDesc"], "no_relationship");
    assert!(
        event.get("meta").is_none(),
        "a failure claims no BALP profile"
    );
    let failed = entry_of(AuditKind::SessionRefused, AuditOutcome::Failed, None);
    assert_eq!(to_fhir_audit_event(&failed)["outcome"], "8");
}

#[test]
fn audit_patient_access_report_and_privacy_alerts() {
    let log = MemoryAuditLog::new(key());
    log.append(AuditRecord {
        kind: AuditKind::SessionOpened,
        user_id: "u1".into(),
        ..AuditRecord::default()
    })
    .unwrap();
    log.append(record(1)).unwrap();
    let mut other = record(2);
    other.patient = Some("9000000009".into());
    log.append(other).unwrap();
    let mut bg = record(3);
    bg.kind = AuditKind::BreakGlass;
    bg.reason = Some("emergency".into());
    log.append(bg).unwrap();
    let mut viewed = record(5);
    viewed.items_shown = vec![
        "Y90001/AllergyIntolerance/a".into(),
        "Y90001/Condition/b".into(),
    ];
    viewed.items_withheld = vec!["RXX/Condition/c".into()];
    log.append(viewed).unwrap();
    let mut denied = record(4);
    denied.kind = AuditKind::AccessDenied;
    denied.outcome = AuditOutcome::Denied;
    denied.sections.clear();
    log.append(denied).unwrap();
    let entries = log.entries();

    let report = patient_access_report(&entries, "943 476 5919");
    assert_eq!(report.len(), 4);
    assert_eq!(report[0].user_id, "555123450001");
    assert_eq!(report[0].sections, ["medications", "allergies"]);
    assert_eq!(report[0].purpose.as_deref(), Some("direct_care"));
    assert_eq!((report[0].items_shown, report[0].items_withheld), (0, 0));
    assert_eq!(report[1].kind, AuditKind::BreakGlass);
    assert_eq!(report[1].reason.as_deref(), Some("emergency"));
    assert_eq!(
        (report[2].items_shown, report[2].items_withheld),
        (2, 1),
        "the report counts the items shown and withheld"
    );
    assert_eq!(report[3].outcome, AuditOutcome::Denied);
    assert!(patient_access_report(&entries, "").is_empty());
    let line = serde_json::to_value(&report[2]).unwrap();
    assert_eq!(
        (&line["items_shown"], &line["items_withheld"]),
        (&2.into(), &1.into())
    );
    assert!(
        !line.to_string().contains("Condition/c"),
        "counts, never the item ids"
    );

    let alerts = privacy_alerts(&entries);
    let seqs: Vec<u64> = alerts.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [4, 6]);
}

#[test]
fn audit_kinds_serialise_snake_case() {
    let json = serde_json::to_string(&[AuditKind::SessionOpened, AuditKind::BreakGlass]).unwrap();
    assert_eq!(json, r#"["session_opened","break_glass"]"#);
    let json = serde_json::to_string(&AuditOutcome::Denied).unwrap();
    assert_eq!(json, r#""denied""#);
    let problem = serde_json::to_value(ProblemKind::Truncated {
        expected_at_least: 4,
    })
    .unwrap();
    assert_eq!(problem["truncated"]["expected_at_least"], 4);
}

// ---- property tests ----

fn arb_record() -> impl Strategy<Value = AuditRecord> {
    let kind = prop_oneof![
        Just(AuditKind::SessionOpened),
        Just(AuditKind::SessionRefused),
        Just(AuditKind::RecordViewed),
        Just(AuditKind::AccessDenied),
        Just(AuditKind::BreakGlass),
    ];
    let outcome = prop_oneof![
        Just(AuditOutcome::Success),
        Just(AuditOutcome::Denied),
        Just(AuditOutcome::Failed),
    ];
    // Any characters, control characters and newlines included: they must be escaped.
    let text = "(?s).{0,24}";
    (
        kind,
        outcome,
        text,
        proptest::option::of(text),
        proptest::collection::vec(text, 0..4),
        proptest::collection::vec((text, text, 0usize..100), 0..3),
    )
        .prop_map(
            |(kind, outcome, user, reason, sections, withheld)| AuditRecord {
                kind,
                outcome,
                session_id: "s".into(),
                user_id: user,
                patient: Some(NHS.into()),
                reason,
                sections,
                withheld: withheld
                    .into_iter()
                    .map(|(section, reason, count)| WithheldCount {
                        section,
                        reason,
                        count,
                    })
                    .collect(),
                ..AuditRecord::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn audit_prop_append_verify_and_any_flipped_byte_is_detected(
        records in proptest::collection::vec(arb_record(), 1..8),
        line_pick in any::<prop::sample::Index>(),
        byte_pick in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let dir = TempDir::new("prop");
        let path = dir.log();
        {
            let log = FileAuditLog::open(&path, key()).unwrap();
            for r in &records {
                log.append(r.clone()).unwrap();
            }
        }
        let report = verify_file(&path, &key(), None).unwrap();
        prop_assert_eq!(report.entries, records.len() as u64);
        prop_assert!(report.is_verified());
        let entries = read_verified(&path, &key()).unwrap();
        let stored: Vec<AuditRecord> = entries.into_iter().map(|e| e.record).collect();
        prop_assert_eq!(&stored, &records);

        // Flip one byte of one line (its newline included).
        let bytes = fs::read(&path).unwrap();
        let starts: Vec<usize> = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1))
            .filter(|&i| i < bytes.len())
            .collect();
        let line = line_pick.index(starts.len());
        let start = starts[line];
        let end = starts.get(line + 1).copied().unwrap_or(bytes.len());
        let at = start + byte_pick.index(end - start);
        let mut tampered = bytes.clone();
        tampered[at] ^= mask;
        fs::write(&path, &tampered).unwrap();
        let found = verify_file(&path, &key(), None).unwrap().problems;
        prop_assert!(!found.is_empty(), "flip at line {} byte {} undetected", line + 1, at - start);
        prop_assert!(found[0].line <= line as u64 + 1);
    }
}

// ---- the line reader ----

#[test]
fn audit_verify_across_buffer_refills_and_huge_lines() {
    let dir = TempDir::new("big");
    let log = MemoryAuditLog::new(key());
    for i in 0..3000 {
        let mut r = record(i);
        if i == 1500 {
            // A line larger than the reader's 1 MiB buffer.
            r.reason = Some("x".repeat(3 << 20));
        }
        log.append(r).unwrap();
    }
    let mut out = Vec::new();
    log.export_jsonl(&mut out).unwrap();
    fs::write(dir.log(), &out).unwrap();
    let report = verify_file(&dir.log(), &key(), Some(&log.checkpoint())).unwrap();
    assert_eq!((report.entries, report.problems.len()), (3000, 0));
    assert_eq!(read_verified(&dir.log(), &key()).unwrap().len(), 3000);
    // A torn tail after the refills is still found, and only there.
    out.extend_from_slice(b"{\"seq\":3001");
    fs::write(dir.log(), &out).unwrap();
    let report = verify_file(&dir.log(), &key(), None).unwrap();
    assert_eq!(
        report.problems,
        vec![problem(3001, None, ProblemKind::TornTail)]
    );
}

proptest! {
    #[test]
    fn audit_prop_find_newline_matches_naive(bytes in proptest::collection::vec(
        prop_oneof![Just(b'\n'), Just(b'\n' ^ 0x80), any::<u8>()], 0..100)) {
        let naive = bytes.iter().position(|&b| b == b'\n');
        prop_assert_eq!(super::verify::find_newline(&bytes), naive);
    }
}

#[test]
fn audit_item_ids_are_optional_in_the_line_format() {
    let plain = record(1);
    let json = serde_json::to_string(&plain).unwrap();
    assert!(
        !json.contains("items_shown") && !json.contains("items_withheld"),
        "entries that name no items keep the earlier line format: {json}"
    );
    let back: AuditRecord = serde_json::from_str(&json).unwrap();
    assert!(back.items_shown.is_empty() && back.items_withheld.is_empty());
    let mut named = record(2);
    named.items_shown = vec!["Y90001/AllergyIntolerance/a".into()];
    named.items_withheld = vec!["RXX/Condition/c".into()];
    let json = serde_json::to_string(&named).unwrap();
    let back: AuditRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, named);
    let log = MemoryAuditLog::new(key());
    log.append(named.clone()).unwrap();
    assert_eq!(log.entries()[0].record.items_shown, named.items_shown);
}

#[test]
fn audit_a_cut_or_edited_tail_is_caught_by_the_checkpoint_kept_beside_the_log() {
    let dir = TempDir::new("checkpoint-file");
    let path = dir.log();
    let beside = dir.0.join("audit.jsonl.checkpoint");
    let log = FileAuditLog::open_with_checkpoint_file(&path, key(), &beside).unwrap();
    for i in 0..3 {
        log.append(record(i)).unwrap();
    }
    drop(log);
    let saved: Checkpoint = serde_json::from_slice(&fs::read(&beside).unwrap()).unwrap();
    assert_eq!(saved.seq, 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&beside).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The last entry edited: without the checkpoint it would be set aside quietly.
    let original = fs::read(&path).unwrap();
    let mut lines = lines(&path);
    lines[2] = lines[2].replace("registered_gp", "registered_gx");
    write_lines(&path, &lines);
    let edited = fs::read(&path).unwrap();
    assert!(matches!(
        FileAuditLog::open_with_checkpoint_file(&path, key(), &beside),
        Err(AuditError::ChainBroken { .. })
    ));
    assert_eq!(fs::read(&path).unwrap(), edited, "nothing cut");
    // The last entry cut off.
    let mut cut = lines.clone();
    cut.truncate(2);
    write_lines(&path, &cut);
    assert!(matches!(
        FileAuditLog::open_with_checkpoint_file(&path, key(), &beside),
        Err(AuditError::ChainBroken {
            problem: ProblemKind::Truncated {
                expected_at_least: 3
            },
            ..
        })
    ));
    // The genuine log, with a torn line after the checkpoint (a crash): set aside as usual.
    let mut torn = original.clone();
    torn.extend_from_slice(b"{\"seq\":4,\"ti");
    fs::write(&path, &torn).unwrap();
    let log = FileAuditLog::open_with_checkpoint_file(&path, key(), &beside).unwrap();
    assert!(log.quarantined().is_some());
    drop(log);
    assert_eq!(
        serde_json::from_slice::<Checkpoint>(&fs::read(&beside).unwrap())
            .unwrap()
            .seq,
        4,
        "the recovery entry is acknowledged and checkpointed"
    );
    fs::write(&beside, b"not a checkpoint").unwrap();
    assert!(matches!(
        FileAuditLog::open_with_checkpoint_file(&path, key(), &beside),
        Err(AuditError::BadCheckpoint)
    ));
}

#[test]
fn audit_a_device_or_folder_is_never_verified_and_reports_stream_the_log() {
    #[cfg(unix)]
    assert!(matches!(
        verify_file(Path::new("/dev/zero"), &key(), None),
        Err(AuditError::NotAFile)
    ));
    let dir = TempDir::new("stream");
    assert!(matches!(
        verify_file(&dir.0, &key(), None),
        Err(AuditError::NotAFile)
    ));
    let path = dir.log();
    write_log(&path, 40);
    let all = read_verified(&path, &key()).unwrap();
    let mut streamed = 0;
    for_each_verified(&path, &key(), |_| streamed += 1).unwrap();
    assert_eq!(streamed, all.len());
    assert_eq!(
        patient_access_report_file(&path, &key(), NHS).unwrap(),
        patient_access_report(&all, NHS)
    );
    assert_eq!(
        patient_access_report_file(&path, &key(), NHS)
            .unwrap()
            .len(),
        40
    );
}

#[test]
fn audit_reopening_with_its_checkpoint_reads_only_the_tail_and_the_chain_continues() {
    let dir = TempDir::new("tail-open");
    let path = dir.log();
    let beside = dir.0.join("audit.jsonl.checkpoint");
    let log = FileAuditLog::open_with_checkpoint_file(&path, key(), &beside).unwrap();
    for i in 0..300 {
        log.append(record(i)).unwrap();
    }
    drop(log);
    // An entry well before the checkpoint edited: opening reads from the checkpoint's
    // entry on, so it opens (and continues the chain); verifying reads it all and finds it.
    let mut text = lines(&path);
    text[9] = text[9].replace("registered_gp", "registered_gx");
    write_lines(&path, &text);
    let log = FileAuditLog::open_with_checkpoint_file(&path, key(), &beside).unwrap();
    assert!(log.quarantined().is_none());
    assert_eq!(log.checkpoint().seq, 300);
    assert_eq!(log.append(record(300)).unwrap().seq, 301);
    drop(log);
    assert_eq!(
        problems(&path, None),
        vec![problem(10, Some(10), ProblemKind::BadMac)]
    );
    // Restored, the whole log verifies with the appended entry.
    let mut text = lines(&path);
    text[9] = text[9].replace("registered_gx", "registered_gp");
    write_lines(&path, &text);
    let report = verify_file(&path, &key(), None).unwrap();
    assert!(report.is_verified());
    assert_eq!(report.entries, 301);
    // A checkpoint that no longer matches where its entry ends falls back to reading the
    // whole log against it: a log cut short and regrown is still caught.
    let mut cut = text.clone();
    cut.truncate(200);
    write_lines(&path, &cut);
    let log = FileAuditLog::open(&path, key()).unwrap();
    for i in 0..150 {
        log.append(record(i)).unwrap();
    }
    drop(log);
    assert!(matches!(
        FileAuditLog::open_with_checkpoint_file(&path, key(), &beside),
        Err(AuditError::ChainBroken { .. })
    ));
}

#[test]
fn a_memory_log_reads_back_exactly_what_each_append_returned() {
    let log = MemoryAuditLog::new(key());
    let records = [
        AuditRecord::default(),
        AuditRecord {
            kind: AuditKind::BreakGlass,
            outcome: AuditOutcome::Denied,
            user_name: Some("Dr \"Ann\" O'Neil\\\u{e9}\u{1}\n".into()),
            reason: Some("\u{2028}unconscious, \u{1F691} on arrival".into()),
            items_shown: vec!["A1/Condition/1".into()],
            items_withheld: vec!["A1/Condition/2".into()],
            restricted: true,
            format: Some("fhir-document".into()),
            ..record(7)
        },
    ];
    let appended: Vec<AuditEntry> = records
        .into_iter()
        .map(|r| log.append(r).unwrap())
        .collect();
    assert_eq!(log.entries(), appended);
    let head = appended.last().unwrap();
    assert_eq!(
        log.checkpoint(),
        Checkpoint {
            seq: 2,
            mac: head.mac.clone()
        }
    );
    let dir = TempDir::new("memory-read-back");
    let mut out = Vec::new();
    log.export_jsonl(&mut out).unwrap();
    fs::write(dir.log(), out).unwrap();
    let report = verify_file(&dir.log(), &key(), Some(&log.checkpoint())).unwrap();
    assert!(report.is_verified(), "{:?}", report.problems);
    assert_eq!(report.entries, 2);
}
