//! Export of an entry as a FHIR R4 `AuditEvent` following IHE Basic Audit Log Patterns
//! (BALP, `https://profiles.ihe.net/ITI/BALP`), for national and regional audit stores.
//!
//! # What each kind of entry becomes
//!
//! | kind | `type` / `subtype` | `action` | client agent | ICR agent | BALP profile claimed |
//! |---|---|---|---|---|---|
//! | `record_viewed` | `rest` / `read` | `R` | DCM 110152 Destination Role ID | DCM 110153 Source Role ID | `PatientRead` (success) |
//! | `access_denied` | `rest` / `read` | `R` | DCM 110152 | DCM 110153 | none (a failure) |
//! | `session_opened`, `session_refused` | DCM 110114 User Authentication / 110122 Login | `E` | DCM 110150 Application | `authserver` | none |
//! | `break_glass` | DCM 110113 Security Alert / 110127 Emergency Override Started | `E` | DCM 110150 | `authserver` | none |
//! | `opt_out_recorded` | `rest` / `update` | `U` | DCM 110153 Source Role ID | DCM 110152 Destination Role ID | none |
//! | `log_recovered` | DCM 110113 / 110134 Audit Recording Started | `E` | (none) | DCM 110150 Application | none |
//!
//! The agent roles follow BALP's data-flow rule: for a read the data flows from the ICR
//! (source) to the host application the user works in (destination); for the opt-out
//! register the change flows from the host to the ICR. Authorisation events name the
//! ICR as the authorisation server and the host as the application, as BALP's `AuthZ`
//! pattern does.
//!
//! # Why a view is `PatientRead`, not `PatientQuery`
//!
//! A view (`Session::summary`) shows one patient's record, assembled from many
//! resources, to one user. `PatientQuery` records a search *request*: its `query`
//! entity must hold the raw request (base64) and BALP says the results are not
//! recorded. The host asks for no search (the searches the fetch sends to the sources
//! are theirs to audit) and the ICR must name every item shown and withheld (hazard
//! H14). `PatientRead` (action `R`, "read/view/print") is the disclosure of data about
//! one patient to a user: its one `data` entity is the summary shown (`Report`), the
//! patient entity names the patient, and each item shown or withheld follows as an
//! entity of its own, typed by its FHIR resource type (`resource-types`, which
//! `AuditEventEntityType` includes) so that it does not fall into BALP's `data` slice
//! (sliced by `type`, one only).
//!
//! BALP's read profile fixes `outcome` to success: "failures are recorded differently",
//! following FHIR's access-denied guidance. A denied or failed request keeps the read's
//! shape with `outcome` `4` (denied by a rule) or `8` (failed), its reason code in
//! `outcomeDesc`, and claims no profile.
//!
//! A profile is claimed (`meta.profile`) only when the event satisfies it. `PatientRead`
//! needs each system's network address (`agent.network`), which the log does not hold:
//! the deployment gives them in [`AuditSystems`]. Without them the event has the same
//! shape but claims nothing.
//!
//! # People and purposes
//!
//! The user is an agent of type `v3-ParticipationType` `IRCP` (information recipient;
//! `AUT`, author, for an opt-out they recorded): `who` is the SDS user id, `name` their
//! name, `role` the SDS role profile with the policy role as text, `policy` the launch
//! token id (`urn:ietf:params:oauth:jti:…`, as BALP records a token), `requestor`
//! true. `purposeOfUse` is the session's purpose (`direct-care` is `v3-ActReason`
//! `TREAT`; a purpose without an agreed code is kept as text only) and, when the rules
//! were overridden (a break-glass entry, or a view while break-glass was in force),
//! `BTG` ("break the glass") first, with the justification as its text. The user's
//! organisation is an agent of its own (`v3-RoleClass` `PROV`, ODS code), as BALP's
//! `AuthZ` pattern names it. A restricted patient's event is labelled
//! `meta.security` `v3-Confidentiality` `R`.
//!
//! # The entry itself: the key for an idempotent resend
//!
//! R4's `AuditEvent` has no `identifier`. Every event carries one entity for the log
//! entry it was exported from: `type` `audit-entity-type` `4` (Other), `what.identifier`
//! `{system: "urn:icr-sdk:audit-entry", value: <the entry's MAC, hex>}`, and details
//! `sequence`, `mac` and `previous-mac` (the chain), `kind`, `session` and, when
//! present, `token`, `relationship`, `reason` and `restricted`. The MAC is unique per
//! entry and chain (it covers the sequence number and the previous MAC under the key),
//! reveals nothing without the key, and is the same every time the entry is exported,
//! so a shipper creates each event with `If-None-Exist:
//! entity:identifier=urn:icr-sdk:audit-entry|<mac>` (the R4 `:identifier` modifier on
//! the `entity` reference parameter, `AuditEvent.entity.what`) and a resend finds the
//! event already there. Nothing in the event depends on when it is exported.

