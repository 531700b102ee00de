//! Investigation reports with their results, and observations that stand alone.
//!
//! GP Connect nests results under test-group headers (`related` has-member in STU3,
//! `hasMember` in R4) and files comments as separate Observations; all of them fold into
//! the report they belong to, so a report reads as one item with its results in order.

use crate::fhir::datatypes::Quantity;
use crate::fhir::dispatch::Resource;
use crate::fhir::lenient::Str;
use crate::fhir::resources::{DiagnosticReport, Observation, ObservationReferenceRange};
use crate::model::{Detail, ReferenceRange, ResultLine, Section};

use super::context::{Ctx, Folded, Outcome, status_str};
use super::report::SkipReason;
use super::values::{date, notes, quantity, range, range_parts, s, term};

/// SNOMED CT "Comment note", which GP systems use for filing comments.
const COMMENT_NOTE: &str = "37331000000100";

pub(super) fn report<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    dr: &'r DiagnosticReport<'a>,
    folded: &mut Folded<'a>,
) -> Outcome {
    let status = status_str(&dr.status);
    if status.as_deref() == Some("entered-in-error") {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(dr.code.as_ref());
    let mut results = Vec::new();
    let mut comments = Vec::new();
    for r in dr.result.iter() {
        if let Some(obs) = ctx.resolve(r, res, "result") {
            collect(ctx, obs, None, &mut results, &mut comments, folded, 0);
        }
    }
    let performer = dr
        .performer
        .iter()
        .find_map(|p| ctx.name_of(p, res, "performer"));
    let category = dr.category.iter().find_map(term);
    let title = dr.code.as_ref().and_then(term).or_else(|| category.clone());
    let mut e = ctx.entry(
        res,
        Section::Investigations,
        title,
        code,
        Detail::Investigation {
            category,
            results,
            conclusion: s(&dr.conclusion),
        },
        performer,
    );
    e.status = status;
    e.date = date(&dr.effective_date_time)
        .or_else(|| dr.effective_period.as_ref().and_then(|p| date(&p.start)))
        .or_else(|| date(&dr.issued));
    e.recorded = date(&dr.issued);
    e.notes = comments;
    Outcome::Entries(vec![e])
}

fn collect<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    group: Option<&str>,
    results: &mut Vec<ResultLine>,
    comments: &mut Vec<String>,
    folded: &mut Folded<'a>,
    depth: usize,
) {
    let Resource::Observation(obs) = res else {
        return;
    };
    if depth > 8 || !folded.insert(res as *const _) {
        return;
    }
    if obs
        .status
        .as_ref()
        .is_some_and(|s| s.as_str() == "entered-in-error")
    {
        return;
    }
    let is_comment = obs.code.as_ref().is_some_and(|c| {
        c.coding.iter().any(|x| {
            x.code
                .as_ref()
                .is_some_and(|v| v.as_str().trim() == COMMENT_NOTE)
        })
    });
    if is_comment {
        comments.extend(s(&obs.comment));
        comments.extend(notes(&obs.note));
        return;
    }
    let members: Vec<&'r crate::fhir::datatypes::Reference<'a>> = obs
        .related
        .iter()
        .filter(|r| r.type_.as_ref().is_none_or(|t| t.as_str() == "has-member"))
        .filter_map(|r| r.target.as_ref())
        .chain(obs.has_member.iter())
        .collect();
    let line = result_line(ctx, obs, group);
    if members.is_empty() {
        results.push(line);
        return;
    }
    if line.value.is_some() || !line.comments.is_empty() {
        results.push(line.clone());
    }
    for m in members {
        if let Some(member) = ctx.resolve(m, res, "related") {
            collect(
                ctx,
                member,
                Some(&line.name),
                results,
                comments,
                folded,
                depth + 1,
            );
        }
    }
}

