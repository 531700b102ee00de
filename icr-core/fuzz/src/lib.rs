//! What each fuzz target checks, as plain functions, so that the saved corpora can be
//! replayed by `cargo test` on the stable toolchain (`tests/replay.rs`) as well as
//! fuzzed by `cargo fuzz` (`fuzz_targets/`, one line each).
//!
//! Every function takes arbitrary bytes, must never panic on its own account, and
//! asserts a property that must hold for every input: a failed assertion is a finding,
//! and the input that found it is kept under `regressions/<target>/`.

mod audit_log;
pub mod fetch_response;
pub mod fixtures;
mod ingest;
pub mod launch;
mod policy;
pub mod render;

pub use audit_log::audit_log;
pub use fetch_response::fetch_response;
pub use ingest::ingest;
pub use launch::launch;
pub use policy::policy;
pub use render::render;

/// A fuzz target's check: panics when a property fails.
pub type Check = fn(&[u8]);

/// The targets by name, as `cargo fuzz` and the corpus folders name them.
pub const TARGETS: &[(&str, Check)] = &[
    ("ingest", ingest),
    ("launch", launch),
    ("policy", policy),
    ("audit_log", audit_log),
    ("render", render),
    ("fetch_response", fetch_response),
];
