//! `Icr`: the policy, the trusted keys and the audit log, from which sessions open.

use std::path::Path;
use std::sync::Arc;

use icr_core::NhsNumber;
use icr_core::access::{DEFAULT_POLICY_JSON, Policy};
use icr_core::audit::{AuditKey, Checkpoint, VerifyReport};
use icr_core::launch::{Algorithm, Cis2Trust, SigningKey, TrustStore, Verifier};
use icr_core::session::{self, OptOutChange, Store};
use icr_core::summary::DEFAULT_STALE_AFTER_DAYS;

use crate::error::IcrError;
use crate::live::{ICRS, Live};
use crate::session::Session;
use crate::slot::Slot;

/// A key the ICR trusts to sign launch tokens, by key id.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TrustedKey {
    /// The key id tokens name in their header (`[A-Za-z0-9._-]{1,64}`).
    pub kid: String,
    /// The only algorithm this key verifies.
    pub algorithm: Algorithm,
    /// The public key (or the HS256 secret).
    pub key: Vec<u8>,
}

/// Whose launch tokens the ICR accepts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum Trust {
    /// The host's keys, for tokens from `issuer` addressed to `audience`.
    Keys {
        /// The `iss` tokens must name.
        issuer: String,
        /// The `aud` tokens must contain.
        audience: String,
        /// The trusted keys.
        trusted_keys: Vec<TrustedKey>,
    },
}

/// NHS CIS2 as an identity provider: a launch token may then carry the user's CIS2 ID
/// token (claim `cis2_id_token`), verified against these keys (`docs/launch.md`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Cis2Config {
    /// CIS2's issuer (`iss` of its ID tokens) for the deployment's environment.
    pub issuer: String,
    /// The deployment's CIS2 client id (the ID token's `aud`).
    pub client_id: String,
    /// CIS2's JSON Web Key Set, as the deployment downloaded and configured it (keys
    /// are never fetched from a token's headers).
    pub jwks_json: String,
}

/// Where the ICR records every access.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[non_exhaustive]
pub enum AuditLog {
    /// In memory, sealed with a random key: for demos and tests.
    Memory,
    /// A tamper-evident file (JSON Lines), continued when it exists, sealed with `key`
    /// (32 bytes or more, kept apart from the file).
    File {
        /// The log file.
        path: String,
        /// The MAC key.
        key: Vec<u8>,
    },
    /// The region's PostgreSQL database (`postgres://user@host:port/db`), shared by every
    /// host: one audit chain sealed with `key` (the same key at every host), and the
    /// state hosts share (launch-token replay, emergency access, opt-outs). The schema is
    /// created or upgraded on first use.
    #[cfg(feature = "postgres")]
    Postgres {
        /// The database URL.
        url: String,
        /// The MAC key.
        key: Vec<u8>,
    },
}

/// How to build an `Icr`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IcrConfig {
    /// The access policy as JSON; the default UK policy when absent.
    #[uniffi(default = None)]
    pub policy_json: Option<String>,
    /// Whose launch tokens to accept.
    pub trust: Trust,
    /// Where to record accesses.
    pub audit: AuditLog,
    /// A source whose data is older than this many days is flagged "may be out of date"
    /// in every summary (`SourceView.freshness`); 30 when absent. The deploying
    /// organisation chooses it for its sources.
    #[uniffi(default = None)]
    pub stale_after_days: Option<i64>,
    /// NHS CIS2, when launch tokens may carry the user's CIS2 ID token (last, so hosts
    /// that pass the fields in order keep working).
    #[uniffi(default = None)]
    pub cis2: Option<Cis2Config>,
}

/// The policy given as JSON, or the default UK policy.
fn policy(json: Option<String>) -> Result<Policy, IcrError> {
    Ok(match json {
        Some(json) => Policy::from_json(&json)?,
        None => Policy::default_uk()?,
    })
}

/// A verifier of the tokens `trust` (and CIS2's ID tokens, when configured) describes,
/// its trust store built by the core.
fn verifier(trust: Trust, cis2: Option<Cis2Config>) -> Result<Verifier, IcrError> {
    let Trust::Keys {
        issuer,
        audience,
        trusted_keys,
    } = trust;
    let mut store = TrustStore::new(&issuer, &audience);
    for k in trusted_keys {
        store.add(&k.kid, k.algorithm, &k.key)?;
    }
    if let Some(c) = cis2 {
        store = store.with_cis2(Cis2Trust::from_jwks(&c.issuer, &c.client_id, &c.jwks_json)?);
    }
    Ok(Verifier::new(store))
}

