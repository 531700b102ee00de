//! Each signal's rule: what counts, and the words that say what it found.

use std::collections::BTreeMap;

use crate::merge::is_current_medication;
use crate::model::{CareSetting, Detail, EncounterClass, FhirDate, Item, Section, concept_id};

use super::codes::{
    EMERGENCY_ADMISSION, EMERGENCY_ATTENDANCE, FALLS, FRAILTY_FINDINGS, FRAILTY_SCORES,
};
use super::efi::{self, DEFICITS, EfiCategory, SCREENING_CAVEAT};
use super::events::{self, Window};
use super::rules::{FrailtyRule, PolypharmacyRule, WindowRule};
use super::{Assessment, RiskEvidence, RiskKind, RiskSignal};

/// The item's main code as a SNOMED CT concept.
fn main_concept(item: &Item) -> Option<u64> {
    let code = item.code.as_ref()?;
    concept_id(code.system.as_deref(), code.code.as_deref())
}

/// An encounter that did not happen (yet) is not an event.
fn happened(item: &Item) -> bool {
    !matches!(
        item.status.as_deref(),
        Some("planned" | "cancelled" | "entered-in-error")
    )
}

/// An emergency admission: an inpatient encounter admitted as an emergency, or one
/// whose type is coded as an emergency admission; any other item coded as one (a GP's
/// entry for the admission).
fn is_emergency_admission(item: &Item) -> bool {
    match &item.encounter {
        Some(f) => {
            (f.class == Some(EncounterClass::Inpatient) && f.emergency)
                || f.types.iter().any(|t| EMERGENCY_ADMISSION.contains(t))
        }
        None => main_concept(item).is_some_and(|c| EMERGENCY_ADMISSION.contains(&c)),
    }
}

/// An emergency-department attendance: an encounter of class `EMER` or typed as one;
/// any other item coded as one.
fn is_emergency_attendance(item: &Item) -> bool {
    match &item.encounter {
        Some(f) => {
            f.class == Some(EncounterClass::Emergency)
                || f.types.iter().any(|t| EMERGENCY_ATTENDANCE.contains(t))
        }
        None => main_concept(item).is_some_and(|c| EMERGENCY_ATTENDANCE.contains(&c)),
    }
}

