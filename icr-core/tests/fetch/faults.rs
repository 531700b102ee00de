//! The fault matrix: every way a source can fail, side by side with sources that
//! answer, in one fetch. Each ends with its own status and reason, the others are still
//! read, and the whole fetch ends within the deadline.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use icr_core::merge::SourceStatus;
use serde_json::{Value, json};

use super::server::{self, Reply, Request, Server, json as json_reply, typed, with_header};
use super::*;

fn oo(code: &str) -> String {
    json!({"resourceType": "OperationOutcome",
           "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1"]},
           "issue": [{"severity": "error", "code": "invalid",
                      "diagnostics": format!("patient {PATIENT}"),
                      "details": {"coding": [{
                          "system": "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1",
                          "code": code}]}}]})
    .to_string()
}

fn gzip_bomb(decompressed: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..decompressed / zeros.len() {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
}

/// A server whose every request gets `reply()`.
async fn serving(f: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Server {
    Server::start("127.0.0.1", f).await
}

struct Case {
    ods: &'static str,
    status: SourceStatus,
    reason: &'static str,
}

/// How a faulty source answers each request (the request, and how many came before it).
type Answer = Box<dyn Fn(&Request, usize) -> Reply + Send + Sync>;

/// The sources of the matrix: their directory entries, expected outcomes and servers.
#[derive(Default)]
struct Matrix {
    servers: Vec<(&'static str, Server)>,
    sources: Vec<Value>,
    cases: Vec<Case>,
}

impl Matrix {
    /// A source at `url` (which no server of the matrix need hold), expected to end so.
    fn expect(
        &mut self,
        ods: &'static str,
        url: &str,
        timeout_ms: Option<u64>,
        status: SourceStatus,
        reason: &'static str,
    ) {
        let mut source = gp_source(ods, url);
        if let Some(t) = timeout_ms {
            source["timeout_ms"] = json!(t);
        }
        self.sources.push(source);
        self.cases.push(Case {
            ods,
            status,
            reason,
        });
    }

    /// A source served by `server` at its GP Connect path.
    fn served(
        &mut self,
        ods: &'static str,
        server: Server,
        timeout_ms: Option<u64>,
        status: SourceStatus,
        reason: &'static str,
    ) {
        self.expect(ods, &server.url("/gpc"), timeout_ms, status, reason);
        self.servers.push((ods, server));
    }

    /// The server behind a source, to count the requests it had.
    fn server(&self, ods: &str) -> &Server {
        self.servers
            .iter()
            .find(|(o, _)| *o == ods)
            .map(|(_, s)| s)
            .unwrap()
    }
}

/// `first()` to the first request, the bundle to every later one.
fn after(first: impl Fn() -> Reply + Send + Sync + 'static, bundle: &Arc<Vec<u8>>) -> Answer {
    let b = Arc::clone(bundle);
    Box::new(move |_, n| {
        if n == 0 {
            first()
        } else {
            server::shared(200, Arc::clone(&b))
        }
    })
}

const CAP: usize = 1024 * 1024;
const HANG_TIMEOUT_MS: u64 = 600;
const DEADLINE_MS: u64 = 3500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_ends_in_its_own_status_and_the_others_are_read() {
    use SourceStatus::*;
    let bundle = Arc::new(gp_bundle());
    let mut m = Matrix::default();

    m.served(
        "OK1",
        gp_connect_server("127.0.0.1", gp_bundle()).await,
        None,
        Ok,
        "",
    );
    let refused = server::closed_port("127.0.0.1").await;
    let url = format!("http://{refused}/gpc");
    m.expect("REFUSED", &url, None, Refused, "connection refused");

    let bomb = Arc::new(gzip_bomb(8 * CAP));
    assert!(
        bomb.len() < CAP / 20,
        "the bomb is small on the wire: {}",
        bomb.len()
    );
    let (b1, b2, b3, b4) = (
        Arc::clone(&bundle),
        Arc::clone(&bundle),
        Arc::clone(&bundle),
        Arc::clone(&bundle),
    );
    let slow = Some(HANG_TIMEOUT_MS);
    let faults: Vec<(
        &'static str,
        Option<u64>,
        SourceStatus,
        &'static str,
        Answer,
    )> = vec![
        (
            "HANG",
            slow,
            TimedOut,
            "no complete answer within 600 ms",
            Box::new(|_, _| Reply::Hang),
        ),
        (
            "LATEHEAD",
            slow,
            TimedOut,
            "within 600 ms",
            Box::new(move |_, _| {
                Reply::After(
                    Duration::from_millis(1500),
                    Box::new(server::shared(200, Arc::clone(&b1))),
                )
            }),
        ),
        (
            "TRICKLE",
            slow,
            TimedOut,
            "within 600 ms",
            Box::new(move |_, _| Reply::Trickle {
                headers: vec![("content-type".into(), "application/fhir+json".into())],
                body: b2[..64].to_vec(),
                every: Duration::from_secs(1),
            }),
        ),
        (
            "RESET",
            None,
            Unavailable,
            "connection reset",
            Box::new(move |_, _| Reply::ResetMidBody {
                declared: b3.len(),
                sent: b3[..4096].to_vec(),
            }),
        ),
        (
            "TRUNC",
            None,
            InvalidResponse,
            "ended before its declared length",
            Box::new(move |_, _| Reply::Truncated {
                declared: b4.len(),
                sent: b4[..4096].to_vec(),
            }),
        ),
        (
            "DECLARED50MB",
            None,
            TooLarge,
            "over the limit",
            Box::new(|_, _| Reply::Truncated {
                declared: 50 * 1024 * 1024,
                sent: b"{\"resourceType\":".to_vec(),
            }),
        ),
        (
            "CHUNKED",
            None,
            TooLarge,
            "over the limit",
            Box::new(|_, _| Reply::Chunked {
                content_type: "application/fhir+json".into(),
                chunk: vec![b' '; 64 * 1024],
                count: 40,
            }),
        ),
        (
            "GZIPBOMB",
            None,
            TooLarge,
            "over the limit",
            Box::new(move |_, _| {
                with_header(
                    server::shared(200, Arc::clone(&bomb)),
                    "content-encoding",
                    "gzip",
                )
            }),
        ),
        (
            "BADJSON",
            None,
            InvalidResponse,
            "invalid JSON",
            Box::new(|_, _| json_reply(200, r#"{"resourceType": "Bundle", "entry": [oops"#)),
        ),
        (
            "HTML",
            None,
            InvalidResponse,
            "text/html",
            Box::new(|_, _| html()),
        ),
        (
            "RETRY503",
            None,
            Ok,
            "",
            after(|| typed(503, "text/plain", "busy"), &bundle),
        ),
        (
            "NOTFOUND404",
            None,
            Unavailable,
            "HTTP 404",
            Box::new(|_, _| typed(404, "text/plain", "no such endpoint")),
        ),
        (
            "RETRYAFTER1",
            None,
            Ok,
            "",
            after(
                || with_header(typed(429, "text/plain", "slow down"), "retry-after", "1"),
                &bundle,
            ),
        ),
        (
            "RETRYDATE",
            None,
            Ok,
            "",
            after(
                || {
                    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
                    with_header(typed(429, "text/plain", "slow down"), "retry-after", &at)
                },
                &bundle,
            ),
        ),
        (
            "LOOP",
            None,
            Unavailable,
            "too many redirects",
            Box::new(|r, _| with_header(typed(302, "text/plain", ""), "location", r.path())),
        ),
    ];
    for (ods, timeout, status, reason, answer) in faults {
        m.served(ods, serving(answer).await, timeout, status, reason);
    }

    for (ods, http, code, status) in [
        ("OONOTFOUND", 404, "PATIENT_NOT_FOUND", PatientNotFound),
        ("OOINVALID", 400, "INVALID_NHS_NUMBER", Refused),
        ("OODISSENT", 403, "NO_PATIENT_CONSENT", PatientDissent),
        ("OO200", 200, "ACCESS_DENIED", AccessDenied),
    ] {
        let body = oo(code);
        let s = serving(move |_, _| json_reply(http, body.clone())).await;
        m.served(ods, s, None, status, code);
    }

    let other = serving(|_, _| json_reply(200, "{}")).await;
    let other_url = other.url("/gpc/Patient/$gpc.getstructuredrecord");
    let s = serving(move |_, _| with_header(typed(307, "text/plain", ""), "location", &other_url))
        .await;
    m.served("ELSEWHERE", s, None, Unavailable, "another origin");
    let s = gp_connect_server("127.0.0.1", other_patient(&bundle)).await;
    m.served("MISMATCH", s, None, IdentityMismatch, "does not match");

    let directory = directory(DEADLINE_MS, m.sources.clone());
    let options = FetchOptions {
        max_bytes: CAP,
        ..options()
    };
    let started = Instant::now();
    let (fetched, events) = fetch(&directory, &options).await;
    let elapsed = started.elapsed();

    assert!(
        elapsed < Duration::from_millis(DEADLINE_MS + 300),
        "the fetch took {elapsed:?}"
    );
    assert_eq!(fetched.outcomes.len(), m.cases.len());
    for case in &m.cases {
        assert_status(&fetched, case.ods, case.status, case.reason);
    }
    let ok: Vec<&str> = m
        .cases
        .iter()
        .filter(|c| c.status == SourceStatus::Ok)
        .map(|c| c.ods)
        .collect();
    assert_eq!(fetched.records.len(), ok.len());
    assert_eq!(fetched.failures.len(), m.cases.len() - ok.len());

    // Sources with their own deadline stopped at it, not at the overall one.
    for ods in ["HANG", "LATEHEAD", "TRICKLE"] {
        let o = outcome(&fetched, ods);
        assert!(
            (HANG_TIMEOUT_MS..HANG_TIMEOUT_MS + 300).contains(&o.elapsed_ms),
            "{ods}: {o:?}"
        );
    }
    // Retries: 503 once, 404 never, 429 after Retry-After (seconds and date).
    assert_eq!(
        (
            outcome(&fetched, "RETRY503").requests,
            outcome(&fetched, "RETRY503").retries
        ),
        (2, 1)
    );
    assert_eq!(outcome(&fetched, "NOTFOUND404").requests, 1);
    assert_eq!(m.server("NOTFOUND404").requests().len(), 1);
    assert_eq!(m.server("RETRY503").requests().len(), 2);
    for ods in ["RETRYAFTER1", "RETRYDATE"] {
        let o = outcome(&fetched, ods);
        assert_eq!((o.requests, o.retries), (2, 1), "{ods}");
        assert!(o.elapsed_ms >= 900, "{ods} waited as told: {o:?}");
        assert_eq!(m.server(ods).requests().len(), 2);
    }
    // A redirect loop is followed three times, then stops.
    assert_eq!(m.server("LOOP").requests().len(), 4);
    // Nothing reached the other host: no request, so no Authorization, no token.
    assert_eq!(other.requests().len(), 0);
    // The bomb was stopped at the cap, not inflated whole.
    assert!(outcome(&fetched, "GZIPBOMB").bytes <= CAP as u64);
    assert!(outcome(&fetched, "CHUNKED").bytes <= CAP as u64);
    // The 50 MB body was refused on its header, before reading.
    assert_eq!(outcome(&fetched, "DECLARED50MB").bytes, 0);

    // Progress: every source started and was done exactly once; retries were reported.
    let events = events.all();
    for case in &m.cases {
        let of = |kind: &str| {
            events
                .iter()
                .filter(|e| e.ods_code == case.ods)
                .filter(|e| serde_json::to_value(&e.event).unwrap()["event"] == kind)
                .count()
        };
        assert_eq!(of("started"), 1, "{}", case.ods);
        assert_eq!(of("done"), 1, "{}", case.ods);
    }
    assert!(events.iter().any(|e| e.ods_code == "RETRYAFTER1"
        && matches!(
            e.event,
            icr_core::fetch::ProgressEvent::Retrying {
                http_status: 429,
                delay_ms: 1000,
                ..
            }
        )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_five_hangs_and_four_answer() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let acute = r4_server("127.0.0.1", &demo("acute-hospital.ukcore-r4.json"), &[]).await;
    let mh = r4_server(
        "127.0.0.1",
        &demo("mental-health-trust.ukcore-r4.json"),
        &[],
    )
    .await;
    let asc = r4_server("127.0.0.1", &demo("adult-social-care.ukcore-r4.json"), &[]).await;
    let hang = Server::start("127.0.0.1", |_, _| Reply::Hang).await;
    let directory = directory(
        700,
        vec![
            gp_source("Y90001", &gp.url("/gpc")),
            r4_source("R9A", &acute.url("")),
            r4_source("R9M", &mh.url("")),
            r4_source("Y9SC1", &asc.url("")),
            r4_source("Y9OOH", &hang.url("/fhir")),
        ],
    );
    let started = Instant::now();
    let (fetched, _) = fetch(&directory, &options()).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(700) && elapsed < Duration::from_millis(1000),
        "{elapsed:?}"
    );
    for ods in ["Y90001", "R9A", "R9M", "Y9SC1"] {
        assert_status(&fetched, ods, SourceStatus::Ok, "");
    }
    assert_status(&fetched, "Y9OOH", SourceStatus::TimedOut, "700 ms");
    assert_eq!(fetched.records.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_stay_on_their_origin() {
    // The other host: 127.0.0.2 (another origin on loopback).
    let other = Server::start("127.0.0.2", |_, _| json_reply(200, "{}")).await;
    let target = other.url("/fhir/Patient");
    let moved = Server::start("127.0.0.1", move |_, _| {
        with_header(typed(307, "text/plain", ""), "location", &target)
    })
    .await;
    let mut with_token = r4_source("MOVED", &moved.url("/fhir"));
    with_token["bearer_token"] = json!("secret-token-1");
    let directory = directory(800, vec![with_token]);
    let (fetched, _) = fetch(&directory, &options()).await;
    assert_status(
        &fetched,
        "MOVED",
        SourceStatus::Unavailable,
        "another origin",
    );
    assert_eq!(
        moved.requests()[0].header("authorization"),
        Some("Bearer secret-token-1")
    );
    assert!(
        other
            .requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
    assert_eq!(other.requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_origin_redirects_are_followed_with_the_token() {
    let acute = as_server_holds(&demo("acute-hospital.ukcore-r4.json"));
    let bundle: Value = serde_json::from_slice(&acute).unwrap();
    let entries = Arc::new(bundle["entry"].as_array().unwrap().clone());
    let server = Server::start("127.0.0.1", move |r, _| {
        if let Some(rest) = r.target.strip_prefix("/old") {
            return with_header(
                typed(308, "text/plain", ""),
                "location",
                &format!("/new{rest}"),
            );
        }
        if r.header("authorization") != Some("Bearer secret-token-2") {
            return typed(401, "text/plain", "");
        }
        let target = r.target.trim_start_matches("/new").to_owned();
        super::r4_answer(
            &Request {
                target,
                ..r.clone()
            },
            &entries,
            "",
            &[],
        )
    })
    .await;
    let mut source = r4_source("R9A", &server.url("/old"));
    source["bearer_token"] = json!("secret-token-2");
    let (fetched, _) = fetch(&directory(1500, vec![source]), &options()).await;
    assert_status(&fetched, "R9A", SourceStatus::Ok, "");
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer secret-token-2"))
    );
    assert!(requests.iter().any(|r| r.target.starts_with("/new/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r4_paging_unsupported_types_and_foreign_next_links() {
    let acute = demo("acute-hospital.ukcore-r4.json");
    let server = r4_server("127.0.0.1", &acute, &["Flag", "EpisodeOfCare"]).await;
    let options = FetchOptions {
        page_size: 2,
        ..options()
    };
    let (fetched, _) = fetch(
        &directory(2000, vec![r4_source("R9A", &server.url(""))]),
        &options,
    )
    .await;
    assert_status(&fetched, "R9A", SourceStatus::Ok, "");
    let o = outcome(&fetched, "R9A");
    assert_eq!(o.unsupported_types, vec!["EpisodeOfCare", "Flag"]);
    // 12 observations at 2 a page: paging was followed.
    let observation_pages = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/Observation")
        .count();
    assert_eq!(observation_pages, 6);
    // Every resource of the file was found (clinical by patient, the rest by reference).
    let direct = icr_core::ingest(
        &as_server_holds(&acute),
        &icr_core::IngestOptions::default(),
    )
    .unwrap();
    let fetched_report = fetched.records[0].report();
    assert_same(
        &serde_json::to_value(&fetched_report.resources_read).unwrap(),
        &serde_json::to_value(&direct.report().resources_read).unwrap(),
    );
    assert_same(
        &serde_json::to_value(&fetched_report.used).unwrap(),
        &serde_json::to_value(&direct.report().used).unwrap(),
    );

    // A page limit ends the source as too large.
    let options2 = FetchOptions {
        page_size: 1,
        max_pages: 5,
        ..options
    };
    let (fetched, _) = fetch(
        &directory(2000, vec![r4_source("R9A", &server.url(""))]),
        &options2,
    )
    .await;
    assert_status(&fetched, "R9A", SourceStatus::TooLarge, "more than 5 pages");

    // A next link to another origin is refused.
    let foreign = Server::start("127.0.0.1", |r, _| {
        let patient = json!({"resourceType": "Patient", "id": "p1",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": PATIENT}]});
        let mut bundle = json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": patient}]});
        if r.path() == "/Patient" {
            bundle["link"] = json!([{"relation": "next", "url": "http://127.0.0.2:1/Patient?page=2"}]);
        }
        json_reply(200, bundle.to_string())
    })
    .await;
    let (fetched, _) = fetch(
        &directory(1000, vec![r4_source("X1", &foreign.url(""))]),
        &super::options(),
    )
    .await;
    assert_status(
        &fetched,
        "X1",
        SourceStatus::InvalidResponse,
        "another origin",
    );

    // No patient with this number: not found.
    let empty = Server::start("127.0.0.1", |_, _| {
        json_reply(
            200,
            r#"{"resourceType":"Bundle","type":"searchset","total":0}"#,
        )
    })
    .await;
    let (fetched, _) = fetch(
        &directory(1000, vec![r4_source("X2", &empty.url(""))]),
        &super::options(),
    )
    .await;
    assert_status(&fetched, "X2", SourceStatus::PatientNotFound, "no patient");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_fetch_ends_at_once() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let hang = Server::start("127.0.0.1", |_, _| Reply::Hang).await;
    let directory = directory(
        5000,
        vec![
            gp_source("Y90001", &gp.url("/gpc")),
            gp_source("HANG", &hang.url("/gpc")),
        ],
    );
    let options = options();
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let (fetched, _) = fetch(&directory, &options).await;
    assert!(
        started.elapsed() < Duration::from_millis(1300),
        "{:?}",
        started.elapsed()
    );
    assert_status(&fetched, "Y90001", SourceStatus::Ok, "");
    assert_status(&fetched, "HANG", SourceStatus::Unavailable, "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gp_connect_request_is_well_formed() {
    let gp = gp_connect_server("127.0.0.1", gp_bundle()).await;
    let (fetched, _) = fetch(
        &directory(1000, vec![gp_source("Y90001", &gp.url("/gpc"))]),
        &options(),
    )
    .await;
    assert_status(&fetched, "Y90001", SourceStatus::Ok, "");
    let r = &gp.requests()[0];
    assert!(gp_connect_problem(r).is_none());
    assert_eq!(r.header("content-type"), Some("application/fhir+json"));
    assert_eq!(r.header("accept"), Some("application/fhir+json"));
    let trace = r.header("ssp-traceid").unwrap();
    assert_eq!(trace.len(), 36);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["parameter"][1]["name"], "includeAllergies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_variable_that_is_not_set_sends_no_request() {
    let server = Server::start("127.0.0.1", |_, _| json_reply(200, "{}")).await;
    let mut source = r4_source("NOTOKEN", &server.url("/fhir"));
    source["bearer_token_env"] = json!("ICR_TEST_TOKEN_THAT_IS_NEVER_SET");
    let directory = directory(800, vec![source]);
    let (fetched, _) = fetch(&directory, &options()).await;
    assert_status(
        &fetched,
        "NOTOKEN",
        SourceStatus::Unavailable,
        "bearer_token_env names is not set",
    );
    assert!(server.requests().is_empty(), "no request without the token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_each_under_their_cap_cannot_exceed_the_fetchs_total() {
    // Four GP practices, each answering 1 MiB (the demo record padded with spaces).
    let mut padded = gp_bundle();
    padded.resize(1024 * 1024, b' ');
    let mut servers = Vec::new();
    let mut sources = Vec::new();
    for i in 0..4 {
        let s = gp_connect_server("127.0.0.1", padded.clone()).await;
        sources.push(gp_source(&format!("GP{i}"), &s.url("/gpc")));
        servers.push(s);
    }
    let directory = directory(5000, sources);
    let options = FetchOptions {
        max_bytes: 2 * 1024 * 1024,
        max_total_bytes: 5 * 1024 * 1024 / 2,
        ..options()
    };
    let (fetched, _) = fetch(&directory, &options).await;
    let over: Vec<&SourceOutcome> = fetched
        .outcomes
        .iter()
        .filter(|o| o.status == SourceStatus::TooLarge)
        .collect();
    assert!(over.len() >= 2, "{:?}", fetched.outcomes);
    assert!(
        over.iter()
            .all(|o| o.reason.as_deref().unwrap_or("").contains("total limit"))
    );
    let received: u64 = fetched.outcomes.iter().map(|o| o.bytes).sum();
    assert!(
        received <= 5 * 1024 * 1024 / 2 + 1024 * 1024,
        "{received} bytes"
    );
}
