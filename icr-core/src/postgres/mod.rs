//! The shared store for an ICR used from many hosts: the region's one audit chain
//! ([`PostgresAuditLog`]) and the session state every host must agree on
//! ([`PostgresState`]: the launch-token replay cache, emergency-access grants, the
//! opt-out register), in PostgreSQL.
//!
//! # Why PostgreSQL, and why this client
//!
//! The embedded defaults (the file log, the in-memory state) serve one machine. A region
//! runs many host systems on many machines, which need one chain in commit order, one
//! replay cache and one opt-out register: a transactional database every NHS
//! organisation already operates. The client is rust-postgres' blocking `postgres`
//! crate: well kept, no C library, and blocking like the SDK's [`AuditSink`](crate::audit::AuditSink) and
//! [`SessionState`](crate::session::SessionState) traits, so no async runtime leaks into
//! hosts.
//!
//! # How one chain is kept by many writers
//!
//! An append runs one transaction: it takes a transaction-scoped advisory lock (the same
//! key for every writer), reads the head row, checks the head's MAC under the key, seals
//! the next entry on it, inserts it and commits. The lock is released by the commit, so
//! the next writer reads a head that is committed: sequence numbers are gap-free in
//! commit order, and each entry links to the one before it. A writer that dies before
//! its commit leaves nothing (its transaction rolls back and its lock goes with its
//! connection), and the next writer reuses its number. Two round trips per append.
//!
//! The commit does not wait for the disk while it holds the lock: it is asynchronous, and
//! the append then commits a tiny durable transaction, which returns only once the
//! write-ahead log is flushed past the entry (the log is flushed in order). So the
//! chain's lock is held for a round trip, not a disk sync, and concurrent appends share
//! syncs as the server's group commit shares them for any transactions. An append
//! returns only after that flush; any database error fails it, and the session shows
//! nothing. An entry another writer saw before the flush can be lost only in a server
//! crash, and with it every entry chained after it: none of them was acknowledged.
//!
//! Each row holds the sealed line exactly as the file log writes it, so one verifier
//! checks both, with the same problem kinds, against the same checkpoints.
//!
//! # Schema
//!
//! Versioned migrations in `icr-core/migrations/`, applied by [`Database::connect`] in one
//! transaction under an advisory lock and recorded in `icr_schema_migrations`. The audit
//! table is append-only: the SDK's role needs only `SELECT, INSERT` on it (the grants a
//! deployment gives are in the first migration), and triggers refuse `UPDATE`, `DELETE`
//! and `TRUNCATE` even to its owner.
//!
//! Connections to any host but this machine use TLS, required unless the URL says
//! otherwise (`sslmode=prefer` or `disable`), with the SDK's one rustls configuration:
//! the operating system's trust store, certificate and host name always verified. A
//! loopback address or a Unix socket keeps PostgreSQL's own default (TLS when the server
//! offers it).

mod audit;
#[cfg(feature = "fetch")]
mod mark;
mod migrate;
mod pages;
mod state;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use audit::PostgresAuditLog;
#[cfg(feature = "fetch")]
pub use mark::PostgresShipMark;
pub use state::PostgresState;

use crate::audit::AuditError;
use crate::session::StateError;

/// True when every host the configuration names is this machine (a loopback address,
/// `localhost` or a Unix socket), where no network carries the connection.
fn only_this_machine(config: &postgres::Config) -> bool {
    config.get_hosts().iter().all(|host| match host {
        postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        postgres::config::Host::Unix(_) => true,
    })
}

/// Connections kept open between uses.
const MAX_IDLE: usize = 8;

/// A PostgreSQL database holding the region's audit chain and shared state: its
/// connection settings and a few idle connections, shared by the audit log and the state.
/// A connection that fails is dropped, and the next use connects again, so the store
/// resumes by itself when the database is back.
pub struct Database {
    config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    idle: Mutex<Vec<postgres::Client>>,
}

impl std::fmt::Debug for Database {
    /// No connection settings: the URL can hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Database(***)")
    }
}