/// An encounter with an out-of-hours or urgent-care service.
fn is_out_of_hours_contact(item: &Item) -> bool {
    item.section == Section::Encounters
        && item
            .provenance
            .iter()
            .any(|p| p.organisation.care_setting == CareSetting::OutOfHours)
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A signal that counts events over a window.
fn window_signal(
    input: &Assessment<'_>,
    rule: &WindowRule,
    kind: RiskKind,
    is: impl Fn(&Item) -> bool,
    (one, many): (&str, &str),
    what_counts: &str,
) -> Option<RiskSignal> {
    let items: Vec<&Item> = input
        .visible
        .iter()
        .copied()
        .filter(|i| happened(i) && is(i))
        .collect();
    if items.is_empty() {
        return None;
    }
    let window = Window::ending(input.as_of, rule.window_days);
    let (count, evidence) = events::count(items, &window, one);
    if evidence.is_empty() {
        return None;
    }
    Some(RiskSignal {
        kind,
        raised: count >= i64::from(rule.raise_at),
        headline: format!("{} {}", plural(count, one, many), window.words()),
        count: Some(count),
        value: None,
        rule: format!(
            "Raised at {} or more {many} in the {} days to {} ({what_counts}). The same \
             event recorded by several organisations counts once; a partial date counts \
             only when it lies wholly inside the window.",
            rule.raise_at,
            rule.window_days,
            window.end_display()
        ),
        caveat: None,
        evidence,
    })
}

pub(super) fn emergency_admissions(
    input: &Assessment<'_>,
    rule: &WindowRule,
) -> Option<RiskSignal> {
    window_signal(
        input,
        rule,
        RiskKind::EmergencyAdmissions,
        is_emergency_admission,
        ("emergency admission", "emergency admissions"),
        "an inpatient admission by an emergency admission method, from the emergency \
         department or with emergency priority, or a record coded as an emergency hospital \
         admission",
    )
}

pub(super) fn emergency_attendances(
    input: &Assessment<'_>,
    rule: &WindowRule,
) -> Option<RiskSignal> {
    window_signal(
        input,
        rule,
        RiskKind::EmergencyAttendances,
        is_emergency_attendance,
        (
            "emergency department attendance",
            "emergency department attendances",
        ),
        "an encounter of the emergency class, or a record coded as an emergency department \
         visit",
    )
}

pub(super) fn out_of_hours_contacts(
    input: &Assessment<'_>,
    rule: &WindowRule,
) -> Option<RiskSignal> {
    window_signal(
        input,
        rule,
        RiskKind::OutOfHoursContacts,
        is_out_of_hours_contact,
        ("out-of-hours contact", "out-of-hours contacts"),
        "an encounter recorded by an out-of-hours or urgent-care service",
    )
}

pub(super) fn falls(input: &Assessment<'_>, rule: &WindowRule) -> Option<RiskSignal> {
    window_signal(
        input,
        rule,
        RiskKind::Falls,
        |i| i.concepts.iter().any(|c| FALLS.contains(c)),
        ("fall", "falls"),
        "a record coded as a fall or falls",
    )
}

/// A medication the patient is taking on the summary date: current by its status, and
/// not ended before it.
fn is_current(item: &Item, as_of: jiff::civil::Date) -> bool {
    item.section == Section::Medications && is_current_medication(item) && not_ended(item, as_of)
}

/// No end recorded, or one on or after the summary date.
fn not_ended(item: &Item, as_of: jiff::civil::Date) -> bool {
    item.end_date
        .as_ref()
        .and_then(FhirDate::days)
        .is_none_or(|(_, last)| last >= as_of)
}

/// Medicines grouped so that one medicine recorded by several organisations (or as
/// several lines) counts once: the same concept, or the same name.
fn medicines<'r>(items: impl Iterator<Item = &'r Item>) -> Vec<Vec<&'r Item>> {
    /// A medicine with what makes it the same as another: its main concept, its name in
    /// normalised words (worked out once, not at every comparison).
    struct Keyed<'r> {
        item: &'r Item,
        concept: Option<u64>,
        name: String,
    }
    let mut groups: Vec<Vec<Keyed<'r>>> = Vec::new();
    for item in items {
        let concept = main_concept(item);
        let name = crate::merge::normalise(&item.title);
        let same = groups.iter_mut().find(|g| {
            g.iter()
                .any(|m| (concept.is_some() && m.concept == concept) || m.name == name)
        });
        let keyed = Keyed {
            item,
            concept,
            name,
        };
        match same {
            Some(g) => g.push(keyed),
            None => groups.push(vec![keyed]),
        }
    }
    groups
        .into_iter()
        .map(|g| g.into_iter().map(|m| m.item).collect())
        .collect()
}

