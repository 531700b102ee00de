//! Measured quantities: what a numeric result measures, and the facts of one measurement
//! that trends are drawn from ([`crate::trends`]).
//!
//! A measurement is read from the FHIR `Observation` (or one of its components) at ingest
//! and kept beside the item it went into, apart from the display fields of its
//! [`super::ResultLine`]: trends group by code and unit, never by a result's wording.

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use super::{FhirDate, ResultFlag};

/// The quantities the SDK knows under every code UK laboratories and GP systems use for
/// them (`icr-core/src/trends/quantities.tsv`), so results coded differently by
/// different sources join one trend.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Quantity {
    /// Blood pressure: systolic and diastolic read together.
    BloodPressure,
    /// Systolic blood pressure.
    Systolic,
    /// Diastolic blood pressure.
    Diastolic,
    /// Body weight.
    Weight,
    /// Body mass index.
    Bmi,
    /// Estimated glomerular filtration rate (any equation).
    Egfr,
    /// Serum or plasma creatinine.
    Creatinine,
    /// Haemoglobin A1c.
    Hba1c,
    /// Serum or plasma total cholesterol.
    Cholesterol,
    /// Serum or plasma potassium.
    Potassium,
    /// Serum or plasma sodium.
    Sodium,
    /// Any other quantity, identified by its code.
    Other,
}

impl Quantity {
    /// The quantities trends are drawn for, in the order a panel shows them.
    pub const KNOWN: [Quantity; 9] = [
        Quantity::BloodPressure,
        Quantity::Weight,
        Quantity::Bmi,
        Quantity::Egfr,
        Quantity::Creatinine,
        Quantity::Hba1c,
        Quantity::Cholesterol,
        Quantity::Potassium,
        Quantity::Sodium,
    ];

    /// The key used in the code table and the JSON (`egfr`).
    pub fn key(self) -> &'static str {
        match self {
            Quantity::BloodPressure => "blood-pressure",
            Quantity::Systolic => "systolic",
            Quantity::Diastolic => "diastolic",
            Quantity::Weight => "weight",
            Quantity::Bmi => "bmi",
            Quantity::Egfr => "egfr",
            Quantity::Creatinine => "creatinine",
            Quantity::Hba1c => "hba1c",
            Quantity::Cholesterol => "cholesterol",
            Quantity::Potassium => "potassium",
            Quantity::Sodium => "sodium",
            Quantity::Other => "other",
        }
    }

    /// The quantity a key names (any but `other`).
    pub fn from_key(key: &str) -> Option<Quantity> {
        Quantity::KNOWN
            .into_iter()
            .chain([Quantity::Systolic, Quantity::Diastolic])
            .find(|q| q.key() == key)
    }

    /// The name a clinician reads.
    pub fn title(self) -> &'static str {
        match self {
            Quantity::BloodPressure => "Blood pressure",
            Quantity::Systolic => "Systolic blood pressure",
            Quantity::Diastolic => "Diastolic blood pressure",
            Quantity::Weight => "Weight",
            Quantity::Bmi => "Body mass index",
            Quantity::Egfr => "eGFR",
            Quantity::Creatinine => "Creatinine",
            Quantity::Hba1c => "HbA1c",
            Quantity::Cholesterol => "Total cholesterol",
            Quantity::Potassium => "Potassium",
            Quantity::Sodium => "Sodium",
            Quantity::Other => "Result",
        }
    }
}

/// What a measurement measures: a known quantity, or the code it carries (its LOINC
/// code, else its SNOMED CT code, else its first code), `system|code`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Measured {
    /// A quantity of the code table.
    Known(Quantity),
    /// Any other coded quantity.
    Coded(SmolStr),
}

/// One numeric measurement of an item, as sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measurement {
    /// What it measures.
    pub(crate) measured: Measured,
    /// The test's name as the source words it.
    pub(crate) name: SmolStr,
    /// The number.
    pub(crate) value: f64,
    /// The value as sent, with its comparator (`<5`).
    pub(crate) text: SmolStr,
    /// Sent with a comparator (`<5`, `>90`): a bound, not a point.
    pub(crate) censored: bool,
    /// The unit: the UCUM code when the source gave one, else its unit text.
    pub(crate) unit: Option<SmolStr>,
    /// The unit as the source words it.
    pub(crate) unit_text: Option<SmolStr>,
    /// When it was taken, when the observation says (else its item's date).
    pub(crate) date: Option<FhirDate>,
    /// The reference range that applies to it, in its unit (low, high).
    pub(crate) band: Option<(Option<f64>, Option<f64>)>,
    /// The first reference range as the result shows it.
    pub(crate) range_text: Option<SmolStr>,
    /// Its flag, on evidence only.
    pub(crate) flag: Option<ResultFlag>,
}
