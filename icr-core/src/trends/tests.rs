//! Trends on synthetic FHIR R4 sources ingested and merged as hosts give them: grouping by
//! code across laboratories and organisations, equivalent codes, units kept apart or
//! converted only where exact, blood pressure pairs, partial dates, the same result from
//! two sources, and a withheld result that leaves no trace.

use super::*;
use crate::merge::{SharedCareRecord, merge};
use crate::model::{CareSetting, Entry, Sensitivity, WithheldReason};
use crate::summary::{PatientSummary, SummaryOptions, build};
use crate::synthetic::{everything, source};

const LOINC: &str = "http://loinc.org";
const BORN: &str = "1950-05-05";

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 25)
}

/// An R4 Observation coded `system|code`, taken on `date` (none when empty), with a
/// UCUM quantity `value` (text, so `<5` can be sent with its comparator) and `extra`
/// members after a comma.
fn obs(id: &str, code: &str, date: &str, value: &str, unit: &str, extra: &str) -> String {
    let (system, code) = code.split_once('|').unwrap_or((LOINC, code));
    let date = match date {
        "" => String::new(),
        d => format!(r#","effectiveDateTime":"{d}""#),
    };
    let (comparator, number) = match value.strip_prefix('<') {
        Some(n) => (r#""comparator":"<","#, n),
        None => ("", value),
    };
    format!(
        r#"{{"resourceType":"Observation","id":"{id}","status":"final","subject":{{"reference":"Patient/p"}},
        "code":{{"coding":[{{"system":"{system}","code":"{code}","display":"Test {code}"}}]}}{date},
        "valueQuantity":{{{comparator}"value":{number},"unit":"{unit}","system":"http://unitsofmeasure.org","code":"{unit}"}}{extra}}}"#
    )
}

/// A blood pressure as Synthea sends it: one Observation with two components.
fn bp_panel(id: &str, date: &str, systolic: u32, diastolic: u32) -> String {
    let part = |code: &str, v: u32| {
        format!(
            r#"{{"code":{{"coding":[{{"system":"http://loinc.org","code":"{code}"}}]}},"valueQuantity":{{"value":{v},"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}}}"#
        )
    };
    format!(
        r#"{{"resourceType":"Observation","id":"{id}","status":"final","subject":{{"reference":"Patient/p"}},
        "code":{{"coding":[{{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}}]}},
        "effectiveDateTime":"{date}","component":[{},{}]}}"#,
        part("8480-6", systolic),
        part("8462-4", diastolic)
    )
}

fn record(sources: &[(&str, &[String])]) -> SharedCareRecord {
    let sources: Vec<_> = sources
        .iter()
        .map(|(name, resources)| source(name, CareSetting::Acute, BORN, resources))
        .collect();
    merge(sources, Vec::new())
}

fn summary(record: &SharedCareRecord) -> PatientSummary {
    build(record, today(), SummaryOptions::default(), everything)
}

fn trend(s: &PatientSummary, quantity: Quantity) -> &Trend {
    s.trends
        .iter()
        .find(|t| t.quantity == quantity)
        .unwrap_or_else(|| panic!("a {quantity:?} trend in {:#?}", s.trends))
}

fn values(t: &Trend) -> Vec<Option<f64>> {
    t.plotted()
        .map(|p| p.values.first().copied().flatten())
        .collect()
}

#[test]
fn egfr_from_two_laboratories_under_two_equations_is_one_trend() {
    let record = record(&[
        (
            "Hospital",
            &[
                obs("a", "62238-1", "2026-01-10", "58", "mL/min/{1.73_m2}", ""),
                obs("b", "62238-1", "2026-06-10", "51", "mL/min/{1.73_m2}", ""),
            ],
        ),
        (
            "Practice",
            &[obs("c", "33914-3", "2025-03-02", "63", "mL/min/1.73m2", "")],
        ),
    ]);
    let s = summary(&record);
    let t = trend(&s, Quantity::Egfr);
    assert_eq!(
        s.trends
            .iter()
            .filter(|t| t.quantity == Quantity::Egfr)
            .count(),
        1
    );
    assert_eq!(
        values(t),
        [Some(63.0), Some(58.0), Some(51.0)],
        "oldest first"
    );
    assert_eq!(t.title, "eGFR");
    let orgs: Vec<&str> = t
        .points
        .iter()
        .flat_map(|p| p.organisations.iter().map(String::as_str))
        .collect();
    assert_eq!(orgs, ["Practice", "Hospital", "Hospital"]);
    assert!(
        t.latest.starts_with(
            "Latest 51 mL/min/{1.73_m2} on 10-Jun-2026; down 7 since 58 on 10-Jan-2026"
        ),
        "{}",
        t.latest
    );
}