fn medicine_evidence(groups: &[Vec<&Item>]) -> Vec<RiskEvidence> {
    let mut evidence = Vec::new();
    for group in groups {
        let by: Vec<String> = group
            .first()
            .map(|f| {
                f.provenance
                    .iter()
                    .map(|p| p.organisation.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        for (at, item) in group.iter().enumerate() {
            let mut e = RiskEvidence::of(item);
            if at > 0 {
                e.counted = false;
                e.note = Some(format!(
                    "the same medicine as recorded by {}: counted once",
                    by.join(", ")
                ));
            }
            evidence.push(e);
        }
    }
    evidence
}

pub(super) fn polypharmacy(
    input: &Assessment<'_>,
    rule: &PolypharmacyRule,
    fallen: bool,
) -> Option<RiskSignal> {
    let groups = medicines(
        input
            .visible
            .iter()
            .copied()
            .filter(|i| is_current(i, input.as_of)),
    );
    if groups.is_empty() {
        return None;
    }
    let count = i64::try_from(groups.len()).unwrap_or(i64::MAX);
    let raised = count >= i64::from(rule.raise_at)
        || (fallen && count >= i64::from(rule.raise_at_with_falls));
    let mut headline = plural(count, "current medicine", "current medicines");
    if fallen && raised && count < i64::from(rule.raise_at) {
        headline.push_str(", with a recent fall");
    }
    Some(RiskSignal {
        kind: RiskKind::Polypharmacy,
        raised,
        headline,
        count: Some(count),
        value: None,
        rule: format!(
            "Raised at {} or more current medicines, or {} or more with a fall in the falls \
             window. A medicine recorded by several organisations counts once (the same \
             code or name); a medicine is current unless a source records it stopped, \
             completed or ended.",
            rule.raise_at, rule.raise_at_with_falls
        ),
        caveat: None,
        evidence: medicine_evidence(&groups),
    })
}

/// What a recorded frailty item says: whether it raises the signal, and its value.
fn recorded_frailty(item: &Item) -> Option<(bool, Option<String>)> {
    if let Some(&(_, raises)) = FRAILTY_FINDINGS
        .iter()
        .find(|(c, _)| item.concepts.contains(c))
    {
        return Some((raises, None));
    }
    let &(_, from) = FRAILTY_SCORES
        .iter()
        .find(|(c, _)| item.concepts.contains(c))?;
    let value = match &item.detail {
        Detail::Observation { result } => result.value.clone(),
        _ => None,
    };
    let raises = value
        .as_deref()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .is_some_and(|v| v >= from);
    Some((raises, value))
}

pub(super) fn frailty(input: &Assessment<'_>, rule: &FrailtyRule) -> Option<RiskSignal> {
    let mut recorded: Vec<(&Item, bool, Option<String>)> = input
        .visible
        .iter()
        .filter_map(|i| recorded_frailty(i).map(|(raises, value)| (*i, raises, value)))
        .collect();
    if !recorded.is_empty() {
        recorded.sort_by(|a, b| b.0.date.cmp(&a.0.date).then_with(|| a.0.id.cmp(&b.0.id)));
        let (latest, raised, value) = recorded.first().cloned()?;
        let mut headline = format!("Frailty recorded: {}", latest.title);
        if let Some(v) = &value {
            headline.push_str(&format!(" {v}"));
        }
        if let Some(d) = &latest.date {
            headline.push_str(&format!(" ({})", d.display()));
        }
        let evidence = recorded
            .iter()
            .enumerate()
            .map(|(at, (item, _, _))| {
                let mut e = RiskEvidence::of(item);
                if at > 0 {
                    e.counted = false;
                    e.note = Some("an earlier record: the latest is shown".to_owned());
                }
                e
            })
            .collect();
        return Some(RiskSignal {
            kind: RiskKind::Frailty,
            raised,
            headline,
            count: None,
            value,
            rule: "A frailty diagnosis or score recorded by a source; the latest is shown. \
                   Raised for frailty, frail elderly, moderate or severe frailty, an \
                   electronic Frailty Index of 0.25 or more, or a Clinical Frailty Scale \
                   score of 5 or more. Where one is recorded, no index is computed."
                .to_owned(),
            caveat: None,
            evidence,
        });
    }
    let old_enough = input
        .age_years
        .is_some_and(|a| a >= i64::from(rule.min_age_years));
    if !old_enough {
        return None;
    }
    computed_efi(input, rule)
}

/// The eFI from the coded deficits the viewer may see, when at least one is coded.
fn computed_efi(input: &Assessment<'_>, rule: &FrailtyRule) -> Option<RiskSignal> {
    let index = efi::deficits();
    // Each deficit counts once, from its first record.
    let mut first: BTreeMap<&'static str, &Item> = BTreeMap::new();
    for item in &input.visible {
        for deficit in item.concepts.iter().flat_map(|&c| index.deficits_of(c)) {
            let earlier = first.get(deficit).is_some_and(|f| f.date <= item.date);
            if !earlier {
                first.insert(deficit, item);
            }
        }
    }
    let year = Window::ending(input.as_of, 365);
    let recent_medicines = medicines(
        input
            .visible
            .iter()
            .copied()
            .filter(|i| is_current(i, input.as_of) || issued_within(i, &year)),
    );
    let polypharmacy = recent_medicines.len() >= 5;
    let deficits = u32::try_from(first.len()).unwrap_or(DEFICITS) + u32::from(polypharmacy);
    if deficits == 0 {
        return None;
    }
    let category = EfiCategory::of(deficits);
    let value = format!("{:.2}", f64::from(deficits) / f64::from(DEFICITS));
    let mut evidence: Vec<RiskEvidence> = first
        .iter()
        .map(|(deficit, item)| {
            let mut e = RiskEvidence::of(item);
            e.note = Some(format!("deficit: {}", deficit.replace('-', " ")));
            e
        })
        .collect();
    if polypharmacy && let Some(item) = recent_medicines.first().and_then(|g| g.first()) {
        let mut e = RiskEvidence::of(item);
        e.note = Some(format!(
            "deficit: polypharmacy ({} medicines current or issued in the last 12 months)",
            recent_medicines.len()
        ));
        evidence.push(e);
    }
    Some(RiskSignal {
        kind: RiskKind::Frailty,
        raised: category >= rule.raise_at,
        headline: format!(
            "Electronic Frailty Index {value} ({}): {deficits} of {DEFICITS} deficits coded",
            category.words()
        ),
        count: Some(i64::from(deficits)),
        value: Some(value),
        rule: format!(
            "The electronic Frailty Index (Clegg et al., Age and Ageing 2016): the deficits \
             coded, of {DEFICITS} (35 SNOMED CT code sets, each counted once from its first \
             record, and polypharmacy: 5 or more medicines current or issued in the last \
             12 months), for a patient aged {} or over with no frailty recorded. Fit up to \
             0.12, mild up to 0.24, moderate up to 0.36, severe above. Raised from {}.",
            rule.min_age_years,
            rule.raise_at.words()
        ),
        caveat: Some(SCREENING_CAVEAT.to_owned()),
        evidence,
    })
}

/// A medicine started, issued or supplied inside `window`.
fn issued_within(item: &Item, window: &Window) -> bool {
    let Detail::Medication(m) = &item.detail else {
        return false;
    };
    let inside = |d: Option<&FhirDate>| window.place(d) == events::Placed::Inside;
    inside(item.date.as_ref())
        || inside(m.last_issued.as_ref())
        || m.courses
            .iter()
            .any(|c| inside(c.start.as_ref()) || c.supplies.iter().any(|s| inside(s.date.as_ref())))
}

/// Care that is in place: not ended, cancelled or completed.
fn in_place(item: &Item, as_of: jiff::civil::Date) -> bool {
    !matches!(
        item.status.as_deref(),
        Some(
            "completed"
                | "revoked"
                | "cancelled"
                | "entered-in-error"
                | "inactive"
                | "draft"
                | "proposed"
                | "suspended"
        )
    ) && not_ended(item, as_of)
}

fn from_support_services(item: &Item) -> bool {
    item.provenance.iter().any(|p| {
        matches!(
            p.organisation.care_setting,
            CareSetting::SocialCare | CareSetting::Community
        )
    })
}

/// Words that name a carer among a contact's relationships.
fn is_carer(relationship: &str) -> bool {
    let r = relationship.to_lowercase();
    r.contains("carer") || r.contains("caregiver") || r.contains("care giver")
}

pub(super) fn support_in_place(input: &Assessment<'_>) -> Option<RiskSignal> {
    let index = efi::deficits();
    let mut evidence = Vec::new();
    for item in input.visible.iter().filter(|i| in_place(i, input.as_of)) {
        let coded_need = item
            .concepts
            .iter()
            .any(|&c| index.is_in(c, "care-requirement"));
        let (note, telecom) = match &item.detail {
            Detail::CarePlan { .. } if from_support_services(item) || coded_need => {
                ("care plan of a care service".to_owned(), Vec::new())
            }
            Detail::CareTeam { members } if from_support_services(item) => (
                format!(
                    "who to contact: {}",
                    members
                        .iter()
                        .map(|m| match &m.role {
                            Some(role) => format!("{} ({role})", m.name),
                            None => m.name.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                members.iter().flat_map(|m| m.telecom.clone()).collect(),
            ),
            Detail::Contact {
                relationship,
                telecom,
            } if relationship.iter().any(|r| is_carer(r)) => (
                format!("carer: {}", relationship.join(", ")),
                telecom.clone(),
            ),
            _ if coded_need => ("a care need recorded".to_owned(), Vec::new()),
            _ => continue,
        };
        let mut e = RiskEvidence::of(item);
        e.note = Some(note);
        e.telecom = telecom;
        evidence.push(e);
    }
    if evidence.is_empty() {
        return None;
    }
    let titles: Vec<&str> = evidence.iter().map(|e| e.title.as_str()).take(3).collect();
    let mut headline = titles.join("; ");
    if evidence.len() > titles.len() {
        headline.push_str(&format!(" and {} more", evidence.len() - titles.len()));
    }
    Some(RiskSignal {
        kind: RiskKind::SupportInPlace,
        raised: true,
        headline,
        count: None,
        value: None,
        rule: "Care plans and care teams of social-care and community services that are in \
               place, carers among the patient's contacts, and care needs coded in the eFI \
               care-requirement set (home help, a caregiver, a care home): the support a \
               discharge plan starts from."
            .to_owned(),
        caveat: None,
        evidence,
    })
}
