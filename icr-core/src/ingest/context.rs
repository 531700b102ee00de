//! The state of one ingest: the indexed document, the source's patient and organisation,
//! and the report being filled in. Builders for each kind of item borrow it.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::FxHashMap;

use crate::fhir::datatypes::{CodeableConcept, Meta, Reference};
use crate::fhir::dispatch::Resource;
use crate::fhir::lenient::Str;
use crate::identity::{NHS_NUMBER_SYSTEMS, NhsNumber};
use crate::model::{
    Code, Detail, Entry, FhirDate, Organisation, Provenance, Section, is_known_system,
};

use super::index::{Index, form_of, target_type};
use super::report::{IngestReport, SkipReason, Skipped, UnresolvedReference};
use super::sensitivity;
use super::values::{person_name, primary_code, s, term};

/// What a resource turned out to be.
pub(super) enum Outcome {
    /// It became an item (or several).
    Entries(Vec<Entry>),
    /// It was read for provenance or structure.
    Supporting,
    /// It is folded into another item (a result into its report, an issue into its
    /// medication).
    Folded,
    /// Not in the record.
    Skipped(SkipReason),
}

/// The resources folded into items so far, in the order they were folded (so the caller
/// can tell which item each went into).
#[derive(Default)]
pub(super) struct Folded<'a> {
    set: HashSet<*const Resource<'a>>,
    /// Every folded resource, in order.
    pub log: Vec<*const Resource<'a>>,
}

impl<'a> Folded<'a> {
    /// Marks a resource folded; false when it already was.
    pub(super) fn insert(&mut self, res: *const Resource<'a>) -> bool {
        let new = self.set.insert(res);
        if new {
            self.log.push(res);
        }
        new
    }

    /// True when the resource was folded into an item.
    pub(super) fn contains(&self, res: &*const Resource<'a>) -> bool {
        self.set.contains(res)
    }
}

pub(super) struct Ctx<'r, 'a> {
    pub index: Index<'r, 'a>,
    pub report: IngestReport,
    pub patient: Option<&'r Resource<'a>>,
    pub patient_nhs: Option<NhsNumber>,
    pub organisation: Organisation,
    seen_ids: HashSet<String>,
    unresolved_seen: HashSet<UnresolvedReference>,
    /// The items each resource became or was folded into, by the resource's address in
    /// the parsed document (for sensitivity: concepts and links, see `links`).
    pub made: FxHashMap<*const Resource<'a>, Vec<String>>,
}

impl<'r, 'a> Ctx<'r, 'a> {
    pub(super) fn new(
        index: Index<'r, 'a>,
        patient: Option<&'r Resource<'a>>,
        patient_nhs: Option<NhsNumber>,
        organisation: Organisation,
    ) -> Self {
        Ctx {
            index,
            report: IngestReport::default(),
            patient,
            patient_nhs,
            organisation,
            seen_ids: HashSet::new(),
            unresolved_seen: HashSet::new(),
            made: FxHashMap::default(),
        }
    }

    /// Resolves a reference, noting it in the report when it does not resolve.
    pub(super) fn resolve(
        &mut self,
        reference: &Reference<'a>,
        from: &'r Resource<'a>,
        element: &'static str,
    ) -> Option<&'r Resource<'a>> {
        let found = self.index.resolve(reference, Some(from));
        if found.is_none()
            && (reference.reference().is_some() || reference.target().identifier.is_some())
        {
            let u = UnresolvedReference {
                from: resource_ref(from),
                element,
                target_type: target_type(reference).map(str::to_owned),
                form: form_of(reference),
            };
            if self.unresolved_seen.insert(u.clone()) {
                self.report.unresolved_references.push(u);
            }
        }
        found
    }

