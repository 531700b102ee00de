//! One FHIR R4 resource (or a few: a medication statement and its `Medication`, a report
//! and its result `Observation`s) per item the viewer may see, in UK Core / IPS shape.
//!
//! Only what the item says is written. Where FHIR requires an element the record does not
//! carry, the resource's own "not known" code is used (`unknown` statuses, an
//! `occurrenceString` of "Not recorded"), never a guess; where a required element has no
//! such code (an appointment participant's status), the choice is the one that claims
//! least and is named in `appointment.rs`. Codes are written as the source sent them, with
//! the title the clinician saw as `text`.

mod appointment;
mod medication;
mod results;

use serde_json::{Map, Value, json};

use crate::model::{AllergyStatus, Code, Detail, Entry, FhirDate, TeamMember, Telecom};

/// A resource made from an item: its key (for its id) and its JSON.
pub(in crate::ips) struct Made {
    pub(in crate::ips) key: String,
    pub(in crate::ips) resource: Value,
}

/// What every resource refers to.
pub(in crate::ips) struct Refs<'a> {
    /// `urn:uuid:` of the Patient.
    pub(in crate::ips) patient: &'a str,
    /// The id a key gets.
    pub(in crate::ips) id: &'a dyn Fn(&str) -> String,
}

impl Refs<'_> {
    pub(super) fn subject(&self) -> Value {
        json!({ "reference": self.patient })
    }
}

/// A CodeableConcept: the item's coding (when it has a code) and the words shown.
pub(in crate::ips) fn concept(code: Option<&Code>, text: &str) -> Value {
    let mut c = Map::new();
    if let Some(code) = code.filter(|c| c.code.is_some()) {
        let mut coding = Map::new();
        if let Some(s) = &code.system {
            coding.insert("system".into(), json!(s));
        }
        if let Some(v) = &code.code {
            coding.insert("code".into(), json!(v));
        }
        if let Some(d) = &code.display {
            coding.insert("display".into(), json!(d));
        }
        c.insert("coding".into(), json!([coding]));
    }
    c.insert("text".into(), json!(text));
    Value::Object(c)
}

/// Words as a CodeableConcept with text only.
pub(super) fn text(words: &str) -> Value {
    json!({ "text": words })
}

