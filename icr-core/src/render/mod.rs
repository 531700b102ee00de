//! The HTML summary panel: what a clinician sees inside the host system.
//!
//! [`panel_html`] turns a [`PatientSummary`] into one self-contained HTML fragment: a root
//! `<section class="icr-panel">` holding the patient banner (NHS CUI style), notices about
//! sources that failed or may be out of date, every section in display order (alerts
//! first), and the list of sources. It carries its own stylesheet ([`PANEL_CSS`]) and
//! needs no script, font, image or network request; [`standalone_page`] wraps it in a
//! whole page with a Content-Security-Policy that allows exactly that stylesheet and
//! nothing else.
//!
//! # Escaped by construction
//!
//! Every piece of record content is untrusted: it comes from other organisations'
//! systems. The markup is written with [`maud`]'s `html!` macro, which checks the
//! template at compile time and escapes every interpolated value (text and attribute
//! values alike); there is no string concatenation of record text anywhere in this
//! module, and the only unescaped insertion is the constant stylesheet. maud was chosen
//! over runtime template engines (askama, tera, handlebars) because its templates are
//! Rust code: an interpolation cannot be left unescaped by a typo in a template file, it
//! adds no runtime parser, and its only runtime is a few hundred lines, which matters for
//! the wasm panel's size. Links are made only for `https:` attachment addresses; any
//! other scheme (`javascript:`, `data:`) is shown as text. Element ids are generated
//! (`{prefix}-i3`), never taken from record content, so record text cannot clobber them.
//!
//! Text is normalised the way an HTML parser would see it anyway (CR LF and CR become LF),
//! and every other control and bidirectional-formatting character is made visible
//! ([`visible::for_html`]: ESC shows as `␛`, a right-to-left override as `<U+202E>`), so
//! what the browser shows is what the source sent, and nothing of it acts on the page.
//!
//! # Hooks for hosts and the wasm panel
//!
//! Stable attributes: `data-section="allergies"` on each section (the [`Section::key`]),
//! `data-item-id` on each item (the [`Entry::id`]), `data-source-ods` on each item (the
//! ODS codes of its sources, space separated; an organisation without one gets
//! `org-` and a hash of its name). Theming is through CSS custom properties (`--icr-text`,
//! `--icr-bg`, `--icr-banner-bg`, `--icr-alert`, `--icr-warning-bg`, `--icr-focus`,
//! `--icr-font`, … see [`PANEL_CSS`]), which cross a shadow root.
//!
//! [`Section::key`]: crate::model::Section::key
//! [`Entry::id`]: crate::model::Entry::id

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod items;
mod panel;
mod risk;
#[cfg(test)]
mod tests;
mod text;
mod trends;
pub mod visible;
mod words;

use std::borrow::Cow;

use maud::{DOCTYPE, Render, html};

use crate::model::Entry;
use crate::summary::PatientSummary;

pub use text::summary_text;

/// The panel's stylesheet. [`panel_html`] embeds it in a `<style>` element unless
/// [`PanelOptions::embed_style`] is off (the wasm panel adopts it as a constructed
/// stylesheet instead, so a page needs no `style-src` exception for it).
pub const PANEL_CSS: &str = include_str!("panel.css");

/// The CSP source expression (`'sha256-…'`) that allows the embedded `<style>` element
/// holding [`PANEL_CSS`]; [`standalone_page`] uses it, and a host that embeds the
/// fragment in its own pages can add it to its `style-src`.
pub const PANEL_CSS_CSP_HASH: &str = "'sha256-aHIWKM2ki7aCzxqP5INk8/PQyW8ybsMlnzize0HgHMw='";

/// How to render the panel. Hosts through the FFI get the same defaults: each field's
/// uniffi default sits on the field and must say what [`Default`] below says.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PanelOptions {
    /// Prefix of every element id, so that several panels can share a page. Only ASCII
    /// letters, digits, `-` and `_` are kept. Default `icr`.
    #[cfg_attr(feature = "uniffi", uniffi(default = "icr"))]
    pub id_prefix: String,
    /// Adds the controls the wasm panel wires: section toggles, the source filter, the
    /// search box and item detail toggles (item details start hidden). Off by default:
    /// without script, item details are shown inline and there are no dead controls.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub interactive: bool,
    /// With `interactive`: leaves each item's details region empty (marked
    /// `data-icr-lazy`) for the host to fill with [`item_details_html`] when it is first
    /// opened, which halves the markup of a large record. Off by default.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub lazy_details: bool,
    /// Embeds [`PANEL_CSS`] in a `<style>` element inside the fragment. Default on.
    #[cfg_attr(feature = "uniffi", uniffi(default = true))]
    pub embed_style: bool,
    /// Only for summary JSON made before [`SourceView::freshness`] existed: a source
    /// whose data is older than this many days is flagged "may be out of date". A
    /// summary that carries `freshness` is shown as it was judged when it was built (the
    /// threshold is set where summaries are built, `IcrBuilder::stale_after_days`), so
    /// every host flags the same sources. Default 30.
    ///
    /// [`SourceView::freshness`]: crate::summary::SourceView::freshness
    #[cfg_attr(feature = "uniffi", uniffi(default = 30))]
    pub stale_after_days: i64,
    /// Medication changes within this many days of the summary date are highlighted as
    /// recent. Default 90.
    #[cfg_attr(feature = "uniffi", uniffi(default = 90))]
    pub recent_change_days: i64,
}

