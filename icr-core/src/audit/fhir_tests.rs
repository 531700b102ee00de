//! The BALP export, kind by kind, checked against the rules of the profiles it follows.

use serde_json::Value;

use super::*;
use crate::audit::{AuditKey, AuditOutcome, AuditRecord, AuditSink, MemoryAuditLog, WithheldCount};

const NHS: &str = "9434765919";
const DCM_SYSTEM: &str = "http://dicom.nema.org/resources/ontology/DCM";

fn log() -> MemoryAuditLog {
    MemoryAuditLog::new(AuditKey::from_bytes(&[0x42; 32]).unwrap())
}

fn view() -> AuditRecord {
    AuditRecord {
        kind: AuditKind::RecordViewed,
        outcome: AuditOutcome::Success,
        session_id: "s-1".into(),
        token_id: Some("jti-123".into()),
        user_id: "555123450001".into(),
        user_name: Some("Dr A Example".into()),
        role: "gp".into(),
        role_profile: "R8000".into(),
        organisation: "A12345".into(),
        patient: Some(NHS.into()),
        purpose: Some("direct-care".into()),
        relationship: Some("registered-gp".into()),
        sections: vec!["medications".into()],
        withheld: vec![WithheldCount {
            section: "problems".into(),
            reason: "sensitive".into(),
            count: 1,
        }],
        sources: vec!["A12345".into()],
        items_shown: vec!["A12345/MedicationStatement/m1".into()],
        items_withheld: vec!["A12345/Condition/c1".into()],
        ..AuditRecord::default()
    }
}

fn sealed(record: AuditRecord) -> AuditEntry {
    log().append(record).unwrap()
}

fn systems() -> AuditSystems {
    AuditSystems {
        server: AuditSystem {
            name: "ICR at Example ICS".into(),
            address: Some("https://icr.example.nhs.uk/fhir".into()),
        },
        client: AuditSystem {
            name: "Example EPR".into(),
            address: Some("epr01.example.nhs.uk".into()),
        },
    }
}

fn code_of(v: &Value) -> (&str, &str) {
    let c = if v.get("coding").is_some() {
        &v["coding"][0]
    } else {
        v
    };
    (
        c["system"].as_str().unwrap_or(""),
        c["code"].as_str().unwrap_or(""),
    )
}

fn agents<'a>(event: &'a Value, system: &str, code: &str) -> Vec<&'a Value> {
    event["agent"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| code_of(&a["type"]) == (system, code))
        .collect()
}

fn entities<'a>(event: &'a Value, system: &str, code: &str) -> Vec<&'a Value> {
    event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| code_of(&e["type"]) == (system, code))
        .collect()
}

/// The rules of IHE.BasicAudit.PatientRead (and Read, its parent) that an event
/// claiming it must meet: slices by `type`, their cardinalities and fixed values.
fn assert_balp_patient_read(event: &Value) {
    assert_eq!(event["meta"]["profile"][0], BALP_PATIENT_READ);
    assert_eq!(code_of(&event["type"]), (AUDIT_EVENT_TYPE, "rest"));
    assert!(
        event["subtype"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| code_of(s) == (RESTFUL_INTERACTION, "read"))
    );
    assert_eq!(event["action"], "R");
    assert_eq!(
        event["outcome"], "0",
        "the read profile records successes only"
    );
    assert!(event["recorded"].is_string());
    let client = agents(event, DCM_SYSTEM, "110152");
    let server = agents(event, DCM_SYSTEM, "110153");
    let user = agents(event, PARTICIPATION_TYPE, "IRCP");
    assert_eq!((client.len(), server.len(), user.len()), (1, 1, 1));
    for system in [client[0], server[0]] {
        assert!(system["who"].is_object(), "{system}");
        assert!(system["network"]["address"].is_string(), "{system}");
        assert!(system.get("media").is_none());
    }
    assert!(user[0]["who"].is_object());
    assert_eq!(user[0]["requestor"], true);
    assert!(
        user[0].get("network").is_none(),
        "users are not network devices"
    );
    assert!(event["source"]["observer"].is_object());
    let patient = entities(event, ENTITY_TYPE, "1");
    assert_eq!(patient.len(), 1);
    assert_eq!(code_of(&patient[0]["role"]), (OBJECT_ROLE, "1"));
    assert_eq!(patient[0]["what"]["type"], "Patient");
    let data = entities(event, ENTITY_TYPE, "2");
    assert_eq!(data.len(), 1, "BALP's data slice holds one entity");
    assert!(["3", "4", "20"].contains(&code_of(&data[0]["role"]).1));
    assert!(data[0]["what"].is_object());
}

