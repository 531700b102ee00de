//! The read side of a log, whatever stores it: verification, the reports, export and
//! shipping read entries back through [`AuditSource`], so they work unchanged on a file,
//! in memory or on a shared database.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::verify::{LineReader, scan};
use super::{
    AccessReportLine, AuditEntry, AuditError, AuditKey, Checkpoint, FileAuditLog, MemoryAuditLog,
    VerifyReport, report,
};

/// A log that can be read back and verified under its key.
pub trait AuditSource: Send + Sync {
    /// Verifies the whole chain, optionally against a checkpoint kept elsewhere
    /// (truncation and rollback), reporting each problem where it is.
    fn verify(&self, checkpoint: Option<&Checkpoint>) -> Result<VerifyReport, AuditError>;

    /// Hands each entry of the verified prefix whose sequence number is above `after`
    /// to `each`, oldest first, one at a time. Nothing after the chain's first problem is
    /// handed out: nothing vouches for it. An error from `each` stops the read and is
    /// returned.
    fn for_each_verified(
        &self,
        after: u64,
        each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
    ) -> Result<(), AuditError>;
}

/// Who looked at (or tried to look at) this patient's record, read from any store; see
/// [`patient_access_report`](super::patient_access_report). Streamed: only the patient's
/// lines are held.
pub fn access_report_from(
    source: &dyn AuditSource,
    nhs_number: &str,
) -> Result<Vec<AccessReportLine>, AuditError> {
    let mut lines = Vec::new();
    source.for_each_verified(0, &mut |entry| {
        lines.extend(report::patient_access_report(
            std::slice::from_ref(&entry),
            nhs_number,
        ));
        Ok(())
    })?;
    Ok(lines)
}

/// The privacy officer's alerts (see [`privacy_alerts`](super::privacy_alerts)) read from
/// any store, streamed.
pub fn privacy_alerts_from(source: &dyn AuditSource) -> Result<Vec<AuditEntry>, AuditError> {
    let mut alerts = Vec::new();
    source.for_each_verified(0, &mut |entry| {
        alerts.extend(report::privacy_alerts(std::slice::from_ref(&entry)));
        Ok(())
    })?;
    Ok(alerts)
}

/// A log file read (never written) under its key: what `icr audit verify` and the
/// reports open, so that reading a log never quarantines or appends anything.
#[derive(Debug, Clone)]
pub struct FileAuditReader {
    path: PathBuf,
    key: AuditKey,
}

impl FileAuditReader {
    /// A reader of the log at `path`.
    pub fn new(path: &Path, key: AuditKey) -> FileAuditReader {
        FileAuditReader {
            path: path.to_owned(),
            key,
        }
    }
}

/// A log an ICR writes and reads back: every store the SDK ships is one.
pub trait AuditLog: super::AuditSink + AuditSource {
    /// The head of the log as this process last wrote or read it: keep it where the
    /// log's writer cannot change it, and verify against it later.
    fn checkpoint(&self) -> Checkpoint;
}

impl AuditLog for FileAuditLog {
    fn checkpoint(&self) -> Checkpoint {
        FileAuditLog::checkpoint(self)
    }
}

impl AuditLog for MemoryAuditLog {
    fn checkpoint(&self) -> Checkpoint {
        MemoryAuditLog::checkpoint(self)
    }
}

impl AuditSource for FileAuditReader {
    fn verify(&self, checkpoint: Option<&Checkpoint>) -> Result<VerifyReport, AuditError> {
        super::verify_file(&self.path, &self.key, checkpoint)
    }

    fn for_each_verified(
        &self,
        after: u64,
        each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        super::verify::for_each_verified_after(&self.path, &self.key, after, each)
    }
}

impl AuditSource for FileAuditLog {
    fn verify(&self, checkpoint: Option<&Checkpoint>) -> Result<VerifyReport, AuditError> {
        super::verify_file(self.path(), self.key(), checkpoint)
    }

    fn for_each_verified(
        &self,
        after: u64,
        each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        super::verify::for_each_verified_after(self.path(), self.key(), after, each)
    }
}

impl AuditSource for MemoryAuditLog {
    fn verify(&self, checkpoint: Option<&Checkpoint>) -> Result<VerifyReport, AuditError> {
        let mut bytes = Vec::new();
        self.export_jsonl(&mut bytes)?;
        let len = bytes.len() as u64;
        let scanned = scan(
            LineReader::with_len(Cursor::new(bytes), len),
            self.key(),
            checkpoint,
            |_, _, _| Ok(()),
        )?;
        Ok(scanned.report)
    }

    fn for_each_verified(
        &self,
        after: u64,
        each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        // Entries in memory were sealed by this process and never left it.
        for entry in self.entries().into_iter().filter(|e| e.seq > after) {
            each(entry)?;
        }
        Ok(())
    }
}
