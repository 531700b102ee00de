//! `SummaryView`: the decided and audited summary kept in the library, read by the host a
//! part at a time (what it renders, when it renders it) instead of copied whole.

use icr_core::model::Section;
use icr_core::summary;

use crate::error::{CoreError, IcrError, host};
use crate::live::{Live, VIEWS};
use crate::slot::Slot;
use crate::summary::{
    Banner, BannerAlert, FoldedItems, SectionStatement, SectionWarning, SourceView, SummaryItem,
    Withheld,
};
use crate::summary::{SummarySection, count};

/// What a host renders before anything else: the patient banner, where sources disagree
/// about who the patient is, the banner alerts (contradictions, allergies to current
/// medicines), the alerts, and every source with its status (a source that could not be
/// read means information is missing from every section).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SummaryBanner {
    /// Version of the summary's shape (the JSON's `schema_version`).
    pub schema_version: i32,
    /// The date the summary was made, `yyyy-mm-dd`.
    pub as_of: String,
    /// The patient banner.
    pub patient: Option<Banner>,
    /// Where sources disagree about who the patient is.
    pub demographic_discrepancies: Vec<String>,
    /// What the banner must show before anything else: contradictions between sources
    /// and allergies to medicines that are current, each naming its item (as
    /// `PatientSummary.banner_alerts`).
    pub banner_alerts: Vec<BannerAlert>,
    /// The items of the alerts section (safeguarding and other alerts) the viewer may see;
    /// alerts withheld are counted in that section's overview.
    pub alerts: Vec<SummaryItem>,
    /// Every source with its status and how current it is.
    pub sources: Vec<SourceView>,
}

/// One section without its items: what a host needs for its heading, its notices and
/// whether to offer it at all.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SectionOverview {
    /// Stable key (`allergies`, `care_team`): pass it to `SummaryView.section`.
    pub key: String,
    /// Heading.
    pub title: String,
    /// Items the viewer may see.
    pub shown: i64,
    /// Items withheld from the viewer (the sum of the `withheld` markers).
    pub withheld_count: i64,
    /// What was withheld from this viewer, by reason (never what it was).
    pub withheld: Vec<Withheld>,
    /// Administrative entries with no content (a "Comment note" with no text), counted
    /// by title: not among `shown` (as `SummarySection.folded`).
    pub folded: Vec<FoldedItems>,
    /// What sources say about this section ("no known allergies").
    pub statements: Vec<SectionStatement>,
    /// Warnings about this section (confidential items left out, contradictions).
    pub warnings: Vec<SectionWarning>,
}

impl From<&summary::SummarySection> for SectionOverview {
    fn from(s: &summary::SummarySection) -> Self {
        SectionOverview {
            key: s.key.key().to_owned(),
            title: s.title.clone(),
            shown: count(s.items.len()),
            withheld_count: count(s.withheld.iter().map(|w| w.count).sum()),
            withheld: s.withheld.iter().cloned().map(Into::into).collect(),
            folded: s.folded.iter().cloned().map(Into::into).collect(),
            statements: s.statements.iter().cloned().map(Into::into).collect(),
            warnings: s.warnings.iter().cloned().map(Into::into).collect(),
        }
    }
}

/// The summary a session may see, decided and audited once (by `CareRecord.summary_view`)
/// and kept in the library: the host reads the banner, the section overviews and the
/// items of each section when it renders them. Reading does not audit again: the access
/// was recorded when the view was made. The view holds no session: it stays readable
/// until it is closed or freed, like a summary the host copied.
#[derive(uniffi::Object)]
pub struct SummaryView {
    summary: Slot<icr_core::PatientSummary>,
    _live: Live,
}

impl SummaryView {
    pub(crate) fn new(summary: icr_core::PatientSummary) -> SummaryView {
        SummaryView {
            summary: Slot::new(summary, "SummaryView"),
            _live: Live::new(&VIEWS),
        }
    }
}

#[uniffi::export]
impl SummaryView {
    /// The patient banner, the alerts and the sources' status: what the host shows first.
    pub fn banner(&self) -> Result<SummaryBanner, IcrError> {
        let s = self.summary.get()?;
        Ok(SummaryBanner {
            schema_version: i32::try_from(s.schema_version).unwrap_or(i32::MAX),
            as_of: s.as_of.clone(),
            patient: s.patient.clone().map(Into::into),
            demographic_discrepancies: s.demographic_discrepancies.clone(),
            banner_alerts: s.banner_alerts.iter().cloned().map(Into::into).collect(),
            alerts: s
                .sections
                .iter()
                .filter(|x| x.key == Section::Alerts)
                .flat_map(|x| x.items.iter().cloned().map(Into::into))
                .collect(),
            sources: s.sources.iter().cloned().map(Into::into).collect(),
        })
    }

    /// Every section in display order (alerts first), without its items.
    pub fn sections(&self) -> Result<Vec<SectionOverview>, IcrError> {
        Ok(self
            .summary
            .get()?
            .sections
            .iter()
            .map(Into::into)
            .collect())
    }

    /// One section with its items, as in `CareRecord.summary()`; `key` is a section key
    /// from `sections()` (`medications`). An unknown key is `InvalidInput`.
    pub fn section(&self, key: String) -> Result<SummarySection, IcrError> {
        let s = self.summary.get()?;
        let section = s.sections.iter().find(|x| x.key.key() == key);
        let section = section.ok_or_else(|| host(CoreError::Input("no such section".into())))?;
        Ok(section.clone().into())
    }

    /// Every source with its status and how current it is.
    pub fn sources(&self) -> Result<Vec<SourceView>, IcrError> {
        let s = self.summary.get()?;
        Ok(s.sources.iter().cloned().map(Into::into).collect())
    }

    /// The items listed for reconciliation only, as `PatientSummary.reconciliation`: from
    /// a source whose patient is not confirmed to be this patient (its status
    /// `IdentityUnconfirmed`), not part of the record's sections.
    pub fn reconciliation(&self) -> Result<Vec<SummaryItem>, IcrError> {
        let s = self.summary.get()?;
        Ok(s.reconciliation.iter().cloned().map(Into::into).collect())
    }

    /// The whole view as the core's documented JSON (`schema_version` 2), the same as
    /// `CareRecord.summary_json()` gave at the time of the view (not audited again).
    pub fn to_json(&self) -> Result<String, IcrError> {
        serde_json::to_string(&*self.summary.get()?).map_err(|_| host(CoreError::Serialize))
    }

    /// The same JSON as UTF-8 bytes.
    pub fn to_json_bytes(&self) -> Result<Vec<u8>, IcrError> {
        serde_json::to_vec(&*self.summary.get()?).map_err(|_| host(CoreError::Serialize))
    }

    /// Lets go of the summary: later calls fail with `IcrError.Closed`.
    pub fn close(&self) {
        self.summary.close();
    }
}
