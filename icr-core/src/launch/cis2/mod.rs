//! Launching from an NHS CIS2 (Care Identity Service 2) identity: the user's national
//! RBAC roles, the role they signed in with, and how strongly they authenticated, read
//! from CIS2's own claims instead of the SDK's `icr_role_profile` / `icr_org`.
//!
//! Two ways in (see `docs/launch.md`):
//! 1. **CIS2 userinfo claims in the launch token.** The host copies what CIS2's UserInfo
//!    endpoint returned (`nhsid_useruid`, `name`, `nhsid_nrbac_roles`, `nhsid_user_orgs`,
//!    `selected_roleid`) into its signed launch token, beside the patient, purpose and
//!    relationship claims, and the authentication's `acr`.
//! 2. **The CIS2 ID token itself**, in the launch token's `cis2_id_token` claim, beside
//!    the userinfo claims. It is verified against the deployment's CIS2 JSON Web Key Set
//!    ([`Cis2Trust`], loaded from configuration: keys are never taken from a token or
//!    fetched), its issuer and audience (the client id) checked; its `acr`, `sub` and
//!    `selected_roleid` then override the host's.
//!
//! The claim shapes are CIS2's published ones: NHS England's "Care Identity
//! Authentication: scopes and claims" guidance (digital.nhs.uk,
//! `.../cis2-authentication/guidance-for-developers/detailed-guidance/scopes-and-claims`)
//! and the typed UserInfo response of NHS England's own CIS2 client
//! (NHSDigital/eps-prescription-tracker-ui, `UserInfoResponse`: `nhsid_nrbac_roles` with
//! required `org_code`, `person_orgid`, `person_roleid`, `role_code`, `role_name` and
//! optional `activities`, `activity_codes`, `aow`, `aow_codes`, `workgroups`,
//! `workgroups_codes`; `nhsid_user_orgs` of `{org_code, org_name}`; `selected_roleid`
//! from the `selectedrole` scope).

mod id_token;
mod jwks;
mod userinfo;

#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::{Map, Value};

use super::claims::{is_ods_code, optional_string};
use super::error::{KeyError, LaunchError};
use super::keys::TrustStore;
use crate::access::{AssuranceLevel, Policy, RoleMatch, acr_level};

pub use userinfo::r_codes;

/// The claim of a launch token that carries the CIS2 ID token.
pub const ID_TOKEN_CLAIM: &str = "cis2_id_token";

/// The CIS2 claims a launch token may carry (besides [`ID_TOKEN_CLAIM`]): any of them
/// makes the launch a CIS2 launch.
pub const USERINFO_CLAIMS: [&str; 5] = [
    "nhsid_nrbac_roles",
    "selected_roleid",
    "nhsid_useruid",
    "nhsid_user_orgs",
    "acr",
];

/// The deployment's CIS2 identity provider: the issuer of its ID tokens, the client id
/// they are addressed to (`aud`), and its signing keys from its JSON Web Key Set.
///
/// ```
/// use icr_core::launch::{Cis2Trust, TrustStore};
///
/// let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"cis2-1","use":"sig","alg":"ES256",
///   "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
///   "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}]}"#;
/// let cis2 = Cis2Trust::from_jwks("https://cis2.example.invalid", "client-1", jwks).unwrap();
/// assert_eq!(cis2.key_count(), 1);
/// let store = TrustStore::new("https://epr.example.invalid", "icr-sdk").with_cis2(cis2);
/// assert!(store.cis2().is_some());
/// ```
#[derive(Clone)]
pub struct Cis2Trust {
    /// The keys by `kid`, each bound to its algorithm; issuer and audience are CIS2's.
    store: TrustStore,
}

