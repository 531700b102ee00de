//! Items that map one resource to one entry: allergies, problems, immunisations,
//! procedures, alerts, encounters, appointments, referrals, documents, care plans, care
//! teams and contacts.

use crate::fhir::datatypes::find_ext;
use crate::fhir::dispatch::Resource;
use crate::fhir::resources::{
    AllergyIntolerance, Appointment, CarePlan, CareTeam, Condition, DocumentReference, Encounter,
    Flag, Immunization, Procedure, RelatedPerson, Request,
};
use crate::model::{
    AllergyStatus, AttachmentRef, Detail, LabelBasis, MAX_INLINE_TEXT, Reaction, Section,
    SensitiveCategory, Sensitivity, TeamMember,
};

use super::context::{Ctx, Outcome, status_code, status_str};
use super::report::SkipReason;
use super::values::{date, notes, person_name, s, telecoms, term, terms};

/// SNOMED CT concepts that assert the absence of allergies rather than an allergy.
pub(super) const NO_KNOWN_ALLERGY_CODES: [&str; 4] =
    ["716186003", "409137002", "428607008", "429625007"];

/// Inline content that is plain text (`text/plain`, any charset that is UTF-8), decoded,
/// when it fits [`MAX_INLINE_TEXT`]; anything else stays out of the record.
fn inline_text(a: &crate::fhir::datatypes::Attachment<'_>) -> Option<String> {
    use base64::Engine as _;
    let kind = s(&a.content_type)?.to_ascii_lowercase();
    if !kind.starts_with("text/plain") {
        return None;
    }
    let data = a.data.as_ref()?.as_str();
    // Base64 is four characters for three bytes: anything longer cannot fit.
    if data.len() > MAX_INLINE_TEXT / 3 * 4 + 4 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let text = text.trim();
    (!text.is_empty() && text.len() <= MAX_INLINE_TEXT).then(|| text.to_owned())
}

/// A concept that says nothing is known (HL7 null flavours: `NI`, `UNK`, `ASKU`, …)
/// and has no text of its own.
fn is_null_flavour(c: &crate::fhir::datatypes::CodeableConcept<'_>) -> bool {
    c.text.is_none()
        && !c.coding.is_empty()
        && c.coding.iter().all(|x| {
            x.system
                .as_ref()
                .is_some_and(|s| s.as_str().contains("NullFlavor"))
                || x.code.as_ref().is_some_and(|v| {
                    matches!(
                        v.as_str(),
                        "NI" | "UNK" | "ASKU" | "NASK" | "NA" | "NAV" | "MSK" | "OTH"
                    )
                })
        })
}

fn entered_in_error(status: Option<&str>) -> bool {
    status == Some("entered-in-error")
}

/// An allergy, or a "no known allergies" assertion (returned as `Ok(None)` for the
/// caller to record on the section).
pub(super) fn allergy<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    a: &'r AllergyIntolerance<'a>,
) -> Result<Option<crate::model::Entry>, SkipReason> {
    let clinical = status_code(a.clinical_status.as_ref());
    let verification = status_code(a.verification_status.as_ref());
    if entered_in_error(verification.as_deref()) || entered_in_error(clinical.as_deref()) {
        return Err(SkipReason::EnteredInError);
    }
    let code = ctx.code(a.code.as_ref());
    if code
        .as_ref()
        .and_then(|c| c.code.as_deref())
        .is_some_and(|c| NO_KNOWN_ALLERGY_CODES.contains(&c))
    {
        return Ok(None);
    }
    let end = find_ext(
        &a.extension,
        "Extension-CareConnect-GPC-AllergyIntoleranceEnd-1",
    );
    let end_date = end.and_then(|e| {
        e.extension
            .iter()
            .find(|x| x.is("endDate"))
            .and_then(|x| x.value_text().map(str::to_owned))
    });
    let end_reason = end.and_then(|e| {
        e.extension
            .iter()
            .find(|x| x.is("reasonEnded"))
            .and_then(|x| x.value_text().map(str::to_owned))
    });
    let status = match clinical.as_deref() {
        Some("resolved" | "inactive") => AllergyStatus::Resolved,
        _ if end.is_some() => AllergyStatus::Resolved,
        Some("active") => AllergyStatus::Active,
        _ => AllergyStatus::Unknown,
    };
    let organisation = ctx.organisation.name.clone();
    let reactions = a
        .reaction
        .iter()
        .map(|r| Reaction {
            manifestations: r
                .manifestation
                .iter()
                .filter(|m| !is_null_flavour(m))
                .filter_map(term)
                .collect(),
            severity: s(&r.severity),
            onset: date(&r.onset),
            description: s(&r.description),
            recorded_by: vec![organisation.clone()],
        })
        // A reaction whose manifestation is only "no information" still says how severe
        // it was: kept while it says anything at all.
        .filter(|r| {
            !r.manifestations.is_empty()
                || r.description.is_some()
                || r.severity.is_some()
                || r.onset.is_some()
        })
        .collect();
    let recorder = a.recorder.as_ref().or(a.asserter.as_ref());
    let recorded_by = recorder.and_then(|r| ctx.name_of(r, res, "recorder"));
    let title = a.code.as_ref().and_then(term);
    let mut e = ctx.entry(
        res,
        Section::Allergies,
        title,
        code,
        Detail::Allergy {
            clinical_status: status,
            criticality: s(&a.criticality),
            category: a.category.iter().map(|c| c.as_str().to_owned()).collect(),
            reactions,
            end_reason,
        },
        recorded_by,
    );
    e.status = Some(match status {
        AllergyStatus::Active => "active".to_owned(),
        AllergyStatus::Resolved => "resolved".to_owned(),
        AllergyStatus::Unknown => clinical.unwrap_or_else(|| "unknown".to_owned()),
    });
    e.date =
        date(&a.onset_date_time).or_else(|| a.onset_period.as_ref().and_then(|p| date(&p.start)));
    e.end_date = end_date.as_deref().and_then(crate::model::FhirDate::parse);
    e.recorded = date(&a.recorded_date).or_else(|| date(&a.asserted_date));
    e.notes = notes(&a.note);
    if let Some(onset) = s(&a.onset_string) {
        e.notes.push(format!("Onset: {onset}"));
    }
    Ok(Some(e))
}

