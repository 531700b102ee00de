//! Item counts per section for the GP Connect records in `$ICR_CORPUS/gpconnect/`.
//!
//! The expected numbers were counted from the raw JSON, without the SDK: the per-file
//! tables of `/work/notes/corpus-report.md` (Part 1, made by its `gpc_counts.py`),
//! adjusted by the rules below, and re-checked with a separate Python script and `jq`.
//! They are never taken from an SDK run: when the SDK disagrees, the test fails.
//!
//! Only top-level `Bundle.entry[].resource` are counted unless a rule says otherwise. The
//! bundle's patient is its single `Patient`. No resource in these files is
//! `entered-in-error`, and no `MedicationRequest` is unlinked, so those exclusions change
//! nothing here but are part of the rules.
//!
//! | section | rule | how it was counted from the report |
//! |---|---|---|
//! | `allergies` | `AllergyIntolerance` for the bundle's patient, active **and** resolved, not `entered-in-error`; **not** the "no known allergy" assertions (SNOMED `716186003`, `409137002`, `428607008`, `429625007`), which become a section statement; **plus** each `AllergyIntolerance` *contained* in a `List` (the "Ended allergies" list) unless a top-level `AllergyIntolerance` has the same id. Every occurrence of a duplicated id counts. | Allergies table: active + resolved, minus NKA-coded ones (TPP 9465699012: 1; spec_allergies_response2: 1), plus "AI contained in Lists" minus "contained id also top-level" |
//! | `medications` | one item per `MedicationStatement`: its plans and issues (`MedicationRequest`) fold into it. An unclaimed `MedicationRequest` would be its own item; there are none. | Medications table, column MS |
//! | `problems` | `Condition` not `entered-in-error`, active and inactive alike; a `Condition` whose subject is another patient is skipped | Problems table, column Condition, minus the Conditions of the Patients table's "different Patient" column (ConsultationResponse1: all 4) |
//! | `immunisations` | `Immunization` not `entered-in-error` (given or not) | Immunisations table, column Immunization |
//! | `investigations` | `DiagnosticReport` not `entered-in-error`; its Observations fold into it | Investigations table, column DiagnosticReport |
//!
//! The counts are the ingest report's (`report().entries`, items per section of one
//! source). What the items say (section statements, codes) is read as a host reads it:
//! through the registered GP's session, which must withhold nothing.
//!
//! Part of the corpus is held back for acceptance testing: a listed file that is absent
//! is noted on stderr and skipped.

use std::collections::BTreeMap;
use std::path::PathBuf;

use icr_core::ingest::{SectionNoteKind, SkipReason, WarningCode};
use icr_core::model::Section;
use icr_core::summary::PatientSummary;
use icr_core::{IngestOptions, SourceRecord};
use icr_test_support::summary::section;

use crate::host::gp_summary_of;
use crate::{corpus_dir, loud};

/// The five sections counted, in the column order of [`EXPECTED`].
const SECTIONS: [Section; 5] = [
    Section::Allergies,
    Section::Medications,
    Section::Problems,
    Section::Immunisations,
    Section::Investigations,
];

