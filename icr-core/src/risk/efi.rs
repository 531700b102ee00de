//! The electronic Frailty Index (eFI; Clegg et al., "Development and validation of an
//! electronic frailty index using routine primary care electronic health record data",
//! Age and Ageing 2016): 36 deficits, 35 of them code sets shipped here as data
//! (`efi/*.tsv`, SNOMED CT versions published by the Greater Manchester Secure Data
//! Environment, each with its source line) and polypharmacy counted from medicines. The
//! index is the number of deficits present divided by 36.
//!
//! It is a population screening tool, not a diagnosis: every place that shows it says so
//! ([`SCREENING_CAVEAT`]).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::parse_sctid;

/// The deficits of the index: 35 code sets and polypharmacy.
pub const DEFICITS: u32 = 36;

/// What is said beside every computed eFI.
pub const SCREENING_CAVEAT: &str = "The electronic Frailty Index is a population screening \
    tool, not a diagnosis: it counts coded deficits in the records you may see, and a \
    deficit not coded, or withheld from you, is not counted. Confirm frailty clinically \
    (for example with the Clinical Frailty Scale).";

/// The eFI's published categories.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EfiCategory {
    /// 0 to 0.12.
    Fit,
    /// Over 0.12 to 0.24.
    Mild,
    /// Over 0.24 to 0.36.
    Moderate,
    /// Over 0.36.
    Severe,
}

impl EfiCategory {
    /// The category of `deficits` of 36. The published cut-offs (0.12, 0.24, 0.36) are
    /// whole numbers of deficits at 36ths (4, 9 and 13 are the first above each), so the
    /// category is decided on the count, with no rounding.
    pub fn of(deficits: u32) -> EfiCategory {
        match deficits {
            0..=4 => EfiCategory::Fit,
            5..=8 => EfiCategory::Mild,
            9..=12 => EfiCategory::Moderate,
            _ => EfiCategory::Severe,
        }
    }

    /// Words for a clinician (`moderate frailty`).
    pub fn words(self) -> &'static str {
        match self {
            EfiCategory::Fit => "fit",
            EfiCategory::Mild => "mild frailty",
            EfiCategory::Moderate => "moderate frailty",
            EfiCategory::Severe => "severe frailty",
        }
    }
}

/// The coded deficits, by concept: a sorted list of (concept, deficit name).
pub(crate) struct DeficitIndex {
    by_code: Vec<(u64, &'static str)>,
}

impl DeficitIndex {
    /// The deficits whose sets hold a concept (a few concepts are in two sets).
    pub(crate) fn deficits_of(&self, concept: u64) -> impl Iterator<Item = &'static str> + '_ {
        let from = self.by_code.partition_point(|&(c, _)| c < concept);
        self.by_code
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(move |&&(c, _)| c == concept)
            .map(|&(_, d)| d)
    }

    /// Whether a concept is in the set of `deficit`.
    pub(crate) fn is_in(&self, concept: u64, deficit: &str) -> bool {
        // The list is sorted by concept, then deficit name: one search finds the pair.
        self.by_code
            .binary_search_by(|&(c, d)| c.cmp(&concept).then_with(|| d.cmp(deficit)))
            .is_ok()
    }
}

/// The shipped deficit code sets (each file keeps its source line), read and checked once. The files are checked by the
/// tests (every code a valid SNOMED CT identifier); a line that is not is left out rather
/// than guessed at, and the test names it.
pub(crate) fn deficits() -> &'static DeficitIndex {
    static INDEX: OnceLock<DeficitIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut by_code = Vec::new();
        for (name, text) in SETS {
            let (codes, _) = read_set(text);
            by_code.extend(codes.into_iter().filter_map(Result::ok).map(|c| (c, name)));
        }
        by_code.sort_unstable();
        by_code.dedup();
        DeficitIndex { by_code }
    })
}

/// The codes of one set file (each parsed, or the line that is not a code) and its
/// source line.
fn read_set(text: &'static str) -> (Vec<Result<u64, usize>>, &'static str) {
    let mut source = "";
    let mut codes = Vec::new();
    for (at, line) in text.lines().enumerate() {
        if let Some(header) = line.strip_prefix("# source\t") {
            source = header.trim();
            continue;
        }
        if line.starts_with('#') || line.starts_with("code\t") || line.trim().is_empty() {
            continue;
        }
        let code = line.split('\t').next().unwrap_or_default().trim();
        codes.push(parse_sctid(code).map_err(|_| at + 1));
    }
    (codes, source)
}

