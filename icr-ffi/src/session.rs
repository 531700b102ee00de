//! `Session`: one professional looking at one patient's record.

use std::sync::Arc;

use icr_core::audit::AccessReportLine;
use icr_core::launch::LaunchContext;
use icr_core::session::{self, Store};
use icr_core::{NhsNumber, SharedCareRecord};

use crate::error::IcrError;
use crate::live::{Live, SESSIONS};
use crate::slot::Slot;
use crate::sources::SourceSet;

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
    _live: Live,
}

impl Session {
    pub(crate) fn wrap(session: session::Session, store: Store) -> Arc<Session> {
        Arc::new(Session {
            id: session.id().to_owned(),
            role: session.role().to_owned(),
            context: session.context().clone(),
            core: Slot::new(SessionCore { session, store }, "Session"),
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
