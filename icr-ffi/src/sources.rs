//! `SourceSet`: FHIR sources per organisation, merged into the `CareRecord` a session
//! views.

use std::sync::{Arc, Mutex, PoisonError};

use icr_core::SourceRecord;
use icr_core::fetch::SourceOutcome;
use icr_core::ingest::SourceReport;
use icr_core::merge::SourceStatus;
use icr_core::model::Organisation;
use icr_core::render::{self, PanelOptions};
use icr_core::summary::marshal;
use icr_core::{FailedSource, IngestOptions, NhsNumber, PatientSummary, SharedCareRecord};

use crate::error::{CoreError, IcrError, host};
use crate::live::{Live, RECORDS, SOURCE_SETS};
use crate::session::Session;
use crate::slot::Slot;
use crate::view::SummaryView;

#[derive(Default)]
struct Pending {
    records: Vec<SourceRecord>,
    failures: Vec<FailedSource>,
}

/// The sources of the session's patient's record (from the session's `source_set()`),
/// registered GP first. Each is read as it is added and checked against the patient: a
/// source about anyone else is refused with `PatientMismatch`. `merge` joins them into the
/// `CareRecord` the session views. Shared between threads (sources can be added from
/// several at once).
#[derive(uniffi::Object)]
pub struct SourceSet {
    session: Arc<Session>,
    patient: NhsNumber,
    pending: Slot<Mutex<Pending>>,
    _live: Live,
}

impl SourceSet {
    pub(crate) fn for_session(session: Arc<Session>) -> Result<Arc<SourceSet>, IcrError> {
        Ok(Arc::new(SourceSet {
            patient: session.patient()?,
            session,
            pending: Slot::new(Mutex::new(Pending::default()), "SourceSet"),
            _live: Live::new(&SOURCE_SETS),
        }))
    }

    fn add(
        &self,
        organisation: Option<Organisation>,
        bytes: &[u8],
    ) -> Result<SourceReport, IcrError> {
        let pending = self.pending.get()?;
        let options = IngestOptions {
            expected_patient: Some(self.patient.clone()),
            organisation,
            ..IngestOptions::default()
        };
        let record = icr_core::ingest(bytes, &options)?;
        let report = record.overview();
        lock(&pending).records.push(record);
        Ok(report)
    }
}

