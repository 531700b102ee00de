//! Results of investigations and observations: the value as sent, its reference ranges,
//! and the flag a clinician reads, with the evidence it rests on.

use serde::{Deserialize, Serialize};

/// One result line of an investigation, with value and unit exactly as sent.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultLine {
    /// The test.
    pub name: String,
    /// The value as sent (`4.0`, `positive`, `<5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The unit as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The first reference range as sent (`3.5-5.3`, `70-100 mg/dL` when its unit is not
    /// the value's, or the source's text): the `range` of the first of
    /// `reference_ranges`, kept for hosts that read only this field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_range: Option<String>,
    /// Every reference range the source sent, in its order, each with what it applies to
    /// (age-, sex- or condition-specific ranges). Absent from summary JSON made before
    /// this field existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_ranges: Vec<ReferenceRange>,
    /// The value and unit as a clinician reads them (`119 ×10⁹/L`, `38.1 °C`): the unit
    /// a UCUM code stands for, and a value that carries a generator's floating-point
    /// noise rounded, saying so. Absent when it would say nothing more than `value` and
    /// `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Interpretation as the source words it (`High`, `Low`, `Abnormal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// What the result's flag is, when there is evidence for one: absent when there is
    /// none (no interpretation and no numeric range that applies), which is not normal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<ResultFlag>,
    /// What the flag rests on: the source's interpretation, or the value against its
    /// reference range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_basis: Option<FlagBasis>,
    /// Comments on the result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<String>,
}

impl ResultLine {
    /// Whether the result is outside normal: `Some(true)` or `Some(false)` only on
    /// evidence (an interpretation, or a value against its range); `None` when nothing
    /// says, and for coded results (`Detected`), whose flag says what they are.
    pub fn abnormal(&self) -> Option<bool> {
        self.flag.and_then(ResultFlag::abnormal)
    }

    /// Every reference range as a line for display ([`ReferenceRange::display`]), first
    /// to last; for a result read from JSON made before `reference_ranges`, its one
    /// `reference_range`.
    pub fn reference_range_lines(&self) -> Vec<String> {
        if self.reference_ranges.is_empty() {
            return self.reference_range.iter().cloned().collect();
        }
        self.reference_ranges
            .iter()
            .map(ReferenceRange::display)
            .collect()
    }
}

/// One reference range of a result, as the source sent it (units kept).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceRange {
    /// `low-high` (`3.5-5.3`, `>=90`), with its unit whenever that is not the value's own
    /// (`70-100 mg/dL`); the source's text when it sent no numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// The source's text for the range, when it sent numbers too and the text differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The populations it applies to, as sent (`Female`, `Pregnant`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
    /// The ages it applies to, with their unit as sent (`0-17 a`, `>=65 years`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<String>,
    /// Its type as sent (`Normal Range`, `Therapeutic Desired Level`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(name = "type"))]
    pub type_: Option<String>,
}

impl ReferenceRange {
    /// One line for display: the range, then what it applies to in brackets
    /// (`0.5-1.0 (Children; age 1-17 a)`). A type meaning the normal range is left out
    /// of the line, as every range without a type is one.
    pub fn display(&self) -> String {
        let mut qualifiers: Vec<String> = self.applies_to.clone();
        if let Some(age) = &self.age {
            qualifiers.push(format!("age {age}"));
        }
        if let Some(t) = self.type_.as_deref().filter(|t| !is_normal(t)) {
            qualifiers.push(t.to_owned());
        }
        if let (Some(_), Some(text)) = (&self.range, &self.text) {
            qualifiers.push(text.clone());
        }
        let range = self
            .range
            .as_deref()
            .or(self.text.as_deref())
            .unwrap_or("Range not given");
        if qualifiers.is_empty() {
            range.to_owned()
        } else {
            format!("{range} ({})", qualifiers.join("; "))
        }
    }
}

fn is_normal(t: &str) -> bool {
    t.eq_ignore_ascii_case("normal") || t.eq_ignore_ascii_case("normal range")
}

/// A result's flag.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ResultFlag {
    /// Within its range, or interpreted as normal.
    Normal,
    /// Above its range, or interpreted as high.
    High,
    /// Below its range, or interpreted as low.
    Low,
    /// Interpreted as abnormal, direction not given.
    Abnormal,
    /// Critically high (`HH`).
    CriticalHigh,
    /// Critically low (`LL`).
    CriticalLow,
    /// Critically abnormal (`AA`).
    CriticalAbnormal,
    /// A coded result that something was detected or is positive.
    Detected,
    /// A coded result that nothing was detected or is negative.
    NotDetected,
}

impl ResultFlag {
    /// Whether the flag means outside normal; `None` for coded results, which say what
    /// was found rather than whether it is abnormal.
    pub fn abnormal(self) -> Option<bool> {
        match self {
            ResultFlag::Normal => Some(false),
            ResultFlag::Detected | ResultFlag::NotDetected => None,
            _ => Some(true),
        }
    }

    /// How much the flag says is wrong, to pick the worst of several: 3 critical, 2
    /// outside normal, 1 detected, 0 normal or not detected.
    pub fn severity(self) -> u8 {
        match self {
            ResultFlag::Normal | ResultFlag::NotDetected => 0,
            ResultFlag::Detected => 1,
            ResultFlag::Abnormal | ResultFlag::High | ResultFlag::Low => 2,
            ResultFlag::CriticalAbnormal | ResultFlag::CriticalHigh | ResultFlag::CriticalLow => 3,
        }
    }

    /// True for a critical value.
    pub fn is_critical(self) -> bool {
        matches!(
            self,
            ResultFlag::CriticalHigh | ResultFlag::CriticalLow | ResultFlag::CriticalAbnormal
        )
    }

    /// The words shown beside the value.
    pub fn words(self) -> &'static str {
        match self {
            ResultFlag::Normal => "Normal",
            ResultFlag::High => "High",
            ResultFlag::Low => "Low",
            ResultFlag::Abnormal => "Abnormal",
            ResultFlag::CriticalHigh => "Critically high",
            ResultFlag::CriticalLow => "Critically low",
            ResultFlag::CriticalAbnormal => "Critically abnormal",
            ResultFlag::Detected => "Detected",
            ResultFlag::NotDetected => "Not detected",
        }
    }
}

/// What a result's flag rests on.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FlagBasis {
    /// The source's interpretation.
    Interpretation,
    /// The value compared with the reference range that applies to it.
    ReferenceRange,
    /// A coded value (`Detected`).
    CodedValue,
}
