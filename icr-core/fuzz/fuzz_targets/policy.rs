#![no_main]
//! Fuzz target: see `icr_fuzz::policy` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| icr_fuzz::policy(data));
