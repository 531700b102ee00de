//! The patient summary as records a host renders natively: a curated mirror of
//! `icr_core::summary::PatientSummary` (not FHIR). Each conversion moves values across.

use icr_core::{merge, model, summary};
use serde::Serialize;

/// The stable code of a core enum, as in the summary JSON (`care_team`, `bad_mac`); for a
/// variant with data, its name.
pub(crate) fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => m.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

pub(crate) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn date(d: Option<model::FhirDate>) -> Option<String> {
    d.map(|d| d.as_str().to_owned())
}

/// The summary a host shows: the banner, every section in display order (alerts first)
/// with what was withheld, and every source with its status.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatientSummary {
    /// Version of the summary's shape (the JSON's `schema_version`).
    pub schema_version: i32,
    /// The date the summary was made, `yyyy-mm-dd`.
    pub as_of: String,
    /// The patient banner.
    pub patient: Option<Banner>,
    /// Where sources disagree about who the patient is.
    pub demographic_discrepancies: Vec<String>,
    /// What the banner must show before anything else: contradictions between sources
    /// and allergies to medicines that are current, each naming its item.
    pub banner_alerts: Vec<BannerAlert>,
    /// Every section, in display order, present even when empty.
    pub sections: Vec<SummarySection>,
    /// Items from a source whose patient is not confirmed to be this patient (same NHS
    /// number, other demographics): not part of the record, listed for reconciliation
    /// only, each after the same access decision as any item.
    pub reconciliation: Vec<SummaryItem>,
    /// Every source with its status and how current it is.
    pub sources: Vec<SourceView>,
}

impl From<summary::PatientSummary> for PatientSummary {
    fn from(s: summary::PatientSummary) -> Self {
        PatientSummary {
            schema_version: i32::try_from(s.schema_version).unwrap_or(i32::MAX),
            as_of: s.as_of,
            patient: s.patient.map(Into::into),
            demographic_discrepancies: s.demographic_discrepancies,
            banner_alerts: s.banner_alerts.into_iter().map(Into::into).collect(),
            sections: s.sections.into_iter().map(Into::into).collect(),
            reconciliation: s.reconciliation.into_iter().map(Into::into).collect(),
            sources: s.sources.into_iter().map(Into::into).collect(),
        }
    }
}

/// A warning the banner shows: a contradiction between sources, or an allergy to a
/// medicine that is current.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BannerAlert {
    /// What kind, as an item warning's code (`contradiction`,
    /// `allergy-to-active-medicine`).
    pub code: String,
    /// The key of the section of the item it concerns (`allergies`, `medications`).
    pub section: String,
    /// The item it concerns (its `SummaryItem.id`).
    pub item_id: String,
    /// Words to show: the item's title and its warning.
    pub text: String,
}

impl From<summary::BannerAlert> for BannerAlert {
    fn from(a: summary::BannerAlert) -> Self {
        BannerAlert {
            code: code(&a.code),
            section: a.section.key().to_owned(),
            item_id: a.item_id,
            text: a.text,
        }
    }
}

/// The patient banner, with values and their NHS CUI display forms.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Banner {
    /// `THORNTON, Margaret Ann (Mrs)`.
    pub name: String,
    /// Ten digits.
    pub nhs_number: Option<String>,
    /// `999 000 0026`.
    pub nhs_number_display: Option<String>,
    /// As recorded (`1948-03-12`).
    pub birth_date: Option<String>,
    /// `12-Mar-1948`.
    pub birth_date_display: Option<String>,
    /// Whole years on the summary date.
    pub age_years: Option<i64>,
    /// `female`, `male`, `other`, `unknown`.
    pub gender: Option<String>,
    /// Date of death, or `deceased`.
    pub deceased: Option<String>,
    /// Whole years at death, when both dates are known to the day.
    pub age_at_death: Option<i64>,
    /// Addresses, one line each.
    pub addresses: Vec<String>,
    /// Phone numbers and email.
    pub telecom: Vec<Telecom>,
    /// Registered GP or practice.
    pub registered_gp: Option<String>,
    /// `Contact details withheld: restricted record` for a restricted patient (PDS
    /// S-flag), whose address, telephone, email and practice are withheld.
    pub contact_details_withheld: Option<String>,
}

