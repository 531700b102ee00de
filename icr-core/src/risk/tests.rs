//! Each signal on synthetic FHIR R4 sources ingested and merged as hosts give them, so
//! the encounter facts and concepts come from the real ingest: the rules of each signal,
//! the same event from two organisations, partial dates at a window's edge, and a
//! withheld item that neither counts nor shows.

use super::*;
use crate::merge::{SharedCareRecord, merge};
use crate::model::{CareSetting, WithheldReason};
use crate::summary::{PatientSummary, SummaryOptions, build};
use crate::synthetic::{everything, source};

/// The summary date of every test: windows end on it.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 25)
}

/// An R4 Encounter: `class` (v3 ActCode), a SNOMED `type`, a period, and extra members
/// (`hospitalization`, `priority`, …) as JSON after a comma, or empty.
fn encounter(
    id: &str,
    class: &str,
    type_code: &str,
    start: &str,
    end: &str,
    extra: &str,
) -> String {
    let end = if end.is_empty() {
        String::new()
    } else {
        format!(r#","end":"{end}""#)
    };
    format!(
        r#"{{"resourceType":"Encounter","id":"{id}","status":"finished","subject":{{"reference":"Patient/p"}},
        "class":{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"{class}"}},
        "type":[{{"coding":[{{"system":"http://snomed.info/sct","code":"{type_code}","display":"Encounter {id}"}}]}}],
        "period":{{"start":"{start}"{end}}}{extra}}}"#
    )
}

/// The UK Core admission method extension with `code`.
fn admission_method(code: &str) -> String {
    format!(
        r#","hospitalization":{{"extension":[{{"url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
        "valueCodeableConcept":{{"coding":[{{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland","code":"{code}"}}]}}}}]}}"#
    )
}

/// An R4 Condition coded `code` (SNOMED CT), recorded on `date`.
fn condition(id: &str, code: &str, term: &str, date: &str) -> String {
    format!(
        r#"{{"resourceType":"Condition","id":"{id}","subject":{{"reference":"Patient/p"}},
        "clinicalStatus":{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}}]}},
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"{code}","display":"{term}"}}]}},"onsetDateTime":"{date}"}}"#
    )
}

/// An R4 Observation coded `code` on `date`, with a value when one is given.
fn observation(id: &str, code: &str, term: &str, date: &str, value: Option<f64>) -> String {
    let value = value
        .map(|v| format!(r#","valueQuantity":{{"value":{v}}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"resourceType":"Observation","id":"{id}","status":"final","subject":{{"reference":"Patient/p"}},
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"{code}","display":"{term}"}}]}},"effectiveDateTime":"{date}"{value}}}"#
    )
}

/// An active R4 MedicationRequest for `drug` (dm+d `code`).
fn medicine(id: &str, code: &str, drug: &str) -> String {
    format!(
        r#"{{"resourceType":"MedicationRequest","id":"{id}","status":"active","intent":"order","subject":{{"reference":"Patient/p"}},
        "medicationCodeableConcept":{{"coding":[{{"system":"https://dmd.nhs.uk","code":"{code}","display":"{drug}"}}]}},"authoredOn":"2026-06-01"}}"#
    )
}

fn summary(record: &SharedCareRecord) -> PatientSummary {
    build(record, today(), SummaryOptions::default(), everything)
}

fn signal(s: &PatientSummary, kind: RiskKind) -> Option<&RiskSignal> {
    s.risk.signals.iter().find(|x| x.kind == kind)
}

const OLD: &str = "1940-01-01";

#[test]
fn an_admission_recorded_by_the_hospital_and_the_gp_counts_once() {
    let hospital = source(
        "Hospital",
        CareSetting::Acute,
        OLD,
        &[encounter(
            "adm",
            "IMP",
            "32485007",
            "2026-09-18T11:42:00+01:00",
            "2026-09-30",
            &admission_method("21"),
        )],
    );
    // The GP codes the admission when the discharge letter arrives, a day after discharge.
    let gp = source(
        "Practice",
        CareSetting::GeneralPractice,
        OLD,
        &[observation(
            "gp-adm",
            "183452005",
            "Emergency hospital admission",
            "2026-10-01",
            None,
        )],
    );
    let s = summary(&merge(vec![hospital, gp], vec![]));
    let admissions = signal(&s, RiskKind::EmergencyAdmissions).expect("a signal");
    assert_eq!(admissions.count, Some(1));
    assert!(admissions.raised, "the default raises at one");
    assert_eq!(admissions.evidence.len(), 2, "both records are evidence");
    assert_eq!(admissions.evidence.iter().filter(|e| e.counted).count(), 1);
    let other = admissions.evidence.iter().find(|e| !e.counted).unwrap();
    assert!(
        other.note.as_deref().unwrap().contains("counted once"),
        "{other:?}"
    );
    assert_eq!(
        admissions.headline,
        "1 emergency admission in the last 12 months"
    );
}

