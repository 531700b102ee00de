//! `Session`: one professional looking at one patient's record.

use std::sync::Arc;

use icr_core::audit::AccessReportLine;
use icr_core::launch::LaunchContext;
use icr_core::session::{self, FetchedSummary, Store};
use icr_core::{NhsNumber, SharedCareRecord};

use crate::error::IcrError;
use crate::fetch::{FetchProgress, FetchSettings, Prepared, Running};
use crate::live::{Live, SESSIONS};
use crate::slot::Slot;
use crate::sources::{CareRecord, SourceSet};

pub(crate) struct SessionCore {
    session: session::Session,
    store: Store,
}

/// One professional looking at one patient's record, opened from the host's signed
/// launch context (`Icr.open_session`). Load the patient's sources with `source_set()`;
/// every view of the merged record is decided for the session's role and relationship
/// and audited before it is returned. Shared between threads.
#[derive(uniffi::Object)]
pub struct Session {
    core: Slot<SessionCore>,
    id: String,
    role: String,
    context: LaunchContext,
    fetches: Running,
    _live: Live,
}

impl Session {
    pub(crate) fn wrap(session: session::Session, store: Store) -> Arc<Session> {
        Arc::new(Session {
            id: session.id().to_owned(),
            role: session.role().to_owned(),
            context: session.context().clone(),
            core: Slot::new(SessionCore { session, store }, "Session"),
            fetches: Running::default(),
            _live: Live::new(&SESSIONS),
        })
    }

    /// The summary of `record` this session may see: decided and audited by the core.
    pub(crate) fn summarise(
        &self,
        record: &SharedCareRecord,
    ) -> Result<icr_core::PatientSummary, IcrError> {
        self.core
            .get()?
            .session
            .summary(record)
            .map_err(IcrError::from)
    }

    /// The view as an International Patient Summary Bundle (JSON), audited.
    pub(crate) fn summarise_fhir(&self, record: &SharedCareRecord) -> Result<String, IcrError> {
        self.core
            .get()?
            .session
            .summary_fhir(record)
            .map_err(IcrError::from)
    }

    pub(crate) fn patient(&self) -> Result<NhsNumber, IcrError> {
        Ok(self.core.get()?.session.context().patient.clone())
    }
}

#[uniffi::export]
impl Session {
    /// The session id, in every audit entry of this session.
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The policy role (`gp`, `receptionist`, …).
    pub fn role(&self) -> String {
        self.role.clone()
    }

    /// The verified launch context.
    pub fn context(&self) -> LaunchContext {
        self.context.clone()
    }

    /// An empty set of sources for this session's patient: add each organisation's FHIR,
    /// then merge them into the `CareRecord` this session views.
    pub fn source_set(self: Arc<Self>) -> Result<Arc<SourceSet>, IcrError> {
        SourceSet::for_session(self)
    }

    /// Fetches this session's patient's record from every organisation of `directory_json`
    /// (the directory format of `docs/directory.md`) in parallel, and merges it into the
    /// `CareRecord` this session views (each view decided and audited when asked for).
    /// Blocks until every source has ended or the deadline has passed; one slow or broken
    /// source never fails the call: each ends with its own status (`fetch_outcomes()`,
    /// and `sources` in the summary). A source about another patient is discarded and
    /// audited (`identity_mismatch`). `progress` is told of each source's steps;
    /// `cancel_fetches()` from another thread ends the fetch at once (sources still
    /// running end `unavailable`, "cancelled").
    #[uniffi::method(default(settings = None, progress = None))]
    pub fn fetch_record(
        self: Arc<Self>,
        directory_json: String,
        settings: Option<FetchSettings>,
        progress: Option<Box<dyn FetchProgress>>,
    ) -> Result<Arc<CareRecord>, IcrError> {
        let fetch = Prepared::new(&self.fetches, &directory_json, settings, progress)?;
        let (record, outcomes) = self.core.get()?.session.fetch_record_blocking(
            &fetch.directory,
            &fetch.options,
            |step| fetch.report(step),
        )?;
        Ok(CareRecord::new(self.clone(), record, outcomes))
    }

    /// `fetch_record` and the summary of the record fetched in one call, with how each
    /// source's fetch ended.
    #[uniffi::method(default(settings = None, progress = None))]
    pub fn fetch_summary(
        &self,
        directory_json: String,
        settings: Option<FetchSettings>,
        progress: Option<Box<dyn FetchProgress>>,
    ) -> Result<FetchedSummary, IcrError> {
        let fetch = Prepared::new(&self.fetches, &directory_json, settings, progress)?;
        Ok(self.core.get()?.session.fetch_summary_blocking(
            &fetch.directory,
            &fetch.options,
            |step| fetch.report(step),
        )?)
    }

    /// Cancels every fetch of this session in progress (from any thread): each returns at
    /// once, its sources still running ended `unavailable`, "cancelled". Later fetches
    /// are not affected.
    pub fn cancel_fetches(&self) {
        self.fetches.cancel();
    }

    /// Emergency access: lifts the relationship requirement for a limited time. The
    /// reason is mandatory, recorded, and raised to the privacy officer.
    pub fn break_glass(&self, reason: String) -> Result<(), IcrError> {
        self.core
            .get()?
            .session
            .break_glass(&reason)
            .map_err(IcrError::from)
    }

    /// True while emergency access is active.
    pub fn break_glass_active(&self) -> Result<bool, IcrError> {
        Ok(self.core.get()?.session.break_glass_active())
    }

    /// Who has accessed this session's patient's record, oldest first: for roles that
    /// may read audit reports (`privacy-officer`). The read is audited.
    pub fn access_report(&self) -> Result<Vec<AccessReportLine>, IcrError> {
        let core = self.core.get()?;
        let entries = core.store.entries()?;
        Ok(core.session.access_report(&entries)?)
    }

    /// Ends the session: later calls fail with `IcrError.Closed`. (Kotlin and C# free
    /// the object with `close()`/`Dispose()` instead.)
    pub fn close(&self) {
        self.core.close();
    }
}
