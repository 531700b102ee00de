//! Who may see what: the access policy (data, with a default for a UK ICR) and the
//! decisions made from it for each item of a record.

mod decide;
mod pack;
mod policy;

#[cfg(feature = "trust")]
pub(crate) use decide::decide_with;
pub use decide::{Decision, Reason, Viewer, decide, labels};
pub use pack::{
    MAX_PACK_BYTES, Pack, PackError, PackProvenance, built_in as default_packs, parse_default_packs,
};
#[cfg(feature = "trust")]
pub(crate) use policy::Compiled;
pub use policy::{
    AssuranceLevel, BreakGlassRules, CIS2_ACR_VALUES, Cis2Rules, DEFAULT_POLICY_JSON, DenyRule,
    Finding, InferenceRule, Policy, PolicyError, RoleMatch, RoleRule, SensitiveSource, Severity,
    acr_level,
};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
