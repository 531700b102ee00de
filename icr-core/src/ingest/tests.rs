//! Ingest behaviour on the quirks real feeds have (see the corpus README).

use super::*;
use crate::model::{AllergyStatus, Section};

fn run(json: &str) -> SourceRecord {
    ingest(json.as_bytes(), &IngestOptions::default()).expect("ingest")
}

fn count(r: &SourceRecord, s: Section) -> usize {
    r.entries.iter().filter(|e| e.section == s).count()
}

#[test]
fn relative_full_urls_resolve_members() {
    let r = run(r#"{"resourceType":"Bundle","type":"collection","entry":[
      {"fullUrl":"Patient/p","resource":{"resourceType":"Patient","id":"p"}},
      {"fullUrl":"Observation/1","resource":{"resourceType":"DiagnosticReport","id":"r","subject":{"reference":"Patient/p"},
        "code":{"text":"NEWS2"},"result":[{"reference":"Observation/2"}]}},
      {"fullUrl":"Observation/2","resource":{"resourceType":"Observation","id":"2","subject":{"reference":"Patient/p"},
        "code":{"text":"Respiratory rate"},"valueQuantity":{"value":18,"unit":"/min"}}}]}"#);
    assert_eq!(count(&r, Section::Investigations), 1);
    assert_eq!(
        count(&r, Section::Observations),
        0,
        "the result folds into its report"
    );
    assert!(r.report.unresolved_references.is_empty());
}

#[test]
fn conditional_references_resolve_by_identifier() {
    let r = run(r#"{"resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p"}},
      {"fullUrl":"urn:uuid:d","resource":{"resourceType":"Practitioner","id":"d",
        "identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"99"}],"name":[{"family":"Osei","given":["Sam"],"prefix":["Dr"]}]}},
      {"fullUrl":"urn:uuid:c","resource":{"resourceType":"Condition","id":"c","subject":{"reference":"urn:uuid:p"},
        "code":{"text":"Asthma"},"recorder":{"reference":"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|99"}}}]}"#);
    let c = r
        .entries
        .iter()
        .find(|e| e.section == Section::Problems)
        .expect("problem");
    assert_eq!(c.provenance[0].recorded_by.as_deref(), Some("Dr Sam Osei"));
}

#[test]
fn duplicate_ids_keep_both_and_are_reported() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"AllergyIntolerance","id":"a","patient":{"reference":"Patient/p"},"code":{"text":"Peanut"},"clinicalStatus":"active"}},
      {"resource":{"resourceType":"AllergyIntolerance","id":"a","patient":{"reference":"Patient/p"},"code":{"text":"Peanut"},"clinicalStatus":"active","criticality":"high"}}]}"#);
    assert_eq!(count(&r, Section::Allergies), 2);
    assert_eq!(r.report.duplicate_ids, ["AllergyIntolerance/a"]);
    assert_ne!(r.entries[0].id, r.entries[1].id, "item ids stay unique");
}

#[test]
fn stu3_and_r4_statuses_read_alike_and_resolved_stays_resolved() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"AllergyIntolerance","id":"a","patient":{"reference":"Patient/p"},"code":{"text":"A"},"clinicalStatus":"resolved"}},
      {"resource":{"resourceType":"AllergyIntolerance","id":"b","patient":{"reference":"Patient/p"},"code":{"text":"B"},
        "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"resolved"}]}}},
      {"resource":{"resourceType":"AllergyIntolerance","id":"c","patient":{"reference":"Patient/p"},"code":{"text":"C"},
        "verificationStatus":{"coding":[{"code":"entered-in-error"}]}}}]}"#);
    let statuses: Vec<_> = r
        .entries
        .iter()
        .map(|e| match &e.detail {
            crate::model::Detail::Allergy {
                clinical_status, ..
            } => *clinical_status,
            _ => AllergyStatus::Unknown,
        })
        .collect();
    assert_eq!(statuses, [AllergyStatus::Resolved, AllergyStatus::Resolved]);
    assert_eq!(r.report.skipped[0].reason, SkipReason::EnteredInError);
}

#[test]
fn no_known_allergies_is_a_statement_not_an_allergy() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"AllergyIntolerance","id":"n","patient":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://snomed.info/sct","code":"716186003","display":"No known allergy"}]}}}]}"#);
    assert_eq!(count(&r, Section::Allergies), 0);
    assert_eq!(r.section_notes[0].kind, SectionNoteKind::NilKnown);
    assert_eq!(r.report.used.get("AllergyIntolerance"), Some(&1));
}

