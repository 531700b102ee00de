//! JWS compact form: splitting, the JOSE header rules, and assembling a signed token.

use serde_json::{Map, Value};

use super::b64;
use super::error::{LaunchError, TokenPart};
use super::json;
use super::keys::{Algorithm, TrustStore, is_safe_kid};

/// Default cap on the length of a token, checked before anything is decoded.
pub(crate) const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Header parameters that would let a token name, fetch or carry its own key, or change
/// how its payload is read. None is ever honoured; a token carrying one is refused so a
/// misconfigured issuer is noticed rather than silently half-trusted.
const FORBIDDEN_HEADERS: [&str; 8] = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "b64", "zip"];

/// The three parts of a compact JWS, still encoded.
pub(crate) struct Parts<'a> {
    pub(crate) header: &'a str,
    pub(crate) claims: &'a str,
    pub(crate) signature: &'a str,
    /// `header.claims`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
}

/// Checks the size cap, then splits into exactly three parts.
pub(crate) fn split(token: &str, max_bytes: usize) -> Result<Parts<'_>, LaunchError> {
    if token.len() > max_bytes {
        return Err(LaunchError::TooLarge {
            size: token.len(),
            limit: max_bytes,
        });
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or(LaunchError::NotCompact)?;
    let (header, claims) = signing_input
        .split_once('.')
        .ok_or(LaunchError::NotCompact)?;
    if claims.contains('.') {
        return Err(LaunchError::NotCompact);
    }
    Ok(Parts {
        header,
        claims,
        signature,
        signing_input,
    })
}

/// Decodes and parses the header part.
pub(crate) fn header(parts: &Parts<'_>) -> Result<Map<String, Value>, LaunchError> {
    let bytes = b64::decode(parts.header, TokenPart::Header)?;
    json::parse_object(&bytes, TokenPart::Header)
}

/// Decodes and parses the claims part.
pub(crate) fn claims(parts: &Parts<'_>) -> Result<Map<String, Value>, LaunchError> {
    let bytes = b64::decode(parts.claims, TokenPart::Claims)?;
    json::parse_object(&bytes, TokenPart::Claims)
}

/// What `alg` says, before it is compared with anything.
pub(crate) enum HeaderAlg {
    None,
    Known(Algorithm),
}

/// Reads `alg`: missing or empty, `none` in any case, a supported name, or unsupported.
pub(crate) fn alg(header: &Map<String, Value>) -> Result<HeaderAlg, LaunchError> {
    match header.get("alg") {
        None => Err(LaunchError::AlgorithmMissing),
        Some(Value::String(name)) if name.is_empty() => Err(LaunchError::AlgorithmMissing),
        Some(Value::String(name)) if name.eq_ignore_ascii_case("none") => Ok(HeaderAlg::None),
        Some(Value::String(name)) => Algorithm::from_jws_name(name)
            .map(HeaderAlg::Known)
            .ok_or(LaunchError::UnsupportedAlgorithm),
        Some(_) => Err(LaunchError::InvalidHeader("alg")),
    }
}

/// The rules every header obeys whatever its algorithm: no key-carrying or
/// processing-changing parameters, no critical extensions, `typ` absent or `JWT`.
pub(crate) fn common_rules(header: &Map<String, Value>) -> Result<(), LaunchError> {
    if let Some(name) = FORBIDDEN_HEADERS
        .into_iter()
        .find(|name| header.contains_key(*name))
    {
        return Err(LaunchError::ForbiddenHeader(name));
    }
    match header.get("crit") {
        None => {}
        Some(Value::Array(names)) if !names.is_empty() && names.iter().all(Value::is_string) => {
            // RFC 7515 4.1.11: a recipient that does not understand a listed extension
            // must reject the token. This SDK understands none.
            return Err(LaunchError::UnsupportedCritical);
        }
        Some(_) => return Err(LaunchError::InvalidHeader("crit")),
    }
    match header.get("typ") {
        None => Ok(()),
        Some(Value::String(typ)) if typ.eq_ignore_ascii_case("JWT") => Ok(()),
        Some(_) => Err(LaunchError::InvalidHeader("typ")),
    }
}

/// Reads `kid` and checks it is a safe identifier before anyone looks it up.
pub(crate) fn kid(header: &Map<String, Value>) -> Result<&str, LaunchError> {
    match header.get("kid") {
        None => Err(LaunchError::MissingKid),
        Some(Value::String(kid)) if is_safe_kid(kid) => Ok(kid),
        Some(_) => Err(LaunchError::InvalidKid),
    }
}

/// Steps 1 to 5 of [`Verifier`](super::Verifier): the size cap, the compact form, the
/// header rules, the key found by `kid` in `store` and bound to the header's `alg`, and
/// the signature; then the claims, parsed only now. The one signature path of launch
/// tokens and of the CIS2 ID tokens they carry.
pub(crate) fn verify(
    token: &str,
    max_bytes: usize,
    store: &TrustStore,
) -> Result<Map<String, Value>, LaunchError> {
    let parts = split(token, max_bytes)?;
    let header = header(&parts)?;
    let alg = match alg(&header)? {
        HeaderAlg::None => return Err(LaunchError::AlgorithmNone),
        HeaderAlg::Known(alg) => alg,
    };
    common_rules(&header)?;
    let kid = kid(&header)?;
    let key = store.key(kid).ok_or_else(|| LaunchError::UnknownKey {
        kid: kid.to_owned(),
    })?;
    if key.algorithm() != alg {
        return Err(LaunchError::AlgorithmMismatch {
            kid: kid.to_owned(),
            bound: key.algorithm(),
        });
    }
    let signature = b64::decode(parts.signature, TokenPart::Signature)?;
    key.verify(parts.signing_input.as_bytes(), &signature)?;
    claims(&parts)
}

/// `base64url(header) . base64url(claims)`, the signing input for raw JSON bytes.
pub(crate) fn signing_input(header: &[u8], claims: &[u8]) -> String {
    format!("{}.{}", b64::encode(header), b64::encode(claims))
}

/// Appends `.base64url(signature)` to a signing input.
pub(crate) fn assemble(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64::encode(signature))
}
