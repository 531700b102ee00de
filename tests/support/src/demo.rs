//! The built-in demo patient (`icr_core::demo`) as tests use it: the record, one source by
//! file or organisation, and launch tokens minted for the demo patient, each unwrapped
//! with a message that says which step failed.
//!
//! The demo's sources are compiled into the SDK, so a failure here is a broken build
//! rather than a broken test; one place to unwrap them keeps that out of every test.

use icr_core::access::Policy;
use icr_core::demo::DemoSource;
use icr_core::launch::{self, LaunchContext, Relationship};
use icr_core::session;
use icr_core::{NhsNumber, SharedCareRecord, SourceRecord};

/// The demo patient's NHS number, parsed.
pub fn patient() -> NhsNumber {
    icr_core::demo::patient().expect("the demo patient's NHS number is valid")
}

/// The demo patient's five sources, each ingested with its organisation.
pub fn source_records() -> Vec<SourceRecord> {
    icr_core::demo::source_records().unwrap_or_else(|e| panic!("a demo source did not ingest: {e}"))
}

/// The demo patient's record: the five sources ingested and merged.
pub fn record() -> SharedCareRecord {
    icr_core::demo::record().unwrap_or_else(|e| panic!("the demo record did not ingest: {e}"))
}

/// The demo source in the file `file` (`gp-practice.gpconnect-stu3.json`, …).
pub fn source(file: &str) -> DemoSource {
    icr_core::demo::sources()
        .into_iter()
        .find(|s| s.file == file)
        .unwrap_or_else(|| panic!("no demo source {file}"))
}

/// The demo source supplied by the organisation with ODS code `ods` (`Y90001`, …).
pub fn source_of(ods: &str) -> DemoSource {
    icr_core::demo::sources()
        .into_iter()
        .find(|s| s.organisation.ods_code.as_deref() == Some(ods))
        .unwrap_or_else(|| panic!("no demo source from {ods}"))
}

/// A demo launch token for the default UK policy's role `role` (`gp`, `nurse`, …) with
/// `relationship` to the demo patient, issued at `now` by the demo host: what an ICR
/// built with `icr_core::session::demo::builder` accepts once.
pub fn token(role: &str, relationship: Relationship, now: i64) -> String {
    token_for(role, relationship, patient(), now, |_| {})
}

/// A demo launch token as [`token`] makes it, about `patient`, with the launch context
/// changed by `edit` before it is signed (a restricted patient, the host's demographics
/// claims).
///
/// The context is the one `icr_core::session::demo::token` makes: the role's first
/// national code pair in the default UK policy, the demo organisation, the demo key.
pub fn token_for(
    role: &str,
    relationship: Relationship,
    patient: NhsNumber,
    now: i64,
    edit: impl FnOnce(&mut LaunchContext),
) -> String {
    let policy = Policy::default_uk().expect("the default UK policy");
    let codes = policy
        .role(role)
        .and_then(|rule| rule.r#match.first())
        .unwrap_or_else(|| panic!("no national codes for the role {role}"));
    let mut context = launch::demo::context(
        &codes.role_profile,
        codes.job_role.as_deref(),
        session::demo::ORGANISATION,
        patient,
        relationship,
        now,
    );
    edit(&mut context);
    let key = launch::demo::signing_key().expect("the demo signing key");
    launch::mint(&context, launch::demo::KID, &key)
        .unwrap_or_else(|e| panic!("demo token for {role}: {e}"))
}