    /// True when `subject` is about another patient than the source's. An unresolvable
    /// subject is the source's patient only when nothing says otherwise.
    pub(super) fn is_other_patient(
        &mut self,
        subject: Option<&Reference<'a>>,
        from: &'r Resource<'a>,
    ) -> bool {
        let Some(subject) = subject else { return false };
        let target = subject.target();
        if let Some(found) = self.resolve(subject, from, "subject") {
            return match (found, self.patient) {
                (Resource::Patient(_), Some(p)) => !std::ptr::eq(found, p),
                (Resource::Patient(_), None) => false,
                _ => false,
            };
        }
        if let Some(ident) = target.identifier.as_deref() {
            let is_nhs = ident
                .system
                .as_ref()
                .is_some_and(|s| NHS_NUMBER_SYSTEMS.contains(&s.as_str()));
            if let (true, Some(v)) = (is_nhs, &ident.value)
                && let (Ok(n), Some(mine)) = (NhsNumber::parse(v.as_str()), &self.patient_nhs)
            {
                return &n != mine;
            }
            return false;
        }
        match (
            subject.reference().and_then(super::index::type_and_id),
            self.patient,
        ) {
            (Some(("Patient", id)), Some(p)) => p.id() != Some(id),
            _ => false,
        }
    }

    /// The name of whoever a reference points at: a person, a role (person and
    /// organisation), an organisation, or the reference's display.
    pub(super) fn name_of(
        &mut self,
        reference: &Reference<'a>,
        from: &'r Resource<'a>,
        element: &'static str,
    ) -> Option<String> {
        let resolved = self.resolve(reference, from, element);
        let named = resolved.and_then(|r| self.describe(r, from));
        named.or_else(|| {
            reference
                .display()
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
        })
    }

    fn describe(&mut self, r: &'r Resource<'a>, from: &'r Resource<'a>) -> Option<String> {
        match r {
            Resource::Practitioner(p) => {
                Some(person_name(&p.name).natural()).filter(|n| !n.is_empty())
            }
            Resource::RelatedPerson(p) => {
                Some(person_name(&p.name).natural()).filter(|n| !n.is_empty())
            }
            Resource::Patient(p) => Some(person_name(&p.name).natural()).filter(|n| !n.is_empty()),
            Resource::Organization(o) => s(&o.name),
            Resource::Location(n) | Resource::HealthcareService(n) => s(&n.name),
            Resource::CareTeam(t) => s(&t.name),
            Resource::PractitionerRole(role) => {
                let person = role
                    .practitioner
                    .as_ref()
                    .and_then(|p| self.name_of(p, from, "practitioner"));
                let org = role
                    .organization
                    .as_ref()
                    .and_then(|o| self.name_of(o, from, "organization"));
                let job = role.code.iter().find_map(term);
                let who = match (person, job) {
                    (Some(p), Some(j)) => Some(format!("{p} ({j})")),
                    (p, j) => p.or(j),
                };
                match (who, org) {
                    (Some(w), Some(o)) => Some(format!("{w}, {o}")),
                    (w, o) => w.or(o),
                }
            }
            _ => None,
        }
    }

    /// Counts an unknown code system.
    pub(super) fn note_code(&mut self, code: Option<&Code>) {
        if let Some(system) = code.and_then(|c| c.system.as_deref())
            && !is_known_system(system)
        {
            *self
                .report
                .unknown_code_systems
                .entry(system.to_owned())
                .or_default() += 1;
        }
    }

    /// The main code of a concept, noting its system.
    pub(super) fn code(&mut self, concept: Option<&CodeableConcept<'a>>) -> Option<Code> {
        let code = concept.and_then(primary_code);
        self.note_code(code.as_ref());
        code
    }

