//! The key, sealing an entry into a line, and checking a line without parsing it.
//!
//! A line is `{"seq":N,"time":…,"record":{…},"prev":"<64 hex>","mac":"<64 hex>"}`. The
//! MAC covers everything before `,"mac":` plus a closing `}`, which is exactly what
//! serde_json writes for the entry without its MAC. So a verifier feeds the line's own
//! bytes to HMAC: no parse, no re-serialisation, no allocation per entry. The last 74
//! bytes are `,"mac":"<64 hex>"}` and the 74 before them `,"prev":"<64 hex>"`.

use std::fmt;

use ring::hmac;
use serde::Serialize;

use super::{AuditEntry, AuditError, AuditRecord};

/// Minimum key length in bytes.
const MIN_KEY_LEN: usize = 32;
/// `,"mac":"` + 64 hex + `"}`.
const MAC_TAIL: usize = 74;
/// `,"prev":"` + 64 hex + `"`.
const PREV_TAIL: usize = 74;
const SEQ_HEAD: &[u8] = b"{\"seq\":";

/// The secret key of an audit log's MAC chain (HMAC-SHA-256, at least 32 bytes).
///
/// Whoever holds it can write entries that verify, so it is kept apart from the log
/// (a host key store). `Debug` never shows it.
#[derive(Clone)]
pub struct AuditKey(hmac::Key);

impl AuditKey {
    /// A key from secret bytes; fewer than 32 bytes are refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<AuditKey, AuditError> {
        if bytes.len() < MIN_KEY_LEN {
            return Err(AuditError::KeyTooShort { len: bytes.len() });
        }
        Ok(AuditKey(hmac::Key::new(hmac::HMAC_SHA256, bytes)))
    }

    /// A key from bytes whose length the caller has checked.
    pub(crate) fn from_bytes_unchecked(bytes: &[u8]) -> AuditKey {
        AuditKey(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    /// A fresh random key. It cannot be exported: use it for logs that live no longer
    /// than the process (tests, [`MemoryAuditLog`](super::MemoryAuditLog)).
    pub fn generate() -> Result<AuditKey, AuditError> {
        let rng = ring::rand::SystemRandom::new();
        hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map(AuditKey)
            .map_err(|_| AuditError::Random)
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

/// The entry without its MAC, in the stored field order: what the MAC covers.
#[derive(Serialize)]
struct Unsigned<'a> {
    seq: u64,
    time: &'a str,
    record: &'a AuditRecord,
    prev: &'a str,
}

/// Seals a record into an entry and its line (with the trailing newline).
pub(crate) fn seal(
    key: &AuditKey,
    seq: u64,
    time: String,
    record: AuditRecord,
    prev: &str,
) -> Result<(AuditEntry, Vec<u8>), AuditError> {
    let unsigned = Unsigned {
        seq,
        time: &time,
        record: &record,
        prev,
    };
    let mut line = Vec::with_capacity(line_capacity(&record));
    serde_json::to_writer(&mut line, &unsigned).map_err(|_| AuditError::Serialize)?;
    let tag = hmac::sign(&key.0, &line);
    let mut mac = [0u8; 64];
    hex_into(tag.as_ref(), &mut mac);
    if line.pop() != Some(b'}') {
        return Err(AuditError::Serialize);
    }
    line.extend_from_slice(b",\"mac\":\"");
    line.extend_from_slice(&mac);
    line.extend_from_slice(b"\"}\n");
    let mac = String::from_utf8(mac.to_vec()).map_err(|_| AuditError::Serialize)?;
    let entry = AuditEntry {
        seq,
        time,
        record,
        prev: prev.to_owned(),
        mac,
    };
    Ok((entry, line))
}

/// Room for the line of `record`, so that writing it never grows the buffer: the fixed
/// part (keys, time, the two MACs) and every string with its quotes and comma (escapes
/// aside, which only a rare free-text reason has).
fn line_capacity(record: &AuditRecord) -> usize {
    const FIXED: usize = 640;
    let optional = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let listed = |v: &[String]| v.iter().map(|s| s.len().saturating_add(3)).sum::<usize>();
    let withheld = record
        .withheld
        .iter()
        .map(|w| {
            w.section
                .len()
                .saturating_add(w.reason.len())
                .saturating_add(64)
        })
        .sum::<usize>();
    [
        FIXED,
        record.session_id.len(),
        record.user_id.len(),
        record.role.len(),
        record.role_profile.len(),
        record.organisation.len(),
        optional(&record.token_id),
        optional(&record.user_name),
        optional(&record.patient),
        optional(&record.purpose),
        optional(&record.relationship),
        optional(&record.reason),
        optional(&record.format),
        listed(&record.sections),
        listed(&record.sources),
        listed(&record.items_shown),
        listed(&record.items_withheld),
        withheld,
    ]
    .into_iter()
    .fold(0, usize::saturating_add)
}

/// What a line says about itself, read from its fixed-position fields.
pub(crate) struct Inspected<'a> {
    /// The sequence number written in the line.
    pub seq: u64,
    /// The `prev` hex written in the line.
    pub prev: &'a [u8],
    /// The `mac` hex written in the line.
    pub mac: &'a [u8],
    /// Whether `mac` is the MAC of the line under the key.
    pub mac_ok: bool,
}

/// Reads a line (without its newline) and checks its MAC; `None` if it does not have the
/// shape of an entry line.
pub(crate) fn inspect<'a>(key: &AuditKey, line: &'a [u8]) -> Option<Inspected<'a>> {
    let (body, tail) = line.split_at_checked(line.len().checked_sub(MAC_TAIL)?)?;
    let mac = tail.strip_prefix(b",\"mac\":\"")?.strip_suffix(b"\"}")?;
    let prev_field = body.get(body.len().checked_sub(PREV_TAIL)?..)?;
    let prev = prev_field
        .strip_prefix(b",\"prev\":\"")?
        .strip_suffix(b"\"")?;
    // No hex check: `mac` must equal the lower-case hex computed below, and `prev` must
    // equal the previous line's `mac`, so anything else fails those comparisons.
    let seq = parse_seq(body.strip_prefix(SEQ_HEAD)?)?;
    let mut ctx = hmac::Context::with_key(&key.0);
    ctx.update(body);
    ctx.update(b"}");
    let tag = ctx.sign();
    let mut expected = [0u8; 64];
    hex_into(tag.as_ref(), &mut expected);
    Some(Inspected {
        seq,
        prev,
        mac,
        mac_ok: constant_time_eq(&expected, mac),
    })
}

