//! Stable identifiers: the same record viewed by the same user gives the same ids in
//! every run, so a receiving system can recognise a document (and its resources) it has
//! already filed; another viewer gets other ids, so two users' filtered views are never
//! mistaken for one another.
//!
//! An id is the first 16 bytes of SHA-256 over the viewer's seed and the thing's key,
//! written as an RFC 9562 version 8 ("custom") UUID. SHA-256 comes from `ring`, which the
//! SDK already uses for its signatures; a UUID crate would add nothing but the format.

use ring::digest::{SHA256, digest};

/// What every id of one document is derived from: the viewer and the patient.
#[derive(Debug, Clone)]
pub(crate) struct Seed(String);

impl Seed {
    /// The seed of `user` at `organisation` in `role`, viewing `patient`.
    pub(crate) fn new(user: &str, organisation: &str, role: &str, patient: &str) -> Seed {
        Seed(format!(
            "icr-ips\u{1f}{user}\u{1f}{organisation}\u{1f}{role}\u{1f}{patient}"
        ))
    }

    /// The UUID of the thing named `key` (an item's id, `provenance:Y90001`).
    pub(crate) fn uuid(&self, key: &str) -> String {
        let text = format!("{}\u{1f}{key}", self.0);
        uuid_of(text.as_bytes())
    }
}

/// A version 8 UUID made from the first 16 bytes of SHA-256 of `bytes`.
pub(crate) fn uuid_of(bytes: &[u8]) -> String {
    let hash = digest(&SHA256, bytes);
    let mut b = [0u8; 16];
    for (to, from) in b.iter_mut().zip(hash.as_ref()) {
        *to = *from;
    }
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_viewer_and_differ_between_viewers() {
        let a = Seed::new("u1", "Y90001", "gp", "9990000026");
        let b = Seed::new("u2", "Y90001", "gp", "9990000026");
        assert_eq!(a.uuid("x"), a.uuid("x"));
        assert_ne!(a.uuid("x"), a.uuid("y"));
        assert_ne!(a.uuid("x"), b.uuid("x"));
        let id = a.uuid("x");
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'8', "version 8: {id}");
        assert!(
            matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
            "variant: {id}"
        );
    }
}
