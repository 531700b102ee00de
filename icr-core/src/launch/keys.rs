//! The trust store: verification keys by `kid`, each bound to exactly one algorithm, plus
//! the issuer and audience a launch token must name.
//!
//! [`KeyMaterial::verify`] is the one place a signature is checked. The verifier calls it
//! and the Wycheproof conformance tests call it, so the vectors exercise the code path
//! that tokens take.

use std::collections::BTreeMap;
use std::fmt;

use ring::hmac;
use ring::signature::{self, UnparsedPublicKey};

use super::cis2::Cis2Trust;
use super::der;
use super::error::{KeyError, LaunchError};

/// A JWS signature algorithm the SDK verifies and signs with (hosts know it as
/// `KeyAlgorithm`).
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Enum),
    uniffi(name = "KeyAlgorithm")
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256 (`HS256`): a shared secret of at least 32 bytes.
    Hs256,
    /// ECDSA on P-256 with SHA-256 (`ES256`): a 64-byte `r || s` signature.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`), 2048- to 8192-bit keys.
    Rs256,
    /// Ed25519 (`EdDSA`).
    EdDsa,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (`RS512`), 2048- to 8192-bit keys.
    Rs512,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256 (`PS256`), 2048- to 8192-bit keys.
    Ps256,
}

impl Algorithm {
    /// The JWS `alg` name (`"HS256"`, `"ES256"`, `"RS256"`, `"EdDSA"`, `"RS512"`,
    /// `"PS256"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Es256 => "ES256",
            Algorithm::Rs256 => "RS256",
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Rs512 => "RS512",
            Algorithm::Ps256 => "PS256",
        }
    }

    /// The algorithm with this exact (case-sensitive) JWS `alg` name.
    pub fn from_jws_name(name: &str) -> Option<Algorithm> {
        [
            Algorithm::Hs256,
            Algorithm::Es256,
            Algorithm::Rs256,
            Algorithm::EdDsa,
            Algorithm::Rs512,
            Algorithm::Ps256,
        ]
        .into_iter()
        .find(|a| a.as_str() == name)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shortest HMAC secret accepted, in bytes (the SHA-256 output size, RFC 7518 3.2).
pub(crate) const MIN_HMAC_SECRET: usize = 32;
const HMAC_TAG_LEN: usize = 32;
const ES256_SIGNATURE_LEN: usize = 64;
const ED25519_SIGNATURE_LEN: usize = 64;
const P256_UNCOMPRESSED_LEN: usize = 65;
const ED25519_PUBLIC_KEY_LEN: usize = 32;

/// One trusted key; the variant fixes the algorithm.
#[derive(Clone)]
pub(crate) enum KeyMaterial {
    Hs256(hmac::Key),
    Es256(Vec<u8>),
    Rs256(Vec<u8>, usize),
    EdDsa(Vec<u8>),
    Rs512(Vec<u8>, usize),
    Ps256(Vec<u8>, usize),
}

impl KeyMaterial {
    pub(crate) fn hs256(secret: &[u8]) -> Result<KeyMaterial, KeyError> {
        if secret.len() < MIN_HMAC_SECRET {
            return Err(KeyError::WeakSecret {
                len: secret.len(),
                min: MIN_HMAC_SECRET,
            });
        }
        Ok(KeyMaterial::Hs256(hmac::Key::new(
            hmac::HMAC_SHA256,
            secret,
        )))
    }

    pub(crate) fn es256(public_key: &[u8]) -> Result<KeyMaterial, KeyError> {
        if public_key.len() != P256_UNCOMPRESSED_LEN || public_key.first() != Some(&0x04) {
            return Err(KeyError::Rejected(
                "expected a 65-byte uncompressed P-256 point",
            ));
        }
        Ok(KeyMaterial::Es256(public_key.to_vec()))
    }

    pub(crate) fn rs256(public_key: &[u8]) -> Result<KeyMaterial, KeyError> {
        let key = der::rsa_public_key(public_key)?;
        Ok(KeyMaterial::Rs256(key.pkcs1, key.modulus_len))
    }

    /// A checked RSA key bound to one of the RSA algorithms (`RS256`, `RS512`, `PS256`).
    pub(crate) fn rsa(
        key: der::RsaPublicKey,
        algorithm: Algorithm,
    ) -> Result<KeyMaterial, KeyError> {
        match algorithm {
            Algorithm::Rs256 => Ok(KeyMaterial::Rs256(key.pkcs1, key.modulus_len)),
            Algorithm::Rs512 => Ok(KeyMaterial::Rs512(key.pkcs1, key.modulus_len)),
            Algorithm::Ps256 => Ok(KeyMaterial::Ps256(key.pkcs1, key.modulus_len)),
            _ => Err(KeyError::Rejected(
                "an RSA key is for RS256, RS512 or PS256",
            )),
        }
    }

    pub(crate) fn ed25519(public_key: &[u8]) -> Result<KeyMaterial, KeyError> {
        if public_key.len() != ED25519_PUBLIC_KEY_LEN {
            return Err(KeyError::Rejected("expected a 32-byte Ed25519 public key"));
        }
        Ok(KeyMaterial::EdDsa(public_key.to_vec()))
    }

    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            KeyMaterial::Hs256(_) => Algorithm::Hs256,
            KeyMaterial::Es256(_) => Algorithm::Es256,
            KeyMaterial::Rs256(..) => Algorithm::Rs256,
            KeyMaterial::EdDsa(_) => Algorithm::EdDsa,
            KeyMaterial::Rs512(..) => Algorithm::Rs512,
            KeyMaterial::Ps256(..) => Algorithm::Ps256,
        }
    }

    /// Checks `signature` over `message` with this key's (and only this key's)
    /// algorithm. A signature of the wrong size for the algorithm is
    /// [`LaunchError::SignatureFormat`]; one that does not verify is
    /// [`LaunchError::SignatureInvalid`].
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), LaunchError> {
        let expected_len = match self {
            KeyMaterial::Hs256(_) => HMAC_TAG_LEN,
            KeyMaterial::Es256(_) => ES256_SIGNATURE_LEN,
            KeyMaterial::Rs256(_, modulus_len)
            | KeyMaterial::Rs512(_, modulus_len)
            | KeyMaterial::Ps256(_, modulus_len) => *modulus_len,
            KeyMaterial::EdDsa(_) => ED25519_SIGNATURE_LEN,
        };
        if signature.len() != expected_len {
            return Err(LaunchError::SignatureFormat);
        }
        let verified = match self {
            // constant-time comparison inside ring
            KeyMaterial::Hs256(key) => hmac::verify(key, message, signature),
            KeyMaterial::Es256(key) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, key)
                    .verify(message, signature)
            }
            KeyMaterial::Rs256(key, _) => {
                UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key)
                    .verify(message, signature)
            }
            KeyMaterial::EdDsa(key) => {
                UnparsedPublicKey::new(&signature::ED25519, key).verify(message, signature)
            }
            KeyMaterial::Rs512(key, _) => {
                UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA512, key)
                    .verify(message, signature)
            }
            KeyMaterial::Ps256(key, _) => {
                UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, key)
                    .verify(message, signature)
            }
        };
        verified.map_err(|_| LaunchError::SignatureInvalid)
    }
}

