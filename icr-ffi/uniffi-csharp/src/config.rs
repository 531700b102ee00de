//! The `[bindings.csharp]` section of `uniffi.toml`.

use anyhow::{Context, Result};
use camino::Utf8Path;

/// Settings of the generated C#.
pub(crate) struct Config {
    /// The C# namespace (default: the uniffi namespace in PascalCase).
    pub namespace: Option<String>,
    /// The native library name for `DllImport` (default: the library file's stem without
    /// `lib`).
    pub cdylib_name: String,
    /// `Type.method` or item names to leave out, as uniffi's own `exclude`.
    pub exclude: Vec<String>,
}

impl Config {
    pub(crate) fn read(path: Option<&Utf8Path>, library: &Utf8Path) -> Result<Config> {
        let stem = library.file_stem().unwrap_or("uniffi");
        let default_name = stem.strip_prefix("lib").unwrap_or(stem).to_owned();
        let Some(path) = path else {
            return Ok(Config {
                namespace: None,
                cdylib_name: default_name,
                exclude: Vec::new(),
            });
        };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let table: toml::Table =
            toml::from_str(&text).with_context(|| format!("parsing {path}"))?;
        let section = table
            .get("bindings")
            .and_then(|b| b.get("csharp"))
            .and_then(|c| c.as_table());
        let string = |key: &str| {
            section
                .and_then(|s| s.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let exclude = section
            .and_then(|s| s.get("exclude"))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Config {
            namespace: string("namespace"),
            cdylib_name: string("cdylib_name").unwrap_or(default_name),
            exclude,
        })
    }
}
