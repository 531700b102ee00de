//! `SummaryView`: the decided and audited summary kept in the library, read by the host a
//! part at a time (what it renders, when it renders it) instead of copied whole.

use icr_core::model::{Entry, Section};
use icr_core::summary::{SectionOverview, SourceView, SummaryBanner, SummarySection, marshal};

use crate::error::{CoreError, IcrError, host};
use crate::live::{Live, VIEWS};
use crate::slot::Slot;

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
    /// The banner, its alerts, the alert items and every source: what a host shows first.
    pub fn banner(&self) -> Result<SummaryBanner, IcrError> {
        Ok(self.summary.get()?.banner())
    }

    /// Every section without its items, in display order.
    pub fn sections(&self) -> Result<Vec<SectionOverview>, IcrError> {
        Ok(self.summary.get()?.overviews())
    }

    /// One section with its items.
    pub fn section(&self, key: Section) -> Result<SummarySection, IcrError> {
        let section = self.summary.get()?.section(key).cloned();
        section.ok_or_else(|| host(CoreError::Input("no such section".into())))
    }

    /// The same section as Python `marshal` data (see `CareRecord.summary_marshal`): what
    /// the Python package's `section(key)` decodes.
    pub fn section_marshal(&self, key: Section) -> Result<Vec<u8>, IcrError> {
        let summary = self.summary.get()?;
        let section = summary
            .section(key)
            .ok_or_else(|| host(CoreError::Input("no such section".into())))?;
        marshal::to_marshal(section).map_err(|_| host(CoreError::Serialize))
    }

    /// Every source with its status and how current it is.
    pub fn sources(&self) -> Result<Vec<SourceView>, IcrError> {
        Ok(self.summary.get()?.sources.clone())
    }

    /// Items from a source whose patient is not confirmed, for reconciliation only.
    pub fn reconciliation(&self) -> Result<Vec<Entry>, IcrError> {
        Ok(self.summary.get()?.reconciliation.clone())
    }

    /// The whole summary as the core's documented JSON.
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
