//! Shipping the audit log as BALP `AuditEvent`s to a FHIR server.
//!
//! Against the third-party server (Medplum's router, `tests/fhir-server/fhir-server.mjs
//! --audit AUD`) behind a loopback TCP proxy that the test turns off and on: an outage
//! before anything is sent, an outage that swallows an acknowledgement the server had
//! already given, the return, and a resend of everything from a mark reset to the start.
//! Every entry must be held exactly once, as exported, and every exported event must
//! validate against the R4 definitions (`tests/fhir-server/validate.mjs`, Medplum's
//! validator). Against our own tokio server: retries, `Retry-After`, headers, refusals,
//! a server that ignores the condition, and logs that no longer hold the mark.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use icr_core::audit::{
    AUDIT_ENTRY_SYSTEM, AuditEntry, AuditKind, AuditOutcome, AuditRecord, AuditSink, AuditSystem,
    AuditSystems, Checkpoint, FileAuditLog, FileShipMark, MemoryAuditLog, ProblemKind, ShipError,
    ShipMark, ShipReport, ShipTarget, WithheldCount, ship_pending, to_balp_audit_event,
};
use icr_test_support::audit::{another_key, key};
use icr_test_support::temp::TempDir;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::server::{Server, json as json_reply, with_header};
use super::third_party::{start_with, test_servers};

const PATIENTS: [&str; 2] = ["9990000026", "9434765919"];

// ---- fixtures ------------------------------------------------------------------------

/// The `i`-th record of a day's log: views (some under break-glass, with items shown
/// and withheld), denials, break-glass granted and refused, refused launches, opt-outs
/// and sessions opened; the last one a recovered log.
fn record(i: usize, n: usize) -> AuditRecord {
    let base = AuditRecord {
        session_id: format!("session-{}", i / 5),
        token_id: Some(format!("jti-{}", i / 5)),
        user_id: format!("5551234500{:02}", i % 7),
        user_name: Some(format!("Dr {} Example", ["A", "B", "C"][i % 3])),
        role: "gp".into(),
        role_profile: "R8000".into(),
        organisation: "Y90001".into(),
        patient: Some(PATIENTS[i % 2].into()),
        purpose: Some("direct-care".into()),
        relationship: Some("registered-gp".into()),
        ..AuditRecord::default()
    };
    if i + 1 == n {
        return AuditRecord {
            kind: AuditKind::LogRecovered,
            outcome: AuditOutcome::Failed,
            reason: Some(
                "an incomplete last line was set aside in audit.jsonl.quarantine-7".into(),
            ),
            ..AuditRecord::default()
        };
    }
    match i % 10 {
        0 => AuditRecord {
            kind: AuditKind::SessionOpened,
            ..base
        },
        1..=4 => AuditRecord {
            kind: AuditKind::RecordViewed,
            sections: vec!["medications".into(), "allergies".into()],
            withheld: vec![WithheldCount {
                section: "problems".into(),
                reason: "sensitive".into(),
                count: 1,
            }],
            sources: vec!["Y90001".into(), "R9A".into()],
            items_shown: vec![
                format!("Y90001/MedicationStatement/m{i}"),
                format!("R9A/AllergyIntolerance/a{i}"),
                "Y90001/ProcedureRequest/p1".into(),
            ],
            items_withheld: vec![format!("R9M/Condition/c{i}")],
            reason: (i % 10 == 4).then(|| "break-glass-active".into()),
            restricted: i % 20 == 3,
            ..base
        },
        5 => AuditRecord {
            kind: AuditKind::AccessDenied,
            outcome: AuditOutcome::Denied,
            reason: Some("no-relationship".into()),
            items_withheld: vec![format!("R9A/Condition/d{i}")],
            ..base
        },
        6 => AuditRecord {
            kind: AuditKind::BreakGlass,
            reason: Some("unconscious in ED, no history available".into()),
            ..base
        },
        7 => AuditRecord {
            kind: AuditKind::BreakGlass,
            outcome: AuditOutcome::Denied,
            reason: Some("break-glass-not-permitted".into()),
            ..base
        },
        8 => AuditRecord {
            kind: AuditKind::SessionRefused,
            outcome: AuditOutcome::Failed,
            reason: Some("launch-expired".into()),
            patient: None,
            ..base
        },
        _ => AuditRecord {
            kind: AuditKind::OptOutRecorded,
            user_name: None,
            role: String::new(),
            role_profile: String::new(),
            purpose: None,
            relationship: None,
            reason: Some("opted-out: patient request".into()),
            ..base
        },
    }
}

