//! Held-out fixtures (`tests/fixtures/heldout/`): four synthetic Bundles about one
//! fictional patient, written from the standards by a tester who had not seen the SDK's
//! tuning records, with what a careful clinician should see written down before the SDK
//! was run on them (`EXPECTED.md`; the tests name its expectations E1–E20).
//!
//! - `gp-stu3.json`: the registered GP's GP Connect STU3 record (Tremough Vale Surgery);
//! - `hospital-r4.json`: a hospital's UK Core R4 searchset (Royal Kernow Hospital);
//! - `synthea-r4.json`: a Synthea R4 transaction (a primary care practice);
//! - `other-person-r4.json`: a community service's record of someone else who was given
//!   the same NHS number.
//!
//! Each source is ingested as a host does (the organisation and its care setting from the
//! host's directory, the expected patient named), the four are merged, and the summary is
//! read through a session for the `gp` role (the registered GP, from whom nothing may be
//! withheld) and compared as the JSON hosts receive. Every expected value is written from
//! `EXPECTED.md` and the fixtures, never copied from an SDK run; each assertion's comment
//! names the rule it checks, and [`every_check_can_fail`] changes one fact of the summary
//! at a time and requires the check of that fact to fail.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use icr_core::launch::Relationship;
use icr_core::model::{CareSetting, Organisation};
use icr_core::{IngestOptions, NhsNumber};
use icr_test_support::json::arr;
use icr_test_support::rng::Rng;
use icr_test_support::summary::{shown, withheld};
use serde_json::{Value, json};

use crate::host::Host;

/// The patient's NHS number, in every file (also the other person's).
const NHS: &str = "9434765919";
const GP: &str = "Tremough Vale Surgery";
const HOSPITAL: &str = "Royal Kernow Hospital NHS Trust";
const SYNTHEA: &str = "Worcester Primary Care Associates";
const OTHER: &str = "Kernow Community Health Services";

/// One held-out file and the organisation a host's directory names for it.
struct Source {
    file: &'static str,
    json: &'static [u8],
    ods: Option<&'static str>,
    name: &'static str,
    setting: CareSetting,
}

/// The four sources, in run (a)'s order: gp, hospital, synthea, other person.
const SOURCES: [Source; 4] = [
    Source {
        file: "gp-stu3.json",
        json: include_bytes!("../../fixtures/heldout/gp-stu3.json"),
        ods: Some("Y90001"),
        name: GP,
        setting: CareSetting::GeneralPractice,
    },
    Source {
        file: "hospital-r4.json",
        json: include_bytes!("../../fixtures/heldout/hospital-r4.json"),
        ods: Some("RXX99"),
        name: HOSPITAL,
        setting: CareSetting::Acute,
    },
    Source {
        file: "synthea-r4.json",
        json: include_bytes!("../../fixtures/heldout/synthea-r4.json"),
        ods: None,
        name: SYNTHEA,
        setting: CareSetting::GeneralPractice,
    },
    Source {
        file: "other-person-r4.json",
        json: include_bytes!("../../fixtures/heldout/other-person-r4.json"),
        ods: Some("RYY98"),
        name: OTHER,
        setting: CareSetting::Community,
    },
];

/// Run (a): gp, hospital, synthea, other person; run (b): the reverse.
const ORDER_A: [usize; 4] = [0, 1, 2, 3];
const ORDER_B: [usize; 4] = [3, 2, 1, 0];

/// The Bundle with its entries in an order shuffled (Fisher–Yates) from `seed` (the
/// same on every run).
fn shuffled(json: &[u8], seed: u64) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(json).expect("a fixture is JSON");
    let entries = doc["entry"].as_array_mut().expect("a Bundle with entries");
    let before: Vec<Value> = entries.clone();
    let mut rng = Rng::new(seed);
    // The order test can fail only if the order really changed: a shuffle that left a
    // small Bundle in order is shuffled again (the same on every run).
    while *entries == before {
        for i in (1..entries.len()).rev() {
            entries.swap(i, rng.index(i + 1));
        }
    }
    serde_json::to_vec(&doc).expect("JSON out")
}