#[test]
fn gp_connect_lists_carry_warnings_empty_reasons_and_contained_ended_allergies() {
    let r = run(
        r##"{"resourceType":"Bundle","type":"collection","meta":{"profile":["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1"]},"entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"List","id":"l1","subject":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://snomed.info/sct","code":"717711000000103","display":"Problems"}]},
        "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-ListWarningCode-1","valueCode":"confidential-items"}],
        "note":[{"text":"Items excluded due to confidentiality and/or patient preferences."}]}},
      {"resource":{"resourceType":"List","id":"l2","subject":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://snomed.info/sct","code":"886921000000105"}]},
        "emptyReason":{"coding":[{"code":"no-content-recorded","display":"No content recorded"}]}}},
      {"resource":{"resourceType":"List","id":"l3","subject":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://snomed.info/sct","code":"1103671000000101","display":"Ended allergies"}]},
        "contained":[{"resourceType":"AllergyIntolerance","id":"e1","patient":{"reference":"Patient/p"},"clinicalStatus":"resolved","code":{"text":"Elastoplast"}}],
        "entry":[{"item":{"reference":"#e1"}}]}}]}"##,
    );
    assert_eq!(r.fhir_version, FhirVersion::Stu3);
    assert_eq!(r.organisation.care_setting, CareSetting::GeneralPractice);
    assert_eq!(r.warnings[0].code, WarningCode::ConfidentialItems);
    assert_eq!(r.warnings[0].section, Some(Section::Problems));
    assert!(
        r.warnings[0]
            .text
            .as_deref()
            .unwrap_or_default()
            .contains("confidentiality")
    );
    assert_eq!(r.section_notes[0].kind, SectionNoteKind::NoContentRecorded);
    assert_eq!(count(&r, Section::Allergies), 1);
}

#[test]
fn a_resource_about_another_patient_is_dropped_and_reported() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}]}},
      {"resource":{"resourceType":"Patient","id":"q","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]}},
      {"resource":{"resourceType":"Condition","id":"mine","subject":{"reference":"Patient/p"},"code":{"text":"Asthma"}}},
      {"resource":{"resourceType":"Condition","id":"theirs","subject":{"reference":"Patient/q"},"code":{"text":"Gout"}}},
      {"resource":{"resourceType":"Condition","id":"absent","subject":{"reference":"Patient/zz"},"code":{"text":"Gout"}}},
      {"resource":{"resourceType":"Condition","id":"byid","subject":{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}},"code":{"text":"Gout"}}}]}"#);
    assert_eq!(count(&r, Section::Problems), 1);
    let skipped: Vec<&str> = r
        .report
        .skipped
        .iter()
        .map(|s| s.resource.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "Patient/q",
            "Condition/theirs",
            "Condition/absent",
            "Condition/byid"
        ]
    );
    assert!(
        r.report
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::OtherPatient)
    );
}

#[test]
fn gp_connect_medication_is_one_item_with_its_plan_and_issues() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"Medication","id":"m","code":{"coding":[{"system":"https://dmd.nhs.uk/","code":"318902004","display":"Ramipril 5mg capsules"}]}}},
      {"resource":{"resourceType":"MedicationStatement","id":"s","status":"active","subject":{"reference":"Patient/p"},
        "medicationReference":{"reference":"Medication/m"},"basedOn":{"reference":"MedicationRequest/plan"},
        "effectivePeriod":[{"start":"2025-12-01"}],"dosage":[{"text":"One capsule once a day"}]}},
      {"resource":{"resourceType":"MedicationRequest","id":"plan","intent":"plan","subject":{"reference":"Patient/p"},"medicationReference":{"reference":"Medication/m"},
        "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-MedicationRepeatInformation-1",
          "extension":[{"url":"numberOfRepeatPrescriptionsAllowed","valueUnsignedInt":6}]}],
        "dispenseRequest":{"quantity":{"value":"28","unit":"capsule"}}}},
      {"resource":{"resourceType":"MedicationRequest","id":"o1","intent":"order","authoredOn":"2026-01-01","basedOn":[{"reference":"MedicationRequest/plan"}],"subject":{"reference":"Patient/p"}}},
      {"resource":{"resourceType":"MedicationRequest","id":"o2","intent":"order","authoredOn":"2026-02-01","basedOn":[{"reference":"MedicationRequest/plan"}],"subject":{"reference":"Patient/p"}}}]}"#);
    assert_eq!(count(&r, Section::Medications), 1);
    let e = &r.entries[0];
    assert_eq!(e.title, "Ramipril 5mg capsules");
    assert_eq!(
        e.code.as_ref().and_then(|c| c.system.as_deref()),
        Some(crate::model::DMD)
    );
    let crate::model::Detail::Medication(m) = &e.detail else {
        panic!("medication")
    };
    assert_eq!(m.issues, 2);
    assert_eq!(m.repeats_allowed.as_deref(), Some("6"));
    assert_eq!(m.quantity.as_deref(), Some("28 capsule"));
    assert_eq!(
        m.last_issued.as_ref().map(|d| d.as_str()),
        Some("2026-02-01")
    );
    assert_eq!(r.report.used.get("MedicationRequest"), Some(&3));
}

