//! The built-in demo patient, ingested, merged and summarised as a host would (through a
//! session opened from a demo launch token, every view audited), checked against the
//! story of `icr-core/demo/README.md` ("What the demo must show"), and against what the
//! default policy lets each role see.

use std::collections::BTreeMap;

use icr_core::audit::{AuditEntry, AuditKind, AuditOutcome};
use icr_core::demo::PATIENT_NHS_NUMBER as NHS;
use icr_core::launch::Relationship;
use icr_core::merge::SourceStatus;
use icr_core::model::Section;
use icr_core::model::{AllergyStatus, CareSetting, ChangeKind, Detail, Entry, SensitiveCategory};
use icr_core::summary::{SummarySection, WithheldReason};
use icr_core::{PatientSummary, SharedCareRecord};
use icr_test_support::clock::today;
use icr_test_support::demo::{record, source_records};
use icr_test_support::summary::{section, shown, withheld};

use crate::host::{Host, View};

/// The summary the registered GP sees: everything (checked: nothing withheld).
fn summary() -> PatientSummary {
    Host::new().gp_view(&record())
}

fn items<'s>(summary: &'s PatientSummary, key: Section, word: &str) -> Vec<&'s Entry> {
    let word = word.to_lowercase();
    section(summary, key)
        .items
        .iter()
        .filter(|e| e.title.to_lowercase().contains(&word))
        .collect()
}

fn orgs(e: &Entry) -> Vec<CareSetting> {
    e.provenance
        .iter()
        .map(|p| p.organisation.care_setting)
        .collect()
}

fn titles(s: &SummarySection) -> Vec<&str> {
    s.items.iter().map(|e| e.title.as_str()).collect()
}

/// Items withheld from one section, over all reasons.
fn withheld_in(s: &SummarySection) -> usize {
    s.withheld
        .iter()
        .map(|w| usize::try_from(w.count).expect("a count"))
        .sum()
}

/// The section keys with items, in summary order.
fn sections_shown(summary: &PatientSummary) -> Vec<String> {
    summary
        .sections
        .iter()
        .filter(|s| !s.items.is_empty())
        .map(|s| s.key.key().to_owned())
        .collect()
}

/// Every section of `view` accounts for each item the GP sees there: shown or counted as
/// withheld. With the GP seeing the whole record, nothing is silently dropped.
fn assert_accounted(view: &PatientSummary, gp: &PatientSummary, record: &SharedCareRecord) {
    for s in &view.sections {
        assert_eq!(
            s.items.len() + withheld_in(s),
            section(gp, s.key).items.len(),
            "{}: shown {} + withheld {:?} is not what the GP sees",
            s.key.key(),
            s.items.len(),
            s.withheld
        );
    }
    assert_eq!(shown(view) + withheld(view), record.len());
}

#[test]
fn all_five_sources_ingest_and_are_ok() {
    let records = source_records();
    assert_eq!(records.len(), 5);
    for r in &records {
        assert!(
            r.report().entries.values().sum::<usize>() > 0,
            "{} gave no items",
            r.organisation().name
        );
        assert!(
            r.report()
                .skipped
                .iter()
                .all(|s| s.reason != icr_core::ingest::SkipReason::OtherPatient)
        );
        assert_eq!(r.nhs_number().map(|n| n.as_str()), Some(NHS));
    }
    let summary = Host::new().gp_view(&icr_core::merge(records, vec![]));
    assert_eq!(summary.as_of, today().to_string());
    assert_eq!(summary.sources.len(), 5);
    for s in &summary.sources {
        assert_eq!(s.status, SourceStatus::Ok, "{}", s.name);
        assert!(s.items > 0, "{} contributes no items", s.name);
    }
    let settings: Vec<CareSetting> = summary.sources.iter().map(|s| s.care_setting).collect();
    assert_eq!(
        settings,
        [
            CareSetting::GeneralPractice,
            CareSetting::Acute,
            CareSetting::MentalHealth,
            CareSetting::SocialCare,
            CareSetting::OutOfHours
        ]
    );
}

#[test]
fn the_banner_names_the_patient() {
    let summary = summary();
    let banner = summary.patient.as_ref().expect("a banner");
    assert_eq!(banner.name, "THORNTON, Margaret Ann (Mrs)");
    assert_eq!(banner.nhs_number_display.as_deref(), Some("999 000 0026"));
    assert_eq!(banner.nhs_number.as_deref(), Some("9990000026"));
    assert_eq!(banner.birth_date_display.as_deref(), Some("12-Mar-1948"));
    assert_eq!(banner.age_years, Some(78));
    assert!(
        summary.demographic_discrepancies.is_empty(),
        "{:?}",
        summary.demographic_discrepancies
    );
}

