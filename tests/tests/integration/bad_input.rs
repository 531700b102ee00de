//! Broken and hostile documents: each gives a specific `IngestError`, never a panic, and
//! the error's text (Display and Debug) repeats none of the patient data in the input.
//! No corpus needed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use icr_core::ingest::{DEFAULT_MAX_BYTES, SkipReason};
use icr_core::model::{Entry, Section};
use icr_core::{IngestError, IngestOptions, NhsNumber, SourceRecord};

use crate::host::gp_summary_of;

/// A name and NHS numbers put in the inputs; no error text may contain them.
const NAME: &str = "Zebedee";
const NHS: &str = "9434765919";
const OTHER_NHS: &str = "9990000026";
const PATIENT_DATA: [&str; 5] = [NAME, NHS, "943 476 5919", OTHER_NHS, "999 000 0026"];

/// Runs `ingest`, failing the test on a panic.
fn run(bytes: &[u8], options: &IngestOptions) -> Result<SourceRecord, IngestError> {
    match catch_unwind(AssertUnwindSafe(|| icr_core::ingest(bytes, options))) {
        Ok(result) => result,
        Err(_) => panic!("ingest panicked"),
    }
}

/// Runs `ingest` with default options and returns the error, checked for patient data.
fn refused(bytes: &[u8]) -> IngestError {
    refused_with(bytes, &IngestOptions::default())
}

fn refused_with(bytes: &[u8], options: &IngestOptions) -> IngestError {
    let err = match run(bytes, options) {
        Ok(record) => panic!(
            "expected an error, got a record with {} entries",
            record.report().entries.values().sum::<usize>()
        ),
        Err(e) => e,
    };
    assert_no_patient_data(&err);
    err
}

fn assert_no_patient_data(err: &IngestError) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    for data in PATIENT_DATA {
        assert!(
            !display.contains(data) && !debug.contains(data),
            "error text repeats patient data {data:?}: {display} / {debug}"
        );
    }
    assert!(!display.is_empty());
}

fn patient_json(nhs: &str, id: &str) -> String {
    format!(
        r#"{{"resourceType":"Patient","id":"{id}","identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{nhs}"}}],"name":[{{"family":"{NAME}","given":["Zak"]}}]}}"#
    )
}

#[test]
fn invalid_json_is_invalid_json() {
    let doc = format!(
        r#"{{"resourceType":"Patient","name":[{{"family":"{NAME}"}}],"note":{NAME}, "nhs":{NHS}}}"#
    );
    let err = refused(doc.as_bytes());
    assert!(
        matches!(err, IngestError::InvalidJson { line: 1, .. }),
        "{err:?}"
    );
    // An unquoted value right after a key.
    let doc = format!(r#"{{"resourceType":"Patient","id":{NAME}}}"#);
    assert!(matches!(
        refused(doc.as_bytes()),
        IngestError::InvalidJson { .. }
    ));
    // A scalar that is not valid JSON either.
    assert!(matches!(
        refused(NAME.as_bytes()),
        IngestError::InvalidJson { .. }
    ));
}

#[test]
fn a_json_array_is_not_a_resource() {
    let doc = format!("[{}]", patient_json(NHS, "p"));
    let err = refused(doc.as_bytes());
    assert_eq!(
        err,
        IngestError::NotAResource {
            found: "a JSON array"
        }
    );
    assert!(matches!(
        refused(format!("\"{NAME}\"").as_bytes()),
        IngestError::NotAResource { .. }
    ));
    assert!(matches!(
        refused(NHS.as_bytes()),
        IngestError::NotAResource { .. }
    ));
}

#[test]
fn an_object_without_resource_type_is_refused() {
    assert_eq!(refused(b"{}"), IngestError::MissingResourceType);
    assert_eq!(refused(br#"{"id":"x"}"#), IngestError::MissingResourceType);
    let doc = format!(r#"{{"id":"x","name":[{{"family":"{NAME}"}}],"nhs":"{NHS}"}}"#);
    assert_eq!(refused(doc.as_bytes()), IngestError::MissingResourceType);
}

#[test]
fn dstu2_is_refused_with_the_evidence() {
    let order = format!(
        r#"{{"resourceType":"MedicationOrder","id":"m1","patient":{{"reference":"Patient/p","display":"{NAME}"}},"status":"active","medicationCodeableConcept":{{"text":"Amoxicillin"}}}}"#
    );
    match refused(order.as_bytes()) {
        IngestError::UnsupportedFhirVersion { version, evidence } => {
            assert_eq!(version, "DSTU2");
            assert!(evidence.contains("MedicationOrder"), "{evidence}");
        }
        other => panic!("expected UnsupportedFhirVersion, got {other:?}"),
    }
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"resource":{}}},{{"resource":{order}}}]}}"#,
        patient_json(NHS, "p")
    );
    match refused(bundle.as_bytes()) {
        IngestError::UnsupportedFhirVersion { version, .. } => assert_eq!(version, "DSTU2"),
        other => panic!("expected UnsupportedFhirVersion, got {other:?}"),
    }
}

