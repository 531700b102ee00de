//! Events counted over a window: where a (possibly partial) date falls against it, and
//! which items record the same event.
//!
//! A window of `n` days ending on the summary date holds the days after the summary date
//! less `n` days, up to and including the summary date. A partial date (`2025-11`, `2025`)
//! covers every day it could be: it counts only when all of them are inside the window;
//! one that straddles the window's start is listed as evidence that did not count, with
//! why, so a count never rests on a date that may be outside it, and nothing recorded
//! goes unseen.
//!
//! The same event is often recorded by several organisations (the hospital's admission
//! and the GP's entry for it) or twice by one (a spell and its ward stay). Items whose
//! spans (start to end, each as wide as its precision) overlap are one event, and
//! across organisations a day apart still are (a GP dates the entry by the letter);
//! within one organisation only records dated to the day join (two of its records in
//! the same month are two events). The event is dated by its most precise record.

use jiff::civil::Date;

use crate::model::{FhirDate, Item};

use super::RiskEvidence;

/// A window of days ending on the summary date.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// The last day before the window.
    before: Date,
    /// The summary date, its last day.
    end: Date,
    days: u32,
}

/// Where a date falls against a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placed {
    /// Every day it could be is inside.
    Inside,
    /// Some days it could be are before the window, some inside.
    Straddles,
    /// Before the window.
    Before,
    /// After the summary date.
    After,
    /// No date, or not a valid one.
    Undated,
}

impl Window {
    /// The `days` days up to and including `as_of`.
    pub(super) fn ending(as_of: Date, days: u32) -> Window {
        let before = as_of
            .checked_sub(jiff::Span::new().days(i64::from(days)))
            .unwrap_or(Date::MIN);
        Window {
            before,
            end: as_of,
            days,
        }
    }

    /// Where `date` falls.
    pub(super) fn place(&self, date: Option<&FhirDate>) -> Placed {
        let Some((first, last)) = date.and_then(FhirDate::days) else {
            return Placed::Undated;
        };
        if first > self.end {
            Placed::After
        } else if last <= self.before {
            Placed::Before
        } else if first > self.before {
            Placed::Inside
        } else {
            Placed::Straddles
        }
    }

    /// `in the last 12 months` (365 or 366 days), `in the last 90 days`.
    pub(super) fn words(&self) -> String {
        match self.days {
            365 | 366 => "in the last 12 months".to_owned(),
            1 => "today".to_owned(),
            d => format!("in the last {d} days"),
        }
    }

    /// The window's first day, as a clinician reads dates (`26-Nov-2025`).
    pub(super) fn first_day_display(&self) -> String {
        let first = self.before.tomorrow().unwrap_or(self.before);
        FhirDate::parse(&first.to_string())
            .map(|d| d.display())
            .unwrap_or_else(|| first.to_string())
    }

    /// The summary date, as a clinician reads dates.
    pub(super) fn end_display(&self) -> String {
        FhirDate::parse(&self.end.to_string())
            .map(|d| d.display())
            .unwrap_or_else(|| self.end.to_string())
    }
}

/// The first and last day of an item or an event.
type Span = (Date, Date);

/// The days an item spans: from its date's first possible day to the last possible day
/// of its end (or of its date, without an end).
fn span(item: &Item) -> Option<Span> {
    let (first, last) = item.date.as_ref().and_then(FhirDate::days)?;
    let end = item
        .end_date
        .as_ref()
        .and_then(FhirDate::days)
        .map(|(_, l)| l)
        .filter(|&l| l > last)
        .unwrap_or(last);
    Some((first, end))
}

/// Dated to the day.
fn precise(item: &Item) -> bool {
    item.date.as_ref().is_some_and(FhirDate::is_full_date)
}

fn organisations(item: &Item) -> impl Iterator<Item = &str> {
    item.provenance.iter().map(|p| p.organisation.name.as_str())
}

fn shares_organisation(a: &Item, b: &Item) -> bool {
    organisations(a).any(|o| organisations(b).any(|p| p == o))
}

/// The items, grouped into events: each group the records of one event, its first the
/// most precisely dated (the event's date). Undated items are events of their own.
fn same_events<'r>(mut items: Vec<&'r Item>) -> Vec<Vec<&'r Item>> {
    items.sort_by(|a, b| span(a).cmp(&span(b)).then_with(|| a.id.cmp(&b.id)));
    let mut groups: Vec<(Option<Span>, Vec<&'r Item>)> = Vec::new();
    for item in items {
        let Some((first, last)) = span(item) else {
            groups.push((None, vec![item]));
            continue;
        };
        let joins = groups.iter_mut().find(|(group_span, members)| {
            let Some((g_first, g_last)) = *group_span else {
                return false;
            };
            let slack = if members.iter().all(|m| !shares_organisation(m, item)) {
                1
            } else if precise(item) && members.iter().all(|m| precise(m)) {
                0
            } else {
                // One organisation's records with a partial date are separate events:
                // that a month holds both says nothing about their being one.
                return false;
            };
            let reach = |d: Date, by: i64| d.checked_add(jiff::Span::new().days(by)).ok();
            reach(g_last, slack).is_some_and(|l| first <= l)
                && reach(last, slack).is_some_and(|l| g_first <= l)
        });
        match joins {
            Some((group_span, members)) => {
                if let Some((g_first, g_last)) = group_span.as_mut() {
                    *g_first = (*g_first).min(first);
                    *g_last = (*g_last).max(last);
                }
                members.push(item);
            }
            None => groups.push((Some((first, last)), vec![item])),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_by_key(|m| {
                m.date
                    .as_ref()
                    .and_then(FhirDate::days)
                    .map(|(f, l)| f.until(l).map(|s| s.get_days()).unwrap_or(i32::MAX))
                    .unwrap_or(i32::MAX)
            });
            members
        })
        .collect()
}

/// The events among `items` that fall in `window`, counted once each, and the evidence:
/// every record of a counted event (the first counted, the rest noted as the same
/// event), and every record whose date may or does fall outside it in a way a clinician
/// should see (straddling the start, after the summary date, undated), not counted.
/// Most recent first.
pub(super) fn count(items: Vec<&Item>, window: &Window, what: &str) -> (i64, Vec<RiskEvidence>) {
    let mut counted = 0;
    let mut evidence = Vec::new();
    for group in same_events(items).into_iter().rev() {
        let Some(first) = group.first() else {
            continue;
        };
        let placed = window.place(first.date.as_ref());
        let why_not = match placed {
            Placed::Inside => None,
            Placed::Before => continue,
            Placed::Straddles => Some(format!(
                "its date ({}) may fall before {}: not counted",
                first
                    .date
                    .as_ref()
                    .map(FhirDate::display)
                    .unwrap_or_default(),
                window.first_day_display()
            )),
            Placed::After => Some("dated after the summary date: not counted".to_owned()),
            Placed::Undated => Some("no date recorded: not counted".to_owned()),
        };
        if why_not.is_none() {
            counted += 1;
        }
        let by: Vec<&str> = organisations(first).collect();
        for (at, item) in group.iter().enumerate() {
            let mut e = RiskEvidence::of(item);
            match (&why_not, at) {
                (Some(why), _) => {
                    e.counted = false;
                    e.note = Some(why.clone());
                }
                (None, 0) => {}
                (None, _) => {
                    e.counted = false;
                    e.note = Some(format!(
                        "the same {what} as recorded by {}: counted once",
                        by.join(", ")
                    ));
                }
            }
            evidence.push(e);
        }
    }
    (counted, evidence)
}
