//! Units of measurements: one spelling for each unit, and the only conversions trends
//! make (exact by definition, and said beside the trend).
//!
//! Sources spell one unit many ways (`mL/min/{1.73_m2}`, `ml/min/1.73m2`,
//! `mL/min/1.73 m²`; `umol/L`, `µmol/l`): [`key`] reads them as one unit, which is not a
//! conversion. Values in different units are kept apart in separate trends, except:
//! HbA1c in % (DCCT/NGSP) beside mmol/mol (IFCC), joined through the IFCC–NGSP master
//! equation that defines the relation between the two scales, and weight in g or lb
//! beside kg (1 lb = 0.45359237 kg exactly). Creatinine in mg/dL is not converted to
//! µmol/L: the factor rests on a molar mass, and labs round it differently.

use crate::model::Quantity;

/// One spelling of a unit, for comparing units (never shown).
pub(super) fn key(unit: &str) -> String {
    let mut out = String::with_capacity(unit.len());
    for c in unit.trim().chars() {
        match c {
            ' ' | '{' | '}' | '_' | '^' | '*' | '[' | ']' => {}
            '²' => out.push('2'),
            'µ' | 'μ' => out.push('u'),
            c => out.extend(c.to_lowercase()),
        }
    }
    match out.as_str() {
        "micromol/l" => "umol/l".to_owned(),
        "percent" => "%".to_owned(),
        "kgs" | "kilogram" | "kilograms" => "kg".to_owned(),
        "lb" | "lbav" | "lbs" => "lb".to_owned(),
        "gram" | "grams" => "g".to_owned(),
        "mmhg" | "mm.hg" => "mmhg".to_owned(),
        _ => out,
    }
}

/// A conversion a trend made, in words for its notes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Conversion {
    /// The unit key converted from.
    pub(super) from: &'static str,
    /// The unit key converted to.
    pub(super) to: &'static str,
    /// The unit shown for the converted values.
    pub(super) to_shown: &'static str,
    /// Decimal places the converted value is given to.
    pub(super) decimals: usize,
    /// What was done, for the trend's notes.
    pub(super) words: &'static str,
    convert: fn(f64) -> f64,
}

impl Conversion {
    /// The value in the unit converted to.
    pub(super) fn apply(&self, value: f64) -> f64 {
        (self.convert)(value)
    }
}

const CONVERSIONS: [(Quantity, Conversion); 3] = [
    (
        Quantity::Hba1c,
        Conversion {
            from: "%",
            to: "mmol/mol",
            to_shown: "mmol/mol",
            decimals: 0,
            words: "HbA1c given in % (DCCT) is shown in mmol/mol (IFCC) by the IFCC\u{2013}NGSP \
                    master equation, mmol/mol = 10.929 \u{d7} (% \u{2212} 2.15), to the whole \
                    mmol/mol as UK laboratories report it; the value as sent is beside it.",
            convert: |percent| 10.929 * (percent - 2.15),
        },
    ),
    (
        Quantity::Weight,
        Conversion {
            from: "g",
            to: "kg",
            to_shown: "kg",
            decimals: 3,
            words: "Weight given in g is shown in kg (1,000 g = 1 kg); the value as sent is \
                    beside it.",
            convert: |grams| grams / 1000.0,
        },
    ),
    (
        Quantity::Weight,
        Conversion {
            from: "lb",
            to: "kg",
            to_shown: "kg",
            decimals: 1,
            words: "Weight given in lb is shown in kg (1 lb = 0.45359237 kg exactly), to 0.1 kg; \
                    the value as sent is beside it.",
            convert: |pounds| pounds * 0.453_592_37,
        },
    ),
];

/// The conversion of `quantity` from the unit `from` (a [`key`]) to the unit `to`, when
/// the SDK makes one.
pub(super) fn conversion(quantity: Quantity, from: &str, to: &str) -> Option<Conversion> {
    CONVERSIONS
        .iter()
        .find(|(q, c)| *q == quantity && c.from == from && c.to == to)
        .map(|(_, c)| *c)
}

/// The number as a clinician reads it, to `decimals` places (no trailing noise).
pub(super) fn number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(unsigned) if unsigned.chars().all(|c| c == '0' || c == '.') => unsigned.to_owned(),
        _ => text,
    }
}

/// The decimal places a value was sent with (`4.10` has 2).
pub(super) fn decimals(sent: &str) -> usize {
    let digits = sent.trim_start_matches(['<', '>', '=', '~']);
    digits.split_once('.').map_or(0, |(_, frac)| {
        frac.chars().take_while(char::is_ascii_digit).count()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_unit_read_as_one() {
        for (a, b) in [
            ("mL/min/{1.73_m2}", "ml/min/1.73m2"),
            ("mL/min/1.73 m²", "ml/min/1.73m2"),
            ("µmol/L", "umol/l"),
            ("micromol/L", "umol/L"),
            ("mm[Hg]", "mmHg"),
            ("10*9/L", "10^9/L"),
            ("kg/m2", "kg/m^2"),
            ("[lb_av]", "lb"),
        ] {
            assert_eq!(key(a), key(b), "{a} and {b}");
        }
        for (a, b) in [("mg/dL", "umol/L"), ("mmol/mol", "%"), ("kg", "g")] {
            assert_ne!(key(a), key(b), "{a} and {b} are different units");
        }
    }

    #[test]
    fn hba1c_percent_converts_by_the_master_equation() {
        let c = conversion(Quantity::Hba1c, "%", "mmol/mol").expect("made");
        // 6.5 % is the diagnostic threshold, 48 mmol/mol; 7.0 % is 53.
        assert_eq!(number(c.apply(6.5), c.decimals), "48");
        assert_eq!(number(c.apply(7.0), c.decimals), "53");
        assert!(conversion(Quantity::Hba1c, "mmol/mol", "%").is_none());
        assert!(
            conversion(Quantity::Creatinine, "mg/dl", "umol/l").is_none(),
            "creatinine is never converted"
        );
    }

    #[test]
    fn weight_converts_exactly() {
        let c = conversion(Quantity::Weight, "lb", "kg").expect("made");
        assert_eq!(number(c.apply(154.0), c.decimals), "69.9");
        let g = conversion(Quantity::Weight, "g", "kg").expect("made");
        assert_eq!(number(g.apply(3_250.0), g.decimals), "3.250");
    }

    #[test]
    fn decimals_follow_the_value_as_sent() {
        assert_eq!(decimals("4.10"), 2);
        assert_eq!(decimals("<5"), 0);
        assert_eq!(decimals("48"), 0);
        assert_eq!(number(-0.0001, 1), "0.0");
    }
}
