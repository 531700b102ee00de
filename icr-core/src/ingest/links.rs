//! What the access policy needs to know about an item beyond its main code: every SNOMED
//! CT and dm+d concept it carries, and the items it is linked to.
//!
//! Sensitivity is decided from codes (the policy's packs) and from links: an item linked
//! to a sensitive item is as sensitive as it. The concepts come from each coding of the
//! main code and from the codes that say why or what (reasons, coded values, conclusions,
//! evidence, document type, flag code), of the item's own resource and of every resource
//! folded into it (results into their report, issues into their medication). Links come
//! from GP Connect's problem linkage (`RelatedClinicalContent` and `ActualProblem` on a
//! problem, a consultation topic's `RelatedProblemHeader`), from consultations (the
//! encounter of a consultation List and everything recorded in it), and from references
//! that give a reason or a diagnosis (`reasonReference`, `Encounter.diagnosis`,
//! `Condition.evidence.detail`, an appointment's indication or referral). Links are kept
//! both ways: the problem reveals its linked items as much as they reveal it.

use rustc_hash::FxHashMap as HashMap;

use crate::fhir::datatypes::{CodeableConcept, Reference};
use crate::fhir::dispatch::Resource;
use crate::fhir::lenient::Many;
use crate::fhir::resources::List;
use crate::model::{Item, concept_id};

use super::context::Ctx;
use super::encounter_facts;
use super::index::Index;
use super::measurements;
use super::sensitivity;

/// Gives each item its concepts and links, from the resources it was made from.
pub(super) fn attach<'a>(ctx: &Ctx<'_, 'a>, entries: &mut [Item]) {
    // Keyed by ids a source wrote: a seeded hasher.
    let at: foldhash::HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    // The items each resource became or went into, by position, worked out once.
    let made: HashMap<*const Resource<'a>, Vec<usize>> = ctx
        .made
        .iter()
        .map(|(&res, ids)| {
            let found = ids.iter().filter_map(|id| at.get(id.as_str()).copied());
            (res, found.collect())
        })
        .collect();
    drop(at);
    let positions = |res: &Resource<'a>| positions_of(&made, res);
    let mut concepts: Vec<(usize, u64)> = Vec::new();
    let mut labels = Vec::new();
    let mut links: Vec<(usize, usize)> = Vec::new();
    let mut found = Vec::new();
    for node in &ctx.index.nodes {
        let res = node.resource;
        let mine = positions(res);
        if !mine.is_empty() {
            found.clear();
            concepts_of(res, &ctx.index, &mut found);
            let own = sensitivity::labels(res.meta());
            for &p in mine {
                concepts.extend(found.iter().map(|&c| (p, c)));
                labels.extend(own.iter().map(|l| (p, l.clone())));
            }
            if let Resource::Observation(obs) = res {
                let found = measurements::of(ctx, obs);
                for &p in mine {
                    if let Some(e) = entries.get_mut(p) {
                        e.measurements.extend(found.iter().cloned());
                    }
                }
            }
            if let Resource::Encounter(enc) = res
                && let [p] = mine
                && let Some(e) = entries.get_mut(*p)
            {
                e.encounter = Some(encounter_facts::of(enc));
            }
        }
        for (a, b) in linked_pairs(res, &ctx.index) {
            for &p in positions(a) {
                for &q in positions(b).iter().filter(|&&q| q != p) {
                    links.push((p, q));
                    links.push((q, p));
                }
            }
        }
    }
    drop(made);
    for (p, c) in concepts {
        if let Some(e) = entries.get_mut(p) {
            e.concepts.push(c);
        }
    }
    for (p, l) in labels {
        if let Some(e) = entries.get_mut(p)
            && !e.sensitivity.iter().any(|s| s.category == l.category)
        {
            e.sensitivity.push(l);
        }
    }
    links.sort_unstable();
    links.dedup();
    for (p, q) in links {
        if let (Some(e), Ok(q)) = (entries.get_mut(p), u32::try_from(q)) {
            e.links.push(q);
        }
    }
    for e in entries.iter_mut() {
        e.concepts.sort_unstable();
        e.concepts.dedup();
    }
}

