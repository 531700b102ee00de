//! The trend charts and their tables: the same points in both, for any trend; the demo's
//! trends drawn before the investigations, focusable and named.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use scraper::Html;

use crate::model::{FhirDate, Quantity, ResultFlag};
use crate::render::tests::{demo, parse, sel, text};
use crate::render::visible::is_hidden;
use crate::render::{PanelOptions, panel_html};
use crate::trends::{Trend, TrendPoint};

fn figure_html(t: &Trend) -> Html {
    let mut summary = demo();
    summary.trends = vec![t.clone()];
    let html = panel_html(&summary, &PanelOptions::default());
    assert!(
        !html.chars().any(|c| is_hidden(c) && c != '\n' && c != '\t'),
        "a control or bidi character of a date or value reached the chart raw"
    );
    parse(&html)
}

/// The indices of the points the chart draws, and of the table's rows (with whether
/// each says it is drawn and the value it shows).
fn chart_and_table(doc: &Html) -> (BTreeSet<usize>, Vec<(usize, bool, String)>) {
    let index = |e: scraper::ElementRef<'_>| -> usize {
        e.value()
            .attr("data-point")
            .and_then(|v| v.parse().ok())
            .expect("a point index")
    };
    let drawn = doc
        .select(&sel("svg.icr-trend-chart g[data-point]"))
        .map(index)
        .collect();
    let rows = doc
        .select(&sel("table.icr-trend-table tbody tr"))
        .map(|row| {
            let value = row
                .select(&sel("[data-field=value]"))
                .next()
                .map(text)
                .unwrap_or_default();
            (
                index(row),
                row.value().attr("data-plotted") == Some("true"),
                value,
            )
        })
        .collect();
    (drawn, rows)
}

fn date() -> impl Strategy<Value = Option<FhirDate>> {
    prop_oneof![
        (2015i16..2027, 1u8..13, 1u8..29)
            .prop_map(|(y, m, d)| FhirDate::parse(&format!("{y}-{m:02}-{d:02}"))),
        (2015i16..2027, 1u8..13).prop_map(|(y, m)| FhirDate::parse(&format!("{y}-{m:02}"))),
        (2015i16..2027).prop_map(|y| FhirDate::parse(&format!("{y}"))),
        Just(None),
        Just(FhirDate::read("last spring")),
    ]
}

fn point(series: usize) -> impl Strategy<Value = TrendPoint> {
    (
        prop::collection::vec(prop::option::of(-50.0f64..500.0), series),
        date(),
        any::<bool>(),
        prop::option::of((0.0f64..10.0, 10.0f64..200.0)),
        prop::option::of(prop_oneof![
            Just(ResultFlag::High),
            Just(ResultFlag::Normal),
            Just(ResultFlag::Low)
        ]),
    )
        .prop_map(|(values, date, bound, range, flag)| {
            let drawable = date.as_ref().is_some_and(|d| d.days().is_some()) && !bound;
            let shown = values
                .iter()
                .map(|v| v.map_or("\u{2013}".to_owned(), |v| format!("{v:.1}")))
                .collect::<Vec<_>>()
                .join("/");
            TrendPoint {
                values,
                shown,
                sent: None,
                date,
                name: "Test".to_owned(),
                flag,
                reference_range: range.map(|(l, h)| format!("{l:.1}-{h:.1}")),
                range_low: range.map(|r| r.0),
                range_high: range.map(|r| r.1),
                organisations: vec!["Lab".to_owned()],
                item_ids: vec!["ORG/Observation/1".to_owned()],
                plotted: drawable,
                note: (!drawable).then(|| "listed, not drawn".to_owned()),
            }
        })
}

