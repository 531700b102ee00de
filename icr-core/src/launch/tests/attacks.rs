//! The header and encoding battery: every known way to make a JWT library accept what it
//! should not, each asserting the exact refusal.

use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use serde_json::json;

use super::*;
use crate::launch::{Algorithm, TokenPart, mint};

fn encoded(value: &Value) -> String {
    b64::encode(&serde_json::to_vec(value).unwrap())
}

#[test]
fn alg_none_in_any_case_is_refused_with_or_without_a_signature() {
    let (keys, verifier) = setup();
    let claims = encoded(&claims());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = encoded(&header(alg, "ed-1"));
        assert_refused(
            &verifier,
            &format!("{header}.{claims}."),
            LaunchError::AlgorithmNone,
        );
        let signed = sign_segments(&header, &claims, &keys.ed);
        assert_refused(&verifier, &signed, LaunchError::AlgorithmNone);
    }
}

#[test]
fn alg_empty_missing_or_not_a_string_is_refused() {
    let (keys, verifier) = setup();
    let c = claims();
    assert_refused(
        &verifier,
        &token(&header("", "ed-1"), &c, &keys.ed),
        LaunchError::AlgorithmMissing,
    );
    assert_refused(
        &verifier,
        &token(&json!({ "typ": "JWT", "kid": "ed-1" }), &c, &keys.ed),
        LaunchError::AlgorithmMissing,
    );
    for alg in [json!(null), json!(1), json!(["EdDSA"])] {
        assert_refused(
            &verifier,
            &token(&json!({ "alg": alg, "kid": "ed-1" }), &c, &keys.ed),
            LaunchError::InvalidHeader("alg"),
        );
    }
}

#[test]
fn unknown_algorithms_and_wrong_case_are_unsupported() {
    let (keys, verifier) = setup();
    for alg in [
        "HS512", "hs256", "PS512", "ES256K", "RS1", "EDDSA", "Ed25519",
    ] {
        assert_refused(
            &verifier,
            &token(&header(alg, "ed-1"), &claims(), &keys.ed),
            LaunchError::UnsupportedAlgorithm,
        );
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    // The classic key-confusion attack: the attacker knows the issuer's RSA public key,
    // uses its bytes as an HMAC secret and sends the RSA key's kid with alg HS256.
    let (keys, verifier) = setup();
    let rsa_public = keys.rs.public_key().unwrap();
    let forged_key = SigningKey::Hs256(hmac::Key::new(hmac::HMAC_SHA256, &rsa_public));
    let forged = token(&header("HS256", "rs-1"), &claims(), &forged_key);
    assert_refused(
        &verifier,
        &forged,
        LaunchError::AlgorithmMismatch {
            kid: "rs-1".to_owned(),
            bound: Algorithm::Rs256,
        },
    );
    // The same with the EC point and the Ed25519 key as HMAC secrets.
    for (kid, bound, public) in [
        ("es-1", Algorithm::Es256, keys.es.public_key().unwrap()),
        ("ed-1", Algorithm::EdDsa, keys.ed.public_key().unwrap()),
    ] {
        let forged_key = SigningKey::Hs256(hmac::Key::new(hmac::HMAC_SHA256, &public));
        assert_refused(
            &verifier,
            &token(&header("HS256", kid), &claims(), &forged_key),
            LaunchError::AlgorithmMismatch {
                kid: kid.to_owned(),
                bound,
            },
        );
    }
}

#[test]
fn any_alg_other_than_the_bound_one_is_a_mismatch() {
    let (keys, verifier) = setup();
    // a genuine EdDSA signature, but sent for the HS256 key
    assert_refused(
        &verifier,
        &token(&header("EdDSA", "hs-1"), &claims(), &keys.ed),
        LaunchError::AlgorithmMismatch {
            kid: "hs-1".to_owned(),
            bound: Algorithm::Hs256,
        },
    );
    assert_refused(
        &verifier,
        &token(&header("RS256", "es-1"), &claims(), &keys.rs),
        LaunchError::AlgorithmMismatch {
            kid: "es-1".to_owned(),
            bound: Algorithm::Es256,
        },
    );
}

#[test]
fn es256_with_a_der_signature_is_a_format_error() {
    let (keys, verifier) = setup();
    let der_signer = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        &keys.es_pkcs8,
        &SystemRandom::new(),
    )
    .unwrap();
    let header = encoded(&header("ES256", "es-1"));
    let claims = encoded(&claims());
    let input = format!("{header}.{claims}");
    let der = der_signer
        .sign(&SystemRandom::new(), input.as_bytes())
        .unwrap();
    assert_eq!(der.as_ref().first(), Some(&0x30), "a DER SEQUENCE");
    let token = format!("{input}.{}", b64::encode(der.as_ref()));
    assert_refused(&verifier, &token, LaunchError::SignatureFormat);
}

