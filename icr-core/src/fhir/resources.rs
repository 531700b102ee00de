//! The FHIR resources the record is built from, each read in one struct that covers both
//! GP Connect STU3 and R4 (UK Core, plain R4, Synthea). Field names that changed between
//! versions are both present (`assertedDate` and `recordedDate`); shapes that changed are
//! absorbed by the tolerant types in [`super::lenient`] and [`super::datatypes`].

use serde::Deserialize;

use super::datatypes::{
    Address, Annotation, Attachment, CodeableConcept, Coding, ContactPoint, Dosage, Extension,
    HumanName, Identifier, Meta, Period, Quantity, Range, Reference,
};
use super::dispatch::Resource;
use super::lenient::{Many, Str};

/// Declares a resource struct with the elements every resource has (`id`, `meta`,
/// `contained`) followed by its own. Written out rather than `#[serde(flatten)]`,
/// which would buffer every resource before reading it.
macro_rules! resource {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Default, Deserialize)]
        #[serde(rename_all = "camelCase")]
        pub(crate) struct $name<'a> {
            /// Read by [`super::dispatch`] before the rest, and replayed here so that a
            /// second `resourceType` is refused as a duplicate field.
            #[serde(rename = "resourceType", default)]
            pub(crate) _resource_type: serde::de::IgnoredAny,
            #[serde(borrow)]
            pub(crate) id: Option<Str<'a>>,
            #[serde(default, borrow)]
            pub(crate) meta: Meta<'a>,
            #[serde(default, borrow)]
            pub(crate) contained: Many<Resource<'a>>,
            $($(#[$fm])* #[serde(borrow)] pub(crate) $field: $ty,)*
        }
    };
}

resource!(
    /// `Patient`.
    Patient {
        #[serde(default)] identifier: Many<Identifier<'a>>,
        #[serde(default)] name: Many<HumanName<'a>>,
        #[serde(default)] telecom: Many<ContactPoint<'a>>,
        gender: Option<Str<'a>>,
        birth_date: Option<Str<'a>>,
        deceased_boolean: Option<Str<'a>>,
        deceased_date_time: Option<Str<'a>>,
        #[serde(default)] address: Many<Address<'a>>,
        #[serde(default)] general_practitioner: Many<Reference<'a>>,
        managing_organization: Option<Reference<'a>>,
        #[serde(default)] contact: Many<PatientContact<'a>>,
    }
);

/// `Patient.contact`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PatientContact<'a> {
    #[serde(default, borrow)]
    pub relationship: Many<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub name: Option<HumanName<'a>>,
    #[serde(default, borrow)]
    pub telecom: Many<ContactPoint<'a>>,
    #[serde(borrow)]
    pub organization: Option<Reference<'a>>,
}

resource!(
    /// `Organization`.
    Organization {
        #[serde(default)] identifier: Many<Identifier<'a>>,
        name: Option<Str<'a>>,
        #[serde(default)] telecom: Many<ContactPoint<'a>>,
    }
);

resource!(
    /// `Practitioner`.
    Practitioner {
        #[serde(default)] identifier: Many<Identifier<'a>>,
        #[serde(default)] name: Many<HumanName<'a>>,
        #[serde(default)] telecom: Many<ContactPoint<'a>>,
    }
);

resource!(
    /// `PractitionerRole`.
    PractitionerRole {
        practitioner: Option<Reference<'a>>,
        organization: Option<Reference<'a>>,
        #[serde(default)] code: Many<CodeableConcept<'a>>,
        #[serde(default)] telecom: Many<ContactPoint<'a>>,
    }
);

resource!(
    /// Named things referenced for provenance only (`Location`, `HealthcareService`, `Device`).
    Named {
        name: Option<Str<'a>>,
    }
);

resource!(
    /// `RelatedPerson`.
    RelatedPerson {
        patient: Option<Reference<'a>>,
        #[serde(default)] relationship: Many<CodeableConcept<'a>>,
        #[serde(default)] name: Many<HumanName<'a>>,
        #[serde(default)] telecom: Many<ContactPoint<'a>>,
        active: Option<Str<'a>>,
    }
);

