use super::*;
use crate::demo;
use crate::merge::SharedCareRecord;
use crate::model::Section;
use crate::summary::WithheldReason;

fn demo_record() -> SharedCareRecord {
    demo::record().expect("demo record")
}

fn viewer<'p>(policy: &'p Policy, role: &str) -> Viewer<'p> {
    Viewer {
        role: policy.role(role).expect("role"),
        relationship: "care-team".to_owned(),
        break_glass: false,
        patient_opted_out: false,
    }
}

fn shown<'r>(record: &'r SharedCareRecord, decisions: &[Decision]) -> Vec<&'r crate::model::Entry> {
    record
        .entries
        .iter()
        .zip(decisions)
        .filter(|(_, d)| d.allowed())
        .map(|(e, _)| &e.entry)
        .collect()
}

#[test]
fn the_default_policy_is_valid_and_every_role_is_reachable() {
    let policy = Policy::default_uk().expect("default policy");
    let errors: Vec<_> = policy
        .validate()
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    for name in [
        "gp",
        "hospital-doctor",
        "nurse",
        "pharmacist",
        "mental-health",
        "social-worker",
        "ooh-clinician",
        "receptionist",
        "privacy-officer",
    ] {
        let role = policy.role(name).expect(name);
        let m = &role.r#match[0];
        let found = policy
            .role_for(&m.role_profile, m.job_role.as_deref())
            .map(|r| r.name.as_str());
        assert_eq!(found, Some(name), "codes of {name} select another role");
    }
}

#[test]
fn validate_reports_unreachable_roles_unknown_names_and_empty_rules() {
    let mut policy = Policy::default_uk().expect("default");
    let ooh = policy
        .roles
        .iter()
        .position(|r| r.name == "ooh-clinician")
        .expect("ooh");
    let role = policy.roles.remove(ooh);
    policy.roles.push(role);
    policy.deny.push(DenyRule {
        id: "typo".into(),
        roles: vec!["gpp".into()],
        sections: vec!["alergies".into()],
        categories: vec![],
    });
    let messages: Vec<String> = policy.validate().into_iter().map(|f| f.message).collect();
    assert!(
        messages.iter().any(|m| m.contains("'ooh-clinician'")
            && m.contains("unreachable")
            && m.contains("'hospital-doctor'")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("unknown role 'gpp'")));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown section 'alergies'"))
    );
    let json = serde_json::to_string(&policy).expect("json");
    assert!(matches!(
        Policy::from_json(&json),
        Err(PolicyError::Rejected(_))
    ));
    assert!(matches!(
        Policy::from_json(r#"{"policy_version":1,"nme":"x"}"#),
        Err(PolicyError::Invalid(_))
    ));
}

#[test]
fn gp_sees_everything_receptionist_only_appointments_and_contacts() {
    let policy = Policy::default_uk().expect("default");
    let record = demo_record();
    let gp = decide(&policy, &viewer(&policy, "gp"), &record);
    assert!(gp.iter().all(Decision::allowed));
    let reception = decide(&policy, &viewer(&policy, "receptionist"), &record);
    let sections: std::collections::BTreeSet<Section> = shown(&record, &reception)
        .iter()
        .map(|e| e.section)
        .collect();
    assert!(
        sections
            .iter()
            .all(|s| matches!(s, Section::Appointments | Section::Contacts)),
        "{sections:?}"
    );
    assert!(reception.iter().any(|d| {
        d.reasons
            .iter()
            .any(|r| r.reason == WithheldReason::RoleSection)
    }));
}

