//! Medications: a GP Connect medication is one `MedicationStatement` with its
//! authorisations (`MedicationRequest` intent `plan`) and issues (intent `order`); they
//! make one item, never several. A `MedicationRequest` that no statement claims (an R4
//! prescription, an out-of-hours acute) is an item of its own.

use std::collections::HashMap;

use crate::fhir::datatypes::{CodeableConcept, Reference, find_ext};
use crate::fhir::dispatch::Resource;
use crate::fhir::resources::{MedicationRequest, MedicationStatement};
use crate::model::{
    ChangeKind, Code, Course, Detail, FhirDate, MedicationChange, MedicationDetail, Section, Supply,
};

use super::context::{Ctx, Folded, Outcome, status_str};
use super::report::SkipReason;
use super::values::{date, dosage, notes, quantity, s, term, terms};

/// Issues (`order`s) by the plan they are `basedOn`, computed once per document.
pub(super) type OrdersByPlan<'r, 'a> = HashMap<*const Resource<'a>, Vec<&'r Resource<'a>>>;

/// Groups every MedicationRequest under the request its `basedOn` points at.
pub(super) fn orders_by_plan<'r, 'a>(ctx: &Ctx<'r, 'a>) -> OrdersByPlan<'r, 'a> {
    let mut map: OrdersByPlan<'r, 'a> = HashMap::new();
    for node in &ctx.index.nodes {
        let Resource::MedicationRequest(mr) = node.resource else {
            continue;
        };
        for b in mr.based_on.iter() {
            if let Some(plan @ Resource::MedicationRequest(_)) =
                ctx.index.resolve(b, Some(node.resource))
            {
                map.entry(plan as *const _).or_default().push(node.resource);
            }
        }
    }
    map
}

/// An authorisation (`plan`) of a statement with its issues (`order`s).
struct Authorisation<'r, 'a> {
    plan: &'r MedicationRequest<'a>,
    orders: Vec<&'r MedicationRequest<'a>>,
}

/// The authorisations of a statement, earliest first.
fn authorisations<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    st: &'r MedicationStatement<'a>,
    folded: &mut Folded<'a>,
    orders_by_plan: &OrdersByPlan<'r, 'a>,
) -> Vec<Authorisation<'r, 'a>> {
    let mut out = Vec::new();
    for r in st.based_on.iter() {
        let Some(found @ Resource::MedicationRequest(plan)) = ctx.resolve(r, res, "basedOn") else {
            continue;
        };
        if !folded.insert(found as *const _) {
            continue;
        }
        let mut orders = Vec::new();
        for &order in orders_by_plan
            .get(&(found as *const Resource<'a>))
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Resource::MedicationRequest(mr) = order
                && folded.insert(order as *const _)
            {
                orders.push(&**mr);
            }
        }
        out.push(Authorisation { plan, orders });
    }
    out.sort_by_key(|a| issued_on(a.plan));
    out
}

fn medication_concept<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    concept: Option<&'r CodeableConcept<'a>>,
    reference: Option<&'r Reference<'a>>,
) -> (Option<String>, Option<Code>) {
    if let Some(c) = concept {
        return (term(c), ctx.code(Some(c)));
    }
    let Some(r) = reference else {
        return (None, None);
    };
    match ctx.resolve(r, res, "medicationReference") {
        Some(Resource::Medication(m)) => {
            (m.code.as_ref().and_then(term), ctx.code(m.code.as_ref()))
        }
        _ => (r.display().map(str::to_owned), None),
    }
}

fn status_reason(mr: &MedicationRequest<'_>) -> Option<(Option<String>, Option<FhirDate>)> {
    let ext = find_ext(
        &mr.extension,
        "Extension-CareConnect-GPC-MedicationStatusReason-1",
    )?;
    let reason = ext
        .extension
        .iter()
        .find(|x| x.is("statusReason"))
        .and_then(|x| {
            x.value_codeable_concept
                .as_ref()
                .and_then(term)
                .or_else(|| x.value_text().map(str::to_owned))
        });
    let when = ext
        .extension
        .iter()
        .find(|x| x.is("statusChangeDate"))
        .and_then(|x| x.value_text().and_then(FhirDate::parse));
    Some((reason, when))
}

