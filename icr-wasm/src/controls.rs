//! The panel's controls: section and detail toggles (details rendered by the core when
//! first opened), the source filter and the search box. DOM work only.

use std::rc::Rc;

use icr_core::PatientSummary;
use icr_core::render::{find_item, item_details_html};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, HtmlInputElement, HtmlSelectElement, ShadowRoot};

/// Event listeners of a panel, by event name.
pub(crate) type Listeners = Vec<(&'static str, Closure<dyn FnMut(Event)>)>;

use crate::progressive::Progress;

/// Wires the panel's controls. A search or a filter first fills in every part still to
/// render, so it acts on the whole record.
pub(crate) fn wire(progress: &Rc<Progress>) -> Listeners {
    let mut listeners: Listeners = Vec::new();
    let p = Rc::clone(progress);
    listeners.push((
        "click",
        Closure::new(move |ev: Event| toggle(&p.root, &p.summary, &ev)),
    ));
    for event in ["input", "change"] {
        let p = Rc::clone(progress);
        listeners.push((
            event,
            Closure::new(move |_: Event| {
                p.complete();
                filter(&p.root);
            }),
        ));
    }
    for (event, listener) in &listeners {
        let _ = progress
            .root
            .add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
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
