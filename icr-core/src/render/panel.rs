//! The panel's frame: heading, patient banner, risk signals, controls, source notices, the sections
//! (with the trends before the investigations) and the list of sources.

use std::cell::Cell;

use maud::{Markup, PreEscaped, html};

use super::items::{item, source_token};
use super::{PANEL_CSS, PanelOptions, Text};
use crate::model::{Entry, FhirDate, Section, code_of};
use crate::model::{SectionNoteKind, SourceStatus};
use crate::summary::{
    self, Banner, Freshness, PatientSummary, SectionStatement, SectionWarning, SourceView,
    SummarySection,
};

/// What every part of the panel needs while rendering.
pub(super) struct Cx<'a> {
    pub(super) options: &'a PanelOptions,
    pub(super) prefix: String,
    /// The prefix of generated ids: the panel's, or for a part rendered later (see
    /// [`Pending`]) the panel's and the part's, so ids stay unique across both steps.
    generated: String,
    pub(super) as_of: Option<jiff::civil::Date>,
    /// What an empty section says: "None recorded" only when every source was read.
    pub(super) empty: &'static str,
    next: Cell<u32>,
}

impl Cx<'_> {
    /// A fresh element id.
    pub(super) fn id(&self, kind: &str) -> String {
        let n = self.next.get();
        self.next.set(n.wrapping_add(1));
        format!("{}-{kind}{n}", self.generated)
    }

    /// A fixed element id.
    pub(super) fn named(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// Days from `date` to the summary date, when both are known.
    pub(super) fn days_before_as_of(&self, date: &FhirDate) -> Option<i64> {
        let span = date.civil_date()?.until(self.as_of?).ok()?;
        Some(i64::from(span.get_days()))
    }
}

fn clean_prefix(prefix: &str) -> String {
    let kept: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    match kept.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => kept,
        _ => format!("icr{kept}"),
    }
}

impl<'a> Cx<'a> {
    fn new(summary: &PatientSummary, options: &'a PanelOptions, part: Option<&str>) -> Cx<'a> {
        let prefix = clean_prefix(&options.id_prefix);
        Cx {
            options,
            generated: match part {
                Some(part) => format!("{prefix}-{part}"),
                None => prefix.clone(),
            },
            prefix,
            as_of: FhirDate::parse(&summary.as_of).and_then(|d| d.civil_date()),
            empty: summary.empty_section_words(),
            next: Cell::new(0),
        }
    }
}

/// The parts of a panel whose content is left for later: the trends block and the
/// bodies of the sections after the first `eager_items` items.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pending {
    pub(super) eager_items: usize,
}

/// The key of the trends block among the pending parts (sections use their own keys).
pub(super) const TRENDS: &str = "trends";

