//! One item from the items of a group: the union of what they say, conflicts resolved by
//! clinical safety and never by which arrived first.
//!
//! - Every provenance, concept, label, note and link is kept.
//! - An allergy keeps every reaction (each with the organisations that record it) and the
//!   highest criticality; an organisation recording a lower one is named as a
//!   discrepancy.
//! - A problem spans its earliest onset to its latest end (no end while any record of it
//!   has none); `major` significance wins.
//! - A medication line keeps every course of every organisation, first started first;
//!   its line fields are those of its lead course (the latest current one, else the
//!   latest), its issue count is every supply, its start is the first start and its end
//!   the last end once every course has ended.

use super::group::lead_medication;
use crate::model::{Detail, Entry, Item, MedicationDetail, Reaction};

/// Folds the members (positions in `all`, in canonical order) into one item. The items
/// are taken out of `all`.
pub(super) fn fold(all: &mut [Option<Item>], members: &[usize]) -> Option<Item> {
    // Most items are facts of their own: nothing to fold.
    if let [only] = members {
        return all.get_mut(*only).and_then(Option::take);
    }
    let lead_at = {
        let present: Vec<&Item> = members
            .iter()
            .filter_map(|&m| all.get(m).and_then(Option::as_ref))
            .collect();
        match present.first().map(|e| &e.detail) {
            Some(Detail::Medication(_)) => lead_medication(&present).unwrap_or(0),
            _ => 0,
        }
    };
    let mut items: Vec<Item> = members
        .iter()
        .filter_map(|&m| all.get_mut(m).and_then(Option::take))
        .collect();
    if items.is_empty() {
        return None;
    }
    let mut base = items.remove(lead_at.min(items.len() - 1));
    let others = items;
    // Each record's own wording and dates, where they differ from the item's, stay
    // readable (a medication line keeps them in its courses instead).
    let versions: Vec<String> = if matches!(base.detail, Detail::Medication(_)) {
        Vec::new()
    } else {
        others
            .iter()
            .filter_map(|o| other_version(&base, o))
            .collect()
    };
    for other in &others {
        absorb_common(&mut base, other);
    }
    for v in versions {
        base.add_note(v);
    }
    match &mut base.detail {
        Detail::Allergy { .. } => fold_allergy(&mut base, &others),
        Detail::Problem { .. } => fold_problem(&mut base, &others),
        Detail::Medication(_) => fold_medication(&mut base, &others),
        _ => {
            if base.date.is_none() {
                base.date = others.iter().find_map(|o| o.date.clone());
            }
        }
    }
    Some(base)
}

/// Where one organisation's next course of a medicine is at another dose than its
/// previous one: a dose change dated the new course's start.
fn dose_changes_between_courses(
    courses: &[crate::model::Course],
    title: &str,
) -> Vec<crate::model::MedicationChange> {
    let mut out = Vec::new();
    for (i, next) in courses.iter().enumerate() {
        let previous = courses
            .iter()
            .take(i)
            .rev()
            .find(|c| c.organisation == next.organisation);
        let (Some(prev), Some(now)) = (previous, next.dosage.as_deref()) else {
            continue;
        };
        let Some(before) = prev.dosage.as_deref() else {
            continue;
        };
        let same = match (
            super::dose::signature(title, before),
            super::dose::signature(title, now),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => super::group::normalise(before) == super::group::normalise(now),
        };
        if !same {
            out.push(crate::model::MedicationChange {
                kind: crate::model::ChangeKind::DoseChanged,
                date: next.start.clone(),
                by: Some(next.organisation.clone()),
                detail: Some(format!("previously {before}")),
            });
        }
    }
    out
}

/// How another record of the same fact words it and dates it, when that differs from the
/// item's own: `Royal Kernow records it as "Cellulitis of right lower leg", 20-Aug-2022 to
/// 28-Aug-2022`.
fn other_version(base: &Entry, other: &Entry) -> Option<String> {
    let same_title = super::group::normalise(&base.title) == super::group::normalise(&other.title);
    let same_dates = base.date == other.date && base.end_date == other.end_date;
    if same_title && same_dates {
        return None;
    }
    let org = other
        .provenance
        .first()
        .map_or("Another record", |p| p.organisation.name.as_str());
    let dates = match (&other.date, &other.end_date) {
        (Some(a), Some(b)) => format!(", {} to {}", a.display(), b.display()),
        (Some(a), None) => format!(", {}", a.display()),
        (None, Some(b)) => format!(", until {}", b.display()),
        (None, None) => ", undated".to_owned(),
    };
    Some(format!(
        "{org} records it as \u{201c}{}\u{201d}{dates}",
        other.title
    ))
}

