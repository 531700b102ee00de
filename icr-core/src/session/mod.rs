//! The facade hosts use: an [`Icr`] holds the policy, the keys it trusts and the audit
//! log; a [`Session`] is one professional looking at one patient's record, opened from
//! the host's signed launch context.
//!
//! This is the only way record content leaves the core: [`Session::summary`] decides
//! every item for the session's role and relationship, appends the audit entry, and only
//! then returns the summary. If the audit log cannot be written, nothing is returned
//! (fail closed).

use std::sync::Arc;

use ring::rand::SecureRandom;

use crate::access::{Compiled, Decision, Policy, RoleRule, Viewer, decide_with};
use crate::audit::{
    AccessReportLine, AuditEntry, AuditError, AuditKind, AuditOutcome, AuditRecord, AuditSink,
    WithheldCount, patient_access_report,
};
use crate::launch::{Cis2Identity, KeyError, LaunchContext, LaunchError, Verifier};
use crate::merge::SharedCareRecord;
use crate::model::Sensitivity;
use crate::summary::{self, PatientSummary, SummaryOptions, WithheldReason};

/// Seconds since the Unix epoch; injectable so tests and hosts control time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Why a session call failed. Messages carry no patient data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The launch token was refused.
    #[error("launch context refused: {0}")]
    Launch(#[from] LaunchError),
    /// A key the deployment configured was refused, or a token it asked the SDK to issue
    /// could not be.
    #[error("key configuration: {0}")]
    Key(#[from] KeyError),
    /// The user's national role codes match no role of the policy.
    #[error("the user's role is not recognised by the access policy")]
    RoleNotRecognised,
    /// The session has ended; open a new one from the host.
    #[error("the session has expired")]
    Expired,
    /// The record is not the session's patient.
    #[error("the record is not for the patient this session was opened for")]
    PatientMismatch,
    /// Break-glass needs a reason of at least this many characters.
    #[error("emergency access needs a reason of at least {min_chars} characters")]
    BreakGlassReasonRequired {
        /// The policy's minimum.
        min_chars: usize,
    },
    /// The role may not use emergency access.
    #[error("this role may not use emergency access")]
    BreakGlassNotPermitted,
    /// The launch context's purpose of use is not one the policy allows (an ICR is for
    /// direct care).
    #[error("the purpose of use is not one the access policy allows")]
    PurposeNotPermitted,
    /// Emergency access is already active: it cannot be extended by asking again.
    #[error("emergency access is already active until it expires")]
    BreakGlassActive,
    /// The reason is longer than [`MAX_BREAK_GLASS_REASON`] characters, or holds control
    /// or bidirectional-formatting characters.
    #[error("the emergency access reason is too long or holds control characters")]
    BreakGlassReasonInvalid,
    /// The role may not read audit reports.
    #[error("this role may not read audit reports")]
    NotPermitted,
    /// The audit log could not be written, so nothing was returned.
    #[error("audit log unavailable, nothing returned: {0}")]
    AuditUnavailable(#[from] AuditError),
    /// The state hosts share (replay cache, emergency access, opt-outs) could not be
    /// read or written, so nothing was returned.
    #[error("shared session state unavailable, nothing returned: {0}")]
    StateUnavailable(StateError),
}

/// The longest break-glass reason accepted, in characters: a justification, not a
/// document (it is written into every later audit report).
pub const MAX_BREAK_GLASS_REASON: usize = 1000;

/// Builds an [`Icr`].
pub struct IcrBuilder {
    policy: Policy,
    verifier: Verifier,
    audit: Arc<dyn AuditSink>,
    state: Option<Arc<dyn SessionState>>,
    clock: Clock,
    summary: SummaryOptions,
}

impl IcrBuilder {
    /// Shares the replay cache, emergency-access grants and opt-out register with the
    /// ICR's other hosts through `state` (default: a [`MemoryState`] of this process).
    pub fn state(mut self, state: Arc<dyn SessionState>) -> Self {
        self.state = Some(state);
        self
    }

    /// Uses another clock (tests, simulations).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A source whose data is older than `days` on the summary date is judged
    /// [`Freshness::Stale`](crate::summary::Freshness::Stale) ("may be out of date") in
    /// every summary of this ICR, so that every host (native, wasm, the HTML panel)
    /// flags the same sources. Default
    /// [`DEFAULT_STALE_AFTER_DAYS`](crate::summary::DEFAULT_STALE_AFTER_DAYS) (30). The
    /// deploying organisation chooses it for its sources (DCB0160); negative values are
    /// taken as 0.
    pub fn stale_after_days(mut self, days: i64) -> Self {
        self.summary.stale_after_days = days.max(0);
        self
    }

    /// The finished facade.
    pub fn build(self) -> Icr {
        let state = self
            .state
            .unwrap_or_else(|| Arc::new(MemoryState::new(self.verifier.replay_capacity())));
        Icr {
            inner: Arc::new(Inner {
                compiled: self.policy.compiled(),
                policy: self.policy,
                verifier: self.verifier,
                audit: self.audit,
                state,
                clock: self.clock,
                summary: self.summary,
            }),
        }
    }
}

struct Inner {
    policy: Policy,
    /// The policy's packs indexed once: the policy is fixed from here on.
    compiled: Arc<Compiled>,
    verifier: Verifier,
    audit: Arc<dyn AuditSink>,
    state: Arc<dyn SessionState>,
    clock: Clock,
    summary: SummaryOptions,
}

/// The ICR as a host embeds it.
#[derive(Clone)]
pub struct Icr {
    inner: Arc<Inner>,
}

fn system_clock() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl Icr {
    /// Starts building with the policy, the launch verifier (which holds the trusted
    /// keys) and the audit sink; the clock is the system's.
    pub fn builder(policy: Policy, verifier: Verifier, audit: Arc<dyn AuditSink>) -> IcrBuilder {
        let verifier = verifier
            .with_max_lifetime(u64::from(policy.max_token_lifetime_seconds))
            .with_policy(&policy);
        IcrBuilder {
            policy,
            verifier,
            audit,
            state: None,
            clock: Arc::new(system_clock),
            summary: SummaryOptions::default(),
        }
    }

    /// An ICR recording in `store`'s log, sharing its state when it has one (the
    /// region's database).
    pub fn builder_on(policy: Policy, verifier: Verifier, store: &Store) -> IcrBuilder {
        let builder = Icr::builder(policy, verifier, store.sink());
        match store.shared_state() {
            Some(state) => builder.state(state),
            None => builder,
        }
    }

    /// The access policy in force.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// Records a change to the opt-out register (a patient's opt-out from, or return
    /// to, sharing), with who recorded it, where, when and why. The change is audited
    /// first ([`AuditKind::OptOutRecorded`]); if it then cannot be stored, a failed entry
    /// follows and the error is returned. Through a shared [`SessionState`] it applies at
    /// every host.
    pub fn record_opt_out(&self, change: &OptOutChange) -> Result<(), SessionError> {
        let inner = &self.inner;
        let direction = if change.opted_out {
            "opted-out"
        } else {
            "opted-in"
        };
        let mut record = AuditRecord {
            kind: AuditKind::OptOutRecorded,
            session_id: random_id(),
            user_id: change.recorded_by.clone(),
            organisation: change.organisation.clone(),
            patient: Some(change.patient.as_str().to_owned()),
            reason: Some(format!("{direction}: {}", change.reason)),
            ..AuditRecord::default()
        };
        inner.audit.append(record.clone())?;
        if let Err(e) = inner.state.record_opt_out(change) {
            record.outcome = AuditOutcome::Failed;
            record.reason = Some("state-unavailable".to_owned());
            inner.audit.append(record)?;
            return Err(SessionError::StateUnavailable(e));
        }
        Ok(())
    }

    /// Opens a session from the host's signed launch context. Refusals are audited too.
    pub fn open_session(&self, token: &str) -> Result<Session, SessionError> {
        let inner = &self.inner;
        let now = (inner.clock)();
        let id = random_id();
        let mut cis2 = None;
        let claimed = inner
            .verifier
            .verify_unclaimed_identity(token, now)
            .and_then(|(c, identity)| {
                cis2 = identity;
                match inner
                    .state
                    .claim_token_id(&c.token_id, inner.verifier.forget_at(&c), now)
                {
                    Ok(()) => Ok(Ok(c)),
                    Err(StateError::Replayed) => Err(LaunchError::Replayed),
                    Err(StateError::ReplayCacheFull) => Err(LaunchError::ReplayCacheFull),
                    Err(e) => Ok(Err((c, e))),
                }
            });
        let context = match claimed {
            Ok(Ok(c)) => c,
            Ok(Err((c, e))) => {
                let mut record = base_record(&id, &c, "unknown");
                record.kind = AuditKind::SessionRefused;
                record.outcome = AuditOutcome::Failed;
                record.reason = Some("state-unavailable".to_owned());
                inner.audit.append(record)?;
                return Err(SessionError::StateUnavailable(e));
            }
            Err(e) => {
                let record = AuditRecord {
                    kind: AuditKind::SessionRefused,
                    outcome: AuditOutcome::Failed,
                    session_id: id,
                    user_id: "unknown".to_owned(),
                    reason: Some(launch_reason(&e)),
                    ..AuditRecord::default()
                };
                inner.audit.append(record)?;
                return Err(SessionError::Launch(e));
            }
        };
        let Some(role) = inner
            .policy
            .role_for(&context.role_profile, context.job_role.as_deref())
            .cloned()
        else {
            let mut record = base_record(&id, &context, "unrecognised");
            record.kind = AuditKind::SessionRefused;
            record.outcome = AuditOutcome::Failed;
            record.reason = Some("role-not-recognised".to_owned());
            inner.audit.append(record)?;
            return Err(SessionError::RoleNotRecognised);
        };
        if !inner.policy.allowed_purposes.contains(&context.purpose) {
            // An ICR is for direct care: any other purpose of use is refused, audited.
            let mut record = base_record(&id, &context, &role.name);
            record.kind = AuditKind::SessionRefused;
            record.outcome = AuditOutcome::Denied;
            record.reason = Some("purpose-not-permitted".to_owned());
            inner.audit.append(record)?;
            return Err(SessionError::PurposeNotPermitted);
        }
        let mut record = base_record(&id, &context, &role.name);
        record.kind = AuditKind::SessionOpened;
        inner.audit.append(record)?;
        let expires_at = now + i64::from(inner.policy.session_minutes) * 60;
        Ok(Session {
            inner: Arc::clone(inner),
            id,
            context,
            cis2,
            role,
            expires_at,
        })
    }
}

fn launch_reason(e: &LaunchError) -> String {
    let debug = format!("{e:?}");
    let name: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
    format!("launch-{}", name.to_lowercase())
}

fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let rng = ring::rand::SystemRandom::new();
    if rng.fill(&mut bytes).is_err() {
        // The system RNG failing is not recoverable for security; fall back to the clock
        // so an id still exists for the audit trail, and say so in it.
        return format!("no-rng-{}", system_clock());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base_record(id: &str, c: &LaunchContext, role: &str) -> AuditRecord {
    AuditRecord {
        session_id: id.to_owned(),
        token_id: Some(c.token_id.clone()),
        user_id: c.user_id.clone(),
        user_name: c.user_name.clone(),
        role: role.to_owned(),
        role_profile: c.role_profile.clone(),
        organisation: c.organisation.clone(),
        patient: Some(c.patient.as_str().to_owned()),
        purpose: Some(c.purpose.clone()),
        relationship: Some(c.relationship.as_str().to_owned()),
        ..AuditRecord::default()
    }
}

/// One professional looking at one patient's record.
pub struct Session {
    inner: Arc<Inner>,
    id: String,
    context: LaunchContext,
    /// The CIS2 identity the session was launched from, if any.
    cis2: Option<Cis2Identity>,
    role: RoleRule,
    expires_at: i64,
}

impl Session {
    /// The session id (in every audit entry of this session).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The verified launch context.
    pub fn context(&self) -> &LaunchContext {
        &self.context
    }

    /// The CIS2 identity the session was launched from (the selected role, its
    /// activities, the `acr`), when the launch token carried one.
    pub fn cis2(&self) -> Option<&Cis2Identity> {
        self.cis2.as_ref()
    }

    /// The policy role name (`gp`).
    pub fn role(&self) -> &str {
        &self.role.name
    }

    /// True while emergency access is active for this user and patient (granted in this
    /// session or, through a shared [`SessionState`], at another host). False when the
    /// state cannot be read.
    pub fn break_glass_active(&self) -> bool {
        self.break_glass_until().is_ok_and(|until| until.is_some())
    }

    /// The end of the running emergency-access grant for this user and patient.
    fn break_glass_until(&self) -> Result<Option<i64>, StateError> {
        let now = (self.inner.clock)();
        self.inner
            .state
            .break_glass_until(&self.context.user_id, &self.context.patient, now)
    }

    /// The state could not answer: audited as a failure, and the error to return.
    fn state_failed(&self, e: StateError) -> SessionError {
        let mut r = self.record(AuditKind::AccessDenied, AuditOutcome::Failed);
        r.reason = Some("state-unavailable".to_owned());
        match self.inner.audit.append(r) {
            Ok(_) => SessionError::StateUnavailable(e),
            Err(audit) => SessionError::AuditUnavailable(audit),
        }
    }

    /// Records the patient's opt-out from (or return to) sharing, as this session's
    /// user, with the reason given; see [`Icr::record_opt_out`].
    pub fn record_opt_out(&self, opted_out: bool, reason: &str) -> Result<(), SessionError> {
        self.check_live()?;
        let change = OptOutChange {
            patient: self.context.patient.clone(),
            opted_out,
            recorded_by: self.context.user_id.clone(),
            organisation: self.context.organisation.clone(),
            reason: reason.trim().to_owned(),
            recorded_at: (self.inner.clock)(),
        };
        Icr {
            inner: Arc::clone(&self.inner),
        }
        .record_opt_out(&change)
    }

    fn record(&self, kind: AuditKind, outcome: AuditOutcome) -> AuditRecord {
        let mut r = base_record(&self.id, &self.context, &self.role.name);
        r.kind = kind;
        r.outcome = outcome;
        r
    }

    fn check_live(&self) -> Result<(), SessionError> {
        if (self.inner.clock)() >= self.expires_at {
            let mut r = self.record(AuditKind::AccessDenied, AuditOutcome::Denied);
            r.reason = Some("session-expired".to_owned());
            self.inner.audit.append(r)?;
            return Err(SessionError::Expired);
        }
        Ok(())
    }

    /// Emergency access: lifts the relationship (and, if the policy says so, opt-out)
    /// requirement for a limited time. The reason is mandatory, recorded, and raised as a
    /// privacy-officer alert.
    pub fn break_glass(&self, reason: &str) -> Result<(), SessionError> {
        self.check_live()?;
        let rules = &self.inner.policy.break_glass;
        let reason = reason.trim();
        let refused = |code: &str| {
            let mut r = self.record(AuditKind::BreakGlass, AuditOutcome::Denied);
            r.reason = Some(code.to_owned());
            r
        };
        if !self.role.break_glass {
            self.inner
                .audit
                .append(refused("break-glass-not-permitted"))?;
            return Err(SessionError::BreakGlassNotPermitted);
        }
        // A CIS2 user's selected role must hold the policy's emergency-access activity.
        let activity = self.inner.policy.cis2.break_glass_activity.as_deref();
        if let (Some(code), Some(cis2)) = (activity, &self.cis2)
            && !cis2.has_activity(code)
        {
            self.inner
                .audit
                .append(refused("break-glass-activity-missing"))?;
            return Err(SessionError::BreakGlassNotPermitted);
        }
        let active = match self.break_glass_until() {
            Ok(until) => until.is_some(),
            Err(e) => return Err(self.state_failed(e)),
        };
        if active {
            self.inner
                .audit
                .append(refused("break-glass-already-active"))?;
            return Err(SessionError::BreakGlassActive);
        }
        if reason.chars().count() > MAX_BREAK_GLASS_REASON
            || reason.chars().any(crate::render::visible::is_hidden)
        {
            self.inner
                .audit
                .append(refused("break-glass-reason-invalid"))?;
            return Err(SessionError::BreakGlassReasonInvalid);
        }
        // Only letters and digits count: ten zero-width spaces or NULs are no reason.
        if reason.chars().filter(|c| c.is_alphanumeric()).count() < rules.min_reason_chars {
            self.inner
                .audit
                .append(refused("break-glass-reason-missing"))?;
            return Err(SessionError::BreakGlassReasonRequired {
                min_chars: rules.min_reason_chars,
            });
        }
        let mut r = self.record(AuditKind::BreakGlass, AuditOutcome::Success);
        r.reason = Some(reason.to_owned());
        self.inner.audit.append(r.clone())?;
        let now = (self.inner.clock)();
        let grant = BreakGlassGrant {
            user_id: self.context.user_id.clone(),
            patient: self.context.patient.clone(),
            organisation: self.context.organisation.clone(),
            session_id: self.id.clone(),
            granted_at: now,
            until: now + i64::from(rules.max_minutes) * 60,
        };
        if let Err(e) = self.inner.state.grant_break_glass(&grant) {
            // Audited as granted a moment ago: say that it did not take effect.
            r.outcome = AuditOutcome::Failed;
            r.reason = Some("state-unavailable".to_owned());
            self.inner.audit.append(r)?;
            return Err(SessionError::StateUnavailable(e));
        }
        Ok(())
    }

    /// The patient summary this session may see: decided, audited, then returned.
    ///
    /// When the launch context carries the host system's date of birth or family name
    /// for the patient, each is compared with the record's, and a difference is a line
    /// of [`PatientSummary::demographic_discrepancies`] that names the field and "the
    /// host system" (never the values), shown in the panel's banner warning.
    pub fn summary(&self, record: &SharedCareRecord) -> Result<PatientSummary, SessionError> {
        self.view(record, None)
    }

    /// The same view as [`Session::summary`] as a FHIR R4 document: an International
    /// Patient Summary Bundle (JSON) carrying only what this session may see, with what was
    /// withheld signposted per section ([`crate::ips`]). Decided and audited like every
    /// view (the entry's `format` is `fhir-document`), then returned.
    pub fn summary_fhir(&self, record: &SharedCareRecord) -> Result<String, SessionError> {
        let summary = self.view(record, Some("fhir-document"))?;
        let now = (self.inner.clock)();
        let timestamp = jiff::Timestamp::from_second(now)
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let viewer = crate::ips::Viewer {
            seed: crate::ips::Seed::new(
                &self.context.user_id,
                &self.context.organisation,
                &self.role.name,
                self.context.patient.as_str(),
            ),
            organisation: &self.context.organisation,
            role: &self.role.title,
            timestamp,
        };
        Ok(crate::ips::document(&summary, &viewer).to_string())
    }

    fn view(
        &self,
        record: &SharedCareRecord,
        format: Option<&str>,
    ) -> Result<PatientSummary, SessionError> {
        self.check_live()?;
        if record.nhs_number() != Some(&self.context.patient) {
            let mut r = self.record(AuditKind::AccessDenied, AuditOutcome::Denied);
            r.reason = Some("patient-mismatch".to_owned());
            self.inner.audit.append(r)?;
            return Err(SessionError::PatientMismatch);
        }
        let break_glass = match self.break_glass_until() {
            Ok(until) => until.is_some(),
            Err(e) => return Err(self.state_failed(e)),
        };
        let opted_out = match self.inner.state.opt_out(&self.context.patient) {
            Ok(change) => change.is_some_and(|c| c.opted_out),
            Err(e) => return Err(self.state_failed(e)),
        };
        let viewer = Viewer {
            role: &self.role,
            relationship: self.context.relationship.as_str().to_owned(),
            break_glass,
            patient_opted_out: opted_out,
        };
        let decisions = decide_with(&self.inner.policy, &self.inner.compiled, &viewer, record);
        let now = (self.inner.clock)();
        let today = jiff::Timestamp::from_second(now)
            .map(|t| jiff::tz::TimeZone::UTC.to_datetime(t).date())
            .unwrap_or_default();
        let options = SummaryOptions {
            risk: self.inner.policy.risk,
            administrative: self.role.administrative,
            ..self.inner.summary
        };
        let mut summary = summary::build(record, today, options, |at, _| {
            first_reason(decisions.get(at))
        });
        summary
            .demographic_discrepancies
            .extend(host_discrepancies(&self.context, record));
        let restricted = self.context.patient_restricted
            || record.patient.as_ref().is_some_and(|p| p.restricted);
        if restricted && let Some(banner) = summary.patient.as_mut() {
            banner.restrict();
        }
        let whole_record_withheld = !decisions.is_empty()
            && decisions.iter().all(|d| {
                d.reasons.iter().any(|r| {
                    matches!(
                        r.reason,
                        WithheldReason::PatientOptOut | WithheldReason::NoRelationship
                    )
                })
            });
        let (kind, outcome) = if whole_record_withheld {
            (AuditKind::AccessDenied, AuditOutcome::Denied)
        } else {
            (AuditKind::RecordViewed, AuditOutcome::Success)
        };
        let mut r = self.record(kind, outcome);
        r.sections = summary
            .sections
            .iter()
            .filter(|s| !s.items.is_empty())
            .map(|s| s.key.key().to_owned())
            .collect();
        r.withheld = summary
            .sections
            .iter()
            .flat_map(|s| {
                s.withheld.iter().map(|w| WithheldCount {
                    section: s.key.key().to_owned(),
                    reason: reason_code(&w.reason),
                    count: usize::try_from(w.count).unwrap_or_default(),
                })
            })
            .collect();
        r.sources = summary
            .sources
            .iter()
            .filter(|s| s.items > 0)
            .filter_map(|s| s.ods_code.clone())
            .collect();
        r.items_shown = summary
            .sections
            .iter()
            .flat_map(|s| s.items.iter().map(|e| e.id.clone()))
            .collect();
        r.items_withheld = record
            .entries
            .iter()
            .zip(&decisions)
            .filter(|(_, d)| !d.allowed())
            .map(|(e, _)| e.id.clone())
            .collect();
        if break_glass {
            r.reason = Some("break-glass-active".to_owned());
        }
        r.restricted = restricted;
        r.format = format.map(str::to_owned);
        self.inner.audit.append(r)?;
        Ok(summary)
    }

    /// Who has seen this session's patient's record, from audit entries the host read
    /// (`audit::read_verified`). Only roles with `audit_reports` may; the read is audited.
    pub fn access_report(
        &self,
        entries: &[AuditEntry],
    ) -> Result<Vec<AccessReportLine>, SessionError> {
        self.check_live()?;
        if !self.role.audit_reports {
            let mut r = self.record(AuditKind::AccessDenied, AuditOutcome::Denied);
            r.reason = Some("audit-report-not-permitted".to_owned());
            self.inner.audit.append(r)?;
            return Err(SessionError::NotPermitted);
        }
        let mut r = self.record(AuditKind::RecordViewed, AuditOutcome::Success);
        r.sections = vec!["access-report".to_owned()];
        self.inner.audit.append(r)?;
        Ok(patient_access_report(
            entries,
            self.context.patient.as_str(),
        ))
    }
}

/// Where the patient the host system has open (the optional launch claims
/// `icr_patient_birth_date` and `icr_patient_family_name`) differs from the record's
/// banner: one line per field, naming the field and the host system, never the values.
/// A field that either side does not give is not compared; a partial date of birth in
/// the record (`1948`, `1948-03`) is compared to its precision; family names ignore case
/// and surrounding spaces.
fn host_discrepancies(context: &LaunchContext, record: &SharedCareRecord) -> Vec<String> {
    let Some(patient) = record.patient.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(host), Some(recorded)) = (&context.patient_birth_date, &patient.birth_date) {
        let same = match recorded.civil_date() {
            Some(day) => day.to_string() == *host,
            None => host.starts_with(recorded.as_str()),
        };
        if !same {
            out.push("Date of birth differs between the record and the host system".to_owned());
        }
    }
    if let (Some(host), Some(recorded)) = (&context.patient_family_name, &patient.name.family)
        && host.trim().to_lowercase() != recorded.trim().to_lowercase()
    {
        out.push("Family name differs between the record and the host system".to_owned());
    }
    out
}

/// Shown with its labels, or withheld with the first reason; an item with no decision
/// is withheld (fail closed).
fn first_reason(d: Option<&Decision>) -> Result<Vec<Sensitivity>, WithheldReason> {
    match d {
        Some(d) => match d.reasons.first() {
            Some(r) => Err(r.reason.clone()),
            None => Ok(d.labels.clone()),
        },
        None => Err(WithheldReason::RoleSection),
    }
}

/// The stable code of a withheld reason, as in the summary JSON.
fn reason_code(r: &WithheldReason) -> String {
    match serde_json::to_value(r) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .next()
            .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or_default()))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "fetch")]
mod fetch;
mod state;
mod store;

#[cfg(feature = "fetch")]
pub use fetch::FetchedSummary;
pub use state::{BreakGlassGrant, MemoryState, OptOutChange, SessionState, StateError};
pub use store::Store;

#[cfg(test)]
mod tests;
