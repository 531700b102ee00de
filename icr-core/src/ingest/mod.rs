//! FHIR in, one source record out.
//!
//! [`ingest`] reads one organisation's FHIR (a GP Connect STU3 structured record, a UK
//! Core or plain R4 Bundle, a Synthea transaction, or a single resource) into a
//! [`SourceRecord`]: the patient, the items by section with provenance, the source's
//! warnings, and an [`IngestReport`] that accounts for every resource read. It is
//! tolerant of the shapes suppliers really send and strict about identity: a source whose
//! patient is not the one asked for is refused whole, and a resource about another
//! patient inside a Bundle is dropped and reported.

mod clinical;
mod context;
mod encounter_facts;
mod error;
mod flag;
pub(crate) mod gp_connect;
pub(crate) mod index;
mod investigations;
mod links;
mod measurements;
mod medications;
mod overview;
mod report;
mod sensitivity;
mod units;
mod values;
mod version;

pub use crate::model::{SectionNote, SectionNoteKind, SourceWarning, WarningCode};
pub use error::IngestError;
pub use index::ReferenceForm;
pub use overview::SourceReport;
pub use report::{FhirVersion, IngestReport, SkipReason, Skipped, UnresolvedReference};

use crate::fhir::datatypes::Reference;
use crate::fhir::dispatch::Resource;
use crate::identity::{NHS_NUMBER_SYSTEMS, NhsNumber};
use crate::model::{CareSetting, Detail, Entry, FhirDate, Item, Organisation, Patient, Section};
use context::{Ctx, Folded, Outcome};

/// The default largest document accepted: 64 MiB, well above the largest GP record seen.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// How to read a source.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Largest document accepted, in bytes.
    pub max_bytes: usize,
    /// The patient the source must be about; a source about anyone else is refused.
    pub expected_patient: Option<NhsNumber>,
    /// The organisation supplying the source, when the caller knows it (from the
    /// directory); otherwise it is read from the document.
    pub organisation: Option<Organisation>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_bytes: DEFAULT_MAX_BYTES,
            expected_patient: None,
            organisation: None,
        }
    }
}

/// One organisation's part of the record.
///
/// Its clinical content is not public: it reaches a host only through a session's
/// summary, after an access decision that was audited. What is public is metadata: who
/// supplied it, the version, how current it is, the ingest report and the source's
/// warnings.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub(crate) organisation: Organisation,
    pub(crate) fhir_version: FhirVersion,
    pub(crate) patient: Option<Patient>,
    pub(crate) entries: Vec<Item>,
    pub(crate) warnings: Vec<SourceWarning>,
    pub(crate) section_notes: Vec<SectionNote>,
    pub(crate) as_of: Option<FhirDate>,
    pub(crate) report: IngestReport,
}

impl SourceRecord {
    /// Who supplied it.
    pub fn organisation(&self) -> &Organisation {
        &self.organisation
    }

    /// The FHIR version it was read as.
    pub fn fhir_version(&self) -> FhirVersion {
        self.fhir_version
    }

    /// The NHS number of the source's patient, when it has a valid one.
    pub fn nhs_number(&self) -> Option<&NhsNumber> {
        self.patient.as_ref()?.nhs_number.as_ref()
    }

    /// The most recent `lastUpdated` in the source: how current it is.
    pub fn as_of(&self) -> Option<&FhirDate> {
        self.as_of.as_ref()
    }

    /// What was read and what became of it (counts, skipped resources and why).
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    /// The source's warnings (confidential items left out, record in transit, …).
    pub fn warnings(&self) -> &[SourceWarning] {
        &self.warnings
    }
}

