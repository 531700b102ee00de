//! Showing a large record at once: the core renders the first screenful (every heading,
//! notice and withheld marker, and the items of the first sections), and the other
//! parts' contents follow a part per task, so the browser paints between them. Search,
//! the source filter and printing fill in whatever is left first, so they always act on
//! the whole record. `whenRendered()` resolves, and the panel carries
//! `data-icr-rendered`, once every part is in. DOM work only: what a part holds is the
//! core's ([`pending_part_html`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use icr_core::PatientSummary;
use icr_core::render::{PanelOptions, pending_part_html};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::ShadowRoot;

/// A panel's parts still to render, and who waits for them.
pub(crate) struct Progress {
    pub(crate) root: ShadowRoot,
    pub(crate) summary: PatientSummary,
    options: PanelOptions,
    pending: RefCell<VecDeque<String>>,
    timer: Cell<Option<i32>>,
    tick: RefCell<Option<Closure<dyn FnMut()>>>,
    waiting: RefCell<Vec<js_sys::Function>>,
}

impl Progress {
    pub(crate) fn start(
        root: ShadowRoot,
        summary: PatientSummary,
        options: PanelOptions,
        pending: Vec<String>,
    ) -> Rc<Progress> {
        let progress = Rc::new(Progress {
            root,
            summary,
            options,
            pending: RefCell::new(pending.into()),
            timer: Cell::new(None),
            tick: RefCell::new(None),
            waiting: RefCell::new(Vec::new()),
        });
        let weak: Weak<Progress> = Rc::downgrade(&progress);
        *progress.tick.borrow_mut() = Some(Closure::new(move || {
            if let Some(p) = weak.upgrade() {
                p.timer.set(None);
                p.fill_next();
                p.schedule();
            }
        }));
        progress.schedule();
        progress
    }

    /// Fills the next part in; false when nothing was left.
    fn fill_next(&self) -> bool {
        let Some(key) = self.pending.borrow_mut().pop_front() else {
            return false;
        };
        let selector = format!("[data-icr-pending=\"{key}\"]");
        if let (Ok(Some(slot)), Some(html)) = (
            self.root.query_selector(&selector),
            pending_part_html(&self.summary, &self.options, &key),
        ) {
            slot.set_inner_html(&html);
            let _ = slot.remove_attribute("data-icr-pending");
        }
        true
    }

    /// The next part in a task of its own, or, when none is left, the panel marked
    /// rendered and those waiting told.
    fn schedule(&self) {
        if self.pending.borrow().is_empty() {
            self.finished();
            return;
        }
        let (Some(window), Some(tick)) = (
            web_sys::window(),
            self.tick
                .borrow()
                .as_ref()
                .map(|t| t.as_ref().unchecked_ref::<js_sys::Function>().clone()),
        ) else {
            self.complete();
            return;
        };
        if let Ok(id) = window.set_timeout_with_callback_and_timeout_and_arguments_0(&tick, 0) {
            self.timer.set(Some(id));
        }
    }

    /// Fills in every part left, at once (before a search, a filter or printing).
    pub(crate) fn complete(&self) {
        self.cancel();
        while self.fill_next() {}
        self.finished();
    }

    fn finished(&self) {
        if let Ok(Some(panel)) = self.root.query_selector(".icr-panel") {
            let _ = panel.set_attribute("data-icr-rendered", "");
        }
        for resolve in self.waiting.take() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    fn cancel(&self) {
        if let (Some(id), Some(window)) = (self.timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(id);
        }
    }

    /// A promise that resolves once every part is in.
    pub(crate) fn when_rendered(&self) -> js_sys::Promise {
        let done = self.pending.borrow().is_empty() && self.timer.get().is_none();
        js_sys::Promise::new(&mut |resolve, _| {
            if done {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            } else {
                self.waiting.borrow_mut().push(resolve);
            }
        })
    }

    /// Stops filling in (the panel is being removed).
    pub(crate) fn stop(&self) {
        self.cancel();
        self.pending.borrow_mut().clear();
        self.tick.borrow_mut().take();
        self.waiting.borrow_mut().clear();
    }
}
