//! The whole pipeline on every file of the corpus, not only the largest: per file and per
//! stage, interleaved in one process (each round visits every file and every stage in
//! turn, as a host does other work between calls), against a generic JSON parse of the
//! same bytes measured beside it.
//!
//! Slices: `gpconnect`, `synthea`, `ukcore`, `hl7-r4` under `ICR_CORPUS` (required: the
//! harness says so and stops without it). Stages per file: `serde_json::Value`,
//! simd-json's borrowed value (on a copy made outside the timing), and the SDK's ingest,
//! merge, decide + summarise (a GP's session: every access decision and an in-memory
//! audit entry), the summary JSON, and the panel HTML. A lone resource (the UK Core and
//! HL7 examples) is measured in a collection Bundle beside a Patient, as a source sends
//! one; a file the SDK refuses (not about a patient) is counted and left out. Reported: per slice, the sum over files of each
//! stage's median, the pipeline (ingest + merge + summarise) as a ratio of each parse,
//! and allocations (count and bytes, from a counting allocator, one untimed run) per item.
//!
//! `scripts/bench-pipeline.sh` runs it; `ICR_BENCH_ROUNDS` sets the rounds (default 7).
//! For a profiler (`perf record`), `ICR_BENCH_PROFILE=ingest` (or `summarise`: ingest, merge
//! and summary; `view0` for the audited view of no items; `value` for the
//! `serde_json::Value` parse; `marshal` for the summary and its Python marshal encoding) runs only that stage, on every file in turn, for about ten
//! seconds, and prints nothing else; `ICR_BENCH_PROFILE_ROUNDS=N` runs it exactly N times
//! instead, so that callgrind's instruction counts of two builds compare
//! (`scripts/bench-instructions.sh`);
//! `ICR_BENCH_SLICES=gpconnect,synthea` measures only those slices (any folders under
//! `ICR_CORPUS`: records of one's own are measured the same way).
//!
//! Two floors are measured beside, per file: reading the bytes into nothing
//! (`serde_json` into `IgnoredAny`, the least a serde_json pass over the text does) and an
//! audited view of the same patient's record with no items (the decision, summary and
//! sealed audit entry every view pays whatever the record holds). The pipeline contains
//! both, so their sum, as a ratio of `Value`, is a floor its ratio cannot go under while it
//! reads with serde_json and audits every view.

#[path = "common/corpus.rs"]
mod corpus;

use std::alloc::System;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use corpus::{patient_of, session_for, with_a_patient, with_nhs_number};
use icr_core::render::{PanelOptions, panel_html};
use icr_core::session::Session;
use icr_core::{IngestOptions, NhsNumber, PatientSummary, SharedCareRecord, SourceRecord};
use serde::de::IgnoredAny;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SLICES: [&str; 4] = ["gpconnect", "synthea", "ukcore", "hl7-r4"];
const STAGES: [&str; 9] = [
    "value",
    "simd",
    "ingest",
    "merge",
    "summarise",
    "json",
    "panel",
    "read0",
    "view0",
];

/// One file ready to measure.
struct Input {
    name: String,
    bytes: Vec<u8>,
    patient: NhsNumber,
    session: Session,
    /// The patient's record with no items, for the fixed cost of an audited view.
    empty: SharedCareRecord,
}

/// A file's timings, per stage, over the rounds.
struct Measured<'a> {
    input: &'a Input,
    samples: [Vec<u64>; 9],
}

