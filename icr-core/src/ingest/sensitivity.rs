//! Sensitivity labels: from `meta.security`, from coded sensitive categories, and from the
//! kind of item.
//!
//! The code lists are a starting set of well-known SNOMED CT concepts for the RCGP
//! sensitive categories; access policy decides who sees each category.

use crate::fhir::datatypes::Meta;
use crate::model::{Code, LabelBasis, SNOMED, SensitiveCategory, Sensitivity};

/// HL7 v3 ActCode sensitivity and confidentiality codes, mapped to categories.
pub fn category_of_security_code(code: &str) -> Option<SensitiveCategory> {
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

/// SNOMED CT concepts whose presence makes an item sensitive.
const SENSITIVE_CODES: &[(&str, SensitiveCategory)] = &[
    ("86406008", SensitiveCategory::Hiv), // Human immunodeficiency virus infection
    ("165816005", SensitiveCategory::Hiv), // HIV positive
    ("62479008", SensitiveCategory::Hiv), // AIDS
    ("76272004", SensitiveCategory::SexualHealth), // Syphilis
    ("15628003", SensitiveCategory::SexualHealth), // Gonorrhoea
    ("105629000", SensitiveCategory::SexualHealth), // Chlamydial infection
    ("33839006", SensitiveCategory::SexualHealth), // Genital herpes simplex
    ("386639001", SensitiveCategory::Termination), // Termination of pregnancy
    ("57797005", SensitiveCategory::Termination), // Induced termination of pregnancy
    ("52637005", SensitiveCategory::Fertility), // In vitro fertilisation
    ("8619003", SensitiveCategory::Fertility), // Infertility
    ("93461009", SensitiveCategory::GenderReassignment), // Gender dysphoria
    ("35919005", SensitiveCategory::MentalHealth), // Pervasive developmental disorder
    ("58214004", SensitiveCategory::MentalHealth), // Schizophrenia
    ("13746004", SensitiveCategory::MentalHealth), // Bipolar disorder
    ("35489007", SensitiveCategory::MentalHealth), // Depressive disorder
    ("7200002", SensitiveCategory::SubstanceMisuse), // Alcoholism
    ("66590003", SensitiveCategory::SubstanceMisuse), // Alcohol dependence
    ("191816009", SensitiveCategory::SubstanceMisuse), // Drug dependence
];

/// Labels from the resource's security labels and its main code.
pub fn labels(meta: Option<&Meta<'_>>, code: Option<&Code>) -> Vec<Sensitivity> {
    let mut out: Vec<Sensitivity> = Vec::new();
    if let Some(meta) = meta {
        for coding in meta.security.iter() {
            if let Some(cat) = coding
                .code
                .as_ref()
                .and_then(|c| category_of_security_code(c.as_str()))
            {
                out.push(Sensitivity {
                    category: cat,
                    basis: LabelBasis::SecurityLabel,
                });
            }
        }
    }
    if let Some(code) = code
        && code.system.as_deref() == Some(SNOMED)
        && let Some((_, cat)) = SENSITIVE_CODES
            .iter()
            .find(|(c, _)| Some(*c) == code.code.as_deref())
    {
        out.push(Sensitivity {
            category: *cat,
            basis: LabelBasis::Code,
        });
    }
    out.sort();
    out.dedup_by_key(|s| s.category);
    out
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
        let l = labels(Some(&meta), None);
        let cats: Vec<_> = l.iter().map(|s| s.category).collect();
        assert_eq!(
            cats,
            [
                SensitiveCategory::MentalHealth,
                SensitiveCategory::Restricted
            ]
        );
        let hiv = Code {
            system: Some(SNOMED.into()),
            code: Some("86406008".into()),
            display: None,
            description_id: None,
        };
        assert_eq!(labels(None, Some(&hiv))[0].category, SensitiveCategory::Hiv);
        assert_eq!(labels(None, Some(&hiv))[0].basis, LabelBasis::Code);
    }
}