impl From<summary::Banner> for Banner {
    fn from(b: summary::Banner) -> Self {
        Banner {
            name: b.name,
            nhs_number: b.nhs_number,
            nhs_number_display: b.nhs_number_display,
            birth_date: b.birth_date,
            birth_date_display: b.birth_date_display,
            age_years: b.age_years,
            gender: b.gender,
            deceased: b.deceased,
            age_at_death: b.age_at_death,
            addresses: b.addresses,
            telecom: b.telecom.into_iter().map(Into::into).collect(),
            registered_gp: b.registered_gp,
            contact_details_withheld: b.contact_details_withheld,
        }
    }
}

/// A phone number, email or other contact point.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Telecom {
    /// `phone`, `email`, …
    pub system: Option<String>,
    /// The number or address.
    pub value: String,
    /// `home`, `work`, `mobile`, …
    pub usage: Option<String>,
}

impl From<model::Telecom> for Telecom {
    fn from(t: model::Telecom) -> Self {
        Telecom {
            system: t.system,
            value: t.value,
            usage: t.use_,
        }
    }
}

/// One section of the summary.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SummarySection {
    /// Stable key (`allergies`, `care_team`).
    pub key: String,
    /// Heading.
    pub title: String,
    /// Items the viewer may see.
    pub items: Vec<SummaryItem>,
    /// What was withheld from this viewer, by reason (never what it was).
    pub withheld: Vec<Withheld>,
    /// Administrative entries with no content (a "Comment note" with no text), counted
    /// by title instead of listed in `items`.
    pub folded: Vec<FoldedItems>,
    /// What sources say about this section ("no known allergies").
    pub statements: Vec<SectionStatement>,
    /// Warnings about this section (confidential items left out, contradictions).
    pub warnings: Vec<SectionWarning>,
}

impl From<summary::SummarySection> for SummarySection {
    fn from(s: summary::SummarySection) -> Self {
        SummarySection {
            key: s.key.key().to_owned(),
            title: s.title,
            items: s.items.into_iter().map(Into::into).collect(),
            withheld: s.withheld.into_iter().map(Into::into).collect(),
            folded: s.folded.into_iter().map(Into::into).collect(),
            statements: s.statements.into_iter().map(Into::into).collect(),
            warnings: s.warnings.into_iter().map(Into::into).collect(),
        }
    }
}

/// Administrative entries with no content, counted: shown as a count, not as items.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FoldedItems {
    /// Their title (`Comment note`).
    pub title: String,
    /// How many.
    pub count: i64,
}

impl From<summary::FoldedItems> for FoldedItems {
    fn from(f: summary::FoldedItems) -> Self {
        FoldedItems {
            title: f.title,
            count: count(f.count),
        }
    }
}

/// A marker that items were withheld: how many and why, never what.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Withheld {
    /// How many items.
    pub count: i64,
    /// Why.
    pub reason: WithheldReason,
    /// Why, in plain words to show.
    pub explanation: String,
}

impl From<summary::Withheld> for Withheld {
    fn from(w: summary::Withheld) -> Self {
        Withheld {
            count: count(w.count),
            reason: w.reason.into(),
            explanation: w.explanation,
        }
    }
}

/// Why items are withheld.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum WithheldReason {
    /// The viewer's role does not include this section.
    RoleSection,
    /// A sensitive category the role may not see.
    SensitiveCategory {
        /// The category (`mental-health`, `safeguarding`, …).
        category: String,
    },
    /// It would reveal other withheld sensitive information.
    Inference,
    /// Linked to withheld sensitive information (which is never said).
    Linked,
    /// The patient has opted out of sharing.
    PatientOptOut,
    /// No legitimate relationship and no break-glass.
    NoRelationship,
    /// The source organisation does not share with the viewer's.
    NonParticipating,
    /// A reason this version of the bindings does not know.
    Other {
        /// Its stable code.
        code: String,
    },
}

impl From<summary::WithheldReason> for WithheldReason {
    fn from(r: summary::WithheldReason) -> Self {
        match r {
            summary::WithheldReason::RoleSection => WithheldReason::RoleSection,
            summary::WithheldReason::SensitiveCategory(category) => {
                WithheldReason::SensitiveCategory { category }
            }
            summary::WithheldReason::Inference => WithheldReason::Inference,
            summary::WithheldReason::Linked => WithheldReason::Linked,
            summary::WithheldReason::PatientOptOut => WithheldReason::PatientOptOut,
            summary::WithheldReason::NoRelationship => WithheldReason::NoRelationship,
            summary::WithheldReason::NonParticipating => WithheldReason::NonParticipating,
            other => WithheldReason::Other { code: code(&other) },
        }
    }
}

