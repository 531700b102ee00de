//! The shell as Rust sees it: every host-facing error comes out as the variant hosts are
//! told to catch, closed objects refuse calls, and the summary mirrors the core's.

use std::sync::Arc;

use icr_core::PatientSummary;
use icr_core::audit::AuditKind;
use icr_core::demo::DemoSource;
use icr_core::launch::{Algorithm, LaunchContext, Relationship};
use icr_core::merge::SourceStatus;
use icr_core::model::{AttachmentRef, Detail, Section};
use icr_ffi::{
    AuditLog, CareRecord, Icr, IcrConfig, IcrError, Session, Trust, TrustedKey,
    demo_patient_nhs_number, demo_sources, live_objects, mint_demo_token, mint_demo_token_at,
    mint_launch_token,
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
    for s in demo_sources() {
        set.add_json(Some(s.organisation), s.json)?;
    }
    set.merge()
}

#[test]
fn gp_and_receptionist_see_what_the_policy_says() {
    let icr = Icr::demo().unwrap();
    let gp = view(&icr, "gp").unwrap().summary().unwrap();
    let reception = view(&icr, "receptionist").unwrap().summary().unwrap();
    let count = |s: &PatientSummary, key: Section| s.section(key).map(|x| x.items.len());
    assert!(count(&gp, Section::Medications).unwrap() > 0);
    assert_eq!(count(&reception, Section::Medications), Some(0));
    assert!(count(&reception, Section::Appointments).unwrap() > 0);
    let meds = reception
        .sections
        .iter()
        .find(|s| s.key == Section::Medications)
        .unwrap();
    assert!(meds.withheld.iter().any(|w| w.count > 0));
    assert!(
        gp.sections
            .iter()
            .flat_map(|s| &s.items)
            .any(|i| matches!(i.detail, Detail::Medication { .. }))
    );
}

/// The typed summary as a host gets it (lowered into uniffi's buffer and lifted back, as
/// every binding does) serialises to exactly the JSON the same record returns: one type,
/// so the same fields.
fn assert_typed_is_the_json(record: &CareRecord) -> Result<(), Box<dyn std::error::Error>> {
    use uniffi::{Lift, Lower};
    let typed = record.summary()?;
    let lowered = <PatientSummary as Lower<icr_ffi::UniFfiTag>>::lower(typed.clone());
    let lifted = <PatientSummary as Lift<icr_ffi::UniFfiTag>>::try_lift(lowered)?;
    assert_eq!(lifted, typed, "the summary crosses the FFI unchanged");
    let json: serde_json::Value = serde_json::from_str(&record.summary_json()?)?;
    assert_eq!(serde_json::to_value(&lifted)?, json);
    Ok(())
}

#[test]
fn the_typed_summary_is_the_json() {
    let icr = Icr::demo().unwrap();
    for role in ["gp", "receptionist", "nurse"] {
        assert_typed_is_the_json(&view(&icr, role).unwrap()).unwrap();
    }
}

#[test]
fn the_typed_summary_is_the_json_on_the_largest_corpus_record() {
    let Some(corpus) = std::env::var_os("ICR_CORPUS") else {
        eprintln!("!! ICR_CORPUS is not set: the largest GP Connect record is SKIPPED");
        return;
    };
    let path = std::path::Path::new(&corpus).join("gpconnect/supplier_TPP_9465699896_full.json");
    let json = std::fs::read_to_string(path).unwrap();
    let icr = Icr::demo().unwrap();
    let token = mint_demo_token("gp".into(), Relationship::RegisteredGp, "9465699896".into());
    let set = icr
        .open_session(token.unwrap())
        .unwrap()
        .source_set()
        .unwrap();
    set.add_json(None, json).unwrap();
    assert_typed_is_the_json(&set.merge().unwrap()).unwrap();
}

