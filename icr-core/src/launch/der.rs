//! Just enough DER to accept an RSA public key as either `RSAPublicKey` (PKCS#1, what
//! `ring` takes) or `SubjectPublicKeyInfo` (what most tools export), and to check it
//! before it is trusted.
//!
//! The reader is strict: definite minimal lengths, minimal positive integers, nothing
//! trailing. `ring` parses the key again when it verifies.

use super::error::KeyError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;

/// `AlgorithmIdentifier { rsaEncryption, NULL }`, contents only.
const RSA_ENCRYPTION: [u8; 13] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/// Smallest and largest RSA modulus `ring` verifies with (bits).
const MIN_MODULUS_BITS: usize = 2048;
const MAX_MODULUS_BITS: usize = 8192;

/// A checked RSA public key.
pub(crate) struct RsaPublicKey {
    /// The `RSAPublicKey` DER.
    pub(crate) pkcs1: Vec<u8>,
    /// Length of the modulus in bytes, which is the length of every signature.
    pub(crate) modulus_len: usize,
}

const REJECTED: KeyError =
    KeyError::Rejected("expected a DER RSAPublicKey or SubjectPublicKeyInfo");

/// Reads a PKCS#1 or SPKI RSA public key of 2048 to 8192 bits.
pub(crate) fn rsa_public_key(der: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let mut outer = Reader(der);
    let body = outer.expect(SEQUENCE)?;
    outer.end()?;
    let pkcs1 = if body.first() == Some(&INTEGER) {
        der
    } else {
        let mut spki = Reader(body);
        if spki.expect(SEQUENCE)? != RSA_ENCRYPTION {
            return Err(KeyError::Rejected("not an rsaEncryption key"));
        }
        let bits = spki.expect(BIT_STRING)?;
        spki.end()?;
        match bits.split_first() {
            Some((0, key)) => key,
            _ => return Err(REJECTED),
        }
    };
    let mut outer = Reader(pkcs1);
    let mut fields = Reader(outer.expect(SEQUENCE)?);
    outer.end()?;
    let n = positive_integer(fields.expect(INTEGER)?)?;
    let e = positive_integer(fields.expect(INTEGER)?)?;
    fields.end()?;

    let bits = bit_length(n);
    if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
        return Err(KeyError::Rejected("RSA modulus must be 2048 to 8192 bits"));
    }
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Err(KeyError::Rejected("RSA modulus must be odd"));
    }
    let exponent = if e.len() <= 8 {
        e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    } else {
        0
    };
    if !(3..(1u64 << 33)).contains(&exponent) || exponent & 1 == 0 {
        return Err(KeyError::Rejected(
            "RSA public exponent must be odd, at least 3 and under 2^33",
        ));
    }
    Ok(RsaPublicKey {
        pkcs1: pkcs1.to_vec(),
        modulus_len: n.len(),
    })
}

/// The DER `RSAPublicKey` for a modulus and exponent given as unsigned big-endian
/// bytes (a JSON Web Key's `n` and `e`), then checked as [`rsa_public_key`] checks a
/// key given as DER.
pub(crate) fn rsa_public_key_from_components(n: &[u8], e: &[u8]) -> Result<RsaPublicKey, KeyError> {
    let mut fields = Vec::new();
    push_element(&mut fields, INTEGER, &unsigned_integer(n));
    push_element(&mut fields, INTEGER, &unsigned_integer(e));
    let mut der = Vec::new();
    push_element(&mut der, SEQUENCE, &fields);
    rsa_public_key(&der)
}

/// The contents of a DER INTEGER holding an unsigned magnitude: leading zeros dropped,
/// one zero put back when the top bit is set (so the integer stays positive).
fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len());
    let trimmed = magnitude.get(start..).unwrap_or_default();
    let mut out = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(trimmed);
    out
}

/// Appends one element: its tag, its minimal length, its contents.
fn push_element(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
}

