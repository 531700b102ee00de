//! Claim rules: times with leeway, NumericDate types, issuer, audience, ICR claims.

use serde_json::json;

use super::*;
use crate::launch::mint;

/// Verifies claims signed correctly with EdDSA.
fn verify_claims(
    verifier: &Verifier,
    keys: &Keys,
    claims: &Value,
) -> Result<LaunchContext, LaunchError> {
    verifier.verify(&ed_token(keys, claims), NOW)
}

#[test]
fn expiry_honours_the_leeway_exactly() {
    let (keys, verifier) = setup();
    let with_exp = |exp: i64| {
        let mut c = claims();
        c["iat"] = json!(exp - 300);
        c["exp"] = json!(exp);
        c
    };
    // just expired, within the 60 s leeway: accepted
    assert!(verify_claims(&verifier, &keys, &with_exp(NOW - 30)).is_ok());
    assert!(verify_claims(&verifier, &keys, &with_exp(NOW - 59)).is_ok());
    // at and beyond the leeway: expired
    assert_refused(
        &verifier,
        &ed_token(&keys, &with_exp(NOW - 60)),
        LaunchError::Expired,
    );
    assert_refused(
        &verifier,
        &ed_token(&keys, &with_exp(NOW - 61)),
        LaunchError::Expired,
    );
    assert_refused(
        &verifier,
        &ed_token(&keys, &with_exp(NOW - 86_400)),
        LaunchError::Expired,
    );

    let strict = Verifier::new(store(&keys)).with_leeway(0);
    assert_refused(
        &strict,
        &ed_token(&keys, &with_exp(NOW)),
        LaunchError::Expired,
    );
    assert!(verify_claims(&strict, &keys, &with_exp(NOW + 1)).is_ok());
}

#[test]
fn leeway_is_capped() {
    let keys = keys();
    let lax = Verifier::new(store(&keys)).with_leeway(u64::MAX);
    let mut c = claims();
    c["iat"] = json!(NOW - 599);
    c["exp"] = json!(NOW - 299);
    let lax = lax.with_max_lifetime(300);
    assert!(verify_claims(&lax, &keys, &c).is_ok());
    c["jti"] = json!(next_jti());
    c["exp"] = json!(NOW - 300);
    assert_refused(&lax, &ed_token(&keys, &c), LaunchError::Expired);
}

#[test]
fn not_before_in_the_future_beyond_leeway_is_not_yet_valid() {
    let (keys, verifier) = setup();
    let mut c = claims();
    c["nbf"] = json!(NOW + 3600);
    c["exp"] = json!(NOW + 7200);
    assert_refused(&verifier, &ed_token(&keys, &c), LaunchError::NotYetValid);
    c["nbf"] = json!(NOW + 61);
    assert_refused(&verifier, &ed_token(&keys, &c), LaunchError::NotYetValid);
    c["exp"] = json!(NOW + 300);
    c["nbf"] = json!(NOW + 30);
    assert_eq!(
        verify_claims(&verifier, &keys, &c).unwrap().not_before,
        Some(NOW + 30)
    );
}

#[test]
fn issued_in_the_future_beyond_leeway_is_refused() {
    let (keys, verifier) = setup();
    let mut c = claims();
    c["iat"] = json!(NOW + 3600);
    c["exp"] = json!(NOW + 3900);
    assert_refused(&verifier, &ed_token(&keys, &c), LaunchError::IssuedInFuture);
    c["iat"] = json!(NOW + 61);
    assert_refused(&verifier, &ed_token(&keys, &c), LaunchError::IssuedInFuture);
    c["iat"] = json!(NOW + 30);
    c["exp"] = json!(NOW + 330);
    assert!(verify_claims(&verifier, &keys, &c).is_ok());
}

#[test]
fn inconsistent_times_are_invalid() {
    let (keys, verifier) = setup();
    let mut c = claims();
    c["iat"] = json!(NOW + 30); // within leeway
    c["exp"] = json!(NOW + 10); // not expired, but before iat
    assert_refused(
        &verifier,
        &ed_token(&keys, &c),
        LaunchError::InvalidClaim("exp"),
    );
    let mut c = claims();
    c["nbf"] = json!(NOW + 301);
    c["exp"] = json!(NOW + 300);
    // nbf within leeway of now would be fine, but after exp it is nonsense
    let mut c2 = c.clone();
    c2["nbf"] = json!(NOW + 50);
    c2["exp"] = json!(NOW + 40);
    assert_refused(
        &verifier,
        &ed_token(&keys, &c2),
        LaunchError::InvalidClaim("nbf"),
    );
    assert_refused(&verifier, &ed_token(&keys, &c), LaunchError::NotYetValid);
}

