//! Summary controls named in the clinical hazard log (`docs/hazard-log.md`): how old each
//! source's data is, failed sources, withheld markers, what sources say about empty
//! sections, and the "no known allergies" contradiction.

use super::*;
use crate::ingest::{IngestOptions, ingest};
use crate::merge::{FailedSource, SourceStatus, merge};
use crate::model::{CareSetting, Organisation};

fn org(name: &str) -> Organisation {
    Organisation {
        ods_code: Some(name.to_uppercase()),
        name: name.to_owned(),
        care_setting: if name == "gp" {
            CareSetting::GeneralPractice
        } else {
            CareSetting::Unknown
        },
    }
}

/// A Bundle from `name` whose Patient carries `meta` (JSON members, may be empty), with
/// `entries` about `Patient/p`.
fn source(name: &str, meta: &str, entries: &str) -> crate::ingest::SourceRecord {
    let comma = if entries.is_empty() { "" } else { "," };
    let json = format!(
        r#"{{"resourceType":"Bundle","entry":[
        {{"resource":{{"resourceType":"Patient","id":"p",{meta}"identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}}]}}}}{comma}{entries}]}}"#
    );
    let options = IngestOptions {
        organisation: Some(org(name)),
        ..IngestOptions::default()
    };
    ingest(json.as_bytes(), &options).unwrap()
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 25)
}

fn everything(_: usize, e: &Entry) -> Result<Vec<crate::model::Sensitivity>, WithheldReason> {
    Ok(e.sensitivity.clone())
}

const ACTIVE_PEANUT: &str = r#"{"resource":{"resourceType":"AllergyIntolerance","id":"a","patient":{"reference":"Patient/p"},
    "clinicalStatus":"active","code":{"text":"Peanut allergy"}}}"#;
const RESOLVED_LATEX: &str = r#"{"resource":{"resourceType":"AllergyIntolerance","id":"r","patient":{"reference":"Patient/p"},
    "clinicalStatus":"resolved","code":{"text":"Latex allergy"}}}"#;
const NKA: &str = r#"{"resource":{"resourceType":"AllergyIntolerance","id":"n","patient":{"reference":"Patient/p"},
    "code":{"coding":[{"system":"http://snomed.info/sct","code":"716186003","display":"No known allergy"}]}}}"#;

fn allergies(s: &PatientSummary) -> &SummarySection {
    s.sections
        .iter()
        .find(|x| x.key == Section::Allergies)
        .unwrap()
}

/// A source whose data was last updated at `when` (its Patient's `meta.lastUpdated`).
fn updated(name: &str, when: &str) -> crate::ingest::SourceRecord {
    source(name, &format!(r#""meta":{{"lastUpdated":"{when}"}},"#), "")
}

#[test]
fn each_source_says_how_old_its_data_is() {
    let fresh = updated("gp", "2026-11-24T23:30:00+00:00");
    let old = updated("hospital", "2025-11-25T09:00:00Z");
    let undated = source("clinic", "", "");
    let summary = build(
        &merge(vec![fresh, old, undated], Vec::new()),
        today(),
        SummaryOptions::default(),
        everything,
    );
    let ages: Vec<(&str, Option<&str>, Option<i64>)> = summary
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.as_of.as_deref(), s.age_days))
        .collect();
    assert_eq!(
        ages,
        [
            ("gp", Some("2026-11-24T23:30:00+00:00"), Some(1)),
            ("clinic", None, None),
            ("hospital", Some("2025-11-25T09:00:00Z"), Some(365)),
        ]
    );
}

#[test]
fn each_source_is_judged_current_stale_or_undated_in_the_json_by_the_summary_threshold() {
    let fresh = updated("gp", "2026-11-24T23:30:00+00:00");
    let old = updated("hospital", "2025-11-25T09:00:00Z");
    let week = updated("clinic", "2026-11-15T09:00:00Z");
    let undated = source("hospice", "", "");
    let failed = FailedSource {
        organisation: org("ooh"),
        status: SourceStatus::TimedOut,
        reason: "no answer".to_owned(),
    };
    let record = merge(vec![fresh, old, week, undated], vec![failed]);
    let judged = |summary: &PatientSummary| -> Vec<(String, Option<Freshness>)> {
        summary
            .sources
            .iter()
            .map(|s| (s.name.clone(), s.freshness))
            .collect()
    };
    let by_default = build(&record, today(), SummaryOptions::default(), everything);
    let f = |n: &str, x: Option<Freshness>| (n.to_owned(), x);
    assert_eq!(
        judged(&by_default),
        [
            f("gp", Some(Freshness::Current)),
            f("clinic", Some(Freshness::Current)),
            f("hospice", Some(Freshness::AgeUnknown)),
            f("hospital", Some(Freshness::Stale)),
            f("ooh", None),
        ],
        "30 days by default; a failed source is not judged"
    );
    let weekly = SummaryOptions {
        stale_after_days: 7,
        ..SummaryOptions::default()
    };
    let strict = build(&record, today(), weekly, everything);
    assert_eq!(
        strict.sources[1].freshness,
        Some(Freshness::Stale),
        "10 days > 7"
    );
    let json = serde_json::to_value(&strict).unwrap();
    let names: Vec<&str> = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["freshness"].as_str().unwrap_or("(absent)"))
        .collect();
    assert_eq!(
        names,
        ["current", "stale", "age-unknown", "stale", "(absent)"]
    );
    assert_eq!(
        json["schema_version"], SCHEMA_VERSION,
        "an additive field keeps the version"
    );
    // JSON from before the field existed still reads, with no judgement.
    let mut older = json.clone();
    for s in older["sources"].as_array_mut().unwrap() {
        s.as_object_mut().unwrap().remove("freshness");
    }
    let back: PatientSummary = serde_json::from_value(older).unwrap();
    assert!(back.sources.iter().all(|s| s.freshness.is_none()));
}