#[test]
fn the_safeguarding_alert_comes_first() {
    let summary = summary();
    let first = summary.sections.first().expect("sections");
    assert_eq!(first.key, Section::Alerts);
    let alert = first
        .items
        .iter()
        .find(|e| e.title.contains("safeguarding"))
        .unwrap_or_else(|| panic!("no safeguarding alert: {:?}", titles(first)));
    assert!(matches!(alert.detail, Detail::Alert { .. }));
    assert_eq!(alert.status.as_deref(), Some("active"));
    assert_eq!(orgs(alert), [CareSetting::SocialCare]);
    assert!(
        alert
            .sensitivity
            .iter()
            .any(|s| s.category == SensitiveCategory::Safeguarding)
    );
    // Above every clinical section that has items.
    let first_with_items = summary
        .sections
        .iter()
        .find(|s| !s.items.is_empty())
        .map(|s| s.key);
    assert_eq!(first_with_items, Some(Section::Alerts));
}

#[test]
fn penicillin_allergy_is_one_item_from_gp_and_hospital() {
    let summary = summary();
    let penicillin = items(&summary, Section::Allergies, "penicillin");
    assert_eq!(
        penicillin.len(),
        1,
        "{:?}",
        titles(section(&summary, Section::Allergies))
    );
    let item = penicillin[0];
    assert_eq!(item.provenance.len(), 2);
    assert_eq!(
        orgs(item),
        [CareSetting::GeneralPractice, CareSetting::Acute]
    );
    assert_eq!(
        item.code.as_ref().and_then(|c| c.code.as_deref()),
        Some("91936005")
    );
    assert!(matches!(
        item.detail,
        Detail::Allergy {
            clinical_status: AllergyStatus::Active,
            ..
        }
    ));
    // The ended Elastoplast allergy is shown, but as resolved.
    let elastoplast = items(&summary, Section::Allergies, "elastoplast");
    assert_eq!(elastoplast.len(), 1);
    assert!(matches!(
        elastoplast[0].detail,
        Detail::Allergy {
            clinical_status: AllergyStatus::Resolved,
            ..
        }
    ));
}

#[test]
fn ibuprofen_is_stopped() {
    let summary = summary();
    let ibuprofen = items(&summary, Section::Medications, "ibuprofen");
    assert!(!ibuprofen.is_empty());
    for item in &ibuprofen {
        assert_eq!(item.status.as_deref(), Some("stopped"), "{}", item.id);
        assert!(!icr_core::merge::is_current_medication(item));
        let Detail::Medication(m) = &item.detail else {
            panic!("not a medication: {:?}", item.detail);
        };
        assert!(
            m.changes.iter().any(|c| c.kind == ChangeKind::Stopped),
            "{:?}",
            m.changes
        );
    }
    let by: Vec<CareSetting> = ibuprofen.iter().flat_map(|e| orgs(e)).collect();
    assert!(by.contains(&CareSetting::GeneralPractice) && by.contains(&CareSetting::Acute));
}

/// Current ramipril items.
fn current_ramipril(summary: &PatientSummary) -> Vec<&Entry> {
    items(summary, Section::Medications, "ramipril")
        .into_iter()
        .filter(|e| icr_core::merge::is_current_medication(e))
        .collect()
}

#[test]
fn current_ramipril_shows_the_dose_change() {
    let summary = summary();
    let current = current_ramipril(&summary);
    assert!(!current.is_empty());
    for item in &current {
        assert!(item.title.contains("2.5"), "{}", item.title);
        let Detail::Medication(m) = &item.detail else {
            panic!("not a medication");
        };
        assert!(
            m.changes.iter().any(|c| c.kind == ChangeKind::DoseChanged),
            "{}: {:?}",
            item.id,
            m.changes
        );
    }
    // The ended 5 mg is a separate, not current, item.
    let five: Vec<&Entry> = items(&summary, Section::Medications, "ramipril 5")
        .into_iter()
        .filter(|e| !icr_core::merge::is_current_medication(e))
        .collect();
    assert_eq!(five.len(), 1);
}

#[test]
fn gp_and_hospital_ramipril_2_5_mg_is_one_fact() {
    // README: "GP 2.5 mg and hospital 2.5 mg are the same fact (dm+d 318901006)".
    let summary = summary();
    let current = current_ramipril(&summary);
    let ids: Vec<&str> = current.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(current.len(), 1, "current ramipril items: {ids:?}");
    assert_eq!(
        orgs(current[0]),
        [CareSetting::GeneralPractice, CareSetting::Acute]
    );
    assert!(
        current[0].discrepancies.is_empty(),
        "{:?}",
        current[0].discrepancies
    );
}