fn file_log(dir: &TempDir, n: usize) -> (Arc<FileAuditLog>, Vec<AuditEntry>) {
    let log = FileAuditLog::open(&dir.path("audit.jsonl"), key()).unwrap();
    let entries: Vec<AuditEntry> = (0..n).map(|i| log.append(record(i, n)).unwrap()).collect();
    (Arc::new(log), entries)
}

fn systems() -> AuditSystems {
    AuditSystems {
        server: AuditSystem {
            name: "ICR test deployment".into(),
            address: Some("icr.test.invalid".into()),
        },
        client: AuditSystem {
            name: "Test EPR".into(),
            address: Some("127.0.0.1".into()),
        },
    }
}

fn target(base: &str) -> ShipTarget {
    ShipTarget {
        systems: systems(),
        max_attempts: 3,
        backoff: Duration::from_millis(20),
        max_wait: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        use_proxy: false,
        ..ShipTarget::new(base)
    }
}

fn checkpoint(entry: &AuditEntry) -> Checkpoint {
    Checkpoint {
        seq: entry.seq,
        mac: entry.mac.clone(),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

// ---- a proxy the test can cut -------------------------------------------------------

/// A loopback TCP proxy in front of the FHIR server. While down it closes every
/// connection it accepts at once and every connection it was carrying. `cut_at(n)`
/// carries traffic until the server's `n`-th response (counted from then), swallows that
/// response and goes down: the server has done the work, the client never hears it.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    down_tx: watch::Sender<u64>,
    cut: Arc<Mutex<Option<usize>>>,
    responses: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(false));
        let (down_tx, _) = watch::channel(0u64);
        let cut: Arc<Mutex<Option<usize>>> = Arc::default();
        let responses = Arc::new(AtomicUsize::new(0));
        let task = {
            let up = Arc::clone(&up);
            let down_tx = down_tx.clone();
            let cut = Arc::clone(&cut);
            let responses = Arc::clone(&responses);
            tokio::spawn(async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        return;
                    };
                    if !up.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let down = down_tx.subscribe();
                    let (up, down_tx, cut, responses) = (
                        Arc::clone(&up),
                        down_tx.clone(),
                        Arc::clone(&cut),
                        Arc::clone(&responses),
                    );
                    tokio::spawn(async move {
                        let _ = carry(client, upstream, down, up, down_tx, cut, responses).await;
                    });
                }
            })
        };
        Proxy {
            addr,
            up,
            down_tx,
            cut,
            responses,
            task,
        }
    }

    fn up(&self) {
        *self.cut.lock().unwrap() = None;
        self.up.store(true, Ordering::SeqCst);
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.down_tx.send_modify(|n| *n += 1);
    }

    /// Up until the server's `n`-th response from now, which is swallowed.
    fn cut_at(&self, n: usize) {
        self.responses.store(0, Ordering::SeqCst);
        *self.cut.lock().unwrap() = Some(n);
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn carry(
    mut client: TcpStream,
    upstream: SocketAddr,
    mut down: watch::Receiver<u64>,
    up: Arc<AtomicBool>,
    down_tx: watch::Sender<u64>,
    cut: Arc<Mutex<Option<usize>>>,
    responses: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let mut to_server = [0u8; 16 * 1024];
    let mut to_client = [0u8; 64 * 1024];
    loop {
        tokio::select! {
            _ = down.changed() => return Ok(()),
            n = client_read.read(&mut to_server) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                server_write.write_all(&to_server[..n]).await?;
            }
            n = server_read.read(&mut to_client) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                let chunk = &to_client[..n];
                // Node writes each response's head in one piece.
                let starts = chunk.windows(9).filter(|w| w == b"HTTP/1.1 ").count();
                if starts > 0 {
                    let count = responses.fetch_add(starts, Ordering::SeqCst) + starts;
                    if cut.lock().unwrap().is_some_and(|at| count >= at) {
                        up.store(false, Ordering::SeqCst);
                        down_tx.send_modify(|n| *n += 1);
                        return Ok(());
                    }
                }
                client_write.write_all(chunk).await?;
            }
        }
    }
}

// ---- what the server holds ------------------------------------------------------------

