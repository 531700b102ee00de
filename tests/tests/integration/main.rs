//! Whole-flow tests of the ICR SDK, as one test binary (see `STYLE.md`: integration tests
//! link once).
//!
//! - [`corpus`]: every file of the third-party FHIR corpus is read, and the ingest report
//!   is checked against counts made here from the raw JSON.
//! - [`gpconnect_counts`]: per-section item counts of the GP Connect records against
//!   numbers counted independently (`/work/notes/corpus-report.md`).
//! - [`bad_input`]: hostile and broken documents give specific errors that repeat no data.
//! - [`hazards`]: the whole-flow tests named in the clinical hazard log
//!   (`docs/hazard-log.md`), each proving a control from ingest to the JSON and HTML a
//!   clinician sees.
//! - [`sensitive`]: the national sensitive code sets, code positions, links, medicines by
//!   brand name and restricted patients, each role's view checked (hazards H22–H25).
//! - [`fidelity`]: for EMIS, TPP, Medicus and Synthea records, the GP's summary against
//!   allergy reactions and criticality, medication courses and supplies, problem episodes
//!   and result flags made independently from the raw FHIR (issue #13).
//! - [`heldout`]: four synthetic Bundles written from the standards by a tester who had
//!   not seen the SDK's tuning records (`tests/fixtures/heldout/`): the merged GP summary
//!   against the expectations written before the first run, in any input order.
//! - [`ips`]: the FHIR document of each role's view and of corpus records, validated by
//!   a real FHIR validator (Medplum's, with Node).
//! - [`risk`]: the risk signals through sessions: the demo patient's, a withheld
//!   admission that changes no number, generated records against an independent count.
//! - [`trends`]: the demo patient's trends through sessions, and every corpus record's
//!   trends against the numeric results counted from the raw FHIR.
//! - [`demo`]: the built-in demo patient tells the story of `icr-core/demo/README.md`, and
//!   each role sees what the policy says it may, with every view audited.
//!
//! Record content is public only through a session's summary (an audited access
//! decision), so the tests read items the way a host does: [`host`] opens a demo session
//! as the registered GP, who may see everything, and checks that nothing was withheld.
//! Per-section counts of one source come from its ingest report.
//!
//! The corpus is never bundled: the corpus tests read it from the folder named by the
//! environment variable `ICR_CORPUS` and are skipped, loudly, when it is not set.

// `cfg(test)` (always true in a test binary) tells clippy that the helpers in these
// modules are test code, where `clippy.toml` allows unwrap, expect and panic.
#[cfg(test)]
mod bad_input;
#[cfg(test)]
mod cis2;
#[cfg(test)]
mod corpus;
#[cfg(test)]
mod demo;
#[cfg(test)]
mod fidelity;
#[cfg(test)]
mod gpconnect_counts;
#[cfg(test)]
mod hazards;
#[cfg(test)]
mod heldout;
#[cfg(test)]
mod host;
#[cfg(test)]
mod ips;
#[cfg(test)]
mod risk;
#[cfg(test)]
mod sensitive;
#[cfg(test)]
mod trends;

use std::path::{Path, PathBuf};

/// Environment variable naming the corpus folder.
const CORPUS_VAR: &str = "ICR_CORPUS";

/// The corpus folder, or `None` after a loud note on stderr when `ICR_CORPUS` is unset.
///
/// A relative value is taken relative to the workspace root (the folder `cargo` is run
/// from), not to this package, so `ICR_CORPUS=../shared/fhir-corpus` works as documented.
/// A value that does not name an existing folder fails the test: a typo must not turn the
/// conformance run into a silent pass.
pub(crate) fn corpus_dir() -> Option<PathBuf> {
    let Some(value) = std::env::var_os(CORPUS_VAR) else {
        static NOTICE: std::sync::Once = std::sync::Once::new();
        NOTICE.call_once(|| {
            loud(&format!(
                "\n*** {CORPUS_VAR} is not set: corpus conformance tests SKIPPED — set it to ../shared/fhir-corpus ***\n"
            ));
        });
        return None;
    };
    let given = PathBuf::from(&value);
    let dir = if given.is_absolute() {
        given
    } else {
        workspace_root().join(given)
    };
    assert!(
        dir.is_dir(),
        "{CORPUS_VAR} is set to {value:?}, but {} is not a folder",
        dir.display()
    );
    Some(dir)
}

/// Writes a line straight to the process's stderr. `eprintln!` inside a test is captured
/// by the test harness and shown only when the test fails; a skipped corpus run and the
/// corpus summary must be seen in every run.
pub(crate) fn loud(message: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    // Nothing useful can be done if stderr is closed.
    let _ = writeln!(err, "{message}");
}

/// The workspace root: the parent of this package's folder.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The name of a file without its folder, for messages.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