/// The registered GP's summary of the four sources ingested in `order`, each Bundle's
/// entries shuffled from `seed` when given: the JSON text a host receives, and its value.
fn summary_of(order: &[usize], seed: Option<u64>) -> (String, Value) {
    let patient = NhsNumber::parse(NHS).expect("a valid NHS number");
    let mut records = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        let s = &SOURCES[i];
        let json = match seed {
            Some(seed) => shuffled(s.json, seed.wrapping_mul(31).wrapping_add(n as u64)),
            None => s.json.to_vec(),
        };
        let options = IngestOptions {
            expected_patient: Some(patient.clone()),
            organisation: Some(Organisation {
                ods_code: s.ods.map(str::to_owned),
                name: s.name.to_owned(),
                care_setting: s.setting,
            }),
            ..IngestOptions::default()
        };
        let record = icr_core::ingest(&json, &options);
        records.push(record.unwrap_or_else(|e| panic!("{}: ingest failed: {e}", s.file)));
    }
    let merged = icr_core::merge(records, vec![]);
    let view = Host::new().view(&merged, "gp", Relationship::RegisteredGp);
    let text = serde_json::to_string(&view.summary).expect("summary JSON");
    let value: Value = serde_json::from_str(&text).expect("summary JSON value");
    // The registered GP is shown everything: nothing withheld, and every item of the
    // record is listed, folded into a count, or held for reconciliation.
    assert_eq!(withheld(&view.summary), 0, "items withheld from the GP");
    let folded = arr(&value["sections"])
        .iter()
        .flat_map(|x| arr(&x["folded"]));
    let folded: u64 = folded.filter_map(|f| f["count"].as_u64()).sum();
    let held = arr(&value["reconciliation"]).len();
    let accounted = shown(&view.summary) + usize::try_from(folded).expect("a count") + held;
    assert_eq!(accounted, merged.len(), "items listed, folded or held");
    (text, value)
}

/// Run (a)'s summary, made once for the tests that read it.
fn summary() -> &'static Value {
    static SUMMARY: OnceLock<Value> = OnceLock::new();
    SUMMARY.get_or_init(|| summary_of(&ORDER_A, None).1)
}

/// A section's items (every section is always present).
fn items<'a>(summary: &'a Value, key: &str) -> &'a [Value] {
    let found = arr(&summary["sections"]).iter().find(|s| s["key"] == key);
    arr(&found.unwrap_or_else(|| panic!("no {key} section"))["items"])
}

fn all_items(summary: &Value) -> impl Iterator<Item = &Value> {
    arr(&summary["sections"])
        .iter()
        .flat_map(|s| arr(&s["items"]))
}

/// The items of a section with the code.
fn coded<'a>(summary: &'a Value, key: &str, code: &str) -> Vec<&'a Value> {
    let all = items(summary, key).iter();
    all.filter(|i| i["code"]["code"] == code).collect()
}

/// The resources an item was made from (`Type/id`).
fn refs(item: &Value) -> BTreeSet<&str> {
    let all = arr(&item["provenance"]).iter();
    all.filter_map(|p| p["source_ref"].as_str()).collect()
}

/// The organisations an item came from.
fn orgs(item: &Value) -> BTreeSet<&str> {
    let all = arr(&item["provenance"]).iter();
    all.filter_map(|p| p["organisation"]["name"].as_str())
        .collect()
}

/// The one item of a section made from (among others) the resource `source_ref`.
fn item_from<'a>(summary: &'a Value, key: &str, source_ref: &str) -> &'a Value {
    let all = items(summary, key).iter();
    let found: Vec<&Value> = all.filter(|i| refs(i).contains(source_ref)).collect();
    assert_eq!(found.len(), 1, "items from {source_ref}: {found:#?}");
    found[0]
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The one result line from `org` whose name starts with `name`, in a report or alone.
fn result<'a>(summary: &'a Value, org: &str, name: &str) -> &'a Value {
    let mut found = Vec::new();
    let shown = items(summary, "investigations").iter();
    for item in shown.chain(items(summary, "observations")) {
        if !orgs(item).contains(org) {
            continue;
        }
        let d = &item["detail"];
        for r in arr(&d["results"]).iter().chain([&d["result"]]) {
            if s(&r["name"]).starts_with(name) {
                found.push(r);
            }
        }
    }
    assert_eq!(found.len(), 1, "{org}'s results named {name}: {found:#?}");
    found[0]
}

/// A result's flag and its basis.
fn flag(r: &Value) -> (Option<&str>, Option<&str>) {
    (r["flag"].as_str(), r["flag_basis"].as_str())
}

/// E20 (Invariant 6): the sources in either order, and the resources inside each Bundle
/// in any order, give byte-identical summary JSON.
#[test]
fn order_of_sources_and_of_resources_does_not_change_the_summary() {
    let (a, _) = summary_of(&ORDER_A, None);
    let runs = [
        ("order (b)", summary_of(&ORDER_B, None).0),
        (
            "order (a), entries shuffled",
            summary_of(&ORDER_A, Some(1)).0,
        ),
        (
            "order (b), entries shuffled",
            summary_of(&ORDER_B, Some(2)).0,
        ),
        (
            "order (b), entries shuffled again",
            summary_of(&ORDER_B, Some(7)).0,
        ),
    ];
    for (run, text) in runs {
        // Rule: input order never changes what a clinician is shown (Invariant 6).
        if text != a {
            let at = a.bytes().zip(text.bytes()).position(|(x, y)| x != y);
            let at = at.unwrap_or(a.len().min(text.len()));
            let around = |t: &str| {
                t.get(at.saturating_sub(200)..(at + 200).min(t.len()))
                    .map(str::to_owned)
            };
            panic!(
                "{run}: summary JSON differs from order (a) at byte {at}:\n(a): {:?}\n{run}: {:?}",
                around(&a),
                around(&text)
            );
        }
    }
}

