//! The directory of participating organisations: who holds part of the record and how
//! to ask them for it. The format is documented in `docs/directory.md`.

use crate::json_problem::JsonProblem;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::model::{CareSetting, Organisation};

/// Longest overall deadline a directory may set (ten minutes).
const MAX_DEADLINE_MS: u64 = 600_000;
/// Largest directory file read, in bytes.
const MAX_DIRECTORY_BYTES: usize = 4 * 1024 * 1024;

/// Why a directory could not be read. Messages name the rule and at most a field name
/// or a source's position, never a value (a value may be a token).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The file could not be read.
    #[error("directory file cannot be read: {0}")]
    Io(String),
    /// The file is larger than 4 MiB.
    #[error("directory file is over 4 MiB")]
    TooLarge,
    /// The JSON is not a directory (syntax, a missing or unknown field, a wrong type).
    #[error("directory is not valid at line {line}, column {column}: {problem}")]
    Invalid {
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// What is wrong, without values.
        problem: String,
    },
    /// A source breaks a rule.
    #[error("source {index} ({ods_code}): {problem}")]
    Source {
        /// Position in `sources` (0-based).
        index: usize,
        /// Its ODS code, when it is a safe identifier (else `?`).
        ods_code: String,
        /// Which rule.
        problem: &'static str,
    },
    /// `deadline_ms` is 0 or over ten minutes.
    #[error("deadline_ms must be between 1 and 600000")]
    Deadline,
    /// Two sources share an ODS code.
    #[error("two sources have the ODS code {0}")]
    DuplicateOdsCode(String),
    /// A GP Connect source needs `consumer.asid` (the Ssp-From header).
    #[error("a gp-connect-structured source needs consumer.asid")]
    ConsumerAsidMissing,
}

/// How a source is asked for the record.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SourceKind {
    /// GP Connect Access Record: Structured (`POST Patient/$gpc.getstructuredrecord`,
    /// STU3, with the unsigned consumer JWT and the Ssp-* headers).
    GpConnectStructured,
    /// A FHIR R4 server searched by NHS number, then by patient for each clinical type.
    FhirR4,
}

/// A credential that never appears in `Debug` output or error messages.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The token, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Who is asking, as GP Connect providers see the consumer system.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    /// The consumer system's ASID (the `Ssp-From` header).
    #[serde(default)]
    pub asid: Option<String>,
}

/// One participating organisation and its endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySource {
    /// ODS code (`Y90001`).
    pub ods_code: String,
    /// Name for clinicians.
    pub name: String,
    /// Care setting (`general-practice`, `acute`, `mental-health`, `community`,
    /// `social-care`, `out-of-hours`, `ambulance`, `unknown`).
    pub care_setting: CareSetting,
    /// How to ask it.
    pub kind: SourceKind,
    /// Its FHIR base URL (`https://…/fhir`): https, or http on a loopback address only.
    pub base_url: String,
    /// Its own deadline in milliseconds (default: the directory's).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// A bearer token sent as `Authorization: Bearer …` (fhir-r4 sources).
    #[serde(default)]
    pub bearer_token: Option<Secret>,
    /// The name of an environment variable holding the bearer token, so that the file
    /// need not hold it.
    #[serde(default)]
    pub bearer_token_env: Option<String>,
    /// The provider's ASID (the `Ssp-To` header; gp-connect-structured sources).
    #[serde(default)]
    pub asid: Option<String>,
}

impl DirectorySource {
    /// The organisation, as items from this source will name it.
    pub fn organisation(&self) -> Organisation {
        Organisation {
            ods_code: Some(self.ods_code.clone()),
            name: self.name.clone(),
            care_setting: self.care_setting,
        }
    }

    /// Its deadline, when it has its own.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout_ms.map(Duration::from_millis)
    }

    /// The bearer token: `bearer_token`, else the variable `bearer_token_env` names; an
    /// error when that variable is unset or empty (requests without the token the
    /// directory asks for would be refused at best, or answered for the wrong client).
    pub fn bearer(&self) -> Result<Option<Secret>, MissingBearer> {
        bearer(self.bearer_token.as_ref(), self.bearer_token_env.as_deref())
    }

    /// The base URL, parsed, without a trailing slash in its path.
    pub(crate) fn base(&self) -> Option<Url> {
        let mut url = Url::parse(&self.base_url).ok()?;
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        Some(url)
    }
}

/// A bearer token given as it is, else read from the environment variable `env` names;
/// an error when that variable is unset or empty. The one rule for every client that
/// sends a bearer token (directory sources, the audit shipper).
pub(crate) fn bearer(
    token: Option<&Secret>,
    env: Option<&str>,
) -> Result<Option<Secret>, MissingBearer> {
    if let Some(t) = token {
        return Ok(Some(t.clone()));
    }
    let Some(name) = env else {
        return Ok(None);
    };
    match std::env::var(name) {
        Ok(t) if !t.is_empty() => Ok(Some(Secret(t))),
        _ => Err(MissingBearer),
    }
}

