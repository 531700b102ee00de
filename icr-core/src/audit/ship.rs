//! Shipping the log to a FHIR server as BALP `AuditEvent`s, so that a national or
//! regional audit store holds every entry exactly once, whatever fails on the way.
//!
//! # Why it is built this way
//!
//! - **The chain is the outbox.** Nothing is queued beside the log: the entries still
//!   to send are those after the last one the server acknowledged, and that position is
//!   a [`ShipMark`] (a [`Checkpoint`]: sequence number and MAC). An outage of the server
//!   loses nothing; the next run carries on from the mark.
//! - **The mark moves only after the server said yes, in order.** Entries are sent
//!   oldest first, one at a time; each is marked after a `201 Created` or a `200 OK`
//!   (already there), before the next is sent. A refusal stops the run there: no entry
//!   is ever skipped.
//! - **A resend makes no duplicate.** Each event is created conditionally, `POST
//!   {base}/AuditEvent` with `If-None-Exist: entity:identifier=urn:icr-sdk:audit-entry|
//!   <mac>` (the entry's MAC, see [`to_balp_audit_event`]). An entry the server stored
//!   but whose answer was lost (the mark not moved) is found on the resend and answered
//!   `200`. A `200` must carry *our* event: a server that ignores the search parameter
//!   would answer every resend with some other event, and that is reported
//!   ([`ShipError::ConditionIgnored`]) rather than taken as an acknowledgement, since
//!   it would mean entries never stored. Because the server decides, two shippers
//!   running at once cannot duplicate an entry either (one may resend what the other
//!   has marked).
//! - **The mark is checked against the log.** A mark is the checkpoint of the last
//!   entry shipped; before sending anything the log is verified against it. A log cut
//!   short, rolled back or replaced since ([`ProblemKind::Truncated`],
//!   [`ProblemKind::RolledBack`], or another MAC at the mark's entry) is reported as
//!   [`ShipError::MarkNotInLog`], never silently re-shipped from the start or skipped.
//!   Only the verified prefix is sent; damage further on is reported
//!   ([`ShipError::ChainBroken`]) after the entries before it are shipped. (So a run
//!   reads the log twice: once to verify it against the mark, once to send.)
//! - **Bounded retries.** Connection errors, 429, 500, 502, 503 and 504 are tried
//!   again, up to [`ShipTarget::max_attempts`], after `Retry-After` or a jittered
//!   exponential backoff (the fetch's rules and code); a wait longer than
//!   [`ShipTarget::max_wait`] ends the run instead. Other answers are refusals, and
//!   redirects are not followed. Each request is bounded by
//!   [`ShipTarget::request_timeout`].
//! - **HTTP as the fetch does it.** The client, TLS (rustls, the system's trust store),
//!   the same-origin redirect rule, the base URL rule (https, or http on loopback),
//!   bearer tokens by value or by environment variable, and the error wording are the
//!   fetch's own (`crate::fetch`).
//!
//! Errors name sequence numbers, HTTP statuses and fixed words: never URLs, response
//! bodies or anything from an entry.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Client, Response, Url};
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use super::fhir::{AUDIT_ENTRY_SYSTEM, AuditSystems, to_balp_audit_event};
use super::file::{owner_only, replace_file};
use super::{AuditEntry, AuditError, AuditSource, Checkpoint, ProblemKind};
use crate::fetch::directory::{bearer, check_base_url};
use crate::fetch::http::{client, jittered, read_limited, retry_after, send_error};
use crate::fetch::{FetchOptions, MissingBearer, Secret};

/// Largest answer read back (an existing event, or an `OperationOutcome`).
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// Largest mark file read.
const MAX_MARK_BYTES: u64 = 4096;

/// Where the last entry the server acknowledged is kept, durably. The shipper loads it
/// before a run and saves it after each acknowledgement. A host keeps it wherever it
/// keeps state: [`FileShipMark`], or a table beside a database log.
pub trait ShipMark: Send + Sync {
    /// The last entry shipped, or `None` before the first run.
    fn load(&self) -> Result<Option<Checkpoint>, AuditError>;

    /// Records `shipped` as the last entry the server acknowledged; returns once it is
    /// durable.
    fn save(&self, shipped: &Checkpoint) -> Result<(), AuditError>;
}

