//! GP Connect consumer tokens: the unsigned JWT a consumer sends to a GP Connect
//! provider with each request (the "cross organisation audit" token).
//!
//! These tokens are unsigned by design (`alg: none`, empty signature): GP Connect relies
//! on the Spine Secure Proxy and TLS client certificates for authenticity and uses the
//! token only to tell the provider who is asking, for whom and why, for its audit trail.
//! That is why they live on this separate, explicitly named path. An unsigned token proves
//! nothing about its author, so [`Verifier::verify`](super::Verifier::verify) refuses it
//! with [`LaunchError::AlgorithmNone`], and a [`GpConnectClaims`] is never a substitute
//! for a [`LaunchContext`](super::LaunchContext).
//!
//! The rules follow the GP Connect specification: header `{"alg":"none","typ":"JWT"}`,
//! an empty signature, `exp` exactly 300 seconds after `iat`, `reason_for_request`
//! `directcare`, `requested_scope` one of `patient/*.read`, `patient/*.write`,
//! `organization/*.read`, `organization/*.write`, and FHIR resources for the requested
//! record (a Patient with an NHS number identifier), the requesting device, the requesting
//! organisation (an ODS code identifier) and the requesting practitioner (an SDS user id
//! identifier).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::claims::{check_times, required_date, required_string};
use super::error::{KeyError, LaunchError};
use super::jws::{self, HeaderAlg};
use crate::identity::{NHS_NUMBER_SYSTEMS, NhsNumber};

/// A GP Connect consumer token must expire exactly this many seconds after it is issued.
pub const GP_CONNECT_LIFETIME: i64 = 300;
/// Clock leeway applied when reading a consumer token, seconds.
const LEEWAY: i64 = 60;
/// Issuer written into consumer tokens minted by the SDK.
pub const GP_CONNECT_CONSUMER_ISSUER: &str = "https://icr-sdk.invalid";

const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
const ODS_SYSTEMS: [&str; 2] = [ODS_SYSTEM, "http://fhir.nhs.net/Id/ods-organization-code"];
const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
const SDS_USER_SYSTEM: &str = "https://fhir.nhs.uk/Id/sds-user-id";
/// The SDS user id systems, including the mis-spelt DSTU2-era one providers still see.
const SDS_USER_SYSTEMS: [&str; 3] = [
    SDS_USER_SYSTEM,
    "http://fhir.nhs.net/Id/sds-user-id",
    "http://fhir.nhs.net/sds-user-id",
];
const SCOPES: [&str; 4] = [
    "patient/*.read",
    "patient/*.write",
    "organization/*.read",
    "organization/*.write",
];

/// What a GP Connect consumer token says (all of it unauthenticated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpConnectClaims {
    /// ODS code from `requesting_organization`.
    pub requesting_organization_ods: String,
    /// SDS user id from `requesting_practitioner`.
    pub requesting_practitioner_id: String,
    /// NHS number from `requested_record` (the Patient whose record is requested).
    pub requested_record: NhsNumber,
    /// `reason_for_request`; always `directcare`.
    pub reason_for_request: String,
    /// `requested_scope`, e.g. `patient/*.read`.
    pub requested_scope: String,
    /// `iat`, seconds since the Unix epoch.
    pub issued_at: i64,
    /// `exp`, seconds since the Unix epoch; always `issued_at + 300`.
    pub expires_at: i64,
}

/// Reads an unsigned GP Connect consumer token at time `now_unix`, applying the rules in
/// the module documentation (60 seconds of clock leeway, 16 KiB size limit).
///
/// This authenticates nothing; use it where a GP Connect provider role needs the audit
/// claims, never to decide who the user is.
pub fn read_gp_connect_consumer_jwt(
    token: &str,
    now_unix: i64,
) -> Result<GpConnectClaims, LaunchError> {
    let parts = jws::split(token, jws::DEFAULT_MAX_TOKEN_BYTES)?;
    if !parts.signature.is_empty() {
        return Err(LaunchError::SignaturePresent);
    }
    let header = jws::header(&parts)?;
    match jws::alg(&header)? {
        HeaderAlg::None if header.get("alg").and_then(Value::as_str) == Some("none") => {}
        // "None", "NONE": GP Connect writes "none"; anything else is not this format.
        HeaderAlg::None => return Err(LaunchError::InvalidHeader("alg")),
        HeaderAlg::Known(_) => return Err(LaunchError::UnsupportedAlgorithm),
    }
    jws::common_rules(&header)?;
    let claims = jws::claims(&parts)?;

    let issued_at = required_date(&claims, "iat")?;
    let expires_at = required_date(&claims, "exp")?;
    if expires_at.checked_sub(issued_at) != Some(GP_CONNECT_LIFETIME) {
        return Err(LaunchError::InvalidLifetime);
    }
    check_times(
        now_unix,
        LEEWAY,
        GP_CONNECT_LIFETIME,
        issued_at,
        expires_at,
        None,
    )?;
    required_string(&claims, "iss")?;
    required_string(&claims, "sub")?;
    required_string(&claims, "aud")?;
    let reason_for_request = required_string(&claims, "reason_for_request")?;
    if reason_for_request != "directcare" {
        return Err(LaunchError::InvalidClaim("reason_for_request"));
    }
    let requested_scope = required_string(&claims, "requested_scope")?;
    if !SCOPES.contains(&requested_scope.as_str()) {
        return Err(LaunchError::InvalidClaim("requested_scope"));
    }

    let record = resource(&claims, "requested_record", "Patient")?;
    let nhs_number = identifier(record, &NHS_NUMBER_SYSTEMS)
        .ok_or(LaunchError::InvalidClaim("requested_record"))?;
    let requested_record =
        NhsNumber::parse(nhs_number).map_err(|_| LaunchError::InvalidClaim("requested_record"))?;
    resource(&claims, "requesting_device", "Device")?;
    let organisation = resource(&claims, "requesting_organization", "Organization")?;
    let requesting_organization_ods = identifier(organisation, &ODS_SYSTEMS)
        .filter(|ods| is_identifier_value(ods))
        .ok_or(LaunchError::InvalidClaim("requesting_organization"))?
        .to_owned();
    let practitioner = resource(&claims, "requesting_practitioner", "Practitioner")?;
    let requesting_practitioner_id = identifier(practitioner, &SDS_USER_SYSTEMS)
        .filter(|id| is_identifier_value(id))
        .ok_or(LaunchError::InvalidClaim("requesting_practitioner"))?
        .to_owned();

    Ok(GpConnectClaims {
        requesting_organization_ods,
        requesting_practitioner_id,
        requested_record,
        reason_for_request,
        requested_scope,
        issued_at,
        expires_at,
    })
}

