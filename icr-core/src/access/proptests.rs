//! Property: whatever the policy, role, relationship and record, nothing a decision
//! withholds appears anywhere in the summary JSON, every withheld item is counted in its
//! section's marker, and the risk block is exactly the one the record would give if the
//! withheld items did not exist (a withheld admission, fall or medicine changes no count,
//! window or piece of evidence).

use proptest::prelude::*;

use super::*;
use crate::merge::SharedCareRecord;
use crate::model::{
    CareSetting, Code, Detail, EncounterClass, EncounterFacts, Entry, FhirDate, Item, LabelBasis,
    Measured, Measurement, MedicationDetail, Organisation, Provenance, Quantity, Section,
    SensitiveCategory, Sensitivity,
};

const CATEGORIES: [SensitiveCategory; 9] = [
    SensitiveCategory::MentalHealth,
    SensitiveCategory::SubstanceMisuse,
    SensitiveCategory::Hiv,
    SensitiveCategory::SexualHealth,
    SensitiveCategory::Safeguarding,
    SensitiveCategory::Restricted,
    SensitiveCategory::Fertility,
    SensitiveCategory::Termination,
    SensitiveCategory::GenderReassignment,
];

/// Every concept of the default code packs, with its pack's category.
fn pack_concepts() -> &'static [(u64, SensitiveCategory)] {
    static ALL: std::sync::OnceLock<Vec<(u64, SensitiveCategory)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        default_packs()
            .iter()
            .flat_map(|p| p.codes().iter().map(|&c| (c, p.category)))
            .collect()
    })
}

const SETTINGS: [CareSetting; 5] = [
    CareSetting::GeneralPractice,
    CareSetting::Acute,
    CareSetting::MentalHealth,
    CareSetting::SocialCare,
    CareSetting::OutOfHours,
];

/// What makes an item count for a risk signal: an emergency admission, an emergency
/// attendance, a fall, a frailty finding, an eFI deficit (heart failure).
const RISK_CONCEPTS: [u64; 3] = [1_912_002, 925_831_000_000_107, 84_114_007];

#[derive(Debug, Clone)]
struct ItemSpec {
    section: usize,
    setting: usize,
    categories: Vec<usize>,
    term: Option<usize>,
    /// A concept from a default code pack (an index into [`pack_concepts`]).
    concept: Option<usize>,
    /// Items this one is linked to (indices, taken modulo the record's length).
    links: Vec<usize>,
    /// What it counts for in the risk signals: 0 an emergency admission, 1 an emergency
    /// attendance, 2.. a concept of [`RISK_CONCEPTS`].
    risk: Option<usize>,
    /// Its date, in days before the summary date (some outside a year's window).
    days_ago: Option<u16>,
}

fn item_spec() -> impl Strategy<Value = ItemSpec> {
    (
        0..Section::ALL.len(),
        0..SETTINGS.len(),
        prop::collection::vec(0..CATEGORIES.len(), 0..3),
        prop::option::of(0..4usize),
        prop::option::of(0..pack_concepts().len()),
        prop::collection::vec(0..40usize, 0..3),
        prop::option::of(0..2 + RISK_CONCEPTS.len()),
        prop::option::of(0..800u16),
    )
        .prop_map(
            |(section, setting, categories, term, concept, links, risk, days_ago)| ItemSpec {
                section,
                setting,
                categories,
                term,
                concept,
                links,
                risk,
                days_ago,
            },
        )
}

/// Words inference rules can match; an item may carry one in its title.
const TERMS: [&str; 4] = ["tenofovir", "sertraline", "methadone", "clinic"];

