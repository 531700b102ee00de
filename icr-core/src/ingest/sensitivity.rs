//! Sensitivity labels: from `meta.security`, from coded sensitive categories, and from the
//! kind of item.
//!
//! The code lists are a starting set of well-known SNOMED CT concepts for the RCGP
//! sensitive categories; access policy decides who sees each category.

use crate::fhir::datatypes::Meta;
use crate::model::{LabelBasis, SensitiveCategory, Sensitivity};

/// HL7 v3 ActCode sensitivity and confidentiality codes, mapped to categories.
pub(super) fn category_of_security_code(code: &str) -> Option<SensitiveCategory> {
    use SensitiveCategory::*;
    Some(match code.to_ascii_uppercase().as_str() {
        "PSY" | "PSYTHPN" | "BH" => MentalHealth,
        "ETH" | "ETHUD" | "SUD" | "SUDTRT" | "OPIOIDUD" | "ALCUD" | "DRGUD" => SubstanceMisuse,
        "HIV" => Hiv,
        "STD" | "SEX" | "SEXUALITY" => SexualHealth,
        "SDV" | "CHILD" => Safeguarding,
        "GDIS" => Genetic,
        "REPRO" => Fertility,
        "R" | "V" | "TBOO" => Restricted,
        _ => return None,
    })
}

/// Labels from a resource's security labels (`meta.security`). Labels from codes are the
/// access policy's, from its sensitivity packs, at decision time.
pub(super) fn labels(meta: Option<&Meta<'_>>) -> Vec<Sensitivity> {
    let mut out: Vec<Sensitivity> = meta
        .into_iter()
        .flat_map(|m| m.security.iter())
        .filter_map(|coding| category_of_security_code(coding.code.as_ref()?.as_str()))
        .map(|cat| Sensitivity::new(cat, LabelBasis::SecurityLabel))
        .collect();
    out.sort();
    out.dedup_by_key(|s| s.category);
    out
}

/// True when `meta.security` marks the resource restricted or very restricted (HL7
/// confidentiality `R` or `V`): on a Patient, the PDS "sensitive" (S) flag.
pub(super) fn restricted(meta: Option<&Meta<'_>>) -> bool {
    meta.into_iter().flat_map(|m| m.security.iter()).any(|c| {
        c.code
            .as_ref()
            .is_some_and(|code| matches!(code.as_str().trim(), "R" | "V" | "r" | "v"))
            && c.system.as_ref().is_none_or(|s| {
                s.as_str().contains("Confidentiality") || s.as_str().contains("confidentiality")
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_labels_and_codes_give_categories() {
        let meta: Meta = serde_json::from_str(
            r#"{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"},
            {"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]}"#,
        )
        .unwrap();
        let l = labels(Some(&meta));
        let cats: Vec<_> = l.iter().map(|s| s.category).collect();
        assert_eq!(
            cats,
            [
                SensitiveCategory::MentalHealth,
                SensitiveCategory::Restricted
            ]
        );
        assert!(restricted(Some(&meta)));
        let normal: Meta = serde_json::from_str(
            r#"{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"N"}]}"#,
        )
        .unwrap();
        assert!(!restricted(Some(&normal)));
    }
}
