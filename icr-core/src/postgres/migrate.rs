//! Bringing a database's schema up to this SDK's version, once, whoever connects first.

use super::Failure;
use crate::audit::AuditError;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: [&str; 1] = [include_str!("../../migrations/0001_region.sql")];

/// The advisory lock that serialises migrations between hosts connecting at once.
const MIGRATION_LOCK: i64 = 0x4943_5201;

/// The newest schema version this SDK knows.
pub(crate) const LATEST: i32 = MIGRATIONS.len() as i32;

/// The schema's version: 0 when the SDK's tables are not there.
fn version(client: &mut impl postgres::GenericClient) -> Result<i32, postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('icr_schema_migrations') IS NOT NULL",
            &[],
        )?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM icr_schema_migrations",
            &[],
        )?
        .try_get(0)
}

/// Applies the migrations the database lacks. A database already at this version is
/// only read (a role without `CREATE` can connect); a newer one is refused.
pub(crate) fn apply(client: &mut postgres::Client) -> Result<(), Failure> {
    let found = version(client)?;
    if found > LATEST {
        return Err(AuditError::SchemaTooNew {
            found,
            known: LATEST,
        }
        .into());
    }
    if found == LATEST {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS icr_schema_migrations (
             version    integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    // Another host may have migrated while this one waited for the lock.
    let found = version(&mut tx)?;
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO icr_schema_migrations (version) VALUES ($1)",
            &[&version],
        )?;
    }
    tx.commit()?;
    Ok(())
}