#[test]
fn wrong_or_tampered_signatures_are_invalid() {
    let (keys, verifier) = setup();
    for (alg, kid, key) in [
        ("HS256", "hs-1", &keys.hs),
        ("ES256", "es-1", &keys.es),
        ("RS256", "rs-1", &keys.rs),
        ("EdDSA", "ed-1", &keys.ed),
    ] {
        let good = token(&header(alg, kid), &claims(), key);
        let (input, sig) = good.rsplit_once('.').unwrap();
        let mut sig = b64::decode(sig, TokenPart::Signature).unwrap();
        sig[10] ^= 0x01;
        let bad = format!("{input}.{}", b64::encode(&sig));
        assert_refused(&verifier, &bad, LaunchError::SignatureInvalid);
        // claims swapped after signing
        let (header_part, _) = input.split_once('.').unwrap();
        let other = encoded(&claims());
        let (_, good_sig) = good.rsplit_once('.').unwrap();
        assert_refused(
            &verifier,
            &format!("{header_part}.{other}.{good_sig}"),
            LaunchError::SignatureInvalid,
        );
        // empty and truncated signatures have the wrong length
        assert_refused(
            &verifier,
            &format!("{input}."),
            LaunchError::SignatureFormat,
        );
        assert_refused(
            &verifier,
            &format!("{input}.{}", b64::encode(&sig[..sig.len() - 1])),
            LaunchError::SignatureFormat,
        );
    }
    // signed by a key the store does not hold, under a kid it does
    let stranger = SigningKey::ed25519_from_seed(&[9; 32]).unwrap();
    assert_refused(
        &verifier,
        &token(&header("EdDSA", "ed-1"), &claims(), &stranger),
        LaunchError::SignatureInvalid,
    );
}

#[test]
fn kid_is_required_checked_then_looked_up() {
    let (keys, verifier) = setup();
    let c = claims();
    assert_refused(
        &verifier,
        &token(&json!({ "alg": "EdDSA" }), &c, &keys.ed),
        LaunchError::MissingKid,
    );
    assert_refused(
        &verifier,
        &token(&header("EdDSA", "nobody"), &c, &keys.ed),
        LaunchError::UnknownKey {
            kid: "nobody".to_owned(),
        },
    );
    let long = "k".repeat(65);
    for kid in [
        "../../etc/passwd",
        "1' OR '1'='1",
        "",
        long.as_str(),
        "ed-1\n",
        "ed 1",
        "ed-1;",
        "%2e%2e",
        "ключ",
    ] {
        assert_refused(
            &verifier,
            &token(&header("EdDSA", kid), &c, &keys.ed),
            LaunchError::InvalidKid,
        );
    }
    for kid in [json!(1), json!(null), json!(["ed-1"])] {
        assert_refused(
            &verifier,
            &token(&json!({ "alg": "EdDSA", "kid": kid }), &c, &keys.ed),
            LaunchError::InvalidKid,
        );
    }
    // 64 characters is allowed, and just unknown
    let max = "k".repeat(64);
    assert_refused(
        &verifier,
        &token(&header("EdDSA", &max), &c, &keys.ed),
        LaunchError::UnknownKey { kid: max.clone() },
    );
}

#[test]
fn key_carrying_headers_are_forbidden() {
    let (keys, verifier) = setup();
    let jwk =
        json!({ "kty": "OKP", "crv": "Ed25519", "x": b64::encode(&keys.ed.public_key().unwrap()) });
    for (name, value) in [
        ("jku", json!("https://attacker.invalid/jwks.json")),
        ("x5u", json!("https://attacker.invalid/cert.pem")),
        ("jwk", jwk),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIU"])),
        ("x5t", json!("dGh1bWJwcmludA")),
        ("x5t#S256", json!("dGh1bWJwcmludA")),
        ("b64", json!(false)),
        ("zip", json!("DEF")),
    ] {
        let mut h = header("EdDSA", "ed-1");
        h[name] = value;
        let expected = LaunchError::ForbiddenHeader(match name {
            "jku" => "jku",
            "x5u" => "x5u",
            "jwk" => "jwk",
            "x5c" => "x5c",
            "x5t" => "x5t",
            "x5t#S256" => "x5t#S256",
            "b64" => "b64",
            _ => "zip",
        });
        assert_refused(&verifier, &token(&h, &claims(), &keys.ed), expected);
    }
}