impl Cis2Trust {
    /// Trusts the signing keys of a JWKS document (`{"keys": [...]}`) for ID tokens from
    /// `issuer` addressed to `client_id`. RSA keys (RS256, RS512, PS256; 2048 to 8192
    /// bits) and P-256 keys (ES256) are read; a key's `alg` binds it (RS256 or ES256 when
    /// absent); keys marked `"use": "enc"` are skipped. A key that cannot be read, or a
    /// set with no signing key, is refused.
    pub fn from_jwks(issuer: &str, client_id: &str, jwks_json: &str) -> Result<Self, KeyError> {
        let mut store = TrustStore::new(issuer, client_id);
        jwks::load(&mut store, jwks_json)?;
        Ok(Cis2Trust { store })
    }

    /// The issuer CIS2 ID tokens must name.
    pub fn issuer(&self) -> &str {
        self.store.issuer()
    }

    /// The client id CIS2 ID tokens must be addressed to.
    pub fn client_id(&self) -> &str {
        self.store.audience()
    }

    /// How many keys are trusted.
    pub fn key_count(&self) -> usize {
        self.store.len()
    }

    pub(crate) fn store(&self) -> &TrustStore {
        &self.store
    }
}

impl fmt::Debug for Cis2Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cis2Trust")
            .field("keys", &self.store)
            .finish()
    }
}

/// The CIS2 identity a session was launched from: who, in which of their roles, where,
/// with which activities, and how strongly authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cis2Identity {
    /// The user's UUID (`nhsid_useruid`).
    pub user_id: String,
    /// The user's name (`name`).
    pub user_name: Option<String>,
    /// The role signed in with (`selected_roleid`, a `person_roleid`).
    pub person_roleid: String,
    /// That role's `role_code` as CIS2 sent it (`S8000:G8000:R8000`).
    pub role_code: String,
    /// That role's `role_name`.
    pub role_name: Option<String>,
    /// The R-code used as the launch's role profile.
    pub role_profile: String,
    /// Another of the role's R-codes that the policy pairs with the role profile.
    pub job_role: Option<String>,
    /// The role's organisation (`org_code`).
    pub org_code: String,
    /// Its name, from `nhsid_user_orgs`.
    pub org_name: Option<String>,
    /// The national RBAC activities of the role (`activity_codes`, e.g. `B0168`).
    pub activity_codes: Vec<String>,
    /// The authentication context class (`acr`), from the ID token when verified, else
    /// from the host's claim.
    pub acr: Option<String>,
    /// Whether a CIS2 ID token was verified for this launch.
    pub id_token_verified: bool,
}

impl Cis2Identity {
    /// Whether the selected role holds the national RBAC activity `code`.
    pub fn has_activity(&self, code: &str) -> bool {
        self.activity_codes.iter().any(|c| c == code)
    }
}

/// What the policy says about launches, as the verifier applies it.
#[derive(Debug, Clone, Default)]
pub(crate) struct LaunchRules {
    pub(crate) min_acr: Option<AssuranceLevel>,
    pub(crate) relationship_self_claim: bool,
    /// The policy's role codes: which R-codes it knows as profiles and job roles.
    pub(crate) roles: Vec<RoleMatch>,
}

