//! The filtered view as a FHIR R4 document: an International Patient Summary (IPS) that
//! carries only what the viewer may see, and says what was withheld without saying what
//! it was.
//!
//! A professional keeps what they saw (attached to their own record at a transfer of
//! care, handed to the next system); the FHIR world exchanges patient summaries as IPS
//! documents (`Patient/$summary`). [`document`] is built from a [`PatientSummary`], the
//! output of an audited access decision, never from the record: nothing withheld is in
//! its input, so nothing withheld can be in its output (no text, reference, identifier or
//! contained resource). `Session::summary_fhir` is the public way in.
//!
//! The Bundle (`type` `document`): a `Composition` (LOINC 60591-5, "Patient summary
//! Document") with the IPS sections the record has, each with its LOINC code and a
//! narrative generated after filtering; the `Patient`; a `Device` (the SDK) acting for the
//! viewer's `Organization` as author (no attester); one resource per item shown; an
//! `Organization` and a `Provenance` per source, naming the resources it contributed (a
//! merged item is a target of each of its sources' Provenance). A section with withheld
//! items carries `emptyReason` `withheld` when all of it was withheld, or the count and
//! reason in its narrative and in the [`WITHHELD_EXTENSION`] extension when some was.
//! Source statuses and warnings are the last section's narrative.
//!
//! Identifiers are stable for the same record and viewer (`ids`), and the Bundle is
//! deterministic apart from its `timestamp`, the Composition's `date` and the
//! Provenances' `recorded`.

mod ids;
mod narrative;
mod resources;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use crate::model::{Entry, Section, SectionNoteKind};
use crate::summary::{PatientSummary, SummarySection};

pub(crate) use ids::Seed;
use resources::{Made, Refs};

/// The extension on a `Composition.section` that counts the items withheld from it, with
/// the reason: `count` (integer) and `reason` (the summary's reason code) per reason.
pub const WITHHELD_EXTENSION: &str =
    "https://example.invalid/icr-sdk/fhir/StructureDefinition/withheld-items";

/// LOINC, the system of the IPS document and section codes.
const LOINC: &str = "http://loinc.org";

/// The NHS number's identifier system.
const NHS_NUMBER: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// The ODS code's identifier system.
const ODS: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// One section of the document: its title, its LOINC code (the IPS one where IPS has the
/// section), the summary sections it holds, and whether IPS requires it.
struct SectionDef {
    title: &'static str,
    loinc: Option<(&'static str, &'static str)>,
    holds: &'static [Section],
    required: bool,
}

/// The document's sections, in IPS order where IPS has them.
const SECTIONS: [SectionDef; 12] = [
    SectionDef {
        title: "Alerts",
        loinc: Some(("104605-1", "Alert")),
        holds: &[Section::Alerts],
        required: false,
    },
    SectionDef {
        title: "Allergies and intolerances",
        loinc: Some(("48765-2", "Allergies and adverse reactions Document")),
        holds: &[Section::Allergies],
        required: true,
    },
    SectionDef {
        title: "Medication summary",
        loinc: Some(("10160-0", "History of Medication use Narrative")),
        holds: &[Section::Medications],
        required: true,
    },
    SectionDef {
        title: "Problem list",
        loinc: Some(("11450-4", "Problem list - Reported")),
        holds: &[Section::Problems],
        required: true,
    },
    SectionDef {
        title: "Results",
        loinc: Some((
            "30954-2",
            "Relevant diagnostic tests/laboratory data Narrative",
        )),
        holds: &[Section::Investigations, Section::Observations],
        required: false,
    },
    SectionDef {
        title: "Immunizations",
        loinc: Some(("11369-6", "History of Immunization Narrative")),
        holds: &[Section::Immunisations],
        required: false,
    },
    SectionDef {
        title: "History of procedures",
        loinc: Some(("47519-4", "History of Procedures Document")),
        holds: &[Section::Procedures],
        required: false,
    },
    SectionDef {
        title: "Encounters",
        loinc: Some((
            "46240-8",
            "History of Hospitalizations+Outpatient visits Narrative",
        )),
        holds: &[Section::Encounters],
        required: false,
    },
    SectionDef {
        title: "Plan of care",
        loinc: Some(("18776-5", "Plan of care note")),
        holds: &[
            Section::CarePlans,
            Section::Appointments,
            Section::Referrals,
        ],
        required: false,
    },
    SectionDef {
        title: "Documents",
        loinc: None,
        holds: &[Section::Documents],
        required: false,
    },
    SectionDef {
        title: "Care team",
        loinc: Some(("85847-2", "Patient Care team information")),
        holds: &[Section::CareTeam],
        required: false,
    },
    SectionDef {
        title: "Contacts",
        loinc: None,
        holds: &[Section::Contacts],
        required: false,
    },
];

