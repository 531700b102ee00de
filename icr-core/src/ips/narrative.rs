//! The document's narrative (`text.div`), generated after filtering from the same items
//! as its entries: XHTML in the FHIR namespace, every record string escaped by `maud`
//! (the renderer the panel uses), only the elements FHIR narrative allows (`div`, `p`,
//! `ul`, `li`, `table` and its parts, `b`).

use maud::{Markup, html};

use crate::model::{Entry, FhirDate};
use crate::summary::{SectionStatement, SectionWarning, SourceView, Withheld};

const XHTML: &str = "http://www.w3.org/1999/xhtml";

fn organisations(e: &Entry) -> String {
    let mut names: Vec<&str> = e
        .provenance
        .iter()
        .map(|p| p.organisation.name.as_str())
        .collect();
    names.dedup();
    names.join(", ")
}

fn when(d: Option<&FhirDate>) -> String {
    d.map(FhirDate::display).unwrap_or_default()
}

/// A section's narrative: its items in a table, then what was withheld (counts and
/// reasons, never content), what sources say about it, and its warnings.
pub(super) fn section(
    items: &[&Entry],
    withheld: &[&Withheld],
    statements: &[&SectionStatement],
    warnings: &[&SectionWarning],
    folded: i64,
    empty_words: &str,
) -> String {
    let body: Markup = html! {
        div xmlns=(XHTML) {
            @if items.is_empty() && withheld.is_empty() && statements.is_empty() {
                p { (empty_words) }
            }
            @if !items.is_empty() {
                table {
                    thead { tr { th { "Item" } th { "Date" } th { "Status" } th { "From" } } }
                    tbody {
                        @for e in items {
                            tr {
                                td { (e.title) }
                                td { (when(e.date.as_ref())) }
                                td { (e.status.as_deref().unwrap_or_default()) }
                                td { (organisations(e)) }
                            }
                        }
                    }
                }
            }
            @for w in withheld {
                p { b { "Information withheld: " } (w.count) " item(s). " (w.explanation) }
            }
            @if folded > 0 {
                p { (folded) " administrative entries with no content are not listed." }
            }
            @for st in statements {
                p {
                    (st.organisation) ": "
                    @match &st.text {
                        Some(t) => (t),
                        None => (crate::model::code_of(&st.kind)),
                    }
                }
            }
            @for w in warnings {
                p { b { "Warning: " } (w.text.as_deref().unwrap_or(&w.code)) " (" (w.organisation) ")" }
            }
        }
    };
    body.into_string()
}

/// The sources' narrative: each source, its status and how current its data is.
pub(super) fn sources(sources: &[SourceView]) -> String {
    let body: Markup = html! {
        div xmlns=(XHTML) {
            ul {
                @for s in sources {
                    li {
                        b { (s.name) }
                        @if let Some(ods) = &s.ods_code { " (" (ods) ")" }
                        ": " (crate::model::code_of(&s.status))
                        @if let Some(r) = &s.reason { ", " (r) }
                        @if let Some(a) = &s.as_of { "; data as of " (a) }
                        @if let Some(f) = &s.freshness { " (" (crate::model::code_of(f)) ")" }
                        @for w in &s.warnings { "; warning: " (w.text.as_deref().unwrap_or(&w.code)) }
                    }
                }
            }
            @if sources.is_empty() { p { "No source was named." } }
        }
    };
    body.into_string()
}
