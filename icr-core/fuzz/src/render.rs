//! The HTML panel and the text summary: whatever text a summary holds comes back out of
//! the rendered HTML as the same text (its control and bidirectional-formatting
//! characters made visible), adds no markup, and no control or bidi character reaches
//! either output raw.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use icr_core::PatientSummary;
use icr_core::model::Section;
use icr_core::render::fuzzing::free_text_paths;
use icr_core::render::visible::{for_html, is_hidden};
use icr_core::render::{PanelOptions, panel_html, standalone_page, summary_text};
use scraper::{ElementRef, Html, Selector};

use crate::fixtures;

/// Every element's tag and attribute names, in document order.
fn shape(html: &str) -> Vec<(String, Vec<String>)> {
    shape_of(&Html::parse_fragment(html))
}

fn shape_of(doc: &Html) -> Vec<(String, Vec<String>)> {
    doc.root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .map(|e| {
            let mut attrs: Vec<String> = e.value().attrs().map(|(n, _)| n.to_owned()).collect();
            attrs.sort();
            (e.value().name().to_owned(), attrs)
        })
        .collect()
}

/// What the panel shows of text: CR and CRLF become LF and NUL becomes U+FFFD (as the
/// HTML parser reads them), every other control and bidi character made visible.
fn as_parsed(s: &str) -> String {
    let parsed = s
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\0', "\u{FFFD}");
    for_html(&parsed).into_owned()
}

/// No control or bidi character raw: none at all on a text line; in HTML, only the
/// layout the panel writes itself (LF, TAB).
fn assert_nothing_hidden(html: &str, text: &str) {
    if let Some(at) = html.find(|c: char| is_hidden(c) && c != '\n' && c != '\t') {
        let around: String = html[at.saturating_sub(80)..].chars().take(120).collect();
        panic!("a control or bidi character in the HTML: {around:?}");
    }
    for line in text.lines() {
        assert!(
            !line.chars().any(is_hidden),
            "a control or bidi character: {line:?}"
        );
    }
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

/// The demo summary cut to two items per section (one parse of the whole demo panel
/// takes milliseconds; this keeps the target at hundreds of runs a second).
fn small_summary() -> &'static PatientSummary {
    static SMALL: OnceLock<PatientSummary> = OnceLock::new();
    SMALL.get_or_init(|| {
        let mut s = fixtures::demo_summary().clone();
        for section in &mut s.sections {
            section.items.truncate(2);
        }
        s
    })
}

/// The small summary as JSON, and every string leaf that can hold any text (free text,
/// not enums or dates), as JSON pointers.
fn text_fields() -> &'static (serde_json::Value, Vec<String>) {
    static FIELDS: OnceLock<(serde_json::Value, Vec<String>)> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let base = serde_json::to_value(small_summary()).unwrap();
        let free = free_text_paths(&base);
        (base, free)
    })
}

/// Element and attribute names the clean demo panels (whole and small) use, in either
/// mode.
fn allowed_markup() -> &'static BTreeSet<(String, String)> {
    static ALLOWED: OnceLock<BTreeSet<(String, String)>> = OnceLock::new();
    ALLOWED.get_or_init(|| {
        [PanelOptions::default(), PanelOptions::interactive()]
            .iter()
            .flat_map(|o| {
                [fixtures::demo_summary(), small_summary()]
                    .into_iter()
                    .flat_map(|s| shape(&panel_html(s, o)))
            })
            .flat_map(|(tag, attrs)| {
                std::iter::once((tag.clone(), String::new()))
                    .chain(attrs.into_iter().map(move |a| (tag.clone(), a)))
            })
            .collect()
    })
}

/// The fuzzer's choice, from bytes laid out as [`encode`] writes them: a mode byte,
/// then texts separated by 0x1F. The first text goes into the item fields the panel
/// names (`data-field`); each later one starts with two bytes (little-endian) that pick
/// one of the summary's free-text fields.
struct Input {
    interactive: bool,
    text: String,
    others: Vec<(u16, String)>,
}

