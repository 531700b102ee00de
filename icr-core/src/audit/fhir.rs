//! Export of an entry as a FHIR R4 `AuditEvent`, for national and regional audit stores.

use serde_json::{Value, json};

use super::{AuditEntry, AuditKind, AuditOutcome};

const AUDIT_EVENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-event-type";
const RESTFUL_INTERACTION: &str = "http://hl7.org/fhir/restful-interaction";
const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
const SDS_USER_ID: &str = "https://fhir.nhs.uk/Id/sds-user-id";
const SDS_ROLE_PROFILE_ID: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";
const ODS_CODE: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";
const ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
const SOURCE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/security-source-type";

/// The entry as a FHIR R4 `AuditEvent`.
///
/// - `id` is the sequence number; `type` is `rest`, `subtype` `read`, `action` `R`;
///   `recorded` is the entry's time; `outcome` is `0` (success), `4` (denied, with the
///   reason code in `outcomeDesc`) or `8` (failed).
/// - The first agent is the user: `who.identifier` is the SDS user id, `role` the SDS
///   role profile (with the role as text), `requestor` true, and `purposeOfUse` `TREAT`
///   (direct care) or `BTG` (break-glass, with the justification as its text), both from
///   `v3-ActReason`. The second agent is the user's organisation (ODS code).
/// - `source.observer` is the SDK.
/// - The first entity is the patient (`nhs-number` identifier); each section shown, each
///   withheld count, each source organisation and the break-glass justification are
///   `entity.detail` entries.
/// - Then one entity per item shown, then one per item withheld
///   ([`AuditRecord::items_shown`](super::AuditRecord::items_shown) and
///   [`items_withheld`](super::AuditRecord::items_withheld), in their order): `what` is
///   the item id (`{ODS code}/{resource type}/{id}`, the source organisation and its
///   resource reference; see [`Entry::id`](crate::model::Entry::id)) as an identifier,
///   `type` is `audit-entity-type` `2` (System Object), `role` is `object-role` `4`
///   (Domain Resource), `description` is `shown to the user` or `withheld from the user`,
///   and an `entity.detail` of type `disclosure` says `shown` or `withheld`. The reasons
///   for withholding are the patient entity's `withheld` details (counted, per section).
pub fn to_fhir_audit_event(entry: &AuditEntry) -> Value {
    let r = &entry.record;
    let outcome = match r.outcome {
        AuditOutcome::Success => "0",
        AuditOutcome::Denied => "4",
        AuditOutcome::Failed => "8",
    };
    let break_glass = r.kind == AuditKind::BreakGlass;
    let purpose = if break_glass {
        json!({
            "coding": [{"system": ACT_REASON, "code": "BTG", "display": "break the glass"}],
            "text": r.reason.as_deref().or(r.purpose.as_deref()).unwrap_or("break-glass"),
        })
    } else {
        let mut purpose = json!({
            "coding": [{"system": ACT_REASON, "code": "TREAT", "display": "treatment"}],
        });
        if let (Some(text), Some(object)) = (&r.purpose, purpose.as_object_mut()) {
            object.insert("text".to_owned(), json!(text));
        }
        purpose
    };
    let mut who = json!({"identifier": {"system": SDS_USER_ID, "value": r.user_id}});
    if let (Some(name), Some(object)) = (&r.user_name, who.as_object_mut()) {
        object.insert("display".to_owned(), json!(name));
    }
    let user = json!({
        "type": {"text": "user"},
        "who": who,
        "role": [{
            "coding": [{"system": SDS_ROLE_PROFILE_ID, "code": r.role_profile}],
            "text": r.role,
        }],
        "requestor": true,
        "purposeOfUse": [purpose],
    });
    let organisation = json!({
        "type": {"text": "organisation"},
        "who": {"identifier": {"system": ODS_CODE, "value": r.organisation}},
        "requestor": false,
    });
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
    if let (true, Some(reason)) = (break_glass, &r.reason) {
        detail.push(json!({"type": "break-glass-justification", "valueString": reason}));
    }
    if let Some(relationship) = &r.relationship {
        detail.push(json!({"type": "relationship", "valueString": relationship}));
    }
    detail.push(json!({"type": "session", "valueString": r.session_id}));
    let mut entity = json!({
        "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
        "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
        "detail": detail,
    });
    if let (Some(patient), Some(object)) = (&r.patient, entity.as_object_mut()) {
        object.insert(
            "what".to_owned(),
            json!({"identifier": {"system": NHS_NUMBER, "value": patient}}),
        );
    }
    let mut entities = vec![entity];
    let items = |ids: &[String], disclosure: &str, description: &str| -> Vec<Value> {
        ids.iter()
            .map(|id| {
                json!({
                    "what": {"identifier": {"value": id}},
                    "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
                    "role": {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
                    "description": description,
                    "detail": [{"type": "disclosure", "valueString": disclosure}],
                })
            })
            .collect()
    };
    entities.extend(items(&r.items_shown, "shown", "shown to the user"));
    entities.extend(items(
        &r.items_withheld,
        "withheld",
        "withheld from the user",
    ));
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": entry.seq.to_string(),
        "type": {"system": AUDIT_EVENT_TYPE, "code": "rest", "display": "RESTful Operation"},
        "subtype": [{"system": RESTFUL_INTERACTION, "code": "read", "display": "read"}],
        "action": "R",
        "recorded": entry.time,
        "outcome": outcome,
        "agent": [user, organisation],
        "source": {
            "observer": {"display": concat!("ICR SDK ", env!("CARGO_PKG_VERSION"))},
            "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}],
        },
        "entity": entities,
    });
    if let (AuditOutcome::Denied | AuditOutcome::Failed, Some(reason), false, Some(object)) =
        (r.outcome, &r.reason, break_glass, event.as_object_mut())
    {
        object.insert("outcomeDesc".to_owned(), json!(reason));
    }
    event
}
