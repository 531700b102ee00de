//! Sensitive information on the national code sets, from FHIR in to what each role is
//! shown (hazard log H22–H25): every concept of every default pack, every code position,
//! every kind of link, medicines by brand name, and restricted (S-flagged) patients.
//!
//! Records are written here from the rules of GP Connect (STU3) and UK Core (R4), not
//! taken from the corpus; the concepts come from the packs the SDK ships.

use std::collections::BTreeMap;

use icr_core::access::default_packs;
use icr_core::launch::Relationship;
use icr_core::model::{CareSetting, LabelBasis, Organisation, Section, SensitiveCategory};
use icr_core::render::{PanelOptions, panel_html};
use icr_core::summary::{PatientSummary, WithheldReason};
use icr_core::{IngestOptions, SharedCareRecord};
use icr_test_support::summary::{section, shown};

use crate::host::Host;

const NHS: &str = "9990000026";
/// Human immunodeficiency virus infection (SNOMED CT), in the `rcgp-hiv` pack.
const HIV: &str = "86406008";
const STU3: &str =
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1";

/// Every role of the default policy.
const ROLES: [&str; 9] = [
    "gp",
    "mental-health",
    "ooh-clinician",
    "hospital-doctor",
    "nurse",
    "pharmacist",
    "social-worker",
    "receptionist",
    "privacy-officer",
];

fn practice() -> Organisation {
    Organisation {
        ods_code: Some("A20047".to_owned()),
        name: "Riverside Surgery".to_owned(),
        care_setting: CareSetting::GeneralPractice,
    }
}

/// A source about the patient: a GP Connect STU3 Bundle (`stu3`) or an R4 one, with
/// `patient` members added to the Patient and the given `{"resource":…}` entries.
fn record_with(stu3: bool, patient: &str, entries: &[String]) -> SharedCareRecord {
    let meta = if stu3 {
        format!(r#""meta":{{"profile":["{STU3}"]}},"#)
    } else {
        String::new()
    };
    let json = format!(
        r#"{{"resourceType":"Bundle",{meta}"type":"collection","entry":[
        {{"resource":{{"resourceType":"Patient","id":"p",{patient}"identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{NHS}"}}],
          "name":[{{"family":"Example","given":["Alex"]}}],"birthDate":"1980-02-01"}}}}{}{}]}}"#,
        if entries.is_empty() { "" } else { "," },
        entries.join(",")
    );
    let options = IngestOptions {
        organisation: Some(practice()),
        ..IngestOptions::default()
    };
    let source = icr_core::ingest(json.as_bytes(), &options).expect("the test Bundle");
    icr_core::merge(vec![source], vec![])
}

fn record(stu3: bool, entries: &[String]) -> SharedCareRecord {
    record_with(stu3, "", entries)
}

fn concept(system: &str, code: &str, display: &str) -> String {
    format!(
        r#"{{"coding":[{{"system":"{system}","code":"{code}","display":"{display}"}}],"text":"{display}"}}"#
    )
}

fn snomed(code: &str, display: &str) -> String {
    concept("http://snomed.info/sct", code, display)
}

/// A problem: STU3 `assertedDate` and code status, or R4 concept status.
fn condition(stu3: bool, id: &str, code: &str, extra: &str) -> String {
    let status = if stu3 {
        r#""clinicalStatus":"active","assertedDate":"2020-01-01""#.to_owned()
    } else {
        format!(
            r#""clinicalStatus":{},"recordedDate":"2020-01-01""#,
            concept(
                "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "active",
                "Active"
            )
        )
    };
    format!(
        r#"{{"resource":{{"resourceType":"Condition","id":"{id}",{extra}"subject":{{"reference":"Patient/p"}},"code":{code},{status}}}}}"#
    )
}

