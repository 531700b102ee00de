//! The words both views (text and panel) use for a fact, so that a clinician reads the
//! same thing in each: a result's value and flag, a medicine's status.

use crate::model::{
    AllergyStatus, Course, Detail, Entry, FhirDate, FlagBasis, MedicationDetail, Reaction,
    ResultLine,
};

/// A result's value with its unit as a clinician reads it (the display form when there
/// is one: UCUM units, rounded generator noise).
pub(crate) fn result_value(r: &ResultLine) -> Option<String> {
    if let Some(d) = &r.display {
        return Some(d.clone());
    }
    let v = r.value.as_deref()?;
    Some(match r.unit.as_deref() {
        Some(u) => format!("{v} {u}"),
        None => v.to_owned(),
    })
}

/// A result's flag: the evidence-based flag (`High`, `Critically low`, `Detected`), with
/// "(outside range)"-style words when it rests on the range rather than on the source's
/// interpretation; the source's own interpretation when it is not one the SDK reads;
/// nothing when there is no evidence either way.
pub(crate) fn result_flag(r: &ResultLine) -> Option<String> {
    match (r.flag, r.flag_basis) {
        (Some(f), Some(FlagBasis::ReferenceRange)) => Some(format!("{} (by range)", f.words())),
        (Some(f), _) => Some(f.words().to_owned()),
        (None, _) => r
            .interpretation
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_owned),
    }
}

/// A status in the source's terms, worded for a clinician: a completed course is
/// "course completed", a discontinued one "STOPPED" with its reason; an active medicine
/// says nothing.
pub(crate) fn status(e: &Entry) -> Option<String> {
    match &e.detail {
        Detail::Medication(m) => match e.status.as_deref()? {
            "active" | "intended" | "on-hold" => None,
            "completed" => Some("course completed".to_owned()),
            "stopped" | "cancelled" => Some(match &m.status_reason {
                Some(why) => format!("STOPPED ({why})"),
                None => "STOPPED".to_owned(),
            }),
            other => Some(other.to_owned()),
        },
        Detail::Allergy {
            clinical_status, ..
        } => match clinical_status {
            AllergyStatus::Resolved => Some("resolved".to_owned()),
            AllergyStatus::Active => None,
            _ => e.status.clone(),
        },
        Detail::Problem {
            clinical_status, ..
        } => clinical_status.clone().or_else(|| e.status.clone()),
        _ => e
            .status
            .clone()
            .filter(|s| !ROUTINE.iter().any(|r| s.eq_ignore_ascii_case(r))),
    }
}

/// Statuses that say only that an item is an ordinary record (a final report, a finished
/// encounter, a current document): left out, so that the statuses that matter stand out.
const ROUTINE: [&str; 5] = ["final", "finished", "completed", "current", "amended"];

/// When, in words: `12-Mar-2019 to 20-Mar-2019`; a current medicine's end is its planned
/// end (`since 01-Mar-2024, planned end 01-Jun-2024`).
pub(crate) fn when(e: &Entry) -> Option<String> {
    let current_medicine =
        matches!(e.detail, Detail::Medication(_)) && crate::merge::is_current_medication(e);
    match (&e.date, &e.end_date) {
        (Some(a), Some(b)) if current_medicine => Some(format!(
            "since {}, planned end {}",
            a.display(),
            b.display()
        )),
        (Some(a), Some(b)) => Some(format!("{} to {}", a.display(), b.display())),
        (Some(a), None) if current_medicine => Some(format!("since {}", a.display())),
        (Some(a), None) => Some(a.display()),
        (None, Some(b)) => Some(format!("until {}", b.display())),
        (None, None) => None,
    }
}

