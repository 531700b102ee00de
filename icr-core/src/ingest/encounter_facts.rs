//! What an encounter's codes say about the kind of care: an admission, an emergency, an
//! attendance at the emergency department. The risk signals count these by code (HL7 v3
//! `ActCode` classes, the UK Core admission method, HL7 admission sources and
//! priorities, SNOMED CT types), never by the words a source chose to show.

use crate::fhir::datatypes::CodeableConcept;
use crate::fhir::resources::Encounter;
use crate::model::{EncounterClass, EncounterFacts, concept_id};

/// The UK Core (and earlier CareConnect) admission method extension's URL ends so.
const ADMISSION_METHOD: &str = "AdmissionMethod";

/// The facts of one encounter.
pub(super) fn of(enc: &Encounter<'_>) -> EncounterFacts {
    let class = enc
        .class
        .as_ref()
        .and_then(|c| c.code.as_ref())
        .map(|code| class_of(code.as_str()));
    let hospitalization = enc.hospitalization.as_ref();
    let emergency_method = hospitalization.is_some_and(|h| {
        h.extension
            .iter()
            .filter(|e| {
                e.url
                    .as_ref()
                    .is_some_and(|u| u.as_str().ends_with(ADMISSION_METHOD))
            })
            .filter_map(|e| e.value_codeable_concept.as_ref())
            .any(|c| has_code(c, is_emergency_admission_method))
    });
    let from_emergency_department = hospitalization
        .and_then(|h| h.admit_source.as_ref())
        .is_some_and(|c| has_code(c, |code| code == "emd"));
    let emergency_priority = enc
        .priority
        .as_ref()
        .is_some_and(|c| has_code(c, |code| code == "EM"));
    let mut types: Vec<u64> = enc
        .type_
        .iter()
        .flat_map(|t| t.coding.iter())
        .filter_map(|c| {
            concept_id(
                c.system.as_ref().map(|s| s.as_str()),
                c.code.as_ref().map(|s| s.as_str()),
            )
        })
        .collect();
    types.sort_unstable();
    types.dedup();
    EncounterFacts {
        class,
        emergency: emergency_method || from_emergency_department || emergency_priority,
        types,
    }
}

/// The group of an HL7 v3 `ActCode` encounter class.
fn class_of(code: &str) -> EncounterClass {
    match code {
        "IMP" | "ACUTE" | "NONAC" | "SS" => EncounterClass::Inpatient,
        "EMER" => EncounterClass::Emergency,
        _ => EncounterClass::Other,
    }
}

/// The NHS Data Dictionary's admission methods of the emergency group: `21`–`28` and
/// `2A`–`2D` (emergency via the emergency department, GP, bed bureau, clinic, mental
/// health crisis team, other provider's department, …).
fn is_emergency_admission_method(code: &str) -> bool {
    code.len() == 2 && code.starts_with('2')
}

fn has_code(concept: &CodeableConcept<'_>, test: impl Fn(&str) -> bool) -> bool {
    concept
        .coding
        .iter()
        .filter_map(|c| c.code.as_ref())
        .any(|code| test(code.as_str().trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_methods_of_the_emergency_group_are_emergencies() {
        for code in ["21", "22", "23", "24", "25", "28", "2A", "2B", "2C", "2D"] {
            assert!(is_emergency_admission_method(code), "{code}");
        }
        for code in ["11", "12", "13", "31", "32", "81", "82", "83", "2", "210"] {
            assert!(!is_emergency_admission_method(code), "{code}");
        }
    }

    #[test]
    fn classes_group_as_the_signals_need() {
        assert_eq!(class_of("IMP"), EncounterClass::Inpatient);
        assert_eq!(class_of("ACUTE"), EncounterClass::Inpatient);
        assert_eq!(class_of("SS"), EncounterClass::Inpatient);
        assert_eq!(class_of("EMER"), EncounterClass::Emergency);
        assert_eq!(class_of("AMB"), EncounterClass::Other);
        assert_eq!(class_of("HH"), EncounterClass::Other);
        assert_eq!(class_of("emer"), EncounterClass::Other);
    }
}
