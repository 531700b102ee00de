//! A medication: its MedicationStatement and the Medication it names.

use serde_json::{Map, Value, json};

use super::{Made, Refs, notes, period, put, start, status_in, text};
use crate::model::{Entry, MedicationDetail};

#[allow(clippy::too_many_arguments)]
pub(super) fn medication(
    e: &Entry,
    med: &MedicationDetail,
    refs: &Refs<'_>,
    id: String,
    code: Value,
    on: Option<String>,
    end: Option<String>,
) -> Vec<Made> {
    let medication_key = format!("{}#medication", e.id);
    let medication_id = (refs.id)(&medication_key);
    let mut m = Map::new();
    start(&mut m, "MedicationStatement", id);
    m.insert(
        "status".into(),
        json!(status_in(
            e.status.as_deref(),
            &[
                "active",
                "completed",
                "intended",
                "stopped",
                "on-hold",
                "not-taken"
            ],
            "unknown"
        )),
    );
    put(
        &mut m,
        "statusReason",
        med.status_reason.as_deref().map(|r| json!([text(r)])),
    );
    m.insert(
        "medicationReference".into(),
        json!({ "reference": format!("urn:uuid:{medication_id}"), "display": e.title }),
    );
    m.insert("subject".into(), refs.subject());
    period(&mut m, "effectivePeriod", on, end);
    if !med.reasons.is_empty() {
        m.insert(
            "reasonCode".into(),
            Value::Array(med.reasons.iter().map(|r| text(r)).collect()),
        );
    }
    put(
        &mut m,
        "dosage",
        med.dosage.as_deref().map(|d| json!([{ "text": d }])),
    );
    let mut extra = Vec::new();
    if let Some(q) = &med.quantity {
        extra.push(format!("Quantity: {q}"));
    }
    if let Some(t) = &med.prescription_type {
        extra.push(format!("Prescription type: {t}"));
    }
    if let Some(d) = &med.last_issued {
        extra.push(format!("Last issued: {}", d.display()));
    }
    if let Some(a) = &med.prescribing_agency {
        extra.push(format!("Prescribed by: {a}"));
    }
    for c in &med.changes {
        let mut line = crate::model::code_of(&c.kind);
        if let Some(d) = &c.date {
            line.push_str(&format!(" {}", d.display()));
        }
        if let Some(by) = &c.by {
            line.push_str(&format!(" by {by}"));
        }
        if let Some(d) = &c.detail {
            line.push_str(&format!(": {d}"));
        }
        extra.push(format!("Change: {line}"));
    }
    put(&mut m, "note", notes(e, extra));
    let mut medication = Map::new();
    start(&mut medication, "Medication", medication_id);
    medication.insert("code".into(), code);
    vec![
        Made {
            key: e.id.clone(),
            resource: Value::Object(m),
        },
        Made {
            key: medication_key,
            resource: Value::Object(medication),
        },
    ]
}
