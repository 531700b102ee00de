//! The unsigned GP Connect consumer token path.

use serde_json::json;

use super::*;
use crate::launch::{
    GpConnectClaims, TokenPart, mint_gp_connect_consumer_jwt, read_gp_connect_consumer_jwt,
};

const PROVIDER: &str = "https://provider.thirdparty.nhs.uk/GP0001/STU3/1";

pub(super) fn claims() -> GpConnectClaims {
    GpConnectClaims {
        requesting_organization_ods: "R9A".to_owned(),
        requesting_practitioner_id: "555000000001".to_owned(),
        requested_record: NhsNumber::parse(PATIENT).unwrap(),
        reason_for_request: "directcare".to_owned(),
        requested_scope: "patient/*.read".to_owned(),
        issued_at: NOW,
        expires_at: NOW + 300,
    }
}

/// A consumer token as a real consumer system writes it (DSTU2-era systems, a name on
/// the practitioner, the identifier list with a role profile too).
fn consumer_body() -> Value {
    json!({
        "iss": "https://consumer.example.invalid",
        "sub": "1",
        "aud": PROVIDER,
        "exp": NOW + 300,
        "iat": NOW,
        "reason_for_request": "directcare",
        "requested_scope": "patient/*.read",
        "requested_record": {
            "resourceType": "Patient",
            "identifier": [{ "system": "http://fhir.nhs.net/Id/nhs-number", "value": PATIENT }]
        },
        "requesting_device": {
            "resourceType": "Device",
            "id": "1",
            "identifier": [{ "system": "Web Interface", "value": "GP Connect Demonstrator" }],
            "model": "v1",
            "version": "1.1"
        },
        "requesting_organization": {
            "resourceType": "Organization",
            "id": "1",
            "identifier": [{ "system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "R9A" }],
            "name": "Northgate General Hospital"
        },
        "requesting_practitioner": {
            "resourceType": "Practitioner",
            "id": "1",
            "identifier": [
                { "system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "555000000001" },
                { "system": "https://fhir.nhs.uk/Id/sds-role-profile-id", "value": "555000000002" }
            ],
            "name": [{ "family": "Test", "given": ["Clinician"], "prefix": ["Dr"] }]
        }
    })
}

fn unsigned(header: &Value, body: &Value) -> String {
    format!(
        "{}.{}.",
        b64::encode(&serde_json::to_vec(header).unwrap()),
        b64::encode(&serde_json::to_vec(body).unwrap())
    )
}

fn none_header() -> Value {
    json!({ "alg": "none", "typ": "JWT" })
}

#[track_caller]
fn assert_gp_refused(token: &str, expected: LaunchError) {
    let err = read_gp_connect_consumer_jwt(token, NOW).unwrap_err();
    assert_eq!(err, expected);
    assert_no_leak(&err);
}

#[test]
fn minted_consumer_tokens_read_back() {
    let claims = claims();
    let token = mint_gp_connect_consumer_jwt(&claims, PROVIDER).unwrap();
    assert_eq!(token.matches('.').count(), 2);
    assert!(token.ends_with('.'));
    assert_eq!(
        read_gp_connect_consumer_jwt(&token, NOW + 10).unwrap(),
        claims
    );
}

#[test]
fn a_well_formed_consumer_token_from_another_system_is_read() {
    let token = unsigned(&none_header(), &consumer_body());
    let read = read_gp_connect_consumer_jwt(&token, NOW).unwrap();
    assert_eq!(read.requesting_organization_ods, "R9A");
    assert_eq!(read.requesting_practitioner_id, "555000000001");
    assert_eq!(read.requested_record.as_str(), PATIENT);
    assert_eq!(read.reason_for_request, "directcare");
    assert_eq!(read.requested_scope, "patient/*.read");
    assert_eq!((read.issued_at, read.expires_at), (NOW, NOW + 300));
}

#[test]
fn a_signed_looking_consumer_token_is_refused() {
    let good = unsigned(&none_header(), &consumer_body());
    assert_gp_refused(
        &format!("{good}c2lnbmF0dXJl"),
        LaunchError::SignaturePresent,
    );
    // a real signature under a real algorithm is not a consumer token either
    let keys = keys();
    let signed = token(
        &json!({ "alg": "EdDSA", "typ": "JWT" }),
        &consumer_body(),
        &keys.ed,
    );
    assert_gp_refused(&signed, LaunchError::SignaturePresent);
    // alg claims a signature but none is present
    assert_gp_refused(
        &unsigned(&json!({ "alg": "RS256", "typ": "JWT" }), &consumer_body()),
        LaunchError::UnsupportedAlgorithm,
    );
    assert_gp_refused(
        &unsigned(&json!({ "typ": "JWT" }), &consumer_body()),
        LaunchError::AlgorithmMissing,
    );
    assert_gp_refused(
        &unsigned(&json!({ "alg": "NONE" }), &consumer_body()),
        LaunchError::InvalidHeader("alg"),
    );
    assert_gp_refused(
        &unsigned(
            &json!({ "alg": "none", "jku": "https://attacker.invalid" }),
            &consumer_body(),
        ),
        LaunchError::ForbiddenHeader("jku"),
    );
}

#[test]
fn reason_for_request_must_be_directcare() {
    for reason in [
        json!("secondaryuses"),
        json!("DirectCare"),
        json!("directcare "),
        json!(1),
    ] {
        let mut body = consumer_body();
        body["reason_for_request"] = reason;
        assert_gp_refused(
            &unsigned(&none_header(), &body),
            LaunchError::InvalidClaim("reason_for_request"),
        );
    }
    let mut bad = claims();
    bad.reason_for_request = "secondaryuses".to_owned();
    assert_eq!(
        mint_gp_connect_consumer_jwt(&bad, PROVIDER),
        Err(KeyError::Claims("reason_for_request"))
    );
}

#[test]
fn the_lifetime_must_be_exactly_five_minutes() {
    for exp in [NOW + 299, NOW + 301, NOW + 3600, NOW] {
        let mut body = consumer_body();
        body["exp"] = json!(exp);
        assert_gp_refused(
            &unsigned(&none_header(), &body),
            LaunchError::InvalidLifetime,
        );
    }
    let mut bad = claims();
    bad.expires_at = NOW + 600;
    assert_eq!(
        mint_gp_connect_consumer_jwt(&bad, PROVIDER),
        Err(KeyError::Claims("exp 300 seconds after iat"))
    );
}

#[test]
fn times_are_checked() {
    let token = unsigned(&none_header(), &consumer_body());
    assert_eq!(
        read_gp_connect_consumer_jwt(&token, NOW + 360),
        Err(LaunchError::Expired)
    );
    assert_eq!(
        read_gp_connect_consumer_jwt(&token, NOW - 61),
        Err(LaunchError::IssuedInFuture)
    );
    let mut body = consumer_body();
    body["iat"] = json!(NOW.to_string());
    assert_gp_refused(
        &unsigned(&none_header(), &body),
        LaunchError::InvalidClaim("iat"),
    );
}

#[test]
fn the_fhir_resources_must_carry_their_identifiers() {
    let cases: [(&str, Value, LaunchError); 8] = [
        (
            "requested_record",
            json!({ "resourceType": "Patient", "identifier": [{ "system": "urn:other", "value": PATIENT }] }),
            LaunchError::InvalidClaim("requested_record"),
        ),
        (
            "requested_record",
            json!({ "resourceType": "Patient", "identifier": [{ "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918" }] }),
            LaunchError::InvalidClaim("requested_record"),
        ),
        (
            "requested_record",
            json!({ "resourceType": "Organization", "identifier": [{ "system": "https://fhir.nhs.uk/Id/nhs-number", "value": PATIENT }] }),
            LaunchError::InvalidClaim("requested_record"),
        ),
        (
            "requesting_organization",
            json!({ "resourceType": "Organization", "name": "No identifier" }),
            LaunchError::InvalidClaim("requesting_organization"),
        ),
        (
            "requesting_practitioner",
            json!({ "resourceType": "Practitioner", "identifier": [{ "system": "https://fhir.nhs.uk/Id/sds-role-profile-id", "value": "1" }] }),
            LaunchError::InvalidClaim("requesting_practitioner"),
        ),
        (
            "requesting_device",
            json!("a device"),
            LaunchError::InvalidClaim("requesting_device"),
        ),
        (
            "requested_scope",
            json!("patient/*.*"),
            LaunchError::InvalidClaim("requested_scope"),
        ),
        ("aud", json!(["a"]), LaunchError::InvalidClaim("aud")),
    ];
    for (name, value, expected) in cases {
        let mut body = consumer_body();
        body[name] = value;
        assert_gp_refused(&unsigned(&none_header(), &body), expected);
    }
    for name in [
        "requested_record",
        "requesting_practitioner",
        "requesting_organization",
        "requesting_device",
        "iss",
    ] {
        let mut body = consumer_body();
        body.as_object_mut().unwrap().remove(name);
        let expected = LaunchError::MissingClaim(match name {
            "requested_record" => "requested_record",
            "requesting_practitioner" => "requesting_practitioner",
            "requesting_organization" => "requesting_organization",
            "requesting_device" => "requesting_device",
            _ => "iss",
        });
        assert_gp_refused(&unsigned(&none_header(), &body), expected);
    }
}

#[test]
fn the_strict_encoding_rules_apply_here_too() {
    let body = serde_json::to_vec(&consumer_body()).unwrap();
    let header = b64::encode(&serde_json::to_vec(&none_header()).unwrap());
    let dup = format!(
        "{},\"reason_for_request\":\"directcare\"}}",
        std::str::from_utf8(&body)
            .unwrap()
            .strip_suffix('}')
            .unwrap()
    );
    assert_gp_refused(
        &format!("{header}.{}.", b64::encode(dup.as_bytes())),
        LaunchError::DuplicateMember {
            part: TokenPart::Claims,
        },
    );
    assert_gp_refused(
        &format!("{header}=.{}.", b64::encode(&body)),
        LaunchError::InvalidBase64 {
            part: TokenPart::Header,
        },
    );
    assert_gp_refused(
        &"a".repeat(20_000),
        LaunchError::TooLarge {
            size: 20_000,
            limit: 16 * 1024,
        },
    );
}