#[test]
fn depression_is_labelled_mental_health() {
    let summary = summary();
    let depression = items(&summary, Section::Problems, "depressive");
    assert!(!depression.is_empty());
    for item in &depression {
        assert!(
            item.sensitivity
                .iter()
                .any(|s| s.category == SensitiveCategory::MentalHealth),
            "{}: {:?}",
            item.id,
            item.sensitivity
        );
    }
    let by: Vec<CareSetting> = depression.iter().flat_map(|e| orgs(e)).collect();
    assert!(by.contains(&CareSetting::GeneralPractice) && by.contains(&CareSetting::MentalHealth));
    // Harmful use of alcohol is substance misuse.
    let alcohol = items(&summary, Section::Problems, "alcohol");
    assert_eq!(alcohol.len(), 1);
    assert!(
        alcohol[0]
            .sensitivity
            .iter()
            .any(|s| s.category == SensitiveCategory::SubstanceMisuse)
    );
}

#[test]
fn gp_referral_to_the_mental_health_trust_is_in_referrals() {
    let summary = summary();
    let referrals = section(&summary, Section::Referrals);
    let found = referrals.items.iter().any(|e| {
        let Detail::Referral { recipients, .. } = &e.detail else {
            return false;
        };
        orgs(e).contains(&CareSetting::GeneralPractice)
            && recipients
                .iter()
                .any(|r| r == "Northgate Mental Health NHS Foundation Trust")
    });
    assert!(found, "{:?}", referrals.items);
}

#[test]
fn there_is_an_out_of_hours_encounter() {
    let summary = summary();
    let encounters = section(&summary, Section::Encounters);
    let ooh: Vec<&Entry> = encounters
        .items
        .iter()
        .filter(|e| orgs(e) == [CareSetting::OutOfHours])
        .collect();
    assert_eq!(ooh.len(), 1, "{:?}", titles(encounters));
    assert_eq!(
        ooh[0].date.as_ref().map(|d| d.as_str()),
        Some("2026-11-08T22:40:00+00:00")
    );
}

#[test]
fn social_care_package_and_named_social_worker() {
    let summary = summary();
    let plans = section(&summary, Section::CarePlans);
    let package = plans
        .items
        .iter()
        .find(|e| e.title.to_lowercase().contains("package of care"))
        .unwrap_or_else(|| panic!("no package of care: {:?}", titles(plans)));
    assert_eq!(orgs(package), [CareSetting::SocialCare]);
    let team = section(&summary, Section::CareTeam);
    let social_worker = team.items.iter().any(|e| {
        let Detail::CareTeam { members } = &e.detail else {
            return false;
        };
        members.iter().any(|m| {
            m.name.contains("Priya Shah")
                && m.role
                    .as_deref()
                    .is_some_and(|r| r.to_lowercase().contains("social worker"))
        })
    });
    assert!(social_worker, "{:?}", titles(team));
}

#[test]
fn the_summary_is_deterministic() {
    let a = serde_json::to_string(&summary()).unwrap();
    let b = serde_json::to_string(&summary()).unwrap();
    assert!(a == b, "two builds of the demo summary differ");
    assert!(a.len() > 1000);
}

#[test]
fn the_receptionist_sees_only_appointments_and_contacts() {
    let record = record();
    let host = Host::new();
    let gp = host.gp_view(&record);
    let view = host
        .view(&record, "receptionist", Relationship::RegisteredGp)
        .summary;
    for s in &view.sections {
        if matches!(s.key, Section::Appointments | Section::Contacts) {
            continue;
        }
        assert!(
            s.items.is_empty(),
            "receptionist sees {}: {:?}",
            s.key.key(),
            titles(s)
        );
        // Every other section is withheld for the role, never for what the items are.
        assert!(
            s.withheld
                .iter()
                .all(|w| w.reason == WithheldReason::RoleSection),
            "{}: {:?}",
            s.key.key(),
            s.withheld
        );
    }
    assert_accounted(&view, &gp, &record);
    // The role sees both of its sections.
    for key in [Section::Appointments, Section::Contacts] {
        assert!(
            !section(&view, key).items.is_empty(),
            "receptionist sees no {}",
            key.key()
        );
    }
    // Most of the record is withheld, and the banner is still shown.
    assert!(
        withheld(&view) > shown(&view),
        "{} withheld",
        withheld(&view)
    );
    assert_eq!(
        view.patient.as_ref().and_then(|b| b.nhs_number.as_deref()),
        Some(NHS)
    );
}

