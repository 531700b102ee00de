//! Writes the seed corpora (`corpus/<target>/seed-*`) from the project's own fixtures:
//! the five demo sources and small synthetic edge cases, launch tokens signed by each
//! trusted key (and broken ones), the default policy, a real audit log written through
//! a session, panel texts that are known XSS payloads, and source responses.
//!
//! Run with `cargo run --example seed-corpus` in `icr-core/fuzz` (an example, not a bin,
//! so that `cargo fuzz build` leaves it out); it overwrites only files
//! named `seed-*`, never what the fuzzer added.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use icr_core::access::Policy;
use icr_core::audit::FileAuditLog;
use icr_core::launch::{self, LaunchContext, Relationship, SigningKey};
use icr_core::session::demo;
use icr_fuzz::fixtures::{self, ED25519_SEED, HS256_SECRET, NOW};
use icr_fuzz::launch::{AUDIENCE, ISSUER, RSA_PKCS8};
use icr_fuzz::{fetch_response, render};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    ingest(&root.join("ingest"));
    launch(&root.join("launch"));
    policy(&root.join("policy"));
    audit_log(&root.join("audit_log"));
    panel(&root.join("render"));
    responses(&root.join("fetch_response"));
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

/// Small synthetic edge cases (no real patient: the demo NHS number 999 000 0026).
const EDGE_CASES: &[(&str, &str)] = &[
    (
        "partial-dates",
        r#"{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}],"birthDate":"1970"}},
{"resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"urn:uuid:p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabetes mellitus type 2"}]},"onsetDateTime":"2019-03","recordedDate":"2019-03-02T23:30:00-05:00"}},
{"resource":{"resourceType":"AllergyIntolerance","id":"a1","patient":{"reference":"Patient/p1"},"clinicalStatus":{"coding":[{"code":"resolved"}]},"code":{"text":"Penicillin"}}}]}"#,
    ),
    (
        "stu3-contained-list",
        r##"{"resourceType":"Bundle","meta":{"profile":["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1"]},"type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}]}},
{"resource":{"resourceType":"List","id":"l","status":"current","mode":"snapshot","code":{"coding":[{"system":"http://snomed.info/sct","code":"886921000000105"}]},"subject":{"reference":"Patient/1"},"emptyReason":{"coding":[{"code":"no-content-recorded"}]},"contained":[{"resourceType":"AllergyIntolerance","id":"x","assertedDate":"2001","clinicalStatus":"resolved","verificationStatus":"confirmed","code":{"coding":[{"system":"http://snomed.info/sct","code":"716186003","display":"No known allergy"}]},"patient":{"reference":"Patient/1"}}],"entry":[{"item":{"reference":"#x"}}]}}]}"##,
    ),
    (
        "other-patient-and-error",
        r#"{"resourceType":"Bundle","type":"searchset","entry":[
{"fullUrl":"Patient/a","resource":{"resourceType":"Patient","id":"a","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}]}},
{"fullUrl":"Patient/b","resource":{"resourceType":"Patient","id":"b","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000034"}]}},
{"resource":{"resourceType":"MedicationStatement","id":"m","status":"entered-in-error","subject":{"reference":"Patient/b"},"medicationCodeableConcept":{"text":"x"}}},
{"resource":{"resourceType":"Observation","id":"o","status":"final","subject":{"reference":"Patient/a"},"code":{"text":"Hb"},"valueQuantity":{"value":"131.0","unit":"g/L"},"referenceRange":[{"low":{"value":130},"high":{"value":170}}]}},
{"resource":{"resourceType":"OperationOutcome","issue":[]}}]}"#,
    ),
    (
        "dstu2",
        r##"{"resourceType":"Bundle","meta":{"profile":["https://fhir.nhs.uk/DSTU2/StructureDefinition/x"]},"type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"1"}},{"resource":{"resourceType":"MedicationOrder","id":"m","patient":{"reference":"Patient/1"}}}]}"##,
    ),
    (
        "single-patient",
        r##"{"resourceType":"Patient","id":"p","identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"},"name":[{"text":"Ü\u0000<b>"}]}"##,
    ),
];

fn ingest(dir: &Path) {
    for (i, s) in icr_core::demo::sources().iter().enumerate() {
        put(dir, &format!("demo-{i}"), s.json.as_bytes());
    }
    for (name, json) in EDGE_CASES {
        put(dir, name, json.as_bytes());
    }
}

fn context(now: i64) -> LaunchContext {
    let mut c = launch::demo::context(
        "S0030:G0100:R0260",
        None,
        "Y90001",
        icr_core::demo::patient().unwrap(),
        Relationship::RegisteredGp,
        now,
    );
    c.issuer = ISSUER.to_owned();
    c.audience = AUDIENCE.to_owned();
    c.patient_birth_date = Some("1960-02-29".to_owned());
    c.patient_family_name = Some("Demo-Patient".to_owned());
    c
}

