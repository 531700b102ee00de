//! The demo patient, its five sources, demo launch tokens and the demo ICR, for the
//! examples and tests: only with the `demo` feature, never in a production build (the
//! demo signing key is published).

use std::sync::Arc;

use icr_core::access::Policy;
use icr_core::launch::demo as demo_key;
use icr_core::{NhsNumber, demo, session};

use icr_core::demo::DemoSource;
use icr_core::launch::{Algorithm, Relationship};

use crate::error::{CoreError, IcrError, host};
use crate::icr::{AuditLog, Icr, Trust, TrustedKey, open_store};

#[uniffi::export]
impl Icr {
    /// The demo ICR: the default policy, the published demo key, an in-memory log.
    #[uniffi::constructor]
    pub fn demo() -> Result<Arc<Icr>, IcrError> {
        let store = open_store(AuditLog::Memory)?;
        let icr = session::demo::icr(store.sink())?;
        Ok(Icr::wrap(icr, store))
    }
}

/// The published demo key as the trust of an `IcrConfig` (demo issuer and audience):
/// for a demo ICR with another audit log.
#[uniffi::export]
pub fn demo_trust() -> Result<Trust, IcrError> {
    let key = demo_key::signing_key()?.public_key().ok_or_else(|| {
        host(CoreError::Input(
            "the demo key has no public key".to_owned(),
        ))
    })?;
    Ok(Trust::Keys {
        issuer: demo_key::ISSUER.to_owned(),
        audience: demo_key::AUDIENCE.to_owned(),
        trusted_keys: vec![TrustedKey {
            kid: demo_key::KID.to_owned(),
            algorithm: Algorithm::EdDsa,
            key,
        }],
    })
}

/// The demo patient's five sources (synthetic, no real people), registered GP first.
#[uniffi::export]
pub fn demo_sources() -> Vec<DemoSource> {
    demo::sources()
}

/// The demo patient's NHS number.
#[uniffi::export]
pub fn demo_patient_nhs_number() -> String {
    demo::PATIENT_NHS_NUMBER.to_owned()
}

/// A demo launch token for the default policy's `role` (`gp`, `receptionist`,
/// `privacy-officer`, …), issued now, signed with the published demo key: only an
/// `Icr::demo` (or `demo_trust()`) accepts it.
#[uniffi::export]
pub fn mint_demo_token(
    role: String,
    relationship: Relationship,
    nhs_number: String,
) -> Result<String, IcrError> {
    mint_demo_token_at(
        role,
        relationship,
        nhs_number,
        jiff::Timestamp::now().as_second(),
    )
}

/// The same, issued at `issued_at` (seconds since the Unix epoch; it lasts 300 seconds):
/// for testing expiry.
#[uniffi::export]
pub fn mint_demo_token_at(
    role: String,
    relationship: Relationship,
    nhs_number: String,
    issued_at: i64,
) -> Result<String, IcrError> {
    let policy = Policy::default_uk()?;
    let patient = NhsNumber::parse(&nhs_number)?;
    session::demo::token(&policy, &role, relationship, patient, issued_at).map_err(IcrError::from)
}
