//! The audit log's costs, each against a baseline measured in the same run:
//!
//! - durable appends (one `fdatasync` per append, one thread) against a raw `write_all`
//!   plus `sync_data` of lines of the same size to another file in the same folder
//!   (goal: at least 50 % of raw);
//! - group commit: appends per second with 8 threads sharing one log;
//! - many processes: 8 processes (this binary, re-run as writers) appending to one log
//!   file at once, each append taking the file's lock (issue #15), against the 8 threads
//!   of one process above;
//! - chain verification over 100,000 entries (goal: at least 1 M entries/s), against
//!   HMAC-SHA-256 alone over the same lines in memory, the floor it cannot beat.
//!
//! After criterion's report the figures are printed from criterion's estimates.

#[path = "common/audit_record.rs"]
mod audit_record;
mod common;

use audit_record::record;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use icr_core::audit::{AuditKey, AuditSink, FileAuditLog, MemoryAuditLog, verify_file};

const VERIFY_ENTRIES: u64 = 100_000;
const THREADS: u64 = 8;
/// Set in a writer process: the log it appends to.
const CHILD_LOG: &str = "ICR_BENCH_AUDIT_CHILD";
/// Appends per writer process.
const PER_PROCESS: u64 = 200;

fn main() {
    let Ok(key) = AuditKey::from_bytes(&[7; 32]) else {
        return;
    };
    if let Some(path) = std::env::var_os(CHILD_LOG) {
        if let Ok(log) = FileAuditLog::open(Path::new(&path), key) {
            let r = record();
            for _ in 0..PER_PROCESS {
                let _ = log.append(r.clone());
            }
        }
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("audit-bench");
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return;
    }
    let Some(verify_path) = verification_log(&dir, &key) else {
        eprintln!("cannot write the verification log");
        return;
    };
    let line_len = std::fs::metadata(&verify_path)
        .map(|m| m.len() / VERIFY_ENTRIES)
        .unwrap_or(0);
    let (Ok(log), Ok(raw), Ok(shared)) = (
        FileAuditLog::open(&dir.join("append.jsonl"), key.clone()),
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("raw.bin")),
        FileAuditLog::open(&dir.join("group.jsonl"), key.clone()),
    ) else {
        eprintln!("cannot open the benchmark files");
        return;
    };

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("audit_append");
    group.throughput(Throughput::Elements(1));
    let raw_line: Vec<u8> = (1..line_len)
        .map(|_| b'x')
        .chain(std::iter::once(b'\n'))
        .collect();
    group.bench_function("raw_write_sync", |b| b.iter(|| raw_append(&raw, &raw_line)));
    let r = record();
    group.bench_function("durable_append", |b| {
        b.iter(|| log.append(std::hint::black_box(r.clone())).is_ok())
    });
    group.finish();

    let mut group = c.benchmark_group("audit_group_commit");
    group.throughput(Throughput::Elements(1));
    let syncs_before = shared.sync_count();
    let mut appends = 0u64;
    group.bench_function("8_threads", |b| {
        b.iter_custom(|iters| {
            appends += iters;
            group_commit(&shared, iters)
        })
    });
    group.finish();
    let syncs = shared.sync_count() - syncs_before;

    let processes = many_processes(&dir);

    let mut group = c.benchmark_group("audit_verify");
    group.throughput(Throughput::Elements(VERIFY_ENTRIES));
    group.sample_size(10);
    // The floor: HMAC-SHA-256 of every line's bytes, already split, in memory.
    let text = std::fs::read(&verify_path).unwrap_or_default();
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7; 32]);
    group.bench_function("hmac_only", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|line| ring::hmac::sign(&hmac_key, line).as_ref().first().copied())
                .fold(0u8, |acc, x| acc ^ x.unwrap_or(0))
        })
    });
    group.bench_function("100k_entries", |b| {
        b.iter(|| {
            verify_file(&verify_path, &key, None)
                .map(|r| r.entries)
                .unwrap_or(0)
        })
    });
    group.finish();
    c.final_summary();

    println!("AUDIT line size: {line_len} bytes");
    let raw_ns = common::mean_ns("audit_append", "raw_write_sync");
    let durable_ns = common::mean_ns("audit_append", "durable_append");
    if let (Some(raw_ns), Some(durable_ns)) = (raw_ns, durable_ns) {
        println!(
            "AUDIT durable appends: {:.0}/s vs raw write_all+sync_data {:.0}/s: {:.0} % of raw",
            1e9 / durable_ns,
            1e9 / raw_ns,
            100.0 * raw_ns / durable_ns
        );
    }
    if let Some(ns) = common::mean_ns("audit_group_commit", "8_threads") {
        println!(
            "AUDIT group commit, {THREADS} threads: {:.0} appends/s ({:.2} appends per fdatasync)",
            1e9 / ns,
            appends as f64 / syncs.max(1) as f64
        );
    }
    if let (Some(rate), Some(ns)) = (
        processes,
        common::mean_ns("audit_group_commit", "8_threads"),
    ) {
        println!(
            "AUDIT {THREADS} processes on one file: {rate:.0} appends/s ({:.0} % of {THREADS} threads in one process)",
            100.0 * rate / (1e9 / ns)
        );
    }
    let floor = common::mean_ns("audit_verify", "hmac_only");
    if let (Some(ns), Some(floor)) = (common::mean_ns("audit_verify", "100k_entries"), floor) {
        println!(
            "AUDIT verification: {:.2} M entries/s ({:.1} ms for {VERIFY_ENTRIES}); \
             HMAC alone over the same lines in memory: {:.2} M/s, so HMAC is {:.0} % of the time",
            VERIFY_ENTRIES as f64 / ns * 1e3,
            ns / 1e6,
            VERIFY_ENTRIES as f64 / floor * 1e3,
            100.0 * floor / ns
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn raw_append(file: &File, line: &[u8]) -> bool {
    let mut f = file;
    f.write_all(line).is_ok() && f.sync_data().is_ok()
}

/// Appends per second of 8 writer processes on one new log (three runs, the median).
fn many_processes(dir: &Path) -> Option<f64> {
    let exe = std::env::current_exe().ok()?;
    let mut rates = Vec::new();
    for run in 0..3 {
        let path = dir.join(format!("processes-{run}.jsonl"));
        let start = Instant::now();
        let children: Vec<_> = (0..THREADS)
            .map(|_| {
                std::process::Command::new(&exe)
                    .env(CHILD_LOG, &path)
                    .spawn()
            })
            .collect::<Result<_, _>>()
            .ok()?;
        for mut child in children {
            child.wait().ok()?;
        }
        let seconds = start.elapsed().as_secs_f64();
        let key = AuditKey::from_bytes(&[7; 32]).ok()?;
        let report = verify_file(&path, &key, None).ok()?;
        if !report.is_verified() || report.entries != THREADS * PER_PROCESS {
            eprintln!("the many-process log did not verify with every entry");
            return None;
        }
        rates.push(report.entries as f64 / seconds);
    }
    rates.sort_by(f64::total_cmp);
    rates.get(1).copied()
}

/// `iters` appends shared between the threads; returns the wall time.
fn group_commit(log: &FileAuditLog, iters: u64) -> Duration {
    let r = record();
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let n = iters / THREADS + u64::from(t < iters % THREADS);
            let r = &r;
            s.spawn(move || {
                for _ in 0..n {
                    let _ = log.append(r.clone());
                }
            });
        }
    });
    start.elapsed()
}

/// 100,000 entries sealed in memory and written out in the file format.
fn verification_log(dir: &Path, key: &AuditKey) -> Option<PathBuf> {
    let log = MemoryAuditLog::new(key.clone());
    let r = record();
    for _ in 0..VERIFY_ENTRIES {
        log.append(r.clone()).ok()?;
    }
    let path = dir.join("verify.jsonl");
    let mut out = std::io::BufWriter::new(File::create(&path).ok()?);
    log.export_jsonl(&mut out).ok()?;
    out.flush().ok()?;
    Some(path)
}
