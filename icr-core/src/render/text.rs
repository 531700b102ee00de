//! The summary as terminal text, in NHS CUI style: banner first, then the risk signals
//! with their evidence, alerts before clinical sections, dates `dd-Mmm-yyyy`, every item
//! with the organisation it came from.
//!
//! Every string of the summary is made visible ([`super::visible::for_terminal`]) before
//! anything is written, so no record text can emit a control or bidirectional character,
//! whatever path through this module it takes.

use std::fmt::Write;

use super::words;
use crate::PatientSummary;
use crate::model::{ChangeKind, Detail, Entry, FhirDate, MedicationDetail, ResultLine, Section};
use crate::risk::RiskBlock;
use crate::summary::SummarySection;
use crate::trends::Trend;

/// The whole summary as terminal text.
pub fn summary_text(summary: &PatientSummary) -> String {
    match terminal_safe(summary) {
        Ok(Some(safe)) => render(&safe),
        Ok(None) => render(summary),
        // Never expected: then each written line is made visible instead.
        Err(()) => render(summary)
            .lines()
            .map(|l| super::visible::for_terminal(l).into_owned() + "\n")
            .collect(),
    }
}

fn render(summary: &PatientSummary) -> String {
    let mut out = String::new();
    banner(&mut out, summary);
    risk(&mut out, &summary.risk);
    sources(&mut out, summary);
    let empty = summary.empty_section_words();
    if summary.sources_read() == 0 {
        let _ = writeln!(
            out,
            "!! NOTHING RECEIVED: no source could be read; nothing below means \"none\".\n"
        );
    }
    for section in &summary.sections {
        if section.key == Section::Investigations {
            trends(&mut out, &summary.trends);
        }
        render_section(&mut out, section, empty);
    }
    if !summary.reconciliation.is_empty() {
        let _ = writeln!(
            out,
            "HELD FOR RECONCILIATION (identity not confirmed: not part of this record)"
        );
        for e in &summary.reconciliation {
            item(&mut out, e);
        }
        let _ = writeln!(out);
    }
    out
}

/// The summary with every string made visible for a terminal (through its JSON, so that
/// no field is missed); `None` when nothing needed it.
fn terminal_safe(summary: &PatientSummary) -> Result<Option<PatientSummary>, ()> {
    let mut json = serde_json::to_value(summary).map_err(|_| ())?;
    if !visible_strings(&mut json) {
        return Ok(None);
    }
    serde_json::from_value(json).map(Some).map_err(|_| ())
}

/// Makes every string of a JSON value visible; true when one changed.
fn visible_strings(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => match super::visible::for_terminal(s) {
            std::borrow::Cow::Owned(o) => {
                *s = o;
                true
            }
            std::borrow::Cow::Borrowed(_) => false,
        },
        serde_json::Value::Array(a) => a.iter_mut().fold(false, |c, x| visible_strings(x) | c),
        serde_json::Value::Object(o) => o.values_mut().fold(false, |c, x| visible_strings(x) | c),
        _ => false,
    }
}

fn banner(out: &mut String, s: &PatientSummary) {
    let Some(p) = &s.patient else {
        let _ = writeln!(out, "Patient not identified by any source\n");
        return;
    };
    let rule = "=".repeat(p.name.chars().count() + 4);
    let _ = writeln!(out, "{rule}\n  {}\n{rule}", p.name);
    let mut facts = Vec::new();
    if let Some(n) = &p.nhs_number_display {
        facts.push(format!("NHS No. {n}"));
    }
    if let Some(b) = &p.birth_date_display {
        match p.age_years.filter(|_| p.deceased.is_none()) {
            Some(age) => facts.push(format!("Born {b} ({age}y)")),
            None => facts.push(format!("Born {b}")),
        }
    }
    if let Some(g) = &p.gender {
        facts.push(capitalise(g));
    }
    if let Some(d) = &p.deceased {
        match p.age_at_death {
            Some(age) => facts.push(format!("DECEASED {d}, aged {age}")),
            None => facts.push(format!("DECEASED {d}")),
        }
    }
    let _ = writeln!(out, "{}", facts.join("  |  "));
    if let Some(w) = &p.contact_details_withheld {
        let _ = writeln!(out, "{w}");
    }
    if let Some(a) = p.addresses.first() {
        let _ = writeln!(out, "Address: {a}");
    }
    if let Some(t) = p.telecom.first() {
        let _ = writeln!(out, "Contact: {}", t.value);
    }
    if let Some(gp) = &p.registered_gp {
        let _ = writeln!(out, "Registered GP: {gp}");
    }
    for d in &s.demographic_discrepancies {
        let _ = writeln!(out, "!! {d}");
    }
    if !s.banner_alerts.is_empty() {
        let _ = writeln!(
            out,
            "!! CHECK BEFORE ACTING: the sources contradict each other"
        );
        for a in &s.banner_alerts {
            let _ = writeln!(out, "!!   {}", a.text);
        }
    }
    let _ = writeln!(out);
}

