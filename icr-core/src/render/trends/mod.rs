//! Trends drawn inline: a small SVG chart per trend and, beside it, a table of the same
//! points (for screen readers, print, and anyone who wants the numbers).
//!
//! The chart is markup like the rest of the panel, written with `html!` (every value
//! escaped, coordinates computed here, no script, no inline style), so it works under the
//! panel's strict content security policy. It is focusable, with an accessible name
//! that says what it shows; abnormal points are marked by shape as well as colour; a
//! result dated only to the month or year is drawn as a bar across the period it could
//! be. Each drawn point and each table row carry the point's index (`data-point`), so a
//! test can check that the chart and the table show the same results.

use maud::{Markup, html};

use super::Text;
use super::panel::{Cx, date};
use crate::model::FhirDate;
use crate::trends::{Trend, TrendPoint};

/// The chart's drawing area inside its view box (x from, x to, y from, y to).
const LEFT: f64 = 46.0;
const RIGHT: f64 = 312.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 104.0;
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 124.0;

/// The trends block, its charts drawn `now` or left for [`body`] (marked
/// `data-icr-pending="trends"`).
pub(super) fn trends(cx: &Cx<'_>, trends: &[Trend], now: bool) -> Markup {
    if trends.is_empty() {
        return html! {};
    }
    let heading = cx.named("trends-h");
    html! {
        section.icr-trends aria-labelledby=(heading) data-trends=(trends.len()) {
            h3.icr-trends-heading id=(heading) { "Trends" }
            p.icr-trends-basis {
                "Repeated results you may see, oldest first; each chart's values are in the table beside it."
            }
            @if now {
                div.icr-trends-body { (body(cx, trends)) }
            } @else {
                div.icr-trends-body data-icr-pending=(super::panel::TRENDS) {}
            }
        }
    }
}

/// Every trend's chart and table.
pub(super) fn body(cx: &Cx<'_>, trends: &[Trend]) -> Markup {
    html! { @for t in trends { (trend(cx, t)) } }
}

fn trend(cx: &Cx<'_>, t: &Trend) -> Markup {
    let caption = cx.id("trend");
    html! {
        figure.icr-trend data-trend=(t.key()) aria-labelledby=(caption) {
            figcaption id=(caption) {
                strong { (Text(&t.title)) }
                @if !t.unit.is_empty() { " " span.icr-org { "(" (Text(&t.unit)) ")" } }
                ". " span data-field="latest" { (Text(&t.latest)) }
            }
            @for n in &t.notes { p.icr-notice.icr-notice-info role="note" data-notice="conversion" { (Text(n)) } }
            div.icr-trend-body {
                (chart(cx, t))
                (table(t))
            }
        }
    }
}

/// The days a point covers, as day numbers.
fn span(p: &TrendPoint) -> Option<(f64, f64)> {
    let (first, last) = p.date.as_ref()?.days()?;
    let day = |d: jiff::civil::Date| {
        d.since(jiff::civil::date(1900, 1, 1))
            .ok()
            .map(|s| f64::from(s.get_days()))
    };
    Some((day(first)?, day(last)?))
}

/// Where values and days go on the chart.
struct Scale {
    days: (f64, f64),
    values: (f64, f64),
}

impl Scale {
    fn of(t: &Trend) -> Option<Scale> {
        let drawn: Vec<&TrendPoint> = t.plotted().collect();
        let spans: Vec<(f64, f64)> = drawn.iter().filter_map(|p| span(p)).collect();
        let first = spans.iter().map(|s| s.0).reduce(f64::min)?;
        let last = spans.iter().map(|s| s.1).reduce(f64::max)?;
        let numbers: Vec<f64> = drawn
            .iter()
            .flat_map(|p| {
                p.values
                    .iter()
                    .flatten()
                    .copied()
                    .chain(p.range_low)
                    .chain(p.range_high)
            })
            .filter(|v| v.is_finite())
            .collect();
        let low = numbers.iter().copied().reduce(f64::min)?;
        let high = numbers.iter().copied().reduce(f64::max)?;
        let pad = if high > low {
            (high - low) * 0.1
        } else {
            low.abs().max(1.0) * 0.1
        };
        let days = if last > first {
            (first, last)
        } else {
            (first - 1.0, last + 1.0)
        };
        Some(Scale {
            days,
            values: (low - pad, high + pad),
        })
    }