/// A directory source names its bearer token by an environment variable that is unset
/// or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the variable bearer_token_env names is not set: no request sent")]
pub struct MissingBearer;

/// The participating organisations and the overall deadline.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// Overall deadline for the whole fetch, in milliseconds.
    pub deadline_ms: u64,
    /// The consumer system (GP Connect).
    #[serde(default)]
    pub consumer: Consumer,
    /// The sources, in priority order (the registered GP first).
    pub sources: Vec<DirectorySource>,
}

impl Directory {
    /// Reads and checks a directory from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Directory, DirectoryError> {
        if bytes.len() > MAX_DIRECTORY_BYTES {
            return Err(DirectoryError::TooLarge);
        }
        let directory: Directory = serde_json::from_slice(bytes).map_err(|e| invalid(&e))?;
        directory.validate()?;
        Ok(directory)
    }

    /// Reads and checks a directory file.
    pub fn load(path: &Path) -> Result<Directory, DirectoryError> {
        let meta = std::fs::metadata(path).map_err(|e| DirectoryError::Io(e.kind().to_string()))?;
        if meta.len() > MAX_DIRECTORY_BYTES as u64 {
            return Err(DirectoryError::TooLarge);
        }
        let bytes = std::fs::read(path).map_err(|e| DirectoryError::Io(e.kind().to_string()))?;
        Directory::from_json(&bytes)
    }

    /// The overall deadline.
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    /// Checks the rules that JSON types cannot express.
    pub fn validate(&self) -> Result<(), DirectoryError> {
        if self.deadline_ms == 0 || self.deadline_ms > MAX_DEADLINE_MS {
            return Err(DirectoryError::Deadline);
        }
        let mut seen = std::collections::HashSet::new();
        for (index, s) in self.sources.iter().enumerate() {
            let fail = |problem| DirectoryError::Source {
                index,
                ods_code: if is_identifier(&s.ods_code, 16) {
                    s.ods_code.clone()
                } else {
                    "?".to_owned()
                },
                problem,
            };
            if !is_identifier(&s.ods_code, 16) {
                return Err(fail("ods_code must be 1 to 16 letters, digits or hyphens"));
            }
            if s.name.trim().is_empty() || s.name.len() > 200 {
                return Err(fail("name must be 1 to 200 characters"));
            }
            if !seen.insert(s.ods_code.to_ascii_uppercase()) {
                return Err(DirectoryError::DuplicateOdsCode(s.ods_code.clone()));
            }
            if let Some(t) = s.timeout_ms
                && (t == 0 || t > MAX_DEADLINE_MS)
            {
                return Err(fail("timeout_ms must be between 1 and 600000"));
            }
            check_base_url(&s.base_url).map_err(fail)?;
            if let Some(v) = &s.bearer_token_env
                && !is_identifier(v, 128)
            {
                return Err(fail("bearer_token_env must name an environment variable"));
            }
            if let Some(t) = &s.bearer_token
                && (t.0.is_empty() || t.0.bytes().any(|b| !b.is_ascii_graphic()))
            {
                return Err(fail("bearer_token must be printable ASCII without spaces"));
            }
            if s.kind == SourceKind::GpConnectStructured {
                match &s.asid {
                    Some(a) if is_identifier(a, 32) => {}
                    _ => return Err(fail("a gp-connect-structured source needs its asid")),
                }
                match &self.consumer.asid {
                    Some(a) if is_identifier(a, 32) => {}
                    _ => return Err(DirectoryError::ConsumerAsidMissing),
                }
            }
        }
        Ok(())
    }
}

/// A FHIR base URL a client may send credentials to: https, or http on a loopback
/// address only (tests); no credentials, query or fragment in it.
pub(crate) fn check_base_url(raw: &str) -> Result<(), &'static str> {
    let url = Url::parse(raw).map_err(|_| "base_url is not a URL")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("base_url must not hold credentials");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("base_url must not have a query or fragment");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err("base_url must be https (http only on a loopback address)"),
        _ => Err("base_url must be https"),
    }
}

/// True for 127.0.0.0/8, ::1 and `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub(crate) fn is_identifier(v: &str, max: usize) -> bool {
    (1..=max).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// The problem, without the directory's values.
