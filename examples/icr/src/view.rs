//! Opening a session as a host would and asking it for the summary: every view the
//! command prints has gone through an access decision and an audit entry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use icr_core::audit::{AuditKey, FileAuditLog};
use icr_core::launch::Relationship;
use icr_core::session::{Clock, Icr, Session, Store, demo};
use icr_core::{PatientSummary, SharedCareRecord};

/// The audit key the reference host uses when `ICR_AUDIT_KEY` is not set. It is
/// published here, so a log written with it proves nothing: set `ICR_AUDIT_KEY` (64 hex
/// characters or more) for any real use.
const DEMO_AUDIT_KEY: &[u8; 32] = b"icr-demo-audit-key-published!!!!";

/// Who is looking, from the command line.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ViewArgs {
    /// Policy role to view as: gp, hospital-doctor, nurse, pharmacist, mental-health,
    /// social-worker, ooh-clinician, receptionist, privacy-officer.
    #[arg(long = "as", default_value = "gp")]
    pub role: String,
    /// Legitimate-relationship basis asserted by the host.
    #[arg(long, default_value = "care-team")]
    pub relationship: String,
    /// Use emergency access with this reason (recorded and raised to the privacy officer).
    #[arg(long)]
    pub break_glass: Option<String>,
    /// The audit log to append to.
    #[arg(long, conflicts_with = "database")]
    pub audit: Option<PathBuf>,
    /// The region's PostgreSQL database (`postgres://user@host:port/db`): the one audit
    /// chain and the state every host shares (token replay, emergency access, opt-outs).
    #[arg(long, env = "ICR_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// The date to view on (yyyy-mm-dd): ages, staleness; default today.
    #[arg(long)]
    pub as_of: Option<jiff::civil::Date>,
    /// Present this launch token (as a host EPR would) instead of minting a demo token;
    /// the token names the patient and the role.
    #[arg(long)]
    pub token: Option<String>,
}

/// The audit key: `ICR_AUDIT_KEY` (hex), else the published demo key with a warning.
pub(crate) fn audit_key() -> Result<AuditKey, String> {
    match std::env::var("ICR_AUDIT_KEY") {
        Ok(hex) => {
            let bytes = decode_hex(hex.trim()).ok_or("ICR_AUDIT_KEY is not hex")?;
            AuditKey::from_bytes(&bytes).map_err(|e| e.to_string())
        }
        Err(_) => {
            eprintln!("icr: ICR_AUDIT_KEY is not set; using the published demo audit key");
            AuditKey::from_bytes(DEMO_AUDIT_KEY).map_err(|e| e.to_string())
        }
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Where the `icr` command keeps a log's checkpoint: beside it, `<log>.checkpoint`.
pub(crate) fn checkpoint_path(log: &Path) -> PathBuf {
    let mut name = log.file_name().unwrap_or_default().to_os_string();
    name.push(".checkpoint");
    log.with_file_name(name)
}

/// The store `args` name: the region's database (`--database`, or `ICR_DATABASE_URL`)
/// for the audit chain and the shared state; else the audit file given (checked against,
/// and keeping, its checkpoint beside it); else an in-memory log. A line set aside on
/// opening a file is reported on stderr.
pub(crate) fn store(args: &ViewArgs) -> Result<Store, String> {
    let key = audit_key()?;
    if let Some(url) = &args.database {
        return Store::database(url, key).map_err(|e| format!("database: {e}"));
    }
    let Some(p) = &args.audit else {
        return Ok(Store::memory(key));
    };
    let log = FileAuditLog::open_with_checkpoint_file(p, key, &checkpoint_path(p))
        .map_err(|e| format!("audit log {}: {e}", p.display()))?;
    if let Some(q) = log.quarantined() {
        eprintln!(
            "icr: WARNING: the audit log's last line was incomplete or did not verify; it was set aside in {} and the log continues (run `icr audit verify`)",
            q.display()
        );
    }
    Ok(Store::with_log(Arc::new(log)))
}

/// Seconds for `--as-of` (noon UTC that day) or now. A date the clock cannot stand at
/// (before 1970, or at the end of the calendar) is an error, never silently today.
pub(crate) fn clock(as_of: Option<jiff::civil::Date>) -> Result<Clock, String> {
    let Some(day) = as_of else {
        return Ok(Arc::new(|| jiff::Timestamp::now().as_second()));
    };
    let at = jiff::tz::TimeZone::UTC
        .to_timestamp(day.at(12, 0, 0, 0))
        .ok()
        .map(|t| t.as_second())
        .filter(|s| *s > 0 && day < jiff::civil::date(9999, 12, 31))
        .ok_or_else(|| {
            format!("--as-of {day} is outside the dates supported (1970-01-01 to 9999-12-30)")
        })?;
    Ok(Arc::new(move || at))
}

/// An ICR over the demo key and default policy, with this store and clock.
pub(crate) fn icr(store: &Store, clock: Clock) -> Result<Icr, String> {
    let builder = demo::builder(store.sink())
        .map_err(|e| e.to_string())?
        .clock(clock);
    Ok(match store.shared_state() {
        Some(state) => builder.state(state),
        None => builder,
    }
    .build())
}

/// Opens a session as `args` says for the record's patient.
pub(crate) fn open(
    icr: &Icr,
    args: &ViewArgs,
    record: &SharedCareRecord,
    now: i64,
) -> Result<Session, String> {
    if let Some(token) = &args.token {
        return icr.open_session(token).map_err(|e| e.to_string());
    }
    let patient = record
        .nhs_number()
        .cloned()
        .ok_or_else(|| no_patient(record))?;
    let relationship: Relationship = args
        .relationship
        .parse()
        .map_err(|_| format!("unknown relationship '{}'", args.relationship))?;
    let token = demo::token(icr.policy(), &args.role, relationship, patient, now)
        .map_err(|e| format!("cannot view as '{}': {e}", args.role))?;
    let session = icr.open_session(&token).map_err(|e| e.to_string())?;
    if let Some(reason) = &args.break_glass {
        session.break_glass(reason).map_err(|e| e.to_string())?;
    }
    Ok(session)
}

/// Why no patient: each source's own failure, when sources failed (the real cause, not
/// only that no NHS number was found).
fn no_patient(record: &SharedCareRecord) -> String {
    let causes: Vec<String> = record
        .sources()
        .iter()
        .filter_map(|s| Some(format!("{}: {}", s.organisation.name, s.reason.as_deref()?)))
        .collect();
    if causes.is_empty() {
        "no source identifies the patient with a valid NHS number".to_owned()
    } else {
        format!("no source could be read: {}", causes.join("; "))
    }
}

/// The summary `args` may see, audited.
pub(crate) fn summary(
    record: &SharedCareRecord,
    args: &ViewArgs,
    store: &Store,
) -> Result<PatientSummary, String> {
    let clock = clock(args.as_of)?;
    let now = clock();
    let icr = icr(store, clock)?;
    let session = open(&icr, args, record, now)?;
    session.summary(record).map_err(|e| e.to_string())
}
