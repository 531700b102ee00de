//! The access policy as data: roles and the sections and sensitive categories each may
//! see, deny rules (deny overrides allow), participating organisations, sources whose
//! data is sensitive as a whole, inference protection and break-glass limits.
//!
//! A policy is JSON (see `default-policy.json`, shipped in the crate and documented in
//! `docs/policy.md`). [`Policy::validate`] reports rules that can never apply or that
//! contradict each other, so a policy author sees mistakes before a clinician does.

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::pack::{self, Pack, PackIndex, TermIndex};
use crate::model::{CareSetting, Section, SensitiveCategory};
use crate::risk::RiskRules;

/// The default policy for a UK ICR, as shipped.
pub const DEFAULT_POLICY_JSON: &str = include_str!("default-policy.json");

/// An access policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Version of the policy format (1).
    pub policy_version: u32,
    /// Name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// ODS codes of organisations whose data may be shared, or `*` for all.
    pub participating_organisations: Vec<String>,
    /// Relationship bases that count as legitimate (others need break-glass).
    pub legitimate_relationships: Vec<String>,
    /// How long a session lasts, in minutes.
    pub session_minutes: u32,
    /// Purposes of use (launch claim `icr_purpose`) for which a session is opened; any
    /// other is refused. Default `["direct-care"]`: an ICR is for direct care.
    #[serde(default = "default_purposes")]
    pub allowed_purposes: Vec<String>,
    /// The longest launch token accepted, in seconds (`exp − iat`, and `exp − now`):
    /// default 300, at most 3,600.
    #[serde(default = "default_token_lifetime")]
    pub max_token_lifetime_seconds: u32,
    /// Break-glass limits.
    pub break_glass: BreakGlassRules,
    /// Roles, matched in order: the first whose `match` fits the user's codes wins.
    pub roles: Vec<RoleRule>,
    /// Deny rules; a deny always overrides an allow.
    #[serde(default)]
    pub deny: Vec<DenyRule>,
    /// Care settings whose data is sensitive as a whole.
    #[serde(default)]
    pub sensitive_sources: Vec<SensitiveSource>,
    /// Items withheld with a sensitive item they would reveal.
    #[serde(default)]
    pub inference: Vec<InferenceRule>,
    /// The code packs whose concepts label items sensitive (ids of default packs or of
    /// packs given with the policy); every default code pack when absent.
    #[serde(default = "default_code_packs")]
    pub sensitivity_packs: Vec<String>,
    /// Thresholds and windows of the risk signals (defaults when absent).
    #[serde(default)]
    pub risk: RiskRules,
    /// Rules for launches from NHS CIS2 identity (defaults when absent: no minimum
    /// assurance, no activity needed for break-glass, no self-claimed relationships).
    #[serde(default)]
    pub cis2: Cis2Rules,
    /// Packs given with the policy (a deployment's own, or replacements of default packs
    /// of the same id), and the indexes built from the policy's packs.
    #[serde(skip)]
    packs: PolicyPacks,
}

fn default_purposes() -> Vec<String> {
    vec!["direct-care".to_owned()]
}

fn default_token_lifetime() -> u32 {
    300
}

fn default_code_packs() -> Vec<String> {
    pack::built_in()
        .iter()
        .filter(|p| !p.codes().is_empty())
        .map(|p| p.id.clone())
        .collect()
}

/// The packs given with a policy, and what decisions need from them, built on first use
/// and rebuilt if the policy's pack names or inference rules are changed afterwards.
#[derive(Debug, Default)]
struct PolicyPacks {
    extra: Vec<Arc<Pack>>,
    compiled: Mutex<Option<Arc<Compiled>>>,
}

impl Clone for PolicyPacks {
    fn clone(&self) -> Self {
        PolicyPacks {
            extra: self.extra.clone(),
            compiled: Mutex::new(None),
        }
    }
}

impl PartialEq for PolicyPacks {
    fn eq(&self, other: &Self) -> bool {
        self.extra == other.extra
    }
}

/// A policy's packs, indexed.
#[derive(Debug)]
pub(crate) struct Compiled {
    key: (Vec<String>, Vec<InferenceRule>),
    /// Concept → code packs.
    pub(crate) codes: PackIndex,
    /// One per inference rule, in order.
    pub(crate) inference: Vec<TermIndex>,
}

/// Break-glass limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRules {
    /// How long emergency access lasts.
    pub max_minutes: u32,
    /// The shortest reason accepted.
    pub min_reason_chars: usize,
    /// Whether emergency access overrides a patient's opt-out (vital interests).
    pub overrides_opt_out: bool,
}

