//! Ingest + merge + summarise (through a session: access decisions and an audit entry,
//! as a host gets it) of the largest GP Connect record and the largest Synthea bundle,
//! against `serde_json::from_slice::<Value>` of the same bytes in the same run.
//!
//! Files come from `ICR_CORPUS`; without it the benchmark says so and measures the demo
//! GP record instead. Synthea patients have no NHS number, which a session requires, so
//! one is added to its Patient before measuring. After criterion's own report, the ratios
//! (ICR ÷ Value parse) are printed from criterion's estimates.

mod common;
#[path = "common/corpus.rs"]
mod corpus;

use std::path::PathBuf;

use corpus::{patient_of, session_for, with_a_patient, with_nhs_number};
use criterion::{Criterion, Throughput};
use icr_core::session::Session;
use icr_core::{IngestOptions, NhsNumber, ingest, merge};

fn inputs() -> Vec<(String, Vec<u8>)> {
    let Some(corpus) = std::env::var_os("ICR_CORPUS").map(PathBuf::from) else {
        eprintln!("ICR_CORPUS is not set: benchmarking the demo GP record only");
        let gp = icr_core::demo::sources().into_iter().next();
        return gp
            .map(|s| vec![("demo-gp".to_owned(), s.json.as_bytes().to_vec())])
            .unwrap_or_default();
    };
    let largest = |dir: &str| -> Option<(String, Vec<u8>)> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files
            .sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)));
        let path = files.into_iter().next()?;
        let name = format!("{dir}-largest");
        Some((
            name,
            with_nhs_number(with_a_patient(std::fs::read(path).ok()?)),
        ))
    };
    ["gpconnect", "synthea"]
        .iter()
        .filter_map(|d| largest(d))
        .collect()
}

fn icr(bytes: &[u8], session: &Session, patient: &NhsNumber) -> usize {
    let options = IngestOptions {
        expected_patient: Some(patient.clone()),
        ..IngestOptions::default()
    };
    let Ok(record) = ingest(bytes, &options) else {
        return 0;
    };
    let shared = merge(vec![record], Vec::new());
    let Ok(summary) = session.summary(&shared) else {
        return 0;
    };
    summary.sections.iter().map(|s| s.items.len()).sum()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let inputs = inputs();
    for (name, bytes) in &inputs {
        let Some(patient) = patient_of(bytes) else {
            eprintln!("{name}: no patient with an NHS number; skipped");
            continue;
        };
        let Some(session) = session_for(patient.clone()) else {
            eprintln!("{name}: could not open a session; skipped");
            continue;
        };
        let mut group = c.benchmark_group(name.as_str());
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("serde_json_value", |b| {
            b.iter(|| {
                serde_json::from_slice::<serde_json::Value>(std::hint::black_box(bytes))
                    .map(|v| v.is_object())
            })
        });
        group.bench_function("icr_ingest_merge_summarise", |b| {
            b.iter(|| icr(std::hint::black_box(bytes), &session, &patient))
        });
        group.finish();
    }
    c.final_summary();
    for (name, bytes) in &inputs {
        let base = common::mean_ns(name, "serde_json_value");
        let ours = common::mean_ns(name, "icr_ingest_merge_summarise");
        if let (Some(base), Some(ours)) = (base, ours) {
            let mb = bytes.len() as f64 / 1e6;
            println!(
                "RATIO {name}: {:.2}x of serde_json::Value ({mb:.1} MB; Value {:.0} MB/s, ICR {:.0} MB/s)",
                ours / base,
                mb / (base / 1e9),
                mb / (ours / 1e9)
            );
        }
    }
}
