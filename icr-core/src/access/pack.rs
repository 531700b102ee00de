//! Sensitivity packs: the code lists and medicine names that make an item sensitive.
//!
//! A pack is data, not code: one category (`hiv`, `mental-health`, …), where it came from
//! (refset, source, date), and either SNOMED CT / dm+d concepts (a code pack: an item
//! carrying one is labelled with the category) or medicine names (a term pack: used by
//! inference rules, which withhold a medicine that would reveal a withheld condition).
//! The SDK ships the national lists as its default packs (the four RCGP "GP summary data
//! sharing exclusion" refsets, with the HIV members of the sexually transmitted disease
//! set as their own `hiv` pack; the QOF mental-health clusters MH_COD and DEPR_COD; and
//! medicine names by generic and UK brand name). A deployment adds or replaces packs
//! beside its policy, in the same TSV form or as a FHIR `ValueSet` (`docs/policy.md`).
//!
//! Every code is checked as a SNOMED CT identifier ([`parse_sctid`]); a pack with one bad
//! code is refused with the line that holds it, never loaded in part or guessed at.

use std::sync::{Arc, OnceLock};

use crate::model::{SensitiveCategory, parse_sctid};

/// The largest pack accepted, in bytes (the largest national list is about 150 KB).
pub const MAX_PACK_BYTES: usize = 8 * 1024 * 1024;

/// The default packs, as shipped (`src/access/packs/`).
const BUILT_IN: &[&str] = &[
    include_str!("packs/rcgp-sexual-health.tsv"),
    include_str!("packs/rcgp-hiv.tsv"),
    include_str!("packs/rcgp-termination.tsv"),
    include_str!("packs/rcgp-fertility.tsv"),
    include_str!("packs/rcgp-gender-reassignment.tsv"),
    include_str!("packs/qof-mh-cod.tsv"),
    include_str!("packs/qof-depr-cod.tsv"),
    include_str!("packs/medicines-hiv.tsv"),
    include_str!("packs/medicines-mental-health.tsv"),
    include_str!("packs/medicines-substance-misuse.tsv"),
    include_str!("packs/medicines-fertility.tsv"),
    include_str!("packs/medicines-gender-reassignment.tsv"),
];

/// One sensitivity pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    /// Stable identifier (`rcgp-hiv`), named by policies.
    pub id: String,
    /// The category its items carry.
    pub category: SensitiveCategory,
    /// Where it came from.
    pub provenance: PackProvenance,
    codes: Vec<u64>,
    terms: Vec<String>,
}

/// Where a pack's content came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackProvenance {
    /// The SNOMED CT refset or cluster it reproduces, when it reproduces one.
    pub refset: Option<String>,
    /// Who published it, and how it was obtained.
    pub source: Option<String>,
    /// When it was taken.
    pub date: Option<String>,
}

/// Why a pack was refused. Pack content is not patient data, but messages stay short:
/// they name the line or element and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// Larger than [`MAX_PACK_BYTES`].
    #[error("pack is {bytes} bytes; the largest accepted is {max}")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// No code and no term.
    #[error("pack '{0}' holds no code and no term")]
    Empty(String),
    /// A code that is not a SNOMED CT identifier.
    #[error("line {line}: '{code}' is not a SNOMED CT identifier ({reason})")]
    MalformedCode {
        /// 1-based line (TSV) or element index (ValueSet).
        line: usize,
        /// The code, cut to 32 characters.
        code: String,
        /// What is wrong with it.
        reason: crate::model::SctIdError,
    },
    /// A category the SDK does not know.
    #[error("line {line}: unknown category '{name}'")]
    UnknownCategory {
        /// Where it was named (0 when given by the caller).
        line: usize,
        /// The name, cut to 32 characters.
        name: String,
    },
    /// The pack does not say which category it is for, and the caller did not either.
    #[error("pack does not name its category")]
    NoCategory,
    /// The pack names one category and the caller another.
    #[error("pack names category '{named}' but was loaded as '{given}'")]
    CategoryConflict {
        /// In the pack.
        named: String,
        /// From the caller.
        given: String,
    },
    /// The pack does not name itself, and the caller did not either.
    #[error("pack has no id")]
    NoId,
    /// A line that is not of the pack's form.
    #[error("line {line}: {problem}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// Not a FHIR ValueSet this loader reads.
    #[error("not a usable ValueSet: {0}")]
    ValueSet(String),
}

