//! Errors of the core, one enum per family of operations.
//!
//! Messages say what was wrong and where (line, column, field), never the values: a value
//! in a clinical document may be patient data, and error text ends up in host logs.

use thiserror::Error;

/// Why a FHIR document could not be read into a source record.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IngestError {
    /// The document is larger than the configured limit.
    #[error("document is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size of the document in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The document is empty or only white space.
    #[error("document is empty")]
    Empty,
    /// The document is not valid UTF-8.
    #[error("document is not valid UTF-8")]
    InvalidUtf8,
    /// The document is not well-formed JSON.
    #[error("invalid JSON: {problem}")]
    InvalidJson {
        /// Line of the problem (1-based).
        line: usize,
        /// Column of the problem (1-based).
        column: usize,
        /// What the parser expected, without the offending value.
        problem: String,
    },
    /// The document ends before the JSON is complete.
    #[error("JSON ends early at line {line}, column {column} (truncated document?)")]
    Truncated {
        /// Line where the input ended.
        line: usize,
        /// Column where the input ended.
        column: usize,
    },
    /// The JSON nests deeper than the parser allows (128 levels).
    #[error("JSON nests too deeply (more than 128 levels)")]
    TooDeep,
    /// The JSON is well formed but is not an object, so it cannot be a FHIR resource.
    #[error("document is {found}, not a FHIR resource object")]
    NotAResource {
        /// What was found instead (`"a JSON array"`).
        found: &'static str,
    },
    /// The top-level object has no `resourceType`.
    #[error("document has no resourceType, so it is not a FHIR resource")]
    MissingResourceType,
    /// The top-level resource has a shape that cannot be read.
    #[error("resource cannot be read: {reason}")]
    InvalidResource {
        /// Where and what, without values.
        reason: String,
    },
    /// The document is in a FHIR version the SDK does not read.
    #[error(
        "unsupported FHIR version {version} (evidence: {evidence}); GP Connect STU3 and R4 are supported"
    )]
    UnsupportedFhirVersion {
        /// The version detected (`"DSTU2"`).
        version: &'static str,
        /// What showed it (a resource type or profile), never data.
        evidence: String,
    },
    /// The source's patient is not the patient that was asked for.
    #[error("source patient does not match the requested patient ({reason})")]
    PatientMismatch {
        /// Why (no NHS number, a different NHS number, several patients): never the numbers.
        reason: &'static str,
    },
}
