//! Whole-flow tests named in the clinical hazard log (`docs/hazard-log.md`).
//!
//! Each test takes a hazard's cause from FHIR in to what a clinician is shown (the
//! summary JSON every host reads and the HTML panel) through a session, as a host does,
//! and asserts that the control named in the log is there. The demo patient's five
//! sources give a realistic record; small Bundles add the cause of each hazard.

use icr_core::audit::AuditKind;
use icr_core::launch::Relationship;
use icr_core::merge::SourceStatus;
use icr_core::model::{CareSetting, Organisation, Section};
use icr_core::render::{PanelOptions, panel_html};
use icr_core::summary::PatientSummary;
use icr_core::{FailedSource, IngestOptions, SharedCareRecord, SourceRecord};
use icr_test_support::clock::today;
use icr_test_support::demo::source_records;
use icr_test_support::summary::section;

use crate::host::Host;

/// The demo patient's NHS number.
const NHS: &str = icr_core::demo::PATIENT_NHS_NUMBER;
/// A valid NHS number of somebody else.
const SOMEONE_ELSE: &str = "9434765919";

fn organisation(ods: &str, name: &str) -> Organisation {
    Organisation {
        ods_code: Some(ods.to_owned()),
        name: name.to_owned(),
        care_setting: CareSetting::Community,
    }
}

/// A small Bundle from the community clinic `RCLIN`: a Patient with `patient` (JSON
/// members) and `entries` (`{"resource":…}` members about `Patient/p`), read as a host
/// that names no expected patient would.
fn clinic(patient: &str, entries: &str) -> SourceRecord {
    let comma = if entries.is_empty() { "" } else { "," };
    let json = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
        {{"resource":{{"resourceType":"Patient","id":"p",{patient}}}}}{comma}{entries}]}}"#
    );
    let options = IngestOptions {
        organisation: Some(organisation("RCLIN", "Eastside Community Clinic")),
        ..IngestOptions::default()
    };
    icr_core::ingest(json.as_bytes(), &options).expect("the clinic's Bundle")
}

fn nhs(n: &str) -> String {
    format!(r#""identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{n}"}}]"#)
}

fn merged(extra: Vec<SourceRecord>, failures: Vec<FailedSource>) -> SharedCareRecord {
    let mut records = source_records();
    records.extend(extra);
    icr_core::merge(records, failures)
}

fn html(summary: &PatientSummary) -> String {
    panel_html(summary, &PanelOptions::default())
}

/// The text of the HTML with tags dropped and whitespace squashed, for phrase checks.
fn words(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
        .replace(" .", ".")
}

#[test]
fn another_patients_source_is_discarded_and_signposted_as_identity_mismatch() {
    let intruder = clinic(
        &format!(r#"{},"name":[{{"family":"Intruder"}}]"#, nhs(SOMEONE_ELSE)),
        r#"{"resource":{"resourceType":"Condition","id":"x","subject":{"reference":"Patient/p"},
            "code":{"text":"Intruder's gout"}}}"#,
    );
    assert_eq!(
        intruder.nhs_number().map(|n| n.as_str()),
        Some(SOMEONE_ELSE)
    );
    let record = merged(vec![intruder], vec![]);
    let summary = Host::new().gp_view(&record);
    let json = serde_json::to_string(&summary).expect("summary JSON");
    assert!(
        !json.contains("Intruder"),
        "nothing of the other patient is shown"
    );
    let clinic = summary
        .sources
        .iter()
        .find(|s| s.ods_code.as_deref() == Some("RCLIN"))
        .expect("the discarded source is still listed");
    assert_eq!(clinic.status, SourceStatus::IdentityMismatch);
    assert_eq!(clinic.items, 0);
    let text = words(&html(&summary));
    assert!(
        text.contains("Information missing: Identity mismatch: its record is about someone else and is not shown."),
        "{text}"
    );
}

#[test]
fn a_date_of_birth_that_differs_between_sources_is_a_banner_warning() {
    let other_dob = clinic(
        &format!(
            r#"{},"name":[{{"family":"Thornton","given":["Margaret"]}}],"birthDate":"1948-12-03""#,
            nhs(NHS)
        ),
        "",
    );
    let summary = Host::new().gp_view(&merged(vec![other_dob], vec![]));
    assert_eq!(
        summary.demographic_discrepancies,
        ["Date of birth differs in the record from Eastside Community Clinic"]
    );
    let text = words(&html(&summary));
    assert!(
        text.contains("Warning: sources disagree about the patient's details. Date of birth differs in the record from Eastside Community Clinic"),
        "{text}"
    );
}

