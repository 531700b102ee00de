//! Fetching each organisation's part of the record over HTTP, at the moment a
//! professional opens it: every source of the [`Directory`] in parallel, each bounded by
//! its own deadline, the whole by an overall one, with bounded retries, a size cap and
//! a typed status per source. One slow or broken source never blocks or corrupts the
//! rest: it ends as `timed_out`, `unavailable`, `too_large`, … and the others are shown.
//!
//! Hosts normally call [`Session::fetch_summary`](crate::session::Session::fetch_summary),
//! which fetches, checks every source against the session's patient, merges, decides and
//! audits in one call. [`fetch_records`] is the step underneath: it returns the sources
//! as [`SourceRecord`]s (whose content is not public) and the outcome of each.
//!
//! # What each source goes through
//! - **Deadlines.** A source's whole exchange (connect, every request and retry, every
//!   page, the body) runs under `tokio::time::timeout_at` with the earlier of its own
//!   `timeout_ms` and the overall deadline; the fetch as a whole stops at the overall
//!   deadline, and sources still running then end as `timed_out`.
//! - **Retries.** 429, 502, 503 and 504 are retried up to
//!   [`FetchOptions::max_attempts`] times, after `Retry-After` (seconds or an HTTP date)
//!   or else an exponential, jittered backoff, and only when the wait ends before the
//!   deadline. Other 4xx answers are never retried.
//! - **Size.** A declared `Content-Length` over [`FetchOptions::max_bytes`] is refused
//!   before reading; otherwise bytes are counted after decompression (gzip) as they
//!   arrive, so neither a chunked stream nor a gzip bomb can exceed the cap.
//! - **Content.** Only `application/fhir+json` or `application/json` is read. An
//!   `OperationOutcome` is mapped to a status through its GP Connect (Spine) error code.
//! - **Redirects.** At most [`FetchOptions::max_redirects`], on the same origin only: a
//!   redirect to another origin is not followed, so credentials (the bearer token, the
//!   GP Connect token that names the patient) never reach another host.
//! - **TLS.** rustls with the operating system's trust store; verification cannot be
//!   turned off. Plain http is accepted only for loopback addresses (tests).
//! - **Identity.** Each source is ingested with the session's patient as the expected
//!   patient: a source about anyone else is discarded whole as `identity_mismatch`.
//!
//! Reasons are fixed words, HTTP status numbers and GP Connect codes: never response
//! bodies, URLs or NHS numbers.

pub(crate) mod directory;
mod fhir_r4;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod gp_connect;
pub(crate) mod http;
pub(crate) mod outcome;
mod retry_after;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use directory::{
    Consumer, Directory, DirectoryError, DirectorySource, MissingBearer, Secret, SourceKind,
};
pub use fhir_r4::CLINICAL_TYPES;
pub use gp_connect::INTERACTION_ID as GP_CONNECT_INTERACTION_ID;
pub use retry_after::{MAX_RETRY_AFTER, parse_retry_after};

use crate::identity::NhsNumber;
use crate::ingest::IngestError;
use crate::ingest::{IngestOptions, SourceRecord, ingest};
use crate::merge::{FailedSource, SourceStatus};
use http::{Budget, Exchange, TotalBudget};
use outcome::Failure;

/// How to fetch. `FetchOptions::default()` suits production; tests shorten the deadline.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Largest response accepted from one source, in bytes after decompression (for an
    /// R4 source, all its pages together). Default 32 MiB.
    pub max_bytes: usize,
    /// Most bytes one fetch receives over all its sources together; a source that takes
    /// the total past it ends `too_large`. Default 128 MiB.
    pub max_total_bytes: usize,
    /// Tries per request, the first included, for 429, 502, 503 and 504. Default 3.
    pub max_attempts: u32,
    /// First backoff between tries when the source gives no `Retry-After`; doubled per
    /// try and jittered down by up to half. Default 200 ms.
    pub backoff: Duration,
    /// Most search pages read from one R4 source (all searches together). Default 200.
    pub max_pages: u32,
    /// `_count` asked of R4 searches. Default 100.
    pub page_size: u32,
    /// Most same-origin redirects followed per request. Default 3.
    pub max_redirects: usize,
    /// Overrides the directory's overall deadline.
    pub deadline: Option<Duration>,
    /// Longest wait for a TCP and TLS connection (also bounded by the deadlines).
    /// Default 10 s.
    pub connect_timeout: Duration,
    /// Use the proxy the environment names (`HTTPS_PROXY`, …). Default true.
    pub use_proxy: bool,
    /// Cancels the fetch: sources still running end as `unavailable`, "cancelled".
    pub cancel: CancelToken,
    /// The patient is restricted (PDS S-flag). GP Connect forbids requests for such a
    /// patient, so no GP Connect source is asked: each ends `not_requested`, "not
    /// requested: restricted patient". A session sets this from its launch context.
    pub restricted_patient: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_bytes: 32 * 1024 * 1024,
            max_total_bytes: 128 * 1024 * 1024,
            max_attempts: 3,
            backoff: Duration::from_millis(200),
            max_pages: 200,
            page_size: 100,
            max_redirects: 3,
            deadline: None,
            connect_timeout: Duration::from_secs(10),
            use_proxy: true,
            cancel: CancelToken::default(),
            restricted_patient: false,
        }
    }
}

