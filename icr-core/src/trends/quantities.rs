//! Which quantity a code measures: the code table (`quantities.tsv`, with the sources
//! each row was checked against), read once.
//!
//! UK laboratories code the same test several ways (eGFR by MDRD or CKD-EPI, HbA1c in
//! IFCC or DCCT units, serum or plasma potassium) and GP systems use SNOMED CT where
//! laboratories and US-built systems use LOINC. Each code of the table names one
//! quantity, and the unit the code itself implies when it is unit-specific (LOINC 4548-4
//! is a percentage), so results coded differently join one trend and nothing joins by
//! its wording. A code outside the table still makes a trend of its own once it has
//! enough points ([`Measured::Coded`]).

use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;
use smol_str::format_smolstr;

use crate::model::{Measured, Quantity, normalised_system};

/// The code table, as shipped.
pub(super) const TABLE: &str = include_str!("quantities.tsv");

/// LOINC's system URI.
pub(crate) const LOINC: &str = "http://loinc.org";

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Row {
    pub(super) quantity: Quantity,
    pub(super) system: &'static str,
    pub(super) code: &'static str,
    /// The UCUM unit the code implies, when it is unit-specific.
    pub(super) unit: Option<&'static str>,
}

/// Every row of the table, in file order. A row that does not read is a build defect,
/// caught by the table's own test; it is skipped here rather than guessed at.
pub(super) fn rows() -> impl Iterator<Item = Row> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let quantity = Quantity::from_key(cols.next()?.trim())?;
            let system = cols.next()?.trim();
            let code = cols.next()?.trim();
            let unit = cols
                .next()
                .map(str::trim)
                .filter(|u| *u != "-" && !u.is_empty());
            Some(Row {
                quantity,
                system,
                code,
                unit,
            })
        })
}

fn index() -> &'static HashMap<(&'static str, &'static str), Row> {
    static INDEX: OnceLock<HashMap<(&'static str, &'static str), Row>> = OnceLock::new();
    INDEX.get_or_init(|| rows().map(|r| ((r.system, r.code), r)).collect())
}

/// The table's row for one coding.
pub(super) fn row(system: &str, code: &str) -> Option<Row> {
    index().get(&(system, code)).copied()
}

/// What a concept's codings measure, with the unit its code implies: the first coding in
/// the table, else the concept's own code (LOINC first, then SNOMED CT, then the first
/// with a code), else nothing.
pub(crate) fn measured<'c>(
    codings: impl Iterator<Item = (Option<&'c str>, Option<&'c str>)>,
) -> Option<(Measured, Option<&'static str>)> {
    let codings: Vec<(&str, &str)> = codings
        .filter_map(|(system, code)| {
            let code = code?.trim();
            (!code.is_empty()).then(|| (system.map(system_of).unwrap_or_default(), code))
        })
        .collect();
    if let Some(r) = codings.iter().find_map(|(s, c)| row(s, c)) {
        return Some((Measured::Known(r.quantity), r.unit));
    }
    let pick = |sys: &str| codings.iter().find(|(s, _)| *s == sys);
    let (system, code) = pick(LOINC)
        .or_else(|| pick(crate::model::SNOMED))
        .or_else(|| codings.first())?;
    Some((Measured::Coded(format_smolstr!("{system}|{code}")), None))
}

/// A coding's system as the table writes it (SNOMED CT and LOINC under either scheme).
fn system_of(system: &str) -> &str {
    let normal = normalised_system(system);
    if normal.eq_ignore_ascii_case("https://loinc.org") || normal.eq_ignore_ascii_case(LOINC) {
        return LOINC;
    }
    normal
}