#[test]
fn a_100_mb_document_is_too_large_and_refused_at_once() {
    let head = br#"{"resourceType":"Bundle","x":""#;
    let tail = br#""}"#;
    let size = 100 * 1024 * 1024;
    let mut doc = Vec::with_capacity(size);
    doc.extend_from_slice(head);
    doc.resize(size - tail.len(), b' ');
    doc.extend_from_slice(tail);
    assert_eq!(doc.len(), size);
    let started = Instant::now();
    let err = refused(&doc);
    let took = started.elapsed();
    assert_eq!(
        err,
        IngestError::TooLarge {
            size,
            limit: DEFAULT_MAX_BYTES
        }
    );
    // The size is checked before anything is parsed.
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn nesting_100_000_deep_is_too_deep() {
    let depth = 100_000;
    let mut doc = "{\"a\":".repeat(depth);
    doc.push_str(&format!("\"{NAME}\""));
    doc.push_str(&"}".repeat(depth));
    assert_eq!(refused(doc.as_bytes()), IngestError::TooDeep);

    let arrays = format!("{}{NHS}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(matches!(
        refused(arrays.as_bytes()),
        IngestError::NotAResource { .. }
    ));
}

#[test]
fn deep_nesting_inside_a_resource_does_not_panic() {
    // Deep nesting in elements the SDK reads and in elements it ignores, inside a Bundle.
    let depth = 100_000;
    for holder in ["name", "extension", "unknownElement"] {
        let deep = format!("{}\"{NAME}\"{}", "[".repeat(depth), "]".repeat(depth));
        let doc = format!(
            r#"{{"resourceType":"Bundle","type":"collection","entry":[{{"resource":{}}},{{"resource":{{"resourceType":"Patient","id":"q","{holder}":{deep}}}}}]}}"#,
            patient_json(NHS, "p")
        );
        // Either outcome is acceptable; a panic or a stack overflow is not.
        if let Err(e) = run(doc.as_bytes(), &IngestOptions::default()) {
            assert_no_patient_data(&e);
        }
    }
}

