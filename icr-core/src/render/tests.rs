use std::collections::BTreeSet;

use proptest::prelude::*;
use scraper::{ElementRef, Html, Selector};

use super::*;
use crate::model::{Detail, Section};
use crate::summary::{Freshness, SectionStatement, SectionWarning, Withheld, WithheldReason};
use crate::{IngestOptions, PatientSummary, ingest, merge};

/// The demo patient joined from the five demo sources, as `icr demo --json` makes it.
pub(super) fn demo() -> PatientSummary {
    let expected = crate::demo::patient();
    let records = crate::demo::sources()
        .into_iter()
        .map(|s| {
            let options = IngestOptions {
                expected_patient: expected.clone(),
                organisation: Some(s.organisation),
                ..IngestOptions::default()
            };
            ingest(s.json.as_bytes(), &options).unwrap()
        })
        .collect();
    // Inside the crate the summary can be built without a session (no decision: all shown).
    crate::summary::build(
        &merge(records, Vec::new()),
        jiff::civil::date(2026, 11, 25),
        crate::summary::SummaryOptions::default(),
        |_, e| Ok(e.sensitivity.clone()),
    )
}

pub(super) fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

pub(super) fn text(e: ElementRef<'_>) -> String {
    e.text().collect()
}

pub(super) fn parse(html: &str) -> Html {
    Html::parse_fragment(html)
}

fn first_text(doc: &Html, selector: &str) -> String {
    doc.select(&sel(selector))
        .next()
        .map(text)
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

fn section<'a>(doc: &'a Html, key: &str) -> ElementRef<'a> {
    doc.select(&sel(&format!("section[data-section=\"{key}\"]")))
        .next()
        .unwrap_or_else(|| panic!("no section {key}"))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn demo_panel_has_banner_and_every_section_alerts_first() {
    let html = panel_html(&demo(), &PanelOptions::default());
    let doc = parse(&html);
    assert_eq!(
        first_text(&doc, "[data-field=patient-name]"),
        "THORNTON, Margaret Ann (Mrs)"
    );
    assert_eq!(first_text(&doc, "[data-field=nhs-number]"), "999 000 0026");
    assert_eq!(first_text(&doc, "[data-field=born]"), "12-Mar-1948 (78y)");
    assert_eq!(first_text(&doc, "[data-field=gender]"), "Female");
    assert_eq!(first_text(&doc, "[data-field=gp]"), "Dr Eleanor Brooks");
    let keys: Vec<&str> = doc
        .select(&sel("section[data-section]"))
        .filter_map(|s| s.value().attr("data-section"))
        .collect();
    let expected: Vec<&str> = Section::ALL.iter().map(|s| s.key()).collect();
    assert_eq!(keys, expected);
    // The panel is one root section with its own style and no script.
    assert!(html.starts_with("<section class=\"icr-panel\""));
    assert!(!html.contains("<script"));
    assert_eq!(doc.select(&sel("style")).count(), 1);
}

#[test]
fn every_item_shows_its_sources_and_a_date_in_cui_form() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let items: Vec<ElementRef<'_>> = doc.select(&sel("li.icr-item")).collect();
    assert!(items.len() > 40, "{}", items.len());
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    for item in items {
        let id = item.value().attr("data-item-id").unwrap();
        assert!(
            !item.value().attr("data-source-ods").unwrap().is_empty(),
            "{id}"
        );
        let from = item
            .select(&sel(".icr-provenance [data-field=org]"))
            .count();
        assert!(from >= 1, "{id} has no provenance");
        let when = text(item.select(&sel(".icr-date")).next().unwrap());
        assert!(
            when == "Date not recorded"
                || month.iter().any(|m| when.contains(m))
                || when.len() >= 4,
            "{id}: {when}"
        );
        assert!(!when.contains('T'), "{id}: {when}");
    }
    // A date with a time shows HH:mm.
    let doxy = doc
        .select(&sel(
            "li[data-item-id=\"Y9OOH/MedicationRequest/rx-doxycycline-20261108\"] .icr-date",
        ))
        .next()
        .map(text)
        .unwrap();
    assert_eq!(doxy, "08-Nov-2026 23:10");
}

#[test]
fn alerts_are_marked_with_words_not_only_colour() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let alerts = section(&doc, "alerts");
    let badge = text(alerts.select(&sel(".icr-badge-alert")).next().unwrap());
    assert_eq!(badge, "Safeguarding alert");
    assert!(alerts.select(&sel("svg[aria-hidden=true]")).count() >= 1);
}