resource!(
    /// `List` (GP Connect uses Lists to say what a section holds, or why it is empty).
    List {
        #[serde(default)] extension: Many<Extension<'a>>,
        title: Option<Str<'a>>,
        code: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        encounter: Option<Reference<'a>>,
        #[serde(default)] entry: Many<ListEntry<'a>>,
        empty_reason: Option<CodeableConcept<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

/// `List.entry`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListEntry<'a> {
    #[serde(borrow)]
    pub item: Option<Reference<'a>>,
}

resource!(
    /// `AllergyIntolerance`.
    AllergyIntolerance {
        #[serde(default)] extension: Many<Extension<'a>>,
        clinical_status: Option<CodeableConcept<'a>>,
        verification_status: Option<CodeableConcept<'a>>,
        #[serde(default)] category: Many<Str<'a>>,
        criticality: Option<Str<'a>>,
        code: Option<CodeableConcept<'a>>,
        patient: Option<Reference<'a>>,
        onset_date_time: Option<Str<'a>>,
        onset_period: Option<Period<'a>>,
        onset_string: Option<Str<'a>>,
        asserted_date: Option<Str<'a>>,
        recorded_date: Option<Str<'a>>,
        recorder: Option<Reference<'a>>,
        asserter: Option<Reference<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
        #[serde(default)] reaction: Many<Reaction<'a>>,
    }
);

/// `AllergyIntolerance.reaction`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reaction<'a> {
    #[serde(default, borrow)]
    pub manifestation: Many<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub severity: Option<Str<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    #[serde(borrow)]
    pub onset: Option<Str<'a>>,
}