/// The whole panel, or (with `pending`) the panel with the later parts' contents left
/// empty, each marked `data-icr-pending` with its key, returned beside it.
pub(super) fn panel(
    summary: &PatientSummary,
    options: &PanelOptions,
    pending: Option<Pending>,
) -> (Markup, Vec<String>) {
    let cx = Cx::new(summary, options, None);
    let heading = cx.named("h");
    let total: usize = summary.sections.iter().map(|s| s.items.len()).sum();
    let mut left = Vec::new();
    let mut before = 0usize;
    let mut eager = |s: &SummarySection| {
        let now = pending.is_none_or(|p| before < p.eager_items || s.items.is_empty());
        before += s.items.len();
        if !now {
            left.push(s.key.key().to_owned());
        }
        now
    };
    let bodies: Vec<bool> = summary.sections.iter().map(&mut eager).collect();
    let trends_now = summary
        .sections
        .iter()
        .zip(&bodies)
        .find(|(s, _)| s.key == Section::Investigations)
        .is_none_or(|(_, now)| *now);
    if !trends_now && !summary.trends.is_empty() {
        left.insert(0, TRENDS.to_owned());
    }
    let markup = html! {
        section.icr-panel id=(cx.prefix) aria-labelledby=(heading) lang="en-GB"
            data-icr-panel="" data-schema-version=(summary.schema_version) {
            @if options.embed_style {
                style { (PreEscaped(PANEL_CSS)) }
            }
            div.icr-head {
                h2 id=(heading) { "Shared care record" }
                p.icr-asof { "Summary as of " (date_text(&summary.as_of)) }
            }
            (banner(summary.patient.as_ref(), &summary.demographic_discrepancies, &summary.banner_alerts))
            (super::risk::risk(&cx, &summary.risk))
            @if options.interactive { (toolbar(&cx, summary, total)) }
            (source_notices(&cx, &summary.sources))
            @for (section, now) in summary.sections.iter().zip(&bodies) {
                @if section.key == Section::Investigations { (super::trends::trends(&cx, &summary.trends, trends_now)) }
                (section_view(&cx, section, *now))
            }
            @if !summary.reconciliation.is_empty() {
                section.icr-section data-section="reconciliation" aria-labelledby=(cx.named("reconciliation-h")) {
                    h3.icr-section-heading id=(cx.named("reconciliation-h")) {
                        span.icr-heading-static { "Held for reconciliation" }
                    }
                    p.icr-notice.icr-notice-error role="note" {
                        strong { "Identity not confirmed: " }
                        "these items come from a source whose patient has this NHS number but other details. They are not part of this record."
                    }
                    ul.icr-items { @for e in &summary.reconciliation { (item(&cx, e.section, e)) } }
                }
            }
            (sources(&cx, &summary.sources))
        }
    };
    (markup, left)
}

/// The content of one part [`panel`] left pending: the trends block's body, or a
/// section's body. `None` for a key that names neither.
pub(super) fn pending_part(
    summary: &PatientSummary,
    options: &PanelOptions,
    key: &str,
) -> Option<Markup> {
    let cx = Cx::new(summary, options, Some(key));
    if key == TRENDS {
        return Some(super::trends::body(&cx, &summary.trends));
    }
    let section = summary.sections.iter().find(|s| s.key.key() == key)?;
    Some(section_body(&cx, section))
}

/// A date string from the summary in CUI form, or as given when it is not a FHIR date.
pub(super) fn date_text(s: &str) -> Markup {
    match FhirDate::parse(s) {
        Some(d) => date(&d),
        None => html! { (Text(s)) },
    }
}

