//! The patient summary: what a host shows, section by section.
//!
//! A [`PatientSummary`] is the shared record after access decisions: items in a fixed
//! section order (alerts first), per-section "information withheld" markers that give a
//! count and the reasons and nothing of the content, what sources say about empty
//! sections, their warnings, and each source's status. It serialises to a documented JSON
//! whose `schema_version` changes whenever its shape does.

use serde::{Deserialize, Serialize};

use crate::merge::SharedCareRecord;
pub use crate::model::WithheldReason;
use crate::model::{AllergyStatus, Detail, Entry, ItemWarningCode, Section, Sensitivity, Telecom};
use crate::model::{SectionNoteKind, SourceStatus, WarningCode};
use crate::risk::{self, Assessment, RiskBlock, RiskRules};
use crate::trends::{self, Trend};
pub use parts::{SectionOverview, SummaryBanner};

/// Version of the summary JSON. Bumped on any change of shape that a host reading the
/// earlier shape could misread; fields added with a default (`SourceView::freshness`,
/// `ResultLine::reference_ranges`) keep it. Version 2: a result's `abnormal` (which said
/// `false` without evidence) became `flag` and `flag_basis`, allergy `reactions` became
/// structured, and items carry `warnings`; medications gained `courses`. Version 3: every
/// code is kebab-case (`care-team`, `timed-out`, `dose-changed`, `care-plan`; field names
/// stay snake_case), so one rule reads them all. Version 4: the `risk` block (risk
/// signals with their evidence, [`crate::risk`]).
pub const SCHEMA_VERSION: i32 = 4;

/// The default of [`SummaryOptions::stale_after_days`]: a source whose data is older than
/// this many days is [`Freshness::Stale`].
pub const DEFAULT_STALE_AFTER_DAYS: i64 = 30;

/// How a summary is built, apart from the access decisions.
#[cfg_attr(not(feature = "trust"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SummaryOptions {
    /// A source whose data is older than this many days on the summary date is
    /// [`Freshness::Stale`].
    pub(crate) stale_after_days: i64,
    /// The thresholds and windows of the risk signals (the policy's).
    pub(crate) risk: RiskRules,
    /// The viewer's role sees administrative entries only ([`administrative`]).
    pub(crate) administrative: bool,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            stale_after_days: DEFAULT_STALE_AFTER_DAYS,
            risk: RiskRules::default(),
            administrative: false,
        }
    }
}

/// The summary a host shows.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientSummary {
    /// Version of this JSON's shape.
    pub schema_version: i32,
    /// The date the summary was made (for ages and staleness), ISO `yyyy-mm-dd`.
    pub as_of: String,
    /// The patient banner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<Banner>,
    /// Where sources disagree about who the patient is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demographic_discrepancies: Vec<String>,
    /// What the banner must show before anything else: contradictions between sources
    /// and allergies to medicines that are current, each naming its item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub banner_alerts: Vec<BannerAlert>,
    /// Who may be at risk of coming into hospital, and the support in place: signals
    /// computed from what this viewer may see, each with its rule and evidence.
    #[serde(default)]
    pub risk: RiskBlock,
    /// Repeated results of one quantity in date order (eGFR, HbA1c, blood pressure, and
    /// any coded quantity with three or more), built from what this viewer may see.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trends: Vec<Trend>,
    /// Every section, in display order, present even when empty.
    pub sections: Vec<SummarySection>,
    /// Items from a source whose patient is not confirmed to be this patient (same NHS
    /// number, other demographics): not part of the record, listed for reconciliation
    /// only, each after the same access decision as any item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reconciliation: Vec<Entry>,
    /// Every source with its status, warnings and how current it is.
    pub sources: Vec<SourceView>,
}

impl PatientSummary {
    /// How many sources were read (status `ok`).
    pub fn sources_read(&self) -> usize {
        self.sources
            .iter()
            .filter(|s| s.status == SourceStatus::Ok)
            .count()
    }

