//! What the integration tests share: how a test that needs an external tool (Graphviz's
//! `dot`, `python3`) behaves when the tool is missing.
//!
//! No test passes by doing nothing: under CI (`CI=true`, as `.ci/run` is run) a missing
//! tool fails the test, because CI installs it; elsewhere the test prints a visible
//! `SKIPPED: ...` line on stderr and returns. The line is written to the stderr handle,
//! not with `eprintln!`, so the test harness does not capture it: it shows in a plain
//! `cargo test`.

use std::io::Write;
use std::process::Command;

/// Whether this run is CI's: the `CI` environment variable is `true` (or `1`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Whether `program` runs and exits successfully with `arg` (e.g. `dot -V`).
pub fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether Graphviz's `dot` is on the PATH.
#[allow(dead_code)] // not every test binary that includes this module draws
pub fn dot_installed() -> bool {
    runs("dot", "-V")
}

/// Whether `python3` is on the PATH.
#[allow(dead_code)] // not every test binary that includes this module runs Python
pub fn python_installed() -> bool {
    runs("python3", "--version")
}

/// Reports that (part of) a test cannot run here because of `why`: under CI it panics,
/// elsewhere it prints `SKIPPED: {what}: {why}` on stderr. Call it, then skip the part.
pub fn skip(what: &str, why: &str) {
    if under_ci() {
        panic!("{what} cannot run: {why}, and CI=true: CI installs what its tests need");
    }
    // Not `eprintln!`: the harness captures that for passing tests.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}: {why}");
}
