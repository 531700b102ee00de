//! The filtered view as a FHIR document (issue #20), checked by a real validator: every
//! Bundle made for the demo patient (each role of the default policy) and for each corpus
//! GP Connect and Synthea record is validated against the R4 definitions by Medplum's
//! validator (`tests/fhir-validate`, run with Node), its IPS section codes are checked,
//! and a receptionist's Bundle carries no clinical term.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use icr_core::launch::Relationship;
use icr_core::{IngestOptions, SharedCareRecord};
use serde_json::{Value, json};

use crate::host::Host;
use crate::{corpus_dir, file_name, loud, workspace_root};

/// The IPS section codes (LOINC) the document may use, and the ones it must have.
const IPS_SECTIONS: [&str; 10] = [
    "104605-1", "48765-2", "10160-0", "11450-4", "30954-2", "11369-6", "47519-4", "46240-8",
    "18776-5", "85847-2",
];
const REQUIRED: [&str; 3] = ["48765-2", "10160-0", "11450-4"];

/// Runs the validator over `files`: the errors it reports, one line each.
fn validate(files: &[PathBuf]) -> Vec<String> {
    let dir = workspace_root().join("tests/fhir-validate");
    assert!(
        dir.join("node_modules").is_dir(),
        "the FHIR validator is not installed: run `npm ci --prefix tests/fhir-validate` (scripts/test-all.sh does)"
    );
    let out = Command::new("node")
        .arg(dir.join("validate.mjs"))
        .args(files)
        .output()
        .expect("node runs the validator");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut problems = Vec::new();
    let mut checked = 0;
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let report: Value = serde_json::from_str(line).expect("a report line");
        checked += 1;
        for e in report["errors"].as_array().into_iter().flatten() {
            problems.push(format!("{}: {e}", report["file"]));
        }
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        checked,
        files.len(),
        "a report per file: {stdout}\n{stderr}"
    );
    assert_eq!(out.status.success(), problems.is_empty(), "{stderr}");
    problems
}

/// A copy of `bundle` broken three ways the validator must each refuse: a Condition
/// without its subject, a reference to no entry, and narrative that is not XHTML.
fn broken(bundle: &str) -> String {
    let mut doc: Value = serde_json::from_str(bundle).unwrap();
    let entries = doc["entry"].as_array_mut().unwrap();
    let condition = entries
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Condition")
        .expect("a Condition");
    condition["resource"]
        .as_object_mut()
        .unwrap()
        .remove("subject");
    condition["resource"]["recorder"] =
        json!({ "reference": "urn:uuid:00000000-0000-8000-8000-000000000000" });
    entries[0]["resource"]["section"][0]["text"]["div"] =
        json!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>unclosed</div>");
    doc.to_string()
}

/// Checks the Composition's sections and writes the Bundle for the validator.
fn keep(dir: &Path, name: &str, bundle: &str) -> PathBuf {
    let doc: Value = serde_json::from_str(bundle).expect("the Bundle is JSON");
    let composition = &doc["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition", "{name}");
    let codes: BTreeSet<&str> = composition["section"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"]["coding"][0]["code"].as_str())
        .collect();
    for code in &codes {
        assert!(IPS_SECTIONS.contains(code), "{name}: section code {code}");
    }
    for code in REQUIRED {
        assert!(codes.contains(code), "{name}: no {code} section");
    }
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, bundle).expect("write the Bundle");
    path
}

