//! `icr token`: mints a demo launch token, as a host EPR would, signed with the published
//! demo key (so only an ICR configured with the demo trust store accepts it).

use icr_core::NhsNumber;
use icr_core::launch::{self, Relationship};
use icr_core::session::demo;

/// Prints a token for the role, relationship and patient, expiring `expires_in` seconds
/// from now.
pub(crate) fn run(
    role: &str,
    relationship: &str,
    patient: &str,
    expires_in: i64,
) -> Result<String, String> {
    let patient = NhsNumber::parse(patient).map_err(|e| e.to_string())?;
    let relationship: Relationship = relationship
        .parse()
        .map_err(|_| format!("unknown relationship '{relationship}'"))?;
    let policy = icr_core::access::Policy::default_uk().map_err(|e| e.to_string())?;
    let rule = policy
        .role(role)
        .ok_or_else(|| format!("no role '{role}' in the default policy"))?;
    let codes = rule
        .r#match
        .first()
        .ok_or_else(|| format!("role '{role}' has no codes"))?;
    let now = jiff::Timestamp::now().as_second();
    let mut context = launch::demo::context(
        &codes.role_profile,
        codes.job_role.as_deref(),
        demo::ORGANISATION,
        patient,
        relationship,
        now,
    );
    context.expires_at = now.saturating_add(expires_in);
    let key = launch::demo::signing_key().map_err(|e| e.to_string())?;
    launch::mint(&context, launch::demo::KID, &key).map_err(|e| e.to_string())
}
