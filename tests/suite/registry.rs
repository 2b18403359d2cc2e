//! The registry of strategies (`gclab::strategies`): names and settings parse, print
//! and read back; bad ones say what is wrong; every strategy runs generic code and has a
//! quiet heap; the generational-only operations reach a generational heap only.

use gclab::strategies::{
    FullOnly, StrategyChoice, StrategyHeaps, WithStrategy, as_generational, parse_strategy,
};
use gclab::{CycleCollector, Heap};

#[test]
fn strategy_choices_print_as_they_parse() {
    for (text, printed) in [
        ("generational", "generational:2000,10,10"),
        ("generational:", "generational:2000,10,10"),
        (" generational:700 ", "generational:700,10,10"),
        ("generational:100,5", "generational:100,5"),
        ("full-only", "full-only:2000"),
        ("full-only:0", "full-only:0"),
        ("bacon-rajan", "bacon-rajan:adaptive"),
        ("bacon-rajan:manual", "bacon-rajan:manual"),
        ("bacon-rajan:1000", "bacon-rajan:1000"),
        ("incremental", "incremental:threshold=2000,scale=10"),
        (
            "incremental:budget=5000,mark-alive",
            "incremental:threshold=2000,budget=5000,mark-alive",
        ),
        (
            "incremental:threshold=700,scale=2",
            "incremental:threshold=700,scale=2",
        ),
        ("mark-alive:700", "mark-alive:700,10,10"),
    ] {
        let choice: StrategyChoice = text.parse().unwrap();
        assert_eq!(choice.to_string(), printed, "{text:?}");
        assert_eq!(printed.parse::<StrategyChoice>().unwrap(), choice);
    }
    assert_eq!(
        StrategyChoice::default(),
        "generational".parse::<StrategyChoice>().unwrap()
    );
}

#[test]
fn bad_strategies_say_what_is_wrong() {
    let too_many = format!(
        "generational:{}",
        vec!["1"; gclab::MAX_GENERATIONS + 1].join(",")
    );
    for (text, says) in [
        (
            "",
            "unknown strategy \"\"; the strategies are generational, full-only, bacon-rajan, incremental, mark-alive",
        ),
        ("bacon", "unknown strategy \"bacon\""),
        ("generational:x", "setting \"x\" is not a whole number"),
        (too_many.as_str(), "generations"),
        ("full-only:1,2", "give one threshold"),
        ("bacon-rajan:often", "neither adaptive, manual nor a number"),
        ("incremental:fast", "unknown setting \"fast\""),
        (
            "incremental:budget=x",
            "setting \"x\" is not a whole number",
        ),
    ] {
        let err = parse_strategy(text).unwrap_err();
        assert!(err.contains(says), "{text:?}: {err}");
    }
}

/// Collects 2000 objects of dead cycles and checks the heap.
struct DeadCycles;

impl WithStrategy for DeadCycles {
    type Output = (usize, bool);

    fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> (usize, bool) {
        let mut quiet = strategy.quiet_heap::<()>();
        gclab::workloads::dead_cycles(&mut quiet, 1000);
        let untouched = quiet.len() == 2000; // no automatic collection ran
        let mut heap = strategy.heap::<()>();
        gclab::workloads::dead_cycles(&mut heap, 1000);
        heap.verify().unwrap();
        let before = heap.len();
        heap.collect_full();
        assert!(heap.is_empty());
        (before, untouched)
    }
}

#[test]
fn every_strategy_runs_generic_code_and_has_a_quiet_heap() {
    for (name, automatic) in [
        ("generational:100", true),
        ("full-only:100", true),
        ("full-only:0", false),
        ("bacon-rajan:100", true),
        ("bacon-rajan:manual", false),
        ("incremental:threshold=100", true),
        ("mark-alive:100", true),
    ] {
        let (before, untouched) = name.parse::<StrategyChoice>().unwrap().with(DeadCycles);
        assert!(untouched, "{name}: its quiet heap collected");
        // Automatic collections freed garbage before the full collection, or none ran.
        assert_eq!(
            before < 2000,
            automatic,
            "{name}: {before} objects were left"
        );
    }
}

#[test]
fn direct_replay_is_generational_only_where_it_must_be() {
    let mut heap: Heap<u64> = Heap::new();
    assert!(as_generational(&mut heap).is_some());
    let mut full: Heap<u64, FullOnly> = Heap::with_collector(FullOnly::new(0));
    assert!(as_generational(&mut full).is_none());
}
