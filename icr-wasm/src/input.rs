//! What the host hands over: the summary (JSON text or an object) and the options, read
//! and checked before anything in the page changes.

use icr_core::PatientSummary;
use icr_core::json_problem::JsonProblem;
use icr_core::render::PanelOptions;
use icr_core::summary::SCHEMA_VERSION;
use wasm_bindgen::prelude::*;

use crate::error::PanelError;

pub(crate) fn parse_summary(json: &JsValue) -> Result<PatientSummary, PanelError> {
    let text = match json.as_string() {
        Some(s) => s,
        None if json.is_object() => js_sys::JSON::stringify(json)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                PanelError::InvalidJson("the object cannot be written as JSON".into())
            })?,
        None => {
            return Err(PanelError::InvalidJson(
                "expected a JSON string or object".into(),
            ));
        }
    };
    #[derive(serde::Deserialize)]
    struct Probe {
        schema_version: i64,
    }
    match serde_json::from_str::<PatientSummary>(&text) {
        Ok(s) if s.schema_version == SCHEMA_VERSION => Ok(s),
        Ok(s) => Err(PanelError::SchemaVersion {
            found: i64::from(s.schema_version),
        }),
        Err(e) => match serde_json::from_str::<Probe>(&text) {
            Ok(p) if p.schema_version != i64::from(SCHEMA_VERSION) => {
                Err(PanelError::SchemaVersion {
                    found: p.schema_version,
                })
            }
            _ if e.is_data() => Err(PanelError::InvalidSummary(JsonProblem::of(&e).to_string())),
            _ => Err(PanelError::InvalidJson(JsonProblem::of(&e).to_string())),
        },
    }
}

fn get(options: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// Items rendered at once by default: the first screenful and more; the rest of a large
/// record follows a part at a time.
pub(crate) const EAGER_ITEMS: usize = 120;

/// What a host asks of a mount.
pub(crate) struct MountOptions {
    pub(crate) panel: PanelOptions,
    /// Items whose sections are rendered at once; the later sections' items follow.
    pub(crate) eager_items: usize,
}

/// `{ idPrefix?: string, staleAfterDays?: number, recentChangeDays?: number,
/// eagerItems?: number }`.
pub(crate) fn read_options(options: &JsValue) -> Result<MountOptions, PanelError> {
    let mut eager_items = EAGER_ITEMS;
    let panel = panel_options(options, &mut eager_items)?;
    Ok(MountOptions { panel, eager_items })
}

fn panel_options(options: &JsValue, eager_items: &mut usize) -> Result<PanelOptions, PanelError> {
    let mut o = PanelOptions::interactive();
    if options.is_undefined() || options.is_null() {
        return Ok(o);
    }
    if !options.is_object() {
        return Err(PanelError::InvalidOptions("options"));
    }
    let prefix = get(options, "idPrefix");
    if !prefix.is_undefined() {
        o.id_prefix = prefix
            .as_string()
            .ok_or(PanelError::InvalidOptions("idPrefix"))?;
    }
    let days = |name: &'static str, value: &mut i64| -> Result<(), PanelError> {
        let v = get(options, name);
        if v.is_undefined() {
            return Ok(());
        }
        match v.as_f64() {
            Some(n) if (0.0..=36_500.0).contains(&n) => {
                *value = n as i64;
                Ok(())
            }
            _ => Err(PanelError::InvalidOptions(name)),
        }
    };
    days("staleAfterDays", &mut o.stale_after_days)?;
    days("recentChangeDays", &mut o.recent_change_days)?;
    let eager = get(options, "eagerItems");
    if !eager.is_undefined() {
        match eager.as_f64() {
            Some(n) if (0.0..=1_000_000.0).contains(&n) => *eager_items = n as usize,
            _ => return Err(PanelError::InvalidOptions("eagerItems")),
        }
    }
    Ok(o)
}
