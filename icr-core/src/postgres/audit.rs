//! The region's audit chain in one table.

use std::sync::{Arc, Mutex, PoisonError};

use postgres::SimpleQueryMessage;

use super::Database;
use super::pages::read_lines;
use crate::audit::chain::{inspect, seal};
use crate::audit::verify::{LineReader, Start, parse_verified, scan, scan_from};
use crate::audit::{
    AuditEntry, AuditError, AuditKey, AuditRecord, AuditSink, AuditSource, Checkpoint, ProblemKind,
    VerifyReport,
};

/// The advisory lock every writer of the chain takes for its transaction (written out in
/// [`BEGIN_APPEND`]; a test checks the two agree).
#[cfg(test)]
const CHAIN_LOCK: i64 = 0x4943_5202;

/// Opens an append: the transaction (committed without waiting for the disk, see
/// [`FINISH_APPEND`]), the chain's lock, then the head (read after the lock, so it is the
/// committed head). One round trip.
const BEGIN_APPEND: &str = "BEGIN; SET LOCAL synchronous_commit = off; \
     SELECT pg_advisory_xact_lock(1229148674); \
     SELECT seq, line FROM icr_audit ORDER BY seq DESC LIMIT 1";

/// Ends an append, after the `INSERT`, in the same round trip: `COMMIT` releases the
/// chain's lock at once (the commit is asynchronous, so the lock is never held while the
/// disk syncs), then a second, durable transaction that writes one small record to the
/// write-ahead log (a transactional logical-decoding message, which any role may emit).
/// Its commit waits until the log is flushed up to its own commit record, which lies
/// after the entry's: the log is flushed in order, so when it returns the entry is on
/// disk (and on synchronous standbys, if the server has them), and concurrent appends
/// share those flushes (the server's group commit). A transaction that writes nothing,
/// such as one that only takes a transaction id, would commit without any flush: the
/// crash test in `tests/postgres_outage.rs` loses acknowledged entries then. A crash
/// before the flush loses the entry and every entry chained after it, none of them
/// acknowledged.
const FINISH_APPEND: &str = "; COMMIT; SELECT pg_logical_emit_message(true, 'icr-audit', '')";

/// The region's audit log in PostgreSQL: the same [`AuditSink`] contract, entry format
/// and HMAC chain as the [`FileAuditLog`](crate::audit::FileAuditLog), shared by every
/// host process on every machine (see the [module docs](super) for how appends are
/// serialised).
///
/// Besides the chain, each log remembers the last entry it committed: if the table's
/// head is ever behind it (rows removed from the end, or the table restored from an
/// older backup), appends fail with [`ProblemKind::Truncated`] or
/// [`ProblemKind::RolledBack`] rather than continue on a rewritten history.
pub struct PostgresAuditLog {
    db: Arc<Database>,
    key: AuditKey,
    last: Mutex<Checkpoint>,
}

impl std::fmt::Debug for PostgresAuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresAuditLog")
            .field("checkpoint", &self.checkpoint())
            .finish()
    }
}

impl PostgresAuditLog {
    /// The chain on `db`, sealed under `key` (every host of the region uses the same key).
    pub fn new(db: Arc<Database>, key: AuditKey) -> PostgresAuditLog {
        PostgresAuditLog {
            db,
            key,
            last: Mutex::new(Checkpoint::empty()),
        }
    }