    /// What a section with nothing in it says. "None recorded" only when every source
    /// was read: when none was, nothing was received (a clinician must not read "no
    /// allergies recorded" when nothing arrived); when some were not, the words say
    /// the sources that answered recorded none.
    pub fn empty_section_words(&self) -> &'static str {
        match self.sources_read() {
            0 => "Nothing received: no source could be read",
            n if n < self.sources.len() => "None recorded by the sources that answered",
            _ => "None recorded",
        }
    }
}

/// A warning the banner shows: a contradiction between sources, or an allergy to a
/// medicine that is current.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerAlert {
    /// What kind.
    pub code: ItemWarningCode,
    /// The section of the item it concerns.
    pub section: Section,
    /// The item it concerns ([`Entry::id`]).
    pub item_id: String,
    /// Words to show: the item's title and its warning.
    pub text: String,
}

/// The patient banner, with values and their NHS CUI display forms.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Banner {
    /// `THORNTON, Margaret Ann (Mrs)`.
    pub name: String,
    /// Ten digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    /// `999 000 0026`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number_display: Option<String>,
    /// As recorded (`1948-03-12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// `12-Mar-1948`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date_display: Option<String>,
    /// Whole years on `as_of`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_years: Option<i64>,
    /// `female`, `male`, `other`, `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Date of death, or `deceased`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased: Option<String>,
    /// Whole years at death, when both dates are known to the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_at_death: Option<i64>,
    /// Addresses, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Phone numbers and email.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<Telecom>,
    /// Registered GP or practice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_gp: Option<String>,
    /// Set for a restricted patient (PDS S-flag, from a source or the host): their
    /// address, telephone, email and registered practice are withheld from every role,
    /// and this says so (`Contact details withheld: restricted record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_details_withheld: Option<String>,
}

/// The banner line for a restricted patient.
pub const RESTRICTED_NOTICE: &str = "Contact details withheld: restricted record";

impl Banner {
    /// Withholds the contact details of a restricted patient (address, telephone, email,
    /// and the registered practice, which would say where they live) and says so.
    pub(crate) fn restrict(&mut self) {
        self.addresses.clear();
        self.telecom.clear();
        self.registered_gp = None;
        self.contact_details_withheld = Some(RESTRICTED_NOTICE.to_owned());
    }
}

/// One section of the summary.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummarySection {
    /// Stable key (`allergies`).
    pub key: Section,
    /// Heading.
    pub title: String,
    /// Items the viewer may see.
    pub items: Vec<Entry>,
    /// What was withheld from this viewer, by reason (never what it was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<Withheld>,
    /// Administrative entries with no content (a "Comment note" with no text), counted
    /// by title instead of listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folded: Vec<FoldedItems>,
    /// What sources say about this section ("no known allergies").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<SectionStatement>,
    /// Warnings about this section (confidential items left out, record in transit,
    /// contradictions between sources).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<SectionWarning>,
}

/// Administrative entries with no content, counted.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldedItems {
    /// Their title.
    pub title: String,
    /// How many.
    pub count: i64,
}

/// Titles (and SNOMED CT codes) of entries GP systems make for filing rather than to
/// record a finding: shown as a count when they carry nothing else.
const ADMINISTRATIVE: [(&str, &str); 3] = [
    ("37331000000100", "comment note"),
    ("185317003", "seen in primary care establishment"),
    ("185316007", "seen in surgery"),
];

/// The title an item is counted under when it is an administrative entry with no
/// content: no value, comment, note, flag or warning.
#[cfg_attr(not(feature = "trust"), allow(dead_code))]
fn administrative_title(e: &Entry) -> Option<String> {
    let code = e.code.as_ref().and_then(|c| c.code.as_deref());
    let title = e.title.trim();
    let listed = ADMINISTRATIVE
        .iter()
        .any(|(c, t)| code == Some(*c) || title.eq_ignore_ascii_case(t));
    let empty = match &e.detail {
        Detail::Observation { result } => {
            result.value.is_none()
                && result.comments.is_empty()
                && result.interpretation.is_none()
                && result.flag.is_none()
        }
        Detail::Encounter {
            participants,
            reasons,
            location,
            discharge,
            ..
        } => {
            participants.is_empty()
                && reasons.is_empty()
                && location.is_none()
                && discharge.is_none()
        }
        _ => false,
    };
    (listed && empty && e.notes.is_empty() && e.warnings.is_empty() && e.discrepancies.is_empty())
        .then(|| e.title.trim().to_owned())
}