#[test]
fn two_admissions_months_apart_count_twice_and_an_elective_one_not_at_all() {
    let hospital = source(
        "Hospital",
        CareSetting::Acute,
        OLD,
        &[
            encounter(
                "a1",
                "IMP",
                "32485007",
                "2026-02-02",
                "2026-02-09",
                &admission_method("21"),
            ),
            encounter(
                "a2",
                "IMP",
                "32485007",
                "2026-07-10",
                "2026-07-12",
                &admission_method("2A"),
            ),
            encounter(
                "el",
                "IMP",
                "32485007",
                "2026-08-01",
                "2026-08-03",
                &admission_method("11"),
            ),
            encounter(
                "em",
                "ACUTE",
                "32485007",
                "2026-10-01",
                "2026-10-03",
                r#","priority":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActPriority","code":"EM"}]}"#,
            ),
            encounter("ae", "EMER", "4525004", "2026-10-01", "", ""),
        ],
    );
    let s = summary(&merge(vec![hospital], vec![]));
    let admissions = signal(&s, RiskKind::EmergencyAdmissions).unwrap();
    assert_eq!(admissions.count, Some(3), "{:#?}", admissions.evidence);
    assert!(
        !admissions
            .evidence
            .iter()
            .any(|e| e.item_id.ends_with("/el"))
    );
    let attendances = signal(&s, RiskKind::EmergencyAttendances).unwrap();
    assert_eq!(attendances.count, Some(1));
    assert!(!attendances.raised, "the default raises at two");
}

#[test]
fn partial_dates_at_the_window_edge_are_listed_but_counted_only_when_wholly_inside() {
    // The window is 26-Nov-2025 to 25-Nov-2026: November 2025 straddles its start,
    // December 2025 is inside, 2024 is before it.
    let hospital = source(
        "Hospital",
        CareSetting::Acute,
        OLD,
        &[
            encounter("nov", "IMP", "183452005", "2025-11", "", ""),
            encounter("dec", "IMP", "183452005", "2025-12", "", ""),
            encounter("old", "IMP", "183452005", "2024", "", ""),
            encounter("day", "IMP", "183452005", "2025-11-26", "", ""),
            encounter("before", "IMP", "183452005", "2025-11-25", "", ""),
        ],
    );
    let s = summary(&merge(vec![hospital], vec![]));
    let admissions = signal(&s, RiskKind::EmergencyAdmissions).unwrap();
    let by_id = |id: &str| admissions.evidence.iter().find(|e| e.item_id.ends_with(id));
    assert!(by_id("/dec").unwrap().counted);
    assert!(
        by_id("/day").unwrap().counted,
        "the window's first day is inside"
    );
    let nov = by_id("/nov").expect("a straddling date is listed");
    assert!(!nov.counted);
    assert!(
        nov.note
            .as_deref()
            .unwrap()
            .contains("may fall before 26-Nov-2025"),
        "{nov:?}"
    );
    assert!(
        by_id("/old").is_none(),
        "a year before the window is not evidence"
    );
    assert!(
        by_id("/before").is_none(),
        "the day before the window is outside"
    );
    assert_eq!(admissions.count, Some(2));
}

#[test]
fn out_of_hours_contacts_come_from_out_of_hours_services_within_90_days() {
    let ooh = source(
        "Out of hours",
        CareSetting::OutOfHours,
        OLD,
        &[
            encounter("v1", "HH", "439708006", "2026-11-08", "", ""),
            encounter("v2", "AMB", "11429006", "2026-10-20", "", ""),
            encounter("v3", "AMB", "11429006", "2026-06-20", "", ""),
        ],
    );
    let gp = source(
        "Practice",
        CareSetting::GeneralPractice,
        OLD,
        &[encounter("c", "AMB", "11429006", "2026-11-01", "", "")],
    );
    let s = summary(&merge(vec![ooh, gp], vec![]));
    let contacts = signal(&s, RiskKind::OutOfHoursContacts).unwrap();
    assert_eq!(contacts.count, Some(2), "{:#?}", contacts.evidence);
    assert!(contacts.raised);
    assert_eq!(
        contacts.headline,
        "2 out-of-hours contacts in the last 90 days"
    );
}

