//! Reading claims: NumericDates, bounded strings, time rules, and the launch context.

use serde_json::{Map, Value};

use super::cis2::{self, Cis2Identity, LaunchRules};
use super::context::{LaunchContext, Relationship};
use super::error::LaunchError;
use super::keys::TrustStore;
use crate::identity::NhsNumber;

/// Largest NumericDate accepted: 2^53 - 1, the largest integer every JSON reader
/// (including JavaScript) holds exactly.
const MAX_NUMERIC_DATE: u64 = (1 << 53) - 1;
/// Longest string claim accepted, in bytes.
const MAX_STRING_CLAIM: usize = 256;
/// Longest `jti` accepted, in bytes (each one is held in the replay cache).
const MAX_JTI: usize = 128;
/// Longest `icr_patient_family_name` accepted, in bytes.
const MAX_FAMILY_NAME: usize = 100;

type Claims = Map<String, Value>;

/// A NumericDate claim: a non-negative JSON integer no larger than 2^53 - 1. Strings,
/// fractions, exponents and negative numbers are [`LaunchError::InvalidClaim`].
pub(crate) fn numeric_date(
    claims: &Claims,
    name: &'static str,
) -> Result<Option<i64>, LaunchError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|v| *v <= MAX_NUMERIC_DATE)
            .and_then(|v| i64::try_from(v).ok())
            .map(Some)
            .ok_or(LaunchError::InvalidClaim(name)),
        Some(_) => Err(LaunchError::InvalidClaim(name)),
    }
}

pub(crate) fn required_date(claims: &Claims, name: &'static str) -> Result<i64, LaunchError> {
    numeric_date(claims, name)?.ok_or(LaunchError::MissingClaim(name))
}

/// An optional string claim: non-empty, at most `max` bytes, no control characters.
pub(crate) fn optional_string(
    claims: &Claims,
    name: &'static str,
    max: usize,
) -> Result<Option<String>, LaunchError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= max && !s.chars().any(char::is_control) =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(LaunchError::InvalidClaim(name)),
    }
}

pub(crate) fn required_string(claims: &Claims, name: &'static str) -> Result<String, LaunchError> {
    optional_string(claims, name, MAX_STRING_CLAIM)?.ok_or(LaunchError::MissingClaim(name))
}

/// The time rules shared by launch and GP Connect tokens. A token is valid while
/// `now < exp + leeway`, from `nbf - leeway`, and must not be issued more than `leeway`
/// seconds in the future.
pub(crate) fn check_times(
    now: i64,
    leeway: i64,
    max_lifetime: i64,
    issued_at: i64,
    expires_at: i64,
    not_before: Option<i64>,
) -> Result<(), LaunchError> {
    if now >= expires_at.saturating_add(leeway) {
        return Err(LaunchError::Expired);
    }
    if not_before.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(LaunchError::NotYetValid);
    }
    if issued_at > now.saturating_add(leeway) {
        return Err(LaunchError::IssuedInFuture);
    }
    if expires_at < issued_at {
        return Err(LaunchError::InvalidClaim("exp"));
    }
    if not_before.is_some_and(|nbf| nbf > expires_at) {
        return Err(LaunchError::InvalidClaim("nbf"));
    }
    // A token may not live longer than the policy allows, counted from its issue and
    // from now: a far `exp` (or one in milliseconds) would otherwise keep its id in the
    // replay cache for ever, and enough of them would lock every user out.
    if expires_at.saturating_sub(issued_at) > max_lifetime
        || expires_at.saturating_sub(now) > max_lifetime.saturating_add(leeway)
    {
        return Err(LaunchError::LifetimeTooLong {
            max_seconds: max_lifetime,
        });
    }
    Ok(())
}

/// Checks `aud` (a string or an array of strings) contains `expected`.
pub(crate) fn check_audience(claims: &Claims, expected: &str) -> Result<(), LaunchError> {
    let found = match claims.get("aud") {
        None => return Err(LaunchError::MissingClaim("aud")),
        Some(Value::String(aud)) => aud == expected,
        Some(Value::Array(auds)) if !auds.is_empty() && auds.iter().all(Value::is_string) => {
            auds.iter().any(|aud| aud.as_str() == Some(expected))
        }
        Some(_) => return Err(LaunchError::InvalidClaim("aud")),
    };
    if found {
        Ok(())
    } else {
        Err(LaunchError::AudienceMismatch)
    }
}

