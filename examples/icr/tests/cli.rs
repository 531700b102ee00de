//! The `icr` command as an attacker or a careless integrator would run it (issue #14):
//! each test runs the built binary in a fresh folder and checks its exit status, what
//! it printed, and what it left on disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use icr_test_support::audit::key_hex;
use icr_test_support::process::{stderr, stdout};
use icr_test_support::temp::TempDir;

const NHS: &str = "9990000026";

fn icr(dir: &TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_icr"))
        .args(args)
        .current_dir(dir.root())
        .env("ICR_AUDIT_KEY", key_hex())
        .output()
        .unwrap()
}

fn bundle(patients: &[(&str, &str)]) -> String {
    let entries: Vec<String> = patients
        .iter()
        .enumerate()
        .map(|(i, (nhs, family))| {
            format!(
                r#"{{"resource":{{"resourceType":"Patient","id":"p{i}","identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{nhs}"}}],"name":[{{"family":{},"given":["Alex"]}}],"birthDate":"1980-02-01"}}}}"#,
                serde_json::to_string(family).unwrap()
            )
        })
        .collect();
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    )
}

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_planted_file_or_symlink_at_the_audit_path_is_refused_and_left_untouched() {
    let dir = TempDir::new("planted");
    let record = write(&dir, "gp.json", &bundle(&[(NHS, "Example")]));
    let planted = write(&dir, "icr-audit.log", "secret-token-value\n");
    let out = icr(&dir, &["summary", s(&record)]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("not an audit log"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&planted).unwrap(),
        "secret-token-value\n"
    );
    let names: Vec<_> = std::fs::read_dir(dir.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "nothing created beside it: {names:?}");
    #[cfg(unix)]
    {
        let secret = write(&dir, "token.txt", "secret\n");
        let link = dir.path("linked.log");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let out = icr(&dir, &["summary", "--audit", s(&link), s(&record)]);
        assert_ne!(out.status.code(), Some(0));
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret\n");
    }
}

