//! The record fetched from the participating organisations, in one audited call:
//! [`Session::fetch_summary`] fetches every source of a directory, ingests each against
//! the session's patient (a source about anyone else is discarded and audited), merges,
//! decides and audits, and returns the summary with each source's outcome;
//! [`Session::fetch_record`] stops at the merged record, for a host that views it
//! several ways.

use crate::SharedCareRecord;
use crate::audit::{AuditKind, AuditOutcome};
use crate::fetch::{
    Directory, FetchOptions, Fetched, Requester, SourceOutcome, SourceProgress, fetch_records,
};
use crate::merge::{FailedSource, SourceStatus, merge};
use crate::model::Patient;
use crate::summary::PatientSummary;

use super::{Session, SessionError};

/// The summary a fetch gave, with how each source's fetch ended.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone)]
pub struct FetchedSummary {
    /// The summary this session may see, decided and audited.
    pub summary: PatientSummary,
    /// Every source's outcome, in directory order (metadata only, never content).
    pub outcomes: Vec<SourceOutcome>,
}

impl Session {
    /// Fetches the session's patient's record from every source of `directory` in
    /// parallel, then merges, decides and audits it as [`Session::summary`] does.
    ///
    /// Each source ends with its own status (`sources[].status` and `reason` in the
    /// summary, and the returned [`SourceOutcome`]s); one slow or broken source never
    /// fails the call. A source whose patient is not the session's patient is discarded
    /// and shows as `identity_mismatch`; each such source is also audited as an
    /// `access_denied` entry naming its ODS code (never the other patient's details).
    /// `progress` receives `started`, `retrying` and `done` per source, for a spinner per
    /// organisation; `options.cancel` stops the fetch, and sources still running end as
    /// `unavailable` with the reason "cancelled".
    ///
    /// Errors are the session's own: expired, or the audit log could not be written (then
    /// nothing is returned).
    pub async fn fetch_summary(
        &self,
        directory: &Directory,
        options: &FetchOptions,
        progress: impl Fn(SourceProgress) + Send + Sync,
    ) -> Result<FetchedSummary, SessionError> {
        let (record, outcomes) = self.fetch_record(directory, options, progress).await?;
        Ok(FetchedSummary {
            summary: self.summary(&record)?,
            outcomes,
        })
    }

    /// Fetches and merges as [`Session::fetch_summary`] does, and returns the merged
    /// record instead of one view of it, for a host that views it several ways (the
    /// summary, the panel, the FHIR document: each view decided and audited when it is
    /// asked for). Identity mismatches are audited here.
    pub async fn fetch_record(
        &self,
        directory: &Directory,
        options: &FetchOptions,
        progress: impl Fn(SourceProgress) + Send + Sync,
    ) -> Result<(SharedCareRecord, Vec<SourceOutcome>), SessionError> {
        self.check_live()?;
        let requester = Requester {
            organisation_ods: self.context.organisation.clone(),
            practitioner_id: self.context.user_id.clone(),
        };
        let restricted = FetchOptions {
            restricted_patient: options.restricted_patient || self.context.patient_restricted,
            ..options.clone()
        };
        let fetched = fetch_records(
            directory,
            &self.context.patient,
            &requester,
            &restricted,
            &progress,
        )
        .await;
        self.finish_fetch(fetched)
    }

    /// [`Session::fetch_summary`] for hosts without an async runtime (see
    /// [`Session::fetch_record_blocking`]).
    pub fn fetch_summary_blocking(
        &self,
        directory: &Directory,
        options: &FetchOptions,
        progress: impl Fn(SourceProgress) + Send + Sync,
    ) -> Result<FetchedSummary, SessionError> {
        let (record, outcomes) = self.fetch_record_blocking(directory, options, progress)?;
        Ok(FetchedSummary {
            summary: self.summary(&record)?,
            outcomes,
        })
    }

    /// [`Session::fetch_record`] for hosts without an async runtime: runs it on a
    /// current-thread tokio runtime of its own (on a separate thread when called from
    /// inside a runtime, which cannot be blocked in place).
    pub fn fetch_record_blocking(
        &self,
        directory: &Directory,
        options: &FetchOptions,
        progress: impl Fn(SourceProgress) + Send + Sync,
    ) -> Result<(SharedCareRecord, Vec<SourceOutcome>), SessionError> {
        let run = || match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(self.fetch_record(directory, options, &progress)),
            Err(_) => {
                self.check_live()?;
                self.finish_fetch(no_runtime(directory))
            }
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return run();
        }
        std::thread::scope(|scope| match scope.spawn(run).join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }

    /// Audits identity mismatches and merges.
    fn finish_fetch(
        &self,
        fetched: Fetched,
    ) -> Result<(SharedCareRecord, Vec<SourceOutcome>), SessionError> {
        for o in &fetched.outcomes {
            if o.status == SourceStatus::IdentityMismatch {
                let mut r = self.record(AuditKind::AccessDenied, AuditOutcome::Denied);
                r.reason = Some(format!(
                    "source-identity-mismatch: {} ({})",
                    o.ods_code,
                    o.reason.as_deref().unwrap_or("patient differs")
                ));
                r.sources = vec![o.ods_code.clone()];
                self.inner.audit.append(r)?;
            }
        }
        let mut record = merge(fetched.records, fetched.failures);
        if record.patient.is_none() {
            // No source answered: the banner still names the patient the host opened the
            // session for, and every source shows why it is missing.
            record.patient = Some(Patient {
                nhs_number: Some(self.context.patient.clone()),
                ..Patient::default()
            });
        }
        Ok((record, fetched.outcomes))
    }
}

/// Every source unavailable: no runtime could be started.
fn no_runtime(directory: &Directory) -> Fetched {
    let reason = "no async runtime could be started";
    Fetched {
        records: Vec::new(),
        failures: directory
            .sources
            .iter()
            .map(|s| FailedSource {
                organisation: s.organisation(),
                status: SourceStatus::Unavailable,
                reason: reason.to_owned(),
            })
            .collect(),
        outcomes: directory
            .sources
            .iter()
            .map(|s| SourceOutcome {
                ods_code: s.ods_code.clone(),
                name: s.name.clone(),
                kind: s.kind,
                status: SourceStatus::Unavailable,
                reason: Some(reason.to_owned()),
                requests: 0,
                retries: 0,
                bytes: 0,
                elapsed_ms: 0,
                unsupported_types: Vec::new(),
            })
            .collect(),
    }
}
