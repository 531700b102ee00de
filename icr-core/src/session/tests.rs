use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use super::*;
use crate::access::Policy;
use crate::audit::{AuditKey, MemoryAuditLog};
use crate::demo as sources;
use crate::identity::NhsNumber;
use crate::launch::Relationship;
use crate::model::Section;
use crate::summary::WithheldReason;

const NOW: i64 = 1_795_000_000;

struct Fixture {
    icr: Icr,
    log: Arc<MemoryAuditLog>,
    clock: Arc<AtomicI64>,
    policy: Policy,
}

fn fixture() -> Fixture {
    let log = Arc::new(MemoryAuditLog::new(
        AuditKey::from_bytes(&[7u8; 32]).unwrap(),
    ));
    let clock = Arc::new(AtomicI64::new(NOW));
    let c = Arc::clone(&clock);
    let policy = Policy::default_uk().unwrap();
    let verifier = crate::launch::Verifier::new(crate::launch::demo::trust_store().unwrap());
    let icr = Icr::builder(policy.clone(), verifier, log.clone())
        .clock(Arc::new(move || c.load(Ordering::SeqCst)))
        .build();
    Fixture {
        icr,
        log,
        clock,
        policy,
    }
}

fn record() -> SharedCareRecord {
    sources::record().unwrap()
}

fn open(f: &Fixture, role: &str, relationship: Relationship) -> Session {
    let token = demo::token(
        &f.policy,
        role,
        relationship,
        sources::patient().unwrap(),
        f.clock.load(Ordering::SeqCst),
    )
    .unwrap();
    f.icr.open_session(&token).unwrap()
}

fn items(s: &PatientSummary) -> usize {
    s.sections.iter().map(|x| x.items.len()).sum()
}

fn withheld(s: &PatientSummary) -> usize {
    s.sections
        .iter()
        .flat_map(|x| &x.withheld)
        .map(|w| usize::try_from(w.count).unwrap_or_default())
        .sum()
}

#[test]
fn a_gp_sees_the_whole_record_and_the_view_is_audited_first() {
    let f = fixture();
    let session = open(&f, "gp", Relationship::RegisteredGp);
    assert_eq!(session.role(), "gp");
    let record = record();
    let summary = session.summary(&record).unwrap();
    assert_eq!(items(&summary), record.len());
    assert_eq!(withheld(&summary), 0);
    let entries = f.log.entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].record.kind, AuditKind::SessionOpened);
    let view = &entries[1].record;
    assert_eq!(view.kind, AuditKind::RecordViewed);
    assert_eq!(view.patient.as_deref(), Some("9990000026"));
    assert!(view.sections.contains(&"allergies".to_owned()));
    assert_eq!(view.sources.len(), 5);
}

#[test]
fn the_three_demo_roles_see_what_the_policy_says() {
    let f = fixture();
    let record = record();
    let gp = open(&f, "gp", Relationship::RegisteredGp)
        .summary(&record)
        .unwrap();
    let reception = open(&f, "receptionist", Relationship::CareTeam)
        .summary(&record)
        .unwrap();
    let social = open(&f, "social-worker", Relationship::CareTeam)
        .summary(&record)
        .unwrap();
    assert!(items(&gp) > items(&social) && items(&social) > items(&reception));
    for s in &reception.sections {
        if !matches!(s.key, Section::Appointments | Section::Contacts) {
            assert!(s.items.is_empty(), "{:?}", s.key);
        }
    }
    let investigations = social
        .sections
        .iter()
        .find(|s| s.key == Section::Investigations)
        .unwrap();
    assert!(investigations.items.is_empty());
    assert!(
        investigations
            .withheld
            .iter()
            .any(|w| w.reason == WithheldReason::RoleSection && w.count == 6)
    );
    let problems = social
        .sections
        .iter()
        .find(|s| s.key == Section::Problems)
        .unwrap();
    assert!(problems.withheld.iter().any(
        |w| matches!(&w.reason, WithheldReason::SensitiveCategory(c) if c == "mental-health")
    ));
    let json = serde_json::to_string(&social).unwrap().to_lowercase();
    assert!(!json.contains("sertraline") && !json.contains("depressive"));
    // Every withheld item is counted: shown + withheld = the whole record.
    assert_eq!(items(&social) + withheld(&social), record.len());
    assert_eq!(items(&reception) + withheld(&reception), record.len());
}

