#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The output types cross to C#, Java and Python as they are: this crate is its own uniffi
// component (`icr_core`), which `icr-ffi` builds on.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("icr_core");

pub mod access;
#[cfg(feature = "trust")]
pub mod audit;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "fetch")]
pub mod fetch;
mod fhir;
pub mod identity;
pub mod ingest;
#[cfg(feature = "trust")]
pub mod ips;
pub mod json_problem;
#[cfg(feature = "trust")]
pub mod launch;
pub mod merge;
pub mod model;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod render;
pub mod risk;
#[cfg(feature = "trust")]
pub mod session;
pub mod summary;
#[cfg(test)]
mod synthetic;
#[cfg(any(feature = "fetch", feature = "postgres"))]
mod tls;
pub mod trends;

pub use identity::NhsNumber;
pub use ingest::IngestError;
pub use ingest::{IngestOptions, IngestReport, SourceRecord, ingest};
pub use merge::{FailedSource, SharedCareRecord, SourceStatus, merge};
pub use summary::PatientSummary;
