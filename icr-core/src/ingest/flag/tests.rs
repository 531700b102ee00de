use serde_json::json;

use super::{Who, of};
use crate::fhir::dispatch::Resource;
use crate::model::{FlagBasis, ResultFlag};

fn flag_of(obs: serde_json::Value) -> Option<(ResultFlag, FlagBasis)> {
    let mut obs = obs;
    obs["resourceType"] = json!("Observation");
    let text = obs.to_string();
    match serde_json::from_str::<Resource>(&text) {
        Ok(Resource::Observation(o)) => of(&o, Who::default()),
        _ => panic!("not an observation"),
    }
}

fn quantity(v: &str, unit: &str) -> serde_json::Value {
    json!({"value": serde_json::from_str::<serde_json::Value>(v).unwrap_or_default(), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit})
}

fn with_range(value: &str, low: Option<&str>, high: Option<&str>) -> serde_json::Value {
    let mut range = json!({});
    if let Some(l) = low {
        range["low"] = quantity(l, "10*9/L");
    }
    if let Some(h) = high {
        range["high"] = quantity(h, "10*9/L");
    }
    json!({"valueQuantity": quantity(value, "10*9/L"), "referenceRange": [range]})
}

#[test]
fn below_the_range_is_low_and_above_is_high_without_an_interpretation() {
    let low = Some((ResultFlag::Low, FlagBasis::ReferenceRange));
    let high = Some((ResultFlag::High, FlagBasis::ReferenceRange));
    let normal = Some((ResultFlag::Normal, FlagBasis::ReferenceRange));
    assert_eq!(flag_of(with_range("119", Some("150"), Some("600"))), low);
    assert_eq!(flag_of(with_range("12.6", Some("4"), Some("11"))), high);
    assert_eq!(flag_of(with_range("11.0", Some("4"), Some("11"))), normal);
    assert_eq!(flag_of(with_range("4", Some("4.0"), None)), normal);
    assert_eq!(flag_of(with_range("38.1", None, Some("37.5"))), high);
}

#[test]
fn no_interpretation_and_no_range_is_no_flag_never_normal() {
    let obs = json!({"valueQuantity": quantity("119", "10*9/L")});
    assert_eq!(flag_of(obs), None);
    let text_only = json!({"valueQuantity": quantity("119", "10*9/L"), "referenceRange": [{"text": "150-600"}]});
    assert_eq!(flag_of(text_only), None);
}

#[test]
fn the_interpretation_wins_over_the_range() {
    let mut obs = with_range("119", Some("150"), Some("600"));
    obs["interpretation"] =
        json!({"coding": [{"system": "http://hl7.org/fhir/v2/0078", "code": "N"}]});
    assert_eq!(
        flag_of(obs),
        Some((ResultFlag::Normal, FlagBasis::Interpretation))
    );
}

#[test]
fn critical_codes_are_flagged_as_critical() {
    for (code, flag) in [
        ("HH", ResultFlag::CriticalHigh),
        ("LL", ResultFlag::CriticalLow),
        ("AA", ResultFlag::CriticalAbnormal),
        ("H", ResultFlag::High),
        ("A", ResultFlag::Abnormal),
    ] {
        let obs = json!({"valueQuantity": quantity("1", "mmol/L"), "interpretation": [{"coding": [{"code": code}]}]});
        let got = flag_of(obs);
        assert_eq!(got, Some((flag, FlagBasis::Interpretation)), "{code}");
        assert_eq!(flag.is_critical(), code.len() == 2, "{code}");
    }
}

#[test]
fn interpretation_in_words_only_is_read() {
    let obs = json!({"interpretation": [{"text": "Low"}], "valueString": "see report"});
    assert_eq!(
        flag_of(obs),
        Some((ResultFlag::Low, FlagBasis::Interpretation))
    );
}

#[test]
fn a_range_in_another_unit_is_not_compared() {
    let obs = json!({
        "valueQuantity": quantity("5.5", "mmol/L"),
        "referenceRange": [{"low": quantity("70", "mg/dL"), "high": quantity("100", "mg/dL")}]
    });
    assert_eq!(flag_of(obs), None);
}

#[test]
fn comparators_decide_only_when_certain() {
    let mut lt = with_range("5", Some("10"), Some("20"));
    lt["valueQuantity"]["comparator"] = json!("<");
    assert_eq!(
        flag_of(lt),
        Some((ResultFlag::Low, FlagBasis::ReferenceRange))
    );
    let mut unsure = with_range("15", Some("10"), Some("20"));
    unsure["valueQuantity"]["comparator"] = json!("<");
    assert_eq!(flag_of(unsure), None);
    let mut below_high = with_range("5", None, Some("20"));
    below_high["valueQuantity"]["comparator"] = json!("<");
    assert_eq!(
        flag_of(below_high),
        Some((ResultFlag::Normal, FlagBasis::ReferenceRange))
    );
}

