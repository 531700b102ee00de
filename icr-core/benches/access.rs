//! Access decisions per second over the largest GP Connect record in the corpus (or the
//! demo record without `ICR_CORPUS`), for three roles, and the same decisions through a
//! whole audited session summary. Criterion's throughput line is the figure: item
//! decisions per second. The `packs` group compares the default policy with the same
//! policy without its sensitivity packs (no code packs, inference by its own terms only)
//! in the same run, and times reading and checking the default packs at start-up.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, Throughput};
use icr_core::access::{Policy, Viewer, decide};
use icr_core::audit::{AuditKey, MemoryAuditLog};
use icr_core::launch::Relationship;
use icr_core::session::{Session, demo};
use icr_core::{IngestOptions, SharedCareRecord, ingest, merge};

fn record() -> Option<SharedCareRecord> {
    let bytes = match std::env::var_os("ICR_CORPUS").map(PathBuf::from) {
        Some(corpus) => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("gpconnect"))
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort_by_key(|p| {
                std::cmp::Reverse(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            });
            std::fs::read(files.first()?).ok()?
        }
        None => {
            eprintln!("ICR_CORPUS is not set: measuring the demo GP record");
            icr_core::demo::sources().first()?.json.clone().into_bytes()
        }
    };
    let source = ingest(&bytes, &IngestOptions::default()).ok()?;
    Some(merge(vec![source], Vec::new()))
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let Some(record) = record() else {
        eprintln!("no record to measure");
        return;
    };
    let Ok(policy) = Policy::default_uk() else {
        return;
    };
    let items = record.len() as u64;
    let mut group = c.benchmark_group("decisions");
    group.throughput(Throughput::Elements(items));
    for role in ["gp", "social-worker", "receptionist"] {
        let Some(rule) = policy.role(role) else {
            continue;
        };
        let viewer = Viewer {
            role: rule,
            relationship: "care-team".to_owned(),
            break_glass: false,
            patient_opted_out: false,
        };
        group.bench_function(role, |b| {
            b.iter(|| decide(&policy, &viewer, std::hint::black_box(&record)).len())
        });
    }
    group.finish();
    packs(&mut c, &record, &policy, items);
    if let Some(session) = social_worker_session(&record) {
        let mut group = c.benchmark_group("session");
        group.throughput(Throughput::Elements(items));
        group.bench_function("summary_social_worker", |b| {
            b.iter(|| session.summary(&record).is_ok())
        });
        group.finish();
    }
    c.final_summary();
}

/// The default policy without its packs: what decisions cost before the packs.
fn without_packs() -> Option<Policy> {
    let mut json: serde_json::Value =
        serde_json::from_str(icr_core::access::DEFAULT_POLICY_JSON).ok()?;
    let policy = json.as_object_mut()?;
    policy.insert("sensitivity_packs".into(), serde_json::json!([]));
    for rule in policy.get_mut("inference")?.as_array_mut()? {
        rule.as_object_mut()?
            .insert("packs".into(), serde_json::json!([]));
    }
    Policy::from_json(&json.to_string()).ok()
}

fn packs(c: &mut Criterion, record: &SharedCareRecord, policy: &Policy, items: u64) {
    let Some(bare) = without_packs() else {
        return;
    };
    let Some(rule) = policy.role("nurse") else {
        return;
    };
    let viewer = Viewer {
        role: rule,
        relationship: "care-team".to_owned(),
        break_glass: false,
        patient_opted_out: false,
    };
    let mut group = c.benchmark_group("packs");
    group.throughput(Throughput::Elements(items));
    group.bench_function("nurse_with_default_packs", |b| {
        b.iter(|| decide(policy, &viewer, std::hint::black_box(record)).len())
    });
    group.bench_function("nurse_without_packs", |b| {
        b.iter(|| decide(&bare, &viewer, std::hint::black_box(record)).len())
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("load_default_packs", |b| {
        b.iter(|| icr_core::access::parse_default_packs().map(|p| p.len()))
    });
    group.finish();
}

fn social_worker_session(record: &SharedCareRecord) -> Option<Session> {
    let patient = record.nhs_number().cloned()?;
    let key = AuditKey::from_bytes(&[7u8; 32]).ok()?;
    let icr = demo::icr(Arc::new(MemoryAuditLog::new(key))).ok()?;
    let now = jiff::Timestamp::now().as_second();
    let token = demo::token(
        icr.policy(),
        "social-worker",
        Relationship::CareTeam,
        patient,
        now,
    )
    .ok()?;
    icr.open_session(&token).ok()
}
