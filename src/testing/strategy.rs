//! proptest strategies for op sequences, and the driver that turns a failure into a
//! replayable trace.

use std::fmt;
use std::path::PathBuf;

use proptest::collection::{SizeRange, vec};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestError, TestRunner};

use crate::{Fault, GcConfig};

use super::collector::HarnessStrategy;
use super::header::{config_header, strategy_lines};
use super::op::{Op, Target, trace_to_string};
use super::runner::{Failure, generational_only, run_ops, run_strategy_ops};
use super::violation::{Rule, Violation};

/// A target: mostly recent objects (so new structure links to what was just built),
/// often any live object, sometimes an allocation number (often a dead object, to test
/// stale ids).
pub fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => (0u16..4).prop_map(Target::Recent),
        4 => any::<u16>().prop_map(Target::Live),
        1 => (0u32..64).prop_map(Target::Alloc),
    ]
}

/// Targets near the start of the live list: the oldest objects, where hubs and the
/// heads of long structures sit.
fn early() -> impl Strategy<Value = Target> {
    (0u16..4).prop_map(Target::Live)
}

fn recent() -> impl Strategy<Value = Target> {
    (0u16..3).prop_map(Target::Recent)
}

/// Link ops biased towards shapes that matter to a cycle collector: chains extended
/// by the newest object, links back to earlier objects (cycles), many links to one hub,
/// self-loops, and plain random links.
fn link() -> impl Strategy<Value = Op> {
    prop_oneof![
        // Chain: the previous object refers to the newest (or the reverse).
        3 => Just(Op::Link { from: Target::Recent(1), to: Target::Recent(0) }),
        1 => Just(Op::Link { from: Target::Recent(0), to: Target::Recent(1) }),
        // Back links: recent → early, closing cycles over a chain.
        3 => (recent(), early()).prop_map(|(from, to)| Op::Link { from, to }),
        // Hub: everything refers to the oldest object.
        2 => target().prop_map(|from| Op::Link { from, to: Target::Live(0) }),
        // Self-loops.
        1 => recent().prop_map(|t| Op::Link { from: t, to: t }),
        // Noise.
        3 => (target(), target()).prop_map(|(from, to)| Op::Link { from, to }),
    ]
}

/// One op, weighted so that sequences build structure, drop roots, collect, and
/// exercise finalizers, weak references and the rarer settings now and then.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => Just(Op::Alloc),
        2 => Just(Op::AllocLazy),
        2 => Just(Op::AllocAtomic),
        2 => vec(target(), 0..3).prop_map(|edges| Op::AllocImmutable { edges }),
        24 => link(),
        2 => (target(), any::<u16>(), target())
            .prop_map(|(from, index, to)| Op::InsertEdge { from, index, to }),
        3 => (target(), any::<u16>(), target())
            .prop_map(|(from, index, to)| Op::SetEdge { from, index, to }),
        3 => (target(), any::<u16>()).prop_map(|(from, index)| Op::RemoveEdge { from, index }),
        1 => (target(), target()).prop_map(|(from, to)| Op::Unlink { from, to }),
        1 => target().prop_map(|from| Op::ClearEdges { from }),
        1 => (target(), any::<u64>()).prop_map(|(obj, value)| Op::SetPayload { obj, value }),
        4 => (0u8..8, target()).prop_map(|(name, obj)| Op::SetVar { name, obj }),
        3 => any::<u8>().prop_map(|name| Op::DelVar { name }),
        2 => target().prop_map(|obj| Op::Incref { obj }),
        20 => prop_oneof![1 => recent(), 1 => target()].prop_map(|obj| Op::Decref { obj }),
        4 => (0u8..4).prop_map(|generation| Op::Collect { generation }),
        2 => Just(Op::CollectFull),
        1 => vec(0u32..12, 0..4).prop_map(|thresholds| Op::SetThreshold { thresholds }),
        1 => Just(Op::Enable),
        1 => Just(Op::Disable),
        1 => Just(Op::Freeze),
        1 => Just(Op::Unfreeze),
        3 => (target(), any::<bool>(), program())
            .prop_map(|(obj, resurrect, program)| Op::SetFinalizer { obj, resurrect, program }),
        1 => target().prop_map(|obj| Op::ClearFinalizer { obj }),
        1 => (target(), any::<bool>()).prop_map(|(obj, on)| Op::SetLegacyFinalizer { obj, on }),
        1 => (target(), any::<bool>(), program())
            .prop_map(|(obj, resurrect, program)| Op::SetLegacyCode { obj, resurrect, program }),
        3 => (target(), any::<bool>(), program())
            .prop_map(|(obj, callback, program)| Op::Downgrade { obj, callback, program }),
        2 => any::<u16>().prop_map(|weak| Op::Upgrade { weak }),
        1 => any::<u16>().prop_map(|weak| Op::ReleaseWeakref { weak }),
        1 => any::<bool>().prop_map(|on| Op::SetSaveAll { on }),
        1 => Just(Op::ClearGarbage),
        1 => edit_garbage(target()),
        1 => program().prop_map(|program| Op::AddCallback { program }),
        2 => target().prop_map(|obj| Op::PanicOnDrop { obj }),
    ]
}

