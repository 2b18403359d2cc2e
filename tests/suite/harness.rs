//! The model-based property tests: random op sequences against the reference model,
//! under several collector configurations and strategies, and proof that the harness
//! catches broken collectors.
//!
//! Budget: the four configuration properties of `Generational` run 10,000 sequences in
//! total by default, the properties of the other strategies 2,500 each;
//! `PROPTEST_CASES=n` runs `n` per property instead.

use std::any::TypeId;

use gclab::gc::trial::find_unreachable;
use gclab::strategies::{StrategyHeaps, WithHarnessStrategy, harness_strategies};
use gclab::testing::{
    FullOnly, HarnessStrategy, Op, Policy, PropFailure, Rule, Runner, Target, TraceError,
    check_config, check_strategy, ops, parse_trace, portable_ops, proptest_config, read_trace,
    run_ops, run_strategy_ops, trace_to_string,
};
use gclab::{
    AllocKind, BaconRajan, CollectReport, Cx, CycleCollector, Fault, GcConfig, GcError,
    Generational, Heap, Incremental, IncrementalConfig, ObjId, RootTrigger,
};
use proptest::test_runner::RngSeed;

fn small_thresholds() -> GcConfig {
    GcConfig {
        generations: 3,
        thresholds: vec![6, 3, 3],
        enabled: true,
    }
}

fn run(name: &str, config: GcConfig, cases: u32) {
    if let Err(failure) = check_config(name, &config, None, ops(1..80), proptest_config(cases)) {
        panic!("{failure}");
    }
}

#[test]
fn three_generations_with_small_thresholds_keep_every_invariant() {
    run("three_generations", small_thresholds(), 3000);
}

#[test]
fn single_generation_keeps_every_invariant() {
    run(
        "one_generation",
        GcConfig {
            generations: 1,
            thresholds: vec![4],
            enabled: true,
        },
        2500,
    );
}

#[test]
fn two_generations_keep_every_invariant() {
    run(
        "two_generations",
        GcConfig {
            generations: 2,
            thresholds: vec![10, 2],
            enabled: true,
        },
        2500,
    );
}

#[test]
fn explicit_collections_only_keep_every_invariant() {
    run(
        "no_auto",
        GcConfig {
            enabled: false,
            ..GcConfig::default()
        },
        2000,
    );
}

/// Runs the property against a heap with `fault` from a fixed seed; the harness must
/// find a violation, shrink it, and write a trace that replays to a violation.
fn find_fault(name: &str, fault: Fault) -> Box<PropFailure> {
    let proptest = proptest::test_runner::Config {
        rng_seed: RngSeed::Fixed(0x6c_ab),
        ..proptest_config(2000)
    };
    let failure = check_config(name, &small_thresholds(), Some(fault), ops(1..80), proptest)
        .expect_err("the harness missed an injected collector bug");
    eprintln!("{failure}\n{}", trace_to_string(&failure.ops, &[]));
    let path = failure.trace.clone().expect("the trace was written");
    let replayed = read_trace(&path).unwrap();
    assert_eq!(replayed, failure.ops);
    let again = run_ops(&small_thresholds(), Some(fault), &replayed).unwrap_err();
    assert_eq!(again, failure.failure);
    // Without the fault, the same sequence is fine.
    run_ops(&small_thresholds(), None, &replayed).unwrap();
    failure
}

#[test]
fn skipped_subtraction_is_caught_and_shrunk() {
    let f = find_fault("fault_skip_subtract", Fault::SkipSubtractForOneEdge);
    assert!(f.ops.len() <= 8, "shrunk to {} ops", f.ops.len());
}

#[test]
fn forgotten_reachable_object_is_caught_and_shrunk() {
    let f = find_fault("fault_forget_reachable", Fault::ForgetOneReachable);
    // The smallest case needs an object reached only through an edge: about 9 ops.
    assert!(f.ops.len() <= 10, "shrunk to {} ops", f.ops.len());
}