#[test]
fn numeric_dates_must_be_non_negative_integers_up_to_2_pow_53() {
    let (keys, verifier) = setup();
    let h = serde_json::to_vec(&header("EdDSA", "ed-1")).unwrap();
    for name in ["exp", "iat", "nbf"] {
        let good = if name == "iat" { NOW } else { NOW + 300 };
        for bad in [
            json!(good.to_string()),
            json!(good as f64),
            json!(-1),
            json!(i64::MIN),
            json!(1u64 << 53),
            json!(u64::MAX),
            json!(null),
            json!(true),
            json!([good]),
        ] {
            let mut c = claims();
            c[name] = bad;
            assert_refused(
                &verifier,
                &ed_token(&keys, &c),
                LaunchError::InvalidClaim(name),
            );
        }
        // spellings serde_json cannot produce from a Value: exponents, fractions,
        // integers beyond u64
        for raw in [
            "1.76e9",
            "1760000300.0",
            "1760000300.5",
            "18446744073709551616",
            "1e400",
        ] {
            let mut c = claims();
            c[name] = json!("PLACEHOLDER");
            let text = serde_json::to_string(&c)
                .unwrap()
                .replace("\"PLACEHOLDER\"", raw);
            let token = sign_raw(&h, text.as_bytes(), &keys.ed);
            let err = verifier.verify(&token, NOW).unwrap_err();
            if raw == "1e400" {
                // out of f64 range: not even JSON serde_json will read
                assert_eq!(
                    err,
                    LaunchError::InvalidJson {
                        part: crate::launch::TokenPart::Claims
                    }
                );
            } else {
                assert_eq!(err, LaunchError::InvalidClaim(name), "{name} = {raw}");
            }
        }
    }
    // the largest allowed value is read as a number, and then refused as a lifetime
    // far beyond the maximum (never remembered in the replay cache)
    let mut c = claims();
    c["exp"] = json!((1u64 << 53) - 1);
    assert_refused(
        &verifier,
        &ed_token(&keys, &c),
        LaunchError::LifetimeTooLong { max_seconds: 300 },
    );
}

#[test]
fn long_lived_tokens_are_refused_and_cannot_fill_the_replay_cache() {
    let keys = keys();
    // A small cache makes the lockout cheap to provoke if the control were missing.
    let verifier = Verifier::new(store(&keys)).with_replay_capacity(50);
    for exp in [
        NOW + 301,
        NOW + 7 * 24 * 3600,
        7_258_118_400,      // the year 2200
        (NOW + 300) * 1000, // a millisecond timestamp
    ] {
        let mut c = claims();
        c["exp"] = json!(exp);
        assert_refused(
            &verifier,
            &ed_token(&keys, &c),
            LaunchError::LifetimeTooLong { max_seconds: 300 },
        );
    }
    // Issued long ago, expiring far ahead: exp − now is bounded too.
    let mut c = claims();
    c["iat"] = json!(NOW - 10);
    c["exp"] = json!(NOW + 400);
    assert_refused(
        &verifier,
        &ed_token(&keys, &c),
        LaunchError::LifetimeTooLong { max_seconds: 300 },
    );
    // 100,000 attempts with year-2200 tokens (more than the default cache holds): none
    // takes a place in the cache, and normal five-minute tokens are still accepted
    // afterwards, more than its capacity.
    // (HS256, so that signing a hundred thousand tokens takes seconds in a debug build.)
    let big = Verifier::new(store(&keys));
    let hs = header("HS256", "hs-1");
    for _ in 0..100_000 {
        let mut c = claims();
        c["exp"] = json!(7_258_118_400i64);
        let err = big.verify(&token(&hs, &c, &keys.hs), NOW).unwrap_err();
        assert_eq!(err, LaunchError::LifetimeTooLong { max_seconds: 300 });
    }
    assert!(big.verify(&token(&hs, &claims(), &keys.hs), NOW).is_ok());
    for _ in 0..1000 {
        let mut c = claims();
        c["exp"] = json!(7_258_118_400i64);
        assert!(verify_claims(&verifier, &keys, &c).is_err());
    }
    for _ in 0..50 {
        assert!(verify_claims(&verifier, &keys, &claims()).is_ok());
    }
    // Full of unexpired five-minute ids: refused now, accepted once they expired (the
    // cache empties within the lifetime plus leeway, so no restart is needed).
    assert_refused(
        &verifier,
        &ed_token(&keys, &claims()),
        LaunchError::ReplayCacheFull,
    );
    let later = NOW + 300 + 61;
    let mut c = claims();
    c["iat"] = json!(later);
    c["exp"] = json!(later + 300);
    let token = ed_token(&keys, &c);
    assert!(verifier.verify(&token, later).is_ok());
    // A policy may set a longer maximum, capped at an hour.
    let hour = Verifier::new(store(&keys)).with_max_lifetime(u64::MAX);
    let mut c = claims();
    c["exp"] = json!(NOW + 3600);
    assert!(verify_claims(&hour, &keys, &c).is_ok());
    c["jti"] = json!(next_jti());
    c["exp"] = json!(NOW + 3601);
    assert_refused(
        &hour,
        &ed_token(&keys, &c),
        LaunchError::LifetimeTooLong { max_seconds: 3600 },
    );
}