#[test]
fn a_single_resource_file_and_a_value_set_are_read_and_reported() {
    let r = run(
        r#"{"resourceType":"Condition","id":"c","code":{"text":"Asthma"},"onsetDateTime":"2019"}"#,
    );
    assert_eq!(r.report.resources_read.get("Condition"), Some(&1));
    assert_eq!(
        r.entries[0].date.as_ref().map(|d| d.display()),
        Some("2019".to_owned())
    );
    let v = run(r#"{"resourceType":"ValueSet","id":"v","status":"active"}"#);
    assert!(v.entries.is_empty());
    assert_eq!(v.report.skipped[0].reason, SkipReason::NotPatientData);
}

#[test]
fn expected_patient_is_enforced_for_the_whole_source() {
    let json =
        br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"p",
      "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000026"}]}}]}"#;
    let ok = IngestOptions {
        expected_patient: NhsNumber::parse("9990000026").ok(),
        ..IngestOptions::default()
    };
    assert!(ingest(json, &ok).is_ok());
    let other = IngestOptions {
        expected_patient: NhsNumber::parse("9434765919").ok(),
        ..IngestOptions::default()
    };
    let err = ingest(json, &other).expect_err("mismatch");
    assert!(matches!(err, IngestError::PatientMismatch { .. }));
    assert!(!err.to_string().contains("9990000026") && !err.to_string().contains("9434765919"));
}

#[test]
fn the_patient_is_not_listed_among_an_appointments_participants() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","name":[{"family":"Thornton","given":["Margaret"]}]}},
      {"fullUrl":"urn:uuid:d","resource":{"resourceType":"Practitioner","id":"d","name":[{"family":"Whitfield","given":["James"]}]}},
      {"fullUrl":"urn:uuid:a","resource":{"resourceType":"Appointment","id":"a","status":"booked","description":"Review",
        "participant":[{"actor":{"reference":"urn:uuid:p"}},{"actor":{"reference":"urn:uuid:d"}}]}}]}"#);
    let e = r
        .entries
        .iter()
        .find(|e| e.section == Section::Appointments)
        .expect("appointment");
    let crate::model::Detail::Appointment { participants, .. } = &e.detail else {
        panic!("appointment detail")
    };
    assert_eq!(participants, &["James Whitfield".to_owned()]);
}

#[test]
fn entered_in_error_is_never_an_item_whatever_the_resource_type() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},"code":{"text":"Asthma"},
        "verificationStatus":"entered-in-error"}},
      {"resource":{"resourceType":"MedicationStatement","id":"s","status":"entered-in-error","subject":{"reference":"Patient/p"},
        "medicationCodeableConcept":{"text":"Warfarin 1mg tablets"}}},
      {"resource":{"resourceType":"MedicationRequest","id":"q","status":"entered-in-error","intent":"order","subject":{"reference":"Patient/p"},
        "medicationCodeableConcept":{"text":"Methotrexate 2.5mg tablets"}}},
      {"resource":{"resourceType":"Observation","id":"o","status":"entered-in-error","subject":{"reference":"Patient/p"},
        "code":{"text":"Potassium"},"valueQuantity":{"value":7.1,"unit":"mmol/L"}}},
      {"resource":{"resourceType":"Immunization","id":"i","status":"entered-in-error","patient":{"reference":"Patient/p"},
        "vaccineCode":{"text":"Influenza"}}},
      {"resource":{"resourceType":"DiagnosticReport","id":"d","status":"entered-in-error","subject":{"reference":"Patient/p"},
        "code":{"text":"Full blood count"}}},
      {"resource":{"resourceType":"Condition","id":"kept","subject":{"reference":"Patient/p"},"code":{"text":"Hypertension"}}}]}"#);
    let titles: Vec<&str> = r.entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Hypertension"]);
    let mut skipped: Vec<&str> = r
        .report
        .skipped
        .iter()
        .filter(|s| s.reason == SkipReason::EnteredInError)
        .map(|s| s.resource.as_str())
        .collect();
    skipped.sort_unstable();
    assert_eq!(
        skipped,
        [
            "Condition/c",
            "DiagnosticReport/d",
            "Immunization/i",
            "MedicationRequest/q",
            "MedicationStatement/s",
            "Observation/o"
        ]
    );
}

