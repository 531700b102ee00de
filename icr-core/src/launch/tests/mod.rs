//! Tests of the launch module: shared fixtures here, one file per concern.

mod attacks;
mod claims;
mod gp_connect;
mod keys;
mod valid;
mod wycheproof_vectors;

use std::sync::atomic::{AtomicU64, Ordering};

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};

use super::b64;
use super::signing::sign_json;
use super::{KeyError, LaunchContext, LaunchError, Relationship, SigningKey, TrustStore, Verifier};
use crate::identity::NhsNumber;

pub(super) const NOW: i64 = 1_760_000_000;
pub(super) const ISS: &str = "https://epr.example.invalid";
pub(super) const AUD: &str = "icr-sdk";
pub(super) const PATIENT: &str = "9434765919";
pub(super) const USER_NAME: &str = "Dr Test Clinician";
pub(super) const HS_SECRET: [u8; 32] = *b"0123456789abcdef0123456789abcdef";
pub(super) const ED_SEED: [u8; 32] = [7; 32];
pub(super) const RSA_PKCS8: &[u8] = include_bytes!("../testdata/rsa2048-test-key.pk8");

/// One signing key per algorithm, registered in [`store`] as `hs-1`, `es-1`, `rs-1`,
/// `ed-1`.
pub(super) struct Keys {
    pub hs: SigningKey,
    pub es: SigningKey,
    pub es_pkcs8: Vec<u8>,
    pub rs: SigningKey,
    pub ed: SigningKey,
}

pub(super) fn keys() -> Keys {
    let es_pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap()
            .as_ref()
            .to_vec();
    Keys {
        hs: SigningKey::hs256(&HS_SECRET).unwrap(),
        es: SigningKey::es256_from_pkcs8(&es_pkcs8).unwrap(),
        es_pkcs8,
        rs: SigningKey::rs256_from_pkcs8(RSA_PKCS8).unwrap(),
        ed: SigningKey::ed25519_from_seed(&ED_SEED).unwrap(),
    }
}

pub(super) fn store(keys: &Keys) -> TrustStore {
    let mut store = TrustStore::new(ISS, AUD);
    store.add_hs256("hs-1", &HS_SECRET).unwrap();
    store
        .add_es256("es-1", &keys.es.public_key().unwrap())
        .unwrap();
    store
        .add_rs256("rs-1", &keys.rs.public_key().unwrap())
        .unwrap();
    store
        .add_ed25519("ed-1", &keys.ed.public_key().unwrap())
        .unwrap();
    store
}

/// Keys and a default verifier over them.
pub(super) fn setup() -> (Keys, Verifier) {
    let keys = keys();
    let verifier = Verifier::new(store(&keys));
    (keys, verifier)
}

pub(super) fn next_jti() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("jti-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A valid launch context issued at [`NOW`].
pub(super) fn context() -> LaunchContext {
    LaunchContext {
        user_id: "555000000001".to_owned(),
        user_name: Some(USER_NAME.to_owned()),
        role_profile: "R8000".to_owned(),
        job_role: Some("R0260".to_owned()),
        organisation: "Y90001".to_owned(),
        patient: NhsNumber::parse(PATIENT).unwrap(),
        patient_birth_date: None,
        patient_family_name: None,
        patient_restricted: false,
        purpose: "direct-care".to_owned(),
        relationship: Relationship::RegisteredGp,
        issuer: ISS.to_owned(),
        audience: AUD.to_owned(),
        issued_at: NOW,
        expires_at: NOW + 300,
        not_before: None,
        token_id: next_jti(),
    }
}

/// Valid claims as JSON, for tests that break one thing.
pub(super) fn claims() -> Value {
    json!({
        "iss": ISS,
        "sub": "555000000001",
        "aud": AUD,
        "iat": NOW,
        "exp": NOW + 300,
        "jti": next_jti(),
        "name": USER_NAME,
        "icr_role_profile": "R8000",
        "icr_job_role": "R0260",
        "icr_org": "Y90001",
        "icr_patient": PATIENT,
        "icr_purpose": "direct-care",
        "icr_relationship": "registered-gp",
    })
}

pub(super) fn header(alg: &str, kid: &str) -> Value {
    json!({ "alg": alg, "typ": "JWT", "kid": kid })
}

/// Signs arbitrary header and claims JSON.
pub(super) fn token(header: &Value, claims: &Value, key: &SigningKey) -> String {
    sign_raw(
        &serde_json::to_vec(header).unwrap(),
        &serde_json::to_vec(claims).unwrap(),
        key,
    )
}

/// Signs arbitrary header and claims bytes.
pub(super) fn sign_raw(header: &[u8], claims: &[u8], key: &SigningKey) -> String {
    sign_json(header, claims, key).unwrap()
}

/// Signs already-encoded segments, however they are spelt.
pub(super) fn sign_segments(header: &str, claims: &str, key: &SigningKey) -> String {
    let input = format!("{header}.{claims}");
    let sig = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64::encode(&sig))
}

/// An EdDSA token with the given claims, kid `ed-1`.
pub(super) fn ed_token(keys: &Keys, claims: &Value) -> String {
    token(&header("EdDSA", "ed-1"), claims, &keys.ed)
}

/// Values that must never appear in an error message.
const SENSITIVE: [&str; 4] = [PATIENT, "943 476 5919", USER_NAME, "555000000001"];

/// Asserts `verify` fails with exactly `expected`, and that the message leaks nothing.
#[track_caller]
pub(super) fn assert_refused(verifier: &Verifier, token: &str, expected: LaunchError) {
    let err = verifier.verify(token, NOW).unwrap_err();
    assert_eq!(err, expected);
    assert_no_leak(&err);
}

#[track_caller]
pub(super) fn assert_no_leak(err: &LaunchError) {
    let text = format!("{err} {err:?}");
    for value in SENSITIVE {
        assert!(!text.contains(value), "error text leaks a value: {text}");
    }
    assert!(!text.contains("eyJ"), "error text quotes the token: {text}");
}
