//! Shared by the test binaries (and the region benchmark) of every crate in the
//! workspace, so each does not carry its own copy.

// Test scaffolding: a harness that cannot start what a test needs stops the test loudly
// with why (the workspace denies these lints for production code).
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod audit;
pub mod database;