/// Who is asking, as the GP Connect consumer token says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// ODS code of the user's organisation (`requesting_organization`).
    pub organisation_ods: String,
    /// The user's SDS user id (`requesting_practitioner`).
    pub practitioner_id: String,
}

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    notify: Notify,
}

/// Cancels a fetch from another task or thread (the professional closed the record).
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<CancelInner>,
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Cancels every fetch holding this token (and its clones).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// True when `other` is this token or one of its clones.
    pub fn same(&self, other: &CancelToken) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Completes when cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// What happened to one source, as it happens (for a spinner per organisation).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceProgress {
    /// Position of the source in the directory.
    pub index: u32,
    /// Its ODS code.
    pub ods_code: String,
    /// What happened.
    pub event: ProgressEvent,
}

/// One step of a source's fetch.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The fetch of this source has started.
    Started,
    /// The source answered 429, 502, 503 or 504; the request is tried again.
    Retrying {
        /// The try about to be made (2 for the first retry).
        attempt: u32,
        /// The wait before it, in milliseconds.
        delay_ms: u64,
        /// The HTTP status that caused it.
        http_status: u16,
    },
    /// The source is finished (read, or failed with a status).
    Done {
        /// How it ended.
        status: SourceStatus,
        /// Why it failed, when it did.
        reason: Option<String>,
    },
}

/// How one source's fetch ended: metadata only, never content.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceOutcome {
    /// ODS code.
    pub ods_code: String,
    /// Name.
    pub name: String,
    /// How it was asked.
    pub kind: SourceKind,
    /// How it ended.
    pub status: SourceStatus,
    /// Why it failed, when it did (no patient data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// HTTP requests sent (retries and pages included).
    pub requests: u32,
    /// Retries among them.
    pub retries: u32,
    /// Bytes received, after decompression.
    pub bytes: u64,
    /// Time from start to end, in milliseconds.
    pub elapsed_ms: u64,
    /// Resource types an R4 source does not support (their search answered 400, 404,
    /// 405 or 501), so its record may lack them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsupported_types: Vec<String>,
}

/// The result of [`fetch_records`].
#[derive(Debug)]
pub struct Fetched {
    /// The sources read, in directory order (content not public: merge them and ask a
    /// session for the summary).
    pub records: Vec<SourceRecord>,
    /// The sources that did not contribute, with status and reason, for
    /// [`merge`](crate::merge::merge).
    pub failures: Vec<FailedSource>,
    /// Every source's outcome, in directory order.
    pub outcomes: Vec<SourceOutcome>,
}

/// What a source task hands back.
struct Finished {
    result: Result<SourceRecord, Failure>,
    unsupported_types: Vec<String>,
    elapsed: Duration,
}

