//! One item of a section: its main line, what is specific to its kind, discrepancies,
//! notes, provenance and the details region (codes, dates, sources).

use maud::{Markup, html};

use super::Text;
use super::panel::{Cx, date};
use crate::model::{
    AllergyStatus, AttachmentRef, ChangeKind, Detail, Entry, FhirDate, LabelBasis,
    MedicationChange, MedicationDetail, ResultFlag, ResultLine, Section, SensitiveCategory,
    Telecom,
};

/// The token an organisation is filtered by: its ODS code without white space, or
/// `org-` and a hash of its name when it has none.
pub(super) fn source_token(ods: Option<&str>, name: &str) -> String {
    match ods.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => code.chars().filter(|c| !c.is_whitespace()).collect(),
        None => {
            // FNV-1a: stable across runs and platforms.
            let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            format!("org-{hash:08x}")
        }
    }
}

/// Each organisation an item came from once, with how many of its records.
fn distinct_provenance(e: &Entry) -> Vec<(&crate::model::Provenance, usize)> {
    let mut out: Vec<(&crate::model::Provenance, usize)> = Vec::new();
    for p in &e.provenance {
        match out
            .iter_mut()
            .find(|(q, _)| q.organisation == p.organisation)
        {
            Some((_, n)) => *n += 1,
            None => out.push((p, 1)),
        }
    }
    out
}

fn tokens(e: &Entry) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in &e.provenance {
        let t = source_token(p.organisation.ods_code.as_deref(), &p.organisation.name);
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out.join(" ")
}

fn recent(cx: &Cx<'_>, c: &MedicationChange) -> bool {
    c.date
        .as_ref()
        .and_then(|d| cx.days_before_as_of(d))
        .is_some_and(|days| (0..=cx.options.recent_change_days).contains(&days))
}

pub(super) fn item(cx: &Cx<'_>, section: Section, e: &Entry) -> Markup {
    let details = cx.id("d");
    let interactive = cx.options.interactive;
    let is_alert = section == Section::Alerts || matches!(e.detail, Detail::Alert { .. });
    let resolved = matches!(
        e.detail,
        Detail::Allergy {
            clinical_status: AllergyStatus::Resolved,
            ..
        }
    );
    let changed = match &e.detail {
        Detail::Medication(m) => m.changes.iter().any(|c| recent(cx, c)),
        _ => false,
    };
    html! {
        li.icr-item.icr-alert-item[is_alert].icr-resolved[resolved].icr-changed[changed]
            data-item-id=(Text(&e.id)) data-source-ods=(Text(&tokens(e))) data-kind=(e.detail.kind()) {
            div.icr-item-main {
                @if is_alert { (alert_badge(&e.detail)) }
                span.icr-title data-field="title" { (Text(&e.title)) }
                (badges(e, changed))
                (when(e))
            }
            (facts(cx, e))
            @for w in &e.warnings {
                p.icr-notice.icr-notice-error role="note" data-warning=(warning_key(w.code)) {
                    strong { "Check: " } span data-field="warning" { (Text(&w.text)) }
                }
            }
            @if !e.discrepancies.is_empty() {
                p.icr-differs {
                    strong { "Differs: " }
                    @for (i, d) in e.discrepancies.iter().enumerate() {
                        @if i > 0 { "; " }
                        span data-field="discrepancy" { (Text(d)) }
                    }
                }
            }
            @for n in &e.notes {
                p.icr-note { span.icr-label { "Note: " } span data-field="note" { (Text(n)) } }
            }
            p.icr-provenance {
                span.icr-label { "From: " }
                @if e.provenance.is_empty() { "source not recorded" }
                @for (i, (p, n)) in distinct_provenance(e).into_iter().enumerate() {
                    @if i > 0 { "; " }
                    span data-field="org" { (Text(&p.organisation.name)) }
                    @if let Some(code) = &p.organisation.ods_code { " (" (Text(code)) ")" }
                    @if n > 1 { " (" (n) " records)" }
                }
            }
            @if interactive {
                button.icr-detail-toggle type="button" aria-expanded="false" aria-controls=(details)
                    data-icr-toggle="details" {
                    "Details" span.icr-vh { " of " (Text(&e.title)) }
                }
            }
            @if interactive && cx.options.lazy_details {
                div.icr-details id=(details) hidden data-icr-details="" data-icr-lazy="" {}
            } @else {
                div.icr-details id=(details) hidden[interactive] data-icr-details="" { (detail_list(e)) }
            }
        }
    }
}