/// Walks the event: FHIR allows no empty strings, arrays or objects.
fn assert_no_empty_values(v: &Value, path: &str) {
    match v {
        Value::String(s) => assert!(!s.trim().is_empty(), "{path} is blank"),
        Value::Array(a) => {
            assert!(!a.is_empty(), "{path} is an empty array");
            for (i, x) in a.iter().enumerate() {
                assert_no_empty_values(x, &format!("{path}[{i}]"));
            }
        }
        Value::Object(o) => {
            assert!(!o.is_empty(), "{path} is an empty object");
            for (k, x) in o {
                assert_no_empty_values(x, &format!("{path}.{k}"));
            }
        }
        Value::Null => panic!("{path} is null"),
        _ => {}
    }
}

#[test]
fn a_view_is_a_balp_patient_read_when_the_systems_have_addresses() {
    let entry = sealed(view());
    let event = to_balp_audit_event(&entry, &systems());
    assert_balp_patient_read(&event);
    assert_no_empty_values(&event, "$");
    let client = agents(&event, DCM_SYSTEM, "110152")[0];
    assert_eq!(client["who"]["display"], "Example EPR");
    assert_eq!(client["network"]["type"], "1", "a host name");
    assert_eq!(client["requestor"], false);
    let server = agents(&event, DCM_SYSTEM, "110153")[0];
    assert_eq!(server["network"]["type"], "5", "a URI");
    assert_eq!(event["source"]["observer"]["display"], "ICR at Example ICS");
    let user = agents(&event, PARTICIPATION_TYPE, "IRCP")[0];
    assert_eq!(user["name"], "Dr A Example");
    assert_eq!(user["role"][0]["text"], "gp");
    assert_eq!(user["policy"][0], "urn:ietf:params:oauth:jti:jti-123");
    assert_eq!(
        user["purposeOfUse"],
        serde_json::json!([{
            "coding": [{"system": ACT_REASON, "code": "TREAT", "display": "treatment"}],
            "text": "direct-care",
        }])
    );
    let organisation = agents(&event, ROLE_CLASS, "PROV");
    assert_eq!(organisation.len(), 1, "the user's organisation is an agent");
    assert_eq!(organisation[0]["who"]["identifier"]["value"], "A12345");
    assert_eq!(organisation[0]["requestor"], false);
    let summary = entities(&event, ENTITY_TYPE, "2")[0];
    assert_eq!(summary["description"], "shown to the user");
}

#[test]
fn without_addresses_the_same_event_claims_no_profile() {
    let entry = sealed(view());
    let event = to_fhir_audit_event(&entry);
    assert!(event.get("meta").is_none(), "{}", event["meta"]);
    let mut blank = systems();
    blank.client.address = Some(" ".into());
    let blank = to_balp_audit_event(&entry, &blank);
    assert!(blank.get("meta").is_none(), "a blank address is no address");
    assert_no_empty_values(&blank, "$");
    assert!(
        event["agent"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("network").is_none())
    );
    let mut with = to_balp_audit_event(&entry, &systems());
    // Otherwise the same shape: the same agents and entities, in the same order.
    with.as_object_mut().unwrap().remove("meta");
    let kinds = |e: &Value, what: &str| -> Vec<(String, String)> {
        e[what]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let (s, c) = code_of(&x["type"]);
                (s.to_owned(), c.to_owned())
            })
            .collect()
    };
    assert_eq!(kinds(&event, "agent"), kinds(&with, "agent"));
    assert_eq!(kinds(&event, "entity"), kinds(&with, "entity"));
}

