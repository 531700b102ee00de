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

mod controls;
mod error;
mod input;

use std::cell::{Cell, RefCell};

use icr_core::render::{PANEL_CSS, panel_html};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

use controls::{Listeners, wire};
pub use error::PanelError;
use input::{parse_summary, read_options};

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