#[test]
fn forgotten_reachable_object_with_edges_is_a_safety_violation() {
    // a → b → c, only a held: b is reached only through an edge, so the fault marks it
    // unreachable, and clearing its edges frees c while a still reaches it.
    let ops = [
        Op::Alloc,
        Op::Alloc,
        Op::Alloc,
        Op::Link {
            from: Target::Live(0),
            to: Target::Live(1),
        },
        Op::Link {
            from: Target::Live(1),
            to: Target::Live(2),
        },
        Op::Decref {
            obj: Target::Live(1),
        },
        Op::Decref {
            obj: Target::Live(2),
        },
        Op::Collect { generation: 0 },
    ];
    run_ops(&small_thresholds(), None, &ops).unwrap();
    let failure = run_ops(&small_thresholds(), Some(Fault::ForgetOneReachable), &ops).unwrap_err();
    assert_eq!(failure.index, 7);
    assert_eq!(failure.violation.rule, Rule::Safety, "{failure}");
}

#[test]
fn changes_behind_the_models_back_are_violations() {
    let mut runner = Runner::new(small_thresholds()).unwrap();
    runner.apply(&Op::Alloc).unwrap();
    runner.apply(&Op::Alloc).unwrap();
    let a = runner.model().id(0).unwrap();
    let b = runner.model().id(1).unwrap();
    runner.heap_mut().incref(a).unwrap();
    assert_eq!(runner.check().unwrap_err().rule, Rule::ExactCounts);
    runner.heap_mut().decref(a).unwrap();
    runner.check().unwrap();
    runner.heap_mut().link(a, b).unwrap();
    assert_eq!(runner.check().unwrap_err().rule, Rule::Safety);
    runner.heap_mut().unlink(a, b).unwrap();
    runner.heap_mut().decref(b).unwrap(); // freed: the model still has it
    let v = runner.check().unwrap_err();
    assert_eq!((v.rule, v.object), (Rule::Safety, Some((1, b))));
    assert!(v.to_string().contains("object #1"), "{v}");
}

#[test]
fn invalid_ops_return_the_predicted_error_and_change_nothing() {
    let mut runner = Runner::new(small_thresholds()).unwrap();
    for op in [
        Op::Decref {
            obj: Target::Alloc(0),
        }, // nothing allocated: skipped
        Op::AllocAtomic,
        Op::Link {
            from: Target::Live(0),
            to: Target::Live(0),
        }, // atomic: error
        Op::Alloc,
        Op::RemoveEdge {
            from: Target::Live(1),
            index: 3,
        }, // no edge: error
        Op::Decref {
            obj: Target::Live(1),
        },
        Op::Decref {
            obj: Target::Alloc(1),
        }, // dead: stale id
        Op::DelVar { name: 2 },                  // nothing bound: unknown name
        Op::Collect { generation: 3 },           // no such generation
        Op::SetThreshold { thresholds: vec![] }, // invalid
        Op::SetThreshold {
            thresholds: vec![1, 2, 3, 4],
        },
        Op::Upgrade { weak: 0 }, // no weak reference yet: skipped
    ] {
        runner.apply(&op).unwrap();
    }
    assert_eq!(runner.heap().len(), 1);
    let atomic = runner.model().id(0).unwrap();
    assert_eq!(
        runner.heap_mut().link(atomic, atomic),
        Err(GcError::AtomicObject(atomic))
    );
}

#[test]
fn resurrected_object_keeps_its_weak_reference_cleared() {
    let mut runner = Runner::new(small_thresholds()).unwrap();
    for op in [
        Op::Alloc,
        Op::Link {
            from: Target::Live(0),
            to: Target::Live(0),
        },
        Op::SetFinalizer {
            obj: Target::Live(0),
            resurrect: true,
            program: vec![],
        },
        Op::Downgrade {
            obj: Target::Live(0),
            callback: true,
            program: vec![],
        },
        Op::Decref {
            obj: Target::Live(0),
        },
        Op::CollectFull,
    ] {
        runner.apply(&op).unwrap();
    }
    let a = runner.model().id(0).unwrap();
    assert_eq!(runner.heap().get_var("r0"), Some(a));
    assert_eq!(
        runner.heap().upgrade(runner.model().weakrefs()[0].handle),
        None
    );
    for op in [Op::DelVar { name: 0 }, Op::CollectFull] {
        runner.apply(&op).unwrap();
    }
    assert!(runner.heap().is_empty());
}

