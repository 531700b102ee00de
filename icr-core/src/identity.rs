//! Patient identity: the NHS number and its modulus 11 check.
//!
//! An NHS number is patient data. `Debug` shows it masked so that it cannot reach logs by
//! accident; `Display` shows it in the NHS CUI format (`943 476 5919`) for the banner.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A valid NHS number (ten digits passing the modulus 11 check).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(String);

/// Why a string is not an NHS number (without repeating the string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NhsNumberError {
    /// Not ten digits once spaces are removed.
    #[error("an NHS number has ten digits")]
    Format,
    /// The check digit does not match.
    #[error("NHS number check digit is wrong")]
    CheckDigit,
}

impl NhsNumber {
    /// Parses and validates an NHS number; spaces and hyphens are ignored.
    pub fn parse(text: &str) -> Result<NhsNumber, NhsNumberError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NhsNumberError::Format);
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let sum: u32 = values
            .iter()
            .take(9)
            .zip((2..=10).rev())
            .map(|(d, w)| d * w)
            .sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => return Err(NhsNumberError::CheckDigit),
            c => c,
        };
        if values.get(9) != Some(&check) {
            return Err(NhsNumberError::CheckDigit);
        }
        Ok(NhsNumber(digits))
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// NHS CUI form, `943 476 5919`.
    pub fn formatted(&self) -> String {
        let d = &self.0;
        let mut out = String::with_capacity(12);
        out.push_str(d.get(0..3).unwrap_or_default());
        out.push(' ');
        out.push_str(d.get(3..6).unwrap_or_default());
        out.push(' ');
        out.push_str(d.get(6..10).unwrap_or_default());
        out
    }
}

impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NhsNumber(***)")
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl Serialize for NhsNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NhsNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NhsNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

// Hosts see the ten digits; a string they pass that is not an NHS number is refused with
// the reason, never the digits.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(NhsNumber, String, {
    lower: |number| number.0,
    try_lift: |text| Ok(NhsNumber::parse(&text)?),
});

/// The identifier systems that carry an NHS number (the current one and the retired
/// `fhir.nhs.net` one still sent by older systems).
pub const NHS_NUMBER_SYSTEMS: [&str; 2] = [
    "https://fhir.nhs.uk/Id/nhs-number",
    "http://fhir.nhs.net/Id/nhs-number",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_pass_and_format_3_3_4() {
        let n = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(n.as_str(), "9434765919");
        assert_eq!(n.to_string(), "943 476 5919");
        assert_eq!(format!("{n:?}"), "NhsNumber(***)");
        assert!(NhsNumber::parse("9990000026").is_ok());
    }

    #[test]
    fn wrong_check_digits_and_formats_fail() {
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit)
        );
        assert_eq!(NhsNumber::parse("943476591"), Err(NhsNumberError::Format));
        assert_eq!(NhsNumber::parse("94347659x9"), Err(NhsNumberError::Format));
        // remainder 1 gives check value 10, which no NHS number may have
        assert_eq!(
            NhsNumber::parse("1000000010"),
            Err(NhsNumberError::CheckDigit)
        );
    }
}
