//! The codes the record's enums have in the summary JSON and everywhere else they are
//! written (panel attributes, audit reasons): read from each enum's serde names, so every
//! code is written once, in the enum's `#[serde(rename_all = "kebab-case")]`. Every code
//! in the summary JSON is kebab-case; every field name is snake_case.

use serde::Serialize;

/// The JSON code of an enum value: the string of a fieldless variant, the `kind` tag of
/// an internally tagged one, or the variant name of one with data.
pub fn code_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => match m.get("kind") {
            Some(serde_json::Value::String(kind)) => kind.clone(),
            _ => m.keys().next().cloned().unwrap_or_default(),
        },
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::code_of;
    use crate::model::{
        AllergyStatus, CareSetting, ChangeKind, FlagBasis, ItemWarningCode, LabelBasis, ResultFlag,
        Section, SectionNoteKind, SensitiveCategory, SourceStatus, WarningCode, WithheldReason,
    };
    use crate::summary::Freshness;

    fn codes<T: serde::Serialize>(values: &[T]) -> Vec<String> {
        values.iter().map(code_of).collect()
    }

    /// Every code of every enum in the summary JSON, listed: a change to any of them is a
    /// change of the JSON's shape (bump `SCHEMA_VERSION`) and shows here.
    #[test]
    fn every_code_in_the_summary_json_is_listed_and_kebab_case() {
        use Section as S;
        let listed: Vec<(&str, Vec<String>, &[&str])> = vec![
            (
                "Section",
                codes(&S::ALL),
                &[
                    "alerts",
                    "allergies",
                    "medications",
                    "problems",
                    "investigations",
                    "observations",
                    "immunisations",
                    "encounters",
                    "appointments",
                    "referrals",
                    "procedures",
                    "documents",
                    "care-plans",
                    "care-team",
                    "contacts",
                ],
            ),
            (
                "AllergyStatus",
                codes(&[
                    AllergyStatus::Active,
                    AllergyStatus::Resolved,
                    AllergyStatus::Unknown,
                ]),
                &["active", "resolved", "unknown"],
            ),
            (
                "ChangeKind",
                codes(&[
                    ChangeKind::Started,
                    ChangeKind::Stopped,
                    ChangeKind::Completed,
                    ChangeKind::DoseChanged,
                ]),
                &["started", "stopped", "completed", "dose-changed"],
            ),
            (
                "ItemWarningCode",
                codes(&[
                    ItemWarningCode::Contradiction,
                    ItemWarningCode::AllergyToActiveMedicine,
                    ItemWarningCode::EndDateInFuture,
                    ItemWarningCode::EndBeforeStart,
                ]),
                &[
                    "contradiction",
                    "allergy-to-active-medicine",
                    "end-date-in-future",
                    "end-before-start",
                ],
            ),
            (
                "ResultFlag",
                codes(&[
                    ResultFlag::Normal,
                    ResultFlag::High,
                    ResultFlag::Low,
                    ResultFlag::Abnormal,
                    ResultFlag::CriticalHigh,
                    ResultFlag::CriticalLow,
                    ResultFlag::CriticalAbnormal,
                    ResultFlag::Detected,
                    ResultFlag::NotDetected,
                ]),
                &[
                    "normal",
                    "high",
                    "low",
                    "abnormal",
                    "critical-high",
                    "critical-low",
                    "critical-abnormal",
                    "detected",
                    "not-detected",
                ],
            ),
            (
                "FlagBasis",
                codes(&[
                    FlagBasis::Interpretation,
                    FlagBasis::ReferenceRange,
                    FlagBasis::CodedValue,
                ]),
                &["interpretation", "reference-range", "coded-value"],
            ),
            (
                "CareSetting",
                codes(&[
                    CareSetting::GeneralPractice,
                    CareSetting::Acute,
                    CareSetting::MentalHealth,
                    CareSetting::Community,
                    CareSetting::SocialCare,
                    CareSetting::OutOfHours,
                    CareSetting::Ambulance,
                    CareSetting::Unknown,
                ]),
                &[
                    "general-practice",
                    "acute",
                    "mental-health",
                    "community",
                    "social-care",
                    "out-of-hours",
                    "ambulance",
                    "unknown",
                ],
            ),
            (
                "SensitiveCategory",
                codes(&[
                    SensitiveCategory::MentalHealth,
                    SensitiveCategory::SubstanceMisuse,
                    SensitiveCategory::Hiv,
                    SensitiveCategory::SexualHealth,
                    SensitiveCategory::Fertility,
                    SensitiveCategory::Termination,
                    SensitiveCategory::GenderReassignment,
                    SensitiveCategory::Safeguarding,
                    SensitiveCategory::Genetic,
                    SensitiveCategory::Restricted,
                ]),
                &[
                    "mental-health",
                    "substance-misuse",
                    "hiv",
                    "sexual-health",
                    "fertility",
                    "termination",
                    "gender-reassignment",
                    "safeguarding",
                    "genetic",
                    "restricted",
                ],
            ),
            (
                "LabelBasis",
                codes(&[
                    LabelBasis::SecurityLabel,
                    LabelBasis::Code,
                    LabelBasis::ItemKind,
                    LabelBasis::CareSetting,
                    LabelBasis::Linked,
                ]),
                &[
                    "security-label",
                    "code",
                    "item-kind",
                    "care-setting",
                    "linked",
                ],
            ),
            (
                "WarningCode",
                codes(&[
                    WarningCode::ConfidentialItems,
                    WarningCode::DataInTransit,
                    WarningCode::DataAwaitingFiling,
                    WarningCode::ItemsNotSupported,
                    WarningCode::SupplierMessage,
                    WarningCode::InvalidDate,
                    WarningCode::InvalidValue,
                    WarningCode::Other("x".into()),
                ]),
                &[
                    "confidential-items",
                    "data-in-transit",
                    "data-awaiting-filing",
                    "items-not-supported",
                    "supplier-message",
                    "invalid-date",
                    "invalid-value",
                    "other",
                ],
            ),
            (
                "SectionNoteKind",
                codes(&[
                    SectionNoteKind::NilKnown,
                    SectionNoteKind::NoContentRecorded,
                    SectionNoteKind::Withheld,
                    SectionNoteKind::Unavailable,
                    SectionNoteKind::NotAsked,
                    SectionNoteKind::Other("x".into()),
                ]),
                &[
                    "nil-known",
                    "no-content-recorded",
                    "withheld",
                    "unavailable",
                    "not-asked",
                    "other",
                ],
            ),
            (
                "WithheldReason",
                codes(&[
                    WithheldReason::RoleSection,
                    WithheldReason::SensitiveCategory("hiv".into()),
                    WithheldReason::Inference,
                    WithheldReason::Linked,
                    WithheldReason::PatientOptOut,
                    WithheldReason::NoRelationship,
                    WithheldReason::NonParticipating,
                ]),
                &[
                    "role-section",
                    "sensitive-category",
                    "inference",
                    "linked",
                    "patient-opt-out",
                    "no-relationship",
                    "non-participating",
                ],
            ),
            (
                "SourceStatus",
                codes(&[
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
                ]),
                &[
                    "ok",
                    "unavailable",
                    "timed-out",
                    "refused",
                    "too-large",
                    "invalid-response",
                    "identity-mismatch",
                    "identity-unconfirmed",
                    "access-denied",
                    "patient-not-found",
                    "patient-dissent",
                    "not-requested",
                ],
            ),
            (
                "Freshness",
                codes(&[Freshness::Current, Freshness::Stale, Freshness::AgeUnknown]),
                &["current", "stale", "age-unknown"],
            ),
        ];
        for (name, found, expected) in listed {
            assert_eq!(found, expected, "{name}");
            for code in &found {
                let kebab = !code.is_empty()
                    && code.split('-').all(|w| {
                        !w.is_empty()
                            && w.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    });
                assert!(kebab, "{name}: {code} is not kebab-case");
            }
        }
    }

    #[test]
    fn the_methods_that_name_codes_agree_with_the_json() {
        for s in Section::ALL {
            assert_eq!(s.key(), code_of(&s));
        }
        let record = crate::demo::record().expect("demo record");
        let mut kinds = std::collections::BTreeSet::new();
        for item in &record.entries {
            assert_eq!(item.detail.kind(), code_of(&item.detail));
            kinds.insert(item.detail.kind());
        }
        assert!(
            kinds.len() >= 12,
            "the demo has most kinds of item: {kinds:?}"
        );
    }
}