/// Every AuditEvent the server holds, straight from it (not through the proxy): a plain
/// HTTP/1.1 GET, so that the check shares no code with the shipper.
fn held(base: &str) -> Vec<Value> {
    let rest = base.trim_start_matches("http://");
    let (host, prefix) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET /{prefix}/AuditEvent?_count=1000 HTTP/1.1\r\nHost: {host}\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let bundle: Value = serde_json::from_str(body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle", "{bundle}");
    assert!(
        bundle["link"]
            .as_array()
            .is_none_or(|links| links.iter().all(|l| l["relation"] != "next"))
    );
    bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

fn entry_mac(event: &Value) -> String {
    let macs: Vec<&str> = event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"]["identifier"]["system"] == AUDIT_ENTRY_SYSTEM)
        .map(|e| e["what"]["identifier"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(macs.len(), 1, "one entry entity per event: {event}");
    macs[0].to_owned()
}

/// How many times the server holds each entry, by MAC.
fn held_counts(base: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for event in held(base) {
        *counts.entry(entry_mac(&event)).or_insert(0) += 1;
    }
    counts
}

/// What the server adds on create: its id and version metadata.
fn as_sent(event: &Value) -> Value {
    let mut event = event.clone();
    let object = event.as_object_mut().unwrap();
    object.remove("id");
    if let Some(meta) = object.get_mut("meta").and_then(Value::as_object_mut) {
        for k in [
            "versionId",
            "lastUpdated",
            "author",
            "project",
            "compartment",
        ] {
            meta.remove(k);
        }
        if meta.is_empty() {
            object.remove("meta");
        }
    }
    event
}

/// Runs `tests/fhir-server/validate.mjs` over `events` (NDJSON on stdin).
fn validate(events: &[Value]) -> (bool, String) {
    let mut child = Command::new("node")
        .current_dir(test_servers())
        .arg("validate.mjs")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    {
        let mut stdin = child.stdin.take().unwrap();
        for e in events {
            writeln!(stdin, "{e}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

// ---- against Medplum ------------------------------------------------------------------

#[test]
fn every_entry_arrives_exactly_once_through_an_outage_and_a_resend_and_validates() {
    let Some(server) = start_with(&["--audit", "AUD"]) else {
        return;
    };
    let direct = format!("{}/AUD", server.base);
    let upstream: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let rt = runtime();
    let proxy = rt.block_on(Proxy::start(upstream));
    let dir = TempDir::new("medplum");
    const N: usize = 60;
    let (log, entries) = file_log(&dir, N);
    let mark = FileShipMark::new(&dir.path("ship.mark"));
    let target = target(&format!("http://{}/AUD", proxy.addr));

    // 1. The server is unreachable from the start: nothing is acknowledged, nothing marked.
    proxy.down();
    match ship_pending(log.as_ref(), &mark, &target) {
        Err(ShipError::Unavailable { seq, attempts, .. }) => {
            assert_eq!((seq, attempts), (1, 3), "entry 1, tried three times");
        }
        other => panic!("expected the server to be unavailable: {other:?}"),
    }
    assert_eq!(
        mark.load().unwrap(),
        None,
        "nothing acknowledged, nothing marked"
    );
    assert!(held_counts(&direct).is_empty());

    // 2. It comes back, then goes again while answering entry 20: the server stored it,
    //    the shipper never heard so. The mark stays at 19.
    proxy.cut_at(20);
    match ship_pending(log.as_ref(), &mark, &target) {
        Err(ShipError::Unavailable { seq, .. }) => assert_eq!(seq, 20),
        other => panic!("expected the outage at entry 20: {other:?}"),
    }
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[18])));
    let counts = held_counts(&direct);
    assert_eq!(counts.len(), 20, "entries 1 to 20, the last unacknowledged");
    for entry in &entries[..20] {
        assert_eq!(counts.get(&entry.mac), Some(&1), "entry {}", entry.seq);
    }

    // 3. Back for good: the rest arrive; entry 20 is found already there, not doubled.
    proxy.up();
    let report = ship_pending(log.as_ref(), &mark, &target).unwrap();
    assert_eq!(
        (report.shipped, report.already_present, report.last_seq),
        (40, 1, N as u64),
        "{report:?}"
    );
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[N - 1])));

    // 4. Nothing new: nothing sent.
    let report = ship_pending(log.as_ref(), &mark, &target).unwrap();
    assert_eq!(
        report,
        ShipReport {
            last_seq: N as u64,
            ..ShipReport::default()
        }
    );

    // 5. A resend of everything (the mark reset to the start) creates nothing.
    mark.save(&Checkpoint::empty()).unwrap();
    let report = ship_pending(log.as_ref(), &mark, &target).unwrap();
    assert_eq!(
        (report.shipped, report.already_present, report.last_seq),
        (0, N as u64, N as u64),
        "{report:?}"
    );

    // Every entry exactly once, as exported.
    let events = held(&direct);
    assert_eq!(events.len(), N);
    let by_mac: HashMap<String, &Value> = events.iter().map(|e| (entry_mac(e), e)).collect();
    assert_eq!(by_mac.len(), N, "no entry twice");
    let exported: Vec<Value> = entries
        .iter()
        .map(|e| to_balp_audit_event(e, &systems()))
        .collect();
    for (entry, sent) in entries.iter().zip(&exported) {
        let stored = by_mac
            .get(&entry.mac)
            .unwrap_or_else(|| panic!("entry {} missing", entry.seq));
        super::assert_same(&as_sent(stored), sent);
    }
    let kinds: std::collections::HashSet<String> = entries
        .iter()
        .map(|e| serde_json::to_value(e.record.kind).unwrap().to_string())
        .collect();
    assert_eq!(kinds.len(), 7, "every kind of entry was shipped: {kinds:?}");

    // Every exported event, and every event as the server holds it, validates.
    let mut all = exported.clone();
    all.extend(events.iter().cloned());
    let (valid, output) = validate(&all);
    assert!(valid, "{output}");
    assert!(
        output.contains(&format!("validated {}: {} valid, 0 invalid", 2 * N, 2 * N)),
        "{output}"
    );

    // The validator can fail: a broken event is rejected, with its faults named.
    let mut broken = exported[1].clone();
    let object = broken.as_object_mut().unwrap();
    object.remove("source");
    object.insert("outcomeDetail".into(), json!("not an R4 element"));
    broken["agent"][0]
        .as_object_mut()
        .unwrap()
        .remove("requestor");
    broken["agent"][0]["purposeOfUse"][0]["coding"][0]["code"] = json!("NOT-A-REASON");
    let (valid, output) = validate(&[exported[0].clone(), broken]);
    assert!(!valid, "{output}");
    assert!(output.contains("ok 1 AuditEvent"), "{output}");
    for fault in [
        "AuditEvent.source: Missing required property",
        "AuditEvent.agent[0].requestor: Missing required property",
        "outcomeDetail",
        "code NOT-A-REASON is not defined",
    ] {
        assert!(output.contains(fault), "{fault}: {output}");
    }
    drop(proxy);
}

// ---- against our own server -------------------------------------------------------------

fn memory_log(n: usize) -> (MemoryAuditLog, Vec<AuditEntry>) {
    let log = MemoryAuditLog::new(key());
    let entries = (0..n)
        .map(|i| log.append(record(i, n + 1)).unwrap())
        .collect();
    (log, entries)
}

fn in_memory_mark() -> MemoryMark {
    MemoryMark(Mutex::new(None))
}

/// A mark in memory, for tests that need no file.
struct MemoryMark(Mutex<Option<Checkpoint>>);

impl ShipMark for MemoryMark {
    fn load(&self) -> Result<Option<Checkpoint>, icr_core::audit::AuditError> {
        Ok(self.0.lock().unwrap().clone())
    }

    fn save(&self, shipped: &Checkpoint) -> Result<(), icr_core::audit::AuditError> {
        *self.0.lock().unwrap() = Some(shipped.clone());
        Ok(())
    }
}

fn created() -> super::server::Reply {
    json_reply(201, r#"{"resourceType":"AuditEvent","id":"x"}"#)
}

#[test]
fn busy_answers_are_retried_after_retry_after_with_the_headers_a_server_needs() {
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, n| match n {
        0 => with_header(json_reply(503, "{}"), "Retry-After", "0"),
        1 => json_reply(429, "{}"),
        2 => json_reply(502, "{}"),
        _ => created(),
    }));
    let (log, entries) = memory_log(2);
    let mark = in_memory_mark();
    let mut target = target(&server.url("/fhir"));
    target.max_attempts = 4;
    // A variable cargo sets for every test run, standing for a deployment's token.
    target.bearer_token_env = Some("CARGO_PKG_NAME".into());
    let report = ship_pending(&log, &mark, &target).unwrap();
    assert_eq!(
        report,
        ShipReport {
            shipped: 2,
            already_present: 0,
            last_seq: 2,
            requests: 5,
            retries: 3,
        }
    );
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[1])));
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for (r, entry) in requests
        .iter()
        .zip([&entries[0]; 4].into_iter().chain([&entries[1]]))
    {
        assert_eq!((r.method.as_str(), r.path()), ("POST", "/fhir/AuditEvent"));
        assert_eq!(
            r.header("If-None-Exist"),
            Some(format!("entity:identifier=urn:icr-sdk:audit-entry|{}", entry.mac).as_str())
        );
        assert_eq!(r.header("Content-Type"), Some("application/fhir+json"));
        assert_eq!(r.header("Prefer"), Some("return=representation"));
        assert_eq!(r.header("Authorization"), Some("Bearer icr-core"));
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body, to_balp_audit_event(entry, &systems()));
    }
}

