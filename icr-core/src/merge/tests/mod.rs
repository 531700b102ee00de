//! Merge controls named in the clinical hazard log (`docs/hazard-log.md`): identity
//! across sources, demographic discrepancies, one item per fact, differing facts kept
//! apart and flagged.

use super::*;
use crate::ingest::{IngestOptions, ingest};
use crate::model::{AllergyStatus, CareSetting, Detail, Section};

/// The record's items after the checks a summary runs on the items a viewer sees (here:
/// every item).
fn checked(r: &SharedCareRecord) -> Vec<Entry> {
    let mut items: Vec<Entry> = r.entries.iter().map(|i| i.entry.clone()).collect();
    let today = jiff::civil::date(2026, 12, 4);
    crate::summary::checks::run(&mut items, today);
    items
}

const MARGARET: &str = "9990000026";
const OTHER: &str = "9434765919";

/// One organisation's Bundle: a Patient with `patient` (JSON members) and `entries`
/// (whole `{"resource":…}` members, comma separated) about `Patient/p`.
fn source(org: &str, patient: &str, entries: &str) -> SourceRecord {
    let comma = if entries.is_empty() { "" } else { "," };
    let json = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
        {{"resource":{{"resourceType":"Patient","id":"p",{patient}}}}}{comma}{entries}]}}"#
    );
    let options = IngestOptions {
        organisation: Some(Organisation {
            ods_code: Some(org.to_uppercase()),
            name: org.to_owned(),
            // The GP practice leads the record whatever order the sources come in.
            care_setting: if org.to_lowercase().contains("gp") {
                CareSetting::GeneralPractice
            } else {
                CareSetting::Unknown
            },
        }),
        ..IngestOptions::default()
    };
    ingest(json.as_bytes(), &options).unwrap()
}

fn nhs(n: &str) -> String {
    format!(r#""identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{n}"}}]"#)
}

fn person(n: &str, family: &str, born: &str) -> String {
    format!(
        r#"{},"name":[{{"family":"{family}","given":["Margaret"]}}],"birthDate":"{born}","gender":"female""#,
        nhs(n)
    )
}

fn medication(id: &str, dose: &str) -> String {
    format!(
        r#"{{"resource":{{"resourceType":"MedicationStatement","id":"{id}","status":"active","subject":{{"reference":"Patient/p"}},
        "medicationCodeableConcept":{{"coding":[{{"system":"http://snomed.info/sct","code":"408051007","display":"Ramipril 5mg capsules"}}]}},
        "effectiveDateTime":"2026-01-10","dosage":[{{"text":"{dose}"}}]}}}}"#
    )
}

fn allergy(id: &str, status: &str) -> String {
    format!(
        r#"{{"resource":{{"resourceType":"AllergyIntolerance","id":"{id}","patient":{{"reference":"Patient/p"}},
        "clinicalStatus":{{"coding":[{{"code":"{status}"}}]}},
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"91936005","display":"Penicillin allergy"}}]}}}}}}"#
    )
}

fn in_section(r: &SharedCareRecord, s: Section) -> Vec<&Item> {
    r.entries.iter().filter(|e| e.section == s).collect()
}

#[test]
fn a_source_about_another_nhs_number_is_discarded_whole() {
    let gp = source(
        "gp",
        &person(MARGARET, "Thornton", "1948-03-12"),
        &allergy("a", "active"),
    );
    let other = source(
        "hospital",
        &person(OTHER, "Thornton", "1948-03-12"),
        &medication("m", "One capsule once a day"),
    );
    let r = merge(vec![gp, other], Vec::new());
    assert_eq!(r.nhs_number().map(|n| n.as_str()), Some(MARGARET));
    assert!(
        in_section(&r, Section::Medications).is_empty(),
        "nothing of the other patient's source may enter the record"
    );
    let state = &r.sources[1];
    assert_eq!(state.status, SourceStatus::IdentityMismatch);
    let reason = state.reason.as_deref().unwrap_or_default();
    assert_eq!(reason, "the source's patient has a different NHS number");
    assert!(!reason.contains(OTHER) && !reason.contains(MARGARET));
    assert_eq!(r.sources[0].status, SourceStatus::Ok);
}

#[test]
fn a_source_whose_patient_has_no_nhs_number_is_discarded_once_the_record_has_one() {
    let gp = source("gp", &person(MARGARET, "Thornton", "1948-03-12"), "");
    let unnamed = source(
        "clinic",
        r#""name":[{"family":"Thornton"}],"birthDate":"1948-03-12""#,
        &medication("m", "One capsule once a day"),
    );
    let r = merge(vec![unnamed, gp], Vec::new());
    assert!(in_section(&r, Section::Medications).is_empty());
    assert_eq!(r.sources[1].status, SourceStatus::IdentityMismatch);
    assert_eq!(
        r.sources[1].reason.as_deref(),
        Some("the source's patient has no NHS number")
    );
}

#[test]
fn sources_disagreeing_on_date_of_birth_name_or_gender_are_flagged() {
    let gp = source(
        "Riverside GP",
        &person(MARGARET, "Thornton", "1948-03-12"),
        "",
    );
    let hospital = source(
        "Northgate Hospital",
        &person(MARGARET, "THORNTON", "1948-12-03"),
        "",
    );
    let clinic = source(
        "Eastside Clinic",
        &format!(
            r#"{},"name":[{{"family":"Thornbury"}}],"birthDate":"1948-03-12","gender":"male""#,
            nhs(MARGARET)
        ),
        "",
    );
    let r = merge(vec![gp, hospital, clinic], Vec::new());
    assert_eq!(
        r.demographic_discrepancies,
        ["Date of birth differs in the record from Northgate Hospital"],
        "a family name in other case is the same name; one other field is a discrepancy"
    );
    let clinic = r
        .sources
        .iter()
        .find(|s| s.organisation.name == "Eastside Clinic")
        .unwrap();
    assert_eq!(
        clinic.status,
        SourceStatus::IdentityUnconfirmed,
        "two fields differ: held for reconciliation"
    );
    assert_eq!(
        clinic.reason.as_deref(),
        Some(
            "the source's patient has this NHS number but a different family name and gender: held for reconciliation"
        )
    );
    assert!(
        r.demographic_discrepancies
            .iter()
            .all(|d| !d.contains("1948") && !d.contains("Thorn")),
        "the discrepancy names the field and the source, never the values"
    );
}

