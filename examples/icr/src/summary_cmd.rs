//! `icr summary [--json] FILE...` and `icr demo`: ingest sources, merge, summarise.

use std::path::PathBuf;

use icr_core::model::{CareSetting, Organisation};
use icr_core::{
    FailedSource, IngestError, IngestOptions, SharedCareRecord, SourceStatus, ingest, merge,
};

/// A source to read: its bytes and, when known, who supplies it.
pub struct Input {
    pub label: String,
    pub bytes: Result<Vec<u8>, String>,
    pub organisation: Option<Organisation>,
}

/// Reads files as sources.
pub fn from_files(files: &[PathBuf]) -> Vec<Input> {
    files
        .iter()
        .map(|f| Input {
            label: f.display().to_string(),
            bytes: std::fs::read(f).map_err(|e| format!("cannot read file: {}", e.kind())),
            organisation: None,
        })
        .collect()
}

/// The built-in demo sources.
pub fn from_demo() -> Vec<Input> {
    icr_core::demo::sources()
        .into_iter()
        .map(|s| Input {
            label: s.file.to_owned(),
            bytes: Ok(s.json.to_vec()),
            organisation: Some(s.organisation),
        })
        .collect()
}

/// Ingests and merges; the first source with a valid NHS number sets the patient, and a
/// source about anyone else is shown as an identity mismatch, never mixed in.
pub fn record(inputs: Vec<Input>) -> SharedCareRecord {
    let mut records = Vec::new();
    let mut failures = Vec::new();
    let mut expected = None;
    for input in inputs {
        let unknown = || Organisation {
            ods_code: None,
            name: input.label.clone(),
            care_setting: CareSetting::Unknown,
        };
        let bytes = match &input.bytes {
            Ok(b) => b,
            Err(e) => {
                failures.push(FailedSource {
                    organisation: input.organisation.clone().unwrap_or_else(unknown),
                    status: SourceStatus::Unavailable,
                    reason: e.clone(),
                });
                continue;
            }
        };
        let options = IngestOptions {
            expected_patient: expected.clone(),
            organisation: input.organisation.clone(),
            ..IngestOptions::default()
        };
        match ingest(bytes, &options) {
            Ok(record) => {
                if expected.is_none() {
                    expected = record.nhs_number().cloned();
                }
                records.push(record);
            }
            Err(e) => failures.push(FailedSource {
                organisation: input.organisation.clone().unwrap_or_else(unknown),
                status: match e {
                    IngestError::PatientMismatch { .. } => SourceStatus::IdentityMismatch,
                    IngestError::TooLarge { .. } => SourceStatus::TooLarge,
                    _ => SourceStatus::InvalidResponse,
                },
                reason: e.to_string(),
            }),
        }
    }
    merge(records, failures)
}
