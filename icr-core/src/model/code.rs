//! Clinical codes and the code systems the UK record uses.

use serde::{Deserialize, Serialize};

/// One coding: system, code and the term shown to the clinician.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Code {
    /// The code system URI, normalised (see [`normalise_system`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The term as recorded (the SNOMED description chosen by the clinician where the
    /// source sends it, otherwise the display).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The SNOMED CT description id of the term, when the source sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_id: Option<String>,
}

impl Code {
    /// A short name for the code system (`SNOMED CT`, `dm+d`, `Read v2`), if known.
    pub fn system_name(&self) -> Option<&'static str> {
        known_system(self.system.as_deref()?).map(|k| k.1)
    }
}

/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// NHS Dictionary of Medicines and Devices.
pub const DMD: &str = "https://dmd.nhs.uk";

/// Code systems the SDK recognises, with the short names clinicians know them by.
const KNOWN: &[(&str, &str)] = &[
    (SNOMED, "SNOMED CT"),
    (DMD, "dm+d"),
    ("http://read.info/readv2", "Read v2"),
    ("http://read.info/ctv3", "CTV3"),
    ("http://loinc.org", "LOINC"),
    ("http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm"),
    ("http://hl7.org/fhir/sid/cvx", "CVX"),
    ("http://hl7.org/fhir/sid/icd-10", "ICD-10"),
    ("http://hl7.org/fhir/sid/icd-10-uk", "ICD-10"),
    ("http://unitsofmeasure.org", "UCUM"),
    ("https://fhir.hl7.org.uk/Id/emis-drug-codes", "EMIS drug"),
    ("https://fhir.hl7.org.uk/Id/multilex-drug-codes", "Multilex"),
    (
        "https://fhir.hl7.org.uk/Id/resipuk-gemscript-drug-codes",
        "Gemscript",
    ),
    ("https://fhir.hl7.org.uk/Id/egton-codes", "Egton"),
];

fn known_system(system: &str) -> Option<&'static (&'static str, &'static str)> {
    KNOWN.iter().find(|(uri, _)| *uri == system)
}

/// True when the system is one the SDK knows (after normalisation), or a terminology or
/// profile system that only structures the record (`http://terminology.hl7.org/…`,
/// `http://hl7.org/fhir/…`, the NHS and HL7 UK `CodeSystem`s).
pub fn is_known_system(system: &str) -> bool {
    known_system(system).is_some()
        || [
            "http://terminology.hl7.org/",
            "http://hl7.org/fhir/",
            "https://fhir.nhs.uk/",
            "https://fhir.hl7.org.uk/",
            "http://fhir.nhs.net/",
        ]
        .iter()
        .any(|p| system.starts_with(p))
}

/// Normalises the spellings suppliers use for the same system: a trailing slash
/// (`https://dmd.nhs.uk/`), `http` for `https` on dm+d, and surrounding white space.
pub fn normalise_system(system: &str) -> String {
    normalised_system(system).to_owned()
}

/// [`normalise_system`], borrowed: for comparing without a copy.
pub(crate) fn normalised_system(system: &str) -> &str {
    let s = system.trim().trim_end_matches('/');
    let is = |a: &str| s.eq_ignore_ascii_case(a);
    if is("http://dmd.nhs.uk") || is("https://dmd.nhs.uk") {
        return DMD;
    }
    if is("http://snomed.info/sct") || is("https://snomed.info/sct") {
        return SNOMED;
    }
    s
}

/// Why a string is not a SNOMED CT identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SctIdError {
    /// Something other than the digits 0–9 (a spreadsheet's `1.03E+15`, a space).
    #[error("not only digits")]
    NotDigits,
    /// Fewer than 6 or more than 18 digits.
    #[error("{0} digits (a SNOMED CT identifier has 6 to 18)")]
    Length(usize),
    /// A leading zero, which no identifier has.
    #[error("leading zero")]
    LeadingZero,
    /// The last digit is not the Verhoeff check digit of the others.
    #[error("check digit wrong (Verhoeff)")]
    CheckDigit,
}