/// Who the document is made for, and when.
pub(crate) struct Viewer<'a> {
    /// Every id derives from it.
    pub(crate) seed: Seed,
    /// The viewer's organisation (ODS code): the author acts for it.
    pub(crate) organisation: &'a str,
    /// The viewer's role, for the title.
    pub(crate) role: &'a str,
    /// The moment, FHIR `instant` (`2026-11-25T12:00:00Z`).
    pub(crate) timestamp: String,
}

/// A resource with its `urn:uuid:` full URL.
struct Entered {
    full_url: String,
    resource: Value,
}

fn urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// The IPS document of `summary`, as `viewer` may keep it.
pub(crate) fn document(summary: &PatientSummary, viewer: &Viewer<'_>) -> Value {
    let id = |key: &str| viewer.seed.uuid(key);
    let patient_id = id("patient");
    let patient_ref = urn(&patient_id);
    let refs = Refs {
        patient: &patient_ref,
        id: &id,
    };
    let mut entries: Vec<Entered> = Vec::new();
    let mut sections = Vec::new();
    // Which resources each organisation contributed, by name.
    let mut contributed: Vec<(String, Vec<String>)> = Vec::new();
    for def in &SECTIONS {
        let parts: Vec<&SummarySection> = summary
            .sections
            .iter()
            .filter(|s| def.holds.contains(&s.key))
            .collect();
        let items: Vec<&Entry> = parts.iter().flat_map(|s| s.items.iter()).collect();
        let mut refs_out = Vec::new();
        for e in &items {
            let made: Vec<Made> = resources::of(e, &refs);
            for (at, m) in made.into_iter().enumerate() {
                let full_url = urn(&id(&m.key));
                if at == 0 {
                    refs_out.push(json!({ "reference": full_url }));
                    for p in &e.provenance {
                        let name = &p.organisation.name;
                        match contributed.iter_mut().find(|(n, _)| n == name) {
                            Some((_, list)) => list.push(full_url.clone()),
                            None => contributed.push((name.clone(), vec![full_url.clone()])),
                        }
                    }
                }
                entries.push(Entered {
                    full_url,
                    resource: m.resource,
                });
            }
        }
        if let Some(section) = section(def, &parts, &items, refs_out, summary) {
            sections.push(section);
        }
    }
    sections.push(sources_section(summary));

    let device_id = id("device");
    let viewer_org_id = id("organisation:viewer");
    let mut head = vec![
        Entered {
            full_url: patient_ref.clone(),
            resource: patient(summary, &patient_id),
        },
        Entered {
            full_url: urn(&device_id),
            resource: json!({
                "resourceType": "Device",
                "id": device_id,
                "deviceName": [{ "name": format!("ICR SDK {}", env!("CARGO_PKG_VERSION")), "type": "user-friendly-name" }],
                "owner": { "reference": urn(&viewer_org_id) }
            }),
        },
        Entered {
            full_url: urn(&viewer_org_id),
            resource: json!({
                "resourceType": "Organization",
                "id": viewer_org_id,
                "identifier": [{ "system": ODS, "value": viewer.organisation }]
            }),
        },
    ];
    // Each source: its Organization and, when it contributed, its Provenance.
    let mut tail = Vec::new();
    for source in &summary.sources {
        let org_id = id(&format!("organisation:{}", source.name));
        let mut org = Map::new();
        org.insert("resourceType".into(), json!("Organization"));
        org.insert("id".into(), json!(org_id));
        if let Some(ods) = &source.ods_code {
            org.insert(
                "identifier".into(),
                json!([{ "system": ODS, "value": ods }]),
            );
        }
        org.insert("name".into(), json!(source.name));
        head.push(Entered {
            full_url: urn(&org_id),
            resource: Value::Object(org),
        });
        if let Some((_, targets)) = contributed.iter().find(|(n, _)| *n == source.name) {
            let prov_id = id(&format!("provenance:{}", source.name));
            tail.push(Entered {
                full_url: urn(&prov_id),
                resource: json!({
                    "resourceType": "Provenance",
                    "id": prov_id,
                    "target": targets.iter().map(|t| json!({ "reference": t })).collect::<Vec<_>>(),
                    "recorded": "",
                    "agent": [{
                        "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "author" }] },
                        "who": { "reference": urn(&org_id), "display": source.name }
                    }]
                }),
            });
        }
    }
    let composition_id = id("composition");
    let restricted = summary
        .patient
        .as_ref()
        .is_some_and(|p| p.contact_details_withheld.is_some());
    let composition = json!({
        "resourceType": "Composition",
        "id": composition_id,
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": { "reference": patient_ref },
        "date": "",
        "author": [{ "reference": urn(&device_id) }],
        "title": format!("Patient summary: the shared care record as seen by a {} user", viewer.role),
        "confidentiality": if restricted { "R" } else { "N" },
        "section": sections
    });
    let mut all = vec![Entered {
        full_url: urn(&composition_id),
        resource: composition,
    }];
    all.extend(head);
    all.extend(entries);
    all.extend(tail);
    let mut entry: Vec<Value> = all
        .into_iter()
        .map(|e| json!({ "fullUrl": e.full_url, "resource": e.resource }))
        .collect();
    entry.iter_mut().for_each(fhir_strings);
    // The identifier covers everything but the moment, so the same view is the same
    // document on any day.
    let content = serde_json::to_string(&entry).unwrap_or_default();
    let bundle_id =
        ids::uuid_of(format!("{}\u{1f}{content}", viewer.seed.uuid("bundle")).as_bytes());
    for e in &mut entry {
        let Some(r) = e.get_mut("resource").and_then(Value::as_object_mut) else {
            continue;
        };
        match r.get("resourceType").and_then(Value::as_str) {
            Some("Composition") => {
                r.insert("date".into(), json!(viewer.timestamp));
            }
            Some("Provenance") => {
                r.insert("recorded".into(), json!(viewer.timestamp));
            }
            _ => {}
        }
    }
    json!({
        "resourceType": "Bundle",
        "id": bundle_id,
        "identifier": { "system": "urn:ietf:rfc:3986", "value": urn(&bundle_id) },
        "type": "document",
        "timestamp": viewer.timestamp,
        "entry": entry
    })
}