/// The out-of-hours service's demo source with its patient given another date of birth
/// and family name under the same NHS number; every other source as it is.
fn with_unconfirmed_identity(mut source: DemoSource) -> DemoSource {
    if !source.file.starts_with("out-of-hours") {
        return source;
    }
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&source.json) else {
        return source;
    };
    let entries = doc
        .get_mut("entry")
        .and_then(serde_json::Value::as_array_mut);
    for resource in entries
        .into_iter()
        .flatten()
        .filter_map(|e| e.get_mut("resource"))
        .filter_map(serde_json::Value::as_object_mut)
        .filter(|r| r.get("resourceType").and_then(serde_json::Value::as_str) == Some("Patient"))
    {
        resource.insert("birthDate".into(), "1901-02-03".into());
        let names = resource
            .get_mut("name")
            .and_then(serde_json::Value::as_array_mut);
        for name in names
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_object_mut)
        {
            name.insert("family".into(), "Someone-Else".into());
        }
    }
    source.json = doc.to_string();
    source
}

#[test]
fn a_source_of_unconfirmed_identity_is_listed_for_reconciliation() {
    let _one = VIEW_TESTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let icr = Icr::demo().unwrap();
    let set = session(&icr, "gp").unwrap().source_set().unwrap();
    let sources: Vec<_> = demo_sources()
        .into_iter()
        .map(with_unconfirmed_identity)
        .collect();
    assert!(sources.iter().any(|s| s.json.contains("Someone-Else")));
    for s in sources {
        set.add_json(Some(s.organisation), s.json).unwrap();
    }
    let record = set.merge().unwrap();
    let summary = record.summary().unwrap();
    let ooh = summary
        .sources
        .iter()
        .find(|s| s.status == SourceStatus::IdentityUnconfirmed)
        .expect("the out-of-hours source is quarantined");
    assert!(!summary.reconciliation.is_empty());
    assert!(
        summary
            .reconciliation
            .iter()
            .all(|i| i.provenance.iter().any(|p| p.organisation.name == ooh.name))
    );
    let ids: Vec<&str> = summary
        .reconciliation
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert!(
        summary
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .all(|i| !ids.contains(&i.id.as_str())),
        "held back from the sections"
    );
    let json: serde_json::Value = serde_json::from_str(&record.summary_json().unwrap()).unwrap();
    let sent = json["reconciliation"].as_array().unwrap();
    assert_eq!(summary.reconciliation.len(), sent.len());
    for (item, j) in summary.reconciliation.iter().zip(sent) {
        assert_eq!(&serde_json::to_value(item).unwrap(), j);
    }
    let lazy = record.summary_view().unwrap();
    assert_eq!(lazy.reconciliation().unwrap(), summary.reconciliation);
    assert!(lazy.banner().unwrap().sources.contains(ooh));
}

/// The demo sources with what the demo otherwise lacks: a date of death for the patient
/// in every source, and in the acute hospital's two "Comment note" observations with no
/// content and a plain-text note inlined in its discharge summary.
fn with_folded_text_and_death(mut source: DemoSource) -> DemoSource {
    let acute = source.file.starts_with("acute-hospital");
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&source.json) else {
        return source;
    };
    let Some(entries) = doc
        .get_mut("entry")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return source;
    };
    let mut patient = None;
    for resource in entries
        .iter_mut()
        .filter_map(|e| e.get_mut("resource"))
        .filter_map(serde_json::Value::as_object_mut)
    {
        match resource
            .get("resourceType")
            .and_then(serde_json::Value::as_str)
        {
            Some("Patient") => {
                resource.insert("deceasedDateTime".into(), "2026-10-20".into());
                patient = resource
                    .get("id")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned);
            }
            Some("DocumentReference") if acute => {
                let content = resource
                    .get_mut("content")
                    .and_then(serde_json::Value::as_array_mut);
                if let Some(content) = content {
                    content.push(serde_json::json!({"attachment": {
                        "contentType": "text/plain; charset=utf-8",
                        "title": "Ward round note",
                        // "Seen on the ward round: comfortable, eating and drinking."
                        "data": "U2VlbiBvbiB0aGUgd2FyZCByb3VuZDogY29tZm9ydGFibGUsIGVhdGluZyBhbmQgZHJpbmtpbmcu",
                    }}));
                }
            }
            _ => {}
        }
    }
    let patient = patient.unwrap_or_default();
    let notes: &[(u8, &str)] = if acute {
        &[(1, "2026-09-20"), (2, "2026-09-21")]
    } else {
        &[]
    };
    for (n, day) in notes {
        entries.push(serde_json::json!({
            "fullUrl": format!("urn:uuid:00000000-0000-4000-8000-00000000000{n}"),
            "resource": {
                "resourceType": "Observation",
                "id": format!("00000000-0000-4000-8000-00000000000{n}"),
                "status": "final",
                "code": {"coding": [{
                    "system": "http://snomed.info/sct",
                    "code": "37331000000100",
                    "display": "Comment note",
                }]},
                "subject": {"reference": format!("urn:uuid:{patient}")},
                "effectiveDateTime": day,
            },
        }));
    }
    source.json = doc.to_string();
    source
}

