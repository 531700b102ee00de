//! Turning FHIR data types into the record's plain values: terms, codes, names, dates.

use crate::fhir::datatypes::{
    Address, CodeableConcept, Coding, ContactPoint, Dosage, Extension, HumanName, Quantity, Range,
};
use crate::fhir::lenient::{Many, Str};
use crate::model::{Code, FhirDate, PersonName, Telecom, normalise_system, normalised_system};

/// Text of an optional primitive.
pub(super) fn s(v: &Option<Str<'_>>) -> Option<String> {
    text(v).map(str::to_owned)
}

/// Text of an optional primitive, borrowed: trimmed, `None` when empty.
pub(super) fn text<'v>(v: &'v Option<Str<'_>>) -> Option<&'v str> {
    v.as_ref()
        .map(|x| x.as_str().trim())
        .filter(|x| !x.is_empty())
}

/// A date as recorded: parsed when it is a FHIR date, otherwise kept as given and marked
/// not valid (never dropped, padded, guessed or replaced by another date).
pub(super) fn date(v: &Option<Str<'_>>) -> Option<FhirDate> {
    v.as_ref().and_then(|x| FhirDate::read(x.as_str()))
}

/// The SNOMED description extension, under either URL and either spelling
/// (`descriptionId`/`DescriptionID`, `descriptionDisplay`/`DescriptionDisplay`).
fn description<'c>(coding: &'c Coding<'_>) -> (Option<&'c str>, Option<&'c str>) {
    let Some(ext) = coding
        .extension
        .iter()
        .find(|e| e.is("Extension-coding-sctdescid"))
    else {
        return (None, None);
    };
    let sub = |name: &str| {
        ext.extension
            .iter()
            .find(|e| e.is(name))
            .and_then(Extension::value_text)
    };
    (sub("descriptionId"), sub("descriptionDisplay"))
}

/// The words of one coding: its chosen description's term, else its display.
fn display_of<'c>(coding: &'c Coding<'_>) -> Option<&'c str> {
    description(coding).1.or_else(|| text(&coding.display))
}

/// One coding as a record code.
pub(super) fn code_of(coding: &Coding<'_>) -> Code {
    let (description_id, _) = description(coding);
    Code {
        system: coding.system.as_ref().map(|x| normalise_system(x.as_str())),
        code: s(&coding.code),
        display: display_of(coding).map(str::to_owned),
        description_id: description_id.map(str::to_owned),
    }
}

/// The main coding of a concept: SNOMED CT first, then dm+d, then the first with a code.
fn primary_coding<'c>(concept: &'c CodeableConcept<'_>) -> Option<&'c Coding<'c>> {
    let pick = |sys: &str| {
        concept.coding.iter().find(|c| {
            c.system
                .as_ref()
                .is_some_and(|x| normalised_system(x.as_str()) == sys)
                && text(&c.code).is_some()
        })
    };
    pick(crate::model::SNOMED)
        .or_else(|| pick(crate::model::DMD))
        .or_else(|| concept.coding.iter().find(|c| text(&c.code).is_some()))
}

/// The main code of a concept: SNOMED CT first, then dm+d, then the first with a code.
pub(super) fn primary_code(concept: &CodeableConcept<'_>) -> Option<Code> {
    primary_coding(concept).map(code_of)
}

/// The words a clinician reads for a concept: its text, else the chosen term of its main
/// coding, else any display, else the bare code.
pub(super) fn term(concept: &CodeableConcept<'_>) -> Option<String> {
    text(&concept.text)
        .or_else(|| primary_coding(concept).and_then(display_of))
        .or_else(|| concept.coding.iter().find_map(|c| text(&c.display)))
        .or_else(|| concept.coding.iter().find_map(|c| text(&c.code)))
        .map(str::to_owned)
}

/// Terms of several concepts.
pub(super) fn terms(concepts: &Many<CodeableConcept<'_>>) -> Vec<String> {
    concepts.iter().filter_map(term).collect()
}

/// A person's name as recorded (the official one first).
pub(super) fn person_name(names: &Many<HumanName<'_>>) -> PersonName {
    let chosen = names
        .iter()
        .find(|n| n.use_.as_ref().is_some_and(|u| u.as_str() == "official"))
        .or_else(|| names.first());
    let Some(n) = chosen else {
        return PersonName::default();
    };
    let list = |m: &Many<Str<'_>>| -> Vec<String> {
        m.iter()
            .map(|x| x.as_str().trim().to_owned())
            .filter(|x| !x.is_empty())
            .collect()
    };
    let family = list(&n.family);
    PersonName {
        family: (!family.is_empty()).then(|| family.join(" ")),
        given: list(&n.given),
        prefix: list(&n.prefix),
        text: s(&n.text),
    }
}

/// Contact points with a value.
pub(super) fn telecoms(points: &Many<ContactPoint<'_>>) -> Vec<Telecom> {
    points
        .iter()
        .filter_map(|p| {
            Some(Telecom {
                system: s(&p.system),
                value: s(&p.value)?,
                use_: s(&p.use_),
            })
        })
        .collect()
}

