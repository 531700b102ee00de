#![no_main]
//! Fuzz target: see `icr_fuzz::ingest` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| icr_fuzz::ingest(data));