#[test]
fn population_ranges_decide_only_when_they_agree() {
    let range = |l: &str, h: &str, who: &str| json!({"low": quantity(l, "g/L"), "high": quantity(h, "g/L"), "appliesTo": [{"text": who}]});
    let agree = json!({"valueQuantity": quantity("100", "g/L"), "referenceRange": [range("115", "165", "Female"), range("130", "180", "Male")]});
    assert_eq!(
        flag_of(agree),
        Some((ResultFlag::Low, FlagBasis::ReferenceRange))
    );
    let differ = json!({"valueQuantity": quantity("120", "g/L"), "referenceRange": [range("115", "165", "Female"), range("130", "180", "Male")]});
    assert_eq!(flag_of(differ), None);
    let general_first = json!({"valueQuantity": quantity("120", "g/L"), "referenceRange": [range("130", "180", "Male"), {"low": quantity("115", "g/L"), "high": quantity("165", "g/L")}]});
    assert_eq!(
        flag_of(general_first),
        Some((ResultFlag::Normal, FlagBasis::ReferenceRange))
    );
}

#[test]
fn coded_values_say_detected() {
    let obs = json!({"valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260373001", "display": "Detected"}]}});
    let got = flag_of(obs);
    assert_eq!(got, Some((ResultFlag::Detected, FlagBasis::CodedValue)));
    assert_eq!(ResultFlag::Detected.abnormal(), None);
    let words = json!({"valueCodeableConcept": {"text": "Not detected"}});
    assert_eq!(
        flag_of(words),
        Some((ResultFlag::NotDetected, FlagBasis::CodedValue))
    );
}

#[test]
fn a_panel_takes_its_worst_component_interpretation() {
    let obs = json!({"component": [
        {"code": {"text": "Systolic"}, "interpretation": [{"coding": [{"code": "N"}]}]},
        {"code": {"text": "Diastolic"}, "interpretation": [{"coding": [{"code": "H"}]}]}
    ]});
    assert_eq!(
        flag_of(obs),
        Some((ResultFlag::High, FlagBasis::Interpretation))
    );
}

fn flag_for(obs: serde_json::Value, who: Who<'_>) -> Option<(ResultFlag, FlagBasis)> {
    let mut obs = obs;
    obs["resourceType"] = json!("Observation");
    let text = obs.to_string();
    match serde_json::from_str::<Resource>(&text) {
        Ok(Resource::Observation(o)) => of(&o, who),
        _ => panic!("not an observation"),
    }
}

#[test]
fn the_range_for_the_patients_sex_and_age_decides() {
    let sexed = |l: &str, h: &str, code: &str| {
        json!({"low": quantity(l, "g/L"), "high": quantity(h, "g/L"),
            "appliesTo": [{"coding": [{"system": "http://snomed.info/sct", "code": code}]}]})
    };
    let obs = json!({"valueQuantity": quantity("120", "g/L"),
        "referenceRange": [sexed("115", "165", "248152002"), sexed("130", "180", "248153007")]});
    let woman = Who {
        sex: Some("female"),
        age_years: Some(50),
    };
    let man = Who {
        sex: Some("male"),
        age_years: Some(50),
    };
    assert_eq!(
        flag_for(obs.clone(), woman),
        Some((ResultFlag::Normal, FlagBasis::ReferenceRange))
    );
    assert_eq!(
        flag_for(obs.clone(), man),
        Some((ResultFlag::Low, FlagBasis::ReferenceRange))
    );
    assert_eq!(
        flag_for(obs, Who::default()),
        None,
        "sex unknown: the ranges disagree"
    );
    let aged = json!({"valueQuantity": quantity("7", "mmol/L"), "referenceRange": [
        {"high": quantity("6", "mmol/L"), "age": {"low": {"value": 0, "unit": "years", "code": "a"}, "high": {"value": 17, "unit": "years", "code": "a"}}},
        {"high": quantity("8", "mmol/L"), "age": {"low": {"value": 18, "unit": "years", "code": "a"}}}
    ]});
    let child = Who {
        sex: None,
        age_years: Some(10),
    };
    let adult = Who {
        sex: None,
        age_years: Some(40),
    };
    assert_eq!(
        flag_for(aged.clone(), child),
        Some((ResultFlag::High, FlagBasis::ReferenceRange))
    );
    assert_eq!(
        flag_for(aged, adult),
        Some((ResultFlag::Normal, FlagBasis::ReferenceRange))
    );
}
