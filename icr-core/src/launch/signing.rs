//! Signing keys and minting launch tokens, for hosts, tests and the demo.

use std::fmt;

use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use serde::Serialize;
use serde_json::{Map, Value};

use super::cis2::{ID_TOKEN_CLAIM, USERINFO_CLAIMS};
use super::context::{LaunchContext, Relationship};
use super::error::KeyError;
use super::jws;
use super::keys::{Algorithm, MIN_HMAC_SECRET, is_safe_kid};
use crate::identity::NhsNumber;

/// A private key (or HMAC secret) a host signs launch tokens with.
///
/// Build one with the constructors, which apply the same limits the trust store does
/// (HMAC secrets of at least 32 bytes, P-256 for ES256, 2048-bit or larger RSA). `Debug`
/// never shows key material.
#[non_exhaustive]
pub enum SigningKey {
    /// An HMAC-SHA-256 secret (HS256).
    Hs256(hmac::Key),
    /// A P-256 key pair producing fixed-length `r || s` signatures (ES256).
    Es256(EcdsaKeyPair),
    /// An RSA key pair signing with PKCS#1 v1.5 and SHA-256 (RS256).
    Rs256(RsaKeyPair),
    /// An Ed25519 key pair (EdDSA).
    EdDsa(Ed25519KeyPair),
    /// An RSA key pair signing with PKCS#1 v1.5 and SHA-512 (RS512).
    Rs512(RsaKeyPair),
    /// An RSA key pair signing with PSS and SHA-256 (PS256).
    Ps256(RsaKeyPair),
}

impl SigningKey {
    /// A signing key for `algorithm` from its private key material as the host holds it:
    /// the HS256 secret, an Ed25519 32-byte seed, or PKCS#8 DER for ES256 and RS256.
    pub fn from_material(algorithm: Algorithm, private_key: &[u8]) -> Result<Self, KeyError> {
        match algorithm {
            Algorithm::Hs256 => SigningKey::hs256(private_key),
            Algorithm::EdDsa => {
                let seed: &[u8; 32] = private_key
                    .try_into()
                    .map_err(|_| KeyError::Rejected("an Ed25519 private key is a 32-byte seed"))?;
                SigningKey::ed25519_from_seed(seed)
            }
            Algorithm::Es256 => SigningKey::es256_from_pkcs8(private_key),
            Algorithm::Rs256 => SigningKey::rs256_from_pkcs8(private_key),
            Algorithm::Rs512 => SigningKey::rs256_from_pkcs8(private_key).map(|k| match k {
                SigningKey::Rs256(pair) => SigningKey::Rs512(pair),
                other => other,
            }),
            Algorithm::Ps256 => SigningKey::ps256_from_pkcs8(private_key),
        }
    }

    /// An HMAC-SHA-256 signing secret; under 32 bytes is [`KeyError::WeakSecret`].
    pub fn hs256(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < MIN_HMAC_SECRET {
            return Err(KeyError::WeakSecret {
                len: secret.len(),
                min: MIN_HMAC_SECRET,
            });
        }
        Ok(SigningKey::Hs256(hmac::Key::new(hmac::HMAC_SHA256, secret)))
    }

    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> Result<Self, KeyError> {
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(SigningKey::EdDsa)
            .map_err(|_| KeyError::Rejected("expected a 32-byte Ed25519 seed"))
    }

    /// A P-256 key from an unencrypted PKCS#8 document (DER).
    pub fn es256_from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            der,
            &SystemRandom::new(),
        )
        .map(SigningKey::Es256)
        .map_err(|_| KeyError::Rejected("expected a PKCS#8 P-256 private key"))
    }

    /// An RSA key (2048 to 4096 bits) from an unencrypted PKCS#8 document (DER).
    pub fn rs256_from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        RsaKeyPair::from_pkcs8(der)
            .map(SigningKey::Rs256)
            .map_err(|_| KeyError::Rejected("expected a PKCS#8 RSA private key"))
    }

    /// An RSA key (2048 to 4096 bits) from an unencrypted PKCS#8 document (DER), signing
    /// with RSASSA-PSS and SHA-256 (PS256).
    pub fn ps256_from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        RsaKeyPair::from_pkcs8(der)
            .map(SigningKey::Ps256)
            .map_err(|_| KeyError::Rejected("expected a PKCS#8 RSA private key"))
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Hs256(_) => Algorithm::Hs256,
            SigningKey::Es256(_) => Algorithm::Es256,
            SigningKey::Rs256(_) => Algorithm::Rs256,
            SigningKey::EdDsa(_) => Algorithm::EdDsa,
            SigningKey::Rs512(_) => Algorithm::Rs512,
            SigningKey::Ps256(_) => Algorithm::Ps256,
        }
    }

    /// The public key in the form the matching `TrustStore::add_*` takes (65-byte P-256
    /// point, DER `RSAPublicKey`, 32-byte Ed25519 key); `None` for an HMAC secret.
    pub fn public_key(&self) -> Option<Vec<u8>> {
        match self {
            SigningKey::Hs256(_) => None,
            SigningKey::Es256(pair) => Some(pair.public_key().as_ref().to_vec()),
            SigningKey::Rs256(pair) | SigningKey::Rs512(pair) | SigningKey::Ps256(pair) => {
                Some(pair.public_key().as_ref().to_vec())
            }
            SigningKey::EdDsa(pair) => Some(pair.public_key().as_ref().to_vec()),
        }
    }

    /// Signs `message` with this key's algorithm.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match self {
            SigningKey::Hs256(key) => Ok(hmac::sign(key, message).as_ref().to_vec()),
            SigningKey::Es256(pair) => pair
                .sign(&SystemRandom::new(), message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| KeyError::Signing),
            SigningKey::Rs256(pair) => rsa_sign(pair, &signature::RSA_PKCS1_SHA256, message),
            SigningKey::Rs512(pair) => rsa_sign(pair, &signature::RSA_PKCS1_SHA512, message),
            SigningKey::Ps256(pair) => rsa_sign(pair, &signature::RSA_PSS_SHA256, message),
            SigningKey::EdDsa(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

fn rsa_sign(
    pair: &RsaKeyPair,
    padding: &'static dyn signature::RsaEncoding,
    message: &[u8],
) -> Result<Vec<u8>, KeyError> {
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(padding, &SystemRandom::new(), message, &mut sig)
        .map_err(|_| KeyError::Signing)?;
    Ok(sig)
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.algorithm())
    }
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// The claims of a launch token, borrowed from a context, in the token's names.
#[derive(Serialize)]
struct LaunchClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    icr_role_profile: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    icr_job_role: Option<&'a str>,
    icr_org: &'a str,
    icr_patient: &'a NhsNumber,
    #[serde(skip_serializing_if = "Option::is_none")]
    icr_patient_birth_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icr_patient_family_name: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    icr_patient_restricted: bool,
    icr_purpose: &'a str,
    icr_relationship: Relationship,
}

