//! What the items a viewer may see say about each other, said out loud: sources that
//! disagree (another dose, another status), contradictions (a medicine stopped in one
//! place and active in another, an allergy or problem ended in one and current in
//! another, an allergy to a medicine that is active), a dose changed across
//! organisations, and dates that cannot be facts (an ended course's end after the summary
//! date, an end before its start).
//!
//! These run on the visible items only, after the access decisions, so no warning can
//! reveal an item the viewer may not see.

use foldhash::{HashMap, HashMapExt};

use super::BannerAlert;
use crate::merge::{dose, is_current_medication, normalise, problem_state};
use crate::model::{
    AllergyStatus, ChangeKind, Detail, Entry, FhirDate, ItemWarning, ItemWarningCode,
    MedicationChange, MedicationDetail,
};

/// Runs every check on the visible items; returns what the banner must show, one alert
/// per contradicting pair, in a stable order.
pub(crate) fn run(items: &mut [Entry], as_of: jiff::civil::Date) -> Vec<BannerAlert> {
    let mut alerts = Vec::new();
    // What pairs items depends on (kind, title, code, organisations) no check changes;
    // nor does a medicine's ingredient (worked out once, empty for other items).
    let ingredients: Vec<String> = items
        .iter()
        .map(|e| match e.detail {
            Detail::Medication(_) => ingredient(&e.title),
            _ => String::new(),
        })
        .collect();
    let pairs = pairs(items, &ingredients);
    flag_discrepancies(items, &pairs);
    derive_dose_changes(items, &ingredients);
    flag_contradictions(items, &pairs, &mut alerts);
    flag_allergies_to_active_medicines(items, &ingredients, &mut alerts);
    for e in items.iter_mut() {
        flag_dates(e, as_of);
    }
    alerts.sort_by(|a, b| {
        a.section
            .cmp(&b.section)
            .then_with(|| a.item_id.cmp(&b.item_id))
            .then_with(|| a.text.cmp(&b.text))
    });
    alerts.dedup();
    alerts
}

fn warn(e: &mut Entry, code: ItemWarningCode, text: String) {
    let w = ItemWarning { code, text };
    if !e.warnings.contains(&w) {
        e.warnings.push(w);
    }
}

fn org_of(e: &Entry) -> &str {
    e.provenance
        .first()
        .map_or("another organisation", |p| p.organisation.name.as_str())
}

fn same_org(a: &Entry, b: &Entry) -> bool {
    a.provenance.iter().any(|p| {
        b.provenance
            .iter()
            .any(|q| q.organisation == p.organisation)
    })
}

/// The code of the fact, or its words when it has none.
fn concept(e: &Entry) -> String {
    match e
        .code
        .as_ref()
        .and_then(|c| Some((c.system.as_deref()?, c.code.as_deref()?)))
    {
        Some((_, code)) => format!("code|{code}"),
        None => normalise(&e.title),
    }
}

