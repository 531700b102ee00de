//! The ICR summary panel for browser-based clinical systems.
//!
//! A thin shell over `icr-core`: the host hands over a `PatientSummary` as JSON, the core
//! renders it ([`icr_core::render::panel_html`]), and this crate puts the HTML into an
//! open shadow root of the host's element, so host CSS cannot break the panel and the
//! panel cannot break the host. The only logic here is the DOM: section toggles, the
//! source filter, the search box and item detail toggles.
//!
//! ```js
//! import init, { mountPanel } from "./icr_wasm.js";
//! await init();
//! const panel = mountPanel(document.querySelector("#record"), summaryJson, {});
//! // … later
//! panel.unmount();
//! ```
//!
//! Errors are thrown as JS `Error` objects with `name: "IcrError"`, a stable `kind`
//! (`invalid-json`, `invalid-summary`, `schema-version`, `no-element`, `shadow-root`,
//! `invalid-options`) and a `message` that never contains patient data.
//!
//! It works under a strict Content-Security-Policy (`script-src 'self'
//! 'wasm-unsafe-eval'`, no `style-src` exception): no inline script, no inline style
//! attributes, and the stylesheet is adopted as a constructed stylesheet.
#![forbid(unsafe_code)]

use icr_core::json_problem::JsonProblem;
use std::cell::{Cell, RefCell};

use icr_core::PatientSummary;
use icr_core::render::{PANEL_CSS, PanelOptions, find_item, item_details_html, panel_html};
use icr_core::summary::SCHEMA_VERSION;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    CssStyleSheet, Element, Event, HtmlInputElement, HtmlSelectElement, ShadowRoot, ShadowRootInit,
    ShadowRootMode,
};

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

fn parse_summary(json: &JsValue) -> Result<PatientSummary, PanelError> {
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

/// `{ idPrefix?: string, staleAfterDays?: number, recentChangeDays?: number }`.
fn read_options(options: &JsValue) -> Result<PanelOptions, PanelError> {
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
    Ok(o)
}

/// Event listeners of a panel, by event name.
type Listeners = Vec<(&'static str, Closure<dyn FnMut(Event)>)>;

/// A mounted panel: its element, its shadow root and the listeners to remove.
struct Mounted {
    id: u32,
    element: Element,
    root: ShadowRoot,
    listeners: Listeners,
}

impl Mounted {
    fn remove(self) {
        for (event, listener) in &self.listeners {
            let _ = self
                .root
                .remove_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
        self.root.set_inner_html("");
        let _ = js_sys::Reflect::set(
            &self.root,
            &JsValue::from_str("adoptedStyleSheets"),
            &js_sys::Array::new(),
        );
    }
}

thread_local! {
    static MOUNTED: RefCell<Vec<Mounted>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// The panel's stylesheet, constructed once and shared by every panel; `None` where
/// the browser has no constructable stylesheets (the HTML then embeds it).
fn sheet() -> Option<CssStyleSheet> {
    SHEET.with(|s| {
        let mut s = s.borrow_mut();
        if s.is_none() {
            let sheet = CssStyleSheet::new().ok()?;
            sheet.replace_sync(PANEL_CSS).ok()?;
            *s = Some(sheet);
        }
        s.clone()
    })
}

/// Returned by [`mount_panel`]; `unmount()` removes the panel it stands for.
#[wasm_bindgen]
pub struct PanelHandle {
    id: u32,
    element: Element,
}

#[wasm_bindgen]
impl PanelHandle {
    /// Removes this panel and its listeners. False when it was already removed or
    /// replaced by a later `mountPanel` on the same element.
    pub fn unmount(&self) -> bool {
        remove_where(|m| m.id == self.id)
    }

    /// The host element.
    #[wasm_bindgen(getter)]
    pub fn element(&self) -> Element {
        self.element.clone()
    }
}

fn remove_where(pred: impl Fn(&Mounted) -> bool) -> bool {
    let found = MOUNTED.with(|m| {
        let mut m = m.borrow_mut();
        m.iter().position(pred).map(|at| m.remove(at))
    });
    match found {
        Some(mounted) => {
            mounted.remove();
            true
        }
        None => false,
    }
}

/// Renders the summary into `element`'s open shadow root (created if needed) and wires
/// its controls. A panel already mounted there is replaced (as is anything else in an
/// open shadow root the element already had). Nothing in the page changes when it
/// throws. `options`: `{ idPrefix?, staleAfterDays?, recentChangeDays? }`.
#[wasm_bindgen(js_name = mountPanel)]
pub fn mount_panel(
    element: JsValue,
    summary_json: JsValue,
    options: JsValue,
) -> Result<PanelHandle, JsValue> {
    let element: Element = element.dyn_into().map_err(|_| PanelError::NoElement)?;
    let mut options = read_options(&options)?;
    let summary = parse_summary(&summary_json)?;
    let sheet = sheet();
    options.embed_style = sheet.is_none();
    let html = panel_html(&summary, &options);
    remove_where(|m| m.element == element);
    let root = match element.shadow_root() {
        Some(root) => root,
        None => element
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .map_err(|_| PanelError::ShadowRoot)?,
    };
    if let Some(sheet) = sheet {
        let _ = js_sys::Reflect::set(
            &root,
            &JsValue::from_str("adoptedStyleSheets"),
            &js_sys::Array::of1(&sheet),
        );
    }
    root.set_inner_html(&html);
    let listeners = wire(&root, summary);
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1));
        id
    });
    MOUNTED.with(|m| {
        m.borrow_mut().push(Mounted {
            id,
            element: element.clone(),
            root,
            listeners,
        })
    });
    Ok(PanelHandle { id, element })
}