/// The patient's sex and age when the observation was taken, for choosing its range.
pub(super) fn who<'r, 'a>(ctx: &Ctx<'r, 'a>, obs: &Observation<'_>) -> super::flag::Who<'r> {
    let Some(Resource::Patient(p)) = ctx.patient else {
        return super::flag::Who::default();
    };
    let taken = date(&obs.effective_date_time)
        .or_else(|| obs.effective_period.as_ref().and_then(|x| date(&x.start)))
        .or_else(|| date(&obs.issued))
        .and_then(|d| d.civil_date());
    let born = p
        .birth_date
        .as_ref()
        .and_then(|b| crate::model::FhirDate::parse(b.as_str()));
    super::flag::Who {
        sex: p.gender.as_ref().map(|g| g.as_str()),
        age_years: match (born, taken) {
            (Some(b), Some(t)) => b.years_until(t),
            _ => None,
        },
    }
}

/// One result line; values, units and ranges exactly as sent.
pub(super) fn result_line<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    obs: &'r Observation<'a>,
    group: Option<&str>,
) -> ResultLine {
    let code = ctx.code(obs.code.as_ref());
    let name = obs
        .code
        .as_ref()
        .and_then(term)
        .or_else(|| code.and_then(|c| c.display))
        .unwrap_or_else(|| "Result".to_owned());
    let name = match group {
        Some(g) if g != name => format!("{g}: {name}"),
        _ => name,
    };
    let (value, unit) = match &obs.value_quantity {
        Some(q) => {
            let v = q
                .value
                .as_ref()
                .and_then(|d| d.shown())
                .map(|v| format!("{}{v}", q.comparator.as_ref().map_or("", |c| c.as_str())));
            (v, s(&q.unit).or_else(|| s(&q.code)))
        }
        None => {
            let v = s(&obs.value_string)
                .or_else(|| obs.value_codeable_concept.as_ref().and_then(term))
                .or_else(|| s(&obs.value_integer))
                .or_else(|| s(&obs.value_boolean))
                .or_else(|| s(&obs.value_date_time))
                .or_else(|| obs.value_range.as_deref().and_then(range))
                .or_else(|| components(obs))
                .or_else(|| {
                    obs.data_absent_reason
                        .as_ref()
                        .and_then(term)
                        .map(|r| format!("No value: {r}"))
                });
            (v, None)
        }
    };
    let interpretation = obs.interpretation.first();
    let flag = super::flag::of(obs, who(ctx, obs));
    let display = obs
        .value_quantity
        .as_ref()
        .and_then(|q| super::units::display(q, value.as_deref()?, unit.as_deref()));
    let mut comments: Vec<String> = s(&obs.comment).into_iter().collect();
    comments.extend(notes(&obs.note));
    let reference_ranges: Vec<ReferenceRange> = obs
        .reference_range
        .iter()
        .filter_map(|r| reference_range(r, unit.as_deref()))
        .collect();
    let reference_range = obs
        .reference_range
        .first()
        .and_then(|r| with_unit(&r.low, &r.high, &r.text, unit.as_deref()));
    ResultLine {
        name,
        value,
        unit,
        reference_range,
        reference_ranges,
        display,
        interpretation: interpretation.and_then(term),
        flag: flag.map(|(f, _)| f),
        flag_basis: flag.map(|(_, b)| b),
        comments,
    }
}

/// One reference range as sent: the range with its unit (see [`with_unit`]), its own
/// text when that says more than the numbers, what it applies to, the ages it is for
/// (with their unit) and its type. `None` when the source sent none of these.
fn reference_range(
    r: &ObservationReferenceRange<'_>,
    value_unit: Option<&str>,
) -> Option<ReferenceRange> {
    let range = with_unit(&r.low, &r.high, &r.text, value_unit);
    let text = s(&r.text).filter(|t| range.as_deref() != Some(t.as_str()));
    let rr = ReferenceRange {
        range,
        text,
        applies_to: r.applies_to.iter().filter_map(term).collect(),
        age: r
            .age
            .as_ref()
            .and_then(|a| with_unit(&a.low, &a.high, &a.text, None)),
        type_: r.type_.as_ref().and_then(term),
    };
    (rr != ReferenceRange::default()).then_some(rr)
}

/// A range with its unit whenever that is not the value's own unit: a range in another
/// unit (or a value sent without one) would otherwise be read as if both were in the same
/// unit.
pub(super) fn with_unit(
    low: &Option<Quantity<'_>>,
    high: &Option<Quantity<'_>>,
    text: &Option<Str<'_>>,
    value_unit: Option<&str>,
) -> Option<String> {
    let text = range_parts(low, high, text)?;
    let unit = [low, high]
        .into_iter()
        .flatten()
        .find_map(|q| s(&q.unit).or_else(|| s(&q.code)));
    Some(match unit {
        Some(u) if Some(u.as_str()) != value_unit && !text.ends_with(u.as_str()) => {
            format!("{text} {u}")
        }
        _ => text,
    })
}

fn components(obs: &Observation<'_>) -> Option<String> {
    let parts: Vec<String> = obs
        .component
        .iter()
        .filter_map(|c| {
            let name = c.code.as_ref().and_then(term)?;
            let value = c
                .value_quantity
                .as_ref()
                .and_then(|q| {
                    let shown = q.value.as_ref()?.shown()?;
                    let unit = s(&q.unit).or_else(|| s(&q.code));
                    super::units::display(q, &shown, unit.as_deref()).or_else(|| quantity(q))
                })
                .or_else(|| s(&c.value_string))
                .or_else(|| c.value_codeable_concept.as_ref().and_then(term))?;
            Some(format!("{name} {value}"))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

pub(super) fn observation<'r, 'a>(
    ctx: &mut Ctx<'r, 'a>,
    res: &'r Resource<'a>,
    obs: &'r Observation<'a>,
) -> Outcome {
    let status = status_str(&obs.status);
    if status.as_deref() == Some("entered-in-error") {
        return Outcome::Skipped(SkipReason::EnteredInError);
    }
    let code = ctx.code(obs.code.as_ref());
    let result = result_line(ctx, obs, None);
    let performer = obs
        .performer
        .iter()
        .find_map(|p| ctx.name_of(p, res, "performer"));
    let title = Some(result.name.clone());
    let mut e = ctx.entry(
        res,
        Section::Observations,
        title,
        code,
        Detail::Observation { result },
        performer,
    );
    e.status = status;
    e.date = date(&obs.effective_date_time)
        .or_else(|| obs.effective_period.as_ref().and_then(|p| date(&p.start)))
        .or_else(|| date(&obs.issued));
    e.recorded = date(&obs.issued);
    Outcome::Entries(vec![e])
}