#[test]
fn folded_entries_inline_text_and_age_at_death_are_the_jsons() {
    let _one = VIEW_TESTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let icr = Icr::demo().unwrap();
    let set = session(&icr, "gp").unwrap().source_set().unwrap();
    for s in demo_sources().into_iter().map(with_folded_text_and_death) {
        set.add_json(Some(s.organisation), s.json).unwrap();
    }
    let record = set.merge().unwrap();
    let typed = record.summary().unwrap();
    let json: serde_json::Value = serde_json::from_str(&record.summary_json().unwrap()).unwrap();

    let patient = typed.patient.as_ref().expect("a banner");
    assert_eq!(
        patient.age_at_death,
        json["patient"]["age_at_death"].as_i64()
    );
    assert_eq!(
        patient.age_at_death,
        Some(78),
        "born 12-Mar-1948, died 20-Oct-2026"
    );

    let sections = json["sections"].as_array().unwrap();
    let mut folded = 0;
    for (s, js) in typed.sections.iter().zip(sections) {
        let sent: Vec<(Option<String>, Option<i64>)> = js["folded"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (f["title"].as_str().map(str::to_owned), f["count"].as_i64()))
            .collect();
        let mine: Vec<(Option<String>, Option<i64>)> = s
            .folded
            .iter()
            .map(|f| (Some(f.title.clone()), Some(f.count)))
            .collect();
        assert_eq!(mine, sent, "{:?}", s.key);
        folded += s.folded.iter().map(|f| f.count).sum::<i64>();
        let items = js["items"].as_array().cloned().unwrap_or_default();
        for (item, ji) in s.items.iter().zip(&items) {
            assert_eq!(&serde_json::to_value(item).unwrap(), ji);
        }
    }
    assert_eq!(folded, 2, "the two empty comment notes, counted");
    assert!(
        typed
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .all(|i| i.title != "Comment note"),
        "and not listed"
    );
    let inline: Vec<&AttachmentRef> = typed
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| match &i.detail {
            Detail::Document { attachments, .. } => attachments.as_slice(),
            _ => &[],
        })
        .filter(|a| a.text.is_some())
        .collect();
    assert_eq!(inline.len(), 1, "{inline:?}");
    assert_eq!(
        inline[0].text.as_deref(),
        Some("Seen on the ward round: comfortable, eating and drinking.")
    );
    assert!(!inline[0].inline_content_omitted);

    let lazy = record.summary_view().unwrap();
    assert_eq!(lazy.banner().unwrap().patient, typed.patient);
    for (o, s) in lazy.sections().unwrap().iter().zip(&typed.sections) {
        assert_eq!(o.folded, s.folded, "{:?}", o.key);
    }
}

#[test]
fn summary_json_is_the_core_json() {
    let icr = Icr::demo().unwrap();
    let json = view(&icr, "gp").unwrap().summary_json().unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema_version"], 4);
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
        cis2: None,
        policy_json: None,
        trust: Trust::Keys {
            issuer: "https://epr.example.invalid".into(),
            audience: "icr-sdk".into(),
            trusted_keys: vec![TrustedKey {
                kid: "epr-1".into(),
                algorithm: Algorithm::Hs256,
                key: secret.to_vec(),
            }],
        },
        audit: AuditLog::Memory,
        stale_after_days,
    })
}