#[test]
fn allergies_current_before_resolved_and_resolved_says_so() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let allergies = section(&doc, "allergies");
    let titles: Vec<String> = allergies
        .select(&sel(".icr-item [data-field=title]"))
        .map(text)
        .collect();
    assert_eq!(titles, ["Allergy to penicillin", "Allergy to Elastoplast"]);
    let resolved = allergies.select(&sel("li.icr-resolved")).next().unwrap();
    assert!(text(resolved).contains("Resolved"));
    let penicillin = allergies.select(&sel("li.icr-item")).next().unwrap();
    assert!(text(penicillin).contains("High criticality"));
    // Reported by two organisations: both named.
    let orgs: Vec<String> = penicillin
        .select(&sel(".icr-provenance [data-field=org]"))
        .map(text)
        .collect();
    assert_eq!(orgs.len(), 2, "{orgs:?}");
}

#[test]
fn medication_changes_say_what_who_and_when() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let meds = section(&doc, "medications");
    let all = squash(&text(meds));
    assert!(all.contains("Current medications"), "{all}");
    assert!(
        all.contains("Started 08-Nov-2026 23:10 (recorded by Northgate Out-of-Hours Service)"),
        "{all}"
    );
    assert!(
        all.contains("Dose changed 02-Oct-2026 (recorded by Riverside Medical Practice)"),
        "{all}"
    );
    assert!(meds.select(&sel("li.icr-changed")).count() >= 2);
    assert!(all.contains("Recently changed"));
}

#[test]
fn results_are_real_tables_with_text_flags() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let inv = section(&doc, "investigations");
    let table = inv.select(&sel("table.icr-results")).next().unwrap();
    let heads: Vec<String> = table
        .select(&sel("thead th[scope=col]"))
        .map(text)
        .collect();
    assert_eq!(heads, ["Test", "Value", "Unit", "Reference range", "Flag"]);
    assert!(table.select(&sel("tbody th[scope=row]")).count() >= 5);
    let flags: Vec<String> = inv
        .select(&sel("tr.icr-abnormal td.icr-flag"))
        .map(text)
        .collect();
    assert!(flags.iter().any(|f| f == "High"), "{flags:?}");
    assert!(flags.iter().any(|f| f == "Low"), "{flags:?}");
}

#[test]
fn section_warnings_are_shown_with_their_organisation() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let problems = section(&doc, "problems");
    let w = problems
        .select(&sel("[data-warning=confidential-items]"))
        .next()
        .unwrap();
    let t = squash(&text(w));
    assert!(t.contains("Items excluded due to confidentiality"), "{t}");
    assert!(t.contains("Riverside Medical Practice"), "{t}");
}

#[test]
fn empty_sections_distinguish_no_known_from_none_recorded() {
    let mut s = demo();
    for sec in &mut s.sections {
        sec.items.clear();
        sec.warnings.clear();
    }
    s.sections[1].statements.push(SectionStatement {
        kind: crate::ingest::SectionNoteKind::NilKnown,
        text: Some("No known allergies".into()),
        organisation: "Riverside Medical Practice".into(),
    });
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let allergies = squash(&text(section(&doc, "allergies")));
    assert!(
        allergies.contains("No known allergies (recorded by Riverside Medical Practice)"),
        "{allergies}"
    );
    assert!(!allergies.contains("None recorded"));
    let meds = section(&doc, "medications");
    assert!(meds.value().classes().any(|c| c == "icr-empty"));
    assert!(squash(&text(meds)).ends_with("None recorded"));
}

#[test]
fn withheld_items_are_signposted_with_count_and_explanation() {
    let mut s = demo();
    s.sections[3].withheld.push(Withheld {
        count: 2,
        reason: WithheldReason::SensitiveCategory("mental-health".into()),
        explanation: "Sensitive information (mental health) that your role may not see.".into(),
    });
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let t = squash(&text(
        section(&doc, "problems")
            .select(&sel("[data-withheld]"))
            .next()
            .unwrap(),
    ));
    assert_eq!(
        t,
        "Information withheld: 2 items. Sensitive information (mental health) that your role may not see."
    );
}

#[test]
fn nothing_received_is_never_worded_as_none_recorded() {
    let mut s = demo();
    for section in &mut s.sections {
        section.items.clear();
        section.statements.clear();
        section.withheld.clear();
        section.warnings.clear();
    }
    for source in &mut s.sources {
        source.status = crate::merge::SourceStatus::Unavailable;
        source.reason = Some("connection refused".into());
    }
    let html = panel_html(&s, &PanelOptions::default());
    let allergies = squash(&text(section(&parse(&html), "allergies")));
    assert!(
        allergies.ends_with("Nothing received: no source could be read"),
        "{allergies}"
    );
    assert!(!html.contains("None recorded"));
    let plain = super::summary_text(&s);
    assert!(plain.contains("NOTHING RECEIVED"), "{plain}");
    assert!(!plain.contains("none recorded"), "{plain}");
    // One source read, one not: what was read recorded none.
    s.sources[0].status = crate::merge::SourceStatus::Ok;
    let html = panel_html(&s, &PanelOptions::default());
    assert!(html.contains("None recorded by the sources that answered"));
    s.sources
        .iter_mut()
        .for_each(|x| x.status = crate::merge::SourceStatus::Ok);
    assert!(panel_html(&s, &PanelOptions::default()).contains(">None recorded<"));
}

