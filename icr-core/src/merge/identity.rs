//! Whether a source is about the record's patient.
//!
//! The NHS number decides who a source is about: another number, or none, discards the
//! source whole. The same number with other demographics is either a slip in one system
//! (one field differs: shown as a discrepancy) or another person's record filed under the
//! wrong number (two or more of date of birth, family name and gender differ). The second
//! cannot be told apart from a merged record of two people, so such a source is
//! quarantined: its items are kept out of the record's sections and listed for
//! reconciliation only (hazard H26).

use crate::ingest::SourceRecord;
use crate::model::{Organisation, Patient};

/// What the sources so far say about who the patient is: the first source's details,
/// with fields it lacks taken from the next source that has them, so that every source is
/// compared with the earliest value given for each field.
#[derive(Debug, Default)]
pub(super) struct Reference {
    patient: Option<Patient>,
}

/// How a source's patient compares with the record's.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// The same patient; any single field that differs is listed.
    Same(Vec<String>),
    /// Another NHS number, or none: discarded whole.
    Mismatch(&'static str),
    /// The same NHS number, but two or more of date of birth, family name and gender
    /// differ: quarantined. The reason names the fields, never their values.
    Unconfirmed(String),
}

impl Reference {
    /// Compares a source with the record so far and, when it is the same patient, takes
    /// the fields the record lacks from it.
    pub(super) fn check(&mut self, source: &SourceRecord) -> Verdict {
        let Some(theirs) = &source.patient else {
            return Verdict::Same(Vec::new());
        };
        let Some(seen) = &mut self.patient else {
            self.patient = Some(theirs.clone());
            return Verdict::Same(Vec::new());
        };
        if let Some(expected) = &seen.nhs_number {
            match &theirs.nhs_number {
                Some(n) if n == expected => {}
                Some(_) => {
                    return Verdict::Mismatch("the source's patient has a different NHS number");
                }
                None => return Verdict::Mismatch("the source's patient has no NHS number"),
            }
        }
        let differing = differing_fields(seen, theirs);
        if differing.len() >= 2 {
            return Verdict::Unconfirmed(format!(
                "the source's patient has this NHS number but a different {}: held for reconciliation",
                join_words(&differing)
            ));
        }
        let notes = discrepancies(seen, theirs, &source.organisation);
        fill_missing(seen, theirs);
        Verdict::Same(notes)
    }
}

/// The identifying fields (date of birth, family name, gender) both give and disagree on.
fn differing_fields(a: &Patient, b: &Patient) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.birth_date.is_some() && b.birth_date.is_some() && a.birth_date != b.birth_date {
        out.push("date of birth");
    }
    let family = |p: &Patient| p.name.family.as_ref().map(|f| f.trim().to_lowercase());
    if family(a).is_some() && family(b).is_some() && family(a) != family(b) {
        out.push("family name");
    }
    if a.gender.is_some() && b.gender.is_some() && a.gender != b.gender {
        out.push("gender");
    }
    out
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn discrepancies(first: &Patient, other: &Patient, org: &Organisation) -> Vec<String> {
    let mut out: Vec<String> = differing_fields(first, other)
        .into_iter()
        .map(|field| {
            let mut field = field.to_owned();
            if let Some(first) = field.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{field} differs in the record from {}", org.name)
        })
        .collect();
    if first.deceased != other.deceased {
        out.push(format!(
            "Death is recorded differently in the record from {}",
            org.name
        ));
    }
    out
}

/// Takes the fields `seen` lacks from `other`, so later sources are compared with them.
fn fill_missing(seen: &mut Patient, other: &Patient) {
    if seen.birth_date.is_none() {
        seen.birth_date = other.birth_date.clone();
    }
    if seen.name.family.is_none() {
        seen.name.family = other.name.family.clone();
    }
    if seen.gender.is_none() {
        seen.gender = other.gender.clone();
    }
    if seen.nhs_number.is_none() {
        seen.nhs_number = other.nhs_number.clone();
    }
}
