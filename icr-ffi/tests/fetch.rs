//! Fetching through the shell: progress reaches the host's callback (and a callback that
//! fails stops nothing), `cancel_fetches` from another thread ends a fetch at once, a bad
//! directory is `InvalidInput`, and nothing stays alive afterwards. Against loopback
//! sockets that accept and never answer: the host examples fetch real records from the
//! project's FHIR test server in each language.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use icr_core::fetch::{ProgressEvent, SourceProgress};
use icr_core::launch::Relationship;
use icr_core::merge::SourceStatus;
use icr_ffi::{
    FetchProgress, FetchSettings, Icr, IcrError, demo_patient_nhs_number, live_objects,
    mint_demo_token,
};

/// Listening sockets that take connections and never answer: a source that hangs.
fn hanging(n: usize) -> Vec<TcpListener> {
    (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect()
}

fn directory(sources: &[TcpListener], deadline_ms: u64) -> String {
    let sources: Vec<serde_json::Value> = sources
        .iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::json!({
                "ods_code": format!("HANG{i}"),
                "name": format!("Hanging source {i}"),
                "care_setting": "acute",
                "kind": "fhir-r4",
                "base_url": format!("http://{}/fhir", l.local_addr().unwrap()),
            })
        })
        .collect();
    serde_json::json!({ "deadline_ms": deadline_ms, "sources": sources }).to_string()
}

/// Keeps every step; fails every call when `fail` is set (a host's callback that throws).
struct Steps {
    seen: Mutex<Vec<SourceProgress>>,
    fail: bool,
}

/// The callback the host hands over, sharing the steps with the test.
struct Callback(Arc<Steps>);

impl FetchProgress for Callback {
    fn on_progress(&self, progress: SourceProgress) -> Result<(), IcrError> {
        self.0.seen.lock().unwrap().push(progress);
        if self.0.fail {
            return Err(IcrError::Unexpected {
                reason: "the host's callback failed".into(),
            });
        }
        Ok(())
    }
}

fn steps(fail: bool) -> Arc<Steps> {
    Arc::new(Steps {
        seen: Mutex::new(Vec::new()),
        fail,
    })
}

fn gp_session(icr: &Icr) -> Arc<icr_ffi::Session> {
    let token = mint_demo_token(
        "gp".into(),
        Relationship::RegisteredGp,
        demo_patient_nhs_number(),
    )
    .unwrap();
    icr.open_session(token).unwrap()
}

/// Held by every test here, so the live counts are one test's alone.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn no_proxy() -> Option<FetchSettings> {
    Some(FetchSettings {
        use_proxy: Some(false),
        ..FetchSettings::default()
    })
}

#[test]
fn a_fetch_cancelled_from_another_thread_returns_at_once_and_says_why() {
    let _one = one_at_a_time();
    let icr = Icr::demo().unwrap();
    let session = gp_session(&icr);
    let sockets = hanging(2);
    let seen = steps(false);
    let started = Instant::now();
    let canceller = {
        let session = session.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            session.cancel_fetches();
        })
    };
    let record = session
        .clone()
        .fetch_record(
            directory(&sockets, 20_000),
            no_proxy(),
            Some(Box::new(Callback(seen.clone()))),
        )
        .unwrap();
    let took = started.elapsed();
    canceller.join().unwrap();
    assert!(
        took < Duration::from_secs(5),
        "cancelled after 300 ms, returned after {took:?} (deadline 20 s)"
    );
    let outcomes = record.fetch_outcomes();
    assert_eq!(outcomes.len(), 2);
    for o in &outcomes {
        assert_eq!(o.status, SourceStatus::Unavailable, "{o:?}");
        assert_eq!(o.reason.as_deref(), Some("cancelled"), "{o:?}");
    }
    let summary = record.summary().unwrap();
    assert_eq!(summary.sources.len(), 2, "each source in the summary");
    let seen = seen.seen.lock().unwrap();
    for i in 0..2u32 {
        let of = |started: bool| {
            seen.iter()
                .filter(|p| p.index == i)
                .filter(|p| matches!(p.event, ProgressEvent::Started) == started)
                .count()
        };
        assert_eq!(of(true), 1, "one started event for source {i}");
        assert_eq!(of(false), 1, "one done event for source {i}");
    }
    drop(seen);

    // A later fetch is not cancelled by the earlier cancellation: it runs to its deadline.
    let started = Instant::now();
    let later = session
        .fetch_summary(directory(&sockets, 400), no_proxy(), None)
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(350));
    assert!(
        later
            .outcomes
            .iter()
            .all(|o| o.status == SourceStatus::TimedOut),
        "{:?}",
        later.outcomes
    );
}

#[test]
fn a_callback_that_fails_stops_nothing() {
    let _one = one_at_a_time();
    let icr = Icr::demo().unwrap();
    let session = gp_session(&icr);
    let sockets = hanging(3);
    let seen = steps(true);
    let fetched = session
        .fetch_summary(
            directory(&sockets, 300),
            no_proxy(),
            Some(Box::new(Callback(seen.clone()))),
        )
        .unwrap();
    assert_eq!(fetched.outcomes.len(), 3);
    assert_eq!(
        seen.seen.lock().unwrap().len(),
        6,
        "started and done for each of three sources, though every call failed"
    );
    assert!(
        fetched
            .summary
            .sources
            .iter()
            .all(|s| s.status == SourceStatus::TimedOut)
    );
}

#[test]
fn a_directory_that_is_not_one_is_invalid_input_and_nothing_stays_alive() {
    let _one = one_at_a_time();
    let before = live_objects();
    {
        let icr = Icr::demo().unwrap();
        let session = gp_session(&icr);
        for bad in ["not json", "{}", r#"{"deadline_ms": 0, "sources": []}"#] {
            let err = session
                .clone()
                .fetch_record(bad.into(), None, None)
                .err()
                .expect("refused");
            assert!(
                matches!(err, IcrError::InvalidInput { .. }),
                "{bad:?}: {err:?}"
            );
        }
        let record = session
            .clone()
            .fetch_record(directory(&hanging(1), 200), no_proxy(), None)
            .unwrap();
        assert_eq!(record.fetch_outcomes().len(), 1);
    }
    let after = live_objects();
    assert_eq!(
        (after.sessions, after.records),
        (before.sessions, before.records)
    );
}
