//! Fetching the session's patient's record from the organisations of a directory: the
//! core's fetcher (parallel, bounded, partial, with a status per source), with progress
//! handed to the host's callback and cancellation from any thread.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use icr_core::fetch::{CancelToken, Directory, FetchOptions, SourceProgress};

use crate::error::IcrError;

/// Told of each step of each source's fetch (started, retrying, done with its status),
/// for a spinner per organisation. Called on the fetching thread, in order per source;
/// keep it short. An error or exception it raises is ignored: the fetch goes on.
#[uniffi::export(callback_interface)]
pub trait FetchProgress: Send + Sync {
    /// One step of one source's fetch.
    fn on_progress(&self, progress: SourceProgress) -> Result<(), IcrError>;
}

/// How to fetch, where a host wants other than the directory's and the SDK's defaults.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct FetchSettings {
    /// The overall deadline in milliseconds, instead of the directory's `deadline_ms`.
    #[uniffi(default = None)]
    pub deadline_ms: Option<u64>,
    /// Tries per request for 429, 502, 503 and 504, the first included (default 3).
    #[uniffi(default = None)]
    pub max_attempts: Option<u32>,
    /// First backoff between tries in milliseconds when a source gives no `Retry-After`
    /// (default 200).
    #[uniffi(default = None)]
    pub backoff_ms: Option<u64>,
    /// Use the proxy the environment names (`HTTPS_PROXY`, …); default true.
    #[uniffi(default = None)]
    pub use_proxy: Option<bool>,
}

impl FetchSettings {
    fn options(&self, cancel: CancelToken) -> FetchOptions {
        let defaults = FetchOptions::default();
        FetchOptions {
            deadline: self.deadline_ms.map(Duration::from_millis),
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            backoff: self
                .backoff_ms
                .map_or(defaults.backoff, Duration::from_millis),
            use_proxy: self.use_proxy.unwrap_or(defaults.use_proxy),
            cancel,
            ..defaults
        }
    }
}

/// The fetches of one session in progress, so that any thread can cancel them.
#[derive(Debug, Default)]
pub(crate) struct Running(Mutex<Vec<CancelToken>>);

impl Running {
    /// A token for a fetch starting now, cancelled with the others by [`Running::cancel`].
    fn start(&self) -> CancelToken {
        let token = CancelToken::new();
        self.lock().push(token.clone());
        token
    }

    /// The fetch holding `token` has ended.
    fn end(&self, token: &CancelToken) {
        self.lock().retain(|t| !t.same(token));
    }

    /// Cancels every fetch in progress.
    pub(crate) fn cancel(&self) {
        for token in self.lock().iter() {
            token.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<CancelToken>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a fetch needs from the host's arguments: the directory read and checked, the
/// options with a cancel token registered in `running`, and the progress callback as the
/// core takes it. The token is released when the returned guard drops.
pub(crate) struct Prepared<'a> {
    pub(crate) directory: Directory,
    pub(crate) options: FetchOptions,
    progress: Option<Box<dyn FetchProgress>>,
    running: &'a Running,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(
        running: &'a Running,
        directory_json: &str,
        settings: Option<FetchSettings>,
        progress: Option<Box<dyn FetchProgress>>,
    ) -> Result<Prepared<'a>, IcrError> {
        let directory = Directory::from_json(directory_json.as_bytes())?;
        let options = settings.unwrap_or_default().options(running.start());
        Ok(Prepared {
            directory,
            options,
            progress,
            running,
        })
    }

    /// The host's callback; what it raises is dropped (progress is advisory).
    pub(crate) fn report(&self, step: SourceProgress) {
        if let Some(callback) = &self.progress {
            let _ = callback.on_progress(step);
        }
    }
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        self.running.end(&self.options.cancel);
    }
}