#[test]
fn a_truncated_document_is_truncated() {
    let doc = format!(r#"{{"resourceType":"Patient","name":[{{"family":"{NAME}"#);
    assert!(matches!(
        refused(doc.as_bytes()),
        IngestError::Truncated { .. }
    ));
    // A real document cut in half.
    let gp = icr_test_support::demo::source("gp-practice.gpconnect-stu3.json").json;
    let text = gp.as_str();
    let gp = gp.as_bytes();
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let err = refused(&gp[..cut]);
    assert!(matches!(err, IngestError::Truncated { .. }), "{err:?}");
    // Only the final brace missing.
    let end = text.trim_end().len() - 1;
    let err = refused(&gp[..end]);
    assert!(matches!(err, IngestError::Truncated { .. }), "{err:?}");
}

#[test]
fn empty_input_is_empty() {
    assert_eq!(refused(b""), IngestError::Empty);
    assert_eq!(refused(b" \n\t\r "), IngestError::Empty);
}

#[test]
fn invalid_utf8_in_a_string_is_an_error() {
    let mut doc = br#"{"resourceType":"Patient","name":[{"family":"Zeb"#.to_vec();
    doc.extend_from_slice(&[0xff, 0xfe]);
    doc.extend_from_slice(br#"edee"}]}"#);
    let err = refused(&doc);
    assert!(
        matches!(
            err,
            IngestError::InvalidUtf8 | IngestError::InvalidJson { .. }
        ),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("Zeb") && !text.contains("edee"), "{text}");
}

#[test]
fn a_patient_of_the_wrong_shape_is_an_invalid_resource_without_the_name() {
    let shapes = [
        format!(
            r#"{{"resourceType":"Patient","id":"p","name":[{{"family":{{"text":"{NAME}"}}}}]}}"#
        ),
        format!(
            r#"{{"resourceType":"Patient","id":"p","name":[{{"given":[{{"value":"{NAME}"}}]}}]}}"#
        ),
        format!(r#"{{"resourceType":"Patient","id":"p","name":[[{{"family":"{NAME}"}}]]}}"#),
    ];
    for doc in &shapes {
        match refused(doc.as_bytes()) {
            IngestError::InvalidResource { reason } => {
                assert!(!reason.contains(NAME), "{reason}");
            }
            other => panic!("expected InvalidResource for {doc}, got {other:?}"),
        }
    }
}

fn bundle(resources: &[String]) -> Vec<u8> {
    let entries: Vec<String> = resources
        .iter()
        .map(|r| format!(r#"{{"resource":{r}}}"#))
        .collect();
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries.join(",")
    )
    .into_bytes()
}

fn expecting(nhs: &str) -> IngestOptions {
    IngestOptions {
        expected_patient: Some(NhsNumber::parse(nhs).unwrap()),
        ..Default::default()
    }
}

#[test]
fn a_source_about_another_patient_is_refused_whole() {
    let doc = bundle(&[
        patient_json(OTHER_NHS, "p"),
        r#"{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},"code":{"text":"Asthma"}}"#.to_owned(),
    ]);
    let err = refused_with(&doc, &expecting(NHS));
    assert!(
        matches!(err, IngestError::PatientMismatch { .. }),
        "{err:?}"
    );
    // The right number is accepted.
    let record = run(&doc, &expecting(OTHER_NHS)).unwrap();
    assert_eq!(record.report().entries.values().sum::<usize>(), 1);
    assert_eq!(
        record.report().entries.get(Section::Problems.key()),
        Some(&1)
    );
    assert_eq!(record.nhs_number().map(|n| n.as_str()), Some(OTHER_NHS));
}

#[test]
fn a_resource_about_another_patient_in_the_bundle_is_skipped() {
    let doc = bundle(&[
        patient_json(NHS, "p1"),
        patient_json(OTHER_NHS, "p2"),
        r#"{"resourceType":"Condition","id":"mine","subject":{"reference":"Patient/p1"},"clinicalStatus":"active","code":{"text":"Asthma"}}"#.to_owned(),
        r#"{"resourceType":"Condition","id":"theirs","subject":{"reference":"Patient/p2"},"clinicalStatus":"active","code":{"text":"Gout"}}"#.to_owned(),
    ]);
    let record = run(&doc, &expecting(NHS)).unwrap();
    let skipped: Vec<(&str, &SkipReason)> = record
        .report()
        .skipped
        .iter()
        .map(|s| (s.resource.as_str(), &s.reason))
        .collect();
    assert!(
        skipped.contains(&("Condition/theirs", &SkipReason::OtherPatient)),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&("Patient/p2", &SkipReason::OtherPatient)),
        "{skipped:?}"
    );
    assert_eq!(
        record.report().entries.get(Section::Problems.key()),
        Some(&1)
    );
    assert_eq!(record.nhs_number().map(|n| n.as_str()), Some(NHS));
    // What the items say, as the registered GP sees them (nothing withheld).
    let (summary, _) = gp_summary_of(record);
    let items: Vec<&Entry> = summary
        .sections
        .iter()
        .flat_map(|s| s.items.iter())
        .collect();
    let refs: Vec<&str> = items
        .iter()
        .flat_map(|e| e.provenance.iter().map(|p| p.source_ref.as_str()))
        .collect();
    assert!(!refs.contains(&"Condition/theirs"), "{refs:?}");
    assert!(!items.iter().any(|e| e.title.contains("Gout")));
    let problems: Vec<&str> = items
        .iter()
        .filter(|e| e.section == Section::Problems)
        .map(|e| e.title.as_str())
        .collect();
    assert_eq!(problems, ["Asthma"]);
    let banner = summary.patient.as_ref().expect("a banner");
    assert_eq!(banner.nhs_number.as_deref(), Some(NHS));
}