use serde_json::{Map, Value, json};

use super::{AuditEntry, AuditKind, AuditOutcome, AuditRecord};

/// `what.identifier.system` of the entity naming the log entry an event was exported
/// from; its value is the entry's MAC. The key of an idempotent resend.
pub const AUDIT_ENTRY_SYSTEM: &str = "urn:icr-sdk:audit-entry";
/// `what.identifier.system` of the entities naming the items shown or withheld; the
/// value is the item id (`{ODS code}/{resource type}/{id}`).
pub const AUDIT_ITEM_SYSTEM: &str = "urn:icr-sdk:item";
/// The BALP profile a successful view claims.
pub const BALP_PATIENT_READ: &str =
    "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead";

const AUDIT_EVENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-event-type";
const RESTFUL_INTERACTION: &str = "http://hl7.org/fhir/restful-interaction";
const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
const PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const ROLE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleClass";
const SECURITY_ROLE: &str = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";
const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
const SDS_USER_ID: &str = "https://fhir.nhs.uk/Id/sds-user-id";
const SDS_ROLE_PROFILE_ID: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";
const ODS_CODE: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const RESOURCE_TYPES: &str = "http://hl7.org/fhir/resource-types";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const SOURCE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/security-source-type";
const JTI_PREFIX: &str = "urn:ietf:params:oauth:jti:";

/// R4 resource types an item can come from (an STU3-only type, such as GP Connect's
/// `ProcedureRequest`, is not an R4 code: such an item's entity is typed `Other`).
const R4_ITEM_TYPES: &[&str] = &[
    "AllergyIntolerance",
    "Appointment",
    "CarePlan",
    "CareTeam",
    "ClinicalImpression",
    "Communication",
    "Composition",
    "Condition",
    "Consent",
    "Device",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "EpisodeOfCare",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "HealthcareService",
    "Immunization",
    "List",
    "Location",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Organization",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RiskAssessment",
    "ServiceRequest",
    "Specimen",
];

/// One system an event names: the ICR deployment, or the host application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSystem {
    /// Its name (`who.display`).
    pub name: String,
    /// Its network address: a host name, an IP address or a URI (`agent.network`).
    /// BALP's read profile requires one for both systems.
    pub address: Option<String>,
}

/// The systems an event names besides the people: facts of the deployment, which the
/// log does not hold (one ICR deployment serves its host application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSystems {
    /// The ICR deployment that assembled the record and keeps the log: the server agent
    /// and `source.observer`. Default: `ICR SDK <version>`, no address.
    pub server: AuditSystem,
    /// The host application the user works in, which launched the ICR: the client
    /// agent. Default: `host application`, no address.
    pub client: AuditSystem,
}

impl Default for AuditSystems {
    fn default() -> Self {
        AuditSystems {
            server: AuditSystem {
                name: concat!("ICR SDK ", env!("CARGO_PKG_VERSION")).to_owned(),
                address: None,
            },
            client: AuditSystem {
                name: "host application".to_owned(),
                address: None,
            },
        }
    }
}

/// The entry as a FHIR R4 `AuditEvent` following BALP (see the module documentation),
/// with the default [`AuditSystems`] (no network addresses, so no profile is claimed).
pub fn to_fhir_audit_event(entry: &AuditEntry) -> Value {
    to_balp_audit_event(entry, &AuditSystems::default())
}

