//! The shell as Rust sees it: every host-facing error comes out as the variant hosts are
//! told to catch, closed objects refuse calls, and the summary mirrors the core's.

use std::sync::Arc;

use icr_ffi::{
    AuditLog, CareRecord, Icr, IcrConfig, IcrError, ItemDetail, KeyAlgorithm, LaunchContext,
    Relationship, Session, Trust, TrustedKey, demo_patient_nhs_number, demo_sources, live_objects,
    mint_demo_token, mint_demo_token_at, mint_launch_token,
};

fn nhs() -> String {
    demo_patient_nhs_number()
}

fn session(icr: &Icr, role: &str) -> Result<Arc<Session>, IcrError> {
    let token = mint_demo_token(role.into(), Relationship::RegisteredGp, nhs())?;
    icr.open_session(token)
}

/// The demo record as `role` views it.
fn view(icr: &Icr, role: &str) -> Result<Arc<CareRecord>, IcrError> {
    let set = session(icr, role)?.source_set()?;
    for s in demo_sources()? {
        set.add_json(Some(s.organisation), s.json)?;
    }
    set.merge()
}

#[test]
fn gp_and_receptionist_see_what_the_policy_says() {
    let icr = Icr::demo().unwrap();
    let gp = view(&icr, "gp").unwrap().summary().unwrap();
    let reception = view(&icr, "receptionist").unwrap().summary().unwrap();
    let count = |s: &icr_ffi::PatientSummary, key: &str| {
        s.sections
            .iter()
            .find(|x| x.key == key)
            .map(|x| x.items.len())
    };
    assert!(count(&gp, "medications").unwrap() > 0);
    assert_eq!(count(&reception, "medications"), Some(0));
    assert!(count(&reception, "appointments").unwrap() > 0);
    let meds = reception
        .sections
        .iter()
        .find(|s| s.key == "medications")
        .unwrap();
    assert!(meds.withheld.iter().any(|w| w.count > 0));
    assert!(
        gp.sections
            .iter()
            .flat_map(|s| &s.items)
            .any(|i| matches!(i.detail, ItemDetail::Medication { .. }))
    );
}

#[test]
fn summary_json_is_the_core_json() {
    let icr = Icr::demo().unwrap();
    let json = view(&icr, "gp").unwrap().summary_json().unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema_version"], 2);
}

#[test]
fn token_errors_are_typed() {
    let icr = Icr::demo().unwrap();
    let expired = mint_demo_token_at(
        "gp".into(),
        Relationship::RegisteredGp,
        nhs(),
        1_700_000_000,
    )
    .unwrap();
    assert!(matches!(
        icr.open_session(expired),
        Err(IcrError::TokenExpired { .. })
    ));
    let a = mint_demo_token("gp".into(), Relationship::RegisteredGp, nhs()).unwrap();
    let b = mint_demo_token("receptionist".into(), Relationship::RegisteredGp, nhs()).unwrap();
    let forged = format!(
        "{}.{}",
        a.rsplit_once('.').unwrap().0,
        b.rsplit_once('.').unwrap().1
    );
    assert!(matches!(
        icr.open_session(forged),
        Err(IcrError::SignatureInvalid { .. })
    ));
    assert!(matches!(
        icr.open_session("not a token".into()),
        Err(IcrError::InvalidToken { .. })
    ));
}

/// An ICR trusting one HS256 host key, with a stale threshold of `stale_after_days`.
fn host_icr(secret: &[u8], stale_after_days: Option<i64>) -> Result<Arc<Icr>, IcrError> {
    Icr::new(IcrConfig {
        policy_json: None,
        trust: Trust::Keys {
            issuer: "https://epr.example.invalid".into(),
            audience: "icr-sdk".into(),
            trusted_keys: vec![TrustedKey {
                kid: "epr-1".into(),
                algorithm: KeyAlgorithm::Hs256,
                key: secret.to_vec(),
            }],
        },
        audit: AuditLog::Memory,
        stale_after_days,
    })
}

/// A GP's launch context from the host's own login, as `host_icr` trusts it.
fn host_context(patient_birth_date: Option<&str>) -> LaunchContext {
    let now = jiff::Timestamp::now().as_second();
    LaunchContext {
        user_id: "555000000002".into(),
        user_name: None,
        role_profile: "R8000".into(),
        job_role: Some("R0260".into()),
        organisation: "Y90001".into(),
        patient: nhs(),
        purpose: "direct-care".into(),
        relationship: Relationship::RegisteredGp,
        issuer: "https://epr.example.invalid".into(),
        audience: "icr-sdk".into(),
        issued_at: now,
        expires_at: now + 300,
        not_before: None,
        token_id: format!("t-{now}-{}", patient_birth_date.unwrap_or("none")),
        patient_birth_date: patient_birth_date.map(str::to_owned),
        patient_family_name: None,
        patient_restricted: false,
    }
}

