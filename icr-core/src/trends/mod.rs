//! Trends: repeated results of one quantity, across reports and organisations, in date
//! order, for a clinician to read change over time (is the eGFR falling, is the HbA1c
//! coming down).
//!
//! Results join a trend by code, never by their wording: every code of the code table
//! for a quantity is one quantity ([`Quantity`], `quantities.tsv`), and any other code
//! is its own. Values join only in the same unit (one unit spelt several ways is one
//! unit); the only conversions are those exact by definition ([`units`]), each said in
//! the trend's notes with the value as sent beside the converted one. Blood pressure
//! pairs the systolic and diastolic taken together. The same result sent by several
//! organisations (or twice by one) is one point listing them all.
//!
//! A point's date is the date it was taken. A date known only to the month or year is
//! drawn across the whole period it could be, never at a guessed day; a result with no
//! date, or sent as a bound (`<5`), is listed and not drawn, saying why. Every result of
//! a trend's quantity and unit is a point of it, so the table beside a chart accounts
//! for every one.
//!
//! Trends are built in the viewer's access context: [`build`] is given the items the
//! viewer may see and nothing else, so a withheld result is never a point, never
//! stretches an axis and is never counted.

mod build;
mod quantities;
#[cfg(test)]
mod tests;
mod units;

use serde::{Deserialize, Serialize};

use crate::model::{FhirDate, Quantity, ResultFlag};

pub(crate) use build::build;
pub(crate) use quantities::measured;

/// A known quantity (or a coded one) with two or more results to draw.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// What it measures (`egfr`, `blood-pressure`; `other` for a quantity outside the
    /// code table).
    pub quantity: Quantity,
    /// For `other`, the code its results share (`http://loinc.org|2093-3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its name (`eGFR`; for `other`, the name of its latest result).
    pub title: String,
    /// The unit of every value, as the latest result words it (empty when sent without
    /// one).
    pub unit: String,
    /// The names of its series: one, or `Systolic` and `Diastolic` for blood pressure.
    pub series: Vec<String>,
    /// Its results: those drawn, oldest first, then those listed but not drawn.
    pub points: Vec<TrendPoint>,
    /// The latest value and its change since the one before, in words.
    pub latest: String,
    /// What a reader must know: conversions made (and how).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Trend {
    /// The points that are drawn.
    pub fn plotted(&self) -> impl Iterator<Item = &TrendPoint> {
        self.points.iter().filter(|p| p.plotted)
    }

    /// A stable key for the trend within a summary (`egfr`, `egfr-mg-dl` when the same
    /// quantity is also in another unit, `other-2093-3`).
    pub fn key(&self) -> String {
        let base = match &self.code {
            Some(code) => format!("other-{}", code.rsplit('|').next().unwrap_or(code.as_str())),
            None => self.quantity.key().to_owned(),
        };
        let unit: String = self
            .unit
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        format!("{base}-{}", unit.trim_matches('-'))
    }
}

/// One result of a trend.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The value of each series in the trend's unit (for blood pressure, systolic then
    /// diastolic; absent when only the other was taken).
    pub values: Vec<Option<f64>>,
    /// The values as a clinician reads them (`142/88`, `53`).
    pub shown: String,
    /// The value and unit as sent, when it was converted (`7.0 %`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    /// When it was taken, as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<FhirDate>,
    /// The test's name as its source words it.
    pub name: String,
    /// Its flag, on evidence only (the worst of a blood pressure's two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<ResultFlag>,
    /// The reference range as the result shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_range: Option<String>,
    /// The range's lower bound in the trend's unit, when the range that applies is
    /// numeric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_low: Option<f64>,
    /// The range's upper bound in the trend's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_high: Option<f64>,
    /// The organisations that record it.
    pub organisations: Vec<String>,
    /// The items it comes from ([`crate::model::Entry::id`]).
    pub item_ids: Vec<String>,
    /// Whether it is drawn.
    pub plotted: bool,
    /// Why it is not drawn, or how it is drawn (a date known only to the month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
