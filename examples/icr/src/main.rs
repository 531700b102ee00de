//! `icr`: the reference host for the ICR SDK.
#![forbid(unsafe_code)]

mod ingest_cmd;

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Ingest { files, .. } => ingest_cmd::run(&files),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
