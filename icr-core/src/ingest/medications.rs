//! Medications: a GP Connect medication is one `MedicationStatement` with its
//! authorisations (`MedicationRequest` intent `plan`) and issues (intent `order`); they
//! make one item, never several. A `MedicationRequest` that no statement claims (an R4
//! prescription, an out-of-hours acute) is an item of its own.

use std::collections::HashMap;

use crate::fhir::datatypes::{CodeableConcept, Reference, find_ext};
use crate::fhir::resource::Resource;
use crate::fhir::resources::{MedicationRequest, MedicationStatement};
use crate::model::{
    ChangeKind, Code, Detail, FhirDate, MedicationChange, MedicationDetail, Section,
};

use super::context::{Ctx, Folded, Outcome, status_str};
use super::report::SkipReason;
use super::text::{date, dosage, notes, quantity, s, term, terms};

/// Issues (`order`s) by the plan they are `basedOn`, computed once per document.
pub type OrdersByPlan<'r, 'a> = HashMap<*const Resource<'a>, Vec<&'r Resource<'a>>>;

/// Groups every MedicationRequest under the request its `basedOn` points at.
pub fn orders_by_plan<'r, 'a>(ctx: &Ctx<'r, 'a>) -> OrdersByPlan<'r, 'a> {
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

/// The requests (plans and their issues) that belong to a statement.
struct Linked<'r, 'a> {
    plans: Vec<&'r MedicationRequest<'a>>,
    orders: Vec<&'r MedicationRequest<'a>>,
}

fn linked<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    st: &'r MedicationStatement<'a>,
    folded: &mut Folded<'a>,
    orders_by_plan: &OrdersByPlan<'r, 'a>,
) -> Linked<'r, 'a> {
    let mut plans = Vec::new();
    let mut plan_ptrs = Vec::new();
    for r in st.based_on.iter() {
        if let Some(found @ Resource::MedicationRequest(mr)) = ctx.resolve(r, res, "basedOn")
            && folded.insert(found as *const _)
        {
            plans.push(&**mr);
            plan_ptrs.push(found as *const Resource<'a>);
        }
    }
    let mut orders = Vec::new();
    for plan in plan_ptrs {
        for &order in orders_by_plan
            .get(&plan)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Resource::MedicationRequest(mr) = order
                && folded.insert(order as *const _)
            {
                orders.push(&**mr);
            }
        }
    }
    Linked { plans, orders }
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

fn quantity_of(mr: &MedicationRequest<'_>) -> Option<String> {
    let q = mr
        .dispense_request
        .as_ref()
        .and_then(|d| d.quantity.as_ref());
    let text = find_ext(
        &mr.extension,
        "Extension-CareConnect-GPC-MedicationQuantityText-1",
    )
    .and_then(|e| e.value_text().map(str::to_owned));
    match (
        q.and_then(|q| q.value.as_ref().and_then(|v| v.text())),
        text,
    ) {
        (Some(v), Some(t)) => Some(format!("{v} {t}")),
        _ => q.and_then(quantity),
    }
}

fn is_ended(status: Option<&str>) -> bool {
    matches!(
        status,
        Some("stopped" | "completed" | "cancelled" | "not-taken")
    )
}

pub fn statement<'r, 'a>(
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
    let Linked { mut plans, orders } = linked(ctx, res, st, folded, orders_by_plan);
    plans.sort_by_key(|p| {
        p.dispense_request
            .as_ref()
            .and_then(|d| d.validity_period.as_ref())
            .and_then(|v| date(&v.start))
            .or_else(|| date(&p.authored_on))
    });
    let plan = plans.last().copied();
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
    let last_issued = find_ext(
        &st.extension,
        "Extension-CareConnect-GPC-MedicationStatementLastIssueDate-1",
    )
    .and_then(|e| e.value_text().and_then(FhirDate::parse))
    .or_else(|| orders.iter().filter_map(|o| date(&o.authored_on)).max());
    let mut changes = Vec::new();
    if let Some(d) = &start {
        changes.push(MedicationChange {
            kind: ChangeKind::Started,
            date: Some(d.clone()),
            by: by.clone(),
            detail: None,
        });
    }
    if is_ended(status.as_deref()) {
        changes.push(MedicationChange {
            kind: ChangeKind::Stopped,
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
    let detail = MedicationDetail {
        dosage: dosage(&st.dosage).or_else(|| plan.and_then(|p| dosage(&p.dosage_instruction))),
        quantity: plan.and_then(quantity_of),
        prescription_type: plan.and_then(|p| {
            find_ext(&p.extension, "Extension-CareConnect-GPC-PrescriptionType-1").and_then(|e| {
                e.value_codeable_concept
                    .as_ref()
                    .and_then(term)
                    .or_else(|| e.value_text().map(str::to_owned))
            })
        }),
        status_reason: reason_text,
        last_issued,
        issues: u32::try_from(orders.len()).unwrap_or(u32::MAX),
        repeats_allowed: plan.and_then(repeats_allowed),
        reasons: terms(&st.reason_code),
        changes,
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
    e.notes = notes(&st.note);
    for p in &plans {
        e.notes.extend(notes(&p.note));
    }
    e.notes.dedup();
    Outcome::Entries(vec![e])
}

/// A request that no statement claimed.
pub fn request<'r, 'a>(
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
    if is_ended(status.as_deref()) {
        changes.push(MedicationChange {
            kind: ChangeKind::Stopped,
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
    let detail = MedicationDetail {
        dosage: dosage(&mr.dosage_instruction),
        quantity: quantity_of(mr),
        prescription_type: find_ext(
            &mr.extension,
            "Extension-CareConnect-GPC-PrescriptionType-1",
        )
        .and_then(|e| e.value_codeable_concept.as_ref().and_then(term)),
        status_reason: reason_text,
        last_issued: None,
        issues: 0,
        repeats_allowed: repeats_allowed(mr),
        reasons: terms(&mr.reason_code),
        changes,
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
