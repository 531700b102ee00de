//! Where each piece of the record came from, and how sensitive it is.

use serde::{Deserialize, Serialize};

use super::FhirDate;

/// The kind of service an organisation provides, as the ICR groups them.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CareSetting {
    /// A GP practice.
    GeneralPractice,
    /// An acute hospital.
    Acute,
    /// A mental-health trust.
    MentalHealth,
    /// Community health services.
    Community,
    /// Council social care.
    SocialCare,
    /// Out-of-hours and urgent care.
    OutOfHours,
    /// Ambulance services.
    Ambulance,
    /// Not known.
    Unknown,
}

impl CareSetting {
    /// Words for a clinician.
    pub fn label(self) -> &'static str {
        match self {
            CareSetting::GeneralPractice => "GP practice",
            CareSetting::Acute => "Hospital",
            CareSetting::MentalHealth => "Mental health",
            CareSetting::Community => "Community services",
            CareSetting::SocialCare => "Social care",
            CareSetting::OutOfHours => "Out of hours",
            CareSetting::Ambulance => "Ambulance",
            CareSetting::Unknown => "Unknown setting",
        }
    }
}

/// An organisation that supplies part of the record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Organisation {
    /// ODS code, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ods_code: Option<String>,
    /// Name as the organisation gives it.
    pub name: String,
    /// Care setting.
    pub care_setting: CareSetting,
}

/// Where one item of the record came from.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provenance {
    /// The organisation whose system supplied it.
    pub organisation: Organisation,
    /// The FHIR resource it was read from (`AllergyIntolerance/abc`).
    pub source_ref: String,
    /// When the source last changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<FhirDate>,
    /// Who recorded it (person and/or organisation), as the source names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

/// A sensitive category that access rules treat specially.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SensitiveCategory {
    /// Mental health (HL7 `PSY`).
    MentalHealth,
    /// Substance misuse (HL7 `ETH`).
    SubstanceMisuse,
    /// HIV and AIDS (HL7 `HIV`).
    Hiv,
    /// Sexually transmitted infection (HL7 `STD`).
    SexualHealth,
    /// IVF and fertility treatment.
    Fertility,
    /// Termination of pregnancy.
    Termination,
    /// Gender reassignment.
    GenderReassignment,
    /// Safeguarding.
    Safeguarding,
    /// Genetic information.
    Genetic,
    /// Marked restricted or very restricted (HL7 confidentiality `R`/`V`), or confidential
    /// by the GP record.
    Restricted,
}

/// Why an item carries a sensitive category.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LabelBasis {
    /// A security label in the resource's `meta.security`.
    SecurityLabel,
    /// Its clinical code is in the category's code list.
    Code,
    /// The kind of item (a safeguarding alert is always safeguarding).
    ItemKind,
    /// Every organisation that reported it is of a care setting whose data the policy
    /// treats as sensitive as a whole (a mental-health trust).
    CareSetting,
    /// It is linked to an item of the category (GP Connect problem linkage, a
    /// consultation holding it, a reason or diagnosis that is one).
    Linked,
}

/// A sensitivity label on an item.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sensitivity {
    /// The category.
    pub category: SensitiveCategory,
    /// How it was decided.
    pub basis: LabelBasis,
    /// The pack whose code matched (basis `code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
    /// The SNOMED CT or dm+d concept that matched (basis `code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Sensitivity {
    /// A label with no pack or code (security labels, item kinds, care settings, links).
    pub fn new(category: SensitiveCategory, basis: LabelBasis) -> Sensitivity {
        Sensitivity {
            category,
            basis,
            pack: None,
            code: None,
        }
    }
}
