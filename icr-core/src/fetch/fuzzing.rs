//! Entry points for the fuzz targets in `icr-core/fuzz` (feature `fuzzing`): the parsers
//! an HTTP response from a source goes through are crate-private, and this reaches them
//! without making them part of the public API. Nothing here is compiled into a release
//! build unless the feature is asked for.

use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

use super::fhir_r4::{assemble, read_page};
use super::http::check_content_type;
use super::outcome::{by_http, from_operation_outcome};
use super::retry_after::parse_retry_after;

/// What the response parsers made of one response.
#[derive(Debug)]
pub struct ResponseReading {
    /// The wait `Retry-After` asked for.
    pub retry_after: Option<Duration>,
    /// Whether the `Content-Type` is one the fetcher reads.
    pub content_type_ok: bool,
    /// Every reason a professional could be shown for this response.
    pub reasons: Vec<String>,
    /// The search page read as resources and a `next` link: the resources joined into
    /// one Bundle, as the fetcher hands it to ingest.
    pub page: Option<(Vec<u8>, Option<String>)>,
}

/// Runs one response (status, two header values, body) through every parser the
/// fetcher uses on it.
pub fn read_response(
    http: u16,
    content_type: &str,
    retry_after: &str,
    body: &[u8],
    now: SystemTime,
) -> ResponseReading {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    let mut reasons = Vec::new();
    let content_type_ok = match check_content_type(&headers) {
        Ok(()) => true,
        Err(f) => {
            reasons.push(f.reason);
            false
        }
    };
    if let Some(f) = from_operation_outcome(body, http) {
        reasons.push(f.reason);
    }
    reasons.push(by_http(http).reason);
    let page = match read_page(body, http) {
        Ok((found, next)) => match assemble(&found, "https://source.example/fhir") {
            Ok(bundle) => Some((bundle, next)),
            Err(f) => {
                reasons.push(f.reason);
                None
            }
        },
        Err(f) => {
            reasons.push(f.reason);
            None
        }
    };
    ResponseReading {
        retry_after: parse_retry_after(retry_after, now),
        content_type_ok,
        reasons,
        page,
    }
}