#[test]
fn required_claims_are_required() {
    let (keys, verifier) = setup();
    for name in [
        "exp",
        "iat",
        "iss",
        "aud",
        "jti",
        "sub",
        "icr_role_profile",
        "icr_org",
        "icr_patient",
        "icr_purpose",
        "icr_relationship",
    ] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(name);
        assert_refused(
            &verifier,
            &ed_token(&keys, &c),
            LaunchError::MissingClaim(name),
        );
    }
    // the optional ones are optional
    let mut c = claims();
    for name in ["name", "icr_job_role", "nbf"] {
        c.as_object_mut().unwrap().remove(name);
    }
    let context = verify_claims(&verifier, &keys, &c).unwrap();
    assert_eq!(context.user_name, None);
    assert_eq!(context.job_role, None);
}

#[test]
fn issuer_must_match() {
    let (keys, verifier) = setup();
    for iss in [
        "https://attacker.invalid",
        "https://epr.example.invalid/",
        "HTTPS://EPR.EXAMPLE.INVALID",
        "",
    ] {
        let mut c = claims();
        c["iss"] = json!(iss);
        assert_refused(&verifier, &ed_token(&keys, &c), LaunchError::IssuerMismatch);
    }
    let mut c = claims();
    c["iss"] = json!([ISS]);
    assert_refused(
        &verifier,
        &ed_token(&keys, &c),
        LaunchError::InvalidClaim("iss"),
    );
}

#[test]
fn audience_must_contain_ours() {
    let (keys, verifier) = setup();
    for aud in [
        json!("other-app"),
        json!("ICR-SDK"),
        json!(["other-app", "another"]),
    ] {
        let mut c = claims();
        c["aud"] = aud;
        assert_refused(
            &verifier,
            &ed_token(&keys, &c),
            LaunchError::AudienceMismatch,
        );
    }
    for aud in [json!([]), json!([1]), json!({ "aud": AUD }), json!(null)] {
        let mut c = claims();
        c["aud"] = aud;
        assert_refused(
            &verifier,
            &ed_token(&keys, &c),
            LaunchError::InvalidClaim("aud"),
        );
    }
    let mut c = claims();
    c["aud"] = json!(["other-app", AUD]);
    assert_eq!(verify_claims(&verifier, &keys, &c).unwrap().audience, AUD);
}

#[test]
fn patient_must_be_a_valid_nhs_number_and_is_never_quoted() {
    let (keys, verifier) = setup();
    for bad in [
        json!("9434765918"),
        json!("943476591"),
        json!("94347659x9"),
        json!(9434765919u64),
        json!(""),
    ] {
        let mut c = claims();
        c["icr_patient"] = bad;
        let err = verifier.verify(&ed_token(&keys, &c), NOW).unwrap_err();
        assert_eq!(err, LaunchError::InvalidClaim("icr_patient"));
        let text = format!("{err} {err:?}");
        assert!(!text.contains("943476591"), "{text}");
    }
}

