//! GP Connect `List`s: what each section holds, why it is empty, and the warnings that
//! tell a clinician something is missing (`confidential-items`, `data-in-transit`,
//! `data-awaiting-filing`). None of it may be lost.

use crate::fhir::resources::List;
use crate::model::{Section, SectionNote, SectionNoteKind, SourceWarning, WarningCode};

use super::values::{s, term};

/// Which section a GP Connect List is about, from its SNOMED code or its title.
pub(crate) fn section_of(list: &List<'_>) -> Option<Section> {
    let code = list
        .code
        .as_ref()
        .and_then(|c| c.first_code())
        .map(str::trim);
    let by_code = match code {
        Some("886921000000105" | "1103671000000101") => Some(Section::Allergies),
        Some("933361000000108") => Some(Section::Medications),
        Some("717711000000103") => Some(Section::Problems),
        Some("1102181000000102") => Some(Section::Immunisations),
        Some("887191000000108") => Some(Section::Investigations),
        Some("1149501000000101") => Some(Section::Encounters),
        Some("826501000000100") => Some(Section::Observations),
        Some("792931000000107") => Some(Section::Referrals),
        Some("714311000000108") => Some(Section::Appointments),
        _ => None,
    };
    by_code.or_else(|| {
        let title = s(&list.title).or_else(|| list.code.as_ref().and_then(term))?;
        let title = title.to_ascii_lowercase();
        // "Problems - medications related to problems": the part after the dash says
        // what the list holds.
        let what = title.split_once(" - ").map_or(title.as_str(), |(_, w)| w);
        section_by_words(what).or_else(|| section_by_words(&title))
    })
}

fn section_by_words(text: &str) -> Option<Section> {
    const WORDS: &[(&str, Section)] = &[
        ("allerg", Section::Allergies),
        ("medication", Section::Medications),
        ("immunis", Section::Immunisations),
        ("investigation", Section::Investigations),
        ("referral", Section::Referrals),
        ("document", Section::Documents),
        ("uncategorised", Section::Observations),
        ("miscellaneous", Section::Observations),
        ("diary", Section::Appointments),
        ("recall", Section::Appointments),
        ("consultation", Section::Encounters),
        ("problem", Section::Problems),
    ];
    WORDS
        .iter()
        .find(|(w, _)| text.contains(w))
        .map(|(_, s)| *s)
}

/// Warnings and empty-section notes carried by one List.
pub(crate) fn read_list(list: &List<'_>) -> (Vec<SourceWarning>, Option<SectionNote>) {
    let section = section_of(list);
    let note_text: Vec<String> = list.note.iter().filter_map(|n| s(&n.text)).collect();
    let note_text = (!note_text.is_empty()).then(|| note_text.join(" "));
    let mut warnings = Vec::new();
    for ext in list
        .extension
        .iter()
        .filter(|e| e.is("Extension-CareConnect-GPC-ListWarningCode-1"))
    {
        let Some(code) = ext.value_text() else {
            continue;
        };
        let code = match code.trim() {
            "confidential-items" => WarningCode::ConfidentialItems,
            "data-in-transit" => WarningCode::DataInTransit,
            "data-awaiting-filing" => WarningCode::DataAwaitingFiling,
            other => WarningCode::Other(other.to_owned()),
        };
        warnings.push(SourceWarning {
            code,
            section,
            text: note_text.clone(),
        });
    }
    for entry in list.entry.iter() {
        let Some(item) = &entry.item else { continue };
        if item.reference().is_none()
            && item.target().identifier.is_none()
            && let Some(display) = item.display()
        {
            warnings.push(SourceWarning {
                code: WarningCode::ItemsNotSupported,
                section,
                text: Some(display.trim().to_owned()),
            });
        }
    }
    let note = list.empty_reason.as_ref().and_then(|reason| {
        let code = reason.first_code().map(|c| c.trim().to_ascii_lowercase());
        let kind = match code.as_deref() {
            Some("nilknown" | "nil-known") => SectionNoteKind::NilKnown,
            Some("no-content-recorded" | "notstarted" | "not-started") => {
                SectionNoteKind::NoContentRecorded
            }
            Some("withheld") => SectionNoteKind::Withheld,
            Some("unavailable") => SectionNoteKind::Unavailable,
            Some("notasked" | "not-asked") => SectionNoteKind::NotAsked,
            Some(other) => SectionNoteKind::Other(other.to_owned()),
            None => SectionNoteKind::Other("unspecified".to_owned()),
        };
        Some(SectionNote {
            section: section?,
            kind,
            text: term(reason).or_else(|| note_text.clone()),
        })
    });
    (warnings, note)
}
