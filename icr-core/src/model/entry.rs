//! Items of the record, one per fact, each in a section and carrying its provenance.

use serde::{Deserialize, Serialize};

use super::{Code, FhirDate, Provenance, ResultLine, Sensitivity, Telecom};

/// The sections of the record, in the order a clinician reads them: alerts first.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Section {
    /// Safeguarding and other alerts.
    Alerts,
    /// Allergies and adverse reactions.
    Allergies,
    /// Medications and their changes.
    Medications,
    /// Problems and diagnoses.
    Problems,
    /// Investigation reports (blood tests, imaging) with their results.
    Investigations,
    /// Observations and measurements that are not part of a report.
    Observations,
    /// Immunisations.
    Immunisations,
    /// Encounters: admissions, consultations, visits.
    Encounters,
    /// Appointments and planned care (including GP diary entries).
    Appointments,
    /// Referrals between services.
    Referrals,
    /// Procedures.
    Procedures,
    /// Documents: letters, discharge summaries, reports.
    Documents,
    /// Care plans (including packages of care). Policies written before summary schema 3
    /// may name it `care_plans`.
    #[serde(alias = "care_plans")]
    CarePlans,
    /// Care team and services involved (`care_team` in older policies).
    #[serde(alias = "care_team")]
    CareTeam,
    /// Contacts: next of kin, carers and other people involved.
    Contacts,
}

impl Section {
    /// Every section, in display order.
    pub const ALL: [Section; 15] = [
        Section::Alerts,
        Section::Allergies,
        Section::Medications,
        Section::Problems,
        Section::Investigations,
        Section::Observations,
        Section::Immunisations,
        Section::Encounters,
        Section::Appointments,
        Section::Referrals,
        Section::Procedures,
        Section::Documents,
        Section::CarePlans,
        Section::CareTeam,
        Section::Contacts,
    ];

    /// The stable identifier used in JSON (`care-team`), the same as its serde code.
    pub fn key(self) -> &'static str {
        match self {
            Section::Alerts => "alerts",
            Section::Allergies => "allergies",
            Section::Medications => "medications",
            Section::Problems => "problems",
            Section::Investigations => "investigations",
            Section::Observations => "observations",
            Section::Immunisations => "immunisations",
            Section::Encounters => "encounters",
            Section::Appointments => "appointments",
            Section::Referrals => "referrals",
            Section::Procedures => "procedures",
            Section::Documents => "documents",
            Section::CarePlans => "care-plans",
            Section::CareTeam => "care-team",
            Section::Contacts => "contacts",
        }
    }

    /// The heading a clinician sees.
    pub fn title(self) -> &'static str {
        match self {
            Section::Alerts => "Alerts",
            Section::Allergies => "Allergies and adverse reactions",
            Section::Medications => "Medications",
            Section::Problems => "Problems and diagnoses",
            Section::Investigations => "Investigations",
            Section::Observations => "Observations and measurements",
            Section::Immunisations => "Immunisations",
            Section::Encounters => "Encounters",
            Section::Appointments => "Appointments and planned care",
            Section::Referrals => "Referrals",
            Section::Procedures => "Procedures",
            Section::Documents => "Documents",
            Section::CarePlans => "Care plans",
            Section::CareTeam => "Care team and services involved",
            Section::Contacts => "Contacts and people involved",
        }
    }
}

/// One fact of the record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable identifier: the supplying organisation and the source resource.
    pub id: String,
    /// The section it belongs to.
    pub section: Section,
    /// What a clinician reads first (the term, drug, document title).
    pub title: String,
    /// The main clinical code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// The status as the source gives it (`active`, `resolved`, `stopped`, `booked`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The clinically relevant date: onset, start, effective or occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<FhirDate>,
    /// The end: abatement, end of a period, date stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<FhirDate>,
    /// When it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<FhirDate>,
    /// What is specific to the kind of item.
    pub detail: Detail,
    /// Free-text notes and comments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Where it came from: one per organisation that reported it.
    pub provenance: Vec<Provenance>,
    /// Sensitive categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitivity: Vec<Sensitivity>,
    /// Where sources disagree about this fact (another dose, another criticality), among
    /// the items the viewer may see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discrepancies: Vec<String>,
    /// What a clinician must check before relying on the item: a contradiction with
    /// another source, a date that cannot be right. Made from the items the viewer may
    /// see only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ItemWarning>,
}

impl Entry {
    /// Adds a note unless another note already says it: a note contained in another
    /// (`X` and `Prescriber Notes: X`, the same words from the statement and its
    /// authorisation) is kept once, as the longer, so nothing is lost and nothing repeats.
    pub(crate) fn add_note(&mut self, note: String) {
        let note = note.trim().to_owned();
        if note.is_empty() || self.notes.iter().any(|n| n.contains(note.as_str())) {
            return;
        }
        self.notes.retain(|n| !note.contains(n.as_str()));
        self.notes.push(note);
    }
}

