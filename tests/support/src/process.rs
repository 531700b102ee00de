//! Child processes: a test binary that runs one of its own tests again as a child (a
//! writer to kill, another host), the `ACK` lines such a child prints, and the output of
//! a command a test ran.
//!
//! The child is the same executable, run as `<exe> --exact <test> --nocapture
//! --test-threads=1` with the environment the parent gives it; the test named is a no-op
//! unless that environment is set, so an ordinary test run passes it at once.

use std::ffi::OsStr;
use std::process::{Child, Command, Output, Stdio};

/// This test binary, run again as a child that runs only the test `test`, with `env`
/// added to its environment; its stdout piped to the parent, its stderr dropped.
pub fn spawn_self<K, V>(test: &str, env: impl IntoIterator<Item = (K, V)>) -> Child
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let exe = std::env::current_exe().expect("the test binary's path");
    Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not run {test} as a child: {e}"))
}

/// What follows `ACK ` on a line a child printed (`"12"`, or `"12 <mac>"`), if the line
/// has one. The test harness writes `test <name> ... ` before the test runs, without a
/// newline, so the first acknowledgement can follow it on the same line.
pub fn ack(line: &str) -> Option<&str> {
    let at = line.find("ACK ")?;
    line.get(at + 4..).map(str::trim)
}

/// What a command printed on stdout, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a command printed on stderr, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