fn repeats_allowed(mr: &MedicationRequest<'_>) -> Option<String> {
    find_ext(
        &mr.extension,
        "Extension-CareConnect-GPC-MedicationRepeatInformation-1",
    )
    .and_then(|e| {
        e.extension
            .iter()
            .find(|x| x.is("numberOfRepeatPrescriptionsAllowed"))
    })
    .and_then(|x| x.value_text().map(str::to_owned))
    .or_else(|| {
        mr.dispense_request
            .as_ref()
            .and_then(|d| s(&d.number_of_repeats_allowed))
    })
}

/// The quantity per issue: the value with its unit, or with GP Connect's quantity text
/// (an extension inside the quantity) when there is no unit; the text alone when there
/// is no value.
fn quantity_of(mr: &MedicationRequest<'_>) -> Option<String> {
    let q = mr
        .dispense_request
        .as_ref()
        .and_then(|d| d.quantity.as_ref())?;
    let text = find_ext(
        &q.extension,
        "Extension-CareConnect-GPC-MedicationQuantityText-1",
    )
    .or_else(|| {
        find_ext(
            &mr.extension,
            "Extension-CareConnect-GPC-MedicationQuantityText-1",
        )
    })
    .and_then(|e| e.value_text().map(str::to_owned));
    let value = q.value.as_ref().and_then(|v| v.shown());
    match (value, s(&q.unit).or_else(|| s(&q.code)), text) {
        (Some(v), Some(u), _) => Some(format!("{v} {u}")),
        (Some(v), None, Some(t)) => Some(format!("{v} {t}")),
        (Some(v), None, None) => Some(v.into_owned()),
        (None, _, Some(t)) => Some(t),
        (None, _, None) => quantity(q),
    }
}

/// When the authorisation ends: GP Connect's repeat information, else the end of its
/// validity period.
fn authorisation_expiry(mr: &MedicationRequest<'_>) -> Option<FhirDate> {
    find_ext(
        &mr.extension,
        "Extension-CareConnect-GPC-MedicationRepeatInformation-1",
    )
    .and_then(|e| e.extension.iter().find(|x| x.is("authorisationExpiryDate")))
    .and_then(|x| x.value_text().and_then(FhirDate::parse))
    .or_else(|| {
        mr.dispense_request
            .as_ref()
            .and_then(|d| d.validity_period.as_ref())
            .and_then(|v| date(&v.end))
    })
}

fn prescription_type(mr: &MedicationRequest<'_>) -> Option<String> {
    find_ext(
        &mr.extension,
        "Extension-CareConnect-GPC-PrescriptionType-1",
    )
    .and_then(|e| {
        e.value_codeable_concept
            .as_ref()
            .and_then(term)
            .or_else(|| e.value_text().map(str::to_owned))
    })
}

/// Who prescribed it, when not the practice itself: GP Connect's prescribing agency in
/// its words (`Prescribed by another organisation: Hospital`).
fn prescribing_agency(st: &MedicationStatement<'_>) -> Option<String> {
    let concept = find_ext(
        &st.extension,
        "Extension-CareConnect-GPC-PrescribingAgency-1",
    )?
    .value_codeable_concept
    .as_ref()?;
    let code = concept
        .coding
        .iter()
        .find_map(|c| c.code.as_ref().map(|v| v.as_str().trim().to_owned()));
    if code.as_deref() == Some("prescribed-at-gp-practice") {
        return None;
    }
    let display = concept.coding.iter().find_map(|c| s(&c.display));
    match (display, s(&concept.text)) {
        (Some(d), Some(t)) if d != t => Some(format!("{d}: {t}")),
        (Some(d), _) => Some(d),
        (None, Some(t)) => Some(t),
        (None, None) => code,
    }
}

/// When an issue was made: its validity start, else when it was authored.
fn issued_on(mr: &MedicationRequest<'_>) -> Option<FhirDate> {
    mr.dispense_request
        .as_ref()
        .and_then(|d| d.validity_period.as_ref())
        .and_then(|v| date(&v.start))
        .or_else(|| date(&mr.authored_on))
}