/// A marker that items were withheld.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withheld {
    /// How many items.
    pub count: i64,
    /// Why (a stable code).
    pub reason: WithheldReason,
    /// Why, in plain words.
    pub explanation: String,
}

/// A source's statement about a section.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionStatement {
    /// What it says.
    pub kind: SectionNoteKind,
    /// Its words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Who says it.
    pub organisation: String,
}

/// A warning on a section.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionWarning {
    /// Kind (`confidential-items`, `data-in-transit`, `contradiction`, …).
    pub code: String,
    /// Words to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Who says it.
    pub organisation: String,
}

/// A source as the summary shows it.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceView {
    /// ODS code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ods_code: Option<String>,
    /// Name.
    pub name: String,
    /// Care setting key.
    pub care_setting: crate::model::CareSetting,
    /// `ok`, `unavailable`, `timed_out`, `identity_mismatch`, …
    pub status: SourceStatus,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Latest change in its data (`lastUpdated`), as recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Days between `as_of` and the summary date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Whether its data may be out of date, judged when the summary was built (for a
    /// source that answered; `None` for a failed source). Every host shows the same
    /// judgement: `stale` and `age_unknown` are both "may be out of date". Absent from
    /// summary JSON made before this field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
    /// Warnings that concern no one section.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<SectionWarning>,
    /// Items it contributed to this summary (after access decisions).
    pub items: i64,
}

/// How current a source's data is, on the summary date.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "ts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Freshness {
    /// Its data is no older than the summary's threshold (`current`).
    Current,
    /// Its data is older than the summary's threshold (`stale`): "may be out of date".
    Stale,
    /// It did not say when its data was last updated, or not to the day (`age-unknown`):
    /// its data may be of any age, so it "may be out of date" too.
    AgeUnknown,
}

/// The freshness of a source with `status` whose data is `age_days` old: `None` for a
/// source that failed (nothing of it is shown).
pub(crate) fn freshness(
    status: SourceStatus,
    age_days: Option<i64>,
    stale_after_days: i64,
) -> Option<Freshness> {
    if status != SourceStatus::Ok {
        return None;
    }
    Some(match age_days {
        None => Freshness::AgeUnknown,
        Some(days) if days > stale_after_days => Freshness::Stale,
        Some(_) => Freshness::Current,
    })
}

