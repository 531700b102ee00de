//! `icr audit ship --to URL --mark FILE`: sends every entry of the log not yet
//! acknowledged to a FHIR server as IHE BALP `AuditEvent`s (`icr_core::audit::ship_pending`)
//! and prints `{"shipped":N,"already_present":M,"last_seq":S}` on one line. Run it again
//! after a failure: it carries on from the mark, and a resend makes no duplicate.

use std::path::PathBuf;

use icr_core::audit::{AuditSource, FileShipMark, ShipMark, ShipTarget, ship_pending};

/// Where to ship to, and where the shipper keeps its place.
#[derive(clap::Args, Debug)]
pub(crate) struct ShipArgs {
    /// The FHIR server's base URL; events are created at `<URL>/AuditEvent` (https, or
    /// http on a loopback address).
    #[arg(long, value_name = "FHIR_BASE_URL")]
    pub to: String,
    /// The file keeping the last entry the server acknowledged (created by the first
    /// run; delete it, or keep an older copy, to send entries again: the server keeps
    /// one event per entry). With `--database` the mark is kept in the database, per
    /// server, unless a file is named here.
    #[arg(long, value_name = "FILE")]
    pub mark: Option<PathBuf>,
    /// The name of an environment variable holding a bearer token for the server (an
    /// unset or empty variable is an error: nothing is sent).
    #[arg(long, value_name = "NAME")]
    pub bearer_token_env: Option<String>,
    /// The ICR deployment's name in the events (default `ICR SDK <version>`).
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// The ICR deployment's network address (host name, IP address or URI). With
    /// `--client-address`, views are sent as IHE BALP PatientRead, which needs both.
    #[arg(long, value_name = "ADDRESS")]
    pub server_address: Option<String>,
    /// The host application's name in the events (default `host application`).
    #[arg(long, value_name = "NAME")]
    pub client_name: Option<String>,
    /// The host application's network address.
    #[arg(long, value_name = "ADDRESS")]
    pub client_address: Option<String>,
    /// Tries per entry while the server is unreachable or busy (429, 5xx).
    #[arg(long, default_value_t = 5)]
    pub max_attempts: u32,
}

impl ShipArgs {
    fn target(&self) -> ShipTarget {
        let mut target = ShipTarget::new(self.to.clone());
        target.bearer_token_env = self.bearer_token_env.clone();
        target.max_attempts = self.max_attempts.max(1);
        let systems = &mut target.systems;
        if let Some(name) = &self.server_name {
            systems.server.name = name.clone();
        }
        systems.server.address = self.server_address.clone();
        if let Some(name) = &self.client_name {
            systems.client.name = name.clone();
        }
        systems.client.address = self.client_address.clone();
        target
    }
}

/// The one line printed, in this order (a contract scripts read).
#[derive(serde::Serialize)]
struct Line {
    shipped: u64,
    already_present: u64,
    last_seq: u64,
}

/// Ships what `source` holds beyond the mark. Exit status 0 when everything verified is
/// acknowledged; 1 when the run stopped (the reason on stderr, with the last entry
/// acknowledged), so that a scheduler tries again and an operator sees why.
pub(crate) fn run(args: &ShipArgs, log: &crate::audit_cmd::LogArgs) -> i32 {
    let (source, mark): (Box<dyn AuditSource>, Box<dyn ShipMark>) =
        match crate::audit_cmd::source(log) {
            Ok(source) => match (&args.mark, crate::audit_cmd::database(log)) {
                (Some(file), _) => (source, Box::new(FileShipMark::new(file))),
                (None, Some(db)) => (source, Box::new(db.ship_mark(&args.to))),
                (None, None) => return fail("--mark FILE is needed to ship a log file"),
            },
            Err(e) => return fail(&e),
        };
    match ship_pending(&*source, &*mark, &args.target()) {
        Ok(report) => {
            let line = Line {
                shipped: report.shipped,
                already_present: report.already_present,
                last_seq: report.last_seq,
            };
            match serde_json::to_string(&line) {
                Ok(json) => {
                    println!("{json}");
                    0
                }
                Err(_) => 1,
            }
        }
        Err(e) => {
            // The error names sequence numbers and statuses only, never entry content.
            let last = match mark.load() {
                Ok(Some(c)) => format!("; last entry acknowledged: {}", c.seq),
                Ok(None) => "; no entry acknowledged yet".to_owned(),
                Err(_) => String::new(),
            };
            eprintln!("icr: audit ship: {e}{last}");
            1
        }
    }
}

fn fail(message: &str) -> i32 {
    eprintln!("icr: audit ship: {message}");
    1
}
