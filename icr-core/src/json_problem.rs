//! What went wrong reading a JSON document, said without the document's values.
//!
//! serde_json's messages quote the value they stopped at (`invalid type: string "Jane
//! Smith", expected u32`), and that value can be patient data. Every parser in the SDK
//! (FHIR documents, policies, packs, directories, the panel's summary JSON) reports its
//! errors through [`JsonProblem`], which keeps only what is the parser's or the schema's
//! own: the kind of problem, field names the schema declares or the input used as keys
//! (when they look like identifiers), serde's expectations, and the position.

use std::fmt;

/// A JSON problem without the document's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    /// Line of the problem (1-based).
    pub line: usize,
    /// Column of the problem (1-based).
    pub column: usize,
    /// What the parser found wrong: no value of the document is quoted.
    pub problem: String,
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.problem, self.line, self.column
        )
    }
}

/// The longest field name kept (longer is unlikely to be a field).
const MAX_NAME: usize = 64;

impl JsonProblem {
    /// The problem `e` describes, its quoted values removed.
    pub fn of(e: &serde_json::Error) -> JsonProblem {
        JsonProblem {
            line: e.line(),
            column: e.column(),
            problem: without_values(&e.to_string()),
        }
    }
}

/// serde's message without its position suffix, each double-quoted part (a value) and
/// each back-ticked part that is not the parser's own replaced by `…`. A back-ticked part
/// is kept after `field ` (a field name) when it is an identifier, and after `expected`
/// (serde's own list of what it wanted: punctuation, a type, declared names).
fn without_values(message: &str) -> String {
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(['"', '`']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let quote = from.chars().next().unwrap_or('"');
        let inner = &from[1..];
        let Some(end) = inner.find(quote) else {
            // An unterminated quote: drop the rest, it may be a value.
            out.push('…');
            return out;
        };
        let text = &inner[..end];
        let ours = quote == '`'
            && (out.ends_with("field ") && is_identifier(text) || out.contains("expected"));
        if ours {
            out.push('`');
            out.push_str(text);
            out.push('`');
        } else {
            out.push('…');
        }
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    out
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Config {
        count: u32,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        GpConnect,
        FhirR4,
    }

    fn problem(json: &str) -> JsonProblem {
        JsonProblem::of(&serde_json::from_str::<Config>(json).unwrap_err())
    }

    #[test]
    fn a_value_of_the_wrong_type_is_not_quoted() {
        let p = problem(r#"{"count": "Jane Smith 9990000026", "kind": "fhir_r4"}"#);
        assert!(!p.problem.contains("Jane"), "{p}");
        assert!(!p.problem.contains("9990000026"), "{p}");
        assert!(p.problem.starts_with("invalid type: string …"), "{p}");
        assert_eq!((p.line, p.column), (1, 33));
        assert!(p.to_string().ends_with("(line 1, column 33)"), "{p}");
    }

    #[test]
    fn an_unknown_variant_is_not_quoted_and_the_expected_ones_are() {
        let p = problem(r#"{"count": 1, "kind": "Jane"}"#);
        assert!(!p.problem.contains("Jane"), "{p}");
        assert!(p.problem.contains("`gp_connect`"), "{p}");
        assert!(p.problem.contains("`fhir_r4`"), "{p}");
    }

    #[test]
    fn field_names_are_kept_when_they_look_like_fields() {
        assert!(
            problem(r#"{"count": 1}"#)
                .problem
                .contains("missing field `kind`")
        );
        let unknown = problem(r#"{"count": 1, "kind": "fhir_r4", "colour": 2}"#);
        assert!(
            unknown.problem.contains("unknown field `colour`"),
            "{unknown}"
        );
        let sentence =
            problem(r#"{"count": 1, "kind": "fhir_r4", "Jane Smith lives at 1 Hill Rd": 2}"#);
        assert!(!sentence.problem.contains("Jane"), "{sentence}");
    }

    #[test]
    fn syntax_errors_keep_what_was_expected() {
        let p = problem(r#"{"count": 1 "kind": "fhir_r4"}"#);
        assert!(p.problem.contains("expected `,` or `}`"), "{p}");
        let s = JsonProblem::of(&serde_json::from_str::<String>(r#""Jane Smith"#).unwrap_err());
        assert!(!s.problem.contains("Jane"), "{s}");
    }
}