#[test]
fn every_kind_has_its_event_type_subtype_and_action() {
    let cases = [
        (
            AuditKind::RecordViewed,
            AUDIT_EVENT_TYPE,
            "rest",
            "read",
            "R",
        ),
        (
            AuditKind::AccessDenied,
            AUDIT_EVENT_TYPE,
            "rest",
            "read",
            "R",
        ),
        (
            AuditKind::SessionOpened,
            DCM_SYSTEM,
            "110114",
            "110122",
            "E",
        ),
        (
            AuditKind::SessionRefused,
            DCM_SYSTEM,
            "110114",
            "110122",
            "E",
        ),
        (AuditKind::BreakGlass, DCM_SYSTEM, "110113", "110127", "E"),
        (
            AuditKind::OptOutRecorded,
            AUDIT_EVENT_TYPE,
            "rest",
            "update",
            "U",
        ),
        (AuditKind::LogRecovered, DCM_SYSTEM, "110113", "110134", "E"),
    ];
    for (kind, system, code, subtype, action) in cases {
        let mut r = view();
        r.kind = kind;
        let event = to_balp_audit_event(&sealed(r), &systems());
        assert_eq!(code_of(&event["type"]), (system, code), "{kind:?}");
        assert_eq!(event["subtype"][0]["code"], subtype, "{kind:?}");
        assert_eq!(event["action"], action, "{kind:?}");
        assert_no_empty_values(&event, &format!("{kind:?}"));
        // Only a successful view claims PatientRead.
        assert_eq!(
            event["meta"]["profile"].is_array(),
            kind == AuditKind::RecordViewed,
            "{kind:?}"
        );
        let own = entities(&event, ENTITY_TYPE, "4");
        assert!(
            own.iter()
                .any(|e| e["what"]["identifier"]["system"] == AUDIT_ENTRY_SYSTEM),
            "{kind:?}: every event names its entry"
        );
    }
}

#[test]
fn a_denial_keeps_the_reads_shape_with_its_outcome_and_reason() {
    let mut r = view();
    r.kind = AuditKind::AccessDenied;
    r.outcome = AuditOutcome::Denied;
    r.reason = Some("no-relationship".into());
    r.items_shown.clear();
    let event = to_balp_audit_event(&sealed(r.clone()), &systems());
    assert_eq!(event["outcome"], "4", "minor failure: refused by a rule");
    assert_eq!(event["outcomeDesc"], "no-relationship");
    assert!(
        event.get("meta").is_none(),
        "BALP records failures differently"
    );
    assert_eq!(agents(&event, DCM_SYSTEM, "110152").len(), 1);
    assert_eq!(agents(&event, DCM_SYSTEM, "110153").len(), 1);
    let summary = entities(&event, ENTITY_TYPE, "2")[0];
    assert_eq!(summary["description"], "requested, not shown");
    r.outcome = AuditOutcome::Failed;
    r.reason = Some("state-unavailable".into());
    let event = to_balp_audit_event(&sealed(r), &systems());
    assert_eq!(
        event["outcome"], "8",
        "serious failure: an error, not a rule"
    );
    assert_eq!(event["outcomeDesc"], "state-unavailable");
}