/// What a source says about a section.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SectionStatement {
    /// `nil-known` ("no known allergies"), `no-content-recorded`, `withheld`, …
    pub kind: String,
    /// Its words.
    pub text: Option<String>,
    /// Who says it.
    pub organisation: String,
}

impl From<summary::SectionStatement> for SectionStatement {
    fn from(s: summary::SectionStatement) -> Self {
        SectionStatement {
            kind: code(&s.kind),
            text: s.text,
            organisation: s.organisation,
        }
    }
}

/// A warning on a section or a source.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SectionWarning {
    /// `confidential-items`, `data-in-transit`, `contradiction`, …
    pub code: String,
    /// Words to show.
    pub text: Option<String>,
    /// Who says it.
    pub organisation: String,
}

impl From<summary::SectionWarning> for SectionWarning {
    fn from(w: summary::SectionWarning) -> Self {
        SectionWarning {
            code: w.code,
            text: w.text,
            organisation: w.organisation,
        }
    }
}

/// A source as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SourceView {
    /// ODS code.
    pub ods_code: Option<String>,
    /// Name.
    pub name: String,
    /// Kind of service.
    pub care_setting: CareSetting,
    /// How it fared.
    pub status: SourceStatus,
    /// Why it failed.
    pub reason: Option<String>,
    /// Latest change in its data, as recorded.
    pub as_of: Option<String>,
    /// Days between `as_of` and the summary date.
    pub age_days: Option<i64>,
    /// Whether its data may be out of date, judged by the summary (`None` for a source
    /// that failed): flag `Stale` and `AgeUnknown` sources as the panel does.
    pub freshness: Option<Freshness>,
    /// Warnings that concern no one section.
    pub warnings: Vec<SectionWarning>,
    /// Items it contributed to this summary (after access decisions).
    pub items: i64,
}

impl From<summary::SourceView> for SourceView {
    fn from(s: summary::SourceView) -> Self {
        SourceView {
            ods_code: s.ods_code,
            name: s.name,
            care_setting: s.care_setting.into(),
            status: s.status.into(),
            reason: s.reason,
            as_of: s.as_of,
            age_days: s.age_days,
            freshness: s.freshness.map(Into::into),
            warnings: s.warnings.into_iter().map(Into::into).collect(),
            items: count(s.items),
        }
    }
}

/// How current a source's data is, by the summary's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum Freshness {
    /// No older than the threshold.
    Current,
    /// Older than the threshold: "may be out of date".
    Stale,
    /// The source did not say when its data was last updated: "may be out of date" too.
    AgeUnknown,
}

mirror_enum! { Freshness, summary::Freshness, AgeUnknown, [Current, Stale, AgeUnknown] }

/// The kind of service an organisation provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum CareSetting {
    /// A GP practice.
    GeneralPractice,
    /// An acute hospital.
    Acute,
    /// A mental-health trust.
    MentalHealth,
    /// Community health services.
    Community,
    /// Council social care.
    SocialCare,
    /// Out-of-hours and urgent care.
    OutOfHours,
    /// Ambulance services.
    Ambulance,
    /// Not known.
    Unknown,
}

mirror_enum! { CareSetting, model::CareSetting, Unknown, [
    GeneralPractice, Acute, MentalHealth, Community, SocialCare, OutOfHours, Ambulance, Unknown,
] }

/// How a source fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
    /// Its patient is not the record's patient: discarded whole.
    IdentityMismatch,
    /// Its patient has the record's NHS number but differs in two or more of date of
    /// birth, family name and gender: its items are listed for reconciliation
    /// (`PatientSummary.reconciliation`), not merged.
    IdentityUnconfirmed,
    /// The source denied access.
    AccessDenied,
    /// The source does not know the patient.
    PatientNotFound,
    /// The patient has dissented from sharing at this source.
    PatientDissent,
    /// Not asked, by rule: a GP Connect source for a restricted patient.
    NotRequested,
}