#[test]
fn no_control_or_bidi_character_of_record_text_reaches_the_text_or_the_html() {
    let nasty = "Smith\r\n== FORGED BANNER ==\u{1b}[31m\u{7}\u{8}\u{202e}\u{85}";
    let mut s = demo();
    if let Some(p) = s.patient.as_mut() {
        p.name = nasty.into();
        p.addresses = vec![nasty.into()];
    }
    for section in &mut s.sections {
        for item in &mut section.items {
            item.title = nasty.into();
            item.notes = vec![nasty.into()];
        }
    }
    let plain = super::summary_text(&s);
    for line in plain.lines() {
        assert!(!line.chars().any(super::visible::is_hidden), "{line:?}");
        assert!(!line.starts_with("== FORGED"), "a forged line: {line:?}");
    }
    assert!(plain.contains("Smith\u{240d}\u{240a}== FORGED BANNER ==\u{241b}[31m"));
    for options in [PanelOptions::default(), PanelOptions::interactive()] {
        let html = panel_html(&s, &options);
        assert!(
            !html
                .chars()
                .any(|c| super::visible::is_hidden(c) && c != '\n' && c != '\t'),
            "a control or bidi character in the HTML"
        );
    }
}

#[test]
fn a_date_that_is_not_a_date_is_shown_as_text_and_never_as_a_machine_date() {
    let mut s = demo();
    let item = s
        .sections
        .iter_mut()
        .flat_map(|x| x.items.iter_mut())
        .next()
        .unwrap();
    item.date = crate::model::FhirDate::read("yesterday\r\n\u{1b}[2J\u{202e}");
    let html = panel_html(&s, &PanelOptions::default());
    assert!(
        html.contains("yesterday\n\u{241b}[2J&lt;U+202E&gt; (not a valid date, as recorded)"),
        "shown as text"
    );
    assert!(
        !html.contains("datetime=\"yesterday"),
        "no machine-readable date for it"
    );
    assert!(
        !html
            .chars()
            .any(|c| super::visible::is_hidden(c) && c != '\n' && c != '\t')
    );
}

#[test]
fn failed_and_stale_sources_are_flagged_above_the_sections() {
    let mut s = demo();
    s.sources[2].status = crate::merge::SourceStatus::IdentityMismatch;
    s.sources[2].reason = Some("the source's patient is not this patient".into());
    s.sources[0].warnings.push(SectionWarning {
        code: "data-in-transit".into(),
        text: Some("Record is being transferred".into()),
        organisation: "Riverside Medical Practice".into(),
    });
    let html = panel_html(&s, &PanelOptions::default());
    let doc = parse(&html);
    let notices = doc.select(&sel(".icr-notices")).next().unwrap();
    let t = squash(&text(notices));
    assert!(t.contains("Information missing: Identity mismatch"), "{t}");
    assert!(
        t.contains("the source's patient is not this patient"),
        "{t}"
    );
    // The hospital's data is 56 days old (> 30); the GP's is 16 days old.
    assert!(t.contains("May be out of date: Northgate General Hospital NHS Trust, data as of 30-Sep-2026 15:20 (56 days old)."), "{t}");
    assert!(!t.contains("May be out of date: Riverside"), "{t}");
    assert!(
        t.contains(
            "Warning: Record in transit. Record is being transferred (Riverside Medical Practice)"
        ),
        "{t}"
    );
    let notices_at = html.find("icr-notices").unwrap();
    let alerts_at = html.find("data-section=\"alerts\"").unwrap();
    assert!(notices_at < alerts_at);
    let list = squash(&text(doc.select(&sel("[data-sources]")).next().unwrap()));
    assert!(
        list.contains("data as of 09-Nov-2026 08:15 (16 days old)"),
        "{list}"
    );
}

#[test]
fn the_panel_flags_the_sources_the_summary_judged_stale_not_by_its_own_threshold() {
    let notices = |s: &PatientSummary| {
        let doc = parse(&panel_html(s, &PanelOptions::default()));
        doc.select(&sel(".icr-notices [data-stale]"))
            .map(|n| squash(&text(n)))
            .collect::<Vec<_>>()
    };
    let mut s = demo();
    let (gp, hospital) = (s.sources[0].name.clone(), s.sources[1].name.clone());
    assert_eq!(s.sources[0].age_days, Some(16));
    assert_eq!(s.sources[1].age_days, Some(56));
    // As a summary built with a 10-day threshold, and one judged current whatever its age.
    s.sources[0].freshness = Some(Freshness::Stale);
    s.sources[1].freshness = Some(Freshness::Current);
    let shown = notices(&s);
    assert!(
        shown
            .iter()
            .any(|n| n.starts_with(&format!("May be out of date: {gp}"))),
        "{shown:?}"
    );
    assert!(!shown.iter().any(|n| n.contains(&hospital)), "{shown:?}");
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let badges: Vec<String> = doc
        .select(&sel("li.icr-source"))
        .filter(|li| li.select(&sel(".icr-badge-stale")).next().is_some())
        .map(|li| squash(&text(li)))
        .collect();
    assert!(badges.iter().any(|b| b.starts_with(&gp)), "{badges:?}");
    assert!(
        !badges.iter().any(|b| b.starts_with(&hospital)),
        "{badges:?}"
    );
    // Summary JSON from before `freshness`: the panel applies its own threshold (30 days).
    for source in &mut s.sources {
        source.freshness = None;
    }
    let shown = notices(&s);
    assert!(
        shown
            .iter()
            .any(|n| n.starts_with(&format!("May be out of date: {hospital}"))),
        "{shown:?}"
    );
    assert!(!shown.iter().any(|n| n.contains(&gp)), "{shown:?}");
}