/// A GP's launch context from the host's own login, as `host_icr` trusts it.
fn host_context(patient_birth_date: Option<&str>) -> Result<LaunchContext, IcrError> {
    let now = jiff::Timestamp::now().as_second();
    Ok(LaunchContext {
        user_id: "555000000002".into(),
        user_name: None,
        role_profile: "R8000".into(),
        job_role: Some("R0260".into()),
        organisation: "Y90001".into(),
        patient: icr_core::NhsNumber::parse(&nhs())?,
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
    })
}

#[test]
fn host_keys_by_kid() {
    let secret = vec![42u8; 32];
    let icr = host_icr(&secret, None).unwrap();
    let context = host_context(None).unwrap();
    let token =
        mint_launch_token(context.clone(), "epr-1".into(), Algorithm::Hs256, secret).unwrap();
    assert_eq!(icr.open_session(token).unwrap().role(), "gp");
    let other =
        mint_launch_token(context, "epr-1".into(), Algorithm::Hs256, vec![7u8; 32]).unwrap();
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
        let context = host_context(birth_date).unwrap();
        assert_eq!(context.patient_birth_date.as_deref(), birth_date);
        let token =
            mint_launch_token(context, "epr-1".into(), Algorithm::Hs256, secret.clone()).unwrap();
        let session = icr.open_session(token).unwrap();
        assert_eq!(
            session.context().patient_birth_date.as_deref(),
            birth_date,
            "the claim is read back"
        );
        let set = session.source_set().unwrap();
        for s in demo_sources() {
            set.add_json(Some(s.organisation), s.json).unwrap();
        }
        set.merge().unwrap().summary().unwrap()
    };
    let flagged = |s: &PatientSummary| {
        s.sources
            .iter()
            .filter(|v| v.freshness != Some(icr_core::summary::Freshness::Current))
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
    let gp = demo_sources().remove(0);
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
            .any(|l| l.role == "gp" && l.kind == AuditKind::RecordViewed)
    );
    // The in-memory log verifies like any other: every entry so far, up to its head.
    let verified = icr
        .verify_audit(Some(icr.audit_checkpoint().unwrap()))
        .unwrap();
    assert!(verified.is_verified(), "{:?}", verified.problems);
    assert_eq!(verified.head, icr.audit_checkpoint().unwrap());
    assert!(verified.entries >= 4);
}

