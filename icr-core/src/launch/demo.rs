//! A demo issuer for the CLI, examples and tests. **Demo only.**
//!
//! The signing key is derived from a fixed seed published in this source file, so anyone
//! can mint tokens this trust store accepts. Never configure a production verifier with
//! [`trust_store`]; a real host EPR signs with its own key and registers only the public
//! half.

use std::sync::atomic::{AtomicU64, Ordering};

use ring::rand::{SecureRandom as _, SystemRandom};

use super::context::{LaunchContext, Relationship};
use super::error::KeyError;
use super::keys::TrustStore;
use super::signing::SigningKey;
use crate::identity::NhsNumber;

/// Issuer of demo launch tokens (`.invalid`, so it can never be a real host).
pub const ISSUER: &str = "https://demo-epr.invalid";
/// Audience of demo launch tokens.
pub const AUDIENCE: &str = "icr-sdk";
/// Key id of the demo signing key.
pub const KID: &str = "demo-ed25519-1";
/// How long a demo token lasts, seconds.
pub const LIFETIME: i64 = 300;

/// The public, fixed seed of the demo key. Not a secret: this is why it is demo-only.
const DEMO_SEED: [u8; 32] = *b"ICR SDK demo key: NOT A SECRET!!";

/// The demo Ed25519 signing key (fixed, published seed: demo only).
pub fn signing_key() -> Result<SigningKey, KeyError> {
    SigningKey::ed25519_from_seed(&DEMO_SEED)
}

/// A trust store for [`ISSUER`] and [`AUDIENCE`] holding the demo public key as [`KID`].
pub fn trust_store() -> Result<TrustStore, KeyError> {
    let public_key = signing_key()?
        .public_key()
        .ok_or(KeyError::Rejected("demo key has no public key"))?;
    let mut store = TrustStore::new(ISSUER, AUDIENCE);
    store.add_ed25519(KID, &public_key)?;
    Ok(store)
}

/// A demo launch context issued at `now`, expiring [`LIFETIME`] seconds later, for a
/// synthetic user, with purpose `direct-care` and a fresh random `jti`.
pub fn context(
    role_profile: &str,
    job_role: Option<&str>,
    organisation: &str,
    patient: NhsNumber,
    relationship: Relationship,
    now: i64,
) -> LaunchContext {
    LaunchContext {
        user_id: "555000000001".to_owned(),
        user_name: Some("Demo Clinician".to_owned()),
        role_profile: role_profile.to_owned(),
        job_role: job_role.map(str::to_owned),
        organisation: organisation.to_owned(),
        patient,
        patient_birth_date: None,
        patient_family_name: None,
        patient_restricted: false,
        purpose: "direct-care".to_owned(),
        relationship,
        issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        issued_at: now,
        expires_at: now.saturating_add(LIFETIME),
        not_before: None,
        token_id: fresh_token_id(now),
    }
}

/// 128 random bits as hex. Should the system generator ever fail, a process-unique
/// counter keeps ids distinct so the demo still runs (demo tokens carry no real access).
fn fresh_token_id(now: i64) -> String {
    static FALLBACK: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    if SystemRandom::new().fill(&mut bytes).is_ok() {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        let n = FALLBACK.fetch_add(1, Ordering::Relaxed);
        format!("demo-{now}-{}-{n}", std::process::id())
    }
}
