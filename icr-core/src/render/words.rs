//! The words both views (text and panel) use for a fact, so that a clinician reads the
//! same thing in each: a result's value and flag, a medicine's status.

use crate::model::{FlagBasis, ResultLine};

/// A result's value with its unit as a clinician reads it (the display form when there
/// is one: UCUM units, rounded generator noise).
pub(crate) fn result_value(r: &ResultLine) -> Option<String> {
    if let Some(d) = &r.display {
        return Some(d.clone());
    }
    let v = r.value.as_deref()?;
    Some(match r.unit.as_deref() {
        Some(u) => format!("{v} {u}"),
        None => v.to_owned(),
    })
}

/// A result's flag: the evidence-based flag (`High`, `Critically low`, `Detected`), with
/// "(outside range)"-style words when it rests on the range rather than on the source's
/// interpretation; the source's own interpretation when it is not one the SDK reads;
/// nothing when there is no evidence either way.
pub(crate) fn result_flag(r: &ResultLine) -> Option<String> {
    match (r.flag, r.flag_basis) {
        (Some(f), Some(FlagBasis::ReferenceRange)) => Some(format!("{} (by range)", f.words())),
        (Some(f), _) => Some(f.words().to_owned()),
        (None, _) => r
            .interpretation
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_owned),
    }
}
