//! One FHIR resource of any type, read in a single pass.
//!
//! `resourceType` decides which struct the rest of the object is read into. FHIR JSON
//! conventionally puts it first, and then no byte is read twice; when it comes later, the
//! members before it are kept as borrowed raw JSON and replayed, so the order of keys never
//! changes the result.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::lenient::Str;
use super::resources::*;

/// A resource as read, by type. Types the record does not use are kept as [`Other`], so
/// they can still be counted and reported.
#[derive(Debug)]
#[allow(missing_docs)]
pub(crate) enum Resource<'a> {
    Patient(Box<Patient<'a>>),
    Organization(Box<Organization<'a>>),
    Practitioner(Box<Practitioner<'a>>),
    PractitionerRole(Box<PractitionerRole<'a>>),
    Location(Box<Named<'a>>),
    HealthcareService(Box<Named<'a>>),
    RelatedPerson(Box<RelatedPerson<'a>>),
    List(Box<List<'a>>),
    AllergyIntolerance(Box<AllergyIntolerance<'a>>),
    Condition(Box<Condition<'a>>),
    MedicationStatement(Box<MedicationStatement<'a>>),
    MedicationRequest(Box<MedicationRequest<'a>>),
    Medication(Box<Medication<'a>>),
    Observation(Box<Observation<'a>>),
    DiagnosticReport(Box<DiagnosticReport<'a>>),
    Immunization(Box<Immunization<'a>>),
    Procedure(Box<Procedure<'a>>),
    ReferralRequest(Box<Request<'a>>),
    ServiceRequest(Box<Request<'a>>),
    ProcedureRequest(Box<Request<'a>>),
    Encounter(Box<Encounter<'a>>),
    Appointment(Box<Appointment<'a>>),
    DocumentReference(Box<DocumentReference<'a>>),
    CarePlan(Box<CarePlan<'a>>),
    CareTeam(Box<CareTeam<'a>>),
    Flag(Box<Flag<'a>>),
    OperationOutcome(Box<OperationOutcome<'a>>),
    Bundle(Box<Bundle<'a>>),
    /// A resource of a type the record does not read.
    Other(Str<'a>, Box<Other<'a>>),
    /// An object with no `resourceType`.
    Untyped(Box<Other<'a>>),
    /// A resource that could not be read; only its type and id survive, with why.
    Invalid(Box<Invalid>),
}

/// What survives of a resource that could not be read.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub resource_type: Option<String>,
    pub id: Option<String>,
    pub reason: String,
}

impl<'a> Resource<'a> {
    /// The `resourceType` as sent (`None` for an untyped object).
    pub(crate) fn type_name(&self) -> Option<&str> {
        Some(match self {
            Resource::Patient(_) => "Patient",
            Resource::Organization(_) => "Organization",
            Resource::Practitioner(_) => "Practitioner",
            Resource::PractitionerRole(_) => "PractitionerRole",
            Resource::Location(_) => "Location",
            Resource::HealthcareService(_) => "HealthcareService",
            Resource::RelatedPerson(_) => "RelatedPerson",
            Resource::List(_) => "List",
            Resource::AllergyIntolerance(_) => "AllergyIntolerance",
            Resource::Condition(_) => "Condition",
            Resource::MedicationStatement(_) => "MedicationStatement",
            Resource::MedicationRequest(_) => "MedicationRequest",
            Resource::Medication(_) => "Medication",
            Resource::Observation(_) => "Observation",
            Resource::DiagnosticReport(_) => "DiagnosticReport",
            Resource::Immunization(_) => "Immunization",
            Resource::Procedure(_) => "Procedure",
            Resource::ReferralRequest(_) => "ReferralRequest",
            Resource::ServiceRequest(_) => "ServiceRequest",
            Resource::ProcedureRequest(_) => "ProcedureRequest",
            Resource::Encounter(_) => "Encounter",
            Resource::Appointment(_) => "Appointment",
            Resource::DocumentReference(_) => "DocumentReference",
            Resource::CarePlan(_) => "CarePlan",
            Resource::CareTeam(_) => "CareTeam",
            Resource::Flag(_) => "Flag",
            Resource::OperationOutcome(_) => "OperationOutcome",
            Resource::Bundle(_) => "Bundle",
            Resource::Other(t, _) => t.as_str(),
            Resource::Untyped(_) => return None,
            Resource::Invalid(i) => return i.resource_type.as_deref(),
        })
    }

    /// The logical id, if any.
    pub(crate) fn id(&self) -> Option<&str> {
        macro_rules! id_of {
            ($($v:ident),*) => {
                match self {
                    $(Resource::$v(r) => r.id.as_ref().map(Str::as_str),)*
                    Resource::Other(_, r) | Resource::Untyped(r) => r.id.as_ref().map(Str::as_str),
                    Resource::Invalid(i) => i.id.as_deref(),
                }
            };
        }
        id_of!(
            Patient,
            Organization,
            Practitioner,
            PractitionerRole,
            Location,
            HealthcareService,
            RelatedPerson,
            List,
            AllergyIntolerance,
            Condition,
            MedicationStatement,
            MedicationRequest,
            Medication,
            Observation,
            DiagnosticReport,
            Immunization,
            Procedure,
            ReferralRequest,
            ServiceRequest,
            ProcedureRequest,
            Encounter,
            Appointment,
            DocumentReference,
            CarePlan,
            CareTeam,
            Flag,
            OperationOutcome,
            Bundle
        )
    }

    /// `meta` of the resource (empty for invalid ones).
    pub(crate) fn meta(&self) -> Option<&super::datatypes::Meta<'a>> {
        macro_rules! meta_of {
            ($($v:ident),*) => {
                match self {
                    $(Resource::$v(r) => Some(&r.meta),)*
                    Resource::Other(_, r) | Resource::Untyped(r) => Some(&r.meta),
                    Resource::Invalid(_) => None,
                }
            };
        }
        meta_of!(
            Patient,
            Organization,
            Practitioner,
            PractitionerRole,
            Location,
            HealthcareService,
            RelatedPerson,
            List,
            AllergyIntolerance,
            Condition,
            MedicationStatement,
            MedicationRequest,
            Medication,
            Observation,
            DiagnosticReport,
            Immunization,
            Procedure,
            ReferralRequest,
            ServiceRequest,
            ProcedureRequest,
            Encounter,
            Appointment,
            DocumentReference,
            CarePlan,
            CareTeam,
            Flag,
            OperationOutcome,
            Bundle
        )
    }

    /// The `contained` resources.
    pub(crate) fn contained(&self) -> &[Resource<'a>] {
        macro_rules! contained_of {
            ($($v:ident),*) => {
                match self {
                    $(Resource::$v(r) => &r.contained.0,)*
                    Resource::Other(_, r) | Resource::Untyped(r) => &r.contained.0,
                    Resource::Invalid(_) => &[],
                }
            };
        }
        contained_of!(
            Patient,
            Organization,
            Practitioner,
            PractitionerRole,
            Location,
            HealthcareService,
            RelatedPerson,
            List,
            AllergyIntolerance,
            Condition,
            MedicationStatement,
            MedicationRequest,
            Medication,
            Observation,
            DiagnosticReport,
            Immunization,
            Procedure,
            ReferralRequest,
            ServiceRequest,
            ProcedureRequest,
            Encounter,
            Appointment,
            DocumentReference,
            CarePlan,
            CareTeam,
            Flag,
            OperationOutcome,
            Bundle
        )
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Resource<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ResourceVisitor(PhantomData))
    }
}

struct ResourceVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ResourceVisitor<'a> {
    type Value = Resource<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a FHIR resource (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut before: Vec<(Str<'de>, &'de RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if key.as_str() == "resourceType" {
                let resource_type: Str<'de> = map.next_value()?;
                let replay = Replay::new(Some(resource_type.clone()), before, map);
                return dispatch(resource_type, replay);
            }
            before.push((key, map.next_value()?));
        }
        Other::deserialize(MapAccessDeserializer::new(Replay::new(None, before, map)))
            .map(|o| Resource::Untyped(Box::new(o)))
    }
}

fn dispatch<'de, M: MapAccess<'de>>(rt: Str<'de>, map: M) -> Result<Resource<'de>, M::Error> {
    let d = MapAccessDeserializer::new(map);
    macro_rules! read {
        ($variant:ident, $ty:ident) => {
            Resource::$variant(Box::new($ty::deserialize(d)?))
        };
    }
    Ok(match rt.as_str() {
        "Patient" => read!(Patient, Patient),
        "Organization" => read!(Organization, Organization),
        "Practitioner" => read!(Practitioner, Practitioner),
        "PractitionerRole" => read!(PractitionerRole, PractitionerRole),
        "Location" => read!(Location, Named),
        "HealthcareService" => read!(HealthcareService, Named),
        "RelatedPerson" => read!(RelatedPerson, RelatedPerson),
        "List" => read!(List, List),
        "AllergyIntolerance" => read!(AllergyIntolerance, AllergyIntolerance),
        "Condition" => read!(Condition, Condition),
        "MedicationStatement" => read!(MedicationStatement, MedicationStatement),
        "MedicationRequest" => read!(MedicationRequest, MedicationRequest),
        "Medication" => read!(Medication, Medication),
        "Observation" => read!(Observation, Observation),
        "DiagnosticReport" => read!(DiagnosticReport, DiagnosticReport),
        "Immunization" => read!(Immunization, Immunization),
        "Procedure" => read!(Procedure, Procedure),
        "ReferralRequest" => read!(ReferralRequest, Request),
        "ServiceRequest" => read!(ServiceRequest, Request),
        "ProcedureRequest" => read!(ProcedureRequest, Request),
        "Encounter" => read!(Encounter, Encounter),
        "Appointment" => read!(Appointment, Appointment),
        "DocumentReference" => read!(DocumentReference, DocumentReference),
        "CarePlan" => read!(CarePlan, CarePlan),
        "CareTeam" => read!(CareTeam, CareTeam),
        "Flag" => read!(Flag, Flag),
        "OperationOutcome" => read!(OperationOutcome, OperationOutcome),
        "Bundle" => read!(Bundle, Bundle),
        // Any other type is kept by name only when it is one (a capitalised word of
        // letters): anything else would be echoed into reports as the source wrote it.
        other if is_type_name(other) => Resource::Other(rt, Box::new(Other::deserialize(d)?)),
        _ => {
            return Err(de::Error::custom(
                "resourceType is not a resource type name",
            ));
        }
    })
}

/// A FHIR `id`: 1 to 64 of `A-Z a-z 0-9 - .`.
pub(crate) fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
}

/// A FHIR resource type name: an upper-case ASCII letter, then letters, at most 64.
pub(crate) fn is_type_name(s: &str) -> bool {
    s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && s.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Replays `resourceType` and the members read before it (as raw JSON), then hands the
/// rest of the object to the reader untouched. Every resource struct declares
/// `resourceType`, so a second one is refused as a duplicate field (it would otherwise be
/// ignored, and a document could say two things about what a resource is).
struct Replay<'de, A> {
    resource_type: Option<Str<'de>>,
    before: std::vec::IntoIter<(Str<'de>, &'de RawValue)>,
    pending: Option<Pending<'de>>,
    rest: A,
}

/// The value of the key just replayed.
enum Pending<'de> {
    ResourceType(Str<'de>),
    Raw(&'de RawValue),
}

impl<'de, A> Replay<'de, A> {
    fn new(
        resource_type: Option<Str<'de>>,
        before: Vec<(Str<'de>, &'de RawValue)>,
        rest: A,
    ) -> Self {
        Replay {
            resource_type,
            before: before.into_iter(),
            pending: None,
            rest,
        }
    }
}

fn key_seed<'de, K: DeserializeSeed<'de>, E: de::Error>(
    seed: K,
    key: Str<'de>,
) -> Result<K::Value, E> {
    match key.0 {
        std::borrow::Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::<E>::new(k)),
        std::borrow::Cow::Owned(k) => seed.deserialize(StringDeserializer::<E>::new(k)),
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        if let Some(resource_type) = self.resource_type.take() {
            self.pending = Some(Pending::ResourceType(resource_type));
            return key_seed(seed, Str(std::borrow::Cow::Borrowed("resourceType"))).map(Some);
        }
        match self.before.next() {
            Some((key, raw)) => {
                self.pending = Some(Pending::Raw(raw));
                key_seed(seed, key).map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.pending.take() {
            Some(Pending::ResourceType(value)) => key_seed(seed, value),
            Some(Pending::Raw(raw)) => {
                let mut de = serde_json::Deserializer::from_str(raw.get());
                seed.deserialize(&mut de).map_err(de::Error::custom)
            }
            None => self.rest.next_value_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_type_anywhere_in_the_object_gives_the_same_result() -> Result<(), serde_json::Error>
    {
        let first = r#"{"resourceType":"Condition","id":"c1","code":{"text":"Asthma"}}"#;
        let last = r#"{"id":"c1","code":{"text":"Asthma"},"resourceType":"Condition"}"#;
        for json in [first, last] {
            match serde_json::from_str::<Resource>(json)? {
                Resource::Condition(c) => {
                    assert_eq!(c.id.as_ref().map(Str::as_str), Some("c1"));
                    let text = c
                        .code
                        .as_ref()
                        .and_then(|c| c.text.as_ref())
                        .map(Str::as_str);
                    assert_eq!(text, Some("Asthma"));
                }
                other => panic!("expected a Condition, got {:?}", other.type_name()),
            }
        }
        Ok(())
    }

    #[test]
    fn a_second_resource_type_is_refused_wherever_the_first_is() {
        for json in [
            r#"{"resourceType":"Condition","id":"c1","resourceType":"Patient"}"#,
            r#"{"id":"c1","resourceType":"Condition","resourceType":"Patient"}"#,
            r#"{"resourceType":"Claim","resourceType":"Condition"}"#,
        ] {
            let read = serde_json::from_str::<Resource>(json);
            let message = read.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.contains("duplicate field `resourceType`"),
                "{json}: {message}"
            );
        }
    }

    #[test]
    fn untyped_and_unknown_types_are_kept_for_reporting() -> Result<(), serde_json::Error> {
        let r: Resource = serde_json::from_str(r#"{"id":"x","status":"final"}"#)?;
        assert!(matches!(r, Resource::Untyped(_)));
        assert_eq!(r.id(), Some("x"));
        let r: Resource = serde_json::from_str(r#"{"resourceType":"Claim","id":"y"}"#)?;
        assert_eq!(r.type_name(), Some("Claim"));
        Ok(())
    }
}