/// The organisations an item came from, each once, with how many of its records when
/// more than one and who recorded them there: `Riverside GP (3 records, recorded by Dr E
/// Brooks); Northgate Hospital (recorded by Dr F MacLeod)`.
pub(crate) fn sources(e: &Entry) -> String {
    let mut seen: Vec<(&str, usize, Vec<&str>)> = Vec::new();
    for p in &e.provenance {
        let name = p.organisation.name.as_str();
        let at = match seen.iter().position(|(n, _, _)| *n == name) {
            Some(at) => at,
            None => {
                seen.push((name, 0, Vec::new()));
                seen.len() - 1
            }
        };
        if let Some((_, count, by)) = seen.get_mut(at) {
            *count += 1;
            if let Some(who) = p.recorded_by.as_deref()
                && who != name
                && !by.contains(&who)
            {
                by.push(who);
            }
        }
    }
    if seen.is_empty() {
        return "source not recorded".to_owned();
    }
    seen.iter()
        .map(|(n, c, by)| {
            let mut extra: Vec<String> = Vec::new();
            if *c > 1 {
                extra.push(format!("{c} records"));
            }
            if !by.is_empty() {
                extra.push(format!("recorded by {}", by.join(", ")));
            }
            if extra.is_empty() {
                (*n).to_owned()
            } else {
                format!("{n} ({})", extra.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A reaction with the organisations that record it.
pub(crate) fn reaction(r: &Reaction) -> String {
    let line = r.line();
    if r.recorded_by.is_empty() {
        line
    } else {
        format!("{line} [{}]", r.recorded_by.join(", "))
    }
}

/// How often a medicine was issued: `issued 12 times, last 01-Mar-2024`.
pub(crate) fn issues(m: &MedicationDetail) -> Option<String> {
    let last = m.last_issued.as_ref().map(FhirDate::display);
    match (m.issues, last) {
        (0, Some(l)) => Some(format!("last issued {l}")),
        (0, None) => None,
        (1, Some(l)) => Some(format!("issued once, {l}")),
        (n, Some(l)) => Some(format!("issued {n} times, last {l}")),
        (1, None) => Some("issued once".to_owned()),
        (n, None) => Some(format!("issued {n} times")),
    }
}

/// One course: `01-Jan-2020 to 01-Mar-2020, course completed, 28 tablet, repeat, by
/// Riverside GP; issues: 01-Jan-2020 28 tablet (1), …`.
pub(crate) fn course(c: &Course) -> String {
    let mut parts: Vec<String> = Vec::new();
    match (&c.start, &c.end) {
        (Some(a), Some(b)) => parts.push(format!("{} to {}", a.display(), b.display())),
        (Some(a), None) => parts.push(format!("from {}", a.display())),
        (None, Some(b)) => parts.push(format!("until {}", b.display())),
        (None, None) => parts.push("dates not recorded".to_owned()),
    }
    match c.status.as_deref() {
        Some("completed") => parts.push("course completed".to_owned()),
        Some("stopped" | "cancelled") => parts.push(match &c.status_reason {
            Some(why) => format!("stopped ({why})"),
            None => "stopped".to_owned(),
        }),
        Some(other) => parts.push(other.to_owned()),
        None => {}
    }
    parts.extend(c.dosage.clone());
    parts.extend(c.quantity.clone());
    parts.extend(c.prescription_type.clone());
    if let Some(d) = &c.authorisation_expiry {
        parts.push(format!("authorised until {}", d.display()));
    }
    parts.push(format!("by {}", c.organisation));
    let mut out = parts.join(", ");
    if !c.supplies.is_empty() {
        let supplies: Vec<String> = c
            .supplies
            .iter()
            .map(|s| {
                let when = s
                    .date
                    .as_ref()
                    .map(FhirDate::display)
                    .unwrap_or_else(|| "date not recorded".to_owned());
                let qty = s
                    .quantity
                    .as_deref()
                    .map(|q| format!(" {q}"))
                    .unwrap_or_default();
                let n = s
                    .issue_number
                    .map(|n| format!(" (#{n})"))
                    .unwrap_or_default();
                format!("{when}{qty}{n}")
            })
            .collect();
        out.push_str(&format!("; issues: {}", supplies.join(", ")));
    }
    out
}
