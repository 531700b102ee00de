//! The region's shared store on a real PostgreSQL server (issue #15): one audit chain
//! written by many hosts, verified from the table, tampering found at the right sequence
//! number, the table append-only for the SDK's role, and the session state (replay cache,
//! emergency access, opt-outs) shared between hosts.
//!
//! Each "host" here has its own [`Database`] (its own connections), as separate host
//! systems would; separate processes are in `postgres_processes.rs`.

#![cfg(feature = "postgres")]
// Test support (the server, fixtures) panics on purpose: a panic is a failed test.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use icr_test_support::database as pg;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use icr_core::access::Policy;
use icr_core::audit::{
    AuditError, AuditKind, AuditOutcome, AuditSink, AuditSource, Checkpoint, ProblemKind,
    access_report_from, privacy_alerts_from,
};
use icr_core::launch::Relationship;
use icr_core::postgres::{Database, PostgresAuditLog};
use icr_core::session::{Icr, SessionError, demo};
use icr_test_support::audit::{key, viewed};
use icr_test_support::clock::NOW;
use icr_test_support::demo::{record, token};
use icr_test_support::summary::shown;

fn owner(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

/// Writes `n` entries through one log and returns it.
fn written(url: &str, n: u64) -> PostgresAuditLog {
    let log = Database::connect(url).unwrap().audit_log(key());
    for i in 0..n {
        log.append(viewed("s", i)).unwrap();
    }
    log
}

/// What verification found: each problem's sequence number and kind.
type Found = Vec<(Option<u64>, ProblemKind)>;

fn problems(log: &PostgresAuditLog, checkpoint: Option<&Checkpoint>) -> Found {
    log.verify(checkpoint)
        .unwrap()
        .problems
        .into_iter()
        .map(|p| (p.seq, p.kind))
        .collect()
}

#[test]
fn many_hosts_append_to_one_gap_free_chain() {
    let url = pg::server().fresh_database("chain_many_hosts");
    let hosts: Vec<Arc<PostgresAuditLog>> = (0..4)
        .map(|_| Arc::new(Database::connect(&url).unwrap().audit_log(key())))
        .collect();
    let acknowledged: Vec<(u64, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .flat_map(|log| (0..3).map(move |_| log))
            .map(|log| {
                s.spawn(move || {
                    (0..25)
                        .map(|i| {
                            let e = log.append(viewed("s", i)).unwrap();
                            (e.seq, e.mac)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(acknowledged.len(), 300);
    let seqs: BTreeSet<u64> = acknowledged.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=300).collect(), "gap-free, each number once");
    let report = hosts[0].verify(None).unwrap();
    assert!(report.is_verified(), "{:?}", report.problems);
    assert_eq!(report.entries, 300);
    assert_eq!(report.head.seq, 300);
    // Every acknowledged entry is in the table as it was acknowledged.
    let mut stored = Vec::new();
    hosts[1]
        .for_each_verified(0, &mut |e| {
            stored.push((e.seq, e.mac));
            Ok(())
        })
        .unwrap();
    let mut acknowledged = acknowledged;
    acknowledged.sort();
    assert_eq!(stored, acknowledged);
}

#[test]
fn reading_after_a_sequence_number_starts_there_and_still_checks_links() {
    let url = pg::server().fresh_database("chain_after");
    let log = written(&url, 12);
    let mut seen = Vec::new();
    log.for_each_verified(9, &mut |e| {
        seen.push(e.seq);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, [10, 11, 12]);
    let err = log.for_each_verified(40, &mut |_| Ok(())).unwrap_err();
    assert!(matches!(err, AuditError::ChainBroken { seq: Some(40), .. }));
}

/// Someone with database access but without the key changes the table (the triggers
/// disabled first, as an owner could): every change is found at its sequence number.
#[test]
fn tampering_with_rows_is_found_at_the_right_sequence_number() {
    let server = pg::server();
    let cases: [(&str, &str, Found); 4] = [
        (
            "tamper_edit",
            "UPDATE icr_audit SET line = replace(line, '\"s6\"', '\"s9\"') WHERE seq = 7",
            vec![(Some(7), ProblemKind::BadMac)],
        ),
        (
            "tamper_delete",
            "DELETE FROM icr_audit WHERE seq = 9",
            vec![(Some(10), ProblemKind::BadLink)],
        ),
        (
            "tamper_insert",
            // A copy of entry 3 slipped in between 5 and 6.
            "UPDATE icr_audit SET seq = seq + 1000 WHERE seq >= 6; \
             UPDATE icr_audit SET seq = seq - 999 WHERE seq >= 1006; \
             INSERT INTO icr_audit (seq, line) SELECT 6, line FROM icr_audit WHERE seq = 3",
            vec![
                (Some(3), ProblemKind::BadLink),
                (Some(6), ProblemKind::BadLink),
            ],
        ),
        (
            "tamper_reorder",
            "UPDATE icr_audit SET seq = seq + 1000 WHERE seq IN (4, 5); \
             UPDATE icr_audit SET seq = 1009 - seq WHERE seq IN (1004, 1005)",
            vec![
                (Some(5), ProblemKind::BadLink),
                (Some(4), ProblemKind::BadLink),
            ],
        ),
    ];
    for (db, sql, expected) in cases {
        let url = server.fresh_database(db);
        let log = written(&url, 12);
        let mut c = owner(&url);
        c.batch_execute("ALTER TABLE icr_audit DISABLE TRIGGER USER")
            .unwrap();
        c.batch_execute(sql).unwrap();
        let found = problems(&log, None);
        assert!(
            !found.is_empty() && found.iter().take(expected.len()).eq(expected.iter()),
            "{db}: expected {expected:?} first, found {found:?}"
        );
    }
}

#[test]
fn truncation_and_rollback_are_found_against_a_checkpoint() {
    let server = pg::server();
    // Truncation: the last three entries removed.
    let url = server.fresh_database("tamper_truncate");
    let log = written(&url, 10);
    let checkpoint = log.checkpoint();
    assert_eq!(checkpoint.seq, 10);
    let mut c = owner(&url);
    c.batch_execute(
        "ALTER TABLE icr_audit DISABLE TRIGGER USER; DELETE FROM icr_audit WHERE seq > 7",
    )
    .unwrap();
    assert_eq!(problems(&log, None), [], "the chain alone cannot show it");
    assert_eq!(
        problems(&log, Some(&checkpoint)),
        [(
            None,
            ProblemKind::Truncated {
                expected_at_least: 10
            }
        )]
    );
    // And the log that wrote them refuses to continue on the shortened chain.
    assert!(matches!(
        log.append(viewed("s", 99)),
        Err(AuditError::ChainBroken {
            problem: ProblemKind::Truncated { .. },
            ..
        })
    ));
    // Rollback: the tail replaced by other entries written by another host (as after a
    // restore from an older backup): entry 10 is there, with another MAC.
    let other = Database::connect(&url).unwrap().audit_log(key());
    for i in 0..3 {
        other.append(viewed("s", 100 + i)).unwrap();
    }
    assert_eq!(
        problems(&other, Some(&checkpoint)),
        [(Some(10), ProblemKind::RolledBack)]
    );
}

#[test]
fn the_audit_table_is_append_only() {
    let url = pg::server().fresh_database("append_only");
    written(&url, 3);
    let mut c = owner(&url);
    for sql in [
        "UPDATE icr_audit SET line = line WHERE seq = 1",
        "DELETE FROM icr_audit WHERE seq = 3",
        "TRUNCATE icr_audit",
    ] {
        let err = c.batch_execute(sql).unwrap_err();
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}"
        );
    }
    // The SDK's own role, with only the grants the migration documents: it appends,
    // and cannot change or remove an entry even with the triggers off.
    c.batch_execute(
        "DROP ROLE IF EXISTS icr_app; CREATE ROLE icr_app LOGIN;
         GRANT SELECT, INSERT ON icr_audit TO icr_app;
         GRANT SELECT ON icr_schema_migrations TO icr_app;
         GRANT SELECT, INSERT, UPDATE, DELETE ON icr_token_id TO icr_app;
         GRANT SELECT, INSERT ON icr_break_glass, icr_opt_out TO icr_app;
         GRANT USAGE ON SEQUENCE icr_break_glass_id_seq, icr_opt_out_id_seq TO icr_app;
         GRANT SELECT, INSERT, UPDATE ON icr_audit_shipped TO icr_app;
         ALTER TABLE icr_audit DISABLE TRIGGER USER;",
    )
    .unwrap();
    let app_url = url.replace("postgres@", "icr_app@");
    let app = Database::connect(&app_url).unwrap().audit_log(key());
    assert_eq!(app.append(viewed("s", 4)).unwrap().seq, 4);
    let mut as_app = owner(&app_url);
    for sql in [
        "UPDATE icr_audit SET line = line WHERE seq = 1",
        "DELETE FROM icr_audit WHERE seq = 3",
        "TRUNCATE icr_audit",
    ] {
        let err = as_app.batch_execute(sql).unwrap_err();
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}"
        );
    }
    assert!(app.verify(None).unwrap().is_verified());
}

#[test]
fn hosts_connecting_at_once_migrate_once_and_a_newer_schema_is_refused() {
    let url = pg::server().fresh_database("migrations");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| Database::connect(&url)))
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    let mut c = owner(&url);
    let versions: Vec<i32> = c
        .query("SELECT version FROM icr_schema_migrations", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1]);
    c.execute(
        "INSERT INTO icr_schema_migrations (version) VALUES (99)",
        &[],
    )
    .unwrap();
    assert!(matches!(
        Database::connect(&url),
        Err(AuditError::SchemaTooNew {
            found: 99,
            known: 1
        })
    ));
}