#[test]
fn a_field_the_first_source_lacks_is_compared_with_the_next_source_that_has_it() {
    let gp = source("Riverside GP", &nhs(MARGARET), "");
    let hospital = source(
        "Northgate Hospital",
        &person(MARGARET, "Thornton", "1948-03-12"),
        "",
    );
    let clinic = source(
        "Westside Clinic",
        &person(MARGARET, "Thornton", "1984-03-12"),
        "",
    );
    let r = merge(vec![gp, hospital, clinic], Vec::new());
    assert_eq!(
        r.demographic_discrepancies,
        ["Date of birth differs in the record from Westside Clinic"]
    );
}

#[test]
fn a_death_recorded_by_one_source_only_is_flagged() {
    let gp = source(
        "Riverside GP",
        &person(MARGARET, "Thornton", "1948-03-12"),
        "",
    );
    let hospital = source(
        "Northgate Hospital",
        &format!(
            r#"{},"deceasedDateTime":"2026-11-20""#,
            person(MARGARET, "Thornton", "1948-03-12")
        ),
        "",
    );
    let r = merge(vec![gp, hospital], Vec::new());
    assert_eq!(
        r.demographic_discrepancies,
        ["Death is recorded differently in the record from Northgate Hospital"]
    );
}

#[test]
fn the_same_medicine_at_the_same_dose_is_one_item_with_both_sources() {
    let me = person(MARGARET, "Thornton", "1948-03-12");
    let r = merge(
        vec![
            source("gp", &me, &medication("g", "One capsule once a day")),
            source("hospital", &me, &medication("h", "5 mg once daily")),
        ],
        Vec::new(),
    );
    let meds = in_section(&r, Section::Medications);
    assert_eq!(meds.len(), 1, "one fact, not a duplicate: {meds:#?}");
    let orgs: Vec<&str> = meds[0]
        .provenance
        .iter()
        .map(|p| p.organisation.name.as_str())
        .collect();
    assert_eq!(orgs, ["gp", "hospital"]);
    assert!(meds[0].discrepancies.is_empty());
}

#[test]
fn different_doses_stay_separate_and_each_is_flagged() {
    let me = person(MARGARET, "Thornton", "1948-03-12");
    let r = merge(
        vec![
            source("gp", &me, &medication("g", "One capsule once a day")),
            source("hospital", &me, &medication("h", "One capsule twice a day")),
        ],
        Vec::new(),
    );
    let items = checked(&r);
    let meds: Vec<&Entry> = items
        .iter()
        .filter(|e| e.section == Section::Medications)
        .collect();
    assert_eq!(meds.len(), 2, "different doses are never merged");
    let by = |org: &str| {
        meds.iter()
            .find(|e| e.provenance[0].organisation.name == org)
            .unwrap()
    };
    assert_eq!(
        by("gp").discrepancies,
        ["hospital records Ramipril 5mg capsules One capsule twice a day"]
    );
    assert_eq!(
        by("hospital").discrepancies,
        ["gp records Ramipril 5mg capsules One capsule once a day"]
    );
}

#[test]
fn a_resolved_allergy_is_not_merged_into_an_active_one_and_both_are_flagged() {
    let me = person(MARGARET, "Thornton", "1948-03-12");
    let r = merge(
        vec![
            source("gp", &me, &allergy("g", "active")),
            source("hospital", &me, &allergy("h", "resolved")),
        ],
        Vec::new(),
    );
    let items = checked(&r);
    let allergies: Vec<&Entry> = items
        .iter()
        .filter(|e| e.section == Section::Allergies)
        .collect();
    assert_eq!(allergies.len(), 2);
    let statuses: Vec<(AllergyStatus, Vec<String>)> = allergies
        .iter()
        .map(|e| {
            let texts = e.warnings.iter().map(|w| w.text.clone()).collect();
            match &e.detail {
                Detail::Allergy {
                    clinical_status, ..
                } => (*clinical_status, texts),
                _ => (AllergyStatus::Unknown, texts),
            }
        })
        .collect();
    assert!(statuses.contains(&(
        AllergyStatus::Active,
        vec!["hospital records this allergy as resolved.".to_owned()]
    )));
    assert!(statuses.contains(&(
        AllergyStatus::Resolved,
        vec!["gp records this allergy as active.".to_owned()]
    )));
}

#[test]
fn failed_sources_are_kept_with_their_status_and_reason() {
    let gp = source("gp", &person(MARGARET, "Thornton", "1948-03-12"), "");
    let down = FailedSource {
        organisation: Organisation {
            ods_code: Some("RX1".to_owned()),
            name: "Northgate Hospital".to_owned(),
            care_setting: CareSetting::Unknown,
        },
        status: SourceStatus::TimedOut,
        reason: "no answer within 10 seconds".to_owned(),
    };
    let r = merge(vec![gp], vec![down]);
    assert_eq!(r.sources.len(), 2);
    assert_eq!(r.sources[1].status, SourceStatus::TimedOut);
    assert_eq!(
        r.sources[1].reason.as_deref(),
        Some("no answer within 10 seconds")
    );
}

mod fidelity;
