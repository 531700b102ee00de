//! A JSON Web Key Set (RFC 7517) read into a trust store: the deployment's configured
//! copy of CIS2's published keys. Nothing here fetches anything.

use serde_json::{Map, Value};

use crate::launch::b64;
use crate::launch::der;
use crate::launch::error::{KeyError, TokenPart};
use crate::launch::keys::{Algorithm, KeyMaterial, TrustStore};

const P256_COORDINATE: usize = 32;

fn member<'a>(key: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    key.get(name).and_then(Value::as_str)
}

fn base64url(key: &Map<String, Value>, name: &str) -> Result<Vec<u8>, KeyError> {
    let text = member(key, name).ok_or(KeyError::Rejected("a JWK member is missing"))?;
    b64::decode(text, TokenPart::Signature)
        .map_err(|_| KeyError::Rejected("a JWK member is not base64url"))
}

fn material(key: &Map<String, Value>) -> Result<KeyMaterial, KeyError> {
    let alg = match member(key, "alg") {
        None => None,
        Some(name) => Some(
            Algorithm::from_jws_name(name)
                .ok_or(KeyError::Rejected("a JWK names an algorithm not supported"))?,
        ),
    };
    match member(key, "kty") {
        Some("RSA") => {
            let rsa =
                der::rsa_public_key_from_components(&base64url(key, "n")?, &base64url(key, "e")?)?;
            KeyMaterial::rsa(rsa, alg.unwrap_or(Algorithm::Rs256))
        }
        Some("EC") => {
            if member(key, "crv") != Some("P-256") || alg.is_some_and(|a| a != Algorithm::Es256) {
                return Err(KeyError::Rejected("an EC JWK must be P-256 for ES256"));
            }
            let (x, y) = (base64url(key, "x")?, base64url(key, "y")?);
            if x.len() != P256_COORDINATE || y.len() != P256_COORDINATE {
                return Err(KeyError::Rejected("a P-256 coordinate is not 32 bytes"));
            }
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            KeyMaterial::es256(&point)
        }
        // Symmetric (`oct`) keys have no place in a published key set.
        _ => Err(KeyError::Rejected("a JWK is not an RSA or EC public key")),
    }
}

/// Adds every signing key of `jwks_json` to `store` under its `kid`.
pub(super) fn load(store: &mut TrustStore, jwks_json: &str) -> Result<(), KeyError> {
    let document: Value =
        serde_json::from_str(jwks_json).map_err(|_| KeyError::Rejected("the JWKS is not JSON"))?;
    let keys = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(KeyError::Rejected("the JWKS has no keys array"))?;
    for key in keys {
        let key = key
            .as_object()
            .ok_or(KeyError::Rejected("a JWK is not an object"))?;
        if member(key, "use").is_some_and(|u| u != "sig") {
            continue;
        }
        let kid = member(key, "kid").ok_or(KeyError::InvalidKid)?;
        store.insert(kid, material(key))?;
    }
    if store.is_empty() {
        return Err(KeyError::Rejected("the JWKS holds no signing key"));
    }
    Ok(())
}
