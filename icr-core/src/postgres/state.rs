//! The session state every host shares, in three small tables.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use ring::digest;

use super::Database;
use crate::identity::NhsNumber;
use crate::session::{BreakGlassGrant, OptOutChange, SessionState, StateError};

/// Expired token ids are deleted once every this many claims (by whichever host makes
/// the claim).
const PURGE_EVERY: u32 = 1024;

/// The replay cache, emergency-access grants and opt-out register in PostgreSQL: a token
/// id accepted at any host is refused at every other until it expires; a grant is seen,
/// and expires, at every host; an opt-out recorded through one host applies at all.
///
/// Token ids are stored as their SHA-256, never as given (they are token contents). The
/// cache has no fixed capacity: no token lives longer than the policy's maximum lifetime,
/// so the table holds at most that window's logins, and expired ids are purged as claims
/// go by.
pub struct PostgresState {
    db: Arc<Database>,
    claims: AtomicU32,
}

impl std::fmt::Debug for PostgresState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresState")
    }
}

impl PostgresState {
    /// The shared state on `db`.
    pub fn new(db: Arc<Database>) -> PostgresState {
        PostgresState {
            db,
            claims: AtomicU32::new(0),
        }
    }
}

fn token_hash(token_id: &str) -> String {
    digest::digest(&digest::SHA256, token_id.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl SessionState for PostgresState {
    fn claim_token_id(&self, token_id: &str, forget_at: i64, now: i64) -> Result<(), StateError> {
        let hash = token_hash(token_id);
        let purge = self
            .claims
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PURGE_EVERY);
        let claimed = self
            .db
            .with_client(|c| {
                if purge {
                    c.execute("DELETE FROM icr_token_id WHERE forget_at <= $1", &[&now])?;
                }
                // Inserted, or re-used once the old claim may be forgotten; no row back
                // means another host holds it.
                let rows = c.query(
                    "INSERT INTO icr_token_id (jti, forget_at) VALUES ($1, $2) \
                     ON CONFLICT (jti) DO UPDATE SET forget_at = EXCLUDED.forget_at \
                     WHERE icr_token_id.forget_at <= $3 RETURNING 1",
                    &[&hash, &forget_at, &now],
                )?;
                Ok(!rows.is_empty())
            })
            .map_err(|f| f.state("claim token id"))?;
        if claimed {
            Ok(())
        } else {
            Err(StateError::Replayed)
        }
    }

    fn grant_break_glass(&self, grant: &BreakGlassGrant) -> Result<(), StateError> {
        self.db
            .with_client(|c| {
                c.execute(
                    "INSERT INTO icr_break_glass \
                     (user_id, patient, organisation, session_id, granted_at, until) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &grant.user_id,
                        &grant.patient.as_str(),
                        &grant.organisation,
                        &grant.session_id,
                        &grant.granted_at,
                        &grant.until,
                    ],
                )?;
                Ok(())
            })
            .map_err(|f| f.state("grant emergency access"))
    }

    fn break_glass_until(
        &self,
        user_id: &str,
        patient: &NhsNumber,
        now: i64,
    ) -> Result<Option<i64>, StateError> {
        self.db
            .with_client(|c| {
                let row = c.query_one(
                    "SELECT max(until) FROM icr_break_glass \
                     WHERE user_id = $1 AND patient = $2 AND granted_at <= $3 AND until > $3",
                    &[&user_id, &patient.as_str(), &now],
                )?;
                Ok(row.try_get::<_, Option<i64>>(0)?)
            })
            .map_err(|f| f.state("read emergency access"))
    }

    fn record_opt_out(&self, change: &OptOutChange) -> Result<(), StateError> {
        self.db
            .with_client(|c| {
                c.execute(
                    "INSERT INTO icr_opt_out \
                     (patient, opted_out, recorded_by, organisation, reason, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &change.patient.as_str(),
                        &change.opted_out,
                        &change.recorded_by,
                        &change.organisation,
                        &change.reason,
                        &change.recorded_at,
                    ],
                )?;
                Ok(())
            })
            .map_err(|f| f.state("record opt-out"))
    }

    fn opt_out(&self, patient: &NhsNumber) -> Result<Option<OptOutChange>, StateError> {
        self.db
            .with_client(|c| {
                let row = c.query_opt(
                    "SELECT opted_out, recorded_by, organisation, reason, recorded_at \
                     FROM icr_opt_out WHERE patient = $1 ORDER BY id DESC LIMIT 1",
                    &[&patient.as_str()],
                )?;
                let Some(r) = row else { return Ok(None) };
                Ok(Some(OptOutChange {
                    patient: patient.clone(),
                    opted_out: r.try_get(0)?,
                    recorded_by: r.try_get(1)?,
                    organisation: r.try_get(2)?,
                    reason: r.try_get(3)?,
                    recorded_at: r.try_get(4)?,
                }))
            })
            .map_err(|f| f.state("read opt-out"))
    }
}
