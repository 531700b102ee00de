//! Risk signals (issue #21) as hosts get them, through audited sessions: the demo
//! patient's admission, out-of-hours visit, medicines and care package with their
//! evidence; a withheld mental-health admission that changes no number any role sees; and
//! the signals of generated (Synthea) records against counts made here from the raw FHIR.

use std::collections::BTreeSet;

use icr_core::launch::Relationship;
use icr_core::model::{CareSetting, Organisation, Section};
use icr_core::risk::{RiskKind, RiskSignal};
use icr_core::summary::PatientSummary;
use icr_core::{IngestOptions, SourceRecord};
use icr_test_support::json::arr;
use icr_test_support::summary::section;
use serde_json::{Value, json};

use crate::host::Host;
use crate::{corpus_dir, file_name, loud};

fn signal(s: &PatientSummary, kind: RiskKind) -> Option<&RiskSignal> {
    s.risk.signals.iter().find(|x| x.kind == kind)
}

#[test]
fn the_demo_patient_shows_her_admission_out_of_hours_visit_medicines_and_care_package() {
    let record = icr_test_support::demo::record();
    let gp = Host::new()
        .view(&record, "gp", Relationship::RegisteredGp)
        .summary;
    let admissions = signal(&gp, RiskKind::EmergencyAdmissions).expect("her admission");
    assert_eq!(admissions.count, Some(1));
    assert!(admissions.raised);
    let evidence = admissions.evidence.first().unwrap();
    assert_eq!(
        evidence.organisations,
        ["Northgate General Hospital NHS Trust"]
    );
    assert_eq!(
        evidence.date.as_ref().unwrap().display(),
        "18-Sep-2026 11:42"
    );
    let ooh = signal(&gp, RiskKind::OutOfHoursContacts).expect("the out-of-hours visit");
    assert_eq!(ooh.count, Some(1));
    assert_eq!(
        ooh.evidence.first().unwrap().organisations,
        ["Northgate Out-of-Hours Service"]
    );
    // Her current medicines, each once: ramipril is recorded by the practice and the
    // hospital and is one medicine.
    let medicines = signal(&gp, RiskKind::Polypharmacy).expect("her medicines");
    let current = section(&gp, Section::Medications)
        .items
        .iter()
        .filter(|e| icr_core::merge::is_current_medication(e))
        .count();
    assert_eq!(medicines.count, Some(i64::try_from(current).unwrap()));
    assert_eq!(medicines.evidence.len(), current);
    let support = signal(&gp, RiskKind::SupportInPlace).expect("her care package");
    let package = support
        .evidence
        .iter()
        .find(|e| e.title.starts_with("Package of care"))
        .expect("the package of care");
    assert_eq!(
        package.organisations,
        ["Northgate City Council Adult Social Care"]
    );
    assert!(
        support.evidence.iter().any(|e| !e.telecom.is_empty()),
        "who to contact for discharge planning"
    );
    // Every piece of evidence is an item the GP is shown.
    let shown: BTreeSet<&str> = gp
        .sections
        .iter()
        .flat_map(|s| s.items.iter().map(|e| e.id.as_str()))
        .collect();
    for s in &gp.risk.signals {
        for e in &s.evidence {
            assert!(
                shown.contains(e.item_id.as_str()),
                "{} is not shown",
                e.item_id
            );
        }
    }
}

/// A mental-health crisis service's record of an emergency admission of the demo patient.
fn crisis_admission() -> SourceRecord {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000026"}],
            "name": [{"family": "Thornton", "given": ["Margaret", "Ann"]}],
            "gender": "female", "birthDate": "1948-03-12"}},
        {"resource": {"resourceType": "Encounter", "id": "crisis", "status": "finished",
            "subject": {"reference": "Patient/p"},
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "type": [{"text": "Admission to psychiatric ward"}],
            "period": {"start": "2026-06-02", "end": "2026-06-20"},
            "hospitalization": {"extension": [{
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
                "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland", "code": "2D"}]}}]}}}
    ]});
    let options = IngestOptions {
        expected_patient: Some(icr_test_support::demo::patient()),
        organisation: Some(Organisation {
            ods_code: Some("R9X".to_owned()),
            name: "Northgate Crisis Service".to_owned(),
            care_setting: CareSetting::MentalHealth,
        }),
        ..IngestOptions::default()
    };
    icr_core::ingest(bundle.to_string().as_bytes(), &options).unwrap()
}

#[test]
fn a_withheld_mental_health_admission_changes_no_number_any_role_sees() {
    let host = Host::new();
    let without = icr_test_support::demo::record();
    let mut sources = icr_test_support::demo::source_records();
    sources.push(crisis_admission());
    let with = icr_core::merge(sources, vec![]);
    let relationships = [Relationship::RegisteredGp, Relationship::CareTeam];
    let (mut hidden, mut seen) = (0, 0);
    for role in host.policy().roles.iter().map(|r| r.name.clone()) {
        for relationship in relationships {
            let a = host.view(&with, &role, relationship).summary;
            let b = host.view(&without, &role, relationship).summary;
            let encounters_withheld = |s: &PatientSummary| -> i64 {
                section(s, Section::Encounters)
                    .withheld
                    .iter()
                    .map(|w| w.count)
                    .sum()
            };
            let shown_to_role = section(&a, Section::Encounters)
                .items
                .iter()
                .any(|e| e.id.ends_with("Encounter/crisis"));
            if shown_to_role {
                seen += 1;
                let count = |s: &PatientSummary| {
                    signal(s, RiskKind::EmergencyAdmissions).and_then(|x| x.count)
                };
                assert_eq!(
                    count(&a),
                    Some(count(&b).unwrap_or(0) + 1),
                    "{role}: shown, it counts"
                );
            } else {
                hidden += 1;
                if encounters_withheld(&a) > encounters_withheld(&b) {
                    // Withheld and signposted in its section, and nothing in the risk
                    // block changes: no count, no evidence, no window.
                    assert_eq!(a.risk, b.risk, "{role} ({relationship:?})");
                }
                let json = serde_json::to_string(&a.risk).unwrap();
                assert!(!json.contains("crisis"), "{role}: {json}");
            }
        }
    }
    assert!(
        hidden > 0 && seen > 0,
        "hidden from {hidden} views, shown in {seen}"
    );
}