#[test]
fn a_bad_url_or_an_unreachable_database_is_a_typed_error_without_the_url() {
    let err = Database::connect("postgres://user:s3cret@[not a host").unwrap_err();
    assert!(matches!(err, AuditError::Database { .. }));
    assert!(!err.to_string().contains("s3cret"));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err =
        Database::connect(&format!("postgres://user:s3cret@127.0.0.1:{closed}/x")).unwrap_err();
    assert!(matches!(
        err,
        AuditError::Database {
            operation: "migrate",
            ..
        }
    ));
    assert!(!err.to_string().contains("s3cret"));
}

#[test]
fn tls_is_used_when_the_url_requires_it_and_a_server_without_it_is_refused() {
    // The test server offers no TLS: a URL that requires it cannot connect, and says so
    // with a typed error (a deployment across machines requires TLS by default).
    let url = pg::server().fresh_database("tls_required");
    let err = Database::connect(&format!("{url}?sslmode=require")).unwrap_err();
    assert!(matches!(err, AuditError::Database { .. }), "{err:?}");
    Database::connect(&format!("{url}?sslmode=prefer")).unwrap();
}

// ---- session state shared between hosts ----

/// A host: its own connections to the region's database, the demo policy and keys, and
/// a clock the test moves.
struct Host {
    icr: Icr,
    log: Arc<PostgresAuditLog>,
}