#[test]
fn traces_round_trip_and_bad_lines_are_located() {
    let ops = vec![
        Op::Alloc,
        Op::SetThreshold {
            thresholds: vec![700, 10, 10],
        },
        Op::Link {
            from: Target::Recent(0),
            to: Target::Alloc(3),
        },
    ];
    let text = trace_to_string(&ops, &["header", "two lines"]);
    assert_eq!(parse_trace(&text).unwrap(), ops);
    let bad = format!("{text}\n{{\"link\":{{\"from\":{{\"live\":1}}}}}}\n");
    match parse_trace(&bad) {
        Err(TraceError::Malformed { line, message }) => {
            assert_eq!(line, 7);
            assert!(message.contains("to"), "{message}");
        }
        other => panic!("expected a located error, got {other:?}"),
    }
    assert!(matches!(
        parse_trace("\"explode\""),
        Err(TraceError::Malformed { line: 1, .. })
    ));
    assert!(matches!(
        read_trace("/nonexistent/trace.jsonl"),
        Err(TraceError::Io { .. })
    ));
}

/// Issue 12's first case as ops: a finalizer that allocates a log entry during a young
/// collection. The heap logs what the finalizer's program did and the model replays it.
#[test]
fn user_code_that_allocates_during_a_young_collection_is_replayed_by_the_model() {
    let mut runner = Runner::new(GcConfig::default()).unwrap();
    let log_entry = vec![
        Op::Alloc,
        Op::Link {
            from: Target::Alloc(0),
            to: Target::Recent(0),
        },
        Op::Decref {
            obj: Target::Recent(0),
        },
    ];
    let mut ops = vec![
        Op::Alloc,
        Op::SetVar {
            name: 0,
            obj: Target::Live(0),
        },
        Op::Decref {
            obj: Target::Live(0),
        },
    ];
    for i in 0..5 {
        ops.extend(linked_pair());
        if i == 0 {
            ops.push(Op::SetFinalizer {
                obj: Target::Recent(0),
                resurrect: false,
                program: log_entry.clone(),
            });
        }
        ops.extend([
            Op::Decref {
                obj: Target::Recent(0),
            },
            Op::Decref {
                obj: Target::Recent(1),
            },
        ]);
    }
    ops.push(Op::Collect { generation: 0 });
    for op in &ops {
        runner.apply(op).unwrap();
    }
    let log = runner.model().id(0).unwrap();
    assert_eq!(runner.heap().edges(log).unwrap().len(), 1);
    assert_eq!(runner.heap().len(), 2);
}

/// A weak callback's program that tries to revive its dying target gets
/// `BeingDeallocated`, on the heap and in the model alike.
#[test]
fn user_code_cannot_revive_a_dying_object_in_heap_or_model() {
    let mut runner = Runner::new(small_thresholds()).unwrap();
    let revive = vec![
        Op::Incref { obj: Target::Me },
        Op::SetVar {
            name: 1,
            obj: Target::Me,
        },
        Op::Link {
            from: Target::Live(0),
            to: Target::Me,
        },
    ];
    for op in [
        Op::Alloc,
        Op::Alloc,
        Op::Downgrade {
            obj: Target::Recent(0),
            callback: true,
            program: revive,
        },
        Op::Decref {
            obj: Target::Recent(0),
        },
    ] {
        runner.apply(&op).unwrap();
    }
    assert_eq!(runner.heap().len(), 1);
    assert!(runner.heap().vars().next().is_none());
}

/// The fuzz target's decoder (`ops_from_bytes`, programs included) run over random byte
/// strings: every decoded sequence keeps every invariant.
#[test]
fn fuzz_decoded_sequences_keep_every_invariant() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6c_ab_12);
    let mut with_programs = 0;
    for _ in 0..2000 {
        let len = rng.random_range(0..160);
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let ops = gclab::testing::ops_from_bytes(&bytes);
        with_programs += ops
            .iter()
            .filter(|op| match op {
                Op::SetFinalizer { program, .. } | Op::Downgrade { program, .. } => {
                    !program.is_empty()
                }
                _ => false,
            })
            .count();
        if let Err(failure) = run_ops(&small_thresholds(), None, &ops) {
            panic!("{failure}\n{}", trace_to_string(&ops, &[]));
        }
    }
    assert!(with_programs > 100, "only {with_programs} programs decoded");
}

// ---------------------------------------------------------------------------------------
// Other strategies
// ---------------------------------------------------------------------------------------

