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

/// A lone resource (a UK Core or HL7 example) as a source sends one about its patient: in
/// a collection Bundle beside a Patient with an NHS number, its subject pointed at that
/// Patient. Anything else as it is.
pub(crate) fn with_a_patient(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return bytes;
    };
    for field in ["subject", "patient"] {
        if let Some(reference) = doc.get_mut(field).and_then(|s| s.get_mut("reference")) {
            *reference = serde_json::json!("Patient/bench");
        }
    }
    match doc.get("resourceType").and_then(|t| t.as_str()) {
        None | Some("Bundle" | "Patient") => bytes,
        Some(_) => {
            let patient = serde_json::json!({
                "resourceType": "Patient",
                "id": "bench",
                "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": BENCH_NHS}],
            });
            let bundle = serde_json::json!({
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": patient}, {"resource": doc}],
            });
            serde_json::to_vec_pretty(&bundle).unwrap_or(bytes)
        }
    }
}

/// Gives the first Patient an NHS number when it has none.
pub(crate) fn with_nhs_number(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return bytes;
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("https://fhir.nhs.uk/Id/nhs-number") {
        return bytes;
    }
    let patient = doc
        .get_mut("entry")
        .and_then(|e| e.as_array_mut())
        .and_then(|entries| {
            entries
                .iter_mut()
                .filter_map(|e| e.get_mut("resource"))
                .find(|r| r.get("resourceType").and_then(|t| t.as_str()) == Some("Patient"))
        });
    let Some(serde_json::Value::Object(p)) = patient else {
        return bytes;
    };
    let ids = p
        .entry("identifier")
        .or_insert_with(|| serde_json::json!([]));
    if let Some(ids) = ids.as_array_mut() {
        ids.push(
            serde_json::json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": BENCH_NHS}),
        );
    }
    // Pretty-printed like the Synthea original, so the bytes measured stay comparable.
    serde_json::to_vec_pretty(&doc).unwrap_or(bytes)
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
