//! A document's JSON without the indentation of its lines, for the parser.
//!
//! Suppliers send FHIR pretty-printed: over half of a GP Connect record's bytes are
//! indentation. serde_json steps over whitespace a byte at a time between every token,
//! which callgrind showed to be the largest single cost of reading a record. Here the
//! line breaks are found with SIMD (`memchr`), each line is copied whole, and the
//! whitespace after each break is skipped eight bytes at a time.
//!
//! The line break itself stays, which makes the compact text the same JSON for every
//! input, valid or not: outside a string, whitespace after a break separates nothing the
//! break does not already separate; inside a string a raw line break is an error (JSON
//! forbids control characters there), and it still is. Strings, numbers and literals are
//! copied byte for byte. What the parser cannot read in the compact text is read again
//! from the original, so errors give the source's own lines and columns.
//!
//! Hand-written because minifiers parse the document into a tree first, which is the
//! cost this removes.

use std::cell::Cell;

/// The largest buffer a thread keeps for its next document (larger ones are freed).
const KEEP_AT_MOST: usize = 16 << 20;

/// Runs `f` with a buffer for the compact text: the one the thread's last document used,
/// emptied, when there is one. A fresh buffer of a few megabytes is new memory, which the
/// kernel hands over a page at a time (a fault per 4 KB) on every document; a kept one
/// is not. A nested call gets a buffer of its own.
pub(crate) fn with_buffer<T>(f: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    thread_local! {
        static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    }
    let mut buffer = SPARE.take();
    let out = f(&mut buffer);
    buffer.clear();
    if buffer.capacity() <= KEEP_AT_MOST {
        SPARE.set(buffer);
    }
    out
}

/// JSON's insignificant whitespace (RFC 8259 §2).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// Eight spaces, as one word.
const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);

/// How many bytes at the start of `rest` are whitespace.
fn leading_space(rest: &[u8]) -> usize {
    let mut skipped = 0;
    let mut words = rest.chunks_exact(8);
    for word in words.by_ref() {
        let all_spaces = <[u8; 8]>::try_from(word).is_ok_and(|w| u64::from_ne_bytes(w) == SPACES);
        if !all_spaces {
            break;
        }
        skipped += 8;
    }
    let tail = rest.get(skipped..).unwrap_or_default();
    skipped
        + tail
            .iter()
            .position(|&b| !is_space(b))
            .unwrap_or(tail.len())
}

/// Lines longer than this on average (a document on one line, or one carrying a large
/// attachment) are read as they are: there is little indentation to save and a whole copy
/// to pay.
const LONGEST_AVERAGE_LINE: usize = 256;

/// The text to parse: `bytes` without its indentation (built in `buffer`) when its lines
/// are short enough for that to pay, otherwise `bytes` itself.
pub(crate) fn for_parsing<'b>(bytes: &'b [u8], buffer: &'b mut Vec<u8>) -> &'b [u8] {
    let lines = memchr::memchr_iter(b'\n', bytes).count();
    if lines.saturating_mul(LONGEST_AVERAGE_LINE) < bytes.len() {
        return bytes;
    }
    compact_into(bytes, buffer);
    buffer
}

/// `bytes` without the indentation after each line break, into `out` (cleared first).
pub(crate) fn compact_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(bytes.len());
    let mut copied_to = 0;
    for at in memchr::memchr_iter(b'\n', bytes) {
        if at < copied_to {
            continue;
        }
        // The line, its break included; then past the whitespace that follows.
        let line_end = at + 1;
        out.extend_from_slice(bytes.get(copied_to..line_end).unwrap_or_default());
        copied_to = line_end + leading_space(bytes.get(line_end..).unwrap_or_default());
    }
    out.extend_from_slice(bytes.get(copied_to..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_reuses_its_buffer_emptied_and_a_nested_call_gets_its_own() {
        let first = with_buffer(|b| {
            b.extend_from_slice(b"{\n  \"resourceType\": \"Patient\"\n}");
            b.as_ptr()
        });
        with_buffer(|b| {
            assert!(b.is_empty(), "the last document's text is gone");
            assert_eq!(b.as_ptr(), first, "the same memory, not a fresh buffer");
            with_buffer(|inner| assert_eq!(inner.capacity(), 0));
        });
    }

    fn compact(s: &str) -> String {
        let mut out = Vec::new();
        compact_into(s.as_bytes(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    fn value(s: &str) -> Option<serde_json::Value> {
        serde_json::from_str(s).ok()
    }

    #[test]
    fn indentation_goes_and_everything_else_stays_byte_for_byte() {
        let pretty = "{\n    \"a b\": [1, 2.50,\ttrue],\r\n  \t      \"c\":  \"x \\\" y\\\\\" ,\n\"d\":\"\"\n}\n";
        assert_eq!(
            compact(pretty),
            "{\n\"a b\": [1, 2.50,\ttrue],\r\n\"c\":  \"x \\\" y\\\\\" ,\n\"d\":\"\"\n}\n"
        );
        assert_eq!(value(&compact(pretty)), value(pretty));
        assert_eq!(compact("{\"a\": 1}"), "{\"a\": 1}");
    }

    #[test]
    fn long_lines_are_read_as_they_are() {
        let one_line = format!("{{\"data\": \"{}\"}}\n  ", "A".repeat(1000));
        let mut buffer = Vec::new();
        assert_eq!(
            for_parsing(one_line.as_bytes(), &mut buffer),
            one_line.as_bytes()
        );
        let pretty = "{\n    \"a\": 1\n}";
        assert_eq!(
            for_parsing(pretty.as_bytes(), &mut buffer),
            b"{\n\"a\": 1\n}"
        );
    }

    #[test]
    fn what_the_parser_refuses_stays_refused() {
        for broken in [
            "{\"a\": 1\n   2}",
            "{\"a\": \"x\n   y\"}",
            "{\"a\": \"open\n    ",
            "[true\n        false]",
        ] {
            assert!(value(broken).is_none(), "{broken}");
            assert!(value(&compact(broken)).is_none(), "{broken}");
        }
    }

    proptest::proptest! {
        /// Any JSON value, pretty-printed, compacts to the same value and loses every
        /// indentation.
        #[test]
        fn pretty_json_compacts_to_the_same_value(
            texts in proptest::collection::vec(proptest::prelude::any::<String>(), 0..6),
            numbers in proptest::collection::vec(-1e12f64..1e12, 0..4),
            flags in proptest::collection::vec(proptest::prelude::any::<Option<bool>>(), 0..4),
        ) {
            let v = serde_json::json!({
                "texts": texts, "numbers": numbers, "flags": flags,
                "nested": [{ "first": texts.first() }, []],
            });
            let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
            let compacted = compact(&pretty);
            proptest::prop_assert!(!compacted.contains("\n "));
            proptest::prop_assert!(value(&pretty).is_some());
            proptest::prop_assert_eq!(value(&compacted), value(&pretty));
        }

        /// Any text at all: the compact text is valid JSON exactly when the original is,
        /// and then holds the same value.
        #[test]
        fn any_text_is_read_the_same(text in "[ \n\t\r\"\\\\a1,:\\[\\]{}]{0,32}") {
            proptest::prop_assert_eq!(value(&compact(&text)), value(&text));
        }
    }
}
