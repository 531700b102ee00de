//! The region's database, each figure against a baseline measured in the same run
//! (issue #15). A bench binary, not criterion: each measurement runs writers on their
//! own connections for a fixed time, which criterion's sampling does not model.
//!
//! - Durable appends per second with 1 and 8 concurrent writers (each writer its own
//!   connection, as separate hosts), against raw `BEGIN; INSERT …; COMMIT` of rows of the
//!   same size through the same client (goal: at least 50 % of raw with one commit per
//!   access). Raw and chain runs alternate, three rounds, medians reported.
//! - Chain verification from the table (goal: at least 1 M entries/s), against the file
//!   log's verification of the same lines and HMAC-SHA-256 alone over them in memory.
//!
//! Starts its own PostgreSQL on loopback (`tests/support/src/database.rs`), with the
//! server's default durability (`fsync` on, synchronous commit).
//!
//! `cargo bench -p icr-core --features postgres --bench region` (`ICR_BENCH_SECONDS`
//! sets each measurement's length, default 3).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/audit_record.rs"]
mod audit_record;
use icr_test_support::database as pg;

use audit_record::record;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use icr_core::audit::{AuditKey, AuditSink, AuditSource, MemoryAuditLog, verify_file};
use icr_core::postgres::Database;

const VERIFY_ENTRIES: u64 = 100_000;

fn seconds() -> Duration {
    Duration::from_secs_f64(
        std::env::var("ICR_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    )
}

/// Runs `writers` threads, each calling `step` (with its own state from `init`) until
/// the time is up; returns completed steps per second.
fn rate<S>(writers: usize, init: impl Fn() -> S + Sync, step: impl Fn(&mut S) + Sync) -> f64 {
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let length = seconds();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            s.spawn(|| {
                let mut state = init();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    step(&mut state);
                    n += 1;
                }
                done.fetch_add(n, Ordering::Relaxed);
            });
        }
        std::thread::sleep(length);
        stop.store(true, Ordering::Relaxed);
    });
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let server = pg::server();
    let url = server.fresh_database("bench_region");
    let key = AuditKey::from_bytes(&[7; 32]).unwrap();
    Database::connect(&url).unwrap();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute("CREATE TABLE raw_rows (seq bigserial PRIMARY KEY, line text NOT NULL)")
        .unwrap();

    // A sealed line of the record, for the raw rows' size.
    let sample = MemoryAuditLog::new(key.clone());
    sample.append(record()).unwrap();
    let mut bytes = Vec::new();
    sample.export_jsonl(&mut bytes).unwrap();
    let line = String::from_utf8(bytes).unwrap().trim_end().to_owned();
    let raw_sql = format!("BEGIN; INSERT INTO raw_rows (line) VALUES ($r${line}$r$); COMMIT");
    println!("REGION line size: {} bytes", line.len());

    for writers in [1usize, 8] {
        let (mut raw, mut chain) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            raw.push(rate(
                writers,
                || postgres::Client::connect(&url, postgres::NoTls).unwrap(),
                |c| {
                    c.simple_query(&raw_sql).unwrap();
                },
            ));
            chain.push(rate(
                writers,
                || Database::connect(&url).unwrap().audit_log(key.clone()),
                |log| {
                    log.append(record()).unwrap();
                },
            ));
        }
        let (raw, chain) = (median(raw), median(chain));
        println!(
            "REGION durable appends, {writers} writer(s): {chain:.0}/s vs raw INSERT+COMMIT \
             {raw:.0}/s: {:.0} % of raw",
            100.0 * chain / raw
        );
    }

    // Verification: the same 100,000 sealed lines in the table and in a file.
    let memory = MemoryAuditLog::new(key.clone());
    for _ in 0..VERIFY_ENTRIES {
        memory.append(record()).unwrap();
    }
    let mut text = Vec::new();
    memory.export_jsonl(&mut text).unwrap();
    drop(memory);
    let verify_db = server.fresh_database("bench_verify");
    Database::connect(&verify_db).unwrap();
    let mut client = postgres::Client::connect(&verify_db, postgres::NoTls).unwrap();
    let lines: Vec<&str> = std::str::from_utf8(&text).unwrap().lines().collect();
    for (i, chunk) in lines.chunks(10_000).enumerate() {
        let first = (i * 10_000) as i64 + 1;
        let seqs: Vec<i64> = (first..first + chunk.len() as i64).collect();
        let rows: Vec<String> = chunk.iter().map(|l| (*l).to_owned()).collect();
        client
            .execute(
                "INSERT INTO icr_audit (seq, line) SELECT * FROM unnest($1::bigint[], $2::text[])",
                &[&seqs, &rows],
            )
            .unwrap();
    }
    let file = std::env::temp_dir().join(format!("icr-region-bench-{}.jsonl", std::process::id()));
    std::fs::File::create(&file)
        .and_then(|mut f| f.write_all(&text))
        .unwrap();
    let table = Arc::new(
        Database::connect(&verify_db)
            .unwrap()
            .audit_log(key.clone()),
    );
    let hmac_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7; 32]);
    let (mut from_table, mut from_file, mut hmac) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Instant::now();
        let report = table.verify(None).unwrap();
        from_table.push(t.elapsed().as_secs_f64());
        assert!(report.is_verified() && report.entries == VERIFY_ENTRIES);
        let t = Instant::now();
        let report = verify_file(&file, &key, None).unwrap();
        from_file.push(t.elapsed().as_secs_f64());
        assert!(report.is_verified());
        let t = Instant::now();
        let x = lines
            .iter()
            .map(|l| {
                let tag = ring::hmac::sign(&hmac_key, l.as_bytes());
                tag.as_ref().first().copied().unwrap_or(0)
            })
            .fold(0u8, |a, b| a ^ b);
        std::hint::black_box(x);
        hmac.push(t.elapsed().as_secs_f64());
    }
    let per_s = |v: Vec<f64>| VERIFY_ENTRIES as f64 / median(v) / 1e6;
    let (table, file_rate, hmac) = (per_s(from_table), per_s(from_file), per_s(hmac));
    println!(
        "REGION verification from the table: {table:.2} M entries/s; the file log's of the \
         same lines {file_rate:.2} M/s ({:.0} % of it); HMAC alone in memory {hmac:.2} M/s",
        100.0 * table / file_rate
    );
    let _ = std::fs::remove_file(&file);
}