#[test]
fn the_demo_sources_agree_about_the_patient() {
    let summary = Host::new().gp_view(&merged(vec![], vec![]));
    assert!(
        summary.demographic_discrepancies.is_empty(),
        "{:?}",
        summary.demographic_discrepancies
    );
    assert!(!html(&summary).contains("demographic-discrepancy"));
}

#[test]
fn no_known_allergies_against_a_recorded_allergy_is_a_warning_the_clinician_sees() {
    let nka = clinic(
        &nhs(NHS),
        r#"{"resource":{"resourceType":"AllergyIntolerance","id":"n","patient":{"reference":"Patient/p"},
            "code":{"coding":[{"system":"http://snomed.info/sct","code":"716186003","display":"No known allergy"}]}}}"#,
    );
    let summary = Host::new().gp_view(&merged(vec![nka], vec![]));
    let allergies = section(&summary, Section::Allergies);
    let warning = allergies
        .warnings
        .iter()
        .find(|w| w.code == "contradiction")
        .expect("a contradiction warning on allergies");
    assert_eq!(warning.organisation, "Eastside Community Clinic");
    assert_eq!(
        warning.text.as_deref(),
        Some(
            "'No known allergies' is recorded, but 1 active allergy is also recorded. Check with the patient."
        )
    );
    let html = html(&summary);
    let at = html
        .find("<section class=\"icr-section\" data-section=\"allergies\"")
        .expect("allergies section");
    let allergies_html = &html[at..];
    let end = allergies_html
        .find("data-section=\"medications\"")
        .unwrap_or(allergies_html.len());
    let text = words(&allergies_html[..end]);
    assert!(
        text.contains("Warning: Sources contradict each other. 'No known allergies' is recorded, but 1 active allergy is also recorded."),
        "{text}"
    );
    assert!(
        text.contains("No known allergies (recorded by Eastside Community Clinic)"),
        "{text}"
    );
}