/// Reads one source document.
pub fn ingest(bytes: &[u8], options: &IngestOptions) -> Result<SourceRecord, IngestError> {
    let root = crate::fhir::document::parse(bytes, options.max_bytes)?;
    if let Resource::Untyped(_) = root {
        return Err(IngestError::MissingResourceType);
    }
    let index = index::Index::build(&root);
    let fhir_version = version::detect(&root, &index)?;
    let (patient_res, patient_nhs) = source_patient(&index, options.expected_patient.as_ref())?;
    let organisation = options
        .organisation
        .clone()
        .unwrap_or_else(|| infer_organisation(&index, patient_res, &root, fhir_version));
    let mut ctx = Ctx::new(index, patient_res, patient_nhs, organisation);
    for (t, id) in ctx.index.duplicates.clone() {
        ctx.report.duplicate_ids.push(format!("{t}/{id}"));
    }
    let mut out = Collected::default();
    let nodes: Vec<(&Resource<'_>, bool)> = ctx
        .index
        .nodes
        .iter()
        .map(|n| (n.resource, n.counted))
        .collect();
    // At most about one item per resource: room for them at once (items are large).
    out.entries.reserve(nodes.len());
    let orders_by_plan = medications::orders_by_plan(&ctx);
    let mut folded = Folded::default();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(nodes.len());
    // Items that fold others in (reports, medication statements) go first.
    for &(res, _) in &nodes {
        let mark = folded.log.len();
        let outcome = match res {
            Resource::DiagnosticReport(dr) if !other_patient(&mut ctx, res) => {
                Some(investigations::report(&mut ctx, res, dr, &mut folded))
            }
            Resource::MedicationStatement(st) if !other_patient(&mut ctx, res) => Some(
                medications::statement(&mut ctx, res, st, &mut folded, &orders_by_plan),
            ),
            _ => None,
        };
        if let Some(Outcome::Entries(made)) = &outcome {
            for &part in folded.log.get(mark..).unwrap_or_default() {
                let ids = ctx.made.entry(part).or_default();
                ids.extend(made.iter().map(|e| e.id.clone()));
            }
        }
        outcomes.push(outcome);
    }
    for (at, &(res, counted)) in nodes.iter().enumerate() {
        let outcome = match outcomes.get_mut(at).and_then(Option::take) {
            Some(o) => o,
            None if folded.contains(&(res as *const _)) => Outcome::Folded,
            None => one(&mut ctx, res, &mut out, &mut folded),
        };
        if counted {
            ctx.account(res, &outcome);
        }
        if let Outcome::Entries(entries) = outcome {
            out.entries.extend(entries.into_iter().map(Item::new));
        }
    }
    links::attach(&ctx, &mut out.entries);
    for e in &out.entries {
        ctx.report.count_entry(e.section);
    }
    for (t, n) in count_read(&ctx.index) {
        ctx.report.resources_read.insert(t, n);
    }
    let as_of = ctx
        .index
        .nodes
        .iter()
        .filter_map(|n| n.resource.meta()?.last_updated.as_ref())
        .filter_map(|d| FhirDate::parse(d.as_str()))
        .max();
    out.warnings.sort();
    let patient = patient_res.map(|p| demographics(&mut ctx, p));
    out.warnings
        .extend(invalid_dates(&out.entries, patient.as_ref()));
    out.warnings.extend(demographic_warnings(patient_res));
    out.warnings.sort();
    out.warnings.dedup();
    out.notes.sort();
    out.notes.dedup();
    Ok(SourceRecord {
        organisation: ctx.organisation.clone(),
        fhir_version,
        patient,
        entries: out.entries,
        warnings: out.warnings,
        section_notes: out.notes,
        as_of,
        report: ctx.report,
    })
}

/// A warning per section holding items whose dates are not valid dates (kept and shown
/// as given, never replaced by another date), and one for the patient's date of birth.
/// The words count items and never name one: a warning is shown to viewers who may not
/// see every item.
fn invalid_dates(entries: &[Item], patient: Option<&Patient>) -> Vec<SourceWarning> {
    let mut per_section: std::collections::BTreeMap<Section, usize> = Default::default();
    for e in entries {
        let dates = [&e.date, &e.end_date, &e.recorded];
        if dates
            .iter()
            .any(|d| d.as_ref().is_some_and(|d| !d.is_valid()))
        {
            *per_section.entry(e.section).or_default() += 1;
        }
    }
    let mut out: Vec<SourceWarning> = per_section
        .into_iter()
        .map(|(section, n)| SourceWarning {
            code: WarningCode::InvalidDate,
            section: Some(section),
            text: Some(format!(
                "{n} item{} with a date that is not a valid date, shown as recorded",
                if n == 1 { "" } else { "s" }
            )),
        })
        .collect();
    if patient
        .and_then(|p| p.birth_date.as_ref())
        .is_some_and(|d| !d.is_valid())
    {
        out.push(SourceWarning {
            code: WarningCode::InvalidDate,
            section: None,
            text: Some(
                "The date of birth recorded is not a valid date: shown as recorded, no age"
                    .to_owned(),
            ),
        });
    }
    out
}

#[derive(Default)]
struct Collected {
    entries: Vec<Item>,
    warnings: Vec<SourceWarning>,
    notes: Vec<SectionNote>,
}

fn count_read(index: &index::Index<'_, '_>) -> std::collections::BTreeMap<String, usize> {
    let mut map = std::collections::BTreeMap::new();
    for n in index.nodes.iter().filter(|n| n.counted) {
        let t = n
            .resource
            .type_name()
            .unwrap_or("(no resourceType)")
            .to_owned();
        *map.entry(t).or_default() += 1;
    }
    map
}

/// Resource types read only for provenance or structure.
const SUPPORTING: &[&str] = &[
    "Specimen",
    "Provenance",
    "Device",
    "Substance",
    "Composition",
    "Endpoint",
    "Binary",
    "MessageHeader",
    "Media",
];

/// Types that are never patient data.
const NOT_PATIENT_DATA: &[&str] = &[
    "ValueSet",
    "CodeSystem",
    "ConceptMap",
    "StructureDefinition",
    "CapabilityStatement",
    "OperationDefinition",
    "SearchParameter",
    "NamingSystem",
    "ImplementationGuide",
    "StructureMap",
    "TerminologyCapabilities",
    "CompartmentDefinition",
    "GraphDefinition",
    "MessageDefinition",
    "Questionnaire",
    "Library",
    "PlanDefinition",
    "ActivityDefinition",
];

fn subject_of<'r, 'a>(res: &'r Resource<'a>) -> Option<&'r Reference<'a>> {
    match res {
        Resource::AllergyIntolerance(r) => r.patient.as_ref(),
        Resource::Immunization(r) => r.patient.as_ref(),
        Resource::RelatedPerson(r) => r.patient.as_ref(),
        Resource::Condition(r) => r.subject.as_ref(),
        Resource::MedicationStatement(r) => r.subject.as_ref(),
        Resource::MedicationRequest(r) => r.subject.as_ref(),
        Resource::Observation(r) => r.subject.as_ref(),
        Resource::DiagnosticReport(r) => r.subject.as_ref(),
        Resource::Procedure(r) => r.subject.as_ref(),
        Resource::ReferralRequest(r)
        | Resource::ServiceRequest(r)
        | Resource::ProcedureRequest(r) => r.subject.as_ref(),
        Resource::Encounter(r) => r.subject.as_ref(),
        Resource::DocumentReference(r) => r.subject.as_ref(),
        Resource::CarePlan(r) => r.subject.as_ref(),
        Resource::CareTeam(r) => r.subject.as_ref(),
        Resource::Flag(r) => r.subject.as_ref(),
        Resource::Other(_, r) => r.subject.as_ref().or(r.patient.as_ref()),
        _ => None,
    }
}

fn other_patient<'r, 'a>(ctx: &mut Ctx<'r, 'a>, res: &'r Resource<'a>) -> bool {
    if let Resource::Appointment(ap) = res {
        return ap
            .participant
            .iter()
            .filter_map(|p| p.actor.as_ref())
            .filter(|a| index::target_type(a) == Some("Patient"))
            .any(|a| ctx.is_other_patient(Some(a), res));
    }
    ctx.is_other_patient(subject_of(res), res)
}

/// What becomes of one resource (not a report or statement, handled first).
fn one<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    out: &mut Collected,
    folded: &mut Folded<'a>,
) -> Outcome {
    match res {
        Resource::Patient(_) => {
            if ctx.patient.is_some_and(|p| std::ptr::eq(p, res)) || ctx.patient.is_none() {
                out.entries
                    .extend(patient_contacts(ctx, res).into_iter().map(Item::new));
                Outcome::Supporting
            } else {
                Outcome::Skipped(SkipReason::OtherPatient)
            }
        }
        Resource::Organization(_)
        | Resource::Practitioner(_)
        | Resource::PractitionerRole(_)
        | Resource::Location(_)
        | Resource::HealthcareService(_)
        | Resource::Medication(_)
        | Resource::Bundle(_) => Outcome::Supporting,
        Resource::List(list) => {
            if other_patient_list(ctx, res, list) {
                return Outcome::Skipped(SkipReason::OtherPatient);
            }
            let (warnings, note) = gp_connect::read_list(list);
            out.warnings.extend(warnings);
            out.notes.extend(note);
            for contained in list.contained.iter() {
                let duplicate = match (contained.type_name(), contained.id()) {
                    (Some(t), Some(id)) => ctx.index.resolve(&plain_ref(t, id), None).is_some(),
                    _ => false,
                };
                if !duplicate && let Outcome::Entries(e) = one(ctx, contained, out, folded) {
                    out.entries.extend(e.into_iter().map(Item::new));
                }
            }
            Outcome::Supporting
        }
        Resource::OperationOutcome(oo) => {
            for issue in oo.issue.iter() {
                let text = issue
                    .details
                    .as_ref()
                    .and_then(values::term)
                    .or_else(|| values::s(&issue.diagnostics))
                    .or_else(|| values::s(&issue.code));
                out.warnings.push(SourceWarning {
                    code: WarningCode::SupplierMessage,
                    section: None,
                    text,
                });
            }
            Outcome::Skipped(SkipReason::OperationOutcome)
        }
        Resource::Untyped(_) => Outcome::Skipped(SkipReason::MissingResourceType),
        Resource::Invalid(i) => Outcome::Skipped(SkipReason::Invalid(i.reason.clone())),
        Resource::Other(t, _) => {
            let t = t.as_str();
            if SUPPORTING.contains(&t) {
                Outcome::Supporting
            } else if NOT_PATIENT_DATA.contains(&t) {
                Outcome::Skipped(SkipReason::NotPatientData)
            } else if other_patient(ctx, res) {
                Outcome::Skipped(SkipReason::OtherPatient)
            } else {
                Outcome::Skipped(SkipReason::UnsupportedType)
            }
        }
        _ if other_patient(ctx, res) => Outcome::Skipped(SkipReason::OtherPatient),
        Resource::AllergyIntolerance(a) => match clinical::allergy(ctx, res, a) {
            Ok(Some(e)) => Outcome::Entries(vec![e]),
            Ok(None) => {
                out.notes.push(SectionNote {
                    section: Section::Allergies,
                    kind: SectionNoteKind::NilKnown,
                    text: a.code.as_ref().and_then(values::term),
                });
                Outcome::Folded
            }
            Err(reason) => Outcome::Skipped(reason),
        },
        Resource::Condition(c) => clinical::condition(ctx, res, c),
        Resource::MedicationRequest(mr) => medications::request(ctx, res, mr),
        Resource::MedicationStatement(st) => {
            medications::statement(ctx, res, st, folded, &std::collections::HashMap::new())
        }
        Resource::DiagnosticReport(dr) => investigations::report(ctx, res, dr, folded),
        Resource::Observation(o) => investigations::observation(ctx, res, o),
        Resource::Immunization(i) => clinical::immunisation(ctx, res, i),
        Resource::Procedure(p) => clinical::procedure(ctx, res, p),
        Resource::ReferralRequest(r) | Resource::ServiceRequest(r) => {
            clinical::request(ctx, res, r, Section::Referrals)
        }
        Resource::ProcedureRequest(r) => clinical::request(ctx, res, r, Section::Appointments),
        Resource::Encounter(e) => clinical::encounter(ctx, res, e),
        Resource::Appointment(a) => clinical::appointment(ctx, res, a),
        Resource::DocumentReference(d) => clinical::document(ctx, res, d),
        Resource::CarePlan(p) => clinical::care_plan(ctx, res, p),
        Resource::CareTeam(t) => clinical::care_team(ctx, res, t),
        Resource::Flag(f) => clinical::flag(ctx, res, f),
        Resource::RelatedPerson(p) => clinical::related_person(ctx, res, p),
    }
}

