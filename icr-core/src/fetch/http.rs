//! One source's HTTP exchanges: the client (rustls with the platform's roots, gzip,
//! a redirect policy that never leaves the origin), bounded retries within the deadline,
//! a size cap counted on decompressed bytes while streaming, and the content-type check.
//!
//! Reasons are fixed words and numbers: never reqwest's messages, which quote URLs, and a
//! FHIR search URL holds the NHS number.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Client, RequestBuilder, Response};
use ring::rand::SecureRandom;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::outcome::{Failure, by_http, from_operation_outcome};
use super::retry_after::parse_retry_after;
use super::{FetchOptions, ProgressEvent, SourceProgress};
use crate::model::SourceStatus;

/// Largest error body read to look for an `OperationOutcome`.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug)]
struct TooManyRedirects;

impl std::fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("too many redirects")
    }
}

impl std::error::Error for TooManyRedirects {}

/// The TLS configuration ([`crate::tls`]) speaking HTTP/1.1.
fn tls() -> Result<rustls::ClientConfig, &'static str> {
    let mut tls = crate::tls::client_config()?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

/// The HTTP client the sources of one fetch share. TLS is rustls over ring with the
/// operating system's trust store; certificate and host name verification cannot be
/// turned off. A client is not kept between fetches: its connection pool belongs to the
/// runtime it ran on, and the blocking API runs each fetch on a runtime of its own.
pub(crate) fn client(options: &FetchOptions) -> Result<Client, Failure> {
    let unavailable = |what: &str| {
        Failure::new(
            SourceStatus::Unavailable,
            format!("the HTTP client could not be set up ({what})"),
        )
    };
    let tls = tls().map_err(unavailable)?;
    let max_redirects = options.max_redirects;
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            // Never follow to another origin: the request carries credentials and, for
            // GP Connect, a token naming the patient. The 3xx is reported as it is.
            attempt.stop()
        } else if attempt.previous().len() > max_redirects {
            attempt.error(TooManyRedirects)
        } else {
            attempt.follow()
        }
    });
    let mut builder = Client::builder()
        .tls_backend_preconfigured(tls)
        .https_only(false)
        .gzip(true)
        .redirect(redirect)
        .connect_timeout(options.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(30))
        .user_agent(concat!("icr-sdk/", env!("CARGO_PKG_VERSION")));
    if !options.use_proxy {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|_| unavailable("client"))
}

/// Byte and page allowance of one source, shared by its concurrent requests.
#[derive(Debug)]
pub(crate) struct Budget {
    max_bytes: u64,
    used: AtomicU64,
    max_pages: u32,
    pages: AtomicU32,
    total: Arc<TotalBudget>,
}

/// What one fetch may receive over all its sources together, so that many sources each
/// under their own cap cannot together exhaust the host's memory.
#[derive(Debug)]
pub(crate) struct TotalBudget {
    max_bytes: u64,
    used: AtomicU64,
}

impl TotalBudget {
    pub(crate) fn new(max_bytes: usize) -> Arc<Self> {
        Arc::new(TotalBudget {
            max_bytes: max_bytes as u64,
            used: AtomicU64::new(0),
        })
    }
}

impl Budget {
    pub(crate) fn new(max_bytes: usize, max_pages: u32, total: Arc<TotalBudget>) -> Self {
        Budget {
            max_bytes: max_bytes as u64,
            used: AtomicU64::new(0),
            max_pages,
            pages: AtomicU32::new(0),
            total,
        }
    }

    fn remaining(&self) -> u64 {
        let own = self
            .max_bytes
            .saturating_sub(self.used.load(Ordering::Relaxed));
        let all = self
            .total
            .max_bytes
            .saturating_sub(self.total.used.load(Ordering::Relaxed));
        own.min(all)
    }

    /// Why a response of `len` declared bytes is refused before reading: the source's
    /// own limit, or else the fetch's total.
    fn refusal(&self, len: u64) -> Failure {
        let own = self
            .max_bytes
            .saturating_sub(self.used.load(Ordering::Relaxed));
        if len > own {
            too_large(self.max_bytes)
        } else {
            self.total_reached()
        }
    }

    fn total_reached(&self) -> Failure {
        Failure::new(
            SourceStatus::TooLarge,
            format!(
                "the fetch reached its total limit of {} bytes over all sources",
                self.total.max_bytes
            ),
        )
    }

    fn take(&self, n: usize) -> Result<(), Failure> {
        let before = self.used.fetch_add(n as u64, Ordering::Relaxed);
        if before.saturating_add(n as u64) > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        let all = self.total.used.fetch_add(n as u64, Ordering::Relaxed);
        if all.saturating_add(n as u64) > self.total.max_bytes {
            return Err(self.total_reached());
        }
        Ok(())
    }