/// E2: the other person's source (same NHS number, another name, sex and birth date) is
/// held for reconciliation; its latex allergy is nowhere a clinician would act on it.
#[test]
fn other_persons_source_is_quarantined() {
    check_quarantine(summary());
}

fn check_quarantine(summary: &Value) {
    let sources = arr(&summary["sources"]).iter();
    let other: Vec<&Value> = sources.filter(|x| x["name"] == OTHER).collect();
    // Rule: a source whose patient differs in name, sex and birth date is not trusted.
    assert_eq!(other.len(), 1, "sources named {OTHER}");
    assert_eq!(other[0]["status"], "identity-unconfirmed", "{:#}", other[0]);
    // Rule: its items are listed for reconciliation, and only there.
    let held: Vec<(&str, &str)> = arr(&summary["reconciliation"])
        .iter()
        .map(|x| (s(&x["title"]), s(&x["code"]["code"])))
        .collect();
    assert_eq!(held, [("Latex allergy", "300916003")], "reconciliation");
    // Rule: nothing of it reaches the sections (items, warnings, checks) or banner alerts.
    for part in ["sections", "banner_alerts"] {
        let text = summary[part].to_string().to_lowercase();
        for word in ["latex", "300916003", "o-allergy-latex"] {
            assert!(!text.contains(word), "{word:?} appears in {part}");
        }
    }
    // Rule: no shown item names the quarantined source in its provenance.
    let from_other = all_items(summary).filter(|i| orgs(i).contains(OTHER));
    let from_other: Vec<&str> = from_other.map(|i| s(&i["id"])).collect();
    assert!(from_other.is_empty(), "items from {OTHER}: {from_other:?}");
}

/// E4: the penicillin allergy the GP recorded twice and the hospital once is one item
/// with both reactions and the highest criticality; the hospital's lower one is said.
#[test]
fn penicillin_allergy_is_one_item_with_both_reactions() {
    check_penicillin(summary());
}

fn check_penicillin(summary: &Value) {
    let penicillin = coded(summary, "allergies", "91936005");
    // Rule: records of one allergen and status, from any source, are one item.
    assert_eq!(penicillin.len(), 1, "penicillin items: {penicillin:#?}");
    let item = penicillin[0];
    // Rule: every record stays traceable (all three provenances).
    let wanted = [
        "AllergyIntolerance/gp-allergy-pen-1",
        "AllergyIntolerance/gp-allergy-pen-2",
        "AllergyIntolerance/h-allergy-pen",
    ];
    assert_eq!(refs(item), BTreeSet::from(wanted), "penicillin provenance");
    let d = &item["detail"];
    // Rule: the reactions are the union of the sources' (manifestation and severity).
    let mut reactions: Vec<(Vec<&str>, &str)> = arr(&d["reactions"])
        .iter()
        .map(|r| {
            let m = arr(&r["manifestations"]).iter().map(s).collect();
            (m, s(&r["severity"]))
        })
        .collect();
    reactions.sort();
    let wanted = [
        (vec!["Anaphylaxis"], "severe"),
        (vec!["Urticaria"], "moderate"),
    ];
    assert_eq!(reactions, wanted, "penicillin reactions");
    // Rule: the highest criticality recorded wins (GP high over hospital low).
    assert_eq!(d["criticality"], "high", "penicillin criticality");
    // Rule: a lower criticality from another source is not dropped silently.
    let said = arr(&item["discrepancies"]).iter().map(s).any(|t| {
        let t = t.to_lowercase();
        t.contains("royal kernow") && t.contains("low")
    });
    assert!(
        said,
        "the hospital's low criticality is not in {}",
        item["discrepancies"]
    );
}

/// E6: three separate cellulitis episodes; the GP's and the hospital's of 2022 overlap
/// and are one, keeping the hospital's own wording.
#[test]
fn cellulitis_episodes_stay_separate() {
    check_cellulitis(summary());
}

fn check_cellulitis(summary: &Value) {
    let mut episodes = coded(summary, "problems", "128045006");
    episodes.sort_by_key(|e| s(&e["date"]).to_owned());
    let shown: Vec<(&str, &str, &str, BTreeSet<&str>)> = episodes
        .iter()
        .map(|e| (s(&e["date"]), s(&e["end_date"]), s(&e["status"]), refs(e)))
        .collect();
    // Rule: episodes that do not overlap are separate items, each resolved with its end;
    // overlapping ones (GP 2022-08-10..09-05, hospital 2022-08-20..08-28) are one.
    let wanted = [
        (
            "2015-03-02",
            "2015-03-30",
            "resolved",
            BTreeSet::from(["Condition/gp-prob-cell-2015"]),
        ),
        (
            "2019-06-11",
            "2019-07-02",
            "resolved",
            BTreeSet::from(["Condition/gp-prob-cell-2019"]),
        ),
        (
            "2022-08-10",
            "2022-09-05",
            "resolved",
            BTreeSet::from(["Condition/gp-prob-cell-2022", "Condition/h-cond-cellulitis"]),
        ),
    ];
    assert_eq!(shown, wanted, "cellulitis episodes");
    // Rule: merging keeps each source's own words: the hospital's text is in the item.
    let merged = episodes[2].to_string();
    assert!(
        merged.contains("Cellulitis of right lower leg"),
        "the hospital's wording is lost from the 2022 episode: {merged}"
    );
}

