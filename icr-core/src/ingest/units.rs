//! How a value and its unit read to a clinician: UCUM codes shown as the units they stand
//! for (`mm[Hg]` → `mmHg`, `10*9/L` → `×10⁹/L`, `Cel` → `°C`, `{score}` → nothing), and a
//! value carrying a generator's floating-point noise rounded and said to be.
//!
//! UCUM has no crate that gives display forms (the `ucum` crates parse and convert); the
//! display form is a table of the atoms, prefixes and annotations clinical systems send,
//! applied to each term of the code. A code with an atom not in the table is shown as
//! the source's own unit text.

use std::borrow::Cow;

use crate::fhir::datatypes::Quantity;

use super::values::text;

/// UCUM's system URI.
const UCUM: &str = "http://unitsofmeasure.org";

/// The value and unit as read, when that differs from the value and unit as sent.
pub(super) fn display(
    q: &Quantity<'_>,
    shown_value: &str,
    unit_as_sent: Option<&str>,
) -> Option<String> {
    let is_ucum = q.system.as_ref().is_some_and(|x| x.as_str().trim() == UCUM)
        || text(&q.code).is_some_and(|c| text(&q.unit).is_none_or(|u| u == c));
    // The UCUM code when the quantity has one; else a unit text that is wholly UCUM
    // (`10*9/L`, `umol/L`, which GP systems send as text) reads the same way.
    let unit: Option<Cow<'_, str>> = text(&q.code)
        .filter(|_| is_ucum)
        .and_then(ucum_display)
        .or_else(|| {
            text(&q.code)
                .is_none()
                .then(|| unit_as_sent.and_then(ucum_display))
                .flatten()
        })
        .map(Cow::Owned)
        .or_else(|| unit_as_sent.map(Cow::Borrowed));
    let denoised = denoised(shown_value);
    let value = denoised.as_deref().unwrap_or(shown_value);
    let rounded = denoised.is_some();
    if !rounded && unit.as_deref() == unit_as_sent {
        return None;
    }
    let unit = unit.as_deref().filter(|u| !u.is_empty());
    let mut out = String::with_capacity(value.len() + unit.map_or(0, str::len) + 32);
    out.push_str(value);
    if let Some(u) = unit {
        if !(u.starts_with('%') || u.starts_with('/')) {
            out.push(' ');
        }
        out.push_str(u);
    }
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
/// Built in one string (it runs for every numeric result of a record).
pub(super) fn ucum_display(code: &str) -> Option<String> {
    let code = code.trim();
    if let Some(whole) = WHOLE.iter().find(|(c, _)| *c == code) {
        return Some(whole.1.to_owned());
    }
    // Split into terms at `/` and `.` outside brackets, keeping the operators.
    let mut out = String::with_capacity(code.len() + 8);
    let mut depth = 0u32;
    let mut term_from = 0;
    for (at, ch) in code.char_indices() {
        match ch {
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            '/' | '.' if depth == 0 => {
                term_display(code.get(term_from..at)?, &mut out)?;
                out.push(if ch == '/' { '/' } else { '·' });
                term_from = at + 1;
            }
            _ => {}
        }
    }
    term_display(code.get(term_from..)?, &mut out)?;
    let kept = out.trim_end_matches('·').len();
    out.truncate(kept);
    Some(out)
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

/// One term, onto `out`: an annotation alone is its words, an annotation after a unit is
/// dropped; a power of ten is `×10ⁿ`; an atom with an optional prefix and exponent.
fn term_display(term: &str, out: &mut String) -> Option<()> {
    let (unit, annotation) = match term.find('{') {
        Some(at) => term.split_at(at),
        None => (term, ""),
    };
    if unit.is_empty() {
        // An annotation alone counts something (`{cells}/uL`): its words are the unit.
        let words = annotation.trim_start_matches('{').trim_end_matches('}');
        out.extend(words.chars().map(|c| if c == '_' { ' ' } else { c }));
        return Some(());
    }
    if let Some(power) = unit
        .strip_prefix("10*")
        .or_else(|| unit.strip_prefix("10^"))
    {
        out.push_str("×10");
        return superscript(power, out);
    }
    let (atom, exponent) = split_exponent(unit);
    let (prefix, shown) = atom_display(atom)?;
    out.push_str(prefix);
    out.push_str(shown);
    // An exponent is digits and minus signs only (`split_exponent`).
    superscript(exponent, out)
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

/// `digits` as superscript onto `out`; `None` for anything but digits and minus.
fn superscript(digits: &str, out: &mut String) -> Option<()> {
    for c in digits.chars() {
        out.push(match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' => '⁻',
            _ => return None,
        });
    }
    Some(())
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

/// An atom's display as its prefix's and its own (the prefix empty for an atom alone).
fn atom_display(atom: &str) -> Option<(&'static str, &'static str)> {
    if let Some((_, d)) = ATOMS.iter().find(|(a, _)| *a == atom) {
        return Some(("", d));
    }
    PREFIXES.iter().find_map(|(p, shown)| {
        let rest = atom.strip_prefix(p)?;
        let (_, d) = ATOMS
            .iter()
            .filter(|(a, _)| a.len() <= 4 && !matches!(*a, "d" | "wk" | "mo" | "a" | "h" | "min"))
            .find(|(a, _)| *a == rest)?;
        Some((*shown, *d))
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