#[test]
fn forged_and_expired_tokens_are_refused_and_the_refusal_is_audited() {
    let f = fixture();
    let other = crate::launch::SigningKey::ed25519_from_seed(&[9u8; 32]).unwrap();
    let ctx = crate::launch::demo::context(
        "R8000",
        Some("R0260"),
        "Y90001",
        sources::patient().unwrap(),
        Relationship::RegisteredGp,
        NOW,
    );
    let forged = crate::launch::mint(&ctx, crate::launch::demo::KID, &other).unwrap();
    assert!(matches!(
        f.icr.open_session(&forged),
        Err(SessionError::Launch(_))
    ));
    let old = demo::token(
        &f.policy,
        "gp",
        Relationship::RegisteredGp,
        sources::patient().unwrap(),
        NOW - 3600,
    )
    .unwrap();
    assert!(matches!(
        f.icr.open_session(&old),
        Err(SessionError::Launch(LaunchError::Expired))
    ));
    let entries = f.log.entries();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e.record.kind == AuditKind::SessionRefused
                && e.record.outcome == AuditOutcome::Failed)
    );
    assert_eq!(entries[1].record.reason.as_deref(), Some("launch-expired"));
}

#[test]
fn when_the_audit_log_fails_nothing_is_returned() {
    let f = fixture();
    let session = open(&f, "gp", Relationship::RegisteredGp);
    f.log.set_failing(true);
    assert!(matches!(
        session.summary(&record()),
        Err(SessionError::AuditUnavailable(_))
    ));
    let token = demo::token(
        &f.policy,
        "gp",
        Relationship::RegisteredGp,
        sources::patient().unwrap(),
        NOW,
    )
    .unwrap();
    assert!(matches!(
        f.icr.open_session(&token),
        Err(SessionError::AuditUnavailable(_))
    ));
}

#[test]
fn break_glass_needs_a_reason_and_a_role_that_may_and_expires() {
    let f = fixture();
    let record = record();
    let session = open(&f, "hospital-doctor", Relationship::None);
    let before = session.summary(&record).unwrap();
    assert_eq!(items(&before), 0);
    assert!(
        before
            .sections
            .iter()
            .flat_map(|s| &s.withheld)
            .all(|w| w.reason == WithheldReason::NoRelationship)
    );
    assert!(matches!(
        session.break_glass("   "),
        Err(SessionError::BreakGlassReasonRequired { .. })
    ));
    assert!(!session.break_glass_active());
    session
        .break_glass("Unconscious patient in ED, no history available")
        .unwrap();
    assert!(session.break_glass_active());
    let during = session.summary(&record).unwrap();
    assert!(items(&during) > 0);
    f.clock.fetch_add(31 * 60, Ordering::SeqCst);
    assert!(!session.break_glass_active(), "time-boxed to 30 minutes");
    assert_eq!(items(&session.summary(&record).unwrap()), 0);
    let kinds: Vec<(AuditKind, AuditOutcome)> = f
        .log
        .entries()
        .iter()
        .map(|e| (e.record.kind, e.record.outcome))
        .collect();
    assert!(kinds.contains(&(AuditKind::BreakGlass, AuditOutcome::Denied)));
    assert!(kinds.contains(&(AuditKind::BreakGlass, AuditOutcome::Success)));
    let alerts = crate::audit::privacy_alerts(&f.log.entries());
    assert!(
        alerts.iter().any(|e| e.record.reason.as_deref()
            == Some("Unconscious patient in ED, no history available"))
    );
    let reception = open(&f, "receptionist", Relationship::None);
    assert!(matches!(
        reception.break_glass("Patient collapsed in waiting room"),
        Err(SessionError::BreakGlassNotPermitted)
    ));
}

#[test]
fn an_opted_out_patient_is_not_shown_and_the_view_says_so() {
    let f = fixture();
    f.icr
        .record_opt_out(&OptOutChange {
            patient: sources::patient().unwrap(),
            opted_out: true,
            recorded_by: "555000000001".into(),
            organisation: "Y90001".into(),
            reason: "patient asked at reception".into(),
            recorded_at: 0,
        })
        .unwrap();
    let recorded = f.log.entries().last().unwrap().record.clone();
    assert_eq!(recorded.kind, AuditKind::OptOutRecorded);
    assert_eq!(recorded.user_id, "555000000001");
    assert_eq!(
        recorded.reason.as_deref(),
        Some("opted-out: patient asked at reception")
    );
    let session = open(&f, "gp", Relationship::RegisteredGp);
    let summary = session.summary(&record()).unwrap();
    assert_eq!(items(&summary), 0);
    assert!(
        summary
            .sections
            .iter()
            .flat_map(|s| &s.withheld)
            .all(|w| w.reason == WithheldReason::PatientOptOut)
    );
    assert_eq!(
        f.log.entries().last().unwrap().record.kind,
        AuditKind::AccessDenied
    );
}

