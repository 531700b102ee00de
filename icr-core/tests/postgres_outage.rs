//! The region's database stopped in the middle of a run (issue #15): every view while it
//! is down fails closed with a typed error and returns nothing; views resume by
//! themselves when it is back, and the chain then holds exactly the views that were
//! returned. Its own test binary, so stopping the server disturbs no other test.

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

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use icr_core::audit::{AuditError, AuditKind, AuditRecord, AuditSink, AuditSource};
use icr_core::launch::Relationship;
use icr_core::postgres::Database;
use icr_core::session::{SessionError, demo};
use icr_test_support::audit::key;
use icr_test_support::clock::now;
use icr_test_support::demo::{record, token};

#[test]
fn views_fail_closed_while_the_database_is_down_and_resume_when_it_is_back() {
    let server = pg::server();
    let url = server.fresh_database("outage");
    let db = Database::connect(&url).unwrap();
    let log = Arc::new(db.audit_log(key()));
    let icr = demo::builder(log.clone())
        .unwrap()
        .state(Arc::new(db.state()))
        .build();
    let record = record();
    let session = icr
        .open_session(&token("gp", Relationship::RegisteredGp, now()))
        .unwrap();

    let down = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let (returned, refused, refused_while_down) = std::thread::scope(|s| {
        let viewer = s.spawn(|| {
            let (mut returned, mut refused, mut refused_while_down) = (0u64, 0u64, 0u64);
            let mut wrong = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let was_down = down.load(Ordering::SeqCst);
                match session.summary(&record) {
                    Ok(summary) => {
                        assert!(!summary.sections.is_empty());
                        returned += 1;
                    }
                    // Which store noticed first depends on the moment: both are typed,
                    // neither returns anything.
                    Err(SessionError::AuditUnavailable(AuditError::Database { .. }))
                    | Err(SessionError::StateUnavailable(_)) => {
                        refused += 1;
                        if was_down {
                            refused_while_down += 1;
                        }
                    }
                    Err(other) => wrong.push(other.to_string()),
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(wrong.is_empty(), "untyped failures: {wrong:?}");
            (returned, refused, refused_while_down)
        });
        std::thread::sleep(Duration::from_millis(300));
        server.stop();
        down.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(700));
        down.store(false, Ordering::SeqCst);
        server.restart();
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
        viewer.join().unwrap()
    });
    assert!(
        refused_while_down > 0,
        "views were attempted while it was down"
    );
    // While it was down nothing was returned: every view returned is in the chain, which
    // verifies. A view whose commit reached the disk as the server stopped, before its
    // acknowledgement reached the SDK, is refused to the viewer yet in the chain (an
    // audited view that showed nothing is safe; the reverse never is), so the chain may
    // hold more views than were returned, never more than were attempted.
    let report = log.verify(None).unwrap();
    assert!(report.is_verified(), "{:?}", report.problems);
    let mut views = 0;
    log.for_each_verified(0, &mut |e| {
        views += u64::from(e.record.kind == AuditKind::RecordViewed);
        Ok(())
    })
    .unwrap();
    assert!(
        returned <= views && views <= returned + refused,
        "{views} views in the chain, {returned} returned, {refused} refused"
    );
    // And after the restart views came back without reopening anything.
    assert!(session.summary(&record).is_ok());

    // A server crash right after appends were acknowledged loses none of them: an append
    // returns only once the write-ahead log is flushed past its entry.
    let acknowledged: Vec<(u64, String)> = (0..300)
        .map(|_| {
            let e = log.append(AuditRecord::default()).unwrap();
            (e.seq, e.mac)
        })
        .collect();
    server.crash();
    server.restart();
    let after = Database::connect(&url).unwrap().audit_log(key());
    let mut stored = std::collections::BTreeMap::new();
    after
        .for_each_verified(0, &mut |e| {
            stored.insert(e.seq, e.mac);
            Ok(())
        })
        .unwrap();
    for (seq, mac) in &acknowledged {
        assert_eq!(
            stored.get(seq),
            Some(mac),
            "acknowledged entry {seq} survived the crash"
        );
    }
}
