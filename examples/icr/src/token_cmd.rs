//! `icr token`: mints a demo launch token, as a host EPR would, signed with the published
//! demo key (so only an ICR configured with the demo trust store accepts it).

use icr_core::NhsNumber;
use icr_core::launch::Relationship;
use icr_core::session::demo;

/// Prints a token for the role, relationship and patient.
pub fn run(role: &str, relationship: &str, patient: &str) -> Result<String, String> {
    let patient = NhsNumber::parse(patient).map_err(|e| e.to_string())?;
    let relationship: Relationship = relationship
        .parse()
        .map_err(|_| format!("unknown relationship '{relationship}'"))?;
    let policy = icr_core::access::Policy::default_uk().map_err(|e| e.to_string())?;
    demo::token(
        &policy,
        role,
        relationship,
        patient,
        jiff::Timestamp::now().as_second(),
    )
    .map_err(|e| e.to_string())
}
