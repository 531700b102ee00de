//! A source's HTTP response: `Retry-After`, `Content-Type`, OperationOutcome and search
//! page parsing.

use std::time::{Duration, SystemTime};

use icr_core::IngestOptions;
use icr_core::fetch::MAX_RETRY_AFTER;
use icr_core::fetch::fuzzing::read_response;

/// A response, from bytes laid out as [`encode`] writes them: the status (2 bytes,
/// little-endian), the clock (4 bytes, seconds since 1970), then the `Content-Type`
/// line, the `Retry-After` line and the body.
struct Response<'a> {
    status: u16,
    now_secs: u32,
    content_type: String,
    retry_after: String,
    body: &'a [u8],
}

impl<'a> Response<'a> {
    fn decode(data: &'a [u8]) -> Option<Response<'a>> {
        let (status, rest) = data.split_first_chunk::<2>()?;
        let (now, rest) = rest.split_first_chunk::<4>()?;
        let mut lines = rest.splitn(3, |&b| b == b'\n');
        let content_type = String::from_utf8_lossy(lines.next()?).into_owned();
        let retry_after = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
        Some(Response {
            status: u16::from_le_bytes(*status),
            now_secs: u32::from_le_bytes(*now),
            content_type,
            retry_after,
            body: lines.next().unwrap_or_default(),
        })
    }
}

/// Lays out a response (for seeds).
pub fn encode(
    status: u16,
    now: u32,
    content_type: &str,
    retry_after: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 64);
    out.extend_from_slice(&status.to_le_bytes());
    out.extend_from_slice(&now.to_le_bytes());
    out.extend_from_slice(content_type.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(retry_after.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// Runs a fuzzed response through the fetcher's parsers. A `Retry-After` wait is never
/// longer than [`MAX_RETRY_AFTER`]; every reason a professional could be shown is a
/// short fixed sentence that never repeats the body (no JSON or markup in it); a search
/// page joins into a Bundle that is valid JSON when the page was, and ingests without
/// panicking.
pub fn fetch_response(data: &[u8]) {
    let Some(r) = Response::decode(data) else {
        return;
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(r.now_secs));
    let reading = read_response(r.status, &r.content_type, &r.retry_after, r.body, now);
    if let Some(wait) = reading.retry_after {
        assert!(wait <= MAX_RETRY_AFTER, "Retry-After wait {wait:?}");
    }
    for reason in &reading.reasons {
        assert!(reason.len() <= 120, "reason of {} bytes", reason.len());
        assert!(
            !reason.contains(['{', '}', '"', '<', '>']),
            "reason repeats content: {reason}"
        );
    }
    if let Some((bundle, _next)) = reading.page {
        // The page is read lazily (resources kept as raw JSON text, which serde_json
        // does not decode): a resource with an escape no string can hold (a lone
        // surrogate, `\uDDDD`) passes through, and ingest refuses the joined Bundle as
        // invalid JSON, a typed error. What joining must never do is break JSON that
        // was valid.
        let strict = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).is_ok();
        if strict(r.body) {
            assert!(strict(&bundle), "joining a valid page made invalid JSON");
        }
        let _ = icr_core::ingest(&bundle, &IngestOptions::default());
    }
}
