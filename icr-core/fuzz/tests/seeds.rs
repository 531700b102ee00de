//! The seeds reach the paths they are there for: a fuzzer mutating a seed that never
//! gets past the first check would explore nothing behind it.

use std::path::PathBuf;

use icr_core::IngestOptions;
use icr_core::access::Policy;
use icr_core::audit::verify_file;
use icr_core::launch::Verifier;
use icr_fuzz::fixtures::{NOW, audit_key};
use icr_fuzz::launch::trust_store;

fn seed(target: &str, name: &str) -> (PathBuf, Vec<u8>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
        .join(format!("seed-{name}"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

#[test]
fn valid_tokens_verify_and_broken_ones_do_not() {
    for kid in ["hs", "ed", "rs"] {
        let verify = |name: &str| {
            let token = String::from_utf8(seed("launch", name).1).unwrap();
            Verifier::new(trust_store()).verify(&token, NOW)
        };
        assert!(verify(&format!("valid-{kid}")).is_ok(), "valid-{kid}");
        assert!(verify(&format!("expired-{kid}")).is_err(), "expired-{kid}");
        if kid != "hs" {
            assert!(
                verify(&format!("wrong-kid-{kid}")).is_err(),
                "wrong-kid-{kid}"
            );
        }
    }
}

#[test]
fn the_audit_seed_verifies_and_the_torn_one_does_not() {
    let (path, _) = seed("audit_log", "session");
    let report = verify_file(&path, &audit_key(), None).unwrap();
    assert!(report.is_verified() && report.entries >= 4, "{report:?}");
    let (torn, _) = seed("audit_log", "torn-tail");
    assert!(
        !verify_file(&torn, &audit_key(), None)
            .unwrap()
            .is_verified()
    );
}

#[test]
fn the_policy_seed_is_the_default_policy() {
    let text = String::from_utf8(seed("policy", "default").1).unwrap();
    assert_eq!(
        Policy::from_json(&text).unwrap(),
        Policy::default_uk().unwrap()
    );
}

#[test]
fn demo_and_edge_case_sources_ingest() {
    for name in [
        "demo-0",
        "demo-1",
        "demo-2",
        "demo-3",
        "demo-4",
        "partial-dates",
    ] {
        let record = icr_core::ingest(&seed("ingest", name).1, &IngestOptions::default());
        let record = record.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            record.report().resources_read.values().sum::<usize>() > 1,
            "{name}"
        );
    }
    assert!(icr_core::ingest(&seed("ingest", "dstu2").1, &IngestOptions::default()).is_err());
}