fn invalid(e: &serde_json::Error) -> DirectoryError {
    let JsonProblem {
        line,
        column,
        problem,
    } = JsonProblem::of(e);
    DirectoryError::Invalid {
        line,
        column,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: &str, url: &str) -> String {
        format!(
            r#"{{"ods_code":"R9A","name":"Hospital","care_setting":"acute","kind":"{kind}","base_url":"{url}"}}"#
        )
    }

    #[test]
    fn reads_a_minimal_directory() {
        let json = format!(
            r#"{{"deadline_ms": 800, "sources": [{}]}}"#,
            source("fhir-r4", "http://127.0.0.1:8080/fhir/")
        );
        let d = Directory::from_json(json.as_bytes()).unwrap();
        assert_eq!(d.deadline(), Duration::from_millis(800));
        let s = &d.sources[0];
        assert_eq!(s.kind, SourceKind::FhirR4);
        assert_eq!(s.care_setting, CareSetting::Acute);
        assert_eq!(s.base().unwrap().as_str(), "http://127.0.0.1:8080/fhir");
        assert_eq!(s.organisation().ods_code.as_deref(), Some("R9A"));
    }

    #[test]
    fn the_demo_directory_reads() {
        let d = Directory::from_json(include_bytes!("../../demo/directory.json")).unwrap();
        assert_eq!(d.sources.len(), 5);
        assert_eq!(d.sources[0].kind, SourceKind::GpConnectStructured);
        let demo: Vec<_> = crate::demo::sources()
            .into_iter()
            .map(|s| s.organisation)
            .collect();
        let listed: Vec<_> = d
            .sources
            .iter()
            .map(DirectorySource::organisation)
            .collect();
        assert_eq!(listed, demo);
    }

    #[test]
    fn http_only_on_loopback() {
        for (url, ok) in [
            ("https://fhir.example.org/r4", true),
            ("http://localhost:1/x", true),
            ("http://127.0.0.2:1/x", true),
            ("http://[::1]:1/x", true),
            ("http://fhir.example.org/r4", false),
            ("ftp://fhir.example.org/r4", false),
            ("https://user:pw@fhir.example.org/r4", false),
            ("https://fhir.example.org/r4?x=1", false),
            ("not a url", false),
        ] {
            let json = format!(
                r#"{{"deadline_ms": 800, "sources": [{}]}}"#,
                source("fhir-r4", url)
            );
            assert_eq!(Directory::from_json(json.as_bytes()).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn errors_never_quote_values() {
        let json = r#"{"deadline_ms": 800, "sources": [{"ods_code":"R9A","name":"H",
            "care_setting":"acute","kind":"fhir-r4","base_url":"https://x.example",
            "bearer_token": 12345678}]}"#;
        let e = Directory::from_json(json.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(!e.contains("12345678"), "{e}");
        let json = r#"{"deadline_ms": 800, "sources": [{"ods_code":"R9A","name":"H",
            "care_setting":"acute","kind":"secret-kind","base_url":"https://x.example"}]}"#;
        let e = Directory::from_json(json.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret-kind"), "{e}");
        let json = r#"{"deadline_ms": 800, "sources": [], "extra": 1}"#;
        let e = Directory::from_json(json.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");
        let d = Directory::from_json(
            br#"{"deadline_ms": 800, "sources": [{"ods_code":"R9A","name":"H",
            "care_setting":"acute","kind":"fhir-r4","base_url":"https://x.example",
            "bearer_token": "tok-123"}]}"#,
        )
        .unwrap();
        assert!(!format!("{d:?}").contains("tok-123"));
    }

    #[test]
    fn gp_connect_needs_asids_and_codes_are_unique() {
        let gp = r#"{"ods_code":"Y90001","name":"GP","care_setting":"general-practice",
            "kind":"gp-connect-structured","base_url":"https://gp.example/fhir"}"#;
        let json = format!(r#"{{"deadline_ms": 800, "sources": [{gp}]}}"#);
        assert!(matches!(
            Directory::from_json(json.as_bytes()),
            Err(DirectoryError::Source { .. })
        ));
        let gp = gp.replace("\"kind\"", "\"asid\":\"918999198738\",\"kind\"");
        let json = format!(r#"{{"deadline_ms": 800, "sources": [{gp}]}}"#);
        assert_eq!(
            Directory::from_json(json.as_bytes()),
            Err(DirectoryError::ConsumerAsidMissing)
        );
        let json = format!(
            r#"{{"deadline_ms": 800, "consumer": {{"asid": "200000000359"}}, "sources": [{gp}]}}"#
        );
        assert!(Directory::from_json(json.as_bytes()).is_ok());
        let a = source("fhir-r4", "https://a.example");
        let json = format!(r#"{{"deadline_ms": 800, "sources": [{a}, {a}]}}"#);
        assert!(matches!(
            Directory::from_json(json.as_bytes()),
            Err(DirectoryError::DuplicateOdsCode(_))
        ));
        let json = format!(r#"{{"deadline_ms": 0, "sources": [{a}]}}"#);
        assert_eq!(
            Directory::from_json(json.as_bytes()),
            Err(DirectoryError::Deadline)
        );
    }
}
