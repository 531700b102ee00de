//! Reading a whole JSON document: limits first, one fast typed pass, and a tolerant
//! per-resource pass only when the fast pass meets a resource it cannot read.

use crate::json_problem::JsonProblem;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::dispatch::{Invalid, Resource, is_id, is_type_name};
use super::lenient::{Many, Str};
use super::resources::{Bundle, BundleEntry};
use crate::ingest::IngestError;

/// Reads `bytes` as one FHIR resource (usually a Bundle).
///
/// A resource inside a Bundle that has an unexpected shape does not fail the document: it
/// becomes [`Resource::Invalid`] with the reason, and the rest is read as usual.
///
/// The document is parsed as it was sent, indentation and all: a pass that first copied it
/// without its indentation (so that serde_json would not step over it a byte at a time)
/// was measured to cost as much as it saved on large pretty-printed records, more on
/// tab-indented ones, and about a tenth of the reading on small documents, and was removed.
pub(crate) fn parse(bytes: &[u8], max_bytes: usize) -> Result<Resource<'_>, IngestError> {
    if bytes.len() > max_bytes {
        return Err(IngestError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(IngestError::Empty),
        Some(b'{') => {}
        Some(b'[') => {
            return Err(IngestError::NotAResource {
                found: "a JSON array",
            });
        }
        Some(b'"') => {
            return Err(IngestError::NotAResource {
                found: "a JSON string",
            });
        }
        Some(_) => {
            // Let the parser say where the JSON is broken, or name the scalar it found.
            return Err(match serde_json::from_slice::<&RawValue>(bytes) {
                Ok(_) => IngestError::NotAResource {
                    found: "a JSON scalar",
                },
                Err(e) => json_error(&e),
            });
        }
    }
    match typed(bytes) {
        // Members the record does not read are skipped without a depth limit (safely,
        // without recursion); an object that is nothing but such nesting is named as such.
        Ok(Resource::Untyped(_)) if nesting_exceeds(bytes, MAX_DEPTH) => Err(IngestError::TooDeep),
        Ok(resource) => Ok(resource),
        Err(e) if e.classify() == serde_json::error::Category::Data => tolerant(bytes),
        Err(e) => Err(json_error(&e)),
    }
}

/// The fast typed pass. Checked as UTF-8 once, the parser reads every string without
/// checking it again; a document that is not UTF-8 throughout is read as bytes, where only
/// the strings the record reads are checked (a stray byte in an element it skips loses
/// nothing).
fn typed(bytes: &[u8]) -> Result<Resource<'_>, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Resource>(text),
        Err(_) => serde_json::from_slice::<Resource>(bytes),
    }
}

/// serde_json's own recursion limit.
const MAX_DEPTH: usize = 128;

/// True when arrays and objects nest deeper than `limit` (strings are skipped).
fn nesting_exceeds(bytes: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The slow path: a Bundle whose entries are read one by one, so that one bad resource is
/// reported instead of failing the file.
fn tolerant(bytes: &[u8]) -> Result<Resource<'_>, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|_| IngestError::InvalidUtf8)?;
    let raw: &RawValue = serde_json::from_str(text).map_err(|e| json_error(&e))?;
    read_tolerant(raw)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LooseBundle<'a> {
    #[serde(borrow)]
    resource_type: Option<Str<'a>>,
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(default, borrow)]
    entry: Many<LooseEntry<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LooseEntry<'a> {
    #[serde(borrow)]
    full_url: Option<Str<'a>>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

fn read_tolerant(raw: &RawValue) -> Result<Resource<'_>, IngestError> {
    let strict = serde_json::from_str::<Resource>(raw.get());
    let strict_err = match strict {
        Ok(r) => return Ok(r),
        Err(e) => e,
    };
    let loose: LooseBundle = match serde_json::from_str(raw.get()) {
        Ok(b) => b,
        Err(_) => {
            return Err(IngestError::InvalidResource {
                reason: JsonProblem::of(&strict_err).to_string(),
            });
        }
    };
    if loose.resource_type.as_ref().map(Str::as_str) != Some("Bundle") {
        return Err(IngestError::InvalidResource {
            reason: JsonProblem::of(&strict_err).to_string(),
        });
    }
    let entry = loose
        .entry
        .0
        .into_iter()
        .map(|e| BundleEntry {
            full_url: e.full_url,
            resource: e.resource.map(read_entry),
        })
        .collect();
    Ok(Resource::Bundle(Box::new(Bundle {
        id: loose.id,
        entry: Many(entry),
        ..Bundle::default()
    })))
}

