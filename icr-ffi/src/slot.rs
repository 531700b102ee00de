//! What an exported object holds: a core value until the host closes it.

use std::sync::{Arc, PoisonError, RwLock};

use crate::error::{CoreError, IcrError, host};

/// A core value shared with calls in flight; `close` drops the object's hold on it, and
/// every later call fails with [`IcrError::Closed`] (never touches freed memory).
#[derive(Debug)]
pub(crate) struct Slot<T> {
    value: RwLock<Option<Arc<T>>>,
    what: &'static str,
}

impl<T> Slot<T> {
    pub(crate) fn new(value: T, what: &'static str) -> Slot<T> {
        Slot {
            value: RwLock::new(Some(Arc::new(value))),
            what,
        }
    }

    /// The value, or `Closed`.
    pub(crate) fn get(&self) -> Result<Arc<T>, IcrError> {
        self.value
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| host(CoreError::Closed(self.what)))
    }

    /// Lets go of the value; calls in flight finish with their own reference.
    pub(crate) fn close(&self) {
        self.value
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}