/// A date in CUI form inside `<time>`.
pub(super) fn date(d: &FhirDate) -> Markup {
    if !d.is_valid() {
        // Text that is not a date (kept as recorded): shown as text, no machine date.
        return html! { span { (Text(&d.display())) } };
    }
    html! { time datetime=(Text(d.as_str())) { (d.display()) } }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn banner(
    patient: Option<&Banner>,
    discrepancies: &[String],
    alerts: &[crate::summary::BannerAlert],
) -> Markup {
    html! {
        div.icr-banner role="group" aria-label="Patient details" {
            @match patient {
                Some(p) => {
                    p.icr-name data-field="patient-name" { (Text(&p.name)) }
                    dl.icr-facts-row {
                        div {
                            dt { "NHS number" }
                            dd data-field="nhs-number" {
                                @match (&p.nhs_number_display, &p.nhs_number) {
                                    (Some(d), _) => (Text(d)),
                                    (None, Some(n)) => (Text(n)),
                                    (None, None) => "Not known",
                                }
                            }
                        }
                        div {
                            dt { "Born" }
                            dd data-field="born" {
                                @if let Some(shown) = p.birth_date_display.as_deref()
                                    .or(p.birth_date.as_deref()) {
                                    (Text(shown))
                                    @if let Some(age) = p.age_years { " (" (age) "y)" }
                                } @else { "Not known" }
                            }
                        }
                        div {
                            dt { "Gender" }
                            dd data-field="gender" {
                                @match &p.gender {
                                    Some(g) => (Text(&capitalised(g))),
                                    None => "Not known",
                                }
                            }
                        }
                        @if let Some(gp) = &p.registered_gp {
                            div { dt { "GP" } dd data-field="gp" { (Text(gp)) } }
                        }
                    }
                    @if let Some(d) = &p.deceased {
                        p.icr-notice.icr-notice-error role="note" {
                            strong { "Deceased" }
                            @if d != "deceased" { " " (date_text(d)) }
                            @if let Some(age) = p.age_at_death { ", aged " (age) }
                        }
                    }
                    @if let Some(w) = &p.contact_details_withheld {
                        p.icr-notice role="note" data-notice="restricted" { strong { (Text(w)) } }
                    }
                    @if !p.addresses.is_empty() || !p.telecom.is_empty() {
                        p.icr-banner-more {
                            @for (i, a) in p.addresses.iter().enumerate() {
                                @if i > 0 { "; " }
                                (Text(a))
                            }
                            @for t in &p.telecom {
                                " · " (Text(&t.value))
                                @if let Some(u) = &t.use_ { " (" (Text(u)) ")" }
                            }
                        }
                    }
                }
                None => {
                    p.icr-name { "Patient not identified" }
                }
            }
            @if !alerts.is_empty() {
                div.icr-notice.icr-notice-error role="alert" data-notice="banner-alerts" {
                    strong { "Check before acting: sources contradict each other." }
                    ul {
                        @for a in alerts {
                            li data-alert=(super::items::warning_key(a.code)) data-item=(Text(&a.item_id)) {
                                (Text(&a.text))
                            }
                        }
                    }
                }
            }
            @if !discrepancies.is_empty() {
                div.icr-notice role="note" data-notice="demographic-discrepancy" {
                    strong { "Warning: sources disagree about the patient's details." }
                    ul { @for d in discrepancies { li { (Text(d)) } } }
                }
            }
        }
    }
}

/// Every organisation items can be filtered by: the sources, then any other
/// organisation named in provenance, each once.
fn organisations(summary: &PatientSummary) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |token: String, label: String| {
        if !out.iter().any(|(t, _)| *t == token) {
            out.push((token, label));
        }
    };
    for s in &summary.sources {
        push(
            source_token(s.ods_code.as_deref(), &s.name),
            org_label(&s.name, s.ods_code.as_deref()),
        );
    }
    for p in summary
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|e| &e.provenance)
    {
        let o = &p.organisation;
        push(
            source_token(o.ods_code.as_deref(), &o.name),
            org_label(&o.name, o.ods_code.as_deref()),
        );
    }
    out
}

fn org_label(name: &str, ods: Option<&str>) -> String {
    match ods {
        Some(code) => format!("{name} ({code})"),
        None => name.to_owned(),
    }
}

fn toolbar(cx: &Cx<'_>, summary: &PatientSummary, total: usize) -> Markup {
    let filter = cx.named("filter");
    let search = cx.named("search");
    html! {
        div.icr-toolbar role="search" aria-label="Filter this record" {
            div {
                label for=(filter) { "Source organisation" }
                select id=(filter) data-icr-filter="" {
                    option value="" { "All organisations" }
                    @for (token, label) in organisations(summary) {
                        option value=(Text(&token)) { (Text(&label)) }
                    }
                }
            }
            div {
                label for=(search) { "Search this record" }
                input id=(search) type="search" data-icr-search="" autocomplete="off"
                    spellcheck="false";
            }
            p.icr-status role="status" data-icr-status="" data-total=(total) {
                "Showing all " (total) " items"
            }
        }
    }
}

fn status_label(status: SourceStatus) -> &'static str {
    match status {
        SourceStatus::Ok => "Available",
        SourceStatus::Unavailable => "Unavailable",
        SourceStatus::TimedOut => "Timed out",
        SourceStatus::Refused => "Refused the request",
        SourceStatus::TooLarge => "Record too large to show",
        SourceStatus::InvalidResponse => "Sent an unreadable response",
        SourceStatus::IdentityMismatch => {
            "Identity mismatch: its record is about someone else and is not shown"
        }
        SourceStatus::IdentityUnconfirmed => {
            "Identity not confirmed: its items are held for reconciliation, not merged"
        }
        SourceStatus::AccessDenied => "Access denied",
        SourceStatus::PatientNotFound => "Patient not found",
        SourceStatus::PatientDissent => "The patient has dissented from sharing",
        SourceStatus::NotRequested => "Not requested",
    }
}