/// Whether `kid` is 1 to 64 characters from `[A-Za-z0-9._-]`: safe to log, to use as a
/// map key and to name in an error message.
pub(crate) fn is_safe_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The keys a [`Verifier`](super::Verifier) trusts, and the issuer and audience it
/// expects.
///
/// Each key is added with the algorithm it is for, and that binding is final: a token
/// whose header names another algorithm for the same `kid` is refused. Keys are never
/// fetched or taken from a token. A `kid` can be added once.
///
/// ```
/// use icr_core::launch::{Algorithm, TrustStore};
///
/// let mut store = TrustStore::new("https://epr.example.invalid", "icr-sdk");
/// store.add_hs256("shared-1", &[7u8; 32]).unwrap();
/// assert_eq!(store.algorithm_of("shared-1"), Some(Algorithm::Hs256));
/// assert!(store.add_hs256("short", b"too short").is_err());
/// assert!(store.add_hs256("../keys", &[7u8; 32]).is_err());
/// ```
#[derive(Clone)]
pub struct TrustStore {
    issuer: String,
    audience: String,
    keys: BTreeMap<String, KeyMaterial>,
    /// The CIS2 identity provider whose ID tokens a launch token may carry.
    cis2: Option<Box<Cis2Trust>>,
}

impl TrustStore {
    /// An empty store expecting tokens from `issuer` (`iss`) addressed to `audience`
    /// (`aud`).
    pub fn new(issuer: &str, audience: &str) -> Self {
        TrustStore {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys: BTreeMap::new(),
            cis2: None,
        }
    }