#[test]
fn record_text_cannot_drive_the_terminal_or_forge_a_line() {
    let dir = TempDir::new("escapes");
    let family = "Example\r\n== NHS No. 000 000 0000 ==\u{1b}[2J\u{1b}[31m\u{7}\u{202e}";
    let record = write(&dir, "gp.json", &bundle(&[(NHS, family)]));
    let out = icr(&dir, &["summary", s(&record)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'));
    assert!(!text.lines().any(|l| l.starts_with("== NHS No.")), "{text}");
    assert!(
        text.contains("\u{241b}[2J"),
        "the escape is shown, not obeyed"
    );
}

#[test]
fn a_file_that_cannot_be_read_says_why() {
    let dir = TempDir::new("causes");
    let broken = write(&dir, "broken.json", "{\"resourceType\": \"Bundle\", ");
    let out = icr(&dir, &["summary", s(&broken)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no source could be read"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("JSON"),
        "the real cause: {}",
        stderr(&out)
    );
    #[cfg(unix)]
    {
        let out = icr(&dir, &["summary", "/dev/zero"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("larger than the 64 MiB"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_bundle_of_several_patients_needs_the_patient_named_and_then_shows_that_patient() {
    let dir = TempDir::new("patients");
    let many = write(
        &dir,
        "many.json",
        &bundle(&[
            ("9434765919", "Other"),
            ("9434765870", "Another"),
            (NHS, "Example"),
        ]),
    );
    let out = icr(&dir, &["summary", s(&many)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--patient"), "{}", stderr(&out));
    let out = icr(&dir, &["summary", "--patient", NHS, "--json", s(&many)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["patient"]["nhs_number"], NHS);
    assert!(
        summary["patient"]["name"]
            .as_str()
            .unwrap()
            .contains("EXAMPLE")
    );
}

#[test]
fn a_presented_token_is_verified_and_a_long_lived_one_is_refused() {
    let dir = TempDir::new("tokens");
    let record = write(&dir, "gp.json", &bundle(&[(NHS, "Example")]));
    let token = stdout(&icr(&dir, &["token", "--as", "nurse", "--patient", NHS]));
    let out = icr(
        &dir,
        &["summary", "--token", token.trim(), "--json", s(&record)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let long = stdout(&icr(
        &dir,
        &["token", "--patient", NHS, "--expires-in", "315360000"],
    ));
    let out = icr(&dir, &["summary", "--token", long.trim(), s(&record)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("lifetime"), "{}", stderr(&out));
}

#[test]
fn an_edited_last_audit_entry_is_caught_by_the_checkpoint_beside_the_log() {
    let dir = TempDir::new("checkpoint");
    let record = write(&dir, "gp.json", &bundle(&[(NHS, "Example")]));
    for _ in 0..2 {
        assert_eq!(icr(&dir, &["summary", s(&record)]).status.code(), Some(0));
    }
    let log = dir.path("icr-audit.log");
    assert!(dir.path("icr-audit.log.checkpoint").is_file());
    let text = std::fs::read_to_string(&log).unwrap();
    let last = text.lines().last().unwrap();
    let tampered = text.replace(last, &last.replace("record_viewed", "access_denied"));
    assert_ne!(tampered, text);
    std::fs::write(&log, &tampered).unwrap();
    let out = icr(&dir, &["summary", s(&record)]);
    assert_ne!(
        out.status.code(),
        Some(0),
        "refused, not quietly quarantined"
    );
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        tampered,
        "nothing cut"
    );
    let out = icr(&dir, &["audit", "verify", s(&log)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("NOT VERIFIED"), "{}", stdout(&out));
}

#[test]
fn fetching_when_every_source_is_down_says_nothing_was_received_and_fails() {
    let dir = TempDir::new("down");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let directory = write(
        &dir,
        "directory.json",
        &format!(
            r#"{{"deadline_ms":2000,"consumer":{{"asid":"200000000359"}},"sources":[
            {{"ods_code":"R9A","name":"Northgate Hospital","care_setting":"acute","kind":"fhir-r4","base_url":"http://127.0.0.1:{port}/fhir"}}]}}"#
        ),
    );
    let out = icr(&dir, &["fetch", "--directory", s(&directory), NHS]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("NOTHING RECEIVED"), "{text}");
    assert!(!text.contains("none recorded"), "{text}");
    assert!(stderr(&out).contains("nothing was received"));
}

#[cfg(unix)]
#[test]
fn a_device_is_not_a_verified_audit_log() {
    let dir = TempDir::new("devzero");
    let out = icr(&dir, &["audit", "verify", "/dev/zero"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(!stdout(&out).contains("verified"), "{}", stdout(&out));
}

#[test]
fn an_as_of_date_the_clock_cannot_stand_at_is_an_error_not_today() {
    let dir = TempDir::new("asof");
    let record = write(&dir, "gp.json", &bundle(&[(NHS, "Example")]));
    for day in ["9999-12-31", "0001-01-01"] {
        let out = icr(&dir, &["summary", "--as-of", day, s(&record)]);
        assert_eq!(out.status.code(), Some(1), "{day}");
        assert!(
            stderr(&out).contains("outside the dates supported"),
            "{}",
            stderr(&out)
        );
    }
    let out = icr(
        &dir,
        &["summary", "--as-of", "2026-11-25", "--json", s(&record)],
    );
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(summary["as_of"], "2026-11-25");
}

#[test]
fn odd_values_are_refused_or_flagged_never_shown_as_facts() {
    let dir = TempDir::new("odd");
    let json = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
        {{"resource":{{"resourceType":"Patient","id":"p","identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{NHS}"}}],
          "name":[{{"family":"Example"}}],"gender":"\u001b[31mattack","deceasedDateTime":"yesterday"}}}},
        {{"resource":{{"resourceType":"Observation","id":"o","status":"final","subject":{{"reference":"Patient/p"}},
          "code":{{"text":"Weight"}},"effectiveDateTime":"2024-01-01","valueQuantity":{{"value":1e400,"unit":"kg"}}}}}},
        {{"resource":{{"resourceType":"Condition","resourceType":"Observation","id":"twice","subject":{{"reference":"Patient/p"}}}}}},
        {{"resource":{{"resourceType":"<script>Evil\u0007","id":"x"}}}}]}}"#
    );
    let record = write(&dir, "odd.json", &json);
    let out = icr(&dir, &["ingest", "--json", s(&record)]);
    let report = stdout(&out);
    assert!(!report.contains("<script>"), "{report}");
    assert!(report.contains("duplicate field"), "{report}");
    let out = icr(&dir, &["summary", "--json", s(&record)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        summary["patient"]["gender"].is_null(),
        "an invalid gender is not shown"
    );
    assert_eq!(summary["patient"]["deceased"], "deceased");
    let text = stdout(&out);
    assert!(
        text.contains("1e400 (not a valid number, as recorded)"),
        "{text}"
    );
    assert!(
        text.contains("invalid-date") && text.contains("invalid-value"),
        "{text}"
    );
}

/// A web EPR's worker processes share one `--audit` file (issue #15): eight `icr demo`
/// processes at once, five times over, each appending its views to the same log. Every
/// run succeeds and the log verifies with every entry (8 per run).
#[test]
fn many_processes_share_one_audit_file_without_breaking_its_chain() {
    let dir = TempDir::new("processes");
    let log = dir.path("audit.log");
    let log = log.to_str().unwrap();
    let per_run = {
        let first = icr(&dir, &["demo", "--audit", log]);
        assert!(first.status.success(), "{}", stderr(&first));
        let verified = stdout(&icr(&dir, &["audit", "verify", log]));
        verified
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap()
    };
    for _ in 0..5 {
        let children: Vec<_> = (0..8)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_icr"))
                    .args(["demo", "--audit", log])
                    .current_dir(dir.root())
                    .env("ICR_AUDIT_KEY", key_hex())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    let verify = icr(&dir, &["audit", "verify", log]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    let expected = per_run * (1 + 5 * 8);
    assert!(
        stdout(&verify).starts_with(&format!("verified: {expected} entries")),
        "{} (expected {expected})",
        stdout(&verify)
    );
}
