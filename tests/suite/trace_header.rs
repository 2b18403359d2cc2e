//! Trace headers name the strategy a property ran under so that `gclab-replay` replays it
//! the same way: every strategy of the crate's suite round-trips through its `--strategy`
//! text, and a failing property's trace says what it ran under.

use gclab::strategies::{StrategyChoice, StrategyHeaps, WithHarnessStrategy};
use gclab::testing::{
    FullOnly, HarnessStrategy, TraceHeader, TraceStrategy, check_strategy, portable_ops,
    proptest_config,
};
use gclab::{
    BaconRajan, GcConfig, Generational, Heap, Incremental, IncrementalConfig, RootTrigger,
    gc::Budget,
};

fn spec_of<C: HarnessStrategy>(collector: C) -> Option<(String, bool)> {
    C::spec(&Heap::with_collector(collector))
}

/// The spec of the collector a choice builds.
struct SpecOf(bool);

impl WithHarnessStrategy for SpecOf {
    type Output = Option<(String, bool)>;

    fn run<C: HarnessStrategy>(self, strategy: &StrategyHeaps<C>) -> Self::Output {
        spec_of(strategy.collector(self.0))
    }
}

#[test]
fn every_strategy_of_the_suite_round_trips_through_its_spec() {
    let small = GcConfig::with_thresholds(vec![6, 3, 3]);
    let incremental = |mark_alive, budget, enabled| {
        Incremental::new(IncrementalConfig {
            threshold: 6,
            budget,
            mark_alive,
            enabled,
        })
    };
    let specs = [
        spec_of(Generational::new(small.clone()).unwrap()),
        spec_of(Generational::with_mark_alive(small.clone()).unwrap()),
        spec_of(FullOnly::default()),
        spec_of(FullOnly::new(2000)),
        spec_of(BaconRajan::new(RootTrigger::Fixed(4))),
        spec_of(BaconRajan::new(RootTrigger::Manual)),
        spec_of(BaconRajan::new(RootTrigger::Adaptive)),
        spec_of(incremental(false, Budget::default(), true)),
        spec_of(incremental(true, Budget::default(), true)),
        spec_of(incremental(true, Budget::Fixed(3), false)),
    ];
    let texts: Vec<&str> = specs
        .iter()
        .map(|s| {
            s.as_ref()
                .expect("every strategy of the crate has a spec")
                .0
                .as_str()
        })
        .collect();
    assert_eq!(
        texts,
        [
            "generational:6,3,3",
            "mark-alive:6,3,3",
            "full-only:0",
            "full-only:2000",
            "bacon-rajan:4",
            "bacon-rajan:manual",
            "bacon-rajan:adaptive",
            "incremental:threshold=6,scale=10",
            "incremental:threshold=6,scale=10,mark-alive",
            "incremental:threshold=6,budget=3,mark-alive",
        ]
    );
    for spec in specs.into_iter().flatten() {
        let (text, automatic) = &spec;
        let choice: StrategyChoice = text.parse().unwrap();
        assert_eq!(&choice.to_string(), text);
        // The collector the choice builds has the same spec.
        assert_eq!(choice.with_harness(SpecOf(*automatic)), Some(spec.clone()));
    }
    // Automatic collection off is part of the spec where the text cannot say it.
    assert_eq!(
        spec_of(incremental(false, Budget::default(), false)).map(|s| s.1),
        Some(false)
    );
    let off = GcConfig {
        enabled: false,
        ..small
    };
    assert_eq!(
        spec_of(Generational::new(off).unwrap()).map(|s| s.1),
        Some(false)
    );
    // One generation: the text would mean three, so no spec (the config line says it).
    assert_eq!(
        spec_of(Generational::new(GcConfig::with_thresholds(vec![4])).unwrap()),
        None
    );
}

/// A `FullOnly` whose full collections examine nothing: the property fails at once.
#[derive(Debug, Default)]
struct Blind(FullOnly);

impl gclab::CycleCollector for Blind {
    fn on_track<T>(&mut self, cx: gclab::Cx<'_, T>, id: gclab::ObjId) {
        self.0.on_track(cx, id);
    }
    fn on_untrack<T>(&mut self, cx: gclab::Cx<'_, T>, id: gclab::ObjId, space: u8, position: u32) {
        self.0.on_untrack(cx, id, space, position);
    }
    fn collect_auto<T>(_heap: &mut Heap<T, Self>) {}
    fn collect_full<T>(heap: &mut Heap<T, Self>) -> gclab::CollectReport {
        heap.run_collection(0, |heap| {
            heap.note_examined(&[]);
            gclab::CollectReport::default()
        })
    }
}

impl HarnessStrategy for Blind {}

#[test]
fn a_failing_propertys_trace_names_its_strategy() {
    let failure = check_strategy(
        "trace_header_blind",
        Blind::default,
        portable_ops(1..30),
        proptest_config(500),
    )
    .expect_err("a collector that examines nothing fails");
    let path = failure.trace.clone().expect("the trace was written");
    let header = TraceHeader::read(&path).unwrap();
    assert_eq!(header.name.as_deref(), Some("trace_header_blind"));
    match &header.strategy {
        Some(TraceStrategy::Unlisted(t)) => assert!(t.ends_with("Blind"), "{t}"),
        other => panic!("{other:?}"),
    }
    assert!(!failure.replayable);
    assert!(
        failure
            .to_string()
            .contains("no --strategy text describes it"),
        "{failure}"
    );
}