/// Makes every string one FHIR can carry: a control character a source sent (other than
/// tab, line feed and carriage return; a supplier's mis-encoded dash or quote) becomes
/// U+FFFD, the replacement character, so the text stays readable and shows where
/// something could not be carried, rather than the document being refused; a string with
/// nothing in it (FHIR has no empty strings) is left out; a `code` loses the spaces
/// around it and runs of them inside (FHIR's `code` allows single spaces only).
fn fhir_strings(v: &mut Value) {
    match v {
        Value::Array(a) => {
            a.retain(|x| !blank(x));
            a.iter_mut().for_each(fhir_strings);
        }
        Value::Object(m) => {
            m.retain(|_, x| !blank(x));
            for (key, x) in m.iter_mut() {
                match x {
                    Value::String(s) if key == "code" => {
                        *s = s.split_whitespace().collect::<Vec<_>>().join(" ");
                    }
                    Value::String(s) if s.chars().any(not_fhir) => {
                        *s = s
                            .chars()
                            .map(|c| if not_fhir(c) { '\u{fffd}' } else { c })
                            .collect();
                    }
                    _ => fhir_strings(x),
                }
            }
        }
        _ => {}
    }
}

/// A string with nothing but spaces in it.
fn blank(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.trim().is_empty())
}

/// A character FHIR's `string` does not allow.
fn not_fhir(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The document's section for `def`, or `None` when it has nothing to say and IPS does not
/// require it.
fn section(
    def: &SectionDef,
    parts: &[&SummarySection],
    items: &[&Entry],
    entries: Vec<Value>,
    summary: &PatientSummary,
) -> Option<Value> {
    let withheld: Vec<&crate::summary::Withheld> =
        parts.iter().flat_map(|s| s.withheld.iter()).collect();
    let statements: Vec<&crate::summary::SectionStatement> =
        parts.iter().flat_map(|s| s.statements.iter()).collect();
    let warnings: Vec<&crate::summary::SectionWarning> =
        parts.iter().flat_map(|s| s.warnings.iter()).collect();
    let folded: i64 = parts
        .iter()
        .flat_map(|s| s.folded.iter())
        .map(|f| f.count)
        .sum();
    if items.is_empty()
        && withheld.is_empty()
        && statements.is_empty()
        && warnings.is_empty()
        && !def.required
    {
        return None;
    }
    let mut s = Map::new();
    s.insert("title".into(), json!(def.title));
    if let Some((code, display)) = def.loinc {
        s.insert(
            "code".into(),
            json!({ "coding": [{ "system": LOINC, "code": code, "display": display }] }),
        );
    }
    s.insert(
        "text".into(),
        json!({
            "status": "generated",
            "div": narrative::section(items, &withheld, &statements, &warnings, folded, summary.empty_section_words())
        }),
    );
    let mut reasons: Vec<(String, i64)> = Vec::new();
    for w in &withheld {
        let code = crate::model::code_of(&w.reason);
        match reasons.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += w.count,
            None => reasons.push((code, w.count)),
        }
    }
    if !reasons.is_empty() {
        s.insert(
            "extension".into(),
            Value::Array(
                reasons
                    .iter()
                    .map(|(reason, count)| {
                        json!({
                            "url": WITHHELD_EXTENSION,
                            "extension": [
                                { "url": "count", "valueInteger": count },
                                { "url": "reason", "valueCode": reason }
                            ]
                        })
                    })
                    .collect(),
            ),
        );
    }
    if entries.is_empty() {
        let reason = if !withheld.is_empty() {
            Some("withheld")
        } else if statements
            .iter()
            .any(|st| st.kind == SectionNoteKind::NilKnown)
        {
            Some("nilknown")
        } else if summary.sources_read() < summary.sources.len() {
            Some("unavailable")
        } else {
            None
        };
        if let Some(code) = reason {
            s.insert(
                "emptyReason".into(),
                json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": code }] }),
            );
        }
    } else {
        s.insert("entry".into(), Value::Array(entries));
    }
    Some(Value::Object(s))
}