mirror_enum! { SourceStatus, merge::SourceStatus, InvalidResponse, [
    Ok, Unavailable, TimedOut, Refused, TooLarge, InvalidResponse, IdentityMismatch,
    IdentityUnconfirmed, AccessDenied, PatientNotFound, PatientDissent, NotRequested,
] }

/// One item of the summary: one fact, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SummaryItem {
    /// Stable identifier (the supplying organisation and source resource).
    pub id: String,
    /// What a clinician reads first (the term, drug, document title).
    pub title: String,
    /// The main clinical code.
    pub code: Option<ClinicalCode>,
    /// Status as the source gives it (`active`, `resolved`, `stopped`, …).
    pub status: Option<String>,
    /// The clinically relevant date (onset, start, effective), as recorded.
    pub date: Option<String>,
    /// The same for display (`12-Mar-2024`, `Mar-2024`).
    pub date_display: Option<String>,
    /// The end (abatement, end of period, date stopped), as recorded.
    pub end_date: Option<String>,
    /// When it was recorded, as recorded.
    pub recorded: Option<String>,
    /// What is specific to the kind of item.
    pub detail: ItemDetail,
    /// Free-text notes and comments.
    pub notes: Vec<String>,
    /// Where it came from: one per organisation that reported it.
    pub provenance: Vec<Provenance>,
    /// Sensitive categories (`mental-health`, `safeguarding`, …).
    pub sensitivity: Vec<String>,
    /// Where sources disagree about this fact (another dose, another criticality), among
    /// the items the viewer may see.
    pub discrepancies: Vec<String>,
    /// What a clinician must check before relying on the item: a contradiction with
    /// another source, a date that cannot be right. Made from the items the viewer may
    /// see only.
    pub warnings: Vec<ItemWarning>,
}

impl From<model::Entry> for SummaryItem {
    fn from(e: model::Entry) -> Self {
        SummaryItem {
            id: e.id,
            title: e.title,
            code: e.code.map(Into::into),
            status: e.status,
            date_display: e.date.as_ref().map(model::FhirDate::display),
            date: date(e.date),
            end_date: date(e.end_date),
            recorded: date(e.recorded),
            detail: e.detail.into(),
            notes: e.notes,
            provenance: e.provenance.into_iter().map(Into::into).collect(),
            sensitivity: e.sensitivity.iter().map(|s| code(&s.category)).collect(),
            discrepancies: e.discrepancies,
            warnings: e.warnings.into_iter().map(Into::into).collect(),
        }
    }
}

/// A warning on one item.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ItemWarning {
    /// What kind: `contradiction` (another source records it stopped, resolved or ended
    /// while this one records it current, or the reverse), `allergy-to-active-medicine`,
    /// `end-date-in-future` (an end date after the summary date, given as if it had
    /// happened), `end-before-start`; a code this version does not list may appear.
    pub code: String,
    /// Words to show.
    pub text: String,
}

impl From<model::ItemWarning> for ItemWarning {
    fn from(w: model::ItemWarning) -> Self {
        ItemWarning {
            code: code(&w.code),
            text: w.text,
        }
    }
}

/// A clinical code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClinicalCode {
    /// The code system URI.
    pub system: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// The term as recorded.
    pub display: Option<String>,
}

impl From<model::Code> for ClinicalCode {
    fn from(c: model::Code) -> Self {
        ClinicalCode {
            system: c.system,
            code: c.code,
            display: c.display,
        }
    }
}

/// Where one item came from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Provenance {
    /// The organisation whose system supplied it.
    pub organisation: String,
    /// Its ODS code.
    pub ods_code: Option<String>,
    /// Its kind of service.
    pub care_setting: CareSetting,
    /// The FHIR resource it was read from (`AllergyIntolerance/abc`).
    pub source_ref: String,
    /// When the source last changed it, as recorded.
    pub last_updated: Option<String>,
    /// Who recorded it, as the source names them.
    pub recorded_by: Option<String>,
}

impl From<model::Provenance> for Provenance {
    fn from(p: model::Provenance) -> Self {
        Provenance {
            organisation: p.organisation.name,
            ods_code: p.organisation.ods_code,
            care_setting: p.organisation.care_setting.into(),
            source_ref: p.source_ref,
            last_updated: date(p.last_updated),
            recorded_by: p.recorded_by,
        }
    }
}