/// A count as hosts get it (Java has no unsigned integers).
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn lock(pending: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

#[uniffi::export]
impl SourceSet {
    /// Reads one organisation's FHIR JSON (a GP Connect structured record, a UK Core or
    /// R4 Bundle, or one resource). `organisation` is who supplies it, when the host
    /// knows; otherwise it is read from the document.
    pub fn add_json(
        &self,
        organisation: Option<Organisation>,
        json: String,
    ) -> Result<SourceReport, IcrError> {
        self.add(organisation, json.as_bytes())
    }

    /// The same from bytes (UTF-8 JSON as received).
    pub fn add_bytes(
        &self,
        organisation: Option<Organisation>,
        bytes: Vec<u8>,
    ) -> Result<SourceReport, IcrError> {
        self.add(organisation, &bytes)
    }

    /// Records a source that could not be fetched, so the summary says so.
    pub fn add_failure(
        &self,
        organisation: Organisation,
        status: SourceStatus,
        reason: String,
    ) -> Result<(), IcrError> {
        let failure = FailedSource::new(organisation, status, reason);
        lock(&*self.pending.get()?).failures.push(failure);
        Ok(())
    }

    /// Sources added so far (read and failed).
    pub fn source_count(&self) -> Result<i64, IcrError> {
        let pending = self.pending.get()?;
        let p = lock(&pending);
        Ok(count(p.records.len() + p.failures.len()))
    }

    /// Joins the sources into the record this session views; the set is left empty for
    /// reuse.
    pub fn merge(&self) -> Result<Arc<CareRecord>, IcrError> {
        let taken = std::mem::take(&mut *lock(&*self.pending.get()?));
        let record = icr_core::merge(taken.records, taken.failures);
        Ok(CareRecord::new(self.session.clone(), record, Vec::new()))
    }

    /// Lets go of the sources read: later calls fail with `IcrError.Closed`.
    pub fn close(&self) {
        self.pending.close();
    }
}

/// One patient's merged record, as the session that merged it views it. Every view
/// (typed summary, JSON, HTML) is decided for the session's role and relationship and
/// audited before it is returned. The record keeps its session alive until both are
/// freed.
///
/// No method of the SDK takes an object as an argument: uniffi's Kotlin bindings clone an
/// argument's handle without checking whether it was closed, so a closed object passed as
/// an argument could not be caught. Objects are reached from the object that made them.
#[derive(uniffi::Object)]
pub struct CareRecord {
    session: Arc<Session>,
    record: Slot<SharedCareRecord>,
    outcomes: Vec<SourceOutcome>,
    _live: Live,
}

impl CareRecord {
    pub(crate) fn new(
        session: Arc<Session>,
        record: SharedCareRecord,
        outcomes: Vec<SourceOutcome>,
    ) -> Arc<CareRecord> {
        Arc::new(CareRecord {
            session,
            record: Slot::new(record, "CareRecord"),
            outcomes,
            _live: Live::new(&RECORDS),
        })
    }

    fn summarise(&self) -> Result<PatientSummary, IcrError> {
        let record = self.record.get()?;
        self.session.summarise(&record)
    }
}

#[uniffi::export]
impl CareRecord {
    /// How each source's fetch ended, in directory order, for a record made by
    /// `Session.fetch_record` (empty for one merged from a `SourceSet`).
    pub fn fetch_outcomes(&self) -> Vec<SourceOutcome> {
        self.outcomes.clone()
    }

    /// The patient's NHS number.
    pub fn nhs_number(&self) -> Result<Option<NhsNumber>, IcrError> {
        Ok(self.record.get()?.nhs_number().cloned())
    }

    /// Items in the record, before any access decision.
    pub fn item_count(&self) -> Result<i64, IcrError> {
        Ok(count(self.record.get()?.len()))
    }

    /// Sources in the record (read and failed).
    pub fn source_count(&self) -> Result<i64, IcrError> {
        Ok(count(self.record.get()?.sources().len()))
    }

    /// The summary the session may see, to render natively: decided, audited, then
    /// returned.
    pub fn summary(&self) -> Result<PatientSummary, IcrError> {
        self.summarise()
    }

    /// The same summary kept in the library, for the host to read a part at a time: the
    /// banner and the section overviews first, a section's items when it shows them.
    /// Decided and audited now, as `summary()` is; reading the view does not audit again.
    /// Much cheaper than `summary()` for a large record in Python, where every field
    /// copied across is decoded by Python code.
    pub fn summary_view(&self) -> Result<Arc<SummaryView>, IcrError> {
        Ok(Arc::new(SummaryView::new(self.summarise()?)))
    }

    /// The same summary as the core's documented JSON (`schema_version` 4).
    pub fn summary_json(&self) -> Result<String, IcrError> {
        let summary = self.summarise()?;
        serde_json::to_string(&summary).map_err(|_| host(CoreError::Serialize))
    }

    /// The same view as a FHIR R4 document: an International Patient Summary Bundle
    /// (JSON) carrying only what the session may see, withheld items signposted per
    /// section. Audited as a view.
    pub fn summary_fhir(&self) -> Result<String, IcrError> {
        let record = self.record.get()?;
        self.session.summarise_fhir(&record)
    }

    /// The same JSON as UTF-8 bytes, for hosts that hand it to a JSON parser: it skips
    /// building a host string (UTF-16 in Java and C#) of the whole document.
    pub fn summary_json_bytes(&self) -> Result<Vec<u8>, IcrError> {
        let summary = self.summarise()?;
        serde_json::to_vec(&summary).map_err(|_| host(CoreError::Serialize))
    }

    /// The same summary as Python `marshal` data (records as tuples in field order, see
    /// `icr_core::summary::marshal`; the lists inside each section and source as marshal
    /// data of their own, decoded when read): what the Python package's `summary()` turns
    /// into the generated records. Other hosts call `summary()`.
    pub fn summary_marshal(&self) -> Result<Vec<u8>, IcrError> {
        let summary = self.summarise()?;
        marshal::to_marshal_deferred(&summary, 1).map_err(|_| host(CoreError::Serialize))
    }

    /// The summary as a self-contained HTML fragment (its own stylesheet, no script), for
    /// a web view inside the host. Audited as a view.
    #[uniffi::method(default(options = None))]
    pub fn panel_html(&self, options: Option<PanelOptions>) -> Result<String, IcrError> {
        let summary = self.summarise()?;
        Ok(render::panel_html(&summary, &options.unwrap_or_default()))
    }

    /// The summary as a whole HTML page with a strict Content-Security-Policy, for
    /// saving, printing or a plain browser. Audited as a view.
    #[uniffi::method(default(options = None))]
    pub fn standalone_page(&self, options: Option<PanelOptions>) -> Result<String, IcrError> {
        let summary = self.summarise()?;
        Ok(render::standalone_page(
            &summary,
            &options.unwrap_or_default(),
        ))
    }

    /// Lets go of the record: later calls fail with `IcrError.Closed`.
    pub fn close(&self) {
        self.record.close();
    }
}
