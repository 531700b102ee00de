//! One rule for record text on a screen: control and bidirectional-formatting characters
//! are made visible, never emitted.
//!
//! Record text comes from other organisations' systems. Emitted raw, an ESC sequence
//! repaints or clears a terminal, a CR LF in a name forges a banner line, BEL and BS
//! annoy or hide, and a right-to-left override reorders what a clinician reads (in a
//! terminal and in HTML alike). Every output of the SDK that shows record text to a
//! person passes it through here: [`for_terminal`] for the text summary and the `icr`
//! command's reports, [`for_html`] for the panel (which keeps TAB and LF, harmless in
//! HTML, and what notes use for their lines).
//!
//! C0 controls and DEL become their Unicode "control pictures" (ESC is `␛`, LF `␊`), C1
//! controls, the bidirectional formatting characters and the line and paragraph
//! separators become `<U+202E>`. Nothing is dropped, so what the source sent can still
//! be read.

use std::borrow::Cow;
use std::fmt::Write;

/// Text for a terminal line: every control character made visible.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    made_visible(s, false)
}

/// Text for HTML: as [`for_terminal`], but TAB and LF kept (CR LF and CR are already
/// LF, as the HTML parser reads them).
pub fn for_html(s: &str) -> Cow<'_, str> {
    made_visible(s, true)
}

/// True for a character [`for_terminal`] never emits.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_format_control(c)
}

/// Bidirectional formatting, and the Unicode line and paragraph separators.
fn is_format_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}'
    )
}

fn made_visible(s: &str, keep_layout: bool) -> Cow<'_, str> {
    let kept = |c: char| keep_layout && matches!(c, '\t' | '\n');
    if !s.chars().any(|c| is_hidden(c) && !kept(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if kept(c) || !is_hidden(c) => out.push(c),
            // U+2400..U+241F: SYMBOL FOR NULL .. SYMBOL FOR UNIT SEPARATOR.
            '\u{0}'..='\u{1F}' => {
                out.push(char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}'))
            }
            '\u{7F}' => out.push('\u{2421}'),
            other => {
                let _ = write!(out, "<U+{:04X}>", u32::from(other));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_made_visible_and_nothing_is_dropped() {
        assert_eq!(for_terminal("plain text"), Cow::Borrowed("plain text"));
        assert_eq!(for_terminal("a\u{1b}[31mred"), "a\u{241b}[31mred");
        assert_eq!(
            for_terminal("SMITH\r\nNHS No. 999"),
            "SMITH\u{240d}\u{240a}NHS No. 999"
        );
        assert_eq!(
            for_terminal("bell\u{7}\u{8}\u{7f}"),
            "bell\u{2407}\u{2408}\u{2421}"
        );
        assert_eq!(for_terminal("abc\u{202E}fed"), "abc<U+202E>fed");
        assert_eq!(for_terminal("c1\u{85}"), "c1<U+0085>");
        assert_eq!(
            for_html("line 1\nline 2\tx\u{1b}"),
            "line 1\nline 2\tx\u{241b}"
        );
        assert_eq!(for_html("\u{2066}x\u{2069}"), "<U+2066>x<U+2069>");
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            let s = c.to_string();
            assert!(!for_terminal(&s).chars().any(is_hidden), "{c:?}");
            assert!(
                !for_html(&s)
                    .chars()
                    .any(|x| is_hidden(x) && x != '\t' && x != '\n'),
                "{c:?}"
            );
        }
    }
}