#[test]
fn break_glass_is_btg_with_its_justification_and_a_refusal_with_its_code() {
    let mut r = view();
    r.kind = AuditKind::BreakGlass;
    r.reason = Some("unconscious in ED, no history".into());
    let event = to_balp_audit_event(&sealed(r.clone()), &systems());
    let user = agents(&event, PARTICIPATION_TYPE, "IRCP")[0];
    assert_eq!(code_of(&user["purposeOfUse"][0]), (ACT_REASON, "BTG"));
    assert_eq!(
        user["purposeOfUse"][0]["text"],
        "unconscious in ED, no history"
    );
    assert_eq!(code_of(&user["purposeOfUse"][1]), (ACT_REASON, "TREAT"));
    assert_eq!(event["outcome"], "0");
    assert_eq!(
        agents(&event, DCM_SYSTEM, "110150").len(),
        1,
        "the host app"
    );
    assert_eq!(
        agents(&event, SECURITY_ROLE, "authserver").len(),
        1,
        "the ICR"
    );

    r.outcome = AuditOutcome::Denied;
    r.reason = Some("break-glass-not-permitted".into());
    let event = to_balp_audit_event(&sealed(r), &systems());
    let user = agents(&event, PARTICIPATION_TYPE, "IRCP")[0];
    assert_eq!(code_of(&user["purposeOfUse"][0]), (ACT_REASON, "BTG"));
    assert!(
        user["purposeOfUse"][0].get("text").is_none(),
        "a refusal code is no justification"
    );
    assert_eq!(event["outcome"], "4");
    assert_eq!(event["outcomeDesc"], "break-glass-not-permitted");
}

