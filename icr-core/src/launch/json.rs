//! Strict JSON for JOSE headers and claims: one object, no duplicate member names at any
//! level, bounded nesting.
//!
//! `serde_json` keeps the last of two members with the same name; other JWT libraries keep
//! the first. A token like `{"alg":"RS256","alg":"none"}` therefore means different things
//! to different readers (RFC 7515 section 5.2 lets a reader refuse it, and RFC 8725 asks
//! it to). The visitor below builds the value itself and refuses a repeated name, after
//! unescaping, so `"a"` and `"\u0061"` count as the same name.
//!
//! Nesting is capped at [`MAX_DEPTH`] containers, well below `serde_json`'s own recursion
//! limit of 128, so a deeply nested claim is a typed error and never a stack overflow.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::error::{LaunchError, TokenPart};

/// Deepest nesting of arrays and objects accepted (the top-level object counts as one).
pub(crate) const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Duplicate,
    TooDeep,
}

/// Parses `bytes` as one JSON object under the rules above.
pub(crate) fn parse_object(
    bytes: &[u8],
    part: TokenPart,
) -> Result<Map<String, Value>, LaunchError> {
    let fault = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Seed {
        depth: 0,
        fault: &fault,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(LaunchError::NotAnObject { part }),
        Err(e) => Err(match fault.get() {
            Some(Fault::Duplicate) => LaunchError::DuplicateMember { part },
            Some(Fault::TooDeep) => LaunchError::TooDeep {
                part,
                limit: MAX_DEPTH,
            },
            // serde_json's own limit; unreachable while MAX_DEPTH < 128, kept as a guard.
            None if e.to_string().starts_with("recursion limit exceeded") => LaunchError::TooDeep {
                part,
                limit: MAX_DEPTH,
            },
            None => LaunchError::InvalidJson { part },
        }),
    }
}

/// Builds a `Value`, recording why it gave up so the caller can report a typed error
/// (serde's own error text would quote the input).
#[derive(Clone, Copy)]
struct Seed<'a> {
    /// Containers enclosing the value being read.
    depth: usize,
    fault: &'a Cell<Option<Fault>>,
}

impl<'a> Seed<'a> {
    fn enter<E: de::Error>(self) -> Result<Seed<'a>, E> {
        if self.depth >= MAX_DEPTH {
            self.fault.set(Some(Fault::TooDeep));
            return Err(E::custom("nesting too deep"));
        }
        Ok(Seed {
            depth: self.depth + 1,
            fault: self.fault,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so this is always a number.
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let child = self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let child = self.enter()?;
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                self.fault.set(Some(Fault::Duplicate));
                return Err(de::Error::custom("duplicate member name"));
            }
            let value = map.next_value_seed(child)?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: TokenPart = TokenPart::Claims;

    #[test]
    fn accepts_plain_objects() {
        let map = parse_object(br#"{"a":1,"b":[true,null,"x",{"c":1.5}]}"#, C).unwrap();
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn refuses_duplicates_at_any_level_even_when_escaped() {
        let dup = Err(LaunchError::DuplicateMember { part: C });
        assert_eq!(parse_object(br#"{"a":1,"a":2}"#, C), dup);
        assert_eq!(parse_object(br#"{"a":1,"\u0061":2}"#, C), dup);
        assert_eq!(parse_object(br#"{"x":{"b":1,"b":1}}"#, C), dup);
        assert_eq!(parse_object(br#"{"x":[{"b":1,"b":1}]}"#, C), dup);
    }

    #[test]
    fn refuses_non_objects_trailing_text_and_bad_utf8() {
        assert_eq!(
            parse_object(b"[1]", C),
            Err(LaunchError::NotAnObject { part: C })
        );
        let bad = Err(LaunchError::InvalidJson { part: C });
        assert_eq!(parse_object(b"{} {}", C), bad);
        assert_eq!(parse_object(b"", C), bad);
        assert_eq!(parse_object(b"{\"a\":\"\xff\"}", C), bad);
        assert_eq!(parse_object(br#"{"a":"\ud800"}"#, C), bad);
    }

    #[test]
    fn depth_is_bounded_without_stack_overflow() {
        let at_limit = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let ok = format!("{{\"a\":{}}}", at_limit.get(1..at_limit.len() - 1).unwrap());
        assert!(parse_object(ok.as_bytes(), C).is_ok());
        let deep = Err(LaunchError::TooDeep {
            part: C,
            limit: MAX_DEPTH,
        });
        let over = format!("{{\"a\":{at_limit}}}");
        assert_eq!(parse_object(over.as_bytes(), C), deep);
        let huge = format!("{{\"a\":{}}}", "[".repeat(100_000));
        assert_eq!(parse_object(huge.as_bytes(), C), deep);
        let objects = format!("{}1", "{\"a\":".repeat(100_000));
        assert_eq!(parse_object(objects.as_bytes(), C), deep);
    }
}
