//! The CIS2 battery: role selection, each refusal a distinct error, the ID token's
//! header attacks, and break-glass by activity.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::super::tests::{AUD, ISS, NOW, RSA_PKCS8, context, header, keys, store, token};
use crate::access::Policy;
use crate::audit::{AuditKey, MemoryAuditLog};
use crate::launch::der::rsa_components;
use crate::launch::{Cis2Trust, LaunchError, SigningKey, TrustStore, Verifier, b64, mint_cis2};
use crate::session::{Icr, SessionError};

const CIS2_ISS: &str = "https://cis2.example.invalid/openam/oauth2/realms/root/realms/oidc";
const CLIENT_ID: &str = "999999999999.apps.national";
const USER: &str = "555000000002";
const GP_ROLE: &str = "555000000010";
const NURSE_ROLE: &str = "555000000011";
const HOSPITAL_ROLE: &str = "555000000012";

/// A userinfo with three roles at two organisations, in CIS2's published shape: a GP
/// (R8000 with job role R0260) and a nurse at the practice Y90001, a hospital doctor at
/// the trust R9A; only the GP holds the emergency-access activity B0168.
fn userinfo(selected: &str) -> Map<String, Value> {
    let value = json!({
        "sub": USER,
        "nhsid_useruid": USER,
        "name": "Alex Example",
        "given_name": "Alex",
        "family_name": "Example",
        "selected_roleid": selected,
        "nhsid_nrbac_roles": [
            {"person_orgid": "555000000020", "person_roleid": GP_ROLE, "org_code": "Y90001",
             "role_name": "\"Clinical\":\"Clinical Provision\":\"General Medical Practitioner\"",
             "role_code": "S0010:G0020:R8000:R0260",
             "activity_codes": ["B0168", "B0264"], "activities": ["Emergency access", "Access patient record"]},
            {"person_orgid": "555000000020", "person_roleid": NURSE_ROLE, "org_code": "Y90001",
             "role_name": "\"Clinical\":\"Nursing\":\"Nurse Access Role\"",
             "role_code": "S8000:G8000:R8001", "activity_codes": ["B0264"]},
            {"person_orgid": "555000000021", "person_roleid": HOSPITAL_ROLE, "org_code": "R9A",
             "role_name": "\"Clinical\":\"Clinical Provision\":\"Clinical Practitioner Access Role\"",
             "role_code": "S8000:G8000:R8000", "activity_codes": ["B0264"],
             "workgroups": ["Acute medicine"], "workgroups_codes": ["555000000030"]}
        ],
        "nhsid_user_orgs": [
            {"org_code": "Y90001", "org_name": "Riverside Medical Practice"},
            {"org_code": "R9A", "org_name": "Northgate General Hospital NHS Trust"}
        ],
        "acr": "AAL3_ANY"
    });
    value.as_object().cloned().unwrap()
}

fn policy() -> Policy {
    Policy::default_uk().unwrap()
}

fn verifier() -> Verifier {
    Verifier::new(store(&keys())).with_policy(&policy())
}

/// A launch for organisation `org` carrying `cis2` claims, signed by the host key.
fn launch(cis2: &Map<String, Value>, org: &str) -> String {
    let keys = keys();
    let mut c = context();
    c.organisation = org.to_owned();
    mint_cis2(&c, cis2, "ed-1", &keys.ed).unwrap()
}

#[test]
fn the_selected_role_of_three_at_two_organisations_is_used() {
    let v = verifier();
    let (c, id) = v
        .verify_identity(&launch(&userinfo(GP_ROLE), "Y90001"), NOW)
        .unwrap();
    let id = id.unwrap();
    assert_eq!(
        (
            c.role_profile.as_str(),
            c.job_role.as_deref(),
            c.organisation.as_str()
        ),
        ("R8000", Some("R0260"), "Y90001")
    );
    assert_eq!(c.user_id, USER);
    assert_eq!(c.user_name.as_deref(), Some("Alex Example"));
    assert_eq!(id.person_roleid, GP_ROLE);
    assert_eq!(id.org_name.as_deref(), Some("Riverside Medical Practice"));
    assert!(id.has_activity("B0168"));

    let (c, id) = v
        .verify_identity(&launch(&userinfo(HOSPITAL_ROLE), "R9A"), NOW)
        .unwrap();
    assert_eq!(
        (
            c.role_profile.as_str(),
            c.job_role.as_deref(),
            c.organisation.as_str()
        ),
        ("R8000", None, "R9A")
    );
    assert!(!id.unwrap().has_activity("B0168"));

    let (c, _) = v
        .verify_identity(&launch(&userinfo(NURSE_ROLE), "Y90001"), NOW)
        .unwrap();
    assert_eq!(c.role_profile, "R8001");
    assert_eq!(
        policy()
            .role_for(&c.role_profile, c.job_role.as_deref())
            .unwrap()
            .name,
        "nurse"
    );
}