#[test]
fn a_server_that_stays_down_stops_the_run_and_the_mark_stays() {
    let rt = runtime();
    let closed = rt.block_on(super::server::closed_port("127.0.0.1"));
    let (log, _) = memory_log(3);
    let mark = in_memory_mark();
    match ship_pending(&log, &mark, &target(&format!("http://{closed}/fhir"))) {
        Err(e @ ShipError::Unavailable { .. }) => {
            assert_eq!(
                e.to_string(),
                "the FHIR server did not acknowledge entry 1 after 3 attempts (connection refused); it is sent again next time"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mark.load().unwrap(), None);
}

#[test]
fn a_refusal_stops_the_run_at_that_entry_and_nothing_after_it_is_sent() {
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, n| match n {
        0 => created(),
        _ => json_reply(
            422,
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"entity[0].what 9434765919 rejected"}]}"#,
        ),
    }));
    let (log, entries) = memory_log(4);
    let mark = in_memory_mark();
    let error = ship_pending(&log, &mark, &target(&server.url("/fhir"))).unwrap_err();
    assert_eq!(
        error,
        ShipError::Refused {
            seq: 2,
            status: 422,
            issue: Some("invalid".into())
        }
    );
    assert!(
        !error.to_string().contains("9434765919"),
        "no diagnostics in errors: {error}"
    );
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[0])));
    assert_eq!(server.requests().len(), 2, "a refusal is not retried");
}