fn entry(at: usize, spec: &ItemSpec, n: usize) -> Item {
    let section = Section::ALL[spec.section];
    let setting = SETTINGS[spec.setting];
    let term = spec.term.map(|t| TERMS[t]).unwrap_or("plain");
    let secret = |field: &str| format!("secret{at}x{field}");
    let detail = match section {
        Section::Medications => Detail::Medication(MedicationDetail {
            dosage: Some(secret("dose")),
            ..MedicationDetail::default()
        }),
        _ => Detail::CarePlan {
            activities: vec![secret("activity")],
            description: Some(secret("description")),
        },
    };
    Item {
        entry: Entry {
            id: format!("ORG{}/Thing/{at}", spec.setting),
            section,
            title: format!("{} {term}", secret("title")),
            code: Some(Code {
                system: Some(crate::model::SNOMED.to_owned()),
                code: Some(format!("{}", 1000 + at)),
                display: Some(secret("display")),
                description_id: None,
            }),
            status: Some("active".to_owned()),
            date: spec.days_ago.and_then(|d| {
                let day = SUMMARY_DATE
                    .checked_sub(jiff::Span::new().days(i64::from(d)))
                    .ok()?;
                FhirDate::parse(&day.to_string())
            }),
            end_date: None,
            recorded: None,
            detail,
            notes: vec![secret("note")],
            provenance: vec![Provenance {
                organisation: Organisation {
                    ods_code: Some(format!("ORG{}", spec.setting)),
                    name: format!("Organisation {}", spec.setting),
                    care_setting: setting,
                },
                source_ref: format!("Thing/{at}"),
                last_updated: None,
                recorded_by: None,
            }],
            sensitivity: spec
                .categories
                .iter()
                .map(|&c| Sensitivity::new(CATEGORIES[c], LabelBasis::SecurityLabel))
                .collect(),
            discrepancies: Vec::new(),
            warnings: Vec::new(),
        },
        identity_unconfirmed: false,
        concepts: spec
            .concept
            .map(|c| pack_concepts()[c].0)
            .into_iter()
            .chain(
                spec.risk
                    .and_then(|r| r.checked_sub(2))
                    .map(|r| RISK_CONCEPTS[r]),
            )
            .collect(),
        links: Vec::new(),
        linked_at: spec
            .links
            .iter()
            .map(|l| l % n.max(1))
            .filter(|&l| l != at)
            .collect(),
        encounter: match spec.risk {
            Some(0) => Some(EncounterFacts {
                class: Some(EncounterClass::Inpatient),
                emergency: true,
                types: vec![],
            }),
            Some(1) => Some(EncounterFacts {
                class: Some(EncounterClass::Emergency),
                emergency: false,
                types: vec![],
            }),
            _ => None,
        },
        // Every item measures the same quantity, so visible ones make a trend and a
        // withheld one would show as a point named by its secret.
        measurements: vec![Measurement {
            measured: Measured::Known(Quantity::Egfr),
            name: secret("measure").into(),
            #[allow(clippy::cast_precision_loss)]
            value: at as f64,
            text: at.to_string().into(),
            censored: false,
            unit: Some("mL/min/1.73m2".into()),
            unit_text: None,
            // Taken on the item's date.
            date: None,
            band: None,
            range_text: None,
            flag: None,
        }],
    }
}

/// The date the summaries are made on.
const SUMMARY_DATE: jiff::civil::Date = jiff::civil::date(2026, 11, 25);

fn secrets(at: usize) -> [String; 7] {
    [
        "measure",
        "dose",
        "activity",
        "description",
        "title",
        "display",
        "note",
    ]
    .map(|f| format!("secret{at}x{f}"))
}

#[derive(Debug, Clone)]
struct PolicySpec {
    sections: Vec<Vec<bool>>,
    sensitive: Vec<Vec<bool>>,
    deny_section: Option<(usize, usize)>,
    deny_category: Option<(usize, usize)>,
    participating: Option<usize>,
}

fn policy_spec(roles: usize) -> impl Strategy<Value = PolicySpec> {
    (
        prop::collection::vec(
            prop::collection::vec(any::<bool>(), Section::ALL.len()),
            roles,
        ),
        prop::collection::vec(
            prop::collection::vec(any::<bool>(), CATEGORIES.len()),
            roles,
        ),
        prop::option::of((0..roles, 0..Section::ALL.len())),
        prop::option::of((0..roles, 0..CATEGORIES.len())),
        prop::option::of(0..SETTINGS.len()),
    )
        .prop_map(
            |(sections, sensitive, deny_section, deny_category, participating)| PolicySpec {
                sections,
                sensitive,
                deny_section,
                deny_category,
                participating,
            },
        )
}

