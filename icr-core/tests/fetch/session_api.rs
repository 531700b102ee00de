//! `Session::fetch_summary`: fetch, check identity, merge, decide and audit in one call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use icr_core::audit::{AuditKind, MemoryAuditLog};
use icr_core::launch::Relationship;
use icr_core::merge::SourceStatus;
use icr_core::session::{FetchedSummary, Icr, Session, demo as session_demo};
use icr_core::{IngestOptions, ingest, merge};
use icr_test_support::audit::key;
use icr_test_support::clock::{self, now};
use icr_test_support::demo::{token, token_for};
use serde_json::{Value, json};

use super::server::{Reply, Server};
use super::*;

/// The demo ICR (on the system clock) and its audit log.
pub(crate) fn icr() -> (Icr, Arc<MemoryAuditLog>) {
    let log = Arc::new(MemoryAuditLog::new(key()));
    (session_demo::icr(log.clone()).unwrap(), log)
}

/// A session of the policy role `role`, registered with the demo patient, opened now.
pub(crate) fn open(icr: &Icr, role: &str) -> Session {
    let token = token(role, Relationship::RegisteredGp, now());
    icr.open_session(&token).unwrap()
}

/// The five demo organisations as the directory names them (as `demo::sources` does).
pub(crate) fn demo_source(ods: &str, base: &str) -> Value {
    let org = icr_test_support::demo::source_of(ods).organisation;
    let kind = if ods == "Y90001" {
        "gp-connect-structured"
    } else {
        "fhir-r4"
    };
    let mut s = json!({"ods_code": ods, "name": org.name, "care_setting": org.care_setting,
                       "kind": kind, "base_url": base});
    if ods == "Y90001" {
        s["asid"] = json!("918999198738");
    }
    s
}

/// The five demo sources on our own servers.
async fn demo_servers() -> (Vec<Server>, Vec<Value>) {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let mut sources = vec![demo_source("Y90001", &gp.url("/gpc"))];
    let mut servers = vec![gp];
    for (ods, file) in [
        ("R9A", "acute-hospital.ukcore-r4.json"),
        ("R9M", "mental-health-trust.ukcore-r4.json"),
        ("Y9SC1", "adult-social-care.ukcore-r4.json"),
        ("Y9OOH", "out-of-hours.ukcore-r4.json"),
    ] {
        let s = r4_server("127.0.0.1", &demo(file), &[]).await;
        sources.push(demo_source(ods, &s.url("")));
        servers.push(s);
    }
    (servers, sources)
}

