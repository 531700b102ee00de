//! The patient: identity and demographics for the banner.

use serde::{Deserialize, Serialize};

use super::FhirDate;
use crate::identity::NhsNumber;

/// A person's name in parts, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonName {
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    /// Titles (`Mrs`, `Dr`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
    /// The whole name as text, when the source sent only that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl PersonName {
    /// NHS CUI banner form: `THORNTON, Margaret Ann (Mrs)`.
    pub fn banner(&self) -> String {
        let mut out = match &self.family {
            Some(f) => f.to_uppercase(),
            None => return self.text.clone().unwrap_or_default(),
        };
        if !self.given.is_empty() {
            out.push_str(", ");
            out.push_str(&self.given.join(" "));
        }
        if !self.prefix.is_empty() {
            out.push_str(&format!(" ({})", self.prefix.join(" ")));
        }
        out
    }

    /// Reading order: `Dr Priya Shah`.
    pub fn natural(&self) -> String {
        if self.family.is_none() && self.given.is_empty() {
            return self.text.clone().unwrap_or_default();
        }
        self.prefix
            .iter()
            .chain(self.given.iter())
            .chain(self.family.iter())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.family.is_none() && self.given.is_empty() && self.text.is_none()
    }
}

/// A phone number, email or other contact point.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Telecom {
    /// `phone`, `email`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The number or address.
    pub value: String,
    /// `home`, `work`, `mobile`, …
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(name = "use"))]
    pub use_: Option<String>,
}

/// The patient as one source records them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// NHS number, when the source gives a valid one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<NhsNumber>,
    /// Official (or first) name.
    pub name: PersonName,
    /// Date of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<FhirDate>,
    /// Administrative gender (`female`, `male`, `other`, `unknown`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Date of death, or `true`-only death flag rendered as `deceased` without a date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased: Option<String>,
    /// Addresses as single lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Contact details.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<Telecom>,
    /// The registered GP or practice, as named by the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_gp: Option<String>,
    /// A source marks the patient restricted (`Patient.meta.security` confidentiality `R`
    /// or `V`: the PDS "sensitive" S-flag): their contact details must not be shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_name_follows_cui() {
        let n = PersonName {
            family: Some("Thornton".into()),
            given: vec!["Margaret".into(), "Ann".into()],
            prefix: vec!["Mrs".into()],
            text: None,
        };
        assert_eq!(n.banner(), "THORNTON, Margaret Ann (Mrs)");
        assert_eq!(n.natural(), "Mrs Margaret Ann Thornton");
    }
}