#[test]
fn a_view_under_break_glass_is_a_read_with_btg() {
    let mut r = view();
    r.reason = Some("break-glass-active".into());
    let event = to_balp_audit_event(&sealed(r), &systems());
    assert_balp_patient_read(&event);
    let user = agents(&event, PARTICIPATION_TYPE, "IRCP")[0];
    let codes: Vec<_> = user["purposeOfUse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| code_of(p).1)
        .collect();
    assert_eq!(codes, ["BTG", "TREAT"]);
    assert!(
        event.get("outcomeDesc").is_none(),
        "a success has no outcomeDesc"
    );
}

#[test]
fn the_entry_entity_is_the_stable_key_with_the_chain_as_detail() {
    let log = log();
    let first = log.append(view()).unwrap();
    let second = log.append(view()).unwrap();
    let event = to_balp_audit_event(&second, &systems());
    let own: Vec<_> = event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"]["identifier"]["system"] == AUDIT_ENTRY_SYSTEM)
        .collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["what"]["identifier"]["value"], second.mac.as_str());
    let detail = |kind: &str| -> String {
        own[0]["detail"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} detail"))["valueString"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(detail("sequence"), "2");
    assert_eq!(detail("mac"), second.mac);
    assert_eq!(detail("previous-mac"), first.mac);
    assert_eq!(detail("kind"), "record_viewed");
    assert_eq!(detail("session"), "s-1");
    assert_eq!(detail("token"), "jti-123");
    // Deterministic: a resend sends the same event.
    assert_eq!(event, to_balp_audit_event(&second, &systems()));
    assert_ne!(
        event,
        to_balp_audit_event(&first, &systems()),
        "another entry, another key"
    );
}

#[test]
fn items_are_typed_by_resource_type_and_never_in_the_data_slice() {
    let mut r = view();
    r.items_shown = vec![
        "Y90001/AllergyIntolerance/a".into(),
        // GP Connect STU3: not an R4 resource type.
        "Y90001/ProcedureRequest/p".into(),
        "odd-id-without-a-type".into(),
    ];
    let event = to_balp_audit_event(&sealed(r), &systems());
    assert_balp_patient_read(&event);
    let typed: Vec<(&str, &str, &str)> = event["entity"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["what"]["identifier"]["system"] == AUDIT_ITEM_SYSTEM)
        .map(|e| {
            let (system, code) = code_of(&e["type"]);
            (
                e["what"]["identifier"]["value"].as_str().unwrap(),
                system,
                code,
            )
        })
        .collect();
    assert_eq!(
        typed,
        [
            (
                "Y90001/AllergyIntolerance/a",
                RESOURCE_TYPES,
                "AllergyIntolerance"
            ),
            ("Y90001/ProcedureRequest/p", ENTITY_TYPE, "4"),
            ("odd-id-without-a-type", ENTITY_TYPE, "4"),
            ("A12345/Condition/c1", RESOURCE_TYPES, "Condition"),
        ]
    );
}

#[test]
fn a_recovered_log_is_the_icr_alone() {
    let r = AuditRecord {
        kind: AuditKind::LogRecovered,
        outcome: AuditOutcome::Failed,
        reason: Some("an incomplete last line was set aside in audit.jsonl.quarantine-9".into()),
        ..AuditRecord::default()
    };
    let event = to_balp_audit_event(&sealed(r), &systems());
    assert_no_empty_values(&event, "$");
    let all = event["agent"].as_array().unwrap();
    assert_eq!(all.len(), 1, "no user, no host application: {all:?}");
    assert_eq!(code_of(&all[0]["type"]), (DCM_SYSTEM, "110150"));
    assert_eq!(all[0]["requestor"], true, "the ICR acted on its own");
    assert_eq!(event["outcome"], "8");
    assert!(
        event["outcomeDesc"]
            .as_str()
            .unwrap()
            .contains("quarantine")
    );
    assert!(entities(&event, ENTITY_TYPE, "1").is_empty(), "no patient");
}

#[test]
fn an_opt_out_is_an_update_of_the_register_by_its_author() {
    let r = AuditRecord {
        kind: AuditKind::OptOutRecorded,
        session_id: "op-1".into(),
        user_id: "555123450009".into(),
        organisation: "A12345".into(),
        patient: Some(NHS.into()),
        reason: Some("opted-out: patient request by letter".into()),
        ..AuditRecord::default()
    };
    let event = to_balp_audit_event(&sealed(r), &systems());
    assert_no_empty_values(&event, "$");
    assert_eq!(event["action"], "U");
    let author = agents(&event, PARTICIPATION_TYPE, "AUT");
    assert_eq!(author.len(), 1);
    assert!(author[0].get("purposeOfUse").is_none(), "none was given");
    assert_eq!(
        agents(&event, DCM_SYSTEM, "110153").len(),
        1,
        "host: source"
    );
    assert_eq!(
        agents(&event, DCM_SYSTEM, "110152").len(),
        1,
        "ICR: destination"
    );
    let register = entities(&event, RESOURCE_TYPES, "Consent");
    assert_eq!(register.len(), 1);
    assert_eq!(
        register[0]["description"],
        "opted-out: patient request by letter"
    );
}

#[test]
fn a_restricted_patients_event_is_labelled_restricted() {
    let mut r = view();
    r.restricted = true;
    let event = to_balp_audit_event(&sealed(r), &systems());
    assert_eq!(
        code_of(&event["meta"]["security"][0]),
        (CONFIDENTIALITY, "R")
    );
    assert_balp_patient_read(&event);
}

#[test]
fn a_purpose_without_an_agreed_code_is_kept_as_text() {
    let mut r = view();
    r.kind = AuditKind::SessionRefused;
    r.outcome = AuditOutcome::Denied;
    r.purpose = Some("marketing".into());
    r.reason = Some("purpose-not-allowed".into());
    let event = to_balp_audit_event(&sealed(r), &systems());
    let user = agents(&event, PARTICIPATION_TYPE, "IRCP")[0];
    assert_eq!(
        user["purposeOfUse"],
        serde_json::json!([{"text": "marketing"}])
    );
}

#[test]
fn blank_fields_are_left_out_not_sent_empty() {
    let r = AuditRecord {
        kind: AuditKind::SessionRefused,
        outcome: AuditOutcome::Denied,
        session_id: String::new(),
        token_id: Some(String::new()),
        user_id: "u1".into(),
        user_name: Some("  ".into()),
        patient: Some(String::new()),
        purpose: Some(String::new()),
        reason: Some("launch-badsignature".into()),
        items_shown: vec![String::new()],
        ..AuditRecord::default()
    };
    let event = to_fhir_audit_event(&sealed(r));
    assert_no_empty_values(&event, "$");
    let user = &event["agent"][0];
    assert!(user.get("role").is_none() && user.get("name").is_none());
    assert!(user.get("policy").is_none() && user.get("purposeOfUse").is_none());
}
