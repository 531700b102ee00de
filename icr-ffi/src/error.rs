//! The one error hosts catch, and the one function that maps core errors to it.

use icr_core::IngestError;
use icr_core::access::PolicyError;
use icr_core::audit::AuditError;
use icr_core::fetch::DirectoryError;
use icr_core::identity::NhsNumberError;
use icr_core::launch::{KeyError, LaunchError};
use icr_core::session::SessionError;

/// Why an ICR call failed. Python raises `IcrError.<Variant>`, Kotlin and Java throw
/// `IcrException.<Variant>`, C# throws `IcrException.<Variant>`; every variant carries a
/// `reason` in words without patient data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum IcrError {
    /// The launch token cannot be read or breaks a rule (form, issuer, audience, claims).
    #[error("invalid launch token: {reason}")]
    InvalidToken {
        /// What was wrong.
        reason: String,
    },
    /// The launch token's signature does not verify with the trusted key, or it names
    /// another algorithm than the key's: it was forged or altered.
    #[error("launch token signature invalid: {reason}")]
    SignatureInvalid {
        /// What was wrong.
        reason: String,
    },
    /// No trusted key has the token's key id.
    #[error("launch token key not trusted: {reason}")]
    UntrustedKey {
        /// What was wrong.
        reason: String,
    },
    /// The launch token has expired, or is not valid yet.
    #[error("launch token expired: {reason}")]
    TokenExpired {
        /// What was wrong.
        reason: String,
    },
    /// The launch token was already used to open a session.
    #[error("launch token replayed: {reason}")]
    TokenReplayed {
        /// What was wrong.
        reason: String,
    },
    /// The user's national role codes match no role of the access policy.
    #[error("role not recognised: {reason}")]
    RoleNotRecognised {
        /// What was wrong.
        reason: String,
    },
    /// The session has ended; open a new one from the host.
    #[error("session expired: {reason}")]
    SessionExpired {
        /// What was wrong.
        reason: String,
    },
    /// The role may not do this (read audit reports, use emergency access).
    #[error("not permitted: {reason}")]
    NotPermitted {
        /// What was wrong.
        reason: String,
    },
    /// Emergency access needs a reason of at least `min_chars` characters.
    #[error("break-glass reason required: {reason}")]
    BreakGlassReasonRequired {
        /// The policy's minimum length of the reason.
        min_chars: i32,
        /// What was wrong.
        reason: String,
    },
    /// A source or record is about another patient than the one asked for.
    #[error("patient mismatch: {reason}")]
    PatientMismatch {
        /// What was wrong.
        reason: String,
    },
    /// A FHIR source could not be read (not JSON, not FHIR, unsupported version, too
    /// large).
    #[error("ingest failed: {reason}")]
    IngestFailed {
        /// What was wrong, with line and column, never the values.
        reason: String,
    },
    /// The audit log cannot be opened, written or read, so nothing was returned.
    #[error("audit unavailable: {reason}")]
    AuditUnavailable {
        /// What was wrong.
        reason: String,
    },
    /// An argument is not valid (an NHS number, a key, a policy, a relationship).
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// The object was closed; create a new one.
    #[error("closed: {reason}")]
    Closed {
        /// Which object.
        reason: String,
    },
    /// An error this version of the bindings does not classify (report it).
    #[error("unexpected: {reason}")]
    Unexpected {
        /// What was wrong.
        reason: String,
    },
}

/// A core error on its way to a host.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CoreError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    NhsNumber(#[from] NhsNumberError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// An argument the shell itself could not convert.
    #[error("{0}")]
    Input(String),
    /// The object was closed by the host.
    #[error("this {0} was closed")]
    Closed(&'static str),
    /// Serialising the summary failed (never expected).
    #[error("the summary could not be serialised")]
    Serialize,
}

