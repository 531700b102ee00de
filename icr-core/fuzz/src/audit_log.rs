//! Audit-log files of arbitrary bytes: only a verified prefix is ever trusted.

use std::path::PathBuf;

use icr_core::audit::{FileAuditLog, ProblemKind, read_verified, verify_file};

use crate::fixtures::audit_key;

/// A scratch file for this process, on tmpfs when there is one (the log fsyncs).
fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new("/dev/shm");
    let dir = if dir.is_dir() {
        dir.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("icr-fuzz-{}-{name}", std::process::id()))
}

/// Writes `data` as a log file and reads it the three ways the SDK does:
/// - `verify_file`: against no checkpoint, then against its own head, which must add
///   no problem; when the whole log verifies, dropping its last line must be caught as
///   truncation by the head checkpoint;
/// - `read_verified`: exactly the entries before the first problem, never one after;
/// - `FileAuditLog::open`: either refuses and leaves the file as it was, or opens a log
///   that then verifies (a torn tail quarantined and cut).
pub fn audit_log(data: &[u8]) {
    let key = audit_key();
    let path = scratch("log");
    std::fs::write(&path, data).unwrap();

    let report = verify_file(&path, &key, None).unwrap();
    let again = verify_file(&path, &key, Some(&report.head)).unwrap();
    assert_eq!(again.problems, report.problems, "own head adds a problem");

    let prefix = report
        .problems
        .first()
        .map_or(report.entries, |p| p.line.saturating_sub(1));
    match read_verified(&path, &key) {
        Ok(entries) => assert_eq!(entries.len() as u64, prefix, "verified prefix"),
        Err(e) => panic!("read_verified failed on a readable file: {e}"),
    }

    if report.is_verified() && report.entries > 0 {
        let cut = data[..data.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        std::fs::write(&path, &data[..cut]).unwrap();
        let shorter = verify_file(&path, &key, Some(&report.head)).unwrap();
        assert!(
            shorter
                .problems
                .iter()
                .any(|p| matches!(p.kind, ProblemKind::Truncated { .. })),
            "a dropped last entry is not caught by the checkpoint"
        );
        std::fs::write(&path, data).unwrap();
    }

    match FileAuditLog::open(&path, key) {
        Ok(log) => {
            drop(log);
            let after = verify_file(&path, &audit_key(), None).unwrap();
            assert!(after.is_verified(), "an opened log does not verify");
            if let Some(q) = quarantine_files(&path) {
                for f in q {
                    let _ = std::fs::remove_file(f);
                }
            }
        }
        Err(_) => assert_eq!(std::fs::read(&path).unwrap(), data, "refused log changed"),
    }
    let _ = std::fs::remove_file(&path);
}

/// Quarantine files `open` may have written beside the log.
fn quarantine_files(path: &std::path::Path) -> Option<Vec<PathBuf>> {
    let dir = path.parent()?;
    let name = path.file_name()?.to_str()?.to_owned();
    let found = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{name}.quarantine-")))
        })
        .collect();
    Some(found)
}