/// Writes the unsigned consumer token a fetcher sends to a GP Connect provider at
/// `audience` (the provider's FHIR endpoint). The claims must already obey the rules:
/// `expires_at - issued_at == 300`, `reason_for_request == "directcare"`, a known scope.
pub fn mint_gp_connect_consumer_jwt(
    claims: &GpConnectClaims,
    audience: &str,
) -> Result<String, KeyError> {
    if claims.expires_at.checked_sub(claims.issued_at) != Some(GP_CONNECT_LIFETIME) {
        return Err(KeyError::Claims("exp 300 seconds after iat"));
    }
    if claims.reason_for_request != "directcare" {
        return Err(KeyError::Claims("reason_for_request"));
    }
    if !SCOPES.contains(&claims.requested_scope.as_str()) {
        return Err(KeyError::Claims("requested_scope"));
    }
    if !is_identifier_value(&claims.requesting_organization_ods) {
        return Err(KeyError::Claims("requesting_organization"));
    }
    if !is_identifier_value(&claims.requesting_practitioner_id) {
        return Err(KeyError::Claims("requesting_practitioner"));
    }
    if audience.is_empty() || audience.len() > 256 || audience.chars().any(char::is_control) {
        return Err(KeyError::Claims("aud"));
    }

    let header = json!({ "alg": "none", "typ": "JWT" });
    let body = json!({
        "iss": GP_CONNECT_CONSUMER_ISSUER,
        "sub": claims.requesting_practitioner_id,
        "aud": audience,
        "exp": claims.expires_at,
        "iat": claims.issued_at,
        "reason_for_request": claims.reason_for_request,
        "requested_scope": claims.requested_scope,
        "requested_record": {
            "resourceType": "Patient",
            "identifier": [{
                "system": NHS_NUMBER_SYSTEM,
                "value": claims.requested_record.as_str(),
            }],
        },
        "requesting_device": {
            "resourceType": "Device",
            "identifier": [{
                "system": "https://icr-sdk.invalid/Id/device",
                "value": "icr-sdk",
            }],
            "model": "ICR SDK",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "requesting_organization": {
            "resourceType": "Organization",
            "identifier": [{
                "system": ODS_SYSTEM,
                "value": claims.requesting_organization_ods,
            }],
        },
        "requesting_practitioner": {
            "resourceType": "Practitioner",
            "id": claims.requesting_practitioner_id,
            "identifier": [{
                "system": SDS_USER_SYSTEM,
                "value": claims.requesting_practitioner_id,
            }],
        },
    });
    let header = serde_json::to_vec(&header).map_err(|_| KeyError::Encoding)?;
    let body = serde_json::to_vec(&body).map_err(|_| KeyError::Encoding)?;
    Ok(format!("{}.", jws::signing_input(&header, &body)))
}

/// The object claim `name`, which must be a FHIR resource of type `resource_type`.
fn resource<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
    resource_type: &str,
) -> Result<&'a Map<String, Value>, LaunchError> {
    match claims.get(name) {
        None => Err(LaunchError::MissingClaim(name)),
        Some(Value::Object(resource))
            if resource.get("resourceType").and_then(Value::as_str) == Some(resource_type) =>
        {
            Ok(resource)
        }
        Some(_) => Err(LaunchError::InvalidClaim(name)),
    }
}

/// The value of the first identifier of `resource` whose system is one of `systems`.
fn identifier<'a>(resource: &'a Map<String, Value>, systems: &[&str]) -> Option<&'a str> {
    let identifiers = match resource.get("identifier")? {
        Value::Array(items) => items.as_slice(),
        one @ Value::Object(_) => std::slice::from_ref(one),
        _ => return None,
    };
    identifiers.iter().find_map(|id| {
        let system = id.get("system")?.as_str()?;
        if systems.contains(&system) {
            id.get("value")?.as_str()
        } else {
            None
        }
    })
}

/// An identifier value we are willing to carry: 1 to 64 printable ASCII characters.
fn is_identifier_value(value: &str) -> bool {
    (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic())
}