/// The one mapping from core errors to [`IcrError`].
pub(crate) fn to_host(error: CoreError) -> IcrError {
    let reason = error.to_string();
    match error {
        CoreError::Session(SessionError::Launch(e)) | CoreError::Launch(e) => launch(&e, reason),
        CoreError::Session(SessionError::Key(e)) | CoreError::Key(e) => match e {
            KeyError::Signing | KeyError::Encoding => IcrError::Unexpected { reason },
            _ => IcrError::InvalidInput { reason },
        },
        CoreError::Session(e) => match e {
            SessionError::RoleNotRecognised => IcrError::RoleNotRecognised { reason },
            SessionError::Expired => IcrError::SessionExpired { reason },
            SessionError::PatientMismatch => IcrError::PatientMismatch { reason },
            SessionError::BreakGlassReasonRequired { min_chars } => {
                IcrError::BreakGlassReasonRequired {
                    min_chars: i32::try_from(min_chars).unwrap_or(i32::MAX),
                    reason,
                }
            }
            SessionError::BreakGlassNotPermitted | SessionError::NotPermitted => {
                IcrError::NotPermitted { reason }
            }
            SessionError::AuditUnavailable(_) => IcrError::AuditUnavailable { reason },
            _ => IcrError::Unexpected { reason },
        },
        CoreError::Audit(AuditError::KeyTooShort { .. }) => IcrError::InvalidInput { reason },
        CoreError::Audit(_) => IcrError::AuditUnavailable { reason },
        CoreError::Ingest(IngestError::PatientMismatch { .. }) => {
            IcrError::PatientMismatch { reason }
        }
        CoreError::Ingest(_) => IcrError::IngestFailed { reason },
        CoreError::Policy(_)
        | CoreError::NhsNumber(_)
        | CoreError::Directory(_)
        | CoreError::Input(_) => IcrError::InvalidInput { reason },
        CoreError::Closed(_) => IcrError::Closed { reason },
        CoreError::Serialize => IcrError::Unexpected { reason },
    }
}

/// A refused launch token as hosts catch it; a refused CIS2 ID token as its own fault.
fn launch(e: &LaunchError, reason: String) -> IcrError {
    match e {
        LaunchError::Expired | LaunchError::NotYetValid | LaunchError::IssuedInFuture => {
            IcrError::TokenExpired { reason }
        }
        LaunchError::SignatureInvalid
        | LaunchError::SignatureFormat
        | LaunchError::AlgorithmMismatch { .. }
        | LaunchError::AlgorithmNone => IcrError::SignatureInvalid { reason },
        LaunchError::UnknownKey { .. } => IcrError::UntrustedKey { reason },
        LaunchError::Replayed => IcrError::TokenReplayed { reason },
        LaunchError::Cis2NoRoles
        | LaunchError::Cis2UnknownSelectedRole
        | LaunchError::Cis2OrganisationMismatch => IcrError::RoleNotRecognised { reason },
        LaunchError::AssuranceTooLow { .. } => IcrError::NotPermitted { reason },
        LaunchError::Cis2IdToken(inner) => launch(inner, reason),
        _ => IcrError::InvalidToken { reason },
    }
}

/// Every core error converts to the host's with `?`, through [`to_host`].
macro_rules! from_core {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for IcrError {
            fn from(e: $error) -> IcrError {
                to_host(CoreError::from(e))
            }
        })*
    };
}

from_core!(
    SessionError,
    LaunchError,
    KeyError,
    AuditError,
    IngestError,
    PolicyError,
    NhsNumberError,
    DirectoryError,
);

/// A host's callback that raised something other than an `IcrError` (uniffi hands it over
/// as this); the SDK reports it as `Unexpected` and carries on where it can.
impl From<uniffi::UnexpectedUniFFICallbackError> for IcrError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> IcrError {
        IcrError::Unexpected { reason: e.reason }
    }
}

/// Maps an error the shell itself made (`CoreError::Input`, `Closed`, `Serialize`) for a
/// host.
pub(crate) fn host(e: impl Into<CoreError>) -> IcrError {
    to_host(e.into())
}