#[test]
fn crit_is_never_understood() {
    let (keys, verifier) = setup();
    for crit in [json!(["exp"]), json!(["icr-private"]), json!(["kid", "b"])] {
        let mut h = header("EdDSA", "ed-1");
        h["crit"] = crit;
        assert_refused(
            &verifier,
            &token(&h, &claims(), &keys.ed),
            LaunchError::UnsupportedCritical,
        );
    }
    for crit in [json!([]), json!("exp"), json!([1])] {
        let mut h = header("EdDSA", "ed-1");
        h["crit"] = crit;
        assert_refused(
            &verifier,
            &token(&h, &claims(), &keys.ed),
            LaunchError::InvalidHeader("crit"),
        );
    }
}

#[test]
fn typ_must_be_jwt_when_present() {
    let (keys, verifier) = setup();
    for typ in [json!("at+jwt"), json!("JOSE"), json!(1)] {
        let mut h = header("EdDSA", "ed-1");
        h["typ"] = typ;
        assert_refused(
            &verifier,
            &token(&h, &claims(), &keys.ed),
            LaunchError::InvalidHeader("typ"),
        );
    }
    let mut h = header("EdDSA", "ed-1");
    h["typ"] = json!("jwt");
    assert!(
        verifier
            .verify(&token(&h, &claims(), &keys.ed), NOW)
            .is_ok()
    );
}

#[test]
fn duplicate_names_in_header_or_claims_are_refused() {
    let (keys, verifier) = setup();
    let c = serde_json::to_vec(&claims()).unwrap();
    assert_refused(
        &verifier,
        &sign_raw(
            br#"{"alg":"EdDSA","kid":"ed-1","alg":"none"}"#,
            &c,
            &keys.ed,
        ),
        LaunchError::DuplicateMember {
            part: TokenPart::Header,
        },
    );
    assert_refused(
        &verifier,
        &sign_raw(
            br#"{"alg":"EdDSA","kid":"ed-1","kid":"ed-1"}"#,
            &c,
            &keys.ed,
        ),
        LaunchError::DuplicateMember {
            part: TokenPart::Header,
        },
    );
    // a second icr_patient appended to otherwise valid, validly signed claims
    let text = String::from_utf8(c).unwrap();
    let dup = format!(
        "{},\"icr_patient\":\"9990000026\"}}",
        text.strip_suffix('}').unwrap()
    );
    let h = serde_json::to_vec(&header("EdDSA", "ed-1")).unwrap();
    assert_refused(
        &verifier,
        &sign_raw(&h, dup.as_bytes(), &keys.ed),
        LaunchError::DuplicateMember {
            part: TokenPart::Claims,
        },
    );
    // the same name spelt with an escape is the same name
    let escaped = format!("{},\"\\u0069at\":1}}", text.strip_suffix('}').unwrap());
    assert_refused(
        &verifier,
        &sign_raw(&h, escaped.as_bytes(), &keys.ed),
        LaunchError::DuplicateMember {
            part: TokenPart::Claims,
        },
    );
}

#[test]
fn malformed_json_and_non_objects_are_refused() {
    let (keys, verifier) = setup();
    let c = serde_json::to_vec(&claims()).unwrap();
    let h = serde_json::to_vec(&header("EdDSA", "ed-1")).unwrap();
    let header_part = TokenPart::Header;
    assert_refused(
        &verifier,
        &sign_raw(b"{\"alg\":\"EdDSA\"", &c, &keys.ed),
        LaunchError::InvalidJson { part: header_part },
    );
    assert_refused(
        &verifier,
        &sign_raw(b"[\"EdDSA\"]", &c, &keys.ed),
        LaunchError::NotAnObject { part: header_part },
    );
    assert_refused(
        &verifier,
        &sign_raw(b"", &c, &keys.ed),
        LaunchError::InvalidJson { part: header_part },
    );
    assert_refused(
        &verifier,
        &sign_raw(&h, b"\"just a string\"", &keys.ed),
        LaunchError::NotAnObject {
            part: TokenPart::Claims,
        },
    );
    assert_refused(
        &verifier,
        &sign_raw(&h, b"{\"exp\":1,}", &keys.ed),
        LaunchError::InvalidJson {
            part: TokenPart::Claims,
        },
    );
}