fn absorb_common(into: &mut Item, other: &Item) {
    if into.encounter.is_none() {
        into.encounter.clone_from(&other.encounter);
    }
    for m in &other.measurements {
        if !into.measurements.contains(m) {
            into.measurements.push(m.clone());
        }
    }
    for c in &other.concepts {
        if !into.concepts.contains(c) {
            into.concepts.push(*c);
        }
    }
    for p in &other.provenance {
        if !into.provenance.contains(p) {
            into.provenance.push(p.clone());
        }
    }
    for s in &other.sensitivity {
        if !into.sensitivity.contains(s) {
            into.sensitivity.push(s.clone());
        }
    }
    for n in &other.notes {
        into.add_note(n.clone());
    }
    for l in &other.linked_at {
        if !into.linked_at.contains(l) {
            into.linked_at.push(*l);
        }
    }
    if other.recorded.is_some() && (into.recorded.is_none() || other.recorded < into.recorded) {
        into.recorded = other.recorded.clone();
    }
}

/// The earliest of the dates the items give.
fn earliest<'e>(
    dates: impl Iterator<Item = Option<&'e crate::model::FhirDate>>,
) -> Option<crate::model::FhirDate> {
    dates.flatten().min().cloned()
}

fn fold_allergy(base: &mut Item, others: &[Item]) {
    base.date =
        earliest(std::iter::once(base.date.as_ref()).chain(others.iter().map(|o| o.date.as_ref())));
    base.end_date = std::iter::once(base.end_date.as_ref())
        .chain(others.iter().map(|o| o.end_date.as_ref()))
        .flatten()
        .max()
        .cloned();
    let mut versions: Vec<(String, Option<String>)> = Vec::new();
    let org = |e: &Entry| {
        e.provenance
            .first()
            .map(|p| p.organisation.name.clone())
            .unwrap_or_default()
    };
    if let Detail::Allergy { criticality, .. } = &base.detail {
        versions.push((org(base), criticality.clone()));
    }
    for o in others {
        if let Detail::Allergy { criticality, .. } = &o.detail {
            versions.push((org(o), criticality.clone()));
        }
    }
    let highest = versions
        .iter()
        .filter_map(|(_, c)| c.clone())
        .max_by_key(|c| criticality_rank(c));
    let Detail::Allergy {
        criticality,
        category,
        reactions,
        end_reason,
        ..
    } = &mut base.detail
    else {
        return;
    };
    for o in others {
        let Detail::Allergy {
            category: c,
            reactions: r,
            end_reason: er,
            ..
        } = &o.detail
        else {
            continue;
        };
        for x in c {
            if !category.contains(x) {
                category.push(x.clone());
            }
        }
        for reaction in r {
            add_reaction(reactions, reaction);
        }
        if end_reason.is_none() {
            end_reason.clone_from(er);
        }
    }
    reactions.sort_by(|a, b| {
        severity_rank(b.severity.as_deref())
            .cmp(&severity_rank(a.severity.as_deref()))
            .then_with(|| a.onset.cmp(&b.onset))
            .then_with(|| a.manifestations.cmp(&b.manifestations))
    });
    criticality.clone_from(&highest);
    if let Some(high) = &highest {
        let mut lower: Vec<String> = versions
            .iter()
            .filter(|(_, c)| {
                c.as_ref()
                    .is_some_and(|c| criticality_rank(c) < criticality_rank(high))
            })
            .map(|(o, c)| {
                format!(
                    "{o} records criticality {}",
                    c.as_deref().unwrap_or_default()
                )
            })
            .collect();
        lower.sort();
        lower.dedup();
        for note in lower {
            if !base.discrepancies.contains(&note) {
                base.discrepancies.push(note);
            }
        }
    }
}

fn add_reaction(reactions: &mut Vec<Reaction>, r: &Reaction) {
    let same = |x: &Reaction| {
        x.manifestations == r.manifestations
            && x.severity == r.severity
            && x.onset == r.onset
            && x.description == r.description
    };
    match reactions.iter_mut().find(|x| same(x)) {
        Some(x) => {
            for org in &r.recorded_by {
                if !x.recorded_by.contains(org) {
                    x.recorded_by.push(org.clone());
                }
            }
            x.recorded_by.sort();
        }
        None => reactions.push(r.clone()),
    }
}

