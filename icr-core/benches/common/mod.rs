//! Shared by the benchmarks: reading criterion's estimates of this run, so each bench
//! can print its figures as ratios against the baseline it measured beside them.

use std::path::PathBuf;

/// Criterion's mean estimate for one benchmark of this run, in nanoseconds.
pub(crate) fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target
        .join("criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("mean")?.get("point_estimate")?.as_f64()
}