const SETS: [(&str, &str); 35] = [
    (
        "activity-limitation",
        include_str!("efi/activity-limitation.tsv"),
    ),
    ("anaemia", include_str!("efi/anaemia.tsv")),
    ("arthritis", include_str!("efi/arthritis.tsv")),
    (
        "atrial-fibrillation",
        include_str!("efi/atrial-fibrillation.tsv"),
    ),
    ("care-requirement", include_str!("efi/care-requirement.tsv")),
    ("chd", include_str!("efi/chd.tsv")),
    ("ckd", include_str!("efi/ckd.tsv")),
    (
        "cognitive-problems",
        include_str!("efi/cognitive-problems.tsv"),
    ),
    ("diabetes", include_str!("efi/diabetes.tsv")),
    ("dizziness", include_str!("efi/dizziness.tsv")),
    ("dyspnoea", include_str!("efi/dyspnoea.tsv")),
    ("falls", include_str!("efi/falls.tsv")),
    ("foot-problems", include_str!("efi/foot-problems.tsv")),
    (
        "fragility-fracture",
        include_str!("efi/fragility-fracture.tsv"),
    ),
    ("hearing-loss", include_str!("efi/hearing-loss.tsv")),
    ("heart-failure", include_str!("efi/heart-failure.tsv")),
    (
        "heart-valve-disease",
        include_str!("efi/heart-valve-disease.tsv"),
    ),
    ("housebound", include_str!("efi/housebound.tsv")),
    ("hypertension", include_str!("efi/hypertension.tsv")),
    ("hypotension", include_str!("efi/hypotension.tsv")),
    (
        "mobility-problems",
        include_str!("efi/mobility-problems.tsv"),
    ),
    ("osteoporosis", include_str!("efi/osteoporosis.tsv")),
    ("parkinsons", include_str!("efi/parkinsons.tsv")),
    ("peptic-ulcer", include_str!("efi/peptic-ulcer.tsv")),
    ("pvd", include_str!("efi/pvd.tsv")),
    (
        "respiratory-disease",
        include_str!("efi/respiratory-disease.tsv"),
    ),
    ("skin-ulcer", include_str!("efi/skin-ulcer.tsv")),
    (
        "sleep-disturbance",
        include_str!("efi/sleep-disturbance.tsv"),
    ),
    (
        "social-vulnerability",
        include_str!("efi/social-vulnerability.tsv"),
    ),
    ("stroke-tia", include_str!("efi/stroke-tia.tsv")),
    (
        "thyroid-disorders",
        include_str!("efi/thyroid-disorders.tsv"),
    ),
    (
        "urinary-incontinence",
        include_str!("efi/urinary-incontinence.tsv"),
    ),
    (
        "urinary-system-disease",
        include_str!("efi/urinary-system-disease.tsv"),
    ),
    ("vision-problems", include_str!("efi/vision-problems.tsv")),
    ("weight-loss", include_str!("efi/weight-loss.tsv")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_code_is_a_snomed_identifier_with_its_source() {
        let mut total = 0;
        for (name, text) in SETS {
            let (codes, source) = read_set(text);
            let bad: Vec<usize> = codes.iter().filter_map(|c| c.err()).collect();
            assert!(
                bad.is_empty(),
                "{name}: lines {bad:?} are not SNOMED CT codes"
            );
            assert!(!codes.is_empty(), "{name} is empty");
            assert!(source.contains("Frailty Index"), "{name}: no source line");
            total += codes.len();
        }
        assert_eq!(SETS.len() + 1, DEFICITS as usize);
        // The README of the published sets: 2,089 concepts.
        assert_eq!(total, 2_089);
    }

    #[test]
    fn a_concept_is_found_in_its_deficit() {
        let index = deficits();
        assert!(index.is_in(1_912_002, "falls"));
        assert!(index.is_in(160_689_007, "housebound"));
        assert_eq!(index.deficits_of(24_700_007).count(), 0);
        // A concept in two sets is a deficit of each.
        let shared = index
            .by_code
            .windows(2)
            .find(|w| matches!(w, [a, b] if a.0 == b.0))
            .and_then(|w| w.first())
            .map(|&(c, _)| c);
        let shared = shared.expect("the published sets share some concepts");
        assert!(index.deficits_of(shared).count() >= 2);
    }

    #[test]
    fn categories_follow_the_published_cut_offs() {
        // 0.12 × 36 = 4.32, 0.24 × 36 = 8.64, 0.36 × 36 = 12.96.
        for (deficits, category) in [
            (0, EfiCategory::Fit),
            (4, EfiCategory::Fit),
            (5, EfiCategory::Mild),
            (8, EfiCategory::Mild),
            (9, EfiCategory::Moderate),
            (12, EfiCategory::Moderate),
            (13, EfiCategory::Severe),
            (36, EfiCategory::Severe),
        ] {
            assert_eq!(EfiCategory::of(deficits), category, "{deficits}");
            let index = f64::from(deficits) / f64::from(DEFICITS);
            let by_index = match index {
                i if i <= 0.12 => EfiCategory::Fit,
                i if i <= 0.24 => EfiCategory::Mild,
                i if i <= 0.36 => EfiCategory::Moderate,
                _ => EfiCategory::Severe,
            };
            assert_eq!(by_index, category, "{deficits}");
        }
    }
}