#[test]
fn the_social_worker_sees_no_investigations_and_no_mental_health() {
    let record = record();
    let host = Host::new();
    let gp = host.gp_view(&record);
    let view = host
        .view(&record, "social-worker", Relationship::CareTeam)
        .summary;

    // No results: investigations (and observations) are withheld whole, and counted.
    for key in [Section::Investigations, Section::Observations] {
        let s = section(&view, key);
        assert!(s.items.is_empty(), "{}: {:?}", key.key(), titles(s));
        assert!(
            !section(&gp, key).items.is_empty(),
            "the GP sees {}",
            key.key()
        );
    }
    assert!(withheld_in(section(&view, Section::Investigations)) > 0);

    // No mental-health item: none labelled so, none only from the mental-health trust.
    let shown_items: Vec<&Entry> = view.sections.iter().flat_map(|s| s.items.iter()).collect();
    for e in &shown_items {
        assert!(
            !e.sensitivity
                .iter()
                .any(|s| s.category == SensitiveCategory::MentalHealth),
            "mental-health item shown: {}",
            e.title
        );
        assert!(
            orgs(e).iter().any(|c| *c != CareSetting::MentalHealth),
            "item from the mental-health trust shown: {}",
            e.title
        );
    }
    assert!(
        view.sections
            .iter()
            .flat_map(|s| s.withheld.iter())
            .any(|w| { w.reason == WithheldReason::SensitiveCategory("mental-health".to_owned()) }),
        "no mental-health withholding counted"
    );
    // Not a word of it anywhere in what the host is given, while the GP sees all three.
    let json = serde_json::to_string(&view).unwrap().to_lowercase();
    let gp_json = serde_json::to_string(&gp).unwrap().to_lowercase();
    for word in ["sertraline", "depressive", "phq-9"] {
        assert!(gp_json.contains(word), "the GP's summary lacks {word:?}");
        assert!(
            !json.contains(word),
            "the social worker's summary mentions {word:?}"
        );
    }

    // What the role is for is there: the safeguarding alert, the package of care.
    assert!(!items(&view, Section::Alerts, "safeguarding").is_empty());
    assert!(!items(&view, Section::CarePlans, "package of care").is_empty());

    // Every withheld item is counted.
    assert_accounted(&view, &gp, &record);
}

#[test]
fn every_view_is_audited_with_the_sections_shown() {
    let record = record();
    let host = Host::new();
    let roles = [
        ("gp", Relationship::RegisteredGp),
        ("receptionist", Relationship::RegisteredGp),
        ("social-worker", Relationship::CareTeam),
    ];
    let views: Vec<(&str, View)> = roles
        .iter()
        .map(|&(role, relationship)| (role, host.view(&record, role, relationship)))
        .collect();
    let entries = host.audit.entries();
    let viewed: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| e.record.kind == AuditKind::RecordViewed)
        .collect();
    assert_eq!(viewed.len(), views.len(), "one RecordViewed per view");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.record.kind == AuditKind::SessionOpened)
            .count(),
        views.len()
    );
    for (role, view) in &views {
        let mine: Vec<&&AuditEntry> = viewed
            .iter()
            .filter(|e| e.record.session_id == view.session_id)
            .collect();
        assert_eq!(mine.len(), 1, "{role}: RecordViewed entries");
        let r = &mine[0].record;
        assert_eq!(r.role, *role);
        assert_eq!(r.outcome, AuditOutcome::Success, "{role}");
        assert_eq!(r.patient.as_deref(), Some(NHS), "{role}");
        assert_eq!(r.sections, sections_shown(&view.summary), "{role}");
        assert!(!r.sections.is_empty(), "{role} saw nothing");
        // The withheld counts, per section, are the summary's.
        let mut audited: BTreeMap<&str, usize> = BTreeMap::new();
        for w in &r.withheld {
            *audited.entry(w.section.as_str()).or_default() += w.count;
        }
        let shown_withheld: BTreeMap<&str, usize> = view
            .summary
            .sections
            .iter()
            .filter(|s| !s.withheld.is_empty())
            .map(|s| (s.key.key(), withheld_in(s)))
            .collect();
        assert_eq!(audited, shown_withheld, "{role}");
    }
    // The GP's view lists every section with items; the others fewer.
    let sections = |role: &str| {
        views
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, v)| sections_shown(&v.summary).len())
            .unwrap_or_default()
    };
    assert!(sections("receptionist") < sections("social-worker"));
    assert!(sections("social-worker") < sections("gp"));
    assert!(sections("receptionist") <= 2);
}
