//! Rendering the HTML panel against getting the summary it renders: ingest + merge +
//! summarise (through a session, as a host gets it) of the same record, in the same run.
//!
//! Measured for the demo patient (five sources joined) and, when `ICR_CORPUS` is set,
//! for the largest GP Connect record. `panel_html` is timed with the wasm panel's options
//! (interactive, item details rendered when opened) and with every item's details inline
//! (the standalone page). After criterion's report the ratios (render ÷ ingest) are
//! printed from criterion's estimates, with the size of the HTML; and the view as the
//! IPS document (`summary_fhir`) against the same view as summary JSON.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use criterion::Criterion;
use icr_core::audit::{AuditKey, MemoryAuditLog};
use icr_core::launch::Relationship;
use icr_core::render::{PanelOptions, panel_html};
use icr_core::session::{Session, demo};
use icr_core::{IngestOptions, NhsNumber, PatientSummary, ingest, merge};

/// One input: named sources (with the organisation a directory would give, if any).
struct Input {
    name: String,
    sources: Vec<(Vec<u8>, Option<icr_core::model::Organisation>)>,
    patient: NhsNumber,
}

fn inputs() -> Vec<Input> {
    let mut out = Vec::new();
    if let Some(patient) = icr_core::demo::patient() {
        out.push(Input {
            name: "render-demo".to_owned(),
            sources: icr_core::demo::sources()
                .into_iter()
                .map(|s| (s.json.into_bytes(), Some(s.organisation)))
                .collect(),
            patient,
        });
    }
    match std::env::var_os("ICR_CORPUS").map(PathBuf::from) {
        None => eprintln!("ICR_CORPUS is not set: the largest GP Connect record is SKIPPED"),
        Some(corpus) => {
            let path = corpus.join("gpconnect/supplier_TPP_9465699896_full.json");
            let bytes = std::fs::read(&path).ok();
            let patient = bytes.as_deref().and_then(|b| {
                ingest(b, &IngestOptions::default())
                    .ok()?
                    .nhs_number()
                    .cloned()
            });
            match (bytes, patient) {
                (Some(bytes), Some(patient)) => out.push(Input {
                    name: "render-gpconnect-largest".to_owned(),
                    sources: vec![(bytes, None)],
                    patient,
                }),
                _ => eprintln!("{}: unreadable or no NHS number; skipped", path.display()),
            }
        }
    }
    out
}

fn session_for(patient: NhsNumber) -> Option<Session> {
    let key = AuditKey::from_bytes(&[7u8; 32]).ok()?;
    let icr = demo::icr(Arc::new(MemoryAuditLog::new(key))).ok()?;
    let now = jiff::Timestamp::now().as_second();
    let token = demo::token(icr.policy(), "gp", Relationship::RegisteredGp, patient, now).ok()?;
    icr.open_session(&token).ok()
}

fn summarise(input: &Input, session: &Session) -> Option<PatientSummary> {
    session.summary(&record(input)).ok()
}

/// The input's sources ingested and merged.
fn record(input: &Input) -> icr_core::SharedCareRecord {
    let records = input
        .sources
        .iter()
        .filter_map(|(bytes, organisation)| {
            let options = IngestOptions {
                expected_patient: Some(input.patient.clone()),
                organisation: organisation.clone(),
                ..IngestOptions::default()
            };
            ingest(bytes, &options).ok()
        })
        .collect();
    merge(records, Vec::new())
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let inputs = inputs();
    let full = PanelOptions::default();
    let wasm = PanelOptions::interactive();
    let mut sizes = Vec::new();
    for input in &inputs {
        let Some(session) = session_for(input.patient.clone()) else {
            eprintln!("{}: could not open a session; skipped", input.name);
            continue;
        };
        let Some(summary) = summarise(input, &session) else {
            eprintln!("{}: no summary; skipped", input.name);
            continue;
        };
        let items: usize = summary.sections.iter().map(|s| s.items.len()).sum();
        sizes.push((
            input.name.clone(),
            items,
            panel_html(&summary, &wasm).len(),
            panel_html(&summary, &full).len(),
        ));
        let mut group = c.benchmark_group(input.name.as_str());
        group.bench_function("ingest_merge_summarise", |b| {
            b.iter(|| summarise(std::hint::black_box(input), &session).map(|s| s.sections.len()))
        });
        group.bench_function("panel_html_wasm", |b| {
            b.iter(|| panel_html(std::hint::black_box(&summary), &wasm).len())
        });
        group.bench_function("panel_html_full", |b| {
            b.iter(|| panel_html(std::hint::black_box(&summary), &full).len())
        });
        // The same audited view as the summary JSON and as the IPS document.
        let merged = record(input);
        group.bench_function("summary_json", |b| {
            b.iter(|| {
                let s = session.summary(std::hint::black_box(&merged)).ok()?;
                serde_json::to_vec(&s).ok().map(|v| v.len())
            })
        });
        group.bench_function("summary_fhir", |b| {
            b.iter(|| {
                session
                    .summary_fhir(std::hint::black_box(&merged))
                    .ok()
                    .map(|v| v.len())
            })
        });
        group.finish();
    }
    c.final_summary();
    for (name, ..) in &sizes {
        let json = common::mean_ns(name, "summary_json");
        let fhir = common::mean_ns(name, "summary_fhir");
        if let (Some(json), Some(fhir)) = (json, fhir) {
            println!(
                "RATIO {name}: summary_fhir {:.2} ms, {:.2}x of summary + JSON ({:.2} ms), both decided and audited",
                fhir / 1e6,
                fhir / json,
                json / 1e6
            );
        }
    }
    for (name, items, wasm_len, full_len) in sizes {
        let base = common::mean_ns(&name, "ingest_merge_summarise");
        let lazy = common::mean_ns(&name, "panel_html_wasm");
        let all = common::mean_ns(&name, "panel_html_full");
        if let (Some(base), Some(lazy), Some(all)) = (base, lazy, all) {
            println!(
                "RENDER {name}: {items} items; ingest+merge+summarise {:.2} ms; panel_html {:.2} ms ({} KB, details when opened), {:.2} ms ({} KB, details inline)",
                base / 1e6,
                lazy / 1e6,
                wasm_len / 1024,
                all / 1e6,
                full_len / 1024
            );
            println!(
                "RATIO {name}: render {:.2}x of ingest+merge+summarise (details inline {:.2}x)",
                lazy / base,
                all / base
            );
        }
    }
}