impl Pack {
    /// The concepts of a code pack, as numbers, sorted.
    pub fn codes(&self) -> &[u64] {
        &self.codes
    }

    /// The names of a term pack (lower case, words separated by one space), sorted.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Reads a pack in the TSV form: `# key<TAB>value` header lines (`pack`, `category`,
    /// `refset`, `source`, `date`; others are comments), then a column header, `code` +
    /// `display` for a code pack or `kind` + `term` (+ `note`) for a term pack whose kinds
    /// are `generic`, `brand` and `code`. `id` and `category` are taken from the header
    /// when the caller gives `None`.
    pub fn from_tsv(
        id: Option<&str>,
        category: Option<SensitiveCategory>,
        text: &str,
    ) -> Result<Pack, PackError> {
        check_size(text.len())?;
        let mut named_id = None;
        let mut named_category = None;
        let mut provenance = PackProvenance::default();
        let mut columns: Option<Columns> = None;
        let mut codes = Vec::new();
        let mut terms = Vec::new();
        for (at, raw) in text.lines().enumerate() {
            let line = at + 1;
            let raw = raw.trim_end_matches('\r');
            if raw.trim().is_empty() {
                continue;
            }
            if let Some(header) = raw.strip_prefix('#') {
                let (key, value) = header
                    .trim()
                    .split_once('\t')
                    .unwrap_or((header.trim(), ""));
                let value = value.trim().to_owned();
                match key.trim() {
                    "pack" => named_id = Some(value),
                    "category" => named_category = Some((line, value)),
                    "refset" => provenance.refset = Some(value),
                    "source" => provenance.source = Some(value),
                    "date" => provenance.date = Some(value),
                    _ => {}
                }
                continue;
            }
            let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
            let Some(cols) = columns else {
                columns = Some(Columns::from_header(&fields).ok_or(PackError::Malformed {
                    line,
                    problem: "expected a column header: 'code<TAB>display' or 'kind<TAB>term'",
                })?);
                continue;
            };
            match cols {
                Columns::Codes => codes.push(code(line, fields.first().copied().unwrap_or(""))?),
                Columns::Terms => match (fields.first().copied(), fields.get(1).copied()) {
                    (Some("code"), Some(c)) => codes.push(code(line, c)?),
                    (Some("generic" | "brand"), Some(t)) if !t.is_empty() => {
                        terms.push(normalise_term(t))
                    }
                    (Some("generic" | "brand"), _) => {
                        return Err(PackError::Malformed {
                            line,
                            problem: "a term row has no term",
                        });
                    }
                    _ => {
                        return Err(PackError::Malformed {
                            line,
                            problem: "kind must be 'generic', 'brand' or 'code'",
                        });
                    }
                },
            }
        }
        let category = resolve_category(category, named_category)?;
        let id = id.map(str::to_owned).or(named_id).ok_or(PackError::NoId)?;
        Pack::new(id, category, provenance, codes, terms)
    }

    /// Reads a FHIR `ValueSet` (JSON): every concept of `compose.include[].concept` and of
    /// `expansion.contains` (nested too) whose system is SNOMED CT or dm+d. An include by
    /// filter or by another value set cannot be read without a terminology server and is
    /// refused: expand it first.
    pub fn from_value_set(
        id: &str,
        category: SensitiveCategory,
        json: &str,
    ) -> Result<Pack, PackError> {
        check_size(json.len())?;
        let vs: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            PackError::ValueSet(crate::json_problem::JsonProblem::of(&e).to_string())
        })?;
        if vs.get("resourceType").and_then(|v| v.as_str()) != Some("ValueSet") {
            return Err(PackError::ValueSet("resourceType is not ValueSet".into()));
        }
        let mut codes = Vec::new();
        let includes = vs
            .pointer("/compose/include")
            .and_then(|v| v.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, inc) in includes.iter().enumerate() {
            if inc.get("filter").is_some() || inc.get("valueSet").is_some() {
                return Err(PackError::ValueSet(format!(
                    "compose.include[{i}] is defined by filter or value set: expand it first"
                )));
            }
            let system = inc.get("system").and_then(|s| s.as_str());
            let concepts = inc
                .get("concept")
                .and_then(|c| c.as_array())
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (j, c) in concepts.iter().enumerate() {
                codes.push(value_set_code(system, c, || {
                    format!("compose.include[{i}].concept[{j}]")
                })?);
            }
        }
        let mut stack: Vec<&serde_json::Value> = vs
            .pointer("/expansion/contains")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut n = 0;
        while let Some(c) = stack.pop() {
            n += 1;
            if let Some(nested) = c.get("contains").and_then(|v| v.as_array()) {
                stack.extend(nested);
            }
            if c.get("code").is_some() {
                let system = c.get("system").and_then(|s| s.as_str());
                codes.push(value_set_code(system, c, || {
                    format!("expansion.contains (concept {n})")
                })?);
            }
        }
        let provenance = PackProvenance {
            refset: vs.get("url").and_then(|v| v.as_str()).map(str::to_owned),
            source: vs
                .get("publisher")
                .or_else(|| vs.get("name"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            date: vs.get("date").and_then(|v| v.as_str()).map(str::to_owned),
        };
        Pack::new(id.to_owned(), category, provenance, codes, Vec::new())
    }

    fn new(
        id: String,
        category: SensitiveCategory,
        provenance: PackProvenance,
        mut codes: Vec<u64>,
        mut terms: Vec<String>,
    ) -> Result<Pack, PackError> {
        codes.sort_unstable();
        codes.dedup();
        terms.sort();
        terms.dedup();
        if codes.is_empty() && terms.is_empty() {
            return Err(PackError::Empty(cut(&id)));
        }
        Ok(Pack {
            id,
            category,
            provenance,
            codes,
            terms,
        })
    }
}

