//! Native host bindings for the ICR SDK (uniffi). The exported surface arrives with the
//! native-hosts work; until then this crate only links the core so the workspace builds
//! as one.
#![forbid(unsafe_code)]
