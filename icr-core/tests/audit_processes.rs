//! Many processes appending to one audit file (issue #15, item 0): a web EPR runs several
//! worker processes that share one `--audit` file. Eight child processes, each with two
//! threads, append 50 entries each to one log at once; then the log must verify and hold
//! every acknowledged entry, with sequence numbers 1..=n and no gaps. A second run kills
//! some writers with SIGKILL part-way: no acknowledged entry is lost and the chain holds.
//!
//! The children are this test binary, run as
//! `<exe> --exact audit_processes_child --nocapture --test-threads=1` with
//! `ICR_AUDIT_PROCESS_CHILD=<log path>` and `ICR_AUDIT_PROCESS_COUNT=<entries>`; without
//! the variable `audit_processes_child` returns at once.

#![cfg(all(unix, feature = "trust"))]

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::Arc;

use icr_core::audit::{AuditSink, FileAuditLog, ProblemKind, read_verified, verify_file};
use icr_test_support::audit::{key, viewed};
use icr_test_support::process::{ack, spawn_self};

const CHILD_VAR: &str = "ICR_AUDIT_PROCESS_CHILD";
const COUNT_VAR: &str = "ICR_AUDIT_PROCESS_COUNT";
const CHILD_TEST: &str = "audit_processes_child";
const PROCESSES: usize = 8;
const PER_PROCESS: u64 = 50;

/// The sessions of this process's views are named after it: `p<pid>-<i>`.
fn sessions() -> String {
    format!("p{}-", std::process::id())
}

/// The child: opens the shared log and appends `COUNT` entries from two threads,
/// printing `ACK <seq>` after each acknowledged one.
#[test]
fn audit_processes_child() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let count: u64 = std::env::var(COUNT_VAR)
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(PER_PROCESS);
    let log = Arc::new(FileAuditLog::open(Path::new(&path), key()).unwrap());
    let out = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let threads: Vec<_> = (0..2u64)
        .map(|t| {
            let (log, out) = (Arc::clone(&log), Arc::clone(&out));
            std::thread::spawn(move || {
                for i in (t..count).step_by(2) {
                    let entry = log.append(viewed(&sessions(), i)).unwrap();
                    let mut out = out.lock().unwrap();
                    writeln!(out, "ACK {}", entry.seq).unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

fn spawn(path: &Path, count: u64) -> Child {
    let count = count.to_string();
    spawn_self(
        CHILD_TEST,
        [
            (CHILD_VAR, path.as_os_str()),
            (COUNT_VAR, OsStr::new(&count)),
        ],
    )
}

// `cfg(test)` (always true here) tells clippy these helpers are test code.
#[cfg(test)]
fn log_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("audit-processes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Every `ACK` a child printed.
#[cfg(test)]
fn acks(child: &mut Child) -> Vec<u64> {
    let out = child.stdout.take().unwrap();
    BufReader::new(out)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| ack(&l)?.parse().ok())
        .collect()
}

#[test]
fn eight_processes_appending_at_once_make_one_unbroken_chain() {
    let path = log_path("shared.jsonl");
    // Created first, so every child opens an existing log.
    drop(FileAuditLog::open(&path, key()).unwrap());
    let mut children: Vec<Child> = (0..PROCESSES).map(|_| spawn(&path, PER_PROCESS)).collect();
    let mut acknowledged = BTreeSet::new();
    for child in &mut children {
        acknowledged.extend(acks(child));
        assert!(child.wait().unwrap().success(), "every writer succeeds");
    }
    let total = PROCESSES as u64 * PER_PROCESS;
    assert_eq!(
        acknowledged.len() as u64,
        total,
        "every append acknowledged once"
    );
    let report = verify_file(&path, &key(), None).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.entries, total);
    let seqs: Vec<u64> = read_verified(&path, &key())
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        seqs,
        (1..=total).collect::<Vec<_>>(),
        "gap-free, in file order"
    );
    assert_eq!(acknowledged, seqs.iter().copied().collect::<BTreeSet<_>>());
}

#[test]
fn writers_killed_part_way_lose_no_acknowledged_entry_and_break_no_chain() {
    let path = log_path("killed.jsonl");
    drop(FileAuditLog::open(&path, key()).unwrap());
    let mut acknowledged = BTreeSet::new();
    for round in 0..4u64 {
        let mut children: Vec<Child> = (0..PROCESSES).map(|_| spawn(&path, 10_000)).collect();
        // Let them interleave, then kill half with SIGKILL and the rest after them.
        std::thread::sleep(std::time::Duration::from_millis(150 + 40 * round));
        for child in &mut children {
            let _ = child.kill();
        }
        for child in &mut children {
            acknowledged.extend(acks(child));
            let _ = child.wait();
        }
        // A writer killed inside its write (Linux stops a write to a file at a page when
        // the process gets SIGKILL) leaves the last line torn; it was never acknowledged.
        // The next process to open the log sets it aside and records that it did, so the
        // chain is checked as the next writer finds it.
        let torn = verify_file(&path, &key(), None).unwrap().problems;
        assert!(
            torn.iter().all(|p| p.kind == ProblemKind::TornTail),
            "round {round}: only a torn last line, never a broken chain: {torn:?}"
        );
        drop(FileAuditLog::open(&path, key()).unwrap());
        let report = verify_file(&path, &key(), None).unwrap();
        assert!(
            report.problems.is_empty(),
            "round {round}: {:?}",
            report.problems
        );
        let present: BTreeSet<u64> = read_verified(&path, &key())
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        let lost: Vec<&u64> = acknowledged.difference(&present).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged but missing {lost:?}"
        );
    }
    assert!(
        acknowledged.len() > 100,
        "the writers got going: {}",
        acknowledged.len()
    );
    // A new writer continues the chain after the kills.
    let log = FileAuditLog::open(&path, key()).unwrap();
    let next = log.append(viewed(&sessions(), 0)).unwrap();
    assert!(next.seq > *acknowledged.iter().max().unwrap());
}
