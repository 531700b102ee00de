//! Browser bindings for the ICR SDK (wasm-bindgen). The panel and its JS API arrive with
//! the panel work; until then this crate only links the core so the workspace builds as
//! one.
#![forbid(unsafe_code)]