/// Expected items per file: allergies, medications, problems, immunisations,
/// investigations. Notes on the numbers that are not a plain column of the report:
///
/// - `supplier_Medicus_9693646525_full`: 37 top-level + 8 contained ended allergies = 45.
/// - `supplier_TPP_9465699012_full`: 28 top-level, one of which is coded `716186003` "No
///   known allergy" (a statement, not an item) = 27; its 2 contained ended allergies
///   repeat the ids of 2 top-level ones and are not counted again.
/// - `supplier_TPP_9465699896_full`: 7 active + 4 resolved, no Ended allergies List.
/// - `demonstrator_Consolidated_*`: 28 top-level (in `_v0_1` one id occurs twice, both
///   count) + 2 contained = 30.
/// - `demonstrator_full_record*`, `spec_allergies_response1`,
///   `spec_consultations_forwards_response1`: top-level + 1 contained ended allergy. The
///   spec Lists' subject is the identifier `1234567890`, which fails the NHS number
///   check, so it does not make the List another patient's.
/// - `spec_allergies_response2`: its only AllergyIntolerance is `716186003`: 0 items.
/// - `demonstrator_ConsultationResponse1`: its 4 Conditions have subjects
///   `Patient/<other id>`, not the bundle's Patient: 0 problems.
/// - `demonstrator_full_record_including_confidential_data` has 1 more
///   MedicationStatement and 1 more DiagnosticReport than `demonstrator_full_record`.
#[rustfmt::skip]
const EXPECTED: &[(&str, [usize; 5])] = &[
    //                                                                   all  med  prob imm  inv
    ("supplier_EMIS_9730147019_full",                                    [ 1,  17,  2,   0, 20]),
    ("supplier_Medicus_9693646525_full",                                 [45,  28, 22,  44,  4]),
    ("supplier_TPP_9465699012_full",                                     [27,   1,  1,   5,  0]),
    ("supplier_TPP_9465699896_full",                                     [11,  67, 23,  22,  0]),
    ("demonstrator_Consolidated_Allergies_Test_Record_v0_1",             [30,   0,  2,   0,  0]),
    ("demonstrator_Consolidated_allergies_test_record",                  [30,   0,  0,   0,  0]),
    ("demonstrator_Consolidation_meds_test_record",                      [ 0,  28,  0,   0,  0]),
    ("demonstrator_Consolidation_meds_test_record_secondary",            [ 0,  15,  0,   0,  0]),
    ("demonstrator_ConsultationResponse1",                               [ 0,   5,  0,   0,  0]),
    ("demonstrator_Consultations_ConsumerData_v0_2",                     [ 5,   6,  4,   5,  0]),
    ("demonstrator_DiaryEntries_ConsumerData_v0_2",                      [ 0,   0,  1,   0,  0]),
    ("demonstrator_EMIS_Docs_consolidated_V2",                           [ 0,   0,  0,   0,  0]),
    ("demonstrator_Hack_9465702013_Steinberg_MA_20210322",               [ 0,   7,  0,   0,  0]),
    ("demonstrator_Hack_9465702048_Wallimohamed_MA_StructuredDoseExampe_20211004", [0, 4, 0, 0, 0]),
    ("demonstrator_Hack_9465702250_Beaupaire_MA_StructuredDoseExample_20211004",   [0, 5, 0, 0, 0]),
    ("demonstrator_Immunisations_Consumer_Data_File_V2",                 [ 0,   0,  2,   8,  0]),
    ("demonstrator_Investigations_Consumer_Data_Extract_File",           [ 0,   0,  0,   0, 14]),
    ("demonstrator_Problems_ConsumerData_v0_2",                          [ 2,   4, 17,   2,  0]),
    ("demonstrator_UNCAT_Consumer_Data_file",                            [ 0,   0,  3,   0,  0]),
    ("demonstrator_full_record",                                         [ 2,  10, 10,   1,  1]),
    ("demonstrator_full_record_including_confidential_data",             [ 2,  11, 10,   1,  2]),
    ("spec_allergies_response1",                                         [ 4,   0,  0,   0,  0]),
    ("spec_allergies_response2",                                         [ 0,   0,  0,   0,  0]),
    ("spec_allergies_response3",                                         [ 0,   0,  0,   0,  0]),
    ("spec_consultations_forwards_response1",                            [ 4,   2,  0,   0,  0]),
    ("spec_meds_response",                                               [ 0,   2,  0,   0,  0]),
];

/// The path of a GP Connect file, or `None` (with a note) when the corpus is not set or
/// the file is held back.
fn gpc_file(stem: &str) -> Option<PathBuf> {
    let dir = corpus_dir()?.join("gpconnect");
    let path = dir.join(format!("{stem}.json"));
    if path.is_file() {
        Some(path)
    } else {
        loud(&format!(
            "note: {} is not in this copy of the corpus (held back?): skipped",
            path.display()
        ));
        None
    }
}

fn read(path: &PathBuf) -> SourceRecord {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    icr_core::ingest(&bytes, &IngestOptions::default())
        .unwrap_or_else(|e| panic!("{}: ingest failed: {e}", path.display()))
}