resource!(
    /// `Condition` (GP Connect's problem header, UK Core's condition).
    Condition {
        #[serde(default)] extension: Many<Extension<'a>>,
        clinical_status: Option<CodeableConcept<'a>>,
        verification_status: Option<CodeableConcept<'a>>,
        code: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        onset_date_time: Option<Str<'a>>,
        onset_period: Option<Period<'a>>,
        onset_string: Option<Str<'a>>,
        abatement_date_time: Option<Str<'a>>,
        abatement_period: Option<Period<'a>>,
        abatement_string: Option<Str<'a>>,
        asserted_date: Option<Str<'a>>,
        recorded_date: Option<Str<'a>>,
        asserter: Option<Reference<'a>>,
        recorder: Option<Reference<'a>>,
        #[serde(default)] evidence: Many<ConditionEvidence<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

/// `Condition.evidence`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConditionEvidence<'a> {
    #[serde(default, borrow)]
    pub code: Many<CodeableConcept<'a>>,
    #[serde(default, borrow)]
    pub detail: Many<Reference<'a>>,
}

resource!(
    /// `MedicationStatement`.
    MedicationStatement {
        #[serde(default)] extension: Many<Extension<'a>>,
        status: Option<Str<'a>>,
        #[serde(default)] status_reason: Many<CodeableConcept<'a>>,
        medication_codeable_concept: Option<CodeableConcept<'a>>,
        medication_reference: Option<Reference<'a>>,
        subject: Option<Reference<'a>>,
        effective_date_time: Option<Str<'a>>,
        #[serde(default)] effective_period: Many<Period<'a>>,
        date_asserted: Option<Str<'a>>,
        information_source: Option<Reference<'a>>,
        #[serde(default)] based_on: Many<Reference<'a>>,
        #[serde(default)] dosage: Many<Dosage<'a>>,
        #[serde(default)] reason_code: Many<CodeableConcept<'a>>,
        #[serde(default)] reason_reference: Many<Reference<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

resource!(
    /// `MedicationRequest` (a GP Connect authorisation `plan` or an issue `order`).
    MedicationRequest {
        #[serde(default)] extension: Many<Extension<'a>>,
        status: Option<Str<'a>>,
        status_reason: Option<CodeableConcept<'a>>,
        medication_codeable_concept: Option<CodeableConcept<'a>>,
        medication_reference: Option<Reference<'a>>,
        subject: Option<Reference<'a>>,
        authored_on: Option<Str<'a>>,
        requester: Option<Reference<'a>>,
        recorder: Option<Reference<'a>>,
        #[serde(default)] based_on: Many<Reference<'a>>,
        #[serde(default)] dosage_instruction: Many<Dosage<'a>>,
        dispense_request: Option<DispenseRequest<'a>>,
        #[serde(default)] reason_code: Many<CodeableConcept<'a>>,
        #[serde(default)] reason_reference: Many<Reference<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

/// `MedicationRequest.dispenseRequest`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DispenseRequest<'a> {
    #[serde(borrow)]
    pub validity_period: Option<Period<'a>>,
    #[serde(borrow)]
    pub quantity: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub number_of_repeats_allowed: Option<Str<'a>>,
}

resource!(
    /// `Medication`.
    Medication {
        code: Option<CodeableConcept<'a>>,
    }
);

resource!(
    /// `Observation` (a result, a test group header, a filing comment or a measurement).
    Observation {
        status: Option<Str<'a>>,
        code: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        effective_date_time: Option<Str<'a>>,
        effective_period: Option<Period<'a>>,
        issued: Option<Str<'a>>,
        #[serde(default)] performer: Many<Reference<'a>>,
        value_quantity: Option<Quantity<'a>>,
        value_string: Option<Str<'a>>,
        value_codeable_concept: Option<CodeableConcept<'a>>,
        value_boolean: Option<Str<'a>>,
        value_integer: Option<Str<'a>>,
        /// Boxed, as it is rare: the resource stays within the allocator's fast path.
        value_range: Option<Box<Range<'a>>>,
        value_date_time: Option<Str<'a>>,
        data_absent_reason: Option<CodeableConcept<'a>>,
        #[serde(default)] interpretation: Many<CodeableConcept<'a>>,
        #[serde(default)] reference_range: Many<ObservationReferenceRange<'a>>,
        comment: Option<Str<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
        #[serde(default)] related: Many<ObservationRelated<'a>>,
        #[serde(default)] has_member: Many<Reference<'a>>,
        #[serde(default)] component: Many<ObservationComponent<'a>>,
    }
);

/// `Observation.referenceRange`: a range and whom it applies to (STU3 and R4 alike).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObservationReferenceRange<'a> {
    #[serde(borrow)]
    pub low: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub high: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
    #[serde(rename = "type", borrow)]
    pub type_: Option<CodeableConcept<'a>>,
    #[serde(default, borrow)]
    pub applies_to: Many<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub age: Option<Range<'a>>,
}

/// `Observation.related` (STU3 test groups).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObservationRelated<'a> {
    #[serde(rename = "type", borrow)]
    pub type_: Option<Str<'a>>,
    #[serde(borrow)]
    pub target: Option<Reference<'a>>,
}

/// `Observation.component` (blood pressure and other panels).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObservationComponent<'a> {
    #[serde(borrow)]
    pub code: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub value_quantity: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub value_string: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_codeable_concept: Option<CodeableConcept<'a>>,
    #[serde(default, borrow)]
    pub interpretation: Many<CodeableConcept<'a>>,
    #[serde(default, borrow)]
    pub reference_range: Many<ObservationReferenceRange<'a>>,
}

resource!(
    /// `DiagnosticReport`.
    DiagnosticReport {
        status: Option<Str<'a>>,
        #[serde(default)] category: Many<CodeableConcept<'a>>,
        code: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        effective_date_time: Option<Str<'a>>,
        effective_period: Option<Period<'a>>,
        issued: Option<Str<'a>>,
        #[serde(default)] performer: Many<Reference<'a>>,
        #[serde(default)] result: Many<Reference<'a>>,
        conclusion: Option<Str<'a>>,
        #[serde(default, alias = "codedDiagnosis")] conclusion_code: Many<CodeableConcept<'a>>,
    }
);

resource!(
    /// `Immunization`.
    Immunization {
        #[serde(default)] extension: Many<Extension<'a>>,
        status: Option<Str<'a>>,
        not_given: Option<Str<'a>>,
        vaccine_code: Option<CodeableConcept<'a>>,
        patient: Option<Reference<'a>>,
        date: Option<Str<'a>>,
        occurrence_date_time: Option<Str<'a>>,
        occurrence_string: Option<Str<'a>>,
        recorded: Option<Str<'a>>,
        lot_number: Option<Str<'a>>,
        site: Option<CodeableConcept<'a>>,
        route: Option<CodeableConcept<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
        #[serde(default)] vaccination_protocol: Many<DoseProtocol<'a>>,
        #[serde(default)] protocol_applied: Many<DoseProtocol<'a>>,
    }
);

/// `Immunization.vaccinationProtocol` (STU3) / `protocolApplied` (R4).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DoseProtocol<'a> {
    #[serde(borrow)]
    pub dose_sequence: Option<Str<'a>>,
    #[serde(borrow)]
    pub dose_number_positive_int: Option<Str<'a>>,
    #[serde(borrow)]
    pub dose_number_string: Option<Str<'a>>,
}