/// The key `private_key` is for `algorithm`, read by the core.
pub(crate) fn signing_key(
    algorithm: Algorithm,
    private_key: &[u8],
) -> Result<SigningKey, IcrError> {
    Ok(SigningKey::from_material(algorithm, private_key)?)
}

/// The store `config` names, opened by the core.
pub(crate) fn open_store(config: AuditLog) -> Result<Store, IcrError> {
    Ok(match config {
        AuditLog::Memory => Store::memory(AuditKey::generate()?),
        AuditLog::File { path, key } => Store::file(Path::new(&path), AuditKey::from_bytes(&key)?)?,
        #[cfg(feature = "postgres")]
        AuditLog::Postgres { url, key } => Store::database(&url, AuditKey::from_bytes(&key)?)?,
    })
}

pub(crate) struct IcrCore {
    icr: session::Icr,
    store: Store,
}

/// The ICR as a host embeds it: the access policy, the keys it trusts, and the audit
/// log. Open a `Session` from each signed launch context. Shared between threads.
#[derive(uniffi::Object)]
pub struct Icr {
    core: Slot<IcrCore>,
    _live: Live,
}

impl Icr {
    pub(crate) fn wrap(icr: session::Icr, store: Store) -> Arc<Icr> {
        let core = IcrCore { icr, store };
        Arc::new(Icr {
            core: Slot::new(core, "Icr"),
            _live: Live::new(&ICRS),
        })
    }
}

#[uniffi::export]
impl Icr {
    /// An ICR with the given policy, trusted keys and audit log.
    #[uniffi::constructor]
    pub fn new(config: IcrConfig) -> Result<Arc<Icr>, IcrError> {
        let (policy, verifier) = (
            policy(config.policy_json)?,
            verifier(config.trust, config.cis2)?,
        );
        let audit = open_store(config.audit)?;
        let days = config.stale_after_days.unwrap_or(DEFAULT_STALE_AFTER_DAYS);
        let icr = session::Icr::builder_on(policy, verifier, &audit).stale_after_days(days);
        Ok(Icr::wrap(icr.build(), audit))
    }

    /// Opens a session from the host's signed launch token (audited, refusals too).
    pub fn open_session(&self, token: String) -> Result<Arc<Session>, IcrError> {
        let core = self.core.get()?;
        let session = core.icr.open_session(&token)?;
        Ok(Session::wrap(session, core.store.clone()))
    }

    /// Records a patient's opt-out from sharing (`true`) or their return (`false`): who
    /// recorded it (SDS user id), their organisation (ODS code) and why. Audited.
    pub fn record_opt_out(
        &self,
        nhs_number: String,
        opted_out: bool,
        recorded_by: String,
        organisation: String,
        reason: String,
    ) -> Result<(), IcrError> {
        let patient = NhsNumber::parse(&nhs_number)?;
        let change = OptOutChange::now(patient, opted_out, recorded_by, organisation, reason);
        Ok(self.core.get()?.icr.record_opt_out(&change)?)
    }

    /// The head of the audit log: keep it somewhere the log's writer cannot change, and
    /// verify against it later.
    pub fn audit_checkpoint(&self) -> Result<Checkpoint, IcrError> {
        let core = self.core.get()?;
        Ok(core.store.log().checkpoint())
    }

    /// Verifies this ICR's audit log, in memory, in its file or in the database (every
    /// MAC, link and sequence number, and the head against `checkpoint` when given).
    #[uniffi::method(default(checkpoint = None))]
    pub fn verify_audit(&self, checkpoint: Option<Checkpoint>) -> Result<VerifyReport, IcrError> {
        let core = self.core.get()?;
        Ok(core.store.log().verify(checkpoint.as_ref())?)
    }

    /// Lets go of the ICR: later calls fail with `IcrError.Closed`. Sessions already open
    /// keep working until they are closed. (Kotlin and C# free the object with
    /// `close()`/`Dispose()` instead.)
    pub fn close(&self) {
        self.core.close();
    }
}

/// The default UK access policy, as JSON: a starting point for a host's own policy.
#[uniffi::export]
pub fn default_policy_json() -> String {
    DEFAULT_POLICY_JSON.to_owned()
}
