//! The document on the demo patient: its shape (Composition first, IPS section codes,
//! every reference resolved, a Provenance per source), stable identifiers, withheld items
//! signposted and absent, escaped narrative, and the round trip through the SDK's own
//! R4 ingest.

use std::collections::BTreeSet;

use serde_json::Value;

use super::*;
use crate::ingest::{IngestOptions, ingest};
use crate::merge::merge;
use crate::model::{Sensitivity, WithheldReason};
use crate::summary::{SummaryOptions, build};

fn demo_record() -> crate::SharedCareRecord {
    crate::demo::record().expect("the demo record ingests")
}

/// The demo summary with the items whose title contains any of `hide` withheld.
fn summary(hide: &[&str]) -> PatientSummary {
    build(
        &demo_record(),
        jiff::civil::date(2026, 11, 25),
        SummaryOptions::default(),
        |_, e| -> Result<Vec<Sensitivity>, WithheldReason> {
            if hide.iter().any(|h| e.title.contains(h)) {
                Err(WithheldReason::SensitiveCategory(
                    "mental-health".to_owned(),
                ))
            } else {
                Ok(e.sensitivity.clone())
            }
        },
    )
}

fn viewer(user: &str, timestamp: &str) -> Viewer<'static> {
    Viewer {
        seed: Seed::new(user, "Y90001", "gp", "9990000026"),
        organisation: "Y90001",
        role: "GP",
        timestamp: timestamp.to_owned(),
    }
}

fn resources(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect()
}