fn host(url: &str, clock: &Arc<AtomicI64>) -> Host {
    let db = Database::connect(url).unwrap();
    let log = Arc::new(db.audit_log(key()));
    let c = Arc::clone(clock);
    let icr = demo::builder(log.clone())
        .unwrap()
        .state(Arc::new(db.state()))
        .clock(Arc::new(move || c.load(Ordering::SeqCst)))
        .build();
    Host { icr, log }
}

#[test]
fn a_token_used_at_one_host_is_refused_at_another() {
    let url = pg::server().fresh_database("state_replay");
    let clock = Arc::new(AtomicI64::new(NOW));
    let (a, b) = (host(&url, &clock), host(&url, &clock));
    let t = token("gp", Relationship::RegisteredGp, NOW);
    a.icr.open_session(&t).unwrap();
    let err = b.icr.open_session(&t).err().unwrap();
    assert!(matches!(
        err,
        SessionError::Launch(icr_core::launch::LaunchError::Replayed)
    ));
    // The refusal is in the region's one chain, after the first host's opening.
    let kinds: Vec<(AuditKind, Option<String>)> = {
        let mut v = Vec::new();
        b.log
            .for_each_verified(0, &mut |e| {
                v.push((e.record.kind, e.record.reason));
                Ok(())
            })
            .unwrap();
        v
    };
    assert_eq!(
        kinds,
        [
            (AuditKind::SessionOpened, None),
            (AuditKind::SessionRefused, Some("launch-replayed".into()))
        ]
    );
}

