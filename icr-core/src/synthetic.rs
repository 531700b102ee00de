//! Synthetic FHIR sources for the core's unit tests: a patient and the resources a test
//! gives, ingested as a host's organisation would send them, so tests exercise the real
//! ingest.

use crate::ingest::{IngestOptions, SourceRecord, ingest};
use crate::model::{CareSetting, Entry, Organisation, Sensitivity, WithheldReason};

/// A source of `setting` named `name`, whose patient was born on `born`, holding
/// `resources` (R4 JSON objects about `Patient/p`).
pub(crate) fn source(
    name: &str,
    setting: CareSetting,
    born: &str,
    resources: &[String],
) -> SourceRecord {
    let mut entries = vec![format!(
        r#"{{"resource":{{"resourceType":"Patient","id":"p","birthDate":"{born}","identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}}]}}}}"#
    )];
    entries.extend(resources.iter().map(|r| format!(r#"{{"resource":{r}}}"#)));
    let json = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    );
    let options = IngestOptions {
        organisation: Some(Organisation {
            ods_code: Some(name.to_uppercase().replace(' ', "")),
            name: name.to_owned(),
            care_setting: setting,
        }),
        ..IngestOptions::default()
    };
    ingest(json.as_bytes(), &options).expect("a synthetic source ingests")
}

/// An access decision that lets the viewer see everything, with the item's own labels.
pub(crate) fn everything(_: usize, e: &Entry) -> Result<Vec<Sensitivity>, WithheldReason> {
    Ok(e.sensitivity.clone())
}