/// A List is about another patient only when its subject is a resolvable other patient
/// or a valid, different NHS number (GP Connect examples put placeholder numbers there).
fn other_patient_list<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    list: &'r crate::fhir::resources::List<'a>,
) -> bool {
    ctx.is_other_patient(list.subject.as_ref(), res)
}

fn plain_ref<'a>(t: &'a str, id: &'a str) -> Reference<'a> {
    Reference {
        reference: Some(crate::fhir::lenient::Str(format!("{t}/{id}").into())),
        ..Reference::default()
    }
}

fn patient_contacts<'r, 'a>(ctx: &mut Ctx<'r, 'a>, res: &'r Resource<'a>) -> Vec<Entry> {
    let Resource::Patient(p) = res else {
        return Vec::new();
    };
    p.contact
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let name = c
                .name
                .as_ref()
                .map(|n| {
                    values::person_name(&crate::fhir::lenient::Many(vec![clone_name(n)])).natural()
                })
                .filter(|n| !n.is_empty())
                .or_else(|| {
                    c.organization
                        .as_ref()
                        .and_then(|o| o.display().map(str::to_owned))
                });
            let mut e = ctx.entry(
                res,
                Section::Contacts,
                name,
                None,
                Detail::Contact {
                    relationship: values::terms(&c.relationship),
                    telecom: values::telecoms(&c.telecom),
                },
                None,
            );
            e.id = format!(
                "{}/contact/{}",
                e.id.split('#').next().unwrap_or_default(),
                n + 1
            );
            e
        })
        .collect()
}