/// A mark in a file of its own: `{"seq":…,"mac":"…"}`, replaced whole on each save
/// (a new owner-only file, synced, renamed over the old, the directory synced), so a
/// crash leaves the old mark or the new one. A symbolic link at the path is refused.
#[derive(Debug, Clone)]
pub struct FileShipMark {
    path: PathBuf,
}

impl FileShipMark {
    /// The mark kept at `path` (created by the first save).
    pub fn new(path: &Path) -> FileShipMark {
        FileShipMark {
            path: path.to_owned(),
        }
    }

    /// Where it is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses anything at the path but a regular file (a link, a directory).
    fn check_path(&self, operation: &'static str) -> Result<bool, AuditError> {
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_file() => Ok(true),
            Ok(_) => Err(AuditError::NotAFile),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(AuditError::io(operation)(e)),
        }
    }
}

impl ShipMark for FileShipMark {
    fn load(&self) -> Result<Option<Checkpoint>, AuditError> {
        if !self.check_path("read ship mark")? {
            return Ok(None);
        }
        let file = owner_only(OpenOptions::new().read(true))
            .open(&self.path)
            .map_err(AuditError::io("read ship mark"))?;
        let mut bytes = Vec::new();
        file.take(MAX_MARK_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(AuditError::io("read ship mark"))?;
        let mark: Checkpoint =
            serde_json::from_slice(&bytes).map_err(|_| AuditError::BadCheckpoint)?;
        let hex = mark.mac.len() == 64
            && mark
                .mac
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex {
            return Err(AuditError::BadCheckpoint);
        }
        Ok(Some(mark))
    }

    fn save(&self, shipped: &Checkpoint) -> Result<(), AuditError> {
        const WRITE: &str = "write ship mark";
        self.check_path(WRITE)?;
        let mut json = serde_json::to_vec(shipped).map_err(|_| AuditError::Serialize)?;
        json.push(b'\n');
        replace_file(&self.path, &json, WRITE)
    }
}

/// The FHIR server the events go to, and how hard to try.
#[derive(Debug, Clone)]
pub struct ShipTarget {
    /// The server's FHIR base URL (`https://…/fhir`): https, or http on a loopback
    /// address only. Events are created at `{base_url}/AuditEvent`.
    pub base_url: String,
    /// A bearer token sent as `Authorization: Bearer …`.
    pub bearer_token: Option<Secret>,
    /// The name of an environment variable holding the bearer token (used when
    /// `bearer_token` is not given; unset or empty is an error, nothing is sent).
    pub bearer_token_env: Option<String>,
    /// The ICR deployment and the host application, as the events name them.
    pub systems: AuditSystems,
    /// Tries per entry, the first included, for connection errors, 429, 500, 502, 503
    /// and 504. Default 5.
    pub max_attempts: u32,
    /// First wait between tries when the server gives no `Retry-After`; doubled per try
    /// and jittered down by up to half. Default 500 ms.
    pub backoff: Duration,
    /// Longest wait between tries; a server asking for longer ends the run (the entries
    /// wait for the next one). Default 30 s.
    pub max_wait: Duration,
    /// Longest time for one request and its answer. Default 30 s.
    pub request_timeout: Duration,
    /// Longest wait for a TCP and TLS connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Use the proxy the environment names (`HTTPS_PROXY`, …). Default true.
    pub use_proxy: bool,
}

impl ShipTarget {
    /// A target at `base_url` with the default systems and retry rules.
    pub fn new(base_url: impl Into<String>) -> ShipTarget {
        ShipTarget {
            base_url: base_url.into(),
            bearer_token: None,
            bearer_token_env: None,
            systems: AuditSystems::default(),
            max_attempts: 5,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            use_proxy: true,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShipReport {
    /// Entries the server created in this run.
    pub shipped: u64,
    /// Entries the server already held (a resend: an answer lost, or a mark reset).
    pub already_present: u64,
    /// Sequence number of the last entry acknowledged: the mark after the run.
    pub last_seq: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Retries among them.
    pub retries: u64,
}

/// Why a run stopped. Entries acknowledged before it are marked; the rest wait for the
/// next run. Messages hold sequence numbers, HTTP statuses and fixed words only.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShipError {
    /// The base URL breaks a rule (not https off loopback, credentials in it, …).
    #[error("the FHIR base URL is not usable: {0}")]
    Target(&'static str),
    /// The bearer token's environment variable is unset or empty.
    #[error(transparent)]
    MissingBearer(#[from] MissingBearer),
    /// The HTTP client or the async runtime could not be set up.
    #[error("shipping could not start: {0}")]
    Setup(String),
    /// The log could not be read.
    #[error("the audit log could not be read: {0}")]
    Source(AuditError),
    /// The mark could not be read or saved.
    #[error("the shipping mark could not be read or saved: {0}")]
    Mark(AuditError),
    /// The log does not hold the entry the mark names: it was cut short, rolled back or
    /// replaced since that entry was shipped. Nothing was sent.
    #[error(
        "the log does not hold the last entry shipped (entry {seq}): {problem}; nothing was sent"
    )]
    MarkNotInLog {
        /// The mark's sequence number.
        seq: u64,
        /// What the log shows instead.
        problem: ProblemKind,
    },
    /// The log's chain is broken: the entries before the problem were shipped, none
    /// after it (nothing vouches for them).
    #[error("the log's chain is broken at line {line} ({problem}); no entry after it was sent")]
    ChainBroken {
        /// Line of the first problem (1-based).
        line: u64,
        /// What is wrong there.
        problem: ProblemKind,
    },
    /// The server did not answer, or asked to wait, for every try: the entry and those
    /// after it are sent by the next run.
    #[error(
        "the FHIR server did not acknowledge entry {seq} after {attempts} attempts ({reason}); it is sent again next time"
    )]
    Unavailable {
        /// The entry being sent.
        seq: u64,
        /// Tries made.
        attempts: u32,
        /// The last failure, in fixed words (`connection refused`, `HTTP 503`).
        reason: String,
    },
    /// The server refused the entry (4xx other than 429, or another status; `412` means
    /// it already holds the entry more than once). It is not skipped: the runs stop
    /// there until someone looks.
    #[error("the FHIR server refused entry {seq} with HTTP {status}{}", .issue.as_deref().map(|i| format!(" ({i})")).unwrap_or_default())]
    Refused {
        /// The entry refused.
        seq: u64,
        /// The HTTP status.
        status: u16,
        /// The first `OperationOutcome` issue code (`invalid`, `forbidden`), when given.
        issue: Option<String>,
    },
    /// The server redirected the create. Redirects are not followed: a `POST` redirected
    /// as a `GET` would be answered `200` with no event stored. The base URL should name
    /// the endpoint itself.
    #[error(
        "the FHIR server redirected the create of entry {seq}; creates are not redirected (check the base URL)"
    )]
    Redirected {
        /// The entry sent.
        seq: u64,
    },
    /// The server answered "already there" with another event: it does not honour the
    /// search in `If-None-Exist`, so acknowledgements from it cannot be trusted.
    #[error(
        "the FHIR server answered that entry {seq} was already there with another AuditEvent: it does not honour the If-None-Exist search (entity:identifier); nothing more is sent"
    )]
    ConditionIgnored {
        /// The entry sent.
        seq: u64,
    },
}

