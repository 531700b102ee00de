//! A summary read a part at a time: the banner with the alerts, one line per section, one
//! section. For a host that renders the banner first and each section when it is opened,
//! instead of taking the whole summary across its language boundary at once.

use serde::{Deserialize, Serialize};

use super::{
    Banner, BannerAlert, FoldedItems, PatientSummary, SectionStatement, SectionWarning, SourceView,
    SummarySection, Withheld,
};
use crate::model::{Entry, Section};

/// What a host shows first: the banner, its alerts, the alert items and every source.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryBanner {
    /// Version of the summary's shape.
    pub schema_version: i32,
    /// The date the summary was made, `yyyy-mm-dd`.
    pub as_of: String,
    /// The patient banner.
    pub patient: Option<Banner>,
    /// Where sources disagree about who the patient is.
    pub demographic_discrepancies: Vec<String>,
    /// Contradictions between sources and allergies to current medicines.
    pub banner_alerts: Vec<BannerAlert>,
    /// The items of the alerts section (safeguarding and other alerts).
    pub alerts: Vec<Entry>,
    /// Every source with its status and how current it is.
    pub sources: Vec<SourceView>,
}

/// One section without its items: what a host needs to list the sections and say what
/// each holds and withholds.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionOverview {
    /// The section.
    pub key: Section,
    /// Heading.
    pub title: String,
    /// Items the viewer may see.
    pub shown: i64,
    /// Items withheld, over all reasons.
    pub withheld_count: i64,
    /// What was withheld, by reason (never what it was).
    pub withheld: Vec<Withheld>,
    /// Administrative entries counted instead of listed.
    pub folded: Vec<FoldedItems>,
    /// What sources say about this section.
    pub statements: Vec<SectionStatement>,
    /// Warnings about this section.
    pub warnings: Vec<SectionWarning>,
}

impl PatientSummary {
    /// The banner part.
    pub fn banner(&self) -> SummaryBanner {
        SummaryBanner {
            schema_version: self.schema_version,
            as_of: self.as_of.clone(),
            patient: self.patient.clone(),
            demographic_discrepancies: self.demographic_discrepancies.clone(),
            banner_alerts: self.banner_alerts.clone(),
            alerts: self
                .section(Section::Alerts)
                .map(|s| s.items.clone())
                .unwrap_or_default(),
            sources: self.sources.clone(),
        }
    }

    /// One line per section, in display order.
    pub fn overviews(&self) -> Vec<SectionOverview> {
        self.sections.iter().map(SectionOverview::of).collect()
    }

    /// One section.
    pub fn section(&self, key: Section) -> Option<&SummarySection> {
        self.sections.iter().find(|s| s.key == key)
    }
}

impl SectionOverview {
    /// The overview of one section.
    pub fn of(s: &SummarySection) -> SectionOverview {
        SectionOverview {
            key: s.key,
            title: s.title.clone(),
            shown: i64::try_from(s.items.len()).unwrap_or(i64::MAX),
            withheld_count: s.withheld.iter().map(|w| w.count).sum(),
            withheld: s.withheld.clone(),
            folded: s.folded.clone(),
            statements: s.statements.clone(),
            warnings: s.warnings.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Section;
    use crate::summary::{SummaryOptions, build};

    #[test]
    fn the_parts_are_the_summary_read_a_part_at_a_time() {
        let record = crate::demo::record().expect("demo record");
        let today = jiff::civil::date(2026, 12, 5);
        let summary = build(&record, today, SummaryOptions::default(), |_, e| {
            Ok(e.sensitivity.clone())
        });
        let banner = summary.banner();
        assert_eq!(banner.patient, summary.patient);
        let alerts = summary.section(Section::Alerts).expect("alerts section");
        assert_eq!(banner.alerts, alerts.items);
        assert!(!banner.alerts.is_empty(), "the demo has alerts");
        let overviews = summary.overviews();
        assert_eq!(overviews.len(), summary.sections.len());
        for (o, s) in overviews.iter().zip(&summary.sections) {
            let shown = i64::try_from(s.items.len()).expect("a count");
            assert_eq!((o.key, o.shown), (s.key, shown));
            let withheld: i64 = s.withheld.iter().map(|w| w.count).sum();
            assert_eq!(o.withheld_count, withheld);
        }
    }
}
