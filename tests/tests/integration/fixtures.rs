//! Record-building steps more than one whole-flow test module takes.

use icr_core::model::Section;
use icr_core::summary::{PatientSummary, SummarySection};
use icr_core::{IngestOptions, SourceRecord};

/// The demo's five sources, each ingested for the demo patient with its organisation.
pub(crate) fn demo_sources() -> Vec<SourceRecord> {
    icr_core::demo::sources()
        .into_iter()
        .map(|src| {
            let options = IngestOptions {
                expected_patient: icr_core::demo::patient(),
                organisation: Some(src.organisation.clone()),
                ..IngestOptions::default()
            };
            icr_core::ingest(src.json, &options)
                .unwrap_or_else(|e| panic!("{}: ingest failed: {e}", src.file))
        })
        .collect()
}

/// A summary's section by key (every section is always present, shown or not).
pub(crate) fn section(summary: &PatientSummary, key: Section) -> &SummarySection {
    summary
        .sections
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("no {} section", key.key()))
}