/// `gc.garbage[start:end] = items`, with up to two items; the ends are small, so they
/// mostly fit the list and sometimes do not.
fn edit_garbage(item: impl Strategy<Value = Target>) -> impl Strategy<Value = Op> {
    (0u16..6, 0u16..6, vec(item, 0..3)).prop_map(|(start, end, items)| Op::EditGarbage {
        start,
        end,
        items,
    })
}

/// Targets for user code: mostly the object concerned ([`Target::Me`]) and recent
/// objects.
fn user_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => Just(Target::Me),
        3 => (0u16..3).prop_map(Target::Recent),
        2 => any::<u16>().prop_map(Target::Live),
        1 => (0u32..64).prop_map(Target::Alloc),
    ]
}

/// One op of user code: what finalizers and callbacks do in real programs — allocate
/// and log (link into live data), resurrect their object, release references (their
/// object's too, which is refused while it is being deallocated), collect, register
/// weak references and finalizers (with programs of their own when `nested`), bursts
/// of allocation that pass threshold 0, freeze.
fn user_op(nested: bool) -> BoxedStrategy<Op> {
    let inner = move || {
        if nested {
            vec(user_op(false), 0..3).boxed()
        } else {
            Just(Vec::new()).boxed()
        }
    };
    prop_oneof![
        4 => Just(Op::Alloc),
        1 => Just(Op::AllocAtomic),
        1 => Just(Op::AllocLazy),
        3 => (user_target(), user_target()).prop_map(|(from, to)| Op::Link { from, to }),
        2 => user_target().prop_map(|obj| Op::Link { from: Target::Live(0), to: obj }),
        1 => (user_target(), any::<u16>()).prop_map(|(from, index)| Op::RemoveEdge { from, index }),
        1 => user_target().prop_map(|from| Op::ClearEdges { from }),
        2 => (0u8..8, user_target()).prop_map(|(name, obj)| Op::SetVar { name, obj }),
        1 => any::<u8>().prop_map(|name| Op::DelVar { name }),
        2 => user_target().prop_map(|obj| Op::Incref { obj }),
        3 => user_target().prop_map(|obj| Op::Decref { obj }),
        1 => (0u8..4).prop_map(|generation| Op::Collect { generation }),
        1 => Just(Op::CollectFull),
        1 => Just(Op::Freeze),
        1 => Just(Op::Unfreeze),
        1 => Just(Op::ClearGarbage),
        1 => edit_garbage(user_target()),
        2 => (user_target(), any::<bool>(), inner())
            .prop_map(|(obj, resurrect, program)| Op::SetFinalizer { obj, resurrect, program }),
        1 => user_target().prop_map(|obj| Op::ClearFinalizer { obj }),
        2 => (user_target(), any::<bool>(), inner())
            .prop_map(|(obj, callback, program)| Op::Downgrade { obj, callback, program }),
        1 => any::<u16>().prop_map(|weak| Op::Upgrade { weak }),
        1 => any::<u16>().prop_map(|weak| Op::ReleaseWeakref { weak }),
    ]
    .boxed()
}

/// A program of user code for a finalizer or weak-reference callback: often empty,
/// otherwise up to six ops, sometimes an allocation burst.
pub fn program() -> impl Strategy<Value = Vec<Op>> {
    prop_oneof![
        3 => Just(Vec::new()),
        4 => vec(user_op(true), 1..6),
        1 => (1usize..12).prop_map(|n| vec![Op::Alloc; n]),
    ]
}