#[derive(Clone, Copy)]
enum Columns {
    Codes,
    Terms,
}

impl Columns {
    fn from_header(fields: &[&str]) -> Option<Columns> {
        match fields {
            ["code", ..] => Some(Columns::Codes),
            ["kind", "term", ..] => Some(Columns::Terms),
            _ => None,
        }
    }
}

fn check_size(bytes: usize) -> Result<(), PackError> {
    if bytes > MAX_PACK_BYTES {
        return Err(PackError::TooLarge {
            bytes,
            max: MAX_PACK_BYTES,
        });
    }
    Ok(())
}

fn cut(s: &str) -> String {
    s.chars().take(32).collect()
}

fn code(line: usize, text: &str) -> Result<u64, PackError> {
    parse_sctid(text).map_err(|reason| PackError::MalformedCode {
        line,
        code: cut(text),
        reason,
    })
}

/// A ValueSet concept's code; an error names the element (`compose.include[0].concept[3]`).
fn value_set_code(
    system: Option<&str>,
    concept: &serde_json::Value,
    at: impl Fn() -> String,
) -> Result<u64, PackError> {
    let text = concept.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let known = system.is_some_and(|s| {
        let s = crate::model::normalised_system(s);
        s == crate::model::SNOMED || s == crate::model::DMD
    });
    if !known {
        return Err(PackError::ValueSet(format!(
            "{} is not in SNOMED CT or dm+d",
            at()
        )));
    }
    parse_sctid(text).map_err(|reason| {
        PackError::ValueSet(format!(
            "{}: '{}' is not a SNOMED CT identifier ({reason})",
            at(),
            cut(text)
        ))
    })
}

/// Parses a category key (`mental-health`).
pub(crate) fn category_named(name: &str) -> Option<SensitiveCategory> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

fn resolve_category(
    given: Option<SensitiveCategory>,
    named: Option<(usize, String)>,
) -> Result<SensitiveCategory, PackError> {
    let named = match named {
        Some((line, name)) => Some(category_named(&name).ok_or(PackError::UnknownCategory {
            line,
            name: cut(&name),
        })?),
        None => None,
    };
    match (given, named) {
        (Some(g), Some(n)) if g != n => Err(PackError::CategoryConflict {
            named: category_key(n),
            given: category_key(g),
        }),
        (Some(c), _) | (None, Some(c)) => Ok(c),
        (None, None) => Err(PackError::NoCategory),
    }
}

/// The JSON key of a category (`mental-health`).
pub(crate) fn category_key(c: SensitiveCategory) -> String {
    match serde_json::to_value(c) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{c:?}").to_lowercase(),
    }
}

/// A name as words: lower case, runs of letters and digits joined by single spaces, so
/// `Gonal-f` and `gonal f` are the same name and match only as whole words.
pub(crate) fn normalise_term(term: &str) -> String {
    words(&term.to_lowercase()).collect::<Vec<_>>().join(" ")
}

/// The words of a text (runs of letters and digits), as slices of it: names and the
/// texts they are matched in are split by this one rule.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Reads and checks the default packs afresh (what [`built_in`] does once).
pub fn parse_default_packs() -> Result<Vec<Pack>, PackError> {
    BUILT_IN
        .iter()
        .map(|text| Pack::from_tsv(None, None, text))
        .collect()
}