fn run_strategy<C: HarnessStrategy>(name: &str, make: impl Fn() -> C, cases: u32) {
    if let Err(failure) = check_strategy(name, make, portable_ops(1..80), proptest_config(cases)) {
        panic!("{failure}");
    }
}

/// A test strategy: one list, like `FullOnly`, but it also collects automatically after
/// every `period`-th container allocation; and two deliberately broken variants, to show
/// the strategy-independent checks catch them.
#[derive(Debug)]
struct Periodic {
    tracked: Vec<ObjId>,
    period: u32,
    allocations: u32,
    bug: Option<Bug>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    /// Examines only the first half of its list (an incomplete full collection).
    ExamineHalf,
    /// Hands the unreachable objects to the pipeline in reverse of the order it noted.
    ReverseOrder,
}

impl Periodic {
    fn new(period: u32, bug: Option<Bug>) -> Self {
        Periodic {
            tracked: Vec::new(),
            period,
            allocations: 0,
            bug,
        }
    }

    fn collect<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        heap.run_collection(0, |heap| {
            let gc = heap.collector_mut();
            let keep = match gc.bug {
                Some(Bug::ExamineHalf) => gc.tracked.len() / 2,
                _ => 0,
            };
            let mut set = gc.tracked.split_off(keep);
            let (gc, mut cx) = heap.collector_parts();
            for (i, &id) in gc.tracked.iter().enumerate() {
                cx.set_position(id, i as u32);
            }
            let candidates = set.len();
            heap.note_examined(&set);
            let (gc, mut cx) = heap.collector_parts();
            let mut unreachable = Vec::new();
            find_unreachable(cx.reborrow(), &mut set, &mut unreachable);
            for id in set {
                gc.on_track(cx.reborrow(), id);
            }
            if gc.bug == Some(Bug::ReverseOrder) {
                unreachable.reverse();
            }
            let mut report =
                heap.collect_unreachable(&mut unreachable, |gc, cx, id| gc.on_track(cx, id));
            report.candidates = candidates;
            report
        })
    }
}

impl CycleCollector for Periodic {
    fn on_track<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
        cx.set_space(id, 0, self.tracked.len() as u32);
        self.tracked.push(id);
    }

    fn on_untrack<T>(&mut self, mut cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
        let i = position as usize;
        self.tracked.swap_remove(i);
        if let Some(&moved) = self.tracked.get(i) {
            cx.set_position(moved, i as u32);
        }
    }

    fn on_alloc(&mut self, _kind: AllocKind) -> bool {
        self.allocations += 1;
        self.allocations % self.period == 0
    }

    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        Periodic::collect(heap);
    }

    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        Periodic::collect(heap)
    }
}

impl HarnessStrategy for Periodic {}

#[test]
fn strategy_collecting_after_any_allocation_keeps_every_invariant() {
    run_strategy("periodic", || Periodic::new(5, None), 2500);
}

#[test]
fn a_strategy_of_ones_own_gets_the_free_policy() {
    let runner = Runner::with_strategy(Periodic::new(3, None));
    assert_eq!(runner.model().policy(), Policy::Free);
    let runner = Runner::new(small_thresholds()).unwrap();
    assert_eq!(
        runner.model().policy(),
        Policy::Generational {
            generations: 3,
            thresholds: vec![6, 3, 3],
            enabled: true
        }
    );
}

/// Two new objects linked to each other (`Recent(1)` ⇄ `Recent(0)`), each still held
/// by its allocation reference.
fn linked_pair() -> [Op; 4] {
    [
        Op::Alloc,
        Op::Alloc,
        Op::Link {
            from: Target::Recent(0),
            to: Target::Recent(1),
        },
        Op::Link {
            from: Target::Recent(1),
            to: Target::Recent(0),
        },
    ]
}

/// Two garbage self-cycles, then `collect_full`.
fn two_garbage_cycles(finalizers: bool) -> Vec<Op> {
    let mut ops = Vec::new();
    for _ in 0..2 {
        ops.push(Op::Alloc);
        ops.push(Op::Link {
            from: Target::Recent(0),
            to: Target::Recent(0),
        });
        if finalizers {
            ops.push(Op::SetFinalizer {
                obj: Target::Recent(0),
                resurrect: false,
                program: vec![],
            });
        }
    }
    ops.push(Op::Decref {
        obj: Target::Alloc(0),
    });
    ops.push(Op::Decref {
        obj: Target::Alloc(1),
    });
    ops.push(Op::CollectFull);
    ops
}