/// Op sequences with a length in `len` (e.g. `1..80`). Shrinking drops ops and shrinks
/// their index arguments towards 0.
///
/// # Examples
/// ```
/// use gclab::testing::ops;
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let sequence = ops(5..10).new_tree(&mut TestRunner::deterministic()).unwrap().current();
/// assert!((5..10).contains(&sequence.len()));
/// ```
pub fn ops(len: impl Into<SizeRange>) -> impl Strategy<Value = Vec<Op>> {
    vec(op(), len)
}

/// Op sequences for a strategy without the generational surface ([`Policy::Free`]):
/// [`ops`] with every generational-only op replaced, in programs too —
/// `collect(g)` by `collect_full` (the one collection such a strategy offers),
/// thresholds, enable, disable, freeze and unfreeze by an allocation — so no case is
/// spent on ops the runner would skip. (A replayed trace may still hold them: the
/// runner skips them on both sides.)
///
/// [`Policy::Free`]: super::Policy::Free
///
/// # Examples
/// ```
/// use gclab::testing::{Op, portable_ops};
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let mut runner = TestRunner::deterministic();
/// for _ in 0..20 {
///     let sequence = portable_ops(1..40).new_tree(&mut runner).unwrap().current();
///     assert!(!sequence.iter().any(|op| matches!(op, Op::Collect { .. } | Op::Freeze)));
/// }
/// ```
pub fn portable_ops(len: impl Into<SizeRange>) -> impl Strategy<Value = Vec<Op>> {
    vec(op().prop_map(portable), len)
}

/// `op` with its generational-only parts replaced (see [`portable_ops`]).
fn portable(op: Op) -> Op {
    let program = |p: Vec<Op>| p.into_iter().map(portable).collect();
    match op {
        Op::Collect { .. } => Op::CollectFull,
        op if generational_only(&op) => Op::Alloc,
        Op::SetFinalizer {
            obj,
            resurrect,
            program: p,
        } => Op::SetFinalizer {
            obj,
            resurrect,
            program: program(p),
        },
        Op::SetLegacyCode {
            obj,
            resurrect,
            program: p,
        } => Op::SetLegacyCode {
            obj,
            resurrect,
            program: program(p),
        },
        Op::Downgrade {
            obj,
            callback,
            program: p,
        } => Op::Downgrade {
            obj,
            callback,
            program: program(p),
        },
        Op::AddCallback { program: p } => Op::AddCallback {
            program: program(p),
        },
        op => op,
    }
}

/// A proptest configuration: `PROPTEST_CASES` cases when that variable is set to a
/// number, otherwise `default_cases`; no failure persistence (failures become trace
/// files instead, see [`check_config`]).
pub fn proptest_config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Where failing traces are written: `$GCLAB_TRACE_DIR`, else
/// `$CARGO_TARGET_DIR/gclab-traces`, else `target/gclab-traces`.
pub fn trace_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GCLAB_TRACE_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into());
    PathBuf::from(target).join("gclab-traces")
}

/// A property that failed: the shrunk op sequence, its first failure, and where its
/// trace was written.
#[derive(Debug, Clone)]
pub struct PropFailure {
    /// The minimal failing sequence proptest shrank to.
    pub ops: Vec<Op>,
    /// Its first failing op.
    pub failure: Failure,
    /// The trace file, when it could be written.
    pub trace: Option<PathBuf>,
    /// The configuration it failed under ([`GcConfig::default`] for a strategy other
    /// than [`Generational`](crate::Generational)).
    pub config: GcConfig,
    /// The strategy's type name.
    pub strategy: &'static str,
    /// Whether the trace's header names the strategy and its settings so that
    /// `gclab-replay FILE` replays it as it ran (every strategy of the crate; not a
    /// strategy of one's own).
    pub replayable: bool,
}

impl fmt::Display for PropFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.failure)?;
        write!(f, "minimal failing sequence: {} op(s)", self.ops.len())?;
        match &self.trace {
            // The header names the strategy and its settings: replay reads them.
            Some(path) if self.replayable => write!(
                f,
                "\ntrace: {}\nreplay: cargo run --bin gclab-replay -- {}",
                path.display(),
                path.display()
            ),
            Some(path) => write!(
                f,
                "\ntrace: {}\nstrategy: {} (no --strategy text describes it)\nreplay: gclab::testing::read_trace, then run_strategy_ops",
                path.display(),
                self.strategy
            ),
            None => Ok(()),
        }
    }
}

impl std::error::Error for PropFailure {}