/// Sends every entry after the mark to the FHIR server, oldest first, moving the mark
/// after each acknowledgement (see the module documentation). Blocking: runs on a
/// current-thread tokio runtime of its own (on a separate thread when called from
/// inside a runtime, which cannot be blocked in place). Call it from a timer, a job or
/// `icr audit ship`; run one shipper per mark.
pub fn ship_pending(
    source: &dyn AuditSource,
    mark: &dyn ShipMark,
    target: &ShipTarget,
) -> Result<ShipReport, ShipError> {
    let run = || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|_| ShipError::Setup("no async runtime could be started".to_owned()))?;
        Shipper::new(target)?.run(&runtime, source, mark)
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|scope| match scope.spawn(run).join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// How the server answered an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Acknowledged {
    Created,
    AlreadyPresent,
}

struct Shipper<'t> {
    target: &'t ShipTarget,
    client: Client,
    endpoint: Url,
    token: Option<Secret>,
}

impl<'t> Shipper<'t> {
    fn new(target: &'t ShipTarget) -> Result<Shipper<'t>, ShipError> {
        check_base_url(&target.base_url).map_err(ShipError::Target)?;
        let mut endpoint =
            Url::parse(&target.base_url).map_err(|_| ShipError::Target("not a URL"))?;
        endpoint
            .path_segments_mut()
            .map_err(|()| ShipError::Target("not a base URL"))?
            .pop_if_empty()
            .push("AuditEvent");
        let token = bearer(
            target.bearer_token.as_ref(),
            target.bearer_token_env.as_deref(),
        )?;
        let options = FetchOptions {
            connect_timeout: target.connect_timeout,
            use_proxy: target.use_proxy,
            // A redirected create is not followed: a 301/302 turns a POST into a GET,
            // whose `200` would read as "already there" for an event never stored.
            max_redirects: 0,
            ..FetchOptions::default()
        };
        let client = client(&options).map_err(|f| ShipError::Setup(f.reason))?;
        Ok(Shipper {
            target,
            client,
            endpoint,
            token,
        })
    }

    fn run(
        &self,
        runtime: &tokio::runtime::Runtime,
        source: &dyn AuditSource,
        mark: &dyn ShipMark,
    ) -> Result<ShipReport, ShipError> {
        let start = mark.load().map_err(ShipError::Mark)?;
        let mut acked = start.clone().unwrap_or_else(Checkpoint::empty);
        // The log against the mark first: a log cut short or replaced is reported, not
        // shipped from. A torn last line is an append in progress (or one the writer
        // quarantines when it next opens the log): not damage.
        let verified = source.verify(start.as_ref()).map_err(ShipError::Source)?;
        let mut damage = None;
        let mut against_mark = None;
        for p in verified.problems {
            match p.kind {
                ProblemKind::Truncated { .. } | ProblemKind::RolledBack => {
                    against_mark.get_or_insert(p.kind);
                }
                ProblemKind::TornTail => {}
                _ => {
                    damage.get_or_insert(p);
                }
            }
        }
        // Damage at or before the mark's entry: nothing vouches for the mark's place in
        // this log, and the damage is the better description of what happened.
        if let Some(p) = damage.take_if(|p| p.line <= acked.seq) {
            return Err(ShipError::ChainBroken {
                line: p.line,
                problem: p.kind,
            });
        }
        if let Some(problem) = against_mark {
            return Err(ShipError::MarkNotInLog {
                seq: acked.seq,
                problem,
            });
        }

        let mut report = ShipReport {
            last_seq: acked.seq,
            ..ShipReport::default()
        };
        let mut seen_mark = acked.seq == 0;
        let mut stopped: Option<ShipError> = None;
        let scan = source.for_each_verified(acked.seq.saturating_sub(1), &mut |entry| {
            if entry.seq <= acked.seq {
                // The mark's own entry, read again: the same entry, or another log.
                if entry.seq == acked.seq && entry.mac != acked.mac {
                    stopped = Some(ShipError::MarkNotInLog {
                        seq: acked.seq,
                        problem: ProblemKind::RolledBack,
                    });
                    return Err(AuditError::Unavailable);
                }
                seen_mark = true;
                return Ok(());
            }
            let sent = runtime
                .block_on(self.send(&entry, &mut report))
                .and_then(|how| {
                    let shipped = Checkpoint {
                        seq: entry.seq,
                        mac: entry.mac.clone(),
                    };
                    mark.save(&shipped).map_err(ShipError::Mark)?;
                    Ok((how, shipped))
                });
            match sent {
                Ok((how, shipped)) => {
                    match how {
                        Acknowledged::Created => report.shipped += 1,
                        Acknowledged::AlreadyPresent => report.already_present += 1,
                    }
                    report.last_seq = shipped.seq;
                    acked = shipped;
                    Ok(())
                }
                Err(e) => {
                    stopped = Some(e);
                    // Stops the read; the real reason is `stopped`.
                    Err(AuditError::Unavailable)
                }
            }
        });
        if let Some(e) = stopped {
            return Err(e);
        }
        scan.map_err(ShipError::Source)?;
        if !seen_mark {
            return Err(ShipError::MarkNotInLog {
                seq: acked.seq,
                problem: ProblemKind::Truncated {
                    expected_at_least: acked.seq,
                },
            });
        }
        if let Some(p) = damage {
            return Err(ShipError::ChainBroken {
                line: p.line,
                problem: p.kind,
            });
        }
        Ok(report)
    }

    /// Creates the entry's event, trying again while the server is unreachable or asks
    /// to, within the target's bounds.
    async fn send(
        &self,
        entry: &AuditEntry,
        report: &mut ShipReport,
    ) -> Result<Acknowledged, ShipError> {
        let target = self.target;
        let seq = entry.seq;
        let event = to_balp_audit_event(entry, &target.systems);
        let body = serde_json::to_vec(&event)
            .map_err(|_| ShipError::Setup("an AuditEvent could not be serialised".to_owned()))?;
        let condition = format!("entity:identifier={AUDIT_ENTRY_SYSTEM}|{}", entry.mac);
        let max_attempts = target.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            report.requests += 1;
            let mut request = self
                .client
                .post(self.endpoint.clone())
                .timeout(target.request_timeout)
                .header(CONTENT_TYPE, "application/fhir+json")
                .header(ACCEPT, "application/fhir+json")
                .header("If-None-Exist", condition.as_str())
                .header("Prefer", "return=representation")
                .body(body.clone());
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose());
            }
            let (reason, asked) = match request.send().await {
                Err(e) if e.is_redirect() => return Err(ShipError::Redirected { seq }),
                Err(e) => (send_error(&e).reason, None),
                Ok(response) => match response.status().as_u16() {
                    201 => {
                        // Read to the end so that the connection can be used again; the
                        // status is the acknowledgement.
                        let _ = read_limited(response, MAX_ANSWER_BYTES).await;
                        return Ok(Acknowledged::Created);
                    }
                    200 => return existing(response, entry).await,
                    status @ (429 | 500 | 502 | 503 | 504) => {
                        let asked = retry_after(response.headers());
                        let _ = read_limited(response, MAX_ANSWER_BYTES).await;
                        (format!("HTTP {status}"), asked)
                    }
                    status => {
                        return Err(ShipError::Refused {
                            seq,
                            status,
                            issue: issue_code(response).await,
                        });
                    }
                },
            };
            if attempt >= max_attempts {
                return Err(ShipError::Unavailable {
                    seq,
                    attempts: attempt,
                    reason,
                });
            }
            let wait = asked.unwrap_or_else(|| jittered(target.backoff, attempt));
            if wait > target.max_wait {
                return Err(ShipError::Unavailable {
                    seq,
                    attempts: attempt,
                    reason: format!("{reason}; asked to wait {} s", wait.as_secs()),
                });
            }
            report.retries += 1;
            tokio::time::sleep(wait).await;
        }
    }
}

