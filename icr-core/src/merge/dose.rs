//! Whether two dosage instructions say the same thing.
//!
//! Organisations write the same dose differently: the GP's "One capsule once a day" of
//! Ramipril 2.5mg capsules is the hospital's "2.5 mg once daily". Merging on the text
//! would show the medicine twice with a false discrepancy; merging on the drug alone
//! would hide a real dose difference. So the dose is reduced to a signature — amount per
//! administration in the strength's unit, and administrations per day — when both can be
//! read with confidence, and compared as text otherwise.

use std::sync::LazyLock;

/// Amount per dose (as text, normalised) and doses per day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DoseSignature {
    amount: String,
    per_day: u32,
}

const FREQUENCIES: &[(&str, u32)] = &[
    ("four times a day", 4),
    ("four times daily", 4),
    ("qds", 4),
    ("three times a day", 3),
    ("three times daily", 3),
    ("tds", 3),
    ("twice a day", 2),
    ("twice daily", 2),
    ("bd", 2),
    ("once a day", 1),
    ("once daily", 1),
    ("every day", 1),
    ("each day", 1),
    ("daily", 1),
    ("od", 1),
    ("at night", 1),
    ("every morning", 1),
    ("each morning", 1),
    ("in the morning", 1),
];

const COUNTS: &[(&str, f64)] = &[
    ("half", 0.5),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
];

const UNITS: &[&str] = &["microgram", "mcg", "mg", "g", "ml", "unit"];

/// Reads the signature of `dosage` for a product named `title` (whose strength, such
/// as `2.5mg`, converts a count of tablets or capsules into an amount).
pub(crate) fn signature(title: &str, dosage: &str) -> Option<DoseSignature> {
    let text = dosage.to_lowercase();
    let per_day = frequency(&text)?;
    let amount = match amount_with_unit(&text) {
        Some(a) => a,
        None => {
            let count = count_of_units(&text)?;
            let (strength, unit) = amount_with_unit_parts(&title.to_lowercase())?;
            format_amount(count * strength, &unit)
        }
    };
    Some(DoseSignature { amount, per_day })
}

/// [`FREQUENCIES`] with a space either side, as they are looked for (made once, not per
/// phrase per dose).
static PADDED_FREQUENCIES: LazyLock<Vec<(String, u32)>> = LazyLock::new(|| {
    FREQUENCIES
        .iter()
        .map(|(phrase, n)| (format!(" {phrase} "), *n))
        .collect()
});

fn frequency(text: &str) -> Option<u32> {
    let words = format!(" {} ", text.replace([',', '.', ';', '(', ')'], " "));
    PADDED_FREQUENCIES
        .iter()
        .find(|(phrase, _)| words.contains(phrase.as_str()))
        .map(|(_, n)| *n)
}

fn count_of_units(text: &str) -> Option<f64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let unit_word = |w: &str| {
        ["tablet", "capsule", "puff", "sachet", "drop", "patch"]
            .iter()
            .any(|u| w.starts_with(u))
    };
    words.windows(2).find_map(|pair| {
        let [n, unit] = pair else { return None };
        if !unit_word(unit) {
            return None;
        }
        COUNTS
            .iter()
            .find(|(word, _)| word == n)
            .map(|(_, v)| *v)
            .or_else(|| n.parse::<f64>().ok())
    })
}

fn amount_with_unit(text: &str) -> Option<String> {
    let (value, unit) = amount_with_unit_parts(text)?;
    Some(format_amount(value, &unit))
}

/// The first `<number><unit>` or `<number> <unit>` in the text.
fn amount_with_unit_parts(text: &str) -> Option<(f64, String)> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for (i, token) in tokens.iter().enumerate() {
        let digits = token
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(token.len());
        let number = token.get(..digits).unwrap_or_default();
        if number.is_empty() {
            continue;
        }
        let Ok(value) = number.parse::<f64>() else {
            continue;
        };
        let rest = token.get(number.len()..).unwrap_or_default();
        let unit = if rest.is_empty() {
            tokens.get(i + 1).copied().unwrap_or_default()
        } else {
            rest
        };
        let unit = unit.trim_end_matches(|c: char| !c.is_alphabetic());
        if let Some(u) = UNITS
            .iter()
            .find(|u| unit == **u || unit.strip_suffix('s') == Some(**u))
        {
            let u = if *u == "mcg" { "microgram" } else { u };
            return Some((value, u.to_owned()));
        }
    }
    None
}

fn format_amount(value: f64, unit: &str) -> String {
    format!("{} {unit}", (value * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_dose_written_two_ways_has_one_signature() {
        let gp = signature("Ramipril 2.5mg capsules", "One capsule once a day");
        let hospital = signature("Ramipril 2.5mg capsules", "2.5 mg once daily");
        assert!(gp.is_some());
        assert_eq!(gp, hospital);
        let gp = signature(
            "Ibuprofen 400mg tablets",
            "One tablet three times a day with or after food",
        );
        let hospital = signature(
            "Ibuprofen 400mg tablets",
            "400 mg three times a day with food (before admission)",
        );
        assert_eq!(gp, hospital);
    }

    #[test]
    fn different_doses_differ_and_unreadable_text_has_none() {
        let one = signature("Ramipril 2.5mg capsules", "One capsule once a day");
        let two = signature("Ramipril 2.5mg capsules", "Two capsules once a day");
        let bd = signature("Ramipril 2.5mg capsules", "One capsule twice a day");
        assert_ne!(one, two);
        assert_ne!(one, bd);
        assert_eq!(signature("Ramipril 2.5mg capsules", "As directed"), None);
        assert_eq!(signature("Paracetamol", "One tablet when required"), None);
    }
}
