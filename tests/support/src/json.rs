//! Reading JSON the way hosts receive it (a summary printed by the `icr` command, a FHIR
//! document), where a missing array is an empty one.

use serde_json::Value;

/// `v` as an array, or empty when it is not one.
pub fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// Items shown, over all sections, of a summary as JSON text (what `icr … --json`
/// prints).
pub fn shown(summary_json: &str) -> usize {
    let v: Value = serde_json::from_str(summary_json).expect("a summary as JSON");
    let sections = v
        .get("sections")
        .and_then(Value::as_array)
        .expect("a summary has sections");
    sections
        .iter()
        .map(|s| s.get("items").map_or(0, |items| arr(items).len()))
        .sum()
}