/// The entry as a FHIR R4 `AuditEvent` following BALP, naming `systems` as the server
/// and client agents (see the module documentation). Deterministic: the same entry and
/// systems give the same event.
pub fn to_balp_audit_event(entry: &AuditEntry, systems: &AuditSystems) -> Value {
    let r = &entry.record;
    let pattern = Pattern::of(r.kind);
    let user_present = !r.user_id.trim().is_empty();
    let mut agents = Vec::new();
    if user_present {
        agents.push(user_agent(r, pattern));
        if !r.organisation.trim().is_empty() {
            agents.push(json!({
                "type": concept(ROLE_CLASS, "PROV", "healthcare provider"),
                "who": {
                    "type": "Organization",
                    "identifier": {"system": ODS_CODE, "value": r.organisation},
                },
                "requestor": false,
            }));
        }
    }
    if let Some((code, display)) = pattern.client {
        agents.push(system_agent(&systems.client, DCM, code, display, false));
    }
    let (system, code, display) = pattern.server;
    agents.push(system_agent(
        &systems.server,
        system,
        code,
        display,
        !user_present,
    ));

    let mut entities = Vec::new();
    if let Some(patient) = non_empty(&r.patient) {
        entities.push(json!({
            "what": {
                "type": "Patient",
                "identifier": {"system": NHS_NUMBER, "value": patient},
            },
            "type": coding(ENTITY_TYPE, "1", "Person"),
            "role": coding(OBJECT_ROLE, "1", "Patient"),
        }));
    }
    if let Some(data) = data_entity(r, pattern) {
        entities.push(data);
    }
    entities.push(entry_entity(entry));
    entities.extend(item_entities(&r.items_shown, "shown", "shown to the user"));
    entities.extend(item_entities(
        &r.items_withheld,
        "withheld",
        "withheld from the user",
    ));

    let (outcome, failed) = match r.outcome {
        AuditOutcome::Success => ("0", false),
        AuditOutcome::Denied => ("4", true),
        AuditOutcome::Failed => ("8", true),
    };
    let mut event = Map::new();
    event.insert("resourceType".into(), json!("AuditEvent"));
    let mut meta = Map::new();
    let claims_read = r.kind == AuditKind::RecordViewed
        && r.outcome == AuditOutcome::Success
        && user_present
        && non_empty(&r.patient).is_some()
        && non_empty(&systems.server.address).is_some()
        && non_empty(&systems.client.address).is_some();
    if claims_read {
        meta.insert("profile".into(), json!([BALP_PATIENT_READ]));
    }
    if r.restricted {
        meta.insert(
            "security".into(),
            json!([coding(CONFIDENTIALITY, "R", "restricted")]),
        );
    }
    if !meta.is_empty() {
        event.insert("meta".into(), Value::Object(meta));
    }
    let (system, code, display) = pattern.event_type;
    event.insert("type".into(), coding(system, code, display));
    let (system, code, display) = pattern.subtype;
    event.insert("subtype".into(), json!([coding(system, code, display)]));
    event.insert("action".into(), json!(pattern.action));
    event.insert("recorded".into(), json!(entry.time));
    event.insert("outcome".into(), json!(outcome));
    if let (true, Some(reason)) = (failed, non_empty(&r.reason)) {
        event.insert("outcomeDesc".into(), json!(reason));
    }
    event.insert("agent".into(), Value::Array(agents));
    event.insert(
        "source".into(),
        json!({
            "observer": {"display": systems.server.name},
            "type": [coding(SOURCE_TYPE, "4", "Application Server")],
        }),
    );
    event.insert("entity".into(), Value::Array(entities));
    Value::Object(event)
}

/// How one kind of entry is told: the codes and the agents' roles.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    event_type: (&'static str, &'static str, &'static str),
    subtype: (&'static str, &'static str, &'static str),
    action: &'static str,
    /// The host application's agent type (DCM), when it takes part.
    client: Option<(&'static str, &'static str)>,
    /// The ICR's agent type.
    server: (&'static str, &'static str, &'static str),
    /// The user's participation (`v3-ParticipationType`).
    user: (&'static str, &'static str),
    /// A read of the patient's record (BALP `PatientRead` when it succeeds).
    read: bool,
    /// An opt-out register change.
    opt_out: bool,
}

const REST: (&str, &str, &str) = (AUDIT_EVENT_TYPE, "rest", "RESTful Operation");
const SECURITY_ALERT: (&str, &str, &str) = (DCM, "110113", "Security Alert");
const APPLICATION: (&str, &str) = ("110150", "Application");
const DESTINATION: (&str, &str) = ("110152", "Destination Role ID");
const SOURCE: (&str, &str) = ("110153", "Source Role ID");
const AUTH_SERVER: (&str, &str, &str) = (SECURITY_ROLE, "authserver", "authorization server");
const RECIPIENT: (&str, &str) = ("IRCP", "information recipient");

impl Pattern {
    fn of(kind: AuditKind) -> Pattern {
        let read = Pattern {
            event_type: REST,
            subtype: (RESTFUL_INTERACTION, "read", "read"),
            action: "R",
            client: Some(DESTINATION),
            server: (DCM, SOURCE.0, SOURCE.1),
            user: RECIPIENT,
            read: true,
            opt_out: false,
        };
        let authorisation = |subtype| Pattern {
            subtype,
            action: "E",
            client: Some(APPLICATION),
            server: AUTH_SERVER,
            read: false,
            ..read
        };
        // Every kind is matched by name, so that a new kind cannot be exported without
        // deciding what it is.
        match kind {
            AuditKind::RecordViewed | AuditKind::AccessDenied => read,
            AuditKind::SessionOpened | AuditKind::SessionRefused => Pattern {
                event_type: (DCM, "110114", "User Authentication"),
                ..authorisation((DCM, "110122", "Login"))
            },
            AuditKind::BreakGlass => Pattern {
                event_type: SECURITY_ALERT,
                ..authorisation((DCM, "110127", "Emergency Override Started"))
            },
            AuditKind::OptOutRecorded => Pattern {
                subtype: (RESTFUL_INTERACTION, "update", "update"),
                action: "U",
                client: Some(SOURCE),
                server: (DCM, DESTINATION.0, DESTINATION.1),
                user: ("AUT", "author (originator)"),
                read: false,
                opt_out: true,
                ..read
            },
            AuditKind::LogRecovered => Pattern {
                event_type: SECURITY_ALERT,
                subtype: (DCM, "110134", "Audit Recording Started"),
                action: "E",
                client: None,
                server: (DCM, APPLICATION.0, APPLICATION.1),
                read: false,
                ..read
            },
        }
    }
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"system": system, "code": code, "display": display})
}

fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [coding(system, code, display)]})
}

/// The value when it is there and not blank (FHIR has no empty strings).
fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

fn user_agent(r: &AuditRecord, pattern: Pattern) -> Value {
    let mut who = json!({
        "type": "Practitioner",
        "identifier": {"system": SDS_USER_ID, "value": r.user_id},
    });
    let mut agent = Map::new();
    let (code, display) = pattern.user;
    agent.insert("type".into(), concept(PARTICIPATION_TYPE, code, display));
    if let (Some(name), Some(object)) = (non_empty(&r.user_name), who.as_object_mut()) {
        object.insert("display".into(), json!(name));
        agent.insert("name".into(), json!(name));
    }
    agent.insert("who".into(), who);
    agent.insert("requestor".into(), json!(true));
    let mut role = Map::new();
    if !r.role_profile.trim().is_empty() {
        role.insert(
            "coding".into(),
            json!([{"system": SDS_ROLE_PROFILE_ID, "code": r.role_profile}]),
        );
    }
    if !r.role.trim().is_empty() {
        role.insert("text".into(), json!(r.role));
    }
    if !role.is_empty() {
        agent.insert("role".into(), json!([Value::Object(role)]));
    }
    if let Some(token) = non_empty(&r.token_id).filter(|t| t.bytes().all(|b| b.is_ascii_graphic()))
    {
        agent.insert("policy".into(), json!([format!("{JTI_PREFIX}{token}")]));
    }
    let purposes = purposes_of_use(r);
    if !purposes.is_empty() {
        agent.insert("purposeOfUse".into(), Value::Array(purposes));
    }
    Value::Object(agent)
}

/// `BTG` first when the rules were overridden, then the session's purpose.
fn purposes_of_use(r: &AuditRecord) -> Vec<Value> {
    let mut purposes = Vec::new();
    let overriding = r.kind == AuditKind::BreakGlass;
    if overriding || r.reason.as_deref() == Some("break-glass-active") {
        let mut btg = concept(ACT_REASON, "BTG", "break the glass");
        // A granted break-glass entry's reason is the justification; a refused one's is
        // the refusal code, which `outcomeDesc` carries.
        if let (true, AuditOutcome::Success, Some(text), Some(object)) = (
            overriding,
            r.outcome,
            non_empty(&r.reason),
            btg.as_object_mut(),
        ) {
            object.insert("text".into(), json!(text));
        }
        purposes.push(btg);
    }
    if let Some(purpose) = non_empty(&r.purpose) {
        let code = match purpose.replace('_', "-").to_ascii_lowercase().as_str() {
            "direct-care" => Some(("TREAT", "treatment")),
            "emergency-care" => Some(("ETREAT", "Emergency Treatment")),
            "research" => Some(("HRESCH", "healthcare research")),
            "public-health" => Some(("PUBHLTH", "public health")),
            _ => None,
        };
        purposes.push(match code {
            Some((code, display)) => json!({
                "coding": [coding(ACT_REASON, code, display)],
                "text": purpose,
            }),
            None => json!({"text": purpose}),
        });
    }
    purposes
}

