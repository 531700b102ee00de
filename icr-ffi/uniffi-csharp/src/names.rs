//! C# names for uniffi names.

use heck::{ToLowerCamelCase, ToUpperCamelCase};

/// C# reserved keywords (contextual ones are valid identifiers and left alone).
const KEYWORDS: &[&str] = &[
    "abstract",
    "as",
    "base",
    "bool",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "checked",
    "class",
    "const",
    "continue",
    "decimal",
    "default",
    "delegate",
    "do",
    "double",
    "else",
    "enum",
    "event",
    "explicit",
    "extern",
    "false",
    "finally",
    "fixed",
    "float",
    "for",
    "foreach",
    "goto",
    "if",
    "implicit",
    "in",
    "int",
    "interface",
    "internal",
    "is",
    "lock",
    "long",
    "namespace",
    "new",
    "null",
    "object",
    "operator",
    "out",
    "override",
    "params",
    "private",
    "protected",
    "public",
    "readonly",
    "ref",
    "return",
    "sbyte",
    "sealed",
    "short",
    "sizeof",
    "stackalloc",
    "static",
    "string",
    "struct",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "uint",
    "ulong",
    "unchecked",
    "unsafe",
    "ushort",
    "using",
    "virtual",
    "void",
    "volatile",
    "while",
];

fn escape(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) {
        format!("@{name}")
    } else {
        name
    }
}

/// A type, method, property or enum member: `PascalCase`.
pub(crate) fn pascal(name: &str) -> String {
    escape(name.to_upper_camel_case())
}

/// A parameter or local: `camelCase`.
pub(crate) fn camel(name: &str) -> String {
    escape(name.to_lower_camel_case())
}

/// A property of a class: `PascalCase`, and never the class's own name (C# forbids a
/// member named like its enclosing type).
pub(crate) fn member(name: &str, enclosing: &str) -> String {
    let n = pascal(name);
    if n == enclosing {
        format!("{n}Value")
    } else {
        n
    }
}

/// The C# name of an error type: `…Error` becomes `…Exception`.
pub(crate) fn exception(name: &str) -> String {
    match name.strip_suffix("Error") {
        Some(stem) => format!("{}Exception", pascal(stem)),
        None => pascal(name),
    }
}

/// XML doc comment lines at `indent`.
pub(crate) fn doc(docstring: Option<&str>, indent: &str) -> String {
    let Some(text) = docstring.map(str::trim).filter(|t| !t.is_empty()) else {
        return String::new();
    };
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut out = format!("{indent}/// <summary>\n");
    for line in escaped.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
    out.push_str(&format!("{indent}/// </summary>\n"));
    out
}

/// A C# string literal.
pub(crate) fn string_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
