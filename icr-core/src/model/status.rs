//! The states the record and the summary report: how each source fared, and why an item
//! is withheld from a viewer. Shared by merge, access and the summary, so none of them
//! imports another for them.

use serde::{Deserialize, Serialize};

/// How a source fared.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SourceStatus {
    /// Read and merged.
    Ok,
    /// Could not be reached.
    Unavailable,
    /// Did not answer within its deadline.
    TimedOut,
    /// Refused the connection or the request.
    Refused,
    /// Sent more than the size limit.
    TooLarge,
    /// Sent something that is not a readable FHIR response.
    InvalidResponse,
    /// Its patient is not the session's patient: discarded whole.
    IdentityMismatch,
    /// Its patient has the record's NHS number but differs in two or more of date of
    /// birth, family name and gender: its items are held for reconciliation, not merged.
    IdentityUnconfirmed,
    /// The source denied access.
    AccessDenied,
    /// The source does not know the patient.
    PatientNotFound,
    /// The patient has dissented from sharing at this source.
    PatientDissent,
    /// Not asked, by rule: a GP Connect source for a restricted patient.
    NotRequested,
}

/// Why items are withheld.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WithheldReason {
    /// The viewer's role does not include this section.
    RoleSection,
    /// The item is in a sensitive category the role may not see (the category's key).
    SensitiveCategory(String),
    /// Withheld with a sensitive item it would reveal (a medicine specific to a
    /// withheld condition).
    Inference,
    /// Linked to a withheld sensitive item (a consultation, result, referral or medicine
    /// recorded against it); which item, or its category, is never said.
    Linked,
    /// The patient has opted out of sharing.
    PatientOptOut,
    /// No legitimate relationship and no break-glass.
    NoRelationship,
    /// The source organisation does not participate in sharing with the viewer.
    NonParticipating,
}
