//! The CIS2 UserInfo claims as a launch token carries them.
//!
//! Shapes (CIS2 "scopes and claims"; NHSDigital/eps-prescription-tracker-ui
//! `UserInfoResponse`):
//! - `nhsid_useruid`: string (scope `nhsperson`);
//! - `name`: string (scope `profile`);
//! - `nhsid_nrbac_roles`: array of `{person_orgid, person_roleid, org_code, role_name,
//!   role_code, activities?, activity_codes?, aow?, aow_codes?, workgroups?,
//!   workgroups_codes?}` (scope `nationalrbacaccess`);
//! - `nhsid_user_orgs`: array of `{org_code, org_name}` (scope `associatedorgs`);
//! - `selected_roleid`: string, a `person_roleid` (scope `selectedrole`, and the ID token).
//!
//! Members CIS2 may add are ignored; the members read are checked (bounded strings
//! without control characters, ODS codes, activity codes), and a claim of the wrong
//! shape is [`LaunchError::InvalidClaim`] naming the claim, never its value.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::launch::claims::{is_ods_code, optional_string};
use crate::launch::error::LaunchError;

/// Most roles read from `nhsid_nrbac_roles` (the token's own size cap comes first).
const MAX_ROLES: usize = 100;
/// Longest string member read, in bytes.
const MAX_MEMBER: usize = 256;

/// One entry of `nhsid_nrbac_roles`.
#[derive(Debug, Deserialize)]
pub(super) struct Role {
    pub(super) person_roleid: String,
    pub(super) org_code: String,
    pub(super) role_code: String,
    #[serde(default)]
    pub(super) role_name: Option<String>,
    #[serde(default)]
    pub(super) activity_codes: Vec<String>,
}

/// One entry of `nhsid_user_orgs`.
#[derive(Debug, Deserialize)]
pub(super) struct Org {
    pub(super) org_code: String,
    #[serde(default)]
    pub(super) org_name: Option<String>,
}

/// The userinfo claims read.
pub(super) struct UserInfo {
    pub(super) user_id: String,
    pub(super) name: Option<String>,
    pub(super) roles: Vec<Role>,
    pub(super) orgs: Vec<Org>,
    pub(super) selected_roleid: Option<String>,
}

fn safe(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_MEMBER && !s.chars().any(char::is_control)
}

fn array<T: for<'de> Deserialize<'de>>(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Vec<T>, LaunchError> {
    match claims.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= MAX_ROLES => items
            .iter()
            .map(|item| T::deserialize(item).map_err(|_| LaunchError::InvalidClaim(name)))
            .collect(),
        Some(_) => Err(LaunchError::InvalidClaim(name)),
    }
}

pub(super) fn read(claims: &Map<String, Value>) -> Result<UserInfo, LaunchError> {
    const ROLES: &str = "nhsid_nrbac_roles";
    const ORGS: &str = "nhsid_user_orgs";
    let roles: Vec<Role> = array(claims, ROLES)?;
    for role in &roles {
        let texts = [&role.person_roleid, &role.role_code]
            .into_iter()
            .chain(role.role_name.as_ref());
        if !texts.into_iter().all(|s| safe(s))
            || !is_ods_code(&role.org_code)
            || !role.activity_codes.iter().all(|c| safe(c))
        {
            return Err(LaunchError::InvalidClaim(ROLES));
        }
    }
    let orgs: Vec<Org> = array(claims, ORGS)?;
    if !orgs
        .iter()
        .all(|o| is_ods_code(&o.org_code) && o.org_name.as_deref().is_none_or(safe))
    {
        return Err(LaunchError::InvalidClaim(ORGS));
    }
    Ok(UserInfo {
        user_id: optional_string(claims, "nhsid_useruid", MAX_MEMBER)?
            .ok_or(LaunchError::MissingClaim("nhsid_useruid"))?,
        name: optional_string(claims, "name", MAX_MEMBER)?,
        roles,
        orgs,
        selected_roleid: optional_string(claims, "selected_roleid", MAX_MEMBER)?,
    })
}

/// The R-codes of a CIS2 `role_code` (`S8000:G8000:R8000`, possibly with several R
/// codes: `S0010:G0020:R8000:R0260`): the colon-separated parts that are `R` and digits,
/// in order. Sector (`S`) and group (`G`) codes are not role codes.
///
/// ```
/// use icr_core::launch::r_codes;
/// assert_eq!(r_codes("S8000:G8000:R8000"), ["R8000"]);
/// assert_eq!(r_codes("S0010:G0020:R8000:R0260"), ["R8000", "R0260"]);
/// assert!(r_codes("S8000:G8000").is_empty());
/// ```
pub fn r_codes(role_code: &str) -> Vec<String> {
    role_code
        .split(':')
        .map(str::trim)
        .filter(|part| {
            part.len() >= 2
                && part.starts_with('R')
                && part.bytes().skip(1).all(|b| b.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect()
}