fn a_trend() -> impl Strategy<Value = Trend> {
    (1usize..3)
        .prop_flat_map(|series| {
            prop::collection::vec(point(series), 1..12).prop_map(move |points| (series, points))
        })
        .prop_map(|(series, points)| Trend {
            quantity: if series == 2 {
                Quantity::BloodPressure
            } else {
                Quantity::Potassium
            },
            code: None,
            title: "Anything".to_owned(),
            unit: "mmol/L".to_owned(),
            series: (0..series).map(|s| format!("S{s}")).collect(),
            points,
            latest: "Latest".to_owned(),
            notes: Vec::new(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_chart_and_its_table_carry_the_same_points(t in a_trend()) {
        let doc = figure_html(&t);
        let (drawn, rows) = chart_and_table(&doc);
        let plotted: BTreeSet<usize> = t.points.iter().enumerate().filter(|(_, p)| p.plotted).map(|(i, _)| i).collect();
        let any_value = t.plotted().any(|p| p.values.iter().any(Option::is_some));
        if any_value {
            prop_assert_eq!(&drawn, &plotted, "the chart draws exactly the plotted points");
        }
        prop_assert_eq!(rows.len(), t.points.len(), "a row for every point");
        for (i, (row, on_chart, value)) in rows.iter().enumerate() {
            let p = &t.points[i];
            prop_assert_eq!(*row, i);
            prop_assert_eq!(*on_chart, p.plotted);
            prop_assert_eq!(value, &p.shown);
        }
    }
}

/// A summary read back from JSON can hold any text in a drawn point's date: the axis
/// labels show it as record text (a fuzzing finding: the labels wrote it raw).
#[test]
fn a_date_with_control_characters_reaches_the_axis_labels_only_made_visible() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut t = a_trend().new_tree(&mut runner).expect("a trend").current();
    t.points.truncate(1);
    t.points.push(t.points[0].clone());
    for (i, p) in t.points.iter_mut().enumerate() {
        p.values = vec![Some(1.0 + i as f64); t.series.len()];
        p.plotted = true;
        p.date = FhirDate::parse("2024-03-01");
    }
    t.points[0].date = FhirDate::read("\u{3}\u{202e}><!-- spring");
    let doc = figure_html(&t);
    let labels: Vec<String> = doc.select(&sel("text.icr-trend-label")).map(text).collect();
    assert!(
        labels
            .iter()
            .any(|l| l.contains("\u{2403}<U+202E>><!-- spring")),
        "the date is shown, made visible: {labels:?}"
    );
}

#[test]
fn the_demo_trends_are_drawn_before_the_investigations_focusable_and_named() {
    let summary = demo();
    let html = panel_html(&summary, &PanelOptions::interactive());
    let trends_at = html.find("data-trends=").expect("a trends block");
    let investigations_at = html
        .find("data-section=\"investigations\"")
        .expect("investigations");
    assert!(trends_at < investigations_at);
    let doc = parse(&html);
    for quantity in ["egfr", "hba1c", "blood-pressure"] {
        let t = summary
            .trends
            .iter()
            .find(|t| t.quantity.key() == quantity)
            .unwrap_or_else(|| panic!("the demo has a {quantity} trend"));
        let figure = doc
            .select(&sel(&format!("figure[data-trend=\"{}\"]", t.key())))
            .next()
            .unwrap_or_else(|| panic!("a figure for {quantity}"));
        let svg = figure
            .select(&sel("svg[role=img][tabindex=\"0\"]"))
            .next()
            .expect("a focusable chart");
        let name_id = svg.value().attr("aria-labelledby").expect("named");
        let name = figure
            .select(&sel(&format!("title[id=\"{name_id}\"]")))
            .next()
            .map(text)
            .expect("its name");
        assert!(
            name.starts_with(&t.title) && name.contains(&t.latest),
            "{name}"
        );
        let rows = figure.select(&sel("tbody tr")).count();
        assert_eq!(rows, t.points.len());
        let marks = figure.select(&sel("g[data-point]")).count();
        assert_eq!(marks, t.plotted().count());
    }
}

#[test]
fn an_abnormal_point_is_marked_by_shape_not_only_colour() {
    let mut summary = demo();
    let t = summary
        .trends
        .iter_mut()
        .find(|t| t.quantity == Quantity::Egfr)
        .expect("an eGFR trend");
    for p in &mut t.points {
        p.flag = Some(ResultFlag::Normal);
    }
    if let Some(p) = t.points.iter_mut().find(|p| p.plotted) {
        p.flag = Some(ResultFlag::Low);
    }
    let doc = parse(&panel_html(&summary, &PanelOptions::default()));
    let abnormal: Vec<_> = doc
        .select(&sel(
            "figure[data-trend^=egfr] g.icr-trend-abnormal rect.icr-trend-mark",
        ))
        .collect();
    assert_eq!(abnormal.len(), 1);
    let normal_squares = doc
        .select(&sel(
            "figure[data-trend^=egfr] g.icr-trend-point:not(.icr-trend-abnormal) rect",
        ))
        .count();
    assert_eq!(normal_squares, 0, "a normal point is a circle");
}