#[test]
fn host_keys_by_kid() {
    let secret = vec![42u8; 32];
    let icr = host_icr(&secret, None).unwrap();
    let context = host_context(None);
    let token =
        mint_launch_token(context.clone(), "epr-1".into(), KeyAlgorithm::Hs256, secret).unwrap();
    assert_eq!(icr.open_session(token).unwrap().role(), "gp");
    let other =
        mint_launch_token(context, "epr-1".into(), KeyAlgorithm::Hs256, vec![7u8; 32]).unwrap();
    assert!(matches!(
        icr.open_session(other),
        Err(IcrError::SignatureInvalid { .. })
    ));
}

#[test]
fn host_demographics_and_the_stale_threshold_reach_the_typed_summary() {
    let secret = vec![42u8; 32];
    let summary = |stale_after_days: Option<i64>, birth_date: Option<&str>| {
        let icr = host_icr(&secret, stale_after_days).unwrap();
        let context = host_context(birth_date);
        assert_eq!(context.patient_birth_date.as_deref(), birth_date);
        let token = mint_launch_token(context, "epr-1".into(), KeyAlgorithm::Hs256, secret.clone())
            .unwrap();
        let session = icr.open_session(token).unwrap();
        assert_eq!(
            session.context().patient_birth_date.as_deref(),
            birth_date,
            "the claim is read back"
        );
        let set = session.source_set().unwrap();
        for s in demo_sources().unwrap() {
            set.add_json(Some(s.organisation), s.json).unwrap();
        }
        set.merge().unwrap().summary().unwrap()
    };
    let flagged = |s: &icr_ffi::PatientSummary| {
        s.sources
            .iter()
            .filter(|v| v.freshness != Some(icr_ffi::Freshness::Current))
            .count()
    };
    let lenient = summary(Some(100_000), None);
    let strict = summary(Some(0), None);
    assert!(lenient.sources.iter().all(|v| v.freshness.is_some()));
    assert!(
        flagged(&strict) > flagged(&lenient),
        "a lower threshold flags more sources: {} vs {}",
        flagged(&strict),
        flagged(&lenient)
    );
    assert!(lenient.demographic_discrepancies.is_empty());
    let differs = summary(None, Some("1901-02-03"));
    assert!(
        differs
            .demographic_discrepancies
            .iter()
            .any(|d| d.contains("host system") && !d.contains("1901")),
        "{:?}",
        differs.demographic_discrepancies
    );
}

#[test]
fn ingest_and_identity_errors_are_typed() {
    let icr = Icr::demo().unwrap();
    let set = session(&icr, "gp").unwrap().source_set().unwrap();
    assert!(matches!(
        set.add_json(None, "{not json".into()),
        Err(IcrError::IngestFailed { .. })
    ));
    let other = mint_demo_token("gp".into(), Relationship::RegisteredGp, "9434765919".into());
    let other = icr
        .open_session(other.unwrap())
        .unwrap()
        .source_set()
        .unwrap();
    let gp = demo_sources().unwrap().remove(0);
    assert!(matches!(
        other.add_json(None, gp.json),
        Err(IcrError::PatientMismatch { .. })
    ));
    assert!(matches!(
        mint_demo_token("gp".into(), Relationship::RegisteredGp, "123".into()),
        Err(IcrError::InvalidInput { .. })
    ));
}

#[test]
fn access_report_and_break_glass() {
    let icr = Icr::demo().unwrap();
    view(&icr, "gp").unwrap().summary().unwrap();
    let gp = session(&icr, "gp").unwrap();
    assert!(matches!(
        gp.access_report(),
        Err(IcrError::NotPermitted { .. })
    ));
    assert!(matches!(
        gp.break_glass("x".into()),
        Err(IcrError::BreakGlassReasonRequired { min_chars: 10, .. })
    ));
    let officer = session(&icr, "privacy-officer").unwrap();
    let lines = officer.access_report().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.role == "gp" && l.kind == "record_viewed")
    );
    assert!(matches!(
        icr.verify_audit(None),
        Err(IcrError::InvalidInput { .. })
    ));
}