/// The positions of the items a resource became or went into.
fn positions_of<'m, 'a>(
    made: &'m HashMap<*const Resource<'a>, Vec<usize>>,
    res: &Resource<'a>,
) -> &'m [usize] {
    made.get(&(res as *const Resource<'a>))
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn concept(out: &mut Vec<u64>, c: Option<&CodeableConcept<'_>>) {
    for coding in c.into_iter().flat_map(|c| c.coding.iter()) {
        if let Some(id) = concept_id(
            coding.system.as_ref().map(|s| s.as_str()),
            coding.code.as_ref().map(|s| s.as_str()),
        ) {
            out.push(id);
        }
    }
}

fn concepts(out: &mut Vec<u64>, many: &Many<CodeableConcept<'_>>) {
    for c in many.iter() {
        concept(out, Some(c));
    }
}

/// Every concept of the resource in a position that says what it is or why.
fn concepts_of<'r, 'a>(res: &'r Resource<'a>, index: &Index<'r, 'a>, out: &mut Vec<u64>) {
    let medication = |out: &mut Vec<u64>, r: Option<&Reference<'a>>| {
        if let Some(Resource::Medication(m)) = r.and_then(|r| index.resolve(r, Some(res))) {
            concept(out, m.code.as_ref());
        }
    };
    match res {
        Resource::AllergyIntolerance(a) => concept(out, a.code.as_ref()),
        Resource::Condition(c) => {
            concept(out, c.code.as_ref());
            for e in c.evidence.iter() {
                concepts(out, &e.code);
            }
        }
        Resource::MedicationStatement(m) => {
            concept(out, m.medication_codeable_concept.as_ref());
            medication(out, m.medication_reference.as_ref());
            concepts(out, &m.reason_code);
        }
        Resource::MedicationRequest(m) => {
            concept(out, m.medication_codeable_concept.as_ref());
            medication(out, m.medication_reference.as_ref());
            concepts(out, &m.reason_code);
        }
        Resource::Medication(m) => concept(out, m.code.as_ref()),
        Resource::Observation(o) => {
            concept(out, o.code.as_ref());
            concept(out, o.value_codeable_concept.as_ref());
            for c in o.component.iter() {
                concept(out, c.code.as_ref());
                concept(out, c.value_codeable_concept.as_ref());
            }
        }
        Resource::DiagnosticReport(d) => {
            concept(out, d.code.as_ref());
            concepts(out, &d.conclusion_code);
        }
        Resource::Immunization(i) => concept(out, i.vaccine_code.as_ref()),
        Resource::Procedure(p) => {
            concept(out, p.code.as_ref());
            concepts(out, &p.reason_code);
        }
        Resource::ReferralRequest(r)
        | Resource::ServiceRequest(r)
        | Resource::ProcedureRequest(r) => {
            concept(out, r.code.as_ref());
            concept(out, r.type_.as_ref());
            concept(out, r.specialty.as_ref());
            concepts(out, &r.service_requested);
            concepts(out, &r.reason_code);
        }
        Resource::Encounter(e) => {
            concepts(out, &e.type_);
            concept(out, e.service_type.as_ref());
            concepts(out, &e.reason_code);
            concepts(out, &e.reason);
        }
        Resource::Appointment(a) => {
            concepts(out, &a.service_type);
            concept(out, a.appointment_type.as_ref());
            concepts(out, &a.reason_code);
        }
        Resource::DocumentReference(d) => {
            concept(out, d.type_.as_ref());
            concepts(out, &d.category);
        }
        Resource::CarePlan(p) => {
            concepts(out, &p.category);
            for a in p.activity.iter().filter_map(|a| a.detail.as_ref()) {
                concept(out, a.code.as_ref());
            }
        }
        Resource::CareTeam(t) => concepts(out, &t.category),
        Resource::Flag(f) => {
            concept(out, f.code.as_ref());
            concepts(out, &f.category);
        }
        _ => {}
    }
}

/// Pairs of resources this one says are linked (each pair is linked both ways).
fn linked_pairs<'r, 'a>(
    res: &'r Resource<'a>,
    index: &Index<'r, 'a>,
) -> Vec<(&'r Resource<'a>, &'r Resource<'a>)> {
    let resolve = |r: &Reference<'a>| index.resolve(r, Some(res));
    let with = |refs: &mut dyn Iterator<Item = &Reference<'a>>| -> Vec<_> {
        refs.filter_map(&resolve).map(|t| (res, t)).collect()
    };
    match res {
        Resource::Condition(c) => {
            let mut out = with(&mut c.evidence.iter().flat_map(|e| e.detail.iter()));
            out.extend(with(&mut c.extension.iter().filter_map(|e| {
                (e.is("Extension-CareConnect-RelatedClinicalContent-1")
                    || e.is("Extension-CareConnect-GPC-RelatedClinicalContent-1")
                    || e.is("Extension-CareConnect-GPC-ActualProblem-1")
                    || e.is("Extension-UKCore-ActualProblem")
                    || e.is("Extension-UKCore-RelatedClinicalContent"))
                .then_some(e.value_reference.as_deref())
                .flatten()
            })));
            out
        }
        Resource::MedicationStatement(m) => with(&mut m.reason_reference.iter()),
        Resource::MedicationRequest(m) => with(&mut m.reason_reference.iter()),
        Resource::Procedure(p) => with(&mut p.reason_reference.iter()),
        Resource::ReferralRequest(r)
        | Resource::ServiceRequest(r)
        | Resource::ProcedureRequest(r) => {
            with(&mut r.reason_reference.iter().chain(r.supporting_info.iter()))
        }
        Resource::Encounter(e) => with(
            &mut e
                .reason_reference
                .iter()
                .chain(e.diagnosis.iter().filter_map(|d| d.condition.as_ref())),
        ),
        Resource::Appointment(a) => with(
            &mut a
                .reason_reference
                .iter()
                .chain(a.indication.iter())
                .chain(a.incoming_referral.iter())
                .chain(a.based_on.iter()),
        ),
        Resource::List(list) => list_pairs(res, list, index),
        _ => Vec::new(),
    }
}

