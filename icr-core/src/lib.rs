#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod demo;
pub mod error;
mod fhir;
pub mod identity;
#[cfg(feature = "trust")]
pub mod launch;
pub mod ingest;
pub mod merge;
pub mod model;
pub mod summary;

pub use error::IngestError;
pub use identity::NhsNumber;
pub use ingest::{IngestOptions, IngestReport, SourceRecord, ingest};
pub use merge::{FailedSource, SharedCareRecord, SourceStatus, merge};
pub use summary::PatientSummary;
