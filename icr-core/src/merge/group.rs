//! Which items are the same fact.
//!
//! Items join a group when a rule says they are the same fact; a group is everything
//! joined to anything in it (connected components of a union-find), so the groups do not
//! depend on the order the items arrive in. The rules, by kind:
//! - **allergy**: the same allergen concept and the same clinical status;
//! - **problem**: the same concept and the same state, and the same episode: onset dates
//!   that overlap (a partial date covers its month or year; a resolved problem covers its
//!   onset to its end), or neither dated. Separate episodes stay separate items;
//! - **medication**: every course of one medicine from one organisation is one line; lines
//!   from different organisations join when the medicine, the dose of the latest course
//!   and whether it is current all agree (a differing dose or status stays separate, to be
//!   flagged);
//! - **immunisation, referral**: the same concept on the same day.
//!
//! A placeholder code (GP2GP's transfer-degraded entries, a null flavour, no code) says
//! nothing about what the item is, so such items are the same fact only when their text
//! is identical too; with no text either they are never joined. Items from a source whose
//! patient is not confirmed are never joined with anything.

use rustc_hash::FxHashMap as HashMap;

use super::dose;
use crate::model::{DMD, Detail, Entry, Item, SNOMED, Section};

/// GP2GP's transfer-degraded codes: the sending system could not express the item, and
/// its original term is in the text (GP Connect's degraded-code guidance).
pub(super) const DEGRADED: [&str; 7] = [
    "196411000000103",
    "196421000000109",
    "196431000000106",
    "196441000000102",
    "196451000000104",
    "196461000000101",
    "196471000000108",
];

/// Titles that say nothing about what an item is.
const NO_DESCRIPTION: [&str; 5] = ["", "no description", "unknown", "not known", "none"];

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }

    fn find(&mut self, mut x: usize) -> usize {
        while let Some(&parent) = self.0.get(x) {
            if parent == x {
                break;
            }
            let grand = self.0.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = self.0.get_mut(x) {
                *slot = grand;
            }
            x = parent;
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller root wins, so the structure does not depend on the call order.
        let (keep, join) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        if let Some(slot) = self.0.get_mut(join) {
            *slot = keep;
        }
    }
}

/// The groups of `all` (positions), each in canonical order.
pub(super) fn groups(all: &[Item]) -> Groups {
    let mut uf = UnionFind::new(all.len());
    let mut buckets: HashMap<String, Vec<usize>> = HashMap::default();
    let mut episodes: HashMap<String, Vec<usize>> = HashMap::default();
    for (at, e) in all.iter().enumerate() {
        if e.identity_unconfirmed {
            continue;
        }
        let Some(what) = concept_key(e) else {
            continue;
        };
        match (&e.detail, e.section) {
            (
                Detail::Allergy {
                    clinical_status, ..
                },
                _,
            ) => bucket(&mut buckets, format!("a|{what}|{clinical_status:?}"), at),
            (Detail::Problem { .. }, _) => episodes
                .entry(format!("p|{what}|{}", problem_state(e)))
                .or_default()
                .push(at),
            (Detail::Medication(_), _) => bucket(
                &mut buckets,
                format!("m|{:?}|{what}", organisation_key(e)),
                at,
            ),
            (Detail::Immunisation { .. }, _) => {
                bucket(&mut buckets, format!("i|{what}|{}", day_key(e)), at)
            }
            (_, Section::Referrals) => bucket(&mut buckets, format!("r|{what}|{}", day_key(e)), at),
            _ => {}
        }
    }
    for members in buckets.values() {
        if let Some((&first, rest)) = members.split_first() {
            for &m in rest {
                uf.union(first, m);
            }
        }
    }
    for members in episodes.values_mut() {
        members.sort_by(|&a, &b| canonical(all, a, b));
        for (i, &a) in members.iter().enumerate() {
            for &b in members.iter().skip(i + 1) {
                if let (Some(x), Some(y)) = (all.get(a), all.get(b))
                    && same_episode(x, y)
                {
                    uf.union(a, b);
                }
            }
        }
        join_ongoing(all, members, &mut uf);
    }
    join_medication_lines(all, &mut uf);
    let roots: Vec<usize> = (0..all.len()).map(|at| uf.find(at)).collect();
    let mut members: Vec<usize> = (0..all.len()).collect();
    // By group, then canonically within it (the order of the groups themselves does not
    // matter: the merged items are sorted totally afterwards).
    members.sort_by(|&a, &b| match (roots.get(a), roots.get(b)) {
        (Some(ra), Some(rb)) if ra != rb => ra.cmp(rb),
        _ => canonical(all, a, b),
    });
    let mut bounds = vec![0];
    for (i, pair) in members.windows(2).enumerate() {
        if let [a, b] = pair
            && roots.get(*a) != roots.get(*b)
        {
            bounds.push(i + 1);
        }
    }
    bounds.push(members.len());
    Groups { members, bounds }
}