/// The medicine's name without strength and form: `Ramipril 5mg capsules` → `ramipril`.
fn ingredient(title: &str) -> String {
    let head: String = title.chars().take_while(|c| !c.is_ascii_digit()).collect();
    normalise(head.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

fn dosage(m: &MedicationDetail) -> &str {
    m.dosage.as_deref().unwrap_or_default()
}

fn same_dose(a: &Entry, x: &MedicationDetail, b: &Entry, y: &MedicationDetail) -> bool {
    match (
        dose::signature(&a.title, dosage(x)),
        dose::signature(&b.title, dosage(y)),
    ) {
        (Some(p), Some(q)) => concept(a) == concept(b) && p == q,
        _ => concept(a) == concept(b) && normalise(dosage(x)) == normalise(dosage(y)),
    }
}

/// Pairs `(a, b)` of items of the same kind and fact from different organisations.
fn pairs(items: &[Entry], ingredients: &[String]) -> Vec<(usize, usize)> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for ((at, e), ingredient) in items.iter().enumerate().zip(ingredients) {
        let key = match &e.detail {
            Detail::Medication(_) => format!("m|{ingredient}"),
            Detail::Allergy { .. } => format!("a|{}", concept(e)),
            Detail::Problem { .. } => format!("p|{}", concept(e)),
            _ => continue,
        };
        if key.len() > 2 {
            groups.entry(key).or_default().push(at);
        }
    }
    let mut out = Vec::new();
    let mut keys: Vec<&String> = groups.keys().collect();
    keys.sort();
    for k in keys {
        let Some(members) = groups.get(k) else {
            continue;
        };
        for &a in members {
            for &b in members {
                if a != b
                    && let (Some(x), Some(y)) = (items.get(a), items.get(b))
                    && !same_org(x, y)
                {
                    out.push((a, b));
                }
            }
        }
    }
    out
}

/// The same current medicine at another dose elsewhere, the same allergy with another
/// status: noted on each item as what the other organisation records.
fn flag_discrepancies(items: &mut [Entry], pairs: &[(usize, usize)]) {
    let mut notes: Vec<(usize, String)> = Vec::new();
    for &(a, b) in pairs {
        let (Some(ea), Some(eb)) = (items.get(a), items.get(b)) else {
            continue;
        };
        let org = org_of(eb);
        let note = match (&ea.detail, &eb.detail) {
            (Detail::Medication(x), Detail::Medication(y))
                if is_current_medication(ea)
                    && is_current_medication(eb)
                    && !same_dose(ea, x, eb, y) =>
            {
                format!(
                    "{org} records {} {}",
                    eb.title,
                    y.dosage.as_deref().unwrap_or("with no dose given")
                )
            }
            _ => continue,
        };
        notes.push((a, note));
    }
    for (at, note) in notes {
        if let Some(e) = items.get_mut(at)
            && !e.discrepancies.contains(&note)
        {
            e.discrepancies.push(note);
        }
    }
}

/// A current medicine whose ingredient was ended elsewhere, at or shortly before its
/// start, at another strength or dose: shown as a dose change on the current item.
fn derive_dose_changes(items: &mut [Entry], ingredients: &[String]) {
    /// An ended course of an ingredient: when it ended, what it was, and that in
    /// normalised words (worked out once, not for every current medicine it meets).
    struct Ended {
        end: Option<FhirDate>,
        text: String,
        words: String,
    }
    let mut ended: HashMap<&str, Vec<Ended>> = HashMap::new();
    for (e, key) in items.iter().zip(ingredients) {
        let Detail::Medication(m) = &e.detail else {
            continue;
        };
        if is_current_medication(e) || key.is_empty() {
            continue;
        }
        let text = format!("{} {}", e.title, m.dosage.as_deref().unwrap_or_default())
            .trim()
            .to_owned();
        ended.entry(key.as_str()).or_default().push(Ended {
            end: e.end_date.clone().or_else(|| e.date.clone()),
            words: normalise(&text),
            text,
        });
    }
    if ended.is_empty() {
        return;
    }
    for (e, key) in items.iter_mut().zip(ingredients) {
        if !is_current_medication(e) {
            continue;
        }
        let Some(courses) = ended.get(key.as_str()) else {
            continue;
        };
        let start = latest_start(e);
        let by = e.provenance.first().map(|p| p.organisation.name.clone());
        let Detail::Medication(m) = &mut e.detail else {
            continue;
        };
        let current =
            normalise(format!("{} {}", e.title, m.dosage.as_deref().unwrap_or_default()).trim());
        let previous = courses
            .iter()
            .rfind(|c| c.words != current && within_days(c.end.as_ref(), start.as_ref(), 31));
        if let Some(Ended { text, .. }) = previous {
            let change = MedicationChange {
                kind: ChangeKind::DoseChanged,
                date: start.clone(),
                by,
                detail: Some(format!("previously {text}")),
            };
            if !m.changes.contains(&change) {
                m.changes.push(change);
            }
        }
    }
}

/// When the current course of a medicine started: its latest course's start, else the
/// item's date.
fn latest_start(e: &Entry) -> Option<FhirDate> {
    match &e.detail {
        Detail::Medication(m) => m
            .courses
            .iter()
            .filter_map(|c| c.start.clone())
            .max()
            .or_else(|| e.date.clone()),
        _ => e.date.clone(),
    }
}

fn within_days(end: Option<&FhirDate>, start: Option<&FhirDate>, days: i64) -> bool {
    let (Some(end), Some(start)) = (
        end.and_then(FhirDate::civil_date),
        start.and_then(FhirDate::civil_date),
    ) else {
        return false;
    };
    let gap = end
        .until(start)
        .map(|span| span.get_days())
        .unwrap_or(i32::MAX);
    (-days..=days).contains(&i64::from(gap))
}

/// The same medicine stopped in one place and current in another (unless the stop was a
/// dose change), an allergy or a problem ended in one and current in another: a warning
/// on both items that names the other organisation and what it records.
fn flag_contradictions(
    items: &mut [Entry],
    pairs: &[(usize, usize)],
    alerts: &mut Vec<BannerAlert>,
) {
    let mut found: Vec<(usize, String)> = Vec::new();
    for &(a, b) in pairs {
        if a > b {
            continue;
        }
        let (Some(x), Some(y)) = (items.get(a), items.get(b)) else {
            continue;
        };
        if let Some(c) = contradiction(x, y) {
            let lead = if c.lead_is_x { x } else { y };
            alerts.push(BannerAlert {
                code: ItemWarningCode::Contradiction,
                section: lead.section,
                item_id: lead.id.clone(),
                text: c.banner,
            });
            found.push((a, c.on_x));
            found.push((b, c.on_y));
        }
    }
    for (at, text) in found {
        if let Some(e) = items.get_mut(at) {
            warn(e, ItemWarningCode::Contradiction, text);
        }
    }
}

/// What two contradicting items and the banner say: each item names the other
/// organisation and what it records; the banner says both sides, naming both.
struct Contradiction {
    on_x: String,
    on_y: String,
    banner: String,
    /// The banner points at `x` (else `y`): the current medicine, the active allergy or
    /// problem.
    lead_is_x: bool,
}

/// The warning each of two items gets when they contradict each other.
fn contradiction(x: &Entry, y: &Entry) -> Option<Contradiction> {
    match (&x.detail, &y.detail) {
        (Detail::Medication(_), Detail::Medication(_)) => {
            let (current, stopped) = match (is_current_medication(x), is_current_medication(y)) {
                (true, false) => (x, y),
                (false, true) => (y, x),
                _ => return None,
            };
            if !deliberately_stopped(stopped) || dose_changed_from(current, stopped) {
                return None;
            }
            // A stop long before the current course began (over a year) is history; a
            // recent one ("do not restart") is exactly what a prescriber must see.
            let stop = stop_date(stopped);
            let start = latest_start(current);
            if let (Some((_, stopped_last)), Some((started_first, _))) = (
                stop.as_ref().and_then(FhirDate::days),
                start.as_ref().and_then(FhirDate::days),
            ) && stopped_last
                .until(started_first)
                .is_ok_and(|gap| gap.get_days() > 365)
            {
                return None;
            }
            let when = stop
                .map(|d| format!(" on {}", d.display()))
                .unwrap_or_default();
            let why = stop_reason(stopped)
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            let on_current = format!(
                "{} records {} as stopped{when}{why}. Check before prescribing or giving.",
                org_of(stopped),
                stopped.title
            );
            let on_stopped = format!("{} records {} as current.", org_of(current), current.title);
            let banner = format!(
                "{}: stopped at {}{when}{why}, but current at {}.",
                current.title,
                org_of(stopped),
                org_of(current)
            );
            let lead_is_x = std::ptr::eq(current, x);
            let (on_x, on_y) = if lead_is_x {
                (on_current, on_stopped)
            } else {
                (on_stopped, on_current)
            };
            Some(Contradiction {
                on_x,
                on_y,
                banner,
                lead_is_x,
            })
        }
        (
            Detail::Allergy {
                clinical_status: p, ..
            },
            Detail::Allergy {
                clinical_status: q, ..
            },
        ) => {
            let ended = |s: &AllergyStatus| *s == AllergyStatus::Resolved;
            let active = |s: &AllergyStatus| *s == AllergyStatus::Active;
            if !(ended(p) && active(q) || active(p) && ended(q)) {
                return None;
            }
            let (on_x, on_y) = (
                format!(
                    "{} records this allergy as {}.",
                    org_of(y),
                    if ended(q) { "resolved" } else { "active" }
                ),
                format!(
                    "{} records this allergy as {}.",
                    org_of(x),
                    if ended(p) { "resolved" } else { "active" }
                ),
            );
            let (live, gone) = if active(p) { (x, y) } else { (y, x) };
            Some(Contradiction {
                on_x,
                on_y,
                banner: format!(
                    "{}: active at {}, resolved at {}.",
                    live.title,
                    org_of(live),
                    org_of(gone)
                ),
                lead_is_x: active(p),
            })
        }
        (Detail::Problem { .. }, Detail::Problem { .. }) => {
            if problem_state(x) == problem_state(y) {
                return None;
            }
            let (active, ended) = if problem_state(x) == "active" {
                (x, y)
            } else {
                (y, x)
            };
            // An episode that ended before the current one began is history.
            if let (Some(end), Some(onset)) = (&ended.end_date, &active.date)
                && end < onset
            {
                return None;
            }
            Some(Contradiction {
                on_x: format!(
                    "{} records this problem as {}.",
                    org_of(y),
                    problem_words(y)
                ),
                on_y: format!(
                    "{} records this problem as {}.",
                    org_of(x),
                    problem_words(x)
                ),
                banner: format!(
                    "{}: active at {}, {} at {}.",
                    active.title,
                    org_of(active),
                    problem_words(ended),
                    org_of(ended)
                ),
                lead_is_x: std::ptr::eq(active, x),
            })
        }
        _ => None,
    }
}

fn problem_words(e: &Entry) -> String {
    e.status.clone().unwrap_or_else(|| "active".to_owned())
}

/// Stopped on purpose (`stopped`, `cancelled`), as opposed to a course completed.
fn deliberately_stopped(e: &Entry) -> bool {
    matches!(e.status.as_deref(), Some("stopped" | "cancelled"))
}

fn stop_date(e: &Entry) -> Option<FhirDate> {
    match &e.detail {
        Detail::Medication(m) => m
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Stopped)
            .filter_map(|c| c.date.clone())
            .max()
            .or_else(|| e.end_date.clone()),
        _ => e.end_date.clone(),
    }
}