/// The stable key of an item warning (`contradiction`), as in the JSON.
pub(super) fn warning_key(code: crate::model::ItemWarningCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "warning".to_owned(),
    }
}

fn alert_badge(d: &Detail) -> Markup {
    let safeguarding =
        matches!(d, Detail::Alert { category: Some(c) } if c.eq_ignore_ascii_case("safeguarding"));
    html! {
        span.icr-badge.icr-badge-alert {
            svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" {
                path d="M12 2 1 21h22L12 2zm1 15h-2v2h2v-2zm0-8h-2v6h2V9z" {}
            }
            @if safeguarding { "Safeguarding alert" } @else { "Alert" }
        }
    }
}

fn badges(e: &Entry, changed: bool) -> Markup {
    let observation_flag = match &e.detail {
        Detail::Observation { result } => flag(result).filter(|_| result.abnormal() != Some(false)),
        _ => None,
    };
    html! {
        @match &e.detail {
            Detail::Allergy { clinical_status, criticality, .. } => {
                @if *clinical_status == AllergyStatus::Resolved {
                    span.icr-badge.icr-badge-resolved { "Resolved" }
                }
                @if criticality.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("high"))
                    && *clinical_status != AllergyStatus::Resolved {
                    span.icr-badge.icr-badge-high { "High criticality" }
                }
            }
            Detail::Immunisation { not_given: true, .. } => {
                span.icr-badge.icr-badge-high { "Not given" }
            }
            Detail::Referral { priority: Some(p), .. } => {
                span.icr-badge.icr-badge-high[!p.eq_ignore_ascii_case("routine")] { (Text(&capitalised(p))) }
            }
            _ => {}
        }
        @if changed { span.icr-badge.icr-badge-change { "Recently changed" } }
        @if let Some(flag) = observation_flag { span.icr-badge.icr-badge-high { (Text(&flag)) } }
        @if let Some(status) = shown_status(e) {
            span.icr-badge { (Text(&capitalised(&status))) }
        }
    }
}

/// A status worth showing on the main line: the same words as the text view.
fn shown_status(e: &Entry) -> Option<String> {
    match &e.detail {
        Detail::Allergy { .. } => None,
        _ => super::words::status(e),
    }
}

