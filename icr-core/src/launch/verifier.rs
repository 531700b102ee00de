//! The verifier: one pass over a token in a fixed order, then the replay cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use super::cis2::{Cis2Identity, LaunchRules};
use super::claims;
use super::context::LaunchContext;
use super::error::LaunchError;
use super::jws;
use super::keys::TrustStore;
use crate::access::Policy;

/// Default clock leeway, seconds.
const DEFAULT_LEEWAY: i64 = 60;
/// Largest leeway [`Verifier::with_leeway`] accepts, seconds; larger values are capped.
pub const MAX_LEEWAY: u64 = 300;
/// Default number of unexpired token ids remembered.
const DEFAULT_REPLAY_CAPACITY: usize = 100_000;
/// Default longest token lifetime, seconds (five minutes, as GP Connect's).
pub const DEFAULT_MAX_LIFETIME: i64 = 300;
/// Largest lifetime [`Verifier::with_max_lifetime`] accepts, seconds; larger values are
/// capped, so the replay cache stays bounded by the rate of valid logins.
pub const MAX_LIFETIME: i64 = 3600;

/// Verifies signed launch tokens against a [`TrustStore`].
///
/// The checks run in this order, and the first failure is returned:
/// 1. length at most 16 KiB (configurable), before anything is decoded;
/// 2. three dot-separated parts, each canonical unpadded base64url;
/// 3. the header: one JSON object, no duplicate names, bounded nesting; `alg` present,
///    not `none`, supported; no `jku`/`jwk`/`x5u`/`x5c`/`x5t`/`b64`/`zip`; no `crit`;
///    `typ` absent or `JWT`; `kid` present and a safe identifier;
/// 4. the key: `kid` must be in the store, and the header's `alg` must be the algorithm
///    the store bound to that key;
/// 5. the signature, with that key and algorithm only;
/// 6. the claims (only now parsed): times with leeway, a lifetime (`exp − iat`, and
///    `exp − now`) no longer than the maximum (default five minutes), issuer, audience,
///    `jti`, and the ICR claims;
/// 7. replay: a `jti` already accepted and not yet expired is refused; otherwise it is
///    remembered until `exp` plus leeway.
///
/// `verify` takes `&self`; the replay cache sits behind a mutex, so one verifier can be
/// shared between threads. The cache is bounded: when it is full of unexpired ids, new
/// tokens are refused with [`LaunchError::ReplayCacheFull`] rather than forgetting ids.
/// Because no accepted token lives longer than the maximum lifetime, every id leaves the
/// cache within that lifetime plus twice the leeway: the cache holds at most the logins of
/// that window, and long-lived tokens cannot fill it.
#[derive(Debug)]
pub struct Verifier {
    store: TrustStore,
    leeway: i64,
    max_lifetime: i64,
    max_token_bytes: usize,
    rules: LaunchRules,
    replay: Mutex<ReplayCache>,
}

impl Verifier {
    /// A verifier with 60 seconds of leeway, a 16 KiB token limit and room for 100,000
    /// unexpired token ids.
    pub fn new(store: TrustStore) -> Self {
        Verifier {
            store,
            leeway: DEFAULT_LEEWAY,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            max_token_bytes: jws::DEFAULT_MAX_TOKEN_BYTES,
            rules: LaunchRules::default(),
            replay: Mutex::new(ReplayCache::new(DEFAULT_REPLAY_CAPACITY)),
        }
    }

