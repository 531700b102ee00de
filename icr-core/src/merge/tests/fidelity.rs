//! Merge rules that never lose or invent a clinical fact (hazard H27): allergies keep
//! every reaction and the highest criticality, problems merge only within one episode
//! and never on a placeholder code, every course of a medicine is kept with its
//! supplies, and the result does not depend on the order of sources or resources.

use proptest::prelude::*;

use super::{MARGARET, person, source};
use crate::merge::{SourceStatus, merge};
use crate::model::{ChangeKind, Detail, Entry, Section};
use crate::summary::{SummaryOptions, build};

fn r(json: String) -> String {
    format!(r#"{{"resource":{json}}}"#)
}

fn allergy(id: &str, reaction: Option<(&str, &str)>, criticality: Option<&str>) -> String {
    let reaction = reaction.map_or(String::new(), |(what, severity)| {
        format!(
            r#","reaction":[{{"manifestation":[{{"coding":[{{"system":"http://snomed.info/sct","code":"39579001","display":"{what}"}}]}}],"severity":"{severity}"}}]"#
        )
    });
    let criticality = criticality.map_or(String::new(), |c| format!(r#","criticality":"{c}""#));
    r(format!(
        r#"{{"resourceType":"AllergyIntolerance","id":"{id}","patient":{{"reference":"Patient/p"}},
        "clinicalStatus":{{"coding":[{{"code":"active"}}]}},
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"91936005","display":"Allergy to penicillin"}}]}}{reaction}{criticality}}}"#
    ))
}

fn problem(
    id: &str,
    code: &str,
    text: &str,
    onset: &str,
    end: Option<&str>,
    significance: &str,
) -> String {
    let (status, end) = match end {
        Some(e) => ("resolved", format!(r#","abatementDateTime":"{e}""#)),
        None => ("active", String::new()),
    };
    r(format!(
        r#"{{"resourceType":"Condition","id":"{id}","subject":{{"reference":"Patient/p"}},
        "extension":[{{"url":"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ProblemSignificance-1","valueCode":"{significance}"}}],
        "clinicalStatus":"{status}",
        "code":{{"coding":[{{"system":"http://snomed.info/sct","code":"{code}","display":"Placeholder"}}],"text":"{text}"}},
        "onsetDateTime":"{onset}"{end}}}"#
    ))
}

fn course(id: &str, status: &str, start: &str, end: &str) -> String {
    r(format!(
        r#"{{"resourceType":"MedicationStatement","id":"{id}","status":"{status}","subject":{{"reference":"Patient/p"}},
        "medicationCodeableConcept":{{"coding":[{{"system":"http://snomed.info/sct","code":"42109411000001106","display":"Paracetamol 500mg capsules"}}]}},
        "effectivePeriod":{{"start":"{start}","end":"{end}"}},"dosage":[{{"text":"Two capsules up to four times a day"}}]}}"#
    ))
}