/// The issues of one authorisation, in date order, numbered by their place among the
/// issues the source sent (GP Connect gives no number of its own).
fn supplies(orders: &[&MedicationRequest<'_>]) -> Vec<Supply> {
    let mut out: Vec<Supply> = orders
        .iter()
        .map(|o| Supply {
            date: issued_on(o),
            quantity: quantity_of(o),
            issue_number: None,
        })
        .collect();
    out.sort_by(|a, b| {
        a.date
            .cmp(&b.date)
            .then_with(|| a.quantity.cmp(&b.quantity))
    });
    for (n, supply) in out.iter_mut().enumerate() {
        supply.issue_number = i32::try_from(n + 1).ok();
    }
    out
}

/// The change that ends a course, in the source's terms: `completed` is a course that
/// came to its end, `stopped` (and `cancelled`, `not-taken`) a discontinuation.
fn ending(status: Option<&str>) -> Option<ChangeKind> {
    match status {
        Some("completed") => Some(ChangeKind::Completed),
        Some("stopped" | "cancelled" | "not-taken") => Some(ChangeKind::Stopped),
        _ => None,
    }
}

pub(super) fn statement<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    st: &'r MedicationStatement<'a>,
    folded: &mut Folded<'a>,
    orders_by_plan: &OrdersByPlan<'r, 'a>,
) -> Outcome {
    let status = status_str(&st.status);
    if status.as_deref() == Some("entered-in-error") {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let auths = authorisations(ctx, res, st, folded, orders_by_plan);
    let plan = auths.last().map(|a| a.plan);
    let (title, code) = medication_concept(
        ctx,
        res,
        st.medication_codeable_concept.as_ref(),
        st.medication_reference.as_ref(),
    );
    let by = Some(ctx.organisation.name.clone());
    let effective = st.effective_period.first();
    let start = effective
        .and_then(|p| date(&p.start))
        .or_else(|| date(&st.effective_date_time));
    let end = effective.and_then(|p| date(&p.end));
    let (reason_text, reason_date) = plan.and_then(status_reason).unwrap_or((None, None));
    let reason_text = reason_text.or_else(|| st.status_reason.iter().find_map(term));
    let all_supplies: Vec<Supply> = auths.iter().flat_map(|a| supplies(&a.orders)).collect();
    let last_issued = find_ext(&st.extension, "MedicationStatementLastIssueDate-1")
        .and_then(|e| e.value_text().and_then(FhirDate::parse))
        .or_else(|| all_supplies.iter().filter_map(|x| x.date.clone()).max());
    let mut changes = Vec::new();
    if let Some(d) = &start {
        changes.push(MedicationChange {
            kind: ChangeKind::Started,
            date: Some(d.clone()),
            by: by.clone(),
            detail: None,
        });
    }
    if let Some(kind) = ending(status.as_deref()) {
        changes.push(MedicationChange {
            kind,
            date: reason_date.clone().or_else(|| end.clone()),
            by: by.clone(),
            detail: reason_text.clone(),
        });
    }
    let recorded_by = st
        .information_source
        .as_ref()
        .or_else(|| plan.and_then(|p| p.requester.as_ref().or(p.recorder.as_ref())))
        .and_then(|r| ctx.name_of(r, res, "informationSource"));
    let dosage_text =
        dosage(&st.dosage).or_else(|| plan.and_then(|p| dosage(&p.dosage_instruction)));
    let agency = prescribing_agency(st);
    let organisation = ctx.organisation.name.clone();
    let mut courses: Vec<Course> = auths
        .iter()
        .map(|a| {
            let (reason, _) = status_reason(a.plan).unwrap_or((None, None));
            let validity = a
                .plan
                .dispense_request
                .as_ref()
                .and_then(|d| d.validity_period.as_ref());
            Course {
                organisation: organisation.clone(),
                status: status_str(&a.plan.status),
                status_reason: reason,
                start: issued_on(a.plan),
                end: validity.and_then(|v| date(&v.end)),
                dosage: dosage(&a.plan.dosage_instruction).or_else(|| dosage_text.clone()),
                quantity: quantity_of(a.plan),
                prescription_type: prescription_type(a.plan),
                authorisation_expiry: authorisation_expiry(a.plan),
                prescribing_agency: agency.clone(),
                repeats_allowed: repeats_allowed(a.plan),
                supplies: supplies(&a.orders),
            }
        })
        .collect();
    if courses.is_empty() {
        courses.push(Course {
            organisation,
            status: status.clone(),
            status_reason: reason_text.clone(),
            start: start.clone(),
            end: end.clone(),
            dosage: dosage_text.clone(),
            quantity: None,
            prescription_type: None,
            authorisation_expiry: None,
            prescribing_agency: agency.clone(),
            repeats_allowed: None,
            supplies: Vec::new(),
        });
    }
    let detail = MedicationDetail {
        dosage: dosage_text,
        quantity: plan.and_then(quantity_of),
        prescription_type: plan.and_then(prescription_type),
        status_reason: reason_text,
        last_issued,
        issues: i32::try_from(all_supplies.len()).unwrap_or(i32::MAX),
        repeats_allowed: plan.and_then(repeats_allowed),
        reasons: terms(&st.reason_code),
        changes,
        prescribing_agency: agency,
        authorisation_expiry: plan.and_then(authorisation_expiry),
        courses: std::mem::take(&mut courses),
    };
    let mut e = ctx.entry(
        res,
        Section::Medications,
        title,
        code,
        Detail::Medication(detail),
        recorded_by,
    );
    e.status = status;
    e.date = start;
    e.end_date = end.or(reason_date);
    e.recorded = date(&st.date_asserted);
    for n in notes(&st.note)
        .into_iter()
        .chain(auths.iter().flat_map(|a| notes(&a.plan.note)))
    {
        e.add_note(n);
    }
    Outcome::Entries(vec![e])
}

/// A request that no statement claimed.
pub(super) fn request<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    mr: &'r MedicationRequest<'a>,
) -> Outcome {
    let status = status_str(&mr.status);
    if status.as_deref() == Some("entered-in-error") {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let (title, code) = medication_concept(
        ctx,
        res,
        mr.medication_codeable_concept.as_ref(),
        mr.medication_reference.as_ref(),
    );
    let validity = mr
        .dispense_request
        .as_ref()
        .and_then(|d| d.validity_period.as_ref());
    let start = validity
        .and_then(|v| date(&v.start))
        .or_else(|| date(&mr.authored_on));
    let by = Some(ctx.organisation.name.clone());
    let (reason_text, reason_date) = status_reason(mr).unwrap_or((None, None));
    let reason_text = reason_text.or_else(|| mr.status_reason.as_ref().and_then(term));
    let mut changes = Vec::new();
    if let Some(d) = &start {
        changes.push(MedicationChange {
            kind: ChangeKind::Started,
            date: Some(d.clone()),
            by: by.clone(),
            detail: None,
        });
    }
    if let Some(kind) = ending(status.as_deref()) {
        changes.push(MedicationChange {
            kind,
            date: reason_date
                .clone()
                .or_else(|| validity.and_then(|v| date(&v.end))),
            by,
            detail: reason_text.clone(),
        });
    }
    let recorded_by = mr
        .requester
        .as_ref()
        .or(mr.recorder.as_ref())
        .and_then(|r| ctx.name_of(r, res, "requester"));
    let course = Course {
        organisation: ctx.organisation.name.clone(),
        status: status.clone(),
        status_reason: reason_text.clone(),
        start: start.clone(),
        end: validity.and_then(|v| date(&v.end)),
        dosage: dosage(&mr.dosage_instruction),
        quantity: quantity_of(mr),
        prescription_type: prescription_type(mr),
        authorisation_expiry: authorisation_expiry(mr),
        prescribing_agency: None,
        repeats_allowed: repeats_allowed(mr),
        supplies: Vec::new(),
    };
    let detail = MedicationDetail {
        dosage: course.dosage.clone(),
        quantity: course.quantity.clone(),
        prescription_type: course.prescription_type.clone(),
        status_reason: reason_text,
        last_issued: None,
        issues: 0,
        repeats_allowed: course.repeats_allowed.clone(),
        reasons: terms(&mr.reason_code),
        changes,
        prescribing_agency: None,
        authorisation_expiry: course.authorisation_expiry.clone(),
        courses: vec![course],
    };
    let mut e = ctx.entry(
        res,
        Section::Medications,
        title,
        code,
        Detail::Medication(detail),
        recorded_by,
    );
    e.status = status;
    e.date = start;
    e.end_date = validity.and_then(|v| date(&v.end));
    e.recorded = date(&mr.authored_on);
    e.notes = notes(&mr.note);
    Outcome::Entries(vec![e])
}