#[test]
fn the_same_result_from_two_sources_is_one_point_naming_both() {
    let same = obs("x", "2823-3", "2026-02-01T09:30:00Z", "4.1", "mmol/L", "");
    let record = record(&[
        (
            "Hospital",
            &[
                same.clone(),
                obs("y", "2823-3", "2026-03-01", "5.9", "mmol/L", ""),
            ],
        ),
        ("Practice", &[same]),
    ]);
    let s = summary(&record);
    let t = trend(&s, Quantity::Potassium);
    assert_eq!(t.points.len(), 2, "{:#?}", t.points);
    let first = t.points.first().expect("a point");
    assert_eq!(first.organisations.len(), 2, "{first:?}");
    assert_eq!(
        first.item_ids.len(),
        2,
        "both items accounted for: {first:?}"
    );
}

#[test]
fn a_repeated_value_on_another_day_is_another_point() {
    let record = record(&[(
        "Hospital",
        &[
            obs("a", "2951-2", "2026-01-01", "139", "mmol/L", ""),
            obs("b", "2951-2", "2026-01-02", "139", "mmol/L", ""),
        ],
    )]);
    assert_eq!(trend(&summary(&record), Quantity::Sodium).points.len(), 2);
}

#[test]
fn hba1c_in_percent_is_converted_only_beside_mmol_per_mol_and_says_so() {
    let mixed = record(&[(
        "Hospital",
        &[
            obs("a", "4548-4", "2025-01-01", "7.0", "%", ""),
            obs("b", "59261-8", "2026-01-01", "48", "mmol/mol", ""),
        ],
    )]);
    let s = summary(&mixed);
    let t = trend(&s, Quantity::Hba1c);
    assert_eq!(t.unit, "mmol/mol");
    let first = t.points.first().expect("a point");
    assert_eq!(first.shown, "53");
    assert_eq!(first.sent.as_deref(), Some("7.0 %"));
    assert!(
        t.notes.iter().any(|n| n.contains("10.929")),
        "{:?}",
        t.notes
    );
    assert!(t.latest.contains("down 5 since 53"), "{}", t.latest);

    let percent_only = record(&[(
        "Hospital",
        &[
            obs("a", "4548-4", "2025-01-01", "7.0", "%", ""),
            obs("b", "4548-4", "2026-01-01", "6.4", "%", ""),
        ],
    )]);
    let s = summary(&percent_only);
    let t = trend(&s, Quantity::Hba1c);
    assert_eq!(t.unit, "%");
    assert!(t.notes.is_empty() && t.points.iter().all(|p| p.sent.is_none()));
}

/// What was sent reads `value unit` with the outer whitespace of the unit as sent dropped
/// and nothing else changed.
#[test]
fn what_was_sent_is_the_value_and_unit_trimmed() {
    let mixed = record(&[(
        "Hospital",
        &[
            obs("a", "4548-4", "2025-01-01", "7.0", " % ", ""),
            obs("b", "59261-8", "2026-01-01", "48", "mmol/mol", ""),
        ],
    )]);
    let s = summary(&mixed);
    let t = trend(&s, Quantity::Hba1c);
    let first = t.points.first().expect("a point");
    assert_eq!(first.sent.as_deref(), Some("7.0 %"));
}

#[test]
fn creatinine_in_two_units_is_two_trends_never_converted() {
    let record = record(&[(
        "Hospital",
        &[
            obs("a", "2160-0", "2025-01-01", "1.1", "mg/dL", ""),
            obs("b", "2160-0", "2025-06-01", "1.3", "mg/dL", ""),
            obs("c", "14682-9", "2026-01-01", "97", "umol/L", ""),
            obs("d", "14682-9", "2026-06-01", "115", "umol/L", ""),
        ],
    )]);
    let s = summary(&record);
    let creatinine: Vec<&Trend> = s
        .trends
        .iter()
        .filter(|t| t.quantity == Quantity::Creatinine)
        .collect();
    assert_eq!(creatinine.len(), 2, "{creatinine:#?}");
    let titles: Vec<&str> = creatinine.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Creatinine (mg/dL)", "Creatinine (umol/L)"]);
    assert!(
        creatinine
            .iter()
            .all(|t| t.notes.is_empty() && t.points.len() == 2)
    );
    assert_ne!(creatinine[0].key(), creatinine[1].key());
}