fn clone_name<'a>(
    n: &crate::fhir::datatypes::HumanName<'a>,
) -> crate::fhir::datatypes::HumanName<'a> {
    crate::fhir::datatypes::HumanName {
        use_: n.use_.clone(),
        text: n.text.clone(),
        family: crate::fhir::lenient::Many(n.family.0.clone()),
        given: crate::fhir::lenient::Many(n.given.0.clone()),
        prefix: crate::fhir::lenient::Many(n.prefix.0.clone()),
    }
}

fn nhs_number_of(res: &Resource<'_>) -> Option<Result<NhsNumber, crate::identity::NhsNumberError>> {
    let Resource::Patient(p) = res else {
        return None;
    };
    p.identifier
        .iter()
        .find(|i| {
            i.system
                .as_ref()
                .is_some_and(|s| NHS_NUMBER_SYSTEMS.contains(&s.as_str().trim()))
        })
        .and_then(|i| i.value.as_ref())
        .map(|v| NhsNumber::parse(v.as_str()))
}

type PatientChoice<'r, 'a> = (Option<&'r Resource<'a>>, Option<NhsNumber>);

/// The source's patient: the one asked for when a patient is expected (refusing the
/// source when none matches), otherwise the first Patient.
fn source_patient<'r, 'a>(
    index: &index::Index<'r, 'a>,
    expected: Option<&NhsNumber>,
) -> Result<PatientChoice<'r, 'a>, IngestError> {
    let patients: Vec<&'r Resource<'a>> = index
        .nodes
        .iter()
        .map(|n| n.resource)
        .filter(|r| matches!(r, Resource::Patient(_)))
        .collect();
    let Some(expected) = expected else {
        let first = patients.first().copied();
        let nhs = first.and_then(nhs_number_of).and_then(Result::ok);
        return Ok((first, nhs));
    };
    if patients.is_empty() {
        return Err(IngestError::PatientMismatch {
            reason: "the source has no Patient",
        });
    }
    for p in &patients {
        if let Some(Ok(n)) = nhs_number_of(p)
            && &n == expected
        {
            return Ok((Some(*p), Some(n)));
        }
    }
    let reason = if patients
        .iter()
        .any(|p| matches!(nhs_number_of(p), Some(Ok(_))))
    {
        "the source's patient has a different NHS number"
    } else if patients
        .iter()
        .any(|p| matches!(nhs_number_of(p), Some(Err(_))))
    {
        "the source's patient has an invalid NHS number"
    } else {
        "the source's patient has no NHS number"
    };
    Err(IngestError::PatientMismatch { reason })
}