fn scratch() -> PathBuf {
    let dir = workspace_root().join("target/ips-bundles");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Clinical resources: what a receptionist's document must not hold.
const CLINICAL: [&str; 8] = [
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Medication",
    "Observation",
    "DiagnosticReport",
    "Immunization",
    "Procedure",
];

fn resource_types(bundle: &str) -> BTreeSet<String> {
    let doc: Value = serde_json::from_str(bundle).unwrap();
    doc["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["resource"]["resourceType"].as_str().map(str::to_owned))
        .collect()
}

/// The titles of the clinical items the GP is shown.
fn clinical_terms(host: &Host, record: &SharedCareRecord) -> Vec<String> {
    use icr_core::model::Section;
    let gp = host.view(record, "gp", Relationship::RegisteredGp).summary;
    gp.sections
        .iter()
        .filter(|s| {
            matches!(
                s.key,
                Section::Problems
                    | Section::Medications
                    | Section::Allergies
                    | Section::Investigations
            )
        })
        .flat_map(|s| s.items.iter().map(|e| e.title.clone()))
        .filter(|t| t.len() > 6)
        .collect()
}

fn assert_no_clinical_term(name: &str, bundle: &str, terms: &[String]) {
    let types = resource_types(bundle);
    for t in CLINICAL {
        assert!(
            !types.contains(t),
            "{name}: a receptionist's document holds a {t}"
        );
    }
    for term in terms {
        assert!(
            !bundle.contains(term.as_str()),
            "{name}: a receptionist's document names {term:?}"
        );
    }
}

#[test]
fn every_document_validates_and_a_receptionist_s_holds_no_clinical_term() {
    let dir = scratch();
    let host = Host::new();
    let mut files = Vec::new();
    let demo = icr_test_support::demo::record();
    for role in host.policy().roles.iter().map(|r| r.name.clone()) {
        let bundle = host.fhir(&demo, &role, Relationship::CareTeam);
        files.push(keep(&dir, &format!("demo-{role}"), &bundle));
    }
    let terms = clinical_terms(&host, &demo);
    assert!(terms.len() > 5);
    let desk = host.fhir(&demo, "receptionist", Relationship::CareTeam);
    assert_no_clinical_term("demo", &desk, &terms);
    if let Some(corpus) = corpus_dir() {
        for CorpusRecord { name, record, .. } in corpus_records(&corpus) {
            let bundle = host.fhir(&record, "gp", Relationship::RegisteredGp);
            files.push(keep(&dir, &name, &bundle));
            let desk = host.fhir(&record, "receptionist", Relationship::CareTeam);
            assert_no_clinical_term(&name, &desk, &clinical_terms(&host, &record));
        }
    }
    loud(&format!("ips: validating {} documents", files.len()));
    let problems = validate(&files);
    assert!(
        problems.is_empty(),
        "{} validation error(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    // The validator can fail: a broken copy of the GP's document is refused, each way.
    let gp = host.fhir(&demo, "gp", Relationship::RegisteredGp);
    let bad = dir.join("broken.json");
    std::fs::write(&bad, broken(&gp)).unwrap();
    let problems = validate(&[bad]).join("\n");
    for expected in ["subject", "does not resolve", "narrative"] {
        assert!(
            problems.contains(expected),
            "the validator missed {expected}: {problems}"
        );
    }
}

/// A valid test NHS number given to the Synthea patients, who have none.
const TEST_NHS: &str = "9434765919";

/// One corpus record: its name (`slice-file`), the FHIR as read (Synthea patients given a
/// test NHS number), and the record merged from it.
pub(crate) struct CorpusRecord {
    pub(crate) name: String,
    pub(crate) fhir: Value,
    pub(crate) record: SharedCareRecord,
}

/// Every corpus GP Connect record and Synthea patient, merged as one source each.
pub(crate) fn corpus_records(corpus: &Path) -> Vec<CorpusRecord> {
    let mut out = Vec::new();
    for slice in ["gpconnect", "synthea"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join(slice))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let Some(entries) = doc["entry"].as_array_mut() else {
                continue;
            };
            let mut patients = 0;
            for e in entries
                .iter_mut()
                .filter(|e| e["resource"]["resourceType"] == "Patient")
            {
                patients += 1;
                if slice == "synthea" {
                    let nhs =
                        json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": TEST_NHS});
                    e["resource"]["identifier"]
                        .as_array_mut()
                        .unwrap()
                        .push(nhs);
                }
            }
            if patients != 1 {
                continue;
            }
            let bytes = serde_json::to_vec(&doc).unwrap();
            let Ok(record) = icr_core::ingest(&bytes, &IngestOptions::default()) else {
                continue;
            };
            let record = icr_core::merge(vec![record], vec![]);
            if record.nhs_number().is_none() {
                continue;
            }
            out.push(CorpusRecord {
                name: format!("{slice}-{}", file_name(&path).trim_end_matches(".json")),
                fhir: doc,
                record,
            });
        }
    }
    out
}
