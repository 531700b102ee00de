//! What can go wrong, as hosts see it, and the one mapping of it to JS.

use icr_core::summary::SCHEMA_VERSION;
use wasm_bindgen::prelude::*;

/// What can go wrong, as hosts see it. Messages carry no patient data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PanelError {
    /// The summary is not JSON (or not a string or object).
    #[error("the summary is not valid JSON ({0})")]
    InvalidJson(String),
    /// The summary is JSON but not a patient summary.
    #[error("the summary JSON is not a patient summary ({0})")]
    InvalidSummary(String),
    /// The summary has another `schema_version`.
    #[error("summary schema_version {found} is not supported (this panel reads {SCHEMA_VERSION})")]
    SchemaVersion {
        /// The version found.
        found: i64,
    },
    /// The target is not a DOM element.
    #[error("the target is not a DOM element")]
    NoElement,
    /// The element cannot hold an open shadow root (or has a closed one).
    #[error("the element cannot hold the panel's shadow root")]
    ShadowRoot,
    /// The options object has a member of the wrong type.
    #[error("option {0} has the wrong type")]
    InvalidOptions(&'static str),
}

impl PanelError {
    /// The stable `kind` hosts switch on.
    pub fn kind(&self) -> &'static str {
        match self {
            PanelError::InvalidJson(_) => "invalid-json",
            PanelError::InvalidSummary(_) => "invalid-summary",
            PanelError::SchemaVersion { .. } => "schema-version",
            PanelError::NoElement => "no-element",
            PanelError::ShadowRoot => "shadow-root",
            PanelError::InvalidOptions(_) => "invalid-options",
        }
    }
}

/// The one mapping to JS: an `Error` named `IcrError` with `kind` and `message`.
impl From<PanelError> for JsValue {
    fn from(e: PanelError) -> JsValue {
        let error = js_sys::Error::new(&e.to_string());
        error.set_name("IcrError");
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str("kind"), &e.kind().into());
        error.into()
    }
}

#[cfg(test)]
mod tests {
    use super::PanelError;

    /// The npm package's TypeScript declarations (`IcrErrorKind` in `npm/index.d.ts`,
    /// hand-written) name every kind this crate throws.
    #[test]
    fn every_kind_is_declared_for_typescript_hosts() {
        let declared = include_str!("../npm/index.d.ts");
        let all = [
            PanelError::InvalidJson(String::new()),
            PanelError::InvalidSummary(String::new()),
            PanelError::SchemaVersion { found: 0 },
            PanelError::NoElement,
            PanelError::ShadowRoot,
            PanelError::InvalidOptions(""),
        ];
        for e in &all {
            // Exhaustive: a new variant does not compile until it is listed above.
            match e {
                PanelError::InvalidJson(_)
                | PanelError::InvalidSummary(_)
                | PanelError::SchemaVersion { .. }
                | PanelError::NoElement
                | PanelError::ShadowRoot
                | PanelError::InvalidOptions(_) => {}
            }
            assert!(
                declared.contains(&format!("| \"{}\"", e.kind())),
                "{} is not in IcrErrorKind (icr-wasm/npm/index.d.ts)",
                e.kind()
            );
        }
    }
}