#[test]
fn discrepancies_and_partial_dates_are_shown_as_given() {
    let mut s = demo();
    let item = &mut s.sections[3].items[0];
    item.discrepancies = vec!["Hospital records this as resolved".into()];
    item.date = crate::model::FhirDate::parse("2019-03");
    item.end_date = crate::model::FhirDate::parse("2020");
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let li = section(&doc, "problems")
        .select(&sel("li.icr-item"))
        .next()
        .unwrap();
    let t = squash(&text(li));
    assert!(
        t.contains("Differs: Hospital records this as resolved"),
        "{t}"
    );
    assert!(t.contains("Mar-2019 to 2020"), "{t}");
}

#[test]
fn only_https_attachments_are_links() {
    let mut s = demo();
    let docs = s
        .sections
        .iter_mut()
        .find(|x| x.key == Section::Documents)
        .unwrap();
    let Detail::Document { attachments, .. } = &mut docs.items[0].detail else {
        panic!("not a document")
    };
    let https = attachments[0].clone();
    for bad in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " https://x",
        "http://x.example/a",
        "data:text/html,<b>",
        "https://a\tb",
        "https://",
    ] {
        let mut a = https.clone();
        a.url = Some(bad.into());
        attachments.push(a);
    }
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let hrefs: Vec<&str> = doc
        .select(&sel("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(!hrefs.is_empty());
    for h in &hrefs {
        assert!(h.starts_with("https://") && !h.contains(['\t', ' ']), "{h}");
    }
    let links = doc.select(&sel("a[href]")).next().unwrap();
    assert_eq!(links.value().attr("rel"), Some("noopener noreferrer"));
}

#[test]
fn interactive_controls_point_at_their_regions_and_ids_are_unique() {
    let html = panel_html(&demo(), &PanelOptions::interactive());
    let doc = parse(&html);
    assert_eq!(doc.select(&sel("style")).count(), 0);
    let mut ids = BTreeSet::new();
    for e in doc.select(&sel("[id]")) {
        let id = e.value().attr("id").unwrap();
        assert!(ids.insert(id.to_owned()), "duplicate id {id}");
        assert!(id.starts_with("icr"), "{id}");
    }
    let toggles: Vec<ElementRef<'_>> = doc.select(&sel("button[aria-controls]")).collect();
    assert_eq!(
        doc.select(&sel("button[data-icr-toggle=section]")).count(),
        Section::ALL.len()
    );
    assert_eq!(
        doc.select(&sel("button[data-icr-toggle=details]")).count(),
        doc.select(&sel("li.icr-item")).count()
    );
    for b in toggles {
        let target = b.value().attr("aria-controls").unwrap();
        assert!(ids.contains(target), "{target}");
        assert!(b.value().attr("aria-expanded").is_some());
        assert_eq!(b.value().attr("type"), Some("button"));
    }
    for labelled in doc.select(&sel("[aria-labelledby]")) {
        assert!(ids.contains(labelled.value().attr("aria-labelledby").unwrap()));
    }
    for l in doc.select(&sel("label[for]")) {
        assert!(ids.contains(l.value().attr("for").unwrap()));
    }
    // One filter option per source plus "all".
    assert_eq!(
        doc.select(&sel("select[data-icr-filter] option")).count(),
        6
    );
    assert!(doc.select(&sel("[data-icr-details][hidden]")).count() > 40);
}

#[test]
fn id_prefix_is_sanitised() {
    let o = PanelOptions {
        id_prefix: "1\"><img src=x>".into(),
        ..PanelOptions::default()
    };
    let html = panel_html(&demo(), &o);
    assert!(html.contains("id=\"icr1imgsrcx\""), "{}", &html[..300]);
}

fn sha256_base64(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in digest.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn the_csp_hash_is_the_hash_of_the_stylesheet() {
    let expected = format!("'sha256-{}'", sha256_base64(PANEL_CSS.as_bytes()));
    assert_eq!(PANEL_CSS_CSP_HASH, expected, "update PANEL_CSS_CSP_HASH");
    assert!(!PANEL_CSS.to_ascii_lowercase().contains("</style"));
    assert!(!PANEL_CSS.contains("url("), "the panel loads nothing");
    assert!(!PANEL_CSS.contains("@import"));
}

#[test]
fn standalone_page_is_whole_strict_and_scriptless() {
    let o = PanelOptions {
        interactive: true,
        ..PanelOptions::default()
    };
    let page = standalone_page(&demo(), &o);
    assert!(page.starts_with("<!DOCTYPE html><html lang=\"en-GB\">"));
    let doc = Html::parse_document(&page);
    let csp = doc
        .select(&sel("meta[http-equiv=Content-Security-Policy]"))
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(csp.contains(PANEL_CSS_CSP_HASH));
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("button, input, select")).count(), 0);
    assert_eq!(first_text(&doc, "title"), "Care record summary");
    // The style element's text is exactly what the hash covers.
    assert_eq!(first_text(&doc, "style"), PANEL_CSS);
    assert_eq!(doc.select(&sel("[hidden]")).count(), 0);
    for e in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        for (name, _) in e.value().attrs() {
            assert!(!name.starts_with("on"), "event handler attribute {name}");
            assert_ne!(name, "style");
        }
    }
}