fn resource(body: &str) -> String {
    format!(r#"{{"resource":{{{body},"subject":{{"reference":"Patient/p"}}}}}}"#)
}

fn withheld_by(summary: &PatientSummary) -> BTreeMap<WithheldReason, usize> {
    let mut out = BTreeMap::new();
    for w in summary.sections.iter().flat_map(|s| s.withheld.iter()) {
        *out.entry(w.reason.clone()).or_default() += usize::try_from(w.count).expect("a count");
    }
    out
}

fn category_key(c: SensitiveCategory) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .expect("a category key")
}

#[test]
fn every_concept_of_every_default_pack_is_withheld_without_its_category_and_shown_with_it() {
    let mut by_concept: BTreeMap<u64, SensitiveCategory> = BTreeMap::new();
    for pack in default_packs().iter().filter(|p| !p.codes().is_empty()) {
        for &c in pack.codes() {
            let before = by_concept.insert(c, pack.category);
            assert!(
                before.is_none_or(|b| b == pack.category),
                "{c} in two categories"
            );
        }
    }
    assert!(by_concept.len() >= 3000, "{} concepts", by_concept.len());
    let entries: Vec<String> = by_concept
        .keys()
        .map(|c| {
            condition(
                true,
                &format!("c{c}"),
                &snomed(&c.to_string(), "Coded problem"),
                "",
            )
        })
        .collect();
    let record = record(true, &entries);
    assert_eq!(record.len(), by_concept.len());
    let mut per_category: BTreeMap<SensitiveCategory, usize> = BTreeMap::new();
    for c in by_concept.values() {
        *per_category.entry(*c).or_default() += 1;
    }
    let host = Host::new();
    for role in ROLES {
        let allowed = host.policy().role(role).expect("role").clone();
        let view = host.view(&record, role, Relationship::CareTeam).summary;
        let problems = section(&view, Section::Problems);
        let reasons = withheld_by(&view);
        if !allowed.allows_section(Section::Problems) {
            assert_eq!(shown(&view), 0, "{role}");
            continue;
        }
        let mut expected_shown = 0;
        for (cat, n) in &per_category {
            let reason = WithheldReason::SensitiveCategory(category_key(*cat));
            if allowed.sensitive.contains(cat) {
                expected_shown += n;
                assert_eq!(reasons.get(&reason), None, "{role} {cat:?}");
            } else {
                assert_eq!(
                    reasons.get(&reason),
                    Some(n),
                    "{role}: {cat:?} withheld with its reason"
                );
            }
        }
        assert_eq!(problems.items.len(), expected_shown, "{role}");
        for item in &problems.items {
            let code: u64 = item
                .code
                .as_ref()
                .and_then(|c| c.code.as_deref())
                .expect("code")
                .parse()
                .expect("digits");
            let label = item
                .sensitivity
                .iter()
                .find(|s| s.basis == LabelBasis::Code)
                .expect("a code label");
            assert_eq!(label.category, by_concept[&code]);
            assert_eq!(label.code.as_deref(), Some(code.to_string().as_str()));
            assert!(label.pack.is_some());
        }
    }
}

