//! Trust store and signing key construction.

use super::valid::spki_from_pkcs1;
use super::*;
use crate::launch::{Algorithm, mint};

#[test]
fn hmac_secrets_under_32_bytes_are_refused() {
    let mut store = TrustStore::new(ISS, AUD);
    assert_eq!(
        store.add_hs256("hs", &[1; 31]),
        Err(KeyError::WeakSecret { len: 31, min: 32 })
    );
    assert_eq!(
        store.add_hs256("hs", b""),
        Err(KeyError::WeakSecret { len: 0, min: 32 })
    );
    assert!(store.add_hs256("hs", &[1; 32]).is_ok());
    assert!(matches!(
        SigningKey::hs256(&[1; 16]),
        Err(KeyError::WeakSecret { len: 16, min: 32 })
    ));
}

#[test]
fn public_keys_of_the_wrong_shape_are_refused() {
    let keys = keys();
    let mut store = TrustStore::new(ISS, AUD);
    let es = keys.es.public_key().unwrap();
    assert!(matches!(
        store.add_es256("es", &es[1..]),
        Err(KeyError::Rejected(_))
    ));
    let mut compressed = es[..33].to_vec();
    compressed[0] = 0x02;
    assert!(matches!(
        store.add_es256("es", &compressed),
        Err(KeyError::Rejected(_))
    ));
    assert!(matches!(
        store.add_ed25519("ed", &[0; 31]),
        Err(KeyError::Rejected(_))
    ));
    assert!(matches!(
        store.add_rs256("rs", b"-----BEGIN PUBLIC KEY-----"),
        Err(KeyError::Rejected(_))
    ));
    // trailing junk after a valid key
    let mut rsa = keys.rs.public_key().unwrap();
    rsa.push(0);
    assert!(matches!(
        store.add_rs256("rs", &rsa),
        Err(KeyError::Rejected(_))
    ));
    assert!(store.is_empty());
}

#[test]
fn rsa_keys_under_2048_bits_or_with_bad_exponents_are_refused() {
    fn pkcs1(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        let mut n = vec![0x02, 0x82, 0, 0];
        let mut m = vec![0];
        m.extend_from_slice(modulus);
        n[2] = (m.len() >> 8) as u8;
        n[3] = m.len() as u8;
        n.extend(m);
        if n.len() - 4 < 0x80 {
            unreachable!()
        }
        let mut body = n;
        body.push(0x02);
        body.push(exponent.len() as u8);
        body.extend_from_slice(exponent);
        let mut out = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        out.extend(body);
        out
    }
    let mut store = TrustStore::new(ISS, AUD);
    let mut small = vec![0xff; 128];
    small[127] = 0xfb; // odd, 1024 bits
    assert!(matches!(
        store.add_rs256("rs", &pkcs1(&small, &[1, 0, 1])),
        Err(KeyError::Rejected(_))
    ));
    let mut ok = vec![0xff; 256];
    ok[255] = 0xfb; // odd, 2048 bits (not a real key, but well-formed)
    assert!(store.add_rs256("rs-ok", &pkcs1(&ok, &[1, 0, 1])).is_ok());
    for e in [&[1u8][..], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1]] {
        assert!(matches!(
            store.add_rs256("rs", &pkcs1(&ok, e)),
            Err(KeyError::Rejected(_))
        ));
    }
    let mut even = ok.clone();
    even[255] = 0xfa;
    assert!(matches!(
        store.add_rs256("rs", &pkcs1(&even, &[1, 0, 1])),
        Err(KeyError::Rejected(_))
    ));
    // SPKI with a non-RSA algorithm identifier
    let mut spki = spki_from_pkcs1(&pkcs1(&ok, &[1, 0, 1]));
    let oid_last = spki.iter().position(|b| *b == 0x01).unwrap();
    spki[oid_last + 2] = 0x0b;
    assert!(matches!(
        store.add_rs256("rs", &spki),
        Err(KeyError::Rejected(_))
    ));
}

#[test]
fn kids_are_checked_and_bound_once() {
    let mut store = TrustStore::new(ISS, AUD);
    assert_eq!(
        store.add_hs256("../../etc/passwd", &HS_SECRET),
        Err(KeyError::InvalidKid)
    );
    assert_eq!(store.add_hs256("", &HS_SECRET), Err(KeyError::InvalidKid));
    store.add_hs256("k.1_A-b", &HS_SECRET).unwrap();
    let ed = SigningKey::ed25519_from_seed(&ED_SEED).unwrap();
    // the same kid cannot be re-bound to another algorithm
    assert_eq!(
        store.add_ed25519("k.1_A-b", &ed.public_key().unwrap()),
        Err(KeyError::DuplicateKid {
            kid: "k.1_A-b".to_owned()
        })
    );
    assert_eq!(store.algorithm_of("k.1_A-b"), Some(Algorithm::Hs256));
    assert_eq!(store.len(), 1);
    assert_eq!(store.issuer(), ISS);
    assert_eq!(store.audience(), AUD);
}

#[test]
fn signing_keys_expose_their_public_halves() {
    let keys = keys();
    assert_eq!(keys.hs.public_key(), None);
    assert_eq!(keys.es.public_key().unwrap().len(), 65);
    assert_eq!(keys.ed.public_key().unwrap().len(), 32);
    assert_eq!(keys.rs.public_key().unwrap().first(), Some(&0x30));
    assert!(matches!(
        SigningKey::es256_from_pkcs8(RSA_PKCS8),
        Err(KeyError::Rejected(_))
    ));
    assert!(matches!(
        SigningKey::rs256_from_pkcs8(&keys.es_pkcs8),
        Err(KeyError::Rejected(_))
    ));
    assert_eq!(
        mint(&context(), "bad kid", &keys.ed),
        Err(KeyError::InvalidKid)
    );
}
