//! Building trends from the measurements of the items a viewer may see.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use smol_str::SmolStr;

use crate::model::{FhirDate, Item, Measured, Measurement, Provenance, Quantity};

use super::units::{self, Conversion};
use super::{Trend, TrendPoint};

/// Plotted points a known quantity needs for a trend.
const KNOWN_POINTS: usize = 2;
/// Plotted points any other coded quantity needs.
const OTHER_POINTS: usize = 3;

/// A trend's identity before its units are looked at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    quantity: Quantity,
    code: Option<SmolStr>,
}

/// One measurement with the item it belongs to.
#[derive(Debug, Clone)]
struct Raw<'i> {
    /// 0, or 1 for a diastolic blood pressure.
    series: usize,
    m: &'i Measurement,
    date: Option<&'i FhirDate>,
    /// Where its item came from.
    provenance: &'i [Provenance],
    item: &'i str,
}

impl<'i> Raw<'i> {
    /// The organisations its item came from, by name.
    fn organisations(&self) -> impl Iterator<Item = &'i str> + use<'i> {
        self.provenance.iter().map(|p| p.organisation.name.as_str())
    }
}

/// The trends of the items a viewer may see: known quantities in a fixed order, then
/// other coded quantities by name.
pub(crate) fn build(visible: &[&Item]) -> Vec<Trend> {
    let mut groups: BTreeMap<Group, Vec<Raw<'_>>> = BTreeMap::new();
    for item in visible {
        for m in &item.measurements {
            let (quantity, code, series) = match &m.measured {
                Measured::Known(Quantity::Systolic) => (Quantity::BloodPressure, None, 0),
                Measured::Known(Quantity::Diastolic) => (Quantity::BloodPressure, None, 1),
                // A panel's own value is a reading of neither half.
                Measured::Known(Quantity::BloodPressure) => continue,
                Measured::Known(q) => (*q, None, 0),
                Measured::Coded(c) => (Quantity::Other, Some(c.clone()), 0),
            };
            groups
                .entry(Group { quantity, code })
                .or_default()
                .push(Raw {
                    series,
                    m,
                    date: m.date.as_ref().or(item.date.as_ref()),
                    provenance: &item.provenance,
                    item: item.id.as_str(),
                });
        }
    }
    let mut known = Vec::new();
    let mut other = Vec::new();
    for (group, raws) in groups {
        let made = of_group(&group, raws);
        match group.quantity {
            Quantity::Other => other.extend(made),
            _ => known.extend(made),
        }
    }
    known.sort_by_key(|t: &Trend| {
        Quantity::KNOWN
            .iter()
            .position(|q| *q == t.quantity)
            .unwrap_or(usize::MAX)
    });
    other.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.key().cmp(&b.key())));
    known.extend(other);
    known
}

/// The trends of one quantity: one per unit its values are in (after the conversions
/// the SDK makes).
fn of_group(group: &Group, raws: Vec<Raw<'_>>) -> Vec<Trend> {
    // Each reading's unit key, worked out once per spelling (a group's readings are
    // nearly all in one or two).
    let mut spellings: Vec<(&str, String)> = Vec::new();
    let keyed: Vec<(usize, Raw<'_>)> = raws
        .into_iter()
        .map(|r| {
            let unit = r.m.unit.as_deref().unwrap_or("");
            let at = match spellings.iter().position(|(u, _)| *u == unit) {
                Some(at) => at,
                None => {
                    spellings.push((unit, units::key(unit)));
                    spellings.len() - 1
                }
            };
            (at, r)
        })
        .collect();
    let key_of = |at: usize| spellings.get(at).map_or("", |(_, k)| k.as_str());
    let present: Vec<&str> = {
        let mut keys: Vec<&str> = spellings.iter().map(|(_, k)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    };
    let mut buckets: BTreeMap<&str, Vec<(Raw<'_>, Option<Conversion>)>> = BTreeMap::new();
    for (at, raw) in keyed {
        let from = key_of(at);
        let conversion = present
            .iter()
            .find_map(|to| units::conversion(group.quantity, from, to));
        let key = conversion.map_or(from, |c| c.to);
        buckets.entry(key).or_default().push((raw, conversion));
    }
    let several_units = buckets.len() > 1;
    buckets
        .into_values()
        .filter_map(|bucket| trend(group, bucket, several_units))
        .collect()
}

/// One series' reading of a result, with the conversion into the trend's unit.
type Part<'i> = Option<(Raw<'i>, Option<Conversion>)>;

/// The most series a trend has (a blood pressure's two).
const MAX_SERIES: usize = 2;

/// A result ready to be a point: the values of each series in the trend's unit, in place
/// (a list per reading would be an allocation per reading).
#[derive(Debug, Clone)]
struct Reading<'i> {
    slots: [Part<'i>; MAX_SERIES],
    series: usize,
}

impl<'i> Reading<'i> {
    /// A reading of `series` series (at most [`MAX_SERIES`]) with none read yet.
    fn new(series: usize) -> Reading<'i> {
        Reading {
            slots: [None, None],
            series: series.min(MAX_SERIES),
        }
    }

    /// Each series' part, in order.
    fn parts(&self) -> &[Part<'i>] {
        self.slots.get(..self.series).unwrap_or_default()
    }

    fn part_mut(&mut self, slot: usize) -> Option<&mut Part<'i>> {
        self.slots.get_mut(..self.series)?.get_mut(slot)
    }

    fn date(&self) -> Option<&FhirDate> {
        self.parts().iter().flatten().find_map(|(r, _)| r.date)
    }

    fn values(&self) -> Vec<Option<f64>> {
        self.parts().iter().map(value_of).collect()
    }

    fn censored(&self) -> bool {
        self.parts().iter().flatten().any(|(r, _)| r.m.censored)
    }

    /// What makes two readings the same result: the same values, taken at the same
    /// recorded moment (the same text), both with one. `None` for a reading that is the
    /// same as no other: one without a date, or with a value that equals nothing (NaN).
    fn sameness(&self) -> Option<Sameness<'_>> {
        let date = self.date()?.as_str();
        // A reading has one value, or two for a blood pressure (`readings`); the bits are
        // kept in place, the second empty for one value.
        let mut bits = [None; MAX_SERIES];
        for (slot, part) in bits.iter_mut().zip(self.parts()) {
            *slot = match value_of(part) {
                Some(v) if v.is_nan() => return None,
                // 0 and -0 are the same number.
                Some(0.0) => Some(0.0f64.to_bits()),
                Some(v) => Some(v.to_bits()),
                None => None,
            };
        }
        Some((date, self.censored(), bits))
    }
}

