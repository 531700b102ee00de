//! Trends (issue #19) as hosts get them, through audited sessions: the demo patient's
//! eGFR, HbA1c and blood pressure across her practice and the hospital; a role that may
//! not see results gets no trend of them; and the trends of every corpus GP Connect
//! record and Synthea patient against the numeric results counted here from the raw FHIR
//! with the code table read on its own: every point is a result of the record, and every
//! result of a quantity recorded in one unit is a point.

use std::collections::{BTreeMap, BTreeSet};

use icr_core::launch::Relationship;
use icr_core::model::Quantity;
use icr_core::summary::PatientSummary;
use icr_core::trends::Trend;
use serde_json::Value;

use crate::host::Host;
use crate::ips::{CorpusRecord, corpus_records};
use crate::{corpus_dir, loud};

fn trend(s: &PatientSummary, quantity: Quantity) -> &Trend {
    s.trends
        .iter()
        .find(|t| t.quantity == quantity)
        .unwrap_or_else(|| panic!("a {quantity:?} trend"))
}

fn shown_ids(s: &PatientSummary) -> BTreeSet<&str> {
    s.sections
        .iter()
        .flat_map(|x| x.items.iter().map(|e| e.id.as_str()))
        .collect()
}

#[test]
fn the_demo_patient_s_kidney_function_diabetes_and_blood_pressure_over_time() {
    let record = icr_test_support::demo::record();
    let host = Host::new();
    let gp = host.view(&record, "gp", Relationship::RegisteredGp).summary;
    let egfr = trend(&gp, Quantity::Egfr);
    let orgs: BTreeSet<&str> = egfr
        .points
        .iter()
        .flat_map(|p| p.organisations.iter().map(String::as_str))
        .collect();
    assert!(
        orgs.len() >= 2,
        "the practice's and the hospital's results in one trend: {orgs:?}"
    );
    assert!(egfr.points.len() >= 4, "{:#?}", egfr.points);
    let hba1c = trend(&gp, Quantity::Hba1c);
    assert_eq!(hba1c.unit, "mmol/mol");
    let values: Vec<&str> = hba1c.points.iter().map(|p| p.shown.as_str()).collect();
    assert_eq!(values, ["66", "61", "58"], "her HbA1c coming down");
    let bp = trend(&gp, Quantity::BloodPressure);
    assert!(bp.points.iter().all(|p| p.values.len() == 2));
    let ids = shown_ids(&gp);
    for t in &gp.trends {
        for p in &t.points {
            for id in &p.item_ids {
                assert!(ids.contains(id.as_str()), "{id} is an item the GP is shown");
            }
        }
    }
    // The social worker's role does not include results: no trend of them reaches her.
    let social = host
        .view(&record, "social-worker", Relationship::CareTeam)
        .summary;
    let ids = shown_ids(&social);
    assert!(
        social
            .trends
            .iter()
            .flat_map(|t| t.points.iter().flat_map(|p| p.item_ids.iter()))
            .all(|id| ids.contains(id.as_str())),
        "every point is an item she is shown"
    );
    assert!(
        social
            .trends
            .iter()
            .all(|t| t.quantity != Quantity::Egfr && t.quantity != Quantity::Hba1c),
        "{:#?}",
        social.trends
    );
}

/// The code table, read here on its own: `system|code` to quantity key.
fn table() -> BTreeMap<String, String> {
    let text = include_str!("../../../icr-core/src/trends/quantities.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (format!("{}|{}", cols[1], cols[2]), cols[0].to_owned())
        })
        .collect()
}

/// The quantity a FHIR `code` names by the table (systolic and diastolic are blood
/// pressure).
fn quantity_of(code: &Value, table: &BTreeMap<String, String>) -> Option<String> {
    code["coding"].as_array()?.iter().find_map(|c| {
        let system = c["system"].as_str()?.trim_end_matches('/');
        let key = table.get(&format!("{system}|{}", c["code"].as_str()?.trim()))?;
        Some(match key.as_str() {
            "systolic" | "diastolic" => "blood-pressure".to_owned(),
            k => k.to_owned(),
        })
    })
}