/// The part of an item that depends on its kind.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Detail {
    /// An alert.
    Alert {
        /// `safeguarding` or the source's category.
        #[serde(skip_serializing_if = "Option::is_none")]
        category: Option<String>,
    },
    /// An allergy or adverse reaction.
    Allergy {
        /// Whether the allergy is current.
        clinical_status: AllergyStatus,
        /// `high`, `low`, `unable-to-assess`: the highest any source records.
        #[serde(skip_serializing_if = "Option::is_none")]
        criticality: Option<String>,
        /// `food`, `medication`, `environment`, `biologic`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        category: Vec<String>,
        /// Every reaction any source records (manifestations, severity, onset), each with
        /// the organisations that record it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reactions: Vec<Reaction>,
        /// Why it was ended, for a resolved allergy.
        #[serde(skip_serializing_if = "Option::is_none")]
        end_reason: Option<String>,
    },
    /// A medication.
    Medication(MedicationDetail),
    /// A problem or diagnosis.
    Problem {
        /// `active`, `inactive`, `resolved`, …
        #[serde(skip_serializing_if = "Option::is_none")]
        clinical_status: Option<String>,
        /// `major` or `minor` (GP problem significance).
        #[serde(skip_serializing_if = "Option::is_none")]
        significance: Option<String>,
        /// `confirmed`, `provisional`, …
        #[serde(skip_serializing_if = "Option::is_none")]
        verification: Option<String>,
    },
    /// An investigation report with its results.
    Investigation {
        /// `laboratory`, `imaging`, … as the source categorises it.
        #[serde(skip_serializing_if = "Option::is_none")]
        category: Option<String>,
        /// Results in source order; groups are flattened with their name as a prefix.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        results: Vec<ResultLine>,
        /// The report's conclusion.
        #[serde(skip_serializing_if = "Option::is_none")]
        conclusion: Option<String>,
    },
    /// A single observation or measurement.
    Observation {
        /// The value.
        result: ResultLine,
    },
    /// An immunisation.
    Immunisation {
        /// Dose in the course (`2`, `booster`).
        #[serde(skip_serializing_if = "Option::is_none")]
        dose: Option<String>,
        /// True when it was recorded as not given.
        not_given: bool,
        /// Batch number.
        #[serde(skip_serializing_if = "Option::is_none")]
        batch: Option<String>,
        /// Site and route.
        #[serde(skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// An encounter.
    Encounter {
        /// Inpatient, ambulatory, home visit, … (`encounter_class` in the bindings: `class`
        /// is a keyword or a reserved getter in every host language).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "uniffi", uniffi(name = "encounter_class"))]
        class: Option<String>,
        /// Clinicians involved.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        participants: Vec<String>,
        /// Where.
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<String>,
        /// Why.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<String>,
        /// Discharge destination.
        #[serde(skip_serializing_if = "Option::is_none")]
        discharge: Option<String>,
    },
    /// An appointment or planned follow-up.
    Appointment {
        /// Who the patient will see, where.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        participants: Vec<String>,
        /// Why.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<String>,
    },
    /// A referral or request to another service.
    Referral {
        /// Who referred.
        #[serde(skip_serializing_if = "Option::is_none")]
        requester: Option<String>,
        /// To whom.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        recipients: Vec<String>,
        /// `routine`, `urgent`, …
        #[serde(skip_serializing_if = "Option::is_none")]
        priority: Option<String>,
        /// Why.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<String>,
    },
    /// A procedure.
    Procedure {
        /// Who performed it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        performers: Vec<String>,
        /// Outcome.
        #[serde(skip_serializing_if = "Option::is_none")]
        outcome: Option<String>,
    },
    /// A document: a letter, a discharge summary, a report.
    Document {
        /// Author(s).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        authors: Vec<String>,
        /// The files, referenced; inline plain text is carried to be read, other inline
        /// content never.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentRef>,
    },
    /// A care plan.
    CarePlan {
        /// What the plan does, one line per activity.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        activities: Vec<String>,
        /// The plan's description.
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// A care team, with its members.
    CareTeam {
        /// Members with their roles.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        members: Vec<TeamMember>,
    },
    /// A person involved in the patient's life or care (next of kin, carer).
    Contact {
        /// Relationship to the patient.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        relationship: Vec<String>,
        /// How to reach them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        telecom: Vec<Telecom>,
    },
}

impl Detail {
    /// The kind of item, as the `kind` tag of its JSON (`care-plan`).
    pub fn kind(&self) -> &'static str {
        match self {
            Detail::Alert { .. } => "alert",
            Detail::Allergy { .. } => "allergy",
            Detail::Medication(_) => "medication",
            Detail::Problem { .. } => "problem",
            Detail::Investigation { .. } => "investigation",
            Detail::Observation { .. } => "observation",
            Detail::Immunisation { .. } => "immunisation",
            Detail::Encounter { .. } => "encounter",
            Detail::Appointment { .. } => "appointment",
            Detail::Referral { .. } => "referral",
            Detail::Procedure { .. } => "procedure",
            Detail::Document { .. } => "document",
            Detail::CarePlan { .. } => "care-plan",
            Detail::CareTeam { .. } => "care-team",
            Detail::Contact { .. } => "contact",
        }
    }
}

