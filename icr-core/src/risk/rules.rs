//! The thresholds and windows of the risk signals: policy data with defaults, validated
//! with the rest of the policy (`risk` in the policy JSON, documented in `docs/policy.md`).

use serde::{Deserialize, Serialize};

use super::efi::EfiCategory;

/// Thresholds and windows of the risk signals. Every member has a default, so a policy
/// names only what it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskRules {
    /// Emergency admissions: default 1 or more in 365 days.
    pub emergency_admissions: WindowRule,
    /// Emergency-department attendances: default 2 or more in 365 days.
    pub emergency_attendances: WindowRule,
    /// Contacts with out-of-hours and urgent-care services: default 2 or more in 90 days.
    pub out_of_hours_contacts: WindowRule,
    /// Falls: default 1 or more in 365 days (also the falls history polypharmacy uses).
    pub falls: WindowRule,
    /// Current medicines.
    pub polypharmacy: PolypharmacyRule,
    /// Frailty.
    pub frailty: FrailtyRule,
}

impl Default for RiskRules {
    fn default() -> Self {
        RiskRules {
            emergency_admissions: WindowRule {
                window_days: 365,
                raise_at: 1,
            },
            emergency_attendances: WindowRule {
                window_days: 365,
                raise_at: 2,
            },
            out_of_hours_contacts: WindowRule {
                window_days: 90,
                raise_at: 2,
            },
            falls: WindowRule {
                window_days: 365,
                raise_at: 1,
            },
            polypharmacy: PolypharmacyRule::default(),
            frailty: FrailtyRule::default(),
        }
    }
}

/// Events counted over a window ending on the summary date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowRule {
    /// How many days back from the summary date count (1 to 3,650).
    pub window_days: u32,
    /// The count at which the signal is raised (at least 1).
    pub raise_at: u32,
}

/// When the number of current medicines is a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolypharmacyRule {
    /// Raised at this many current medicines (default 10).
    pub raise_at: u32,
    /// Raised at this many when the patient has fallen in the falls window (default 5).
    pub raise_at_with_falls: u32,
}

impl Default for PolypharmacyRule {
    fn default() -> Self {
        PolypharmacyRule {
            raise_at: 10,
            raise_at_with_falls: 5,
        }
    }
}

/// When frailty is a signal, and when the electronic Frailty Index is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrailtyRule {
    /// The eFI is computed (where no frailty is recorded) from this age (default 65, the
    /// age it was developed and validated for).
    pub min_age_years: u32,
    /// The computed eFI raises the signal from this category (default `moderate`).
    pub raise_at: EfiCategory,
}

impl Default for FrailtyRule {
    fn default() -> Self {
        FrailtyRule {
            min_age_years: 65,
            raise_at: EfiCategory::Moderate,
        }
    }
}

/// The longest window a rule may have: ten years.
const MAX_WINDOW_DAYS: u32 = 3_650;

impl RiskRules {
    /// What is wrong with the rules, one message each (empty when they are sound).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, rule) in [
            ("emergency_admissions", self.emergency_admissions),
            ("emergency_attendances", self.emergency_attendances),
            ("out_of_hours_contacts", self.out_of_hours_contacts),
            ("falls", self.falls),
        ] {
            if !(1..=MAX_WINDOW_DAYS).contains(&rule.window_days) {
                out.push(format!(
                    "risk.{name}.window_days is {}: it must be 1 to {MAX_WINDOW_DAYS}",
                    rule.window_days
                ));
            }
            if rule.raise_at == 0 {
                out.push(format!(
                    "risk.{name}.raise_at is 0: a signal raised with nothing recorded would \
                     say what no source said"
                ));
            }
        }
        let p = self.polypharmacy;
        if p.raise_at == 0 || p.raise_at_with_falls == 0 {
            out.push("risk.polypharmacy thresholds must be at least 1".to_owned());
        }
        if p.raise_at_with_falls > p.raise_at {
            out.push(format!(
                "risk.polypharmacy.raise_at_with_falls ({}) is above raise_at ({}): a \
                 history of falls must lower the threshold, not raise it",
                p.raise_at_with_falls, p.raise_at
            ));
        }
        if self.frailty.min_age_years > 120 {
            out.push(format!(
                "risk.frailty.min_age_years is {}: no one would be assessed",
                self.frailty.min_age_years
            ));
        }
        out
    }
}