#[test]
fn not_three_parts_is_not_compact() {
    let (keys, verifier) = setup();
    let good = ed_token(&keys, &claims());
    let (input, _) = good.rsplit_once('.').unwrap();
    for bad in [
        String::new(),
        "abc".to_owned(),
        input.to_owned(),
        format!("{good}.extra"),
        format!("{input}.e30.e30.e30"), // the five parts of a JWE
    ] {
        assert_refused(&verifier, &bad, LaunchError::NotCompact);
    }
}

#[test]
fn non_canonical_base64url_is_refused_even_when_validly_signed() {
    let (keys, verifier) = setup();
    let ed = &keys.ed;
    let header_json = serde_json::to_vec(&header("EdDSA", "ed-1")).unwrap();
    let claims_json = serde_json::to_vec(&claims()).unwrap();
    let h = b64::encode(&header_json);
    let c = b64::encode(&claims_json);
    let bad_header = LaunchError::InvalidBase64 {
        part: TokenPart::Header,
    };
    let bad_claims = LaunchError::InvalidBase64 {
        part: TokenPart::Claims,
    };
    let bad_sig = LaunchError::InvalidBase64 {
        part: TokenPart::Signature,
    };

    // Padding, signed over the padded text so only the encoding is wrong.
    let mut padded_header = header_json.clone();
    while padded_header.len().is_multiple_of(3) {
        padded_header.push(b' ');
    }
    let padded = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE, &padded_header);
    assert!(padded.ends_with('='));
    assert_refused(
        &verifier,
        &sign_segments(&padded, &c, ed),
        bad_header.clone(),
    );

    // The standard alphabet's '+' and '/'.
    for (from, to) in [('-', '+'), ('_', '/')] {
        let mut swapped = h.clone();
        if swapped.contains(from) {
            swapped = swapped.replace(from, &to.to_string());
        } else {
            swapped.replace_range(0..1, &to.to_string());
        }
        assert_refused(
            &verifier,
            &sign_segments(&swapped, &c, ed),
            bad_header.clone(),
        );
        let mut swapped_claims = c.clone();
        swapped_claims.replace_range(0..1, &to.to_string());
        assert_refused(
            &verifier,
            &sign_segments(&h, &swapped_claims, ed),
            bad_claims.clone(),
        );
    }

    // Non-zero trailing bits in the claims: pad the JSON so its last quantum has one
    // byte (4 unused bits), then set the lowest bit of the last character.
    let mut odd_claims = claims_json.clone();
    while odd_claims.len() % 3 != 1 {
        odd_claims.push(b' ');
    }
    let canonical = b64::encode(&odd_claims);
    let tweaked = set_low_bit_of_last_char(&canonical);
    // a lenient decoder reads the same bytes
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    assert_eq!(
        base64::Engine::decode(&lenient, &tweaked).unwrap(),
        odd_claims
    );
    assert_refused(&verifier, &sign_segments(&h, &tweaked, ed), bad_claims);

    // The signature part: padding, '+', and trailing bits (64 bytes leave 4 spare bits).
    let good = sign_segments(&h, &c, ed);
    let (input, sig) = good.rsplit_once('.').unwrap();
    assert!(verifier.verify(&good, NOW).is_ok());
    for bad in [
        format!("{input}.{sig}=="),
        format!("{input}.+{}", &sig[1..]),
        format!("{input}.{}", set_low_bit_of_last_char(sig)),
        format!("{input}. {sig}"),
    ] {
        assert_refused(&verifier, &bad, bad_sig.clone());
    }
}

fn set_low_bit_of_last_char(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *text.as_bytes().last().unwrap();
    let index = ALPHABET.iter().position(|b| *b == last).unwrap();
    assert_eq!(index & 0b1111, 0, "canonical text has zero trailing bits");
    let mut out = text[..text.len() - 1].to_owned();
    out.push(char::from(ALPHABET[index | 1]));
    out
}