#[test]
fn polypharmacy_counts_a_medicine_once_across_sources_and_lowers_its_threshold_after_a_fall() {
    let drugs: Vec<String> = (0..6)
        .map(|i| {
            medicine(
                &format!("m{i}"),
                &format!("3{i}9811000001109"),
                &format!("Drug {i} 10mg tablets"),
            )
        })
        .collect();
    // The hospital records two of the same medicines.
    let hospital_drugs = vec![
        drugs[0].replace("\"m0\"", "\"h0\""),
        drugs[1].replace("\"m1\"", "\"h1\""),
    ];
    let gp = source("Practice", CareSetting::GeneralPractice, OLD, &drugs);
    let hospital = source("Hospital", CareSetting::Acute, OLD, &hospital_drugs);
    let record = merge(vec![gp.clone(), hospital.clone()], vec![]);
    let s = summary(&record);
    let p = signal(&s, RiskKind::Polypharmacy).unwrap();
    assert_eq!(p.count, Some(6), "{:#?}", p.evidence);
    assert!(!p.raised, "six is under ten, and there is no fall");
    let fall = source(
        "Community",
        CareSetting::Community,
        OLD,
        &[condition("fall", "1912002", "Fall", "2026-10-02")],
    );
    let s = summary(&merge(vec![gp, hospital, fall], vec![]));
    let p = signal(&s, RiskKind::Polypharmacy).unwrap();
    assert!(p.raised, "six with a fall in the year reaches five");
    assert_eq!(signal(&s, RiskKind::Falls).unwrap().count, Some(1));
}

#[test]
fn recorded_frailty_is_shown_instead_of_a_computed_index() {
    let gp = source(
        "Practice",
        CareSetting::GeneralPractice,
        OLD,
        &[
            condition("hf", "84114007", "Heart failure", "2020-01-01"),
            observation(
                "efi",
                "713636003",
                "Frailty Index score",
                "2026-03-01",
                Some(0.31),
            ),
            observation("old", "925791000000100", "Mild frailty", "2024-03-01", None),
        ],
    );
    let s = summary(&merge(vec![gp], vec![]));
    let f = signal(&s, RiskKind::Frailty).unwrap();
    assert!(f.raised, "an eFI of 0.31 is moderate");
    assert_eq!(f.value.as_deref(), Some("0.31"));
    assert!(
        f.caveat.is_none(),
        "a recorded score is the source's, not the SDK's"
    );
    assert!(f.evidence.first().unwrap().item_id.ends_with("/efi"));
    assert!(!f.evidence.get(1).unwrap().counted);
}

#[test]
fn the_efi_counts_each_deficit_once_for_people_over_65_and_says_it_is_a_screening_tool() {
    let resources = vec![
        condition("hf", "84114007", "Heart failure", "2019-01-01"),
        condition("hf2", "84114007", "Heart failure", "2021-01-01"),
        condition("fall", "1912002", "Fall", "2026-01-01"),
        condition("ht", "38341003", "Hypertension", "2010-01-01"),
    ];
    let gp = source("Practice", CareSetting::GeneralPractice, OLD, &resources);
    let s = summary(&merge(vec![gp], vec![]));
    let f = signal(&s, RiskKind::Frailty).unwrap();
    assert_eq!(f.count, Some(3), "{:#?}", f.evidence);
    assert_eq!(f.value.as_deref(), Some("0.08"));
    assert!(!f.raised, "3 of 36 is fit");
    assert_eq!(f.caveat.as_deref(), Some(SCREENING_CAVEAT));
    let hf = f
        .evidence
        .iter()
        .find(|e| e.note.as_deref() == Some("deficit: heart failure"))
        .unwrap();
    assert!(hf.item_id.ends_with("/hf"), "counted from its first record");
    // Under 65: no index.
    let young = source(
        "Practice",
        CareSetting::GeneralPractice,
        "1990-01-01",
        &resources,
    );
    let s = summary(&merge(vec![young], vec![]));
    assert!(signal(&s, RiskKind::Frailty).is_none());
}

