//! How a value and its unit read to a clinician: UCUM codes shown as the units they stand
//! for (`mm[Hg]` → `mmHg`, `10*9/L` → `×10⁹/L`, `Cel` → `°C`, `{score}` → nothing), and a
//! value carrying a generator's floating-point noise rounded and said to be.
//!
//! UCUM has no crate that gives display forms (the `ucum` crates parse and convert); the
//! display form is a table of the atoms, prefixes and annotations clinical systems send,
//! applied to each term of the code. A code with an atom not in the table is shown as
//! the source's own unit text.

use crate::fhir::datatypes::Quantity;

use super::values::s;

/// UCUM's system URI.
const UCUM: &str = "http://unitsofmeasure.org";

/// The value and unit as read, when that differs from the value and unit as sent.
pub(super) fn display(
    q: &Quantity<'_>,
    shown_value: &str,
    unit_as_sent: Option<&str>,
) -> Option<String> {
    let is_ucum = q.system.as_ref().is_some_and(|x| x.as_str().trim() == UCUM)
        || s(&q.code).is_some_and(|c| s(&q.unit).is_none_or(|u| u == c));
    // The UCUM code when the quantity has one; else a unit text that is wholly UCUM
    // (`10*9/L`, `umol/L`, which GP systems send as text) reads the same way.
    let unit = s(&q.code)
        .filter(|_| is_ucum)
        .and_then(|c| ucum_display(&c))
        .or_else(|| {
            s(&q.code)
                .is_none()
                .then(|| unit_as_sent.and_then(ucum_display))
                .flatten()
        })
        .or_else(|| unit_as_sent.map(str::to_owned));
    let (value, rounded) = match denoised(shown_value) {
        Some(v) => (v, true),
        None => (shown_value.to_owned(), false),
    };
    if !rounded && unit.as_deref() == unit_as_sent {
        return None;
    }
    let mut out = match unit.as_deref().filter(|u| !u.is_empty()) {
        Some(u) if u.starts_with('%') || u.starts_with('/') => format!("{value}{u}"),
        Some(u) => format!("{value} {u}"),
        None => value,
    };
    if rounded {
        out.push_str(" (rounded from the value sent)");
    }
    Some(out)
}

/// A number with more digits after the point than any measurement carries (ten or more,
/// from a generator computing in floating point) to a precision a clinician reads:
/// three significant figures, and at least one decimal.
fn denoised(text: &str) -> Option<String> {
    let (sign, digits) = match text.strip_prefix(['<', '>']) {
        Some(_) => return None,
        None => ("", text),
    };
    let (_, fraction) = digits.split_once('.')?;
    if fraction.len() < 10 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: f64 = digits.parse().ok().filter(|v: &f64| v.is_finite())?;
    let magnitude = if v == 0.0 {
        0
    } else {
        // A finite double's decimal exponent is within ±400: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let m = v.abs().log10().floor() as i32;
        m
    };
    let decimals = usize::try_from((2 - magnitude).clamp(1, 12)).unwrap_or(1);
    Some(format!("{sign}{v:.decimals$}"))
}

/// The display form of a UCUM code, `None` when a part of it is not in the table.
pub(super) fn ucum_display(code: &str) -> Option<String> {
    let code = code.trim();
    if let Some(whole) = WHOLE.iter().find(|(c, _)| *c == code) {
        return Some(whole.1.to_owned());
    }
    // Split into terms at `/` and `.`, keeping the operators.
    let mut out = String::new();
    let mut term = String::new();
    let mut depth = 0u32;
    for ch in code.chars() {
        match ch {
            '{' | '[' => {
                depth += 1;
                term.push(ch);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                term.push(ch);
            }
            '/' | '.' if depth == 0 => {
                out.push_str(&term_display(&term)?);
                out.push(if ch == '/' { '/' } else { '·' });
                term.clear();
            }
            _ => term.push(ch),
        }
    }
    out.push_str(&term_display(&term)?);
    Some(out.trim_end_matches('·').to_owned())
}

/// Codes whose display is not the product of their terms.
const WHOLE: [(&str, &str); 9] = [
    ("1", ""),
    ("mL/min/{1.73_m2}", "mL/min/1.73m²"),
    ("/[HPF]", "/HPF"),
    ("/[LPF]", "/LPF"),
    ("{score}", ""),
    ("{beats}/min", "beats/min"),
    ("{breaths}/min", "breaths/min"),
    ("a", "years"),
    ("mo", "months"),
];

/// One term: an annotation alone is dropped, an annotation after a unit too; a power of
/// ten is `×10ⁿ`; an atom with an optional prefix and exponent.
fn term_display(term: &str) -> Option<String> {
    let (unit, annotation) = match term.find('{') {
        Some(at) => (&term[..at], &term[at..]),
        None => (term, ""),
    };
    if unit.is_empty() {
        // An annotation alone counts something (`{cells}/uL`): its words are the unit.
        return Some(
            annotation
                .trim_start_matches('{')
                .trim_end_matches('}')
                .replace('_', " "),
        );
    }
    if let Some(power) = unit
        .strip_prefix("10*")
        .or_else(|| unit.strip_prefix("10^"))
    {
        return Some(format!("×10{}", superscript(power)?));
    }
    let (atom, exponent) = split_exponent(unit);
    let shown = atom_display(atom)?;
    Some(format!(
        "{shown}{}",
        superscript(exponent).unwrap_or_default()
    ))
}