/// Rules for sessions launched from an NHS CIS2 identity (see `docs/launch.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cis2Rules {
    /// The lowest CIS2 `acr` accepted (`AAL3_ANY`, `AAL2_OR_AAL3_ANY`, `AAL2_ANY`,
    /// `AAL1_USERPASS` or one of the method-specific values such as
    /// `AAL3_CIS2_SMARTCARD`), compared by the assurance level each stands for (see
    /// [`acr_level`]). A CIS2 launch without an `acr` is refused when this is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_acr: Option<String>,
    /// The national RBAC activity (a `B` code) the user's selected role must hold to use
    /// emergency access, e.g. `B0168`; none required when absent. Applies to sessions
    /// launched from CIS2 identity; the role's own `break_glass` must allow it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass_activity: Option<String>,
    /// Whether a relationship the user claimed themselves (launch claim
    /// `icr_relationship_self_claimed: true`) counts as the relationship asserted. When
    /// `false` such a launch has relationship `none` (break-glass needed to see more).
    #[serde(default)]
    pub relationship_self_claim: bool,
}

/// An authenticator assurance level (NIST SP 800-63B, as CIS2 uses it), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AssuranceLevel {
    /// AAL1: a single factor (CIS2 `AAL1_USERPASS`).
    Aal1,
    /// AAL2: "high confidence", multi-factor.
    Aal2,
    /// AAL3: "very high confidence", hardware-backed (smartcards, FIDO2, Windows Hello).
    Aal3,
}

impl AssuranceLevel {
    /// `AAL1`, `AAL2` or `AAL3`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssuranceLevel::Aal1 => "AAL1",
            AssuranceLevel::Aal2 => "AAL2",
            AssuranceLevel::Aal3 => "AAL3",
        }
    }
}

/// The CIS2 Authentication `acr` values and the assurance level each guarantees.
///
/// From NHS England's "Care Identity Authentication: ACR and AMR values" guidance
/// (digital.nhs.uk, `.../cis2-authentication/guidance-for-developers/detailed-guidance/acr-values`)
/// and the values NHS England's own CIS2 clients check (NHSDigital
/// eps-prescription-tracker-ui: `AAL3_ANY`, `AAL2_OR_AAL3_ANY`, `AAL2_ANY`,
/// `AAL1_USERPASS`, `AAL3_IOS`, `AAL3_FIDO2`, `AAL3_N3_SMARTCARD`, `AAL3_CIS2_SMARTCARD`,
/// `AAL3_SMARTCARD`, `AAL2_TOTP`, `AAL2_NHSMAIL`). `AAL2_OR_AAL3_ANY` guarantees AAL2
/// only: the user may have used an AAL2 authenticator.
pub const CIS2_ACR_VALUES: [(&str, AssuranceLevel); 11] = [
    ("AAL1_USERPASS", AssuranceLevel::Aal1),
    ("AAL2_ANY", AssuranceLevel::Aal2),
    ("AAL2_OR_AAL3_ANY", AssuranceLevel::Aal2),
    ("AAL2_TOTP", AssuranceLevel::Aal2),
    ("AAL2_NHSMAIL", AssuranceLevel::Aal2),
    ("AAL3_ANY", AssuranceLevel::Aal3),
    ("AAL3_IOS", AssuranceLevel::Aal3),
    ("AAL3_FIDO2", AssuranceLevel::Aal3),
    ("AAL3_N3_SMARTCARD", AssuranceLevel::Aal3),
    ("AAL3_CIS2_SMARTCARD", AssuranceLevel::Aal3),
    ("AAL3_SMARTCARD", AssuranceLevel::Aal3),
];

/// The assurance level a CIS2 `acr` value guarantees; `None` for a value not in
/// [`CIS2_ACR_VALUES`] (exact, case-sensitive).
pub fn acr_level(acr: &str) -> Option<AssuranceLevel> {
    CIS2_ACR_VALUES
        .iter()
        .find(|(value, _)| *value == acr)
        .map(|(_, level)| *level)
}

impl Cis2Rules {
    /// The minimum assurance level, when `min_acr` names a known value.
    pub fn min_level(&self) -> Option<AssuranceLevel> {
        self.min_acr.as_deref().and_then(acr_level)
    }

    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(acr) = self.min_acr.as_deref().filter(|a| acr_level(a).is_none()) {
            out.push(format!("cis2.min_acr '{acr}' is not a CIS2 acr value"));
        }
        if let Some(code) = self
            .break_glass_activity
            .as_deref()
            .filter(|c| !is_activity_code(c))
        {
            out.push(format!(
                "cis2.break_glass_activity '{code}' is not a national RBAC activity code (B and four digits)"
            ));
        }
        out
    }
}