#[test]
fn an_entered_in_error_result_inside_a_report_is_left_out() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"DiagnosticReport","id":"d","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"Urea and electrolytes"},"result":[{"reference":"Observation/k"},{"reference":"Observation/na"}]}},
      {"resource":{"resourceType":"Observation","id":"k","status":"entered-in-error","subject":{"reference":"Patient/p"},
        "code":{"text":"Potassium"},"valueQuantity":{"value":7.1,"unit":"mmol/L"}}},
      {"resource":{"resourceType":"Observation","id":"na","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"Sodium"},"valueQuantity":{"value":139,"unit":"mmol/L"}}}]}"#);
    let crate::model::Detail::Investigation { results, .. } = &r.entries[0].detail else {
        panic!("investigation")
    };
    let names: Vec<&str> = results.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["Sodium"]);
}

#[test]
fn results_keep_their_value_unit_and_reference_range_as_sent() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"DiagnosticReport","id":"d","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"Urea and electrolytes"},"result":[{"reference":"Observation/k"}]}},
      {"resource":{"resourceType":"Observation","id":"k","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"Potassium"},"valueQuantity":{"value":5.80,"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"},
        "interpretation":{"coding":[{"system":"http://hl7.org/fhir/v2/0078","code":"H"}]},
        "referenceRange":[{"low":{"value":3.5,"unit":"mmol/L"},"high":{"value":5.3,"unit":"mmol/L"}}]}},
      {"resource":{"resourceType":"Observation","id":"glu","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"Glucose"},"valueQuantity":{"value":5.2,"unit":"mmol/L"},
        "referenceRange":[{"low":{"value":70,"unit":"mg/dL"},"high":{"value":100,"unit":"mg/dL"}}]}},
      {"resource":{"resourceType":"Observation","id":"bp","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"eGFR"},"valueQuantity":{"value":"58","unit":"mL/min/1.73m2"},
        "referenceRange":[{"text":">90"}]}}]}"#);
    let crate::model::Detail::Investigation { results, .. } = &r.entries[0].detail else {
        panic!("investigation")
    };
    let k = &results[0];
    assert_eq!(k.value.as_deref(), Some("5.80"), "decimals kept as written");
    assert_eq!(k.unit.as_deref(), Some("mmol/L"));
    assert_eq!(
        k.reference_range.as_deref(),
        Some("3.5-5.3"),
        "in the value's unit, shown in the unit column"
    );
    assert_eq!(k.abnormal(), Some(true));
    let egfr = r
        .entries
        .iter()
        .find(|e| e.title == "eGFR")
        .expect("a stand-alone observation");
    let crate::model::Detail::Observation { result } = &egfr.detail else {
        panic!("observation")
    };
    assert_eq!(result.value.as_deref(), Some("58"));
    assert_eq!(result.unit.as_deref(), Some("mL/min/1.73m2"));
    assert_eq!(result.reference_range.as_deref(), Some(">90"));
    let glucose = r.entries.iter().find(|e| e.title == "Glucose").unwrap();
    let crate::model::Detail::Observation { result } = &glucose.detail else {
        panic!("observation")
    };
    assert_eq!(
        result.reference_range.as_deref(),
        Some("70-100 mg/dL"),
        "a range in another unit than the value says which"
    );
}

