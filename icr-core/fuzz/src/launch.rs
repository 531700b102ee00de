//! Launch-token verification: never `Ok` without a valid signature by a trusted key.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use icr_core::launch::{SigningKey, TrustStore, Verifier, read_gp_connect_consumer_jwt};
use ring::signature::{self, UnparsedPublicKey};

use crate::fixtures::{ED25519_SEED, HS256_SECRET, NOW};

/// Issuer and audience of the fuzzing trust store and its seed tokens.
pub const ISSUER: &str = "https://fuzz-host.invalid";
/// Audience of the fuzzing trust store.
pub const AUDIENCE: &str = "icr-sdk";

/// PKCS#8 of the RSA test key the launch module's own tests use (fixed, published).
pub const RSA_PKCS8: &[u8] = include_bytes!("../../src/launch/testdata/rsa2048-test-key.pk8");

/// The public halves of the fuzzing keys.
pub struct Keys {
    /// Ed25519 public key.
    pub ed25519: Vec<u8>,
    /// RSA public key (DER `RSAPublicKey`).
    pub rs256: Vec<u8>,
}

/// The fuzzing keys' public halves.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        ed25519: SigningKey::ed25519_from_seed(&ED25519_SEED)
            .unwrap()
            .public_key()
            .unwrap(),
        rs256: SigningKey::rs256_from_pkcs8(RSA_PKCS8)
            .unwrap()
            .public_key()
            .unwrap(),
    })
}

/// The trust store: `hs` (HS256), `ed` (EdDSA) and `rs` (RS256).
pub fn trust_store() -> TrustStore {
    let k = keys();
    let mut store = TrustStore::new(ISSUER, AUDIENCE);
    store.add_hs256("hs", HS256_SECRET).unwrap();
    store.add_ed25519("ed", &k.ed25519).unwrap();
    store.add_rs256("rs", &k.rs256).unwrap();
    store
}

/// Verifies `data` as a launch token at [`NOW`] with a fresh verifier (so that the
/// replay cache of one input never affects another). When it is accepted, the
/// signature is checked again here, independently of the SDK's parsing: the JWS
/// signing input must carry a valid signature by the key its `kid` names, with that
/// key's algorithm. GP Connect's unsigned consumer JWTs go through their own reader,
/// which must not panic.
pub fn launch(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = read_gp_connect_consumer_jwt(token, NOW);
    let verifier = Verifier::new(trust_store());
    if let Ok(context) = verifier.verify(token, NOW) {
        assert_eq!(context.issuer, ISSUER);
        assert_eq!(context.audience, AUDIENCE);
        assert!(
            signature_is_valid(token),
            "a token was accepted without a valid signature"
        );
    }
}

fn signature_is_valid(token: &str) -> bool {
    let Some((signing_input, sig)) = token.rsplit_once('.') else {
        return false;
    };
    let Some((header, _payload)) = signing_input.split_once('.') else {
        return false;
    };
    let (Ok(header), Ok(sig)) = (URL_SAFE_NO_PAD.decode(header), URL_SAFE_NO_PAD.decode(sig))
    else {
        return false;
    };
    let Ok(header) = serde_json::from_slice::<serde_json::Value>(&header) else {
        return false;
    };
    let msg = signing_input.as_bytes();
    let k = keys();
    match (header["kid"].as_str(), header["alg"].as_str()) {
        (Some("hs"), Some("HS256")) => {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, HS256_SECRET);
            ring::hmac::verify(&key, msg, &sig).is_ok()
        }
        (Some("ed"), Some("EdDSA")) => UnparsedPublicKey::new(&signature::ED25519, &k.ed25519)
            .verify(msg, &sig)
            .is_ok(),
        (Some("rs"), Some("RS256")) => {
            UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &k.rs256)
                .verify(msg, &sig)
                .is_ok()
        }
        _ => false,
    }
}