#[test]
fn support_in_place_names_the_care_package_the_carer_and_who_to_contact() {
    let council = source(
        "Council",
        CareSetting::SocialCare,
        OLD,
        &[
            r#"{"resourceType":"CarePlan","id":"pkg","status":"active","intent":"plan","subject":{"reference":"Patient/p"},"title":"Package of care: two visits daily","period":{"start":"2026-10-01"}}"#.to_owned(),
            r#"{"resourceType":"CarePlan","id":"done","status":"completed","intent":"plan","subject":{"reference":"Patient/p"},"title":"Reablement","period":{"start":"2026-01-01","end":"2026-02-01"}}"#.to_owned(),
            r##"{"resourceType":"CareTeam","id":"team","status":"active","subject":{"reference":"Patient/p"},"name":"Locality team","participant":[{"member":{"reference":"#sw"}}],"contained":[{"resourceType":"Practitioner","id":"sw","name":[{"text":"Sam Worker"}],"telecom":[{"system":"phone","value":"01632960700"}]}]}"##.to_owned(),
            r#"{"resourceType":"RelatedPerson","id":"rp","patient":{"reference":"Patient/p"},"relationship":[{"text":"Daughter and main carer"}],"name":[{"text":"Susan"}],"telecom":[{"system":"phone","value":"07700900123"}]}"#.to_owned(),
        ],
    );
    let s = summary(&merge(vec![council], vec![]));
    let support = signal(&s, RiskKind::SupportInPlace).expect("support is in place");
    let ids: Vec<&str> = support
        .evidence
        .iter()
        .map(|e| e.item_id.as_str())
        .collect();
    assert!(ids.iter().any(|i| i.ends_with("/pkg")), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i.ends_with("/done")),
        "a completed plan is not in place"
    );
    let carer = support
        .evidence
        .iter()
        .find(|e| e.note.as_deref().is_some_and(|n| n.starts_with("carer")))
        .expect("the carer");
    assert_eq!(
        carer.telecom.first().map(|t| t.value.as_str()),
        Some("07700900123")
    );
}

#[test]
fn a_withheld_admission_neither_counts_nor_shows() {
    let hospital = source(
        "Hospital",
        CareSetting::Acute,
        OLD,
        &[encounter(
            "a",
            "IMP",
            "32485007",
            "2026-05-01",
            "2026-05-04",
            &admission_method("21"),
        )],
    );
    let mental_health = source(
        "Mental health trust",
        CareSetting::MentalHealth,
        OLD,
        &[encounter(
            "mh",
            "IMP",
            "32485007",
            "2026-08-01",
            "2026-08-20",
            &admission_method("2D"),
        )],
    );
    let record = merge(vec![hospital.clone(), mental_health], vec![]);
    let withheld = build(&record, today(), SummaryOptions::default(), |_, e| {
        if e.provenance
            .iter()
            .any(|p| p.organisation.care_setting == CareSetting::MentalHealth)
        {
            Err(WithheldReason::SensitiveCategory(
                "mental-health".to_owned(),
            ))
        } else {
            Ok(e.sensitivity.clone())
        }
    });
    let without = summary(&merge(vec![hospital], vec![]));
    assert_eq!(withheld.risk, without.risk);
    let admissions = signal(&withheld, RiskKind::EmergencyAdmissions).unwrap();
    assert_eq!(admissions.count, Some(1));
    // Shown to a viewer who may see it, it counts: the control above is what hides it.
    let everything = summary(&record);
    assert_eq!(
        signal(&everything, RiskKind::EmergencyAdmissions)
            .unwrap()
            .count,
        Some(2)
    );
}

#[test]
fn nothing_to_count_is_no_signal_rather_than_none() {
    let gp = source("Practice", CareSetting::GeneralPractice, "1990-01-01", &[]);
    let s = summary(&merge(vec![gp], vec![]));
    assert!(s.risk.signals.is_empty(), "{:#?}", s.risk.signals);
    assert_eq!(s.risk.basis, RISK_BASIS);
}

#[test]
fn the_rules_refuse_thresholds_that_would_say_what_no_source_said() {
    let mut rules = RiskRules::default();
    assert!(rules.problems().is_empty());
    rules.emergency_admissions.raise_at = 0;
    rules.falls.window_days = 0;
    rules.polypharmacy.raise_at_with_falls = 20;
    let problems = rules.problems();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("risk.emergency_admissions.raise_at"))
    );
}