/// An address on one line.
pub(super) fn address_line(a: &Address<'_>) -> Option<String> {
    if let Some(text) = s(&a.text) {
        return Some(text);
    }
    let parts: Vec<String> = a
        .line
        .iter()
        .map(|l| l.as_str().trim().to_owned())
        .chain(
            [s(&a.city), s(&a.district), s(&a.postal_code)]
                .into_iter()
                .flatten(),
        )
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A quantity as `value unit`, the value exactly as sent.
pub(super) fn quantity(q: &Quantity<'_>) -> Option<String> {
    let value = q.value.as_ref().and_then(|d| d.shown())?;
    let comparator = q.comparator.as_ref().map_or("", |c| c.as_str());
    let unit = s(&q.unit).or_else(|| s(&q.code));
    Some(match unit {
        Some(u) => format!("{comparator}{value} {u}"),
        None => format!("{comparator}{value}"),
    })
}

/// A range as `low-high` (values as sent), or its text.
pub(super) fn range<'a>(r: &Range<'a>) -> Option<String> {
    range_parts(&r.low, &r.high, &r.text)
}

/// A range from its parts as `low-high` (values as sent), or its text.
pub(super) fn range_parts<'a>(
    low: &Option<Quantity<'a>>,
    high: &Option<Quantity<'a>>,
    text: &Option<Str<'a>>,
) -> Option<String> {
    fn v<'a>(q: &Option<Quantity<'a>>) -> Option<&'a str> {
        q.as_ref()
            .and_then(|q| q.value.as_ref())
            .and_then(|d| d.text())
    }
    match (v(low), v(high)) {
        (Some(l), Some(h)) => Some(format!("{l}-{h}")),
        (Some(l), None) => Some(format!(">={l}")),
        (None, Some(h)) => Some(format!("<={h}")),
        (None, None) => s(text),
    }
}

/// Dosage instructions: each dosage as written when its text says something in words,
/// else read from its structure (dose, route, how often, for how long, as required), with
/// the patient's own instruction after it when that differs.
pub(super) fn dosage(doses: &Many<Dosage<'_>>) -> Option<String> {
    let lines: Vec<String> = doses.iter().filter_map(dosage_line).collect();
    (!lines.is_empty()).then(|| lines.join("; "))
}

fn dosage_line(d: &Dosage<'_>) -> Option<String> {
    let text = s(&d.text).filter(|t| t.chars().any(char::is_alphabetic));
    let structured = structured_dosage(d);
    let mut line = match (text, structured) {
        (Some(t), _) => t,
        (None, Some(st)) => st,
        // A bare number (`1`) with nothing to say what it counts is still what was sent.
        (None, None) => s(&d.text)?,
    };
    if let Some(pi) = s(&d.patient_instruction).filter(|p| !line.contains(p.as_str())) {
        line.push_str(&format!(" ({pi})"));
    }
    Some(line)
}

