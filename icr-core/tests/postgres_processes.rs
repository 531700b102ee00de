//! Many host processes on one region database (issue #15): eight processes open sessions
//! and view the record for a while at once; writers are killed with SIGKILL at random
//! points; an opt-out recorded by one process applies in another. Afterwards the chain
//! verifies, its length is the number of acknowledged appends, sequence numbers have no
//! gaps, and every acknowledged entry is there as it was acknowledged.
//!
//! The children are this test binary, run as `<exe> --exact child --nocapture` with
//! `ICR_PG_CHILD=<mode>` and `ICR_PG_URL`; without the variable `child` returns at once.
//! A child prints `ACK <seq> <mac>` after each append the database acknowledged.
//! `ICR_PG_SECONDS` sets how long the viewing processes run (default 20).

#![cfg(all(unix, feature = "postgres"))]
// Test support (the server, fixtures) panics on purpose: a panic is a failed test.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use icr_test_support::database as pg;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use icr_core::audit::{
    AuditEntry, AuditError, AuditKind, AuditRecord, AuditSink, AuditSource, access_report_from,
};
use icr_core::launch::Relationship;
use icr_core::postgres::{Database, PostgresAuditLog};
use icr_core::session::demo;
use icr_test_support::audit::key;
use icr_test_support::clock::now;
use icr_test_support::demo::{record, token};
use icr_test_support::process::{ack, spawn_self};
use icr_test_support::rng::Rng;

const MODE: &str = "ICR_PG_CHILD";
const URL: &str = "ICR_PG_URL";

/// Prints each acknowledged entry, then hands it back.
struct Acking(PostgresAuditLog);

impl AuditSink for Acking {
    fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditError> {
        let entry = self.0.append(record)?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "ACK {} {}", entry.seq, entry.mac).unwrap();
        out.flush().unwrap();
        Ok(entry)
    }
}

#[test]
fn child() {
    let Ok(mode) = std::env::var(MODE) else {
        return;
    };
    let url = std::env::var(URL).unwrap();
    let db = Database::connect(&url).unwrap();
    let log = Arc::new(Acking(db.audit_log(key())));
    let icr = demo::builder(log.clone())
        .unwrap()
        .state(Arc::new(db.state()))
        .build();
    match mode.as_str() {
        "views" => {
            let seconds: u64 = std::env::var("ICR_PG_SECONDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(20);
            let record = record();
            let until = Instant::now() + Duration::from_secs(seconds);
            while Instant::now() < until {
                let token = token("gp", Relationship::RegisteredGp, now());
                let session = icr.open_session(&token).unwrap();
                session.summary(&record).unwrap();
            }
        }
        "append" => loop {
            log.append(AuditRecord {
                kind: AuditKind::RecordViewed,
                user_id: "555123456789".into(),
                patient: Some(icr_core::demo::PATIENT_NHS_NUMBER.into()),
                ..AuditRecord::default()
            })
            .unwrap();
        },
        "opt-out" => {
            let token = token("gp", Relationship::RegisteredGp, now());
            let session = icr.open_session(&token).unwrap();
            session
                .record_opt_out(true, "Patient asked not to share")
                .unwrap();
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn spawn(mode: &str, url: &str) -> Child {
    spawn_self("child", [(MODE, mode), (URL, url)])
}

/// The `ACK` lines a child printed, as sequence number → MAC.
fn acks(child: &mut Child) -> BTreeMap<u64, String> {
    BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| {
            let mut parts = ack(&l)?.split(' ');
            Some((parts.next()?.parse().ok()?, parts.next()?.to_owned()))
        })
        .collect()
}

/// The chain verifies, holds exactly the acknowledged entries (numbered 1..=n), each
/// with the MAC it was acknowledged with.
fn assert_chain_holds(url: &str, acknowledged: &BTreeMap<u64, String>) -> Vec<AuditEntry> {
    let log = Database::connect(url).unwrap().audit_log(key());
    let report = log.verify(None).unwrap();
    assert!(report.is_verified(), "{:?}", report.problems);
    let mut entries = Vec::new();
    log.for_each_verified(0, &mut |e| {
        entries.push(e);
        Ok(())
    })
    .unwrap();
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=entries.len() as u64).collect::<Vec<_>>(),
        "no gaps"
    );
    let stored: BTreeMap<u64, &str> = entries.iter().map(|e| (e.seq, e.mac.as_str())).collect();
    for (seq, mac) in acknowledged {
        assert_eq!(
            stored.get(seq),
            Some(&mac.as_str()),
            "acknowledged entry {seq}"
        );
    }
    entries
}

#[test]
fn eight_processes_view_at_once_and_the_chain_holds_every_acknowledged_entry() {
    let url = pg::server().fresh_database("processes_views");
    Database::connect(&url).unwrap();
    let started = Instant::now();
    let mut children: Vec<Child> = (0..8).map(|_| spawn("views", &url)).collect();
    let mut acknowledged = BTreeMap::new();
    for child in &mut children {
        acknowledged.extend(acks(child));
        assert!(child.wait().unwrap().success(), "a viewing process failed");
    }
    let seconds = started.elapsed().as_secs_f64();
    let entries = assert_chain_holds(&url, &acknowledged);
    assert_eq!(
        entries.len(),
        acknowledged.len(),
        "length = acknowledged appends"
    );
    assert!(entries.len() >= 8 * 2, "every process viewed at least once");
    // The access report for the patient lists every view from every process.
    let log = Database::connect(&url).unwrap().audit_log(key());
    let report = access_report_from(&log, icr_core::demo::PATIENT_NHS_NUMBER).unwrap();
    assert_eq!(report.len(), entries.len());
    let sessions: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.record.kind == AuditKind::RecordViewed)
        .map(|e| e.record.session_id.as_str())
        .collect();
    assert_eq!(
        sessions.len(),
        entries.len() / 2,
        "one view per session opened, each in the report"
    );
    eprintln!(
        "8 processes: {} acknowledged appends in {seconds:.1} s",
        entries.len()
    );
}

