//! What sources say about their own data: warnings ("confidential items left out",
//! "record in transit") and statements about empty sections ("no known allergies" vs
//! "nothing recorded"). Read by ingest, carried by the record, shown by the summary.

use serde::{Deserialize, Serialize};

use super::Section;

/// A warning a source gives about its part of the record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceWarning {
    /// What kind of warning.
    pub code: WarningCode,
    /// The section it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
    /// The source's own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Kinds of source warning.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WarningCode {
    /// Items were left out because they are confidential or the patient asked.
    ConfidentialItems,
    /// The record is being transferred from a previous practice; older data may be missing.
    DataInTransit,
    /// Data has arrived at the practice but is not yet filed.
    DataAwaitingFiling,
    /// The source says some items are not supported by its system.
    ItemsNotSupported,
    /// A message from the supplier (an `OperationOutcome` inside the response).
    SupplierMessage,
    /// Dates that are not valid dates (`2024-02-30`, `yesterday`), kept and shown as
    /// recorded.
    InvalidDate,
    /// A value outside its FHIR value set (a gender that is not male, female, other or
    /// unknown), not shown.
    InvalidValue,
    /// Any other warning code, as sent.
    Other(String),
}

/// Why a section of a source is empty, as the source says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SectionNote {
    /// The section.
    pub section: Section,
    /// The assertion.
    pub kind: SectionNoteKind,
    /// The source's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Kinds of statement about an empty section. "No known allergies" is a clinical
/// assertion; "no content recorded" only says nothing was written down.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SectionNoteKind {
    /// Recorded as none known (`nilknown`, or a "no known allergy" code).
    NilKnown,
    /// Nothing recorded.
    NoContentRecorded,
    /// Withheld by the source.
    Withheld,
    /// The source could not supply it.
    Unavailable,
    /// Not asked.
    NotAsked,
    /// Another reason code, as sent.
    Other(String),
}