/// The HIV concept in one position each, the item otherwise harmless.
fn positions(stu3: bool) -> Vec<(&'static str, String)> {
    let hiv = snomed(HIV, "HIV infection");
    let bp = snomed("75367002", "Blood pressure");
    let two_codings = format!(
        r#"{{"coding":[{{"system":"http://read.info/readv2","code":"A789.","display":"Viral illness"}},{{"system":"http://snomed.info/sct","code":"{HIV}"}}],"text":"Viral illness"}}"#
    );
    let referral = if stu3 {
        "ReferralRequest"
    } else {
        "ServiceRequest"
    };
    let mut out = vec![
        (
            "second coding of the main code",
            condition(stu3, "two", &two_codings, ""),
        ),
        (
            "MedicationStatement.reasonCode",
            resource(&format!(
                r#""resourceType":"MedicationStatement","id":"m","status":"active","medicationCodeableConcept":{},"effectiveDateTime":"2024-01-01","reasonCode":[{hiv}]"#,
                concept(
                    "https://dmd.nhs.uk",
                    "322236009",
                    "Paracetamol 500mg tablets"
                )
            )),
        ),
        (
            "Observation.valueCodeableConcept",
            resource(&format!(
                r#""resourceType":"Observation","id":"o","status":"final","code":{},"effectiveDateTime":"2024-01-01","valueCodeableConcept":{hiv}"#,
                snomed("365866002", "Finding of HIV status")
            )),
        ),
        (
            "Procedure.reasonCode",
            resource(&format!(
                r#""resourceType":"Procedure","id":"pr","status":"completed","code":{},"performedDateTime":"2024-01-01","reasonCode":[{hiv}]"#,
                snomed("71181003", "Venepuncture")
            )),
        ),
        (
            "referral reasonCode",
            resource(&format!(
                r#""resourceType":"{referral}","id":"r","status":"active","intent":"order","authoredOn":"2024-01-01","reasonCode":[{hiv}],"description":"Referral""#
            )),
        ),
        (
            "DocumentReference.type",
            resource(&format!(
                r#""resourceType":"DocumentReference","id":"d","status":"current","type":{hiv},"date":"2024-01-01T00:00:00Z","description":"Letter""#
            )),
        ),
        (
            "Flag.code",
            resource(&format!(
                r#""resourceType":"Flag","id":"f","status":"active","code":{hiv}"#
            )),
        ),
        (
            "meta.security",
            resource(&format!(
                r#""resourceType":"Observation","id":"s","meta":{{"security":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"HIV"}}]}},"status":"final","code":{bp},"effectiveDateTime":"2024-01-01""#
            )),
        ),
    ];
    if stu3 {
        out.push((
            "Encounter.reason",
            resource(&format!(
                r#""resourceType":"Encounter","id":"e","status":"finished","period":{{"start":"2024-01-01"}},"reason":[{hiv}]"#
            )),
        ));
        out.push((
            "DiagnosticReport.codedDiagnosis",
            resource(&format!(
                r#""resourceType":"DiagnosticReport","id":"dr","status":"final","code":{},"issued":"2024-01-01T00:00:00Z","codedDiagnosis":[{hiv}]"#,
                snomed("26604007", "Full blood count")
            )),
        ));
    } else {
        out.push((
            "Encounter.reasonCode",
            resource(&format!(
                r#""resourceType":"Encounter","id":"e","status":"finished","class":{{"code":"AMB"}},"period":{{"start":"2024-01-01"}},"reasonCode":[{hiv}]"#
            )),
        ));
        out.push((
            "DiagnosticReport.conclusionCode",
            resource(&format!(
                r#""resourceType":"DiagnosticReport","id":"dr","status":"final","code":{},"issued":"2024-01-01T00:00:00Z","conclusionCode":[{hiv}]"#,
                snomed("26604007", "Full blood count")
            )),
        ));
    }
    out
}

#[test]
fn a_sensitive_concept_in_any_code_position_withholds_the_item_from_a_nurse_in_stu3_and_r4() {
    let host = Host::new();
    for stu3 in [true, false] {
        for (position, entry) in positions(stu3) {
            let record = record(stu3, &[entry]);
            assert_eq!(record.len(), 1, "{position} (stu3 {stu3}) became one item");
            let nurse = host.view(&record, "nurse", Relationship::CareTeam).summary;
            assert_eq!(
                shown(&nurse),
                0,
                "{position} (stu3 {stu3}) shown to a nurse"
            );
            assert_eq!(
                withheld_by(&nurse).get(&WithheldReason::SensitiveCategory("hiv".into())),
                Some(&1),
                "{position} (stu3 {stu3})"
            );
            host.gp_view(&record);
        }
    }
}

/// A benign observation (blood pressure) with `id`.
fn observation(id: &str, extra: &str) -> String {
    resource(&format!(
        r#""resourceType":"Observation","id":"{id}",{extra}"status":"final","code":{},"effectiveDateTime":"2024-01-01","valueQuantity":{{"value":120,"unit":"mmHg"}}"#,
        snomed("75367002", "Blood pressure")
    ))
}

