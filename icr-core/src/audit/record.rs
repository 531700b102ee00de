//! What is recorded: the record a session asks for, and the sealed entry the log keeps.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The hex MAC that the first entry's `prev` holds: there is no previous entry.
pub(crate) const GENESIS_MAC: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditKind {
    /// A session was opened from a verified launch context.
    SessionOpened,
    /// A launch context was refused, so no session was opened.
    SessionRefused,
    /// Part or all of a patient's record was shown. The default, as the most common entry.
    #[default]
    RecordViewed,
    /// A request for a record was refused by the access rules.
    AccessDenied,
    /// A user overrode the access rules (break-glass), with a justification.
    BreakGlass,
    /// A patient's opt-out from (or return to) sharing was recorded in the register;
    /// `reason` is `opted-out: …` or `opted-in: …` with the reason given.
    OptOutRecorded,
    /// The log was opened after a crash or an edit had left an incomplete or unverifiable
    /// last line, which was set aside (the quarantine file is named in `reason`).
    LogRecovered,
}

/// How it ended.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditOutcome {
    /// The action went ahead. The default.
    #[default]
    Success,
    /// The action was refused by a rule.
    Denied,
    /// The action could not be completed (an error, not a rule).
    Failed,
}

/// How many items of one section were withheld, and why.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WithheldCount {
    /// Section name (`"medications"`).
    pub section: String,
    /// Reason code (`"sensitive"`).
    pub reason: String,
    /// Number of items withheld.
    pub count: usize,
}

/// What a session asks the log to record. The log adds the sequence number, the time and
/// the chain (see [`AuditEntry`]).
///
/// `Debug` masks `patient` and `reason`: the audit log is patient data, and `Debug`
/// output ends up in host logs.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditRecord {
    /// What happened.
    pub kind: AuditKind,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The session the event belongs to.
    pub session_id: String,
    /// Identifier of the launch token that opened the session, if any.
    pub token_id: Option<String>,
    /// The user's SDS user id.
    pub user_id: String,
    /// The user's name, as the host gave it.
    pub user_name: Option<String>,
    /// The user's role (`"GP"`).
    pub role: String,
    /// The user's SDS role profile id.
    pub role_profile: String,
    /// ODS code of the user's organisation.
    pub organisation: String,
    /// The patient's NHS number (ten digits), when the event concerns a patient.
    pub patient: Option<String>,
    /// Purpose of use (`"direct_care"`).
    pub purpose: Option<String>,
    /// The user's legitimate relationship with the patient, as asserted.
    pub relationship: Option<String>,
    /// Sections shown.
    pub sections: Vec<String>,
    /// Items withheld, counted per section and reason.
    pub withheld: Vec<WithheldCount>,
    /// ODS codes of the organisations whose data was shown.
    pub sources: Vec<String>,
    /// Ids of the items shown ([`Entry::id`](crate::model::Entry::id): the source's ODS
    /// code and resource reference), in summary order, so that what a user saw can be
    /// reconstructed item by item from the sources later. Empty (and not written) for
    /// entries that show nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items_shown: Vec<String>,
    /// Ids of the items withheld from the user, in record order (the reasons are in
    /// `withheld`). Empty (and not written) when nothing was withheld.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items_withheld: Vec<String>,
    /// Break-glass justification, or a denial reason code.
    pub reason: Option<String>,
    /// The patient is restricted (PDS S-flag): their contact details were withheld from
    /// this view. Not written when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
    /// How a view left the SDK when not as a summary to show: `fhir-document` (an
    /// International Patient Summary Bundle the user may keep). Not written for a summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl fmt::Debug for AuditRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("AuditRecord")
            .field("kind", &self.kind)
            .field("outcome", &self.outcome)
            .field("session_id", &self.session_id)
            .field("token_id", &self.token_id)
            .field("user_id", &self.user_id)
            .field("user_name", &self.user_name)
            .field("role", &self.role)
            .field("role_profile", &self.role_profile)
            .field("organisation", &self.organisation)
            .field("patient", &masked(&self.patient))
            .field("purpose", &self.purpose)
            .field("relationship", &self.relationship)
            .field("sections", &self.sections)
            .field("withheld", &self.withheld)
            .field("sources", &self.sources)
            .field("items_shown", &self.items_shown.len())
            .field("items_withheld", &self.items_withheld.len())
            .field("reason", &masked(&self.reason))
            .field("restricted", &self.restricted)
            .field("format", &self.format)
            .finish()
    }
}

/// One line of the log: a record sealed into the chain.
///
/// Stored as one JSON object per line, fields in this order:
/// `{"seq":1,"time":"…","record":{…},"prev":"…","mac":"…"}`. The MAC is
/// HMAC-SHA-256 under the [`AuditKey`](super::AuditKey) of the bytes serde_json writes
/// for `{"seq","time","record","prev"}` (this struct without `mac`, same field order,
/// compact), so the stored line is exactly those bytes with the closing `}` replaced by
/// `,"mac":"<hex>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log: 1 for the first entry, then strictly one more each time.
    pub seq: u64,
    /// When the entry was sealed, RFC 3339 in UTC (`2026-11-25T09:30:00.123Z`).
    pub time: String,
    /// What was recorded.
    pub record: AuditRecord,
    /// Hex MAC of the previous entry, or 64 zeros for the first.
    pub prev: String,
    /// Hex HMAC-SHA-256 of this entry (see the type's documentation).
    pub mac: String,
}

/// The head of a log at some moment: the last entry's sequence number and MAC.
///
/// A host keeps the latest checkpoint somewhere the log's writer cannot rewrite (another
/// system, a signed store). Against it, [`verify_file`](super::verify_file) detects a
/// log cut short (truncation) or replaced by an older copy (rollback), which the chain
/// alone cannot show.
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number of the last entry (0 for an empty log).
    pub seq: u64,
    /// Hex MAC of that entry (64 zeros for an empty log).
    pub mac: String,
}

impl Checkpoint {
    /// The checkpoint of an empty log.
    pub fn empty() -> Checkpoint {
        Checkpoint {
            seq: 0,
            mac: GENESIS_MAC.to_owned(),
        }
    }
}