#[test]
fn full_collection_that_misses_a_garbage_cycle_is_a_completeness_violation() {
    let ops = two_garbage_cycles(false);
    run_strategy_ops(Periodic::new(1000, None), &ops).unwrap();
    let failure = run_strategy_ops(Periodic::new(1000, Some(Bug::ExamineHalf)), &ops).unwrap_err();
    assert_eq!(failure.index, ops.len() - 1, "{failure}");
    assert_eq!(failure.violation.rule, Rule::Completeness, "{failure}");
    assert_eq!(
        failure.violation.object.map(|(n, _)| n),
        Some(0),
        "{failure}"
    );
}

#[test]
fn finalizers_in_another_order_than_the_noted_one_are_a_violation() {
    let ops = two_garbage_cycles(true);
    run_strategy_ops(Periodic::new(1000, None), &ops).unwrap();
    let failure = run_strategy_ops(Periodic::new(1000, Some(Bug::ReverseOrder)), &ops).unwrap_err();
    assert_eq!(
        failure.violation.rule,
        Rule::FinalizersAndWeakrefs,
        "{failure}"
    );
}

#[test]
fn broken_strategies_are_caught_by_the_property_and_shrunk() {
    for (name, bug, most) in [
        ("periodic_examine_half", Bug::ExamineHalf, 8),
        ("periodic_reverse_order", Bug::ReverseOrder, 20),
    ] {
        let proptest = proptest::test_runner::Config {
            rng_seed: RngSeed::Fixed(0x6c_ab),
            ..proptest_config(2000)
        };
        let failure = check_strategy(
            name,
            || Periodic::new(1000, Some(bug)),
            portable_ops(1..80),
            proptest,
        )
        .expect_err("the harness missed a broken strategy");
        eprintln!("{failure}\n{}", trace_to_string(&failure.ops, &[]));
        assert!(
            failure.ops.len() <= most,
            "{name}: shrunk to {} ops",
            failure.ops.len()
        );
        assert!(failure.to_string().contains("Periodic"), "{failure}");
    }
}

#[test]
fn generational_only_ops_are_skipped_under_another_strategy() {
    let mut runner = Runner::with_strategy(FullOnly::default());
    for op in [
        Op::Alloc,
        Op::Link {
            from: Target::Recent(0),
            to: Target::Recent(0),
        },
        Op::SetThreshold {
            thresholds: vec![1],
        },
        Op::Freeze,
        Op::Decref {
            obj: Target::Recent(0),
        },
        Op::Collect { generation: 0 },
        Op::Disable,
    ] {
        runner.apply(&op).unwrap();
    }
    assert_eq!(runner.heap().len(), 1); // no collection ran
    // A finalizer's program that asks for `collect(0)` is skipped too.
    runner
        .apply(&Op::SetFinalizer {
            obj: Target::Live(0),
            resurrect: false,
            program: vec![Op::Collect { generation: 0 }, Op::Alloc],
        })
        .unwrap();
    runner.apply(&Op::CollectFull).unwrap();
    assert_eq!(runner.heap().len(), 1); // the finalizer's allocation
}

// ---------------------------------------------------------------------------------------
// The other strategies of the crate
// ---------------------------------------------------------------------------------------

/// Checks one registered strategy under one of its harness settings: the generational
/// ops too when its collector is [`Generational`] (the generational policy is then
/// checked), the portable ones otherwise.
struct CheckRegistered {
    cases: u32,
}

impl WithHarnessStrategy for CheckRegistered {
    type Output = Result<u32, Box<PropFailure>>;

    fn run<C: HarnessStrategy>(self, strategy: &StrategyHeaps<C>) -> Self::Output {
        let name: String = format!("registry_{}", strategy.choice())
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let make = || strategy.collector(true);
        let config = proptest_config(self.cases);
        if TypeId::of::<C>() == TypeId::of::<Generational>() {
            check_strategy(&name, make, ops(1..80), config)
        } else {
            check_strategy(&name, make, portable_ops(1..80), config)
        }
    }
}

