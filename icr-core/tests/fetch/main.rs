//! Fetching over real HTTP on loopback: our own tokio servers (the demo sources, GP
//! Connect and FHIR R4 search, and every fault a source can show) and a third-party FHIR
//! server (Medplum's FHIR router, `tests/fhir-server/`), run by `scripts/fetch-tests.sh`; and
//! shipping the audit log to a FHIR server (`shipping`). One binary, so it links once.
#![cfg(feature = "fetch")]
// Test support (servers, fixtures) panics on purpose: a panic is a failed test.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(feature = "postgres")]
use icr_test_support::database as pg;

mod faults;
mod server;
mod session_api;
mod shipping;
mod third_party;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use icr_core::fetch::{
    Directory, FetchOptions, Fetched, GP_CONNECT_INTERACTION_ID, Requester, SourceOutcome,
    SourceProgress, fetch_records,
};
use icr_core::merge::SourceStatus;
use serde_json::{Value, json};

use server::{Reply, Request, Server, json as json_reply, typed};

pub(crate) use icr_test_support::demo::patient;

/// The demo patient, whom the demo sources are about.
pub(crate) const PATIENT: &str = icr_core::demo::PATIENT_NHS_NUMBER;
/// Another valid NHS number (modulus 11), for identity mismatches.
pub(crate) const OTHER_PATIENT: &str = "9434765919";

/// The FHIR of the demo source in `file`, as a server sends it.
pub(crate) fn demo(file: &str) -> Vec<u8> {
    icr_test_support::demo::source(file).json.into_bytes()
}

/// A demo R4 bundle as a FHIR server holds it: `urn:uuid:` references rewritten to
/// `Type/id` and every `fullUrl` the server's (as `tests/fhir-server/fhir-server.mjs` loads it).
pub(crate) fn as_server_holds(bundle: &[u8]) -> Vec<u8> {
    let mut b: Value = serde_json::from_slice(bundle).unwrap();
    let mut map = std::collections::HashMap::new();
    for e in b["entry"].as_array().unwrap() {
        if let (Some(u), Some(t), Some(id)) = (
            e["fullUrl"].as_str(),
            e["resource"]["resourceType"].as_str(),
            e["resource"]["id"].as_str(),
        ) {
            map.insert(u.to_owned(), format!("{t}/{id}"));
        }
    }
    fn walk(v: &mut Value, map: &std::collections::HashMap<String, String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match (k.as_str(), x.as_str().and_then(|s| map.get(s))) {
                        ("reference", Some(local)) => *x = Value::String(local.clone()),
                        _ => walk(x, map),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, map)),
            _ => {}
        }
    }
    for e in b["entry"].as_array_mut().unwrap() {
        walk(&mut e["resource"], &map);
        let local = format!(
            "{}/{}",
            e["resource"]["resourceType"].as_str().unwrap(),
            e["resource"]["id"].as_str().unwrap()
        );
        e["fullUrl"] = json!(format!("https://fhir.example/{local}"));
    }
    serde_json::to_vec(&b).unwrap()
}

pub(crate) fn gp_bundle() -> Vec<u8> {
    demo("gp-practice.gpconnect-stu3.json")
}

/// The same bundle about another patient.
pub(crate) fn other_patient(bundle: &[u8]) -> Vec<u8> {
    String::from_utf8(bundle.to_vec())
        .unwrap()
        .replace(PATIENT, OTHER_PATIENT)
        .into_bytes()
}

pub(crate) fn requester() -> Requester {
    Requester {
        organisation_ods: "Y90001".into(),
        practitioner_id: "G13579135".into(),
    }
}

/// Options for tests: no proxy, short backoff.
pub(crate) fn options() -> FetchOptions {
    FetchOptions {
        use_proxy: false,
        backoff: Duration::from_millis(50),
        max_bytes: 4 * 1024 * 1024,
        ..FetchOptions::default()
    }
}