    fn x(&self, day: f64) -> f64 {
        LEFT + (day - self.days.0) / (self.days.1 - self.days.0) * (RIGHT - LEFT)
    }

    fn y(&self, value: f64) -> f64 {
        let v = value.clamp(self.values.0, self.values.1);
        BOTTOM - (v - self.values.0) / (self.values.1 - self.values.0) * (BOTTOM - TOP)
    }
}

/// A coordinate for the markup.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// The reference range drawn as one band when every drawn point with a numeric range
/// has the same one.
fn band(t: &Trend) -> Option<(Option<f64>, Option<f64>)> {
    let mut ranges = t
        .plotted()
        .filter(|p| p.range_low.is_some() || p.range_high.is_some())
        .map(|p| (p.range_low, p.range_high));
    let first = ranges.next()?;
    ranges.all(|r| r == first).then_some(first)
}

fn accessible_name(t: &Trend) -> String {
    let drawn: Vec<&TrendPoint> = t.plotted().collect();
    let when = |p: Option<&&TrendPoint>| {
        p.and_then(|p| p.date.as_ref())
            .map(FhirDate::display)
            .unwrap_or_default()
    };
    format!(
        "{} chart: {} results drawn from {} to {}. {}",
        t.title,
        drawn.len(),
        when(drawn.first()),
        when(drawn.last()),
        t.latest
    )
}

