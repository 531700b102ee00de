//! FHIR data types as read from JSON, shared by STU3 and R4.
//!
//! Only the elements the record uses are declared; everything else is skipped by the
//! parser without being built. Where STU3 and R4 differ in shape (a `code` in one, a
//! `CodeableConcept` in the other) the type here accepts both.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::lenient::{Decimal, Many, Str};

/// `Meta`: last updated, profiles and security labels.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta<'a> {
    #[serde(borrow)]
    pub last_updated: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub profile: Many<Str<'a>>,
    #[serde(default, borrow)]
    pub security: Many<Coding<'a>>,
}

/// `Extension`, with the value types the UK profiles use.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Extension<'a> {
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub extension: Many<Extension<'a>>,
    #[serde(borrow)]
    pub value_string: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_code: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_date_time: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_date: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_boolean: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_integer: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_unsigned_int: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_positive_int: Option<Str<'a>>,
    #[serde(borrow)]
    pub value_codeable_concept: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub value_reference: Option<Box<Reference<'a>>>,
}

impl<'a> Extension<'a> {
    /// The value as text, whatever primitive type was sent.
    pub(crate) fn value_text(&self) -> Option<&str> {
        [
            &self.value_string,
            &self.value_code,
            &self.value_id,
            &self.value_date_time,
            &self.value_date,
            &self.value_boolean,
            &self.value_integer,
            &self.value_unsigned_int,
            &self.value_positive_int,
        ]
        .into_iter()
        .find_map(|v| v.as_ref().map(Str::as_str))
    }

    /// True when the url ends with `name` (profiles move between `fhir.nhs.uk` and
    /// `fhir.hl7.org.uk`, so only the last path segment is stable).
    pub(crate) fn is(&self, name: &str) -> bool {
        self.url.as_ref().is_some_and(|u| {
            let u = u.as_str();
            // The whole url, or its last segment: the `name.len()` bytes at the end,
            // after a `/` and holding none.
            let Some(start) = u.len().checked_sub(name.len()) else {
                return false;
            };
            let after_slash = start
                .checked_sub(1)
                .is_none_or(|before| u.as_bytes().get(before) == Some(&b'/'));
            after_slash
                && u.get(start..).is_some_and(|tail| {
                    tail.eq_ignore_ascii_case(name) && (start == 0 || !tail.contains('/'))
                })
        })
    }
}

/// Finds the first extension whose url's last segment is `name`.
pub(crate) fn find_ext<'e, 'a>(
    exts: &'e Many<Extension<'a>>,
    name: &str,
) -> Option<&'e Extension<'a>> {
    exts.iter().find(|e| e.is(name))
}

/// `Coding`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Coding<'a> {
    #[serde(borrow)]
    pub system: Option<Str<'a>>,
    #[serde(borrow)]
    pub code: Option<Str<'a>>,
    #[serde(borrow)]
    pub display: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub extension: Many<Extension<'a>>,
}

/// `CodeableConcept`. A bare code string where a concept is expected (STU3
/// `clinicalStatus` versus R4's concept) is read as a concept with that code and no system.
#[derive(Debug, Default)]
pub(crate) struct CodeableConcept<'a> {
    pub coding: Many<Coding<'a>>,
    pub text: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct ConceptFields<'a> {
    #[serde(default, borrow)]
    coding: Many<Coding<'a>>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for CodeableConcept<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ConceptVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ConceptVisitor<'a> {
            type Value = CodeableConcept<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a CodeableConcept or a code")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ConceptFields::deserialize(MapAccessDeserializer::new(map)).map(|c| {
                    CodeableConcept {
                        coding: c.coding,
                        text: c.text,
                    }
                })
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CodeableConcept::bare(Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CodeableConcept::bare(Str(Cow::Owned(v.to_owned()))))
            }
        }
        d.deserialize_any(ConceptVisitor(PhantomData))
    }
}

impl<'a> CodeableConcept<'a> {
    fn bare(code: Str<'a>) -> Self {
        CodeableConcept {
            coding: Many(vec![Coding {
                code: Some(code),
                ..Coding::default()
            }]),
            text: None,
        }
    }

    /// The first code, lower-cased comparison helper for status-like concepts.
    pub(crate) fn first_code(&self) -> Option<&str> {
        self.coding
            .iter()
            .find_map(|c| c.code.as_ref().map(Str::as_str))
    }
}

/// `Reference`. STU3 wraps some references (`requester.agent`, `performer.actor`); those
/// wrappers are read into the same type and unwrapped by [`Reference::target`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reference<'a> {
    #[serde(borrow)]
    pub reference: Option<Str<'a>>,
    #[serde(borrow)]
    pub display: Option<Str<'a>>,
    #[serde(borrow)]
    pub identifier: Option<Box<Identifier<'a>>>,
    #[serde(borrow)]
    pub agent: Option<Box<Reference<'a>>>,
    #[serde(borrow)]
    pub actor: Option<Box<Reference<'a>>>,
}