    /// Sets the clock leeway applied to `exp`, `nbf` and `iat`; capped at
    /// [`MAX_LEEWAY`] seconds so that a configuration slip cannot switch expiry off.
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = i64::try_from(seconds.min(MAX_LEEWAY)).unwrap_or(DEFAULT_LEEWAY);
        self
    }

    /// Sets the longest token lifetime accepted (default [`DEFAULT_MAX_LIFETIME`]);
    /// capped at [`MAX_LIFETIME`] and at least one second.
    pub fn with_max_lifetime(mut self, seconds: u64) -> Self {
        self.max_lifetime = i64::try_from(seconds)
            .unwrap_or(MAX_LIFETIME)
            .clamp(1, MAX_LIFETIME);
        self
    }

    /// Sets the largest token accepted, in bytes (default 16 KiB).
    pub fn with_max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// Sets how many unexpired token ids the replay cache holds (default 100,000).
    pub fn with_replay_capacity(mut self, entries: usize) -> Self {
        self.replay = Mutex::new(ReplayCache::new(entries));
        self
    }

    /// Applies the policy's launch rules: its `cis2` block (the minimum `acr`, whether a
    /// self-claimed relationship counts) and its role codes (which R-code of a CIS2
    /// role is the role profile). [`Icr::builder`](crate::session::Icr::builder) calls
    /// this with the ICR's policy. Without it: no minimum `acr`, self-claimed
    /// relationships count as `none`, and a CIS2 role's first R-code is its profile.
    pub fn with_policy(mut self, policy: &Policy) -> Self {
        self.rules = LaunchRules::from_policy(policy);
        self
    }

    /// Verifies `token` like [`verify`](Self::verify) and also returns the CIS2 identity
    /// the launch came from (the selected role, its activities, the `acr`), when it
    /// carried one.
    pub fn verify_identity(
        &self,
        token: &str,
        now_unix: i64,
    ) -> Result<(LaunchContext, Option<Cis2Identity>), LaunchError> {
        let verified = self.verify_unclaimed_identity(token, now_unix)?;
        self.replay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .check_and_remember(&verified.0.token_id, self.forget_at(&verified.0), now_unix)?;
        Ok(verified)
    }

    /// The trust store this verifier uses.
    pub fn trust_store(&self) -> &TrustStore {
        &self.store
    }

    /// Verifies `token` at time `now_unix` (seconds since the Unix epoch) and returns
    /// the launch context it carries.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<LaunchContext, LaunchError> {
        self.verify_identity(token, now_unix)
            .map(|(context, _)| context)
    }

    /// How many unexpired token ids the replay cache holds.
    pub(crate) fn replay_capacity(&self) -> usize {
        self.replay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .capacity
    }

    /// When a token's id may be forgotten: a replay after that fails on `exp`.
    pub(crate) fn forget_at(&self, context: &LaunchContext) -> i64 {
        context.expires_at.saturating_add(self.leeway)
    }

    /// Steps 1 to 6, without the replay check: for an ICR whose replay cache is shared
    /// between hosts ([`SessionState`](crate::session::SessionState)).
    pub(crate) fn verify_unclaimed_identity(
        &self,
        token: &str,
        now_unix: i64,
    ) -> Result<(LaunchContext, Option<Cis2Identity>), LaunchError> {
        let claims = jws::verify(token, self.max_token_bytes, &self.store)?;
        claims::launch_context(
            &claims,
            &self.store,
            &self.rules,
            now_unix,
            self.leeway,
            self.max_lifetime,
        )
    }
}

/// Token ids seen, each with the time from which it may be forgotten (the token is
/// expired by then, so a replay would fail on `exp` anyway).
pub(crate) struct ReplayCache {
    seen: HashMap<String, i64>,
    capacity: usize,
}

impl fmt::Debug for ReplayCache {
    /// Sizes only: token ids are token contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayCache")
            .field("entries", &self.seen.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl ReplayCache {
    pub(crate) fn new(capacity: usize) -> Self {
        ReplayCache {
            seen: HashMap::new(),
            capacity,
        }
    }

    pub(crate) fn check_and_remember(
        &mut self,
        jti: &str,
        forget_at: i64,
        now: i64,
    ) -> Result<(), LaunchError> {
        if self.seen.get(jti).is_some_and(|until| *until > now) {
            return Err(LaunchError::Replayed);
        }
        if self.seen.len() >= self.capacity {
            self.seen.retain(|_, until| *until > now);
        }
        if self.seen.len() >= self.capacity && !self.seen.contains_key(jti) {
            return Err(LaunchError::ReplayCacheFull);
        }
        self.seen.insert(jti.to_owned(), forget_at);
        Ok(())
    }
}