#[test]
fn a_failed_source_is_listed_with_its_status_reason_and_no_items() {
    let failed = FailedSource {
        organisation: org("hospital"),
        status: SourceStatus::Unavailable,
        reason: "connection refused".to_owned(),
    };
    let summary = build(
        &merge(vec![source("gp", "", ACTIVE_PEANUT)], vec![failed]),
        today(),
        SummaryOptions::default(),
        everything,
    );
    let view = summary
        .sources
        .iter()
        .find(|s| s.name == "hospital")
        .unwrap();
    assert_eq!(view.status, SourceStatus::Unavailable);
    assert_eq!(view.reason.as_deref(), Some("connection refused"));
    assert_eq!(view.items, 0);
    assert_eq!(view.age_days, None);
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["sources"][1]["status"], "unavailable");
}

#[test]
fn withheld_items_are_counted_with_their_reason_and_never_shown() {
    let record = merge(
        vec![source(
            "gp",
            "",
            &format!("{ACTIVE_PEANUT},{RESOLVED_LATEX}"),
        )],
        Vec::new(),
    );
    let summary = build(&record, today(), SummaryOptions::default(), |_, e| {
        if e.title.contains("Peanut") {
            Err(WithheldReason::SensitiveCategory(
                "sexual-health".to_owned(),
            ))
        } else {
            Ok(e.sensitivity.clone())
        }
    });
    let a = allergies(&summary);
    assert_eq!(a.items.len(), 1);
    assert!(a.items.iter().all(|e| !e.title.contains("Peanut")));
    assert_eq!(
        a.withheld,
        [Withheld {
            count: 1,
            reason: WithheldReason::SensitiveCategory("sexual-health".to_owned()),
            explanation: "Sensitive information (sexual health) that your role may not see."
                .to_owned(),
        }]
    );
    let json = serde_json::to_string(&summary).unwrap();
    assert!(
        !json.contains("Peanut"),
        "withheld content never reaches the JSON"
    );
}

#[test]
fn no_known_allergies_is_a_statement_and_contradicts_an_active_allergy() {
    let gp = source("gp", "", NKA);
    let hospital = source("hospital", "", ACTIVE_PEANUT);
    let summary = build(
        &merge(vec![gp, hospital], Vec::new()),
        today(),
        SummaryOptions::default(),
        everything,
    );
    let a = allergies(&summary);
    assert_eq!(a.items.len(), 1, "NKA is not an item");
    assert_eq!(a.statements[0].kind, SectionNoteKind::NilKnown);
    assert_eq!(a.statements[0].organisation, "gp");
    assert_eq!(
        a.warnings,
        [SectionWarning {
            code: "contradiction".to_owned(),
            text: Some(
                "'No known allergies' is recorded, but 1 active allergy is also recorded. Check with the patient."
                    .to_owned()
            ),
            organisation: "gp".to_owned(),
        }]
    );
}

#[test]
fn no_known_allergies_next_to_a_resolved_allergy_is_no_contradiction() {
    let summary = build(
        &merge(
            vec![source("gp", "", &format!("{NKA},{RESOLVED_LATEX}"))],
            Vec::new(),
        ),
        today(),
        SummaryOptions::default(),
        everything,
    );
    let a = allergies(&summary);
    assert_eq!(a.statements.len(), 1);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn none_recorded_is_an_empty_section_without_a_statement() {
    let summary = build(
        &merge(vec![source("gp", "", "")], Vec::new()),
        today(),
        SummaryOptions::default(),
        everything,
    );
    let a = allergies(&summary);
    assert!(a.items.is_empty() && a.statements.is_empty() && a.warnings.is_empty());
}

#[test]
fn gp_connect_list_warnings_and_empty_reasons_reach_their_sections() {
    let lists = r#"{"resource":{"resourceType":"List","id":"l1","subject":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://snomed.info/sct","code":"717711000000103"}]},
        "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1","valueCode":"data-in-transit"}]}},
      {"resource":{"resourceType":"List","id":"l2","subject":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://snomed.info/sct","code":"886921000000105"}]},
        "emptyReason":{"coding":[{"code":"no-content-recorded"}]}}}"#;
    let summary = build(
        &merge(vec![source("gp", "", lists)], Vec::new()),
        today(),
        SummaryOptions::default(),
        everything,
    );
    let problems = summary
        .sections
        .iter()
        .find(|s| s.key == Section::Problems)
        .unwrap();
    assert_eq!(problems.warnings[0].code, "data-in-transit");
    assert_eq!(problems.warnings[0].organisation, "gp");
    let noted: Vec<(Section, &SectionNoteKind)> = summary
        .sections
        .iter()
        .flat_map(|s| s.statements.iter().map(move |st| (s.key, &st.kind)))
        .collect();
    assert_eq!(noted.len(), 1);
    assert_eq!(noted[0].1, &SectionNoteKind::NoContentRecorded);
}

#[test]
fn demographic_discrepancies_reach_the_summary() {
    let gp = source("gp", r#""birthDate":"1948-03-12","#, "");
    let hospital = source("hospital", r#""birthDate":"1948-12-03","#, "");
    let summary = build(
        &merge(vec![gp, hospital], Vec::new()),
        today(),
        SummaryOptions::default(),
        everything,
    );
    assert_eq!(
        summary.demographic_discrepancies,
        ["Date of birth differs in the record from hospital"]
    );
    assert_eq!(
        summary
            .patient
            .as_ref()
            .and_then(|p| p.birth_date.as_deref()),
        Some("1948-03-12")
    );
}