resource!(
    /// `Procedure`.
    Procedure {
        status: Option<Str<'a>>,
        code: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        performed_date_time: Option<Str<'a>>,
        performed_period: Option<Period<'a>>,
        performed_string: Option<Str<'a>>,
        #[serde(default)] performer: Many<Reference<'a>>,
        #[serde(default)] reason_code: Many<CodeableConcept<'a>>,
        #[serde(default)] reason_reference: Many<Reference<'a>>,
        outcome: Option<CodeableConcept<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

resource!(
    /// `ReferralRequest` (STU3), `ServiceRequest` (R4) and `ProcedureRequest` (STU3 diary entry).
    Request {
        status: Option<Str<'a>>,
        priority: Option<Str<'a>>,
        #[serde(rename = "type")] type_: Option<CodeableConcept<'a>>,
        code: Option<CodeableConcept<'a>>,
        #[serde(default)] service_requested: Many<CodeableConcept<'a>>,
        specialty: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        occurrence_date_time: Option<Str<'a>>,
        occurrence_period: Option<Period<'a>>,
        authored_on: Option<Str<'a>>,
        requester: Option<Reference<'a>>,
        #[serde(default)] recipient: Many<Reference<'a>>,
        #[serde(default)] performer: Many<Reference<'a>>,
        #[serde(default)] reason_code: Many<CodeableConcept<'a>>,
        #[serde(default)] reason_reference: Many<Reference<'a>>,
        #[serde(default)] supporting_info: Many<Reference<'a>>,
        description: Option<Str<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

resource!(
    /// `Encounter`.
    Encounter {
        status: Option<Str<'a>>,
        #[serde(rename = "class")] class: Option<Coding<'a>>,
        #[serde(default, rename = "type")] type_: Many<CodeableConcept<'a>>,
        service_type: Option<CodeableConcept<'a>>,
        priority: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        #[serde(default)] participant: Many<Participant<'a>>,
        period: Option<Period<'a>>,
        #[serde(default)] reason_code: Many<CodeableConcept<'a>>,
        #[serde(default)] reason: Many<CodeableConcept<'a>>,
        #[serde(default)] reason_reference: Many<Reference<'a>>,
        #[serde(default)] diagnosis: Many<EncounterDiagnosis<'a>>,
        hospitalization: Option<Hospitalization<'a>>,
        #[serde(default)] location: Many<EncounterLocation<'a>>,
        service_provider: Option<Reference<'a>>,
    }
);

/// `Encounter.participant`, `Appointment.participant`, `CareTeam.participant`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Participant<'a> {
    #[serde(default, borrow)]
    pub role: Many<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub individual: Option<Reference<'a>>,
    #[serde(borrow)]
    pub actor: Option<Reference<'a>>,
    #[serde(borrow)]
    pub member: Option<Reference<'a>>,
    #[serde(borrow)]
    pub on_behalf_of: Option<Reference<'a>>,
}

/// `Encounter.diagnosis`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EncounterDiagnosis<'a> {
    #[serde(borrow)]
    pub condition: Option<Reference<'a>>,
}

/// `Encounter.hospitalization`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Hospitalization<'a> {
    #[serde(borrow)]
    pub discharge_disposition: Option<CodeableConcept<'a>>,
    /// Where the patient came from (HL7 `admit-source`: `emd` is the emergency department).
    #[serde(borrow)]
    pub admit_source: Option<CodeableConcept<'a>>,
    /// The UK Core (and CareConnect) admission method extension among others.
    #[serde(default, borrow)]
    pub extension: Many<Extension<'a>>,
}

/// `Encounter.location`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EncounterLocation<'a> {
    #[serde(borrow)]
    pub location: Option<Reference<'a>>,
}

