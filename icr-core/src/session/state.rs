//! What every host of one ICR must agree on, behind one trait: the launch-token replay
//! cache, emergency-access grants and the opt-out register.
//!
//! [`MemoryState`] (the default) holds them in the process: right for one host process.
//! An ICR used from many processes or machines gives every host the same shared store
//! ([`PostgresState`](crate::postgres::PostgresState)), so that a token replayed at
//! another host is refused there, a break-glass grant is seen and expires everywhere, and
//! an opt-out recorded at one organisation applies at the next.
//!
//! A store that cannot answer fails closed: the session refuses, and nothing is shown.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, RwLock};

use crate::identity::NhsNumber;
use crate::launch::{LaunchError, ReplayCache};

/// Why the shared state refused or could not answer. Messages carry no patient data and
/// no token ids.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// The launch token id was already accepted (here or at another host) and has not
    /// expired.
    #[error("the launch token was already used")]
    Replayed,
    /// The replay cache is full of unexpired token ids.
    #[error("the launch-token replay cache is full")]
    ReplayCacheFull,
    /// The store could not be read or written.
    #[error("shared session state {operation} failed{}", code.as_ref().map(|c| format!(" (SQLSTATE {c})")).unwrap_or_default())]
    Unavailable {
        /// What was being done.
        operation: &'static str,
        /// The database's error code, when it gave one.
        code: Option<String>,
    },
}

/// A user's emergency access to a patient's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassGrant {
    /// The user's SDS user id.
    pub user_id: String,
    /// The patient.
    pub patient: NhsNumber,
    /// The user's organisation (ODS code).
    pub organisation: String,
    /// The session it was granted in.
    pub session_id: String,
    /// When (seconds since the epoch).
    pub granted_at: i64,
    /// Until when (seconds since the epoch, exclusive).
    pub until: i64,
}

/// A change to the opt-out register: who recorded it, where, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutChange {
    /// The patient.
    pub patient: NhsNumber,
    /// True: the patient opts out of sharing; false: they return to it.
    pub opted_out: bool,
    /// SDS user id of who recorded it.
    pub recorded_by: String,
    /// ODS code of their organisation.
    pub organisation: String,
    /// Why (the patient's request, as recorded).
    pub reason: String,
    /// When (seconds since the epoch).
    pub recorded_at: i64,
}

impl OptOutChange {
    /// A change recorded now.
    pub fn now(
        patient: NhsNumber,
        opted_out: bool,
        recorded_by: String,
        organisation: String,
        reason: String,
    ) -> OptOutChange {
        OptOutChange {
            patient,
            opted_out,
            recorded_by,
            organisation,
            reason,
            recorded_at: jiff::Timestamp::now().as_second(),
        }
    }
}

/// The state hosts of one ICR share. Every method is called before data is shown, and an
/// error refuses the request.
pub trait SessionState: Send + Sync {
    /// Accepts a launch token id for the first time: remembered until `forget_at` (its
    /// expiry plus leeway); refused with [`StateError::Replayed`] if already accepted
    /// and not yet forgettable at `now`.
    fn claim_token_id(&self, token_id: &str, forget_at: i64, now: i64) -> Result<(), StateError>;

    /// Records an emergency-access grant.
    fn grant_break_glass(&self, grant: &BreakGlassGrant) -> Result<(), StateError>;

    /// The end of the user's latest grant for the patient that is still running at
    /// `now`, if any.
    fn break_glass_until(
        &self,
        user_id: &str,
        patient: &NhsNumber,
        now: i64,
    ) -> Result<Option<i64>, StateError>;

    /// Records a change to the opt-out register.
    fn record_opt_out(&self, change: &OptOutChange) -> Result<(), StateError>;

    /// The patient's latest opt-out change, if any was recorded.
    fn opt_out(&self, patient: &NhsNumber) -> Result<Option<OptOutChange>, StateError>;
}

/// The state of one host process, in memory.
#[derive(Debug)]
pub struct MemoryState {
    replay: Mutex<ReplayCache>,
    grants: Mutex<Vec<BreakGlassGrant>>,
    opt_outs: RwLock<HashMap<NhsNumber, OptOutChange>>,
}

impl MemoryState {
    /// Empty, with room for `replay_capacity` unexpired token ids.
    pub fn new(replay_capacity: usize) -> MemoryState {
        MemoryState {
            replay: Mutex::new(ReplayCache::new(replay_capacity)),
            grants: Mutex::new(Vec::new()),
            opt_outs: RwLock::new(HashMap::new()),
        }
    }
}

impl SessionState for MemoryState {
    fn claim_token_id(&self, token_id: &str, forget_at: i64, now: i64) -> Result<(), StateError> {
        self.replay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .check_and_remember(token_id, forget_at, now)
            .map_err(|e| match e {
                LaunchError::ReplayCacheFull => StateError::ReplayCacheFull,
                _ => StateError::Replayed,
            })
    }

    fn grant_break_glass(&self, grant: &BreakGlassGrant) -> Result<(), StateError> {
        let mut grants = self.grants.lock().unwrap_or_else(PoisonError::into_inner);
        grants.retain(|g| g.until > grant.granted_at);
        grants.push(grant.clone());
        Ok(())
    }

    fn break_glass_until(
        &self,
        user_id: &str,
        patient: &NhsNumber,
        now: i64,
    ) -> Result<Option<i64>, StateError> {
        Ok(self
            .grants
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|g| g.user_id == user_id && &g.patient == patient && g.granted_at <= now)
            .map(|g| g.until)
            .filter(|until| *until > now)
            .max())
    }

    fn record_opt_out(&self, change: &OptOutChange) -> Result<(), StateError> {
        self.opt_outs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(change.patient.clone(), change.clone());
        Ok(())
    }

    fn opt_out(&self, patient: &NhsNumber) -> Result<Option<OptOutChange>, StateError> {
        Ok(self
            .opt_outs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(patient)
            .cloned())
    }
}
