//! Planned care: an Appointment, or a ServiceRequest for planned care whose status is not
//! an appointment's.

use serde_json::{Map, Value, json};

use super::{Made, Refs, instant, notes, period, put, start, status_in, text};
use crate::model::Entry;

/// An appointment, or for planned care whose status is not an appointment's (a GP
/// diary entry), a ServiceRequest with intent `plan`. FHIR requires each appointment
/// participant's status, which records do not carry: `needs-action` is written, the
/// status that claims nothing about the participant's answer.
#[allow(clippy::too_many_arguments)]
pub(super) fn appointment(
    e: &Entry,
    refs: &Refs<'_>,
    id: String,
    code: Value,
    on: Option<String>,
    end: Option<String>,
    participants: &[String],
    reasons: &[String],
) -> Vec<Made> {
    let mut m = Map::new();
    const APPOINTMENT: [&str; 10] = [
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "checked-in",
        "waitlist",
        "entered-in-error",
    ];
    let reason_codes: Vec<Value> = reasons.iter().map(|r| text(r)).collect();
    match e.status.as_deref().filter(|s| APPOINTMENT.contains(s)) {
        Some(status) => {
            start(&mut m, "Appointment", id);
            m.insert("status".into(), json!(status));
            m.insert("serviceType".into(), json!([code]));
            if !reason_codes.is_empty() {
                m.insert("reasonCode".into(), Value::Array(reason_codes));
            }
            m.insert("description".into(), json!(e.title));
            // `start` and `end` are instants: a day without a time is kept as words, with
            // the notes, in `comment` (an appointment has no `note`).
            let start_at = e.date.as_ref().and_then(instant);
            let mut comment: Vec<String> = Vec::new();
            if start_at.is_none()
                && let Some(d) = &e.date
            {
                comment.push(format!("Date: {}", d.display()));
            }
            comment.extend(e.notes.iter().cloned());
            if !comment.is_empty() {
                m.insert("comment".into(), json!(comment.join("\n")));
            }
            put(&mut m, "start", start_at.map(Value::from));
            put(
                &mut m,
                "end",
                e.end_date.as_ref().and_then(instant).map(Value::from),
            );
            let mut people: Vec<Value> =
                vec![json!({ "actor": refs.subject(), "status": "needs-action" })];
            people.extend(
                participants
                    .iter()
                    .map(|p| json!({ "actor": { "display": p }, "status": "needs-action" })),
            );
            m.insert("participant".into(), Value::Array(people));
        }
        None => {
            start(&mut m, "ServiceRequest", id);
            m.insert(
                "status".into(),
                json!(status_in(
                    e.status.as_deref(),
                    &["draft", "active", "on-hold", "revoked", "completed"],
                    "unknown"
                )),
            );
            m.insert("intent".into(), json!("plan"));
            m.insert("code".into(), code);
            m.insert("subject".into(), refs.subject());
            match (on, end) {
                (Some(a), None) => {
                    m.insert("occurrenceDateTime".into(), json!(a));
                }
                (a, b) => period(&mut m, "occurrencePeriod", a, b),
            }
            let to: Vec<Value> = participants
                .iter()
                .map(|p| json!({ "display": p }))
                .collect();
            if !to.is_empty() {
                m.insert("performer".into(), Value::Array(to));
            }
            if !reason_codes.is_empty() {
                m.insert("reasonCode".into(), Value::Array(reason_codes));
            }
            put(&mut m, "note", notes(e, Vec::new()));
        }
    }
    vec![Made {
        key: e.id.clone(),
        resource: Value::Object(m),
    }]
}
