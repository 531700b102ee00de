//! A result's flag from evidence only: the source's interpretation when it gives one,
//! else the value against the numeric reference range that applies to it, else a coded
//! value that says something was (or was not) detected. With none of these the result
//! has no flag: a value without an interpretation is never called normal.

use crate::fhir::datatypes::{CodeableConcept, Quantity};
use crate::fhir::resources::{Observation, ObservationComponent, ObservationReferenceRange};
use crate::model::{FlagBasis, ResultFlag};

use super::values::text;

/// Who the result is about, as far as choosing a range needs: sex (`male`, `female`)
/// and age in whole years when the result was taken.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Who<'p> {
    pub sex: Option<&'p str>,
    pub age_years: Option<i64>,
}

/// The flag of an observation, with what it rests on.
pub(super) fn of(obs: &Observation<'_>, who: Who<'_>) -> Option<(ResultFlag, FlagBasis)> {
    let interpreted = obs
        .interpretation
        .iter()
        .filter_map(interpretation)
        .max_by_key(|f| f.severity())
        .or_else(|| {
            // A panel with no interpretation of its own (blood pressure) takes the worst
            // of its components'.
            obs.component
                .iter()
                .flat_map(|c| c.interpretation.iter().filter_map(interpretation))
                .max_by_key(|f| f.severity())
        });
    if let Some(f) = interpreted {
        return Some((f, FlagBasis::Interpretation));
    }
    if let Some(q) = &obs.value_quantity
        && let Some(f) = against_ranges(q, &obs.reference_range, who)
    {
        return Some((f, FlagBasis::ReferenceRange));
    }
    obs.value_codeable_concept
        .as_ref()
        .and_then(coded)
        .map(|f| (f, FlagBasis::CodedValue))
}

/// An interpretation: the HL7 v3 ObservationInterpretation codes (any system, as
/// suppliers send them under several), else its words.
fn interpretation(c: &CodeableConcept<'_>) -> Option<ResultFlag> {
    c.coding
        .iter()
        .find_map(|x| x.code.as_ref().and_then(|v| by_code(v.as_str().trim())))
        .or_else(|| {
            let words = words_of(c)?;
            by_words(words)
        })
}

fn by_code(code: &str) -> Option<ResultFlag> {
    Some(match code {
        "N" => ResultFlag::Normal,
        "H" | "HU" | ">" => ResultFlag::High,
        "L" | "LU" | "<" => ResultFlag::Low,
        "A" | "W" => ResultFlag::Abnormal,
        "HH" => ResultFlag::CriticalHigh,
        "LL" => ResultFlag::CriticalLow,
        "AA" => ResultFlag::CriticalAbnormal,
        "POS" | "DET" => ResultFlag::Detected,
        "NEG" | "ND" => ResultFlag::NotDetected,
        _ => return None,
    })
}

/// A concept's words: its text, else the first display of its codings.
fn words_of<'c>(c: &'c CodeableConcept<'_>) -> Option<&'c str> {
    text(&c.text).or_else(|| c.coding.iter().find_map(|x| text(&x.display)))
}

fn by_words(words: &str) -> Option<ResultFlag> {
    let w = words.trim().to_ascii_lowercase();
    Some(match w.as_str() {
        "normal" | "within normal limits" => ResultFlag::Normal,
        "high" | "above high normal" | "above reference range" => ResultFlag::High,
        "low" | "below low normal" | "below reference range" => ResultFlag::Low,
        "abnormal" | "potentially abnormal" => ResultFlag::Abnormal,
        "critically high" | "critical high" => ResultFlag::CriticalHigh,
        "critically low" | "critical low" => ResultFlag::CriticalLow,
        "critically abnormal" | "critical abnormal" => ResultFlag::CriticalAbnormal,
        "positive" | "detected" => ResultFlag::Detected,
        "negative" | "not detected" => ResultFlag::NotDetected,
        _ => return None,
    })
}

/// SNOMED CT |Detected| and |Positive|, |Not detected| and |Negative|.
const DETECTED: [&str; 2] = ["260373001", "10828004"];
const NOT_DETECTED: [&str; 2] = ["260415000", "260385009"];