#[test]
fn closed_objects_refuse_calls() {
    let icr = Icr::demo().unwrap();
    let s = session(&icr, "gp").unwrap();
    let set = s.clone().source_set().unwrap();
    for d in demo_sources().unwrap() {
        set.add_json(Some(d.organisation), d.json).unwrap();
    }
    let r = set.merge().unwrap();
    set.close();
    assert!(matches!(set.merge(), Err(IcrError::Closed { .. })));
    s.close();
    assert!(matches!(r.summary(), Err(IcrError::Closed { .. })));
    assert!(matches!(
        s.clone().source_set(),
        Err(IcrError::Closed { .. })
    ));
    r.close();
    assert!(matches!(r.item_count(), Err(IcrError::Closed { .. })));
    icr.close();
    assert!(matches!(
        icr.open_session("x".into()),
        Err(IcrError::Closed { .. })
    ));
    let before = live_objects();
    drop((s, set, r, icr));
    let after = live_objects();
    assert!(after.sessions < before.sessions);
}

/// Held by the tests that make views, so the live count of views is theirs alone.
static VIEW_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn summary_view_reads_what_the_eager_summary_holds() {
    let _one = VIEW_TESTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let icr = Icr::demo().unwrap();
    let record = view(&icr, "gp").unwrap();
    let eager = record.summary().unwrap();
    let lazy = record.summary_view().unwrap();
    let banner = lazy.banner().unwrap();
    assert_eq!(banner.patient, eager.patient);
    assert_eq!(banner.sources, eager.sources);
    assert_eq!(lazy.sources().unwrap(), eager.sources);
    assert_eq!(banner.alerts, eager.sections[0].items);
    let overview = lazy.sections().unwrap();
    assert_eq!(overview.len(), eager.sections.len());
    for (o, s) in overview.iter().zip(&eager.sections) {
        assert_eq!((&o.key, &o.title), (&s.key, &s.title));
        assert_eq!(o.shown, i64::try_from(s.items.len()).unwrap());
        assert_eq!(&lazy.section(o.key.clone()).unwrap(), s);
    }
    assert!(matches!(
        lazy.section("no-such-section".into()),
        Err(IcrError::InvalidInput { .. })
    ));
    assert_eq!(lazy.to_json().unwrap(), record.summary_json().unwrap());
    assert_eq!(
        lazy.to_json_bytes().unwrap(),
        record.summary_json_bytes().unwrap()
    );
}

#[test]
fn summary_view_is_decided_audited_and_closable() {
    let _one = VIEW_TESTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let icr = Icr::demo().unwrap();
    let desk = view(&icr, "receptionist").unwrap().summary_view().unwrap();
    let meds = desk
        .sections()
        .unwrap()
        .into_iter()
        .find(|s| s.key == "medications")
        .unwrap();
    assert_eq!(meds.shown, 0);
    assert!(meds.withheld_count > 0 && !meds.withheld.is_empty());
    assert!(desk.section("medications".into()).unwrap().items.is_empty());
    let officer = session(&icr, "privacy-officer").unwrap();
    let report = officer.access_report().unwrap();
    assert!(
        report
            .iter()
            .any(|l| l.role == "receptionist" && l.kind == "record_viewed")
    );
    let before = live_objects().views;
    desk.close();
    assert!(matches!(desk.banner(), Err(IcrError::Closed { .. })));
    assert!(matches!(desk.sections(), Err(IcrError::Closed { .. })));
    drop(desk);
    assert_eq!(live_objects().views, before - 1);
}

#[test]
fn mirror_enums_round_trip_through_the_core() {
    use icr_ffi::{CareSetting, SourceStatus};
    for r in [
        Relationship::RegisteredGp,
        Relationship::CurrentEpisode,
        Relationship::Referral,
        Relationship::OutOfHours,
        Relationship::CareTeam,
        Relationship::None,
    ] {
        let core: icr_core::launch::Relationship = r.into();
        assert_eq!(Relationship::from(core), r);
    }
    for c in [
        CareSetting::GeneralPractice,
        CareSetting::Acute,
        CareSetting::MentalHealth,
        CareSetting::Community,
        CareSetting::SocialCare,
        CareSetting::OutOfHours,
        CareSetting::Ambulance,
        CareSetting::Unknown,
    ] {
        assert_eq!(CareSetting::from(icr_core::model::CareSetting::from(c)), c);
    }
    for s in [
        SourceStatus::Ok,
        SourceStatus::Unavailable,
        SourceStatus::TimedOut,
        SourceStatus::Refused,
        SourceStatus::TooLarge,
        SourceStatus::InvalidResponse,
        SourceStatus::IdentityMismatch,
        SourceStatus::AccessDenied,
        SourceStatus::PatientNotFound,
        SourceStatus::PatientDissent,
        SourceStatus::NotRequested,
    ] {
        assert_eq!(SourceStatus::from(icr_core::SourceStatus::from(s)), s);
    }
}
