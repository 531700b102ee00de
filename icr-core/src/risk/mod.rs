//! Who is at risk of coming into hospital, and what support is in place to get them
//! home: signals derived from the joined-up record, each with the rule it applied and
//! its evidence (the items it counted, with their sources).
//!
//! Only the joined-up record sees both halves (the GP's frailty and medicines, the
//! hospital's emergency admissions, the out-of-hours calls, the council's care package),
//! and the signals are computed in the viewer's own access context: [`assess`] is given
//! the items the viewer may see and nothing else, so a withheld item is never counted,
//! never an axis of a window, never evidence, and no number it would change is shown.
//!
//! Signals say what the record shows, never its absence: a signal with nothing to count
//! is left out rather than shown as "none" (a source that sent no encounters has not
//! said there were none). Thresholds and windows are policy data ([`RiskRules`]).

mod codes;
mod efi;
mod events;
mod rules;
mod signals;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::model::{FhirDate, Item, Section, Telecom};

pub use efi::{DEFICITS as EFI_DEFICITS, EfiCategory, SCREENING_CAVEAT};
pub use rules::{FrailtyRule, PolypharmacyRule, RiskRules, WindowRule};

/// What a summary says about risk: the signals the viewer's record shows.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskBlock {
    /// Each signal the record shows, in a fixed order (admissions, attendances,
    /// out-of-hours contacts, falls, polypharmacy, frailty, support in place); a signal
    /// with nothing to count is absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<RiskSignal>,
    /// What the figures rest on, the same words for every viewer: only what the viewer
    /// may see is counted.
    pub basis: String,
}

/// The words of [`RiskBlock::basis`].
pub const RISK_BASIS: &str = "Counted from the information you may see in this record; \
    anything withheld from you is not counted. A signal is a prompt to look, not a \
    prediction.";

/// One risk signal.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskSignal {
    /// What it is about.
    pub kind: RiskKind,
    /// The rule's threshold is met (for support in place: support is recorded).
    pub raised: bool,
    /// The finding in words (`2 emergency admissions in the last 12 months`).
    pub headline: String,
    /// What was counted (admissions, medicines, deficits), when the signal counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The figure, when the signal has one (`0.28` for a computed eFI, a recorded
    /// score as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The rule applied, in words: what counts, over which window, the threshold.
    pub rule: String,
    /// What must be said beside the figure (the eFI is a screening tool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
    /// The items it rests on, each with its sources; items listed but not counted say
    /// why (the same event from another organisation, a partial date that may fall
    /// outside the window).
    pub evidence: Vec<RiskEvidence>,
}

/// Kinds of risk signal.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RiskKind {
    /// Emergency admissions to hospital.
    EmergencyAdmissions,
    /// Attendances at an emergency department.
    EmergencyAttendances,
    /// Contacts with out-of-hours and urgent-care services.
    OutOfHoursContacts,
    /// Falls.
    Falls,
    /// The number of current medicines.
    Polypharmacy,
    /// Frailty: recorded, or the electronic Frailty Index computed from coded deficits.
    Frailty,
    /// Support in place normally (a care package, a carer), with who to contact: for
    /// discharge planning.
    SupportInPlace,
}

impl RiskKind {
    /// Words for a heading.
    pub fn title(self) -> &'static str {
        match self {
            RiskKind::EmergencyAdmissions => "Emergency admissions",
            RiskKind::EmergencyAttendances => "Emergency department attendances",
            RiskKind::OutOfHoursContacts => "Out-of-hours contacts",
            RiskKind::Falls => "Falls",
            RiskKind::Polypharmacy => "Medicines",
            RiskKind::Frailty => "Frailty",
            RiskKind::SupportInPlace => "Support in place",
        }
    }
}

/// One item a signal rests on.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEvidence {
    /// The item ([`crate::model::Entry::id`]), shown in its section.
    pub item_id: String,
    /// Its section.
    pub section: Section,
    /// Its title.
    pub title: String,
    /// Its date, as recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<FhirDate>,
    /// The organisations that record it.
    pub organisations: Vec<String>,
    /// Whether it added to the count.
    pub counted: bool,
    /// Why it is listed, or why it did not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How to reach the people or service it names (a care provider, a carer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<Telecom>,
}

impl RiskEvidence {
    /// Evidence from an item, counted, with no note.
    fn of(item: &Item) -> RiskEvidence {
        let mut organisations: Vec<String> = item
            .provenance
            .iter()
            .map(|p| p.organisation.name.clone())
            .collect();
        organisations.dedup();
        RiskEvidence {
            item_id: item.id.clone(),
            section: item.section,
            title: item.title.clone(),
            date: item.date.clone(),
            organisations,
            counted: true,
            note: None,
            telecom: Vec::new(),
        }
    }
}

/// What the signals are computed from: the items the viewer may see, the patient's age,
/// the summary date.
pub(crate) struct Assessment<'r> {
    /// The items the viewer may see (never a withheld one).
    pub(crate) visible: Vec<&'r Item>,
    /// The patient's age in whole years on the summary date, when known.
    pub(crate) age_years: Option<i64>,
    /// The summary date: windows end on it.
    pub(crate) as_of: jiff::civil::Date,
}

/// The risk block for what the viewer may see.
pub(crate) fn assess(input: &Assessment<'_>, rules: &RiskRules) -> RiskBlock {
    let falls = signals::falls(input, &rules.falls);
    let fallen = falls.as_ref().is_some_and(|s| s.count.unwrap_or(0) > 0);
    let signals = [
        signals::emergency_admissions(input, &rules.emergency_admissions),
        signals::emergency_attendances(input, &rules.emergency_attendances),
        signals::out_of_hours_contacts(input, &rules.out_of_hours_contacts),
        falls,
        signals::polypharmacy(input, &rules.polypharmacy, fallen),
        signals::frailty(input, &rules.frailty),
        signals::support_in_place(input),
    ];
    RiskBlock {
        signals: signals.into_iter().flatten().collect(),
        basis: RISK_BASIS.to_owned(),
    }
}
