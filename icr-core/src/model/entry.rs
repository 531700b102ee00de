//! Items of the record, one per fact, each in a section and carrying its provenance.

use serde::{Deserialize, Serialize};

use super::{Code, FhirDate, Provenance, Sensitivity, Telecom};

/// The sections of the record, in the order a clinician reads them: alerts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Care plans (including packages of care).
    CarePlans,
    /// Care team and services involved.
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

    /// The stable identifier used in JSON (`care_team`).
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
            Section::CarePlans => "care_plans",
            Section::CareTeam => "care_team",
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
    /// Where sources disagree about this fact (another dose, another status).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discrepancies: Vec<String>,
    /// Every SNOMED CT and dm+d concept the item carries where a code says what it is or
    /// why (each coding of its code, reasons, coded values, conclusions, document type, its
    /// results and folded parts), for the policy's sensitivity packs. Not serialised.
    #[serde(skip)]
    pub(crate) concepts: Vec<u64>,
    /// Positions, in its source's items, of the items it is linked to there (problem
    /// linkage, the consultation that holds it, reasons and diagnoses). Not serialised.
    #[serde(skip)]
    pub(crate) links: Vec<u32>,
    /// Positions in the merged record of the items it is linked to. Not serialised.
    #[serde(skip)]
    pub(crate) linked_at: Vec<usize>,
}

impl Entry {
    /// The item as a summary shows it: its content with the labels the access decision
    /// gave it, without what only the decision needed (concepts, links).
    #[cfg_attr(not(feature = "trust"), allow(dead_code))]
    pub(crate) fn shown_with(&self, labels: Vec<Sensitivity>) -> Entry {
        Entry {
            id: self.id.clone(),
            section: self.section,
            title: self.title.clone(),
            code: self.code.clone(),
            status: self.status.clone(),
            date: self.date.clone(),
            end_date: self.end_date.clone(),
            recorded: self.recorded.clone(),
            detail: self.detail.clone(),
            notes: self.notes.clone(),
            provenance: self.provenance.clone(),
            sensitivity: labels,
            discrepancies: self.discrepancies.clone(),
            concepts: Vec::new(),
            links: Vec::new(),
            linked_at: Vec::new(),
        }
    }
}

/// The part of an item that depends on its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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
        /// `high`, `low`, `unable-to-assess`.
        #[serde(skip_serializing_if = "Option::is_none")]
        criticality: Option<String>,
        /// `food`, `medication`, `environment`, `biologic`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        category: Vec<String>,
        /// Reactions (manifestation and severity).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reactions: Vec<String>,
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
        /// Inpatient, ambulatory, home visit, …
        #[serde(skip_serializing_if = "Option::is_none")]
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
        /// The files, referenced and never inlined.
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

/// Whether an allergy is current. Resolved allergies are kept and shown as resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    pub issues: u32,
    /// Repeats allowed on the current authorisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats_allowed: Option<String>,
    /// Why it is taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// Changes: started, stopped, dose changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<MedicationChange>,
}

/// A change to a medication.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// Started.
    Started,
    /// Stopped or ended.
    Stopped,
    /// Dose changed.
    DoseChanged,
}

/// One result line of an investigation, with value and unit exactly as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultLine {
    /// The test.
    pub name: String,
    /// The value as sent (`4.0`, `positive`, `<5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The unit as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The first reference range as sent (`3.5-5.3`, `70-100 mg/dL` when its unit is not
    /// the value's, or the source's text): the `range` of the first of
    /// `reference_ranges`, kept for hosts that read only this field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_range: Option<String>,
    /// Every reference range the source sent, in its order, each with what it applies to
    /// (age-, sex- or condition-specific ranges). Absent from summary JSON made before
    /// this field existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_ranges: Vec<ReferenceRange>,
    /// Interpretation (`High`, `Low`, `Abnormal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// True when the source flags the result as outside normal.
    #[serde(default)]
    pub abnormal: bool,
    /// Comments on the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<String>,
}

impl ResultLine {
    /// Every reference range as a line for display ([`ReferenceRange::display`]), first
    /// to last; for a result read from JSON made before `reference_ranges`, its one
    /// `reference_range`.
    pub fn reference_range_lines(&self) -> Vec<String> {
        if self.reference_ranges.is_empty() {
            return self.reference_range.iter().cloned().collect();
        }
        self.reference_ranges
            .iter()
            .map(ReferenceRange::display)
            .collect()
    }
}

/// One reference range of a result, as the source sent it (units kept).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceRange {
    /// `low-high` (`3.5-5.3`, `>=90`), with its unit whenever that is not the value's own
    /// (`70-100 mg/dL`); the source's text when it sent no numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// The source's text for the range, when it sent numbers too and the text differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The populations it applies to, as sent (`Female`, `Pregnant`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
    /// The ages it applies to, with their unit as sent (`0-17 a`, `>=65 years`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<String>,
    /// Its type as sent (`Normal Range`, `Therapeutic Desired Level`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

impl ReferenceRange {
    /// One line for display: the range, then what it applies to in brackets
    /// (`0.5-1.0 (Children; age 1-17 a)`). A type meaning the normal range is left out
    /// of the line, as every range without a type is one.
    pub fn display(&self) -> String {
        let mut qualifiers: Vec<String> = self.applies_to.clone();
        if let Some(age) = &self.age {
            qualifiers.push(format!("age {age}"));
        }
        if let Some(t) = self.type_.as_deref().filter(|t| !is_normal(t)) {
            qualifiers.push(t.to_owned());
        }
        if let (Some(_), Some(text)) = (&self.range, &self.text) {
            qualifiers.push(text.clone());
        }
        let range = self
            .range
            .as_deref()
            .or(self.text.as_deref())
            .unwrap_or("Range not given");
        if qualifiers.is_empty() {
            range.to_owned()
        } else {
            format!("{range} ({})", qualifiers.join("; "))
        }
    }
}

fn is_normal(t: &str) -> bool {
    t.eq_ignore_ascii_case("normal") || t.eq_ignore_ascii_case("normal range")
}

/// A referenced file of a document.
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
    /// True when the source inlined the content (not carried into the record).
    #[serde(default)]
    pub inline_content_omitted: bool,
}

/// A member of a care team.
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