fn ods_code(res: &Resource<'_>) -> Option<String> {
    let Resource::Organization(o) = res else {
        return None;
    };
    o.identifier
        .iter()
        .find(|i| {
            i.system.as_ref().is_some_and(|s| {
                let s = s.as_str();
                s.ends_with("/Id/ods-organization-code") || s.ends_with("/Id/ods-site-code")
            })
        })
        .and_then(|i| values::s(&i.value))
}

fn infer_organisation<'r, 'a>(
    index: &index::Index<'r, 'a>,
    patient: Option<&'r Resource<'a>>,
    root: &Resource<'a>,
    version: FhirVersion,
) -> Organisation {
    let managing = patient.and_then(|p| match p {
        Resource::Patient(p) => p.managing_organization.as_ref(),
        _ => None,
    });
    let org = managing
        .and_then(|m| index.resolve(m, patient))
        .filter(|r| matches!(r, Resource::Organization(_)))
        .or_else(|| {
            index
                .nodes
                .iter()
                .map(|n| n.resource)
                .find(|r| matches!(r, Resource::Organization(_)))
        });
    let name = match org {
        Some(Resource::Organization(o)) => values::s(&o.name),
        _ => None,
    }
    .or_else(|| managing.and_then(|m| m.display().map(str::to_owned)));
    let gp_connect = version == FhirVersion::Stu3
        && root
            .meta()
            .is_some_and(|m| m.profile.iter().any(|p| p.as_str().contains("GPConnect")));
    Organisation {
        ods_code: org.and_then(ods_code),
        name: name.unwrap_or_else(|| "Unknown organisation".to_owned()),
        care_setting: if gp_connect {
            CareSetting::GeneralPractice
        } else {
            CareSetting::Unknown
        },
    }
}

