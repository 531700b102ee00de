//! Conformance run over the whole third-party corpus (`$ICR_CORPUS`): every `*.json`
//! under it, in every subfolder (gpconnect, ukcore, hl7-r4, synthea, medplum-mock), none
//! skipped.
//!
//! For each file:
//! - `ingest` must not panic and must return `Ok` (every corpus file is valid JSON of a
//!   supported version, so an error is a failure);
//! - `report.resources_read` must equal a count of resource types made here by walking
//!   the raw JSON (`serde_json::Value`), without the SDK;
//! - every resource read must be accounted for exactly once: used, supporting or
//!   skipped;
//! - `report.entries` must agree with the items. Items are public only through an
//!   audited session, and a session needs the record's patient to have a valid NHS
//!   number, so:
//!   - for a file whose patient has one (GP Connect, UK Core), the registered GP's
//!     summary of the merged record must withhold nothing, and per section the items
//!     shown, with the ingest items folded into each (one provenance each), must equal
//!     `report.entries`; and every item must name the resource it came from;
//!   - for every file, the merged record must hold at least one and at most
//!     `report.entries` items (merging may fold repeats of one fact), and every key of
//!     `report.entries` must be a section. For files without an NHS number (Synthea,
//!     HL7 examples, Medplum) this report-level check replaces the item checks above.
//!
//! All problems of all files are collected and reported together, so one run shows
//! everything that is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use icr_core::ingest::{FhirVersion, SkipReason};
use icr_core::model::Section;
use icr_core::{IngestOptions, SourceRecord};
use serde_json::Value;

use crate::host::Host;
use crate::{corpus_dir, file_name, loud};

/// Fewer files than this means the folder is not the corpus (or most of it is missing).
/// The copy here has 586; the whole collection has 677.
const MIN_FILES: usize = 500;

/// The corpus subfolders; each must hold at least one file.
const FOLDERS: [&str; 5] = ["gpconnect", "ukcore", "hl7-r4", "synthea", "medplum-mock"];

/// Name the SDK uses for an object without `resourceType`.
const NO_TYPE: &str = "(no resourceType)";

/// Every `*.json` under `dir`, recursively, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn type_of(resource: &Value) -> String {
    resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or(NO_TYPE)
        .to_owned()
}

/// Resource types read, counted independently of the SDK: the file's resource when it is
/// not a Bundle; for a Bundle each `entry[].resource`, and a resource that is itself a
/// Bundle is counted and its entries walked too. `contained` is never counted.
fn count_types(doc: &Value) -> BTreeMap<String, usize> {
    fn walk_bundle(bundle: &Value, counts: &mut BTreeMap<String, usize>) {
        let entries = bundle
            .get("entry")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for resource in entries.iter().filter_map(|e| e.get("resource")) {
            if !resource.is_object() {
                continue;
            }
            let t = type_of(resource);
            *counts.entry(t.clone()).or_default() += 1;
            if t == "Bundle" {
                walk_bundle(resource, counts);
            }
        }
    }
    let mut counts = BTreeMap::new();
    if type_of(doc) == "Bundle" {
        walk_bundle(doc, &mut counts);
    } else {
        counts.insert(type_of(doc), 1);
    }
    counts
}

/// Every `resourceType` value anywhere in the document (contained resources included):
/// the types an item's `source_ref` may name.
fn all_types(doc: &Value, out: &mut BTreeSet<String>) {
    match doc {
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get("resourceType") {
                out.insert(t.clone());
            }
            for v in map.values() {
                all_types(v, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                all_types(v, out);
            }
        }
        _ => {}
    }
}

/// A stable name for a skip reason, for the summary line.
fn reason_name(reason: &SkipReason) -> String {
    match reason {
        SkipReason::Invalid(_) => "invalid".to_owned(),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{other:?}")),
    }
}

/// How a file's items were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checked {
    /// Through the registered GP's session.
    Session,
    /// By its report only: its patient has no valid NHS number, so no session can open.
    ReportOnly,
}