/// The demo record read from its files, the R4 ones as a server holds them (`Type/id`
/// references where the files have `urn:uuid:`).
pub(crate) fn file_summary(session: &Session) -> icr_core::PatientSummary {
    let records = icr_core::demo::sources()
        .into_iter()
        .map(|s| {
            let options = IngestOptions {
                expected_patient: Some(patient()),
                organisation: Some(s.organisation),
                ..IngestOptions::default()
            };
            let json = if s.file.contains("r4") {
                as_server_holds(s.json.as_bytes())
            } else {
                s.json.as_bytes().to_vec()
            };
            ingest(&json, &options).unwrap()
        })
        .collect();
    session.summary(&merge(records, Vec::new())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetched_summary_is_the_summary_of_the_files() {
    let (_servers, sources) = demo_servers().await;
    let directory = directory(3000, sources);
    let (icr, log) = icr();
    let session = open(&icr, "gp");
    let events = Events::default();
    let FetchedSummary { summary, outcomes } = session
        .fetch_summary(&directory, &options(), events.sink())
        .await
        .unwrap();
    assert!(
        outcomes.iter().all(|o| o.status == SourceStatus::Ok),
        "{outcomes:?}"
    );
    let from_files = file_summary(&session);
    assert_same(
        &serde_json::to_value(&summary).unwrap(),
        &serde_json::to_value(&from_files).unwrap(),
    );
    // Audited like any summary: the record view names the five sources.
    let viewed: Vec<_> = log
        .entries()
        .into_iter()
        .filter(|e| e.record.kind == AuditKind::RecordViewed)
        .collect();
    assert_eq!(viewed.len(), 2);
    assert_eq!(viewed[0].record.sources.len(), 5);
    assert_eq!(events.all().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_patients_source_is_discarded_and_audited() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    // A faulty R4 server: asked for our patient, it answers with another one's record.
    let bundle: Value = serde_json::from_slice(&as_server_holds(&other_patient(&demo(
        "mental-health-trust.ukcore-r4.json",
    ))))
    .unwrap();
    let entries = Arc::new(bundle["entry"].as_array().unwrap().clone());
    let lying = Server::start("127.0.0.1", move |r, _| {
        let target = r.target.replace(PATIENT, OTHER_PATIENT);
        super::r4_answer(
            &super::server::Request {
                target,
                ..r.clone()
            },
            &entries,
            "",
            &[],
        )
    })
    .await;
    let other = demo_source("R9M", &lying.url(""));
    let directory = directory(2000, vec![demo_source("Y90001", &gp.url("/gpc")), other]);
    let (icr, log) = icr();
    let session = open(&icr, "gp");
    let FetchedSummary { summary, outcomes } = session
        .fetch_summary(&directory, &options(), |_| {})
        .await
        .unwrap();
    let r9m = outcomes.iter().find(|o| o.ods_code == "R9M").unwrap();
    assert_eq!(r9m.status, SourceStatus::IdentityMismatch);
    let shown = summary
        .sources
        .iter()
        .find(|s| s.ods_code.as_deref() == Some("R9M"))
        .unwrap();
    assert_eq!(shown.status, SourceStatus::IdentityMismatch);
    assert_eq!(shown.items, 0);
    let denied: Vec<_> = log
        .entries()
        .into_iter()
        .filter(|e| e.record.kind == AuditKind::AccessDenied)
        .collect();
    assert_eq!(denied.len(), 1);
    let reason = denied[0].record.reason.clone().unwrap();
    assert!(
        reason.starts_with("source-identity-mismatch: R9M"),
        "{reason}"
    );
    assert_eq!(denied[0].record.sources, vec!["R9M".to_owned()]);
    // The other patient's number is nowhere: not in the audit log, not in the summary.
    let mut log_text = Vec::new();
    log.export_jsonl(&mut log_text).unwrap();
    assert!(!String::from_utf8(log_text).unwrap().contains(OTHER_PATIENT));
    assert!(
        !serde_json::to_string(&summary)
            .unwrap()
            .contains(OTHER_PATIENT)
    );
    // The GP's record is shown.
    assert!(summary.sections.iter().any(|s| !s.items.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_source_fails_the_summary_still_names_the_patient() {
    let refused = super::server::closed_port("127.0.0.1").await;
    let hang = Server::start("127.0.0.1", |_, _| Reply::Hang).await;
    let directory = directory(
        400,
        vec![
            demo_source("Y90001", &format!("http://{refused}/gpc")),
            demo_source("R9A", &hang.url("")),
        ],
    );
    let (icr, _log) = icr();
    let session = open(&icr, "gp");
    let FetchedSummary {
        summary,
        outcomes: _,
    } = session
        .fetch_summary(&directory, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!(
        summary.patient.as_ref().unwrap().nhs_number.as_deref(),
        Some(PATIENT)
    );
    let statuses: Vec<SourceStatus> = summary.sources.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        vec![SourceStatus::Refused, SourceStatus::TimedOut]
    );
    assert!(summary.sections.iter().all(|s| s.items.is_empty()));
}

#[test]
fn blocking_wrapper_without_a_runtime() {
    let servers_rt = tokio::runtime::Runtime::new().unwrap();
    let (_servers, sources) = servers_rt.block_on(async {
        let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
        let hang = Server::start("127.0.0.1", |_, _| Reply::Hang).await;
        let sources = vec![
            demo_source("Y90001", &gp.url("/gpc")),
            demo_source("R9A", &hang.url("")),
        ];
        (vec![gp, hang], sources)
    });
    let directory = directory(500, sources);
    let (icr, _) = icr();
    let session = open(&icr, "gp");
    let started = Instant::now();
    let FetchedSummary { summary, outcomes } = session
        .fetch_summary_blocking(&directory, &options(), |_| {})
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(900));
    assert_eq!(outcomes[0].status, SourceStatus::Ok);
    assert_eq!(outcomes[1].status, SourceStatus::TimedOut);
    assert_eq!(summary.sources.len(), 2);
    drop(_servers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_wrapper_inside_a_runtime() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let directory = directory(1000, vec![demo_source("Y90001", &gp.url("/gpc"))]);
    let (icr, _) = icr();
    let session = open(&icr, "gp");
    let FetchedSummary {
        summary: _,
        outcomes,
    } = session
        .fetch_summary_blocking(&directory, &options(), |_| {})
        .unwrap();
    assert_eq!(outcomes[0].status, SourceStatus::Ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_fetches_nothing() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let directory = directory(1000, vec![demo_source("Y90001", &gp.url("/gpc"))]);
    let log = Arc::new(MemoryAuditLog::new(key()));
    let later = now() + 24 * 3600;
    let icr_later = session_demo::builder(log)
        .unwrap()
        .clock(clock::fixed(later))
        .build();
    let token = token("gp", Relationship::RegisteredGp, later - 23 * 3600);
    // A token minted long before the clock: refused at open, or expired at fetch.
    match icr_later.open_session(&token) {
        Err(_) => {}
        Ok(session) => {
            assert!(
                session
                    .fetch_summary(&directory, &options(), |_| {})
                    .await
                    .is_err()
            );
        }
    }
    assert!(gp.requests().is_empty());
}

/// A session for a patient the host holds as restricted (PDS S-flag).
fn open_restricted(icr: &Icr) -> Session {
    let token = token_for("gp", Relationship::RegisteredGp, patient(), now(), |c| {
        c.patient_restricted = true;
    });
    icr.open_session(&token).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_gp_connect_request_is_sent_for_a_restricted_patient() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let (servers, mut sources) = demo_servers().await;
    sources.retain(|s| s["ods_code"] != "Y90001");
    sources.insert(0, demo_source("Y90001", &gp.url("/gpc")));
    let directory = directory(5000, sources);
    let (icr, log) = icr();
    let session = open_restricted(&icr);
    let FetchedSummary { summary, outcomes } = session
        .fetch_summary(&directory, &options(), |_| {})
        .await
        .unwrap();
    assert!(gp.requests().is_empty(), "GP Connect was asked");
    let gpc = outcomes.iter().find(|o| o.ods_code == "Y90001").unwrap();
    assert_eq!(gpc.status, SourceStatus::NotRequested);
    assert_eq!(
        gpc.reason.as_deref(),
        Some("not requested: restricted patient")
    );
    assert_eq!(gpc.requests, 0);
    // The other organisations were asked and answered; the banner holds no contact details.
    assert!(servers.iter().skip(1).all(|s| !s.requests().is_empty()));
    let banner = summary.patient.as_ref().unwrap();
    assert!(banner.addresses.is_empty() && banner.telecom.is_empty());
    assert_eq!(
        banner.contact_details_withheld.as_deref(),
        Some("Contact details withheld: restricted record")
    );
    let viewed = log
        .entries()
        .into_iter()
        .find(|e| e.record.kind == AuditKind::RecordViewed)
        .unwrap();
    assert!(viewed.record.restricted);
    // Unrestricted, the same directory asks the GP practice.
    let plain = open(&icr, "gp");
    plain
        .fetch_summary(&directory, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!(gp.requests().len(), 1);
}
