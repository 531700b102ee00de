//! The normalised shared care record: one patient, items by section, each with its
//! provenance and sensitivity. Built by [`crate::ingest`] from FHIR, never FHIR itself.

mod code;
mod date;
mod entry;
mod item;
mod measurement;
mod notes;
mod patient;
mod provenance;
mod result;
mod status;
mod wire;

pub(crate) use code::normalised_system;
pub use code::{
    Code, DMD, SNOMED, SctIdError, concept_id, is_known_system, normalise_system, parse_sctid,
};
pub use date::FhirDate;
pub use entry::{
    AllergyStatus, AttachmentRef, ChangeKind, Course, Detail, Entry, ItemWarning, ItemWarningCode,
    MAX_INLINE_TEXT, MedicationChange, MedicationDetail, Reaction, Section, Supply, TeamMember,
};
pub(crate) use item::{EncounterClass, EncounterFacts, Item};
pub use measurement::Quantity;
pub(crate) use measurement::{Measured, Measurement};
pub use notes::{SectionNote, SectionNoteKind, SourceWarning, WarningCode};
pub use patient::{Patient, PersonName, Telecom};
pub use provenance::{
    CareSetting, LabelBasis, Organisation, Provenance, SensitiveCategory, Sensitivity,
};
pub use result::{FlagBasis, ReferenceRange, ResultFlag, ResultLine};
pub use status::{SourceStatus, WithheldReason};
pub use wire::code_of;