#[test]
fn the_first_r_code_the_policy_knows_is_the_profile() {
    let mut info = userinfo(GP_ROLE);
    // an R-code the policy does not know comes first
    info["nhsid_nrbac_roles"][0]["role_code"] = json!("S0010:G0020:R9999:R8000:R0260");
    let (c, _) = verifier()
        .verify_identity(&launch(&info, "Y90001"), NOW)
        .unwrap();
    assert_eq!(
        (c.role_profile.as_str(), c.job_role.as_deref()),
        ("R8000", Some("R0260"))
    );
    // none known: the first
    info["nhsid_nrbac_roles"][0]["role_code"] = json!("S0010:G0020:R9999:R9998");
    let (c, _) = verifier()
        .verify_identity(&launch(&info, "Y90001"), NOW)
        .unwrap();
    assert_eq!(
        (c.role_profile.as_str(), c.job_role.as_deref()),
        ("R9999", None)
    );
}

#[test]
fn each_refusal_is_its_own_error() {
    let v = verifier();
    let mut none = userinfo(GP_ROLE);
    none["nhsid_nrbac_roles"] = json!([]);
    assert_eq!(
        v.verify(&launch(&none, "Y90001"), NOW),
        Err(LaunchError::Cis2NoRoles)
    );
    none.remove("nhsid_nrbac_roles");
    assert_eq!(
        v.verify(&launch(&none, "Y90001"), NOW),
        Err(LaunchError::Cis2NoRoles)
    );

    assert_eq!(
        v.verify(&launch(&userinfo("555000000099"), "Y90001"), NOW),
        Err(LaunchError::Cis2UnknownSelectedRole)
    );
    assert_eq!(
        v.verify(&launch(&userinfo(HOSPITAL_ROLE), "Y90001"), NOW),
        Err(LaunchError::Cis2OrganisationMismatch)
    );
    let mut weak = userinfo(GP_ROLE);
    weak["acr"] = json!("AAL1_USERPASS");
    assert_eq!(
        v.verify(&launch(&weak, "Y90001"), NOW),
        Err(LaunchError::AssuranceTooLow {
            found: "AAL1",
            required: "AAL2"
        })
    );
    // the same without a minimum is accepted: the policy's minimum is what refused it
    let lax = Verifier::new(store(&keys()));
    assert!(lax.verify(&launch(&weak, "Y90001"), NOW).is_ok());
    weak.remove("acr");
    assert_eq!(
        v.verify(&launch(&weak, "Y90001"), NOW),
        Err(LaunchError::MissingClaim("acr"))
    );
    weak.insert("acr".to_owned(), json!("AAL9_MAGIC"));
    assert_eq!(
        v.verify(&launch(&weak, "Y90001"), NOW),
        Err(LaunchError::InvalidClaim("acr"))
    );
    let mut shape = userinfo(GP_ROLE);
    shape["nhsid_nrbac_roles"] = json!([{"person_roleid": GP_ROLE}]);
    assert_eq!(
        v.verify(&launch(&shape, "Y90001"), NOW),
        Err(LaunchError::InvalidClaim("nhsid_nrbac_roles"))
    );
}

#[test]
fn a_cis2_token_may_not_also_name_icr_role_codes() {
    let keys = keys();
    let mut claims = super::super::tests::claims();
    for (k, v) in userinfo(GP_ROLE) {
        if k != "name" && k != "sub" {
            claims[k] = v;
        }
    }
    let t = token(&header("EdDSA", "ed-1"), &claims, &keys.ed);
    assert_eq!(
        verifier().verify(&t, NOW),
        Err(LaunchError::InvalidClaim("icr_role_profile"))
    );
}