/// Reads a SNOMED CT identifier (concepts of SNOMED CT and of dm+d): 6 to 18 digits, no
/// leading zero, the last a Verhoeff check digit (the `verhoeff` crate). As a number it
/// fits a `u64` (18 digits < 2⁶⁴), so look-ups need no string.
pub fn parse_sctid(code: &str) -> Result<u64, SctIdError> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SctIdError::NotDigits);
    }
    if !(6..=18).contains(&code.len()) {
        return Err(SctIdError::Length(code.len()));
    }
    if code.starts_with('0') {
        return Err(SctIdError::LeadingZero);
    }
    if !verhoeff::validate(code) {
        return Err(SctIdError::CheckDigit);
    }
    code.parse().map_err(|_| SctIdError::NotDigits)
}

/// The SNOMED CT (or dm+d) concept a coding names, when its system is one of the two
/// (any spelling [`normalise_system`] accepts, or SNOMED's OID) and its code has the
/// shape of an identifier (6 to 18 digits, no leading zero). Codes of other systems (Read, CTV3, supplier drug codes) are not SNOMED
/// concepts however they look.
pub fn concept_id(system: Option<&str>, code: Option<&str>) -> Option<u64> {
    let system = system?.trim().trim_end_matches('/');
    let snomed_or_dmd = system.eq_ignore_ascii_case(SNOMED)
        || system.eq_ignore_ascii_case("https://snomed.info/sct")
        || system.eq_ignore_ascii_case(DMD)
        || system.eq_ignore_ascii_case("http://dmd.nhs.uk")
        || system == "urn:oid:2.16.840.1.113883.6.96";
    if !snomed_or_dmd {
        return None;
    }
    // Digits and length only: every pack's codes passed the full check (Verhoeff) when
    // the pack was loaded, so a record's code with a wrong check digit matches none.
    let code = code?.trim();
    if !(6..=18).contains(&code.len())
        || code.starts_with('0')
        || !code.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    code.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sctids_are_checked_by_length_digits_and_verhoeff() {
        assert_eq!(parse_sctid("86406008"), Ok(86_406_008));
        assert_eq!(
            parse_sctid("999004381000000103"),
            Ok(999_004_381_000_000_103)
        );
        assert_eq!(parse_sctid("86406009"), Err(SctIdError::CheckDigit));
        assert_eq!(parse_sctid("1.03E+15"), Err(SctIdError::NotDigits));
        assert_eq!(parse_sctid("12345"), Err(SctIdError::Length(5)));
        assert_eq!(parse_sctid("0086406008"), Err(SctIdError::LeadingZero));
        assert_eq!(
            parse_sctid("1234567890123456789"),
            Err(SctIdError::Length(19))
        );
        assert_eq!(
            concept_id(Some("https://dmd.nhs.uk/"), Some("86406008")),
            Some(86_406_008)
        );
        assert_eq!(
            concept_id(Some("http://read.info/readv2"), Some("86406008")),
            None
        );
        assert_eq!(concept_id(None, Some("86406008")), None);
    }

    #[test]
    fn dmd_spellings_normalise_to_one_system() {
        assert_eq!(normalise_system("https://dmd.nhs.uk/"), DMD);
        assert_eq!(normalise_system("https://dmd.nhs.uk"), DMD);
        assert_eq!(normalise_system(" http://snomed.info/sct/ "), SNOMED);
        let c = Code {
            system: Some(normalise_system("https://dmd.nhs.uk/")),
            code: Some("39732311000001104".into()),
            display: None,
            description_id: None,
        };
        assert_eq!(c.system_name(), Some("dm+d"));
    }

    #[test]
    fn structural_systems_are_known_and_others_are_not() {
        assert!(is_known_system(
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
        ));
        assert!(is_known_system("http://read.info/readv2"));
        assert!(!is_known_system("https://EMISWeb/A82038"));
    }
}
