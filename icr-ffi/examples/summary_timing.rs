//! The Rust side of the bindings' timing: one summary call of the largest GP Connect
//! record, through the same `icr-ffi` objects the hosts use (Rust calls them without the
//! FFI), in steady state as criterion measures it: calls repeated for a warm-up time first,
//! then the median of a fixed number of timed calls. Every host times the same calls by the
//! same rule (`scripts/ffi-tests.sh` prints them side by side):
//! `summary_view` is one `summary_view()` with its `banner()` and `sections()` (what a host
//! renders first), `view_all` the same plus every section's items.
//!
//! `cargo run --release -p icr-ffi --example summary_timing -- FILE NHS_NUMBER`

use std::time::{Duration, Instant};

use icr_core::launch::Relationship;
use icr_core::summary::PatientSummary;
use icr_ffi::{Icr, mint_demo_token};
use uniffi::LowerReturn;

/// How long each call is repeated before it is timed: long enough for the hosts' JITs (the
/// JVM's C2, mono) to have compiled the decoder, so the figures are steady state.
const WARM_UP: Duration = Duration::from_millis(1500);
/// How many calls are timed after the warm-up; the figure is their median.
const SAMPLES: usize = 50;

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms.get(ms.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time<T>(mut f: impl FnMut() -> T) -> f64 {
    let warm_up = Instant::now();
    while warm_up.elapsed() < WARM_UP {
        std::hint::black_box(f());
    }
    let mut ms = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        std::hint::black_box(f());
        ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    median(ms)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(nhs)) = (args.next(), args.next()) else {
        return Err("usage: summary_timing FILE NHS_NUMBER".into());
    };
    let bytes = std::fs::read(&file)?;
    let icr = Icr::demo()?;
    let token = mint_demo_token("gp".into(), Relationship::RegisteredGp, nhs)?;
    let set = icr.open_session(token)?.source_set()?;
    set.add_bytes(None, bytes)?;
    let record = set.merge()?;
    let json = time(|| record.summary_json().map(|j| j.len()));
    let typed = time(|| record.summary().map(|s| s.sections.len()));
    // The same, lowered into the buffer a host receives (uniffi's encoding, as the exported
    // method returns it): what every host's summary() pays before it decodes anything.
    let lowered = time(|| {
        record.summary().map(|s| {
            <PatientSummary as LowerReturn<icr_core::UniFfiTag>>::lower_return(s)
                .map(|buffer| buffer.destroy_into_vec().len())
        })
    });
    let bytes = time(|| record.summary_json_bytes().map(|b| b.len()));
    let marshal = time(|| record.summary_marshal().map(|b| b.len()));
    // What a host renders first through the view, and what reading all of it costs.
    let view = time(|| -> Result<usize, icr_ffi::IcrError> {
        let view = record.summary_view()?;
        Ok(view.banner()?.alerts.len() + view.sections()?.len())
    });
    let view_all = time(|| -> Result<usize, icr_ffi::IcrError> {
        let view = record.summary_view()?;
        let mut n = view.banner()?.alerts.len();
        for s in view.sections()? {
            n += view.section(s.key)?.items.len();
        }
        Ok(n)
    });
    let items: usize = record
        .summary()?
        .sections
        .iter()
        .map(|s| s.items.len())
        .sum();
    println!(
        "rust summary_json_ms={json:.3} summary_json_bytes_ms={bytes:.3} summary_ms={typed:.3} \
         summary_lowered_ms={lowered:.3} \
         summary_marshal_ms={marshal:.3} summary_view_ms={view:.3} view_all_ms={view_all:.3} \
         items={items}"
    );
    Ok(())
}