fn stop_reason(e: &Entry) -> Option<String> {
    match &e.detail {
        Detail::Medication(m) => m.status_reason.clone().or_else(|| {
            m.changes
                .iter()
                .rev()
                .find(|c| c.kind == ChangeKind::Stopped)
                .and_then(|c| c.detail.clone())
        }),
        _ => None,
    }
}

fn dose_changed_from(current: &Entry, stopped: &Entry) -> bool {
    let Detail::Medication(m) = &current.detail else {
        return false;
    };
    let stopped_text = normalise(&stopped.title);
    m.changes.iter().any(|c| {
        c.kind == ChangeKind::DoseChanged
            && c.detail
                .as_deref()
                .is_some_and(|d| normalise(d).contains(&stopped_text))
    })
}

/// Words of an allergy's title that say what it is not (`allergy to`, `adverse reaction`).
const ALLERGY_WORDS: [&str; 16] = [
    "allergy",
    "allergic",
    "adverse",
    "reaction",
    "reactions",
    "intolerance",
    "sensitivity",
    "hypersensitivity",
    "history",
    "drug",
    "to",
    "of",
    "and",
    "the",
    "h/o:",
    "product",
];

/// An active allergy whose allergen names a medicine that is current (by the medicine's
/// code, or a name of five letters or more in common: `penicillin` in
/// `Phenoxymethylpenicillin`): a warning on both. This is a name check, not a drug-class
/// check: an allergy to a class is found only when the medicine's name carries it.
fn flag_allergies_to_active_medicines(
    items: &mut [Entry],
    ingredients: &[String],
    alerts: &mut Vec<BannerAlert>,
) {
    // Each active allergy: where it is, the words of its allergen, its concept and its
    // title in normalised words.
    let allergens: Vec<(usize, Vec<String>, String, String)> = items
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e.detail,
                Detail::Allergy {
                    clinical_status: AllergyStatus::Active | AllergyStatus::Unknown,
                    ..
                }
            )
        })
        .map(|(at, e)| {
            let title = normalise(&e.title);
            let words: Vec<String> = title
                .split(|c: char| !c.is_alphanumeric() && c != '/' && c != ':')
                .filter(|w| w.len() >= 5 && !ALLERGY_WORDS.contains(w))
                .map(str::to_owned)
                .collect();
            (at, words, concept(e), title)
        })
        .collect();
    if allergens.is_empty() {
        return;
    }
    let mut found: Vec<(usize, String)> = Vec::new();
    for ((m_at, med), name) in items.iter().enumerate().zip(ingredients) {
        if !matches!(med.detail, Detail::Medication(_)) || !is_current_medication(med) {
            continue;
        }
        let med_concept = concept(med);
        for (a_at, words, allergy_concept, title) in &allergens {
            let by_code = *allergy_concept == med_concept && med_concept.starts_with("code|");
            let by_name = words.iter().any(|w| name.contains(w.as_str()))
                || (name.len() >= 5 && title.contains(name.as_str()));
            if !(by_code || by_name) {
                continue;
            }
            let Some(allergy) = items.get(*a_at) else {
                continue;
            };
            alerts.push(BannerAlert {
                code: ItemWarningCode::AllergyToActiveMedicine,
                section: med.section,
                item_id: med.id.clone(),
                text: format!(
                    "{} is current ({}), and {} records an allergy: {}.",
                    med.title,
                    org_of(med),
                    org_of(allergy),
                    allergy.title
                ),
            });
            found.push((
                m_at,
                format!(
                    "{} records an allergy: {}. Check before prescribing or giving.",
                    org_of(allergy),
                    allergy.title
                ),
            ));
            found.push((
                *a_at,
                format!("{} is current ({}).", med.title, org_of(med)),
            ));
        }
    }
    for (at, text) in found {
        if let Some(e) = items.get_mut(at) {
            warn(e, ItemWarningCode::AllergyToActiveMedicine, text);
        }
    }
}

