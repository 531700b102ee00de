//! Wycheproof conformance: each vector's key goes into a `TrustStore` through the public
//! `add_*` method and its signature through `KeyMaterial::verify`, the function
//! `Verifier::verify` calls. Valid vectors must verify, invalid ones must not;
//! "acceptable" ones may go either way.
//!
//! Run with `--nocapture` to see the counts.

use ::wycheproof::TestResult;

use super::*;
use crate::launch::keys::KeyMaterial;

/// Counts of one run.
#[derive(Default, Debug)]
struct Tally {
    run: usize,
    valid: usize,
    invalid: usize,
    acceptable: usize,
}

impl Tally {
    #[track_caller]
    fn check(
        &mut self,
        set: &str,
        tc_id: usize,
        expected: TestResult,
        verdict: Result<(), String>,
    ) {
        self.run += 1;
        match expected {
            TestResult::Valid => {
                self.valid += 1;
                assert_eq!(
                    verdict,
                    Ok(()),
                    "{set} tcId {tc_id}: a valid vector was rejected"
                );
            }
            TestResult::Invalid => {
                self.invalid += 1;
                assert!(
                    verdict.is_err(),
                    "{set} tcId {tc_id}: an invalid vector was accepted"
                );
            }
            TestResult::Acceptable => self.acceptable += 1,
        }
    }

    fn report(&self, set: &str) {
        assert!(self.run > 0, "{set}: no vectors ran");
        eprintln!(
            "wycheproof {set}: {} vectors ({} valid, {} invalid, {} acceptable)",
            self.run, self.valid, self.invalid, self.acceptable
        );
    }
}

/// Registers `public_key` with `add` and returns the stored key, as the verifier sees it.
fn stored(
    add: impl FnOnce(&mut TrustStore) -> Result<(), KeyError>,
) -> Result<KeyMaterial, KeyError> {
    let mut store = TrustStore::new(ISS, AUD);
    add(&mut store)?;
    store
        .key("wycheproof")
        .cloned()
        .ok_or(KeyError::Rejected("the store did not keep the key"))
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    use ::wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let key = stored(|s| s.add_es256("wycheproof", &group.key.key));
        for test in &group.tests {
            let verdict = key
                .as_ref()
                .map_err(ToString::to_string)
                .and_then(|k| k.verify(&test.msg, &test.sig).map_err(|e| e.to_string()));
            tally.check(
                "ecdsa_secp256r1_sha256_p1363",
                test.tc_id,
                test.result,
                verdict,
            );
        }
    }
    tally.report("ecdsa_secp256r1_sha256_p1363");
}

#[test]
fn ed25519() {
    use ::wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let key = stored(|s| s.add_ed25519("wycheproof", &group.key.pk));
        for test in &group.tests {
            let verdict = key
                .as_ref()
                .map_err(ToString::to_string)
                .and_then(|k| k.verify(&test.msg, &test.sig).map_err(|e| e.to_string()));
            tally.check("ed25519", test.tc_id, test.result, verdict);
        }
    }
    tally.report("ed25519");
}

#[test]
fn rsa_pkcs1_v1_5_sha256_2048() {
    use ::wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    // once with the PKCS#1 RSAPublicKey, once with the SubjectPublicKeyInfo
    for (label, spki) in [
        ("rsa_signature_2048_sha256 (PKCS#1 key)", false),
        ("rsa_signature_2048_sha256 (SPKI key)", true),
    ] {
        let mut tally = Tally::default();
        for group in &set.test_groups {
            let der: &[u8] = if spki { &group.der } else { &group.asn_key };
            let key = stored(|s| s.add_rs256("wycheproof", der));
            for test in &group.tests {
                let verdict = key
                    .as_ref()
                    .map_err(ToString::to_string)
                    .and_then(|k| k.verify(&test.msg, &test.sig).map_err(|e| e.to_string()));
                tally.check(label, test.tc_id, test.result, verdict);
            }
        }
        tally.report(label);
    }
}

#[test]
fn hmac_sha256_full_length_tags() {
    // HS256 uses untruncated 32-byte tags and secrets of at least 32 bytes; vectors
    // outside that are refused by the store (shorter secrets) or by the length check.
    use ::wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).unwrap();
    let mut tally = Tally::default();
    let mut refused_keys = 0;
    for group in &set.test_groups {
        for test in &group.tests {
            match stored(|s| s.add_hs256("wycheproof", &test.key)) {
                Ok(key) => {
                    let verdict = key.verify(&test.msg, &test.tag);
                    if group.tag_size == 256 {
                        tally.check(
                            "hmac_sha256",
                            test.tc_id,
                            test.result,
                            verdict.map_err(|e| e.to_string()),
                        );
                    } else {
                        // truncated tags are never accepted by HS256
                        assert_eq!(verdict, Err(LaunchError::SignatureFormat));
                    }
                }
                Err(err) => {
                    assert!(matches!(err, KeyError::WeakSecret { .. }));
                    refused_keys += 1;
                }
            }
        }
    }
    eprintln!(
        "wycheproof hmac_sha256: {refused_keys} vectors with secrets under 32 bytes refused at the store"
    );
    tally.report("hmac_sha256 (32-byte tags, secrets >= 32 bytes)");
}
