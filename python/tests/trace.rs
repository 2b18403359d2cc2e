//! `gclab-py --trace FILE`: corpus programs run with their heap's ops recorded, and the
//! traces replayed through `gclab::testing` against the reference model, under the
//! strategy the header names (as `gclab-replay FILE` does) and under every strategy (as
//! `gclab-strategies --trace FILE` runs them), with no violation.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use gclab::experiment::{STRATEGIES, StrategyChoice, StrategyHeaps, WithHarnessStrategy};
use gclab::testing::{HarnessStrategy, Op, Runner, TraceHeader, TraceStrategy, read_trace};

/// Programs whose heaps run user code inside the heap (finalizers, weak-reference
/// callbacks, `gc.garbage`, collections) and the seed.
const PROGRAMS: [&str; 4] = [
    "seed_refcount",
    "finalizers",
    "weakref_callbacks",
    "garbage_list",
];

/// Runs `gclab-py --stats --trace FILE program`; returns the trace's path and the number
/// of objects the run left in its heap (from `--stats`).
fn record(name: &str) -> (PathBuf, usize) {
    let program = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(format!("{name}.py"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("traces");
    std::fs::create_dir_all(&dir).unwrap();
    // A file of its own per recording: the tests run in parallel and record some of
    // the same programs (one file shared, one test read it while another rewrote it).
    static RECORDINGS: AtomicUsize = AtomicUsize::new(0);
    let n = RECORDINGS.fetch_add(1, Ordering::Relaxed);
    let trace = dir.join(format!("{name}-{n}.jsonl"));
    let out = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .arg("--stats")
        .arg("--trace")
        .arg(&trace)
        .arg(&program)
        .output()
        .expect("gclab-py runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name}: {}\n{stderr}", out.status);
    // "  heap: N allocations, M objects left ..."
    let left = stderr
        .lines()
        .find_map(|l| l.split_once(" allocations, "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no heap line in --stats:\n{stderr}"));
    (trace, left)
}

/// Replays ops under one strategy with the model, checking the whole heap every
/// `check_every` ops and after the last; returns the objects alive at the end.
struct Replay<'a> {
    ops: &'a [Op],
    check_every: usize,
    what: String,
}

impl WithHarnessStrategy for Replay<'_> {
    type Output = usize;

    fn run<C: HarnessStrategy>(self, strategy: &StrategyHeaps<C>) -> usize {
        let mut runner = Runner::with_strategy(strategy.collector(true));
        for (i, op) in self.ops.iter().enumerate() {
            let full = (i + 1) % self.check_every == 0;
            if let Err(v) = runner.apply_checking(op, full) {
                panic!("{}: violation at op {i} {op:?}: {v}", self.what);
            }
        }
        if let Err(v) = runner.check() {
            panic!("{}: violation after the last op: {v}", self.what);
        }
        runner.heap().len()
    }
}

fn header_choice(trace: &Path) -> StrategyChoice {
    let header = TraceHeader::read(trace).unwrap();
    assert!(
        header
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("gclab-py ")),
        "{header:?}"
    );
    match header.strategy {
        Some(TraceStrategy::Spec(spec)) => spec.parse().unwrap(),
        other => panic!("the header names no strategy spec: {other:?}"),
    }
}

#[test]
fn traces_replay_against_the_model_under_their_strategy_and_end_with_the_same_heap() {
    for name in PROGRAMS {
        let (trace, left) = record(name);
        let ops = read_trace(&trace).unwrap();
        assert!(ops.len() > 500, "{name}: {} ops", ops.len());
        let choice = header_choice(&trace);
        assert_eq!(choice.to_string(), "generational:700,10,10");
        let alive = choice.with_harness(Replay {
            ops: &ops,
            check_every: 1,
            what: format!("{name} under {choice}"),
        });
        // The replay rebuilt the run's graph: as many objects are left as the run left
        // (the interpreter's permanent ones and its interned strings).
        assert_eq!(alive, left, "{name}");
    }
}

#[test]
fn traces_run_under_every_strategy_with_no_violation() {
    for name in ["finalizers", "weakref_callbacks"] {
        let (trace, _) = record(name);
        let ops = read_trace(&trace).unwrap();
        for entry in STRATEGIES {
            let choice: StrategyChoice = entry.name.parse().unwrap();
            choice.with_harness(Replay {
                ops: &ops,
                check_every: 50,
                what: format!("{name} under {choice}"),
            });
        }
    }
}

#[test]
fn a_strategy_other_than_generational_is_named_in_the_header() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("traces");
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("bacon_rajan.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["--strategy", "bacon-rajan:manual", "--trace"])
        .arg(&trace)
        .args([
            "-c",
            "a = []\na.append(a)\ndel a\nimport gc\nprint(gc.collect())",
        ])
        .output()
        .expect("gclab-py runs");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    let choice = header_choice(&trace);
    assert_eq!(choice.to_string(), "bacon-rajan:manual");
    let ops = read_trace(&trace).unwrap();
    assert!(
        ops.contains(&Op::CollectFull),
        "gc.collect() is a full collection"
    );
    choice.with_harness(Replay {
        ops: &ops,
        check_every: 1,
        what: "bacon-rajan:manual".into(),
    });
}

#[test]
fn an_unwritable_trace_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["--trace", "/nonexistent-dir/t.jsonl", "-c", "print(1)"])
        .output()
        .expect("gclab-py runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("gclab-py: --trace: cannot create /nonexistent-dir/t.jsonl"),
        "{stderr}"
    );
}