// Only sessions (feature `trust`) build summaries; the wasm panel only reads them.
#[cfg_attr(not(feature = "trust"), allow(dead_code))]
/// Builds the summary, asking `decide` for each item whether the viewer may see it.
pub(crate) fn build(
    record: &SharedCareRecord,
    as_of: jiff::civil::Date,
    options: SummaryOptions,
    mut decide: impl FnMut(usize, &Entry) -> Result<Vec<Sensitivity>, WithheldReason>,
) -> PatientSummary {
    let mut sections: Vec<SummarySection> = Section::ALL
        .iter()
        .map(|&s| SummarySection {
            key: s,
            title: s.title().to_owned(),
            items: Vec::new(),
            withheld: Vec::new(),
            folded: Vec::new(),
            statements: Vec::new(),
            warnings: Vec::new(),
        })
        .collect();
    let position = |s: Section| Section::ALL.iter().position(|x| *x == s);
    // Room for every item at once: items are large, and a list grown by doubling copies
    // them again at each step.
    let mut visible: Vec<Entry> = Vec::with_capacity(record.entries.len());
    let mut visible_items = Vec::with_capacity(record.entries.len());
    let mut reconciliation: Vec<Entry> = Vec::new();
    for (at, entry) in record.entries.iter().enumerate() {
        let Some(section) = position(entry.section).and_then(|at| sections.get_mut(at)) else {
            continue;
        };
        let decided = decide(at, entry).and_then(|labels| {
            let shown = entry.shown_with(labels);
            match options.administrative {
                true => administrative::redact(shown).ok_or(WithheldReason::RoleSection),
                false => Ok(shown),
            }
        });
        match decided {
            Ok(shown) if entry.identity_unconfirmed => reconciliation.push(shown),
            Ok(shown) => {
                visible_items.push(entry);
                visible.push(shown);
            }
            Err(reason) => match section.withheld.iter_mut().find(|w| w.reason == reason) {
                Some(w) => w.count += 1,
                None => section.withheld.push(Withheld {
                    count: 1,
                    explanation: explain(&reason),
                    reason,
                }),
            },
        }
    }
    let banner_alerts = checks::run(&mut visible, as_of);
    let mut shown_in = [0usize; Section::ALL.len()];
    for e in &visible {
        if let Some(n) = position(e.section).and_then(|at| shown_in.get_mut(at)) {
            *n += 1;
        }
    }
    for (section, n) in sections.iter_mut().zip(shown_in) {
        section.items.reserve_exact(n);
    }
    for e in visible {
        let Some(section) = position(e.section).and_then(|at| sections.get_mut(at)) else {
            continue;
        };
        match administrative_title(&e) {
            Some(title) => match section.folded.iter_mut().find(|f| f.title == title) {
                Some(f) => f.count += 1,
                None => section.folded.push(FoldedItems { title, count: 1 }),
            },
            None => section.items.push(e),
        }
    }
    let mut sources = Vec::new();
    for source in &record.sources {
        let org = source.organisation.name.clone();
        let mut general = Vec::new();
        for w in &source.warnings {
            let warning = SectionWarning {
                code: warning_code(&w.code),
                text: w.text.clone(),
                organisation: org.clone(),
            };
            match w
                .section
                .and_then(position)
                .and_then(|at| sections.get_mut(at))
            {
                Some(section) if !section.warnings.contains(&warning) => {
                    section.warnings.push(warning)
                }
                Some(_) => {}
                None => general.push(warning),
            }
        }
        for note in &source.section_notes {
            if let Some(section) = position(note.section).and_then(|at| sections.get_mut(at)) {
                section.statements.push(SectionStatement {
                    kind: note.kind.clone(),
                    text: note.text.clone(),
                    organisation: org.clone(),
                });
            }
        }
        let items = sections
            .iter()
            .flat_map(|s| s.items.iter())
            .chain(reconciliation.iter())
            .filter(|e| {
                e.provenance
                    .iter()
                    .any(|p| p.organisation == source.organisation)
            })
            .count();
        let age_days = source
            .as_of
            .as_ref()
            .and_then(|d| d.civil_date())
            .and_then(|d| d.until(as_of).ok())
            .map(|span| i64::from(span.get_days()));
        sources.push(SourceView {
            ods_code: source.organisation.ods_code.clone(),
            name: org,
            care_setting: source.organisation.care_setting,
            status: source.status,
            reason: source.reason.clone(),
            as_of: source.as_of.as_ref().map(|d| d.as_str().to_owned()),
            age_days,
            freshness: freshness(source.status, age_days, options.stale_after_days),
            warnings: general,
            items: i64::try_from(items).unwrap_or(i64::MAX),
        });
    }
    flag_allergy_contradictions(&mut sections);
    // Risk signals and trends are clinical: an administrative view has none.
    if options.administrative {
        visible_items.clear();
    }
    let trends = trends::build(&visible_items);
    let risk = risk::assess(
        &Assessment {
            visible: visible_items,
            age_years: record
                .patient
                .as_ref()
                .and_then(|p| p.birth_date.as_ref())
                .and_then(|d| d.years_until(as_of)),
            as_of,
        },
        &options.risk,
    );
    PatientSummary {
        schema_version: SCHEMA_VERSION,
        as_of: as_of.to_string(),
        patient: record.patient.as_ref().map(|p| {
            let mut banner = Banner {
                name: p.name.banner(),
                nhs_number: p.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
                nhs_number_display: p.nhs_number.as_ref().map(|n| n.formatted()),
                birth_date: p.birth_date.as_ref().map(|d| d.as_str().to_owned()),
                birth_date_display: p.birth_date.as_ref().map(|d| d.display()),
                age_years: p.birth_date.as_ref().and_then(|d| d.years_until(as_of)),
                gender: p.gender.clone(),
                deceased: p.deceased.clone(),
                age_at_death: p.deceased.as_deref().and_then(|d| {
                    let died = crate::model::FhirDate::parse(d)?.civil_date()?;
                    p.birth_date.as_ref()?.years_until(died)
                }),
                addresses: p.addresses.clone(),
                telecom: p.telecom.clone(),
                registered_gp: p.registered_gp.clone(),
                contact_details_withheld: None,
            };
            if p.restricted {
                banner.restrict();
            }
            banner
        }),
        demographic_discrepancies: record.demographic_discrepancies.clone(),
        banner_alerts,
        risk,
        trends,
        sections,
        reconciliation,
        sources,
    }
}