/// Removes the panel mounted in `element`, if any. Returns whether there was one.
#[wasm_bindgen]
pub fn unmount(element: JsValue) -> bool {
    match element.dyn_into::<Element>() {
        Ok(element) => remove_where(|m| m.element == element),
        Err(_) => false,
    }
}

fn wire(root: &ShadowRoot, summary: PatientSummary) -> Listeners {
    let mut listeners: Listeners = Vec::new();
    let r = root.clone();
    listeners.push((
        "click",
        Closure::new(move |ev: Event| toggle(&r, &summary, &ev)),
    ));
    for event in ["input", "change"] {
        let r = root.clone();
        listeners.push((event, Closure::new(move |_: Event| filter(&r))));
    }
    for (event, listener) in &listeners {
        let _ = root.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
    }
    listeners
}

/// A section or details toggle: flips `aria-expanded` and the region's `hidden`; an
/// item's details are rendered (by the core) the first time they are opened.
fn toggle(root: &ShadowRoot, summary: &PatientSummary, ev: &Event) {
    let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Ok(Some(button)) = target.closest("button[data-icr-toggle]") else {
        return;
    };
    let open = button.get_attribute("aria-expanded").as_deref() == Some("true");
    let _ = button.set_attribute("aria-expanded", if open { "false" } else { "true" });
    let region = button
        .get_attribute("aria-controls")
        .and_then(|id| root.get_element_by_id(&id));
    if let Some(region) = region {
        if !open && region.has_attribute("data-icr-lazy") {
            fill_details(summary, &button, &region);
        }
        let _ = if open {
            region.set_attribute("hidden", "")
        } else {
            region.remove_attribute("hidden")
        };
    }
}

/// Renders the details of the item `button` belongs to into `region`.
fn fill_details(summary: &PatientSummary, button: &Element, region: &Element) {
    let Ok(Some(item)) = button.closest("[data-item-id]") else {
        return;
    };
    let Ok(Some(section)) = item.closest("section[data-section]") else {
        return;
    };
    let (Some(id), Some(key)) = (
        item.get_attribute("data-item-id"),
        section.get_attribute("data-section"),
    ) else {
        return;
    };
    if let Some(entry) = find_item(summary, &key, &id) {
        region.set_inner_html(&item_details_html(entry));
        let _ = region.remove_attribute("data-icr-lazy");
    }
}

fn elements(root: &web_sys::DocumentFragment, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .collect()
}

fn set_flag(e: &Element, name: &str, on: bool) {
    let _ = if on {
        e.set_attribute(name, "")
    } else {
        e.remove_attribute(name)
    };
}

/// Applies the source filter and the search text to every item.
fn filter(root: &ShadowRoot) {
    let query = root
        .query_selector("[data-icr-search]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value().trim().to_lowercase())
        .unwrap_or_default();
    let source = root
        .query_selector("[data-icr-filter]")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default();
    let items = elements(root, "[data-item-id]");
    let mut shown = 0;
    for item in &items {
        let from = source.is_empty()
            || item
                .get_attribute("data-source-ods")
                .is_some_and(|v| v.split(' ').any(|t| t == source));
        let matches = from
            && (query.is_empty()
                || item
                    .text_content()
                    .is_some_and(|t| t.to_lowercase().contains(&query)));
        set_flag(item, "data-icr-filtered", !matches);
        shown += usize::from(matches);
    }
    for list in elements(root, "ul.icr-items") {
        let visible = list
            .query_selector("[data-item-id]:not([data-icr-filtered])")
            .ok()
            .flatten()
            .is_some();
        set_flag(&list, "data-icr-filtered", !visible);
        if let Some(group) = list
            .previous_element_sibling()
            .filter(|h| h.matches(".icr-group").unwrap_or(false))
        {
            set_flag(&group, "data-icr-filtered", !visible);
        }
    }
    for section in elements(root, "section[data-section]") {
        let visible = section
            .query_selector("[data-item-id]:not([data-icr-filtered])")
            .ok()
            .flatten()
            .is_some();
        if let Ok(Some(note)) = section.query_selector("[data-icr-no-match]") {
            set_flag(&note, "hidden", visible);
        }
    }
    if let Ok(Some(status)) = root.query_selector("[data-icr-status]") {
        let total = items.len();
        let text = if query.is_empty() && source.is_empty() {
            format!("Showing all {total} items")
        } else {
            format!("Showing {shown} of {total} items")
        };
        status.set_text_content(Some(&text));
    }
}