/// Every strategy of the registry (`gclab::strategies`'s `strategies!` table), under
/// each of its harness settings (`StrategyKind::HARNESS`): a strategy registered by its
/// one line is checked here with nothing else to write. 2,500 sequences per setting,
/// each setting on a thread of its own: one after the other they were the longest test
/// of the suite binary by far (a third of its serial run time), which ran alone at the
/// end of `cargo test` while the other core idled.
#[test]
fn every_registered_strategy_keeps_every_invariant() {
    let choices = harness_strategies();
    let names: Vec<String> = choices.iter().map(ToString::to_string).collect();
    for expected in [
        "generational:6,3,3",
        "full-only:0",
        "bacon-rajan:4",
        "bacon-rajan:manual",
        "incremental:threshold=6,scale=10",
        "incremental:threshold=6,scale=10,mark-alive",
        "mark-alive:6,3,3",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let failures: Vec<String> = std::thread::scope(|scope| {
        let checks: Vec<_> = choices
            .iter()
            .map(|choice| {
                scope.spawn(move || {
                    choice
                        .with_harness(CheckRegistered { cases: 2500 })
                        .err()
                        .map(|failure| format!("{choice}: {failure}"))
                })
            })
            .collect();
        checks
            .into_iter()
            .filter_map(|check| {
                check
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn small_incremental(mark_alive: bool) -> Incremental {
    Incremental::new(IncrementalConfig {
        threshold: 6,
        mark_alive,
        ..IncrementalConfig::default()
    })
}

/// Found by `bacon_rajan_collecting_only_when_asked_keeps_every_invariant` (shrunk to
/// 12 ops, `tests/data/bacon_rajan_resurrected_cycle.jsonl`; this is it by hand): a
/// finalizer runs during its object's deallocation (the heap tracks the object again
/// with count 0, so `BaconRajan` buffers it), requests a full collection (which finds
/// the object alive, thanks to the finalizer's temporary reference, and takes it out of
/// the buffer), then links the object to itself. The temporary reference's release
/// left a garbage self-cycle with count 1 that no buffer held: no later full
/// collection examined it. `FullOnly` collects it. Fixed: giving a temporary reference
/// back with the count still above zero is a decrement like any other, and reports a
/// possible root (`call_with_temp_ref` in `src/heap/mod.rs`).
#[test]
fn bacon_rajan_collects_a_cycle_its_finalizer_made_after_a_nested_collection() {
    let ops = [
        Op::Alloc,
        Op::SetFinalizer {
            obj: Target::Recent(0),
            resurrect: false,
            program: vec![
                Op::CollectFull,
                Op::Link {
                    from: Target::Live(0),
                    to: Target::Me,
                },
            ],
        },
        Op::Decref {
            obj: Target::Recent(0),
        },
        Op::CollectFull,
    ];
    run_strategy_ops(FullOnly::default(), &ops).unwrap();
    if let Err(failure) = run_strategy_ops(BaconRajan::new(RootTrigger::Manual), &ops) {
        panic!("{failure}");
    }
    // The shrunk traces the properties found (the second one through legacy-finalizer
    // code, with a root buffer of 4).
    for (path, trigger) in [
        (
            "tests/data/bacon_rajan_resurrected_cycle.jsonl",
            RootTrigger::Manual,
        ),
        (
            "tests/data/bacon_rajan_legacy_code_resurrected_cycle.jsonl",
            RootTrigger::Fixed(4),
        ),
    ] {
        let saved = read_trace(path).unwrap();
        run_strategy_ops(FullOnly::default(), &saved).unwrap();
        if let Err(failure) = run_strategy_ops(BaconRajan::new(trigger), &saved) {
            panic!("{path}: {failure}");
        }
    }
}

/// Found by `bacon_rajan_with_a_small_root_buffer_keeps_every_invariant` at
/// `PROPTEST_CASES=100000` (shrunk to 9 ops, `tests/data/bacon_rajan_cleared_cycle_relinked.jsonl`):
/// a garbage self-cycle `a` holds the only reference to a lazily tracked `b` whose
/// finalizer links `a` to itself. Clearing `a`'s edges (`delete_unreachable`, with a
/// temporary reference) frees `b`, whose finalizer re-links `a`; giving the temporary
/// reference back leaves `a` with count 1 while it is still in the working set, where
/// `BaconRajan` buffers no possible root, so `a` went back to the strategy unbuffered and
/// no later full collection examined it. `FullOnly` collects it. Fixed: a survivor of
/// `delete_unreachable` is reported as a possible root once the strategy holds it again.
#[test]
fn bacon_rajan_collects_a_cycle_relinked_while_its_edges_were_cleared() {
    replay_under_full_only_and_bacon_rajan("tests/data/bacon_rajan_cleared_cycle_relinked.jsonl");
}

/// Replays the trace at `path` under `FullOnly` (the reference) and under `BaconRajan`
/// with a small root buffer and with manual collection; any violation fails the test.
fn replay_under_full_only_and_bacon_rajan(path: &str) {
    let saved = read_trace(path).unwrap();
    run_strategy_ops(FullOnly::default(), &saved).unwrap();
    for trigger in [RootTrigger::Fixed(4), RootTrigger::Manual] {
        if let Err(failure) = run_strategy_ops(BaconRajan::new(trigger), &saved) {
            panic!("{path} ({trigger:?}): {failure}");
        }
    }
}

/// Found by `every_registered_strategy_keeps_every_invariant` at `PROPTEST_CASES=100000`
/// (20 ops, `tests/data/bacon_rajan_resurrected_by_lazy_garbage.jsonl`): a garbage
/// cycle's finalizer is resurrected by a link from a lazily tracked object, untracked when
/// the collection began and itself held only by the cycle. The cycle's last decrements
/// fell inside the collection (no root is buffered there) and the lazily tracked object's
/// while it was untracked, so the survivors went back black with no root buffered, and no
/// later full collection examined the garbage they still were. Fixed: `BaconRajan`
/// buffers every survivor of a collection as a possible root.
#[test]
fn bacon_rajan_examines_a_cycle_resurrected_by_garbage_again() {
    replay_under_full_only_and_bacon_rajan(
        "tests/data/bacon_rajan_resurrected_by_lazy_garbage.jsonl",
    );
}

/// Found by `explicit_collections_only_keep_every_invariant` and
/// `incremental_with_mark_alive_keeps_every_invariant` at `PROPTEST_CASES=100000`
/// (`tests/data/clear_garbage_order_*.jsonl`): clearing `gc.garbage` runs the
/// legacy-finalizer code of the objects it frees, and the heap released the list first
/// item first while the model released in allocation order. CPython does neither:
/// `_list_clear` and `list_ass_slice` (`Objects/listobject.c`) decrement the removed
/// items last first, which both now do (`Heap::splice_garbage`).
#[test]
fn clearing_garbage_runs_legacy_code_last_item_first_as_traced() {
    let generational = "tests/data/clear_garbage_order_generational.jsonl";
    let no_auto = GcConfig {
        enabled: false,
        ..GcConfig::default()
    };
    if let Err(failure) = run_ops(&no_auto, None, &read_trace(generational).unwrap()) {
        panic!("{generational}: {failure}");
    }
    let incremental = "tests/data/clear_garbage_order_incremental.jsonl";
    let saved = read_trace(incremental).unwrap();
    if let Err(failure) = run_strategy_ops(small_incremental(true), &saved) {
        panic!("{incremental}: {failure}");
    }
    run_strategy_ops(FullOnly::default(), &saved).unwrap();
}

/// A collection callback with a program (`gc.callbacks`): it allocates, links,
/// releases, edits `gc.garbage` and asks for a collection, which does nothing while one
/// runs (CPython's `gc_collect_main` is not reentered: `gcstate->collecting`). The
/// model replays it at both phases of every collection.
#[test]
fn collection_callbacks_with_programs_are_replayed_by_the_model() {
    let program = vec![
        Op::Alloc,
        Op::Link {
            from: Target::Recent(0),
            to: Target::Recent(0),
        },
        Op::Decref {
            obj: Target::Recent(0),
        },
        Op::EditGarbage {
            start: 0,
            end: 1,
            items: vec![Target::Live(0)],
        },
        Op::CollectFull,
    ];
    let ops = [
        Op::SetSaveAll { on: true },
        Op::AddCallback { program },
        Op::Alloc,
        Op::Link {
            from: Target::Recent(0),
            to: Target::Recent(0),
        },
        Op::Decref {
            obj: Target::Recent(0),
        },
        Op::CollectFull,
        Op::CollectFull,
        Op::ClearGarbage,
        Op::SetSaveAll { on: false },
        Op::CollectFull,
    ];
    let mut runner = Runner::new(GcConfig::default()).unwrap();
    for op in &ops {
        runner.apply(op).unwrap();
    }
    // Every collection ran the callback twice; each run allocated one self-cycle.
    assert!(
        runner
            .heap()
            .get_stats()
            .iter()
            .map(|s| s.collections)
            .sum::<u64>()
            >= 3
    );
    run_strategy_ops(FullOnly::default(), &ops).unwrap();
    run_strategy_ops(BaconRajan::new(RootTrigger::Manual), &ops).unwrap();
}

/// A payload whose `Drop` panics while the automatic collection of an allocation
/// frees it: the allocation unwinds, but gives its new reference back first (the
/// caller never got the id), and the model predicts both the unwinding and the
/// give-back. Also: a release of several references (`clear_edges`) whose first
/// release panics still releases the others.
#[test]
fn panicking_payloads_unwind_where_the_model_says_and_lose_nothing() {
    let mut cycle_with_panicking_payload = linked_pair().to_vec();
    cycle_with_panicking_payload.extend([
        Op::PanicOnDrop {
            obj: Target::Recent(0),
        },
        Op::Decref {
            obj: Target::Live(0),
        },
        Op::Decref {
            obj: Target::Live(1),
        },
        Op::Alloc, // the automatic collection frees the cycle: this allocation unwinds
        Op::CollectFull,
    ]);
    let mut runner = Runner::new(GcConfig::with_thresholds(vec![2, 10, 10])).unwrap();
    for op in &cycle_with_panicking_payload {
        runner.apply(op).unwrap();
    }
    assert!(
        runner.heap().is_empty(),
        "the new object was given back and freed"
    );
    run_strategy_ops(
        BaconRajan::new(RootTrigger::Fixed(4)),
        &cycle_with_panicking_payload,
    )
    .unwrap();
    run_strategy_ops(FullOnly::new(1), &cycle_with_panicking_payload).unwrap();

    let clear_edges = [
        Op::Alloc,
        Op::Alloc,
        Op::Alloc,
        Op::Link {
            from: Target::Live(0),
            to: Target::Live(1),
        },
        Op::Link {
            from: Target::Live(0),
            to: Target::Live(2),
        },
        Op::PanicOnDrop {
            obj: Target::Live(1),
        },
        Op::Decref {
            obj: Target::Live(1),
        },
        Op::Decref {
            obj: Target::Live(2),
        },
        Op::ClearEdges {
            from: Target::Live(0),
        },
    ];
    let mut runner = Runner::new(GcConfig::default()).unwrap();
    for op in &clear_edges {
        runner.apply(op).unwrap();
    }
    assert_eq!(runner.heap().len(), 1, "both referents were released");

    // Found by `strategy_collecting_after_any_allocation_keeps_every_invariant` at
    // `PROPTEST_CASES=20000`: the object an unwinding allocation gives back has a weak
    // reference whose callback allocates; the model took the collection's re-raise for
    // that allocation's own.
    let path = "tests/data/panic_give_back_runs_a_weak_callback.jsonl";
    let saved = read_trace(path).unwrap();
    if let Err(failure) = run_strategy_ops(Periodic::new(5, None), &saved) {
        panic!("{path}: {failure}");
    }
}

/// Found by `full_only_reference_strategy_keeps_every_invariant` while the release path's
/// straight case was written: an object freed outside any cascade queued two targets
/// that reached zero, and the payload of the second one panicked on drop; the cascade
/// that took it re-raised at once and the first stayed alive with a zero count. The
/// cascade now finishes the whole worklist before it re-raises (rule 3, immediate
/// reclamation).
#[test]
fn a_payload_panic_in_a_cascade_started_by_a_lone_free_strands_no_queued_object() {
    let path = "tests/data/panic_in_a_cascade_after_a_lone_free.jsonl";
    let saved = read_trace(path).unwrap();
    if let Err(failure) = run_strategy_ops(FullOnly::default(), &saved) {
        panic!("{path}: {failure}");
    }
}