#[test]
fn a_one_mebibyte_token_is_refused_before_decoding() {
    let (_, verifier) = setup();
    let huge = format!(
        "{}.{}.{}",
        "e".repeat(1 << 19),
        "e".repeat((1 << 19) - 4),
        "ab"
    );
    assert_eq!(huge.len(), 1 << 20);
    assert_refused(
        &verifier,
        &huge,
        LaunchError::TooLarge {
            size: 1 << 20,
            limit: 16 * 1024,
        },
    );
    // just over the limit, even though it is junk that would fail later anyway
    assert_refused(
        &verifier,
        &"!".repeat(16 * 1024 + 1),
        LaunchError::TooLarge {
            size: 16 * 1024 + 1,
            limit: 16 * 1024,
        },
    );
}

#[test]
fn claims_nested_ten_thousand_deep_are_an_error_not_a_stack_overflow() {
    let (keys, verifier) = setup();
    let mut c = serde_json::to_vec(&claims()).unwrap();
    c.pop(); // drop the closing brace
    c.extend_from_slice(b",\"deep\":");
    c.extend(std::iter::repeat_n(b'[', 10_000));
    c.extend(std::iter::repeat_n(b']', 10_000));
    c.push(b'}');
    let h = serde_json::to_vec(&header("EdDSA", "ed-1")).unwrap();
    let deep = sign_raw(&h, &c, &keys.ed);
    // with the default limit the size cap stops it first
    assert!(matches!(
        verifier.verify(&deep, NOW),
        Err(LaunchError::TooLarge { .. })
    ));
    // with room for it, the depth limit does
    let roomy = Verifier::new(store(&keys)).with_max_token_bytes(1 << 20);
    assert_refused(
        &roomy,
        &deep,
        LaunchError::TooDeep {
            part: TokenPart::Claims,
            limit: 32,
        },
    );
    // objects rather than arrays, and in the header (before any signature check)
    let nested = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let token = format!("{}.{}.", b64::encode(nested.as_bytes()), b64::encode(&c));
    assert_refused(
        &roomy,
        &token,
        LaunchError::TooDeep {
            part: TokenPart::Header,
            limit: 32,
        },
    );
}

#[test]
fn a_replayed_jti_is_refused_until_it_expires() {
    let (keys, verifier) = setup();
    let context = context();
    let token = mint(&context, "ed-1", &keys.ed).unwrap();
    assert_eq!(verifier.verify(&token, NOW).unwrap(), context);
    assert_refused(&verifier, &token, LaunchError::Replayed);
    assert_eq!(
        verifier.verify(&token, NOW + 100),
        Err(LaunchError::Replayed)
    );
    // a different token with the same jti, even from another key, is also a replay
    let other = mint(&context, "hs-1", &keys.hs).unwrap();
    assert_eq!(verifier.verify(&other, NOW + 1), Err(LaunchError::Replayed));
    // once expired it fails on exp, not on the cache
    assert_eq!(
        verifier.verify(&token, NOW + 360),
        Err(LaunchError::Expired)
    );
    // another jti is fine
    let fresh = mint(&super::context(), "ed-1", &keys.ed).unwrap();
    assert!(verifier.verify(&fresh, NOW).is_ok());
}

#[test]
fn a_full_replay_cache_refuses_instead_of_forgetting() {
    let keys = keys();
    let verifier = Verifier::new(store(&keys)).with_replay_capacity(2);
    let tokens: Vec<String> = (0..3)
        .map(|_| mint(&context(), "ed-1", &keys.ed).unwrap())
        .collect();
    assert!(verifier.verify(&tokens[0], NOW).is_ok());
    assert!(verifier.verify(&tokens[1], NOW).is_ok());
    assert_eq!(
        verifier.verify(&tokens[2], NOW),
        Err(LaunchError::ReplayCacheFull)
    );
    // the first two are still remembered
    assert_eq!(verifier.verify(&tokens[0], NOW), Err(LaunchError::Replayed));
    // a later context (issued when the first two have expired) gets their room
    let mut later = context();
    later.issued_at = NOW + 400;
    later.expires_at = NOW + 700;
    let later = mint(&later, "ed-1", &keys.ed).unwrap();
    assert!(verifier.verify(&later, NOW + 400).is_ok());
}

#[test]
fn an_unsigned_gp_connect_token_is_refused_by_the_signed_verifier() {
    let (_, verifier) = setup();
    let gp = super::gp_connect::claims();
    let token =
        crate::launch::mint_gp_connect_consumer_jwt(&gp, "https://provider.invalid/fhir").unwrap();
    assert!(token.ends_with('.'));
    assert_refused(&verifier, &token, LaunchError::AlgorithmNone);
}
