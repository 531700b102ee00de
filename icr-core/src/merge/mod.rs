//! One shared care record from many sources.
//!
//! The same fact reported by several organisations (the same coded allergy, the same
//! medicine at the same dose, the same problem) becomes one item carrying every
//! provenance. Facts that differ (another dose, another status) are never merged: each
//! keeps its own item and both are flagged with the discrepancy. A medicine ended in one
//! place and restarted at another dose is shown as a dose change. The output order is
//! deterministic, so hosts can diff and cache.

mod dose;

use std::collections::HashMap;

use serde::Serialize;

use crate::identity::NhsNumber;
use crate::ingest::{FhirVersion, SectionNote, SourceRecord, SourceWarning};
use crate::model::{
    AllergyStatus, ChangeKind, DMD, Detail, Entry, FhirDate, MedicationChange, Organisation,
    Patient, SNOMED, Section,
};

/// How a source fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// The source denied access.
    AccessDenied,
    /// The source does not know the patient.
    PatientNotFound,
    /// The patient has dissented from sharing at this source.
    PatientDissent,
    /// Not asked, by rule: a GP Connect source for a restricted patient.
    NotRequested,
}

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
    /// Every source, in the order given.
    pub(crate) sources: Vec<SourceState>,
    /// Items, by section and then most recent first.
    pub(crate) entries: Vec<Entry>,
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