impl LaunchRules {
    pub(crate) fn from_policy(policy: &Policy) -> Self {
        LaunchRules {
            min_acr: policy.cis2.min_level(),
            relationship_self_claim: policy.cis2.relationship_self_claim,
            roles: policy
                .roles
                .iter()
                .flat_map(|r| r.r#match.iter().cloned())
                .collect(),
        }
    }

    fn knows_profile(&self, code: &str) -> bool {
        self.roles.iter().any(|m| m.role_profile == code)
    }

    fn knows_job_role(&self, profile: &str, job: &str) -> bool {
        self.roles
            .iter()
            .any(|m| m.role_profile == profile && m.job_role.as_deref() == Some(job))
    }
}

/// The CIS2 identity of a verified launch token's claims, or `None` when it carries no
/// CIS2 claim. `expected` organisation: the token's `icr_org`, when given.
pub(crate) fn identity(
    claims: &Map<String, Value>,
    store: &TrustStore,
    rules: &LaunchRules,
    now: i64,
    leeway: i64,
) -> Result<Option<Cis2Identity>, LaunchError> {
    let present = claims.contains_key(ID_TOKEN_CLAIM)
        || USERINFO_CLAIMS.iter().any(|c| claims.contains_key(*c));
    if !present {
        return Ok(None);
    }
    let id_token = match claims.get(ID_TOKEN_CLAIM) {
        None => None,
        Some(Value::String(token)) => {
            let trust = store.cis2().ok_or(LaunchError::Cis2NotTrusted)?;
            Some(id_token::verify(token, trust, now, leeway)?)
        }
        Some(_) => return Err(LaunchError::InvalidClaim(ID_TOKEN_CLAIM)),
    };
    let info = userinfo::read(claims)?;
    let selected = match (&id_token, &info.selected_roleid) {
        (Some(t), Some(s)) if t.selected_roleid.as_ref().is_some_and(|id| id != s) => {
            return Err(LaunchError::Cis2IdentityMismatch);
        }
        (Some(t), None) => t.selected_roleid.clone(),
        (_, s) => s.clone(),
    }
    .ok_or(LaunchError::MissingClaim("selected_roleid"))?;
    if id_token.as_ref().is_some_and(|t| t.sub != info.user_id) {
        return Err(LaunchError::Cis2IdentityMismatch);
    }
    if info.roles.is_empty() {
        return Err(LaunchError::Cis2NoRoles);
    }
    let role = info
        .roles
        .iter()
        .find(|r| r.person_roleid == selected)
        .ok_or(LaunchError::Cis2UnknownSelectedRole)?;
    if let Some(org) = optional_string(claims, "icr_org", 10)? {
        if !is_ods_code(&org) {
            return Err(LaunchError::InvalidClaim("icr_org"));
        }
        if !org.eq_ignore_ascii_case(&role.org_code) {
            return Err(LaunchError::Cis2OrganisationMismatch);
        }
    }
    let acr = match &id_token {
        Some(t) => Some(t.acr.clone()),
        None => optional_string(claims, "acr", 64)?,
    };
    check_acr(acr.as_deref(), rules)?;

    let codes = r_codes(&role.role_code);
    let role_profile = codes
        .iter()
        .find(|c| rules.knows_profile(c))
        .or_else(|| codes.first())
        .cloned()
        .ok_or(LaunchError::InvalidClaim("nhsid_nrbac_roles"))?;
    let job_role = codes
        .iter()
        .find(|c| **c != role_profile && rules.knows_job_role(&role_profile, c))
        .cloned();
    let org_name = info
        .orgs
        .iter()
        .find(|o| o.org_code == role.org_code)
        .and_then(|o| o.org_name.clone());
    Ok(Some(Cis2Identity {
        user_id: info.user_id,
        user_name: info.name,
        person_roleid: role.person_roleid.clone(),
        role_code: role.role_code.clone(),
        role_name: role.role_name.clone(),
        role_profile,
        job_role,
        org_code: role.org_code.clone(),
        org_name,
        activity_codes: role.activity_codes.clone(),
        acr,
        id_token_verified: id_token.is_some(),
    }))
}

/// Checks the `acr` against the policy's minimum: an unknown value is invalid, a
/// missing one is refused only when there is a minimum.
fn check_acr(acr: Option<&str>, rules: &LaunchRules) -> Result<(), LaunchError> {
    let level = match acr {
        None => None,
        Some(acr) => Some(acr_level(acr).ok_or(LaunchError::InvalidClaim("acr"))?),
    };
    match (rules.min_acr, level) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(LaunchError::MissingClaim("acr")),
        (Some(min), Some(found)) if found < min => Err(LaunchError::AssuranceTooLow {
            found: found.as_str(),
            required: min.as_str(),
        }),
        (Some(_), Some(_)) => Ok(()),
    }
}