/// `2 doses, inhalation, four times daily, when required for wheezing, for 7 days`.
fn structured_dosage(d: &Dosage<'_>) -> Option<String> {
    let dose = d
        .dose_quantity
        .as_ref()
        .or_else(|| {
            d.dose_and_rate
                .iter()
                .find_map(|r| r.dose_quantity.as_ref())
        })
        .and_then(quantity)
        .or_else(|| {
            d.dose_range
                .as_ref()
                .or_else(|| d.dose_and_rate.iter().find_map(|r| r.dose_range.as_ref()))
                .and_then(|r| {
                    let unit = [&r.low, &r.high]
                        .into_iter()
                        .flatten()
                        .find_map(|q| s(&q.unit).or_else(|| s(&q.code)));
                    let text = range(r)?;
                    Some(match unit {
                        Some(u) => format!("{text} {u}"),
                        None => text,
                    })
                })
        });
    let route = d.route.as_ref().and_then(term);
    let timing = d.timing.as_ref();
    let repeat = timing.and_then(|t| t.repeat.as_ref());
    let how_often = repeat
        .and_then(frequency_words)
        .or_else(|| timing.and_then(|t| t.code.as_ref()).and_then(term));
    let when: Vec<&str> = repeat
        .map(|r| {
            r.when
                .iter()
                .filter_map(|w| when_words(w.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let as_needed = match (&d.as_needed_codeable_concept, &d.as_needed_boolean) {
        (Some(c), _) => Some(match term(c) {
            Some(why) => format!("when required for {why}"),
            None => "when required".to_owned(),
        }),
        (None, Some(b)) if b.as_str() == "true" => Some("when required".to_owned()),
        _ => None,
    };
    let bounds = repeat
        .and_then(|r| r.bounds_duration.as_ref())
        .and_then(|q| {
            let v = q.value.as_ref()?.text()?;
            let unit = s(&q.code)
                .and_then(|c| period_unit_words(&c, v != "1"))
                .or_else(|| s(&q.unit))?;
            Some(format!("for {v} {unit}"))
        });
    let mut parts: Vec<String> = [dose, route, how_often].into_iter().flatten().collect();
    if !when.is_empty() {
        parts.push(when.join(" and "));
    }
    parts.extend(as_needed);
    parts.extend(bounds);
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `frequency` times every `period` `periodUnit`: `twice daily`, `every 4 hours`.
fn frequency_words(r: &crate::fhir::datatypes::TimingRepeat<'_>) -> Option<String> {
    let f: u32 = s(&r.frequency).and_then(|f| f.parse().ok()).unwrap_or(1);
    let period = s(&r.period)?;
    let unit = s(&r.period_unit)?;
    let times = match f {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        3 => "three times".to_owned(),
        4 => "four times".to_owned(),
        n => format!("{n} times"),
    };
    let per = match (period.as_str(), unit.as_str()) {
        ("1", "d") => "daily".to_owned(),
        ("1", "wk") => "weekly".to_owned(),
        ("1", "mo") => "monthly".to_owned(),
        ("1", "h") => "an hour".to_owned(),
        ("1", u) => format!("a {}", period_unit_words(u, false)?),
        (p, u) => format!("every {p} {}", period_unit_words(u, true)?),
    };
    Some(if f == 1 && per.starts_with("every") {
        per
    } else {
        format!("{times} {per}")
    })
}

fn period_unit_words(unit: &str, plural: bool) -> Option<String> {
    let word = match unit {
        "s" => "second",
        "min" => "minute",
        "h" => "hour",
        "d" => "day",
        "wk" => "week",
        "mo" => "month",
        "a" => "year",
        _ => return None,
    };
    Some(if plural {
        format!("{word}s")
    } else {
        word.to_owned()
    })
}

/// HL7 event timing codes in words.
fn when_words(code: &str) -> Option<&'static str> {
    Some(match code {
        "MORN" => "in the morning",
        "AFT" => "in the afternoon",
        "EVE" => "in the evening",
        "NIGHT" => "at night",
        "HS" => "at bedtime",
        "WAKE" => "on waking",
        "C" => "with meals",
        "CM" => "with breakfast",
        "CD" => "with lunch",
        "CV" => "with the evening meal",
        "AC" => "before meals",
        "ACM" => "before breakfast",
        "ACD" => "before lunch",
        "ACV" => "before the evening meal",
        "PC" => "after meals",
        "PCM" => "after breakfast",
        "PCD" => "after lunch",
        "PCV" => "after the evening meal",
        _ => return None,
    })
}

/// Notes (`Annotation.text`) as lines.
pub(super) fn notes(annotations: &Many<crate::fhir::datatypes::Annotation<'_>>) -> Vec<String> {
    annotations.iter().filter_map(|a| s(&a.text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concept(json: &str) -> CodeableConcept<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn both_spellings_of_the_snomed_description_extension_are_read() {
        let nhs = concept(
            r#"{"coding":[{"system":"http://snomed.info/sct","code":"195967001","display":"Asthma",
            "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-coding-sctdescid",
            "extension":[{"url":"descriptionId","valueId":"301485011"},{"url":"descriptionDisplay","valueString":"Asthma (disorder) term"}]}]}]}"#,
        );
        let hl7 = concept(
            r#"{"coding":[{"system":"http://snomed.info/sct","code":"195967001","display":"Asthma",
            "extension":[{"url":"https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-coding-sctdescid",
            "extension":[{"url":"DescriptionID","valueId":"301485011"},{"url":"DescriptionDisplay","valueString":"Asthma (disorder) term"}]}]}]}"#,
        );
        for c in [nhs, hl7] {
            let code = primary_code(&c).unwrap();
            assert_eq!(code.description_id.as_deref(), Some("301485011"));
            assert_eq!(code.display.as_deref(), Some("Asthma (disorder) term"));
            assert_eq!(term(&c).as_deref(), Some("Asthma (disorder) term"));
        }
    }

    #[test]
    fn snomed_is_preferred_and_dmd_spellings_agree() {
        let c = concept(
            r#"{"coding":[{"system":"http://read.info/readv2","code":"H33..","display":"Asthma"},
            {"system":"http://snomed.info/sct","code":"195967001","display":"Asthma"}]}"#,
        );
        assert_eq!(primary_code(&c).unwrap().code.as_deref(), Some("195967001"));
        let a = primary_code(&concept(
            r#"{"coding":[{"system":"https://dmd.nhs.uk/","code":"1"}]}"#,
        ));
        let b = primary_code(&concept(
            r#"{"coding":[{"system":"https://dmd.nhs.uk","code":"1"}]}"#,
        ));
        assert_eq!(a, b);
    }

    #[test]
    fn quantities_keep_the_value_as_sent() {
        let q: Quantity = serde_json::from_str(r#"{"value":4.0,"unit":"mmol/L"}"#).unwrap();
        assert_eq!(quantity(&q).as_deref(), Some("4.0 mmol/L"));
        let r: Range =
            serde_json::from_str(r#"{"low":{"value":3.50},"high":{"value":5.3}}"#).unwrap();
        assert_eq!(range(&r).as_deref(), Some("3.50-5.3"));
    }
}
