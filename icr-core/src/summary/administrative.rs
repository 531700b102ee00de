//! The administrative view: what a role that books and contacts (a receptionist) may see
//! of an item it is allowed: who, when, where and from which organisation, never what.
//!
//! A GP diary entry or an appointment is titled by its clinical purpose ("Ischaemic heart
//! disease", "Antenatal screening"), and its reasons and notes are clinical: shown to a
//! receptionist they reveal the problems the policy withholds from them. So the item is
//! shown by its kind, without its title, code, reasons, notes, discrepancies and
//! warnings; a care team without its members' roles; a contact as it is. Any other kind
//! of item is not administrative and is withheld.

use crate::model::{Detail, Entry};

/// The entry as an administrative role sees it, or `None` when its kind is clinical.
pub(crate) fn redact(mut e: Entry) -> Option<Entry> {
    let label = match &mut e.detail {
        Detail::Appointment { reasons, .. } => {
            reasons.clear();
            "Appointment or planned care"
        }
        Detail::Referral { reasons, .. } => {
            reasons.clear();
            "Referral"
        }
        Detail::Encounter {
            reasons, discharge, ..
        } => {
            reasons.clear();
            *discharge = None;
            "Encounter"
        }
        Detail::CareTeam { members } => {
            for m in members.iter_mut() {
                m.role = None;
            }
            "Care team"
        }
        Detail::Contact { .. } => return Some(e),
        _ => return None,
    };
    e.title = label.to_owned();
    e.code = None;
    e.notes.clear();
    e.discrepancies.clear();
    e.warnings.clear();
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Code, Section};

    fn diary_entry() -> Entry {
        Entry {
            id: "A1/ProcedureRequest/1".to_owned(),
            section: Section::Appointments,
            title: "Ischaemic heart disease".to_owned(),
            code: Some(Code {
                system: Some(crate::model::SNOMED.to_owned()),
                code: Some("414545008".to_owned()),
                display: Some("Ischaemic heart disease".to_owned()),
                description_id: None,
            }),
            status: Some("active".to_owned()),
            date: crate::model::FhirDate::parse("2022-11-17"),
            end_date: None,
            recorded: None,
            detail: Detail::Appointment {
                participants: vec!["Dr Brooks".to_owned()],
                reasons: vec!["Angina review".to_owned()],
            },
            notes: vec!["Added from a problem within a consultation".to_owned()],
            provenance: Vec::new(),
            sensitivity: Vec::new(),
            discrepancies: vec!["Another source records it as IHD review".to_owned()],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn an_appointment_keeps_who_and_when_and_loses_what() {
        let shown = redact(diary_entry()).unwrap();
        let json = serde_json::to_string(&shown).unwrap();
        for clinical in ["Ischaemic", "414545008", "Angina", "problem", "IHD"] {
            assert!(!json.contains(clinical), "{clinical} in {json}");
        }
        assert_eq!(shown.title, "Appointment or planned care");
        assert!(json.contains("Dr Brooks") && json.contains("2022-11-17"));
    }

    #[test]
    fn clinical_kinds_are_not_administrative() {
        let mut e = diary_entry();
        e.detail = Detail::Problem {
            clinical_status: None,
            significance: None,
            verification: None,
        };
        assert!(redact(e).is_none());
    }
}