#[test]
fn closed_objects_refuse_calls() {
    let icr = Icr::demo().unwrap();
    let s = session(&icr, "gp").unwrap();
    let set = s.clone().source_set().unwrap();
    for d in demo_sources() {
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
    assert_eq!(banner.banner_alerts, eager.banner_alerts);
    assert_eq!(lazy.reconciliation().unwrap(), eager.reconciliation);
    assert_eq!(banner.sources, eager.sources);
    assert_eq!(lazy.sources().unwrap(), eager.sources);
    assert_eq!(banner.alerts, eager.sections[0].items);
    let overview = lazy.sections().unwrap();
    assert_eq!(overview.len(), eager.sections.len());
    for (o, s) in overview.iter().zip(&eager.sections) {
        assert_eq!((&o.key, &o.title), (&s.key, &s.title));
        assert_eq!(o.shown, i64::try_from(s.items.len()).unwrap());
        assert_eq!(o.folded, s.folded, "{:?}", o.key);
        assert_eq!(&lazy.section(o.key).unwrap(), s);
    }
    for key in Section::ALL {
        assert_eq!(
            lazy.section(key).unwrap().key,
            key,
            "every section is answered"
        );
    }
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
        .find(|s| s.key == Section::Medications)
        .unwrap();
    assert_eq!(meds.shown, 0);
    assert!(meds.withheld_count > 0 && !meds.withheld.is_empty());
    assert!(desk.section(Section::Medications).unwrap().items.is_empty());
    let officer = session(&icr, "privacy-officer").unwrap();
    let report = officer.access_report().unwrap();
    assert!(
        report
            .iter()
            .any(|l| l.role == "receptionist" && l.kind == AuditKind::RecordViewed)
    );
    let before = live_objects().views;
    desk.close();
    assert!(matches!(desk.banner(), Err(IcrError::Closed { .. })));
    assert!(matches!(desk.sections(), Err(IcrError::Closed { .. })));
    drop(desk);
    assert_eq!(live_objects().views, before - 1);
}

/// A launch token carrying the user's CIS2 identity, signed with the demo key: `edit`
/// changes the userinfo first.
fn cis2_token(
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> Result<String, Box<dyn std::error::Error>> {
    let userinfo = include_str!("../../examples/icr/cis2-userinfo.example.json");
    let mut claims: serde_json::Map<String, serde_json::Value> = serde_json::from_str(userinfo)?;
    claims.insert("acr".into(), "AAL3_ANY".into());
    edit(&mut claims);
    let now = jiff::Timestamp::now().as_second();
    let context = icr_core::launch::demo::context(
        "R8000",
        None,
        "Y90001",
        icr_core::NhsNumber::parse(&nhs())?,
        Relationship::RegisteredGp,
        now,
    );
    let key = icr_core::launch::demo::signing_key()?;
    Ok(icr_core::launch::mint_cis2(
        &context,
        &claims,
        icr_core::launch::demo::KID,
        &key,
    )?)
}

#[test]
fn a_cis2_launch_opens_the_selected_role_and_its_refusals_are_typed() {
    let icr = Icr::demo().unwrap();
    let gp = icr.open_session(cis2_token(|_| {}).unwrap()).unwrap();
    assert_eq!(
        gp.role(),
        "gp",
        "the selected role: R8000 with job role R0260"
    );
    assert_eq!(gp.context().organisation, "Y90001");
    let nurse = icr
        .open_session(
            cis2_token(|c| {
                c.insert("selected_roleid".into(), "555000000011".into());
            })
            .unwrap(),
        )
        .unwrap();
    assert_eq!(nurse.role(), "nurse");
    let unknown = icr.open_session(
        cis2_token(|c| {
            c.insert("selected_roleid".into(), "555000000099".into());
        })
        .unwrap(),
    );
    assert!(
        matches!(unknown.err(), Some(IcrError::RoleNotRecognised { .. })),
        "an unknown selected role"
    );
    let elsewhere = icr.open_session(
        cis2_token(|c| {
            c.insert("selected_roleid".into(), "555000000012".into());
        })
        .unwrap(),
    );
    assert!(
        matches!(elsewhere.err(), Some(IcrError::RoleNotRecognised { .. })),
        "a role at R9A for a launch at Y90001"
    );
    let weak = icr.open_session(
        cis2_token(|c| {
            c.insert("acr".into(), "AAL1_USERPASS".into());
        })
        .unwrap(),
    );
    assert!(
        matches!(weak.err(), Some(IcrError::NotPermitted { .. })),
        "assurance below the policy's minimum"
    );
}

/// `summary_marshal` (what the Python package's `summary()` decodes) is the same summary,
/// decided and audited like every view, and refused once the record is closed;
/// `section_marshal` is a view's section.
#[test]
fn the_marshal_summary_is_the_summary_decided_and_audited() {
    use icr_core::summary::marshal::{to_marshal, to_marshal_deferred};
    let icr = Icr::demo().unwrap();
    let record = view(&icr, "gp").unwrap();
    let before = icr.audit_checkpoint().unwrap().seq;
    let data = record.summary_marshal().unwrap();
    assert_eq!(icr.audit_checkpoint().unwrap().seq, before + 1);
    let summary = record.summary().unwrap();
    assert_eq!(data, to_marshal_deferred(&summary, 1).unwrap());
    assert_ne!(
        data,
        to_marshal(&summary).unwrap(),
        "the lists inside sections are deferred"
    );
    let lazy = record.summary_view().unwrap();
    let meds = summary.section(Section::Medications).unwrap();
    assert_eq!(
        lazy.section_marshal(Section::Medications).unwrap(),
        to_marshal(meds).unwrap()
    );
    record.close();
    assert!(matches!(
        record.summary_marshal(),
        Err(IcrError::Closed { .. })
    ));
}
