//! What reading one source found, in a few numbers: for a host that lists its sources
//! before merging (metadata only, never record content).

use serde::{Deserialize, Serialize};

use super::{FhirVersion, SourceRecord};
use crate::model::{FhirDate, Organisation};

/// What reading one source found (metadata only, no record content).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceReport {
    /// Who supplied it (as given, or as read from the document).
    pub organisation: Organisation,
    /// The FHIR version it was read as.
    pub fhir_version: FhirVersion,
    /// Items it contributes, before any access decision.
    pub items: i64,
    /// Resources read.
    pub resources_read: i64,
    /// Resources read but not in the record (entered in error, unsupported, …).
    pub skipped: i64,
    /// Its latest `lastUpdated`, as recorded.
    pub as_of: Option<FhirDate>,
    /// The full ingest report as JSON (what `icr ingest --json` prints).
    pub report_json: String,
}

impl SourceRecord {
    /// What reading this source found.
    pub fn overview(&self) -> SourceReport {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let report = &self.report;
        SourceReport {
            organisation: self.organisation.clone(),
            fhir_version: self.fhir_version,
            items: count(report.entries.values().sum()),
            resources_read: count(report.resources_read.values().sum()),
            skipped: count(report.skipped.len()),
            as_of: self.as_of.clone(),
            report_json: serde_json::to_string(report).unwrap_or_default(),
        }
    }
}
