//! The built-in demo patient: five synthetic sources (no real people) from the
//! organisations an ICR joins. See `demo/README.md` for the story they tell.

use crate::identity::NhsNumber;
use crate::model::{CareSetting, Organisation};
use crate::{IngestError, IngestOptions, SharedCareRecord, SourceRecord, ingest, merge};

/// The demo patient's NHS number (a valid number in the range reserved for testing).
pub const PATIENT_NHS_NUMBER: &str = "9990000026";

/// One demo source: who supplies it and its FHIR.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone)]
pub struct DemoSource {
    /// The supplying organisation, as a directory would declare it.
    pub organisation: Organisation,
    /// File name, for display.
    pub file: String,
    /// The FHIR JSON.
    pub json: String,
}

fn org(ods: &str, name: &str, care_setting: CareSetting) -> Organisation {
    Organisation {
        ods_code: Some(ods.to_owned()),
        name: name.to_owned(),
        care_setting,
    }
}

/// The five sources, registered GP first.
pub fn sources() -> Vec<DemoSource> {
    vec![
        DemoSource {
            organisation: org(
                "Y90001",
                "Riverside Medical Practice",
                CareSetting::GeneralPractice,
            ),
            file: "gp-practice.gpconnect-stu3.json".to_owned(),
            json: include_str!("../demo/gp-practice.gpconnect-stu3.json").to_owned(),
        },
        DemoSource {
            organisation: org(
                "R9A",
                "Northgate General Hospital NHS Trust",
                CareSetting::Acute,
            ),
            file: "acute-hospital.ukcore-r4.json".to_owned(),
            json: include_str!("../demo/acute-hospital.ukcore-r4.json").to_owned(),
        },
        DemoSource {
            organisation: org(
                "R9M",
                "Northgate Mental Health NHS Foundation Trust",
                CareSetting::MentalHealth,
            ),
            file: "mental-health-trust.ukcore-r4.json".to_owned(),
            json: include_str!("../demo/mental-health-trust.ukcore-r4.json").to_owned(),
        },
        DemoSource {
            organisation: org(
                "Y9SC1",
                "Northgate City Council Adult Social Care",
                CareSetting::SocialCare,
            ),
            file: "adult-social-care.ukcore-r4.json".to_owned(),
            json: include_str!("../demo/adult-social-care.ukcore-r4.json").to_owned(),
        },
        DemoSource {
            organisation: org(
                "Y9OOH",
                "Northgate Out-of-Hours Service",
                CareSetting::OutOfHours,
            ),
            file: "out-of-hours.ukcore-r4.json".to_owned(),
            json: include_str!("../demo/out-of-hours.ukcore-r4.json").to_owned(),
        },
    ]
}

/// The demo patient's NHS number, parsed.
pub fn patient() -> Option<NhsNumber> {
    NhsNumber::parse(PATIENT_NHS_NUMBER).ok()
}

/// The five sources, each ingested for the demo patient with its organisation.
pub fn source_records() -> Result<Vec<SourceRecord>, IngestError> {
    sources()
        .into_iter()
        .map(|s| {
            let options = IngestOptions {
                expected_patient: patient(),
                organisation: Some(s.organisation),
                ..IngestOptions::default()
            };
            ingest(s.json.as_bytes(), &options)
        })
        .collect()
}

/// The demo patient's record: the five sources ingested and merged.
pub fn record() -> Result<SharedCareRecord, IngestError> {
    Ok(merge(source_records()?, Vec::new()))
}