#[test]
fn already_there_is_believed_only_for_the_same_entry() {
    let rt = runtime();
    let (log, entries) = memory_log(2);
    let first = to_balp_audit_event(&entries[0], &systems());
    let answer = serde_json::to_vec(&first).unwrap();
    // Answers "already there" with the first entry's event every time: right for entry
    // 1, a sign of an ignored search for entry 2.
    let server = rt.block_on(Server::start("127.0.0.1", move |_, _| {
        json_reply(200, answer.clone())
    }));
    let mark = in_memory_mark();
    let error = ship_pending(&log, &mark, &target(&server.url("/fhir"))).unwrap_err();
    assert_eq!(error, ShipError::ConditionIgnored { seq: 2 });
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[0])));
}

#[test]
fn a_log_that_no_longer_holds_the_mark_is_reported_and_nothing_is_sent() {
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, _| created()));
    let target = target(&server.url("/fhir"));
    let (log, entries) = memory_log(5);
    let mark = in_memory_mark();
    ship_pending(&log, &mark, &target).unwrap();
    let sent = server.requests().len();

    // Replaced by another log (another key's chain) with more entries.
    let other = MemoryAuditLog::new(another_key());
    for i in 0..8 {
        other.append(record(i, 9)).unwrap();
    }
    match ship_pending(&other, &mark, &target) {
        Err(ShipError::MarkNotInLog { seq: 5, problem }) => {
            assert_eq!(problem, ProblemKind::RolledBack);
        }
        other => panic!("{other:?}"),
    }
    // Cut short: it ends before the mark.
    let (short, _) = memory_log(3);
    match ship_pending(&short, &mark, &target) {
        Err(ShipError::MarkNotInLog {
            seq: 5,
            problem: ProblemKind::Truncated { .. },
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), sent, "nothing was sent");
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[4])));
}