#[test]
fn gp_connect_problem_linkage_and_consultations_carry_a_problems_sensitivity() {
    let related = |t: &str| {
        format!(
            r#"{{"url":"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedClinicalContent-1","valueReference":{{"reference":"{t}"}}}}"#
        )
    };
    let problem = condition(
        true,
        "hiv",
        &snomed(HIV, "HIV infection"),
        &format!(
            r#""extension":[{},{}],"#,
            related("Observation/linked"),
            related("Encounter/e1")
        ),
    );
    let topic = |id: &str, problem: Option<&str>, items: &[&str]| {
        let ext = problem.map_or(String::new(), |p| format!(
            r#""extension":[{{"url":"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedProblemHeader-1","extension":[{{"url":"target","valueReference":{{"reference":"Condition/{p}"}}}}]}}],"#
        ));
        let entries: Vec<String> = items
            .iter()
            .map(|i| format!(r#"{{"item":{{"reference":"{i}"}}}}"#))
            .collect();
        format!(
            r#"{{"resource":{{"resourceType":"List","id":"{id}",{ext}"status":"current","mode":"snapshot","code":{},"subject":{{"reference":"Patient/p"}},"encounter":{{"reference":"Encounter/e2"}},"entry":[{}]}}}}"#,
            snomed("25851000000105", "Topic (EHR)"),
            entries.join(",")
        )
    };
    let consultation = format!(
        r#"{{"resource":{{"resourceType":"List","id":"cons","status":"current","mode":"snapshot","code":{},"subject":{{"reference":"Patient/p"}},"encounter":{{"reference":"Encounter/e2"}},"entry":[{{"item":{{"reference":"List/t1"}}}},{{"item":{{"reference":"List/t2"}}}}]}}}}"#,
        snomed("325851000000107", "Consultation")
    );
    let encounter = |id: &str| {
        resource(&format!(
            r#""resourceType":"Encounter","id":"{id}","status":"finished","period":{{"start":"2024-01-01"}},"type":[{}]"#,
            snomed("185389009", "Follow-up visit")
        ))
    };
    let record = record(
        true,
        &[
            problem,
            observation("linked", ""),
            encounter("e1"),
            encounter("e2"),
            consultation,
            topic("t1", Some("hiv"), &["Observation/under-topic"]),
            topic("t2", None, &["Observation/other-topic"]),
            observation("under-topic", ""),
            observation("other-topic", ""),
        ],
    );
    let host = Host::new();
    let nurse = host.view(&record, "nurse", Relationship::CareTeam).summary;
    let reasons = withheld_by(&nurse);
    // The problem itself, by its code; the observation and encounter it names as related
    // content; the consultation holding it (through its topic); the observation under
    // that topic. The observation under the consultation's other topic is not about it.
    assert_eq!(
        reasons.get(&WithheldReason::SensitiveCategory("hiv".into())),
        Some(&1)
    );
    assert_eq!(
        reasons.get(&WithheldReason::Linked),
        Some(&4),
        "{reasons:?}"
    );
    assert_eq!(section(&nurse, Section::Observations).items.len(), 1);
    let marker = section(&nurse, Section::Encounters)
        .withheld
        .iter()
        .find(|w| w.reason == WithheldReason::Linked)
        .expect("a linked marker");
    assert_eq!(
        marker.explanation,
        "Withheld: linked to sensitive information."
    );
    let json = serde_json::to_string(&nurse).expect("json");
    assert!(!json.to_lowercase().contains("hiv infection"));
    host.gp_view(&record);
}

#[test]
fn r4_reasons_diagnoses_evidence_and_results_carry_a_problems_sensitivity() {
    let hiv_problem = condition(false, "hiv", &snomed(HIV, "HIV infection"), "");
    let hiv_test = snomed("315124004", "HIV viral load");
    assert!(
        default_packs()
            .iter()
            .any(|p| p.codes().contains(&315_124_004)),
        "the viral load concept is in a default pack"
    );
    let entries = vec![
        hiv_problem,
        resource(
            r#""resourceType":"Encounter","id":"e","status":"finished","class":{"code":"IMP"},"period":{"start":"2024-01-01"},"diagnosis":[{"condition":{"reference":"Condition/hiv"}}]"#,
        ),
        resource(
            r#""resourceType":"ServiceRequest","id":"sr","status":"active","intent":"order","authoredOn":"2024-01-01","reasonReference":[{"reference":"Condition/hiv"}],"code":{"text":"Referral to clinic"}"#,
        ),
        resource(
            r#""resourceType":"Appointment","id":"ap","status":"booked","start":"2027-01-01T10:00:00Z","description":"Follow-up","reasonReference":[{"reference":"Condition/hiv"}],"participant":[{"actor":{"reference":"Patient/p"},"status":"accepted"}]"#,
        ),
        resource(&format!(
            r#""resourceType":"MedicationStatement","id":"m","status":"active","medicationCodeableConcept":{},"effectiveDateTime":"2024-01-01","reasonReference":[{{"reference":"Condition/hiv"}}]"#,
            concept(
                "https://dmd.nhs.uk",
                "322236009",
                "Paracetamol 500mg tablets"
            )
        )),
        condition(
            false,
            "fatigue",
            &snomed("84229001", "Fatigue"),
            r#""evidence":[{"detail":[{"reference":"Observation/vl"}]}],"#,
        ),
        resource(&format!(
            r#""resourceType":"Observation","id":"vl","status":"final","code":{hiv_test},"effectiveDateTime":"2024-01-01","valueQuantity":{{"value":20,"unit":"copies/mL"}}"#
        )),
        resource(&format!(
            r#""resourceType":"DiagnosticReport","id":"rep","status":"final","code":{},"issued":"2024-01-01T00:00:00Z","result":[{{"reference":"Observation/vl2"}}]"#,
            snomed("26604007", "Blood panel")
        )),
        resource(&format!(
            r#""resourceType":"Observation","id":"vl2","status":"final","code":{hiv_test},"effectiveDateTime":"2024-01-01","valueQuantity":{{"value":20,"unit":"copies/mL"}}"#
        )),
    ];
    let record = record(false, &entries);
    let host = Host::new();
    let nurse = host.view(&record, "nurse", Relationship::CareTeam).summary;
    assert_eq!(shown(&nurse), 0, "{:?}", withheld_by(&nurse));
    let reasons = withheld_by(&nurse);
    // Coded: the problem, the viral load, the report holding the other viral load.
    assert_eq!(
        reasons.get(&WithheldReason::SensitiveCategory("hiv".into())),
        Some(&3)
    );
    // Linked: encounter (diagnosis), referral, appointment and medicine (reason), and
    // the fatigue problem (its evidence).
    assert_eq!(
        reasons.get(&WithheldReason::Linked),
        Some(&5),
        "{reasons:?}"
    );
    host.gp_view(&record);
}

#[test]
fn no_antiretroviral_in_the_hiv_pack_reaches_a_nurse_by_generic_or_brand_name() {
    let pack = default_packs()
        .iter()
        .find(|p| p.id == "medicines-hiv")
        .expect("the HIV medicines pack");
    assert!(pack.terms().len() >= 60, "{} names", pack.terms().len());
    let mut entries = vec![condition(true, "hiv", &snomed(HIV, "HIV infection"), "")];
    for (i, name) in pack.terms().iter().enumerate() {
        // Written as a prescriber would: capitalised, with a strength and form.
        let mut title = name.clone();
        if let Some(first) = title.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        entries.push(resource(&format!(
            r#""resourceType":"MedicationStatement","id":"m{i}","status":"active","medicationCodeableConcept":{{"text":"{title} 200mg/245mg tablets"}},"effectiveDateTime":"2024-01-01""#
        )));
    }
    let record = record(true, &entries);
    let host = Host::new();
    let nurse = host.view(&record, "nurse", Relationship::CareTeam).summary;
    let meds = section(&nurse, Section::Medications);
    assert!(
        meds.items.is_empty(),
        "shown: {:?}",
        meds.items.iter().map(|e| &e.title).collect::<Vec<_>>()
    );
    assert_eq!(
        meds.withheld
            .iter()
            .map(|w| usize::try_from(w.count).expect("a count"))
            .sum::<usize>(),
        pack.terms().len()
    );
    // Without the withheld diagnosis nothing reveals anything: the medicines are shown.
    let only_medicines = record_without_problem(&entries);
    let nurse = host
        .view(&only_medicines, "nurse", Relationship::CareTeam)
        .summary;
    assert_eq!(
        section(&nurse, Section::Medications).items.len(),
        pack.terms().len()
    );
}

fn record_without_problem(entries: &[String]) -> SharedCareRecord {
    record(true, entries.get(1..).unwrap_or_default())
}

const ADDRESS: &str = r#""address":[{"line":["12 Hidden Lane"],"city":"Leeds","postalCode":"LS1 4AB"}],"telecom":[{"system":"phone","value":"07700 900123","use":"mobile"},{"system":"email","value":"alex@example.org"}],"#;

fn assert_no_contact_details(summary: &PatientSummary, who: &str) {
    let json = serde_json::to_string(summary).expect("json");
    let html = panel_html(summary, &PanelOptions::default());
    for secret in ["Hidden Lane", "LS1 4AB", "07700 900123", "alex@example.org"] {
        assert!(!json.contains(secret), "{who}: {secret} in the JSON");
        assert!(!html.contains(secret), "{who}: {secret} in the HTML");
    }
    let banner = summary.patient.as_ref().expect("banner");
    assert_eq!(
        banner.contact_details_withheld.as_deref(),
        Some("Contact details withheld: restricted record")
    );
    assert!(
        html.contains("Contact details withheld: restricted record"),
        "{who}"
    );
}

#[test]
fn a_restricted_patients_contact_details_reach_no_role_whether_a_source_or_the_host_says_so() {
    let restricted = format!(
        r#""meta":{{"security":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}}]}},{ADDRESS}"#
    );
    let host = Host::new();
    for stu3 in [true, false] {
        let record = record_with(stu3, &restricted, &[]);
        for role in ROLES {
            let view = host.view(&record, role, Relationship::CareTeam);
            assert_no_contact_details(&view.summary, role);
            let audited = host
                .audit
                .entries()
                .into_iter()
                .rev()
                .find(|e| {
                    e.record.session_id == view.session_id
                        && e.record.kind == icr_core::audit::AuditKind::RecordViewed
                })
                .expect("the view is audited");
            assert!(
                audited.record.restricted,
                "{role}: the audit says the restriction applied"
            );
        }
    }
    // Unrestricted in the record, restricted by the host's launch context.
    let record = record_with(true, ADDRESS, &[]);
    let plain = host.gp_view(&record);
    assert!(
        serde_json::to_string(&plain)
            .expect("json")
            .contains("Hidden Lane")
    );
    let by_host = host
        .gp_view_with(&record, |c| c.patient_restricted = true)
        .expect("summary");
    assert_no_contact_details(&by_host, "gp, restricted by the host");
}

/// The corpus's GP Connect records with sensitive problems, antiretrovirals by brand and
/// the restricted flag planted into them, as a reviewer would check on records the SDK
/// was not written against: every role sees what its policy allows and nothing else.
#[test]
fn planted_into_real_gp_connect_records_sensitive_items_reach_only_the_roles_allowed() {
    let Some(dir) = crate::corpus_dir() else {
        return;
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("gpconnect"))
        .expect("the GP Connect folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    // Three concepts of every code pack, and the HIV medicines pack's brands.
    let planted: Vec<(String, SensitiveCategory)> = default_packs()
        .iter()
        .filter(|p| !p.codes().is_empty())
        .flat_map(|p| {
            p.codes()
                .iter()
                .take(3)
                .map(move |c| (c.to_string(), p.category))
        })
        .collect();
    let brands: Vec<String> = default_packs()
        .iter()
        .find(|p| p.id == "medicines-hiv")
        .expect("pack")
        .terms()
        .iter()
        .take(25)
        .cloned()
        .collect();
    let host = Host::new();
    let mut checked = 0;
    for file in &files {
        let Ok(mut bundle) =
            serde_json::from_slice::<serde_json::Value>(&std::fs::read(file).expect("read"))
        else {
            continue;
        };
        let Some(entries) = bundle.get_mut("entry").and_then(|e| e.as_array_mut()) else {
            continue;
        };
        let Some(patient) = entries
            .iter_mut()
            .map(|e| &mut e["resource"])
            .find(|r| r["resourceType"] == "Patient")
        else {
            continue;
        };
        let Some(pid) = patient["id"].as_str().map(str::to_owned) else {
            continue;
        };
        patient["meta"]["security"] = serde_json::json!([{
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"}]);
        patient["address"] =
            serde_json::json!([{"line": ["7 Planted Row"], "postalCode": "ZZ99 9ZZ"}]);
        patient["telecom"] = serde_json::json!([{"system": "phone", "value": "07700 900999"}]);
        for (i, (code, _)) in planted.iter().enumerate() {
            entries.push(serde_json::json!({"resource": {
                "resourceType": "Condition", "id": format!("planted-{i}"),
                "clinicalStatus": "active", "assertedDate": "2020-01-01",
                "subject": {"reference": format!("Patient/{pid}")},
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}],
                         "text": format!("Planted problem {code}")}}}));
        }
        for (i, brand) in brands.iter().enumerate() {
            entries.push(serde_json::json!({"resource": {
                "resourceType": "MedicationStatement", "id": format!("planted-med-{i}"),
                "status": "active", "effectiveDateTime": "2024-01-01",
                "subject": {"reference": format!("Patient/{pid}")},
                "medicationCodeableConcept": {"text": format!("{} tablets", brand.to_uppercase())}}}));
        }
        let json = serde_json::to_vec(&bundle).expect("json");
        let Ok(source) = icr_core::ingest(&json, &IngestOptions::default()) else {
            continue;
        };
        if source.nhs_number().is_none() {
            continue;
        }
        let record = icr_core::merge(vec![source], vec![]);
        for role in ROLES {
            let rule = host.policy().role(role).expect("role").clone();
            let view = host.view(&record, role, Relationship::CareTeam).summary;
            let json = serde_json::to_string(&view).expect("json");
            let html = panel_html(&view, &PanelOptions::default());
            for secret in ["Planted Row", "ZZ99 9ZZ", "07700 900999"] {
                assert!(
                    !json.contains(secret) && !html.contains(secret),
                    "{role}: {secret}"
                );
            }
            for (code, category) in &planted {
                let shown = json.contains(&format!("Planted problem {code}"));
                let may =
                    rule.allows_section(Section::Problems) && rule.sensitive.contains(category);
                assert_eq!(
                    shown,
                    may,
                    "{}: {role} and {code} ({category:?})",
                    crate::file_name(file)
                );
            }
            if !rule.sensitive.contains(&SensitiveCategory::Hiv) {
                for brand in &brands {
                    assert!(
                        !json.contains(&format!("{} tablets", brand.to_uppercase())),
                        "{}: {role} sees {brand}",
                        crate::file_name(file)
                    );
                }
            }
        }
        checked += 1;
    }
    crate::loud(&format!(
        "sensitive items planted into {checked} corpus GP Connect records: checked for every role"
    ));
    assert!(
        checked >= 5,
        "only {checked} GP Connect records could be planted into"
    );
}