/// The last section: every source with its status, how current it is, and its warnings.
fn sources_section(summary: &PatientSummary) -> Value {
    json!({
        "title": "Sources of this summary",
        "text": { "status": "generated", "div": narrative::sources(&summary.sources) }
    })
}

/// The Patient, from the banner: what the viewer was shown of them.
fn patient(summary: &PatientSummary, id: &str) -> Value {
    let mut p = Map::new();
    p.insert("resourceType".into(), json!("Patient"));
    p.insert("id".into(), json!(id));
    let Some(b) = &summary.patient else {
        return Value::Object(p);
    };
    if b.contact_details_withheld.is_some() {
        p.insert(
            "meta".into(),
            json!({ "security": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R" }] }),
        );
    }
    if let Some(n) = &b.nhs_number {
        p.insert(
            "identifier".into(),
            json!([{ "system": NHS_NUMBER, "value": n }]),
        );
    }
    p.insert("name".into(), json!([{ "text": b.name }]));
    if !b.telecom.is_empty() {
        p.insert("telecom".into(), resources::telecom_of(&b.telecom));
    }
    if let Some(g) = b
        .gender
        .as_deref()
        .filter(|g| ["male", "female", "other", "unknown"].contains(g))
    {
        p.insert("gender".into(), json!(g));
    }
    if let Some(d) = b
        .birth_date
        .as_deref()
        .and_then(crate::model::FhirDate::parse)
        .filter(|d| d.is_valid() && !d.as_str().contains('T'))
    {
        p.insert("birthDate".into(), json!(d.as_str()));
    }
    match b.deceased.as_deref() {
        Some("deceased") => {
            p.insert("deceasedBoolean".into(), json!(true));
        }
        Some(d) => match crate::model::FhirDate::parse(d)
            .as_ref()
            .and_then(resources::date_time)
        {
            Some(when) => {
                p.insert("deceasedDateTime".into(), json!(when));
            }
            None => {
                p.insert("deceasedBoolean".into(), json!(true));
            }
        },
        None => {}
    }
    if !b.addresses.is_empty() {
        p.insert(
            "address".into(),
            Value::Array(b.addresses.iter().map(|a| json!({ "text": a })).collect()),
        );
    }
    Value::Object(p)
}
