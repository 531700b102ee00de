//! Hosts configured with the region's database (`AuditLog::Postgres`) through the
//! bindings: two `Icr`s, as two host systems, share one audit chain, the replay cache and
//! the opt-out register. A real PostgreSQL server is started for this test binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use icr_test_support::database as pg;

use std::sync::Arc;

use icr_core::launch::Relationship;
use icr_ffi::{
    AuditLog, Icr, IcrConfig, IcrError, demo_patient_nhs_number, demo_sources, mint_demo_token,
};
use icr_test_support::audit::KEY;

fn host(url: &str) -> Arc<Icr> {
    Icr::new(IcrConfig {
        cis2: None,
        policy_json: None,
        trust: icr_ffi::demo_trust().unwrap(),
        audit: AuditLog::Postgres {
            url: url.to_owned(),
            key: KEY.to_vec(),
        },
        stale_after_days: None,
    })
    .unwrap()
}

fn shown(icr: &Icr, token: String) -> usize {
    let set = icr.open_session(token).unwrap().source_set().unwrap();
    for s in demo_sources() {
        set.add_json(Some(s.organisation), s.json).unwrap();
    }
    icr_test_support::summary::shown(&set.merge().unwrap().summary().unwrap())
}

#[test]
fn two_hosts_on_the_region_database_share_the_chain_replays_and_opt_outs() {
    let url = pg::server().fresh_database("ffi_region");
    let (a, b) = (host(&url), host(&url));
    let token = mint_demo_token(
        "gp".into(),
        Relationship::RegisteredGp,
        demo_patient_nhs_number(),
    )
    .unwrap();
    assert!(shown(&a, token.clone()) > 0);
    assert!(matches!(
        b.open_session(token),
        Err(IcrError::TokenReplayed { .. })
    ));
    a.record_opt_out(
        demo_patient_nhs_number(),
        true,
        "555000000001".into(),
        "Y90001".into(),
        "Patient asked not to share".into(),
    )
    .unwrap();
    let fresh = mint_demo_token(
        "gp".into(),
        Relationship::RegisteredGp,
        demo_patient_nhs_number(),
    )
    .unwrap();
    assert_eq!(
        shown(&b, fresh),
        0,
        "the opt-out recorded at A applies at B"
    );
    // One chain: opened + viewed at A, refused at B, the opt-out, opened + viewed at B.
    let verification = b.verify_audit(None).unwrap();
    assert!(verification.is_verified());
    assert_eq!(verification.entries, 6);
    assert_eq!(b.audit_checkpoint().unwrap().seq, 6);
}

#[test]
fn an_unreachable_database_is_a_typed_error_at_construction() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Icr::new(IcrConfig {
        cis2: None,
        policy_json: None,
        trust: icr_ffi::demo_trust().unwrap(),
        audit: AuditLog::Postgres {
            url: format!("postgres://icr:secret@127.0.0.1:{closed}/icr"),
            key: KEY.to_vec(),
        },
        stale_after_days: None,
    })
    .err()
    .unwrap();
    assert!(!err.to_string().contains("secret"));
}