fn capitalised(s: &str) -> String {
    let s = s.replace(['_', '-'], " ");
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The date a clinician reads on the main line.
fn when(e: &Entry) -> Markup {
    html! {
        span.icr-date {
            @match (&e.date, &e.recorded) {
                (Some(d), _) => {
                    (date(d))
                    @if let Some(end) = &e.end_date { " to " (date(end)) }
                }
                (None, Some(r)) => {
                    "Recorded " (date(r))
                    @if let Some(end) = &e.end_date { " · ended " (date(end)) }
                }
                (None, None) => {
                    @match &e.end_date {
                        Some(end) => { "Ended " (date(end)) }
                        None => { "Date not recorded" }
                    }
                }
            }
        }
    }
}

fn fact(label: &str, value: Markup) -> Markup {
    html! { dt { (label) ": " } dd { (value) } }
}

fn text_fact(label: &str, value: Option<&str>) -> Markup {
    match value {
        Some(v) => fact(label, html! { (Text(v)) }),
        None => html! {},
    }
}

fn list_fact(label: &str, values: &[String]) -> Markup {
    if values.is_empty() {
        return html! {};
    }
    fact(label, joined(values))
}

/// Every reference range of a result, one a line.
fn ranges_fact(lines: &[String]) -> Markup {
    if lines.is_empty() {
        return html! {};
    }
    fact(
        if lines.len() == 1 {
            "Reference range"
        } else {
            "Reference ranges"
        },
        html! {
            @for (i, line) in lines.iter().enumerate() {
                @if i > 0 { br; }
                (Text(line))
            }
        },
    )
}

fn joined(values: &[String]) -> Markup {
    html! {
        @for (i, v) in values.iter().enumerate() {
            @if i > 0 { ", " }
            (Text(v))
        }
    }
}

fn telecoms(t: &[Telecom]) -> Markup {
    html! {
        @for (i, t) in t.iter().enumerate() {
            @if i > 0 { ", " }
            (Text(&t.value))
            @if let Some(u) = &t.use_ { " (" (Text(u)) ")" }
        }
    }
}

fn facts(cx: &Cx<'_>, e: &Entry) -> Markup {
    let inner = match &e.detail {
        Detail::Alert { category } => html! {
            @if let Some(c) = category {
                @if !c.eq_ignore_ascii_case("safeguarding") { (text_fact("Category", Some(c))) }
            }
        },
        Detail::Allergy {
            criticality,
            category,
            reactions,
            end_reason,
            ..
        } => html! {
            (list_fact("Reaction", &reactions.iter().map(super::words::reaction).collect::<Vec<_>>()))
            (list_fact("Type", category))
            @if let Some(c) = criticality {
                @if !c.eq_ignore_ascii_case("high") { (text_fact("Criticality", Some(c))) }
            }
            (text_fact("Why resolved", end_reason.as_deref()))
        },
        Detail::Medication(m) => return medication(cx, m),
        Detail::Problem {
            significance,
            verification,
            ..
        } => html! {
            (text_fact("Significance", significance.as_deref()))
            @if let Some(v) = verification {
                @if !v.eq_ignore_ascii_case("confirmed") { (text_fact("Verification", Some(v))) }
            }
        },
        Detail::Investigation {
            category,
            results,
            conclusion,
        } => {
            return html! {
                @if category.is_some() || conclusion.is_some() {
                    dl.icr-facts {
                        (text_fact("Type", category.as_deref()))
                        (text_fact("Conclusion", conclusion.as_deref()))
                    }
                }
                @if !results.is_empty() { (results_table(&e.title, results)) }
            };
        }
        Detail::Observation { result } => html! {
            (fact("Result", html! {
                @match &result.value { Some(v) => (Text(v)), None => "No value" }
                @if let Some(u) = &result.unit { " " (Text(u)) }
            }))
            (ranges_fact(&result.reference_range_lines()))
            (list_fact("Comment", &result.comments))
        },
        Detail::Immunisation {
            dose, batch, site, ..
        } => html! {
            (text_fact("Dose", dose.as_deref()))
            (text_fact("Batch", batch.as_deref()))
            (text_fact("Site and route", site.as_deref()))
        },
        Detail::Encounter {
            class,
            participants,
            location,
            reasons,
            discharge,
        } => html! {
            (text_fact("Type", class.as_deref()))
            (text_fact("Where", location.as_deref()))
            (list_fact("Seen by", participants))
            (list_fact("Reason", reasons))
            (text_fact("Discharged to", discharge.as_deref()))
        },
        Detail::Appointment {
            participants,
            reasons,
        } => html! {
            (list_fact("With", participants))
            (list_fact("Reason", reasons))
        },
        Detail::Referral {
            requester,
            recipients,
            reasons,
            ..
        } => html! {
            (text_fact("Referred by", requester.as_deref()))
            (list_fact("Referred to", recipients))
            (list_fact("Reason", reasons))
        },
        Detail::Procedure {
            performers,
            outcome,
        } => html! {
            (list_fact("Performed by", performers))
            (text_fact("Outcome", outcome.as_deref()))
        },
        Detail::Document {
            authors,
            attachments,
        } => html! {
            (list_fact("Author", authors))
            @if !attachments.is_empty() {
                (fact("File", html! {
                    @for (i, a) in attachments.iter().enumerate() {
                        @if i > 0 { "; " }
                        (attachment(a))
                    }
                }))
            }
        },
        Detail::CarePlan {
            activities,
            description,
        } => {
            return html! {
                @if let Some(d) = description { p.icr-facts data-field="description" { (Text(d)) } }
                @if !activities.is_empty() {
                    ul.icr-facts { @for a in activities { li { (Text(a)) } } }
                }
            };
        }
        Detail::CareTeam { members } => {
            return html! {
                @if !members.is_empty() {
                    ul.icr-facts.icr-members {
                        @for m in members {
                            li {
                                span.icr-label { (Text(&m.name)) }
                                @if let Some(r) = &m.role { ", " (Text(r)) }
                                @if let Some(o) = &m.organisation { ", " (Text(o)) }
                                @if !m.telecom.is_empty() { ": " (telecoms(&m.telecom)) }
                            }
                        }
                    }
                }
            };
        }
        Detail::Contact {
            relationship,
            telecom,
        } => html! {
            (list_fact("Relationship", relationship))
            @if !telecom.is_empty() { (fact("Contact", telecoms(telecom))) }
        },
    };
    if inner.0.is_empty() {
        return inner;
    }
    html! { dl.icr-facts { (inner) } }
}

fn change_label(kind: ChangeKind) -> (&'static str, &'static str) {
    match kind {
        ChangeKind::Started => ("Started", "started"),
        ChangeKind::Stopped => ("Stopped", "stopped"),
        ChangeKind::Completed => ("Course completed", "completed"),
        ChangeKind::DoseChanged => ("Dose changed", "dose_changed"),
    }
}

fn medication(cx: &Cx<'_>, m: &MedicationDetail) -> Markup {
    html! {
        dl.icr-facts {
            (text_fact("Dose", m.dosage.as_deref()))
            (text_fact("Quantity", m.quantity.as_deref()))
            (text_fact("Type", m.prescription_type.as_deref()))
            @if let Some(d) = &m.last_issued { (fact("Last issued", date(d))) }
            (text_fact("Issued", super::words::issues(m).as_deref()))
            @if let Some(d) = &m.authorisation_expiry { (fact("Authorised until", date(d))) }
            (text_fact("Repeats allowed", m.repeats_allowed.as_deref()))
            (text_fact("Prescribed elsewhere", m.prescribing_agency.as_deref()))
            (list_fact("Reason", &m.reasons))
            (text_fact("Why stopped or changed", m.status_reason.as_deref()))
        }
        @if m.courses.len() > 1 {
            ol.icr-courses reversed aria-label="Courses, latest first" {
                @for c in m.courses.iter().rev() {
                    li data-field="course" { (Text(&super::words::course(c))) }
                }
            }
        }
        @if !m.changes.is_empty() {
            ul.icr-changes aria-label="Changes" {
                @for c in &m.changes {
                    @let (label, key) = change_label(c.kind);
                    @let is_recent = recent(cx, c);
                    li.icr-change.icr-change-recent[is_recent] data-change=(key) {
                        span.icr-badge.icr-badge-change[is_recent] { (label) }
                        @if let Some(d) = &c.date { " " (date(d)) }
                        @if let Some(by) = &c.by { " (recorded by " span data-field="change-by" { (Text(by)) } ")" }
                        @if let Some(detail) = &c.detail { ": " (Text(detail)) }
                    }
                }
            }
        }
    }
}

fn flag(r: &ResultLine) -> Option<String> {
    super::words::result_flag(r)
}

fn results_table(title: &str, results: &[ResultLine]) -> Markup {
    html! {
        table.icr-results {
            caption.icr-vh { "Results: " (Text(title)) }
            thead {
                tr {
                    th scope="col" { "Test" }
                    th scope="col" { "Value" }
                    th scope="col" { "Unit" }
                    th scope="col" { "Reference range" }
                    th scope="col" { "Flag" }
                }
            }
            tbody {
                @for r in results {
                    @let flag = flag(r);
                    @let abnormal = r.abnormal() == Some(true) || r.flag.is_some_and(|f| f == ResultFlag::Detected);
                    tr.icr-abnormal[abnormal] {
                        th scope="row" {
                            (Text(&r.name))
                            @for c in &r.comments { br; span.icr-org { (Text(c)) } }
                        }
                        @if let Some(shown) = &r.display {
                            td.icr-num colspan="2" { (Text(shown)) }
                        } @else {
                            td.icr-num { @if let Some(v) = &r.value { (Text(v)) } }
                            td { @if let Some(u) = &r.unit { (Text(u)) } }
                        }
                        td {
                            @for (i, rr) in r.reference_range_lines().iter().enumerate() {
                                @if i > 0 { br; }
                                span data-range=(i) { (Text(rr)) }
                            }
                        }
                        td.icr-flag { @if let Some(f) = &flag { (Text(f)) } }
                    }
                }
            }
        }
    }
}

/// True for an `https:` address a browser will read as exactly that: no white space or
/// control characters anywhere (which the URL parser strips or rewrites).
fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        && url.len() > 8
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

fn attachment(a: &AttachmentRef) -> Markup {
    let title = a.title.as_deref().unwrap_or("Document");
    let kind = a.content_type.as_deref().and_then(|t| match t {
        "application/pdf" => Some("PDF"),
        "text/html" => Some("web page"),
        "text/plain" => Some("text"),
        t if t.starts_with("image/") => Some("image"),
        _ => None,
    });
    html! {
        @match a.url.as_deref() {
            Some(url) if is_https(url) => {
                a href=(url) rel="noopener noreferrer" referrerpolicy="no-referrer" target="_blank"
                    data-field="attachment" {
                    (Text(title))
                    @if let Some(k) = kind { " (" (k) ")" }
                    span.icr-vh { " (opens in a new window)" }
                }
            }
            Some(_) => {
                span data-field="attachment" { (Text(title)) }
                " (not linked: not an https address)"
            }
            None => {
                span data-field="attachment" { (Text(title)) }
                @if a.inline_content_omitted { " (content held by the source)" }
            }
        }
    }
}

fn category_label(c: SensitiveCategory) -> &'static str {
    match c {
        SensitiveCategory::MentalHealth => "Mental health",
        SensitiveCategory::SubstanceMisuse => "Substance misuse",
        SensitiveCategory::Hiv => "HIV",
        SensitiveCategory::SexualHealth => "Sexual health",
        SensitiveCategory::Fertility => "Fertility",
        SensitiveCategory::Termination => "Termination of pregnancy",
        SensitiveCategory::GenderReassignment => "Gender reassignment",
        SensitiveCategory::Safeguarding => "Safeguarding",
        SensitiveCategory::Genetic => "Genetic",
        SensitiveCategory::Restricted => "Restricted",
    }
}

