//! What an ingest did with every resource it read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Section;

/// The FHIR version a document was read as.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum FhirVersion {
    /// STU3 (3.0), as GP Connect Access Record: Structured sends.
    #[serde(rename = "STU3")]
    Stu3,
    /// R4 (4.0), UK Core and most current systems.
    #[serde(rename = "R4")]
    R4,
}

/// Why a resource was read but is not in the record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The source marked it entered in error.
    EnteredInError,
    /// It is about another patient than the source's.
    OtherPatient,
    /// Its type is not part of the shared care record (a claim, a questionnaire response).
    UnsupportedType,
    /// Not patient data (a ValueSet, a CapabilityStatement).
    NotPatientData,
    /// A supplier's OperationOutcome (its messages are in the warnings).
    OperationOutcome,
    /// An object without `resourceType`.
    MissingResourceType,
    /// It could not be read; the text says where, never what.
    Invalid(String),
}

/// One skipped resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// `Type/id` (the id is the source's technical id, not patient data).
    pub resource: String,
    /// Why.
    pub reason: SkipReason,
}

/// A reference that did not resolve within the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct UnresolvedReference {
    /// The resource that made it (`Type/id`).
    pub from: String,
    /// The element (`subject`, `medicationReference`).
    pub element: &'static str,
    /// The type it points at, when the reference says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// How it was written (its value may identify a person, so it is not repeated).
    pub form: crate::ingest::index::ReferenceForm,
}

/// What was read and what became of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Resources read, by `resourceType` (entries of Bundles, nested Bundles walked;
    /// `contained` not counted).
    pub resources_read: BTreeMap<String, usize>,
    /// Items produced, by section key.
    pub entries: BTreeMap<&'static str, usize>,
    /// Resources that became an item or part of one, by type.
    pub used: BTreeMap<String, usize>,
    /// Resources read for provenance or structure and deliberately not shown as items
    /// (Organization, Practitioner, List, Medication, …), by type.
    pub supporting: BTreeMap<String, usize>,
    /// Resources not in the record, with why.
    pub skipped: Vec<Skipped>,
    /// References that did not resolve.
    pub unresolved_references: Vec<UnresolvedReference>,
    /// Code systems the SDK does not know, with how often they were seen.
    pub unknown_code_systems: BTreeMap<String, usize>,
    /// `Type/id` pairs that occur more than once in the document; every occurrence is kept.
    pub duplicate_ids: Vec<String>,
}

impl IngestReport {
    pub(crate) fn count_entry(&mut self, section: Section) {
        *self.entries.entry(section.key()).or_default() += 1;
    }
}