/// The risk signals under the banner: each headline (`!` when raised), its caveat, and
/// its evidence indented, the items that did not count saying why.
fn risk(out: &mut String, risk: &RiskBlock) {
    if risk.signals.is_empty() {
        return;
    }
    let _ = writeln!(out, "RISK AND SUPPORT");
    for s in &risk.signals {
        let mark = if s.raised { "!" } else { "-" };
        let _ = writeln!(out, "  {mark} {}: {}", s.kind.title(), s.headline);
        if let Some(c) = &s.caveat {
            let _ = writeln!(out, "      ({c})");
        }
        for e in &s.evidence {
            let mut line = e.title.clone();
            if let Some(d) = &e.date {
                line.push_str(&format!(", {}", d.display()));
            }
            if !e.organisations.is_empty() {
                line.push_str(&format!(" [{}]", e.organisations.join(", ")));
            }
            if let Some(n) = &e.note {
                line.push_str(&format!(": {n}"));
            }
            if let Some(t) = e.telecom.first() {
                line.push_str(&format!(" (contact {})", t.value));
            }
            let _ = writeln!(out, "      {} {line}", if e.counted { "*" } else { "." });
        }
    }
    let _ = writeln!(out, "  {}\n", risk.basis);
}

/// Each trend's latest value and change, then its results oldest first (those not drawn
/// in a chart saying why).
fn trends(out: &mut String, trends: &[Trend]) {
    if trends.is_empty() {
        return;
    }
    let _ = writeln!(out, "TRENDS (repeated results, oldest first)");
    for t in trends {
        let unit = if t.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", t.unit)
        };
        let _ = writeln!(out, "  {}{unit}: {}", t.title, t.latest);
        for n in &t.notes {
            let _ = writeln!(out, "      ({n})");
        }
        for p in &t.points {
            let mut line = format!(
                "{:<12} {}",
                p.date
                    .as_ref()
                    .map_or_else(|| "no date".to_owned(), FhirDate::display),
                p.shown
            );
            if let Some(f) = p.flag {
                line.push_str(&format!(" {}", f.words()));
            }
            if let Some(sent) = &p.sent {
                line.push_str(&format!(" (sent as {sent})"));
            }
            line.push_str(&format!(" [{}]", p.organisations.join(", ")));
            if let Some(n) = &p.note {
                line.push_str(&format!(": {n}"));
            }
            let _ = writeln!(out, "      {line}");
        }
    }
    let _ = writeln!(out);
}