/// A valid test NHS number given to the Synthea patients, who have none.
const TEST_NHS: &str = "9434765919";

/// The date part of a FHIR dateTime.
fn day(v: &Value) -> Option<jiff::civil::Date> {
    v.as_str()?.get(..10)?.parse().ok()
}

/// Counts made from the raw FHIR of one generated record over the year (and 90 days)
/// before `as_of`, by the published codes, without the SDK.
#[derive(Debug, Default, PartialEq)]
struct Counted {
    emergency_attendances: i64,
    emergency_admissions: i64,
    current_medicines: i64,
}

fn count(doc: &Value, as_of: jiff::civil::Date) -> Counted {
    let year_before = as_of - jiff::Span::new().days(365);
    let in_year = |d: jiff::civil::Date| d > year_before && d <= as_of;
    let resources = arr(&doc["entry"]).iter().map(|e| &e["resource"]);
    let mut c = Counted::default();
    let mut medicines = BTreeSet::new();
    for r in resources {
        match r["resourceType"].as_str() {
            Some("Encounter") => {
                if matches!(r["status"].as_str(), Some("planned" | "cancelled")) {
                    continue;
                }
                let Some(start) = day(&r["period"]["start"]) else {
                    continue;
                };
                if !in_year(start) {
                    continue;
                }
                let class = r["class"]["code"].as_str().unwrap_or_default();
                let types: Vec<&str> = arr(&r["type"])
                    .iter()
                    .flat_map(|t| arr(&t["coding"]))
                    .filter_map(|c| c["code"].as_str())
                    .collect();
                let typed = |codes: &[&str]| types.iter().any(|t| codes.contains(t));
                if class == "EMER" || typed(&["4525004", "50849002"]) {
                    c.emergency_attendances += 1;
                }
                if typed(&["183452005", "183460006", "183478001"]) {
                    c.emergency_admissions += 1;
                }
            }
            Some("MedicationRequest") if r["status"] == "active" => {
                let concept = &r["medicationCodeableConcept"];
                let name = concept["text"]
                    .as_str()
                    .or_else(|| arr(&concept["coding"]).first()?["display"].as_str());
                if let Some(name) = name {
                    medicines.insert(name.to_lowercase());
                }
            }
            _ => {}
        }
    }
    c.current_medicines = i64::try_from(medicines.len()).unwrap();
    c
}

#[test]
fn generated_records_give_the_signals_of_an_independent_count() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(dir.join("synthea"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut checked, mut with_attendances, mut with_many_medicines) = (0, 0, 0);
    for path in files {
        let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let entries = arr(&doc["entry"]);
        if !entries
            .iter()
            .any(|e| e["resource"]["resourceType"] == "Patient")
        {
            continue; // the hospital and practitioner files of a Synthea run
        }
        // Windows end on the record's last encounter: a generated record's dates are
        // far from today.
        let Some(last) = entries
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "Encounter")
            .filter_map(|e| day(&e["resource"]["period"]["start"]))
            .max()
        else {
            continue;
        };
        for e in doc["entry"].as_array_mut().unwrap() {
            if e["resource"]["resourceType"] == "Patient" {
                let nhs = json!({"system": "https://fhir.nhs.uk/Id/nhs-number", "value": TEST_NHS});
                e["resource"]["identifier"]
                    .as_array_mut()
                    .unwrap()
                    .push(nhs);
            }
        }
        let bytes = serde_json::to_vec(&doc).unwrap();
        let record = icr_core::ingest(&bytes, &IngestOptions::default()).unwrap();
        let record = icr_core::merge(vec![record], vec![]);
        let noon = jiff::tz::TimeZone::UTC
            .to_timestamp(last.at(12, 0, 0, 0))
            .unwrap()
            .as_second();
        let summary = Host::at(noon).gp_view(&record);
        let sdk = Counted {
            emergency_attendances: signal(&summary, RiskKind::EmergencyAttendances)
                .and_then(|s| s.count)
                .unwrap_or(0),
            emergency_admissions: signal(&summary, RiskKind::EmergencyAdmissions)
                .and_then(|s| s.count)
                .unwrap_or(0),
            current_medicines: signal(&summary, RiskKind::Polypharmacy)
                .and_then(|s| s.count)
                .unwrap_or(0),
        };
        let independent = count(&doc, last);
        let name = file_name(&path);
        loud(&format!("risk {name}: {independent:?} as of {last}"));
        assert_eq!(sdk, independent, "{name}");
        checked += 1;
        with_attendances += i32::from(independent.emergency_attendances > 0);
        with_many_medicines += i32::from(independent.current_medicines >= 5);
    }
    assert!(checked >= 5, "{checked} generated records checked");
    assert!(
        with_attendances > 0 && with_many_medicines > 0,
        "the records exercise the signals"
    );
}