/// What is specific to each kind of item.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum ItemDetail {
    /// An alert.
    Alert {
        /// `safeguarding` or the source's category.
        category: Option<String>,
    },
    /// An allergy or adverse reaction.
    Allergy {
        /// Whether it is current.
        clinical_status: AllergyStatus,
        /// `high`, `low`, `unable-to-assess`: the highest any source records.
        criticality: Option<String>,
        /// `food`, `medication`, `environment`, `biologic`.
        category: Vec<String>,
        /// Every reaction any source records (manifestations, severity, onset), each with
        /// the organisations that record it.
        reactions: Vec<Reaction>,
        /// Why it was ended, for a resolved allergy.
        end_reason: Option<String>,
    },
    /// A medication.
    Medication {
        /// Prescribing details and changes.
        detail: MedicationDetail,
    },
    /// A problem or diagnosis.
    Problem {
        /// `active`, `inactive`, `resolved`, …
        clinical_status: Option<String>,
        /// `major` or `minor`.
        significance: Option<String>,
        /// `confirmed`, `provisional`, …
        verification: Option<String>,
    },
    /// An investigation report with its results.
    Investigation {
        /// `laboratory`, `imaging`, …
        category: Option<String>,
        /// Results in source order.
        results: Vec<ResultLine>,
        /// The report's conclusion.
        conclusion: Option<String>,
    },
    /// A single observation or measurement.
    Observation {
        /// The value.
        result: ResultLine,
    },
    /// An immunisation.
    Immunisation {
        /// Dose in the course.
        dose: Option<String>,
        /// Recorded as not given.
        not_given: bool,
        /// Batch number.
        batch: Option<String>,
        /// Site and route.
        site: Option<String>,
    },
    /// An encounter.
    Encounter {
        /// Inpatient, ambulatory, home visit, …
        encounter_class: Option<String>,
        /// Clinicians involved.
        participants: Vec<String>,
        /// Where.
        location: Option<String>,
        /// Why.
        reasons: Vec<String>,
        /// Discharge destination.
        discharge: Option<String>,
    },
    /// An appointment or planned follow-up.
    Appointment {
        /// Who the patient will see, where.
        participants: Vec<String>,
        /// Why.
        reasons: Vec<String>,
    },
    /// A referral.
    Referral {
        /// Who referred.
        requester: Option<String>,
        /// To whom.
        recipients: Vec<String>,
        /// `routine`, `urgent`, …
        priority: Option<String>,
        /// Why.
        reasons: Vec<String>,
    },
    /// A procedure.
    Procedure {
        /// Who performed it.
        performers: Vec<String>,
        /// Outcome.
        outcome: Option<String>,
    },
    /// A document: a letter, a discharge summary, a report.
    Document {
        /// Author(s).
        authors: Vec<String>,
        /// The files, referenced; plain text the source inlined is carried decoded
        /// (`AttachmentRef.text`), other inline content is not.
        attachments: Vec<AttachmentRef>,
    },
    /// A care plan.
    CarePlan {
        /// What the plan does, one line per activity.
        activities: Vec<String>,
        /// The plan's description.
        description: Option<String>,
    },
    /// A care team, with its members.
    CareTeam {
        /// Members with their roles.
        members: Vec<TeamMember>,
    },
    /// A person involved in the patient's life or care.
    Contact {
        /// Relationship to the patient.
        relationship: Vec<String>,
        /// How to reach them.
        telecom: Vec<Telecom>,
    },
    /// A kind this version of the bindings does not know (read the summary JSON).
    Other {
        /// Its stable code.
        kind: String,
    },
}