fn split_exponent(unit: &str) -> (&str, &str) {
    if unit.ends_with(']') {
        return (unit, "");
    }
    let at = unit
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '-')
        .last()
        .map_or(unit.len(), |(i, _)| i);
    if at == 0 {
        (unit, "")
    } else {
        unit.split_at(at)
    }
}

fn superscript(digits: &str) -> Option<String> {
    digits
        .chars()
        .map(|c| match c {
            '0' => Some('⁰'),
            '1' => Some('¹'),
            '2' => Some('²'),
            '3' => Some('³'),
            '4' => Some('⁴'),
            '5' => Some('⁵'),
            '6' => Some('⁶'),
            '7' => Some('⁷'),
            '8' => Some('⁸'),
            '9' => Some('⁹'),
            '-' => Some('⁻'),
            _ => None,
        })
        .collect()
}

/// Atoms clinical systems send, with their display.
const ATOMS: [(&str, &str); 36] = [
    ("Cel", "°C"),
    ("[degF]", "°F"),
    ("mm[Hg]", "mmHg"),
    ("cm[H2O]", "cmH₂O"),
    ("[in_i]", "in"),
    ("[ft_i]", "ft"),
    ("[lb_av]", "lb"),
    ("[oz_av]", "oz"),
    ("[iU]", "IU"),
    ("[IU]", "IU"),
    ("[pH]", "pH"),
    ("%", "%"),
    ("g", "g"),
    ("L", "L"),
    ("l", "L"),
    ("m", "m"),
    ("mol", "mol"),
    ("eq", "Eq"),
    ("U", "U"),
    ("s", "s"),
    ("min", "min"),
    ("h", "h"),
    ("d", "days"),
    ("wk", "weeks"),
    ("mo", "months"),
    ("a", "years"),
    ("Pa", "Pa"),
    ("kat", "kat"),
    ("osm", "osmol"),
    ("cal", "cal"),
    ("[drp]", "drops"),
    ("[HPF]", "HPF"),
    ("[LPF]", "LPF"),
    ("[ppm]", "ppm"),
    ("[arb'U]", "arbitrary units"),
    ("t", "tonne"),
];

/// Metric prefixes (`u` is micro).
const PREFIXES: [(&str, &str); 8] = [
    ("k", "k"),
    ("d", "d"),
    ("c", "c"),
    ("m", "m"),
    ("u", "µ"),
    ("n", "n"),
    ("p", "p"),
    ("f", "f"),
];

fn atom_display(atom: &str) -> Option<String> {
    if let Some((_, d)) = ATOMS.iter().find(|(a, _)| *a == atom) {
        return Some((*d).to_owned());
    }
    PREFIXES.iter().find_map(|(p, shown)| {
        let rest = atom.strip_prefix(p)?;
        let (_, d) = ATOMS
            .iter()
            .filter(|(a, _)| a.len() <= 4 && !matches!(*a, "d" | "wk" | "mo" | "a" | "h" | "min"))
            .find(|(a, _)| *a == rest)?;
        Some(format!("{shown}{d}"))
    })
}

#[cfg(test)]
mod tests {
    use super::{denoised, ucum_display};

    #[test]
    fn ucum_codes_read_as_units() {
        for (code, shown) in [
            ("mm[Hg]", "mmHg"),
            ("10*3/uL", "×10³/µL"),
            ("10*9/L", "×10⁹/L"),
            ("10*12/L", "×10¹²/L"),
            ("{score}", ""),
            ("Cel", "°C"),
            ("kg/m2", "kg/m²"),
            ("ug/dL", "µg/dL"),
            ("umol/L", "µmol/L"),
            ("mL/min/{1.73_m2}", "mL/min/1.73m²"),
            ("{cells}/uL", "cells/µL"),
            ("/min", "/min"),
            ("[lb_av]", "lb"),
            ("meq/L", "mEq/L"),
            ("mg/dL", "mg/dL"),
            ("%", "%"),
            ("g/dL", "g/dL"),
            ("mmol/mol", "mmol/mol"),
            ("kg", "kg"),
            ("cm", "cm"),
            ("{beats}/min", "beats/min"),
        ] {
            assert_eq!(ucum_display(code).as_deref(), Some(shown), "{code}");
        }
        assert_eq!(ucum_display("[foo_bar]"), None);
    }

    #[test]
    fn only_generator_noise_is_rounded() {
        assert_eq!(denoised("5.377064837312435").as_deref(), Some("5.38"));
        assert_eq!(denoised("138.2041549231427").as_deref(), Some("138.2"));
        assert_eq!(denoised("0.0123456789012").as_deref(), Some("0.0123"));
        assert_eq!(denoised("4.0"), None);
        assert_eq!(denoised("119"), None);
        assert_eq!(denoised("3.14159"), None);
    }
}