/// One numeric result counted from the raw FHIR: its quantity, unit and reading.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Raw {
    quantity: String,
    unit: String,
    when: String,
    value: String,
}

/// The numeric results of a record's Observations (and their components) whose code is
/// in the table: none entered in error, none sent with a comparator.
fn raw_results(fhir: &Value, table: &BTreeMap<String, String>) -> BTreeSet<Raw> {
    let mut out = BTreeSet::new();
    let resources = fhir["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Observation" && r["status"] != "entered-in-error");
    for r in resources {
        let when = r["effectiveDateTime"]
            .as_str()
            .or_else(|| r["effectivePeriod"]["start"].as_str())
            .unwrap_or("")
            .to_owned();
        let parts = std::iter::once(r).chain(r["component"].as_array().into_iter().flatten());
        for part in parts {
            let q = &part["valueQuantity"];
            let (Some(quantity), Some(value)) = (quantity_of(&part["code"], table), q.get("value"))
            else {
                continue;
            };
            if q.get("comparator").is_some() {
                continue;
            }
            out.insert(Raw {
                quantity,
                unit: q["code"]
                    .as_str()
                    .or(q["unit"].as_str())
                    .unwrap_or("")
                    .to_lowercase(),
                when: when.clone(),
                value: value.to_string(),
            });
        }
    }
    out
}

#[test]
fn corpus_trends_account_for_every_result_and_invent_none() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let table = table();
    let host = Host::new();
    let (mut records, mut trends, mut points, mut counted) = (0, 0, 0, 0);
    for CorpusRecord { name, fhir, record } in corpus_records(&corpus) {
        records += 1;
        let s = host.view(&record, "gp", Relationship::RegisteredGp).summary;
        let raw = raw_results(&fhir, &table);
        for t in s.trends.iter().filter(|t| t.quantity != Quantity::Other) {
            trends += 1;
            points += t.points.len();
            // No point is invented: each value is a result of that quantity in the FHIR.
            for p in t.points.iter().filter(|p| p.sent.is_none()) {
                for v in p.values.iter().flatten() {
                    assert!(
                        raw.iter().any(|r| r.quantity == t.quantity.key()
                            && r.value.parse::<f64>().is_ok_and(|x| (x - v).abs() < 1e-9)),
                        "{name}: {} point {v} is no result of the record",
                        t.title
                    );
                }
            }
        }
        // Nothing is lost: a quantity recorded in one unit, with two readings or more
        // (blood pressure: its systolic readings), is one trend holding every one.
        let mut by_quantity: BTreeMap<&str, Vec<&Raw>> = BTreeMap::new();
        for r in &raw {
            by_quantity.entry(r.quantity.as_str()).or_default().push(r);
        }
        for (quantity, results) in by_quantity {
            let units: BTreeSet<&str> = results.iter().map(|r| r.unit.as_str()).collect();
            let readings: BTreeSet<(&str, &str)> = results
                .iter()
                .map(|r| (r.when.as_str(), r.value.as_str()))
                .collect();
            if units.len() != 1 || quantity == "blood-pressure" {
                continue;
            }
            let dated = results.iter().filter(|r| !r.when.is_empty()).count();
            if dated < 2 {
                continue;
            }
            let found: Vec<&Trend> = s
                .trends
                .iter()
                .filter(|t| t.quantity.key() == quantity)
                .collect();
            assert_eq!(found.len(), 1, "{name}: one {quantity} trend");
            assert_eq!(
                found[0].points.len(),
                readings.len(),
                "{name}: every {quantity} result is a point of its trend"
            );
            counted += readings.len();
        }
    }
    loud(&format!(
        "trends: {records} corpus records, {trends} trends of known quantities holding {points} points; \
         {counted} results counted independently, each a point"
    ));
    assert!(
        records > 20 && trends > 10,
        "{records} records, {trends} trends"
    );
}