impl From<model::Detail> for ItemDetail {
    fn from(d: model::Detail) -> Self {
        use model::Detail as D;
        match d {
            D::Alert { category } => ItemDetail::Alert { category },
            D::Allergy {
                clinical_status,
                criticality,
                category,
                reactions,
                end_reason,
            } => ItemDetail::Allergy {
                clinical_status: clinical_status.into(),
                criticality,
                category,
                reactions: reactions.into_iter().map(Into::into).collect(),
                end_reason,
            },
            D::Medication(m) => ItemDetail::Medication { detail: m.into() },
            D::Problem {
                clinical_status,
                significance,
                verification,
            } => ItemDetail::Problem {
                clinical_status,
                significance,
                verification,
            },
            D::Investigation {
                category,
                results,
                conclusion,
            } => ItemDetail::Investigation {
                category,
                results: results.into_iter().map(Into::into).collect(),
                conclusion,
            },
            D::Observation { result } => ItemDetail::Observation {
                result: result.into(),
            },
            D::Immunisation {
                dose,
                not_given,
                batch,
                site,
            } => ItemDetail::Immunisation {
                dose,
                not_given,
                batch,
                site,
            },
            D::Encounter {
                class,
                participants,
                location,
                reasons,
                discharge,
            } => ItemDetail::Encounter {
                encounter_class: class,
                participants,
                location,
                reasons,
                discharge,
            },
            D::Appointment {
                participants,
                reasons,
            } => ItemDetail::Appointment {
                participants,
                reasons,
            },
            D::Referral {
                requester,
                recipients,
                priority,
                reasons,
            } => ItemDetail::Referral {
                requester,
                recipients,
                priority,
                reasons,
            },
            D::Procedure {
                performers,
                outcome,
            } => ItemDetail::Procedure {
                performers,
                outcome,
            },
            D::Document {
                authors,
                attachments,
            } => ItemDetail::Document {
                authors,
                attachments: attachments.into_iter().map(Into::into).collect(),
            },
            D::CarePlan {
                activities,
                description,
            } => ItemDetail::CarePlan {
                activities,
                description,
            },
            D::CareTeam { members } => ItemDetail::CareTeam {
                members: members.into_iter().map(Into::into).collect(),
            },
            D::Contact {
                relationship,
                telecom,
            } => ItemDetail::Contact {
                relationship,
                telecom: telecom.into_iter().map(Into::into).collect(),
            },
            other => ItemDetail::Other { kind: code(&other) },
        }
    }
}

/// Whether an allergy is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum AllergyStatus {
    /// Current.
    Active,
    /// No longer current.
    Resolved,
    /// Not stated.
    Unknown,
}

impl From<model::AllergyStatus> for AllergyStatus {
    fn from(s: model::AllergyStatus) -> Self {
        match s {
            model::AllergyStatus::Active => AllergyStatus::Active,
            model::AllergyStatus::Resolved => AllergyStatus::Resolved,
            _ => AllergyStatus::Unknown,
        }
    }
}

/// One reaction to an allergen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reaction {
    /// What happened (`Anaphylaxis`, `Rash`).
    pub manifestations: Vec<String>,
    /// `mild`, `moderate`, `severe`.
    pub severity: Option<String>,
    /// When it happened, as recorded.
    pub onset: Option<String>,
    /// The source's description of it.
    pub description: Option<String>,
    /// The organisations that record it.
    pub recorded_by: Vec<String>,
}

impl From<model::Reaction> for Reaction {
    fn from(r: model::Reaction) -> Self {
        Reaction {
            manifestations: r.manifestations,
            severity: r.severity,
            onset: date(r.onset),
            description: r.description,
            recorded_by: r.recorded_by,
        }
    }
}

/// A medication's prescribing details and the changes made to it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MedicationDetail {
    /// Dosage instructions as written.
    pub dosage: Option<String>,
    /// Quantity per issue (`28 tablet`).
    pub quantity: Option<String>,
    /// `acute`, `repeat`, `repeat-dispensing`, …
    pub prescription_type: Option<String>,
    /// Why it was stopped or changed.
    pub status_reason: Option<String>,
    /// Date of the last issue, as recorded.
    pub last_issued: Option<String>,
    /// Number of issues in the source.
    pub issues: i32,
    /// Repeats allowed on the current authorisation.
    pub repeats_allowed: Option<String>,
    /// Why it is taken.
    pub reasons: Vec<String>,
    /// Started, stopped, completed, dose changed.
    pub changes: Vec<MedicationChange>,
    /// Who prescribed it when not the source itself (`prescribed elsewhere`: a hospital,
    /// a specialist), as the source words it.
    pub prescribing_agency: Option<String>,
    /// When the current authorisation ends (the date repeats may be issued until), as
    /// recorded.
    pub authorisation_expiry: Option<String>,
    /// Every course of the medicine the sources record (an authorisation or
    /// prescription each), first started first, with its supplies. The fields above are
    /// those of the latest course; `issues` counts every supply of every course.
    pub courses: Vec<Course>,
}

