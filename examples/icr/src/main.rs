//! `icr`: the reference host for the ICR SDK. Its subcommands and JSON output are a
//! contract: integrators script against them and issues name them exactly.
#![forbid(unsafe_code)]

mod ingest_cmd;
mod summary_cmd;
mod text;

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
    /// Show the built-in demo patient, joined from five organisations.
    Demo {
        /// Print the summary JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The date to compute ages and staleness on (yyyy-mm-dd); default today.
        #[arg(long)]
        as_of: Option<jiff::civil::Date>,
    },
    /// Merge FHIR files (one source each) into one patient summary.
    Summary {
        /// Print the summary JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The date to compute ages and staleness on (yyyy-mm-dd); default today.
        #[arg(long)]
        as_of: Option<jiff::civil::Date>,
        /// FHIR JSON files, one source each, the registered GP's first.
        #[arg(required = true)]
        files: Vec<PathBuf>,
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
}

fn today() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
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
        print!("{}", text::render(summary));
    }
    0
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Demo { json, as_of } => {
            let summary = summary_cmd::build(summary_cmd::from_demo(), as_of.unwrap_or_else(today));
            print_summary(&summary, json)
        }
        Command::Summary { json, as_of, files } => {
            let summary =
                summary_cmd::build(summary_cmd::from_files(&files), as_of.unwrap_or_else(today));
            print_summary(&summary, json)
        }
        Command::Ingest { files, .. } => ingest_cmd::run(&files),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