/// FHIR's administrative genders.
const GENDERS: [&str; 4] = ["male", "female", "other", "unknown"];

/// What the banner could not show as recorded: a gender outside FHIR's value set, a date
/// of death that is not a date (the death itself is shown).
fn demographic_warnings(res: Option<&Resource<'_>>) -> Vec<SourceWarning> {
    let Some(Resource::Patient(p)) = res else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if values::s(&p.gender).is_some_and(|g| !GENDERS.contains(&g.as_str())) {
        out.push(SourceWarning {
            code: WarningCode::InvalidValue,
            section: None,
            text: Some(
                "The gender recorded is not one of FHIR's administrative genders: not shown"
                    .to_owned(),
            ),
        });
    }
    if values::date(&p.deceased_date_time).is_some_and(|d| !d.is_valid()) {
        out.push(SourceWarning {
            code: WarningCode::InvalidDate,
            section: None,
            text: Some("The date of death recorded is not a valid date".to_owned()),
        });
    }
    out
}

fn demographics<'r, 'a>(ctx: &mut Ctx<'r, 'a>, res: &'r Resource<'a>) -> Patient {
    let Resource::Patient(p) = res else {
        return Patient::default();
    };
    let registered_gp = p
        .general_practitioner
        .iter()
        .find_map(|g| ctx.name_of(g, res, "generalPractitioner"))
        .or_else(|| {
            p.managing_organization
                .as_ref()
                .and_then(|m| ctx.name_of(m, res, "managingOrganization"))
        });
    Patient {
        nhs_number: ctx.patient_nhs.clone(),
        name: values::person_name(&p.name),
        birth_date: values::date(&p.birth_date),
        // Only FHIR's administrative genders; anything else is reported, not shown.
        gender: values::s(&p.gender).filter(|g| GENDERS.contains(&g.as_str())),
        // A date of death that is not a date still says the patient died.
        deceased: values::date(&p.deceased_date_time)
            .map(|d| {
                if d.is_valid() {
                    d.as_str().to_owned()
                } else {
                    "deceased".to_owned()
                }
            })
            .or_else(|| {
                p.deceased_boolean
                    .as_ref()
                    .filter(|b| b.as_str() == "true")
                    .map(|_| "deceased".to_owned())
            }),
        addresses: p.address.iter().filter_map(values::address_line).collect(),
        telecom: values::telecoms(&p.telecom),
        registered_gp,
        restricted: sensitivity::restricted(res.meta()),
    }
}

#[cfg(test)]
mod tests;
