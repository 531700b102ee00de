//! The shell as Rust sees it: every host-facing error comes out as the variant hosts are
//! told to catch, closed objects refuse calls, and the summary mirrors the core's.

use std::sync::Arc;

use icr_ffi::{
    AuditLog, CareRecord, ChangeKind, Icr, IcrConfig, IcrError, ItemDetail, KeyAlgorithm,
    LaunchContext, Relationship, Session, SourceStatus, Trust, TrustedKey, demo_patient_nhs_number,
    demo_sources, live_objects, mint_demo_token, mint_demo_token_at, mint_launch_token,
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

/// A JSON string array as strings.
fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON string, absent or null as `None`.
fn text(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// The typed result line says what its JSON says: display, flag and its basis.
fn result_matches(r: &icr_ffi::ResultLine, json: &serde_json::Value) {
    assert_eq!(r.display, text(&json["display"]), "{}", r.name);
    assert_eq!(r.flag, text(&json["flag"]), "{}", r.name);
    assert_eq!(r.flag_basis, text(&json["flag_basis"]), "{}", r.name);
}

/// The typed item carries what its JSON carries: warnings, structured reactions,
/// medication courses with their supplies, result flags.
fn item_matches(item: &icr_ffi::SummaryItem, json: &serde_json::Value) {
    assert_eq!(Some(item.id.as_str()), json["id"].as_str());
    let warnings: Vec<(Option<String>, Option<String>)> = json["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| (text(&w["code"]), text(&w["text"])))
        .collect();
    let typed: Vec<(Option<String>, Option<String>)> = item
        .warnings
        .iter()
        .map(|w| (Some(w.code.clone()), Some(w.text.clone())))
        .collect();
    assert_eq!(typed, warnings, "{}", item.title);
    let detail = &json["detail"];
    match &item.detail {
        ItemDetail::Allergy { reactions, .. } => {
            let sent = detail["reactions"].as_array().cloned().unwrap_or_default();
            assert_eq!(reactions.len(), sent.len(), "{}", item.title);
            for (r, j) in reactions.iter().zip(&sent) {
                assert_eq!(r.manifestations, strings(&j["manifestations"]));
                assert_eq!(r.severity, text(&j["severity"]));
                assert_eq!(r.onset, text(&j["onset"]));
                assert_eq!(r.description, text(&j["description"]));
                assert_eq!(r.recorded_by, strings(&j["recorded_by"]));
            }
        }
        ItemDetail::Medication { detail: m } => {
            assert_eq!(m.prescribing_agency, text(&detail["prescribing_agency"]));
            assert_eq!(
                m.authorisation_expiry,
                text(&detail["authorisation_expiry"])
            );
            let kinds: Vec<String> = m
                .changes
                .iter()
                .map(|c| {
                    match c.kind {
                        ChangeKind::Started => "started",
                        ChangeKind::Stopped => "stopped",
                        ChangeKind::Completed => "completed",
                        ChangeKind::DoseChanged => "dose_changed",
                        _ => "other",
                    }
                    .to_owned()
                })
                .collect();
            let sent_kinds: Vec<String> = detail["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| text(&c["kind"]))
                .collect();
            assert_eq!(kinds, sent_kinds, "{}", item.title);
            let courses = detail["courses"].as_array().cloned().unwrap_or_default();
            assert_eq!(m.courses.len(), courses.len(), "{}", item.title);
            for (c, j) in m.courses.iter().zip(&courses) {
                assert_eq!(Some(c.organisation.as_str()), j["organisation"].as_str());
                assert_eq!(c.status, text(&j["status"]));
                assert_eq!(c.status_reason, text(&j["status_reason"]));
                assert_eq!(c.start, text(&j["start"]));
                assert_eq!(c.end, text(&j["end"]));
                assert_eq!(c.dosage, text(&j["dosage"]));
                assert_eq!(c.quantity, text(&j["quantity"]));
                assert_eq!(c.prescription_type, text(&j["prescription_type"]));
                assert_eq!(c.authorisation_expiry, text(&j["authorisation_expiry"]));
                assert_eq!(c.prescribing_agency, text(&j["prescribing_agency"]));
                assert_eq!(c.repeats_allowed, text(&j["repeats_allowed"]));
                let supplies = j["supplies"].as_array().cloned().unwrap_or_default();
                assert_eq!(c.supplies.len(), supplies.len());
                for (s, js) in c.supplies.iter().zip(&supplies) {
                    assert_eq!(s.date, text(&js["date"]));
                    assert_eq!(s.quantity, text(&js["quantity"]));
                    assert_eq!(s.issue_number.map(i64::from), js["issue_number"].as_i64());
                }
            }
        }
        ItemDetail::Investigation { results, .. } => {
            let sent = detail["results"].as_array().cloned().unwrap_or_default();
            assert_eq!(results.len(), sent.len());
            for (r, j) in results.iter().zip(&sent) {
                result_matches(r, j);
            }
        }
        ItemDetail::Observation { result } => result_matches(result, &detail["result"]),
        ItemDetail::Document { attachments, .. } => {
            let sent = detail["attachments"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert_eq!(attachments.len(), sent.len(), "{}", item.title);
            for (a, j) in attachments.iter().zip(&sent) {
                assert_eq!(a.text, text(&j["text"]), "{}", item.title);
                assert_eq!(
                    Some(a.inline_content_omitted),
                    j["inline_content_omitted"].as_bool()
                );
            }
        }
        _ => {}
    }
}

#[test]
fn the_typed_summary_carries_what_the_json_says() {
    let icr = Icr::demo().unwrap();
    let record = view(&icr, "gp").unwrap();
    let typed = record.summary().unwrap();
    let json: serde_json::Value = serde_json::from_str(&record.summary_json().unwrap()).unwrap();
    let alerts: Vec<(String, String, String, String)> = json["banner_alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let field = |k: &str| text(&a[k]).unwrap();
            (
                field("code"),
                field("section"),
                field("item_id"),
                field("text"),
            )
        })
        .collect();
    let typed_alerts: Vec<(String, String, String, String)> = typed
        .banner_alerts
        .iter()
        .map(|a| {
            let a = a.clone();
            (a.code, a.section, a.item_id, a.text)
        })
        .collect();
    assert_eq!(typed_alerts, alerts);
    let age_at_death = typed.patient.as_ref().and_then(|p| p.age_at_death);
    assert_eq!(age_at_death, json["patient"]["age_at_death"].as_i64());
    assert_eq!(age_at_death, None, "the demo patient is living");
    let sections = json["sections"].as_array().unwrap();
    assert_eq!(typed.sections.len(), sections.len());
    for (s, js) in typed.sections.iter().zip(sections) {
        let items = js["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(s.items.len(), items.len(), "{}", s.key);
        for (item, ji) in s.items.iter().zip(&items) {
            item_matches(item, ji);
        }
        let folded: Vec<(Option<String>, Option<i64>)> = js["folded"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (text(&f["title"]), f["count"].as_i64()))
            .collect();
        let typed_folded: Vec<(Option<String>, Option<i64>)> = s
            .folded
            .iter()
            .map(|f| (Some(f.title.clone()), Some(f.count)))
            .collect();
        assert_eq!(typed_folded, folded, "{}", s.key);
    }
    // and the demo has data for each of them
    let items: Vec<&icr_ffi::SummaryItem> = typed.sections.iter().flat_map(|s| &s.items).collect();
    let penicillin = items
        .iter()
        .find(|i| i.title == "Allergy to penicillin")
        .expect("the demo's penicillin allergy");
    let ItemDetail::Allergy { reactions, .. } = &penicillin.detail else {
        panic!("an allergy");
    };
    assert!(
        reactions.iter().any(|r| r
            .manifestations
            .iter()
            .any(|m| m == "Anaphylactic reaction")
            && r.severity.as_deref() == Some("severe")
            && !r.recorded_by.is_empty()),
        "{reactions:?}"
    );
    let courses = items.iter().find_map(|i| match &i.detail {
        ItemDetail::Medication { detail }
            if detail.courses.iter().any(|c| !c.supplies.is_empty()) =>
        {
            Some(detail)
        }
        _ => None,
    });
    assert!(courses.is_some(), "a medication with a course and supplies");
    assert!(items.iter().any(|i| {
        match &i.detail {
            ItemDetail::Medication { detail } => detail
                .changes
                .iter()
                .any(|c| c.kind == ChangeKind::Completed),
            _ => false,
        }
    }));
    let flagged = |i: &&&icr_ffi::SummaryItem| match &i.detail {
        ItemDetail::Investigation { results, .. } => results
            .iter()
            .any(|r| r.flag.as_deref() == Some("high") && r.abnormal == Some(true)),
        _ => false,
    };
    assert!(items.iter().any(|i| flagged(&i)), "a high result");
}

/// The out-of-hours service's demo source with its patient given another date of birth
/// and family name under the same NHS number; every other source as it is.
fn with_unconfirmed_identity(mut source: icr_ffi::DemoSource) -> icr_ffi::DemoSource {
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
        .unwrap()
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
            .all(|i| i.provenance.iter().any(|p| p.organisation == ooh.name))
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
        item_matches(item, j);
    }
    let lazy = record.summary_view().unwrap();
    assert_eq!(lazy.reconciliation().unwrap(), summary.reconciliation);
    assert!(lazy.banner().unwrap().sources.contains(ooh));
}

/// The demo sources with what the demo otherwise lacks: a date of death for the patient
/// in every source, and in the acute hospital's two "Comment note" observations with no
/// content and a plain-text note inlined in its discharge summary.
fn with_folded_text_and_death(mut source: icr_ffi::DemoSource) -> icr_ffi::DemoSource {
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
    for s in demo_sources()
        .unwrap()
        .into_iter()
        .map(with_folded_text_and_death)
    {
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
            .map(|f| (text(&f["title"]), f["count"].as_i64()))
            .collect();
        let mine: Vec<(Option<String>, Option<i64>)> = s
            .folded
            .iter()
            .map(|f| (Some(f.title.clone()), Some(f.count)))
            .collect();
        assert_eq!(mine, sent, "{}", s.key);
        folded += s.folded.iter().map(|f| f.count).sum::<i64>();
        let items = js["items"].as_array().cloned().unwrap_or_default();
        for (item, ji) in s.items.iter().zip(&items) {
            item_matches(item, ji);
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
    let inline: Vec<&icr_ffi::AttachmentRef> = typed
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| match &i.detail {
            ItemDetail::Document { attachments, .. } => attachments.as_slice(),
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
        assert_eq!(o.folded, s.folded, "{}", o.key);
    }
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
    // The in-memory log verifies like any other: every entry so far, up to its head.
    let verified = icr
        .verify_audit(Some(icr.audit_checkpoint().unwrap()))
        .unwrap();
    assert!(verified.verified, "{:?}", verified.problems);
    assert_eq!(verified.head, icr.audit_checkpoint().unwrap());
    assert!(verified.entries >= 4);
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
        assert_eq!(o.folded, s.folded, "{}", o.key);
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
    use icr_ffi::CareSetting;
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
        SourceStatus::IdentityUnconfirmed,
        SourceStatus::AccessDenied,
        SourceStatus::PatientNotFound,
        SourceStatus::PatientDissent,
        SourceStatus::NotRequested,
    ] {
        assert_eq!(SourceStatus::from(icr_core::SourceStatus::from(s)), s);
    }
}
