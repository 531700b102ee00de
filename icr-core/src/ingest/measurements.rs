//! The numeric measurements of an observation, for trends: its value, or each of its
//! components (a blood pressure's systolic and diastolic), with what it measures (by
//! code, [`crate::trends`]), its unit, when it was taken, the range that applies and its
//! flag.

use smol_str::{SmolStr, format_smolstr};

use crate::fhir::datatypes::{CodeableConcept, Quantity};
use crate::fhir::lenient::Many;
use crate::fhir::resources::{Observation, ObservationReferenceRange};
use crate::model::{FhirDate, Measured, Measurement, ResultFlag};
use crate::trends::measured;

use super::context::Ctx;
use super::flag::{self, Who};
use super::investigations::{who, with_unit};
use super::values::{date, term, text};

/// UCUM's system URI.
const UCUM: &str = "http://unitsofmeasure.org";

/// The measurements of one observation: none when it has no numeric value.
pub(super) fn of(ctx: &Ctx<'_, '_>, obs: &Observation<'_>) -> Vec<Measurement> {
    let who = who(ctx, obs);
    let taken = date(&obs.effective_date_time)
        .or_else(|| obs.effective_period.as_ref().and_then(|p| date(&p.start)));
    let mut out = Vec::new();
    if let Some(q) = &obs.value_quantity {
        let flag = flag::of(obs, who).map(|(f, _)| f);
        out.extend(one(
            obs.code.as_ref(),
            q,
            &obs.reference_range,
            who,
            &taken,
            flag,
        ));
    }
    for c in obs.component.iter() {
        if let Some(q) = &c.value_quantity {
            let flag = flag::of_component(c, who);
            out.extend(one(
                c.code.as_ref(),
                q,
                &c.reference_range,
                who,
                &taken,
                flag,
            ));
        }
    }
    out
}

fn one(
    code: Option<&CodeableConcept<'_>>,
    q: &Quantity<'_>,
    ranges: &Many<ObservationReferenceRange<'_>>,
    who: Who<'_>,
    taken: &Option<FhirDate>,
    flag: Option<ResultFlag>,
) -> Option<Measurement> {
    let code = code?;
    let (measured, implied) = measured(code.coding.iter().map(|c| {
        (
            c.system.as_ref().map(|x| x.as_str()),
            c.code.as_ref().map(|x| x.as_str()),
        )
    }))?;
    let sent = q.value.as_ref()?.text()?.trim();
    let value = sent.parse::<f64>().ok().filter(|v| v.is_finite())?;
    let comparator = text(&q.comparator);
    let ucum = q
        .system
        .as_ref()
        .is_some_and(|x| x.as_str().trim().trim_end_matches('/') == UCUM);
    let unit_text = text(&q.unit).or_else(|| text(&q.code));
    let unit = text(&q.code).filter(|_| ucum).or(unit_text).or(implied);
    let name = term(code).map_or_else(
        || match &measured {
            Measured::Known(k) => SmolStr::new_static(k.title()),
            Measured::Coded(c) => c.clone(),
        },
        SmolStr::from,
    );
    Some(Measurement {
        measured,
        name,
        value,
        text: format_smolstr!("{}{sent}", comparator.unwrap_or("")),
        censored: comparator.is_some(),
        range_text: ranges
            .first()
            .and_then(|r| with_unit(&r.low, &r.high, &r.text, unit_text))
            .map(SmolStr::from),
        band: flag::band(q, ranges, who),
        unit: unit.map(SmolStr::new),
        unit_text: unit_text.map(SmolStr::new),
        date: taken.clone(),
        flag,
    })
}