/// Every `reference` string anywhere in `v`.
fn references<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("reference", Value::String(s)) => out.push(s),
                    _ => references(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

#[test]
fn the_document_is_a_composition_with_ips_sections_and_every_reference_resolves() {
    let s = summary(&[]);
    let bundle = document(&s, &viewer("u1", "2026-11-25T12:00:00Z"));
    assert_eq!(bundle["type"], "document");
    let all = resources(&bundle);
    assert_eq!(all[0]["resourceType"], "Composition");
    let codes: BTreeSet<&str> = all[0]["section"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["code"]["coding"][0]["code"].as_str())
        .collect();
    for required in ["48765-2", "10160-0", "11450-4", "30954-2", "104605-1"] {
        assert!(codes.contains(required), "{required} in {codes:?}");
    }
    let urls: BTreeSet<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(refs.len() > 50);
    for r in refs {
        assert!(urls.contains(r), "{r} does not resolve");
    }
    // One resource per item shown, at least: each section's entries are its items.
    let shown: usize = s.sections.iter().map(|x| x.items.len()).sum();
    let entries: usize = all[0]["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["entry"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(entries, shown);
    // A Provenance per source that contributed, naming what it contributed.
    let provenances: Vec<&&Value> = all
        .iter()
        .filter(|r| r["resourceType"] == "Provenance")
        .collect();
    assert_eq!(
        provenances.len(),
        s.sources.iter().filter(|x| x.items > 0).count()
    );
    // Ramipril is recorded by the practice and the hospital: a target of both.
    let ramipril = all
        .iter()
        .find(|r| {
            r["resourceType"] == "MedicationStatement"
                && r["medicationReference"]["display"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("Ramipril"))
        })
        .unwrap();
    let url = format!("urn:uuid:{}", ramipril["id"].as_str().unwrap());
    let naming = provenances
        .iter()
        .filter(|p| {
            p["target"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["reference"] == url.as_str())
        })
        .count();
    assert_eq!(naming, 2);
    for r in &all {
        if let Some(div) = r["text"]["div"].as_str() {
            assert!(div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"));
        }
    }
}

#[test]
fn identifiers_are_stable_for_the_same_record_and_viewer_and_differ_for_another() {
    let s = summary(&[]);
    let a = document(&s, &viewer("u1", "2026-11-25T12:00:00Z"));
    let b = document(&s, &viewer("u1", "2026-11-26T09:30:00Z"));
    let c = document(&s, &viewer("u2", "2026-11-25T12:00:00Z"));
    assert_eq!(a["identifier"], b["identifier"]);
    assert_ne!(a["identifier"], c["identifier"]);
    // Apart from the moment, the same document.
    let without_time = |v: &Value| {
        v.to_string()
            .replace("2026-11-25T12:00:00Z", "T")
            .replace("2026-11-26T09:30:00Z", "T")
    };
    assert_eq!(without_time(&a), without_time(&b));
}

#[test]
fn a_withheld_item_is_counted_in_its_section_and_nowhere_in_the_bundle() {
    let all = summary(&[]);
    let s = summary(&["Sertraline"]);
    let withheld = all
        .sections
        .iter()
        .flat_map(|x| x.items.iter())
        .find(|e| e.title.contains("Sertraline"))
        .unwrap();
    let bundle = document(&s, &viewer("u1", "2026-11-25T12:00:00Z"));
    let text = bundle.to_string();
    assert!(!text.contains("Sertraline"));
    assert!(!text.contains(&withheld.id), "not even its id");
    let medications = resources(&bundle)[0]["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"]["coding"][0]["code"] == "10160-0")
        .unwrap()
        .clone();
    let ext = &medications["extension"][0];
    assert_eq!(ext["url"], WITHHELD_EXTENSION);
    assert_eq!(ext["extension"][0]["valueInteger"], 1);
    assert!(
        medications["text"]["div"]
            .as_str()
            .unwrap()
            .contains("Information withheld")
    );
    // Everything of a section withheld: its emptyReason says so.
    let none = summary(&[
        "Penicillin",
        "penicillin",
        "Allergy",
        "allergy",
        "Latex",
        "latex",
    ]);
    let bundle = document(&none, &viewer("u1", "2026-11-25T12:00:00Z"));
    let allergies = resources(&bundle)[0]["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"]["coding"][0]["code"] == "48765-2")
        .unwrap()
        .clone();
    assert_eq!(
        allergies["emptyReason"]["coding"][0]["code"], "withheld",
        "{allergies}"
    );
    assert!(allergies.get("entry").is_none());
}

#[test]
fn record_text_in_the_narrative_is_escaped() {
    let mut s = summary(&[]);
    let payload = "<script>alert(1)</script>";
    for e in s.sections.iter_mut().flat_map(|x| x.items.iter_mut()) {
        e.title = payload.to_owned();
    }
    let bundle = document(&s, &viewer("u1", "2026-11-25T12:00:00Z"));
    for section in resources(&bundle)[0]["section"].as_array().unwrap() {
        let div = section["text"]["div"].as_str().unwrap();
        assert!(!div.contains("<script>"), "{div}");
    }
}

#[test]
fn the_bundle_read_back_through_the_r4_ingest_gives_the_items_shown() {
    let s = summary(&[]);
    let bundle = document(&s, &viewer("u1", "2026-11-25T12:00:00Z"));
    let back = ingest(bundle.to_string().as_bytes(), &IngestOptions::default()).unwrap();
    let again = build(
        &merge(vec![back], vec![]),
        jiff::civil::date(2026, 11, 25),
        SummaryOptions::default(),
        |_, e| Ok(e.sensitivity.clone()),
    );
    // Same code, date and title. A referral is titled by its reason when read back (the
    // ingest's rule for a request without a description, which R4 does not have), so
    // its title is not compared.
    let facts = |x: &PatientSummary| -> BTreeSet<(Option<String>, Option<String>, Option<String>)> {
        x.sections
            .iter()
            .flat_map(|s| s.items.iter())
            .map(|e| {
                (
                    (!matches!(e.detail, crate::model::Detail::Referral { .. }))
                        .then(|| e.title.clone()),
                    e.code.as_ref().and_then(|c| c.code.clone()),
                    e.date.as_ref().map(|d| d.as_str().to_owned()),
                )
            })
            .collect()
    };
    let values = |x: &PatientSummary| -> BTreeSet<(String, Option<String>, Option<String>)> {
        x.sections
            .iter()
            .flat_map(|s| s.items.iter())
            .flat_map(|e| match &e.detail {
                crate::model::Detail::Investigation { results, .. } => results.clone(),
                crate::model::Detail::Observation { result } => vec![result.clone()],
                _ => Vec::new(),
            })
            .map(|r| (r.name, r.value, r.unit))
            .collect()
    };
    assert!(values(&s).len() > 10);
    assert_eq!(values(&s), values(&again), "result values and units");
    let (before, after) = (facts(&s), facts(&again));
    let missing: Vec<_> = before.difference(&after).collect();
    let added: Vec<_> = after.difference(&before).collect();
    assert!(
        missing.is_empty() && added.is_empty(),
        "missing {missing:#?}\nadded {added:#?}"
    );
}

#[test]
fn dates_are_written_as_fhir_accepts_them() {
    let written = |text: &str| {
        crate::model::FhirDate::parse(text)
            .as_ref()
            .and_then(resources::date_time)
    };
    assert_eq!(written("2026-09-18").as_deref(), Some("2026-09-18"));
    assert_eq!(written("2026-09").as_deref(), Some("2026-09"));
    assert_eq!(
        written("2026-09-18T11:42:00+01:00").as_deref(),
        Some("2026-09-18T11:42:00+01:00")
    );
    assert_eq!(
        written("2026-09-18T11:42:07.123Z").as_deref(),
        Some("2026-09-18T11:42:07.123Z")
    );
    assert_eq!(
        written("2026-09-18T11:42+01:00").as_deref(),
        Some("2026-09-18T11:42:00+01:00"),
        "seconds added"
    );
    assert_eq!(
        written("2026-09-18T11:42:00").as_deref(),
        Some("2026-09-18"),
        "no zone: the day"
    );
}