#[test]
fn a_self_claimed_relationship_counts_only_where_the_policy_allows() {
    let keys = keys();
    let mut claims = super::super::tests::claims();
    claims["icr_relationship_self_claimed"] = json!(true);
    let t = |c: &Value| token(&header("EdDSA", "ed-1"), c, &keys.ed);
    let context = verifier().verify(&t(&claims), NOW).unwrap();
    assert_eq!(context.relationship, crate::launch::Relationship::None);
    let mut allowing = policy();
    allowing.cis2.relationship_self_claim = true;
    claims["jti"] = json!("self-claim-2");
    let v = Verifier::new(store(&keys)).with_policy(&allowing);
    assert_eq!(
        v.verify(&t(&claims), NOW).unwrap().relationship,
        crate::launch::Relationship::RegisteredGp
    );
}

// --- the ID token path ---

fn es_jwk(kid: &str, key: &SigningKey) -> Value {
    let point = key.public_key().unwrap();
    json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
           "x": b64::encode(&point[1..33]), "y": b64::encode(&point[33..65])})
}

fn rsa_jwk(kid: &str, alg: &str) -> Value {
    let rs = SigningKey::rs256_from_pkcs8(RSA_PKCS8).unwrap();
    let (n, e) = rsa_components(&rs.public_key().unwrap()).unwrap();
    json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": alg,
           "n": b64::encode(&n), "e": b64::encode(&e)})
}

struct Idp {
    es: SigningKey,
    verifier: Verifier,
}

fn idp() -> Idp {
    let keys = keys();
    let jwks = json!({"keys": [
        es_jwk("cis2-es", &keys.es), rsa_jwk("cis2-rs", "RS256"), rsa_jwk("cis2-ps", "PS256"),
        rsa_jwk("cis2-rs512", "RS512"),
        {"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"}
    ]});
    let trust = Cis2Trust::from_jwks(CIS2_ISS, CLIENT_ID, &jwks.to_string()).unwrap();
    assert_eq!(trust.key_count(), 4, "the encryption key is skipped");
    let verifier = Verifier::new(store(&keys).with_cis2(trust)).with_policy(&policy());
    Idp {
        es: keys.es,
        verifier,
    }
}

fn id_claims(acr: &str) -> Value {
    json!({"iss": CIS2_ISS, "sub": USER, "aud": CLIENT_ID, "iat": NOW - 60, "exp": NOW + 3600,
           "acr": acr, "amr": ["N3_SMARTCARD"], "authentication_assurance_level": "3",
           "id_assurance_level": "3", "selected_roleid": GP_ROLE, "typ": "ID"})
}

/// A launch carrying the userinfo (no host `acr`) and this ID token.
fn launch_with_id_token(id_token: &str) -> String {
    let mut info = userinfo(GP_ROLE);
    info.remove("acr");
    info.insert("cis2_id_token".to_owned(), json!(id_token));
    launch(&info, "Y90001")
}

#[test]
fn a_verified_id_token_supplies_the_acr() {
    let idp = idp();
    let id = token(&header("ES256", "cis2-es"), &id_claims("AAL3_ANY"), &idp.es);
    let (_, identity) = idp
        .verifier
        .verify_identity(&launch_with_id_token(&id), NOW)
        .unwrap();
    let identity = identity.unwrap();
    assert!(identity.id_token_verified);
    assert_eq!(identity.acr.as_deref(), Some("AAL3_ANY"));

    let weak = token(
        &header("ES256", "cis2-es"),
        &id_claims("AAL1_USERPASS"),
        &idp.es,
    );
    assert_eq!(
        idp.verifier.verify(&launch_with_id_token(&weak), NOW),
        Err(LaunchError::AssuranceTooLow {
            found: "AAL1",
            required: "AAL2"
        })
    );
    // without a CIS2 trust, an ID token is refused, not ignored
    assert_eq!(
        verifier().verify(&launch_with_id_token(&id), NOW),
        Err(LaunchError::Cis2NotTrusted)
    );
}