#[test]
fn partial_dates_are_drawn_across_their_period_and_undated_or_bound_values_listed() {
    let record = record(&[(
        "Practice",
        &[
            obs("a", "2093-3", "2024", "5.9", "mmol/L", ""),
            obs("b", "2093-3", "2025-03", "5.2", "mmol/L", ""),
            obs("c", "2093-3", "2026-01-15", "4.8", "mmol/L", ""),
            obs("d", "2093-3", "", "6.1", "mmol/L", ""),
            obs("e", "2093-3", "2026-02-01", "<2.0", "mmol/L", ""),
        ],
    )]);
    let s = summary(&record);
    let t = trend(&s, Quantity::Cholesterol);
    assert_eq!(t.points.len(), 5, "every result accounted for");
    let drawn: Vec<&str> = t
        .plotted()
        .map(|p| p.date.as_ref().map_or("", FhirDate::as_str))
        .collect();
    assert_eq!(drawn, ["2024", "2025-03", "2026-01-15"]);
    let note = |date: &str| {
        t.points
            .iter()
            .find(|p| p.date.as_ref().map_or("", FhirDate::as_str) == date)
            .and_then(|p| p.note.clone())
            .unwrap_or_default()
    };
    assert!(note("2024").contains("the whole year"));
    assert!(note("2025-03").contains("the whole month"));
    assert!(note("2026-01-15").is_empty());
    assert!(note("").contains("No date"));
    assert!(
        note("2026-02-01").contains("bound (<2.0)"),
        "{}",
        note("2026-02-01")
    );
    assert!(
        t.points.iter().rev().take(2).all(|p| !p.plotted),
        "listed after the drawn ones"
    );
}

#[test]
fn blood_pressure_pairs_components_and_separate_readings_taken_together() {
    let systolic = "http://snomed.info/sct|72313002";
    let diastolic = "http://snomed.info/sct|1091811000000102";
    let record = record(&[
        (
            "Hospital",
            &[
                bp_panel("p1", "2026-01-05", 150, 95),
                bp_panel("p2", "2026-03-05", 138, 85),
            ],
        ),
        (
            "Practice",
            &[
                obs("s", systolic, "2026-05-01T10:00:00Z", "132", "mm[Hg]", ""),
                obs("d", diastolic, "2026-05-01T10:00:00Z", "80", "mm[Hg]", ""),
                obs("s2", systolic, "2026-06-01", "129", "mm[Hg]", ""),
            ],
        ),
    ]);
    let s = summary(&record);
    let t = trend(&s, Quantity::BloodPressure);
    assert_eq!(t.series, ["Systolic", "Diastolic"]);
    let shown: Vec<&str> = t.points.iter().map(|p| p.shown.as_str()).collect();
    assert_eq!(shown, ["150/95", "138/85", "132/80", "129/\u{2013}"]);
    let last = t.points.last().expect("a point");
    assert_eq!(last.values, [Some(129.0), None]);
    assert!(t.latest.contains("systolic down 3"), "{}", t.latest);
}

#[test]
fn a_quantity_outside_the_table_needs_three_results() {
    let two = record(&[(
        "Hospital",
        &[
            obs("a", "1742-6", "2026-01-01", "30", "U/L", ""),
            obs("b", "1742-6", "2026-02-01", "34", "U/L", ""),
        ],
    )]);
    assert!(summary(&two).trends.is_empty());
    let three = record(&[(
        "Hospital",
        &[
            obs("a", "1742-6", "2026-01-01", "30", "U/L", ""),
            obs("b", "1742-6", "2026-02-01", "34", "U/L", ""),
            obs("c", "1742-6", "2026-03-01", "41", "U/L", ""),
        ],
    )]);
    let s = summary(&three);
    let t = trend(&s, Quantity::Other);
    assert_eq!(t.code.as_deref(), Some("http://loinc.org|1742-6"));
    assert_eq!(t.title, "Test 1742-6");
}

