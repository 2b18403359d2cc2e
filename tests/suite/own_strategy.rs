//! A strategy of one's own, written in this file against gclab's public API only, as
//! `ARCHITECTURE.md` ("Adding a collection strategy") walks through it: `EveryN`
//! collects after every `n`-th container allocation (net of frees, CPython's way of
//! counting) with a full trial deletion over one [`TrackedList`], on the same shared
//! mechanism (fused slot-level passes, direct free) as the crate's strategies. The
//! property harness checks it with random op sequences against the reference model,
//! and the scenarios check what it is named for.

use std::{cell::Cell, rc::Rc};

use gclab::gc::{AllocationTrigger, TrackedList};
use gclab::testing::{HarnessStrategy, check_strategy, portable_ops, proptest_config};
use gclab::{AllocKind, CollectReport, Cx, CycleCollector, Heap, ObjId, Objects, Phase};

/// Every tracked object in one list (space 0); a full collection when the allocation
/// surplus exceeds `n`, or when asked.
#[derive(Debug)]
struct EveryN {
    tracked: TrackedList,
    trigger: AllocationTrigger,
}

impl EveryN {
    fn new(n: u32) -> EveryN {
        EveryN {
            tracked: TrackedList::new(0),
            trigger: AllocationTrigger::new(n),
        }
    }
}

impl CycleCollector for EveryN {
    fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        self.tracked.push(cx, id);
    }

    fn on_untrack<T>(&mut self, cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
        self.tracked.remove(cx, position);
    }

    fn on_alloc(&mut self, _kind: AllocKind) -> bool {
        self.trigger.on_alloc()
    }

    fn on_free(&mut self) {
        self.trigger.on_free();
    }

    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        Self::collect_full(heap);
    }

    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        heap.run_collection(0, |heap| {
            let gc = heap.collector_mut();
            gc.trigger.reset();
            let mut all = gc.tracked.take();
            // Trial deletion over everything; survivors go back to the same list.
            heap.collect_list(&mut all, |gc| &mut gc.tracked)
        })
    }

    fn reserve(&mut self, additional: usize) {
        self.tracked.reserve(additional);
    }

    fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
        self.tracked.check(objects, true)
    }
}

/// No generational surface: the harness holds it to the free policy.
impl HarnessStrategy for EveryN {}

#[test]
fn every_n_keeps_every_invariant_under_random_programs() {
    for n in [0, 1, 7] {
        let name = format!("own_every_{n}");
        if let Err(failure) = check_strategy(
            &name,
            || EveryN::new(n),
            portable_ops(1..80),
            proptest_config(1000),
        ) {
            panic!("{failure}");
        }
    }
}

#[test]
fn every_n_collects_garbage_cycles_every_n_allocations() {
    let mut heap: Heap<u32, EveryN> = Heap::with_collector(EveryN::new(100));
    let keep = heap.alloc(0);
    let collections = Rc::new(Cell::new(0));
    let seen = collections.clone();
    heap.add_callback(move |phase, _| {
        if phase == Phase::Stop {
            seen.set(seen.get() + 1);
        }
    });
    for i in 1..=1000 {
        let a = heap.alloc(i);
        heap.link(a, a).unwrap(); // a garbage self-cycle: the surplus only grows
        heap.decref(a).unwrap();
        // Collected once the surplus exceeds 100: never more than 102 objects live
        // (`keep`, the cycle allocated while the last collection ran, which was held
        // then and survived it, and 100 newer cycles).
        assert!(
            heap.len() <= 102,
            "{} objects after {i} allocations",
            heap.len()
        );
    }
    // The surplus passes 100 at the 100th cycle (`keep` counts too), then every 101
    // allocations (the one that triggers is held while it collects): cycles 100, 201,
    // …, 908.
    assert_eq!(collections.get(), 9);
    // The last ones wait for the next trigger: `keep`, cycle 908 (held while it
    // collected), cycles 909 to 1000.
    let live = heap.len();
    assert_eq!(live, 94);
    assert_eq!(heap.collect_full().collected, live - 1);
    assert!(heap.contains(keep));
    heap.verify().unwrap();
}

#[test]
fn every_n_with_n_zero_collects_only_when_asked() {
    let mut heap: Heap<(), EveryN> = Heap::with_collector(EveryN::new(0));
    for _ in 0..5000 {
        let a = heap.alloc(());
        heap.link(a, a).unwrap();
        heap.decref(a).unwrap();
    }
    assert_eq!(heap.len(), 5000);
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (5000, 5000));
    assert!(heap.is_empty());
}
