//! `icr fetch --directory FILE NHS_NUMBER`: the record fetched from the participating
//! organisations over HTTP, through an audited session, shown as `icr summary` shows it.

use std::path::Path;
use std::time::Instant;

use icr_core::NhsNumber;
use icr_core::fetch::{Directory, FetchOptions, ProgressEvent, SourceProgress};
use icr_core::launch::Relationship;
use icr_core::session::{FetchedSummary, demo};

use crate::view::{self, ViewArgs};

/// One line on stderr per step, so that stdout stays the summary (or its JSON).
fn show(p: SourceProgress) {
    match p.event {
        ProgressEvent::Started => eprintln!("icr: {:<8} fetching…", p.ods_code),
        ProgressEvent::Retrying {
            attempt,
            delay_ms,
            http_status,
        } => eprintln!(
            "icr: {:<8} HTTP {http_status}, try {attempt} in {delay_ms} ms",
            p.ods_code
        ),
        ProgressEvent::Done { status, reason } => {
            let status = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            match reason {
                Some(r) => eprintln!("icr: {:<8} {status}: {r}", p.ods_code),
                None => eprintln!("icr: {:<8} {status}", p.ods_code),
            }
        }
        _ => {}
    }
}

/// Fetches, merges, decides and audits; returns the exit code.
/// Exit status 3 when no source could be read: the summary holds nothing received.
pub(crate) fn run(directory: &Path, nhs_number: &str, args: &ViewArgs, json: bool) -> i32 {
    match summary(directory, nhs_number, args) {
        Ok(summary) if summary.sources_read() == 0 => {
            crate::print_summary(&summary, json);
            eprintln!("icr: nothing was received: no source could be read");
            3
        }
        Ok(summary) => crate::print_summary(&summary, json),
        Err(e) => {
            eprintln!("icr: {e}");
            1
        }
    }
}

fn summary(
    directory: &Path,
    nhs_number: &str,
    args: &ViewArgs,
) -> Result<icr_core::PatientSummary, String> {
    let patient = NhsNumber::parse(nhs_number.trim())
        .map_err(|_| "the NHS number is not valid (ten digits with a valid check digit)")?;
    let directory = Directory::load(directory).map_err(|e| format!("directory: {e}"))?;
    let relationship: Relationship = args
        .relationship
        .parse()
        .map_err(|_| format!("unknown relationship '{}'", args.relationship))?;
    let store = view::store(args)?;
    let clock = view::clock(args.as_of)?;
    let now = clock();
    let icr = view::icr(&store, clock)?;
    let token = match &args.token {
        Some(t) => t.clone(),
        None => demo::token(icr.policy(), &args.role, relationship, patient.clone(), now)
            .map_err(|e| format!("cannot view as '{}': {e}", args.role))?,
    };
    let session = icr.open_session(&token).map_err(|e| e.to_string())?;
    if session.context().patient != patient {
        return Err("the launch token is for another patient".to_owned());
    }
    if let Some(reason) = &args.break_glass {
        session.break_glass(reason).map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    let FetchedSummary { summary, outcomes } = session
        .fetch_summary_blocking(&directory, &FetchOptions::default(), show)
        .map_err(|e| e.to_string())?;
    let ok = outcomes
        .iter()
        .filter(|o| o.status == icr_core::SourceStatus::Ok)
        .count();
    eprintln!(
        "icr: {ok} of {} sources answered in {} ms",
        outcomes.len(),
        started.elapsed().as_millis()
    );
    Ok(summary)
}