/// The checks on one successfully read file; problems are pushed to `problems`.
fn check_record(
    name: &str,
    doc: &Value,
    record: &SourceRecord,
    host: &Host,
    problems: &mut Vec<String>,
) -> Checked {
    let report = record.report();

    // resources_read equals the independent count, exactly.
    let expected = count_types(doc);
    if report.resources_read != expected {
        problems.push(format!(
            "{name}: resources_read {:?} differs from the count of the JSON {expected:?}",
            report.resources_read
        ));
    }

    // Accounting: used + supporting + skipped == read, per type.
    let mut types: BTreeSet<&str> = BTreeSet::new();
    types.extend(report.resources_read.keys().map(String::as_str));
    types.extend(report.used.keys().map(String::as_str));
    types.extend(report.supporting.keys().map(String::as_str));
    let mut skipped_by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &report.skipped {
        let t = s
            .resource
            .split_once('/')
            .map_or(s.resource.as_str(), |(t, _)| t);
        *skipped_by_type.entry(t).or_default() += 1;
        types.insert(t);
    }
    for t in types {
        let get = |m: &BTreeMap<String, usize>| m.get(t).copied().unwrap_or(0);
        let used = get(&report.used);
        let supporting = get(&report.supporting);
        let skipped = report
            .skipped
            .iter()
            .filter(|s| s.resource.starts_with(&format!("{t}/")))
            .count();
        let read = get(&report.resources_read);
        if used + supporting + skipped != read {
            problems.push(format!(
                "{name}: {t}: used {used} + supporting {supporting} + skipped {skipped} != read {read}"
            ));
        }
    }

    // Report level, every file: report.entries names sections, and the merged record
    // holds its items (at least one when there are any; merging may fold repeats).
    let keys: BTreeSet<&str> = Section::ALL.iter().map(|s| s.key()).collect();
    for key in report.entries.keys() {
        if !keys.contains(key) {
            problems.push(format!(
                "{name}: report.entries has an unknown section {key:?}"
            ));
        }
    }
    let total: usize = report.entries.values().sum();
    let merged = icr_core::merge(vec![record.clone()], vec![]);
    if merged.len() > total || (total == 0) != merged.is_empty() {
        problems.push(format!(
            "{name}: report.entries sums to {total}, the merged record has {} items",
            merged.len()
        ));
    }

    // Item level, through the registered GP's session, when the patient has an NHS number.
    let checked = if merged.nhs_number().is_some() {
        check_items(name, doc, report, &merged, host, problems);
        Checked::Session
    } else {
        Checked::ReportOnly
    };

    // GP Connect is STU3; every other folder is R4.
    let expected_version = if doc_in_gpconnect(name) {
        FhirVersion::Stu3
    } else {
        FhirVersion::R4
    };
    if record.fhir_version() != expected_version {
        problems.push(format!(
            "{name}: read as {:?}, expected {expected_version:?}",
            record.fhir_version()
        ));
    }
    checked
}

/// The items of one file's merged record as the registered GP sees them: nothing
/// withheld; per section, the ingest items (one provenance each, folded together by the
/// merge) equal `report.entries`; every item names a resource type of the file.
fn check_items(
    name: &str,
    doc: &Value,
    report: &icr_core::IngestReport,
    merged: &icr_core::SharedCareRecord,
    host: &Host,
    problems: &mut Vec<String>,
) {
    let summary = host
        .view(merged, "gp", icr_core::launch::Relationship::RegisteredGp)
        .summary;
    let mut by_section: BTreeMap<&str, usize> = BTreeMap::new();
    for section in &summary.sections {
        if !section.withheld.is_empty() {
            problems.push(format!(
                "{name}: {} withheld from the GP: {:?}",
                section.key.key(),
                section.withheld
            ));
        }
        let folded: usize = section.items.iter().map(|e| e.provenance.len()).sum();
        if folded > 0 {
            by_section.insert(section.key.key(), folded);
        }
    }
    if by_section != report.entries {
        problems.push(format!(
            "{name}: report.entries {:?} differs from the items the GP sees, by section {by_section:?}",
            report.entries
        ));
    }
    let shown = icr_test_support::summary::shown(&summary);
    if shown != merged.len() {
        problems.push(format!(
            "{name}: the GP sees {shown} items of {}",
            merged.len()
        ));
    }

    // Every item names the resource it came from (`Type/id`, a type present in the file).
    let mut present = BTreeSet::new();
    all_types(doc, &mut present);
    for e in summary.sections.iter().flat_map(|s| s.items.iter()) {
        let traced = e.provenance.iter().any(|p| {
            p.source_ref
                .split_once('/')
                .is_some_and(|(t, _)| present.contains(t))
        });
        if !traced {
            let refs: Vec<&str> = e.provenance.iter().map(|p| p.source_ref.as_str()).collect();
            problems.push(format!(
                "{name}: item {} has no provenance naming a resource type of the file (source_refs {refs:?})",
                e.id
            ));
        }
    }
}

fn doc_in_gpconnect(name: &str) -> bool {
    name.starts_with("gpconnect/")
}