/// Runs the property "every sequence from `strategy` keeps every invariant" under
/// `config` (with `fault` injected, if any). On failure, proptest shrinks the sequence;
/// the minimal one is written to `trace_dir()/<name>.jsonl`.
///
/// Returns the number of cases run.
///
/// # Errors
/// The shrunk [`PropFailure`]; an unexpected runner error (e.g. too many rejections)
/// is reported as a failure of op 0.
pub fn check_config(
    name: &str,
    config: &GcConfig,
    fault: Option<Fault>,
    strategy: impl Strategy<Value = Vec<Op>>,
    proptest: ProptestConfig,
) -> Result<u32, Box<PropFailure>> {
    let header = config_header(config, fault);
    check_property(
        name,
        &header,
        |ops| run_ops(config, fault, ops),
        strategy,
        proptest,
    )
    .map_err(|mut failure| {
        failure.config = config.clone();
        failure
    })
}

/// Runs the property "every sequence from `ops` keeps every invariant" on heaps
/// collected by the strategies `make` builds (a fresh one per case): [`check_config`]
/// for any [`HarnessStrategy`]. Use [`portable_ops`] for a strategy without the
/// generational surface. On failure, the shrunk sequence is written to
/// `trace_dir()/<name>.jsonl`.
///
/// Returns the number of cases run.
///
/// # Errors
/// The shrunk [`PropFailure`].
///
/// # Examples
/// ```
/// use gclab::testing::{FullOnly, check_strategy, portable_ops, proptest_config};
/// let cases = check_strategy("doc_full_only", FullOnly::default, portable_ops(1..30), proptest_config(16))
///     .unwrap();
/// assert!(cases > 0);
/// ```
pub fn check_strategy<C: HarnessStrategy>(
    name: &str,
    make: impl Fn() -> C,
    ops: impl Strategy<Value = Vec<Op>>,
    proptest: ProptestConfig,
) -> Result<u32, Box<PropFailure>> {
    let strategy = std::any::type_name::<C>();
    let header = strategy_lines(&crate::Heap::with_collector(make()));
    let replayable = !header.starts_with("strategy: unlisted ");
    check_property(
        name,
        &header,
        |ops| run_strategy_ops(make(), ops),
        ops,
        proptest,
    )
    .map_err(|mut failure| {
        failure.strategy = strategy;
        failure.replayable = replayable;
        failure
    })
}

/// The driver shared by [`check_config`] and [`check_strategy`]: runs the property,
/// replays the shrunk failure to name its first failing op, writes the trace.
fn check_property(
    name: &str,
    header: &str,
    run: impl Fn(&[Op]) -> Result<(), Failure>,
    strategy: impl Strategy<Value = Vec<Op>>,
    proptest: ProptestConfig,
) -> Result<u32, Box<PropFailure>> {
    let cases = proptest.cases;
    let mut runner = TestRunner::new(proptest);
    let result = runner.run(&strategy, |ops| {
        run(&ops).map_err(|f| TestCaseError::fail(f.to_string()))
    });
    let failed = |ops, failure, trace| {
        Box::new(PropFailure {
            ops,
            failure,
            trace,
            config: GcConfig::default(),
            strategy: std::any::type_name::<crate::Generational>(),
            replayable: true,
        })
    };
    let ops = match result {
        Ok(()) => return Ok(cases),
        Err(TestError::Fail(_, ops)) => ops,
        Err(TestError::Abort(reason)) => {
            let failure = Failure {
                index: 0,
                op: Op::CollectFull,
                violation: Violation::new(
                    Rule::Policy,
                    None,
                    format!("proptest aborted: {reason}"),
                ),
            };
            return Err(failed(Vec::new(), failure, None));
        }
    };
    let failure = run(&ops).err().unwrap_or_else(|| Failure {
        index: ops.len().saturating_sub(1),
        op: ops.last().cloned().unwrap_or(Op::CollectFull),
        violation: Violation::new(
            Rule::Policy,
            None,
            "the shrunk sequence failed under proptest but passed when replayed: the run is not deterministic",
        ),
    });
    // Ops after the first failure play no part in it.
    let mut ops = ops;
    ops.truncate(failure.index + 1);
    let dir = trace_dir();
    let path = dir.join(format!("{name}.jsonl"));
    let header = format!("gclab trace: {name}\n{header}\nfirst failure: {failure}");
    let text = trace_to_string(&ops, &[&header]);
    let trace = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, text))
        .ok()
        .map(|()| path);
    Err(failed(ops, failure, trace))
}
