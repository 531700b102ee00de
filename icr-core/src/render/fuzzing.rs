//! What the renderer's property checks share (the unit tests here and the `render` fuzz
//! target in `icr-core/fuzz`, feature `fuzzing`): where a summary holds free text.

use crate::PatientSummary;

/// Every string leaf of a summary's JSON that still deserialises as a summary when any
/// text is put there (free text, not enums or dates), as JSON pointers.
pub fn free_text_paths(summary_json: &serde_json::Value) -> Vec<String> {
    let mut all = Vec::new();
    string_leaves(summary_json, String::new(), &mut all);
    all.into_iter()
        .filter(|p| {
            let mut probe = summary_json.clone();
            probe
                .pointer_mut(p)
                .map(|leaf| *leaf = serde_json::Value::String("probe <&>".into()))
                .is_some()
                && serde_json::from_value::<PatientSummary>(probe).is_ok()
        })
        .collect()
}

fn string_leaves(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(_) => out.push(path),
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                string_leaves(x, format!("{path}/{i}"), out);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                let k = k.replace('~', "~0").replace('/', "~1");
                string_leaves(x, format!("{path}/{k}"), out);
            }
        }
        _ => {}
    }
}