/// One series' value of a reading, in the trend's unit.
fn value_of(part: &Part<'_>) -> Option<f64> {
    part.as_ref()
        .map(|(r, c)| c.map_or(r.m.value, |c| c.apply(r.m.value)))
}

/// A reading's date as recorded, whether it is a bound, and its values' bits.
type Sameness<'r> = (&'r str, bool, [Option<u64>; 2]);

/// Systolic and diastolic taken at the same recorded moment by the same organisations
/// pair into one reading; every other measurement is a reading of its own.
fn readings<'i>(series: usize, bucket: Vec<(Raw<'i>, Option<Conversion>)>) -> Vec<Reading<'i>> {
    let mut out: Vec<Reading<'i>> = Vec::new();
    // Where the readings that may still take a partner are, by the moment and the
    // organisations they were taken at (only series of more than one pair).
    let mut open: HashMap<(&'i str, Vec<&'i str>), Vec<usize>> = HashMap::new();
    for (raw, conversion) in bucket {
        let slot = raw.series;
        let moment = raw
            .date
            .filter(|_| series > 1)
            .map(|d| (d.as_str(), raw.organisations().collect::<Vec<_>>()));
        let partner = moment.as_ref().and_then(|m| {
            open.get(m)?.iter().copied().find(|&at| {
                out.get(at)
                    .is_some_and(|r| r.parts().get(slot).is_some_and(Option::is_none))
            })
        });
        match partner.and_then(|at| out.get_mut(at)?.part_mut(slot)) {
            Some(empty) => *empty = Some((raw, conversion)),
            None => {
                let mut reading = Reading::new(series);
                if let Some(p) = reading.part_mut(slot) {
                    *p = Some((raw, conversion));
                }
                if let Some(m) = moment {
                    open.entry(m).or_default().push(out.len());
                }
                out.push(reading);
            }
        }
    }
    out
}