impl<'a> Reference<'a> {
    /// The reference itself, looking through STU3 `agent`/`actor` wrappers.
    pub(crate) fn target(&self) -> &Reference<'a> {
        match (&self.reference, &self.agent, &self.actor) {
            (None, Some(inner), _) | (None, None, Some(inner)) => inner.target(),
            _ => self,
        }
    }

    /// The reference string, if any.
    pub(crate) fn reference(&self) -> Option<&str> {
        self.target().reference.as_ref().map(Str::as_str)
    }

    /// The display text, if any.
    pub(crate) fn display(&self) -> Option<&str> {
        self.target().display.as_ref().map(Str::as_str)
    }
}

/// `Identifier`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identifier<'a> {
    #[serde(borrow)]
    pub system: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Str<'a>>,
}

/// `Quantity` (and `SimpleQuantity`, `Age`, `Duration`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Quantity<'a> {
    #[serde(borrow)]
    pub value: Option<Decimal<'a>>,
    #[serde(borrow)]
    pub comparator: Option<Str<'a>>,
    #[serde(borrow)]
    pub unit: Option<Str<'a>>,
    #[serde(borrow)]
    pub system: Option<Str<'a>>,
    #[serde(borrow)]
    pub code: Option<Str<'a>>,
    /// GP Connect puts the quantity's words (`tablet`) in an extension here.
    #[serde(default, borrow)]
    pub extension: Many<Extension<'a>>,
}

/// `Range`, also used for `referenceRange`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Range<'a> {
    #[serde(borrow)]
    pub low: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub high: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
}

/// `Period`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Period<'a> {
    #[serde(borrow)]
    pub start: Option<Str<'a>>,
    #[serde(borrow)]
    pub end: Option<Str<'a>>,
}

/// `Annotation` (notes and comments).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Annotation<'a> {
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
}

/// `HumanName`. DSTU2-style `family` arrays are tolerated.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HumanName<'a> {
    #[serde(rename = "use", borrow)]
    pub use_: Option<Str<'a>>,
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub family: Many<Str<'a>>,
    #[serde(default, borrow)]
    pub given: Many<Str<'a>>,
    #[serde(default, borrow)]
    pub prefix: Many<Str<'a>>,
}

/// `Address`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Address<'a> {
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
    #[serde(default, borrow)]
    pub line: Many<Str<'a>>,
    #[serde(borrow)]
    pub city: Option<Str<'a>>,
    #[serde(borrow)]
    pub district: Option<Str<'a>>,
    #[serde(borrow)]
    pub postal_code: Option<Str<'a>>,
}

/// `ContactPoint`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactPoint<'a> {
    #[serde(borrow)]
    pub system: Option<Str<'a>>,
    #[serde(borrow)]
    pub value: Option<Str<'a>>,
    #[serde(rename = "use", borrow)]
    pub use_: Option<Str<'a>>,
}

/// `Attachment` (content is never inlined into the record; only its description).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attachment<'a> {
    #[serde(borrow)]
    pub content_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub url: Option<Str<'a>>,
    #[serde(borrow)]
    pub title: Option<Str<'a>>,
    #[serde(borrow)]
    pub data: Option<Str<'a>>,
}

/// `Timing`, as far as a dosage needs it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Timing<'a> {
    #[serde(borrow)]
    pub code: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub repeat: Option<TimingRepeat<'a>>,
}

/// `Timing.repeat`: how often, and for how long.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimingRepeat<'a> {
    #[serde(borrow)]
    pub frequency: Option<Str<'a>>,
    #[serde(borrow)]
    pub period: Option<Str<'a>>,
    #[serde(borrow)]
    pub period_unit: Option<Str<'a>>,
    /// Some suppliers send one code where FHIR has a list.
    #[serde(default, borrow)]
    pub when: Many<Str<'a>>,
    #[serde(borrow)]
    pub bounds_duration: Option<Quantity<'a>>,
}

/// `Dosage` (STU3 and R4: `doseQuantity` moved into `doseAndRate`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dosage<'a> {
    #[serde(borrow)]
    pub text: Option<Str<'a>>,
    #[serde(borrow)]
    pub patient_instruction: Option<Str<'a>>,
    #[serde(borrow)]
    pub route: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub as_needed_boolean: Option<Str<'a>>,
    #[serde(borrow)]
    pub as_needed_codeable_concept: Option<CodeableConcept<'a>>,
    #[serde(borrow)]
    pub dose_range: Option<Range<'a>>,
    #[serde(borrow)]
    pub timing: Option<Timing<'a>>,
    #[serde(borrow)]
    pub dose_quantity: Option<Quantity<'a>>,
    #[serde(default, borrow)]
    pub dose_and_rate: Many<DoseAndRate<'a>>,
}

/// `Dosage.doseAndRate` (R4).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DoseAndRate<'a> {
    #[serde(borrow)]
    pub dose_quantity: Option<Quantity<'a>>,
    #[serde(borrow)]
    pub dose_range: Option<Range<'a>>,
}
