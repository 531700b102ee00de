//! The signed launch context: its claims as a record, and signing one (for hosts that let
//! the SDK sign with their key, and for tests).

use icr_core::NhsNumber;
use icr_core::launch::{self, SigningKey};

use crate::error::{CoreError, IcrError, host};
use crate::icr::KeyAlgorithm;

/// The care relationship the host asserts between the user and the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum Relationship {
    /// The user works at the patient's registered GP practice.
    RegisteredGp,
    /// The user is treating the patient in a current episode of care.
    CurrentEpisode,
    /// The user's service has received a referral for the patient.
    Referral,
    /// The user is providing out-of-hours or urgent care.
    OutOfHours,
    /// The user is a member of the patient's care team.
    CareTeam,
    /// No care relationship is asserted.
    None,
}

mirror_enum! { Relationship, launch::Relationship, None, [
    RegisteredGp, CurrentEpisode, Referral, OutOfHours, CareTeam, None,
] }

/// Who is looking at which patient, why, and on what authority: the claims of a launch
/// token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LaunchContext {
    /// The user's SDS user id.
    pub user_id: String,
    /// The user's name.
    pub user_name: Option<String>,
    /// The user's SDS role profile code (`R8000`).
    pub role_profile: String,
    /// The user's SDS job role code (`R0260`).
    pub job_role: Option<String>,
    /// ODS code of the user's organisation.
    pub organisation: String,
    /// The patient's NHS number (ten digits).
    pub patient: String,
    /// Purpose of use (`direct-care`).
    pub purpose: String,
    /// The asserted care relationship.
    pub relationship: Relationship,
    /// Issuer (`iss`).
    pub issuer: String,
    /// Audience (`aud`).
    pub audience: String,
    /// Issued at, seconds since the Unix epoch.
    pub issued_at: i64,
    /// Expires at, seconds since the Unix epoch.
    pub expires_at: i64,
    /// Not valid before, seconds since the Unix epoch.
    pub not_before: Option<i64>,
    /// Token id (`jti`), unique per token.
    pub token_id: String,
    /// The patient's date of birth as the host holds it (`YYYY-MM-DD`), compared with
    /// the record: a difference is a demographic warning in the summary.
    #[uniffi(default = None)]
    pub patient_birth_date: Option<String>,
    /// The patient's family name as the host holds it, compared the same way.
    #[uniffi(default = None)]
    pub patient_family_name: Option<String>,
    /// The host holds the patient as restricted (PDS S-flag): contact details are
    /// withheld from every role and no GP Connect request is sent.
    #[uniffi(default = false)]
    pub patient_restricted: bool,
}

impl From<&launch::LaunchContext> for LaunchContext {
    fn from(c: &launch::LaunchContext) -> Self {
        LaunchContext {
            user_id: c.user_id.clone(),
            user_name: c.user_name.clone(),
            role_profile: c.role_profile.clone(),
            job_role: c.job_role.clone(),
            organisation: c.organisation.clone(),
            patient: c.patient.as_str().to_owned(),
            purpose: c.purpose.clone(),
            relationship: c.relationship.into(),
            issuer: c.issuer.clone(),
            audience: c.audience.clone(),
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            not_before: c.not_before,
            token_id: c.token_id.clone(),
            patient_birth_date: c.patient_birth_date.clone(),
            patient_family_name: c.patient_family_name.clone(),
            patient_restricted: c.patient_restricted,
        }
    }
}

impl TryFrom<LaunchContext> for launch::LaunchContext {
    type Error = IcrError;

    fn try_from(c: LaunchContext) -> Result<Self, IcrError> {
        Ok(launch::LaunchContext {
            user_id: c.user_id,
            user_name: c.user_name,
            role_profile: c.role_profile,
            job_role: c.job_role,
            organisation: c.organisation,
            patient: NhsNumber::parse(&c.patient)?,
            purpose: c.purpose,
            relationship: c.relationship.into(),
            issuer: c.issuer,
            audience: c.audience,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            not_before: c.not_before,
            token_id: c.token_id,
            patient_birth_date: c.patient_birth_date,
            patient_family_name: c.patient_family_name,
            patient_restricted: c.patient_restricted,
        })
    }
}

/// Signs a launch token for `context` with the host's private key, as key id `kid`:
/// an HS256 secret (32 bytes or more), an Ed25519 seed (32 bytes), or an ES256 or RS256
/// key in PKCS#8 DER. A host that signs with its own JOSE library does not need this.
#[uniffi::export]
pub fn mint_launch_token(
    context: LaunchContext,
    kid: String,
    algorithm: KeyAlgorithm,
    private_key: Vec<u8>,
) -> Result<String, IcrError> {
    let key = match algorithm {
        KeyAlgorithm::Hs256 => SigningKey::hs256(&private_key),
        KeyAlgorithm::EdDsa => {
            let seed: [u8; 32] = private_key.as_slice().try_into().map_err(|_| {
                host(CoreError::Input(
                    "an Ed25519 private key is a 32-byte seed".to_owned(),
                ))
            })?;
            SigningKey::ed25519_from_seed(&seed)
        }
        KeyAlgorithm::Es256 => SigningKey::es256_from_pkcs8(&private_key),
        KeyAlgorithm::Rs256 => SigningKey::rs256_from_pkcs8(&private_key),
    }?;
    launch::mint(&context.try_into()?, &kid, &key).map_err(IcrError::from)
}