fn trend(
    group: &Group,
    bucket: Vec<(Raw<'_>, Option<Conversion>)>,
    several_units: bool,
) -> Option<Trend> {
    let series: Vec<String> = match group.quantity {
        Quantity::BloodPressure => vec!["Systolic".to_owned(), "Diastolic".to_owned()],
        q => vec![q.title().to_owned()],
    };
    let conversions: Vec<Conversion> = {
        let mut found: Vec<Conversion> = Vec::new();
        for c in bucket.iter().filter_map(|(_, c)| *c) {
            if !found.iter().any(|f| f.words == c.words) {
                found.push(c);
            }
        }
        found
    };
    let readings = readings(series.len(), bucket);
    let mut merged: Vec<(&Reading<'_>, Vec<&str>, Vec<&str>)> = Vec::new();
    // Where each result already merged is, by what makes it the same result.
    let mut seen: HashMap<Sameness<'_>, usize> = HashMap::new();
    for reading in &readings {
        let sameness = reading.sameness();
        let at = match sameness.as_ref().and_then(|s| seen.get(s)) {
            Some(&at) => at,
            None => {
                if let Some(s) = sameness {
                    seen.insert(s, merged.len());
                }
                merged.push((reading, Vec::new(), Vec::new()));
                merged.len() - 1
            }
        };
        if let Some((_, orgs, ids)) = merged.get_mut(at) {
            for (r, _) in reading.parts().iter().flatten() {
                add_unique(orgs, r.organisations());
                add_unique(ids, [r.item]);
            }
        }
    }
    let needed = match group.quantity {
        Quantity::Other => OTHER_POINTS,
        _ => KNOWN_POINTS,
    };
    // Most coded results of a record are taken once or twice: no trend, and no points
    // built to find that out.
    if merged
        .iter()
        .filter(|(r, _, _)| not_drawn(r).is_none())
        .count()
        < needed
    {
        return None;
    }
    let mut points: Vec<TrendPoint> = merged
        .iter()
        .map(|(r, orgs, ids)| point(group.quantity, r, orgs, ids))
        .collect();
    points.sort_by_cached_key(order);
    let latest_raw = merged
        .iter()
        .filter(|(r, _, _)| not_drawn(r).is_none())
        .max_by(|(a, _, _), (b, _, _)| day_order(a.date()).cmp(&day_order(b.date())))
        .and_then(|(r, _, _)| r.parts().iter().flatten().next().cloned());
    let unit = latest_raw
        .as_ref()
        .map(|(r, c)| match c {
            Some(c) => c.to_shown.to_owned(),
            None => {
                r.m.unit_text
                    .as_deref()
                    .or(r.m.unit.as_deref())
                    .unwrap_or_default()
                    .to_owned()
            }
        })
        .unwrap_or_default();
    let title = match group.quantity {
        Quantity::Other => {
            latest_raw.map_or_else(|| "Result".to_owned(), |(r, _)| r.m.name.to_string())
        }
        q if several_units && !unit.is_empty() => format!("{} ({unit})", q.title()),
        q => q.title().to_owned(),
    };
    let latest = latest_words(&points, &unit, &series);
    Some(Trend {
        quantity: group.quantity,
        code: group.code.as_ref().map(SmolStr::to_string),
        title,
        unit,
        series,
        points,
        latest,
        notes: conversions.iter().map(|c| c.words.to_owned()).collect(),
    })
}

/// Adds each of `new` not already in `to`, in order.
fn add_unique<'s>(to: &mut Vec<&'s str>, new: impl IntoIterator<Item = &'s str>) {
    for n in new {
        if !to.contains(&n) {
            to.push(n);
        }
    }
}

/// Why a reading is not drawn.
enum NotDrawn {
    Bound,
    NoDate,
    InvalidDate,
}

/// Why a reading is not drawn, if it is not (without words: asked of every reading).
fn not_drawn(r: &Reading<'_>) -> Option<NotDrawn> {
    if r.censored() {
        return Some(NotDrawn::Bound);
    }
    match r.date() {
        None => Some(NotDrawn::NoDate),
        Some(d) if d.days().is_none() => Some(NotDrawn::InvalidDate),
        Some(_) => None,
    }
}

/// Why a reading is not drawn, in words, if it is not.
fn plottable(r: &Reading<'_>) -> Result<(), String> {
    match not_drawn(r) {
        None => Ok(()),
        Some(NotDrawn::Bound) => {
            let sent: Vec<&str> = r
                .parts()
                .iter()
                .flatten()
                .map(|(x, _)| x.m.text.as_str())
                .collect();
            Err(format!(
                "Sent as a bound ({}), not a value: listed, not drawn.",
                sent.join("/")
            ))
        }
        Some(NotDrawn::NoDate) => Err("No date: listed, not drawn.".to_owned()),
        Some(NotDrawn::InvalidDate) => {
            Err("Date not valid as recorded: listed, not drawn.".to_owned())
        }
    }
}

/// Where a point goes in order: drawn points by the days they could be, then the rest.
fn order(p: &TrendPoint) -> (bool, Option<(jiff::civil::Date, jiff::civil::Date)>, String) {
    (
        !p.plotted,
        p.date.as_ref().and_then(FhirDate::days),
        p.date
            .as_ref()
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
    )
}

fn day_order(d: Option<&FhirDate>) -> (Option<(jiff::civil::Date, jiff::civil::Date)>, &str) {
    (
        d.and_then(FhirDate::days),
        d.map(FhirDate::as_str).unwrap_or_default(),
    )
}

fn point(quantity: Quantity, r: &Reading<'_>, orgs: &[&str], ids: &[&str]) -> TrendPoint {
    let parts = || r.parts().iter().flatten();
    // Each series' value as shown, joined by `/` (written into one string: a point has one
    // or two).
    let mut shown = String::new();
    for (at, part) in r.parts().iter().enumerate() {
        if at > 0 {
            shown.push('/');
        }
        match part {
            Some((raw, Some(c))) => {
                shown.push_str(&units::number(c.apply(raw.m.value), c.decimals))
            }
            Some((raw, None)) => {
                shown.push_str(raw.m.text.trim_start_matches(['<', '>', '=', '~']))
            }
            None => shown.push('\u{2013}'),
        }
    }
    // What was sent, for the values converted into the trend's unit: `text unit` of each,
    // trimmed, joined by `/`.
    let mut sent: Option<String> = None;
    for (raw, _) in parts().filter(|(_, c)| c.is_some()) {
        let unit = raw
            .m
            .unit_text
            .as_deref()
            .or(raw.m.unit.as_deref())
            .unwrap_or("");
        let out = match sent.as_mut() {
            Some(out) => {
                out.push('/');
                out
            }
            None => sent.insert(String::new()),
        };
        // `text unit`, trimmed: the inner whitespace kept, the outer dropped.
        let text = raw.m.text.as_str();
        match (text.trim(), unit.trim()) {
            (t, "") => out.push_str(t),
            ("", u) => out.push_str(u),
            _ => {
                out.push_str(text.trim_start());
                out.push(' ');
                out.push_str(unit.trim_end());
            }
        }
    }
    let first = parts().next();
    let band = first.and_then(|(raw, c)| {
        let (low, high) = raw.m.band?;
        let convert = |v: f64| c.map_or(v, |c| c.apply(v));
        Some((low.map(convert), high.map(convert)))
    });
    let (plotted, note) = match plottable(r) {
        Err(why) => (false, Some(why)),
        Ok(()) => (true, partial_note(r.date())),
    };
    TrendPoint {
        values: r.values(),
        shown,
        sent,
        date: r.date().cloned(),
        name: match quantity {
            Quantity::BloodPressure => quantity.title().to_owned(),
            _ => first
                .map(|(raw, _)| raw.m.name.to_string())
                .unwrap_or_default(),
        },
        flag: parts()
            .filter_map(|(raw, _)| raw.m.flag)
            .max_by_key(|f| f.severity()),
        reference_range: first
            .and_then(|(raw, _)| raw.m.range_text.as_ref().map(SmolStr::to_string)),
        range_low: band.and_then(|(low, _)| low),
        range_high: band.and_then(|(_, high)| high),
        organisations: orgs.iter().map(|o| (*o).to_owned()).collect(),
        item_ids: ids.iter().map(|i| (*i).to_owned()).collect(),
        plotted,
        note,
    }
}

/// How a date known only to the month or year is drawn.
fn partial_note(date: Option<&FhirDate>) -> Option<String> {
    let d = date?;
    if d.is_full_date() {
        return None;
    }
    let (first, last) = d.days()?;
    Some(match first.month() == last.month() {
        true => "Date known to the month: drawn across the whole month.".to_owned(),
        false => "Date known to the year: drawn across the whole year.".to_owned(),
    })
}

/// The latest value and its change since the one before, in words.
fn latest_words(points: &[TrendPoint], unit: &str, series: &[String]) -> String {
    let drawn: Vec<&TrendPoint> = points.iter().filter(|p| p.plotted).collect();
    let Some(last) = drawn.last() else {
        return String::new();
    };
    let when = |p: &TrendPoint| p.date.as_ref().map(FhirDate::display).unwrap_or_default();
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    let mut words = format!("Latest {}{unit} on {}", last.shown, when(last));
    if let Some(flag) = last.flag.filter(|f| f.abnormal() == Some(true)) {
        words.push_str(&format!(" ({})", flag.words().to_lowercase()));
    }
    let before = drawn.len().checked_sub(2).and_then(|i| drawn.get(i));
    if let Some(prev) = before {
        let changes: Vec<String> = series
            .iter()
            .zip(last.values.iter().zip(&prev.values))
            .filter_map(|(name, (now, then))| {
                let (now, then) = ((*now)?, (*then)?);
                let places = decimals_of(&last.shown).max(decimals_of(&prev.shown));
                let diff = units::number((now - then).abs(), places);
                let way = if units::number(now - then, places) == units::number(0.0, places) {
                    "unchanged".to_owned()
                } else if now > then {
                    format!("up {diff}")
                } else {
                    format!("down {diff}")
                };
                Some(match series.len() {
                    1 => way,
                    _ => format!("{} {way}", name.to_lowercase()),
                })
            })
            .collect();
        if !changes.is_empty() {
            words.push_str(&format!(
                "; {} since {} on {}",
                changes.join(", "),
                prev.shown,
                when(prev)
            ));
        }
    }
    words.push('.');
    words
}

fn decimals_of(shown: &str) -> usize {
    shown.split('/').map(units::decimals).max().unwrap_or(0)
}