#[test]
fn rsa_id_tokens_verify_with_the_algorithm_their_key_is_bound_to() {
    let idp = idp();
    for (kid, alg, key) in [
        (
            "cis2-rs",
            "RS256",
            SigningKey::rs256_from_pkcs8(RSA_PKCS8).unwrap(),
        ),
        (
            "cis2-ps",
            "PS256",
            SigningKey::ps256_from_pkcs8(RSA_PKCS8).unwrap(),
        ),
        (
            "cis2-rs512",
            "RS512",
            SigningKey::from_material(crate::launch::Algorithm::Rs512, RSA_PKCS8).unwrap(),
        ),
    ] {
        let id = token(&header(alg, kid), &id_claims("AAL3_ANY"), &key);
        assert!(
            idp.verifier.verify(&launch_with_id_token(&id), NOW).is_ok(),
            "{alg}"
        );
    }
    // an RS256 signature under the PS256 key's kid
    let rs = SigningKey::rs256_from_pkcs8(RSA_PKCS8).unwrap();
    let id = token(&header("RS256", "cis2-ps"), &id_claims("AAL3_ANY"), &rs);
    assert!(matches!(
        idp.verifier.verify(&launch_with_id_token(&id), NOW),
        Err(LaunchError::Cis2IdToken(e)) if matches!(*e, LaunchError::AlgorithmMismatch { .. })
    ));
}