/// The summary's judgement of how current a source is ([`SourceView::freshness`], made
/// with the threshold the summary was built with). Only summary JSON made before that
/// field existed lacks it; for that the panel judges by
/// [`PanelOptions::stale_after_days`](super::PanelOptions::stale_after_days) itself.
fn freshness(cx: &Cx<'_>, s: &SourceView) -> Option<Freshness> {
    s.freshness
        .or_else(|| summary::freshness(s.status, s.age_days, cx.options.stale_after_days))
}

fn is_stale(cx: &Cx<'_>, s: &SourceView) -> bool {
    freshness(cx, s) == Some(Freshness::Stale)
}

/// A source that sent data without saying when it was last updated: its data may be of
/// any age, which the clinician must be told rather than left to assume it is current.
fn age_unknown(cx: &Cx<'_>, s: &SourceView) -> bool {
    freshness(cx, s) == Some(Freshness::AgeUnknown)
}

/// Sources that failed or may be out of date, and warnings that concern no one section:
/// above every section, because they say what the summary is missing.
fn source_notices(cx: &Cx<'_>, sources: &[SourceView]) -> Markup {
    let failed: Vec<&SourceView> = sources
        .iter()
        .filter(|s| s.status != SourceStatus::Ok)
        .collect();
    let stale: Vec<&SourceView> = sources.iter().filter(|s| is_stale(cx, s)).collect();
    let undated: Vec<&SourceView> = sources.iter().filter(|s| age_unknown(cx, s)).collect();
    let general = sources.iter().any(|s| !s.warnings.is_empty());
    if failed.is_empty() && stale.is_empty() && undated.is_empty() && !general {
        return html! {};
    }
    html! {
        div.icr-notices {
            @for s in &failed {
                div.icr-notice.icr-notice-error role="note" data-source-status=(code_of(&s.status))
                    data-source-ods=(Text(&source_token(s.ods_code.as_deref(), &s.name))) {
                    strong { "Information missing: " (status_label(s.status)) "." }
                    " " span data-field="org" { (Text(&s.name)) }
                    @if let Some(code) = &s.ods_code { " (" (Text(code)) ")" }
                    @if let Some(r) = &s.reason { ": " (Text(r)) }
                    " Nothing from this organisation is shown."
                }
            }
            @for s in &stale {
                div.icr-notice role="note" data-stale=""
                    data-source-ods=(Text(&source_token(s.ods_code.as_deref(), &s.name))) {
                    strong { "May be out of date: " }
                    span data-field="org" { (Text(&s.name)) }
                    @if let Some(a) = &s.as_of { ", data as of " (date_text(a)) }
                    @if let Some(d) = s.age_days { " (" (d) " days old)" }
                    "."
                }
            }
            @for s in &undated {
                div.icr-notice role="note" data-stale="" data-age-unknown=""
                    data-source-ods=(Text(&source_token(s.ods_code.as_deref(), &s.name))) {
                    strong { "May be out of date: " }
                    span data-field="org" { (Text(&s.name)) }
                    " did not say when its data was last updated."
                }
            }
            @for s in sources {
                @for w in &s.warnings { (warning(w)) }
            }
        }
    }
}

fn warning_label(code: &str) -> &'static str {
    match code {
        "confidential-items" => "Some items are confidential and not shown",
        "data-in-transit" => "Record in transit",
        "data-awaiting-filing" => "Data awaiting filing",
        "items-not-supported" => "Some items could not be sent",
        "supplier-message" => "Message from the supplier",
        "contradiction" => "Sources contradict each other",
        _ => "Warning",
    }
}

