//! The verified launch context and the care relationship it asserts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::identity::NhsNumber;

/// The relationship the host EPR asserts between the user and the patient (claim
/// `icr_relationship`). Access rules decide what each relationship may see.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Relationship {
    /// The user works at the patient's registered GP practice (`registered-gp`).
    RegisteredGp,
    /// The user is treating the patient in a current episode of care (`current-episode`).
    CurrentEpisode,
    /// The user's service has received a referral for the patient (`referral`).
    Referral,
    /// The user is providing out-of-hours or urgent care (`out-of-hours`).
    OutOfHours,
    /// The user is a member of the patient's care team (`care-team`).
    CareTeam,
    /// No care relationship is asserted (`none`).
    None,
}

impl Relationship {
    /// Every relationship, in declaration order.
    pub const ALL: [Relationship; 6] = [
        Relationship::RegisteredGp,
        Relationship::CurrentEpisode,
        Relationship::Referral,
        Relationship::OutOfHours,
        Relationship::CareTeam,
        Relationship::None,
    ];

    /// The claim value (`"registered-gp"`, `"current-episode"`, `"referral"`,
    /// `"out-of-hours"`, `"care-team"`, `"none"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::RegisteredGp => "registered-gp",
            Relationship::CurrentEpisode => "current-episode",
            Relationship::Referral => "referral",
            Relationship::OutOfHours => "out-of-hours",
            Relationship::CareTeam => "care-team",
            Relationship::None => "none",
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the relationship values (the text is not repeated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a known care relationship")]
pub struct ParseRelationshipError;

impl FromStr for Relationship {
    type Err = ParseRelationshipError;

    /// Parses the exact (case-sensitive) claim value.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Relationship::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(ParseRelationshipError)
    }
}

/// Who is looking at which patient, why, and on what authority: the claims of a launch
/// token that verified.
///
/// `Debug` masks the NHS number and the host's demographics of the patient. Serialised
/// with the Rust field names (this is the SDK's view, not the token's claim names).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchContext {
    /// The user's SDS user id (claim `sub`).
    pub user_id: String,
    /// The user's display name (claim `name`).
    pub user_name: Option<String>,
    /// National RBAC role code, e.g. `R8000` (claim `icr_role_profile`).
    pub role_profile: String,
    /// Job role code, e.g. `R0260` for a GP (claim `icr_job_role`).
    pub job_role: Option<String>,
    /// ODS code of the user's organisation (claim `icr_org`).
    pub organisation: String,
    /// The patient (claim `icr_patient`, modulus 11 checked).
    pub patient: NhsNumber,
    /// The patient's date of birth as the host system holds it, `YYYY-MM-DD` (optional
    /// claim `icr_patient_birth_date`, a real calendar date). When given,
    /// [`Session::summary`](crate::session::Session::summary) compares it with the
    /// record's and reports a difference as a demographic discrepancy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub patient_birth_date: Option<String>,
    /// The patient's family name as the host system holds it (optional claim
    /// `icr_patient_family_name`, 1 to 100 bytes, no control characters, not blank),
    /// compared with the record's like the date of birth (case and surrounding spaces
    /// ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub patient_family_name: Option<String>,
    /// The host system holds the patient as restricted (the PDS "sensitive" S-flag;
    /// optional boolean claim `icr_patient_restricted`, default `false`). A restricted
    /// patient's contact details are withheld from every role, and no GP Connect request
    /// is sent for them, whatever the sources say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub patient_restricted: bool,
    /// Purpose of use, e.g. `direct-care` (claim `icr_purpose`).
    pub purpose: String,
    /// The asserted care relationship (claim `icr_relationship`).
    pub relationship: Relationship,
    /// The token issuer (claim `iss`).
    pub issuer: String,
    /// The audience the token was accepted for (one of the values of claim `aud`).
    pub audience: String,
    /// Issued at, seconds since the Unix epoch (claim `iat`).
    pub issued_at: i64,
    /// Expires at, seconds since the Unix epoch (claim `exp`).
    pub expires_at: i64,
    /// Not valid before, seconds since the Unix epoch (claim `nbf`).
    pub not_before: Option<i64>,
    /// Unique token id, used to refuse replays (claim `jti`).
    pub token_id: String,
}

impl fmt::Debug for LaunchContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("LaunchContext")
            .field("user_id", &self.user_id)
            .field("user_name", &self.user_name)
            .field("role_profile", &self.role_profile)
            .field("job_role", &self.job_role)
            .field("organisation", &self.organisation)
            .field("patient", &self.patient)
            .field("patient_birth_date", &masked(&self.patient_birth_date))
            .field("patient_family_name", &masked(&self.patient_family_name))
            .field("purpose", &self.purpose)
            .field("relationship", &self.relationship)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("not_before", &self.not_before)
            .field("token_id", &self.token_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_names_round_trip_through_serde_and_from_str() {
        for r in Relationship::ALL {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            assert_eq!(serde_json::from_str::<Relationship>(&json).unwrap(), r);
            assert_eq!(r.as_str().parse::<Relationship>(), Ok(r));
        }
        assert_eq!(
            "Registered-GP".parse::<Relationship>(),
            Err(ParseRelationshipError)
        );
    }
}