#[test]
fn social_worker_sees_no_results_and_no_mental_health_even_by_inference() {
    let policy = Policy::default_uk().expect("default");
    let record = demo_record();
    let d = decide(&policy, &viewer(&policy, "social-worker"), &record);
    let visible = shown(&record, &d);
    assert!(
        visible
            .iter()
            .all(|e| !matches!(e.section, Section::Investigations | Section::Observations))
    );
    let titles: Vec<String> = visible.iter().map(|e| e.title.to_lowercase()).collect();
    for hidden in [
        "depressive",
        "sertraline",
        "alcohol",
        "mental health",
        "crisis",
    ] {
        assert!(
            !titles.iter().any(|t| t.contains(hidden)),
            "{hidden} visible: {titles:?}"
        );
    }
    // Sertraline reveals the withheld depression: withheld by inference (its words) or
    // by its link to the depression (its reason); the referral carries the depression as
    // its own coded reason.
    let inferred = d
        .iter()
        .filter(|x| {
            x.reasons
                .iter()
                .any(|r| matches!(r.reason, WithheldReason::Inference | WithheldReason::Linked))
        })
        .count();
    assert!(inferred >= 1, "sertraline is inferred or linked");
    assert!(
        visible.iter().any(|e| e.section == Section::Alerts),
        "safeguarding stays visible to social care"
    );
    assert!(visible.iter().any(|e| e.section == Section::CarePlans));
}

#[test]
fn opt_out_and_no_relationship_withhold_everything_unless_break_glass() {
    let policy = Policy::default_uk().expect("default");
    let record = demo_record();
    let mut v = viewer(&policy, "gp");
    v.patient_opted_out = true;
    let d = decide(&policy, &v, &record);
    assert!(d.iter().all(|x| {
        x.reasons
            .iter()
            .any(|r| r.reason == WithheldReason::PatientOptOut)
    }));
    v.break_glass = true;
    assert!(
        decide(&policy, &v, &record).iter().all(Decision::allowed),
        "break-glass overrides opt-out by policy"
    );
    let mut v = viewer(&policy, "nurse");
    v.relationship = "none".to_owned();
    let d = decide(&policy, &v, &record);
    assert!(d.iter().all(|x| {
        x.reasons
            .iter()
            .any(|r| r.reason == WithheldReason::NoRelationship)
    }));
    v.break_glass = true;
    let d = decide(&policy, &v, &record);
    assert!(d.iter().all(|x| {
        !x.reasons
            .iter()
            .any(|r| r.reason == WithheldReason::NoRelationship)
    }));
    assert!(
        d.iter().any(|x| !x.allowed()),
        "break-glass does not widen the role: sensitive items stay withheld"
    );
}

#[test]
fn deny_overrides_allow_and_non_participants_are_withheld() {
    let mut policy = Policy::default_uk().expect("default");
    policy.deny.push(DenyRule {
        id: "no-documents-for-gps".into(),
        roles: vec!["gp".into()],
        sections: vec!["documents".into()],
        categories: vec![crate::model::SensitiveCategory::Safeguarding],
    });
    let record = demo_record();
    let d = decide(&policy, &viewer(&policy, "gp"), &record);
    for (e, x) in record.entries.iter().zip(&d) {
        let safeguarding = e
            .sensitivity
            .iter()
            .any(|s| s.category == crate::model::SensitiveCategory::Safeguarding);
        assert_eq!(
            !x.allowed(),
            e.section == Section::Documents || safeguarding,
            "{}",
            e.title
        );
    }
    let mut policy = Policy::default_uk().expect("default");
    policy.participating_organisations = vec!["Y90001".into()];
    let d = decide(&policy, &viewer(&policy, "gp"), &record);
    for (e, x) in record.entries.iter().zip(&d) {
        let from_gp = e
            .provenance
            .iter()
            .any(|p| p.organisation.ods_code.as_deref() == Some("Y90001"));
        assert_eq!(x.allowed(), from_gp, "{}", e.title);
    }
}

/// A policy written before the summary's codes became kebab-case names `care_team` and
/// `care_plans`: it loads, and means what it meant.
#[test]
fn a_policy_with_the_earlier_section_spellings_means_the_same() {
    let current = Policy::default_uk().expect("default policy");
    let earlier = DEFAULT_POLICY_JSON
        .replace("\"care-team\"", "\"care_team\"")
        .replace("\"care-plans\"", "\"care_plans\"");
    assert_ne!(
        earlier, DEFAULT_POLICY_JSON,
        "the default policy names both sections"
    );
    let earlier = Policy::from_json(&earlier).expect("the earlier spelling loads");
    assert_eq!(earlier.roles, current.roles);
    assert_eq!(earlier.deny, current.deny);
    assert_eq!(earlier.inference, current.inference);
}