/// A GP Connect medication: a statement, its authorisation and `issues` issues on `day`.
fn authorised(id: &str, day: &str, issues: usize) -> String {
    let mut out = vec![
        r(format!(
            r#"{{"resourceType":"MedicationStatement","id":"{id}","status":"active","subject":{{"reference":"Patient/p"}},
            "basedOn":[{{"reference":"MedicationRequest/{id}-plan"}}],
            "medicationCodeableConcept":{{"coding":[{{"system":"http://snomed.info/sct","code":"42109411000001106","display":"Paracetamol 500mg capsules"}}]}},
            "effectivePeriod":{{"start":"{day}"}},"dosage":[{{"text":"Two capsules up to four times a day"}}]}}"#
        )),
        r(format!(
            r#"{{"resourceType":"MedicationRequest","id":"{id}-plan","intent":"plan","status":"active","subject":{{"reference":"Patient/p"}},
            "medicationCodeableConcept":{{"coding":[{{"system":"http://snomed.info/sct","code":"42109411000001106","display":"Paracetamol 500mg capsules"}}]}},
            "dispenseRequest":{{"validityPeriod":{{"start":"{day}"}},"quantity":{{"value":32,"extension":[{{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-MedicationQuantityText-1","valueString":"capsule"}}]}}}}}}"#
        )),
    ];
    for n in 0..issues {
        out.push(r(format!(
            r#"{{"resourceType":"MedicationRequest","id":"{id}-issue{n}","intent":"order","status":"completed","subject":{{"reference":"Patient/p"}},
            "basedOn":[{{"reference":"MedicationRequest/{id}-plan"}}],
            "medicationCodeableConcept":{{"coding":[{{"system":"http://snomed.info/sct","code":"42109411000001106","display":"Paracetamol 500mg capsules"}}]}},
            "dispenseRequest":{{"validityPeriod":{{"start":"{day}"}},"quantity":{{"value":{q},"extension":[{{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-MedicationQuantityText-1","valueString":"capsule"}}]}}}}}}"#,
            q = 16 * (n + 1)
        )));
    }
    out.join(",")
}

fn items(r: &crate::merge::SharedCareRecord, section: Section) -> Vec<&crate::model::Item> {
    r.entries.iter().filter(|e| e.section == section).collect()
}

/// Each problem's onset as recorded and how many records it joins, in display order.
fn episodes(r: &crate::merge::SharedCareRecord) -> Vec<(String, usize)> {
    items(r, Section::Problems)
        .iter()
        .map(|e| {
            (
                e.date
                    .as_ref()
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
                e.provenance.len(),
            )
        })
        .collect()
}

fn me() -> String {
    person(MARGARET, "Thornton", "1948-03-12")
}

#[test]
fn an_allergy_keeps_every_reaction_and_the_highest_criticality_in_either_order() {
    let with = allergy("a1", Some(("Anaphylaxis", "severe")), Some("high"));
    let without = allergy("a2", None, Some("low"));
    for order in [[&with, &without], [&without, &with]] {
        let gp = source("gp", &me(), order[0]);
        let hospital = source("hospital", &me(), order[1]);
        for sources in [vec![gp.clone(), hospital.clone()], vec![hospital, gp]] {
            let record = merge(sources, Vec::new());
            let allergies = items(&record, Section::Allergies);
            assert_eq!(allergies.len(), 1, "one allergy from two sources");
            let Detail::Allergy {
                reactions,
                criticality,
                ..
            } = &allergies[0].detail
            else {
                panic!("an allergy")
            };
            assert_eq!(criticality.as_deref(), Some("high"));
            assert_eq!(reactions.len(), 1);
            assert_eq!(reactions[0].manifestations, ["Anaphylaxis"]);
            assert_eq!(reactions[0].severity.as_deref(), Some("severe"));
            let lower = allergies[0]
                .discrepancies
                .iter()
                .filter(|d| d.contains("criticality low"))
                .count();
            assert_eq!(lower, 1, "the lower criticality is named, not dropped");
        }
    }
}

#[test]
fn two_records_of_one_allergy_in_one_source_keep_the_reaction() {
    let both = format!(
        "{},{}",
        allergy("a1", None, None),
        allergy("a2", Some(("Urticaria", "moderate")), None)
    );
    let record = merge(vec![source("gp", &me(), &both)], Vec::new());
    let allergies = items(&record, Section::Allergies);
    assert_eq!(allergies.len(), 1);
    let Detail::Allergy { reactions, .. } = &allergies[0].detail else {
        panic!("an allergy")
    };
    assert_eq!(reactions.len(), 1, "{reactions:?}");
    assert_eq!(allergies[0].provenance.len(), 2, "both records are named");
}

#[test]
fn placeholder_codes_merge_only_on_identical_text() {
    let degraded = "196411000000103";
    let entries = [
        problem("p1", degraded, "Minor thing", "2019-01-01", None, "minor"),
        problem("p2", degraded, "Major thing", "2019-01-01", None, "major"),
        problem("p3", degraded, "Major thing", "2019-01-01", None, "major"),
    ]
    .join(",");
    let record = merge(vec![source("tpp", &me(), &entries)], Vec::new());
    let titles: Vec<&str> = items(&record, Section::Problems)
        .iter()
        .map(|e| e.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Major thing", "Minor thing"],
        "the two texts stay apart (major first); the identical pair is one"
    );
}

#[test]
fn recurrent_episodes_stay_separate_latest_first_and_one_episode_merges_across_sources() {
    let otitis = "65363002";
    let gp_entries = [
        problem(
            "e1",
            otitis,
            "Otitis media",
            "2011-02-01",
            Some("2011-02-20"),
            "minor",
        ),
        problem(
            "e2",
            otitis,
            "Otitis media",
            "2017-05-01",
            Some("2017-05-14"),
            "minor",
        ),
        problem(
            "e3",
            otitis,
            "Otitis media",
            "2019-09-01",
            Some("2019-09-30"),
            "minor",
        ),
    ]
    .join(",");
    let hospital_entries = problem(
        "h1",
        otitis,
        "Otitis media",
        "2019-09",
        Some("2019-09-21"),
        "minor",
    );
    for sources in [
        vec![
            source("gp", &me(), &gp_entries),
            source("hospital", &me(), &hospital_entries),
        ],
        vec![
            source("hospital", &me(), &hospital_entries),
            source("gp", &me(), &gp_entries),
        ],
    ] {
        let record = merge(sources, Vec::new());
        let episodes = episodes(&record);
        assert_eq!(
            episodes,
            [
                ("2019-09".to_owned(), 2),
                ("2017-05-01".to_owned(), 1),
                ("2011-02-01".to_owned(), 1)
            ],
            "three episodes, latest first; the 2019 one from both sources, starting at the earliest onset"
        );
    }
}

#[test]
fn every_course_of_a_medicine_is_kept_with_its_supplies_on_one_line() {
    let mut entries: Vec<String> = (0..7)
        .map(|n| {
            course(
                &format!("c{n}"),
                "completed",
                &format!("201{n}-01-01"),
                &format!("201{n}-02-01"),
            )
        })
        .collect();
    entries.push(authorised("current", "2024-03-01", 3));
    let record = merge(vec![source("gp", &me(), &entries.join(","))], Vec::new());
    let meds = items(&record, Section::Medications);
    assert_eq!(meds.len(), 1, "one line per medicine");
    let line = meds[0];
    let Detail::Medication(m) = &line.detail else {
        panic!("a medication")
    };
    assert_eq!(m.courses.len(), 8, "every course");
    assert_eq!(m.issues, 3, "every supply counted");
    assert_eq!(
        line.status.as_deref(),
        Some("active"),
        "a current course makes it current"
    );
    assert_eq!(
        line.date.as_ref().map(|d| d.as_str()),
        Some("2010-01-01"),
        "the true first start"
    );
    let supplies: Vec<(Option<&str>, Option<i32>)> = m
        .courses
        .iter()
        .flat_map(|c| c.supplies.iter())
        .map(|s| (s.quantity.as_deref(), s.issue_number))
        .collect();
    assert_eq!(
        supplies,
        [
            (Some("16 capsule"), Some(1)),
            (Some("32 capsule"), Some(2)),
            (Some("48 capsule"), Some(3))
        ],
        "three same-day supplies, each with its own quantity"
    );
}

#[test]
fn an_ended_medicine_ends_at_its_last_course_and_completed_is_not_stopped() {
    let entries = [
        course("c1", "completed", "2020-01-01", "2020-03-01"),
        course("c2", "completed", "2021-01-01", "2021-06-30"),
    ]
    .join(",");
    let record = merge(vec![source("gp", &me(), &entries)], Vec::new());
    let line = items(&record, Section::Medications)[0];
    assert_eq!(
        line.end_date.as_ref().map(|d| d.as_str()),
        Some("2021-06-30")
    );
    let Detail::Medication(m) = &line.detail else {
        panic!("a medication")
    };
    assert!(m.changes.iter().all(|c| c.kind != ChangeKind::Stopped));
    assert_eq!(
        m.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Completed)
            .count(),
        2
    );
}

#[test]
fn another_persons_record_under_the_same_nhs_number_is_held_not_merged() {
    let gp = source("gp", &me(), &allergy("a1", None, None));
    let other = format!(
        r#"{},"name":[{{"family":"Okafor"}}],"birthDate":"1990-07-01","gender":"male""#,
        super::nhs(MARGARET)
    );
    let clinic = source(
        "clinic",
        &other,
        &allergy("a2", Some(("Rash", "mild")), None),
    );
    let record = merge(vec![gp, clinic], Vec::new());
    let clinic_state = record
        .sources
        .iter()
        .find(|s| s.organisation.name == "clinic")
        .unwrap();
    assert_eq!(clinic_state.status, SourceStatus::IdentityUnconfirmed);
    let allergies = items(&record, Section::Allergies);
    assert_eq!(allergies.len(), 2, "not merged into the patient's allergy");
    assert_eq!(
        allergies.iter().filter(|e| e.identity_unconfirmed).count(),
        1
    );
    let summary = build(
        &record,
        jiff::civil::date(2026, 12, 4),
        SummaryOptions::default(),
        |_, _| Ok(Vec::new()),
    );
    let shown = summary
        .sections
        .iter()
        .find(|s| s.key == Section::Allergies)
        .unwrap();
    assert_eq!(
        shown.items.len(),
        1,
        "only the patient's own allergy is in the section"
    );
    assert_eq!(
        summary.reconciliation.len(),
        1,
        "the other is listed for reconciliation"
    );
    assert!(summary.demographic_discrepancies.is_empty());
}

/// A small record whose facts repeat across and within sources.
fn sources_for_shuffle() -> Vec<Vec<String>> {
    let otitis = "65363002";
    vec![
        vec![
            allergy("a1", Some(("Anaphylaxis", "severe")), Some("high")),
            allergy("a2", None, None),
            problem(
                "p1",
                otitis,
                "Otitis media",
                "2017-05-01",
                Some("2017-05-14"),
                "minor",
            ),
            problem(
                "p2",
                otitis,
                "Otitis media",
                "2019-09-01",
                Some("2019-09-30"),
                "major",
            ),
            problem(
                "p3",
                "196411000000103",
                "Old entry A",
                "2001-01-01",
                None,
                "minor",
            ),
            problem(
                "p4",
                "196411000000103",
                "Old entry B",
                "2001-01-01",
                None,
                "major",
            ),
            course("c1", "completed", "2015-01-01", "2015-02-01"),
            course("c2", "stopped", "2016-01-01", "2016-02-01"),
            authorised("m1", "2024-03-01", 2),
        ],
        vec![
            allergy("h1", Some(("Urticaria", "moderate")), Some("low")),
            problem("h2", otitis, "Otitis media", "2019-09", None, "minor"),
            course("h3", "stopped", "2024-05-01", "2024-06-01"),
        ],
    ]
}

fn summary_json(order: &[usize], shuffles: &[Vec<usize>]) -> String {
    let all = sources_for_shuffle();
    let names = ["gp", "hospital"];
    let records: Vec<_> = order
        .iter()
        .map(|&s| {
            let entries: Vec<String> = shuffles[s]
                .iter()
                .map(|&i| all[s][i % all[s].len()].clone())
                .collect();
            source(names[s], &me(), &entries.join(","))
        })
        .collect();
    let record = merge(records, Vec::new());
    let summary = build(
        &record,
        jiff::civil::date(2026, 12, 4),
        SummaryOptions::default(),
        |_, _| Ok(Vec::new()),
    );
    serde_json::to_string(&summary).unwrap_or_default()
}

fn permutation(n: usize) -> impl Strategy<Value = Vec<usize>> {
    Just((0..n).collect::<Vec<usize>>()).prop_shuffle()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Sources in either order and the resources of each in any order give the same
    /// summary JSON.
    #[test]
    fn the_summary_does_not_depend_on_the_order_of_sources_or_resources(
        gp in permutation(9),
        hospital in permutation(3),
        swap in any::<bool>(),
    ) {
        let canonical = summary_json(&[0, 1], &[(0..9).collect(), (0..3).collect()]);
        let order = if swap { vec![1, 0] } else { vec![0, 1] };
        let shuffled = summary_json(&order, &[gp, hospital]);
        prop_assert_eq!(shuffled, canonical);
    }
}

fn stopped_in_hospital() -> String {
    r(r#"{"resourceType":"MedicationStatement","id":"h-stop","status":"stopped","subject":{"reference":"Patient/p"},
        "medicationCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"42109411000001106","display":"Paracetamol 500mg capsules"}]},
        "statusReason":[{"text":"Hyponatraemia: do not restart"}],
        "effectivePeriod":{"start":"2026-09-01","end":"2026-10-01"},"dosage":[{"text":"Two capsules up to four times a day"}]}"#
        .to_owned())
}

fn summary_of(
    record: &crate::merge::SharedCareRecord,
    withhold: impl Fn(&Entry) -> bool,
) -> crate::summary::PatientSummary {
    build(
        record,
        jiff::civil::date(2026, 12, 4),
        SummaryOptions::default(),
        |_, e| {
            if withhold(e) {
                Err(crate::summary::WithheldReason::RoleSection)
            } else {
                Ok(Vec::new())
            }
        },
    )
}

#[test]
fn a_medicine_stopped_in_one_source_and_current_in_another_is_said_on_both_and_in_the_banner() {
    let gp = source("gp", &me(), &authorised("m1", "2026-11-01", 1));
    let hospital = source("hospital", &me(), &stopped_in_hospital());
    let record = merge(vec![gp, hospital], Vec::new());
    let summary = summary_of(&record, |_| false);
    let meds = &summary
        .sections
        .iter()
        .find(|s| s.key == Section::Medications)
        .unwrap()
        .items;
    assert_eq!(meds.len(), 2, "current and stopped stay two items");
    for m in meds {
        let contradictions: Vec<&str> = m
            .warnings
            .iter()
            .filter(|w| w.code == crate::model::ItemWarningCode::Contradiction)
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(contradictions.len(), 1, "{}: {:?}", m.id, m.warnings);
        if m.status.as_deref() == Some("active") {
            assert!(
                contradictions[0].contains("Hyponatraemia")
                    && contradictions[0].contains("hospital"),
                "the current item says who stopped it and why: {contradictions:?}"
            );
        } else {
            assert!(
                contradictions[0].contains("gp records"),
                "{contradictions:?}"
            );
        }
    }
    assert_eq!(
        summary.banner_alerts.len(),
        1,
        "one alert per contradicting pair: {:?}",
        summary.banner_alerts
    );
    let alert = &summary.banner_alerts[0].text;
    assert!(
        alert.contains("stopped at hospital")
            && alert.contains("current at gp")
            && !alert.contains("here"),
        "both sides, each named: {alert}"
    );
}

#[test]
fn a_contradiction_with_a_withheld_item_is_not_said() {
    let gp = source("gp", &me(), &authorised("m1", "2026-11-01", 1));
    let hospital = source("hospital", &me(), &stopped_in_hospital());
    let record = merge(vec![gp, hospital], Vec::new());
    let summary = summary_of(&record, |e| {
        e.provenance
            .iter()
            .any(|p| p.organisation.name == "hospital")
    });
    let json = serde_json::to_string(&summary).unwrap();
    assert!(
        !json.contains("Hyponatraemia"),
        "the withheld item's words leak"
    );
    assert!(summary.banner_alerts.is_empty());
}

#[test]
fn an_allergy_to_a_current_medicine_is_said_on_both() {
    let allergy = r(
        r#"{"resourceType":"AllergyIntolerance","id":"a1","patient":{"reference":"Patient/p"},
        "clinicalStatus":{"coding":[{"code":"active"}]},
        "code":{"text":"Allergy to paracetamol"}}"#
            .to_owned(),
    );
    let gp = source("gp", &me(), &allergy);
    let ooh = source("ooh", &me(), &authorised("m1", "2026-11-01", 1));
    let record = merge(vec![gp, ooh], Vec::new());
    let summary = summary_of(&record, |_| false);
    let warned: Vec<&str> = summary
        .sections
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|e| {
            e.warnings
                .iter()
                .any(|w| w.code == crate::model::ItemWarningCode::AllergyToActiveMedicine)
        })
        .map(|e| e.title.as_str())
        .collect();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert_eq!(summary.banner_alerts.len(), 1, "one alert per pair");
}

/// True when the first medication the summary shows carries a warning of `code`.
fn first_medication_warned(
    summary: &crate::summary::PatientSummary,
    code: crate::model::ItemWarningCode,
) -> bool {
    summary
        .sections
        .iter()
        .find(|s| s.key == Section::Medications)
        .and_then(|s| s.items.first())
        .is_some_and(|line| line.warnings.iter().any(|w| w.code == code))
}

#[test]
fn an_ended_course_with_an_end_after_today_or_before_its_start_is_flagged() {
    let entries = [course("c1", "completed", "2024-01-01", "2051-01-01")].join(",");
    let record = merge(vec![source("gp", &me(), &entries)], Vec::new());
    let summary = summary_of(&record, |_| false);
    assert!(first_medication_warned(
        &summary,
        crate::model::ItemWarningCode::EndDateInFuture
    ));
    let backwards = course("c2", "completed", "2023-10-05", "2023-10-03");
    let record = merge(vec![source("gp", &me(), &backwards)], Vec::new());
    let summary = summary_of(&record, |_| false);
    assert!(first_medication_warned(
        &summary,
        crate::model::ItemWarningCode::EndBeforeStart
    ));
}

#[test]
fn an_ongoing_problem_from_two_organisations_is_one_item_but_one_organisations_two_episodes_stay_two()
 {
    let mi = "22298006";
    let gp = [
        problem(
            "g1",
            mi,
            "Myocardial infarction",
            "2020-12-14",
            None,
            "major",
        ),
        problem(
            "g2",
            mi,
            "Myocardial infarction",
            "2021-03-24",
            None,
            "major",
        ),
    ]
    .join(",");
    let hospital = problem(
        "h1",
        mi,
        "Acute myocardial infarction",
        "2021-03-25",
        None,
        "major",
    );
    let record = merge(
        vec![
            source("hospital", &me(), &hospital),
            source("gp", &me(), &gp),
        ],
        Vec::new(),
    );
    let problems = items(&record, Section::Problems);
    let shape = episodes(&record);
    assert_eq!(
        shape,
        [("2021-03-24".to_owned(), 2), ("2020-12-14".to_owned(), 1)],
        "the hospital's record joins the GP's closest episode only"
    );
    assert!(
        problems[0].notes.iter().any(|n| n.contains(
            "hospital records it as \u{201c}Acute myocardial infarction\u{201d}, 25-Mar-2021"
        )),
        "the hospital's own wording and date stay readable: {:?}",
        problems[0].notes
    );
}

#[test]
fn a_dose_change_between_one_organisations_courses_is_a_change() {
    let first = course("c1", "completed", "2020-01-01", "2020-06-30");
    let second = r(
        r#"{"resourceType":"MedicationStatement","id":"c2","status":"active","subject":{"reference":"Patient/p"},
        "medicationCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"42109411000001106","display":"Paracetamol 500mg capsules"}]},
        "effectivePeriod":{"start":"2020-07-01"},"dosage":[{"text":"One capsule twice a day"}]}"#
            .to_owned(),
    );
    let record = merge(
        vec![source("gp", &me(), &format!("{first},{second}"))],
        Vec::new(),
    );
    let line = items(&record, Section::Medications)[0];
    let Detail::Medication(m) = &line.detail else {
        panic!("a medication")
    };
    let changed: Vec<&str> = m
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::DoseChanged)
        .filter_map(|c| c.detail.as_deref())
        .collect();
    assert_eq!(changed, ["previously Two capsules up to four times a day"]);
}
