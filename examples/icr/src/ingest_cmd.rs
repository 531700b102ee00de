//! `icr ingest --json FILE...`: one JSON object per file, one per line.

use std::path::PathBuf;

use icr_core::{IngestOptions, ingest};
use serde_json::{Value, json};

/// Runs the command; returns the exit code (1 when any file could not be read at all).
pub(crate) fn run(files: &[PathBuf]) -> i32 {
    let mut code = 0;
    let options = IngestOptions::default();
    for file in files {
        let line = match std::fs::read(file) {
            Err(e) => {
                code = 1;
                failed(file, &format!("cannot read file: {}", e.kind()))
            }
            Ok(bytes) => match ingest(&bytes, &options) {
                Ok(record) => {
                    let report = serde_json::to_value(record.report()).unwrap_or(Value::Null);
                    let mut object = json!({
                        "file": file.display().to_string(),
                        "fhir_version": record.fhir_version(),
                        "organisation": record.organisation(),
                        "warnings": record.warnings(),
                        "error": null,
                    });
                    if let (Value::Object(o), Value::Object(r)) = (&mut object, report) {
                        o.extend(r);
                    }
                    object
                }
                Err(e) => {
                    code = 1;
                    failed(file, &e.to_string())
                }
            },
        };
        println!("{line}");
    }
    code
}

fn failed(file: &std::path::Path, message: &str) -> Value {
    json!({
        "file": file.display().to_string(),
        "resources_read": {},
        "entries": {},
        "skipped": [],
        "warnings": [],
        "error": message,
    })
}