impl From<model::MedicationDetail> for MedicationDetail {
    fn from(m: model::MedicationDetail) -> Self {
        MedicationDetail {
            dosage: m.dosage,
            quantity: m.quantity,
            prescription_type: m.prescription_type,
            status_reason: m.status_reason,
            last_issued: date(m.last_issued),
            issues: i32::try_from(m.issues).unwrap_or(i32::MAX),
            repeats_allowed: m.repeats_allowed,
            reasons: m.reasons,
            changes: m.changes.into_iter().map(Into::into).collect(),
            prescribing_agency: m.prescribing_agency,
            authorisation_expiry: date(m.authorisation_expiry),
            courses: m.courses.into_iter().map(Into::into).collect(),
        }
    }
}

/// One course of a medicine: an authorisation or a prescription, with its supplies.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Course {
    /// The organisation that records it.
    pub organisation: String,
    /// Its status as the source gives it (`active`, `completed`, `stopped`).
    pub status: Option<String>,
    /// Why it was stopped, as the source words it.
    pub status_reason: Option<String>,
    /// Started, as recorded.
    pub start: Option<String>,
    /// Ended, or is planned to end, as recorded.
    pub end: Option<String>,
    /// Dosage instructions.
    pub dosage: Option<String>,
    /// Quantity per issue.
    pub quantity: Option<String>,
    /// `acute`, `repeat`, `repeat-dispensing`.
    pub prescription_type: Option<String>,
    /// When the authorisation ends, as recorded.
    pub authorisation_expiry: Option<String>,
    /// Who prescribed it, when another organisation did.
    pub prescribing_agency: Option<String>,
    /// Repeats allowed.
    pub repeats_allowed: Option<String>,
    /// Every issue or supply, in date order.
    pub supplies: Vec<Supply>,
}

impl From<model::Course> for Course {
    fn from(c: model::Course) -> Self {
        Course {
            organisation: c.organisation,
            status: c.status,
            status_reason: c.status_reason,
            start: date(c.start),
            end: date(c.end),
            dosage: c.dosage,
            quantity: c.quantity,
            prescription_type: c.prescription_type,
            authorisation_expiry: date(c.authorisation_expiry),
            prescribing_agency: c.prescribing_agency,
            repeats_allowed: c.repeats_allowed,
            supplies: c.supplies.into_iter().map(Into::into).collect(),
        }
    }
}

/// One issue or supply of a course.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Supply {
    /// When it was issued, as recorded.
    pub date: Option<String>,
    /// How much.
    pub quantity: Option<String>,
    /// Its number on the authorisation (`3` of 6), when the source gives it.
    pub issue_number: Option<i32>,
}

impl From<model::Supply> for Supply {
    fn from(s: model::Supply) -> Self {
        Supply {
            date: date(s.date),
            quantity: s.quantity,
            issue_number: s.issue_number.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        }
    }
}

/// A change to a medication.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MedicationChange {
    /// What changed.
    pub kind: ChangeKind,
    /// When, as recorded.
    pub date: Option<String>,
    /// Which organisation made or recorded it.
    pub by: Option<String>,
    /// Detail (`from 5mg once daily`, the reason for stopping).
    pub detail: Option<String>,
}

impl From<model::MedicationChange> for MedicationChange {
    fn from(c: model::MedicationChange) -> Self {
        MedicationChange {
            kind: c.kind.into(),
            date: date(c.date),
            by: c.by,
            detail: c.detail,
        }
    }
}

/// Kinds of medication change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Started.
    Started,
    /// Stopped: a deliberate discontinuation.
    Stopped,
    /// A course that came to its planned end (`completed`), not a discontinuation.
    Completed,
    /// Dose changed.
    DoseChanged,
    /// A change this version of the bindings does not know.
    Other,
}

impl From<model::ChangeKind> for ChangeKind {
    fn from(k: model::ChangeKind) -> Self {
        match k {
            model::ChangeKind::Started => ChangeKind::Started,
            model::ChangeKind::Stopped => ChangeKind::Stopped,
            model::ChangeKind::Completed => ChangeKind::Completed,
            model::ChangeKind::DoseChanged => ChangeKind::DoseChanged,
            _ => ChangeKind::Other,
        }
    }
}

