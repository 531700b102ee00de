//! One item as the core holds it between ingest and the summary: the [`Entry`] a summary
//! shows, and what only merging and the access decisions need.
//!
//! Keeping the two apart makes [`Entry`] exactly the output type (the summary JSON and the
//! typed record hosts get through uniffi carry the same fields), while the concepts and
//! links the decisions read never leave the core. `Item` dereferences to its entry because
//! ingest, merge and the decisions read the entry's fields everywhere; the extra fields are
//! named where they are used.

use std::ops::{Deref, DerefMut};

use super::{Entry, Measurement, Sensitivity};

/// An entry with what only the core's decisions need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    /// What a summary shows.
    pub(crate) entry: Entry,
    /// Every SNOMED CT and dm+d concept the item carries where a code says what it is or
    /// why (each coding of its code, reasons, coded values, conclusions, document type, its
    /// results and folded parts), for the policy's sensitivity packs.
    pub(crate) concepts: Vec<u64>,
    /// Positions, in its source's items, of the items it is linked to there (problem
    /// linkage, the consultation that holds it, reasons and diagnoses).
    pub(crate) links: Vec<u32>,
    /// Positions in the merged record of the items it is linked to.
    pub(crate) linked_at: Vec<usize>,
    /// From a source whose patient is not confirmed to be this patient: kept out of the
    /// record's sections and listed for reconciliation only.
    pub(crate) identity_unconfirmed: bool,
    /// For an encounter, what kind of care it was, as its codes say (for the risk
    /// signals: emergency admissions and attendances).
    pub(crate) encounter: Option<EncounterFacts>,
    /// Its numeric results (for trends), from every observation it was made from.
    pub(crate) measurements: Vec<Measurement>,
}

/// What an encounter's codes say about the kind of care, kept apart from the display
/// words because the risk signals count by code, never by wording.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EncounterFacts {
    /// Its class (HL7 v3 `ActCode`), grouped.
    pub(crate) class: Option<EncounterClass>,
    /// Its admission was an emergency: a UK Core admission method of the emergency group
    /// (`2x`), an admission source `emd` (from the emergency department), or priority
    /// `EM`.
    pub(crate) emergency: bool,
    /// The SNOMED CT concepts of its type.
    pub(crate) types: Vec<u64>,
}

/// HL7 v3 `ActCode` encounter classes, grouped as the risk signals need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EncounterClass {
    /// `IMP`, `ACUTE`, `NONAC`, `SS`: an admission.
    Inpatient,
    /// `EMER`: an emergency-department attendance.
    Emergency,
    /// Any other class (ambulatory, home, virtual, field).
    Other,
}

impl Item {
    /// An entry nothing is known about yet beyond its content.
    pub(crate) fn new(entry: Entry) -> Item {
        Item {
            entry,
            concepts: Vec::new(),
            links: Vec::new(),
            linked_at: Vec::new(),
            identity_unconfirmed: false,
            encounter: None,
            measurements: Vec::new(),
        }
    }

    /// The item as a summary shows it: its content with the labels the access decision
    /// gave it.
    #[cfg_attr(not(feature = "trust"), allow(dead_code))]
    pub(crate) fn shown_with(&self, labels: Vec<Sensitivity>) -> Entry {
        let mut shown = self.entry.clone();
        shown.sensitivity = labels;
        shown
    }
}

impl Deref for Item {
    type Target = Entry;

    fn deref(&self) -> &Entry {
        &self.entry
    }
}

impl DerefMut for Item {
    fn deref_mut(&mut self) -> &mut Entry {
        &mut self.entry
    }
}