fn read_entry(raw: &RawValue) -> Resource<'_> {
    match read_tolerant(raw) {
        Ok(r) => r,
        Err(err) => {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Head<'a> {
                #[serde(borrow)]
                resource_type: Option<Str<'a>>,
                #[serde(borrow)]
                id: Option<Str<'a>>,
            }
            let head: Option<Head> = serde_json::from_str(raw.get()).ok();
            Resource::Invalid(Box::new(Invalid {
                // Named in reports only when they are a type name and an id: anything
                // else would be echoed as the source wrote it.
                resource_type: head
                    .as_ref()
                    .and_then(|h| h.resource_type.as_ref())
                    .map(|s| s.as_str())
                    .map(|t| {
                        if is_type_name(t) {
                            t
                        } else {
                            "(invalid resourceType)"
                        }
                    })
                    .map(str::to_owned),
                id: head
                    .as_ref()
                    .and_then(|h| h.id.as_ref())
                    .map(|s| s.as_str())
                    .map(|id| if is_id(id) { id } else { "(invalid id)" })
                    .map(str::to_owned),
                reason: match err {
                    IngestError::InvalidResource { reason } => reason,
                    other => other.to_string(),
                },
            }))
        }
    }
}

fn json_error(e: &serde_json::Error) -> IngestError {
    if e.to_string().starts_with("recursion limit exceeded") {
        return IngestError::TooDeep;
    }
    match e.classify() {
        serde_json::error::Category::Eof => IngestError::Truncated {
            line: e.line(),
            column: e.column(),
        },
        _ => IngestError::InvalidJson {
            line: e.line(),
            column: e.column(),
            problem: JsonProblem::of(e).problem,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1 << 20;

    #[test]
    fn a_bad_resource_inside_a_bundle_is_reported_and_the_rest_is_read() {
        let json = br#"{"resourceType":"Bundle","type":"collection","entry":[
            {"resource":{"resourceType":"Condition","id":"ok","code":{"text":"Asthma"}}},
            {"resource":{"resourceType":"Condition","id":"bad","code":{"coding":{"code":{"x":1}}}}}
        ]}"#;
        let Ok(Resource::Bundle(b)) = parse(json, MAX) else {
            panic!("expected a bundle");
        };
        assert!(matches!(
            b.entry.0[0].resource,
            Some(Resource::Condition(_))
        ));
        match &b.entry.0[1].resource {
            Some(Resource::Invalid(i)) => {
                assert_eq!(i.resource_type.as_deref(), Some("Condition"));
                assert_eq!(i.id.as_deref(), Some("bad"));
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_problem_without_quoting_data() {
        let e = parse(
            br#"{"resourceType":"Patient","name":[{"family":{"a":"Smith"}}]}"#,
            MAX,
        );
        let msg = e
            .map(|_| ())
            .map_err(|e| e.to_string())
            .err()
            .unwrap_or_default();
        assert!(!msg.contains("Smith"), "{msg}");
        assert!(matches!(
            parse(b"[1,2]", MAX),
            Err(IngestError::NotAResource { .. })
        ));
        assert!(matches!(
            parse(b"{\"a\":", MAX),
            Err(IngestError::Truncated { .. })
        ));
        assert!(matches!(
            parse(b"{\"a\" 1}", MAX),
            Err(IngestError::InvalidJson { .. })
        ));
        assert!(matches!(parse(b"   ", MAX), Err(IngestError::Empty)));
        assert!(matches!(
            parse(&[b' '; 64], 10),
            Err(IngestError::TooLarge { .. })
        ));
        let deep = format!("{}{}", "{\"a\":[".repeat(100_000), "]}".repeat(100_000));
        let r = parse(deep.as_bytes(), 1 << 30);
        assert!(matches!(r, Err(IngestError::TooDeep)), "{r:?}");
    }
}