/// A small summary with the text fields the property puts strings into.
fn fixture(title: &str, note: &str, org: &str) -> PatientSummary {
    let mut s = demo();
    for sec in &mut s.sections {
        sec.items.truncate(1);
    }
    let meds = s
        .sections
        .iter_mut()
        .find(|x| x.key == Section::Medications)
        .unwrap();
    let item = &mut meds.items[0];
    item.title = title.to_owned();
    item.notes = vec![note.to_owned()];
    item.provenance[0].organisation.name = org.to_owned();
    s.sources[0].name = org.to_owned();
    s
}

/// Every element's tag and attribute names, in document order.
fn shape(html: &str) -> Vec<(String, Vec<String>)> {
    parse(html)
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .map(|e| {
            let mut attrs: Vec<String> = e.value().attrs().map(|(n, _)| n.to_owned()).collect();
            attrs.sort();
            (e.value().name().to_owned(), attrs)
        })
        .collect()
}

fn check_round_trip(s: &str, options: &PanelOptions) -> Result<(), TestCaseError> {
    let clean = panel_html(&fixture("x", "x", "x"), options);
    let html = panel_html(&fixture(s, s, s), options);
    prop_assert_eq!(shape(&html), shape(&clean));
    let doc = parse(&html);
    let item = doc
        .select(&sel("section[data-section=medications] li.icr-item"))
        .next()
        .unwrap();
    let want = super::visible::for_html(&normalise(s)).into_owned();
    for field in ["title", "note", "org"] {
        let got = text(
            item.select(&sel(&format!("[data-field={field}]")))
                .next()
                .unwrap(),
        );
        prop_assert_eq!(&got, &*want, "field {}", field);
    }
    let source = text(
        doc.select(&sel("[data-sources] [data-field=org]"))
            .next()
            .unwrap(),
    );
    prop_assert_eq!(&source, &*want);
    Ok(())
}

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "&lt;script&gt;",
    "&#x3C;script&#x3E;",
    "<svg><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<template><img src=x onerror=alert(1)></template>",
    "<form id=icr-panel><input name=attributes>",
    "</section></li><h1>x</h1>",
    "<!--",
    "]]>",
    "<![CDATA[x]]>",
    "\r\n\0\u{feff}\u{200b}",
    "\u{1b}[2J\u{1b}[31mRED\u{7}\u{8}",
    "abc\u{202e}fed\u{2066}x\u{2069}\u{85}",
    "",
];

