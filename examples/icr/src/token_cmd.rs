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

/// Prints a token carrying the CIS2 identity of the userinfo at `path` (its selected
/// role decides the user's role and organisation), for the patient and relationship,
/// expiring `expires_in` seconds from now. The launch is for the selected role's
/// organisation.
pub(crate) fn run_cis2(
    path: &std::path::Path,
    acr: Option<&str>,
    relationship: &str,
    patient: &str,
    expires_in: i64,
) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {}", path.display(), e.kind()))?;
    let mut userinfo: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|_| format!("{} is not a JSON object", path.display()))?;
    let acr = acr
        .map(str::to_owned)
        .or_else(|| {
            userinfo
                .get("acr")
                .and_then(|a| a.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "AAL3_ANY".to_owned());
    userinfo.insert("acr".to_owned(), serde_json::Value::String(acr));
    // The launch is for the organisation of the role the user signed in with.
    let selected = userinfo.get("selected_roleid").and_then(|s| s.as_str());
    let organisation = userinfo
        .get("nhsid_nrbac_roles")
        .and_then(|roles| roles.as_array())
        .and_then(|roles| {
            roles
                .iter()
                .find(|r| r.get("person_roleid").and_then(|id| id.as_str()) == selected)
        })
        .and_then(|r| r.get("org_code"))
        .and_then(|o| o.as_str())
        .unwrap_or(demo::ORGANISATION)
        .to_owned();
    let patient = NhsNumber::parse(patient).map_err(|e| e.to_string())?;
    let relationship: Relationship = relationship
        .parse()
        .map_err(|_| format!("unknown relationship '{relationship}'"))?;
    let now = jiff::Timestamp::now().as_second();
    // The role codes given here are not written: the CIS2 claims replace them.
    let mut context =
        launch::demo::context("R8000", None, &organisation, patient, relationship, now);
    context.expires_at = now.saturating_add(expires_in);
    let key = launch::demo::signing_key().map_err(|e| e.to_string())?;
    launch::mint_cis2(&context, &userinfo, launch::demo::KID, &key).map_err(|e| e.to_string())
}