fn warning(w: &SectionWarning) -> Markup {
    html! {
        div.icr-notice role="note" data-warning=(Text(&w.code)) {
            strong { "Warning: " (warning_label(&w.code)) "." }
            @if let Some(t) = &w.text { " " span data-field="warning" { (Text(t)) } }
            " " span.icr-org { "(" span data-field="org" { (Text(&w.organisation)) } ")" }
        }
    }
}

fn statement(section: Section, s: &SectionStatement) -> Markup {
    let org = html! { span data-field="org" { (Text(&s.organisation)) } };
    html! {
        p.icr-statement data-statement=(statement_key(&s.kind)) {
            @match &s.kind {
                SectionNoteKind::NilKnown => {
                    strong {
                        @if section == Section::Allergies { "No known allergies" }
                        @else { "None known" }
                    }
                    " (recorded by " (org) ")"
                }
                SectionNoteKind::NoContentRecorded => { "Nothing recorded by " (org) }
                SectionNoteKind::Withheld => { "Withheld by " (org) }
                SectionNoteKind::Unavailable => { "Not available from " (org) }
                SectionNoteKind::NotAsked => { "Not asked (" (org) ")" }
                SectionNoteKind::Other(code) => { (org) ": " (Text(code)) }
            }
            @if let Some(t) = &s.text {
                @if s.kind != SectionNoteKind::NilKnown || !t.eq_ignore_ascii_case("no known allergies") {
                    " · " (Text(t))
                }
            }
        }
    }
}

fn statement_key(kind: &SectionNoteKind) -> &'static str {
    match kind {
        SectionNoteKind::NilKnown => "nil-known",
        SectionNoteKind::NoContentRecorded => "no-content-recorded",
        SectionNoteKind::Withheld => "withheld",
        SectionNoteKind::Unavailable => "unavailable",
        SectionNoteKind::NotAsked => "not-asked",
        SectionNoteKind::Other(_) => "other",
    }
}

/// Current items first, then past ones, for the sections a clinician reads that way.
fn split_current(
    section: Section,
    items: &[Entry],
) -> Option<(Vec<&Entry>, Vec<&Entry>, &'static str, &'static str)> {
    // The same rule as the order of the items and the text view: past only when a
    // source says so (an ended medicine, a resolved allergy or problem).
    let (current, past): (Vec<&Entry>, Vec<&Entry>) = match section {
        Section::Medications | Section::Allergies | Section::Problems => {
            items.iter().partition(|e| !crate::merge::is_past(e))
        }
        _ => return None,
    };
    let (a, b) = match section {
        Section::Medications => ("Current medications", "Past medications"),
        Section::Allergies => ("Current", "Resolved"),
        _ => ("Active problems", "Past problems"),
    };
    Some((current, past, a, b))
}

fn section_view(cx: &Cx<'_>, s: &SummarySection, now: bool) -> Markup {
    let key = s.key.key();
    let heading = cx.named(&format!("{key}-h"));
    let body = cx.named(&format!("{key}-b"));
    let empty = s.items.is_empty();
    let count = html! { " " span.icr-count { "(" (s.items.len()) ")" } };
    html! {
        section.icr-section.icr-empty[empty] data-section=(key) aria-labelledby=(heading)
            data-count=(s.items.len()) {
            h3.icr-section-heading id=(heading) {
                @if cx.options.interactive {
                    button.icr-toggle type="button" aria-expanded="true" aria-controls=(body)
                        data-icr-toggle="section" {
                        span { (Text(&s.title)) } (count)
                    }
                } @else {
                    span.icr-heading-static { (Text(&s.title)) (count) }
                }
            }
            @for w in &s.warnings { (warning(w)) }
            @for w in &s.withheld {
                div.icr-notice.icr-notice-withheld role="note" data-withheld=(withheld_key(&w.reason)) {
                    strong { "Information withheld: " (w.count) @if w.count == 1 { " item." } @else { " items." } }
                    " " span data-field="withheld" { (Text(&w.explanation)) }
                }
            }
            @if now {
                div.icr-section-body id=(body) { (section_body(cx, s)) }
            } @else {
                div.icr-section-body id=(body) data-icr-pending=(key) {}
            }
        }
    }
}

