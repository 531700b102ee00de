//! Tokens that must be accepted, and properties of the accepted context.

use serde_json::json;

use super::*;
use crate::launch::{Algorithm, demo, mint};

#[test]
fn each_algorithm_round_trips_through_mint_and_verify() {
    let (keys, verifier) = setup();
    for (kid, key, alg) in [
        ("hs-1", &keys.hs, Algorithm::Hs256),
        ("es-1", &keys.es, Algorithm::Es256),
        ("rs-1", &keys.rs, Algorithm::Rs256),
        ("ed-1", &keys.ed, Algorithm::EdDsa),
    ] {
        assert_eq!(key.algorithm(), alg);
        let context = context();
        let token = mint(&context, kid, key).unwrap();
        let header = b64::decode(
            token.split('.').next().unwrap(),
            crate::launch::TokenPart::Header,
        )
        .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&header).unwrap(),
            json!({ "alg": alg.as_str(), "typ": "JWT", "kid": kid })
        );
        assert_eq!(verifier.verify(&token, NOW).unwrap(), context, "{alg}");
    }
}

#[test]
fn rs256_keys_are_accepted_as_subject_public_key_info_too() {
    let keys = keys();
    let pkcs1 = keys.rs.public_key().unwrap();
    let spki = spki_from_pkcs1(&pkcs1);
    let mut store = TrustStore::new(ISS, AUD);
    store.add_rs256("rs-spki", &spki).unwrap();
    let verifier = Verifier::new(store);
    let context = context();
    let token = mint(&context, "rs-spki", &keys.rs).unwrap();
    assert_eq!(verifier.verify(&token, NOW).unwrap(), context);
}

/// Wraps a DER `RSAPublicKey` in a `SubjectPublicKeyInfo`.
pub(super) fn spki_from_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else if len < 0x100 {
            out.extend([0x81, len as u8]);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }
    let algorithm = tlv(
        0x30,
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
        ],
    );
    let mut bits = vec![0];
    bits.extend_from_slice(pkcs1);
    let mut body = algorithm;
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}

#[test]
fn an_audience_array_and_extra_header_parameters_are_fine() {
    let (keys, verifier) = setup();
    let mut c = claims();
    c["aud"] = json!(["https://other.invalid", AUD]);
    let mut h = header("ES256", "es-1");
    h["cty"] = json!("JWT");
    h.as_object_mut().unwrap().remove("typ");
    let context = verifier.verify(&token(&h, &c, &keys.es), NOW).unwrap();
    assert_eq!(context.audience, AUD);
    assert_eq!(context.relationship, Relationship::RegisteredGp);
    assert_eq!(context.patient.as_str(), PATIENT);
}

#[test]
fn debug_output_masks_the_patient_and_hides_keys() {
    let (keys, verifier) = setup();
    let context = context();
    let debug = format!("{context:?}");
    assert!(!debug.contains(PATIENT), "{debug}");
    assert!(debug.contains("NhsNumber(***)"));
    let store_debug = format!("{:?}", verifier.trust_store());
    assert!(store_debug.contains("\"hs-1\": Hs256"), "{store_debug}");
    assert!(!store_debug.contains("0123456789abcdef"));
    assert_eq!(format!("{:?}", keys.hs), "SigningKey(HS256)");
    let context_token = crate::launch::mint(&context, "ed-1", &keys.ed).unwrap();
    verifier.verify(&context_token, NOW).unwrap();
    let verifier_debug = format!("{verifier:?}");
    assert!(!verifier_debug.contains("0123456789abcdef"));
    assert!(
        !verifier_debug.contains(&context.token_id),
        "{verifier_debug}"
    );
    assert!(verifier_debug.contains("entries: 1"), "{verifier_debug}");
}

#[test]
fn the_context_serialises_with_kebab_case_relationship() {
    let context = context();
    let json = serde_json::to_value(&context).unwrap();
    assert_eq!(json["relationship"], "registered-gp");
    assert_eq!(json["patient"], PATIENT);
    let back: LaunchContext = serde_json::from_value(json).unwrap();
    assert_eq!(back, context);
}

#[test]
fn the_verifier_is_send_and_sync_and_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Verifier>();
    assert_send_sync::<TrustStore>();
    assert_send_sync::<SigningKey>();

    let (keys, verifier) = setup();
    let token = mint(&context(), "ed-1", &keys.ed).unwrap();
    let accepted = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| verifier.verify(&token, NOW).is_ok()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count()
    });
    assert_eq!(accepted, 1, "exactly one thread wins the jti");
}

#[test]
fn the_demo_issuer_round_trips() {
    let patient = NhsNumber::parse(crate::demo::PATIENT_NHS_NUMBER).unwrap();
    let context = demo::context(
        "R8000",
        Some("R0260"),
        "Y90001",
        patient,
        Relationship::RegisteredGp,
        NOW,
    );
    assert_eq!(context.issuer, demo::ISSUER);
    assert_eq!(context.audience, demo::AUDIENCE);
    assert_eq!(context.expires_at, NOW + 300);
    assert_eq!(context.token_id.len(), 32);
    let second = demo::context(
        "R8000",
        None,
        "Y90001",
        context.patient.clone(),
        Relationship::None,
        NOW,
    );
    assert_ne!(context.token_id, second.token_id);

    let token = mint(&context, demo::KID, &demo::signing_key().unwrap()).unwrap();
    let verifier = Verifier::new(demo::trust_store().unwrap());
    assert_eq!(verifier.verify(&token, NOW + 10).unwrap(), context);
    assert_eq!(
        verifier.trust_store().algorithm_of(demo::KID),
        Some(Algorithm::EdDsa)
    );
}