/// The decimal digits before the first comma.
fn parse_seq(rest: &[u8]) -> Option<u64> {
    let mut seq: u64 = 0;
    let mut digits = 0;
    for &b in rest {
        match b {
            b'0'..=b'9' => {
                seq = seq.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                digits += 1;
            }
            b',' if digits > 0 => return Some(seq),
            _ => return None,
        }
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Lower-case hex of `bytes` into `out` (which is twice as long, or the rest is left).
fn hex_into(bytes: &[u8], out: &mut [u8]) {
    let digit = |n: u8| if n < 10 { b'0' + n } else { b'a' + (n - 10) };
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        if let [hi, lo] = pair {
            *hi = digit(b >> 4);
            *lo = digit(b & 0x0f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::WithheldCount;

    fn full_record(items: usize) -> AuditRecord {
        let long = |n: usize| "x".repeat(n);
        AuditRecord {
            session_id: long(64),
            token_id: Some(long(64)),
            user_id: long(20),
            user_name: Some(long(120)),
            role: long(40),
            role_profile: long(20),
            organisation: long(10),
            patient: Some("9434765919".into()),
            purpose: Some(long(30)),
            relationship: Some(long(30)),
            sections: (0..14).map(|i| format!("section-{i}")).collect(),
            withheld: (0..14)
                .map(|i| WithheldCount {
                    section: format!("section-{i}"),
                    reason: "sensitive-category".into(),
                    count: usize::MAX,
                })
                .collect(),
            sources: (0..6).map(|i| format!("ODS{i:03}")).collect(),
            items_shown: (0..items)
                .map(|i| format!("A86005/Observation/{i:036}"))
                .collect(),
            items_withheld: (0..items / 3)
                .map(|i| format!("RXX/Condition/{i:036}"))
                .collect(),
            reason: Some(long(200)),
            restricted: true,
            format: Some("fhir-document".into()),
            ..AuditRecord::default()
        }
    }

    #[test]
    fn a_line_is_written_without_growing_its_buffer() {
        let key = AuditKey::from_bytes_unchecked(&[9; 32]);
        for record in [AuditRecord::default(), full_record(0), full_record(700)] {
            let room = line_capacity(&record);
            let time = "2026-12-06T06:03:38.001858581Z".to_owned();
            let (_, line) = seal(&key, u64::MAX, time, record, GENESIS).unwrap();
            assert!(line.len() <= room, "{} > {room}", line.len());
            // The estimate is room, not a multiple of the line.
            assert!(room < line.len() * 2 + 640, "{room} for {}", line.len());
        }
    }

    const GENESIS: &str = super::super::record::GENESIS_MAC;
}