fn sources(out: &mut String, s: &PatientSummary) {
    let _ = writeln!(out, "SOURCES (record as of {})", s.as_of);
    for src in &s.sources {
        let status = match serde_json::to_value(src.status) {
            Ok(serde_json::Value::String(v)) => v,
            _ => "unknown".to_owned(),
        };
        let mark = if status == "ok" { "ok " } else { "!! " };
        let ods = src
            .ods_code
            .as_deref()
            .map(|c| format!("{c}, "))
            .unwrap_or_default();
        let as_of = src
            .as_of
            .as_deref()
            .and_then(FhirDate::parse)
            .map(|d| format!(", data as of {}", d.display()))
            .unwrap_or_default();
        let freshness = match src.freshness {
            Some(crate::summary::Freshness::Stale) => match src.age_days {
                Some(days) => format!(" - MAY BE OUT OF DATE ({days} days old)"),
                None => " - MAY BE OUT OF DATE".to_owned(),
            },
            Some(crate::summary::Freshness::AgeUnknown) => {
                " - may be out of date (it did not say when its data was updated)".to_owned()
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {mark}{} ({ods}{}) {status}{as_of}, {} item(s){freshness}",
            src.name,
            src.care_setting.label(),
            src.items
        );
        if let Some(r) = &src.reason {
            let _ = writeln!(out, "       {r}");
        }
        for w in &src.warnings {
            let _ = writeln!(
                out,
                "       warning ({}): {}",
                w.code,
                w.text.as_deref().unwrap_or("")
            );
        }
    }
    let _ = writeln!(out);
}

fn render_section(out: &mut String, s: &SummarySection, empty: &str) {
    let heading = s.title.to_uppercase();
    if s.items.is_empty()
        && s.folded.is_empty()
        && s.withheld.is_empty()
        && s.statements.is_empty()
        && s.warnings.is_empty()
    {
        let _ = writeln!(out, "{heading}: {}\n", empty.to_lowercase());
        return;
    }
    let _ = writeln!(out, "{heading}");
    for st in &s.statements {
        let what = match serde_json::to_value(&st.kind) {
            Ok(serde_json::Value::String(v)) => v.replace('-', " "),
            _ => "statement".to_owned(),
        };
        let text = st.text.as_deref().unwrap_or(&what);
        let _ = writeln!(out, "  = {text} [{}]", st.organisation);
    }
    for w in &s.warnings {
        let _ = writeln!(
            out,
            "  !! {}: {} [{}]",
            w.code,
            w.text.as_deref().unwrap_or(""),
            w.organisation
        );
    }
    let mut past_started = false;
    for e in &s.items {
        if !past_started && crate::merge::is_past(e) {
            past_started = true;
            if s.items.iter().any(|x| !crate::merge::is_past(x)) {
                let _ = writeln!(out, "  -- past --");
            }
        }
        item(out, e);
    }
    for f in &s.folded {
        let _ = writeln!(
            out,
            "  ({} \"{}\" entr{} with no content, not listed)",
            f.count,
            f.title,
            if f.count == 1 { "y" } else { "ies" }
        );
    }
    for w in &s.withheld {
        let _ = writeln!(
            out,
            "  [information withheld] {} item(s): {}",
            w.count, w.explanation
        );
    }
    let _ = writeln!(out);
}

fn item(out: &mut String, e: &Entry) {
    let mut line = format!("  - {}", e.title);
    if let Some(d) = detail_line(e) {
        line.push_str(&format!(" | {d}"));
    }
    if let Some(status) = words::status(e) {
        line.push_str(&format!(" | {status}"));
    }
    if let Some(when) = words::when(e) {
        line.push_str(&format!(" | {when}"));
    }
    let _ = writeln!(out, "{line}");
    for w in &e.warnings {
        let _ = writeln!(out, "      !! {}", w.text);
    }
    for d in &e.discrepancies {
        let _ = writeln!(out, "      !! differs: {d}");
    }
    for extra in extra_lines(e) {
        let _ = writeln!(out, "      {extra}");
    }
    for n in &e.notes {
        let _ = writeln!(out, "      note: {n}");
    }
    let mut source = format!("      from {}", words::sources(e));
    if !e.sensitivity.is_empty() {
        let cats: Vec<String> = e
            .sensitivity
            .iter()
            .filter_map(|s| serde_json::to_value(s.category).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        source.push_str(&format!(" [sensitive: {}]", cats.join(", ")));
    }
    let _ = writeln!(out, "{source}");
}

fn detail_line(e: &Entry) -> Option<String> {
    match &e.detail {
        Detail::Medication(m) => {
            let mut parts: Vec<String> = m.dosage.iter().cloned().collect();
            parts.extend(m.quantity.clone());
            parts.extend(m.prescription_type.clone());
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Detail::Allergy {
            criticality,
            category,
            ..
        } => {
            let mut parts: Vec<String> = category.clone();
            if let Some(c) = criticality {
                parts.push(format!("criticality {c}"));
            }
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Detail::Problem {
            significance: Some(s),
            ..
        } => Some(capitalise(s)),
        Detail::Observation { result } => value(result),
        Detail::Referral {
            recipients,
            priority,
            ..
        } => {
            let mut parts: Vec<String> = priority.iter().map(|p| capitalise(p)).collect();
            if !recipients.is_empty() {
                parts.push(format!("to {}", recipients.join(", ")));
            }
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Detail::Alert { category: Some(c) } => Some(c.clone()),
        Detail::Encounter { class: Some(c), .. } => Some(c.clone()),
        _ => None,
    }
}

/// A value with its flag; a flag that says something is wrong in capitals, so it stands
/// out in a column of results.
fn value(r: &ResultLine) -> Option<String> {
    let mut s = words::result_value(r)?;
    if let Some(flag) = words::result_flag(r) {
        let shown = match (r.flag, r.abnormal()) {
            (Some(_), Some(false)) => flag.to_lowercase(),
            (Some(_), _) => flag.to_uppercase(),
            // The source's own words, when they are not a flag the SDK reads.
            (None, _) => flag,
        };
        s.push_str(&format!(" [{shown}]"));
    }
    Some(s)
}

fn extra_lines(e: &Entry) -> Vec<String> {
    let mut lines = Vec::new();
    match &e.detail {
        Detail::Allergy {
            reactions,
            end_reason,
            ..
        } => {
            for r in reactions {
                lines.push(format!("reaction: {}", words::reaction(r)));
            }
            if let Some(why) = end_reason {
                lines.push(format!("ended: {why}"));
            }
        }
        Detail::Medication(m) => lines.extend(medication_lines(m)),
        Detail::Observation { result } => {
            let ranges = result.reference_range_lines();
            if !ranges.is_empty() {
                lines.push(format!("range {}", ranges.join(" | ")));
            }
            for c in &result.comments {
                lines.push(format!("comment: {c}"));
            }
        }
        Detail::Investigation {
            results,
            conclusion,
            ..
        } => {
            for r in results {
                let v = value(r).unwrap_or_default();
                let ranges = r.reference_range_lines();
                let range = if ranges.is_empty() {
                    String::new()
                } else {
                    format!(" (range {})", ranges.join(" | "))
                };
                lines.push(format!("{}: {v}{range}", r.name).trim_end().to_owned());
                for c in &r.comments {
                    lines.push(format!("  comment: {c}"));
                }
            }
            if let Some(c) = conclusion {
                lines.push(format!("Conclusion: {c}"));
            }
        }
        Detail::Referral { reasons, .. } => {
            for r in reasons.iter().filter(|r| **r != e.title) {
                lines.push(format!("reason: {r}"));
            }
        }
        Detail::Appointment { reasons, .. } | Detail::Encounter { reasons, .. } => {
            for r in reasons {
                lines.push(format!("reason: {r}"));
            }
        }
        Detail::CareTeam { members } => {
            for m in members {
                let role = m
                    .role
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let phone = m
                    .telecom
                    .first()
                    .map(|t| format!(", {}", t.value))
                    .unwrap_or_default();
                lines.push(format!("{}{role}{phone}", m.name));
            }
        }
        Detail::CarePlan { activities, .. } => lines.extend(activities.iter().cloned()),
        Detail::Contact {
            relationship,
            telecom,
        } => {
            let rel = relationship.join(", ");
            let phone = telecom.first().map(|t| t.value.clone()).unwrap_or_default();
            lines.push(format!("{rel} {phone}").trim().to_owned());
        }
        Detail::Document { attachments, .. } => {
            for a in attachments {
                lines.push(format!(
                    "document: {}",
                    a.url
                        .as_deref()
                        .or(a.title.as_deref())
                        .unwrap_or("(no link)")
                ));
                if let Some(text) = &a.text {
                    for l in text.lines() {
                        lines.push(format!("  | {l}"));
                    }
                }
            }
        }
        _ => {}
    }
    lines
}

/// A medication's changes, issues, authorisation and every course with its supplies.
fn medication_lines(m: &MedicationDetail) -> Vec<String> {
    let mut lines = Vec::new();
    for c in &m.changes {
        let kind = match c.kind {
            ChangeKind::Started => "started",
            ChangeKind::Stopped => "STOPPED",
            ChangeKind::Completed => "course completed",
            ChangeKind::DoseChanged => "DOSE CHANGED",
        };
        let when = c.date.as_ref().map(FhirDate::display).unwrap_or_default();
        let by =
            c.by.as_deref()
                .map(|b| format!(" (recorded by {b})"))
                .unwrap_or_default();
        let detail = c
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        lines.push(format!("{kind} {when}{by}{detail}"));
    }
    if let Some(summary) = words::issues(m) {
        lines.push(summary);
    }
    if let Some(d) = &m.authorisation_expiry {
        lines.push(format!("authorisation until {}", d.display()));
    }
    if let Some(a) = &m.prescribing_agency {
        lines.push(format!("prescribed elsewhere: {a}"));
    }
    if m.courses.len() > 1 {
        lines.push(format!("{} courses:", m.courses.len()));
        for c in m.courses.iter().rev() {
            lines.push(format!("  {}", words::course(c)));
        }
    }
    lines
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
