//! FHIR dates as recorded: partial dates stay partial, times keep the wall-clock value
//! that was written.
//!
//! Converting `2026-09-18T00:30:00+01:00` to UTC would move it to the 17th, and padding
//! `2019` to `2019-01-01` invents a day; both are clinical hazards, so this type keeps
//! only what was sent. The parser is a few lines over FHIR's own grammar rather than a
//! date library, because the libraries normalise to instants, which is exactly what must
//! not happen here. Date arithmetic (age) uses `jiff`.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smol_str::SmolStr;

/// A FHIR `date` or `dateTime` with the precision it was recorded with.
#[cfg_attr(
    feature = "ts",
    derive(schemars::JsonSchema),
    schemars(with = "String")
)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FhirDate {
    year: i16,
    month: Option<u8>,
    day: Option<u8>,
    time: Option<(u8, u8)>,
    /// As written: dates are cloned into every view of an item, and text of up to 23
    /// bytes is kept inline, longer text shared, so a clone allocates nothing.
    text: SmolStr,
    /// False for text that is not a FHIR date (`2024-02-30`, `yesterday`), kept as given
    /// so that it is shown, flagged, and never replaced by another date.
    valid: bool,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl FhirDate {
    /// Parses a FHIR date or dateTime. Returns `None` for anything that is not one.
    pub fn parse(text: &str) -> Option<FhirDate> {
        let text = text.trim();
        let (date_part, time_part) = match text.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (text, None),
        };
        let mut parts = date_part.split('-');
        let year: i16 = parse_digits(parts.next()?, 4)?.try_into().ok()?;
        let month = match parts.next() {
            Some(m) => Some(parse_digits(m, 2)?),
            None => None,
        };
        let day = match parts.next() {
            Some(d) => Some(parse_digits(d, 2)?),
            None => None,
        };
        if parts.next().is_some() || (day.is_some() && month.is_none()) {
            return None;
        }
        let month = month.map(u8::try_from).transpose().ok()?;
        let day = day.map(u8::try_from).transpose().ok()?;
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return None;
            }
            if let Some(d) = day
                && (d == 0 || d > days_in_month(year, m))
            {
                return None;
            }
        }
        let time = match time_part {
            None => None,
            Some(t) => {
                day?;
                let hh = parse_digits(t.get(0..2)?, 2)?;
                let mm = parse_digits(t.get(3..5)?, 2)?;
                if t.get(2..3) != Some(":") || hh > 23 || mm > 59 {
                    return None;
                }
                Some((u8::try_from(hh).ok()?, u8::try_from(mm).ok()?))
            }
        };
        Some(FhirDate {
            year,
            month,
            day,
            time,
            text: SmolStr::new(text),
            valid: true,
        })
    }

    /// Reads what a source sent as a date: the date when it is one, otherwise the text as
    /// given, marked not valid ([`is_valid`](Self::is_valid)). `None` only for blank text.
    pub fn read(text: &str) -> Option<FhirDate> {
        if text.trim().is_empty() {
            return None;
        }
        Some(FhirDate::parse(text).unwrap_or_else(|| FhirDate::given(text)))
    }

    /// What a summary carried, read back as it was written, valid or not.
    fn as_written(text: &str) -> FhirDate {
        FhirDate::parse(text).unwrap_or_else(|| FhirDate::given(text))
    }

    /// Text that is not a date, kept as given.
    fn given(text: &str) -> FhirDate {
        FhirDate {
            year: i16::MIN,
            month: None,
            day: None,
            time: None,
            text: SmolStr::new(text.trim()),
            valid: false,
        }
    }

    /// False when the source's text is not a valid date (kept as given; no calendar date,
    /// no age, shown with "not a valid date").
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// The text exactly as recorded.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year.
    pub fn year(&self) -> i16 {
        self.year
    }

    /// True when the date has a day (not only a year or month).
    pub fn is_full_date(&self) -> bool {
        self.day.is_some()
    }

    /// The calendar date, when the day is known.
    pub fn civil_date(&self) -> Option<jiff::civil::Date> {
        if !self.valid {
            return None;
        }
        jiff::civil::Date::new(
            self.year,
            i8::try_from(self.month?).ok()?,
            i8::try_from(self.day?).ok()?,
        )
        .ok()
    }

    /// NHS CUI display: `12-Mar-2026`, `Mar-2019`, `2019`, with ` 14:05` when a time was
    /// recorded.
    pub fn display(&self) -> String {
        if !self.valid {
            return format!("{} (not a valid date, as recorded)", self.text);
        }
        let month = self
            .month
            .and_then(|m| MONTHS.get(usize::from(m).saturating_sub(1)));
        let mut out = match (self.day, month) {
            (Some(d), Some(m)) => format!("{d:02}-{m}-{:04}", self.year),
            (None, Some(m)) => format!("{m}-{:04}", self.year),
            _ => format!("{:04}", self.year),
        };
        // A time of exactly midnight is how systems store a date in a dateTime: showing
        // "00:00" would claim a time nobody recorded.
        if let Some((h, m)) = self.time.filter(|t| *t != (0, 0)) {
            out.push_str(&format!(" {h:02}:{m:02}"));
        }
        out
    }

    /// The first and last calendar days the date covers: one day for a full date, the
    /// month or year for a partial one. `None` for text that is not a valid date.
    pub fn days(&self) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
        if !self.valid {
            return None;
        }
        let (first_month, last_month) = match self.month {
            Some(m) => (m, m),
            None => (1, 12),
        };
        let first_day = self.day.unwrap_or(1);
        let last_day = self
            .day
            .unwrap_or_else(|| days_in_month(self.year, last_month));
        let civil = |m: u8, d: u8| {
            jiff::civil::Date::new(self.year, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
        };
        Some((civil(first_month, first_day)?, civil(last_month, last_day)?))
    }

    /// Whole years from this date to `on` (an age), when both are full dates.
    pub fn years_until(&self, on: jiff::civil::Date) -> Option<i64> {
        let born = self.civil_date()?;
        let mut years = i64::from(on.year()) - i64::from(born.year());
        if (on.month(), on.day()) < (born.month(), born.day()) {
            years -= 1;
        }
        (years >= 0).then_some(years)
    }

    fn key(&self) -> (i16, u8, u8, (u8, u8)) {
        (
            self.year,
            self.month.unwrap_or(0),
            self.day.unwrap_or(0),
            self.time.unwrap_or((0, 0)),
        )
    }
}

