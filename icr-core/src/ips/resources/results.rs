//! Results: a report with its result Observations, and an Observation on its own.

use serde_json::{Map, Value, json};

use super::{Made, Refs, put, start, status_in, text};
use crate::model::{Entry, ResultLine};

pub(super) const OBSERVATION_STATUS: [&str; 6] = [
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
];

/// A result as an Observation: a number with its unit as a Quantity (the decimal as the
/// source wrote it), anything else as a string.
pub(super) fn observation(
    r: &ResultLine,
    code: Value,
    status: &str,
    refs: &Refs<'_>,
    id: String,
    on: Option<String>,
) -> Value {
    let mut m = Map::new();
    start(&mut m, "Observation", id);
    m.insert("status".into(), json!(status));
    m.insert("code".into(), code);
    m.insert("subject".into(), refs.subject());
    put(&mut m, "effectiveDateTime", on.map(Value::from));
    if let Some(v) = &r.value {
        match v.trim().parse::<serde_json::Number>() {
            Ok(n) => {
                let mut q = Map::new();
                q.insert("value".into(), Value::Number(n));
                put(&mut q, "unit", r.unit.clone().map(Value::from));
                m.insert("valueQuantity".into(), Value::Object(q));
            }
            Err(_) => {
                let with_unit = match &r.unit {
                    Some(u) => format!("{v} {u}"),
                    None => v.clone(),
                };
                m.insert("valueString".into(), json!(with_unit));
            }
        }
    }
    put(
        &mut m,
        "interpretation",
        r.interpretation.as_deref().map(|i| json!([text(i)])),
    );
    let ranges: Vec<Value> = r
        .reference_range_lines()
        .iter()
        .map(|line| json!({ "text": line }))
        .collect();
    if !ranges.is_empty() {
        m.insert("referenceRange".into(), Value::Array(ranges));
    }
    let comments: Vec<Value> = r.comments.iter().map(|c| json!({ "text": c })).collect();
    if !comments.is_empty() {
        m.insert("note".into(), Value::Array(comments));
    }
    Value::Object(m)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn investigation(
    e: &Entry,
    refs: &Refs<'_>,
    id: String,
    code: Value,
    on: Option<String>,
    category: Option<&str>,
    results: &[ResultLine],
    conclusion: Option<&str>,
) -> Vec<Made> {
    let status = status_in(
        e.status.as_deref(),
        &[
            "registered",
            "partial",
            "preliminary",
            "final",
            "amended",
            "corrected",
            "appended",
            "cancelled",
        ],
        "unknown",
    );
    let result_status = status_in(Some(&status), &OBSERVATION_STATUS, "unknown");
    let mut made = Vec::new();
    let mut refs_out = Vec::new();
    for (at, r) in results.iter().enumerate() {
        let key = format!("{}#result{at}", e.id);
        let rid = (refs.id)(&key);
        refs_out.push(json!({ "reference": format!("urn:uuid:{rid}") }));
        made.push(Made {
            key,
            resource: observation(r, text(&r.name), &result_status, refs, rid, on.clone()),
        });
    }
    let mut m = Map::new();
    start(&mut m, "DiagnosticReport", id);
    m.insert("status".into(), json!(status));
    put(&mut m, "category", category.map(|c| json!([text(c)])));
    m.insert("code".into(), code);
    m.insert("subject".into(), refs.subject());
    put(&mut m, "effectiveDateTime", on.map(Value::from));
    if !refs_out.is_empty() {
        m.insert("result".into(), Value::Array(refs_out));
    }
    let mut words: Vec<String> = conclusion.map(str::to_owned).into_iter().collect();
    words.extend(e.notes.iter().cloned());
    if !words.is_empty() {
        m.insert("conclusion".into(), json!(words.join("\n")));
    }
    made.insert(
        0,
        Made {
            key: e.id.clone(),
            resource: Value::Object(m),
        },
    );
    made
}