#[test]
fn a_record_for_another_patient_and_an_expired_session_are_refused() {
    let f = fixture();
    let other = NhsNumber::parse("9434765919").unwrap();
    let token = demo::token(&f.policy, "gp", Relationship::RegisteredGp, other, NOW).unwrap();
    let session = f.icr.open_session(&token).unwrap();
    assert!(matches!(
        session.summary(&record()),
        Err(SessionError::PatientMismatch)
    ));
    let session = open(&f, "gp", Relationship::RegisteredGp);
    f.clock.fetch_add(61 * 60, Ordering::SeqCst);
    assert!(matches!(
        session.summary(&record()),
        Err(SessionError::Expired)
    ));
}

#[test]
fn only_privacy_officers_read_access_reports() {
    let f = fixture();
    let record = record();
    open(&f, "gp", Relationship::RegisteredGp)
        .summary(&record)
        .unwrap();
    let entries = f.log.entries();
    let gp = open(&f, "gp", Relationship::RegisteredGp);
    assert!(matches!(
        gp.access_report(&entries),
        Err(SessionError::NotPermitted)
    ));
    let officer = open(&f, "privacy-officer", Relationship::None);
    let report = officer.access_report(&entries).unwrap();
    assert!(
        report
            .iter()
            .any(|l| l.role == "gp" && l.sections.contains(&"medications".to_owned()))
    );
}

#[test]
fn break_glass_below_the_minimum_reason_is_refused_and_never_widens_the_role() {
    let f = fixture();
    let record = record();
    let session = open(&f, "pharmacist", Relationship::None);
    // One character short of the policy's minimum, once trimmed.
    let short = "x".repeat(f.policy.break_glass.min_reason_chars - 1);
    assert!(matches!(
        session.break_glass(&format!("  {short}  ")),
        Err(SessionError::BreakGlassReasonRequired { min_chars }) if min_chars == f.policy.break_glass.min_reason_chars
    ));
    let last = f.log.entries().pop().unwrap().record;
    assert_eq!(
        (last.kind, last.outcome, last.reason.as_deref()),
        (
            AuditKind::BreakGlass,
            AuditOutcome::Denied,
            Some("break-glass-reason-missing")
        )
    );
    assert!(!session.break_glass_active());
    session
        .break_glass("Collapsed at the pharmacy counter, checking medicines")
        .unwrap();
    let summary = session.summary(&record).unwrap();
    let reasons: Vec<&WithheldReason> = summary
        .sections
        .iter()
        .flat_map(|s| &s.withheld)
        .map(|w| &w.reason)
        .collect();
    assert!(!reasons.contains(&&WithheldReason::NoRelationship));
    assert!(
        reasons.contains(&&WithheldReason::RoleSection),
        "sections outside the role stay withheld: {reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, WithheldReason::SensitiveCategory(_))),
        "sensitive categories outside the role stay withheld: {reasons:?}"
    );
    let view = f.log.entries().pop().unwrap().record;
    assert_eq!(view.kind, AuditKind::RecordViewed);
    assert_eq!(
        view.reason.as_deref(),
        Some("break-glass-active"),
        "a view under break-glass says so in the audit"
    );
}

#[test]
fn the_audit_names_every_item_shown_and_every_item_withheld() {
    let f = fixture();
    let record = record();
    let session = open(&f, "social-worker", Relationship::CareTeam);
    let summary = session.summary(&record).unwrap();
    let view = f.log.entries().pop().unwrap().record;
    assert_eq!(view.kind, AuditKind::RecordViewed);
    let shown: Vec<String> = summary
        .sections
        .iter()
        .flat_map(|s| s.items.iter().map(|e| e.id.clone()))
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(
        view.items_shown, shown,
        "exactly what the summary held, in order"
    );
    assert_eq!(view.items_withheld.len(), withheld(&summary));
    assert!(withheld(&summary) > 0);
    let mut all: Vec<&String> = view
        .items_shown
        .iter()
        .chain(&view.items_withheld)
        .collect();
    all.sort();
    let mut ids: Vec<&String> = record.entries.iter().map(|e| &e.id).collect();
    ids.sort();
    assert_eq!(all, ids, "every item is either shown or withheld, once");
    assert!(
        !format!("{view:?}").contains(&shown[0]),
        "Debug shows counts, not ids"
    );
}