/// Signs `context` as a compact JWS with header `{"alg", "typ": "JWT", "kid"}`.
///
/// The claims are exactly what [`Verifier::verify`](super::Verifier::verify) reads back.
/// Nothing is checked about times here, so tests can mint expired tokens; `kid` must be
/// a safe identifier.
pub fn mint(context: &LaunchContext, kid: &str, key: &SigningKey) -> Result<String, KeyError> {
    let header = header_json(kid, key)?;
    let claims = launch_claims(context);
    let claims = serde_json::to_vec(&claims).map_err(|_| KeyError::Encoding)?;
    sign_json(&header, &claims, key)
}

/// The JOSE header `{"alg", "typ": "JWT", "kid"}` as JSON; `kid` must be a safe
/// identifier.
fn header_json(kid: &str, key: &SigningKey) -> Result<Vec<u8>, KeyError> {
    if !is_safe_kid(kid) {
        return Err(KeyError::InvalidKid);
    }
    let header = Header {
        alg: key.algorithm().as_str(),
        typ: "JWT",
        kid,
    };
    serde_json::to_vec(&header).map_err(|_| KeyError::Encoding)
}

/// A context's claims, in the token's names.
fn launch_claims(context: &LaunchContext) -> LaunchClaims<'_> {
    LaunchClaims {
        iss: &context.issuer,
        sub: &context.user_id,
        aud: &context.audience,
        iat: context.issued_at,
        exp: context.expires_at,
        nbf: context.not_before,
        jti: &context.token_id,
        name: context.user_name.as_deref(),
        icr_role_profile: &context.role_profile,
        icr_job_role: context.job_role.as_deref(),
        icr_org: &context.organisation,
        icr_patient: &context.patient,
        icr_patient_birth_date: context.patient_birth_date.as_deref(),
        icr_patient_family_name: context.patient_family_name.as_deref(),
        icr_patient_restricted: context.patient_restricted,
        icr_purpose: &context.purpose,
        icr_relationship: context.relationship,
    }
}

/// Signs a launch token carrying CIS2 identity instead of the ICR user claims: the
/// context's token, patient, purpose and relationship claims, its organisation as
/// `icr_org` (the organisation the launch is for), and from `cis2` the members
/// `nhsid_useruid`, `name`, `nhsid_nrbac_roles`, `nhsid_user_orgs`, `selected_roleid`,
/// `acr` and `cis2_id_token` (a CIS2 UserInfo response can be passed as it is: its other
/// members are left out). The context's `sub`, `name`, `icr_role_profile` and
/// `icr_job_role` are not written: the verifier takes them from the CIS2 claims.
pub fn mint_cis2(
    context: &LaunchContext,
    cis2: &Map<String, Value>,
    kid: &str,
    key: &SigningKey,
) -> Result<String, KeyError> {
    let header = header_json(kid, key)?;
    let mut claims = match serde_json::to_value(launch_claims(context)) {
        Ok(Value::Object(map)) => map,
        _ => return Err(KeyError::Encoding),
    };
    for name in ["sub", "name", "icr_role_profile", "icr_job_role"] {
        claims.remove(name);
    }
    for name in USERINFO_CLAIMS.into_iter().chain(["name", ID_TOKEN_CLAIM]) {
        if let Some(value) = cis2.get(name) {
            claims.insert(name.to_owned(), value.clone());
        }
    }
    let claims = serde_json::to_vec(&claims).map_err(|_| KeyError::Encoding)?;
    sign_json(&header, &claims, key)
}

/// Signs raw header and claims JSON bytes. Used by [`mint`] and by tests that need
/// tokens no well-behaved issuer would produce.
pub(crate) fn sign_json(
    header: &[u8],
    claims: &[u8],
    key: &SigningKey,
) -> Result<String, KeyError> {
    let input = jws::signing_input(header, claims);
    let signature = key.sign(input.as_bytes())?;
    Ok(jws::assemble(&input, &signature))
}
