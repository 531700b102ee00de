//! `Retry-After` (RFC 9110 10.2.3): delay-seconds or an HTTP date. A small pure function,
//! so it can be fuzzed on its own.

use std::time::{Duration, SystemTime};

/// Longest wait a `Retry-After` can ask for that is believed (one day); longer values
/// are clamped, so arithmetic never overflows.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// How long a `Retry-After` value asks to wait, measured from `now`.
///
/// Accepts delay-seconds (`120`) and the three HTTP date forms (IMF-fixdate, RFC 850,
/// asctime). A date in the past means "now" (zero). Anything else, including negative
/// or fractional seconds and values with other text, is `None`. Results are clamped to
/// [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    if value.is_empty() || value.len() > 64 {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Leading zeros are allowed; very long numbers clamp instead of overflowing.
        let seconds = value
            .parse::<u64>()
            .unwrap_or(MAX_RETRY_AFTER.as_secs())
            .min(MAX_RETRY_AFTER.as_secs());
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn seconds() {
        let now = at(1_000_000);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("007", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
        for bad in ["", "-1", "1.5", "1s", "+3", "0x10", "1 2", "\u{661}"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        // Sun, 06 Nov 1994 08:49:37 GMT = 784111777
        let now = at(784_111_777 - 2);
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(form, now),
                Some(Duration::from_secs(2)),
                "{form}"
            );
        }
        // In the past: retry now.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at(784_111_777 + 60)),
            Some(Duration::ZERO)
        );
        // Far future: clamped.
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "tomorrow",
            "Sun, 06 Nov 1994",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let now = SystemTime::now();
        for s in [
            "\0",
            "ÿÿÿÿ",
            "Sun, 06 Nov 1994 08:49:37 GMTxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            let _ = parse_retry_after(s, now);
        }
    }
}
