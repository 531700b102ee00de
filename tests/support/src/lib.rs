//! Shared by the test binaries (and the region benchmark) of every crate in the
//! workspace, so each does not carry its own copy of the same fixture.
//!
//! - [`audit`]: the test audit key (and a second one), and the record of a typical view.
//! - [`demo`]: the demo patient's record and sources, and demo launch tokens for it.
//! - [`clock`]: the fixed moment summaries are made at, and the system's time.
//! - [`summary`]: a summary's section by key, and the items shown and withheld.
//! - [`json`]: the same, read from JSON as a host receives it.
//! - [`process`]: a test binary rerun as a child, its `ACK` lines, a command's output.
//! - [`temp`]: a scratch folder removed on drop.
//! - [`rng`]: a seeded generator for tests that pick at random.
//! - [`database`]: a real PostgreSQL server on loopback per test binary.
//!
//! These are test fixtures: the keys are published here and the demo's signing key is
//! public, so nothing in this crate belongs in a deployment.

// Test scaffolding: a harness that cannot start what a test needs stops the test loudly
// with why (the workspace denies these lints for production code).
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod audit;
pub mod clock;
pub mod database;
pub mod demo;
pub mod json;
pub mod process;
pub mod rng;
pub mod summary;
pub mod temp;