    /// The last entry this log committed, for the host to keep elsewhere and verify
    /// against later (empty before its first append).
    pub fn checkpoint(&self) -> Checkpoint {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The head read under the lock: its sequence number and MAC, checked under the key.
    fn head(&self, messages: &[SimpleQueryMessage]) -> Result<Checkpoint, AuditError> {
        let row = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(row) if row.len() == 2 => Some(row),
            _ => None,
        });
        let Some(row) = row else {
            return Ok(Checkpoint::empty());
        };
        let seq: u64 = row.get(0).and_then(|s| s.parse().ok()).unwrap_or_default();
        let broken = |problem| AuditError::ChainBroken {
            line: seq,
            seq: Some(seq),
            problem,
        };
        let line = row.get(1).unwrap_or_default();
        let found = inspect(&self.key, line.as_bytes()).ok_or(broken(ProblemKind::Unparsable))?;
        if !found.mac_ok {
            return Err(broken(ProblemKind::BadMac));
        }
        if found.seq != seq {
            return Err(broken(ProblemKind::BadSequence));
        }
        Ok(Checkpoint {
            seq,
            mac: String::from_utf8_lossy(found.mac).into_owned(),
        })
    }

    /// Refuses a head behind what this log committed before.
    fn check_not_behind(&self, head: &Checkpoint) -> Result<(), AuditError> {
        let last = self.checkpoint();
        let problem = if head.seq < last.seq {
            ProblemKind::Truncated {
                expected_at_least: last.seq,
            }
        } else if head.seq == last.seq && head.mac != last.mac {
            ProblemKind::RolledBack
        } else {
            return Ok(());
        };
        Err(AuditError::ChainBroken {
            line: head.seq,
            seq: Some(head.seq),
            problem,
        })
    }

    /// Streams the table (rows above `after`) through the verifier.
    fn scan_table(
        &self,
        checkpoint: Option<&Checkpoint>,
        after: u64,
        each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
    ) -> Result<VerifyReport, AuditError> {
        let key = &self.key;
        self.db
            .with_client(|client| {
                let start = if after == 0 {
                    None
                } else {
                    let row = client.query_opt(
                        "SELECT line FROM icr_audit WHERE seq = $1",
                        &[&i64::try_from(after).unwrap_or(i64::MAX)],
                    )?;
                    let line: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
                    let found = line.as_deref().and_then(|l| inspect(key, l.as_bytes()));
                    let mut mac = [0u8; 64];
                    match found {
                        Some(f) if f.mac_ok && f.seq == after && f.mac.len() == 64 => {
                            mac.copy_from_slice(f.mac);
                        }
                        _ => {
                            return Err(AuditError::ChainBroken {
                                line: after,
                                seq: Some(after),
                                problem: ProblemKind::Truncated {
                                    expected_at_least: after,
                                },
                            }
                            .into());
                        }
                    }
                    Some(Start {
                        lines: after,
                        offset: 0,
                        seq: after,
                        mac,
                    })
                };
                let on_verified =
                    |line: u64, seq: u64, bytes: &[u8]| parse_verified(line, seq, bytes, 0, each);
                let scanned = read_lines(client, after, |rows| {
                    let lines = LineReader::with_len(rows, u64::MAX);
                    match start {
                        None => scan(lines, key, checkpoint, on_verified),
                        Some(start) => scan_from(lines, key, checkpoint, start, on_verified),
                    }
                })?;
                let scanned = scanned.map_err(|e| match e {
                    AuditError::Io { .. } => AuditError::Database {
                        operation: "read",
                        code: None,
                    },
                    other => other,
                })?;
                Ok(scanned.report)
            })
            .map_err(|f| f.audit("read"))
    }
}

/// A dollar-quoting tag that does not occur in `text`, so the text is one literal
/// whatever it holds (no escaping to get wrong).
fn dollar_tag(text: &str) -> String {
    (0u32..)
        .map(|n| format!("$icr{n}$"))
        .find(|tag| !text.contains(tag.as_str()))
        .unwrap_or_default()
}

impl crate::audit::AuditLog for PostgresAuditLog {
    fn checkpoint(&self) -> Checkpoint {
        PostgresAuditLog::checkpoint(self)
    }
}

impl AuditSink for PostgresAuditLog {
    fn append(&self, record: AuditRecord) -> Result<AuditEntry, AuditError> {
        let entry = self
            .db
            .with_client(|client| {
                let messages = client.simple_query(BEGIN_APPEND)?;
                let head = self.head(&messages)?;
                self.check_not_behind(&head)?;
                let time = jiff::Timestamp::now().to_string();
                let (entry, mut line) = seal(
                    &self.key,
                    head.seq.saturating_add(1),
                    time,
                    record,
                    &head.mac,
                )?;
                line.pop();
                let line = String::from_utf8(line).map_err(|_| AuditError::Serialize)?;
                let tag = dollar_tag(&line);
                client.simple_query(&format!(
                    "INSERT INTO icr_audit (seq, line) VALUES ({}, {tag}{line}{tag}){FINISH_APPEND}",
                    entry.seq
                ))?;
                Ok(entry)
            })
            .map_err(|f| f.audit("append"))?;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Checkpoint {
            seq: entry.seq,
            mac: entry.mac.clone(),
        };
        Ok(entry)
    }
}

impl AuditSource for PostgresAuditLog {
    fn verify(&self, checkpoint: Option<&Checkpoint>) -> Result<VerifyReport, AuditError> {
        self.scan_table(checkpoint, 0, &mut |_| Ok(()))
    }

    fn for_each_verified(
        &self,
        after: u64,
        each: &mut dyn FnMut(AuditEntry) -> Result<(), AuditError>,
    ) -> Result<(), AuditError> {
        self.scan_table(None, after, each).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_in_the_begin_statement_is_the_chain_lock() {
        assert!(BEGIN_APPEND.contains(&format!("pg_advisory_xact_lock({CHAIN_LOCK})")));
    }

    #[test]
    fn a_dollar_tag_never_occurs_in_the_text_it_quotes() {
        assert_eq!(dollar_tag("plain"), "$icr0$");
        assert_eq!(dollar_tag("has $icr0$ and $icr1$"), "$icr2$");
    }
}