#[test]
fn emergency_access_granted_at_one_host_is_seen_and_expires_at_every_host() {
    let url = pg::server().fresh_database("state_break_glass");
    let clock = Arc::new(AtomicI64::new(NOW));
    let (a, b) = (host(&url, &clock), host(&url, &clock));
    // A hospital doctor without a relationship: the record is withheld until they break
    // the glass.
    let at_a = a
        .icr
        .open_session(&token("hospital-doctor", Relationship::None, NOW))
        .unwrap();
    let at_b = b
        .icr
        .open_session(&token("hospital-doctor", Relationship::None, NOW + 1))
        .unwrap();
    let shown = |s: &icr_core::session::Session| shown(&s.summary(&record()).unwrap());
    assert_eq!(shown(&at_b), 0);
    at_a.break_glass("Unconscious in ED, no history available")
        .unwrap();
    assert!(at_b.break_glass_active(), "seen at the other host");
    assert!(shown(&at_b) > 0);
    // Asking again at the other host is refused: it is already active.
    assert!(matches!(
        at_b.break_glass("Unconscious in ED, asking again"),
        Err(SessionError::BreakGlassActive)
    ));
    let minutes = i64::from(Policy::default_uk().unwrap().break_glass.max_minutes);
    clock.store(NOW + minutes * 60 + 1, Ordering::SeqCst);
    assert!(!at_a.break_glass_active() && !at_b.break_glass_active());
}

#[test]
fn an_opt_out_recorded_through_one_host_hides_the_record_at_another() {
    let url = pg::server().fresh_database("state_opt_out");
    let clock = Arc::new(AtomicI64::new(NOW));
    let (a, b) = (host(&url, &clock), host(&url, &clock));
    let at_a = a
        .icr
        .open_session(&token("gp", Relationship::RegisteredGp, NOW))
        .unwrap();
    at_a.record_opt_out(true, "Patient asked not to share")
        .unwrap();
    let at_b = b
        .icr
        .open_session(&token("gp", Relationship::RegisteredGp, NOW + 1))
        .unwrap();
    let summary = at_b.summary(&record()).unwrap();
    assert!(summary.sections.iter().all(|s| s.items.is_empty()));
    assert!(
        summary
            .sections
            .iter()
            .flat_map(|s| &s.withheld)
            .all(|w| w.reason == icr_core::summary::WithheldReason::PatientOptOut)
    );
    // The register change and the refusal are both in the region's report for the
    // patient, from both hosts.
    let report = access_report_from(&*b.log, icr_core::demo::PATIENT_NHS_NUMBER).unwrap();
    let kinds: Vec<(AuditKind, AuditOutcome)> =
        report.iter().map(|l| (l.kind, l.outcome)).collect();
    assert_eq!(
        kinds,
        [
            (AuditKind::SessionOpened, AuditOutcome::Success),
            (AuditKind::OptOutRecorded, AuditOutcome::Success),
            (AuditKind::SessionOpened, AuditOutcome::Success),
            (AuditKind::AccessDenied, AuditOutcome::Denied),
        ]
    );
    assert_eq!(privacy_alerts_from(&*a.log).unwrap().len(), 1);
    // Returning to sharing, recorded at the second host, applies at the first.
    at_b.record_opt_out(false, "Patient changed their mind")
        .unwrap();
    let summary = at_a.summary(&record()).unwrap();
    assert!(summary.sections.iter().any(|s| !s.items.is_empty()));
}
