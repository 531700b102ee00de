//! The risk block under the banner: each signal's headline (marked when raised), and a
//! "Why" that opens its rule, its caveat and its evidence. `details` opens without
//! script, so it works under the panel's strict content security policy and by
//! keyboard; in print the evidence is shown open (`panel.css`).

use maud::{Markup, html};

use super::Text;
use super::panel::{Cx, date};
use crate::risk::{RiskBlock, RiskEvidence, RiskKind, RiskSignal};

/// The kebab-case code of a signal kind, as in the JSON.
fn kind_key(kind: RiskKind) -> String {
    crate::model::code_of(&kind)
}

pub(super) fn risk(cx: &Cx<'_>, risk: &RiskBlock) -> Markup {
    if risk.signals.is_empty() {
        return html! {};
    }
    let heading = cx.named("risk-h");
    html! {
        section.icr-risk aria-labelledby=(heading) data-risk="" {
            h3.icr-risk-heading id=(heading) { "Risk and support" }
            ul.icr-risk-signals {
                @for s in &risk.signals { (signal(cx, s)) }
            }
            p.icr-risk-basis { (Text(&risk.basis)) }
        }
    }
}

fn signal(cx: &Cx<'_>, s: &RiskSignal) -> Markup {
    let why = cx.id("why");
    html! {
        li.icr-risk-signal data-signal=(kind_key(s.kind)) data-raised=(s.raised) {
            span.icr-risk-title {
                @if s.raised { span.icr-badge.icr-risk-raised { "Raised" } " " }
                strong { (s.kind.title()) ": " }
                (Text(&s.headline))
            }
            details.icr-risk-why id=(why) {
                summary { "Why" span.icr-visually-hidden { ": " (s.kind.title()) } }
                p.icr-risk-rule { (Text(&s.rule)) }
                @if let Some(c) = &s.caveat {
                    p.icr-notice.icr-notice-info role="note" data-notice="screening" { (Text(c)) }
                }
                ul.icr-risk-evidence {
                    @for e in &s.evidence { (evidence(e)) }
                }
            }
        }
    }
}

fn evidence(e: &RiskEvidence) -> Markup {
    html! {
        li data-item=(Text(&e.item_id)) data-counted=(e.counted) {
            (Text(&e.title))
            @if let Some(d) = &e.date { ", " (date(d)) }
            @if !e.organisations.is_empty() {
                " " span.icr-org data-field="org" { "(" (Text(&e.organisations.join(", "))) ")" }
            }
            @if let Some(n) = &e.note { ": " em { (Text(n)) } }
            @for t in &e.telecom {
                " · " (Text(&t.value))
                @if let Some(u) = &t.use_ { " (" (Text(u)) ")" }
            }
        }
    }
}