/// E7b: the GP's and Synthea's type 2 diabetes (same SNOMED CT code, both active and
/// open-ended, onsets a day apart, different organisations) are one problem.
#[test]
fn type_2_diabetes_from_gp_and_synthea_is_one_item() {
    check_diabetes(summary());
}

fn check_diabetes(summary: &Value) {
    let diabetes = coded(summary, "problems", "44054006");
    let ids: Vec<&str> = diabetes.iter().map(|i| s(&i["id"])).collect();
    // Rule: active open-ended records of one concept from different organisations merge.
    assert_eq!(diabetes.len(), 1, "type 2 diabetes items: {ids:?}");
    let item = diabetes[0];
    // Rule: both records stay traceable, one provenance each.
    assert_eq!(
        refs(item),
        BTreeSet::from([
            "Condition/gp-prob-dm2",
            "Condition/467ad374-b6a2-5d8c-ae28-1f9c64ac6535"
        ]),
        "type 2 diabetes provenance"
    );
    assert_eq!(orgs(item), BTreeSet::from([GP, SYNTHEA]), "organisations");
    // Rule: merging does not change the state: still active.
    assert_eq!(item["status"], "active", "type 2 diabetes status");
}

/// E8: the two GP2GP transfer-degraded problems share a code but are different problems:
/// each is its own item, shown by its own text.
#[test]
fn transfer_degraded_placeholders_stay_separate() {
    check_placeholders(summary());
}

fn check_placeholders(summary: &Value) {
    let degraded = coded(summary, "problems", "196411000000103");
    let mut shown: Vec<(&str, BTreeSet<&str>)> =
        degraded.iter().map(|i| (s(&i["title"]), refs(i))).collect();
    shown.sort();
    // Rule: a transfer-degraded code is told apart by its text, never merged by code.
    let wanted = [
        (
            "Degraded: Appendicectomy (Read 7470.)",
            BTreeSet::from(["Condition/gp-prob-degr-1"]),
        ),
        (
            "Degraded: Fracture of left distal radius (Read S2340)",
            BTreeSet::from(["Condition/gp-prob-degr-2"]),
        ),
    ];
    assert_eq!(shown, wanted, "transfer-degraded problems");
}

/// A course as compared: start, end, status, dosage and its supplies' quantities.
type Course<'a> = (&'a str, &'a str, &'a str, &'a str, Vec<&'a str>);

fn courses(item: &Value) -> Vec<Course<'_>> {
    let mut out: Vec<Course<'_>> = arr(&item["detail"]["courses"])
        .iter()
        .map(|c| {
            let supplies = arr(&c["supplies"]).iter().map(|x| s(&x["quantity"]));
            let (start, end, status) = (s(&c["start"]), s(&c["end"]), s(&c["status"]));
            (start, end, status, s(&c["dosage"]), supplies.collect())
        })
        .collect();
    out.sort();
    out
}

/// E9–E12: courses, supplies, quantities and how courses ended, from the GP record.
#[test]
fn medication_courses_supplies_and_endings() {
    check_medications(summary());
}