#[test]
fn a_broken_chain_ships_what_is_before_the_break_and_says_where() {
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, _| created()));
    let dir = TempDir::new("broken");
    let (log, entries) = file_log(&dir, 8);
    drop(log);
    // Edit line 5: its MAC no longer matches.
    let path = dir.path("audit.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replacen("session-", "sessioN-", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let reader = icr_core::audit::FileAuditReader::new(&path, key());
    let mark = FileShipMark::new(&dir.path("ship.mark"));
    match ship_pending(&reader, &mark, &target(&server.url("/fhir"))) {
        Err(ShipError::ChainBroken { line: 5, problem }) => {
            assert_eq!(problem, ProblemKind::BadMac);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[3])));
    assert_eq!(server.requests().len(), 4, "entries 1 to 4 only");
}

#[test]
fn damage_before_the_mark_is_reported_as_damage_and_nothing_is_sent() {
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, _| created()));
    let dir = TempDir::new("damaged-before-mark");
    let (log, entries) = file_log(&dir, 8);
    drop(log);
    let mark = FileShipMark::new(&dir.path("ship.mark"));
    mark.save(&checkpoint(&entries[5])).unwrap();
    let path = dir.path("audit.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen("session-", "sessioN-", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let reader = icr_core::audit::FileAuditReader::new(&path, key());
    match ship_pending(&reader, &mark, &target(&server.url("/fhir"))) {
        Err(ShipError::ChainBroken { line: 3, problem }) => {
            assert_eq!(problem, ProblemKind::BadMac);
        }
        other => panic!("{other:?}"),
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    assert_eq!(mark.load().unwrap(), Some(checkpoint(&entries[5])));
}

#[test]
fn a_redirected_create_is_not_followed() {
    let rt = runtime();
    // A 302 would turn the POST into a GET, whose 200 must not read as "already there".
    let server = rt.block_on(Server::start("127.0.0.1", |r, _| {
        if r.method == "POST" {
            with_header(
                json_reply(302, "{}"),
                "Location",
                "/fhir/AuditEvent?_count=1",
            )
        } else {
            json_reply(200, r#"{"resourceType":"Bundle","type":"searchset"}"#)
        }
    }));
    let (log, _) = memory_log(1);
    let mark = in_memory_mark();
    let error = ship_pending(&log, &mark, &target(&server.url("/fhir"))).unwrap_err();
    assert_eq!(error, ShipError::Redirected { seq: 1 });
    assert_eq!(mark.load().unwrap(), None);
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["POST"], "the redirect was not followed");
}

#[test]
fn shipping_from_inside_an_async_runtime_works_too() {
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, _| created()));
    let (log, _) = memory_log(2);
    let mark = in_memory_mark();
    let target = target(&server.url("/fhir"));
    let report = rt
        .block_on(async { ship_pending(&log, &mark, &target) })
        .unwrap();
    assert_eq!((report.shipped, report.last_seq), (2, 2));
}

/// The region's chain ships from the database, and the shipper's place is kept there, so
/// whichever host runs it next carries on (and a late save never moves it back).
#[cfg(feature = "postgres")]
#[test]
fn the_region_chain_ships_from_the_database_and_keeps_its_place_there() {
    use icr_core::postgres::Database;
    let url = super::pg::server().fresh_database("ship_region");
    let rt = runtime();
    let server = rt.block_on(Server::start("127.0.0.1", |_, _| created()));
    let base = server.url("/fhir");
    let db = Database::connect(&url).unwrap();
    let log = db.audit_log(key());
    let entries: Vec<AuditEntry> = (0..9).map(|i| log.append(record(i, 10)).unwrap()).collect();
    let first = ship_pending(&log, &db.ship_mark(&base), &target(&base)).unwrap();
    assert_eq!((first.shipped, first.last_seq), (9, 9));
    for i in 9..12 {
        log.append(record(i, 13)).unwrap();
    }
    // Another host: its own connections, the same mark.
    let other = Database::connect(&url).unwrap();
    let mark = other.ship_mark(&base);
    let second = ship_pending(&other.audit_log(key()), &mark, &target(&base)).unwrap();
    assert_eq!((second.shipped, second.last_seq), (3, 12));
    assert_eq!(server.requests().len(), 12, "each entry sent once");
    mark.save(&checkpoint(&entries[1])).unwrap();
    assert_eq!(mark.load().unwrap().map(|c| c.seq), Some(12));
}