impl Default for PanelOptions {
    fn default() -> Self {
        PanelOptions {
            id_prefix: "icr".to_owned(),
            interactive: false,
            lazy_details: false,
            embed_style: true,
            stale_after_days: crate::summary::DEFAULT_STALE_AFTER_DAYS,
            recent_change_days: 90,
        }
    }
}

impl PanelOptions {
    /// The options the wasm panel uses: interactive, details filled in when opened,
    /// stylesheet adopted separately.
    pub fn interactive() -> Self {
        PanelOptions {
            interactive: true,
            lazy_details: true,
            embed_style: false,
            ..PanelOptions::default()
        }
    }
}

/// The summary as a self-contained HTML fragment: one `<section class="icr-panel">`
/// with its own stylesheet (see the [module docs](self) for its hooks and theming).
///
/// ```
/// use icr_core::render::{PanelOptions, panel_html};
/// # let summary: icr_core::PatientSummary = serde_json::from_str(
/// #   r#"{"schema_version":2,"as_of":"2026-11-25","sections":[],"sources":[]}"#).unwrap();
/// let html = panel_html(&summary, &PanelOptions::default());
/// assert!(html.starts_with("<section class=\"icr-panel\""));
/// ```
pub fn panel_html(summary: &PatientSummary, options: &PanelOptions) -> String {
    panel::panel(summary, options, None).0.into_string()
}

/// The panel in two steps, for a browser panel that shows the first screenful at once
/// and fills in the rest a part at a time: the panel with every section's heading,
/// notices and withheld markers, the items of the sections before the first
/// `eager_items` items, and the other parts' contents left empty, each marked
/// `data-icr-pending` with its key (the trends block's `trends`, or a section's key).
/// [`pending_part_html`] gives each part's content. Filled in, the panel holds what
/// [`panel_html`] gives (element ids of the later parts differ, and stay unique).
pub fn panel_first_html(
    summary: &PatientSummary,
    options: &PanelOptions,
    eager_items: usize,
) -> FirstRender {
    let (markup, pending) = panel::panel(summary, options, Some(panel::Pending { eager_items }));
    FirstRender {
        html: markup.into_string(),
        pending,
    }
}

/// What [`panel_first_html`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstRender {
    /// The panel with its later parts left empty.
    pub html: String,
    /// The keys of the parts left empty, in the order they appear.
    pub pending: Vec<String>,
}

/// The content of a part [`panel_first_html`] left empty (its `data-icr-pending` key):
/// `None` for a key that names no part.
pub fn pending_part_html(
    summary: &PatientSummary,
    options: &PanelOptions,
    key: &str,
) -> Option<String> {
    panel::pending_part(summary, options, key).map(maud::Markup::into_string)
}

/// The details of one item (codes, status, dates, sensitivity labels and every source
/// with its resource reference): what fills the item's details region when
/// [`PanelOptions::lazy_details`] left it empty.
pub fn item_details_html(entry: &Entry) -> String {
    items::detail_list(entry).into_string()
}

/// The item a panel element stands for, from its `data-section` and `data-item-id` as
/// read back from the DOM (where the id went through the same text normalisation as all
/// record text).
pub fn find_item<'a>(
    summary: &'a PatientSummary,
    section: &str,
    item_id: &str,
) -> Option<&'a Entry> {
    let in_sections = summary
        .sections
        .iter()
        .filter(|s| s.key.key() == section)
        .flat_map(|s| &s.items);
    // Items held for reconciliation are in the section of their kind too.
    let held = summary
        .reconciliation
        .iter()
        .filter(|e| e.section.key() == section);
    in_sections
        .chain(held)
        .find(|e| visible::for_html(&normalise(&e.id)) == item_id)
}

/// A whole HTML page showing the summary, for saving, printing or a browser without the
/// wasm panel. The page has a Content-Security-Policy of `default-src 'none'` with only
/// the panel's stylesheet allowed by its hash: no script, no request of any kind. Because
/// it runs no script it is always rendered non-interactive (item details shown inline),
/// whatever `options.interactive` says. The `<title>` names no patient.
pub fn standalone_page(summary: &PatientSummary, options: &PanelOptions) -> String {
    let options = PanelOptions {
        interactive: false,
        embed_style: true,
        ..options.clone()
    };
    let csp = format!(
        "default-src 'none'; style-src {PANEL_CSS_CSP_HASH}; img-src 'none'; base-uri 'none'; form-action 'none'"
    );
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(csp);
                meta name="referrer" content="no-referrer";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Care record summary" }
            }
            body {
                main { (panel::panel(summary, &options, None).0) }
            }
        }
    }
    .into_string()
}

/// Record text, escaped by maud and normalised as an HTML parser would read it.
pub(crate) struct Text<'a>(pub(crate) &'a str);

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        visible::for_html(&normalise(self.0)).render_to(buffer);
    }
}

/// CR LF and lone CR become LF, NUL becomes U+FFFD: what the HTML parser does to its
/// input (NUL in text would otherwise be dropped), done here so the DOM holds exactly
/// what this function returns.
pub(crate) fn normalise(s: &str) -> Cow<'_, str> {
    if !s.contains(['\r', '\0']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\0', "\u{FFFD}"),
    )
}
