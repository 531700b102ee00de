//! The audit record both audit benchmarks append: a typical record view, so the file log
//! and the region's database are measured with rows of the same size.

use icr_core::audit::{AuditKind, AuditOutcome, AuditRecord, WithheldCount};

/// A typical record view: five sections, two withheld counts, three sources.
pub(crate) fn record() -> AuditRecord {
    AuditRecord {
        kind: AuditKind::RecordViewed,
        outcome: AuditOutcome::Success,
        session_id: "3f2b9c4e-7d1a-4c55-9e0b-2a6f8d1c3e77".into(),
        token_id: Some("tok-8c1d2e".into()),
        user_id: "555123456789".into(),
        user_name: Some("Dr Alex Example".into()),
        role: "GP".into(),
        role_profile: "R8000".into(),
        organisation: "A12345".into(),
        patient: Some("9434765919".into()),
        purpose: Some("direct_care".into()),
        relationship: Some("registered_gp".into()),
        sections: [
            "medications",
            "allergies",
            "problems",
            "results",
            "encounters",
        ]
        .map(String::from)
        .to_vec(),
        withheld: vec![
            WithheldCount {
                section: "problems".into(),
                reason: "sensitive".into(),
                count: 2,
            },
            WithheldCount {
                section: "results".into(),
                reason: "not_yet_released".into(),
                count: 1,
            },
        ],
        sources: ["A12345", "RXX", "RYY"].map(String::from).to_vec(),
        reason: None,
        ..AuditRecord::default()
    }
}
