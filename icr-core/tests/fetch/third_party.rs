//! Against a third-party FHIR server: Medplum's FHIR router over its in-memory
//! repository (`tests/fhir-server/fhir-server.mjs`), loaded with the four demo R4 sources and
//! a GP Connect endpoint, searched by the fetcher as any R4 server.
//!
//! Needs node and `npm ci` in `tests/fhir-server/`. Without them these tests are skipped with
//! a loud message, unless `ICR_FETCH_THIRD_PARTY=required` (as `scripts/fetch-tests.sh`
//! sets), when they fail instead.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use icr_core::merge::SourceStatus;
use icr_core::session::FetchedSummary;
use serde_json::Value;

use super::session_api::{demo_source, file_summary, icr, open};
use super::*;

pub(crate) struct FhirServer {
    child: Child,
    /// `http://127.0.0.1:PORT`; each store is under `/PREFIX`.
    pub base: String,
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn test_servers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fhir-server")
}

/// Starts the server with the demo sources, or says loudly why not (and fails when it is
/// required).
fn start() -> Option<FhirServer> {
    start_with(&[])
}

/// [`start`] with more arguments for `fhir-server.mjs` (`--audit AUD`).
pub(crate) fn start_with(extra: &[&str]) -> Option<FhirServer> {
    let required = std::env::var("ICR_FETCH_THIRD_PARTY").is_ok_and(|v| v == "required");
    let dir = test_servers();
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let installed = dir
        .join("node_modules/@medplum/fhir-router/package.json")
        .exists();
    if !node_ok || !installed {
        let why = if node_ok {
            "tests/fhir-server/node_modules is missing (run `npm ci` in tests/fhir-server/)"
        } else {
            "node is not installed"
        };
        assert!(!required, "third-party FHIR server required but {why}");
        eprintln!(
            "\n!!!!!!!! SKIPPED: third-party FHIR server test: {why}.\n!!!!!!!! Run scripts/fetch-tests.sh to install it and run these tests.\n"
        );
        return None;
    }
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo");
    let arg = |prefix: &str, file: &str| format!("{prefix}={}", demo.join(file).display());
    let mut child = Command::new("node")
        .current_dir(&dir)
        .arg("fhir-server.mjs")
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(["--fhir", &arg("R9A", "acute-hospital.ukcore-r4.json")])
        .args(["--fhir", &arg("R9M", "mental-health-trust.ukcore-r4.json")])
        .args(["--fhir", &arg("Y9SC1", "adult-social-care.ukcore-r4.json")])
        .args(["--fhir", &arg("Y9OOH", "out-of-hours.ukcore-r4.json")])
        .args([
            "--gpconnect",
            &arg("Y90001", "gp-practice.gpconnect-stu3.json"),
        ])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    let base = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the FHIR server did not start: {line:?}"))
        .to_owned();
    Some(FhirServer { child, base })
}

/// What a summary says, without what a server rewrites (`meta.lastUpdated`, which
/// Medplum sets on write, with the ages and freshness judged from it, and the resource
/// addresses).
fn content(summary: &icr_core::PatientSummary) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in [
                    "last_updated",
                    "source_ref",
                    "as_of",
                    "age_days",
                    "freshness",
                ] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(summary).unwrap();
    strip(&mut v);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn medplum_serves_the_demo_record() {
    let Some(server) = start() else { return };
    let sources = vec![
        demo_source("Y90001", &format!("{}/Y90001", server.base)),
        demo_source("R9A", &format!("{}/R9A", server.base)),
        demo_source("R9M", &format!("{}/R9M", server.base)),
        demo_source("Y9SC1", &format!("{}/Y9SC1", server.base)),
        demo_source("Y9OOH", &format!("{}/Y9OOH", server.base)),
    ];
    let directory = directory(20_000, sources);
    let (icr, _log) = icr();
    let session = open(&icr, "gp");
    // Small pages, so that Medplum's `next` links are followed.
    let options = FetchOptions {
        page_size: 4,
        ..options()
    };
    let started = Instant::now();
    let FetchedSummary { summary, outcomes } = session
        .fetch_summary(&directory, &options, |_| {})
        .await
        .unwrap();
    eprintln!(
        "fetched from Medplum in {:?}: {outcomes:#?}",
        started.elapsed()
    );
    for o in &outcomes {
        assert_eq!(o.status, SourceStatus::Ok, "{o:?}");
    }
    let acute = outcomes.iter().find(|o| o.ods_code == "R9A").unwrap();
    // 1 Patient search + 18 types + pages of 12 observations + supporting resources.
    assert!(acute.requests > 22, "{acute:?}");
    assert_same(&content(&summary), &content(&file_summary(&session)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn medplum_does_not_know_another_patient() {
    let Some(server) = start() else { return };
    let directory = directory(
        10_000,
        vec![
            demo_source("R9A", &format!("{}/R9A", server.base)),
            demo_source("Y90001", &format!("{}/Y90001", server.base)),
        ],
    );
    let other = icr_core::NhsNumber::parse(OTHER_PATIENT).unwrap();
    let fetched =
        icr_core::fetch::fetch_records(&directory, &other, &requester(), &options(), &|_| {}).await;
    let r9a = outcome(&fetched, "R9A");
    assert_eq!(r9a.status, SourceStatus::PatientNotFound, "{r9a:?}");
    let gp = outcome(&fetched, "Y90001");
    assert_eq!(gp.status, SourceStatus::PatientNotFound, "{gp:?}");
    assert!(gp.reason.as_deref().unwrap().contains("PATIENT_NOT_FOUND"));
}
