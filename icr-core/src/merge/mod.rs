//! One shared care record from many sources.
//!
//! The same fact reported by several organisations, or twice by one, becomes one item
//! carrying every provenance and the union of what the records say ([`group`] decides
//! what is the same fact, [`fold`] combines it). Facts that differ (another dose, another
//! status, another episode) are never merged. What sources disagree about is said where
//! the summary is built, from the items a viewer may see only, so that no warning
//! reveals a withheld item.
//!
//! The result does not depend on the order of the sources or of the resources in them:
//! sources are taken in a canonical order (the GP practice first), groups are connected
//! components, and each group is folded in a canonical order.

pub(crate) mod dose;
mod fold;
mod group;
mod identity;

use serde::Serialize;

use crate::identity::NhsNumber;
use crate::ingest::{FhirVersion, SourceRecord};
pub use crate::model::SourceStatus;
use crate::model::{Entry, FhirDate, Item, Organisation, Patient, SectionNote, SourceWarning};

pub use group::is_current_medication;
pub(crate) use group::{normalise, problem_state};

/// A source that did not contribute, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedSource {
    /// Who.
    pub organisation: Organisation,
    /// What happened.
    pub status: SourceStatus,
    /// Why, in words without patient data.
    pub reason: String,
}

impl FailedSource {
    /// A source that fared as `status`, for `reason`.
    pub fn new(organisation: Organisation, status: SourceStatus, reason: String) -> FailedSource {
        FailedSource {
            organisation,
            status,
            reason,
        }
    }
}

/// What the record says about one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceState {
    /// Who.
    pub organisation: Organisation,
    /// How it fared.
    pub status: SourceStatus,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// FHIR version read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fhir_version: Option<FhirVersion>,
    /// How current its data is (its latest `lastUpdated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<FhirDate>,
    /// Its warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<SourceWarning>,
    /// What it says about empty sections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub section_notes: Vec<SectionNote>,
}

/// The merged record of one patient. Its content is not public: hosts see it through
/// [`crate::session::Session::summary`], which decides and audits first.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedCareRecord {
    /// The patient, from the first source that has one (the GP's when present).
    pub(crate) patient: Option<Patient>,
    /// Where sources disagree about the patient (date of birth, name).
    pub(crate) demographic_discrepancies: Vec<String>,
    /// Every source that answered, in canonical order (GP practice first), then every
    /// failure in the order given.
    pub(crate) sources: Vec<SourceState>,
    /// Items, by section and then most recent first.
    pub(crate) entries: Vec<Item>,
}

impl SharedCareRecord {
    /// The sources with their status (metadata only).
    pub fn sources(&self) -> &[SourceState] {
        &self.sources
    }

    /// How many items the record holds (before any access decision).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no source contributed an item.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The NHS number of the record's patient.
    pub fn nhs_number(&self) -> Option<&NhsNumber> {
        self.patient.as_ref()?.nhs_number.as_ref()
    }
}

/// Merges the sources and the failures. The sources may come in any order: the result
/// is the same.
pub fn merge(mut records: Vec<SourceRecord>, failures: Vec<FailedSource>) -> SharedCareRecord {
    records.sort_by(source_order);
    let mut sources = Vec::new();
    let mut patient: Option<Patient> = None;
    let mut reference = identity::Reference::default();
    let mut demographic_discrepancies = Vec::new();
    // Items are large (the entry and what decisions need): room for all of them at once,
    // not a copy of every item each time the list doubles.
    let mut all: Vec<Item> = Vec::with_capacity(records.iter().map(|r| r.entries.len()).sum());
    let mut restricted = false;
    for record in records {
        let verdict = reference.check(&record);
        let (status, reason, held) = match verdict {
            identity::Verdict::Mismatch(reason) => {
                sources.push(SourceState {
                    organisation: record.organisation,
                    status: SourceStatus::IdentityMismatch,
                    reason: Some(reason.to_owned()),
                    fhir_version: Some(record.fhir_version),
                    as_of: None,
                    warnings: Vec::new(),
                    section_notes: Vec::new(),
                });
                continue;
            }
            identity::Verdict::Unconfirmed(reason) => {
                (SourceStatus::IdentityUnconfirmed, Some(reason), true)
            }
            identity::Verdict::Same(notes) => {
                demographic_discrepancies.extend(notes);
                (SourceStatus::Ok, None, false)
            }
        };
        if !held && let Some(p) = &record.patient {
            restricted |= p.restricted;
            if patient.is_none() {
                patient = Some(p.clone());
            }
        }
        // Links are positions in the source: made positions in `all`.
        let offset = all.len();
        for mut entry in record.entries {
            entry.linked_at = std::mem::take(&mut entry.links)
                .into_iter()
                .filter_map(|t| Some(offset + usize::try_from(t).ok()?))
                .collect();
            entry.identity_unconfirmed = held;
            all.push(entry);
        }
        sources.push(SourceState {
            organisation: record.organisation,
            status,
            reason,
            fhir_version: Some(record.fhir_version),
            as_of: record.as_of,
            warnings: if held { Vec::new() } else { record.warnings },
            section_notes: if held {
                Vec::new()
            } else {
                record.section_notes
            },
        });
    }
    sources.extend(failures.into_iter().map(|f| SourceState {
        organisation: f.organisation,
        status: f.status,
        reason: Some(f.reason),
        fhir_version: None,
        as_of: None,
        warnings: Vec::new(),
        section_notes: Vec::new(),
    }));
    let groups = group::groups(&all);
    let mut group_of = vec![0usize; all.len()];
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            if let Some(slot) = group_of.get_mut(m) {
                *slot = g;
            }
        }
    }
    let mut slots: Vec<Option<Item>> = all.into_iter().map(Some).collect();
    let mut entries: Vec<Item> = Vec::with_capacity(group_of.len());
    for (g, members) in groups.iter().enumerate() {
        if let Some(mut e) = fold::fold(&mut slots, members) {
            if !e.linked_at.is_empty() {
                let mut linked: Vec<usize> = e
                    .linked_at
                    .iter()
                    .filter_map(|&old| group_of.get(old).copied())
                    .filter(|&to| to != g)
                    .collect();
                linked.sort_unstable();
                linked.dedup();
                e.linked_at = linked;
            }
            entries.push(e);
        }
    }
    let entries = sorted(entries);
    if let Some(p) = patient.as_mut() {
        p.restricted |= restricted;
    }
    SharedCareRecord {
        patient,
        demographic_discrepancies,
        sources,
        entries,
    }
}