#[test]
fn known_payloads_round_trip_as_text() {
    for p in PAYLOADS {
        for o in [PanelOptions::default(), PanelOptions::interactive()] {
            check_round_trip(p, &o).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn any_text_round_trips_and_adds_no_markup(
        s in prop_oneof![
            any::<String>(),
            "[<>&\"'=/!? a-z;#x0-9\\-\\[\\]\r\n\t]{0,40}",
            proptest::sample::select(PAYLOADS).prop_map(str::to_owned),
        ],
        interactive in any::<bool>(),
    ) {
        let options = if interactive { PanelOptions::interactive() } else { PanelOptions::default() };
        check_round_trip(&s, &options)?;
    }
}

#[test]
fn payloads_in_every_text_field_add_no_markup() {
    let base = serde_json::to_value(demo()).unwrap();
    let paths = super::fuzzing::free_text_paths(&base);
    assert!(paths.len() > 300, "{}", paths.len());
    for o in [PanelOptions::default(), PanelOptions::interactive()] {
        let clean = shape(&panel_html(&demo(), &o));
        let allowed: BTreeSet<(String, String)> = clean
            .iter()
            .flat_map(|(t, attrs)| {
                std::iter::once((t.clone(), String::new()))
                    .chain(attrs.iter().map(move |a| (t.clone(), a.clone())))
            })
            .collect();
        for p in PAYLOADS {
            let mut v = base.clone();
            for path in &paths {
                *v.pointer_mut(path).unwrap() = serde_json::Value::String((*p).to_owned());
            }
            let summary: PatientSummary = serde_json::from_value(v).unwrap();
            let html = panel_html(&summary, &o);
            for (tag, attrs) in shape(&html) {
                assert!(
                    allowed.contains(&(tag.clone(), String::new())),
                    "{p}: element {tag}"
                );
                for a in attrs {
                    assert!(
                        allowed.contains(&(tag.clone(), a.clone())),
                        "{p}: {tag}[{a}]"
                    );
                }
            }
            for a in parse(&html).select(&sel("a[href]")) {
                let href = a.value().attr("href").unwrap();
                assert!(href.starts_with("https://"), "{p}: {href}");
            }
        }
    }
}

#[test]
fn lazy_details_are_rendered_for_the_item_the_dom_names() {
    let mut s = demo();
    s.sections[2].items[1].id = "odd\r\nid\0<&>".into();
    let doc = parse(&panel_html(&s, &PanelOptions::interactive()));
    let items: Vec<ElementRef<'_>> = doc.select(&sel("li.icr-item")).collect();
    assert_eq!(
        doc.select(&sel("[data-icr-details][data-icr-lazy]:empty"))
            .count(),
        items.len()
    );
    for item in items {
        let id = item.value().attr("data-item-id").unwrap();
        let section = item
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find_map(|e| e.value().attr("data-section"))
            .unwrap();
        let entry = find_item(&s, section, id).unwrap_or_else(|| panic!("{section} {id}"));
        let details = parse(&item_details_html(entry));
        let t = squash(&text(details.root_element()));
        assert!(t.contains(&entry.provenance[0].source_ref), "{t}");
        assert!(t.contains("Item id"), "{t}");
    }
    assert!(find_item(&s, "medications", "no such item").is_none());
    assert!(find_item(&s, "allergies", &s.sections[2].items[0].id).is_none());
}

#[test]
fn a_source_that_does_not_date_its_data_is_flagged_may_be_out_of_date() {
    let mut s = demo();
    // What summary::build gives a source without lastUpdated, and a failed one.
    s.sources[1].as_of = None;
    s.sources[1].age_days = None;
    s.sources[1].freshness = Some(Freshness::AgeUnknown);
    s.sources[2].status = crate::merge::SourceStatus::Unavailable;
    s.sources[2].as_of = None;
    s.sources[2].age_days = None;
    s.sources[2].freshness = None;
    let name = s.sources[1].name.clone();
    let failed = s.sources[2].name.clone();
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let notices = squash(&text(doc.select(&sel(".icr-notices")).next().unwrap()));
    assert!(
        notices.contains(&format!(
            "May be out of date: {name} did not say when its data was last updated."
        )),
        "{notices}"
    );
    assert!(
        !notices.contains(&format!("{failed} did not say")),
        "a failed source is flagged as missing, not as undated: {notices}"
    );
    let listed = doc
        .select(&sel("li.icr-source"))
        .map(|li| squash(&text(li)))
        .find(|t| t.starts_with(&name))
        .unwrap();
    assert!(listed.contains("May be out of date"), "{listed}");
    assert!(listed.contains("date of data not given"), "{listed}");
}

#[test]
fn demographic_discrepancies_are_a_warning_in_the_banner() {
    let mut s = demo();
    s.demographic_discrepancies = vec![
        "Date of birth differs in the record from Northgate General Hospital NHS Trust".into(),
    ];
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let banner = doc.select(&sel(".icr-banner")).next().unwrap();
    let notice = banner
        .select(&sel("[data-notice=demographic-discrepancy]"))
        .next()
        .expect("a discrepancy notice inside the banner");
    assert_eq!(
        first_text_in(notice, "strong"),
        "Warning: sources disagree about the patient's details."
    );
    assert_eq!(
        first_text_in(notice, "li"),
        "Date of birth differs in the record from Northgate General Hospital NHS Trust"
    );
}

#[test]
fn every_result_shows_its_unit_and_reference_range_beside_the_value() {
    let doc = parse(&panel_html(&demo(), &PanelOptions::default()));
    let inv = section(&doc, "investigations");
    let row = inv
        .select(&sel("table.icr-results tbody tr"))
        .find(|tr| text(*tr).contains("potassium"))
        .expect("the potassium result");
    let cells: Vec<String> = row
        .select(&sel("th, td"))
        .map(|c| squash(&text(c)))
        .collect();
    assert_eq!(cells[1], "4.9", "{cells:?}");
    assert_eq!(cells[2..4], ["mmol/L", "3.5-5.3"], "{cells:?}");
}

#[test]
fn every_reference_range_is_shown_the_first_in_the_range_column_and_the_others_under_it() {
    let mut s = demo();
    let inv = s
        .sections
        .iter_mut()
        .find(|x| x.key == Section::Investigations)
        .unwrap();
    let potassium = inv
        .items
        .iter_mut()
        .find_map(|e| match &mut e.detail {
            Detail::Investigation { results, .. } => {
                results.iter_mut().find(|r| r.name.contains("potassium"))
            }
            _ => None,
        })
        .expect("the potassium result");
    potassium.reference_ranges = vec![
        crate::model::ReferenceRange {
            range: Some("3.5-5.3".into()),
            ..Default::default()
        },
        crate::model::ReferenceRange {
            range: Some("3.4-4.7".into()),
            age: Some("0-17 a".into()),
            ..Default::default()
        },
    ];
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let row = section(&doc, "investigations")
        .select(&sel("table.icr-results tbody tr"))
        .find(|tr| text(*tr).contains("potassium"))
        .expect("the potassium row");
    let cell = row.select(&sel("td")).nth(2).expect("the range column");
    let ranges: Vec<String> = cell
        .select(&sel("[data-range]"))
        .map(|x| squash(&text(x)))
        .collect();
    assert_eq!(ranges, ["3.5-5.3", "3.4-4.7 (age 0-17 a)"]);
}

fn first_text_in(e: ElementRef<'_>, selector: &str) -> String {
    e.select(&sel(selector))
        .next()
        .map(|x| squash(&text(x)))
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

#[test]
fn a_recorded_death_is_a_notice_in_the_banner_and_the_summary_date_is_shown() {
    let mut s = demo();
    s.patient.as_mut().unwrap().deceased = Some("2026-11-20".into());
    let doc = parse(&panel_html(&s, &PanelOptions::default()));
    let banner = doc.select(&sel(".icr-banner")).next().unwrap();
    let notice = banner
        .select(&sel(".icr-notice-error"))
        .next()
        .expect("a deceased notice");
    assert_eq!(squash(&text(notice)), "Deceased 20-Nov-2026");
    assert_eq!(
        squash(&first_text(&doc, ".icr-asof")),
        "Summary as of 25-Nov-2026"
    );
}

/// The demo with what the clinical-fidelity rules add: a contradiction, an allergy to a
/// current medicine, a held source, an empty comment note.
fn demo_with_warnings() -> PatientSummary {
    let mut summary = demo();
    let meds = summary
        .sections
        .iter_mut()
        .find(|s| s.key == Section::Medications)
        .unwrap();
    let first = meds.items.first_mut().unwrap();
    first.warnings.push(crate::model::ItemWarning {
        code: crate::model::ItemWarningCode::Contradiction,
        text: "Northgate records it as stopped (hyponatraemia), but it is current here.".to_owned(),
    });
    summary.banner_alerts.push(crate::summary::BannerAlert {
        code: crate::model::ItemWarningCode::Contradiction,
        section: Section::Medications,
        item_id: first.id.clone(),
        text: format!("{}: stopped elsewhere", first.title),
    });
    let mut held = summary.sections[1].items[0].clone();
    held.id = "OTHER/AllergyIntolerance/x".to_owned();
    held.title = "Allergy to latex".to_owned();
    summary.reconciliation.push(held);
    summary.sections[5]
        .folded
        .push(crate::summary::FoldedItems {
            title: "Comment note".to_owned(),
            count: 3,
        });
    summary
}

#[test]
fn warnings_banner_alerts_held_items_and_folded_entries_are_shown() {
    let html = panel_html(&demo_with_warnings(), &PanelOptions::default());
    let doc = parse(&html);
    let banner = first_text(&doc, "[data-notice=\"banner-alerts\"]");
    assert!(banner.contains("stopped elsewhere"), "{banner}");
    let warning = first_text(&doc, "[data-warning=\"contradiction\"]");
    assert!(warning.contains("hyponatraemia"), "{warning}");
    let held = text(section(&doc, "reconciliation"));
    assert!(held.contains("Allergy to latex") && held.contains("Identity not confirmed"));
    let folded = first_text(&doc, "[data-folded=\"3\"]");
    assert!(squash(&folded).contains("3 \u{201c}Comment note\u{201d} entries with no content"));
    let text_view = summary_text(&demo_with_warnings());
    assert!(text_view.contains("!! Northgate records it as stopped (hyponatraemia)"));
    assert!(text_view.contains("HELD FOR RECONCILIATION"));
    assert!(text_view.contains("3 \"Comment note\" entries with no content"));
}

#[test]
fn every_course_and_reaction_source_is_shown_and_flags_say_their_evidence() {
    let summary = demo();
    let html = panel_html(&summary, &PanelOptions::default());
    let doc = parse(&html);
    let meds = text(section(&doc, "medications"));
    assert!(
        meds.contains("Course completed"),
        "a completed course is not 'stopped'"
    );
    let courses = doc.select(&sel("[data-field=\"course\"]")).count();
    assert!(
        courses >= 2,
        "the ramipril and ibuprofen courses: {courses}"
    );
    let allergies = text(section(&doc, "allergies"));
    assert!(
        allergies.contains("[Riverside Medical Practice]"),
        "who records the reaction"
    );
    let investigations = squash(&text(section(&doc, "investigations")));
    assert!(
        investigations.contains("Normal (by range)"),
        "{investigations}"
    );
    let text_view = summary_text(&summary);
    assert!(text_view.contains("[HIGH]"));
    assert!(text_view.contains("course completed"));
}

#[test]
fn the_risk_block_sits_under_the_banner_with_a_why_that_opens_its_evidence() {
    let summary = demo();
    let html = panel_html(&summary, &PanelOptions::default());
    let doc = parse(&html);
    let risk = doc
        .select(&sel("section[data-risk]"))
        .next()
        .expect("the demo has risk signals");
    let signals: Vec<&str> = risk
        .select(&sel("[data-signal]"))
        .filter_map(|s| s.value().attr("data-signal"))
        .collect();
    assert_eq!(
        signals,
        [
            "emergency-admissions",
            "out-of-hours-contacts",
            "polypharmacy",
            "frailty",
            "support-in-place"
        ]
    );
    // Under the banner, above the sections.
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("icr-banner") < at("data-risk"));
    assert!(at("data-risk") < at("data-section=\"alerts\""));
    let admissions = risk
        .select(&sel("[data-signal=emergency-admissions]"))
        .next()
        .unwrap();
    assert_eq!(admissions.value().attr("data-raised"), Some("true"));
    let why = admissions.select(&sel("details summary")).next().unwrap();
    assert_eq!(squash(&text(why)), "Why: Emergency admissions");
    let evidence: Vec<String> = admissions
        .select(&sel("details li[data-item]"))
        .map(|e| squash(&text(e)))
        .collect();
    assert_eq!(evidence.len(), 1);
    assert!(
        evidence[0].starts_with("Emergency hospital admission, 18-Sep-2026"),
        "{evidence:?}"
    );
    let frailty = risk.select(&sel("[data-signal=frailty]")).next().unwrap();
    assert!(
        squash(&text(frailty)).contains("population screening tool, not a diagnosis"),
        "the eFI says what it is beside the figure"
    );
    let text = crate::render::summary_text(&summary);
    assert!(text.contains("RISK AND SUPPORT"));
    assert!(text.contains("! Emergency admissions: 1 emergency admission in the last 12 months"));
}

#[test]
fn record_text_in_the_risk_block_is_escaped() {
    let mut summary = demo();
    let payload = "<img src=x onerror=alert(1)>";
    for s in &mut summary.risk.signals {
        s.headline = payload.to_owned();
        s.rule = payload.to_owned();
        for e in &mut s.evidence {
            e.title = payload.to_owned();
            e.note = Some(payload.to_owned());
            e.organisations = vec![payload.to_owned()];
        }
    }
    let html = panel_html(&summary, &PanelOptions::default());
    assert!(!html.contains(payload));
    assert_eq!(parse(&html).select(&sel("img")).count(), 0);
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn the_panel_in_two_steps_holds_what_the_whole_panel_holds_with_unique_ids() {
    let summary = demo();
    let options = PanelOptions::interactive();
    let whole = parse(&panel_html(&summary, &options));
    let first = panel_first_html(&summary, &options, 5);
    assert!(first.pending.len() > 3, "{:?}", first.pending);
    assert_eq!(first.pending.first().map(String::as_str), Some("trends"));
    let mut filled = first.html.clone();
    for key in &first.pending {
        let marker = format!("data-icr-pending=\"{key}\"></div>");
        let part = pending_part_html(&summary, &options, key).expect("a part");
        assert!(filled.contains(&marker), "{key} is marked");
        filled = filled.replacen(
            &marker,
            &format!("data-icr-pending=\"{key}\">{part}</div>"),
            1,
        );
    }
    assert!(pending_part_html(&summary, &options, "nothing").is_none());
    let filled = parse(&filled);
    let items = |doc: &Html| -> Vec<String> {
        let mut ids: Vec<String> = doc
            .select(&sel("[data-item-id]"))
            .filter_map(|e| e.value().attr("data-item-id").map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(items(&filled), items(&whole));
    assert_eq!(
        filled.select(&sel("figure[data-trend]")).count(),
        whole.select(&sel("figure[data-trend]")).count()
    );
    let mut ids: Vec<&str> = filled
        .select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    let before = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), before, "every id is unique");
    let first_only = parse(&first.html);
    assert!(items(&first_only).len() < items(&whole).len());
    assert_eq!(
        first_only.select(&sel("section[data-section] h3")).count(),
        whole.select(&sel("section[data-section] h3")).count(),
        "every section's heading is there at once"
    );
}