/// What a section's body holds: what sources say, folded entries, and its items.
fn section_body(cx: &Cx<'_>, s: &SummarySection) -> Markup {
    let empty = s.items.is_empty();
    let nil_known = s
        .statements
        .iter()
        .any(|st| st.kind == SectionNoteKind::NilKnown);
    html! {
        @for st in &s.statements { (statement(s.key, st)) }
        @for f in &s.folded {
            p.icr-org data-folded=(f.count) {
                (f.count) " \u{201c}" (Text(&f.title)) "\u{201d} "
                @if f.count == 1 { "entry" } @else { "entries" }
                " with no content, not listed."
            }
        }
        @if empty {
            @if !nil_known && s.folded.is_empty() { p.icr-none { (cx.empty) } }
        } @else {
            @match split_current(s.key, &s.items) {
                Some((current, past, a, b)) => {
                    @if !current.is_empty() {
                        @if !past.is_empty() { h4.icr-group { (a) } }
                        ul.icr-items { @for e in current { (item(cx, s.key, e)) } }
                    }
                    @if !past.is_empty() {
                        h4.icr-group { (b) }
                        ul.icr-items { @for e in past { (item(cx, s.key, e)) } }
                    }
                }
                None => {
                    ul.icr-items { @for e in &s.items { (item(cx, s.key, e)) } }
                }
            }
            @if cx.options.interactive {
                p.icr-no-match data-icr-no-match="" hidden { "No items match the filter." }
            }
        }
    }
}

fn withheld_key(reason: &crate::model::WithheldReason) -> String {
    use crate::model::WithheldReason as R;
    match reason {
        R::RoleSection => "role-section".to_owned(),
        R::SensitiveCategory(c) => format!("sensitive-category:{c}"),
        R::Inference => "inference".to_owned(),
        R::Linked => "linked".to_owned(),
        R::PatientOptOut => "patient-opt-out".to_owned(),
        R::NoRelationship => "no-relationship".to_owned(),
        R::NonParticipating => "non-participating".to_owned(),
    }
}

fn sources(cx: &Cx<'_>, sources: &[SourceView]) -> Markup {
    let heading = cx.named("sources-h");
    html! {
        section.icr-section.icr-sources aria-labelledby=(heading) data-sources="" {
            h3.icr-section-heading id=(heading) {
                span.icr-heading-static { "Where this record comes from" }
            }
            @if sources.is_empty() { p.icr-none { "No sources" } }
            ul.icr-sources-list {
                @for s in sources {
                    li.icr-source data-source-ods=(Text(&source_token(s.ods_code.as_deref(), &s.name)))
                        data-source-status=(code_of(&s.status)) {
                        span.icr-source-name data-field="org" { (Text(&s.name)) }
                        @if let Some(code) = &s.ods_code { " (" (Text(code)) ")" }
                        " "
                        @if s.status != SourceStatus::Ok {
                            span.icr-badge.icr-badge-high { (status_label(s.status)) }
                        }
                        @if is_stale(cx, s) || age_unknown(cx, s) {
                            span.icr-badge.icr-badge-stale { "May be out of date" }
                        }
                        p.icr-source-meta {
                            (s.care_setting.label())
                            @if let Some(a) = &s.as_of { " · data as of " (date_text(a)) }
                            @if let Some(d) = s.age_days { " (" (d) @if d == 1 { " day" } @else { " days" } " old)" }
                            @else if s.status == SourceStatus::Ok { " · date of data not given" }
                            " · " (s.items) @if s.items == 1 { " item shown" } @else { " items shown" }
                            @if let Some(r) = &s.reason { " · " (Text(r)) }
                        }
                    }
                }
            }
        }
    }
}