#[test]
fn every_reference_range_is_kept_with_what_it_applies_to() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"Observation","id":"alp","status":"final","subject":{"reference":"Patient/p"},
        "code":{"text":"Alkaline phosphatase"},"valueQuantity":{"value":250,"unit":"U/L"},
        "referenceRange":[
          {"low":{"value":30,"unit":"U/L"},"high":{"value":130,"unit":"U/L"},
           "type":{"text":"Normal Range"},"age":{"low":{"value":18,"unit":"years"}}},
          {"low":{"value":100,"unit":"U/L"},"high":{"value":390,"unit":"U/L"},
           "appliesTo":[{"coding":[{"system":"http://snomed.info/sct","code":"67822003","display":"Child"}]}],
           "age":{"low":{"value":1,"unit":"a"},"high":{"value":17,"unit":"a"}},"text":"Children (growth)"},
          {"text":"Pregnancy: up to 2x the adult range","appliesTo":{"text":"Pregnant"}}]}}]}"#);
    let crate::model::Detail::Observation { result } = &r.entries[0].detail else {
        panic!("observation")
    };
    assert_eq!(
        result.reference_range.as_deref(),
        Some("30-130"),
        "the first, as before"
    );
    type Seen<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Vec<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let all: Vec<Seen<'_>> = result
        .reference_ranges
        .iter()
        .map(|x| {
            (
                x.range.as_deref(),
                x.text.as_deref(),
                x.applies_to.iter().map(String::as_str).collect(),
                x.age.as_deref(),
                x.type_.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        all,
        [
            (
                Some("30-130"),
                None,
                vec![],
                Some(">=18 years"),
                Some("Normal Range")
            ),
            (
                Some("100-390"),
                Some("Children (growth)"),
                vec!["Child"],
                Some("1-17 a"),
                None
            ),
            (
                Some("Pregnancy: up to 2x the adult range"),
                None,
                vec!["Pregnant"],
                None,
                None
            ),
        ],
        "every range, in order, with its population and ages as sent (units kept)"
    );
    assert_eq!(
        result.reference_range_lines(),
        [
            "30-130 (age >=18 years)",
            "100-390 (Child; age 1-17 a; Children (growth))",
            "Pregnancy: up to 2x the adult range (Pregnant)",
        ]
    );
}

#[test]
fn a_code_without_a_display_is_signposted_not_blank_and_keeps_its_code() {
    let r = run(r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"p"}},
      {"resource":{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},
        "code":{"coding":[{"system":"http://example.org/local-codes","code":"X123"}]}}}]}"#);
    let e = &r.entries[0];
    assert_eq!(e.title, "Problem coded X123 (no description)");
    let code = e.code.as_ref().expect("the code is kept");
    assert_eq!(code.code.as_deref(), Some("X123"));
    assert_eq!(
        code.system.as_deref(),
        Some("http://example.org/local-codes")
    );
}

#[test]
fn impossible_dates_are_kept_as_recorded_with_a_warning_never_replaced() {
    for (birth, effective) in [
        ("2024-02-30", "yesterday"),
        ("0000-00-00", "2024-13"),
        ("2024-13", "2024-02-30T10:00:00Z"),
    ] {
        let r = run(&format!(
            r#"{{"resourceType":"Bundle","entry":[
            {{"resource":{{"resourceType":"Patient","id":"p","birthDate":"{birth}"}}}},
            {{"resource":{{"resourceType":"Observation","id":"o","status":"final","subject":{{"reference":"Patient/p"}},
              "code":{{"text":"Weight"}},"effectiveDateTime":"{effective}","issued":"2024-03-01T09:00:00Z",
              "valueQuantity":{{"value":70,"unit":"kg"}}}}}}]}}"#
        ));
        let born = r
            .patient
            .as_ref()
            .and_then(|p| p.birth_date.as_ref())
            .expect("kept");
        assert!(!born.is_valid());
        assert_eq!(born.as_str(), birth);
        assert!(born.display().contains("not a valid date"));
        let obs = r
            .entries
            .iter()
            .find(|e| e.title == "Weight")
            .expect("the weight");
        let date = obs.date.as_ref().expect("kept as recorded");
        assert_eq!(
            date.as_str(),
            effective,
            "never replaced by the issued date"
        );
        let warned: Vec<_> = r
            .warnings
            .iter()
            .filter(|w| w.code == WarningCode::InvalidDate)
            .collect();
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(
            warned
                .iter()
                .any(|w| w.section == Some(Section::Observations))
        );
        assert!(warned.iter().any(|w| w.section.is_none()));
    }
}