    pub(crate) fn take_page(&self) -> Result<(), Failure> {
        if self.pages.fetch_add(1, Ordering::Relaxed) >= self.max_pages {
            return Err(Failure::new(
                SourceStatus::TooLarge,
                format!("more than {} pages of results", self.max_pages),
            ));
        }
        Ok(())
    }

    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed).min(self.max_bytes)
    }
}

fn too_large(limit: u64) -> Failure {
    Failure::new(
        SourceStatus::TooLarge,
        format!("the response is over the limit of {limit} bytes"),
    )
}

/// Everything one source's requests share.
pub(crate) struct Exchange {
    pub(crate) client: Client,
    pub(crate) index: usize,
    pub(crate) ods_code: String,
    pub(crate) deadline: Instant,
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Duration,
    pub(crate) budget: Budget,
    pub(crate) requests: AtomicU32,
    pub(crate) retries: AtomicU32,
    pub(crate) progress: UnboundedSender<SourceProgress>,
}

impl Exchange {
    fn report(&self, event: ProgressEvent) {
        // The receiver is gone only when the fetch has ended; nothing to tell then.
        let _ = self.progress.send(SourceProgress {
            index: super::position(self.index),
            ods_code: self.ods_code.clone(),
            event,
        });
    }

    /// Sends the request `make` builds, retrying 429, 502, 503 and 504 (honouring
    /// `Retry-After`) while the deadline allows, and returns the body of a successful
    /// FHIR JSON response (which may still be an `OperationOutcome`).
    pub(crate) async fn send(
        &self,
        make: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> Result<Vec<u8>, Failure> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let response = make().send().await.map_err(|e| send_error(&e))?;
            let code = response.status().as_u16();
            if !matches!(code, 429 | 502 | 503 | 504) {
                return self.read(response, code).await;
            }
            let last = by_http(code);
            if attempt >= self.max_attempts {
                return Err(Failure::new(
                    last.status,
                    format!("{} after {attempt} attempts", last.reason),
                ));
            }
            let wait =
                retry_after(response.headers()).unwrap_or_else(|| jittered(self.backoff, attempt));
            if Instant::now() + wait >= self.deadline {
                return Err(Failure::new(
                    last.status,
                    format!("{}; a retry would pass the deadline", last.reason),
                ));
            }
            drop(response);
            self.retries.fetch_add(1, Ordering::Relaxed);
            self.report(ProgressEvent::Retrying {
                attempt: attempt + 1,
                delay_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                http_status: code,
            });
            tokio::time::sleep(wait).await;
        }
    }

    async fn read(&self, response: Response, code: u16) -> Result<Vec<u8>, Failure> {
        if (200..300).contains(&code) {
            check_content_type(response.headers())?;
            // A 200 `OperationOutcome` is recognised when the body fails to ingest, so a
            // large record is not parsed twice.
            return self.read_capped(response).await;
        }
        if (300..400).contains(&code) {
            return Err(Failure::new(
                SourceStatus::Unavailable,
                format!("redirected to another origin, not followed (HTTP {code})"),
            ));
        }
        if check_content_type(response.headers()).is_ok()
            && let Ok(body) = read_limited(response, ERROR_BODY_LIMIT).await
            && let Some(f) = from_operation_outcome(&body, code)
        {
            return Err(f);
        }
        Err(by_http(code))
    }

    /// Reads the body, counting decompressed bytes against the source's budget as they
    /// arrive; a declared length over the budget is refused before reading.
    async fn read_capped(&self, mut response: Response) -> Result<Vec<u8>, Failure> {
        let remaining = self.budget.remaining();
        let declared = response.content_length();
        if let Some(len) = declared.filter(|len| *len > remaining) {
            return Err(self.budget.refusal(len));
        }
        let capacity = declared.unwrap_or(64 * 1024).min(remaining);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| body_error(&e))? {
            self.budget.take(chunk.len())?;
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

pub(crate) async fn read_limited(mut response: Response, limit: usize) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| body_error(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit as u64));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// `base · 2^(attempt-1)`, scaled by a random factor in [0.5, 1].
pub(crate) fn jittered(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    let mut byte = [0u8; 1];
    let r = if ring::rand::SystemRandom::new().fill(&mut byte).is_ok() {
        f64::from(byte[0]) / 255.0
    } else {
        1.0
    };
    exp.mul_f64(0.5 + r / 2.0)
}

