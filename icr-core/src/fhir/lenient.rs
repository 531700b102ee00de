//! Tolerant leaf types for FHIR JSON as suppliers really send it.
//!
//! Real feeds put a single object where the spec wants an array, send numbers as strings
//! and strings as numbers. These types accept those forms without copying: text is
//! borrowed from the input wherever it has no escapes, and decimals keep their exact
//! text (`4.0` stays `4.0`, never round-tripped through a float).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A FHIR primitive carried as text (`string`, `code`, `uri`, `dateTime`, …).
///
/// Numbers and booleans are accepted and kept as their JSON text, because suppliers send
/// `"valueInteger": "3"` as readily as `"value": 3`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Str<'a>(pub Cow<'a, str>);

impl<'a> Str<'a> {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a FHIR primitive (string, number or boolean)")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(if v { "true" } else { "false" })))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            /// A one-element array where a primitive belongs (`"code": ["d"]`) is read as
            /// its first element; an empty one as empty text.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first: Option<Str<'a>> = seq.next_element()?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(first.unwrap_or_default())
            }
        }
        deserializer.deserialize_any(StrVisitor(PhantomData))
    }
}

/// A FHIR `decimal`, kept as the exact text that was sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decimal<'a>(&'a RawValue);

impl<'a> Decimal<'a> {
    /// The number as written in the source (`"4.0"`), or `None` when the value is not a number
    /// (suppliers sometimes send a string; a numeric string is accepted).
    pub(crate) fn text(&self) -> Option<&'a str> {
        let raw = self.0.get().trim();
        let inner = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        let looks_numeric = !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            && inner.bytes().any(|b| b.is_ascii_digit());
        looks_numeric.then_some(inner)
    }

    /// The number as it is shown: as written when it is a finite number; a value a
    /// double cannot hold (`1e400`) or that is not a number in FHIR's grammar is shown
    /// as written with "(not a valid number, as recorded)", never as a plain value.
    pub(crate) fn shown(&self) -> Option<std::borrow::Cow<'a, str>> {
        let text = self.text()?;
        // Only an exponent (or hundreds of digits) can take a number past a double.
        let plain = !text.contains(['e', 'E']) && text.len() < 300;
        if plain || text.parse::<f64>().is_ok_and(f64::is_finite) {
            Some(std::borrow::Cow::Borrowed(text))
        } else {
            Some(std::borrow::Cow::Owned(format!(
                "{text} (not a valid number, as recorded)"
            )))
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Decimal<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(deserializer).map(Decimal)
    }
}

/// A list that some suppliers send as a single value: `[x, y]`, `x` and `null` are all read.
#[derive(Debug, Clone)]
pub struct Many<T>(pub Vec<T>);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(Vec::new())
    }
}

impl<T> Many<T> {
    /// The values in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
    /// The first value, if any.
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }
    /// True when nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, T> IntoIterator for &'a Many<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ManyVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            /// Most lists in a record hold one value (a coding, an extension, a profile):
            /// that one is allocated alone, where a growing `Vec` would reserve room for
            /// four (over a kilobyte for an extension, past the allocator's fast path).
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let Some(first) = seq.next_element()? else {
                    return Ok(Many(Vec::new()));
                };
                let Some(second) = seq.next_element()? else {
                    return Ok(Many(vec![first]));
                };
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(2).saturating_add(2));
                all.push(first);
                all.push(second);
                while let Some(next) = seq.next_element()? {
                    all.push(next);
                }
                Ok(Many(all))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|v| Many(vec![v]))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                T::deserialize(BorrowedStrDeserializer::new(v)).map(|v| Many(vec![v]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StringDeserializer::new(v.to_owned()))
                    .map(|v| Many(vec![v]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                T::deserialize(de::value::BoolDeserializer::new(v)).map(|v| Many(vec![v]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(de::value::I64Deserializer::new(v)).map(|v| Many(vec![v]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(de::value::U64Deserializer::new(v)).map(|v| Many(vec![v]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(de::value::F64Deserializer::new(v)).map(|v| Many(vec![v]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Many(Vec::new()))
            }
        }
        deserializer.deserialize_any(ManyVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize as DeriveDeserialize;

    #[derive(DeriveDeserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        s: Option<Str<'a>>,
        #[serde(default, borrow)]
        m: Many<Str<'a>>,
        #[serde(borrow)]
        d: Option<Decimal<'a>>,
    }

    #[test]
    fn text_is_borrowed_and_numbers_are_kept_as_text() -> Result<(), serde_json::Error> {
        let p: Probe = serde_json::from_str(r#"{"s":"plain","m":"one","d":4.0}"#)?;
        assert!(matches!(
            p.s.as_ref().map(|s| &s.0),
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(p.m.0.len(), 1);
        assert_eq!(p.d.and_then(|d| d.text()), Some("4.0"));
        let p: Probe = serde_json::from_str(r#"{"s":12,"m":["a","b"],"d":"0.50"}"#)?;
        assert_eq!(p.s.map(|s| s.0.into_owned()), Some("12".to_owned()));
        assert_eq!(p.m.0.len(), 2);
        assert_eq!(p.d.and_then(|d| d.text()), Some("0.50"));
        let p: Probe = serde_json::from_str(r#"{"s":["d"],"m":null,"d":"high"}"#)?;
        assert_eq!(p.s.map(|s| s.0.into_owned()), Some("d".to_owned()));
        assert!(p.m.is_empty());
        assert_eq!(p.d.and_then(|d| d.text()), None);
        Ok(())
    }

    #[test]
    fn escaped_text_is_decoded() -> Result<(), serde_json::Error> {
        let p: Probe = serde_json::from_str(r#"{"s":"a\"b\u00e9"}"#)?;
        assert_eq!(p.s.map(|s| s.0.into_owned()), Some("a\"bé".to_owned()));
        Ok(())
    }
}
