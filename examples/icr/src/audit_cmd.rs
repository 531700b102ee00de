//! `icr audit verify`, `icr audit report --patient NHS_NUMBER` and `icr audit alerts`,
//! each on a log file (`PATH`) or on the region's database (`--database URL`, or
//! `ICR_DATABASE_URL`), through the same reader.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use icr_core::audit::{
    AuditSource, Checkpoint, FileAuditReader, access_report_from, privacy_alerts_from,
};
use icr_core::postgres::Database;
use icr_core::render::visible::for_terminal;

/// Which log to read: a file, or the region's database.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub(crate) struct LogArgs {
    /// The region's PostgreSQL database holding the audit chain of every host.
    #[arg(long, env = "ICR_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// The audit log file.
    path: Option<PathBuf>,
}

/// The region's database, when `args` name it.
pub(crate) fn database(args: &LogArgs) -> Option<Arc<Database>> {
    args.database
        .as_deref()
        .and_then(|url| Database::connect(url).ok())
}

/// The log `args` name, read under `ICR_AUDIT_KEY`.
pub(crate) fn source(args: &LogArgs) -> Result<Box<dyn AuditSource>, String> {
    let key = crate::view::audit_key()?;
    match (&args.database, &args.path) {
        (Some(url), _) => {
            let db = Database::connect(url).map_err(|e| format!("database: {e}"))?;
            Ok(Box::new(db.audit_log(key)))
        }
        (None, Some(path)) => Ok(Box::new(FileAuditReader::new(path, key))),
        (None, None) => Err("name an audit log file or --database".to_owned()),
    }
}

/// Verifies the whole log (against a checkpoint file when given); 0 only when it does.
pub(crate) fn verify(args: &LogArgs, checkpoint: Option<&Path>, json: bool) -> i32 {
    let log = match source(args) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    // The checkpoint the `icr` command keeps beside a log file, unless another is given.
    let beside = args.path.as_deref().map(crate::view::checkpoint_path);
    let beside = beside.filter(|b| args.database.is_none() && b.is_file());
    let checkpoint = checkpoint.or(beside.as_deref());
    let checkpoint: Option<Checkpoint> = match checkpoint.map(std::fs::read_to_string) {
        None => None,
        Some(Ok(text)) => match serde_json::from_str(&text) {
            Ok(c) => Some(c),
            Err(_) => return fail("checkpoint file is not a checkpoint"),
        },
        Some(Err(e)) => return fail(&format!("cannot read checkpoint: {}", e.kind())),
    };
    let report = match log.verify(checkpoint.as_ref()) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let set_aside = match (&args.database, &args.path) {
        (None, Some(path)) => quarantine_files(path),
        _ => Vec::new(),
    };
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
pub(crate) fn report(args: &LogArgs, patient: &str, json: bool) -> i32 {
    let log = match source(args) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    // Streamed: a million-entry log is read entry by entry, only this patient's kept.
    let lines = match access_report_from(&*log, patient) {
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

/// Every emergency access and every refusal, from the verified part of the log: the
/// privacy officer's feed.
pub(crate) fn alerts(args: &LogArgs, json: bool) -> i32 {
    let log = match source(args) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let alerts = match privacy_alerts_from(&*log) {
        Ok(a) => a,
        Err(e) => return fail(&e.to_string()),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&alerts).unwrap_or_default()
        );
        return 0;
    }
    println!("Privacy alerts: {} event(s)", alerts.len());
    for e in &alerts {
        let r = &e.record;
        let code = |v: serde_json::Result<serde_json::Value>| {
            v.ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let line = format!(
            "  seq {} {} {} ({}, {}) {} {} patient {} reason: {}",
            e.seq,
            e.time,
            r.user_name.as_deref().unwrap_or(&r.user_id),
            r.role,
            r.organisation,
            code(serde_json::to_value(r.kind)),
            code(serde_json::to_value(r.outcome)),
            r.patient.as_deref().unwrap_or("-"),
            r.reason.as_deref().unwrap_or("-"),
        );
        println!("{}", for_terminal(&line));
    }
    0
}

fn fail(message: &str) -> i32 {
    eprintln!("icr: {message}");
    2
}
