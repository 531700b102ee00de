//! The `icr` command on the region's database (issue #15): many `icr` processes, as many
//! host systems, write one audit chain and share the session state; the audit
//! subcommands read the whole region from it. A real PostgreSQL server is started on
//! loopback for this test binary (`tests/support/src/database.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use icr_test_support::database as pg;

use std::process::{Command, Output};

use icr_core::demo::PATIENT_NHS_NUMBER as NHS;
use icr_test_support::audit::key_hex;
use icr_test_support::json::shown;
use icr_test_support::process::{stderr, stdout};
use serde_json::Value;

const DAY: &str = "2026-11-25";

fn icr(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_icr"))
        .args(args)
        .env("ICR_AUDIT_KEY", key_hex())
        .env("ICR_DATABASE_URL", database)
        .output()
        .unwrap()
}

#[test]
fn many_icr_processes_write_one_chain_and_the_report_covers_them_all() {
    let url = pg::server().fresh_database("cli_region");
    // Eight processes at once, five views each (a GP's summary: session opened, record
    // viewed), all on the database named by ICR_DATABASE_URL.
    let children: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| {
                        icr(&url, &["demo", "--json", "--as-of", DAY])
                            .status
                            .success()
                    })
                    .filter(|ok| *ok)
                    .count()
            })
        })
        .collect();
    let succeeded: usize = children.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(succeeded, 40);
    let verify = icr(&url, &["audit", "verify", "--json"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    let report: Value = serde_json::from_str(&stdout(&verify)).unwrap();
    assert_eq!(report["entries"], 80);
    assert_eq!(report["head"]["seq"], 80);
    let access = icr(&url, &["audit", "report", "--patient", NHS, "--json"]);
    assert!(access.status.success());
    let lines: Vec<Value> = serde_json::from_str(&stdout(&access)).unwrap();
    assert_eq!(lines.len(), 80, "every view from every process");
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["kind"] == "record_viewed")
            .count(),
        40
    );
}

#[test]
fn a_token_presented_at_a_second_process_is_refused() {
    let url = pg::server().fresh_database("cli_replay");
    let token = icr(
        &url,
        &["token", "--as", "gp", "--relationship", "registered-gp"],
    );
    let token = stdout(&token).trim().to_owned();
    let first = icr(&url, &["demo", "--json", "--token", &token]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = icr(&url, &["demo", "--json", "--token", &token]);
    assert!(!second.status.success());
    assert!(stderr(&second).contains("already"));
    let alerts = icr(&url, &["audit", "alerts", "--json"]);
    let alerts: Vec<Value> = serde_json::from_str(&stdout(&alerts)).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["record"]["reason"], "launch-replayed");
}

#[test]
fn emergency_access_from_one_process_is_seen_by_another_and_expires_for_both() {
    let url = pg::server().fresh_database("cli_break_glass");
    let view = |extra: &[&str], day: &str| {
        let mut args = vec![
            "demo",
            "--json",
            "--as",
            "hospital-doctor",
            "--relationship",
            "none",
            "--as-of",
            day,
        ];
        args.extend_from_slice(extra);
        let out = icr(&url, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        shown(&stdout(&out))
    };
    assert_eq!(view(&[], DAY), 0, "no relationship: withheld");
    assert!(
        view(
            &["--break-glass", "Unconscious in ED, no history available"],
            DAY
        ) > 0
    );
    assert!(view(&[], DAY) > 0, "the grant is seen by the next process");
    assert_eq!(
        view(&[], "2026-11-26"),
        0,
        "and has expired for it the next day"
    );
}
