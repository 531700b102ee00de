//! Policy files: parse, validate, round-trip, and decide with whatever was accepted.

use icr_core::access::{Policy, Viewer, decide};

use crate::fixtures;

/// Parses `data` as a policy. An accepted policy must validate without panicking,
/// survive a JSON round trip unchanged, and decide over the demo record for each of its
/// roles (with and without break-glass) one decision per item.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::from_json(text) else {
        return;
    };
    let _ = policy.validate();
    let again = serde_json::to_string(&policy).unwrap();
    assert_eq!(
        Policy::from_json(&again).ok().as_ref(),
        Some(&policy),
        "an accepted policy reads back as itself"
    );
    let record = fixtures::demo_record();
    for role in policy.roles.iter().take(8) {
        for break_glass in [false, true] {
            let viewer = Viewer {
                role,
                relationship: "registered-gp".to_owned(),
                break_glass,
                patient_opted_out: false,
            };
            let decisions = decide(&policy, &viewer, record);
            assert_eq!(decisions.len(), record.len(), "one decision per item");
        }
    }
}