/// A national RBAC activity code: `B` and four digits (`B0168`).
fn is_activity_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with('B') && code.bytes().skip(1).all(|b| b.is_ascii_digit())
}

/// A role: who it is (national RBAC codes) and what it may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    /// Stable name (`gp`).
    pub name: String,
    /// Words for people.
    pub title: String,
    /// Codes that select this role (any entry may match).
    pub r#match: Vec<RoleMatch>,
    /// Section keys the role may see, or `*` for all.
    #[serde(deserialize_with = "section_names")]
    pub sections: Vec<String>,
    /// Sensitive categories the role may see.
    pub sensitive: Vec<SensitiveCategory>,
    /// Whether the role may use emergency (break-glass) access.
    pub break_glass: bool,
    /// Whether the role may read patient access reports and privacy alerts.
    #[serde(default)]
    pub audit_reports: bool,
    /// The role sees administrative entries only (a receptionist): who, when, where and
    /// from which organisation, never what. Appointments, referrals and encounters are
    /// shown by their kind, without their titles, codes, reasons or notes; care teams
    /// without members' roles; contacts as they are; every other kind of item is
    /// withheld, and there are no risk signals (they are clinical).
    #[serde(default)]
    pub administrative: bool,
}

/// National RBAC codes that select a role; a missing job role matches any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleMatch {
    /// Role profile code (`R8000`).
    pub role_profile: String,
    /// Job role code (`R0260`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_role: Option<String>,
}

/// A deny rule: these roles may not see these sections or categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyRule {
    /// Identifier shown in decisions.
    pub id: String,
    /// Role names, or `*`.
    pub roles: Vec<String>,
    /// Section keys denied.
    #[serde(default, deserialize_with = "section_names")]
    pub sections: Vec<String>,
    /// Categories denied.
    #[serde(default)]
    pub categories: Vec<SensitiveCategory>,
}

/// Data from a care setting that is sensitive as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveSource {
    /// The setting.
    pub care_setting: CareSetting,
    /// The category its items carry.
    pub category: SensitiveCategory,
}

/// Inference protection: items in these sections whose words name something specific to
/// the category are withheld when an item of the category is withheld.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceRule {
    /// Identifier shown in decisions.
    pub id: String,
    /// The category protected.
    pub category: SensitiveCategory,
    /// Section keys it applies to.
    #[serde(deserialize_with = "section_names")]
    pub sections: Vec<String>,
    /// Lower-case words (drug names, service names) matched as whole words in the
    /// item's text.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Term packs (medicine names by generic and brand name, and their dm+d concepts)
    /// matched like `terms`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packs: Vec<String>,
}

/// Why a policy could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not valid policy JSON (unknown fields are refused, so typos are caught).
    #[error("policy is not valid: {0}")]
    Invalid(String),
    /// The format version is not one this SDK reads.
    #[error("policy_version {0} is not supported (1 is)")]
    UnsupportedVersion(u32),
    /// A pack given with the policy could not be read.
    #[error("sensitivity pack refused: {0}")]
    Pack(#[from] pack::PackError),
    /// The policy has problems that would make decisions wrong.
    #[error("policy has {} error(s): {}", .0.len(), .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))]
    Rejected(Vec<Finding>),
}

/// Something `validate` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `error` (the policy is refused) or `warning`.
    pub severity: Severity,
    /// What and where.
    pub message: String,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The policy is refused.
    Error,
    /// Worth fixing; the policy still loads.
    Warning,
}

impl Policy {
    /// The default policy shipped with the SDK.
    pub fn default_uk() -> Result<Policy, PolicyError> {
        Policy::from_json(DEFAULT_POLICY_JSON)
    }