/// Fetches every source of `directory` for `patient`, in parallel, and ingests each with
/// `patient` as the expected patient. Never fails as a whole: each source ends with its
/// own status. `progress` is called on the calling task, in order, for each source's
/// `Started`, any `Retrying` and exactly one `Done` (as soon as that source is done).
///
/// Must be polled on a tokio runtime (multi-thread or current-thread, with time and I/O
/// enabled); hosts without one use
/// [`Session::fetch_summary_blocking`](crate::session::Session::fetch_summary_blocking).
pub async fn fetch_records(
    directory: &Directory,
    patient: &NhsNumber,
    requester: &Requester,
    options: &FetchOptions,
    progress: &(dyn Fn(SourceProgress) + Send + Sync),
) -> Fetched {
    let started = Instant::now();
    let deadline = started + options.deadline.unwrap_or_else(|| directory.deadline());
    let n = directory.sources.len();
    let mut finished: Vec<Option<Finished>> = (0..n).map(|_| None).collect();
    let mut exchanges: Vec<Option<Arc<Exchange>>> = (0..n).map(|_| None).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let client = http::client(options);
    let total = TotalBudget::new(options.max_total_bytes);
    let mut tasks = JoinSet::new();
    let mut task_index = HashMap::new();

    for (index, source) in directory.sources.iter().enumerate() {
        progress(SourceProgress {
            index: position(index),
            ods_code: source.ods_code.clone(),
            event: ProgressEvent::Started,
        });
        // A source that ends before any request: said at once, with its reason.
        let unasked =
            if options.restricted_patient && source.kind == SourceKind::GpConnectStructured {
                Some(Failure::new(
                    SourceStatus::NotRequested,
                    "not requested: restricted patient",
                ))
            } else {
                client.as_ref().err().cloned()
            };
        if let Some(failure) = unasked {
            let result = Err(failure);
            progress(done_event(index, &directory.sources, &result));
            if let Some(slot) = finished.get_mut(index) {
                *slot = Some(Finished {
                    result,
                    unsupported_types: Vec::new(),
                    elapsed: Duration::ZERO,
                });
            }
            continue;
        }
        let Ok(client) = client.clone() else {
            continue;
        };
        let own = source.timeout().map_or(deadline, |t| started + t);
        let exchange = Arc::new(Exchange {
            client,
            index,
            ods_code: source.ods_code.clone(),
            deadline: own.min(deadline),
            max_attempts: options.max_attempts.max(1),
            backoff: options.backoff,
            budget: Budget::new(options.max_bytes, options.max_pages, Arc::clone(&total)),
            requests: AtomicU32::new(0),
            retries: AtomicU32::new(0),
            progress: tx.clone(),
        });
        if let Some(slot) = exchanges.get_mut(index) {
            *slot = Some(Arc::clone(&exchange));
        }
        let job = Job {
            exchange,
            source: source.clone(),
            consumer_asid: directory.consumer.asid.clone().unwrap_or_default(),
            patient: patient.clone(),
            requester: requester.clone(),
            max_bytes: options.max_bytes,
            page_size: options.page_size,
            started,
        };
        let handle = tasks.spawn(job.run());
        task_index.insert(handle.id(), index);
    }
    drop(tx);

    let mut stopped: Option<Failure> = None;
    while !tasks.is_empty() {
        tokio::select! {
            biased;
            () = options.cancel.cancelled() => {
                stopped = Some(Failure::new(SourceStatus::Unavailable, "cancelled"));
                break;
            }
            Some(event) = rx.recv() => progress(event),
            joined = tasks.join_next_with_id() => {
                let (id, done) = match joined {
                    Some(Ok((id, done))) => (id, done),
                    Some(Err(e)) => (e.id(), Finished {
                        result: Err(Failure::new(SourceStatus::Unavailable, "the fetch task failed")),
                        unsupported_types: Vec::new(),
                        elapsed: started.elapsed(),
                    }),
                    None => break,
                };
                if let Some(&index) = task_index.get(&id) {
                    // Done as soon as the source is, for a spinner per organisation.
                    progress(done_event(index, &directory.sources, &done.result));
                    if let Some(slot) = finished.get_mut(index) {
                        *slot = Some(done);
                    }
                }
            }
            // Last: a source that finished at the deadline keeps its result.
            () = tokio::time::sleep_until(deadline) => {
                stopped = Some(Failure::new(
                    SourceStatus::TimedOut,
                    format!("no complete answer within the overall deadline of {} ms",
                        deadline.duration_since(started).as_millis()),
                ));
                break;
            }
        }
    }
    tasks.abort_all();
    while let Ok(event) = rx.try_recv() {
        progress(event);
    }

    let mut fetched = Fetched {
        records: Vec::new(),
        failures: Vec::new(),
        outcomes: Vec::with_capacity(n),
    };
    for (index, source) in directory.sources.iter().enumerate() {
        let done = finished.get_mut(index).and_then(Option::take);
        let (result, unsupported_types, elapsed) = match done {
            Some(d) => (d.result, d.unsupported_types, d.elapsed),
            None => {
                let result = Err(stopped.clone().unwrap_or_else(|| {
                    Failure::new(SourceStatus::Unavailable, "the fetch task failed")
                }));
                progress(done_event(index, &directory.sources, &result));
                (result, Vec::new(), started.elapsed())
            }
        };
        let exchange = exchanges.get(index).and_then(Option::as_ref);
        let (status, reason) = match &result {
            Ok(_) => (SourceStatus::Ok, None),
            Err(f) => (f.status, Some(f.reason.clone())),
        };
        fetched.outcomes.push(SourceOutcome {
            ods_code: source.ods_code.clone(),
            name: source.name.clone(),
            kind: source.kind,
            status,
            reason,
            requests: exchange.map_or(0, |e| e.requests.load(Ordering::Relaxed)),
            retries: exchange.map_or(0, |e| e.retries.load(Ordering::Relaxed)),
            bytes: exchange.map_or(0, |e| e.budget.used()),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            unsupported_types,
        });
        match result {
            Ok(record) => fetched.records.push(record),
            Err(f) => fetched.failures.push(FailedSource {
                organisation: source.organisation(),
                status: f.status,
                reason: f.reason,
            }),
        }
    }
    fetched
}