#[test]
fn relationship_org_and_strings_are_checked() {
    let (keys, verifier) = setup();
    for bad in [json!("Registered-GP"), json!("friend"), json!(1)] {
        let mut c = claims();
        c["icr_relationship"] = bad;
        assert_refused(
            &verifier,
            &ed_token(&keys, &c),
            LaunchError::InvalidClaim("icr_relationship"),
        );
    }
    for bad in [
        json!("Y9"),
        json!("Y9/0001"),
        json!("ABCDEFGHIJK"),
        json!(90001),
    ] {
        let mut c = claims();
        c["icr_org"] = bad;
        assert_refused(
            &verifier,
            &ed_token(&keys, &c),
            LaunchError::InvalidClaim("icr_org"),
        );
    }
    for (name, bad) in [
        ("sub", json!("")),
        ("sub", json!(555000000001u64)),
        ("name", json!("Dr\u{1b}[31m Red")),
        ("icr_purpose", json!("x".repeat(257))),
        ("jti", json!("j".repeat(129))),
        ("icr_job_role", json!(null)),
    ] {
        let mut c = claims();
        c[name] = bad;
        let expected = LaunchError::InvalidClaim(match name {
            "sub" => "sub",
            "name" => "name",
            "icr_purpose" => "icr_purpose",
            "jti" => "jti",
            _ => "icr_job_role",
        });
        assert_refused(&verifier, &ed_token(&keys, &c), expected);
    }
}

#[test]
fn host_demographics_are_optional_claims_minted_and_read_back() {
    let (keys, verifier) = setup();
    let without = context();
    let token = mint(&without, "ed-1", &keys.ed).unwrap();
    let read = verifier.verify(&token, NOW).unwrap();
    assert_eq!(read, without, "a token without the claims keeps working");
    assert_eq!(
        (read.patient_birth_date, read.patient_family_name),
        (None, None)
    );
    let mut with = context();
    with.patient_birth_date = Some("1948-03-12".to_owned());
    with.patient_family_name = Some("Thornton".to_owned());
    let token = mint(&with, "ed-1", &keys.ed).unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&b64::decode(payload, crate::launch::TokenPart::Claims).unwrap())
            .unwrap();
    assert_eq!(claims["icr_patient_birth_date"], "1948-03-12");
    assert_eq!(claims["icr_patient_family_name"], "Thornton");
    assert_eq!(verifier.verify(&token, NOW).unwrap(), with);
    let debug = format!("{with:?}");
    assert!(
        !debug.contains("1948") && !debug.contains("Thornton"),
        "{debug}"
    );
}

#[test]
fn host_demographics_claims_are_strictly_validated_and_never_quoted() {
    let (keys, verifier) = setup();
    for bad in [
        json!("1948-3-12"),
        json!("12/03/1948"),
        json!("1948-02-30"),
        json!("19480312"),
        json!("1948-03-12T00:00:00Z"),
        json!("1948"),
        json!("+1948-03-12"),
        json!(""),
        json!(19480312),
        json!(null),
    ] {
        let mut c = claims();
        c["icr_patient_birth_date"] = bad.clone();
        let err = verify_claims(&verifier, &keys, &c).unwrap_err();
        assert_eq!(
            err,
            LaunchError::InvalidClaim("icr_patient_birth_date"),
            "{bad}"
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains("1948"), "{text}");
    }
    for bad in [
        json!(""),
        json!("   "),
        json!("T".repeat(101)),
        json!("Thorn\u{7}ton"),
        json!("Thorn\nton"),
        json!(["Thornton"]),
    ] {
        let mut c = claims();
        c["icr_patient_family_name"] = bad.clone();
        let err = verify_claims(&verifier, &keys, &c).unwrap_err();
        assert_eq!(
            err,
            LaunchError::InvalidClaim("icr_patient_family_name"),
            "{bad}"
        );
        assert!(!format!("{err} {err:?}").contains("Thorn"));
    }
    let mut c = claims();
    c["icr_patient_family_name"] = json!("O'Brien-Smith");
    c["icr_patient_birth_date"] = json!("2024-02-29");
    let ok = verify_claims(&verifier, &keys, &c).unwrap();
    assert_eq!(ok.patient_family_name.as_deref(), Some("O'Brien-Smith"));
    assert_eq!(ok.patient_birth_date.as_deref(), Some("2024-02-29"));
}

#[test]
fn unknown_claims_are_ignored() {
    let (keys, verifier) = setup();
    let mut c = claims();
    c["something_else"] = json!({ "nested": [1, 2, 3] });
    assert!(verify_claims(&verifier, &keys, &c).is_ok());
}