/// The default packs, loaded and checked once (well under a millisecond).
pub fn built_in() -> &'static [Arc<Pack>] {
    static PACKS: OnceLock<Vec<Arc<Pack>>> = OnceLock::new();
    PACKS.get_or_init(|| {
        // The shipped files are checked by the tests: a failure here is a build defect.
        // The packs then stay unloaded rather than taking the process down, and every
        // policy naming them is refused by validation ("not a known pack"): fail closed.
        parse_default_packs()
            .map(|packs| packs.into_iter().map(Arc::new).collect())
            .unwrap_or_default()
    })
}

/// The packs a policy uses, indexed for decisions: concept → the packs that hold it.
///
/// A sorted array searched by halving, behind a 64 Kbit filter: most concepts of a record
/// are in no pack, and the filter says so with one multiplication and one bit test (a
/// few thousand concepts set about 5 % of its bits, so a concept in no pack reaches the
/// search about once in twenty).
#[derive(Debug, Clone, Default)]
pub(crate) struct PackIndex {
    packs: Vec<Arc<Pack>>,
    by_code: Vec<(u64, u16)>,
    filter: Vec<u64>,
}

/// The filter bit of a concept: the top 16 bits of a multiplicative hash.
fn filter_bit(code: u64) -> usize {
    usize::try_from(code.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48).unwrap_or(0)
}

impl PackIndex {
    pub(crate) fn new(packs: Vec<Arc<Pack>>) -> PackIndex {
        let mut by_code: Vec<(u64, u16)> = packs
            .iter()
            .enumerate()
            .flat_map(|(at, pack)| {
                let at = u16::try_from(at).unwrap_or(u16::MAX);
                pack.codes.iter().map(move |&c| (c, at))
            })
            .collect();
        by_code.sort_unstable();
        by_code.dedup();
        let mut filter = vec![0u64; (1 << 16) / 64];
        for &(c, _) in &by_code {
            let bit = filter_bit(c);
            if let Some(word) = filter.get_mut(bit / 64) {
                *word |= 1 << (bit % 64);
            }
        }
        PackIndex {
            packs,
            by_code,
            filter,
        }
    }

    /// The packs that hold this concept.
    pub(crate) fn packs_of(&self, code: u64) -> impl Iterator<Item = &Pack> + '_ {
        let bit = filter_bit(code);
        let maybe = self
            .filter
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0);
        let from = if maybe {
            self.by_code.partition_point(|(c, _)| *c < code)
        } else {
            self.by_code.len()
        };
        self.by_code
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(c, _)| *c == code)
            .filter_map(|&(_, at)| self.packs.get(usize::from(at)).map(|p| &**p))
    }
}

/// The names and concepts an inference rule matches, from its own terms and its packs.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermIndex {
    terms: std::collections::HashSet<String>,
    codes: std::collections::HashSet<u64>,
    max_words: usize,
}

impl TermIndex {
    pub(crate) fn new<'t>(terms: impl IntoIterator<Item = &'t str>, packs: &[&Pack]) -> TermIndex {
        let mut index = TermIndex::default();
        for t in terms
            .into_iter()
            .map(normalise_term)
            .chain(packs.iter().flat_map(|p| p.terms.iter().cloned()))
            .filter(|t| !t.is_empty())
        {
            index.max_words = index.max_words.max(t.split(' ').count());
            index.terms.insert(t);
        }
        index.codes = packs.iter().flat_map(|p| p.codes.iter().copied()).collect();
        index
    }

    /// True when a whole-word run of `text` is one of the names, or a concept is.
    pub(crate) fn matches(&self, text: &str, concepts: &[u64]) -> bool {
        if concepts.iter().any(|c| self.codes.contains(c)) {
            return true;
        }
        let lower = text.to_lowercase();
        let words: Vec<&str> = words(&lower).collect();
        if words.iter().any(|w| self.terms.contains(*w)) {
            return true;
        }
        let mut phrase = String::new();
        (2..=self.max_words).any(|n| {
            words.windows(n).any(|w| {
                phrase.clear();
                for (i, word) in w.iter().enumerate() {
                    if i > 0 {
                        phrase.push(' ');
                    }
                    phrase.push_str(word);
                }
                self.terms.contains(phrase.as_str())
            })
        })
    }
}

#[cfg(test)]
mod tests;
