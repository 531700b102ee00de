//! A ready-made ICR for demos, examples and tests: the default UK policy, the demo
//! launch key (published, so never trusted in production) and tokens minted for a policy
//! role by name.

use std::sync::Arc;

use super::{Icr, IcrBuilder, SessionError};
use crate::access::Policy;
use crate::audit::AuditSink;
use crate::identity::NhsNumber;
use crate::launch::{self, Relationship, Verifier};

/// The demo user's organisation (the demo GP practice).
pub const ORGANISATION: &str = "Y90001";

/// An [`Icr`] with the default policy, trusting only the demo key.
pub fn icr(audit: Arc<dyn AuditSink>) -> Result<Icr, SessionError> {
    Ok(builder(audit)?.build())
}

/// The same, to be finished by the caller (another clock).
pub fn builder(audit: Arc<dyn AuditSink>) -> Result<IcrBuilder, SessionError> {
    let policy = Policy::default_uk().map_err(|_| SessionError::RoleNotRecognised)?;
    let verifier = Verifier::new(launch::demo::trust_store()?);
    Ok(Icr::builder(policy, verifier, audit))
}

/// A demo launch token for the policy role `role` (its first national code pair),
/// issued at `now` by the demo host.
pub fn token(
    policy: &Policy,
    role: &str,
    relationship: Relationship,
    patient: NhsNumber,
    now: i64,
) -> Result<String, SessionError> {
    let rule = policy.role(role).ok_or(SessionError::RoleNotRecognised)?;
    let codes = rule
        .r#match
        .first()
        .ok_or(SessionError::RoleNotRecognised)?;
    let context = launch::demo::context(
        &codes.role_profile,
        codes.job_role.as_deref(),
        ORGANISATION,
        patient,
        relationship,
        now,
    );
    Ok(launch::mint(
        &context,
        launch::demo::KID,
        &launch::demo::signing_key()?,
    )?)
}