fn build_policy(spec: &PolicySpec) -> Policy {
    let mut policy = Policy::default_uk().expect("default policy");
    for (i, role) in policy.roles.iter_mut().enumerate() {
        role.sections = Section::ALL
            .iter()
            .zip(&spec.sections[i])
            .filter(|(_, on)| **on)
            .map(|(s, _)| s.key().to_owned())
            .collect();
        role.sensitive = CATEGORIES
            .iter()
            .zip(&spec.sensitive[i])
            .filter(|(_, on)| **on)
            .map(|(c, _)| *c)
            .collect();
    }
    let names: Vec<String> = policy.roles.iter().map(|r| r.name.clone()).collect();
    if let Some((r, s)) = spec.deny_section {
        policy.deny.push(DenyRule {
            id: "p-section".into(),
            roles: vec![names[r].clone()],
            sections: vec![Section::ALL[s].key().into()],
            categories: vec![],
        });
    }
    if let Some((r, c)) = spec.deny_category {
        policy.deny.push(DenyRule {
            id: "p-category".into(),
            roles: vec![names[r].clone()],
            sections: vec![],
            categories: vec![CATEGORIES[c]],
        });
    }
    if let Some(p) = spec.participating {
        policy.participating_organisations = vec![format!("ORG{p}")];
    }
    policy.inference.push(InferenceRule {
        id: "p-clinic".into(),
        category: SensitiveCategory::SexualHealth,
        sections: Section::ALL.iter().map(|s| s.key().to_owned()).collect(),
        terms: vec!["clinic".into()],
        packs: vec![],
    });
    policy
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nothing_withheld_leaks_and_everything_withheld_is_counted(
        items in prop::collection::vec(item_spec(), 0..40),
        spec in policy_spec(9),
        role in 0..9usize,
        relationship in prop::sample::select(vec!["registered-gp", "care-team", "none", "referral"]),
        break_glass in any::<bool>(),
        opted_out in any::<bool>(),
    ) {
        let policy = build_policy(&spec);
        let entries: Vec<Item> = items.iter().enumerate().map(|(i, s)| entry(i, s, items.len())).collect();
        let record = SharedCareRecord { patient: None, demographic_discrepancies: vec![], sources: vec![], entries };
        let viewer = Viewer {
            role: &policy.roles[role],
            relationship: relationship.to_owned(),
            break_glass,
            patient_opted_out: opted_out,
        };
        let decisions = decide(&policy, &viewer, &record);
        prop_assert_eq!(decisions.len(), record.entries.len());
        let summary = crate::summary::build(&record, SUMMARY_DATE, Default::default(), |at, _| {
            match decisions[at].reasons.first() {
                Some(r) => Err(r.reason.clone()),
                None => Ok(decisions[at].labels.clone()),
            }
        });
        // Independently of `decide`: an item whose own category (security label, pack
        // concept, or a mental-health trust's data) or a linked item's own category is not
        // the role's must be withheld.
        let role_rule = &policy.roles[role];
        let own: Vec<Vec<SensitiveCategory>> = items
            .iter()
            .map(|s| {
                let mut c: Vec<SensitiveCategory> = s.categories.iter().map(|&c| CATEGORIES[c]).collect();
                c.extend(s.concept.map(|k| pack_concepts()[k].1));
                if SETTINGS[s.setting] == CareSetting::MentalHealth {
                    c.push(SensitiveCategory::MentalHealth);
                }
                c
            })
            .collect();
        for (at, e) in record.entries.iter().enumerate() {
            let mut cats = own[at].clone();
            for &l in &e.linked_at {
                cats.extend(own[l].iter().copied());
            }
            if cats.iter().any(|c| !role_rule.sensitive.contains(c)) {
                prop_assert!(!decisions[at].allowed(), "item {} shown with a category the role lacks", at);
            }
        }
        let json = serde_json::to_string(&summary).expect("json");
        for (at, d) in decisions.iter().enumerate() {
            if d.allowed() {
                // The check can see an item when it is there.
                let title = format!("secret{}xtitle", at);
                prop_assert!(json.contains(&title));
                continue;
            }
            for s in secrets(at) {
                prop_assert!(!json.contains(&s), "withheld item {} leaks {}", at, s);
            }
        }
        for section in &summary.sections {
            let total = record.entries.iter().filter(|e| e.section == section.key).count();
            let withheld: i64 = section.withheld.iter().map(|w| w.count).sum();
            prop_assert_eq!(section.items.len() + usize::try_from(withheld).unwrap_or_default(), total);
        }
        // The same view as a FHIR document: nothing withheld in it either, and every
        // withheld item counted in its section's extension.
        let viewer = crate::ips::Viewer {
            seed: crate::ips::Seed::new("u", "ORG0", "r", "9990000026"),
            organisation: "ORG0",
            role: "r",
            timestamp: "2026-11-25T12:00:00Z".to_owned(),
        };
        let bundle = crate::ips::document(&summary, &viewer);
        let text = bundle.to_string();
        let mut counted = 0;
        for section in bundle["entry"][0]["resource"]["section"].as_array().into_iter().flatten() {
            for ext in section["extension"].as_array().into_iter().flatten() {
                prop_assert_eq!(ext["url"].as_str(), Some(crate::ips::WITHHELD_EXTENSION));
                counted += ext["extension"][0]["valueInteger"].as_i64().unwrap_or(0);
            }
        }
        let denied = decisions.iter().filter(|d| !d.allowed()).count();
        prop_assert_eq!(usize::try_from(counted).unwrap_or_default(), denied);
        for (at, d) in decisions.iter().enumerate() {
            if d.allowed() {
                let title = format!("secret{}xtitle", at);
                prop_assert!(text.contains(&title));
                continue;
            }
            for s in secrets(at) {
                prop_assert!(!text.contains(&s), "withheld item {} leaks {} into the document", at, s);
            }
            let id = format!("Thing/{at}\"");
            prop_assert!(!text.contains(&id), "withheld item {} leaks its id", at);
        }
        // The risk block is the one a record without the withheld items gives.
        let shown = SharedCareRecord {
            patient: None,
            demographic_discrepancies: vec![],
            sources: vec![],
            entries: record
                .entries
                .iter()
                .zip(&decisions)
                .filter(|(_, d)| d.allowed())
                .map(|(e, _)| e.clone())
                .collect(),
        };
        let without = crate::summary::build(&shown, SUMMARY_DATE, Default::default(), |_, e| Ok(e.sensitivity.clone()));
        prop_assert_eq!(&summary.risk, &without.risk);
    }
}