resource!(
    /// `Appointment`.
    Appointment {
        status: Option<Str<'a>>,
        #[serde(default)] service_type: Many<CodeableConcept<'a>>,
        appointment_type: Option<CodeableConcept<'a>>,
        #[serde(default)] reason_code: Many<CodeableConcept<'a>>,
        #[serde(default)] reason_reference: Many<Reference<'a>>,
        #[serde(default)] indication: Many<Reference<'a>>,
        #[serde(default)] incoming_referral: Many<Reference<'a>>,
        #[serde(default)] based_on: Many<Reference<'a>>,
        description: Option<Str<'a>>,
        start: Option<Str<'a>>,
        end: Option<Str<'a>>,
        comment: Option<Str<'a>>,
        #[serde(default)] participant: Many<Participant<'a>>,
    }
);

resource!(
    /// `DocumentReference`.
    DocumentReference {
        status: Option<Str<'a>>,
        doc_status: Option<Str<'a>>,
        #[serde(rename = "type")] type_: Option<CodeableConcept<'a>>,
        #[serde(default)] category: Many<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        date: Option<Str<'a>>,
        created: Option<Str<'a>>,
        indexed: Option<Str<'a>>,
        #[serde(default)] author: Many<Reference<'a>>,
        custodian: Option<Reference<'a>>,
        description: Option<Str<'a>>,
        #[serde(default)] content: Many<DocumentContent<'a>>,
        #[serde(default)] security_label: Many<CodeableConcept<'a>>,
    }
);

/// `DocumentReference.content`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DocumentContent<'a> {
    #[serde(borrow)]
    pub attachment: Option<Attachment<'a>>,
}

resource!(
    /// `CarePlan`.
    CarePlan {
        status: Option<Str<'a>>,
        #[serde(default)] category: Many<CodeableConcept<'a>>,
        title: Option<Str<'a>>,
        description: Option<Str<'a>>,
        subject: Option<Reference<'a>>,
        period: Option<Period<'a>>,
        created: Option<Str<'a>>,
        #[serde(default)] author: Many<Reference<'a>>,
        #[serde(default)] activity: Many<CarePlanActivity<'a>>,
        #[serde(default)] note: Many<Annotation<'a>>,
    }
);

/// `CarePlan.activity`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CarePlanActivity<'a> {
    #[serde(borrow)]
    pub detail: Option<CarePlanDetail<'a>>,
}

/// `CarePlan.activity.detail`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CarePlanDetail<'a> {
    #[serde(borrow)]
    pub code: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub description: Option<Str<'a>>,
    #[serde(borrow)]
    pub scheduled_string: Option<Str<'a>>,
}

resource!(
    /// `CareTeam`.
    CareTeam {
        status: Option<Str<'a>>,
        #[serde(default)] category: Many<CodeableConcept<'a>>,
        name: Option<Str<'a>>,
        subject: Option<Reference<'a>>,
        period: Option<Period<'a>>,
        #[serde(default)] participant: Many<Participant<'a>>,
        #[serde(default)] managing_organization: Many<Reference<'a>>,
    }
);

resource!(
    /// `Flag` (alerts, including safeguarding).
    Flag {
        status: Option<Str<'a>>,
        #[serde(default)] category: Many<CodeableConcept<'a>>,
        code: Option<CodeableConcept<'a>>,
        subject: Option<Reference<'a>>,
        period: Option<Period<'a>>,
        author: Option<Reference<'a>>,
    }
);

resource!(
    /// `OperationOutcome` (a supplier's warning or error inside a response).
    OperationOutcome {
        #[serde(default)] issue: Many<OutcomeIssue<'a>>,
    }
);

/// `OperationOutcome.issue`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutcomeIssue<'a> {
    #[serde(borrow)]
    pub code: Option<Str<'a>>,
    #[serde(borrow)]
    pub details: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub diagnostics: Option<Str<'a>>,
}

resource!(
    /// `Bundle`.
    Bundle {
        #[serde(default)] entry: Many<BundleEntry<'a>>,
    }
);

/// `Bundle.entry`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BundleEntry<'a> {
    #[serde(borrow)]
    pub full_url: Option<Str<'a>>,
    #[serde(borrow)]
    pub resource: Option<Resource<'a>>,
}

resource!(
    /// Any other resource: read for its type, id and subject so that it can be reported.
    Other {
        subject: Option<Reference<'a>>,
        patient: Option<Reference<'a>>,
    }
);