/// What went wrong inside one use of a connection.
pub(crate) enum Failure {
    /// The database refused or could not be reached.
    Db(postgres::Error),
    /// Something the SDK found (a broken chain).
    Audit(AuditError),
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Failure {
        Failure::Db(e)
    }
}

impl From<AuditError> for Failure {
    fn from(e: AuditError) -> Failure {
        Failure::Audit(e)
    }
}

impl Failure {
    /// The SQLSTATE code: never the message, which can quote values.
    fn code(e: &postgres::Error) -> Option<String> {
        e.code().map(|c| c.code().to_owned())
    }

    pub(crate) fn audit(self, operation: &'static str) -> AuditError {
        match self {
            Failure::Db(e) => AuditError::Database {
                operation,
                code: Failure::code(&e),
            },
            Failure::Audit(e) => e,
        }
    }

    pub(crate) fn state(self, operation: &'static str) -> StateError {
        match self {
            Failure::Db(e) => StateError::Unavailable {
                operation,
                code: Failure::code(&e),
            },
            Failure::Audit(_) => StateError::Unavailable {
                operation,
                code: None,
            },
        }
    }
}

impl Database {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`, or
    /// the `key=value` form) and brings its schema up to this SDK's version. A URL that
    /// does not parse, a database that cannot be reached and a schema newer than this
    /// SDK are errors; none of their messages quotes the URL.
    pub fn connect(url: &str) -> Result<Arc<Database>, AuditError> {
        let mut config: postgres::Config = url.parse().map_err(|_| AuditError::Database {
            operation: "read the database URL",
            code: None,
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if !url.contains("sslmode") && !only_this_machine(&config) {
            config.ssl_mode(postgres::config::SslMode::Require);
        }
        let tls = crate::tls::client_config().map_err(|_| AuditError::Database {
            operation: "set up TLS",
            code: None,
        })?;
        let db = Database {
            config,
            tls: tokio_postgres_rustls::MakeRustlsConnect::new(tls),
            idle: Mutex::new(Vec::new()),
        };
        db.with_client(migrate::apply)
            .map_err(|f| f.audit("migrate"))?;
        Ok(Arc::new(db))
    }

    /// Runs `f` on an idle connection, or a new one. A connection on which anything
    /// failed is closed rather than reused: its transaction state is unknown.
    pub(crate) fn with_client<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut client = match idle {
            Some(c) if !c.is_closed() => c,
            _ => self.config.connect(self.tls.clone())?,
        };
        let result = f(&mut client);
        if result.is_ok() && !client.is_closed() {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE {
                idle.push(client);
            }
        }
        result
    }

    /// An audit log on this database, sealed under `key`.
    pub fn audit_log(self: &Arc<Self>, key: crate::audit::AuditKey) -> PostgresAuditLog {
        PostgresAuditLog::new(Arc::clone(self), key)
    }

    /// How far the chain has been shipped to the FHIR server named `target`.
    #[cfg(feature = "fetch")]
    pub fn ship_mark(self: &Arc<Self>, target: &str) -> PostgresShipMark {
        PostgresShipMark::new(Arc::clone(self), target)
    }

    /// The shared session state on this database.
    pub fn state(self: &Arc<Self>) -> PostgresState {
        PostgresState::new(Arc::clone(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here(url: &str) -> bool {
        only_this_machine(&url.parse().unwrap())
    }

    #[test]
    fn only_loopback_addresses_and_sockets_count_as_this_machine() {
        assert!(here("postgres://icr@127.0.0.1:5432/icr"));
        assert!(here("postgres://icr@[::1]/icr"));
        assert!(here("postgres://icr@localhost/icr"));
        assert!(here("host=/var/run/postgresql user=icr"));
        assert!(!here("postgres://icr@db.region.nhs.uk/icr"));
        assert!(!here("postgres://icr@10.1.2.3/icr"));
        assert!(!here("host=127.0.0.1,db.region.nhs.uk user=icr"));
    }
}
