//! The signed launch context: who the user is, which patient, why, and on what
//! relationship, as asserted by the host EPR in a signed JWT and verified with `ring`.
//!
//! ```
//! use icr_core::NhsNumber;
//! use icr_core::launch::{Relationship, Verifier, demo, mint};
//!
//! let now = 1_760_000_000;
//! let patient = NhsNumber::parse("9434765919").unwrap();
//! let context = demo::context("R8000", Some("R0260"), "Y90001", patient,
//!                             Relationship::RegisteredGp, now);
//! let token = mint(&context, demo::KID, &demo::signing_key().unwrap()).unwrap();
//!
//! let verifier = Verifier::new(demo::trust_store().unwrap());
//! assert_eq!(verifier.verify(&token, now).unwrap(), context);
//! // the same token twice is a replay
//! assert!(verifier.verify(&token, now + 1).is_err());
//! ```
//!
//! # Claims
//!
//! | Claim | Required | [`LaunchContext`] field | Rule |
//! |---|---|---|---|
//! | `iss`, `aud`, `iat`, `exp`, `jti` | yes | `issuer`, `audience`, `issued_at`, `expires_at`, `token_id` | the trust store's issuer and audience; NumericDates; `jti` at most 128 bytes |
//! | `nbf` | no | `not_before` | NumericDate |
//! | `sub` | yes (no, in a CIS2 launch) | `user_id` | the SDS user id |
//! | `name` | no | `user_name` | |
//! | `icr_role_profile` | yes (absent in a CIS2 launch) | `role_profile` | national RBAC role code |
//! | `icr_job_role` | no | `job_role` | |
//! | `icr_org` | yes (optional in a CIS2 launch) | `organisation` | ODS code, 3 to 10 letters and digits |
//! | `icr_patient` | yes | `patient` | NHS number, modulus 11 checked |
//! | `icr_patient_birth_date` | no | `patient_birth_date` | the host's date of birth for the patient, exactly `YYYY-MM-DD` and a real date |
//! | `icr_patient_family_name` | no | `patient_family_name` | the host's family name for the patient, 1 to 100 bytes, not blank |
//! | `icr_patient_restricted` | no | `patient_restricted` | `true` when the host holds the patient as restricted (PDS S-flag): contact details withheld, no GP Connect request |
//! | `icr_purpose` | yes | `purpose` | e.g. `direct-care` |
//! | `icr_relationship` | yes | `relationship` | a [`Relationship`] value |
//! | `icr_relationship_self_claimed` | no | `relationship` | `true`: the user claimed it; `none` unless the policy's `cis2.relationship_self_claim` allows |
//!
//! **CIS2 launches.** A token may instead carry the user's NHS CIS2 identity (claims
//! `nhsid_useruid`, `name`, `nhsid_nrbac_roles`, `nhsid_user_orgs`, `selected_roleid`,
//! `acr`, and optionally the CIS2 ID token itself as `cis2_id_token`, verified against a
//! configured [`Cis2Trust`]). Then `user_id`, `user_name`, `role_profile`, `job_role`
//! and `organisation` come from the selected CIS2 role, `icr_role_profile` and
//! `icr_job_role` must be absent and `icr_org` is optional (when given, the selected
//! role must be there). See [`Cis2Identity`] and `docs/launch.md`.
//!
//! String claims are non-empty, bounded (256 bytes unless said otherwise) and free of
//! control characters. A claim that breaks its rule refuses the token with
//! [`LaunchError::InvalidClaim`] naming the claim, never its value.
//!
//! The two patient demographics claims let the SDK check that the record is the patient
//! the host has open (hazard H03): [`Session::summary`](crate::session::Session::summary)
//! compares them with the record's banner and reports a difference in
//! `demographic_discrepancies` ("Date of birth differs between the record and the host
//! system"). Tokens without them keep working; hosts should send them.
//!
//! # Why it is built this way
//!
//! **The verifier decides the algorithm, not the token.** Each key in the [`TrustStore`]
//! is registered for exactly one [`Algorithm`]. The header's `kid` selects the key, and
//! the header's `alg` must then equal that key's algorithm or the token is refused
//! ([`LaunchError::AlgorithmMismatch`]). Letting `alg` choose the verification routine is
//! the root of the classic JWT attacks: `alg: none` switches verification off, and an
//! HS256 token whose HMAC key is the issuer's RSA *public* key verifies under a library
//! that feeds "the key" to whichever algorithm the header names. Here neither can happen:
//! `none` is refused outright ([`LaunchError::AlgorithmNone`]) and a key bound to RS256
//! is never used as an HMAC secret.
//!
//! **No key is ever fetched or taken from a token.** `jku`, `x5u` (URLs to fetch keys
//! from), `jwk`, `x5c` (keys embedded in the token) and `x5t` are refused with
//! [`LaunchError::ForbiddenHeader`], never ignored, so a misconfigured issuer is noticed.
//! Trust is configured by the host; the SDK stays sans-I/O and a token cannot vouch for
//! itself. `crit` extensions are refused because none is understood (RFC 7515 4.1.11).
//!
//! **Strict base64url and strict JSON.** A token has exactly one accepted spelling:
//! unpadded base64url from the URL-safe alphabet with zero trailing bits (decoding then
//! re-encoding must give the same text). Lenient decoding lets one signed token be
//! re-spelt many ways, which defeats replay caches and string-keyed deny lists and hides
//! tampering from anyone comparing tokens. Header and claims must each be one JSON object
//! with no member named twice at any level (parsers disagree on which duplicate wins, so
//! `{"alg":"RS256","alg":"none"}` is ambiguous) and nesting of at most 32 levels, so a
//! hostile token yields an error, never a stack overflow.
//!
//! **Bounded work before trust.** The size cap (16 KiB) is checked before anything is
//! decoded; the claims are parsed only after the signature verifies; the replay cache
//! is bounded and refuses rather than forgets when full.
//!
//! **Errors never carry token contents.** [`LaunchError`] names the rule and at most the
//! part or claim name; a `kid` appears only once it is known to be a safe identifier.
//!
//! GP Connect's unsigned consumer tokens are handled by a separate, explicitly named
//! path, [`read_gp_connect_consumer_jwt`] and [`mint_gp_connect_consumer_jwt`]; the
//! verifier never accepts them.

mod b64;
mod cis2;
mod claims;
mod context;
#[cfg(feature = "demo")]
pub mod demo;
mod der;
mod error;
mod gp_connect;
mod json;
mod jws;
mod keys;
mod signing;
mod verifier;

#[cfg(test)]
mod tests;

pub use cis2::{Cis2Identity, Cis2Trust, ID_TOKEN_CLAIM, USERINFO_CLAIMS, r_codes};
pub use context::{LaunchContext, ParseRelationshipError, Relationship};
pub use error::{KeyError, LaunchError, TokenPart};
pub use gp_connect::{
    GP_CONNECT_CONSUMER_ISSUER, GP_CONNECT_LIFETIME, GpConnectClaims, mint_gp_connect_consumer_jwt,
    read_gp_connect_consumer_jwt,
};
pub use keys::{Algorithm, TrustStore};
pub use signing::{SigningKey, mint, mint_cis2};
pub(crate) use verifier::ReplayCache;
pub use verifier::{DEFAULT_MAX_LIFETIME, MAX_LEEWAY, MAX_LIFETIME, Verifier};