impl<'a> Measured<'a> {
    fn new(input: &'a Input) -> Measured<'a> {
        Measured {
            input,
            samples: Default::default(),
        }
    }
}

/// What one run of every stage produced (kept so nothing is optimised away).
struct Run {
    nanos: [u64; 9],
    items: usize,
}

fn options(patient: &NhsNumber) -> IngestOptions {
    IngestOptions {
        expected_patient: Some(patient.clone()),
        ..IngestOptions::default()
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let start = Instant::now();
    let out = black_box(f());
    let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    (out, nanos)
}

/// Every stage once, timed.
fn run(input: &Input) -> Option<Run> {
    let bytes = &input.bytes;
    let mut nanos = [0u64; 9];
    let (value, t) = timed(|| serde_json::from_slice::<serde_json::Value>(bytes));
    drop(black_box(value));
    nanos[0] = t;
    let mut copy = bytes.clone();
    let (simd, t) = timed(|| simd_json::to_borrowed_value(&mut copy).is_ok());
    black_box(simd);
    nanos[1] = t;
    let (record, t) = timed(|| icr_core::ingest(bytes, &options(&input.patient)));
    nanos[2] = t;
    let record: SourceRecord = record.ok()?;
    let (shared, t) = timed(|| icr_core::merge(vec![record], Vec::new()));
    nanos[3] = t;
    let (summary, t) = timed(|| input.session.summary(&shared));
    nanos[4] = t;
    let summary: PatientSummary = summary.ok()?;
    let (json, t) = timed(|| serde_json::to_vec(&summary));
    drop(black_box(json));
    nanos[5] = t;
    let (html, t) = timed(|| panel_html(&summary, &PanelOptions::interactive()));
    drop(black_box(html));
    nanos[6] = t;
    let (read, t) = timed(|| serde_json::from_slice::<IgnoredAny>(bytes).is_ok());
    black_box(read);
    nanos[7] = t;
    let (view, t) = timed(|| input.session.summary(&input.empty).is_ok());
    black_box(view);
    nanos[8] = t;
    Some(Run {
        nanos,
        items: shared.len(),
    })
}

/// Allocations (count, bytes) of what `f` does.
fn allocated<T>(f: impl FnOnce() -> T) -> (T, (usize, usize)) {
    let region = Region::new(GLOBAL);
    let out = black_box(f());
    let stats = region.change();
    (
        out,
        (
            stats.allocations + stats.reallocations,
            stats.bytes_allocated,
        ),
    )
}

/// Allocations (count, bytes) of each stage, one untimed run.
fn allocations(input: &Input) -> Option<[(usize, usize); 9]> {
    let bytes = &input.bytes;
    let (_, value) = allocated(|| serde_json::from_slice::<serde_json::Value>(bytes).is_ok());
    let mut copy = bytes.clone();
    let (_, simd) = allocated(|| simd_json::to_borrowed_value(&mut copy).is_ok());
    let (record, ingest) = allocated(|| icr_core::ingest(bytes, &options(&input.patient)));
    let record = record.ok()?;
    let (shared, merge): (SharedCareRecord, _) =
        allocated(|| icr_core::merge(vec![record], Vec::new()));
    let (summary, summarise) = allocated(|| input.session.summary(&shared));
    let summary = summary.ok()?;
    let (_, json) = allocated(|| serde_json::to_vec(&summary).map(|j| j.len()));
    let (_, panel) = allocated(|| panel_html(&summary, &PanelOptions::interactive()).len());
    let (_, read0) = allocated(|| serde_json::from_slice::<IgnoredAny>(bytes).is_ok());
    let (_, view0) = allocated(|| input.session.summary(&input.empty).is_ok());
    Some([
        value, simd, ingest, merge, summarise, json, panel, read0, view0,
    ])
}

fn load(dir: &Path) -> (Vec<Input>, usize) {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|x| x == "json"));
    paths.sort();
    let mut inputs = Vec::new();
    let mut refused = 0;
    for path in paths {
        let Ok(raw) = std::fs::read(&path) else {
            refused += 1;
            continue;
        };
        let bytes = with_nhs_number(with_a_patient(raw));
        let ready =
            patient_of(&bytes).and_then(|patient| Some((session_for(patient.clone())?, patient)));
        let Some((session, patient)) = ready else {
            refused += 1;
            continue;
        };
        let Some(empty) = empty_record(&patient) else {
            refused += 1;
            continue;
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let input = Input {
            name: name.unwrap_or_default(),
            bytes,
            patient,
            session,
            empty,
        };
        if run(&input).is_some() {
            inputs.push(input);
        } else {
            refused += 1;
        }
    }
    (inputs, refused)
}

/// The patient's record as a source with nothing but the patient would send it.
fn empty_record(patient: &NhsNumber) -> Option<SharedCareRecord> {
    let bytes = format!(
        r#"{{"resourceType":"Patient","id":"p","identifier":[{{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{}"}}]}}"#,
        patient.as_str()
    );
    let record = icr_core::ingest(bytes.as_bytes(), &options(patient)).ok()?;
    Some(icr_core::merge(vec![record], Vec::new()))
}

/// Runs one stage over every file in turn for about ten seconds, or exactly `rounds` times
/// when given (an instruction count that two builds can compare): for a profiler. Never
/// inlined, so that a profiler can count it alone (callgrind's `--toggle-collect`).
#[inline(never)]
fn profile_stage<'a>(
    stage: &str,
    inputs: impl Iterator<Item = &'a Input> + Clone,
    rounds: Option<usize>,
) {
    let start = Instant::now();
    let mut done = 0;
    while rounds.map_or(start.elapsed().as_secs() < 10, |r| done < r) {
        done += 1;
        for input in inputs.clone() {
            if stage == "value" {
                drop(black_box(serde_json::from_slice::<serde_json::Value>(
                    &input.bytes,
                )));
                continue;
            }
            if stage == "view0" {
                black_box(input.session.summary(&input.empty).is_ok());
                continue;
            }
            let record = icr_core::ingest(&input.bytes, &options(&input.patient));
            if (stage == "summarise" || stage == "marshal")
                && let Ok(record) = record
            {
                let shared = icr_core::merge(vec![record], Vec::new());
                let summary = input.session.summary(&shared);
                if stage == "marshal"
                    && let Ok(summary) = &summary
                {
                    black_box(icr_core::summary::marshal::to_marshal_deferred(summary, 1).is_ok());
                }
                black_box(summary.is_ok());
            } else {
                black_box(record.is_ok());
            }
        }
    }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn main() {
    let Some(corpus) = std::env::var_os("ICR_CORPUS").map(PathBuf::from) else {
        eprintln!(
            "!! ICR_CORPUS is not set: the pipeline harness measures the corpus; nothing measured"
        );
        return;
    };
    let rounds: usize = std::env::var("ICR_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let profile = std::env::var("ICR_BENCH_PROFILE").ok();
    let only = std::env::var("ICR_BENCH_SLICES").ok();
    // The named slices, in the order given (any folder under the corpus: a new user's
    // own records too), else the four of the corpus.
    let names: Vec<&str> = match only.as_deref() {
        Some(o) => o.split(',').filter(|s| !s.is_empty()).collect(),
        None => SLICES.to_vec(),
    };
    let slices: Vec<(&str, Vec<Input>, usize)> = names
        .into_iter()
        .map(|s| {
            let (inputs, refused) = load(&corpus.join(s));
            (s, inputs, refused)
        })
        .collect();
    if let Some(stage) = profile {
        let rounds = std::env::var("ICR_BENCH_PROFILE_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok());
        return profile_stage(
            &stage,
            slices.iter().flat_map(|(_, inputs, _)| inputs),
            rounds,
        );
    }
    // Each file's samples per stage over rounds, interleaved: every file and stage each round.
    let mut measured: Vec<Vec<Measured<'_>>> = slices
        .iter()
        .map(|(_, inputs, _)| inputs.iter().map(Measured::new).collect())
        .collect();
    for _ in 0..rounds {
        for m in measured.iter_mut().flatten() {
            if let Some(r) = run(m.input) {
                for (samples, t) in m.samples.iter_mut().zip(r.nanos) {
                    samples.push(t);
                }
            }
        }
    }
    println!("pipeline = ingest + merge + summarise; medians of {rounds} interleaved rounds\n");
    println!(
        "{:<10} {:>5} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>11} {:>11}",
        "slice",
        "files",
        "items",
        "value ms",
        "simd ms",
        "ingest",
        "merge",
        "summarise",
        "json",
        "panel",
        "÷value",
        "÷simd",
        "allocs/item",
        "bytes/item"
    );
    for ((name, inputs, refused), files) in slices.iter().zip(&measured) {
        let mut total = [0u64; 9];
        let mut items = 0usize;
        let mut allocs = [(0usize, 0usize); 9];
        let mut largest: Option<(usize, &str, f64, f64)> = None;
        for m in files {
            let medians = m.samples.each_ref().map(|v| median(v.clone()));
            for (sum, m) in total.iter_mut().zip(medians) {
                *sum += m;
            }
            items += run(m.input).map_or(0, |r| r.items);
            if let Some(a) = allocations(m.input) {
                for (sum, (c, b)) in allocs.iter_mut().zip(a) {
                    sum.0 += c;
                    sum.1 += b;
                }
            }
            let pipeline = (medians[2] + medians[3] + medians[4]) as f64;
            let len = m.input.bytes.len();
            if largest.is_none_or(|(l, ..)| len > l) {
                let (v, simd) = (medians[0] as f64, medians[1] as f64);
                largest = Some((len, m.input.name.as_str(), pipeline / v, pipeline / simd));
            }
        }
        let ms = |ns: u64| ns as f64 / 1e6;
        let pipeline = total[2] + total[3] + total[4];
        let per_item = |x: usize| x as f64 / items.max(1) as f64;
        let pipe_allocs = allocs[2].0 + allocs[3].0 + allocs[4].0;
        let pipe_bytes = allocs[2].1 + allocs[3].1 + allocs[4].1;
        println!(
            "{:<10} {:>5} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>6.2}x {:>6.2}x {:>11.1} {:>11.0}",
            name,
            inputs.len(),
            items,
            ms(total[0]),
            ms(total[1]),
            ms(total[2]),
            ms(total[3]),
            ms(total[4]),
            ms(total[5]),
            ms(total[6]),
            pipeline as f64 / total[0].max(1) as f64,
            pipeline as f64 / total[1].max(1) as f64,
            per_item(pipe_allocs),
            per_item(pipe_bytes),
        );
        if let Some((len, file, v, simd)) = largest {
            println!(
                "{:<10} largest, {file} ({:.1} MB): pipeline {v:.2}x value, {simd:.2}x simd",
                "",
                len as f64 / 1e6
            );
        }
        let floor = |ns: u64| ns as f64 / total[0].max(1) as f64;
        println!(
            "{:<10} floors: reading into nothing {:.2} ms ({:.2}x value), an audited view of no items {:.2} ms ({:.2}x value): together {:.2}x",
            "",
            ms(total[7]),
            floor(total[7]),
            ms(total[8]),
            floor(total[8]),
            floor(total[7] + total[8])
        );
        if *refused > 0 {
            println!(
                "{:<10} {refused} file(s) not a patient record the SDK reads: left out",
                ""
            );
        }
        for (stage, (c, b)) in STAGES.iter().zip(&allocs) {
            println!(
                "{:<10} allocations {:<9} {:>10} ({:.1}/item), {:>12} bytes ({:.0}/item)",
                "",
                stage,
                c,
                per_item(*c),
                b,
                per_item(*b)
            );
        }
    }
}
