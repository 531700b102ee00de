//! Reading a patient summary the way a test checks it: one section by key, and how many
//! items were shown or withheld in all.

use icr_core::model::Section;
use icr_core::summary::{PatientSummary, SummarySection};

/// A summary's section by key (every section is always present, shown or not).
pub fn section(summary: &PatientSummary, key: Section) -> &SummarySection {
    summary
        .sections
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no {} section", key.key()))
}

/// Items shown, over all sections.
pub fn shown(summary: &PatientSummary) -> usize {
    summary.sections.iter().map(|s| s.items.len()).sum()
}

/// Items withheld, over all sections and reasons.
pub fn withheld(summary: &PatientSummary) -> usize {
    summary
        .sections
        .iter()
        .flat_map(|s| s.withheld.iter())
        .map(|w| usize::try_from(w.count).expect("a count"))
        .sum()
}
