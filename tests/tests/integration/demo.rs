//! The built-in demo patient, ingested, merged and summarised as a host would, checked
//! against the story of `icr-core/demo/README.md` ("What the demo must show").

use icr_core::merge::SourceStatus;
use icr_core::model::Section;
use icr_core::model::{AllergyStatus, CareSetting, ChangeKind, Detail, Entry, SensitiveCategory};
use icr_core::summary::SummarySection;
use icr_core::{IngestOptions, PatientSummary, SharedCareRecord, SourceRecord};

/// The day the summary is built for.
fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 25)
}

fn records() -> Vec<SourceRecord> {
    icr_core::demo::sources()
        .into_iter()
        .map(|src| {
            let options = IngestOptions {
                expected_patient: icr_core::demo::patient(),
                organisation: Some(src.organisation.clone()),
                ..Default::default()
            };
            icr_core::ingest(src.json, &options)
                .unwrap_or_else(|e| panic!("{}: ingest failed: {e}", src.file))
        })
        .collect()
}

fn record() -> SharedCareRecord {
    icr_core::merge(records(), vec![])
}

fn summary() -> PatientSummary {
    PatientSummary::unrestricted(&record(), today())
}

fn section(summary: &PatientSummary, key: Section) -> &SummarySection {
    summary
        .sections
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no {} section", key.key()))
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

#[test]
fn all_five_sources_ingest_and_are_ok() {
    let records = records();
    assert_eq!(records.len(), 5);
    for r in &records {
        assert!(
            !r.entries.is_empty(),
            "{} gave no items",
            r.organisation.name
        );
        assert!(
            r.report
                .skipped
                .iter()
                .all(|s| s.reason != icr_core::ingest::SkipReason::OtherPatient)
        );
    }
    let summary = PatientSummary::unrestricted(&icr_core::merge(records, vec![]), today());
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
