//! Why a launch token (or a key given to the trust store) was refused.
//!
//! Messages name the rule that failed and, at most, the part of the token or the claim
//! name. They never quote token contents or claim values: a launch token carries an NHS
//! number and a clinician's identity, and error text ends up in host logs. A `kid` is
//! named only after it has been checked to be a safe identifier (`[A-Za-z0-9._-]{1,64}`).

use std::fmt;

use super::keys::Algorithm;

/// Which of the three parts of a compact JWS a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenPart {
    /// The JOSE header (first part).
    Header,
    /// The claims set (second part).
    Claims,
    /// The signature (third part).
    Signature,
}

impl fmt::Display for TokenPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenPart::Header => "header",
            TokenPart::Claims => "claims",
            TokenPart::Signature => "signature",
        })
    }
}

/// Why a launch token, a GP Connect consumer token or a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// The token is longer than the verifier accepts; nothing of it was decoded.
    #[error("token is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Length of the token in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The token is not three parts separated by dots.
    #[error("token is not in JWS compact form (three parts separated by dots)")]
    NotCompact,
    /// A part is not canonical unpadded base64url (padding, characters outside the
    /// base64url alphabet, or non-zero trailing bits).
    #[error("token {part} is not canonical unpadded base64url")]
    InvalidBase64 {
        /// The part that failed.
        part: TokenPart,
    },
    /// The header or claims are not well-formed UTF-8 JSON.
    #[error("token {part} is not well-formed JSON")]
    InvalidJson {
        /// The part that failed.
        part: TokenPart,
    },
    /// The header or claims are JSON but not a JSON object.
    #[error("token {part} is not a JSON object")]
    NotAnObject {
        /// The part that failed.
        part: TokenPart,
    },
    /// An object in the header or claims names the same member twice; parsers disagree
    /// about which one wins, so the token is ambiguous.
    #[error("token {part} names a member more than once")]
    DuplicateMember {
        /// The part that failed.
        part: TokenPart,
    },
    /// The header or claims nest deeper than allowed.
    #[error("token {part} nests deeper than {limit} levels")]
    TooDeep {
        /// The part that failed.
        part: TokenPart,
        /// The nesting limit.
        limit: usize,
    },
    /// The header has no `alg`, or an empty one.
    #[error("token header has no algorithm")]
    AlgorithmMissing,
    /// The header says `alg: none` (in any letter case): an unsigned token, never
    /// accepted as a launch context.
    #[error("token is unsigned (alg none) and cannot be a launch context")]
    AlgorithmNone,
    /// The header names an algorithm this SDK does not verify.
    #[error("token algorithm is not supported")]
    UnsupportedAlgorithm,
    /// The header's `alg` differs from the algorithm the trust store bound to the key
    /// (for example an HS256 token sent with an RSA key's `kid`).
    #[error("token algorithm does not match the {bound} algorithm bound to key {kid}")]
    AlgorithmMismatch {
        /// The key identifier (checked to be a safe identifier).
        kid: String,
        /// The algorithm the key is bound to.
        bound: Algorithm,
    },
    /// A header parameter has the wrong type or value.
    #[error("token header parameter {0} is malformed")]
    InvalidHeader(&'static str),
    /// A header parameter that would let the token choose or carry its own key
    /// (`jku`, `jwk`, `x5u`, `x5c`, `x5t`, `x5t#S256`) or change how it is processed
    /// (`b64`, `zip`). Keys come only from the trust store.
    #[error("token header parameter {0} is not accepted")]
    ForbiddenHeader(&'static str),
    /// The header lists critical extensions (`crit`); none are understood.
    #[error("token marks header parameters critical that are not understood")]
    UnsupportedCritical,
    /// The header has no `kid`.
    #[error("token header has no key id")]
    MissingKid,
    /// The `kid` is not a string of 1 to 64 characters from `[A-Za-z0-9._-]`.
    #[error("key id is not a safe identifier")]
    InvalidKid,
    /// No key in the trust store has this `kid`.
    #[error("no trusted key has id {kid}")]
    UnknownKey {
        /// The key identifier (checked to be a safe identifier).
        kid: String,
    },
    /// The signature has the wrong length or encoding for the key's algorithm (for
    /// example an ES256 signature in DER instead of the 64-byte `r || s` form).
    #[error("signature has the wrong length or format for its algorithm")]
    SignatureFormat,
    /// The signature does not verify with the trusted key.
    #[error("signature does not verify")]
    SignatureInvalid,
    /// A required claim is absent.
    #[error("token has no {0} claim")]
    MissingClaim(&'static str),
    /// A claim has the wrong type, is out of range or is not a permitted value.
    #[error("token claim {0} is invalid")]
    InvalidClaim(&'static str),
    /// The token expired (beyond the leeway).
    #[error("token has expired")]
    Expired,
    /// The token lives longer than the policy allows (`exp − iat`, or `exp − now`
    /// beyond the leeway).
    #[error("token lifetime exceeds the maximum of {max_seconds} seconds")]
    LifetimeTooLong {
        /// The maximum, in seconds.
        max_seconds: i64,
    },
    /// The token's `nbf` is in the future (beyond the leeway).
    #[error("token is not valid yet")]
    NotYetValid,
    /// The token's `iat` is in the future (beyond the leeway).
    #[error("token was issued in the future")]
    IssuedInFuture,
    /// The `iss` claim is not the trusted issuer.
    #[error("token issuer is not the trusted issuer")]
    IssuerMismatch,
    /// The `aud` claim does not contain the expected audience.
    #[error("token is not addressed to this audience")]
    AudienceMismatch,
    /// A token with this `jti` was already accepted and has not expired.
    #[error("token was already used")]
    Replayed,
    /// The replay cache is full of unexpired tokens; refusing is safer than forgetting.
    #[error("too many unexpired tokens to track replays")]
    ReplayCacheFull,
    /// A GP Connect consumer token has a non-empty signature part: such tokens are
    /// unsigned by definition, so this one is not what it claims to be.
    #[error("GP Connect consumer token must have an empty signature")]
    SignaturePresent,
    /// A GP Connect consumer token's `exp` is not exactly 300 seconds after its `iat`.
    #[error("GP Connect consumer token must expire 300 seconds after it is issued")]
    InvalidLifetime,
    /// The CIS2 identity lists no national RBAC role (`nhsid_nrbac_roles` absent or
    /// empty), so there is no role to sign in with.
    #[error("the CIS2 identity lists no role")]
    Cis2NoRoles,
    /// `selected_roleid` names none of the roles in `nhsid_nrbac_roles`.
    #[error("the CIS2 selected role is not one of the user's roles")]
    Cis2UnknownSelectedRole,
    /// The role the user signed in with is at another organisation than the one the
    /// launch is for (the token's `icr_org`).
    #[error("the CIS2 selected role is at another organisation than the launch")]
    Cis2OrganisationMismatch,
    /// The authentication's `acr` is below the minimum assurance the policy requires
    /// (`cis2.min_acr`).
    #[error("authentication assurance {found} is below the minimum {required}")]
    AssuranceTooLow {
        /// The assurance level the authentication reached (`AAL1`, `AAL2`, `AAL3`).
        found: &'static str,
        /// The policy's minimum.
        required: &'static str,
    },
    /// The launch token carries a CIS2 ID token but the trust store trusts no CIS2
    /// identity provider ([`TrustStore::with_cis2`](super::TrustStore::with_cis2)).
    #[error("a CIS2 ID token was presented but no CIS2 identity provider is trusted")]
    Cis2NotTrusted,
    /// The CIS2 ID token carried in `cis2_id_token` was refused; the inner error says
    /// why (an untrusted `kid`, `alg: none`, a `jku` header, a wrong issuer...).
    #[error("CIS2 ID token refused: {0}")]
    Cis2IdToken(Box<LaunchError>),
    /// The CIS2 ID token is about another user, or another selected role, than the
    /// CIS2 claims beside it (`sub` against `nhsid_useruid`, `selected_roleid`).
    #[error("the CIS2 ID token does not match the CIS2 claims it came with")]
    Cis2IdentityMismatch,
}

/// Why a key given to the SDK (to trust, or to sign with) was refused, or a token the
/// deployment asked the SDK to issue could not be: what the deployment configured, never
/// what a presented token did (that is a [`LaunchError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The `kid` is not a string of 1 to 64 characters from `[A-Za-z0-9._-]`.
    #[error("key id is not a safe identifier")]
    InvalidKid,
    /// The trust store already holds a key with this `kid`.
    #[error("a key with id {kid} is already trusted")]
    DuplicateKid {
        /// The key identifier (checked to be a safe identifier).
        kid: String,
    },
    /// An HMAC secret is shorter than 32 bytes (the output size of SHA-256).
    #[error("HMAC secret is {len} bytes, under the minimum of {min} bytes")]
    WeakSecret {
        /// Length of the secret given.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// A key could not be used: the reason names the expected form.
    #[error("key rejected: {0}")]
    Rejected(&'static str),
    /// The claims to issue break a rule of their token's kind (a GP Connect consumer
    /// token's 300-second lifetime, reason or scope): the rule is named.
    #[error("the claims to issue break a rule: {0}")]
    Claims(&'static str),
    /// Signing failed inside the cryptographic library.
    #[error("signing failed")]
    Signing,
    /// The token could not be encoded.
    #[error("token could not be encoded")]
    Encoding,
}
