//! Record content as a host gets it: only through a session, after an access decision
//! that was audited.
//!
//! A [`Host`] is the demo ICR (default UK policy, demo launch key) with an in-memory
//! audit log. [`Host::view`] mints a demo launch token for a policy role and the record's
//! patient, opens a session and asks for the summary, exactly as an embedding EPR would.
//!
//! The clock is fixed at [`NOW`] rather than the system's, so every summary is made for
//! the same day, [`icr_test_support::clock::today`] (ages and staleness do not drift with
//! the date the tests run on).

use std::sync::Arc;

use icr_core::SharedCareRecord;
use icr_core::audit::MemoryAuditLog;
use icr_core::launch::{LaunchContext, Relationship};
use icr_core::session::{self, Icr};
use icr_core::summary::PatientSummary;
use icr_test_support::audit::key;
use icr_test_support::clock::{self, NOW};
use icr_test_support::demo::token_for;
use icr_test_support::summary::shown;

/// The demo ICR and its audit log.
pub(crate) struct Host {
    icr: Icr,
    /// The moment its clock stands at (Unix seconds).
    now: i64,
    /// Every entry the sessions of this host appended.
    pub(crate) audit: Arc<MemoryAuditLog>,
}

/// One view of a record: the summary and the session that made it.
pub(crate) struct View {
    pub(crate) summary: PatientSummary,
    /// The session id, as in its audit entries.
    pub(crate) session_id: String,
}

impl Host {
    pub(crate) fn new() -> Host {
        Host::with(|b| b)
    }

    /// The demo ICR with its builder changed by `finish` (another staleness threshold).
    pub(crate) fn with(finish: impl FnOnce(session::IcrBuilder) -> session::IcrBuilder) -> Host {
        Host::build(NOW, finish)
    }

    /// The demo ICR with its clock at `now` (Unix seconds): for records whose dates are
    /// far from [`NOW`] (a generated record, counted over windows ending on its last day).
    pub(crate) fn at(now: i64) -> Host {
        Host::build(now, |b| b)
    }

    fn build(now: i64, finish: impl FnOnce(session::IcrBuilder) -> session::IcrBuilder) -> Host {
        let audit = Arc::new(MemoryAuditLog::new(key()));
        let builder = session::demo::builder(audit.clone())
            .expect("the demo ICR")
            .clock(clock::fixed(now));
        let icr = finish(builder).build();
        Host { icr, now, audit }
    }

    /// The demo ICR's policy (the default UK policy).
    pub(crate) fn policy(&self) -> &icr_core::access::Policy {
        self.icr.policy()
    }

    /// What the registered GP sees of `record` through a demo launch token whose context
    /// `edit` changed (the host's demographics claims): the summary, or why the session
    /// or the summary was refused.
    pub(crate) fn gp_view_with(
        &self,
        record: &SharedCareRecord,
        edit: impl FnOnce(&mut LaunchContext),
    ) -> Result<PatientSummary, session::SessionError> {
        let patient = record.nhs_number().cloned().expect("the record's patient");
        let token = token_for("gp", Relationship::RegisteredGp, patient, self.now, edit);
        self.icr.open_session(&token)?.summary(record)
    }

    /// The summary the policy role `role` (`gp`, `receptionist`, …) with `relationship`
    /// sees of `record`, through a session opened from a demo launch token.
    pub(crate) fn view(
        &self,
        record: &SharedCareRecord,
        role: &str,
        relationship: Relationship,
    ) -> View {
        let session = self.session(record, role, relationship);
        let summary = session
            .summary(record)
            .unwrap_or_else(|e| panic!("summary for {role}: {e}"));
        View {
            summary,
            session_id: session.id().to_owned(),
        }
    }

    /// The FHIR document (IPS Bundle JSON) the policy role `role` with `relationship` may
    /// keep of `record`, through a session as [`Host::view`] opens it.
    pub(crate) fn fhir(
        &self,
        record: &SharedCareRecord,
        role: &str,
        relationship: Relationship,
    ) -> String {
        self.session(record, role, relationship)
            .summary_fhir(record)
            .unwrap_or_else(|e| panic!("FHIR document for {role}: {e}"))
    }

    /// A session for `role` with `relationship` to `record`'s patient, opened from a demo
    /// launch token at the host's moment.
    fn session(
        &self,
        record: &SharedCareRecord,
        role: &str,
        relationship: Relationship,
    ) -> session::Session {
        let patient = record
            .nhs_number()
            .cloned()
            .expect("a session needs the record's patient to have a valid NHS number");
        let token = token_for(role, relationship, patient, self.now, |_| {});
        let session = self
            .icr
            .open_session(&token)
            .unwrap_or_else(|e| panic!("session for {role}: {e}"));
        assert_eq!(session.role(), role);
        session
    }

    /// What the registered GP sees: everything. Fails if anything was withheld, so a
    /// test that relies on seeing the whole record can trust that it does.
    pub(crate) fn gp_view(&self, record: &SharedCareRecord) -> PatientSummary {
        let summary = self.view(record, "gp", Relationship::RegisteredGp).summary;
        assert_everything_shown(&summary, record);
        summary
    }
}

/// Nothing is withheld, and every item of the record is in the summary.
pub(crate) fn assert_everything_shown(summary: &PatientSummary, record: &SharedCareRecord) {
    let withheld: Vec<(&str, usize)> = summary
        .sections
        .iter()
        .flat_map(|s| {
            s.withheld
                .iter()
                .map(|w| (s.key.key(), usize::try_from(w.count).expect("a count")))
        })
        .collect();
    assert!(withheld.is_empty(), "withheld from the GP: {withheld:?}");
    assert_eq!(shown(summary), record.len(), "items shown to the GP");
}

/// A summary of one source record, as the registered GP sees it.
pub(crate) fn gp_summary_of(record: icr_core::SourceRecord) -> (PatientSummary, SharedCareRecord) {
    let merged = icr_core::merge(vec![record], vec![]);
    let summary = Host::new().gp_view(&merged);
    (summary, merged)
}