fn chart(cx: &Cx<'_>, t: &Trend) -> Markup {
    let Some(scale) = Scale::of(t) else {
        return html! {};
    };
    let title = cx.id("chart");
    let band = band(t);
    let lines: Vec<String> = (0..t.series.len())
        .map(|s| {
            t.plotted()
                .filter_map(|p| {
                    let (a, b) = span(p)?;
                    let v = (*p.values.get(s)?)?;
                    Some(format!("{},{}", c(scale.x((a + b) / 2.0)), c(scale.y(v))))
                })
                .collect::<Vec<String>>()
                .join(" ")
        })
        .collect();
    let label = |v: f64| {
        let places = if (scale.values.1 - scale.values.0) < 10.0 {
            1
        } else {
            0
        };
        format!("{v:.places$}")
    };
    let first_day = t
        .plotted()
        .find_map(|p| p.date.as_ref())
        .map(FhirDate::display);
    let last_day = t
        .plotted()
        .filter_map(|p| p.date.as_ref())
        .last()
        .map(FhirDate::display);
    html! {
        svg.icr-trend-chart viewBox={"0 0 " (c(WIDTH)) " " (c(HEIGHT))} role="img"
            aria-labelledby=(title) tabindex="0" focusable="true"
            xmlns="http://www.w3.org/2000/svg" {
            title id=(title) { (Text(&accessible_name(t))) }
            @if let Some((low, high)) = band {
                @let top = scale.y(high.unwrap_or(scale.values.1));
                @let bottom = scale.y(low.unwrap_or(scale.values.0));
                rect.icr-trend-band x=(c(LEFT)) y=(c(top)) width=(c(RIGHT - LEFT))
                    height=(c((bottom - top).max(0.5))) {}
            } @else {
                @for (i, p) in t.points.iter().enumerate().filter(|(_, p)| p.plotted) {
                    @if let (Some((a, b)), true) = (span(p), p.range_low.is_some() || p.range_high.is_some()) {
                        line.icr-trend-range data-range=(i) x1=(c(scale.x((a + b) / 2.0))) x2=(c(scale.x((a + b) / 2.0)))
                            y1=(c(scale.y(p.range_low.unwrap_or(scale.values.0))))
                            y2=(c(scale.y(p.range_high.unwrap_or(scale.values.1)))) {}
                    }
                }
            }
            line.icr-trend-axis x1=(c(LEFT)) x2=(c(LEFT)) y1=(c(TOP)) y2=(c(BOTTOM)) {}
            line.icr-trend-axis x1=(c(LEFT)) x2=(c(RIGHT)) y1=(c(BOTTOM)) y2=(c(BOTTOM)) {}
            text.icr-trend-label x=(c(LEFT - 4.0)) y=(c(TOP + 4.0)) text-anchor="end" { (label(scale.values.1)) }
            text.icr-trend-label x=(c(LEFT - 4.0)) y=(c(BOTTOM)) text-anchor="end" { (label(scale.values.0)) }
            @if let Some(d) = &first_day {
                text.icr-trend-label x=(c(LEFT)) y=(c(HEIGHT - 4.0)) text-anchor="start" { (Text(d)) }
            }
            @if let Some(d) = &last_day {
                text.icr-trend-label x=(c(RIGHT)) y=(c(HEIGHT - 4.0)) text-anchor="end" { (Text(d)) }
            }
            @for (s, points) in lines.iter().enumerate() {
                polyline class={"icr-trend-line icr-trend-series" (s)} points=(points) {}
            }
            @for (i, p) in t.points.iter().enumerate().filter(|(_, p)| p.plotted) {
                @if let Some((a, b)) = span(p) {
                    g.icr-trend-point.icr-trend-abnormal[p.flag.and_then(|f| f.abnormal()) == Some(true)]
                        data-point=(i) {
                        title { (Text(&point_words(t, p))) }
                        @for (s, v) in p.values.iter().enumerate() {
                            @if let Some(v) = v {
                                @let (x, y) = (scale.x((a + b) / 2.0), scale.y(*v));
                                @if b > a {
                                    line class={"icr-trend-period icr-trend-series" (s)} x1=(c(scale.x(a))) x2=(c(scale.x(b)))
                                        y1=(c(y)) y2=(c(y)) {}
                                }
                                @if p.flag.and_then(|f| f.abnormal()) == Some(true) {
                                    rect class={"icr-trend-mark icr-trend-series" (s)} x=(c(x - 3.5)) y=(c(y - 3.5))
                                        width="7" height="7" {}
                                } @else {
                                    circle class={"icr-trend-mark icr-trend-series" (s)} cx=(c(x)) cy=(c(y)) r="3" {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A point in words, for its tooltip.
fn point_words(t: &Trend, p: &TrendPoint) -> String {
    let mut words = format!(
        "{} {}",
        p.date.as_ref().map(FhirDate::display).unwrap_or_default(),
        p.shown
    );
    if !t.unit.is_empty() {
        words.push(' ');
        words.push_str(&t.unit);
    }
    if let Some(f) = p.flag {
        words.push_str(&format!(" ({})", f.words().to_lowercase()));
    }
    words
}

fn table(t: &Trend) -> Markup {
    html! {
        table.icr-trend-table {
            caption.icr-vh { (Text(&t.title)) ": every result" }
            thead {
                tr {
                    th scope="col" { "Date" }
                    th scope="col" {
                        @if t.series.len() > 1 { (Text(&t.series.join("/"))) } @else { "Value" }
                        @if !t.unit.is_empty() { " (" (Text(&t.unit)) ")" }
                    }
                    th scope="col" { "Range" }
                    th scope="col" { "From" }
                }
            }
            tbody {
                @for (i, p) in t.points.iter().enumerate() {
                    tr data-point=(i) data-plotted=(p.plotted) {
                        td { @if let Some(d) = &p.date { (date(d)) } @else { "No date" } }
                        td {
                            span data-field="value" { (Text(&p.shown)) }
                            @if let Some(f) = p.flag { " " span.icr-trend-flag { (f.words()) } }
                            @if let Some(sent) = &p.sent { " " span.icr-org { "(sent as " (Text(sent)) ")" } }
                            @if let Some(n) = &p.note { br; em.icr-org { (Text(n)) } }
                        }
                        td { @if let Some(r) = &p.reference_range { (Text(r)) } }
                        td.icr-org { (Text(&p.organisations.join(", "))) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