    /// A new item with its id, provenance and sensitivity filled in.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn entry(
        &mut self,
        resource: &'r Resource<'a>,
        section: Section,
        title: Option<String>,
        code: Option<Code>,
        detail: Detail,
        recorded_by: Option<String>,
    ) -> Entry {
        let source_ref = resource_ref(resource);
        let org_key = self
            .organisation
            .ods_code
            .as_deref()
            .unwrap_or(&self.organisation.name);
        let mut id = format!("{org_key}/{source_ref}");
        if !self.seen_ids.insert(id.clone()) {
            let mut n = 2;
            while !self.seen_ids.insert(format!("{id}#{n}")) {
                n += 1;
            }
            id = format!("{id}#{n}");
        }
        let meta: Option<&Meta<'a>> = resource.meta();
        let sensitivity = sensitivity::labels(meta);
        self.made
            .entry(resource as *const _)
            .or_default()
            .push(id.clone());
        let last_updated = meta.and_then(|m| FhirDate::parse(m.last_updated.as_ref()?.as_str()));
        Entry {
            id,
            section,
            title: item_title(section, title, code.as_ref()),
            code,
            status: None,
            date: None,
            end_date: None,
            recorded: None,
            detail,
            notes: Vec::new(),
            provenance: vec![Provenance {
                organisation: self.organisation.clone(),
                source_ref,
                last_updated,
                recorded_by,
            }],
            sensitivity,
            discrepancies: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Records what became of a counted resource.
    pub(super) fn account(&mut self, resource: &Resource<'a>, outcome: &Outcome) {
        let rtype = resource.type_name().unwrap_or("(no resourceType)");
        match outcome {
            Outcome::Entries(_) | Outcome::Folded => bump(&mut self.report.used, rtype),
            Outcome::Supporting => bump(&mut self.report.supporting, rtype),
            Outcome::Skipped(reason) => self.report.skipped.push(Skipped {
                resource: resource_ref(resource),
                reason: reason.clone(),
            }),
        }
    }
}

/// Counts one more of `key` (its name copied only the first time).
fn bump(map: &mut BTreeMap<String, usize>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

/// `Type/id` of a resource, for provenance and reports.
pub(super) fn resource_ref(resource: &Resource<'_>) -> String {
    format!(
        "{}/{}",
        resource.type_name().unwrap_or("(no resourceType)"),
        resource.id().unwrap_or("(no id)")
    )
}

/// The item's name: its term, else its code's display, else words that say it has no
/// description. A term that is only the bare code (a concept sent without text or
/// display) is said to be one, so a clinician is not shown `X123` or `22298006` as if it
/// were a name.
fn item_title(section: Section, title: Option<String>, code: Option<&Code>) -> String {
    let noun = section_noun(section);
    match title.or_else(|| code.and_then(|c| c.display.clone())) {
        Some(t)
            if code
                .is_some_and(|c| c.display.is_none() && c.code.as_deref() == Some(t.as_str())) =>
        {
            format!("{noun} coded {t} (no description)")
        }
        Some(t) => t,
        None => format!("{noun} (no description)"),
    }
}

fn section_noun(section: Section) -> &'static str {
    match section {
        Section::Alerts => "Alert",
        Section::Allergies => "Allergy",
        Section::Medications => "Medication",
        Section::Problems => "Problem",
        Section::Investigations => "Investigation",
        Section::Observations => "Observation",
        Section::Immunisations => "Immunisation",
        Section::Encounters => "Encounter",
        Section::Appointments => "Appointment",
        Section::Referrals => "Referral",
        Section::Procedures => "Procedure",
        Section::Documents => "Document",
        Section::CarePlans => "Care plan",
        Section::CareTeam => "Care team",
        Section::Contacts => "Contact",
    }
}

/// Lower-cased status code from a STU3 code or R4 concept.
pub(super) fn status_code(concept: Option<&CodeableConcept<'_>>) -> Option<String> {
    concept
        .and_then(|c| c.first_code())
        .map(|c| c.trim().to_ascii_lowercase())
}

/// Lower-cased primitive status.
pub(super) fn status_str(v: &Option<Str<'_>>) -> Option<String> {
    s(v).map(|x| x.to_ascii_lowercase())
}