/// A session whose launch token carries the host system's date of birth and family name.
fn open_with_host_demographics(f: &Fixture, birth_date: &str, family: &str) -> Session {
    let mut context = crate::launch::demo::context(
        "R8000",
        Some("R0260"),
        demo::ORGANISATION,
        sources::patient().unwrap(),
        Relationship::RegisteredGp,
        f.clock.load(Ordering::SeqCst),
    );
    context.patient_birth_date = Some(birth_date.to_owned());
    context.patient_family_name = Some(family.to_owned());
    let token = crate::launch::mint(
        &context,
        crate::launch::demo::KID,
        &crate::launch::demo::signing_key().unwrap(),
    )
    .unwrap();
    f.icr.open_session(&token).unwrap()
}

#[test]
fn the_host_systems_date_of_birth_and_family_name_are_compared_with_the_record() {
    let f = fixture();
    let record = record();
    let same = open_with_host_demographics(&f, "1948-03-12", " thornton ");
    assert!(
        same.summary(&record)
            .unwrap()
            .demographic_discrepancies
            .is_empty(),
        "the same patient: no discrepancy (case and spaces ignored)"
    );
    let other = open_with_host_demographics(&f, "1948-12-03", "Thorpe");
    let summary = other.summary(&record).unwrap();
    assert_eq!(
        summary.demographic_discrepancies,
        [
            "Date of birth differs between the record and the host system",
            "Family name differs between the record and the host system",
        ]
    );
    let texts = summary.demographic_discrepancies.join(" ");
    for value in ["1948", "Thorpe", "THORNTON", "Thornton"] {
        assert!(!texts.contains(value), "no values in the texts: {texts}");
    }
    // A token without the claims compares nothing.
    let plain = open(&f, "gp", Relationship::RegisteredGp);
    assert!(
        plain
            .summary(&record)
            .unwrap()
            .demographic_discrepancies
            .is_empty()
    );
}

#[test]
fn the_summary_judges_staleness_with_the_icrs_threshold() {
    let build = |days: Option<i64>| {
        let log = Arc::new(MemoryAuditLog::new(
            AuditKey::from_bytes(&[7u8; 32]).unwrap(),
        ));
        let verifier = crate::launch::Verifier::new(crate::launch::demo::trust_store().unwrap());
        let mut b = Icr::builder(Policy::default_uk().unwrap(), verifier, log)
            .clock(Arc::new(|| 1_795_608_000)); // 2026-11-25
        if let Some(days) = days {
            b = b.stale_after_days(days);
        }
        b.build()
    };
    let stale = |icr: &Icr| -> Vec<String> {
        let token = demo::token(
            icr.policy(),
            "gp",
            Relationship::RegisteredGp,
            sources::patient().unwrap(),
            1_795_608_000,
        )
        .unwrap();
        let summary = icr
            .open_session(&token)
            .unwrap()
            .summary(&record())
            .unwrap();
        summary
            .sources
            .iter()
            .filter(|s| s.freshness == Some(crate::summary::Freshness::Stale))
            .filter_map(|s| s.ods_code.clone())
            .collect()
    };
    let by_default = stale(&build(None));
    assert_eq!(
        by_default.len(),
        2,
        "56 and 44 days old are over 30: {by_default:?}"
    );
    assert_eq!(stale(&build(Some(365))), Vec::<String>::new());
    assert_eq!(
        stale(&build(Some(0))).len(),
        5,
        "every demo source is older than a day"
    );
}

#[test]
fn break_glass_reasons_must_hold_words_and_cannot_be_extended_silently() {
    let f = fixture();
    let session = open(&f, "hospital-doctor", Relationship::None);
    let ten_zero_width = "\u{200B}".repeat(10);
    assert!(matches!(
        session.break_glass(&ten_zero_width),
        Err(SessionError::BreakGlassReasonRequired { min_chars: 10 })
    ));
    assert!(matches!(
        session.break_glass("..........,,,,,,,,,,"),
        Err(SessionError::BreakGlassReasonRequired { .. })
    ));
    for invalid in [
        "\0".repeat(10),
        "Collapsed in clinic\u{1b}[2J\u{1b}[H".to_owned(),
        "Collapsed in clinic\nforged line".to_owned(),
        "Collapsed in clinic \u{202E}txet desrever".to_owned(),
        "x".repeat(50 * 1024 * 1024),
    ] {
        assert!(matches!(
            session.break_glass(&invalid),
            Err(SessionError::BreakGlassReasonInvalid)
        ));
    }
    assert!(!session.break_glass_active());
    session
        .break_glass("Collapsed in clinic, no history")
        .unwrap();
    f.clock.fetch_add(29 * 60, Ordering::SeqCst);
    assert!(matches!(
        session.break_glass("Still here, need more time please"),
        Err(SessionError::BreakGlassActive)
    ));
    f.clock.fetch_add(2 * 60, Ordering::SeqCst);
    assert!(
        !session.break_glass_active(),
        "not extended by the second call"
    );
    session
        .break_glass("Deteriorated again, second episode")
        .unwrap();
    let refusals: Vec<String> = f
        .log
        .entries()
        .iter()
        .filter(|e| {
            e.record.kind == AuditKind::BreakGlass && e.record.outcome == AuditOutcome::Denied
        })
        .filter_map(|e| e.record.reason.clone())
        .collect();
    assert_eq!(refusals.len(), 8, "{refusals:?}");
    assert!(
        refusals.iter().all(|r| r.len() < 64),
        "the refused text is never recorded"
    );
    assert!(refusals.contains(&"break-glass-already-active".to_owned()));
}