/// Whether an allergy is current. Resolved allergies are kept and shown as resolved.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AllergyStatus {
    /// Current.
    Active,
    /// No longer current (resolved, inactive or ended).
    Resolved,
    /// Not stated.
    Unknown,
}

/// A medication with its prescribing details and the changes made to it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MedicationDetail {
    /// Dosage instructions as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dosage: Option<String>,
    /// Quantity per issue (`28 tablet`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// `acute`, `repeat`, `repeat-dispensing`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescription_type: Option<String>,
    /// Why it was stopped or changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Date of the last issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_issued: Option<FhirDate>,
    /// Number of issues in the source.
    #[serde(default)]
    pub issues: i32,
    /// Repeats allowed on the current authorisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats_allowed: Option<String>,
    /// Why it is taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Changes: started, stopped, completed, dose changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<MedicationChange>,
    /// Who prescribed it when not the source itself (`prescribed elsewhere`: a hospital,
    /// a specialist), as the source words it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prescribing_agency: Option<String>,
    /// When the current authorisation ends (the date repeats may be issued until).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation_expiry: Option<FhirDate>,
    /// Every course of the medicine the sources record (an authorisation or
    /// prescription each), first started first, with its supplies. The fields above are
    /// those of the latest course; `issues` counts every supply of every course.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub courses: Vec<Course>,
}

/// One course of a medicine: an authorisation or a prescription, with its supplies.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// The organisation that records it.
    pub organisation: String,
    /// Its status as the source gives it (`active`, `completed`, `stopped`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why it was stopped, as the source words it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// Started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<FhirDate>,
    /// Ended, or is planned to end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<FhirDate>,
    /// Dosage instructions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dosage: Option<String>,
    /// Quantity per issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// `acute`, `repeat`, `repeat-dispensing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescription_type: Option<String>,
    /// When the authorisation ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorisation_expiry: Option<FhirDate>,
    /// Who prescribed it, when another organisation did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescribing_agency: Option<String>,
    /// Repeats allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats_allowed: Option<String>,
    /// Every issue or supply, in date order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplies: Vec<Supply>,
}

/// One issue or supply of a course.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supply {
    /// When it was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<FhirDate>,
    /// How much.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// Its number on the authorisation (`3` of 6), when the source gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_number: Option<i32>,
}

/// One reaction to an allergen.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// What happened (`Anaphylaxis`, `Rash`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifestations: Vec<String>,
    /// `mild`, `moderate`, `severe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// When it happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onset: Option<FhirDate>,
    /// The source's description of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organisations that record it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recorded_by: Vec<String>,
}

impl Reaction {
    /// One line: `Anaphylaxis (severe), onset 12-Mar-2019`.
    pub fn line(&self) -> String {
        let mut out = if self.manifestations.is_empty() {
            self.description
                .clone()
                .unwrap_or_else(|| "Reaction".to_owned())
        } else {
            self.manifestations.join(", ")
        };
        if let Some(sev) = &self.severity {
            out.push_str(&format!(" ({sev})"));
        }
        if let Some(onset) = &self.onset {
            out.push_str(&format!(", onset {}", onset.display()));
        }
        if !self.manifestations.is_empty()
            && let Some(d) = &self.description
        {
            out.push_str(&format!(": {d}"));
        }
        out
    }
}

/// A warning on one item.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemWarning {
    /// What kind.
    pub code: ItemWarningCode,
    /// Words to show.
    pub text: String,
}

/// Kinds of item warning.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ItemWarningCode {
    /// Another source records it stopped, resolved or ended while this one records it
    /// current (or the reverse).
    Contradiction,
    /// An allergy to a medicine that is active in another item.
    AllergyToActiveMedicine,
    /// An end date after the summary date, given as if it had happened.
    EndDateInFuture,
    /// An end date before the start date.
    EndBeforeStart,
}

/// A change to a medication.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationChange {
    /// What changed.
    pub kind: ChangeKind,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<FhirDate>,
    /// Which organisation made or recorded the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Detail (`from 5mg once daily`, the reason for stopping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Kinds of medication change.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
}

/// A referenced file of a document.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// MIME type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Where the file can be fetched by an authorised host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// True when the source inlined content that is not carried into the record (not
    /// text, or text too long to show).
    #[serde(default)]
    pub inline_content_omitted: bool,
    /// Inlined plain text (a clinical note sent in the document itself), decoded to be
    /// read; at most [`MAX_INLINE_TEXT`] bytes are carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The most inline text of one attachment carried into the record.
pub const MAX_INLINE_TEXT: usize = 64 * 1024;

/// A member of a care team.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    /// Name of the person or service.
    pub name: String,
    /// Role in the team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Organisation they work for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// How to reach them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<Telecom>,
}