/// Groups as one list of positions and the bounds of each group in it (one allocation
/// for the lot, where most groups are a single item).
pub(super) struct Groups {
    members: Vec<usize>,
    bounds: Vec<usize>,
}

impl Groups {
    /// Each group's members, in canonical order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.bounds
            .windows(2)
            .filter_map(|w| self.members.get(*w.first()?..*w.get(1)?))
            .filter(|g| !g.is_empty())
    }
}

fn bucket(buckets: &mut HashMap<String, Vec<usize>>, key: String, at: usize) {
    buckets.entry(key).or_default().push(at);
}

/// Lines of one medicine from different organisations join when the medicine, the dose of
/// each line's latest course and whether each line is current agree.
fn join_medication_lines(all: &[Item], uf: &mut UnionFind) {
    let mut lines: HashMap<usize, Vec<usize>> = HashMap::default();
    for (at, e) in all.iter().enumerate() {
        if matches!(e.detail, Detail::Medication(_)) && !e.identity_unconfirmed {
            lines.entry(uf.find(at)).or_default().push(at);
        }
    }
    let mut by_signature: HashMap<String, Vec<usize>> = HashMap::default();
    for members in lines.values_mut() {
        members.sort_by(|&a, &b| canonical(all, a, b));
        let entries: Vec<&Item> = members.iter().filter_map(|&m| all.get(m)).collect();
        let Some(lead) = lead_medication(&entries).and_then(|i| members.get(i).copied()) else {
            continue;
        };
        let Some(e) = all.get(lead) else { continue };
        let Some(what) = concept_key(e) else { continue };
        let current = members
            .iter()
            .filter_map(|&m| all.get(m))
            .any(|m| is_current_medication(m));
        let dosage = match &e.detail {
            Detail::Medication(m) => m.dosage.as_deref().unwrap_or_default(),
            _ => "",
        };
        let dose = match dose::signature(&e.title, dosage) {
            Some(sig) => format!("{sig:?}"),
            None => normalise(dosage),
        };
        by_signature
            .entry(format!("{what}|{dose}|{current}"))
            .or_default()
            .push(lead);
    }
    for leads in by_signature.values() {
        if let Some((&first, rest)) = leads.split_first() {
            for &m in rest {
                uf.union(first, m);
            }
        }
    }
}

/// The course that speaks for a medication line (an index into `members`, which are in
/// canonical order): the latest current one, else the latest; ties go to the earlier in
/// canonical order (the GP practice's).
pub(super) fn lead_medication(members: &[&Item]) -> Option<usize> {
    (0..members.len()).max_by(|&a, &b| {
        let (Some(x), Some(y)) = (members.get(a), members.get(b)) else {
            return std::cmp::Ordering::Equal;
        };
        is_current_medication(x)
            .cmp(&is_current_medication(y))
            .then_with(|| x.date.cmp(&y.date))
            .then_with(|| b.cmp(&a))
    })
}

/// The order that makes a merge independent of input order: organisation (GP first), then the
/// item's id (its organisation and source resource), then its title and dates.
pub(super) fn canonical(all: &[Item], a: usize, b: usize) -> std::cmp::Ordering {
    let (Some(x), Some(y)) = (all.get(a), all.get(b)) else {
        return a.cmp(&b);
    };
    organisation_key(x)
        .cmp(&organisation_key(y))
        .then_with(|| x.id.cmp(&y.id))
        .then_with(|| x.title.cmp(&y.title))
        .then_with(|| x.date.cmp(&y.date))
        .then_with(|| x.end_date.cmp(&y.end_date))
        .then_with(|| a.cmp(&b))
}

/// Where an item comes from, in the canonical order of sources (the GP practice first).
fn organisation_key(e: &Entry) -> (crate::model::CareSetting, &str, &str) {
    e.provenance
        .first()
        .map(|p| {
            (
                p.organisation.care_setting,
                p.organisation.ods_code.as_deref().unwrap_or_default(),
                p.organisation.name.as_str(),
            )
        })
        .unwrap_or((crate::model::CareSetting::Unknown, "", ""))
}