fn system_agent(
    system: &AuditSystem,
    type_system: &str,
    code: &str,
    display: &str,
    requestor: bool,
) -> Value {
    let mut agent = json!({
        "type": concept(type_system, code, display),
        "who": {"display": system.name},
        "requestor": requestor,
    });
    if let (Some(address), Some(object)) = (
        non_empty(&system.address).map(str::trim),
        agent.as_object_mut(),
    ) {
        // R4 `network.type`: 1 machine name, 2 IP address, 5 URI.
        let kind = if address.parse::<std::net::IpAddr>().is_ok() {
            "2"
        } else if address.contains("://") {
            "5"
        } else {
            "1"
        };
        object.insert("network".into(), json!({"address": address, "type": kind}));
    }
    agent
}

/// BALP's `data` entity: what was read (the summary) or changed (the opt-out entry).
fn data_entity(r: &AuditRecord, pattern: Pattern) -> Option<Value> {
    if pattern.opt_out {
        let mut entity = json!({
            "what": {"display": "opt-out register entry"},
            "type": coding(RESOURCE_TYPES, "Consent", "Consent"),
            "role": coding(OBJECT_ROLE, "4", "Domain Resource"),
        });
        if let (Some(reason), Some(object)) = (non_empty(&r.reason), entity.as_object_mut()) {
            object.insert("description".into(), json!(reason));
        }
        return Some(entity);
    }
    if !pattern.read {
        return None;
    }
    let mut detail: Vec<Value> = Vec::new();
    detail.extend(
        r.sections
            .iter()
            .map(|s| json!({"type": "section", "valueString": s})),
    );
    detail.extend(r.withheld.iter().map(|w| {
        json!({"type": "withheld", "valueString": format!("{}: {} ({})", w.section, w.count, w.reason)})
    }));
    detail.extend(
        r.sources
            .iter()
            .map(|s| json!({"type": "source", "valueString": s})),
    );
    let description = if r.outcome == AuditOutcome::Success {
        "shown to the user"
    } else {
        "requested, not shown"
    };
    let mut entity = json!({
        "what": {"display": "ICR patient summary"},
        "type": coding(ENTITY_TYPE, "2", "System Object"),
        "role": coding(OBJECT_ROLE, "3", "Report"),
        "description": description,
    });
    if let (false, Some(object)) = (detail.is_empty(), entity.as_object_mut()) {
        object.insert("detail".into(), Value::Array(detail));
    }
    Some(entity)
}

/// The log entry itself: the event's stable key and its place in the chain.
fn entry_entity(entry: &AuditEntry) -> Value {
    let r = &entry.record;
    let text = |kind: &str, value: &str| json!({"type": kind, "valueString": value});
    let mut detail = vec![
        text("sequence", &entry.seq.to_string()),
        text("mac", &entry.mac),
        text("previous-mac", &entry.prev),
    ];
    if let Ok(Value::String(kind)) = serde_json::to_value(r.kind) {
        detail.push(text("kind", &kind));
    }
    let optional = [
        ("session", Some(r.session_id.clone())),
        ("token", r.token_id.clone()),
        ("relationship", r.relationship.clone()),
        ("reason", r.reason.clone()),
    ];
    for (kind, value) in &optional {
        if let Some(value) = non_empty(value) {
            detail.push(text(kind, value));
        }
    }
    if r.restricted {
        detail.push(text("restricted", "true"));
    }
    json!({
        "what": {"identifier": {"system": AUDIT_ENTRY_SYSTEM, "value": entry.mac}},
        "type": coding(ENTITY_TYPE, "4", "Other"),
        "description": "ICR audit log entry",
        "detail": detail,
    })
}

/// One entity per item, typed by the item's resource type.
fn item_entities<'a>(
    ids: &'a [String],
    disclosure: &'a str,
    description: &'a str,
) -> impl Iterator<Item = Value> + 'a {
    ids.iter()
        .filter(|id| !id.trim().is_empty())
        .map(move |id| {
            let resource_type = id
                .split('/')
                .nth(1)
                .and_then(|t| R4_ITEM_TYPES.iter().find(|known| **known == t));
            let kind = match resource_type {
                Some(t) => coding(RESOURCE_TYPES, t, t),
                None => coding(ENTITY_TYPE, "4", "Other"),
            };
            json!({
                "what": {"identifier": {"system": AUDIT_ITEM_SYSTEM, "value": id}},
                "type": kind,
                "role": coding(OBJECT_ROLE, "4", "Domain Resource"),
                "description": description,
                "detail": [{"type": "disclosure", "valueString": disclosure}],
            })
        })
}

#[cfg(test)]
#[path = "fhir_tests.rs"]
mod tests;