#[test]
fn partial_dates_stay_partial_in_json_and_html() {
    let dated = clinic(
        &nhs(NHS),
        r#"{"resource":{"resourceType":"Condition","id":"y","subject":{"reference":"Patient/p"},
            "code":{"text":"Fracture of left wrist"},"onsetDateTime":"2019"}},
           {"resource":{"resourceType":"Condition","id":"m","subject":{"reference":"Patient/p"},
            "code":{"text":"Shingles"},"onsetDateTime":"2021-03"}},
           {"resource":{"resourceType":"Condition","id":"t","subject":{"reference":"Patient/p"},
            "code":{"text":"Chest pain"},"onsetDateTime":"2026-03-29T00:30:00+01:00"}}"#,
    );
    let summary = Host::new().gp_view(&merged(vec![dated], vec![]));
    let json = serde_json::to_value(&summary).expect("summary JSON");
    let problems = json["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "problems"))
        .expect("problems in JSON");
    let date_of = |title: &str| {
        problems["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["title"] == title))
            .map(|i| i["date"].clone())
            .unwrap_or_else(|| panic!("no {title}"))
    };
    assert_eq!(date_of("Fracture of left wrist"), "2019");
    assert_eq!(date_of("Shingles"), "2021-03");
    assert_eq!(date_of("Chest pain"), "2026-03-29T00:30:00+01:00");
    let text = words(&html(&summary));
    assert!(
        !text.contains("01-Jan-2019"),
        "a year is never padded to a day"
    );
    assert!(
        !text.contains("01-Mar-2021"),
        "a month is never padded to a day"
    );
    assert!(text.contains("Fracture of left wrist"), "{text}");
    assert!(html(&summary).contains("<time datetime=\"2019\">2019</time>"));
    assert!(html(&summary).contains("<time datetime=\"2021-03\">Mar-2021</time>"));
    assert!(
        html(&summary)
            .contains("<time datetime=\"2026-03-29T00:30:00+01:00\">29-Mar-2026 00:30</time>"),
        "the offset does not move the day to the 28th"
    );
}

/// A clinic whose data was last updated a year before [`today`], and a hospice that did
/// not answer.
fn old_and_down() -> (SourceRecord, FailedSource) {
    let old = clinic(
        &format!(
            r#""meta":{{"lastUpdated":"2025-11-25T09:00:00Z"}},{}"#,
            nhs(NHS)
        ),
        "",
    );
    let down = FailedSource {
        organisation: organisation("RDOWN", "Westfield Hospice"),
        status: SourceStatus::TimedOut,
        reason: "no answer within the deadline".to_owned(),
    };
    (old, down)
}

#[test]
fn failed_and_old_sources_say_so_in_json_and_html() {
    let (old, down) = old_and_down();
    let summary = Host::new().gp_view(&merged(vec![old], vec![down]));
    assert_eq!(summary.as_of, today().to_string());
    let view = |ods: &str| {
        summary
            .sources
            .iter()
            .find(|s| s.ods_code.as_deref() == Some(ods))
            .unwrap_or_else(|| panic!("no source {ods}"))
    };
    assert_eq!(view("RCLIN").age_days, Some(365));
    assert_eq!(view("RDOWN").status, SourceStatus::TimedOut);
    assert!(
        summary
            .sources
            .iter()
            .filter(|s| s.status == SourceStatus::Ok)
            .all(|s| s.age_days.is_some()),
        "every demo source says how old its data is"
    );
    let text = words(&html(&summary));
    assert!(
        text.contains("Information missing: Timed out. Westfield Hospice (RDOWN): no answer within the deadline Nothing from this organisation is shown."),
        "{text}"
    );
    assert!(
        text.contains("May be out of date: Eastside Community Clinic, data as of 25-Nov-2025 09:00 (365 days old)."),
        "{text}"
    );
}

#[test]
fn entered_in_error_items_never_reach_the_summary() {
    let corrected = clinic(
        &nhs(NHS),
        r#"{"resource":{"resourceType":"MedicationStatement","id":"w","status":"entered-in-error","subject":{"reference":"Patient/p"},
            "medicationCodeableConcept":{"text":"Warfarin 5mg tablets"},"dosage":[{"text":"As directed"}]}},
           {"resource":{"resourceType":"AllergyIntolerance","id":"a","patient":{"reference":"Patient/p"},
            "verificationStatus":"entered-in-error","code":{"text":"Latex allergy"}}}"#,
    );
    assert_eq!(corrected.report().skipped.len(), 2);
    let summary = Host::new().gp_view(&merged(vec![corrected], vec![]));
    let json = serde_json::to_string(&summary).expect("summary JSON");
    assert!(!json.contains("Warfarin"));
    assert!(!json.contains("Latex"));
}

#[test]
fn the_audit_says_who_saw_which_sections_and_sources_and_what_was_withheld_why() {
    let record = merged(vec![], vec![]);
    let host = Host::new();
    let view = host.view(&record, "social-worker", Relationship::CareTeam);
    let entries = host.audit.entries();
    let entry = entries
        .iter()
        .find(|e| {
            e.record.session_id == view.session_id && e.record.kind == AuditKind::RecordViewed
        })
        .expect("the view is audited");
    // The log stamps each entry with its own (system) clock when it seals it.
    let sealed: jiff::Timestamp = entry.time.parse().expect("an RFC 3339 time");
    let age = jiff::Timestamp::now().as_second() - sealed.as_second();
    assert!((0..600).contains(&age), "sealed {age} s ago");
    let r = &entry.record;
    assert_eq!(r.role, "social-worker");
    assert_eq!(r.relationship.as_deref(), Some("care-team"));
    assert_eq!(r.patient.as_deref(), Some(NHS));
    assert!(!r.user_id.is_empty());
    let mut audited: Vec<(String, String, usize)> = r
        .withheld
        .iter()
        .map(|w| (w.section.clone(), w.reason.clone(), w.count))
        .collect();
    audited.sort();
    let mut shown: Vec<(String, String, usize)> = view
        .summary
        .sections
        .iter()
        .flat_map(|s| {
            s.withheld.iter().map(|w| {
                let reason = match serde_json::to_value(&w.reason).expect("reason JSON") {
                    serde_json::Value::String(code) => code,
                    serde_json::Value::Object(m) => m
                        .iter()
                        .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or_default()))
                        .collect(),
                    other => other.to_string(),
                };
                (
                    s.key.key().to_owned(),
                    reason,
                    usize::try_from(w.count).expect("a count"),
                )
            })
        })
        .collect();
    shown.sort();
    assert!(!shown.is_empty(), "the social worker has items withheld");
    assert_eq!(
        audited, shown,
        "each withheld marker is in the audit, with its reason"
    );
    let mut sources: Vec<&str> = view
        .summary
        .sources
        .iter()
        .filter(|s| s.items > 0)
        .filter_map(|s| s.ods_code.as_deref())
        .collect();
    sources.sort_unstable();
    let mut audited_sources: Vec<&str> = r.sources.iter().map(String::as_str).collect();
    audited_sources.sort_unstable();
    assert_eq!(audited_sources, sources);
    let shown_ids: Vec<&str> = view
        .summary
        .sections
        .iter()
        .flat_map(|s| s.items.iter().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(r.items_shown, shown_ids, "each item shown is named");
    assert_eq!(
        r.items_withheld.len(),
        shown.iter().map(|(_, _, n)| n).sum::<usize>(),
        "each item withheld is named"
    );
    assert_eq!(r.items_shown.len() + r.items_withheld.len(), record.len());
}