#[test]
fn every_corpus_file_is_read_and_fully_accounted_for() {
    let Some(dir) = corpus_dir() else { return };
    let files = json_files(&dir);
    assert!(
        files.len() >= MIN_FILES,
        "only {} *.json files under {}: expected at least {MIN_FILES}; is ICR_CORPUS the corpus folder?",
        files.len(),
        dir.display()
    );
    for folder in FOLDERS {
        assert!(
            files.iter().any(|f| f.starts_with(dir.join(folder))),
            "no *.json files in {}/{folder}",
            dir.display()
        );
    }

    let options = IngestOptions::default();
    let host = Host::new();
    let mut problems: Vec<String> = Vec::new();
    let (mut resources, mut entries, mut by_session) = (0usize, 0usize, 0usize);
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| file_name(path));
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{name} is not JSON ({e}); the corpus is damaged"));
        let outcome = catch_unwind(AssertUnwindSafe(|| icr_core::ingest(&bytes, &options)));
        let record = match outcome {
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                problems.push(format!("{name}: ingest PANICKED: {msg}"));
                continue;
            }
            // No corpus file legitimately fails: all are well-formed STU3 or R4.
            Ok(Err(e)) => {
                problems.push(format!("{name}: ingest failed: {e:?}"));
                continue;
            }
            Ok(Ok(record)) => record,
        };
        let checked = check_record(&name, &doc, &record, &host, &mut problems);
        by_session += usize::from(checked == Checked::Session);
        resources += record.report().resources_read.values().sum::<usize>();
        entries += record.report().entries.values().sum::<usize>();
        for s in &record.report().skipped {
            *skipped.entry(reason_name(&s.reason)).or_default() += 1;
        }
    }
    let skipped_text: Vec<String> = skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
    loud(&format!(
        "corpus: {} files ({by_session} with items checked through a GP session, the rest by report), {resources} resources, {entries} entries, skipped: {}",
        files.len(),
        if skipped_text.is_empty() {
            "none".to_owned()
        } else {
            skipped_text.join(", ")
        }
    ));
    assert!(
        problems.is_empty(),
        "{} problem(s) in the corpus run:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_independent_counter_follows_the_rules() {
    // The counter used above, on a document whose answer is known: nested Bundles are
    // counted and walked, contained resources are not.
    let doc: Value = serde_json::json!({
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p"}},
            {"resource": {"resourceType": "List", "id": "l",
                          "contained": [{"resourceType": "AllergyIntolerance", "id": "a"}]}},
            {"resource": {"resourceType": "Bundle", "id": "inner", "entry": [
                {"resource": {"resourceType": "Condition", "id": "c"}},
                {"resource": {"resourceType": "Bundle", "id": "innermost", "entry": [
                    {"resource": {"resourceType": "Condition", "id": "d"}}
                ]}}
            ]}},
            {"request": {"method": "GET", "url": "Patient/p"}}
        ]
    });
    let counts = count_types(&doc);
    let expected: BTreeMap<String, usize> =
        [("Bundle", 2), ("Condition", 2), ("List", 1), ("Patient", 1)]
            .into_iter()
            .map(|(t, n)| (t.to_owned(), n))
            .collect();
    assert_eq!(counts, expected);
    let single: Value = serde_json::json!({"resourceType": "Observation", "id": "o"});
    assert_eq!(count_types(&single).get("Observation"), Some(&1));

    // And the per-file checks pass on it, so the corpus run can fail only on the corpus.
    let bytes = serde_json::to_vec(&doc).unwrap();
    let record = icr_core::ingest(&bytes, &IngestOptions::default()).unwrap();
    let mut problems = Vec::new();
    let checked = check_record("inline", &doc, &record, &Host::new(), &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    // Its patient has no NHS number, so only the report-level checks ran.
    assert_eq!(checked, Checked::ReportOnly);

    // A patient with an NHS number: the item checks run through the GP's session too.
    let doc: Value = serde_json::json!({
        "resourceType": "Bundle",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p", "identifier": [
                {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"}]}},
            {"resource": {"resourceType": "Condition", "id": "c",
                          "subject": {"reference": "Patient/p"}, "code": {"text": "Asthma"}}},
            {"resource": {"resourceType": "Condition", "id": "d",
                          "subject": {"reference": "Patient/p"}, "code": {"text": "Gout"}}}
        ]
    });
    let bytes = serde_json::to_vec(&doc).unwrap();
    let record = icr_core::ingest(&bytes, &IngestOptions::default()).unwrap();
    assert_eq!(record.report().entries.get("problems"), Some(&2));
    let mut problems = Vec::new();
    let checked = check_record("inline", &doc, &record, &Host::new(), &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(checked, Checked::Session);
}