/// Merges the sources (in priority order: the registered GP first) and the failures.
pub fn merge(records: Vec<SourceRecord>, failures: Vec<FailedSource>) -> SharedCareRecord {
    let mut sources = Vec::new();
    let mut patient: Option<Patient> = None;
    // What the sources so far say about who the patient is: the first source's details,
    // with fields it lacks taken from the next source that has them, so that every
    // source is compared with the earliest value given for each field.
    let mut reference: Option<Patient> = None;
    let mut demographic_discrepancies = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut restricted = false;
    for record in records {
        if let Some(reason) = identity_conflict(patient.as_ref(), &record) {
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
        if let Some(p) = &record.patient {
            restricted |= p.restricted;
            match &mut reference {
                None => {
                    patient = Some(p.clone());
                    reference = Some(p.clone());
                }
                Some(seen) => {
                    demographic_discrepancies.extend(compare(seen, p, &record.organisation));
                    fill_missing(seen, p);
                }
            }
        }
        // Where each of the source's items went, for its links (positions in the source).
        let mut went: Vec<usize> = Vec::with_capacity(record.entries.len());
        let mut local_links: Vec<Vec<u32>> = Vec::with_capacity(record.entries.len());
        for mut entry in record.entries {
            local_links.push(std::mem::take(&mut entry.links));
            let at = match fact_key(&entry) {
                Some(key) => match by_key.get(&key).copied() {
                    Some(at) => {
                        if let Some(existing) = entries.get_mut(at) {
                            absorb(existing, entry);
                        }
                        at
                    }
                    None => {
                        by_key.insert(key, entries.len());
                        entries.push(entry);
                        entries.len() - 1
                    }
                },
                None => {
                    entries.push(entry);
                    entries.len() - 1
                }
            };
            went.push(at);
        }
        for (from, targets) in went.iter().zip(local_links) {
            let to = targets
                .into_iter()
                .filter_map(|t| went.get(usize::try_from(t).ok()?).copied())
                .filter(|to| to != from);
            if let Some(e) = entries.get_mut(*from) {
                e.linked_at.extend(to);
            }
        }
        sources.push(SourceState {
            organisation: record.organisation,
            status: SourceStatus::Ok,
            reason: None,
            fhir_version: Some(record.fhir_version),
            as_of: record.as_of,
            warnings: record.warnings,
            section_notes: record.section_notes,
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
    flag_discrepancies(&mut entries);
    derive_dose_changes(&mut entries);
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

/// Why a source cannot be about the record's patient, when it cannot.
///
/// Ingest already refuses such a source when the caller names the expected patient; this
/// is the same rule at the point where records meet, so that sources ingested without an
/// expected patient can never mix two people's data into one record. Once the record's
/// patient has an NHS number, a source whose patient has another one, or none, is
/// discarded whole and shown as an identity mismatch. The reason names no patient data.
fn identity_conflict(
    record_patient: Option<&Patient>,
    source: &SourceRecord,
) -> Option<&'static str> {
    let expected = record_patient?.nhs_number.as_ref()?;
    let theirs = source.patient.as_ref()?;
    match &theirs.nhs_number {
        Some(n) if n == expected => None,
        Some(_) => Some("the source's patient has a different NHS number"),
        None => Some("the source's patient has no NHS number"),
    }
}

fn compare(first: &Patient, other: &Patient, org: &Organisation) -> Vec<String> {
    let mut out = Vec::new();
    if first.birth_date.is_some()
        && other.birth_date.is_some()
        && first.birth_date != other.birth_date
    {
        out.push(format!(
            "Date of birth differs in the record from {}",
            org.name
        ));
    }
    let family = |p: &Patient| p.name.family.as_ref().map(|f| f.to_lowercase());
    if family(first).is_some() && family(other).is_some() && family(first) != family(other) {
        out.push(format!(
            "Family name differs in the record from {}",
            org.name
        ));
    }
    if first.gender.is_some() && other.gender.is_some() && first.gender != other.gender {
        out.push(format!("Gender differs in the record from {}", org.name));
    }
    if first.deceased != other.deceased {
        out.push(format!(
            "Death is recorded differently in the record from {}",
            org.name
        ));
    }
    out
}

/// Takes the fields `seen` lacks from `other`, so later sources are compared with them.
fn fill_missing(seen: &mut Patient, other: &Patient) {
    if seen.birth_date.is_none() {
        seen.birth_date = other.birth_date.clone();
    }
    if seen.name.family.is_none() {
        seen.name.family = other.name.family.clone();
    }
    if seen.gender.is_none() {
        seen.gender = other.gender.clone();
    }
}

/// What makes two items the same fact, for the sections where that is safe to decide.
fn fact_key(e: &Entry) -> Option<String> {
    let what = concept_key(e);
    match (&e.detail, e.section) {
        (
            Detail::Allergy {
                clinical_status, ..
            },
            _,
        ) => Some(format!("allergy|{what}|{clinical_status:?}")),
        (Detail::Medication(m), _) => {
            let dosage = m.dosage.as_deref().unwrap_or_default();
            let dose = match dose::signature(&e.title, dosage) {
                Some(sig) => format!("{sig:?}"),
                None => normalise(dosage),
            };
            let state = if is_current_medication(e) {
                "current"
            } else {
                "ended"
            };
            Some(format!("medication|{what}|{dose}|{state}"))
        }
        (Detail::Problem { .. }, _) => Some(format!("problem|{what}|{}", problem_state(e))),
        (Detail::Immunisation { .. }, _) => Some(format!("immunisation|{what}|{}", date_key(e))),
        (_, Section::Referrals) => Some(format!("referral|{what}|{}", date_key(e))),
        _ => None,
    }
}

/// The code that identifies the fact. dm+d identifiers are SNOMED CT concept ids (dm+d
/// is the UK drug extension of SNOMED CT), so both systems share one key space.
fn concept_key(e: &Entry) -> String {
    match e
        .code
        .as_ref()
        .and_then(|c| Some((c.system.as_deref()?, c.code.as_deref()?)))
    {
        Some((system, code)) if system == DMD || system == SNOMED => format!("sct|{code}"),
        Some((system, code)) => format!("{system}|{code}"),
        None => normalise(&e.title),
    }
}

fn date_key(e: &Entry) -> String {
    e.date
        .as_ref()
        .and_then(FhirDate::civil_date)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn problem_state(e: &Entry) -> &'static str {
    match e.status.as_deref() {
        Some("active" | "recurrence" | "relapse") | None => "active",
        _ => "inactive",
    }
}

/// True for a medication the patient is currently taking.
pub fn is_current_medication(e: &Entry) -> bool {
    !matches!(
        e.status.as_deref(),
        Some("stopped" | "completed" | "cancelled" | "not-taken" | "entered-in-error")
    )
}

/// The items in display order, their links (positions before sorting) following them.
fn sorted(entries: Vec<Entry>) -> Vec<Entry> {
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
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    order_of
        .iter()
        .filter_map(|&old| slots.get_mut(old).and_then(Option::take))
        .map(|mut e| {
            let mut linked: Vec<usize> = e
                .linked_at
                .iter()
                .filter_map(|&old| new_at.get(old).copied())
                .collect();
            linked.sort_unstable();
            linked.dedup();
            e.linked_at = linked;
            e
        })
        .collect()
}

fn absorb(into: &mut Entry, other: Entry) {
    for c in other.concepts {
        if !into.concepts.contains(&c) {
            into.concepts.push(c);
        }
    }
    for p in other.provenance {
        if !into.provenance.contains(&p) {
            into.provenance.push(p);
        }
    }
    for s in other.sensitivity {
        if !into.sensitivity.contains(&s) {
            into.sensitivity.push(s);
        }
    }
    for n in other.notes {
        if !into.notes.contains(&n) {
            into.notes.push(n);
        }
    }
    if into.date.is_none() {
        into.date = other.date;
    }
    if let (Detail::Medication(a), Detail::Medication(b)) = (&mut into.detail, other.detail) {
        for c in b.changes {
            if !a.changes.contains(&c) {
                a.changes.push(c);
            }
        }
        a.changes.sort_by(|x, y| x.date.cmp(&y.date));
        if a.last_issued < b.last_issued {
            a.last_issued = b.last_issued;
        }
    }
}

/// Same medicine, allergy or problem recorded differently by different organisations.
fn flag_discrepancies(entries: &mut [Entry]) {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (at, e) in entries.iter().enumerate() {
        let key = match &e.detail {
            Detail::Medication(_) if is_current_medication(e) => {
                format!("m|{}", ingredient(&e.title))
            }
            Detail::Allergy { .. } => format!("a|{}", concept_key(e)),
            Detail::Problem { .. } => format!("p|{}", concept_key(e)),
            _ => continue,
        };
        groups.entry(key).or_default().push(at);
    }
    let mut notes: Vec<(usize, String)> = Vec::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        for &a in members {
            for &b in members {
                let (Some(ea), Some(eb)) = (entries.get(a), entries.get(b)) else {
                    continue;
                };
                if a == b || same_org(ea, eb) {
                    continue;
                }
                let org = eb
                    .provenance
                    .first()
                    .map_or("another organisation", |p| p.organisation.name.as_str());
                let note = match (&ea.detail, &eb.detail) {
                    (Detail::Medication(x), Detail::Medication(y)) if !same_dose(ea, x, eb, y) => {
                        format!(
                            "{org} records {} {}",
                            eb.title,
                            y.dosage.as_deref().unwrap_or("with no dose given")
                        )
                    }
                    (
                        Detail::Allergy {
                            clinical_status: x, ..
                        },
                        Detail::Allergy {
                            clinical_status: y, ..
                        },
                    ) if x != y => {
                        format!("{org} records this allergy as {}", status_word(*y))
                    }
                    (Detail::Problem { .. }, Detail::Problem { .. })
                        if problem_state(ea) != problem_state(eb) =>
                    {
                        format!("{org} records this problem as {}", problem_state(eb))
                    }
                    _ => continue,
                };
                notes.push((a, note));
            }
        }
    }
    for (at, note) in notes {
        if let Some(e) = entries.get_mut(at)
            && !e.discrepancies.contains(&note)
        {
            e.discrepancies.push(note);
        }
    }
}

fn same_dose(
    ea: &Entry,
    x: &crate::model::MedicationDetail,
    eb: &Entry,
    y: &crate::model::MedicationDetail,
) -> bool {
    let text =
        |m: &crate::model::MedicationDetail| normalise(m.dosage.as_deref().unwrap_or_default());
    let sig = |e: &Entry, m: &crate::model::MedicationDetail| {
        dose::signature(&e.title, m.dosage.as_deref().unwrap_or_default())
    };
    concept_key(ea) == concept_key(eb)
        && match (sig(ea, x), sig(eb, y)) {
            (Some(a), Some(b)) => a == b,
            _ => text(x) == text(y),
        }
}

fn same_org(a: &Entry, b: &Entry) -> bool {
    a.provenance.iter().any(|p| {
        b.provenance
            .iter()
            .any(|q| q.organisation == p.organisation)
    })
}

fn status_word(s: AllergyStatus) -> &'static str {
    match s {
        AllergyStatus::Active => "active",
        AllergyStatus::Resolved => "resolved",
        AllergyStatus::Unknown => "of unknown status",
    }
}

/// The medicine's name without strength and form: `Ramipril 5mg capsules` → `ramipril`.
pub fn ingredient(title: &str) -> String {
    let head: String = title.chars().take_while(|c| !c.is_ascii_digit()).collect();
    normalise(head.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

/// A current medicine whose ingredient was ended elsewhere, at or shortly before its
/// start, at another strength or dose: shown as a dose change on the current item.
fn derive_dose_changes(entries: &mut [Entry]) {
    let ended: Vec<(String, Option<FhirDate>, String)> = entries
        .iter()
        .filter(|e| matches!(e.detail, Detail::Medication(_)) && !is_current_medication(e))
        .map(|e| {
            let dose = match &e.detail {
                Detail::Medication(m) => m.dosage.clone().unwrap_or_default(),
                _ => String::new(),
            };
            let end = e.end_date.clone().or_else(|| e.date.clone());
            (
                ingredient(&e.title),
                end,
                format!("{} {dose}", e.title).trim().to_owned(),
            )
        })
        .collect();
    for e in entries.iter_mut() {
        if !is_current_medication(e) {
            continue;
        }
        let key = ingredient(&e.title);
        let start = e.date.clone();
        let by = e.provenance.first().map(|p| p.organisation.name.clone());
        let Detail::Medication(m) = &mut e.detail else {
            continue;
        };
        let current = format!("{} {}", e.title, m.dosage.as_deref().unwrap_or_default());
        let mut previous = ended.iter().filter(|(k, end, text)| {
            *k == key
                && !key.is_empty()
                && normalise(text) != normalise(current.trim())
                && within_days(end.as_ref(), start.as_ref(), 31)
        });
        if let Some((_, _, text)) = previous.next_back() {
            let change = MedicationChange {
                kind: ChangeKind::DoseChanged,
                date: start.clone(),
                by,
                detail: Some(format!("previously {text}")),
            };
            if !m.changes.contains(&change) {
                m.changes.push(change);
            }
        }
    }
}

fn within_days(end: Option<&FhirDate>, start: Option<&FhirDate>, days: i64) -> bool {
    let (Some(end), Some(start)) = (
        end.and_then(FhirDate::civil_date),
        start.and_then(FhirDate::civil_date),
    ) else {
        return false;
    };
    let gap = end
        .until(start)
        .map(|span| span.get_days())
        .unwrap_or(i32::MAX);
    // `until` between civil dates gives whole days by default.
    (-days..=days).contains(&i64::from(gap))
}

fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    a.section
        .cmp(&b.section)
        .then_with(|| b.date.cmp(&a.date))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests;