fn coded(c: &CodeableConcept<'_>) -> Option<ResultFlag> {
    c.coding
        .iter()
        .find_map(|x| {
            let code = x.code.as_ref()?.as_str().trim();
            if DETECTED.contains(&code) {
                Some(ResultFlag::Detected)
            } else if NOT_DETECTED.contains(&code) {
                Some(ResultFlag::NotDetected)
            } else {
                None
            }
        })
        .or_else(|| {
            let words = words_of(c)?;
            by_words(words).filter(|f| matches!(f, ResultFlag::Detected | ResultFlag::NotDetected))
        })
}

/// The value against the ranges that apply to it. A range qualified by sex or age applies
/// when the patient's sex and age are known and match; if any such applies, those
/// decide. Otherwise the ranges for everyone (no population, no ages) decide; and when
/// there are none of those, every range must give the same verdict, as which population
/// the patient is in cannot be told.
fn against_ranges(
    value: &Quantity<'_>,
    ranges: &crate::fhir::lenient::Many<ObservationReferenceRange<'_>>,
    who: Who<'_>,
) -> Option<ResultFlag> {
    let candidates = candidates(ranges, who);
    let mut verdicts = candidates.iter().map(|r| against(value, r));
    let first = verdicts.next()??;
    verdicts.all(|v| v == Some(first)).then_some(first)
}

/// The ranges that decide a value's flag (see [`against_ranges`]).
fn candidates<'r, 'a>(
    ranges: &'r crate::fhir::lenient::Many<ObservationReferenceRange<'a>>,
    who: Who<'_>,
) -> Vec<&'r ObservationReferenceRange<'a>> {
    let normal: Vec<&ObservationReferenceRange<'_>> =
        ranges.iter().filter(|r| normal_type(r)).collect();
    let qualified =
        |r: &&ObservationReferenceRange<'_>| !r.applies_to.is_empty() || r.age.is_some();
    let applicable: Vec<&ObservationReferenceRange<'_>> = normal
        .iter()
        .copied()
        .filter(qualified)
        .filter(|r| applies(r, who))
        .collect();
    let general: Vec<&ObservationReferenceRange<'_>> =
        normal.iter().copied().filter(|r| !qualified(r)).collect();
    if !applicable.is_empty() {
        applicable
    } else if !general.is_empty() {
        general
    } else {
        normal
    }
}

/// The numeric bounds (low, high) of the range that decides a value's flag, in the
/// value's unit: `None` when no range applies, when the ranges that could apply differ,
/// or when a bound is in another unit.
pub(super) fn band(
    value: &Quantity<'_>,
    ranges: &crate::fhir::lenient::Many<ObservationReferenceRange<'_>>,
    who: Who<'_>,
) -> Option<(Option<f64>, Option<f64>)> {
    let bounds = |r: &ObservationReferenceRange<'_>| {
        let bound = |q: &Option<Quantity<'_>>| match q {
            None => Ok(None),
            Some(q) if same_unit(value, q) => Ok(number(q)),
            Some(_) => Err(()),
        };
        match (bound(&r.low), bound(&r.high)) {
            (Ok(None), Ok(None)) | (Err(()), _) | (_, Err(())) => None,
            (Ok(low), Ok(high)) => Some((low, high)),
        }
    };
    let mut found = candidates(ranges, who).into_iter().map(bounds);
    let first = found.next()??;
    found.all(|b| b == Some(first)).then_some(first)
}

/// The flag of one component of an observation (a blood pressure's systolic): its
/// interpretation, else its value against its own ranges.
pub(super) fn of_component(c: &ObservationComponent<'_>, who: Who<'_>) -> Option<ResultFlag> {
    c.interpretation
        .iter()
        .filter_map(interpretation)
        .max_by_key(|f| f.severity())
        .or_else(|| against_ranges(c.value_quantity.as_ref()?, &c.reference_range, who))
}

/// True when every qualifier of a range is one the SDK reads (sex, age in years) and the
/// patient matches it.
fn applies(r: &ObservationReferenceRange<'_>, who: Who<'_>) -> bool {
    let sex_ok = r.applies_to.iter().all(|c| match (sex_of(c), who.sex) {
        (Some(range_sex), Some(patient)) => range_sex.eq_ignore_ascii_case(patient),
        _ => false,
    });
    let age_ok = match (&r.age, who.age_years) {
        (None, _) => true,
        (Some(range), Some(age)) => {
            let years = |q: &Option<Quantity<'_>>| -> Result<Option<f64>, ()> {
                let Some(q) = q else { return Ok(None) };
                let unit = text(&q.code).or_else(|| text(&q.unit)).unwrap_or_default();
                if !matches!(unit, "a" | "y" | "yr" | "yrs" | "year" | "years") {
                    return Err(());
                }
                number(q).map(Some).ok_or(())
            };
            match (years(&range.low), years(&range.high)) {
                (Ok(low), Ok(high)) => {
                    #[allow(clippy::cast_precision_loss)]
                    let age = age as f64;
                    low.is_none_or(|l| age >= l) && high.is_none_or(|h| age <= h)
                }
                _ => false,
            }
        }
        (Some(_), None) => false,
    };
    sex_ok && age_ok
}

