//! `icr`: the reference host for the ICR SDK. Its subcommands and JSON output are a
//! contract: integrators script against them and issues name them exactly.
#![forbid(unsafe_code)]

mod audit_cmd;
mod demo_cmd;
mod fetch_cmd;
mod ingest_cmd;
mod ship_cmd;
mod summary_cmd;
mod token_cmd;
mod view;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Integrated Care Record reference host.
#[derive(Parser)]
#[command(name = "icr", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the built-in demo patient, joined from five organisations, as a GP sees them
    /// and how the view differs for a receptionist and a social worker.
    Demo {
        /// Print the chosen role's summary JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        view: view::ViewArgs,
    },
    /// Merge FHIR files (one source each) and show the summary a role may see.
    Summary {
        /// Print the summary JSON instead of text.
        #[arg(long, conflicts_with = "fhir")]
        json: bool,
        /// Print the same view as a FHIR R4 document instead: an International Patient
        /// Summary Bundle carrying only what the role may see (audited as a view).
        #[arg(long)]
        fhir: bool,
        /// Also write the panel as a standalone HTML page to this file.
        #[arg(long, conflicts_with = "fhir")]
        html: Option<PathBuf>,
        /// The patient (NHS number) the sources must be about; default the token's, else
        /// the first source's.
        #[arg(long)]
        patient: Option<String>,
        #[command(flatten)]
        view: view::ViewArgs,
        /// FHIR JSON files, one source each, the registered GP's first.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Fetch the patient's record from the organisations of a directory over HTTP (in
    /// parallel, each within its deadline) and show the summary a role may see, with
    /// each source's status.
    Fetch {
        /// The directory of participating organisations (JSON, see docs/directory.md).
        #[arg(long)]
        directory: PathBuf,
        /// Print the summary JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        view: view::ViewArgs,
        /// The patient's NHS number.
        nhs_number: String,
    },
    /// Read FHIR files and report what became of every resource (one JSON object per file).
    Ingest {
        /// Print JSON (the only format).
        #[arg(long)]
        json: bool,
        /// FHIR JSON files, one source each.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Mint a demo launch token (signed with the published demo key).
    Token {
        /// Policy role.
        #[arg(long = "as", default_value = "gp")]
        role: String,
        /// Legitimate-relationship basis.
        #[arg(long, default_value = "care-team")]
        relationship: String,
        /// The patient's NHS number.
        #[arg(long, default_value = icr_core::demo::PATIENT_NHS_NUMBER)]
        patient: String,
        /// Seconds until the token expires (default 300; a longer one is minted as asked,
        /// and refused by any ICR whose policy allows less).
        #[arg(long, default_value_t = 300)]
        expires_in: i64,
        /// Carry this CIS2 UserInfo response (JSON: `nhsid_useruid`, `name`,
        /// `nhsid_nrbac_roles`, `nhsid_user_orgs`, `selected_roleid`) instead of `--as`: the
        /// session's user, role and organisation come from the selected CIS2 role.
        #[arg(long, conflicts_with = "role")]
        cis2: Option<PathBuf>,
        /// The authentication's CIS2 `acr`, with `--cis2` (default: the userinfo's `acr`,
        /// else `AAL3_ANY`, a smartcard sign-in).
        #[arg(long, requires = "cis2")]
        acr: Option<String>,
    },
    /// Verify an audit log or report who accessed a patient's record.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the whole log; exit 0 only when it verifies, otherwise say where it breaks.
    Verify {
        /// A checkpoint (JSON `{"seq","mac"}`) kept elsewhere, to detect truncation and rollback.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        log: audit_cmd::LogArgs,
    },
    /// Who saw this patient's record, when, which sections, and why: from every host,
    /// when the log is the region's database.
    Report {
        /// The patient's NHS number.
        #[arg(long)]
        patient: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        log: audit_cmd::LogArgs,
    },
    /// Send every entry not yet acknowledged to a FHIR server as IHE BALP AuditEvents;
    /// prints {"shipped":N,"already_present":M,"last_seq":S}.
    Ship {
        #[command(flatten)]
        ship: ship_cmd::ShipArgs,
        #[command(flatten)]
        log: audit_cmd::LogArgs,
    },
    /// The privacy officer's alert feed: every emergency access and every refusal.
    Alerts {
        /// Print JSON (the entries, as in the log).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        log: audit_cmd::LogArgs,
    },
}

fn print_summary(summary: &icr_core::PatientSummary, json: bool) -> i32 {
    if json {
        match serde_json::to_string_pretty(summary) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("icr: cannot write JSON: {e}");
                return 1;
            }
        }
    } else {
        print!("{}", icr_core::render::summary_text(summary));
    }
    0
}

/// Writes the panel as a standalone page (no script, strict CSP) when asked.
fn write_html(
    summary: &icr_core::PatientSummary,
    path: Option<&std::path::Path>,
) -> Result<(), String> {
    let Some(path) = path else { return Ok(()) };
    let page =
        icr_core::render::standalone_page(summary, &icr_core::render::PanelOptions::default());
    std::fs::write(path, page).map_err(|e| format!("cannot write {}: {}", path.display(), e.kind()))
}

fn report(result: Result<String, String>) -> i32 {
    match result {
        Ok(out) => {
            println!("{out}");
            0
        }
        Err(e) => {
            eprintln!("icr: {e}");
            1
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Demo { json, view } => {
            let compare = view.role == "gp" && view.break_glass.is_none();
            report(demo_cmd::run(&view, json, compare))
        }
        Command::Summary {
            json,
            fhir,
            html,
            patient,
            mut view,
            files,
        } => {
            if view.audit.is_none() && view.database.is_none() {
                view.audit = Some(PathBuf::from("icr-audit.log"));
            }
            match summary_cmd::run(&files, patient.as_deref(), &view, fhir) {
                Ok(summary_cmd::Shown::Fhir(bundle)) => {
                    println!("{bundle}");
                    0
                }
                Ok(summary_cmd::Shown::Summary(summary)) => {
                    match write_html(&summary, html.as_deref()) {
                        Ok(()) => print_summary(&summary, json),
                        Err(e) => {
                            eprintln!("icr: {e}");
                            1
                        }
                    }
                }
                Err(e) => {
                    eprintln!("icr: {e}");
                    1
                }
            }
        }
        Command::Fetch {
            directory,
            json,
            mut view,
            nhs_number,
        } => {
            if view.audit.is_none() && view.database.is_none() {
                view.audit = Some(PathBuf::from("icr-audit.log"));
            }
            fetch_cmd::run(&directory, &nhs_number, &view, json)
        }
        Command::Ingest { files, .. } => ingest_cmd::run(&files),
        Command::Token {
            role,
            relationship,
            patient,
            expires_in,
            cis2,
            acr,
        } => report(match cis2 {
            Some(path) => {
                token_cmd::run_cis2(&path, acr.as_deref(), &relationship, &patient, expires_in)
            }
            None => token_cmd::run(&role, &relationship, &patient, expires_in),
        }),
        Command::Audit { command } => match command {
            AuditCommand::Verify {
                checkpoint,
                json,
                log,
            } => audit_cmd::verify(&log, checkpoint.as_deref(), json),
            AuditCommand::Report { patient, json, log } => audit_cmd::report(&log, &patient, json),
            AuditCommand::Alerts { json, log } => audit_cmd::alerts(&log, json),
            AuditCommand::Ship { ship, log } => ship_cmd::run(&ship, &log),
        },
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