#[test]
fn writers_killed_at_random_points_never_lose_an_acknowledged_entry() {
    let url = pg::server().fresh_database("processes_kill");
    Database::connect(&url).unwrap();
    let mut rng = Rng::new(u64::from(std::process::id()) | 1 << 40);
    // A writer that runs throughout, so kills land while others hold the chain's lock.
    let mut steady = spawn("append", &url);
    let mut acknowledged = BTreeMap::new();
    let rounds = 100;
    for _ in 0..rounds {
        let mut child = spawn("append", &url);
        std::thread::sleep(Duration::from_millis(5 + rng.below(60)));
        child.kill().unwrap();
        acknowledged.extend(acks(&mut child));
        child.wait().unwrap();
    }
    steady.kill().unwrap();
    acknowledged.extend(acks(&mut steady));
    steady.wait().unwrap();
    let entries = assert_chain_holds(&url, &acknowledged);
    // A writer killed after its commit and before printing leaves an entry no one
    // acknowledged: present, never the other way round.
    assert!(entries.len() >= acknowledged.len());
    assert!(acknowledged.len() > rounds, "the writers got entries in");
    eprintln!(
        "{rounds} writers killed: {} acknowledged, {} in the chain",
        acknowledged.len(),
        entries.len()
    );
}

#[test]
fn an_opt_out_recorded_by_one_process_hides_the_record_in_another() {
    let url = pg::server().fresh_database("processes_opt_out");
    let mut child = spawn("opt-out", &url);
    acks(&mut child);
    assert!(child.wait().unwrap().success());
    // This process is the other host.
    let db = Database::connect(&url).unwrap();
    let icr = demo::builder(Arc::new(db.audit_log(key())))
        .unwrap()
        .state(Arc::new(db.state()))
        .build();
    let token = token("gp", Relationship::RegisteredGp, now());
    let summary = icr
        .open_session(&token)
        .unwrap()
        .summary(&record())
        .unwrap();
    assert!(summary.sections.iter().all(|s| s.items.is_empty()));
    assert!(summary.sections.iter().any(|s| !s.withheld.is_empty()));
}
