//! A real PostgreSQL server for the tests, started once per test binary on loopback in
//! its own data directory, and stopped (its directory removed) when the test binary
//! exits.
//!
//! It needs Debian's `postgresql` package (`initdb` and `pg_ctl` under
//! `/usr/lib/postgresql/<version>/bin`, or the directory in `ICR_PG_BIN`); without it
//! the tests fail with that instruction, never skip. As root (CI), the server runs as the
//! package's unprivileged `postgres` user, which owns the data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The running server.
pub struct Server {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    run_as_postgres: bool,
}

static SERVER: OnceLock<Server> = OnceLock::new();

/// The server of this test binary, started on first use.
pub fn server() -> &'static Server {
    SERVER.get_or_init(Server::start)
}

fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("ICR_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed: these tests start their own server. Install \
             Debian's package (`apt-get install -y postgresql`, as .ci/run does) or set \
             ICR_PG_BIN to the directory holding initdb and pg_ctl"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Server {
    fn start() -> Server {
        let bin = bin_dir();
        let run_as_postgres = is_root();
        let dir =
            std::env::temp_dir().join(format!("icr-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).expect("data directory");
        if run_as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "running as root, the server must run as the `postgres` user that Debian's \
                 postgresql package creates, and it could not be given the data directory"
            );
        }
        let server = Server {
            port: free_port(),
            dir,
            bin,
            run_as_postgres,
        };
        let out = server
            .command("initdb")
            .arg("-D")
            .arg(&server.dir)
            .args(["-A", "trust", "-U", "postgres", "--no-instructions"])
            .stdout(Stdio::null())
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.watch_parent();
        server.start_server();
        server
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// Stops the server when this test binary exits, however it exits, and removes its
    /// data directory: a watcher process polls for the test process.
    fn watch_parent(&self) {
        let stop = format!(
            "{} {} -D {} -m immediate stop",
            if self.run_as_postgres {
                "runuser -u postgres --"
            } else {
                ""
            },
            self.bin.join("pg_ctl").display(),
            self.dir.display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.display(),
        );
        // Never waited for: it outlives this process on purpose.
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the watcher starts");
    }

    fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .args(["-o", &options, "-l"])
            .arg(self.dir.join("server.log"))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "PostgreSQL did not start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// Stops the server (fast shutdown: connections are cut), as a database outage.
    pub fn stop(&self) {
        let ok = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "PostgreSQL did not stop");
    }

    /// Stops the server the way a crash would (immediate shutdown: no checkpoint, nothing
    /// flushed that was not already), so that only durable data survives.
    pub fn crash(&self) {
        let ok = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "PostgreSQL did not stop");
    }

    /// Starts it again after [`stop`](Self::stop) or [`crash`](Self::crash), on the same
    /// port and data.
    pub fn restart(&self) {
        self.start_server();
    }

    /// The URL of database `name` as the superuser.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// A new empty database for one test (dropped first if a previous run left it).
    pub fn fresh_database(&self, name: &str) -> String {
        let mut admin =
            postgres::Client::connect(&self.url("postgres"), postgres::NoTls).expect("connect");
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).expect("create the test database");
        }
        self.url(name)
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