/// Problems with no end are ongoing, so records of one from different organisations are
/// the same fact even when they give different onsets (the GP's diabetes since 8 March,
/// the hospital's since 9 March). They join, closest onsets first, unless joining would
/// make one item of two separate episodes recorded by one organisation (two myocardial
/// infarctions the GP recorded as two problems stay two).
fn join_ongoing(all: &[Item], members: &[usize], uf: &mut UnionFind) {
    let ongoing: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&m| all.get(m).is_some_and(|e| e.end_date.is_none()))
        .collect();
    let mut pairs: Vec<(i64, usize, usize)> = Vec::new();
    for (i, &a) in ongoing.iter().enumerate() {
        for &b in ongoing.iter().skip(i + 1) {
            let (Some(x), Some(y)) = (all.get(a), all.get(b)) else {
                continue;
            };
            if organisation_key(x) != organisation_key(y) {
                pairs.push((onset_gap_days(x, y), a, b));
            }
        }
    }
    // Closest first; `ongoing` is in canonical order, so ties keep that order.
    pairs.sort_by_key(|&(gap, _, _)| gap);
    for (_, a, b) in pairs {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        let component = |root: usize, uf: &mut UnionFind| -> Vec<usize> {
            members
                .iter()
                .copied()
                .filter(|&m| uf.find(m) == root)
                .collect()
        };
        let (left, right) = (component(ra, uf), component(rb, uf));
        let separate_episodes = left.iter().any(|&x| {
            right.iter().any(|&y| match (all.get(x), all.get(y)) {
                (Some(p), Some(q)) => {
                    organisation_key(p) == organisation_key(q) && !same_episode(p, q)
                }
                _ => false,
            })
        });
        if !separate_episodes {
            uf.union(a, b);
        }
    }
}

/// Days between two onsets (a large number when either is missing).
fn onset_gap_days(a: &Entry, b: &Entry) -> i64 {
    match (
        a.date.as_ref().and_then(|d| d.days()),
        b.date.as_ref().and_then(|d| d.days()),
    ) {
        (Some((x, _)), Some((y, _))) => x
            .until(y)
            .map(|span| i64::from(span.get_days()).abs())
            .unwrap_or(i64::MAX),
        _ => i64::MAX,
    }
}

/// Two problems are one episode when their spans overlap, or neither is dated.
fn same_episode(a: &Entry, b: &Entry) -> bool {
    match (span(a), span(b)) {
        (Some((a0, a1)), Some((b0, b1))) => a0 <= b1 && b0 <= a1,
        (None, None) => a.date.is_none() && b.date.is_none(),
        _ => false,
    }
}

/// The days a problem episode covers: from its onset to its end when it has ended, else
/// its onset (a partial date covering its month or year).
fn span(e: &Entry) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
    let (first, onset_last) = e.date.as_ref()?.days()?;
    let last = e
        .end_date
        .as_ref()
        .and_then(|d| d.days())
        .map(|(_, last)| last)
        .filter(|last| *last >= first)
        .unwrap_or(onset_last);
    Some((first, last))
}

/// What identifies the fact: its code (dm+d identifiers are SNOMED CT concept ids, so the
/// two share one key space), with the text too for a placeholder code; the text alone
/// when there is no code. `None` when nothing identifies it.
pub(super) fn concept_key(e: &Entry) -> Option<String> {
    // The text is normalised only where it is part of the key.
    let described = || {
        let text = normalise(&e.title);
        (!NO_DESCRIPTION.contains(&text.as_str())).then_some(text)
    };
    let coded = e
        .code
        .as_ref()
        .and_then(|c| Some((c.system.as_deref()?, c.code.as_deref()?)));
    match coded {
        Some((system, code)) if is_placeholder(system, code) => {
            described().map(|text| [system, code, &text].join("|"))
        }
        Some((system, code)) if system == DMD || system == SNOMED => Some(["sct", code].join("|")),
        Some((system, code)) => Some([system, code].join("|")),
        None => described(),
    }
}

fn is_placeholder(system: &str, code: &str) -> bool {
    DEGRADED.contains(&code.trim()) || system.contains("NullFlavor") || code.trim().is_empty()
}

fn day_key(e: &Entry) -> String {
    e.date
        .as_ref()
        .and_then(crate::model::FhirDate::civil_date)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    // ASCII text (nearly every term) is lower-cased in place; other text by Unicode's rules.
    if out.is_ascii() {
        out.make_ascii_lowercase();
        out
    } else {
        out.to_lowercase()
    }
}

/// `active` or `inactive`: a problem's state, for grouping and contradictions.
pub(crate) fn problem_state(e: &Entry) -> &'static str {
    match e.status.as_deref() {
        Some("active" | "recurrence" | "relapse") | None => "active",
        _ => "inactive",
    }
}

/// True for a medication the patient is currently taking.
pub fn is_current_medication(e: &Entry) -> bool {
    !matches!(
        e.status.as_deref(),
        Some("stopped" | "completed" | "cancelled" | "not-taken" | "entered-in-error")
    )
}