impl Input {
    fn decode(data: &[u8]) -> Option<Input> {
        let (&mode, rest) = data.split_first()?;
        let mut parts = rest.split(|&b| b == 0x1F);
        let text = String::from_utf8_lossy(parts.next()?).into_owned();
        let others = parts
            .filter_map(|p| {
                let (at, t) = p.split_first_chunk::<2>()?;
                Some((
                    u16::from_le_bytes(*at),
                    String::from_utf8_lossy(t).into_owned(),
                ))
            })
            .collect();
        Some(Input {
            interactive: mode & 1 == 1,
            text,
            others,
        })
    }
}

/// Lays out a render input (for seeds): mode, the item text, then (field, text) pairs.
pub fn encode(interactive: bool, text: &str, others: &[(u16, &str)]) -> Vec<u8> {
    let mut out = vec![u8::from(interactive)];
    out.extend_from_slice(text.as_bytes());
    for (at, t) in others {
        out.push(0x1F);
        out.extend_from_slice(&at.to_le_bytes());
        out.extend_from_slice(t.as_bytes());
    }
    out
}

/// Renders the demo summary with fuzzed text in it. The text put into a medication's
/// title, note and organisation must read back exactly from those fields of the parsed
/// HTML; with text in any other fields, the panel (and the standalone page) must hold
/// only elements and attributes the clean panel uses, and links only to https.
pub fn render(data: &[u8]) {
    let Some(input) = Input::decode(data) else {
        return;
    };
    let options = if input.interactive {
        PanelOptions::interactive()
    } else {
        PanelOptions::default()
    };
    round_trip(&input.text, &options);

    let (base, fields) = text_fields();
    let mut v = base.clone();
    for (at, text) in input.others.iter().take(64) {
        if let Some(path) = fields.get(usize::from(*at) % fields.len().max(1)) {
            *v.pointer_mut(path).unwrap() = text.as_str().into();
        }
    }
    let summary: PatientSummary = serde_json::from_value(v).unwrap();
    let html = panel_html(&summary, &options);
    assert_nothing_hidden(&html, &summary_text(&summary));
    let allowed = allowed_markup();
    let doc = Html::parse_fragment(&html);
    for (tag, attrs) in shape_of(&doc) {
        assert!(
            allowed.contains(&(tag.clone(), String::new())),
            "element {tag}"
        );
        for a in attrs {
            assert!(allowed.contains(&(tag.clone(), a.clone())), "{tag}[{a}]");
        }
    }
    for a in select(&doc, "a[href]") {
        let href = a.value().attr("href").unwrap_or_default();
        assert!(href.starts_with("https://"), "link to {href:?}");
    }
    // Text is escaped, so the whole page's markup can be checked on the raw string.
    let page = standalone_page(&summary, &options);
    assert!(!page.contains("<script"), "script in the page");
    assert_eq!(page.matches("<body").count(), 1, "one body");
}

/// The text in a medication's title, note and organisation, read back.
fn round_trip(text: &str, options: &PanelOptions) {
    let mut s = small_summary().clone();
    let Some(meds) = s
        .sections
        .iter_mut()
        .find(|x| x.key == Section::Medications)
    else {
        return;
    };
    let Some(item) = meds.items.first_mut() else {
        return;
    };
    item.title = text.to_owned();
    item.notes = vec![text.to_owned()];
    if let Some(p) = item.provenance.first_mut() {
        p.organisation.name = text.to_owned();
    }
    let html = panel_html(&s, options);
    // The text output is checked once per input, with every field filled, in `render`.
    assert_nothing_hidden(&html, "");
    let doc = Html::parse_fragment(&html);
    let items = select(&doc, "section[data-section=medications] li.icr-item");
    let item = items.first().expect("the medication is rendered");
    let want = as_parsed(text);
    for field in ["title", "note", "org"] {
        let sel = Selector::parse(&format!("[data-field={field}]")).unwrap();
        let got: String = item
            .select(&sel)
            .next()
            .map(|e| e.text().collect())
            .unwrap_or_default();
        assert_eq!(got, want, "field {field}");
    }
}