/// Items per section, from the ingest report.
fn counts(record: &SourceRecord) -> [usize; 5] {
    let by_section: &BTreeMap<&str, usize> = &record.report().entries;
    SECTIONS.map(|s| by_section.get(s.key()).copied().unwrap_or(0))
}

/// The source says "no known allergies": a `NilKnown` statement on the allergies section.
fn says_no_known_allergies(summary: &PatientSummary) -> bool {
    section(summary, Section::Allergies)
        .statements
        .iter()
        .any(|n| n.kind == SectionNoteKind::NilKnown)
}

fn show(counts: &[usize; 5]) -> String {
    SECTIONS
        .iter()
        .zip(counts)
        .map(|(s, n)| format!("{} {n}", s.key()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the files named in `stems` and returns one line per mismatch.
fn check(stems: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for stem in stems {
        let Some(&(_, expected)) = EXPECTED.iter().find(|(f, _)| f == stem) else {
            problems.push(format!("{stem}: no expected counts in EXPECTED"));
            continue;
        };
        let Some(path) = gpc_file(stem) else { continue };
        let got = counts(&read(&path));
        if got != expected {
            problems.push(format!(
                "{stem}:\n    expected {}\n    got      {}",
                show(&expected),
                show(&got)
            ));
        }
    }
    problems
}

#[test]
fn supplier_full_records_have_the_independently_counted_items() {
    if corpus_dir().is_none() {
        return;
    }
    let stems: Vec<&str> = EXPECTED
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| f.starts_with("supplier_"))
        .collect();
    assert_eq!(stems.len(), 4);
    let problems = check(&stems);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn demonstrator_and_spec_records_have_the_independently_counted_items() {
    if corpus_dir().is_none() {
        return;
    }
    let stems: Vec<&str> = EXPECTED
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| !f.starts_with("supplier_"))
        .collect();
    let problems = check(&stems);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_known_allergies_next_to_real_allergies_is_a_statement_not_an_item() {
    // TPP 9465699012 sends an AllergyIntolerance coded 716186003 "No known allergy" next
    // to 27 real ones: the first is a section statement, the others are items.
    let Some(path) = gpc_file("supplier_TPP_9465699012_full") else {
        return;
    };
    let record = read(&path);
    assert_eq!(counts(&record)[0], 27);
    let (summary, _) = gp_summary_of(record);
    let allergies = section(&summary, Section::Allergies);
    assert!(
        says_no_known_allergies(&summary),
        "no NilKnown allergies statement; statements: {:?}",
        allergies.statements
    );
    assert!(!allergies.items.is_empty());
    let nka_items: Vec<&str> = summary
        .sections
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|e| {
            e.code
                .as_ref()
                .and_then(|c| c.code.as_deref())
                .is_some_and(|c| c == "716186003")
        })
        .map(|e| e.id.as_str())
        .collect();
    assert!(nka_items.is_empty(), "NKA shown as items: {nka_items:?}");
}

#[test]
fn only_no_known_allergy_gives_a_statement_and_no_items() {
    let Some(path) = gpc_file("spec_allergies_response2") else {
        return;
    };
    let record = read(&path);
    assert_eq!(counts(&record)[0], 0);
    let (summary, _) = gp_summary_of(record);
    let allergies = section(&summary, Section::Allergies);
    assert!(
        says_no_known_allergies(&summary),
        "statements: {:?}",
        allergies.statements
    );
    assert!(allergies.items.is_empty(), "{:?}", allergies.items);
}

#[test]
fn confidential_items_warning_reaches_the_record() {
    // The Allergies List of TPP 9465699896 carries ListWarningCode `confidential-items`.
    let Some(path) = gpc_file("supplier_TPP_9465699896_full") else {
        return;
    };
    let record = read(&path);
    assert!(
        record
            .warnings()
            .iter()
            .any(|w| w.code == WarningCode::ConfidentialItems
                && w.section == Some(Section::Allergies)),
        "no confidential-items warning on allergies; warnings: {:?}",
        record.warnings()
    );
    // Its Problems List carries the warning too.
    assert!(
        record
            .warnings()
            .iter()
            .any(|w| w.code == WarningCode::ConfidentialItems
                && w.section == Some(Section::Problems)),
        "no confidential-items warning on problems; warnings: {:?}",
        record.warnings()
    );
    // And the host is shown both, on their sections.
    let (summary, _) = gp_summary_of(record);
    for key in [Section::Allergies, Section::Problems] {
        let warnings = &section(&summary, key).warnings;
        assert!(
            warnings.iter().any(|w| w.code == "confidential-items"),
            "no confidential-items warning on {} in the summary: {warnings:?}",
            key.key()
        );
    }
}

#[test]
fn every_list_warning_code_of_the_gpconnect_files_becomes_a_warning() {
    // The codes are read here from the raw JSON: each `List.extension` ListWarningCode
    // `valueCode` of the file must reach `record.warnings`, and a file without
    // `confidential-items` must not claim it.
    let Some(dir) = corpus_dir() else { return };
    let gpc = dir.join("gpconnect");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&gpc)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", gpc.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut with_confidential = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let mut codes: Vec<String> = Vec::new();
        for entry in doc["entry"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let resource = &entry["resource"];
            if resource["resourceType"] != "List" {
                continue;
            }
            for ext in resource["extension"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let url = ext["url"].as_str().unwrap_or_default();
                if url.ends_with("Extension-CareConnect-GPC-ListWarningCode-1") {
                    codes.extend(ext["valueCode"].as_str().map(|c| c.trim().to_owned()));
                }
            }
        }
        let record = icr_core::ingest(&bytes, &IngestOptions::default()).unwrap();
        let name = crate::file_name(path);
        for code in &codes {
            let wanted = match code.as_str() {
                "confidential-items" => WarningCode::ConfidentialItems,
                "data-in-transit" => WarningCode::DataInTransit,
                "data-awaiting-filing" => WarningCode::DataAwaitingFiling,
                other => WarningCode::Other(other.to_owned()),
            };
            if !record.warnings().iter().any(|w| w.code == wanted) {
                problems.push(format!(
                    "{name}: List warning {code} is not in record.warnings"
                ));
            }
        }
        let has_confidential = codes.iter().any(|c| c == "confidential-items");
        with_confidential += usize::from(has_confidential);
        let claims = record
            .warnings()
            .iter()
            .any(|w| w.code == WarningCode::ConfidentialItems);
        if claims && !has_confidential {
            problems.push(format!(
                "{name}: ConfidentialItems warning without such a List"
            ));
        }
    }
    eprintln!(
        "gpconnect: {} files, {with_confidential} with confidential-items Lists",
        files.len()
    );
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn operation_outcome_issues_become_supplier_messages() {
    // spec_consultations_forwards_response1 has one OperationOutcome with two warnings
    // (includeConsultations and includeProblems not supported).
    let Some(path) = gpc_file("spec_consultations_forwards_response1") else {
        return;
    };
    let record = read(&path);
    let messages: Vec<&str> = record
        .warnings()
        .iter()
        .filter(|w| w.code == WarningCode::SupplierMessage)
        .map(|w| w.text.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(messages.len(), 2, "{:?}", record.warnings());
    for parameter in ["includeConsultations", "includeProblems"] {
        assert!(
            messages.iter().any(|m| m.contains(parameter)),
            "no supplier message about {parameter}: {messages:?}"
        );
    }
    assert_eq!(
        record
            .report()
            .skipped
            .iter()
            .filter(|s| s.resource.starts_with("OperationOutcome/")
                && s.reason == SkipReason::OperationOutcome)
            .count(),
        1,
        "{:?}",
        record.report().skipped
    );
}

#[test]
fn conditions_about_other_patients_are_skipped_not_shown() {
    // demonstrator_ConsultationResponse1: 4 Conditions point at other Patient ids.
    let Some(path) = gpc_file("demonstrator_ConsultationResponse1") else {
        return;
    };
    let record = read(&path);
    let other: Vec<&str> = record
        .report()
        .skipped
        .iter()
        .filter(|s| s.resource.starts_with("Condition/") && s.reason == SkipReason::OtherPatient)
        .map(|s| s.resource.as_str())
        .collect();
    assert_eq!(other.len(), 4, "{other:?}");
}
