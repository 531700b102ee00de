//! What a source's refusal means: an `OperationOutcome` (GP Connect's Spine error codes
//! first) or, failing that, the HTTP status, mapped to a [`SourceStatus`] and a reason
//! without patient data.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::model::SourceStatus;

/// How a source ended: its status and the reason shown to the professional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: SourceStatus,
    pub(crate) reason: String,
    /// The HTTP status the source answered, when it answered.
    pub(crate) http: Option<u16>,
}

impl Failure {
    pub(crate) fn new(status: SourceStatus, reason: impl Into<String>) -> Self {
        Failure {
            status,
            reason: reason.into(),
            http: None,
        }
    }

    fn http(mut self, code: u16) -> Self {
        self.http = Some(code);
        self
    }
}

#[derive(Deserialize)]
struct Outcome {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(default)]
    issue: Vec<Issue>,
}

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    details: Option<Concept>,
    #[serde(default, rename = "diagnostics")]
    _diagnostics: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Concept {
    #[serde(default)]
    coding: Vec<Coding>,
}

#[derive(Deserialize)]
struct Coding {
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// The status a Spine `ErrorOrWarningCode` (GP Connect, PDS, SSP) stands for.
fn spine_status(code: &str) -> Option<SourceStatus> {
    Some(match code {
        "PATIENT_NOT_FOUND" | "PATIENT_SENSITIVE" | "NO_RECORD_FOUND" => {
            SourceStatus::PatientNotFound
        }
        "NO_PATIENT_CONSENT" => SourceStatus::PatientDissent,
        "ACCESS_DENIED" | "NO_RELATIONSHIP" | "INVALID_ASID" | "UNAUTHORISED" => {
            SourceStatus::AccessDenied
        }
        "INVALID_NHS_NUMBER"
        | "INVALID_IDENTIFIER_SYSTEM"
        | "INVALID_IDENTIFIER_VALUE"
        | "INVALID_PARAMETER"
        | "INVALID_RESOURCE"
        | "BAD_REQUEST"
        | "MALFORMED_REQUEST"
        | "REFERENCE_NOT_FOUND"
        | "UNSUPPORTED_MEDIA_TYPE"
        | "INVALID_INTERACTION_ID" => SourceStatus::Refused,
        "INTERNAL_SERVER_ERROR"
        | "NOT_IMPLEMENTED"
        | "ORGANISATION_NOT_FOUND"
        | "TEMPORARILY_UNAVAILABLE" => SourceStatus::Unavailable,
        _ => return None,
    })
}

/// When `body` is an `OperationOutcome`, what it means (`http` is the response status,
/// for the reason). `None` when the body is anything else.
pub(crate) fn from_operation_outcome(body: &[u8], http: u16) -> Option<Failure> {
    // Cheap test first: most bodies are Bundles, which need not be parsed twice.
    if !contains(body, b"OperationOutcome") {
        return None;
    }
    let outcome: Outcome = serde_json::from_slice(body).ok()?;
    if outcome.resource_type != "OperationOutcome" {
        return None;
    }
    let spine = outcome
        .issue
        .iter()
        .filter_map(|i| i.details.as_ref())
        .flat_map(|d| d.coding.iter())
        .filter(|c| {
            c.system
                .as_deref()
                .is_some_and(|s| s.contains("ErrorOrWarningCode"))
        })
        .filter_map(|c| c.code.as_deref())
        .next();
    if let Some(code) = spine {
        // Only codes of the known list are repeated: anything else a source writes there
        // could be data.
        let (status, shown) = match spine_status(code) {
            Some(status) => (status, code),
            None => (by_http(http).status, "an unrecognised Spine error code"),
        };
        return Some(
            Failure::new(status, format!("the source answered {shown} (HTTP {http})")).http(http),
        );
    }
    let issue_code = outcome
        .issue
        .iter()
        .filter_map(|i| i.code.as_deref())
        .find_map(|c| match c {
            "security" | "forbidden" | "login" | "suppressed" => Some(SourceStatus::AccessDenied),
            "not-found" if http == 404 => Some(SourceStatus::PatientNotFound),
            _ => None,
        });
    let status = issue_code.unwrap_or_else(|| {
        if (200..300).contains(&http) {
            SourceStatus::InvalidResponse
        } else {
            by_http(http).status
        }
    });
    Some(
        Failure::new(
            status,
            format!("the source answered with an OperationOutcome (HTTP {http})"),
        )
        .http(http),
    )
}

/// What an HTTP error status means when the body says nothing more.
pub(crate) fn by_http(http: u16) -> Failure {
    let (status, what) = match http {
        401 | 403 => (SourceStatus::AccessDenied, "access denied by the source"),
        404 | 410 => (SourceStatus::Unavailable, "endpoint not found"),
        408 => (SourceStatus::TimedOut, "the source timed out"),
        429 => (SourceStatus::Unavailable, "rate limited by the source"),
        413 | 414 | 431 => (SourceStatus::Refused, "request refused as too large"),
        400..=499 => (SourceStatus::Refused, "request refused by the source"),
        502..=504 => (SourceStatus::Unavailable, "service unavailable"),
        500..=599 => (SourceStatus::Unavailable, "source error"),
        300..=399 => (SourceStatus::Unavailable, "redirect not followed"),
        _ => (SourceStatus::InvalidResponse, "unexpected HTTP status"),
    };
    Failure::new(status, format!("{what} (HTTP {http})")).http(http)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oo(code: &str) -> Vec<u8> {
        format!(
            r#"{{"resourceType":"OperationOutcome","meta":{{"profile":["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1"]}},
            "issue":[{{"severity":"error","code":"invalid","diagnostics":"NHS number 9434765919 rejected",
            "details":{{"coding":[{{"system":"https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1","code":"{code}"}}]}}}}]}}"#
        )
        .into_bytes()
    }

    #[test]
    fn gp_connect_codes() {
        for (code, http, status) in [
            ("PATIENT_NOT_FOUND", 404, SourceStatus::PatientNotFound),
            ("NO_PATIENT_CONSENT", 403, SourceStatus::PatientDissent),
            ("INVALID_NHS_NUMBER", 400, SourceStatus::Refused),
            ("ACCESS_DENIED", 403, SourceStatus::AccessDenied),
            ("NO_RELATIONSHIP", 403, SourceStatus::AccessDenied),
            ("INTERNAL_SERVER_ERROR", 500, SourceStatus::Unavailable),
        ] {
            let f = from_operation_outcome(&oo(code), http).unwrap();
            assert_eq!(f.status, status, "{code}");
            assert!(f.reason.contains(code));
            assert!(!f.reason.contains("9434765919"));
        }
    }

    #[test]
    fn unsafe_codes_and_other_bodies() {
        let f = from_operation_outcome(&oo("9434765919"), 400).unwrap();
        assert_eq!(f.status, SourceStatus::Refused);
        assert!(!f.reason.contains("9434765919"));
        let f = from_operation_outcome(&oo("SOMETHING_NEW"), 403).unwrap();
        assert_eq!(f.status, SourceStatus::AccessDenied);
        assert!(!f.reason.contains("SOMETHING_NEW"));
        assert!(from_operation_outcome(br#"{"resourceType":"Bundle"}"#, 200).is_none());
        assert!(from_operation_outcome(b"<html>OperationOutcome", 200).is_none());
        let plain = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"forbidden"}]}"#;
        assert_eq!(
            from_operation_outcome(plain, 403).unwrap().status,
            SourceStatus::AccessDenied
        );
        let plain = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}"#;
        assert_eq!(
            from_operation_outcome(plain, 200).unwrap().status,
            SourceStatus::InvalidResponse
        );
    }

    #[test]
    fn http_statuses() {
        assert_eq!(by_http(403).status, SourceStatus::AccessDenied);
        assert_eq!(by_http(404).status, SourceStatus::Unavailable);
        assert_eq!(by_http(400).status, SourceStatus::Refused);
        assert_eq!(by_http(503).status, SourceStatus::Unavailable);
        assert_eq!(by_http(302).status, SourceStatus::Unavailable);
    }
}