pub(super) fn condition<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    c: &'r Condition<'a>,
) -> Outcome {
    let clinical = status_code(c.clinical_status.as_ref());
    let verification = status_code(c.verification_status.as_ref());
    if entered_in_error(verification.as_deref()) || entered_in_error(clinical.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(c.code.as_ref());
    let significance = find_ext(&c.extension, "Extension-CareConnect-ProblemSignificance-1")
        .and_then(|e| e.value_text().map(str::to_owned));
    let recorder = c.asserter.as_ref().or(c.recorder.as_ref());
    let recorded_by = recorder.and_then(|r| ctx.name_of(r, res, "asserter"));
    let mut e = ctx.entry(
        res,
        Section::Problems,
        c.code.as_ref().and_then(term),
        code,
        Detail::Problem {
            clinical_status: clinical.clone(),
            significance,
            verification,
        },
        recorded_by,
    );
    e.status = clinical;
    e.date =
        date(&c.onset_date_time).or_else(|| c.onset_period.as_ref().and_then(|p| date(&p.start)));
    e.end_date = date(&c.abatement_date_time).or_else(|| {
        c.abatement_period
            .as_ref()
            .and_then(|p| date(&p.end).or_else(|| date(&p.start)))
    });
    e.recorded = date(&c.recorded_date).or_else(|| date(&c.asserted_date));
    e.notes = notes(&c.note);
    for (label, v) in [("Onset", &c.onset_string), ("Ended", &c.abatement_string)] {
        if let Some(v) = s(v) {
            e.notes.push(format!("{label}: {v}"));
        }
    }
    Outcome::Entries(vec![e])
}

pub(super) fn immunisation<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    i: &'r Immunization<'a>,
) -> Outcome {
    let status = status_str(&i.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(i.vaccine_code.as_ref());
    let procedure = find_ext(&i.extension, "Extension-CareConnect-VaccinationProcedure-1")
        .and_then(|e| e.value_codeable_concept.as_ref())
        .and_then(term);
    let not_given = i.not_given.as_ref().is_some_and(|v| v.as_str() == "true")
        || status.as_deref() == Some("not-done");
    let dose = i
        .protocol_applied
        .iter()
        .chain(i.vaccination_protocol.iter())
        .find_map(|p| {
            s(&p.dose_number_positive_int)
                .or_else(|| s(&p.dose_number_string))
                .or_else(|| s(&p.dose_sequence))
        });
    let site = [
        i.site.as_ref().and_then(term),
        i.route.as_ref().and_then(term),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let title = i.vaccine_code.as_ref().and_then(term).or(procedure);
    let mut e = ctx.entry(
        res,
        Section::Immunisations,
        title,
        code,
        Detail::Immunisation {
            dose,
            not_given,
            batch: s(&i.lot_number),
            site: (!site.is_empty()).then_some(site),
        },
        None,
    );
    e.status = status;
    e.date = date(&i.occurrence_date_time).or_else(|| date(&i.date));
    e.recorded = date(&i.recorded).or_else(|| {
        find_ext(&i.extension, "Extension-CareConnect-DateRecorded-1")
            .and_then(|x| x.value_text().and_then(crate::model::FhirDate::parse))
    });
    e.notes = notes(&i.note);
    if let Some(v) = s(&i.occurrence_string) {
        e.notes.push(format!("Given: {v}"));
    }
    Outcome::Entries(vec![e])
}

pub(super) fn procedure<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    p: &'r Procedure<'a>,
) -> Outcome {
    let status = status_str(&p.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(p.code.as_ref());
    let performers = p
        .performer
        .iter()
        .filter_map(|r| ctx.name_of(r, res, "performer"))
        .collect();
    let mut e = ctx.entry(
        res,
        Section::Procedures,
        p.code.as_ref().and_then(term),
        code,
        Detail::Procedure {
            performers,
            outcome: p.outcome.as_ref().and_then(term),
        },
        None,
    );
    e.status = status;
    e.date = date(&p.performed_date_time)
        .or_else(|| p.performed_period.as_ref().and_then(|x| date(&x.start)));
    e.end_date = p.performed_period.as_ref().and_then(|x| date(&x.end));
    e.notes = notes(&p.note);
    e.notes.extend(
        terms(&p.reason_code)
            .into_iter()
            .map(|r| format!("Reason: {r}")),
    );
    if let Some(v) = s(&p.performed_string) {
        e.notes.push(format!("Performed: {v}"));
    }
    Outcome::Entries(vec![e])
}

fn is_safeguarding(f: &Flag<'_>) -> bool {
    let mentions =
        |t: Option<String>| t.is_some_and(|t| t.to_ascii_lowercase().contains("safeguard"));
    mentions(f.code.as_ref().and_then(term)) || f.category.iter().any(|c| mentions(term(c)))
}

pub(super) fn flag<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    f: &'r Flag<'a>,
) -> Outcome {
    let status = status_str(&f.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(f.code.as_ref());
    let safeguarding = is_safeguarding(f);
    let category = if safeguarding {
        Some("safeguarding".to_owned())
    } else {
        f.category.iter().find_map(term)
    };
    let author = f
        .author
        .as_ref()
        .and_then(|a| ctx.name_of(a, res, "author"));
    let mut e = ctx.entry(
        res,
        Section::Alerts,
        f.code.as_ref().and_then(term),
        code,
        Detail::Alert { category },
        author,
    );
    if safeguarding
        && !e
            .sensitivity
            .iter()
            .any(|s| s.category == SensitiveCategory::Safeguarding)
    {
        e.sensitivity.push(Sensitivity::new(
            SensitiveCategory::Safeguarding,
            LabelBasis::ItemKind,
        ));
    }
    e.status = status;
    e.date = f.period.as_ref().and_then(|p| date(&p.start));
    e.end_date = f.period.as_ref().and_then(|p| date(&p.end));
    Outcome::Entries(vec![e])
}

pub(super) fn encounter<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    enc: &'r Encounter<'a>,
) -> Outcome {
    let status = status_str(&enc.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(enc.type_.first());
    let class = enc
        .class
        .as_ref()
        .and_then(|c| s(&c.display).or_else(|| s(&c.code)));
    let participants = enc
        .participant
        .iter()
        .filter_map(|p| p.individual.as_ref())
        .filter_map(|r| ctx.name_of(r, res, "participant"))
        .collect();
    let location = enc
        .location
        .iter()
        .filter_map(|l| l.location.as_ref())
        .filter_map(|r| ctx.name_of(r, res, "location"))
        .next();
    let mut reasons = terms(&enc.reason_code);
    reasons.extend(terms(&enc.reason));
    let title = enc
        .type_
        .first()
        .and_then(term)
        .or_else(|| enc.service_type.as_ref().and_then(term))
        .or_else(|| class.clone());
    let provider = enc
        .service_provider
        .as_ref()
        .and_then(|r| ctx.name_of(r, res, "serviceProvider"));
    let mut e = ctx.entry(
        res,
        Section::Encounters,
        title,
        code,
        Detail::Encounter {
            class,
            participants,
            location,
            reasons,
            discharge: enc
                .hospitalization
                .as_ref()
                .and_then(|h| h.discharge_disposition.as_ref())
                .and_then(term),
        },
        provider,
    );
    e.status = status;
    e.date = enc.period.as_ref().and_then(|p| date(&p.start));
    e.end_date = enc.period.as_ref().and_then(|p| date(&p.end));
    Outcome::Entries(vec![e])
}

pub(super) fn appointment<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    ap: &'r Appointment<'a>,
) -> Outcome {
    let status = status_str(&ap.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(ap.service_type.first().or(ap.appointment_type.as_ref()));
    let participants = ap
        .participant
        .iter()
        .filter_map(|p| p.actor.as_ref())
        .filter_map(|r| {
            if refers_to_a_patient(ctx, r, res) {
                None
            } else {
                ctx.name_of(r, res, "participant")
            }
        })
        .collect();
    let title = s(&ap.description)
        .or_else(|| ap.service_type.first().and_then(term))
        .or_else(|| ap.appointment_type.as_ref().and_then(term));
    let mut e = ctx.entry(
        res,
        Section::Appointments,
        title,
        code,
        Detail::Appointment {
            participants,
            reasons: terms(&ap.reason_code),
        },
        None,
    );
    e.status = status;
    e.date = date(&ap.start);
    e.end_date = date(&ap.end);
    e.notes.extend(s(&ap.comment));
    Outcome::Entries(vec![e])
}

/// True when an appointment actor is a patient (by what it resolves to, or by its type
/// when it does not resolve): the patient is not listed among who they will see.
fn refers_to_a_patient<'r, 'a>(
    ctx: &Ctx<'r, 'a>,
    r: &crate::fhir::datatypes::Reference<'a>,
    from: &'r Resource<'a>,
) -> bool {
    match ctx.index.resolve(r, Some(from)) {
        Some(found) => matches!(found, Resource::Patient(_)),
        None => super::index::target_type(r) == Some("Patient"),
    }
}

/// ReferralRequest and ServiceRequest become referrals; ProcedureRequest (a GP Connect
/// diary entry) becomes planned care.
pub(super) fn request<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    r: &'r Request<'a>,
    section: Section,
) -> Outcome {
    let status = status_str(&r.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let concept = r
        .code
        .as_ref()
        .or(r.service_requested.first())
        .or(r.specialty.as_ref())
        .or(r.type_.as_ref());
    let code = ctx.code(concept);
    let requester = r
        .requester
        .as_ref()
        .and_then(|x| ctx.name_of(x, res, "requester"));
    let mut recipients: Vec<String> = r
        .recipient
        .iter()
        .chain(r.performer.iter())
        .filter_map(|x| ctx.name_of(x, res, "recipient"))
        .collect();
    recipients.dedup();
    let reasons = terms(&r.reason_code);
    // What was asked for reads first: the description, else the reason (a two-week-wait
    // referral's "suspected cancer"), and only then the service it went to ("skin").
    let service = concept.and_then(term);
    let described = s(&r.description).or_else(|| {
        (section == Section::Referrals)
            .then(|| reasons.first().cloned())
            .flatten()
    });
    let service_note = match (&described, &service) {
        (Some(_), Some(svc)) => Some(format!("Service: {svc}")),
        _ => None,
    };
    let title = described.or(service);
    let detail = if section == Section::Appointments {
        Detail::Appointment {
            participants: recipients,
            reasons,
        }
    } else {
        Detail::Referral {
            requester: requester.clone(),
            recipients,
            priority: s(&r.priority),
            reasons,
        }
    };
    let mut e = ctx.entry(res, section, title, code, detail, requester);
    e.status = status;
    e.date = date(&r.occurrence_date_time)
        .or_else(|| r.occurrence_period.as_ref().and_then(|p| date(&p.start)))
        .or_else(|| date(&r.authored_on));
    e.recorded = date(&r.authored_on);
    e.notes = notes(&r.note);
    if let (Some(d), false) = (
        s(&r.description),
        e.title == s(&r.description).unwrap_or_default(),
    ) {
        e.notes.push(d);
    }
    e.notes.extend(service_note);
    Outcome::Entries(vec![e])
}

pub(super) fn document<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    d: &'r DocumentReference<'a>,
) -> Outcome {
    let status = status_str(&d.status);
    if entered_in_error(status.as_deref()) || entered_in_error(status_str(&d.doc_status).as_deref())
    {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(d.type_.as_ref());
    let authors: Vec<String> = d
        .author
        .iter()
        .filter_map(|a| ctx.name_of(a, res, "author"))
        .collect();
    let custodian = d
        .custodian
        .as_ref()
        .and_then(|c| ctx.name_of(c, res, "custodian"));
    let attachments: Vec<AttachmentRef> = d
        .content
        .iter()
        .filter_map(|c| c.attachment.as_ref())
        .map(|a| {
            let text = inline_text(a);
            AttachmentRef {
                content_type: s(&a.content_type),
                url: s(&a.url),
                title: s(&a.title),
                inline_content_omitted: a.data.is_some() && text.is_none(),
                text,
            }
        })
        .collect();
    let title = s(&d.description)
        .or_else(|| d.type_.as_ref().and_then(term))
        .or_else(|| attachments.iter().find_map(|a| a.title.clone()))
        .or_else(|| d.category.iter().find_map(term));
    let mut e = ctx.entry(
        res,
        Section::Documents,
        title,
        code,
        Detail::Document {
            authors,
            attachments,
        },
        custodian,
    );
    for label in d.security_label.iter() {
        if let Some(cat) = label
            .first_code()
            .and_then(super::sensitivity::category_of_security_code)
            && !e.sensitivity.iter().any(|s| s.category == cat)
        {
            e.sensitivity
                .push(Sensitivity::new(cat, LabelBasis::SecurityLabel));
        }
    }
    e.status = status;
    e.date = date(&d.date)
        .or_else(|| date(&d.created))
        .or_else(|| date(&d.indexed));
    e.recorded = date(&d.indexed);
    Outcome::Entries(vec![e])
}

pub(super) fn care_plan<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    p: &'r CarePlan<'a>,
) -> Outcome {
    let status = status_str(&p.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(p.category.first());
    let activities = p
        .activity
        .iter()
        .filter_map(|a| a.detail.as_ref())
        .filter_map(|d| {
            let what = s(&d.description).or_else(|| d.code.as_ref().and_then(term))?;
            Some(match s(&d.scheduled_string) {
                Some(when) => format!("{what} ({when})"),
                None => what,
            })
        })
        .collect();
    let author = p.author.first().and_then(|a| ctx.name_of(a, res, "author"));
    let title = s(&p.title).or_else(|| p.category.first().and_then(term));
    let mut e = ctx.entry(
        res,
        Section::CarePlans,
        title,
        code,
        Detail::CarePlan {
            activities,
            description: s(&p.description),
        },
        author,
    );
    e.status = status;
    e.date = p
        .period
        .as_ref()
        .and_then(|x| date(&x.start))
        .or_else(|| date(&p.created));
    e.end_date = p.period.as_ref().and_then(|x| date(&x.end));
    e.recorded = date(&p.created);
    e.notes = notes(&p.note);
    Outcome::Entries(vec![e])
}

pub(super) fn care_team<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    t: &'r CareTeam<'a>,
) -> Outcome {
    let status = status_str(&t.status);
    if entered_in_error(status.as_deref()) {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(t.category.first());
    let mut members = Vec::new();
    for p in t.participant.iter() {
        let Some(member) = p.member.as_ref() else {
            continue;
        };
        let resolved = ctx.resolve(member, res, "member");
        let Some(name) = ctx.name_of(member, res, "member") else {
            continue;
        };
        let telecom = match resolved {
            Some(Resource::Practitioner(x)) => telecoms(&x.telecom),
            Some(Resource::PractitionerRole(x)) => telecoms(&x.telecom),
            Some(Resource::Organization(x)) => telecoms(&x.telecom),
            Some(Resource::RelatedPerson(x)) => telecoms(&x.telecom),
            _ => Vec::new(),
        };
        let organisation = p
            .on_behalf_of
            .as_ref()
            .and_then(|o| ctx.name_of(o, res, "onBehalfOf"));
        members.push(TeamMember {
            name,
            role: p.role.first().and_then(term),
            organisation,
            telecom,
        });
    }
    let managing = t
        .managing_organization
        .first()
        .and_then(|o| ctx.name_of(o, res, "managingOrganization"));
    let title = s(&t.name).or_else(|| t.category.first().and_then(term));
    let mut e = ctx.entry(
        res,
        Section::CareTeam,
        title,
        code,
        Detail::CareTeam { members },
        managing,
    );
    e.status = status;
    e.date = t.period.as_ref().and_then(|x| date(&x.start));
    e.end_date = t.period.as_ref().and_then(|x| date(&x.end));
    Outcome::Entries(vec![e])
}

pub(super) fn related_person<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    p: &'r RelatedPerson<'a>,
) -> Outcome {
    let name = person_name(&p.name).natural();
    let relationship = terms(&p.relationship);
    let mut e = ctx.entry(
        res,
        Section::Contacts,
        (!name.is_empty()).then_some(name),
        None,
        Detail::Contact {
            relationship,
            telecom: telecoms(&p.telecom),
        },
        None,
    );
    e.status = match p.active.as_ref().map(|a| a.as_str()) {
        Some("false") => Some("inactive".to_owned()),
        _ => None,
    };
    Outcome::Entries(vec![e])
}