fn check_medications(summary: &Value) {
    // E9. Rule: the three metformin authorisations are three courses of one medicine.
    let metformin = item_from(summary, "medications", "MedicationStatement/gp-ms-metf-1");
    let statements = [
        "MedicationStatement/gp-ms-metf-1",
        "MedicationStatement/gp-ms-metf-2",
        "MedicationStatement/gp-ms-metf-3",
    ];
    assert_eq!(
        refs(metformin),
        BTreeSet::from(statements),
        "metformin provenance"
    );
    // Rule: every course is kept with its dates, status, dose and each of its 4 issues;
    // E10: quantities from the MedicationQuantityText extension ("56 tablet", "112 tablet").
    let (one, two) = (
        "One tablet twice a day with food",
        "Two tablets twice a day with food",
    );
    let wanted: Vec<Course<'_>> = vec![
        (
            "2016-03-10",
            "2017-02-28",
            "completed",
            one,
            vec!["56 tablet"; 4],
        ),
        (
            "2017-03-01",
            "2020-12-31",
            "completed",
            two,
            vec!["112 tablet"; 4],
        ),
        ("2021-01-04", "", "active", two, vec!["112 tablet"; 4]),
    ];
    assert_eq!(courses(metformin), wanted, "metformin courses");
    // Rule: issues count every supply of every course, none dropped.
    assert_eq!(metformin["detail"]["issues"], 12, "metformin issues");
    assert_eq!(metformin["status"], "active", "metformin status");

    // E10. Rule: a quantity sent only as text ("28 tablet") is shown as sent.
    let amlodipine = item_from(summary, "medications", "MedicationStatement/gp-ms-amlod");
    let quantities: Vec<&str> = courses(amlodipine).into_iter().flat_map(|c| c.4).collect();
    assert_eq!(
        quantities,
        ["28 tablet", "28 tablet"],
        "amlodipine quantities"
    );

    // E11. Rule: a course that ran to its end is completed, never "stopped".
    let clarithromycin = item_from(summary, "medications", "MedicationStatement/gp-ms-clari");
    assert_eq!(
        clarithromycin["status"], "completed",
        "clarithromycin status"
    );
    let wanted: Vec<Course<'_>> = vec![(
        "2022-08-10",
        "2022-08-17",
        "completed",
        "One tablet twice a day for 7 days",
        vec!["14 tablet"],
    )];
    assert_eq!(courses(clarithromycin), wanted, "clarithromycin course");
    let text = clarithromycin.to_string().to_lowercase();
    assert!(
        !text.contains("stop"),
        "clarithromycin is said to be stopped: {text}"
    );

    // E12. Rule: a stopped medicine is stopped, with the reason and date recorded.
    let simvastatin = item_from(summary, "medications", "MedicationStatement/gp-ms-simva");
    assert_eq!(simvastatin["status"], "stopped", "simvastatin status");
    let reason = &simvastatin["detail"]["status_reason"];
    assert_eq!(
        reason, "Muscle aches - changed to atorvastatin",
        "stop reason"
    );
    let stopped = arr(&simvastatin["detail"]["changes"])
        .iter()
        .any(|c| c["kind"] == "stopped" && s(&c["date"]).starts_with("2024-03-12"));
    assert!(
        stopped,
        "no stop on 2024-03-12: {}",
        simvastatin["detail"]["changes"]
    );
}

/// Whether `text` has the word `word` (any case), not only as part of another word.
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// E13–E15: bendroflumethiazide current at the GP but stopped by the hospital: both lines
/// kept, each warned, and the contradiction in the banner; no other medicine is warned.
#[test]
fn bendroflumethiazide_contradiction_is_warned_and_in_the_banner() {
    check_contradiction(summary());
}

fn check_contradiction(summary: &Value) {
    let gp = item_from(summary, "medications", "MedicationStatement/gp-ms-bendro");
    let hospital = item_from(summary, "medications", "MedicationStatement/h-ms-bendro");
    // Rule: the GP's line is not replaced by, or merged into, the hospital's.
    assert_ne!(gp["id"], hospital["id"], "one item for both sources");
    assert_eq!(orgs(gp), BTreeSet::from([GP]), "GP line's organisations");
    assert_eq!(
        orgs(hospital),
        BTreeSet::from([HOSPITAL]),
        "hospital line's organisations"
    );
    assert_eq!(
        (&gp["status"], &hospital["status"]),
        (&json!("active"), &json!("stopped"))
    );
    let why = hospital.to_string();
    assert!(
        why.contains("hyponatraemia - do not restart"),
        "stop reason lost: {why}"
    );
    // Rule: each of the contradicting lines carries a `contradiction` warning.
    for line in [gp, hospital] {
        let warned = arr(&line["warnings"])
            .iter()
            .any(|w| w["code"] == "contradiction");
        assert!(
            warned,
            "no contradiction warning on {}: {line:#}",
            line["id"]
        );
    }
    // Rule: the contradiction reaches the banner, naming the medicine, about these lines.
    let banner = arr(&summary["banner_alerts"]).iter();
    let contradictions: Vec<&Value> = banner.filter(|b| b["code"] == "contradiction").collect();
    assert!(
        !contradictions.is_empty(),
        "no contradiction in the banner alerts"
    );
    let ids = [&gp["id"], &hospital["id"]];
    for alert in &contradictions {
        assert!(
            s(&alert["text"]).contains("Bendroflumethiazide"),
            "{alert:#}"
        );
        assert!(
            ids.contains(&&alert["item_id"]),
            "about another item: {alert:#}"
        );
    }
    // Rule: a banner alert is read away from its item, so it never says "here".
    for alert in arr(&summary["banner_alerts"]) {
        let text = s(&alert["text"]);
        assert!(
            !has_word(text, "here"),
            "a banner alert says \"here\": {text}"
        );
    }
    // E14, E15. Rule: no other medicine is warned (amlodipine, Synthea's metformin ER).
    let others = items(summary, "medications").iter().filter(|i| {
        let warned = !arr(&i["warnings"]).is_empty();
        warned && i["id"] != gp["id"] && i["id"] != hospital["id"]
    });
    let others: Vec<&str> = others.map(|i| s(&i["title"])).collect();
    assert!(others.is_empty(), "other medicines warned: {others:?}");
}