#[test]
fn a_purpose_of_use_other_than_direct_care_opens_no_session_and_is_audited() {
    let f = fixture();
    let rule = f.policy.role("gp").unwrap();
    let codes = rule.r#match.first().unwrap();
    for purpose in ["marketing", "secondary-uses", "research", "Direct-Care"] {
        let mut context = crate::launch::demo::context(
            &codes.role_profile,
            codes.job_role.as_deref(),
            demo::ORGANISATION,
            sources::patient().unwrap(),
            Relationship::RegisteredGp,
            NOW,
        );
        context.purpose = purpose.to_owned();
        let key = crate::launch::demo::signing_key().unwrap();
        let token = crate::launch::mint(&context, crate::launch::demo::KID, &key).unwrap();
        assert!(
            matches!(
                f.icr.open_session(&token),
                Err(SessionError::PurposeNotPermitted)
            ),
            "{purpose}"
        );
    }
    let refused = f
        .log
        .entries()
        .iter()
        .filter(|e| e.record.reason.as_deref() == Some("purpose-not-permitted"))
        .count();
    assert_eq!(refused, 4);
    assert!(
        open(&f, "gp", Relationship::RegisteredGp)
            .summary(&record())
            .is_ok()
    );
}

/// Session state whose opt-out register cannot be read (its database is down); the
/// rest answers as a process's own state would.
struct RegisterDown(MemoryState);

impl SessionState for RegisterDown {
    fn claim_token_id(&self, token_id: &str, forget_at: i64, now: i64) -> Result<(), StateError> {
        self.0.claim_token_id(token_id, forget_at, now)
    }
    fn grant_break_glass(&self, grant: &BreakGlassGrant) -> Result<(), StateError> {
        self.0.grant_break_glass(grant)
    }
    fn break_glass_until(
        &self,
        user_id: &str,
        patient: &NhsNumber,
        now: i64,
    ) -> Result<Option<i64>, StateError> {
        self.0.break_glass_until(user_id, patient, now)
    }
    fn record_opt_out(&self, change: &OptOutChange) -> Result<(), StateError> {
        self.0.record_opt_out(change)
    }
    fn opt_out(&self, _: &NhsNumber) -> Result<Option<OptOutChange>, StateError> {
        Err(StateError::Unavailable {
            operation: "read opt-out",
            code: None,
        })
    }
}

#[test]
fn when_the_opt_out_register_cannot_be_read_nothing_is_returned_and_that_is_audited() {
    let log = Arc::new(MemoryAuditLog::new(
        AuditKey::from_bytes(&[7u8; 32]).unwrap(),
    ));
    let policy = Policy::default_uk().unwrap();
    let verifier = crate::launch::Verifier::new(crate::launch::demo::trust_store().unwrap());
    let icr = Icr::builder(policy.clone(), verifier, log.clone())
        .clock(Arc::new(|| NOW))
        .state(Arc::new(RegisterDown(MemoryState::new(16))))
        .build();
    let token = demo::token(
        &policy,
        "gp",
        Relationship::RegisteredGp,
        sources::patient().unwrap(),
        NOW,
    )
    .unwrap();
    let session = icr.open_session(&token).unwrap();
    assert!(matches!(
        session.summary(&record()),
        Err(SessionError::StateUnavailable(
            StateError::Unavailable { .. }
        ))
    ));
    let last = log.entries().pop().unwrap();
    assert_eq!(last.record.kind, AuditKind::AccessDenied);
    assert_eq!(last.record.outcome, AuditOutcome::Failed);
    assert_eq!(last.record.reason.as_deref(), Some("state-unavailable"));
    assert!(last.record.items_shown.is_empty());
}
