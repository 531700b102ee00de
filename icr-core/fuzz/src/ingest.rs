//! FHIR ingest of arbitrary bytes, then everything downstream of it.

use icr_core::IngestOptions;
use icr_core::render::{PanelOptions, panel_html};

use crate::fixtures;

/// Ingests `data` as one source. An error is fine (it is typed, and its text is short: a
/// description of what was wrong, not the input); a record must account for every resource it read, and then
/// goes through merge, an audited GP summary and the panel renderer like any source.
pub fn ingest(data: &[u8]) {
    let record = match icr_core::ingest(data, &IngestOptions::default()) {
        Ok(record) => record,
        Err(e) => {
            let text = e.to_string();
            assert!(text.len() < 400, "error text of {} bytes", text.len());
            return;
        }
    };
    let report = record.report();
    let read: usize = report.resources_read.values().sum();
    let used: usize = report.used.values().sum();
    let supporting: usize = report.supporting.values().sum();
    assert_eq!(
        used + supporting + report.skipped.len(),
        read,
        "every resource read is used, supporting or skipped"
    );
    let merged = icr_core::merge(vec![record], Vec::new());
    fixtures::with_gp_session(|session| {
        // Another patient's record is refused by the session: that is a correct outcome.
        if let Ok(summary) = session.summary(&merged) {
            let shown: usize = summary.sections.iter().map(|s| s.items.len()).sum();
            assert!(
                shown <= merged.len(),
                "more items shown than the record holds"
            );
            let html = panel_html(&summary, &PanelOptions::default());
            assert!(!html.contains("<script"), "a script element in the panel");
        }
    });
}
