//! Verifying a CIS2 ID token with the configured key set.
//!
//! The ID token's shape is CIS2's (claims `iss`, `sub`, `aud`, `exp`, `iat`, `acr`,
//! `amr`, `authentication_assurance_level`, `id_assurance_level`, `selected_roleid`...;
//! as in NHS England's CIS2 client NHSDigital/eps-prescription-tracker-ui). The
//! signature goes through the same code as launch tokens ([`jws::verify`]), so every
//! header rule holds here too: `alg: none` is refused, `jku`/`jwk`/`x5u`/`x5c` are
//! refused (a key is never taken from, or fetched for, a token), and `kid` must name a
//! configured key bound to the header's algorithm. Every refusal is wrapped in
//! [`LaunchError::Cis2IdToken`] so the host knows which token failed.

use serde_json::Value;

use super::Cis2Trust;
use crate::launch::claims::{
    check_audience, check_times, numeric_date, optional_string, required_date,
};
use crate::launch::error::LaunchError;
use crate::launch::jws;

/// Largest ID token accepted, in bytes (it travels inside a launch token, which is
/// capped too).
const MAX_ID_TOKEN_BYTES: usize = 8 * 1024;
/// Longest ID token lifetime accepted (`exp − iat`), seconds. Its id is not
/// replay-cached (the launch token's is), so this only bounds how old a sign-in may be.
const MAX_ID_TOKEN_LIFETIME: i64 = 12 * 3600;

/// What a verified ID token says that a launch uses.
pub(super) struct IdToken {
    pub(super) sub: String,
    pub(super) acr: String,
    pub(super) selected_roleid: Option<String>,
}

pub(super) fn verify(
    token: &str,
    trust: &Cis2Trust,
    now: i64,
    leeway: i64,
) -> Result<IdToken, LaunchError> {
    read(token, trust, now, leeway).map_err(|e| LaunchError::Cis2IdToken(Box::new(e)))
}

fn read(token: &str, trust: &Cis2Trust, now: i64, leeway: i64) -> Result<IdToken, LaunchError> {
    let claims = jws::verify(token, MAX_ID_TOKEN_BYTES, trust.store())?;
    let expires_at = required_date(&claims, "exp")?;
    let issued_at = required_date(&claims, "iat")?;
    let not_before = numeric_date(&claims, "nbf")?;
    check_times(
        now,
        leeway,
        MAX_ID_TOKEN_LIFETIME,
        issued_at,
        expires_at,
        not_before,
    )?;
    match claims.get("iss") {
        None => return Err(LaunchError::MissingClaim("iss")),
        Some(Value::String(iss)) if iss == trust.issuer() => {}
        Some(Value::String(_)) => return Err(LaunchError::IssuerMismatch),
        Some(_) => return Err(LaunchError::InvalidClaim("iss")),
    }
    check_audience(&claims, trust.client_id())?;
    Ok(IdToken {
        sub: optional_string(&claims, "sub", 256)?.ok_or(LaunchError::MissingClaim("sub"))?,
        acr: optional_string(&claims, "acr", 64)?.ok_or(LaunchError::MissingClaim("acr"))?,
        selected_roleid: optional_string(&claims, "selected_roleid", 256)?,
    })
}