/// The canonical order of sources: the GP practice first (its patient details lead),
/// then by care setting, ODS code and name; what remains equal is ordered by content, so
/// the order the caller gave never matters.
fn source_order(a: &SourceRecord, b: &SourceRecord) -> std::cmp::Ordering {
    let key = |r: &SourceRecord| {
        (
            r.organisation.care_setting,
            r.organisation.ods_code.clone(),
            r.organisation.name.clone(),
            r.as_of.clone(),
            r.entries.len(),
        )
    };
    key(a).cmp(&key(b)).then_with(|| {
        let ids = |r: &SourceRecord| r.entries.iter().map(|e| e.id.clone()).min();
        ids(a).cmp(&ids(b))
    })
}

/// The items in display order, their links (positions before sorting) following them.
fn sorted(entries: Vec<Item>) -> Vec<Item> {
    let mut order_of: Vec<usize> = (0..entries.len()).collect();
    order_of.sort_by(|&a, &b| match (entries.get(a), entries.get(b)) {
        (Some(x), Some(y)) => order(x, y),
        _ => std::cmp::Ordering::Equal,
    });
    let mut new_at = vec![0usize; entries.len()];
    for (new, &old) in order_of.iter().enumerate() {
        if let Some(slot) = new_at.get_mut(old) {
            *slot = new;
        }
    }
    let mut slots: Vec<Option<Item>> = entries.into_iter().map(Some).collect();
    // Room for every item at once: grown as it filled, the list of large items would be
    // copied again at each doubling.
    let mut out = Vec::with_capacity(slots.len());
    out.extend(
        order_of
            .iter()
            .filter_map(|&old| slots.get_mut(old).and_then(Option::take))
            .map(|mut e| {
                if !e.linked_at.is_empty() {
                    let mut linked: Vec<usize> = e
                        .linked_at
                        .iter()
                        .filter_map(|&old| new_at.get(old).copied())
                        .collect();
                    linked.sort_unstable();
                    linked.dedup();
                    e.linked_at = linked;
                }
                e
            }),
    );
    out
}

/// Display order within a section: what is current before what is past, major problems
/// before minor ones, then most recent first; ties by title and id, so the order is
/// total.
fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    a.section
        .cmp(&b.section)
        .then_with(|| is_past(a).cmp(&is_past(b)))
        .then_with(|| is_minor(a).cmp(&is_minor(b)))
        .then_with(|| b.date.cmp(&a.date))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.id.cmp(&b.id))
}

/// True for an item that is no longer current: an ended medicine, a resolved allergy or
/// problem.
pub(crate) fn is_past(e: &Entry) -> bool {
    use crate::model::{AllergyStatus, Detail};
    match &e.detail {
        Detail::Medication(_) => !is_current_medication(e),
        Detail::Allergy {
            clinical_status, ..
        } => *clinical_status == AllergyStatus::Resolved,
        Detail::Problem { .. } => problem_state(e) == "inactive",
        _ => false,
    }
}

fn is_minor(e: &Entry) -> bool {
    matches!(&e.detail, crate::model::Detail::Problem { significance: Some(s), .. } if s.eq_ignore_ascii_case("minor"))
}

#[cfg(test)]
mod tests;