    /// Reads and validates a policy; refuses it when `validate` finds errors.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        Policy::from_json_with_packs(text, Vec::new())
    }

    /// Reads and validates a policy with packs of the deployment's own
    /// ([`Pack::from_tsv`], [`Pack::from_value_set`]); a pack with the id of a default
    /// pack replaces it. The policy names the packs it uses (`sensitivity_packs`, and each
    /// inference rule's `packs`); `validate` refuses a name that is no pack.
    pub fn from_json_with_packs(text: &str, packs: Vec<Pack>) -> Result<Policy, PolicyError> {
        let mut policy: Policy = serde_json::from_str(text).map_err(|e| {
            PolicyError::Invalid(crate::json_problem::JsonProblem::of(&e).to_string())
        })?;
        policy.packs.extra = packs.into_iter().map(Arc::new).collect();
        if policy.policy_version != 1 {
            return Err(PolicyError::UnsupportedVersion(policy.policy_version));
        }
        let errors: Vec<Finding> = policy
            .validate()
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(PolicyError::Rejected(errors))
        }
    }

    /// The pack with this id: one given with the policy, else a default pack.
    pub fn pack(&self, id: &str) -> Option<&Arc<Pack>> {
        self.packs
            .extra
            .iter()
            .chain(pack::built_in())
            .find(|p| p.id == id)
    }

    /// The policy's packs, indexed for decisions (built once, and again only if the
    /// policy's pack names or inference rules were changed since).
    pub(crate) fn compiled(&self) -> Arc<Compiled> {
        let mut cell = self
            .packs
            .compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = cell
            .as_ref()
            .filter(|c| c.key.0 == self.sensitivity_packs && c.key.1 == self.inference)
        {
            return Arc::clone(c);
        }
        let key = (self.sensitivity_packs.clone(), self.inference.clone());
        let codes = PackIndex::new(
            self.sensitivity_packs
                .iter()
                .filter_map(|id| self.pack(id).cloned())
                .collect(),
        );
        let inference = self
            .inference
            .iter()
            .map(|rule| {
                let packs: Vec<&Pack> = rule
                    .packs
                    .iter()
                    .filter_map(|id| self.pack(id).map(|p| &**p))
                    .collect();
                TermIndex::new(rule.terms.iter().map(String::as_str), &packs)
            })
            .collect();
        let compiled = Arc::new(Compiled {
            key,
            codes,
            inference,
        });
        *cell = Some(Arc::clone(&compiled));
        compiled
    }

    /// The role with this name.
    pub fn role(&self, name: &str) -> Option<&RoleRule> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// Whether some role's match names `role_profile` (with any job role).
    pub fn knows_role_profile(&self, role_profile: &str) -> bool {
        self.roles
            .iter()
            .any(|r| r.r#match.iter().any(|m| m.role_profile == role_profile))
    }

    /// Whether some role's match names this role profile with this job role.
    pub fn knows_job_role(&self, role_profile: &str, job_role: &str) -> bool {
        self.roles.iter().any(|r| {
            r.r#match
                .iter()
                .any(|m| m.role_profile == role_profile && m.job_role.as_deref() == Some(job_role))
        })
    }

    /// The role selected by a user's national codes: the first whose match fits.
    pub fn role_for(&self, role_profile: &str, job_role: Option<&str>) -> Option<&RoleRule> {
        self.roles
            .iter()
            .find(|r| r.r#match.iter().any(|m| m.fits(role_profile, job_role)))
    }

    /// Lints the policy: unknown sections and roles, roles that can never be selected
    /// (an earlier role's match covers theirs), duplicate names, rules that allow and deny
    /// the same thing to a role, inference rules with nothing to match.
    pub fn validate(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut error = |m: String| {
            out.push(Finding {
                severity: Severity::Error,
                message: m,
            })
        };
        let known_section = |s: &str| s == "*" || Section::ALL.iter().any(|x| x.key() == s);
        let mut names = std::collections::HashSet::new();
        for (i, role) in self.roles.iter().enumerate() {
            if !names.insert(role.name.as_str()) {
                error(format!("role '{}' is defined twice", role.name));
            }
            for s in role.sections.iter().filter(|s| !known_section(s)) {
                error(format!("role '{}' names unknown section '{s}'", role.name));
            }
            if role.r#match.is_empty() {
                error(format!(
                    "role '{}' has no match, so no user can have it",
                    role.name
                ));
            }
            for m in &role.r#match {
                let shadowed = self
                    .roles
                    .iter()
                    .take(i)
                    .find(|earlier| earlier.r#match.iter().any(|e| e.covers(m)));
                if let Some(earlier) = shadowed {
                    error(format!(
                        "role '{}' match {} is unreachable: role '{}' earlier in the list matches first",
                        role.name,
                        m.describe(),
                        earlier.name
                    ));
                }
            }
        }
        for rule in &self.deny {
            for r in rule
                .roles
                .iter()
                .filter(|r| *r != "*" && self.role(r).is_none())
            {
                error(format!("deny rule '{}' names unknown role '{r}'", rule.id));
            }
            for s in rule.sections.iter().filter(|s| !known_section(s)) {
                error(format!(
                    "deny rule '{}' names unknown section '{s}'",
                    rule.id
                ));
            }
            if rule.sections.is_empty() && rule.categories.is_empty() {
                error(format!("deny rule '{}' denies nothing", rule.id));
            }
        }
        for rule in &self.inference {
            for s in rule.sections.iter().filter(|s| !known_section(s)) {
                error(format!(
                    "inference rule '{}' names unknown section '{s}'",
                    rule.id
                ));
            }
            if rule.terms.is_empty() && rule.packs.is_empty() {
                error(format!("inference rule '{}' has no terms", rule.id));
            }
            for id in &rule.packs {
                match self.pack(id) {
                    None => error(format!(
                        "inference rule '{}' names unknown pack '{id}'",
                        rule.id
                    )),
                    Some(p) if p.terms().is_empty() && p.codes().is_empty() => {
                        error(format!("inference rule '{}' pack '{id}' is empty", rule.id))
                    }
                    Some(_) => {}
                }
            }
            if rule.terms.iter().any(|t| t.to_lowercase() != *t) {
                error(format!(
                    "inference rule '{}' terms must be lower case",
                    rule.id
                ));
            }
        }
        for id in &self.sensitivity_packs {
            match self.pack(id) {
                None => error(format!("sensitivity pack '{id}' is not a known pack")),
                Some(p) if p.codes().is_empty() => error(format!(
                    "sensitivity pack '{id}' holds no codes (a term pack belongs to an inference rule)"
                )),
                Some(_) => {}
            }
        }
        if self.allowed_purposes.is_empty() {
            error("allowed_purposes is empty: no session could be opened".to_owned());
        }
        if !(1..=3600).contains(&self.max_token_lifetime_seconds) {
            error("max_token_lifetime_seconds must be from 1 to 3600".to_owned());
        }
        if self.break_glass.min_reason_chars == 0 {
            error(
                "break_glass.min_reason_chars must be at least 1: a reason is mandatory".to_owned(),
            );
        }
        // Warnings: allowed and then denied anyway (deny wins, but the author may not know).
        for rule in &self.deny {
            for role in self
                .roles
                .iter()
                .filter(|r| rule.roles.iter().any(|n| n == "*" || *n == r.name))
            {
                for c in &rule.categories {
                    if role.sensitive.contains(c) {
                        out.push(Finding {
                            severity: Severity::Warning,
                            message: format!(
                                "role '{}' is allowed category {c:?} but deny rule '{}' removes it (deny overrides allow)",
                                role.name, rule.id
                            ),
                        });
                    }
                }
                for s in &rule.sections {
                    if role.sections.iter().any(|x| x == s) {
                        out.push(Finding {
                            severity: Severity::Warning,
                            message: format!(
                                "role '{}' lists section '{s}' but deny rule '{}' removes it (deny overrides allow)",
                                role.name, rule.id
                            ),
                        });
                    }
                }
            }
        }
        out.extend(self.cis2.problems().into_iter().map(|message| Finding {
            severity: Severity::Error,
            message,
        }));
        out.extend(self.risk.problems().into_iter().map(|message| Finding {
            severity: Severity::Error,
            message,
        }));
        out
    }
}