/// "No known allergies" from one source while another records an allergy is a
/// contradiction the clinician must see.
#[cfg_attr(not(feature = "trust"), allow(dead_code))]
fn flag_allergy_contradictions(sections: &mut [SummarySection]) {
    let Some(allergies) = sections.iter_mut().find(|s| s.key == Section::Allergies) else {
        return;
    };
    let active = allergies
        .items
        .iter()
        .filter(|e| {
            matches!(
                e.detail,
                Detail::Allergy {
                    clinical_status: AllergyStatus::Active,
                    ..
                }
            )
        })
        .count();
    if active == 0 {
        return;
    }
    let nka: Vec<String> = allergies
        .statements
        .iter()
        .filter(|s| s.kind == SectionNoteKind::NilKnown)
        .map(|s| s.organisation.clone())
        .collect();
    for org in nka {
        allergies.warnings.push(SectionWarning {
            code: "contradiction".to_owned(),
            text: Some(format!(
                "'No known allergies' is recorded, but {active} active allerg{} also recorded. Check with the patient.",
                if active == 1 { "y is" } else { "ies are" }
            )),
            organisation: org,
        });
    }
}

#[cfg_attr(not(feature = "trust"), allow(dead_code))]
fn warning_code(code: &WarningCode) -> String {
    match code {
        WarningCode::ConfidentialItems => "confidential-items".to_owned(),
        WarningCode::DataInTransit => "data-in-transit".to_owned(),
        WarningCode::DataAwaitingFiling => "data-awaiting-filing".to_owned(),
        WarningCode::ItemsNotSupported => "items-not-supported".to_owned(),
        WarningCode::SupplierMessage => "supplier-message".to_owned(),
        WarningCode::InvalidDate => "invalid-date".to_owned(),
        WarningCode::InvalidValue => "invalid-value".to_owned(),
        WarningCode::Other(c) => c.clone(),
    }
}

/// Plain words for a withheld reason.
pub fn explain(reason: &WithheldReason) -> String {
    match reason {
        WithheldReason::RoleSection => "Not available to your role.".to_owned(),
        WithheldReason::SensitiveCategory(c) => {
            format!("Sensitive information ({}) that your role may not see.", c.replace('-', " "))
        }
        WithheldReason::Inference => {
            "Withheld because it would reveal other withheld sensitive information.".to_owned()
        }
        WithheldReason::Linked => "Withheld: linked to sensitive information.".to_owned(),
        WithheldReason::PatientOptOut => "The patient has opted out of sharing this record.".to_owned(),
        WithheldReason::NoRelationship => {
            "You have no recorded care relationship with this patient; use emergency access if clinically necessary."
                .to_owned()
        }
        WithheldReason::NonParticipating => {
            "The organisation that holds it does not share with yours.".to_owned()
        }
    }
}

mod administrative;
pub(crate) mod checks;
pub mod marshal;
mod parts;
#[cfg(test)]
mod tests;
