//! Time for tests: a fixed moment, so that summaries (ages, staleness, the `as_of` date)
//! and token lifetimes do not drift with the day the tests run on; and the system's time,
//! for tokens presented to an ICR that runs on the system clock (another process, a
//! host built without `.clock(…)`).

use std::sync::Arc;

use icr_core::session::Clock;

/// The moment a fixed clock stands at: 2026-11-25T12:00:00Z.
pub const NOW: i64 = 1_795_608_000;

/// The date of [`NOW`]: the summary date an ICR on [`fixed`]`(NOW)` gives.
pub fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 25)
}

/// A clock for `IcrBuilder::clock` that always says `at` (Unix seconds).
pub fn fixed(at: i64) -> Clock {
    Arc::new(move || at)
}

/// The system's time now, in Unix seconds: for a token presented to an ICR on the
/// system clock.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}
