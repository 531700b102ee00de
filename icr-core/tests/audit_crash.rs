//! Crash test of the durable audit log: a child process appends entries and reports each
//! acknowledged sequence number; the parent kills it with SIGKILL at a random point,
//! reopens the log, and checks that every acknowledged entry is there and the log verifies.
//!
//! The child is this same test binary, run as
//! `<exe> --exact audit_crash_child --nocapture --test-threads=1` with
//! `ICR_AUDIT_CHILD=<log path>`. Without that variable `audit_crash_child` returns at
//! once, so in an ordinary test run it is a no-op that passes.
//!
//! Some runs also append a partial line after the kill, as a power cut in the middle of a
//! write would leave (SIGKILL alone never tears a `write`): reopening must quarantine it.
//! Each log file takes 25 kills in a row (every reopen continues its chain, and is checked
//! against the checkpoint taken after the previous kill); then a new file starts.
//! Runs: `ICR_AUDIT_CRASH_RUNS` (default 200); seed: `ICR_AUDIT_CRASH_SEED` (default from
//! the clock, printed so a failure can be replayed).

#![cfg(all(unix, feature = "trust"))]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use icr_core::audit::{AuditSink, Checkpoint, FileAuditLog, read_verified, verify_file};
use icr_test_support::audit::{key, viewed};
use icr_test_support::process::{ack, spawn_self};
use icr_test_support::rng::Rng;

const CHILD_VAR: &str = "ICR_AUDIT_CHILD";
const CHILD_TEST: &str = "audit_crash_child";
/// Kills in a row on one log file before the next run starts a new one.
const RUNS_PER_LOG: u64 = 25;

/// The child: appends until killed, printing `ACK <seq>` after each acknowledged entry.
/// Does nothing unless `ICR_AUDIT_CHILD` is set (see the module documentation).
#[test]
fn audit_crash_child() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let log = FileAuditLog::open(Path::new(&path), key()).unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        // Eight views a session.
        let entry = log.append(viewed("s", i / 8)).unwrap();
        writeln!(out, "ACK {}", entry.seq).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn audit_crash_kill_at_random_points() {
    let runs: u64 = std::env::var("ICR_AUDIT_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed = std::env::var("ICR_AUDIT_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        })
        | 1;
    eprintln!("audit crash test: {runs} runs, ICR_AUDIT_CRASH_SEED={seed}");
    let mut rng = Rng::new(seed);

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("audit-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let started = Instant::now();
    let mut acknowledged = BTreeSet::new();
    let mut total_acknowledged = 0;
    let mut checkpoint: Option<Checkpoint> = None;
    let (mut torn_runs, mut quarantined) = (0, 0);
    let mut path = PathBuf::new();
    for run in 0..runs {
        // A new log every RUNS_PER_LOG kills: each log survives many crashes in a row,
        // and the logs stay small enough that reopening does not dominate the test.
        if run % RUNS_PER_LOG == 0 {
            path = dir.join(format!("audit-{}.jsonl", run / RUNS_PER_LOG));
            checkpoint = None;
            acknowledged.clear();
        }
        let target = 1 + rng.below(30) as usize;
        let mut child = spawn_self(CHILD_TEST, [(CHILD_VAR, &path)]);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked_this_run = 0;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(seq) = ack(&line) {
                acknowledged.insert(seq.parse::<u64>().unwrap());
                total_acknowledged += 1;
                acked_this_run += 1;
                if acked_this_run == target {
                    break;
                }
            }
        }
        assert_eq!(
            acked_this_run, target,
            "run {run}: the child stopped before {target} acknowledgements"
        );
        // Let the child run on for a moment, so that the kill lands anywhere in its loop.
        let pause = rng.below(300);
        if pause > 100 {
            std::thread::sleep(Duration::from_micros(pause - 100));
        }
        child.kill().unwrap();
        // Acknowledgements printed before the kill still count.
        for line in lines {
            let Ok(line) = line else { break };
            if let Some(seq) = ack(&line) {
                acknowledged.insert(seq.parse::<u64>().unwrap());
                total_acknowledged += 1;
            }
        }
        child.wait().unwrap();

        // Some runs: a power cut in the middle of the next write.
        if rng.below(4) == 0 {
            torn_runs += 1;
            let next = acknowledged.last().copied().unwrap_or(0) + 1;
            let fake = format!("{{\"seq\":{next},\"time\":\"2026-11-25T09:30:00Z\",\"record\":{{");
            let cut = 1 + rng.below(fake.len() as u64) as usize;
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            file.write_all(&fake.as_bytes()[..cut]).unwrap();
        }

        let log = FileAuditLog::open(&path, key()).unwrap_or_else(|e| panic!("run {run}: {e}"));
        if log.quarantined().is_some() {
            quarantined += 1;
        }
        let report = verify_file(&path, &key(), checkpoint.as_ref()).unwrap();
        assert!(report.is_verified(), "run {run}: {:?}", report.problems);
        let present: BTreeSet<u64> = read_verified(&path, &key())
            .unwrap()
            .into_iter()
            .map(|e| e.seq)
            .collect();
        let lost: Vec<_> = acknowledged.difference(&present).collect();
        assert!(
            lost.is_empty(),
            "run {run}: acknowledged entries lost: {lost:?}"
        );
        assert_eq!(present.len() as u64, report.entries);
        checkpoint = Some(log.checkpoint());
    }
    let elapsed = started.elapsed();
    eprintln!(
        "audit crash test: {runs} kills, {} entries acknowledged, {torn_runs} torn tails \
         simulated, {quarantined} quarantined, {:.1} s",
        total_acknowledged,
        elapsed.as_secs_f64()
    );
    // A kill can, rarely, also tear a write; every simulated torn tail is quarantined.
    assert!(quarantined >= torn_runs);
    let _ = std::fs::remove_dir_all(&dir);
}