/// An ODS code: 3 to 10 ASCII letters and digits.
pub(crate) fn is_ods_code(code: &str) -> bool {
    (3..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `icr_patient_birth_date`: exactly `YYYY-MM-DD` (ten ASCII characters) and a real
/// calendar date.
fn birth_date(claims: &Claims) -> Result<Option<String>, LaunchError> {
    const NAME: &str = "icr_patient_birth_date";
    let Some(date) = optional_string(claims, NAME, 10)? else {
        return Ok(None);
    };
    let shape = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape || date.parse::<jiff::civil::Date>().is_err() {
        return Err(LaunchError::InvalidClaim(NAME));
    }
    Ok(Some(date))
}

/// `icr_patient_family_name`: a bounded string that is not blank.
fn family_name(claims: &Claims) -> Result<Option<String>, LaunchError> {
    const NAME: &str = "icr_patient_family_name";
    match optional_string(claims, NAME, MAX_FAMILY_NAME)? {
        Some(name) if name.trim().is_empty() => Err(LaunchError::InvalidClaim(NAME)),
        name => Ok(name),
    }
}

/// A boolean claim, `false` when absent.
fn flag(claims: &Claims, name: &'static str) -> Result<bool, LaunchError> {
    match claims.get(name) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(LaunchError::InvalidClaim(name)),
    }
}

/// Who the user is, in which role and where: from the ICR claims, or (when the token
/// carries CIS2 claims) from the CIS2 identity, which then replaces them.
struct User {
    id: String,
    name: Option<String>,
    role_profile: String,
    job_role: Option<String>,
    organisation: String,
}

fn user(claims: &Claims, cis2: Option<&Cis2Identity>) -> Result<User, LaunchError> {
    let Some(identity) = cis2 else {
        let organisation = required_string(claims, "icr_org")?;
        if !is_ods_code(&organisation) {
            return Err(LaunchError::InvalidClaim("icr_org"));
        }
        return Ok(User {
            id: required_string(claims, "sub")?,
            name: optional_string(claims, "name", MAX_STRING_CLAIM)?,
            role_profile: required_string(claims, "icr_role_profile")?,
            job_role: optional_string(claims, "icr_job_role", MAX_STRING_CLAIM)?,
            organisation,
        });
    };
    // One source of the role: a token with CIS2 claims may not also name ICR role codes.
    for name in ["icr_role_profile", "icr_job_role"] {
        if claims.contains_key(name) {
            return Err(LaunchError::InvalidClaim(name));
        }
    }
    if optional_string(claims, "sub", MAX_STRING_CLAIM)?.is_some_and(|sub| sub != identity.user_id)
    {
        return Err(LaunchError::InvalidClaim("sub"));
    }
    Ok(User {
        id: identity.user_id.clone(),
        name: identity.user_name.clone(),
        role_profile: identity.role_profile.clone(),
        job_role: identity.job_role.clone(),
        organisation: identity.org_code.clone(),
    })
}

/// Builds the launch context from verified claims, applying every claim rule.
pub(crate) fn launch_context(
    claims: &Claims,
    store: &TrustStore,
    rules: &LaunchRules,
    now: i64,
    leeway: i64,
    max_lifetime: i64,
) -> Result<(LaunchContext, Option<Cis2Identity>), LaunchError> {
    let expires_at = required_date(claims, "exp")?;
    let issued_at = required_date(claims, "iat")?;
    let not_before = numeric_date(claims, "nbf")?;
    check_times(now, leeway, max_lifetime, issued_at, expires_at, not_before)?;

    let issuer = match claims.get("iss") {
        None => return Err(LaunchError::MissingClaim("iss")),
        Some(Value::String(iss)) => iss,
        Some(_) => return Err(LaunchError::InvalidClaim("iss")),
    };
    if issuer != store.issuer() {
        return Err(LaunchError::IssuerMismatch);
    }
    check_audience(claims, store.audience())?;
    let token_id =
        optional_string(claims, "jti", MAX_JTI)?.ok_or(LaunchError::MissingClaim("jti"))?;

    let cis2 = cis2::identity(claims, store, rules, now, leeway)?;
    let user = user(claims, cis2.as_ref())?;
    let patient = required_string(claims, "icr_patient")?;
    let patient =
        NhsNumber::parse(&patient).map_err(|_| LaunchError::InvalidClaim("icr_patient"))?;
    let mut relationship: Relationship = required_string(claims, "icr_relationship")?
        .parse()
        .map_err(|_| LaunchError::InvalidClaim("icr_relationship"))?;
    // A relationship the user claimed themselves counts only where the policy says so.
    if flag(claims, "icr_relationship_self_claimed")? && !rules.relationship_self_claim {
        relationship = Relationship::None;
    }

    let context = LaunchContext {
        user_id: user.id,
        user_name: user.name,
        role_profile: user.role_profile,
        job_role: user.job_role,
        organisation: user.organisation,
        patient,
        patient_birth_date: birth_date(claims)?,
        patient_family_name: family_name(claims)?,
        patient_restricted: flag(claims, "icr_patient_restricted")?,
        purpose: required_string(claims, "icr_purpose")?,
        relationship,
        issuer: issuer.clone(),
        audience: store.audience().to_owned(),
        issued_at,
        expires_at,
        not_before,
        token_id,
    };
    Ok((context, cis2))
}