/// The modulus and exponent of a checked `RSAPublicKey` (tests build JSON Web Keys
/// from the test keys with it).
#[cfg(test)]
pub(crate) fn rsa_components(pkcs1: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut outer = Reader(pkcs1);
    let mut fields = Reader(outer.expect(SEQUENCE).ok()?);
    let n = positive_integer(fields.expect(INTEGER).ok()?)
        .ok()?
        .to_vec();
    let e = positive_integer(fields.expect(INTEGER).ok()?)
        .ok()?
        .to_vec();
    Some((n, e))
}

/// The magnitude of a minimally encoded non-negative DER integer, without the sign byte.
fn positive_integer(content: &[u8]) -> Result<&[u8], KeyError> {
    match content {
        [] => Err(REJECTED),
        [first, ..] if first & 0x80 != 0 => Err(REJECTED),
        [0, second, ..] if second & 0x80 == 0 => Err(REJECTED),
        [0, rest @ ..] if !rest.is_empty() => Ok(rest),
        _ => Ok(content),
    }
}

fn bit_length(magnitude: &[u8]) -> usize {
    match magnitude.first() {
        None => 0,
        Some(first) => (magnitude.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// Reads one element with the given tag and returns its contents.
    fn expect(&mut self, tag: u8) -> Result<&'a [u8], KeyError> {
        let (&found, rest) = self.0.split_first().ok_or(REJECTED)?;
        if found != tag {
            return Err(REJECTED);
        }
        let (&first, rest) = rest.split_first().ok_or(REJECTED)?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            // Long form: one or two length bytes are plenty for an 8192-bit key.
            let count = usize::from(first & 0x7f);
            if !(1..=2).contains(&count) {
                return Err(REJECTED);
            }
            let (bytes, rest) = rest.split_at_checked(count).ok_or(REJECTED)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if bytes.first() == Some(&0) || len < 0x80 {
                return Err(REJECTED); // not the minimal encoding
            }
            (len, rest)
        };
        let (content, rest) = rest.split_at_checked(len).ok_or(REJECTED)?;
        self.0 = rest;
        Ok(content)
    }

    fn end(&self) -> Result<(), KeyError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(REJECTED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_must_be_minimal_and_positive() {
        assert_eq!(positive_integer(&[0x01]).unwrap(), &[0x01]);
        assert_eq!(positive_integer(&[0x00]).unwrap(), &[0x00]);
        assert_eq!(positive_integer(&[0x00, 0x80]).unwrap(), &[0x80]);
        assert!(positive_integer(&[0x00, 0x01]).is_err());
        assert!(positive_integer(&[0x80]).is_err());
        assert!(positive_integer(&[]).is_err());
    }

    #[test]
    fn components_round_trip_through_der() {
        // a 2048-bit odd modulus with its top bit set (so DER needs a sign byte)
        let mut n = vec![0xc5; 256];
        n[255] = 0x01;
        let key = rsa_public_key_from_components(&n, &[0x01, 0x00, 0x01]).unwrap();
        assert_eq!(key.modulus_len, 256);
        assert_eq!(
            rsa_components(&key.pkcs1).unwrap(),
            (n.clone(), vec![0x01, 0x00, 0x01])
        );
        // leading zeros in `n` are not part of the key
        let mut padded = vec![0, 0];
        padded.extend_from_slice(&n);
        let again = rsa_public_key_from_components(&padded, &[1, 0, 1]).unwrap();
        assert_eq!(again.pkcs1, key.pkcs1);
        // a 1024-bit modulus is still refused
        assert!(rsa_public_key_from_components(&n[..128], &[1, 0, 1]).is_err());
    }

    #[test]
    fn junk_is_rejected() {
        assert!(rsa_public_key(&[]).is_err());
        assert!(rsa_public_key(&[0x30, 0x00]).is_err());
        assert!(rsa_public_key(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0]).is_err());
        assert!(rsa_public_key(&[0x30, 0x06, 0x02, 0x01, 0x03, 0x02, 0x01, 0x03]).is_err());
    }
}