/// E16–E18: flags only on evidence (a numeric range or a coded interpretation), units
/// shown as clinicians write them, and rounding said.
#[test]
fn result_flags_units_and_rounding() {
    check_results(summary());
}

fn check_results(summary: &Value) {
    let low = (Some("low"), Some("reference-range"));
    let high = (Some("high"), Some("reference-range"));
    // E16, E17. Rule: a value outside its numeric range is flagged by the range.
    for (org, name, want) in [
        (GP, "Serum sodium level", low),
        (GP, "Haemoglobin estimation", low),
        (GP, "Haemoglobin A1c level", high),
        (HOSPITAL, "Sodium [Moles/volume]", low),
        (HOSPITAL, "C reactive protein", high),
        (HOSPITAL, "Leukocytes [#/volume]", high),
    ] {
        assert_eq!(flag(result(summary, org, name)), want, "{org}: {name}");
    }
    // Rule: a value inside its range, or on its bound (ALT 40 of 0-40), is not abnormal.
    for (org, name) in [
        (GP, "Serum potassium level"),
        (GP, "Serum alanine aminotransferase"),
        (HOSPITAL, "Creatinine"),
    ] {
        let f = flag(result(summary, org, name)).0;
        assert!(
            f.is_none() || f == Some("normal"),
            "{org}: {name} flagged {f:?}"
        );
    }
    // Rule: a coded interpretation (H) gives the flag, and says so (not "by range").
    let cholesterol = flag(result(summary, GP, "Serum cholesterol level"));
    assert_eq!(
        cholesterol,
        (Some("high"), Some("interpretation")),
        "cholesterol"
    );
    // Rule: a text-only range is shown and gives no flag.
    let tsh = result(summary, GP, "Serum TSH");
    assert_eq!(flag(tsh), (None, None), "TSH flag");
    let range = s(&tsh["reference_range"]);
    assert!(range.contains("0.35 to 5.50"), "TSH range shown: {range:?}");
    // E18. Rule: without range or interpretation there is no flag.
    for name in [
        "Blood pressure",
        "Body mass index",
        "Glucose",
        "Leukocytes",
        "Hemoglobin A1c",
        "Patient Health Questionnaire",
    ] {
        let r = result(summary, SYNTHEA, name);
        assert_eq!(flag(r), (None, None), "Synthea {name}");
    }
    // Rule: UCUM units are shown as clinicians write them; exact values are not said to be
    // rounded.
    let shown = |org: &str, name: &str| s(&result(summary, org, name)["display"]).to_owned();
    assert_eq!(shown(HOSPITAL, "Leukocytes"), "14.2 ×10⁹/L", "hospital WBC");
    assert_eq!(shown(HOSPITAL, "Creatinine"), "88 µmol/L", "creatinine");
    let bp = result(summary, SYNTHEA, "Blood pressure").to_string();
    assert!(
        bp.contains("141 mmHg") && bp.contains("84 mmHg"),
        "blood pressure: {bp}"
    );
    assert!(!bp.contains("mm[Hg]"), "blood pressure in UCUM code: {bp}");
    // Rule: a long value is rounded for display, and the display says it was.
    for (name, start) in [
        ("Leukocytes", "5.38 ×10³/µL"),
        ("Body mass index", "31.5 "),
        ("Glucose", "161.3 mg/dL"),
    ] {
        let text = shown(SYNTHEA, name);
        let rounded = text.starts_with(start) && text.contains("rounded");
        assert!(
            rounded,
            "Synthea {name}: {text:?}, not {start:?} said to be rounded"
        );
    }
    // Rule: an annotation unit ("{score}") is not shown with its braces.
    let phq = shown(SYNTHEA, "Patient Health Questionnaire");
    assert!(
        !phq.is_empty() && !phq.contains('{'),
        "PHQ-2 shown as {phq:?}"
    );
}

/// E19: the GP's empty "Comment note" (no value, no comment) is not an item: it is
/// folded into a count.
#[test]
fn empty_comment_note_is_folded() {
    check_folded(summary());
}

fn check_folded(summary: &Value) {
    let mut sections = arr(&summary["sections"]).iter();
    let observations = sections.find(|x| x["key"] == "observations");
    let folded = &observations.expect("an observations section")["folded"];
    // Rule: an entry with nothing to show is counted, not listed.
    let wanted = json!([{"title": "Comment note", "count": 1}]);
    assert_eq!(folded, &wanted, "observations folded");
    let listed = all_items(summary).filter(|i| {
        i["code"]["code"] == "37331000000100" || s(&i["title"]).contains("Comment note")
    });
    let listed: Vec<&str> = listed.map(|i| s(&i["id"])).collect();
    assert!(listed.is_empty(), "comment notes listed: {listed:?}");
}

/// A section's items, to change.
fn items_mut<'a>(summary: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    let sections = summary["sections"].as_array_mut().expect("sections");
    let section = sections.iter_mut().find(|s| s["key"] == key);
    let section = section.unwrap_or_else(|| panic!("no {key} section"));
    section["items"].as_array_mut().expect("items")
}

