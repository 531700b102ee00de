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
mod progressive;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use icr_core::render::{PANEL_CSS, panel_first_html};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

use controls::{Listeners, wire};
pub use error::PanelError;
use input::{parse_summary, read_options};
use progressive::Progress;

/// A mounted panel: its element, its shadow root, the parts it has still to render and
/// the listeners to remove.
struct Mounted {
    id: u32,
    element: Element,
    root: ShadowRoot,
    progress: Rc<Progress>,
    listeners: Listeners,
    /// Fills in every part before the page is printed.
    before_print: Closure<dyn FnMut()>,
}

impl Mounted {
    fn remove(self) {
        self.progress.stop();
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback(
                "beforeprint",
                self.before_print.as_ref().unchecked_ref(),
            );
        }
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

    /// Resolves once every part of the panel is rendered (a large record shows its first
    /// screenful at once and fills in the rest a part at a time); at once for a panel
    /// already complete or removed.
    #[wasm_bindgen(js_name = whenRendered)]
    pub fn when_rendered(&self) -> js_sys::Promise {
        let progress = MOUNTED.with(|m| {
            m.borrow()
                .iter()
                .find(|m| m.id == self.id)
                .map(|m| Rc::clone(&m.progress))
        });
        match progress {
            Some(p) => p.when_rendered(),
            None => js_sys::Promise::resolve(&JsValue::UNDEFINED),
        }
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
/// throws. `options`: `{ idPrefix?, staleAfterDays?, recentChangeDays?, eagerItems? }`:
/// the sections holding the first `eagerItems` items (default 120) are rendered at once,
/// the rest follow a part at a time (`whenRendered()`).
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
    options.panel.embed_style = sheet.is_none();
    let first = panel_first_html(&summary, &options.panel, options.eager_items);
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
    root.set_inner_html(&first.html);
    let progress = Progress::start(root.clone(), summary, options.panel, first.pending);
    let listeners = wire(&progress);
    let before_print = {
        let p = Rc::clone(&progress);
        Closure::<dyn FnMut()>::new(move || p.complete())
    };
    if let Some(window) = web_sys::window() {
        let _ = window
            .add_event_listener_with_callback("beforeprint", before_print.as_ref().unchecked_ref());
    }
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
            progress,
            listeners,
            before_print,
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