#[test]
fn the_reference_range_and_flag_come_with_each_point() {
    let range = r#","referenceRange":[{"low":{"value":3.5,"unit":"mmol/L"},"high":{"value":5.3,"unit":"mmol/L"}}]"#;
    let record = record(&[(
        "Hospital",
        &[
            obs("a", "2823-3", "2026-01-01", "4.0", "mmol/L", range),
            obs("b", "2823-3", "2026-02-01", "5.9", "mmol/L", range),
        ],
    )]);
    let s = summary(&record);
    let t = trend(&s, Quantity::Potassium);
    let last = t.points.last().expect("a point");
    assert_eq!((last.range_low, last.range_high), (Some(3.5), Some(5.3)));
    assert_eq!(last.flag, Some(ResultFlag::High));
    assert_eq!(last.reference_range.as_deref(), Some("3.5-5.3"));
    assert!(t.latest.contains("(high)"), "{}", t.latest);
}

/// Withholds the items whose id contains `hidden`.
fn withholding(
    hidden: &'static str,
) -> impl FnMut(usize, &Entry) -> Result<Vec<Sensitivity>, WithheldReason> {
    move |_, e| {
        if e.id.contains(hidden) {
            Err(WithheldReason::RoleSection)
        } else {
            Ok(e.sensitivity.clone())
        }
    }
}

#[test]
fn a_withheld_result_is_no_point_no_extent_and_no_count() {
    let record = record(&[(
        "Hospital",
        &[
            obs("a", "2160-0", "2025-01-01", "1.1", "mg/dL", ""),
            obs("b", "2160-0", "2025-06-01", "1.2", "mg/dL", ""),
            obs("secret", "2160-0", "2026-06-01", "9.9", "mg/dL", ""),
        ],
    )]);
    let s = build(
        &record,
        today(),
        SummaryOptions::default(),
        withholding("secret"),
    );
    let t = trend(&s, Quantity::Creatinine);
    assert_eq!(values(t), [Some(1.1), Some(1.2)]);
    let json = serde_json::to_string(&s.trends).expect("serialises");
    assert!(!json.contains("9.9") && !json.contains("secret"), "{json}");
    assert!(!t.latest.contains("2026"), "{}", t.latest);

    let alone = record_with_one_visible();
    let s = build(
        &alone,
        today(),
        SummaryOptions::default(),
        withholding("secret"),
    );
    assert!(
        s.trends.is_empty(),
        "one visible result is no trend: {:#?}",
        s.trends
    );
}

fn record_with_one_visible() -> SharedCareRecord {
    record(&[(
        "Hospital",
        &[
            obs("a", "2160-0", "2025-01-01", "1.1", "mg/dL", ""),
            obs("secret", "2160-0", "2026-06-01", "9.9", "mg/dL", ""),
        ],
    )])
}

#[test]
fn an_administrative_view_has_no_trends() {
    let record = record_with_one_visible();
    let options = SummaryOptions {
        administrative: true,
        ..SummaryOptions::default()
    };
    assert!(
        build(&record, today(), options, everything)
            .trends
            .is_empty()
    );
    assert!(!summary(&record).trends.is_empty());
}

#[test]
fn every_row_of_the_code_table_reads_and_every_code_checks() {
    let lines = quantities::TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    let rows: Vec<quantities::Row> = quantities::rows().collect();
    assert_eq!(rows.len(), lines, "a row of quantities.tsv does not read");
    for r in &rows {
        match r.system {
            quantities::LOINC => assert!(loinc_checks(r.code), "LOINC {} check digit", r.code),
            crate::model::SNOMED => assert!(
                crate::model::parse_sctid(r.code).is_ok(),
                "SNOMED CT {} does not check",
                r.code
            ),
            other => panic!("{other} is not a system of the table"),
        }
    }
    for q in Quantity::KNOWN {
        assert!(
            rows.iter().any(|r| r.quantity == q) || q == Quantity::BloodPressure,
            "{q:?} has codes"
        );
    }
    let mut keys: Vec<(&str, &str)> = rows.iter().map(|r| (r.system, r.code)).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), before, "a code in two rows");
}

/// LOINC's mod-10 check digit (the Luhn variant LOINC documents).
fn loinc_checks(code: &str) -> bool {
    let Some((body, check)) = code.split_once('-') else {
        return false;
    };
    let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != body.len() || check.len() != 1 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    check.parse::<u32>().ok() == Some((10 - sum % 10) % 10)
}
