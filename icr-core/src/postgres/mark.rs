//! How far the region's chain has been shipped to each FHIR server, kept beside it.

use std::sync::Arc;

use super::Database;
use crate::audit::{AuditError, Checkpoint, ShipMark};

/// The last entry a FHIR server acknowledged, per server, in the region's database
/// (`icr_audit_shipped`), so that whichever host runs the shipper carries on where the
/// last one stopped. A save never moves the mark back.
pub struct PostgresShipMark {
    db: Arc<Database>,
    target: String,
}

impl std::fmt::Debug for PostgresShipMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresShipMark")
            .field("target", &self.target)
            .finish()
    }
}

impl PostgresShipMark {
    /// The mark for the server named `target` (its base URL, say).
    pub fn new(db: Arc<Database>, target: &str) -> PostgresShipMark {
        PostgresShipMark {
            db,
            target: target.to_owned(),
        }
    }
}

impl ShipMark for PostgresShipMark {
    fn load(&self) -> Result<Option<Checkpoint>, AuditError> {
        self.db
            .with_client(|c| {
                let row = c.query_opt(
                    "SELECT seq, mac FROM icr_audit_shipped WHERE target = $1",
                    &[&self.target],
                )?;
                let Some(row) = row else { return Ok(None) };
                let seq: i64 = row.try_get(0)?;
                Ok(Some(Checkpoint {
                    seq: u64::try_from(seq).map_err(|_| AuditError::BadCheckpoint)?,
                    mac: row.try_get(1)?,
                }))
            })
            .map_err(|f| f.audit("read ship mark"))
    }

    fn save(&self, shipped: &Checkpoint) -> Result<(), AuditError> {
        let seq = i64::try_from(shipped.seq).map_err(|_| AuditError::BadCheckpoint)?;
        self.db
            .with_client(|c| {
                c.execute(
                    "INSERT INTO icr_audit_shipped (target, seq, mac) VALUES ($1, $2, $3) \
                     ON CONFLICT (target) DO UPDATE SET seq = EXCLUDED.seq, mac = EXCLUDED.mac \
                     WHERE icr_audit_shipped.seq <= EXCLUDED.seq",
                    &[&self.target, &seq, &shipped.mac],
                )?;
                Ok(())
            })
            .map_err(|f| f.audit("write ship mark"))
    }
}
