//! The normalised shared care record: one patient, items by section, each with its
//! provenance and sensitivity. Built by [`crate::ingest`] from FHIR, never FHIR itself.

mod code;
mod date;
mod entry;
mod patient;
mod provenance;

pub use code::{
    Code, DMD, SNOMED, SctIdError, concept_id, is_known_system, normalise_system, parse_sctid,
};
pub use date::FhirDate;
pub use entry::{
    AllergyStatus, AttachmentRef, ChangeKind, Detail, Entry, MedicationChange, MedicationDetail,
    ReferenceRange, ResultLine, Section, TeamMember,
};
pub use patient::{Patient, PersonName, Telecom};
pub use provenance::{
    CareSetting, LabelBasis, Organisation, Provenance, SensitiveCategory, Sensitivity,
};