impl RoleMatch {
    fn fits(&self, role_profile: &str, job_role: Option<&str>) -> bool {
        self.role_profile == role_profile
            && self.job_role.as_deref().is_none_or(|j| Some(j) == job_role)
    }

    /// True when every user this match selects is also selected by `self`.
    fn covers(&self, other: &RoleMatch) -> bool {
        self.role_profile == other.role_profile
            && (self.job_role.is_none() || self.job_role == other.job_role)
    }

    fn describe(&self) -> String {
        match &self.job_role {
            Some(j) => format!("{}/{j}", self.role_profile),
            None => self.role_profile.clone(),
        }
    }
}

impl RoleRule {
    /// True when the role may see this section.
    pub fn allows_section(&self, section: Section) -> bool {
        self.sections.iter().any(|s| s == "*" || s == section.key())
    }
}

/// Section names as written, with a section's earlier spelling (`care_team`, from before
/// the summary's codes became kebab-case) read as its code, so older policies keep
/// working. A name that is no section is kept for `validate` to report.
fn section_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    Ok(names
        .into_iter()
        .map(|name| {
            match serde_json::from_value::<Section>(serde_json::Value::String(name.clone())) {
                Ok(section) => section.key().to_owned(),
                Err(_) => name,
            }
        })
        .collect())
}