#[test]
fn every_host_reads_the_same_stale_flag_from_the_json_as_the_panel_shows() {
    let (old, down) = old_and_down();
    let record = merged(vec![old], vec![down]);
    let judged = |summary: &PatientSummary| -> Vec<(String, String)> {
        let json = serde_json::to_value(summary).expect("summary JSON");
        json["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .map(|s| {
                (
                    s["ods_code"].as_str().unwrap_or_default().to_owned(),
                    s["freshness"].as_str().unwrap_or("(absent)").to_owned(),
                )
            })
            .collect()
    };
    let summary = Host::new().gp_view(&record);
    let json = judged(&summary);
    let of = |ods: &str| {
        json.iter()
            .find(|(o, _)| o == ods)
            .map(|(_, f)| f.as_str())
            .unwrap_or_else(|| panic!("no source {ods}"))
    };
    assert_eq!(of("RCLIN"), "stale", "365 days old, over the default 30");
    assert_eq!(of("Y90001"), "current", "the GP's data is 16 days old");
    assert_eq!(of("RDOWN"), "(absent)", "a failed source is not judged");
    // The panel flags exactly the sources the JSON calls stale.
    let doc = html(&summary);
    for (ods, freshness) in &json {
        let flagged = words(&doc).contains(&format!(
            "May be out of date: {}",
            summary
                .sources
                .iter()
                .find(|s| s.ods_code.as_deref() == Some(ods.as_str()))
                .map(|s| s.name.clone())
                .unwrap_or_default()
        ));
        assert_eq!(
            flagged,
            freshness == "stale" || freshness == "age_unknown",
            "{ods}: {freshness}"
        );
    }
    // The threshold is the ICR's, set where summaries are built.
    let lenient = Host::with(|b| b.stale_after_days(400)).gp_view(&record);
    assert!(
        judged(&lenient)
            .iter()
            .all(|(_, f)| f == "current" || f == "(absent)"),
        "{:?}",
        judged(&lenient)
    );
    assert!(!words(&html(&lenient)).contains("May be out of date"));
}

#[test]
fn a_second_age_specific_reference_range_reaches_the_json_and_the_html() {
    let lab = clinic(
        &nhs(NHS),
        r#"{"resource":{"resourceType":"DiagnosticReport","id":"d","status":"final","subject":{"reference":"Patient/p"},
            "code":{"text":"Bone profile"},"result":[{"reference":"Observation/alp"}]}},
           {"resource":{"resourceType":"Observation","id":"alp","status":"final","subject":{"reference":"Patient/p"},
            "code":{"text":"Alkaline phosphatase"},"valueQuantity":{"value":250,"unit":"U/L"},
            "referenceRange":[
              {"low":{"value":30,"unit":"U/L"},"high":{"value":130,"unit":"U/L"}},
              {"low":{"value":100,"unit":"U/L"},"high":{"value":390,"unit":"U/L"},
               "age":{"low":{"value":1,"unit":"a"},"high":{"value":17,"unit":"a"}},
               "appliesTo":[{"text":"Children"}]}]}}"#,
    );
    let summary = Host::new().gp_view(&merged(vec![lab], vec![]));
    let json = serde_json::to_value(&summary).expect("summary JSON");
    let result = json["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["items"].as_array().cloned().unwrap_or_default())
        .find(|e| e["title"] == "Bone profile")
        .expect("the report")["detail"]["results"][0]
        .clone();
    assert_eq!(result["reference_range"], "30-130", "the first, as before");
    let ranges = result["reference_ranges"].as_array().expect("every range");
    assert_eq!(ranges.len(), 2);
    assert_eq!(ranges[1]["range"], "100-390");
    assert_eq!(ranges[1]["age"], "1-17 a", "the age range with its unit");
    assert_eq!(ranges[1]["applies_to"][0], "Children");
    let text = words(&html(&summary));
    assert!(
        text.contains("Alkaline phosphatase 250 U/L 30-130 100-390 (Children; age 1-17 a)"),
        "{text}"
    );
}