/// A date as FHIR `dateTime`: the date as recorded when FHIR accepts it; a time without
/// seconds (`11:42+01:00`, which some suppliers send) gets `:00`; a time without its zone,
/// which FHIR does not allow, leaves the day.
pub(in crate::ips) fn date_time(d: &FhirDate) -> Option<String> {
    if !d.is_valid() {
        return None;
    }
    let s = d.as_str();
    let Some((day, time)) = s.split_once('T') else {
        return Some(s.to_owned());
    };
    let Some(zone_at) = time.find(['Z', '+', '-']) else {
        return Some(day.to_owned());
    };
    let (clock, zone) = time.split_at(zone_at);
    let zone_ok = zone == "Z"
        || (zone.len() == 6
            && zone.as_bytes().get(3) == Some(&b':')
            && zone[1..].bytes().filter(u8::is_ascii_digit).count() == 4);
    let digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
    let mut parts = clock.splitn(3, ':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next());
    if !zone_ok || !digits(h) || !digits(m) {
        return Some(day.to_owned());
    }
    match sec {
        None => Some(format!("{day}T{h}:{m}:00{zone}")),
        Some(sec) => {
            let (whole, fraction) = sec.split_once('.').unwrap_or((sec, ""));
            let fraction_ok = fraction.is_empty()
                || (fraction.len() <= 9 && fraction.bytes().all(|b| b.is_ascii_digit()));
            if digits(whole) && fraction_ok && !(sec.ends_with('.')) {
                Some(s.to_owned())
            } else {
                Some(day.to_owned())
            }
        }
    }
}

/// A status the resource allows, else `fallback`.
pub(super) fn status_in(status: Option<&str>, allowed: &[&str], fallback: &str) -> String {
    status
        .filter(|s| allowed.contains(s))
        .unwrap_or(fallback)
        .to_owned()
}

pub(super) fn notes(e: &Entry, extra: Vec<String>) -> Option<Value> {
    let all: Vec<Value> = e
        .notes
        .iter()
        .cloned()
        .chain(extra)
        .map(|t| json!({ "text": t }))
        .collect();
    (!all.is_empty()).then_some(Value::Array(all))
}

pub(in crate::ips) fn telecom_of(t: &[Telecom]) -> Value {
    Value::Array(
        t.iter()
            .map(|t| {
                let mut m = Map::new();
                if let Some(s) = t.system.as_deref().filter(|s| {
                    ["phone", "fax", "email", "pager", "url", "sms", "other"].contains(s)
                }) {
                    m.insert("system".into(), json!(s));
                }
                m.insert("value".into(), json!(t.value));
                if let Some(u) = t
                    .use_
                    .as_deref()
                    .filter(|u| ["home", "work", "temp", "old", "mobile"].contains(u))
                {
                    m.insert("use".into(), json!(u));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// Inserts `key` when `value` is present.
pub(super) fn put(m: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        m.insert(key.to_owned(), v);
    }
}

pub(super) fn start(m: &mut Map<String, Value>, resource_type: &str, id: String) {
    m.insert("resourceType".into(), json!(resource_type));
    m.insert("id".into(), json!(id));
}

/// The resources of one item.
pub(in crate::ips) fn of(e: &Entry, refs: &Refs<'_>) -> Vec<Made> {
    let id = (refs.id)(&e.id);
    let mut m = Map::new();
    let code = concept(e.code.as_ref(), &e.title);
    let on = e.date.as_ref().and_then(date_time);
    let end = e.end_date.as_ref().and_then(date_time);
    let mut extra = Vec::new();
    match &e.detail {
        Detail::Alert { category } => {
            start(&mut m, "Flag", id);
            m.insert(
                "status".into(),
                json!(if end.is_some() { "inactive" } else { "active" }),
            );
            put(
                &mut m,
                "category",
                category.as_deref().map(|c| json!([text(c)])),
            );
            m.insert("code".into(), code);
            m.insert("subject".into(), refs.subject());
            if on.is_some() || end.is_some() {
                let mut p = Map::new();
                put(&mut p, "start", on.map(Value::from));
                put(&mut p, "end", end.map(Value::from));
                m.insert("period".into(), Value::Object(p));
            }
        }
        Detail::Allergy {
            clinical_status,
            criticality,
            category,
            reactions,
            end_reason,
        } => {
            start(&mut m, "AllergyIntolerance", id);
            let status = match clinical_status {
                AllergyStatus::Active => Some("active"),
                AllergyStatus::Resolved => Some("resolved"),
                _ => None,
            };
            put(&mut m, "clinicalStatus", status.map(|s| json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": s}]})));
            let categories: Vec<&String> = category
                .iter()
                .filter(|c| ["food", "medication", "environment", "biologic"].contains(&c.as_str()))
                .collect();
            if !categories.is_empty() {
                m.insert("category".into(), json!(categories));
            }
            put(
                &mut m,
                "criticality",
                criticality
                    .as_deref()
                    .filter(|c| ["low", "high", "unable-to-assess"].contains(c))
                    .map(Value::from),
            );
            m.insert("code".into(), code);
            m.insert("patient".into(), refs.subject());
            put(&mut m, "onsetDateTime", on.map(Value::from));
            put(
                &mut m,
                "recordedDate",
                e.recorded.as_ref().and_then(date_time).map(Value::from),
            );
            let reactions: Vec<Value> = reactions
                .iter()
                .map(|r| {
                    let mut x = Map::new();
                    let said: Vec<Value> = if r.manifestations.is_empty() {
                        vec![text(r.description.as_deref().unwrap_or("Reaction"))]
                    } else {
                        r.manifestations.iter().map(|w| text(w)).collect()
                    };
                    x.insert("manifestation".into(), Value::Array(said));
                    put(
                        &mut x,
                        "description",
                        r.description.clone().map(Value::from),
                    );
                    put(
                        &mut x,
                        "onset",
                        r.onset.as_ref().and_then(date_time).map(Value::from),
                    );
                    put(
                        &mut x,
                        "severity",
                        r.severity
                            .as_deref()
                            .filter(|s| ["mild", "moderate", "severe"].contains(s))
                            .map(Value::from),
                    );
                    Value::Object(x)
                })
                .collect();
            if !reactions.is_empty() {
                m.insert("reaction".into(), Value::Array(reactions));
            }
            if let Some(r) = end_reason {
                extra.push(format!("Ended: {r}"));
            }
        }
        Detail::Medication(med) => {
            return medication::medication(e, med, refs, id, code, on, end);
        }
        Detail::Problem {
            clinical_status,
            significance,
            verification,
        } => {
            start(&mut m, "Condition", id);
            let status = clinical_status
                .as_deref()
                .or(e.status.as_deref())
                .filter(|s| {
                    [
                        "active",
                        "recurrence",
                        "relapse",
                        "inactive",
                        "remission",
                        "resolved",
                    ]
                    .contains(s)
                });
            let abated_status =
                status.is_some_and(|s| ["inactive", "remission", "resolved"].contains(&s));
            put(&mut m, "clinicalStatus", status.map(|s| json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": s}]})));
            put(
                &mut m,
                "verificationStatus",
                verification
                    .as_deref()
                    .filter(|v| ["unconfirmed", "provisional", "differential", "confirmed", "refuted"].contains(v))
                    .map(|v| json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": v}]})),
            );
            m.insert("category".into(), json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}]));
            put(
                &mut m,
                "severity",
                significance
                    .as_deref()
                    .map(|s| text(&format!("{s} problem"))),
            );
            m.insert("code".into(), code);
            m.insert("subject".into(), refs.subject());
            put(&mut m, "onsetDateTime", on.map(Value::from));
            // FHIR allows an end only on a condition that is not current (con-4): the
            // source's end of a current problem is kept as a note, not dropped.
            match (end, abated_status) {
                (Some(end), true) => {
                    m.insert("abatementDateTime".into(), json!(end));
                }
                (Some(end), false) => extra.push(format!("The source records an end: {end}")),
                (None, _) => {}
            }
            put(
                &mut m,
                "recordedDate",
                e.recorded.as_ref().and_then(date_time).map(Value::from),
            );
        }
        Detail::Investigation {
            category,
            results,
            conclusion,
        } => {
            return results::investigation(
                e,
                refs,
                id,
                code,
                on,
                category.as_deref(),
                results,
                conclusion.as_deref(),
            );
        }
        Detail::Observation { result } => {
            let status = status_in(e.status.as_deref(), &results::OBSERVATION_STATUS, "unknown");
            let mut o = results::observation(result, code, &status, refs, id, on);
            if let (Some(o), Some(n)) = (o.as_object_mut(), notes(e, Vec::new())) {
                o.insert("note".into(), n);
            }
            return vec![Made {
                key: e.id.clone(),
                resource: o,
            }];
        }
        Detail::Immunisation {
            dose,
            not_given,
            batch,
            site,
        } => {
            start(&mut m, "Immunization", id);
            m.insert(
                "status".into(),
                json!(if *not_given { "not-done" } else { "completed" }),
            );
            m.insert("vaccineCode".into(), code);
            m.insert("patient".into(), refs.subject());
            match on {
                Some(d) => m.insert("occurrenceDateTime".into(), json!(d)),
                None => m.insert("occurrenceString".into(), json!("Not recorded")),
            };
            put(&mut m, "lotNumber", batch.clone().map(Value::from));
            put(&mut m, "site", site.as_deref().map(text));
            put(
                &mut m,
                "protocolApplied",
                dose.as_deref().map(|d| json!([{"doseNumberString": d}])),
            );
        }
        Detail::Encounter {
            class,
            participants,
            location,
            reasons,
            discharge,
        } => {
            start(&mut m, "Encounter", id);
            m.insert(
                "status".into(),
                json!(status_in(
                    e.status.as_deref(),
                    &[
                        "planned",
                        "arrived",
                        "triaged",
                        "in-progress",
                        "onleave",
                        "finished",
                        "cancelled"
                    ],
                    "unknown"
                )),
            );
            m.insert(
                "class".into(),
                match class {
                    Some(c) => json!({ "display": c }),
                    None => json!({"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK", "display": "unknown"}),
                },
            );
            m.insert("type".into(), json!([code]));
            m.insert("subject".into(), refs.subject());
            let people: Vec<Value> = participants
                .iter()
                .map(|p| json!({ "individual": { "display": p } }))
                .collect();
            if !people.is_empty() {
                m.insert("participant".into(), Value::Array(people));
            }
            period(&mut m, "period", on, end);
            if !reasons.is_empty() {
                m.insert(
                    "reasonCode".into(),
                    Value::Array(reasons.iter().map(|r| text(r)).collect()),
                );
            }
            put(
                &mut m,
                "hospitalization",
                discharge
                    .as_deref()
                    .map(|d| json!({ "dischargeDisposition": text(d) })),
            );
            put(
                &mut m,
                "location",
                location
                    .as_deref()
                    .map(|l| json!([{ "location": { "display": l } }])),
            );
        }
        Detail::Appointment {
            participants,
            reasons,
        } => {
            return appointment::appointment(e, refs, id, code, on, end, participants, reasons);
        }
        Detail::Referral {
            requester,
            recipients,
            priority,
            reasons,
        } => {
            start(&mut m, "ServiceRequest", id);
            m.insert(
                "status".into(),
                json!(status_in(
                    e.status.as_deref(),
                    &["draft", "active", "on-hold", "revoked", "completed"],
                    "unknown"
                )),
            );
            m.insert("intent".into(), json!("order"));
            put(
                &mut m,
                "priority",
                priority
                    .as_deref()
                    .filter(|p| ["routine", "urgent", "asap", "stat"].contains(p))
                    .map(Value::from),
            );
            m.insert("code".into(), code);
            m.insert("subject".into(), refs.subject());
            put(&mut m, "authoredOn", on.map(Value::from));
            put(
                &mut m,
                "requester",
                requester.as_deref().map(|r| json!({ "display": r })),
            );
            let to: Vec<Value> = recipients.iter().map(|r| json!({ "display": r })).collect();
            if !to.is_empty() {
                m.insert("performer".into(), Value::Array(to));
            }
            if !reasons.is_empty() {
                m.insert(
                    "reasonCode".into(),
                    Value::Array(reasons.iter().map(|r| text(r)).collect()),
                );
            }
        }
        Detail::Procedure {
            performers,
            outcome,
        } => {
            start(&mut m, "Procedure", id);
            m.insert(
                "status".into(),
                json!(status_in(
                    e.status.as_deref(),
                    &[
                        "preparation",
                        "in-progress",
                        "not-done",
                        "on-hold",
                        "stopped",
                        "completed"
                    ],
                    "unknown"
                )),
            );
            m.insert("code".into(), code);
            m.insert("subject".into(), refs.subject());
            match (on, end) {
                (Some(a), None) => {
                    m.insert("performedDateTime".into(), json!(a));
                }
                (a, b) => period(&mut m, "performedPeriod", a, b),
            }
            let by: Vec<Value> = performers
                .iter()
                .map(|p| json!({ "actor": { "display": p } }))
                .collect();
            if !by.is_empty() {
                m.insert("performer".into(), Value::Array(by));
            }
            put(&mut m, "outcome", outcome.as_deref().map(text));
        }
        Detail::Document {
            authors,
            attachments,
        } => {
            start(&mut m, "DocumentReference", id);
            m.insert("status".into(), json!("current"));
            m.insert("type".into(), code);
            m.insert("subject".into(), refs.subject());
            put(
                &mut m,
                "date",
                e.date.as_ref().and_then(instant).map(Value::from),
            );
            let by: Vec<Value> = authors.iter().map(|a| json!({ "display": a })).collect();
            if !by.is_empty() {
                m.insert("author".into(), Value::Array(by));
            }
            m.insert("description".into(), json!(e.title));
            let mut content: Vec<Value> = attachments
                .iter()
                .map(|a| {
                    let mut x = Map::new();
                    put(
                        &mut x,
                        "contentType",
                        a.content_type.clone().map(Value::from),
                    );
                    put(&mut x, "url", a.url.clone().map(Value::from));
                    put(&mut x, "title", a.title.clone().map(Value::from));
                    json!({ "attachment": x })
                })
                .collect();
            if content.is_empty() {
                content.push(json!({ "attachment": { "title": e.title } }));
            }
            m.insert("content".into(), Value::Array(content));
        }
        Detail::CarePlan {
            activities,
            description,
        } => {
            start(&mut m, "CarePlan", id);
            m.insert(
                "status".into(),
                json!(status_in(
                    e.status.as_deref(),
                    &["draft", "active", "on-hold", "revoked", "completed"],
                    "unknown"
                )),
            );
            m.insert("intent".into(), json!("plan"));
            m.insert("category".into(), json!([code]));
            m.insert("title".into(), json!(e.title));
            put(&mut m, "description", description.clone().map(Value::from));
            m.insert("subject".into(), refs.subject());
            period(&mut m, "period", on, end);
            let acts: Vec<Value> = activities
                .iter()
                .map(|a| json!({ "detail": { "status": "unknown", "description": a } }))
                .collect();
            if !acts.is_empty() {
                m.insert("activity".into(), Value::Array(acts));
            }
        }
        Detail::CareTeam { members } => {
            start(&mut m, "CareTeam", id);
            put(
                &mut m,
                "status",
                e.status
                    .as_deref()
                    .filter(|s| ["proposed", "active", "suspended", "inactive"].contains(s))
                    .map(Value::from),
            );
            m.insert("name".into(), json!(e.title));
            m.insert("subject".into(), refs.subject());
            period(&mut m, "period", on, end);
            let people: Vec<Value> = members.iter().map(member).collect();
            if !people.is_empty() {
                m.insert("participant".into(), Value::Array(people));
            }
        }
        Detail::Contact {
            relationship,
            telecom: reach,
        } => {
            start(&mut m, "RelatedPerson", id);
            m.insert("patient".into(), refs.subject());
            if !relationship.is_empty() {
                m.insert(
                    "relationship".into(),
                    Value::Array(relationship.iter().map(|r| text(r)).collect()),
                );
            }
            m.insert("name".into(), json!([{ "text": e.title }]));
            if !reach.is_empty() {
                m.insert("telecom".into(), telecom_of(reach));
            }
        }
    }
    put(&mut m, "note", notes(e, extra));
    vec![Made {
        key: e.id.clone(),
        resource: Value::Object(m),
    }]
}

fn member(t: &TeamMember) -> Value {
    let mut p = Map::new();
    put(&mut p, "role", t.role.as_deref().map(|r| json!([text(r)])));
    p.insert("member".into(), json!({ "display": t.name }));
    put(
        &mut p,
        "onBehalfOf",
        t.organisation.as_deref().map(|o| json!({ "display": o })),
    );
    Value::Object(p)
}

/// A FHIR `instant` (a date and time with its zone, to the second), when the date is one.
pub(super) fn instant(d: &FhirDate) -> Option<String> {
    let s = date_time(d)?;
    let (_, time) = s.split_once('T')?;
    (time.len() >= 8).then_some(s)
}

pub(super) fn period(
    m: &mut Map<String, Value>,
    key: &str,
    from: Option<String>,
    to: Option<String>,
) {
    if from.is_none() && to.is_none() {
        return;
    }
    let mut p = Map::new();
    put(&mut p, "start", from.map(Value::from));
    put(&mut p, "end", to.map(Value::from));
    m.insert(key.to_owned(), Value::Object(p));
}