/// Accepts `application/fhir+json` and `application/json` (any parameters).
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), Failure> {
    let value = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/fhir+json" || mime == "application/json" {
        return Ok(());
    }
    let shown = if mime.is_empty() {
        "none".to_owned()
    } else if mime.len() <= 60
        && mime
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/+.-".contains(&b))
    {
        mime
    } else {
        "unrecognised".to_owned()
    };
    Err(Failure::new(
        SourceStatus::InvalidResponse,
        format!("unexpected content type ({shown}), not FHIR JSON"),
    ))
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

fn has<T: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<T>() {
            return true;
        }
        source = s.source();
    }
    false
}

pub(crate) fn send_error(e: &reqwest::Error) -> Failure {
    use std::io::ErrorKind;
    if e.is_redirect() {
        return Failure::new(SourceStatus::Unavailable, "too many redirects");
    }
    if e.is_timeout() {
        return Failure::new(SourceStatus::TimedOut, "the connection timed out");
    }
    match io_kind(e) {
        Some(ErrorKind::ConnectionRefused) => {
            return Failure::new(SourceStatus::Refused, "connection refused");
        }
        Some(ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe) => {
            return Failure::new(SourceStatus::Unavailable, "connection reset by the source");
        }
        _ => {}
    }
    if has::<rustls::Error>(e) {
        return Failure::new(
            SourceStatus::Unavailable,
            "TLS handshake failed (certificate not trusted or not for this host)",
        );
    }
    if e.is_connect() {
        return Failure::new(SourceStatus::Unavailable, "could not connect");
    }
    Failure::new(
        SourceStatus::Unavailable,
        "the connection closed before a response",
    )
}

fn body_error(e: &reqwest::Error) -> Failure {
    use std::io::ErrorKind;
    if e.is_timeout() {
        return Failure::new(SourceStatus::TimedOut, "timed out reading the response");
    }
    match io_kind(e) {
        Some(ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe) => {
            return Failure::new(
                SourceStatus::Unavailable,
                "connection reset while reading the response",
            );
        }
        Some(ErrorKind::UnexpectedEof) => {
            return Failure::new(
                SourceStatus::InvalidResponse,
                "the response ended before its declared length",
            );
        }
        Some(ErrorKind::InvalidData) if e.is_decode() => {
            return Failure::new(
                SourceStatus::InvalidResponse,
                "the response could not be decompressed",
            );
        }
        _ => {}
    }
    if e.is_decode() {
        return Failure::new(
            SourceStatus::InvalidResponse,
            "the response could not be decoded",
        );
    }
    Failure::new(
        SourceStatus::InvalidResponse,
        "the response body was cut short",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        for ok in [
            "application/fhir+json",
            "application/fhir+json; charset=utf-8; fhirVersion=4.0",
            "Application/JSON",
        ] {
            h.insert(CONTENT_TYPE, HeaderValue::from_static(ok));
            assert!(check_content_type(&h).is_ok(), "{ok}");
        }
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let f = check_content_type(&h).unwrap_err();
        assert_eq!(f.status, SourceStatus::InvalidResponse);
        assert!(f.reason.contains("text/html"));
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("x/9434765919<script>"),
        );
        assert!(
            !check_content_type(&h)
                .unwrap_err()
                .reason
                .contains("script")
        );
        h.remove(CONTENT_TYPE);
        assert!(check_content_type(&h).unwrap_err().reason.contains("none"));
    }

    #[test]
    fn backoff_grows_with_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..5 {
            let d = jittered(base, attempt);
            let full = base * (1 << (attempt - 1));
            assert!(d >= full / 2 && d <= full, "{d:?}");
        }
        assert!(jittered(base, 200) <= base * 1024);
    }

    #[test]
    fn budget() {
        let b = Budget::new(10, 2, TotalBudget::new(100));
        assert!(b.take(6).is_ok());
        assert_eq!(b.remaining(), 4);
        assert_eq!(b.take(5).unwrap_err().status, SourceStatus::TooLarge);
        assert!(b.take_page().is_ok() && b.take_page().is_ok());
        assert_eq!(b.take_page().unwrap_err().status, SourceStatus::TooLarge);
    }

    #[test]
    fn sources_under_their_own_cap_share_the_fetchs_total() {
        let total = TotalBudget::new(25);
        let sources: Vec<Budget> = (0..3).map(|_| Budget::new(10, 2, total.clone())).collect();
        assert!(sources[0].take(10).is_ok());
        assert!(sources[1].take(10).is_ok());
        assert_eq!(sources[2].remaining(), 5, "what the fetch has left");
        let over = sources[2].take(6).unwrap_err();
        assert_eq!(over.status, SourceStatus::TooLarge);
        assert!(
            over.reason.contains("total limit of 25 bytes"),
            "{}",
            over.reason
        );
    }
}
