//! `gclab-py --stats --latency` on every corpus program: the garbage-latency tracker
//! keeps a shadow of the heap's edges (`src/latency.rs`), checked against the heap at
//! exit (a difference ends the run with status 4 and a message naming it). Here the
//! tracker must see every mutation of every program (the check passes), print its line,
//! and change nothing the program does: the same output, exit status and collections as
//! the same run without it. The latencies themselves are checked by hand-computed cases
//! in `src/latency.rs`' unit tests.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::corpus;

fn run(program: &Path, strategy: &str, latency: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gclab-py"));
    cmd.args(["--strategy", strategy, "--stats"]);
    if latency {
        cmd.arg("--latency");
    }
    cmd.arg(program)
        .current_dir(program.parent().expect("corpus dir"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run gclab-py")
}

/// The `gclab-py stats:` line without its times.
fn counts(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("gclab-py stats:"))
        .unwrap_or_else(|| panic!("no stats line in:\n{stderr}"));
    line.split(", pause").next().unwrap_or(line).to_owned()
}

#[test]
fn the_tracker_sees_every_mutation_of_every_corpus_program_and_changes_nothing() {
    for program in corpus() {
        for strategy in ["generational", "bacon-rajan"] {
            let plain = run(&program, strategy, false);
            let measured = run(&program, strategy, true);
            let err = String::from_utf8_lossy(&measured.stderr);
            let name = format!("{} under {strategy}", program.display());
            assert!(
                !err.contains("--latency:"),
                "{name}: the shadow differs from the heap:\n{err}"
            );
            assert_eq!(
                measured.status.code(),
                plain.status.code(),
                "{name}: exit status"
            );
            assert_eq!(measured.stdout, plain.stdout, "{name}: standard output");
            assert_eq!(
                counts(&err),
                counts(&String::from_utf8_lossy(&plain.stderr)),
                "{name}: collections"
            );
            assert!(
                err.lines().any(|l| l.starts_with("  garbage latency: ")),
                "{name}: no latency line:\n{err}"
            );
        }
    }
}
