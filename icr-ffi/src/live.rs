//! Counts of live objects, so hosts can prove in their tests that what they free is freed.

use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) static ICRS: AtomicU64 = AtomicU64::new(0);
pub(crate) static SESSIONS: AtomicU64 = AtomicU64::new(0);
pub(crate) static SOURCE_SETS: AtomicU64 = AtomicU64::new(0);
pub(crate) static RECORDS: AtomicU64 = AtomicU64::new(0);
pub(crate) static VIEWS: AtomicU64 = AtomicU64::new(0);

/// Held by each exported object: counts it while it lives.
#[derive(Debug)]
pub(crate) struct Live(&'static AtomicU64);

impl Live {
    pub(crate) fn new(counter: &'static AtomicU64) -> Live {
        counter.fetch_add(1, Ordering::Relaxed);
        Live(counter)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many objects of each kind are alive in the library (not yet freed by their host).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LiveObjects {
    /// `Icr` objects.
    pub icr: i64,
    /// `Session` objects.
    pub sessions: i64,
    /// `SourceSet` objects.
    pub source_sets: i64,
    /// `CareRecord` objects.
    pub records: i64,
    /// `SummaryView` objects.
    pub views: i64,
}

/// The objects alive now: a diagnostic for hosts' leak tests (free everything, then
/// expect zeros).
#[uniffi::export]
pub fn live_objects() -> LiveObjects {
    let load = |c: &AtomicU64| i64::try_from(c.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    LiveObjects {
        icr: load(&ICRS),
        sessions: load(&SESSIONS),
        source_sets: load(&SOURCE_SETS),
        records: load(&RECORDS),
        views: load(&VIEWS),
    }
}
