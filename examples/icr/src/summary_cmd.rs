//! `icr summary [--json] FILE...` and `icr demo`: ingest sources, merge, summarise.

use std::io::Read;
use std::path::{Path, PathBuf};

use icr_core::ingest::DEFAULT_MAX_BYTES;
use icr_core::model::{CareSetting, Organisation};
use icr_core::{
    FailedSource, IngestError, IngestOptions, NhsNumber, SharedCareRecord, SourceStatus, ingest,
    merge,
};

/// A source to read: its bytes and, when known, who supplies it.
pub(crate) struct Input {
    pub label: String,
    pub bytes: Result<Vec<u8>, String>,
    pub organisation: Option<Organisation>,
}

/// Reads files as sources.
pub(crate) fn from_files(files: &[PathBuf]) -> Vec<Input> {
    files
        .iter()
        .map(|f| Input {
            label: f.display().to_string(),
            bytes: read_capped(f, DEFAULT_MAX_BYTES),
            organisation: None,
        })
        .collect()
}

/// Reads at most `max` bytes: a larger file (or an endless one, `/dev/zero`) is refused
/// after `max + 1` bytes, never read whole.
fn read_capped(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read file: {}", e.kind()))?;
    let declared = file.metadata().map(|m| m.len()).unwrap_or(0);
    let too_large = || {
        format!(
            "the file is larger than the {} MiB accepted",
            max / (1024 * 1024)
        )
    };
    if declared > max as u64 {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read file: {}", e.kind()))?;
    if bytes.len() > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The patient the first readable source is about, refusing a source that holds several
/// patients (the command cannot know which is meant: say so with `--patient`).
pub(crate) fn first_patient(inputs: &[Input]) -> Result<Option<NhsNumber>, String> {
    for input in inputs {
        let Ok(bytes) = &input.bytes else { continue };
        let Ok(record) = ingest(bytes, &IngestOptions::default()) else {
            continue;
        };
        let patients = record
            .report()
            .resources_read
            .get("Patient")
            .copied()
            .unwrap_or(0);
        if patients > 1 {
            return Err(format!(
                "{} holds {patients} Patient resources: name the patient with --patient NHS_NUMBER",
                input.label
            ));
        }
        if let Some(n) = record.nhs_number() {
            return Ok(Some(n.clone()));
        }
    }
    Ok(None)
}

/// The built-in demo sources.
pub(crate) fn from_demo() -> Vec<Input> {
    icr_core::demo::sources()
        .into_iter()
        .map(|s| Input {
            label: s.file.to_owned(),
            bytes: Ok(s.json.into_bytes()),
            organisation: Some(s.organisation),
        })
        .collect()
}

/// What `icr summary` shows: the summary, or the same view as a FHIR document.
pub(crate) enum Shown {
    /// The summary (text, JSON, the panel page).
    Summary(Box<icr_core::PatientSummary>),
    /// The International Patient Summary Bundle (`--fhir`), as JSON text.
    Fhir(String),
}

/// `icr summary`: reads the files for the patient the session is about (the token's, or
/// `--patient`, or the first source's when that is unambiguous), then decides and audits;
/// with `fhir`, the view is the FHIR document.
pub(crate) fn run(
    files: &[PathBuf],
    patient: Option<&str>,
    args: &crate::view::ViewArgs,
    fhir: bool,
) -> Result<Shown, String> {
    let inputs = from_files(files);
    let store = crate::view::store(args)?;
    let clock = crate::view::clock(args.as_of)?;
    let now = clock();
    let icr = crate::view::icr(&store, clock)?;
    let (session, patient) = match (&args.token, patient) {
        (Some(token), _) => {
            let session = icr.open_session(token).map_err(|e| e.to_string())?;
            let patient = session.context().patient.clone();
            (Some(session), Some(patient))
        }
        (None, Some(p)) => (
            None,
            Some(NhsNumber::parse(p.trim()).map_err(
                |_| "--patient is not a valid NHS number (ten digits with a valid check digit)",
            )?),
        ),
        (None, None) => (None, first_patient(&inputs)?),
    };
    let record = record(inputs, patient);
    let session = match session {
        Some(s) => s,
        None => crate::view::open(&icr, args, &record, now)?,
    };
    if fhir {
        session.summary_fhir(&record).map(Shown::Fhir)
    } else {
        session
            .summary(&record)
            .map(|s| Shown::Summary(Box::new(s)))
    }
    .map_err(|e| e.to_string())
}

/// Ingests and merges every source for `patient` (as a session does: a source about
/// anyone else is an identity mismatch, never mixed in); without one, the first source
/// with a valid NHS number sets the patient.
pub(crate) fn record(inputs: Vec<Input>, patient: Option<NhsNumber>) -> SharedCareRecord {
    let mut records = Vec::new();
    let mut failures = Vec::new();
    let mut expected = patient;
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