/// One result of an investigation, value and unit exactly as sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResultLine {
    /// The test.
    pub name: String,
    /// The value as sent (`4.0`, `positive`, `<5`).
    pub value: Option<String>,
    /// The unit as sent.
    pub unit: Option<String>,
    /// Reference range as sent (the first, when there are several).
    pub reference_range: Option<String>,
    /// Every reference range the source sent, with what each applies to.
    pub reference_ranges: Vec<ReferenceRange>,
    /// The value and unit as a clinician reads them (`119 ×10⁹/L`, `38.1 °C`): the unit
    /// a UCUM code stands for, and a value that carries a generator's floating-point
    /// noise rounded, saying so. `None` when it would say nothing more than `value` and
    /// `unit`.
    pub display: Option<String>,
    /// Interpretation as the source words it (`High`, `Low`, `Abnormal`).
    pub interpretation: Option<String>,
    /// What the result's flag is, when there is evidence for one: `normal`, `high`,
    /// `low`, `abnormal`, `critical-high`, `critical-low`, `critical-abnormal`,
    /// `detected`, `not-detected` (a code this version does not list may appear). `None`
    /// when there is no evidence (no interpretation and no numeric range that applies),
    /// which is not normal.
    pub flag: Option<String>,
    /// What the flag rests on: `interpretation` (the source's), `reference-range` (the
    /// value against the range that applies to it), `coded-value` (`Detected`).
    pub flag_basis: Option<String>,
    /// Outside normal (`true`), within it (`false`), on evidence (an interpretation or
    /// the value against its range): what `flag` says. `None` when nothing says, and for
    /// coded results (`detected`, `not-detected`), whose `flag` says what they are.
    pub abnormal: Option<bool>,
    /// Comments on the result.
    pub comments: Vec<String>,
}

impl From<model::ResultLine> for ResultLine {
    fn from(r: model::ResultLine) -> Self {
        let abnormal = r.abnormal();
        ResultLine {
            name: r.name,
            value: r.value,
            unit: r.unit,
            reference_range: r.reference_range,
            reference_ranges: r.reference_ranges.into_iter().map(Into::into).collect(),
            display: r.display,
            interpretation: r.interpretation,
            flag: r.flag.map(|f| code(&f)),
            flag_basis: r.flag_basis.map(|b| code(&b)),
            abnormal,
            comments: r.comments,
        }
    }
}

/// One reference range of a result, as sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReferenceRange {
    /// `low-high` with its unit when that is not the value's own, or the source's text.
    pub range: Option<String>,
    /// The source's text for the range, when it differs.
    pub text: Option<String>,
    /// Populations it applies to (`Female`, `Pregnant`).
    pub applies_to: Vec<String>,
    /// Ages it applies to, with their unit (`0-17 a`).
    pub age: Option<String>,
    /// Its type (`Normal Range`).
    pub range_type: Option<String>,
}

impl From<model::ReferenceRange> for ReferenceRange {
    fn from(r: model::ReferenceRange) -> Self {
        ReferenceRange {
            range: r.range,
            text: r.text,
            applies_to: r.applies_to,
            age: r.age,
            range_type: r.type_,
        }
    }
}

/// A referenced file of a document.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AttachmentRef {
    /// MIME type.
    pub content_type: Option<String>,
    /// Where an authorised host can fetch it.
    pub url: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// The source inlined content that is not carried into the record (not text, or
    /// text too long to show).
    pub inline_content_omitted: bool,
    /// Inlined plain text (a clinical note sent in the document itself), decoded to be
    /// read; at most 64 KiB are carried.
    pub text: Option<String>,
}

impl From<model::AttachmentRef> for AttachmentRef {
    fn from(a: model::AttachmentRef) -> Self {
        AttachmentRef {
            content_type: a.content_type,
            url: a.url,
            title: a.title,
            inline_content_omitted: a.inline_content_omitted,
            text: a.text,
        }
    }
}

/// A member of a care team.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TeamMember {
    /// Name of the person or service.
    pub name: String,
    /// Role in the team.
    pub role: Option<String>,
    /// Organisation they work for.
    pub organisation: Option<String>,
    /// How to reach them.
    pub telecom: Vec<Telecom>,
}

impl From<model::TeamMember> for TeamMember {
    fn from(m: model::TeamMember) -> Self {
        TeamMember {
            name: m.name,
            role: m.role,
            organisation: m.organisation,
            telecom: m.telecom.into_iter().map(Into::into).collect(),
        }
    }
}