/// The item of a section made from the resource `source_ref`, to change.
fn item_mut<'a>(summary: &'a mut Value, key: &str, source_ref: &str) -> &'a mut Value {
    let all = items_mut(summary, key).iter_mut();
    let mut found = all.filter(|i| refs(i).contains(source_ref));
    found
        .next()
        .unwrap_or_else(|| panic!("no item from {source_ref}"))
}

/// The result line [`result`] finds, to change.
fn result_mut<'a>(summary: &'a mut Value, org: &str, name: &str) -> &'a mut Value {
    let target = result(summary, org, name).clone();
    let sections = summary["sections"].as_array_mut().expect("sections");
    let mut lines: Vec<&mut Value> = Vec::new();
    for section in sections {
        for item in section["items"].as_array_mut().into_iter().flatten() {
            let detail = item["detail"].as_object_mut().into_iter().flatten();
            for (field, value) in detail {
                match field.as_str() {
                    "results" => lines.extend(value.as_array_mut().into_iter().flatten()),
                    "result" => lines.push(value),
                    _ => {}
                }
            }
        }
    }
    let found = lines.into_iter().find(|l| **l == target);
    found.unwrap_or_else(|| panic!("no result {name} of {org}"))
}

/// One change to the summary that a check must notice.
type Mutation = (&'static str, fn(&Value), fn(&mut Value));

/// Each check passes on the summary and fails when one fact it checks is changed (a
/// wrong summary would have that fact), so no check passes whatever the SDK does.
#[test]
fn every_check_can_fail() {
    let original = summary();
    let mutations: Vec<Mutation> = vec![
        ("E2 status", check_quarantine, |v| {
            let sources = v["sources"].as_array_mut().expect("sources");
            let other = sources.iter_mut().find(|s| s["name"] == OTHER);
            other.expect("the other person's source")["status"] = json!("ok");
        }),
        ("E2 latex listed", check_quarantine, |v| {
            let latex = v["reconciliation"][0].clone();
            items_mut(v, "allergies").push(latex);
        }),
        ("E2 latex in banner", check_quarantine, |v| {
            let alert = json!({"code": "allergy", "text": "Latex allergy"});
            v["banner_alerts"]
                .as_array_mut()
                .expect("alerts")
                .push(alert);
        }),
        ("E4 split", check_penicillin, |v| {
            let item = item_mut(v, "allergies", "AllergyIntolerance/h-allergy-pen").clone();
            items_mut(v, "allergies").push(item);
        }),
        ("E4 reaction lost", check_penicillin, |v| {
            let item = item_mut(v, "allergies", "AllergyIntolerance/h-allergy-pen");
            item["detail"]["reactions"]
                .as_array_mut()
                .expect("reactions")
                .pop();
        }),
        ("E4 criticality", check_penicillin, |v| {
            let item = item_mut(v, "allergies", "AllergyIntolerance/h-allergy-pen");
            item["detail"]["criticality"] = json!("low");
        }),
        ("E4 discrepancy", check_penicillin, |v| {
            let item = item_mut(v, "allergies", "AllergyIntolerance/h-allergy-pen");
            item["discrepancies"] = json!([]);
        }),
        ("E6 episode lost", check_cellulitis, |v| {
            let items = items_mut(v, "problems");
            items.retain(|i| !refs(i).contains("Condition/gp-prob-cell-2019"));
        }),
        ("E6 end date", check_cellulitis, |v| {
            let item = item_mut(v, "problems", "Condition/gp-prob-cell-2015");
            item["end_date"] = json!("2019-07-02");
        }),
        ("E6 hospital wording", check_cellulitis, |v| {
            let item = item_mut(v, "problems", "Condition/h-cond-cellulitis");
            let text = item
                .to_string()
                .replace("Cellulitis of right lower leg", "Cellulitis");
            *item = serde_json::from_str(&text).expect("JSON");
        }),
        ("E7b split", check_diabetes, |v| {
            let item = item_mut(v, "problems", "Condition/gp-prob-dm2");
            let mut copy = item.clone();
            item["provenance"].as_array_mut().expect("provenance").pop();
            copy["provenance"]
                .as_array_mut()
                .expect("provenance")
                .remove(0);
            copy["id"] = json!("copy");
            items_mut(v, "problems").push(copy);
        }),
        ("E7b status", check_diabetes, |v| {
            item_mut(v, "problems", "Condition/gp-prob-dm2")["status"] = json!("inactive");
        }),
        ("E8 merged", check_placeholders, |v| {
            let items = items_mut(v, "problems");
            items.retain(|i| !refs(i).contains("Condition/gp-prob-degr-2"));
        }),
        ("E8 text", check_placeholders, |v| {
            let item = item_mut(v, "problems", "Condition/gp-prob-degr-2");
            item["title"] = json!("Transfer-degraded record entry");
        }),
        ("E9 course lost", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-metf-1");
            item["detail"]["courses"]
                .as_array_mut()
                .expect("courses")
                .remove(1);
        }),
        ("E9 dose", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-metf-1");
            let courses = item["detail"]["courses"].as_array_mut().expect("courses");
            let first = courses.iter_mut().find(|c| c["start"] == "2017-03-01");
            first.expect("course 2")["dosage"] = json!("One tablet twice a day with food");
        }),
        ("E9 issues", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-metf-1");
            item["detail"]["issues"] = json!(11);
        }),
        ("E9 supply lost", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-metf-1");
            let course = &mut item["detail"]["courses"][0];
            course["supplies"].as_array_mut().expect("supplies").pop();
        }),
        ("E10 quantity", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-amlod");
            item["detail"]["courses"][0]["supplies"][0]["quantity"] = json!("28 28 tablet");
        }),
        ("E11 stopped", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-clari");
            item["status"] = json!("stopped");
        }),
        ("E11 stop reason", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-clari");
            item["detail"]["status_reason"] = json!("Course stopped");
        }),
        ("E12 reason", check_medications, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-simva");
            item["detail"]["status_reason"] = Value::Null;
        }),
        ("E13 merged", check_contradiction, |v| {
            let items = items_mut(v, "medications");
            items.retain(|i| !refs(i).contains("MedicationStatement/h-ms-bendro"));
        }),
        ("E13 warning", check_contradiction, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/h-ms-bendro");
            item["warnings"] = json!([]);
        }),
        ("E13 banner", check_contradiction, |v| {
            let alerts = v["banner_alerts"].as_array_mut().expect("alerts");
            alerts.retain(|a| a["code"] != "contradiction");
        }),
        ("E13 here", check_contradiction, |v| {
            let alert = json!({"code": "contradiction", "item_id": v["banner_alerts"][0]["item_id"],
                "text": "Bendroflumethiazide 2.5mg tablets: stopped here."});
            v["banner_alerts"]
                .as_array_mut()
                .expect("alerts")
                .push(alert);
        }),
        ("E14 other warned", check_contradiction, |v| {
            let item = item_mut(v, "medications", "MedicationStatement/gp-ms-amlod");
            item["warnings"] = json!([{"code": "contradiction", "text": "Amlodipine"}]);
        }),
        ("E16 range flag", check_results, |v| {
            result_mut(v, GP, "Serum sodium level")["flag"] = json!("normal");
        }),
        ("E16 in range", check_results, |v| {
            result_mut(v, GP, "Serum alanine aminotransferase")["flag"] = json!("high");
        }),
        ("E16 interpretation", check_results, |v| {
            let line = result_mut(v, GP, "Serum cholesterol level");
            line["flag_basis"] = json!("reference-range");
        }),
        ("E16 text range", check_results, |v| {
            result_mut(v, GP, "Serum TSH")["flag"] = json!("normal");
        }),
        ("E17 range flag", check_results, |v| {
            result_mut(v, HOSPITAL, "C reactive protein")["flag"] = Value::Null;
        }),
        ("E18 no evidence", check_results, |v| {
            result_mut(v, SYNTHEA, "Glucose")["flag"] = json!("high");
        }),
        ("E18 UCUM", check_results, |v| {
            result_mut(v, HOSPITAL, "Leukocytes")["display"] = json!("14.2 10*9/L");
        }),
        ("E18 mm[Hg]", check_results, |v| {
            let line = result_mut(v, SYNTHEA, "Blood pressure");
            let text = line.to_string().replace("mmHg", "mm[Hg]");
            *line = serde_json::from_str(&text).expect("JSON");
        }),
        ("E18 rounding said", check_results, |v| {
            result_mut(v, SYNTHEA, "Body mass index")["display"] = json!("31.5 kg/m²");
        }),
        ("E18 braces", check_results, |v| {
            result_mut(v, SYNTHEA, "Patient Health")["display"] = json!("1 {score}");
        }),
        ("E19 not folded", check_folded, |v| {
            let sections = v["sections"].as_array_mut().expect("sections");
            for s in sections.iter_mut().filter(|s| s["key"] == "observations") {
                s["folded"] = Value::Null;
            }
        }),
        ("E19 listed", check_folded, |v| {
            let note = json!({"id": "note", "title": "Comment note", "code": {}});
            items_mut(v, "observations").push(note);
        }),
    ];
    let passes = |check: fn(&Value), summary: &Value| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(summary))).is_ok()
    };
    let mut undetected = Vec::new();
    for (what, check, change) in mutations {
        // A check that already fails proves nothing here; its own test reports it.
        assert!(
            passes(check, original),
            "{what}: the check fails on the summary itself"
        );
        let mut changed = original.clone();
        change(&mut changed);
        if passes(check, &changed) {
            undetected.push(what);
        }
    }
    assert!(
        undetected.is_empty(),
        "changes not detected: {undetected:?}"
    );
}