    /// Trusts `key` for `kid` under `algorithm`, in the form that algorithm's own method
    /// below takes (the HS256 secret or the public key).
    pub fn add(&mut self, kid: &str, algorithm: Algorithm, key: &[u8]) -> Result<(), KeyError> {
        match algorithm {
            Algorithm::Hs256 => self.add_hs256(kid, key),
            Algorithm::Es256 => self.add_es256(kid, key),
            Algorithm::Rs256 => self.add_rs256(kid, key),
            Algorithm::EdDsa => self.add_ed25519(kid, key),
            Algorithm::Rs512 | Algorithm::Ps256 => self.insert(
                kid,
                der::rsa_public_key(key).and_then(|k| KeyMaterial::rsa(k, algorithm)),
            ),
        }
    }

    /// Trusts CIS2 ID tokens from the deployment's CIS2 identity provider (see
    /// [`Cis2Trust`]): a launch token may then carry one in its `cis2_id_token` claim.
    /// Without it such a launch token is refused ([`LaunchError::Cis2NotTrusted`]).
    pub fn with_cis2(mut self, trust: Cis2Trust) -> Self {
        self.cis2 = Some(Box::new(trust));
        self
    }

    /// The CIS2 identity provider trusted, if any.
    pub fn cis2(&self) -> Option<&Cis2Trust> {
        self.cis2.as_deref()
    }

    /// Trusts an HMAC-SHA-256 secret for `kid`. Secrets under 32 bytes are refused.
    pub fn add_hs256(&mut self, kid: &str, secret: &[u8]) -> Result<(), KeyError> {
        self.insert(kid, KeyMaterial::hs256(secret))
    }

    /// Trusts a P-256 public key (65-byte uncompressed SEC1 point) for ES256.
    pub fn add_es256(&mut self, kid: &str, public_key: &[u8]) -> Result<(), KeyError> {
        self.insert(kid, KeyMaterial::es256(public_key))
    }

    /// Trusts an RSA public key for RS256, given as DER `RSAPublicKey` (PKCS#1) or DER
    /// `SubjectPublicKeyInfo`. The modulus must be 2048 to 8192 bits.
    pub fn add_rs256(&mut self, kid: &str, public_key: &[u8]) -> Result<(), KeyError> {
        self.insert(kid, KeyMaterial::rs256(public_key))
    }

    /// Trusts a 32-byte Ed25519 public key for EdDSA.
    pub fn add_ed25519(&mut self, kid: &str, public_key: &[u8]) -> Result<(), KeyError> {
        self.insert(kid, KeyMaterial::ed25519(public_key))
    }

    /// The issuer tokens must name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience tokens must be addressed to.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The algorithm bound to `kid`, if it is trusted.
    pub fn algorithm_of(&self, kid: &str) -> Option<Algorithm> {
        self.keys.get(kid).map(KeyMaterial::algorithm)
    }

    /// Number of trusted keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn key(&self, kid: &str) -> Option<&KeyMaterial> {
        self.keys.get(kid)
    }

    pub(crate) fn insert(
        &mut self,
        kid: &str,
        key: Result<KeyMaterial, KeyError>,
    ) -> Result<(), KeyError> {
        if !is_safe_kid(kid) {
            return Err(KeyError::InvalidKid);
        }
        let key = key?;
        if self.keys.contains_key(kid) {
            return Err(KeyError::DuplicateKid {
                kid: kid.to_owned(),
            });
        }
        self.keys.insert(kid.to_owned(), key);
        Ok(())
    }
}

impl fmt::Debug for TrustStore {
    /// Shows issuer, audience and which algorithm each `kid` is bound to; never key bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: BTreeMap<&str, Algorithm> = self
            .keys
            .iter()
            .map(|(kid, key)| (kid.as_str(), key.algorithm()))
            .collect();
        f.debug_struct("TrustStore")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("keys", &keys)
            .field("cis2", &self.cis2)
            .finish()
    }
}