fn launch(dir: &Path) {
    let keys = [
        ("hs", SigningKey::hs256(HS256_SECRET).unwrap()),
        ("ed", SigningKey::ed25519_from_seed(&ED25519_SEED).unwrap()),
        ("rs", SigningKey::rs256_from_pkcs8(RSA_PKCS8).unwrap()),
    ];
    for (kid, key) in &keys {
        let token = launch::mint(&context(NOW - 10), kid, key).unwrap();
        put(dir, &format!("valid-{kid}"), token.as_bytes());
        let expired = launch::mint(&context(NOW - 4_000), kid, key).unwrap();
        put(dir, &format!("expired-{kid}"), expired.as_bytes());
        let wrong_kid = launch::mint(&context(NOW - 10), "hs", key).unwrap();
        put(dir, &format!("wrong-kid-{kid}"), wrong_kid.as_bytes());
    }
    // Unsigned (alg none), as GP Connect consumers send.
    put(
        dir,
        "unsigned",
        b"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2NvbnN1bWVyLmV4YW1wbGUiLCJzdWIiOiIxIiwiYXVkIjoiaHR0cHM6Ly9wcm92aWRlci5leGFtcGxlIiwiZXhwIjoxNzk1MDAwMzAwLCJpYXQiOjE3OTUwMDAwMDAsInJlYXNvbl9mb3JfcmVxdWVzdCI6ImRpcmVjdGNhcmUifQ.",
    );
}

fn policy(dir: &Path) {
    let text = serde_json::to_string_pretty(&Policy::default_uk().unwrap()).unwrap();
    put(dir, "default", text.as_bytes());
}

fn audit_log(dir: &Path) {
    let path = std::env::temp_dir().join(format!("icr-seed-audit-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);
    {
        let log = Arc::new(FileAuditLog::open(&path, fixtures::audit_key()).unwrap());
        let icr = demo::builder(log).unwrap().build();
        let policy = Policy::default_uk().unwrap();
        let now = jiff::Timestamp::now().as_second();
        let patient = icr_core::demo::patient().unwrap();
        let token = demo::token(&policy, "nurse", Relationship::None, patient, now).unwrap();
        let session = icr.open_session(&token).unwrap();
        let _ = session.summary(fixtures::demo_record());
        session.break_glass("patient unconscious in ED").unwrap();
        session.summary(fixtures::demo_record()).unwrap();
        let _ = icr.open_session(&token);
    }
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    put(dir, "session", &bytes);
    put(dir, "torn-tail", &bytes[..bytes.len() - 40]);
}

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "<svg><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "</section></li><h1>x</h1><!--",
    "javascript:alert(1)",
    "&lt;&#x3C;\r\n\0\u{feff}",
    "SMITH\r\n== FORGED ==\u{1b}[2J\u{1b}[31m\u{7}\u{8}",
    "abc\u{202e}fed\u{2066}\u{85}\u{2028}x",
];

fn panel(dir: &Path) {
    for (i, p) in PAYLOADS.iter().enumerate() {
        let others: Vec<(u16, &str)> = (0..8).map(|k| (k * 37 + i as u16, *p)).collect();
        put(
            dir,
            &format!("payload-{i}"),
            &render::encode(i % 2 == 1, p, &others),
        );
    }
}

fn responses(dir: &Path) {
    let now = 1_795_000_000;
    let page = br#"{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"https://source.example/fhir/Condition?page=2"}],"entry":[{"fullUrl":"https://source.example/fhir/Condition/1","resource":{"resourceType":"Condition","id":"1","subject":{"reference":"Patient/p"}},"search":{"mode":"match"}},{"resource":{"resourceType":"Patient","id":"p"},"search":{"mode":"include"}},{"resource":{"resourceType":"OperationOutcome"},"search":{"mode":"outcome"}}]}"#;
    let spine = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","details":{"coding":[{"system":"https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1","code":"PATIENT_NOT_FOUND"}]}}]}"#;
    let seeds: [(&str, Vec<u8>); 5] = [
        (
            "page",
            fetch_response::encode(200, now, "application/fhir+json; charset=utf-8", "", page),
        ),
        (
            "spine-404",
            fetch_response::encode(404, now, "application/fhir+json", "", spine),
        ),
        (
            "retry-seconds",
            fetch_response::encode(503, now, "text/html", "120", b"<html>busy</html>"),
        ),
        (
            "retry-date",
            fetch_response::encode(
                429,
                now,
                "application/json",
                "Sun, 06 Nov 1994 08:49:37 GMT",
                b"{}",
            ),
        ),
        (
            "retry-asctime",
            fetch_response::encode(429, now, "", "Sun Nov  6 08:49:37 1994", b""),
        ),
    ];
    for (name, bytes) in seeds {
        put(dir, name, &bytes);
    }
}