fn done_event(
    index: usize,
    sources: &[DirectorySource],
    result: &Result<SourceRecord, Failure>,
) -> SourceProgress {
    let (status, reason) = match result {
        Ok(_) => (SourceStatus::Ok, None),
        Err(f) => (f.status, Some(f.reason.clone())),
    };
    SourceProgress {
        index: position(index),
        ods_code: sources
            .get(index)
            .map(|s| s.ods_code.clone())
            .unwrap_or_default(),
        event: ProgressEvent::Done { status, reason },
    }
}

/// A source's position in the directory as progress reports it (hosts' bindings have
/// no `usize`; a position past `u32::MAX`, in no real directory, saturates).
fn position(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// One source's fetch, owned so that it can run as its own task.
struct Job {
    exchange: Arc<Exchange>,
    source: DirectorySource,
    consumer_asid: String,
    patient: NhsNumber,
    requester: Requester,
    max_bytes: usize,
    page_size: u32,
    started: Instant,
}

impl Job {
    async fn run(self) -> Finished {
        let mut unsupported_types = Vec::new();
        let deadline = self.exchange.deadline;
        let budget_ms = deadline.duration_since(self.started).as_millis();
        let fetched =
            match tokio::time::timeout_at(deadline, self.fetch(&mut unsupported_types)).await {
                Ok(r) => r,
                Err(_) => Err(Failure::new(
                    SourceStatus::TimedOut,
                    format!("no complete answer within {budget_ms} ms"),
                )),
            };
        let result = match fetched {
            Err(f) => Err(f),
            Ok(bytes) => {
                let options = IngestOptions {
                    max_bytes: self.max_bytes,
                    expected_patient: Some(self.patient.clone()),
                    organisation: Some(self.source.organisation()),
                };
                // Reading a large record is CPU work: off the async workers, so that the
                // other sources' I/O goes on meanwhile (on a current-thread runtime too).
                let read = tokio::task::spawn_blocking(move || {
                    ingest(&bytes, &options).map_err(|e| {
                        // An `OperationOutcome` sent with 200 says why there is no record.
                        outcome::from_operation_outcome(&bytes, 200)
                            .unwrap_or_else(|| ingest_failure(&e))
                    })
                });
                read.await.unwrap_or_else(|_| {
                    Err(Failure::new(
                        SourceStatus::InvalidResponse,
                        "the record could not be read",
                    ))
                })
            }
        };
        Finished {
            result,
            unsupported_types,
            elapsed: self.started.elapsed(),
        }
    }

    async fn fetch(&self, unsupported_types: &mut Vec<String>) -> Result<Vec<u8>, Failure> {
        let base = self.source.base().ok_or_else(|| {
            Failure::new(
                SourceStatus::Unavailable,
                "the directory's base_url is invalid",
            )
        })?;
        match self.source.kind {
            SourceKind::GpConnectStructured => {
                let request = gp_connect::request(
                    &self.exchange.client,
                    &base,
                    self.source.asid.as_deref().unwrap_or_default(),
                    &self.consumer_asid,
                    &self.requester,
                    &self.patient,
                )?;
                self.exchange.budget.take_page()?;
                self.exchange.send(&request).await
            }
            SourceKind::FhirR4 => {
                let bearer = self
                    .source
                    .bearer()
                    .map_err(|e| Failure::new(SourceStatus::Unavailable, e.to_string()))?;
                let mut report = fhir_r4::R4Report::default();
                let result = fhir_r4::fetch(
                    Arc::clone(&self.exchange),
                    self.exchange.client.clone(),
                    base,
                    bearer,
                    self.page_size,
                    &self.patient,
                    &mut report,
                )
                .await;
                *unsupported_types = report.unsupported_types;
                result
            }
        }
    }
}

fn ingest_failure(e: &IngestError) -> Failure {
    let status = match e {
        IngestError::PatientMismatch { .. } => SourceStatus::IdentityMismatch,
        IngestError::TooLarge { .. } => SourceStatus::TooLarge,
        _ => SourceStatus::InvalidResponse,
    };
    // IngestError messages carry positions and rule names, never values.
    Failure::new(status, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_token_wakes_waiters() {
        let token = CancelToken::new();
        let waiter = {
            let t = token.clone();
            tokio::spawn(async move { t.cancelled().await })
        };
        tokio::task::yield_now().await;
        assert!(!token.is_cancelled());
        token.cancel();
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        // Already cancelled: returns at once.
        token.cancelled().await;
    }

    #[test]
    fn progress_events_serialise_with_a_tag() {
        let e = ProgressEvent::Done {
            status: SourceStatus::TimedOut,
            reason: Some("x".into()),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"event": "done", "status": "timed-out", "reason": "x"})
        );
    }
}
