//! Launch from NHS CIS2 identity, whole flow through the `icr` command: `icr token
//! --cis2 USERINFO.json` mints a launch token carrying the CIS2 userinfo claims, and
//! `icr summary --token … --json` opens the session from it. The role the session used
//! is read back from the audit log the command wrote.
//!
//! The `icr` binary is another package's: it is found beside this test binary (built by
//! `cargo test --workspace`), or built once with `cargo build -p icr` when absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use icr_test_support::audit::key_hex;
use icr_test_support::process::{stderr, stdout};
use icr_test_support::temp::TempDir;

use super::workspace_root;

/// The demo GP practice's record and its patient.
const GP_RECORD: &str = "icr-core/demo/gp-practice.gpconnect-stu3.json";
const PATIENT: &str = "9990000026";
const USERINFO: &str = "examples/icr/cis2-userinfo.example.json";

fn icr_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test binary's path");
        // target/<profile>/deps/<test binary>
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .expect("the profile folder");
        let binary = profile.join(format!("icr{}", std::env::consts::EXE_SUFFIX));
        if !binary.is_file() {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut build = Command::new(cargo);
            build
                .args(["build", "-q", "-p", "icr", "--bin", "icr"])
                .current_dir(workspace_root());
            if profile.file_name().is_some_and(|n| n == "release") {
                build.arg("--release");
            }
            let status = build.status().expect("cargo build -p icr");
            assert!(status.success(), "could not build the icr command");
        }
        binary
    })
}

fn icr(dir: &TempDir, args: &[&str]) -> Output {
    Command::new(icr_binary())
        .args(args)
        .current_dir(dir.root())
        .env("ICR_AUDIT_KEY", key_hex())
        .env_remove("ICR_DATABASE_URL")
        .output()
        .expect("run icr")
}

/// The sample userinfo with `selected_roleid` set to `role`, written into `dir`.
fn userinfo_selecting(dir: &TempDir, role: &str) -> PathBuf {
    let text = std::fs::read_to_string(workspace_root().join(USERINFO)).unwrap();
    let mut info: serde_json::Value = serde_json::from_str(&text).unwrap();
    info["selected_roleid"] = serde_json::json!(role);
    let path = dir.root().join(format!("userinfo-{role}.json"));
    std::fs::write(&path, info.to_string()).unwrap();
    path
}

/// Mints a CIS2 token, opens `icr summary` with it; returns the summary JSON and the
/// session-opened audit entry.
fn view_as(dir: &TempDir, userinfo: &Path) -> (serde_json::Value, serde_json::Value) {
    let minted = icr(
        dir,
        &[
            "token",
            "--cis2",
            userinfo.to_str().unwrap(),
            "--patient",
            PATIENT,
        ],
    );
    assert!(minted.status.success(), "{}", stderr(&minted));
    let token = stdout(&minted).trim().to_owned();
    let record = workspace_root().join(GP_RECORD);
    let shown = icr(
        dir,
        &[
            "summary",
            "--token",
            &token,
            "--audit",
            "audit.log",
            "--json",
            record.to_str().unwrap(),
        ],
    );
    assert!(shown.status.success(), "{}", stderr(&shown));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    let log = std::fs::read_to_string(dir.root().join("audit.log")).unwrap();
    let opened = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .rfind(|entry| entry.to_string().contains(r#""kind":"session_opened""#))
        .expect("a session-opened entry");
    (summary, opened)
}

#[test]
fn the_selected_cis2_role_is_the_sessions_role() {
    let dir = TempDir::new("cis2-gp");
    let (summary, opened) = view_as(&dir, &workspace_root().join(USERINFO));
    let text = opened.to_string();
    // the sample selects the GP role at the practice (R8000 with job role R0260)
    assert!(text.contains(r#""role":"gp""#), "{text}");
    assert!(text.contains(r#""organisation":"Y90001""#), "{text}");
    assert!(text.contains(r#""user_id":"555000000002""#), "{text}");
    assert_eq!(
        summary["patient"]["nhs_number"], PATIENT,
        "{}",
        summary["patient"]
    );

    // the same user signed in with their nurse role is a nurse
    let dir = TempDir::new("cis2-nurse");
    let (_, opened) = view_as(&dir, &userinfo_selecting(&dir, "555000000011"));
    let text = opened.to_string();
    assert!(text.contains(r#""role":"nurse""#), "{text}");
    assert!(text.contains(r#""role_profile":"R8001""#), "{text}");
}

#[test]
fn an_unknown_selected_role_is_refused_and_shows_nothing() {
    let dir = TempDir::new("cis2-unknown");
    let path = userinfo_selecting(&dir, "555000000099");
    let minted = icr(
        &dir,
        &[
            "token",
            "--cis2",
            path.to_str().unwrap(),
            "--patient",
            PATIENT,
        ],
    );
    assert!(minted.status.success(), "{}", stderr(&minted));
    let token = stdout(&minted).trim().to_owned();
    let record = workspace_root().join(GP_RECORD);
    let shown = icr(
        &dir,
        &[
            "summary",
            "--token",
            &token,
            "--audit",
            "audit.log",
            "--json",
            record.to_str().unwrap(),
        ],
    );
    assert!(!shown.status.success());
    assert!(
        stderr(&shown).contains("not one of the user's roles"),
        "{}",
        stderr(&shown)
    );
    assert!(stdout(&shown).is_empty(), "nothing is shown");
}