fn basis_label(b: LabelBasis) -> &'static str {
    match b {
        LabelBasis::SecurityLabel => "security label",
        LabelBasis::Code => "clinical code",
        LabelBasis::ItemKind => "kind of item",
        LabelBasis::CareSetting => "care setting of its source",
        LabelBasis::Linked => "linked to sensitive information",
    }
}

fn dated(label: &str, d: Option<&FhirDate>) -> Markup {
    match d {
        Some(d) => html! { dt { (label) } dd { (date(d)) } },
        None => html! {},
    }
}

/// Codes, dates and provenance: the details region of an item.
pub(super) fn detail_list(e: &Entry) -> Markup {
    html! {
        dl {
            @if let Some(code) = &e.code {
                dt { "Code" }
                dd {
                    @match (code.system_name(), &code.system) {
                        (Some(name), _) => { (name) " " }
                        (None, Some(system)) => { (Text(system)) " " }
                        (None, None) => {},
                    }
                    @if let Some(c) = &code.code { (Text(c)) }
                    @if let Some(d) = &code.display { " |" (Text(d)) "|" }
                    @if let Some(id) = &code.description_id { " (description " (Text(id)) ")" }
                }
            }
            @if let Some(s) = &e.status { dt { "Status" } dd { (Text(s)) } }
            (dated("Date", e.date.as_ref()))
            (dated("Ended", e.end_date.as_ref()))
            (dated("Recorded", e.recorded.as_ref()))
            @if !e.sensitivity.is_empty() {
                dt { "Sensitivity" }
                dd {
                    @for (i, s) in e.sensitivity.iter().enumerate() {
                        @if i > 0 { ", " }
                        (category_label(s.category)) " (" (basis_label(s.basis)) ")"
                    }
                }
            }
            dt { "Sources" }
            dd {
                ul {
                    @for p in &e.provenance {
                        li {
                            (Text(&p.organisation.name))
                            @if let Some(code) = &p.organisation.ods_code { " (" (Text(code)) ")" }
                            ", " (p.organisation.care_setting.label())
                            @if let Some(by) = &p.recorded_by { "; recorded by " (Text(by)) }
                            @if let Some(u) = &p.last_updated { "; updated " (date(u)) }
                            "; " (Text(&p.source_ref))
                        }
                    }
                }
            }
            dt { "Item id" }
            dd { (Text(&e.id)) }
        }
    }
}
