//! Where an ICR records every access and keeps what its hosts share, chosen once per
//! deployment: in memory (demos, tests), a file (one machine, many processes), or the
//! region's database (every host). Every shell (the bindings, the `icr` command) opens
//! its store here, so each reads its log back (entries, checkpoint, verification) the
//! same way.

use std::path::Path;
use std::sync::Arc;

use super::SessionState;
use crate::audit::{
    AuditEntry, AuditError, AuditKey, AuditLog, AuditSink, FileAuditLog, MemoryAuditLog,
};

/// An ICR's audit log and, for a region, the session state its hosts share.
#[derive(Clone)]
pub struct Store {
    log: Arc<dyn AuditLog>,
    state: Option<Arc<dyn SessionState>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("shared_state", &self.state.is_some())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A log in memory, sealed with `key`; the state is this process's own.
    pub fn memory(key: AuditKey) -> Store {
        Store::with_log(Arc::new(MemoryAuditLog::new(key)))
    }

    /// A log file (created or continued; see [`FileAuditLog::open`]); the state is this
    /// process's own.
    pub fn file(path: &Path, key: AuditKey) -> Result<Store, AuditError> {
        Ok(Store::with_log(Arc::new(FileAuditLog::open(path, key)?)))
    }

    /// A log file that keeps its checkpoint in `checkpoint_file` (see
    /// [`FileAuditLog::open_with_checkpoint_file`]).
    pub fn file_with_checkpoint(
        path: &Path,
        key: AuditKey,
        checkpoint_file: &Path,
    ) -> Result<Store, AuditError> {
        let log = FileAuditLog::open_with_checkpoint_file(path, key, checkpoint_file)?;
        Ok(Store::with_log(Arc::new(log)))
    }

    /// The region's database at `url`: the one audit chain and the state every host
    /// shares (token replay, emergency access, opt-outs).
    #[cfg(feature = "postgres")]
    pub fn database(url: &str, key: AuditKey) -> Result<Store, AuditError> {
        let db = crate::postgres::Database::connect(url)?;
        Ok(Store {
            log: Arc::new(db.audit_log(key)),
            state: Some(Arc::new(db.state())),
        })
    }

    /// Any log, with this process's own state.
    pub fn with_log(log: Arc<dyn AuditLog>) -> Store {
        Store { log, state: None }
    }

    /// The log.
    pub fn log(&self) -> &Arc<dyn AuditLog> {
        &self.log
    }

    /// The log as the sink an [`Icr`](super::Icr) appends to.
    pub fn sink(&self) -> Arc<dyn AuditSink> {
        Arc::clone(&self.log) as Arc<dyn AuditSink>
    }

    /// The state the hosts share, when the store is the region's database.
    pub fn shared_state(&self) -> Option<Arc<dyn SessionState>> {
        self.state.clone()
    }

    /// The entries of the log's verified prefix, oldest first.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, AuditError> {
        let mut entries = Vec::new();
        self.log.for_each_verified(0, &mut |e| {
            entries.push(e);
            Ok(())
        })?;
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditRecord, Checkpoint};

    fn key() -> AuditKey {
        AuditKey::from_bytes(&[9u8; 32]).unwrap()
    }

    fn write(store: &Store, n: usize) -> Checkpoint {
        for _ in 0..n {
            store.sink().append(AuditRecord::default()).unwrap();
        }
        store.log().checkpoint()
    }

    #[test]
    fn every_store_reads_back_what_it_wrote_and_verifies_to_its_head() {
        let dir = std::env::temp_dir().join(format!("icr-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.log");
        let _ = std::fs::remove_file(&path);
        for store in [Store::memory(key()), Store::file(&path, key()).unwrap()] {
            assert!(store.shared_state().is_none(), "one process's own state");
            let head = write(&store, 3);
            assert_eq!(head.seq, 3);
            let entries = store.entries().unwrap();
            assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
            let report = store.log().verify(Some(&head)).unwrap();
            assert!(report.is_verified(), "{:?}", report.problems);
            assert_eq!(report.head, head);
        }
        // The file store continues its log when opened again.
        let again = Store::file(&path, key()).unwrap();
        assert_eq!(write(&again, 1).seq, 4);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