#[test]
fn id_token_header_attacks_are_each_refused() {
    let idp = idp();
    let refused = |id: String| idp.verifier.verify(&launch_with_id_token(&id), NOW);
    let wrap = |e: LaunchError| Err(LaunchError::Cis2IdToken(Box::new(e)));

    // a kid the key set does not hold, signed by a key CIS2 never published
    let other = keys().es;
    let id = token(
        &header("ES256", "attacker-1"),
        &id_claims("AAL3_ANY"),
        &other,
    );
    assert_eq!(
        refused(id),
        wrap(LaunchError::UnknownKey {
            kid: "attacker-1".into()
        })
    );

    // alg none, unsigned
    let none = format!(
        "{}.{}.",
        b64::encode(br#"{"alg":"none","typ":"JWT","kid":"cis2-es"}"#),
        b64::encode(id_claims("AAL3_ANY").to_string().as_bytes())
    );
    assert_eq!(refused(none), wrap(LaunchError::AlgorithmNone));

    // the attacker's key offered by URL, and embedded
    let mut jku = header("ES256", "cis2-es");
    jku["jku"] = json!("https://attacker.example.invalid/jwks.json");
    assert_eq!(
        refused(token(&jku, &id_claims("AAL3_ANY"), &other)),
        wrap(LaunchError::ForbiddenHeader("jku"))
    );
    let mut jwk = header("ES256", "cis2-es");
    jwk["jwk"] = es_jwk("cis2-es", &other);
    assert_eq!(
        refused(token(&jwk, &id_claims("AAL3_ANY"), &other)),
        wrap(LaunchError::ForbiddenHeader("jwk"))
    );
    let mut x5u = header("ES256", "cis2-es");
    x5u["x5u"] = json!("https://attacker.example.invalid/cert.pem");
    assert_eq!(
        refused(token(&x5u, &id_claims("AAL3_ANY"), &other)),
        wrap(LaunchError::ForbiddenHeader("x5u"))
    );
    // the right kid with another key's signature
    let forged = token(&header("ES256", "cis2-es"), &id_claims("AAL3_ANY"), &other);
    assert_eq!(refused(forged), wrap(LaunchError::SignatureInvalid));

    // issuer, audience, expiry, and who it is about
    let mut c = id_claims("AAL3_ANY");
    c["iss"] = json!("https://evil.example.invalid");
    assert_eq!(
        refused(token(&header("ES256", "cis2-es"), &c, &idp.es)),
        wrap(LaunchError::IssuerMismatch)
    );
    let mut c = id_claims("AAL3_ANY");
    c["aud"] = json!("another-client");
    assert_eq!(
        refused(token(&header("ES256", "cis2-es"), &c, &idp.es)),
        wrap(LaunchError::AudienceMismatch)
    );
    let mut c = id_claims("AAL3_ANY");
    c["exp"] = json!(NOW - 3600);
    assert_eq!(
        refused(token(&header("ES256", "cis2-es"), &c, &idp.es)),
        wrap(LaunchError::Expired)
    );
    let mut c = id_claims("AAL3_ANY");
    c["sub"] = json!("555000000777");
    assert_eq!(
        refused(token(&header("ES256", "cis2-es"), &c, &idp.es)),
        Err(LaunchError::Cis2IdentityMismatch)
    );
    let mut c = id_claims("AAL3_ANY");
    c["selected_roleid"] = json!(HOSPITAL_ROLE);
    assert_eq!(
        refused(token(&header("ES256", "cis2-es"), &c, &idp.es)),
        Err(LaunchError::Cis2IdentityMismatch)
    );
}

#[test]
fn a_jwks_that_cannot_be_trusted_is_refused() {
    for bad in [
        "not json",
        r#"{"keys": []}"#,
        r#"{"keys": [{"kty": "oct", "kid": "k", "k": "AAAA"}]}"#,
        r#"{"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}"#,
        r#"{"keys": [{"kty": "EC", "crv": "P-384", "kid": "k", "x": "AA", "y": "AA"}]}"#,
    ] {
        assert!(
            Cis2Trust::from_jwks(CIS2_ISS, CLIENT_ID, bad).is_err(),
            "{bad}"
        );
    }
    let dup = json!({"keys": [rsa_jwk("same", "RS256"), rsa_jwk("same", "PS256")]});
    assert!(Cis2Trust::from_jwks(CIS2_ISS, CLIENT_ID, &dup.to_string()).is_err());
}

// --- break-glass by activity ---

fn icr() -> Icr {
    let key = AuditKey::from_bytes(&[9u8; 32]).unwrap();
    let verifier = Verifier::new(TrustStore::clone(&store(&keys())));
    Icr::builder(policy(), verifier, Arc::new(MemoryAuditLog::new(key)))
        .clock(Arc::new(|| NOW))
        .build()
}

#[test]
fn break_glass_needs_the_emergency_access_activity_where_the_policy_says() {
    let icr = icr();
    let reason = "Unconscious patient in ED, no history available";
    // the hospital role: a role that may break glass (hospital-doctor), without B0168
    let without = icr
        .open_session(&launch(&userinfo(HOSPITAL_ROLE), "R9A"))
        .unwrap();
    assert_eq!(without.role(), "hospital-doctor");
    assert!(matches!(
        without.break_glass(reason),
        Err(SessionError::BreakGlassNotPermitted)
    ));
    assert!(!without.break_glass_active());
    // the GP role holds B0168
    let with = icr
        .open_session(&launch(&userinfo(GP_ROLE), "Y90001"))
        .unwrap();
    assert_eq!(with.role(), "gp");
    with.break_glass(reason).unwrap();
    assert!(with.break_glass_active());

    // the activity is what refused it: a policy without the rule lets the same role in
    let mut lax = policy();
    lax.cis2.break_glass_activity = None;
    let key = AuditKey::from_bytes(&[9u8; 32]).unwrap();
    let icr = Icr::builder(
        lax,
        Verifier::new(store(&keys())),
        Arc::new(MemoryAuditLog::new(key)),
    )
    .clock(Arc::new(|| NOW))
    .build();
    let session = icr
        .open_session(&launch(&userinfo(HOSPITAL_ROLE), "R9A"))
        .unwrap();
    session.break_glass(reason).unwrap();
    assert!(session.break_glass_active());
}

#[test]
fn the_policy_refuses_an_unknown_acr_or_activity_code() {
    let mut p = policy();
    assert_eq!(
        p.cis2.min_level(),
        Some(crate::access::AssuranceLevel::Aal2)
    );
    p.cis2.min_acr = Some("AAL4_ANY".into());
    p.cis2.break_glass_activity = Some("0168".into());
    let messages: Vec<String> = p.validate().into_iter().map(|f| f.message).collect();
    assert!(
        messages.iter().any(|m| m.contains("cis2.min_acr")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("cis2.break_glass_activity")),
        "{messages:?}"
    );
    let _ = (ISS, AUD);
}
