//! `icr audit verify PATH` and `icr audit report --patient NHS_NUMBER PATH`.

use std::path::Path;

use icr_core::audit::{Checkpoint, patient_access_report_file, verify_file};
use icr_core::render::visible::for_terminal;

/// Verifies the whole log (against a checkpoint file when given); 0 only when it does.
pub fn verify(path: &Path, checkpoint: Option<&Path>, json: bool) -> i32 {
    let key = match crate::view::audit_key() {
        Ok(k) => k,
        Err(e) => return fail(&e),
    };
    // The checkpoint the `icr` command keeps beside the log, unless another is given.
    let beside = crate::view::checkpoint_path(path);
    let checkpoint = checkpoint.or_else(|| beside.is_file().then_some(beside.as_path()));
    let checkpoint: Option<Checkpoint> = match checkpoint.map(std::fs::read_to_string) {
        None => None,
        Some(Ok(text)) => match serde_json::from_str(&text) {
            Ok(c) => Some(c),
            Err(_) => return fail("checkpoint file is not a checkpoint"),
        },
        Some(Err(e)) => return fail(&format!("cannot read checkpoint: {}", e.kind())),
    };
    let report = match verify_file(path, &key, checkpoint.as_ref()) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let set_aside = quarantine_files(path);
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else if report.is_verified() {
        println!(
            "verified: {} entries, head seq {}",
            report.entries, report.head.seq
        );
    } else {
        println!("NOT VERIFIED: {} entries read", report.entries);
        for p in &report.problems {
            let seq = p.seq.map(|s| format!(" (seq {s})")).unwrap_or_default();
            println!("  line {}{seq}: {}", p.line, p.kind);
        }
    }
    for q in &set_aside {
        eprintln!("icr: lines set aside from this log when it was reopened are kept in {q}");
    }
    i32::from(!report.is_verified())
}

/// Quarantine files beside the log (`<log>.quarantine-<seq>`), by name.
fn quarantine_files(path: &Path) -> Vec<String> {
    let prefix = format!(
        "{}.quarantine-",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    found.sort();
    found
}

/// Who has accessed this patient's record, from the verified part of the log.
pub fn report(path: &Path, patient: &str, json: bool) -> i32 {
    let key = match crate::view::audit_key() {
        Ok(k) => k,
        Err(e) => return fail(&e),
    };
    // Streamed: a million-entry log is read entry by entry, only this patient's kept.
    let lines = match patient_access_report_file(path, &key, patient) {
        Ok(l) => l,
        Err(e) => return fail(&e.to_string()),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&lines).unwrap_or_default()
        );
        return 0;
    }
    println!("Access to this patient's record: {} event(s)", lines.len());
    for l in &lines {
        let who = l.user_name.as_deref().unwrap_or(&l.user_id);
        let kind = serde_json::to_value(l.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let sections = if l.sections.is_empty() {
            String::new()
        } else {
            format!(" [{}]", l.sections.join(", "))
        };
        let reason = l
            .reason
            .as_deref()
            .map(|r| format!(" reason: {r}"))
            .unwrap_or_default();
        // Every field may hold what a user or host typed (a break-glass reason, a name):
        // made visible, so nothing in it can act on the terminal.
        let line = format!(
            "  {} {who} ({}, {}) {kind}{sections}{reason}",
            l.time, l.role, l.organisation
        );
        println!("{}", for_terminal(&line));
    }
    0
}

fn fail(message: &str) -> i32 {
    eprintln!("icr: {message}");
    2
}