/// An end that cannot be a fact: an item recorded as ended whose end is after the
/// summary date, and an end before its start (the item's, or a course's).
fn flag_dates(e: &mut Entry, as_of: jiff::civil::Date) {
    let ended = match &e.detail {
        Detail::Medication(_) => !is_current_medication(e),
        Detail::Problem { .. } => problem_state(e) == "inactive",
        Detail::Allergy {
            clinical_status, ..
        } => *clinical_status == AllergyStatus::Resolved,
        Detail::Encounter { .. } | Detail::Procedure { .. } => {
            matches!(e.status.as_deref(), Some("finished" | "completed"))
        }
        // An appointment's or plan's end after today is when it will end.
        _ => false,
    };
    let mut found: Vec<(ItemWarningCode, String)> = Vec::new();
    if ended
        && let Some(end) = &e.end_date
        && end.days().is_some_and(|(first, _)| first > as_of)
    {
        found.push((
            ItemWarningCode::EndDateInFuture,
            format!(
                "Recorded as ended, with an end date after today ({}): the date is as recorded and not confirmed.",
                end.display()
            ),
        ));
    }
    if let (Some(start), Some(end)) = (&e.date, &e.end_date)
        && before(end, start)
    {
        found.push((
            ItemWarningCode::EndBeforeStart,
            format!(
                "The end date ({}) is before the start date ({}), as recorded.",
                end.display(),
                start.display()
            ),
        ));
    }
    if let Detail::Medication(m) = &e.detail {
        for c in &m.courses {
            if let (Some(start), Some(end)) = (&c.start, &c.end)
                && before(end, start)
            {
                found.push((
                    ItemWarningCode::EndBeforeStart,
                    format!(
                        "A course recorded by {} ends ({}) before it starts ({}), as recorded.",
                        c.organisation,
                        end.display(),
                        start.display()
                    ),
                ));
            }
        }
    }
    for (code, text) in found {
        warn(e, code, text);
    }
}

/// True when `end` is certainly before `start` (every day `end` covers is before every
/// day `start` covers).
fn before(end: &FhirDate, start: &FhirDate) -> bool {
    match (end.days(), start.days()) {
        (Some((_, end_last)), Some((start_first, _))) => end_last < start_first,
        _ => false,
    }
}
