#![no_main]
//! Fuzz target: see `icr_fuzz::render` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| icr_fuzz::render(data));