pub(crate) fn gp_source(ods: &str, base: &str) -> Value {
    json!({"ods_code": ods, "name": format!("GP {ods}"), "care_setting": "general-practice",
           "kind": "gp-connect-structured", "base_url": base, "asid": "918999198738"})
}

pub(crate) fn r4_source(ods: &str, base: &str) -> Value {
    json!({"ods_code": ods, "name": format!("Trust {ods}"), "care_setting": "acute",
           "kind": "fhir-r4", "base_url": base})
}

pub(crate) fn directory(deadline_ms: u64, sources: Vec<Value>) -> Directory {
    let d = json!({"deadline_ms": deadline_ms, "consumer": {"asid": "200000000359"},
                   "sources": sources});
    Directory::from_json(&serde_json::to_vec(&d).unwrap()).unwrap()
}

/// Progress events, collected.
#[derive(Clone, Default)]
pub(crate) struct Events(pub Arc<Mutex<Vec<SourceProgress>>>);

impl Events {
    pub(crate) fn sink(&self) -> impl Fn(SourceProgress) + Send + Sync + use<> {
        let events = Arc::clone(&self.0);
        move |p| events.lock().unwrap().push(p)
    }

    pub(crate) fn all(&self) -> Vec<SourceProgress> {
        self.0.lock().unwrap().clone()
    }
}

pub(crate) async fn fetch(directory: &Directory, options: &FetchOptions) -> (Fetched, Events) {
    let events = Events::default();
    let sink = events.sink();
    let fetched = fetch_records(directory, &patient(), &requester(), options, &sink).await;
    (fetched, events)
}

pub(crate) fn outcome<'a>(fetched: &'a Fetched, ods: &str) -> &'a SourceOutcome {
    fetched
        .outcomes
        .iter()
        .find(|o| o.ods_code == ods)
        .unwrap_or_else(|| panic!("no outcome for {ods}"))
}

pub(crate) fn assert_status(fetched: &Fetched, ods: &str, status: SourceStatus, reason_has: &str) {
    let o = outcome(fetched, ods);
    assert_eq!(o.status, status, "{ods}: {o:?}");
    let reason = o.reason.as_deref().unwrap_or("");
    assert!(reason.contains(reason_has), "{ods}: reason {reason:?}");
    assert!(
        !reason.contains(PATIENT) && !reason.contains(OTHER_PATIENT),
        "{ods}: reason holds an NHS number: {reason:?}"
    );
}

/// A GP Connect provider serving `bundle` to a well-formed structured record request.
pub(crate) async fn gp_connect_server(ip: &str, bundle: Vec<u8>) -> Server {
    let bundle = Arc::new(bundle);
    Server::start(ip, move |r: &Request, _| {
        if let Some(problem) = gp_connect_problem(r) {
            return json_reply(400, problem);
        }
        server::shared(200, Arc::clone(&bundle))
    })
    .await
}

/// What is wrong with a structured record request, if anything.
pub(crate) fn gp_connect_problem(r: &Request) -> Option<String> {
    if r.method != "POST" || !r.path().ends_with("/Patient/$gpc.getstructuredrecord") {
        return Some(format!("bad target {} {}", r.method, r.target));
    }
    for h in ["Ssp-TraceID", "Ssp-From", "Ssp-To", "Ssp-InteractionID"] {
        r.header(h)?;
    }
    if r.header("Ssp-InteractionID") != Some(GP_CONNECT_INTERACTION_ID)
        || r.header("Ssp-From") != Some("200000000359")
        || r.header("Ssp-To") != Some("918999198738")
    {
        return Some("bad Ssp headers".into());
    }
    let token = r.header("Authorization")?.strip_prefix("Bearer ")?;
    let claims =
        icr_core::launch::read_gp_connect_consumer_jwt(token, jiff::Timestamp::now().as_second())
            .ok()?;
    let body: Value = serde_json::from_slice(&r.body).ok()?;
    let nhs = &body["parameter"][0]["valueIdentifier"]["value"];
    if body["resourceType"] != "Parameters"
        || nhs != claims.requested_record.as_str()
        || claims.requesting_organization_ods != "Y90001"
    {
        return Some("bad body or token".into());
    }
    None
}