/// The sex a population concept names: SNOMED CT |Male| 248153007 and |Female|
/// 248152002, the administrative-gender codes, or the words.
fn sex_of(c: &CodeableConcept<'_>) -> Option<&'static str> {
    let by_code = c
        .coding
        .iter()
        .find_map(|x| match x.code.as_ref()?.as_str().trim() {
            "248153007" | "male" => Some("male"),
            "248152002" | "female" => Some("female"),
            _ => None,
        });
    by_code.or_else(|| {
        let words = words_of(c)?;
        match words.to_ascii_lowercase().as_str() {
            "male" | "males" | "men" | "man" => Some("male"),
            "female" | "females" | "women" | "woman" => Some("female"),
            _ => None,
        }
    })
}

fn normal_type(r: &ObservationReferenceRange<'_>) -> bool {
    r.type_.as_ref().is_none_or(|t| {
        t.coding
            .iter()
            .any(|c| c.code.as_ref().is_some_and(|v| v.as_str() == "normal"))
            || words_of(t).is_some_and(|w| {
                w.eq_ignore_ascii_case("normal") || w.eq_ignore_ascii_case("normal range")
            })
    })
}

/// One value against one range: `None` when they cannot be compared (no number, another
/// unit, a comparator that leaves the side open).
fn against(value: &Quantity<'_>, r: &ObservationReferenceRange<'_>) -> Option<ResultFlag> {
    let v = number(value)?;
    let comparator = value.comparator.as_ref().map(|c| c.as_str().trim());
    let low = r
        .low
        .as_ref()
        .filter(|q| same_unit(value, q))
        .and_then(number);
    let high = r
        .high
        .as_ref()
        .filter(|q| same_unit(value, q))
        .and_then(number);
    let bound_given = |q: &Option<Quantity<'_>>| q.as_ref().is_some_and(|q| number(q).is_some());
    // A bound in another unit cannot be used, and the range is then not used at all.
    if (bound_given(&r.low) && low.is_none()) || (bound_given(&r.high) && high.is_none()) {
        return None;
    }
    if low.is_none() && high.is_none() {
        return None;
    }
    // `<5` is some value below 5: it is low when 5 is at or below the low bound, normal
    // only when the whole open side lies inside the range, and otherwise unknown.
    let below = match comparator {
        None => low.is_some_and(|l| v < l),
        Some("<" | "<=") => low.is_some_and(|l| v <= l),
        Some(_) => false,
    };
    let above = match comparator {
        None => high.is_some_and(|h| v > h),
        Some(">" | ">=") => high.is_some_and(|h| v >= h),
        Some(_) => false,
    };
    if below {
        return Some(ResultFlag::Low);
    }
    if above {
        return Some(ResultFlag::High);
    }
    let inside = match comparator {
        None => low.is_none_or(|l| v >= l) && high.is_none_or(|h| v <= h),
        Some("<" | "<=") => low.is_none() && high.is_some_and(|h| v <= h),
        Some(">" | ">=") => high.is_none() && low.is_some_and(|l| v >= l),
        Some(_) => false,
    };
    inside.then_some(ResultFlag::Normal)
}

fn number(q: &Quantity<'_>) -> Option<f64> {
    q.value
        .as_ref()
        .and_then(|d| d.text())
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// A bound is in the value's unit when it names none, or the same code or unit text.
fn same_unit(value: &Quantity<'_>, bound: &Quantity<'_>) -> bool {
    let (vc, vu) = (text(&value.code), text(&value.unit));
    match (text(&bound.code), text(&bound.unit)) {
        (None, None) => true,
        (Some(bc), _) if vc == Some(bc) => true,
        (_, Some(bu)) if vu.is_some_and(|vu| vu.eq_ignore_ascii_case(bu)) => true,
        (Some(bc), None) => vc.is_none() && vu.is_some_and(|vu| vu.eq_ignore_ascii_case(bc)),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