fn parse_digits(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn days_in_month(year: i16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl PartialOrd for FhirDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered by what is known; a less precise date sorts before a more precise one in the
/// same period, and equal keys fall back to the text so the order is total.
impl Ord for FhirDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key()
            .cmp(&other.key())
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl fmt::Display for FhirDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for FhirDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for FhirDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(FhirDate::as_written(&text))
    }
}

// Hosts get the text as recorded (a custom type over `String`), and what they hand back is
// read as written, valid or not, exactly as the JSON is. Copied as bytes: `to_string` would
// format it (a summary lowers thousands of dates).
#[cfg(feature = "uniffi")]
uniffi::custom_type!(FhirDate, String, {
    lower: |date| date.text.as_str().to_owned(),
    try_lift: |text| Ok(FhirDate::as_written(&text)),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_stay_partial() {
        let d = FhirDate::parse("2019").unwrap();
        assert_eq!(d.display(), "2019");
        assert_eq!(d.as_str(), "2019");
        assert_eq!(FhirDate::parse("2019-05").unwrap().display(), "May-2019");
        assert_eq!(
            FhirDate::parse("1958-03-12").unwrap().display(),
            "12-Mar-1958"
        );
    }

    #[test]
    fn times_keep_their_wall_clock_value() {
        let d = FhirDate::parse("2026-09-18T00:30:00+01:00").unwrap();
        assert_eq!(d.display(), "18-Sep-2026 00:30");
        let d = FhirDate::parse("2026-09-18T23:59:59.123Z").unwrap();
        assert_eq!(d.display(), "18-Sep-2026 23:59");
    }

    #[test]
    fn a_partial_date_has_no_calendar_day_and_serialises_as_recorded() {
        for (text, shown) in [("2019", "2019"), ("2019-03", "Mar-2019")] {
            let d = FhirDate::parse(text).unwrap();
            assert_eq!(d.civil_date(), None, "{text} must not be padded to a day");
            assert!(!d.is_full_date());
            assert_eq!(d.display(), shown);
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<FhirDate>(&json).unwrap(), d);
        }
    }

    #[test]
    fn an_offset_never_moves_the_calendar_day() {
        // 00:30 at +01:00 is 23:30 the day before in UTC; the record says the 18th.
        let d = FhirDate::parse("2026-09-18T00:30:00+01:00").unwrap();
        assert_eq!(d.civil_date(), Some(jiff::civil::date(2026, 9, 18)));
        let d = FhirDate::parse("2026-09-18T23:30:00-05:00").unwrap();
        assert_eq!(d.civil_date(), Some(jiff::civil::date(2026, 9, 18)));
        assert_eq!(d.display(), "18-Sep-2026 23:30");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"2026-09-18T23:30:00-05:00\""
        );
    }

    #[test]
    fn invalid_dates_are_refused() {
        for bad in [
            "",
            "19",
            "2019-13",
            "2019-02-30",
            "2019-5",
            "2019-05-01T25:00",
            "2019T10:00",
            "abcd",
        ] {
            assert!(FhirDate::parse(bad).is_none(), "{bad}");
        }
        assert!(FhirDate::parse("2024-02-29").is_some());
    }

    #[test]
    fn ages_count_whole_years() {
        let born = FhirDate::parse("1948-03-12").unwrap();
        let on = jiff::civil::date(2026, 3, 11);
        assert_eq!(born.years_until(on), Some(77));
        assert_eq!(born.years_until(jiff::civil::date(2026, 3, 12)), Some(78));
        assert_eq!(FhirDate::parse("1948").unwrap().years_until(on), None);
    }

    #[test]
    fn ordering_follows_the_calendar() {
        let mut v: Vec<FhirDate> = ["2020-01-02", "2019", "2020-01", "2019-12-31T10:00"]
            .iter()
            .filter_map(|s| FhirDate::parse(s))
            .collect();
        v.sort();
        let texts: Vec<&str> = v.iter().map(FhirDate::as_str).collect();
        assert_eq!(texts, ["2019", "2019-12-31T10:00", "2020-01", "2020-01-02"]);
    }
}