/// A consultation List links its encounter with everything recorded in it; a topic
/// List with a problem header links the problem with everything under the topic (and
/// with the topic's encounter).
fn list_pairs<'r, 'a>(
    res: &'r Resource<'a>,
    list: &'r List<'a>,
    index: &Index<'r, 'a>,
) -> Vec<(&'r Resource<'a>, &'r Resource<'a>)> {
    let encounter = list
        .encounter
        .as_ref()
        .and_then(|r| index.resolve(r, Some(res)));
    let problem = topic_problem(res, list, index);
    if encounter.is_none() && problem.is_none() {
        return Vec::new();
    }
    let mut items = Vec::new();
    contents(res, list, index, &mut items, 0);
    let mut out = Vec::new();
    if let Some(p) = problem {
        out.extend(items.iter().map(|&item| (p, item)));
        items.push(p);
    }
    if let Some(e) = encounter {
        out.extend(items.iter().map(|&item| (e, item)));
    }
    out.retain(|(a, b)| !std::ptr::eq(*a, *b));
    out
}

/// The problem a consultation topic is about (GP Connect `RelatedProblemHeader`).
fn topic_problem<'r, 'a>(
    res: &'r Resource<'a>,
    list: &'r List<'a>,
    index: &Index<'r, 'a>,
) -> Option<&'r Resource<'a>> {
    let ext = list.extension.iter().find(|e| {
        e.is("Extension-CareConnect-RelatedProblemHeader-1")
            || e.is("Extension-CareConnect-GPC-RelatedProblemHeader-1")
    })?;
    let target = ext.value_reference.as_deref().or_else(|| {
        ext.extension
            .iter()
            .find(|e| e.is("target"))
            .and_then(|e| e.value_reference.as_deref())
    })?;
    index.resolve(target, Some(res))
}

/// Everything a List holds, through nested Lists (topics, headings) and the problems
/// their topics are about.
fn contents<'r, 'a>(
    res: &'r Resource<'a>,
    list: &'r List<'a>,
    index: &Index<'r, 'a>,
    out: &mut Vec<&'r Resource<'a>>,
    depth: usize,
) {
    if depth > 4 {
        return;
    }
    for item in list.entry.iter().filter_map(|e| e.item.as_ref()) {
        let Some(target) = index.resolve(item, Some(res)) else {
            continue;
        };
        match target {
            // A nested List with its own encounter (a GP Connect topic) is linked as a
            // node of its own: its encounter with everything under it and its problem.
            Resource::List(inner) if inner.encounter.is_some() => {
                if let Some(p) = topic_problem(target, inner, index) {
                    out.push(p);
                }
            }
            Resource::List(inner) => {
                if let Some(p) = topic_problem(target, inner, index) {
                    out.push(p);
                }
                contents(target, inner, index, out, depth + 1);
            }
            other => out.push(other),
        }
    }
}