#[test]
fn the_fhir_audit_event_and_the_access_report_carry_the_items_shown_and_withheld() {
    let record = merged(vec![], vec![]);
    let host = Host::new();
    let view = host.view(&record, "social-worker", Relationship::CareTeam);
    let entries = host.audit.entries();
    let entry = entries
        .iter()
        .find(|e| {
            e.record.session_id == view.session_id && e.record.kind == AuditKind::RecordViewed
        })
        .expect("the view is audited");
    let event = icr_core::audit::to_fhir_audit_event(entry);
    let entities = event["entity"].as_array().expect("entities");
    let named = |disclosure: &str| -> Vec<String> {
        entities
            .iter()
            .filter(|e| e["detail"][0]["valueString"] == disclosure)
            .map(|e| {
                assert_eq!(e["role"]["code"], "4", "Domain Resource");
                e["what"]["identifier"]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    let shown: Vec<String> = view
        .summary
        .sections
        .iter()
        .flat_map(|s| s.items.iter().map(|e| e.id.clone()))
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(named("shown"), shown, "every item shown, in order");
    assert_eq!(named("withheld"), entry.record.items_withheld);
    assert_eq!(
        named("withheld").len(),
        icr_test_support::summary::withheld(&view.summary),
        "every item withheld"
    );
    assert_eq!(
        entities.len(),
        3 + record.len(),
        "the patient, the summary shown and the log entry, then every item"
    );
    let report = icr_core::audit::patient_access_report(&entries, NHS);
    let line = report
        .iter()
        .find(|l| l.kind == AuditKind::RecordViewed)
        .expect("the view in the patient's access report");
    let count = |n: usize| i64::try_from(n).expect("a count");
    assert_eq!(line.items_shown, count(shown.len()));
    assert_eq!(
        line.items_withheld,
        count(icr_test_support::summary::withheld(&view.summary))
    );
}

#[test]
fn the_host_systems_date_of_birth_is_compared_with_the_record_in_json_and_html() {
    let record = merged(vec![], vec![]);
    let host = Host::new();
    let same = host
        .gp_view_with(&record, |c| {
            c.patient_birth_date = Some("1948-03-12".to_owned());
            c.patient_family_name = Some("Thornton".to_owned());
        })
        .expect("the same patient");
    assert!(
        same.demographic_discrepancies.is_empty(),
        "{:?}",
        same.demographic_discrepancies
    );
    assert!(!html(&same).contains("demographic-discrepancy"));

    let other = host
        .gp_view_with(&record, |c| {
            c.patient_birth_date = Some("1948-12-03".to_owned());
        })
        .expect("a summary, with a warning");
    let json = serde_json::to_value(&other).expect("summary JSON");
    assert_eq!(
        json["demographic_discrepancies"],
        serde_json::json!(["Date of birth differs between the record and the host system"])
    );
    let text = words(&html(&other));
    assert!(
        text.contains("Warning: sources disagree about the patient's details. Date of birth differs between the record and the host system"),
        "{text}"
    );
    assert!(
        !json["demographic_discrepancies"]
            .to_string()
            .contains("1948")
    );

    let refused = host.gp_view_with(&record, |c| {
        c.patient_birth_date = Some("12/03/1948".to_owned());
    });
    match refused {
        Err(icr_core::session::SessionError::Launch(e)) => {
            assert_eq!(
                e,
                icr_core::launch::LaunchError::InvalidClaim("icr_patient_birth_date")
            );
            assert!(!format!("{e} {e:?}").contains("1948"));
        }
        other => panic!("a malformed claim must refuse the token: {other:?}"),
    }
}