/// A `200` to a conditional create: the event the server already holds. When it sends
/// an `AuditEvent` back, it must be the one naming this entry.
async fn existing(response: Response, entry: &AuditEntry) -> Result<Acknowledged, ShipError> {
    let Ok(body) = read_limited(response, MAX_ANSWER_BYTES).await else {
        // The status is the acknowledgement; an unreadable body cannot contradict it.
        return Ok(Acknowledged::AlreadyPresent);
    };
    let Ok(answer) = serde_json::from_slice::<Value>(&body) else {
        return Ok(Acknowledged::AlreadyPresent);
    };
    if answer.get("resourceType").and_then(Value::as_str) != Some("AuditEvent") {
        // An `OperationOutcome` or nothing: the server chose not to return the event.
        return Ok(Acknowledged::AlreadyPresent);
    }
    let names_entry = answer
        .get("entity")
        .and_then(Value::as_array)
        .is_some_and(|entities| {
            entities.iter().any(|e| {
                let text = |at: &str| e.pointer(at).and_then(Value::as_str);
                text("/what/identifier/system") == Some(AUDIT_ENTRY_SYSTEM)
                    && text("/what/identifier/value") == Some(entry.mac.as_str())
            })
        });
    if names_entry {
        Ok(Acknowledged::AlreadyPresent)
    } else {
        Err(ShipError::ConditionIgnored { seq: entry.seq })
    }
}

