//! Record-building steps more than one whole-flow test module takes.

use icr_core::SourceRecord;
use icr_core::model::Section;
use icr_core::summary::{PatientSummary, SummarySection};

/// The demo's five sources, each ingested for the demo patient with its organisation.
pub(crate) fn demo_sources() -> Vec<SourceRecord> {
    icr_core::demo::source_records().unwrap_or_else(|e| panic!("a demo source did not ingest: {e}"))
}

/// A summary's section by key (every section is always present, shown or not).
pub(crate) fn section(summary: &PatientSummary, key: Section) -> &SummarySection {
    summary
        .sections
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no {} section", key.key()))
}