/// A minimal FHIR R4 search server over one Bundle: `Patient?identifier=`,
/// `Type?patient=` (paged by `_count`/`_offset`), `Type?_id=`. Resource types in
/// `unsupported` answer 400.
pub(crate) async fn r4_server(
    ip: &str,
    bundle: &[u8],
    unsupported: &'static [&'static str],
) -> Server {
    let bundle: Value = serde_json::from_slice(&as_server_holds(bundle)).unwrap();
    let entries: Arc<Vec<Value>> = Arc::new(bundle["entry"].as_array().unwrap().clone());
    let addr: Arc<Mutex<String>> = Arc::default();
    let base = Arc::clone(&addr);
    let server = Server::start(ip, move |r: &Request, _| {
        let base = base.lock().unwrap().clone();
        r4_answer(r, &entries, &base, unsupported)
    })
    .await;
    *addr.lock().unwrap() = server.url("");
    server
}

pub(crate) fn r4_answer(r: &Request, entries: &[Value], base: &str, unsupported: &[&str]) -> Reply {
    let t = r.path().trim_start_matches('/');
    if unsupported.contains(&t) {
        return json_reply(
            400,
            r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported"}]}"#,
        );
    }
    let query: Vec<(String, String)> = r
        .target
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), decode(v)))
                .collect()
        })
        .unwrap_or_default();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut matching: Vec<&Value> = entries
        .iter()
        .filter(|e| e["resource"]["resourceType"] == t)
        .collect();
    if let Some(identifier) = get("identifier") {
        let nhs = identifier.rsplit('|').next().unwrap_or("");
        matching.retain(|e| e["resource"].to_string().contains(nhs));
    }
    if let Some(ids) = get("_id") {
        let ids: Vec<&str> = ids.split(',').collect();
        matching.retain(|e| ids.contains(&e["resource"]["id"].as_str().unwrap_or("")));
    }
    let count: usize = get("_count").and_then(|c| c.parse().ok()).unwrap_or(100);
    let offset: usize = get("_offset").and_then(|c| c.parse().ok()).unwrap_or(0);
    let total = matching.len();
    let page: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(count)
        .cloned()
        .collect();
    let mut bundle =
        json!({"resourceType": "Bundle", "type": "searchset", "total": total, "entry": page});
    if offset + count < total {
        let mut next = format!("{base}{}?", r.path());
        for (k, v) in &query {
            if k != "_offset" {
                next.push_str(&format!("{k}={}&", encode(v)));
            }
        }
        next.push_str(&format!("_offset={}", offset + count));
        bundle["link"] = json!([{"relation": "next", "url": next}]);
    }
    json_reply(200, serde_json::to_vec(&bundle).unwrap())
}

fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let h = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(h, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A reply that is `text/html`.
pub(crate) fn html() -> Reply {
    typed(
        200,
        "text/html; charset=utf-8",
        "<html><body>Sign in</body></html>",
    )
}

/// The paths where two JSON values differ (at most `max`), for readable failures.
pub(crate) fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>, max: usize) {
    if out.len() >= max || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let (l, r) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                differences(l, r, &format!("{path}.{k}"), out, max);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                differences(l, r, &format!("{path}[{i}]"), out, max);
            }
        }
        _ => {
            let show = |v: &Value| v.to_string().chars().take(300).collect::<String>();
            out.push(format!("{path}: {} != {}", show(a), show(b)));
        }
    }
}

/// Asserts two JSON values are equal, showing where they differ.
pub(crate) fn assert_same(a: &Value, b: &Value) {
    let mut out = Vec::new();
    differences(a, b, "$", &mut out, 12);
    assert!(out.is_empty(), "differences:\n{}", out.join("\n"));
}