/// The first `OperationOutcome` issue code of a refusal: a FHIR code, never the
/// diagnostics (which may quote what was sent).
async fn issue_code(response: Response) -> Option<String> {
    let body = read_limited(response, MAX_ANSWER_BYTES).await.ok()?;
    let outcome: Value = serde_json::from_slice(&body).ok()?;
    let code = outcome.pointer("/issue/0/code")?.as_str()?;
    let plain =
        (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    plain.then(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "icr-ship-mark-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn checkpoint(seq: u64) -> Checkpoint {
        Checkpoint {
            seq,
            mac: format!("{seq:064x}"),
        }
    }

    #[test]
    fn a_file_mark_is_absent_then_saved_then_replaced() {
        let dir = temp_dir("roundtrip");
        let mark = FileShipMark::new(&dir.join("mark.json"));
        assert_eq!(mark.load().unwrap(), None);
        mark.save(&checkpoint(7)).unwrap();
        assert_eq!(mark.load().unwrap(), Some(checkpoint(7)));
        mark.save(&checkpoint(8)).unwrap();
        assert_eq!(mark.load().unwrap(), Some(checkpoint(8)));
        // Resetting to the start is allowed (a deliberate resend).
        mark.save(&Checkpoint::empty()).unwrap();
        assert_eq!(mark.load().unwrap(), Some(Checkpoint::empty()));
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "mark.json")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(mark.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "owner only");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_mark_that_is_not_a_mark_is_refused() {
        let dir = temp_dir("bad");
        let path = dir.join("mark.json");
        let mark = FileShipMark::new(&path);
        for bad in [
            &b"not json"[..],
            br#"{"seq":3}"#,
            br#"{"seq":3,"mac":"short"}"#,
            br#"{"seq":3,"mac":"ZZ00000000000000000000000000000000000000000000000000000000000000"}"#,
        ] {
            fs::write(&path, bad).unwrap();
            assert_eq!(mark.load(), Err(AuditError::BadCheckpoint), "{bad:?}");
        }
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert_eq!(mark.load(), Err(AuditError::NotAFile));
        assert_eq!(mark.save(&checkpoint(1)), Err(AuditError::NotAFile));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_at_the_mark_path_is_refused() {
        let dir = temp_dir("link");
        let elsewhere = dir.join("elsewhere.json");
        fs::write(&elsewhere, serde_json::to_vec(&checkpoint(5)).unwrap()).unwrap();
        let path = dir.join("mark.json");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let mark = FileShipMark::new(&path);
        assert_eq!(mark.load(), Err(AuditError::NotAFile));
        assert_eq!(mark.save(&checkpoint(6)), Err(AuditError::NotAFile));
        assert_eq!(
            fs::read(&elsewhere).unwrap(),
            serde_json::to_vec(&checkpoint(5)).unwrap(),
            "the link's target is untouched"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn targets_follow_the_fetch_rules() {
        let refused = |url: &str| match Shipper::new(&ShipTarget::new(url)) {
            Err(ShipError::Target(why)) => why,
            Err(other) => panic!("{url}: {other}"),
            Ok(_) => panic!("{url}: accepted"),
        };
        assert!(refused("http://audit.example.nhs.uk/fhir").contains("https"));
        assert!(refused("https://user:pw@audit.example.nhs.uk/fhir").contains("credentials"));
        assert!(refused("https://audit.example.nhs.uk/fhir?x=1").contains("query"));
        for (base, endpoint) in [
            ("https://audit.example.nhs.uk/fhir", "/fhir/AuditEvent"),
            ("https://audit.example.nhs.uk/fhir/", "/fhir/AuditEvent"),
            ("http://127.0.0.1:9/R4", "/R4/AuditEvent"),
        ] {
            let target = ShipTarget::new(base);
            let shipper = Shipper::new(&target).unwrap();
            assert_eq!(shipper.endpoint.path(), endpoint, "{base}");
        }
        let mut target = ShipTarget::new("https://audit.example.nhs.uk/fhir");
        target.bearer_token_env = Some("ICR_SHIP_TEST_TOKEN_NEVER_SET".into());
        assert!(matches!(
            Shipper::new(&target),
            Err(ShipError::MissingBearer(_))
        ));
    }

    #[test]
    fn errors_say_what_without_any_entry_content() {
        let e = ShipError::Refused {
            seq: 12,
            status: 422,
            issue: Some("invalid".into()),
        };
        assert_eq!(
            e.to_string(),
            "the FHIR server refused entry 12 with HTTP 422 (invalid)"
        );
        let e = ShipError::Unavailable {
            seq: 3,
            attempts: 5,
            reason: "connection refused".into(),
        };
        assert!(
            e.to_string()
                .contains("entry 3 after 5 attempts (connection refused)")
        );
    }
}
