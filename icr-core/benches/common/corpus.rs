//! Corpus files as the benchmarks measure them: a Synthea or R4 patient without an NHS
//! number is given one (a session needs its patient), and a session of the demo ICR for
//! the patient each file is about.

use std::sync::Arc;

use icr_core::audit::{AuditKey, MemoryAuditLog};
use icr_core::launch::Relationship;
use icr_core::session::{Session, demo};
use icr_core::{IngestOptions, NhsNumber, ingest};

/// The NHS number given to a corpus patient that has none (a valid test number).
pub(crate) const BENCH_NHS: &str = "9990000018";

/// The identifier of the NHS number a corpus patient is given.
fn nhs_identifier() -> String {
    format!(r#"{{"system": "{NHS_SYSTEM}", "value": "{BENCH_NHS}"}}"#)
}

const NHS_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// A lone resource (a UK Core or HL7 example) as a source sends one about its patient: in
/// a collection Bundle beside a Patient with an NHS number, its subject pointed at that
/// Patient. Anything else as it is. Written as text around the original bytes, so the
/// resource keeps its members in their order (`resourceType` first or not, as the
/// example has it): a re-serialised document would sort them and measure another file.
pub(crate) fn with_a_patient(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return bytes;
    };
    if matches!(
        doc.get("resourceType").and_then(|t| t.as_str()),
        None | Some("Bundle" | "Patient")
    ) {
        return bytes;
    }
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    for field in ["subject", "patient"] {
        let reference = doc.get(field).and_then(|s| s.get("reference"));
        if let Some(serde_json::Value::String(r)) = reference {
            text = text.replace(&format!("\"{r}\""), "\"Patient/bench\"");
        }
    }
    let patient = format!(
        r#"{{"resourceType": "Patient", "id": "bench", "identifier": [{}]}}"#,
        nhs_identifier()
    );
    format!(
        r#"{{"resourceType": "Bundle", "type": "collection", "entry": [{{"resource": {patient}}}, {{"resource": {text}}}]}}"#
    )
    .into_bytes()
}

/// Gives the first Patient an NHS number when it has none, by inserting it into the text
/// (first in its `identifier` list, or as a new first member), so nothing else moves.
pub(crate) fn with_nhs_number(bytes: Vec<u8>) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if text.contains(NHS_SYSTEM) {
        return bytes;
    }
    let patient = [
        "\"resourceType\": \"Patient\"",
        "\"resourceType\":\"Patient\"",
    ]
    .iter()
    .filter_map(|p| text.find(p))
    .min();
    let Some(at) = patient else {
        return bytes;
    };
    let next_resource = text
        .get(at + 1..)
        .and_then(|t| t.find("\"resourceType\""))
        .map_or(text.len(), |n| at + 1 + n);
    let list = text
        .get(at..next_resource)
        .and_then(|t| t.find("\"identifier\""))
        .and_then(|i| {
            text.get(at + i..)
                .and_then(|t| t.find('['))
                .map(|b| at + i + b + 1)
        });
    let open = text.get(..at).and_then(|t| t.rfind('{')).map(|o| o + 1);
    match (list, open) {
        (Some(list), _) => text.insert_str(list, &format!("{},", nhs_identifier())),
        (None, Some(open)) => {
            text.insert_str(open, &format!(r#""identifier": [{}], "#, nhs_identifier()));
        }
        (None, None) => return bytes,
    }
    text.into_bytes()
}

/// The patient of a document, for the session.
pub(crate) fn patient_of(bytes: &[u8]) -> Option<NhsNumber> {
    ingest(bytes, &IngestOptions::default())
        .ok()?
        .nhs_number()
        .cloned()
}

/// A GP's session of the demo ICR (in-memory audit) for `patient`.
pub(crate) fn session_for(patient: NhsNumber) -> Option<Session> {
    let key = AuditKey::from_bytes(&[7u8; 32]).ok()?;
    let icr = demo::icr(Arc::new(MemoryAuditLog::new(key))).ok()?;
    let now = jiff::Timestamp::now().as_second();
    let token = demo::token(icr.policy(), "gp", Relationship::RegisteredGp, patient, now).ok()?;
    icr.open_session(&token).ok()
}