/// Higher is more dangerous; unknown words rank with `unable-to-assess`.
fn criticality_rank(c: &str) -> u8 {
    match c.trim().to_ascii_lowercase().as_str() {
        "high" => 3,
        "unable-to-assess" => 2,
        "low" => 1,
        _ => 2,
    }
}

fn severity_rank(s: Option<&str>) -> u8 {
    match s.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("severe") => 3,
        Some("moderate") => 2,
        Some("mild") => 1,
        _ => 0,
    }
}

fn fold_problem(base: &mut Item, others: &[Item]) {
    base.date =
        earliest(std::iter::once(base.date.as_ref()).chain(others.iter().map(|o| o.date.as_ref())));
    let ends: Vec<Option<&crate::model::FhirDate>> = std::iter::once(base.end_date.as_ref())
        .chain(others.iter().map(|o| o.end_date.as_ref()))
        .collect();
    base.end_date = if ends.iter().any(Option::is_none) {
        None
    } else {
        ends.into_iter().flatten().max().cloned()
    };
    let significances: Vec<Option<String>> = std::iter::once(&*base)
        .chain(others.iter())
        .map(|e| match &e.detail {
            Detail::Problem { significance, .. } => significance.clone(),
            _ => None,
        })
        .collect();
    let verifications: Vec<Option<String>> = std::iter::once(&*base)
        .chain(others.iter())
        .map(|e| match &e.detail {
            Detail::Problem { verification, .. } => verification.clone(),
            _ => None,
        })
        .collect();
    let Detail::Problem {
        significance,
        verification,
        ..
    } = &mut base.detail
    else {
        return;
    };
    *significance = significances
        .iter()
        .flatten()
        .find(|s| s.eq_ignore_ascii_case("major"))
        .or_else(|| significances.iter().flatten().next())
        .cloned();
    if verification.is_none() {
        *verification = verifications.into_iter().flatten().next();
    }
}

fn fold_medication(base: &mut Item, others: &[Item]) {
    let current = super::group::is_current_medication(base);
    let all: Vec<&Item> = std::iter::once(&*base).chain(others.iter()).collect();
    let first_start = earliest(all.iter().map(|e| e.date.as_ref()));
    let end = if current {
        base.end_date.clone()
    } else {
        let ends: Vec<Option<&crate::model::FhirDate>> =
            all.iter().map(|e| e.end_date.as_ref()).collect();
        if ends.iter().any(Option::is_none) {
            None
        } else {
            ends.into_iter().flatten().max().cloned()
        }
    };
    let mut courses = Vec::new();
    let mut changes = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    let mut issues = 0i32;
    let mut last_issued = None;
    for e in &all {
        if let Detail::Medication(m) = &e.detail {
            courses.extend(m.courses.iter().cloned());
            for c in &m.changes {
                if !changes.contains(c) {
                    changes.push(c.clone());
                }
            }
            for r in &m.reasons {
                if !reasons.contains(r) {
                    reasons.push(r.clone());
                }
            }
            issues = issues.saturating_add(m.issues);
            if m.last_issued > last_issued {
                last_issued.clone_from(&m.last_issued);
            }
        }
    }
    courses.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then_with(|| a.organisation.cmp(&b.organisation))
            .then_with(|| a.end.cmp(&b.end))
            .then_with(|| a.dosage.cmp(&b.dosage))
            .then_with(|| a.supplies.len().cmp(&b.supplies.len()))
    });
    // Two authorisations with the same dates and dose are still two courses, each with
    // its own supplies: never deduplicated.
    for change in dose_changes_between_courses(&courses, &base.title) {
        if !changes.contains(&change) {
            changes.push(change);
        }
    }
    changes.sort_by(|x, y| {
        x.date
            .cmp(&y.date)
            .then_with(|| x.by.cmp(&y.by))
            .then_with(|| x.detail.cmp(&y.detail))
    });
    base.date = first_start;
    base.end_date = end;
    if let Detail::Medication(MedicationDetail {
        courses: c,
        changes: ch,
        reasons: r,
        issues: n,
        last_issued: li,
        ..
    }) = &mut base.detail
    {
        *c = courses;
        *ch = changes;
        *r = reasons;
        *n = issues;
        *li = last_issued;
    }
}
