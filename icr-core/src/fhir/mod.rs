//! Reading FHIR JSON (GP Connect STU3 and R4) into borrowed, typed resources.
//!
//! This layer is private to the crate: hosts never see FHIR types, only the normalised
//! record built from them by [`crate::ingest`].

pub(crate) mod datatypes;
pub(crate) mod dispatch;
pub(crate) mod document;
pub(crate) mod lenient;
pub(crate) mod resources;
