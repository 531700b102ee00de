//! Words a host shows that the core writes: a recorded date as the NHS Common User
//! Interface displays it.

use icr_core::model::FhirDate;

/// A date as recorded, for display: `12-Mar-2024`, `Mar-2024`, `2024`, with the time when
/// one was recorded; text that is not a date is shown as it was written.
#[uniffi::export]
pub fn display_date(recorded: FhirDate) -> String {
    recorded.display()
}
