//! Scenario tests of [`Incremental`], CPython 3.14's incremental collector
//! (`Python/gc.c`: `gc_collect_increment`, `expand_region_transitively_reachable`,
//! `completed_scavenge`, `gc_collect_full`), and a randomized differential test against
//! the default generational strategy.

use std::{cell::Cell, collections::BTreeSet, rc::Rc};

use gclab::gc::incremental::{Budget, Place};
use gclab::{Heap, Incremental, IncrementalConfig, ObjId};
use proptest::prelude::*;

type IHeap = Heap<u64, Incremental>;

/// A heap whose increments run only when asked, each taking at most `budget` old seeds.
fn manual(budget: usize) -> IHeap {
    Heap::with_collector(Incremental::new(IncrementalConfig {
        threshold: 0,
        budget: Budget::Fixed(budget),
        ..IncrementalConfig::default()
    }))
}

fn place(heap: &IHeap, id: ObjId) -> Option<Place> {
    heap.collector().place(heap.objects_view(), id)
}

fn cycle(heap: &mut IHeap, payload: u64) -> (ObjId, ObjId) {
    let (a, b) = (heap.alloc(payload), heap.alloc(payload + 1));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    (a, b)
}

#[test]
fn young_garbage_cycle_is_collected_by_an_increment() {
    let mut heap = manual(0);
    let keep = heap.alloc(0);
    let (a, b) = cycle(&mut heap, 1);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_increment();
    assert_eq!(
        (report.generation, report.collected, report.candidates),
        (1, 2, 3)
    );
    assert!(!heap.contains(a) && !heap.contains(b) && heap.contains(keep));
    heap.verify().unwrap();
}

#[test]
fn allocation_surplus_over_the_threshold_triggers_an_increment() {
    let mut heap: IHeap = Heap::with_collector(Incremental::new(IncrementalConfig {
        threshold: 50,
        ..IncrementalConfig::default()
    }));
    let (a, b) = cycle(&mut heap, 1);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    // Allocations balanced by frees do not count (CPython's young.count--).
    for i in 0..500 {
        let x = heap.alloc(i);
        heap.decref(x).unwrap();
    }
    assert_eq!(heap.collector().stats().increments, 0);
    assert!(heap.contains(a));
    let keep = heap.alloc(0);
    for i in 0..47 {
        let x = heap.alloc(i);
        heap.link(keep, x).unwrap();
        heap.decref(x).unwrap();
    }
    // Surplus 2 + 1 + 47 = 50: not over the threshold yet.
    assert_eq!(heap.collector().stats().increments, 0);
    assert!(heap.contains(a));
    let x = heap.alloc(99); // 51
    assert_eq!(heap.collector().stats().increments, 1);
    assert!(!heap.contains(a) && !heap.contains(b));
    assert!(heap.contains(x) && heap.contains(keep));
    heap.verify().unwrap();
}

#[test]
fn survivors_go_to_visited_and_the_halves_swap_when_pending_is_empty() {
    let mut heap = manual(1);
    let xs: Vec<ObjId> = (0..3).map(|i| heap.alloc(i)).collect();
    heap.collect_increment();
    // Pending was empty: the scavenge completed at once, so the survivors are pending.
    assert_eq!(heap.collector().stats().scavenges, 1);
    assert!(xs.iter().all(|&x| place(&heap, x) == Some(Place::Pending)));
    heap.collect_increment(); // one seed (no edges, so no expansion)
    let visited = xs
        .iter()
        .filter(|&&x| place(&heap, x) == Some(Place::Visited));
    assert_eq!(visited.count(), 1);
    assert_eq!(heap.collector().pending_len(), 2);
    heap.collect_increment();
    heap.collect_increment(); // the last pending object: the halves swap again
    assert_eq!(heap.collector().stats().scavenges, 2);
    assert!(xs.iter().all(|&x| place(&heap, x) == Some(Place::Pending)));
    heap.verify().unwrap();
}

/// A garbage cycle whose members sit in different halves survives the increments of the
/// scavenge (its pending member is referenced from its visited member, outside the
/// increment), and is collected in the scavenge after the flip, when both are pending
/// and the transitive expansion brings them into one increment.
#[test]
fn cycle_spanning_pending_and_visited_is_collected_after_the_flip_not_before() {
    let mut heap = manual(1);
    let xs: Vec<ObjId> = (0..6).map(|i| heap.alloc(i)).collect();
    heap.collect_increment(); // everything old and pending
    let (x, y) = (xs[2], xs[3]);
    // Visit one old object per increment until exactly one of x, y is visited.
    let mut guard = 0;
    while (place(&heap, x) == Some(Place::Visited)) == (place(&heap, y) == Some(Place::Visited)) {
        heap.collect_increment();
        heap.verify().unwrap();
        guard += 1;
        assert!(guard < 10, "x and y were visited in the same increment");
    }
    let (v, p) = if place(&heap, x) == Some(Place::Visited) {
        (x, y)
    } else {
        (y, x)
    };
    assert_eq!(place(&heap, p), Some(Place::Pending));
    heap.link(v, p).unwrap();
    heap.link(p, v).unwrap();
    heap.decref(v).unwrap();
    heap.decref(p).unwrap(); // now garbage, spanning the halves
    let scavenges = heap.collector().stats().scavenges;
    while heap.collector().stats().scavenges == scavenges {
        let report = heap.collect_increment();
        assert_eq!(report.collected, 0, "collected before the flip");
        assert!(heap.contains(v) && heap.contains(p));
        heap.verify().unwrap();
    }
    // After the flip both are pending; the scavenge after it collects them together.
    assert_eq!(place(&heap, v), Some(Place::Pending));
    assert_eq!(place(&heap, p), Some(Place::Pending));
    let mut collected = 0;
    while heap.collector().stats().scavenges == scavenges + 1 {
        let report = heap.collect_increment();
        collected += report.collected;
        heap.verify().unwrap();
    }
    assert_eq!(collected, 2);
    assert!(!heap.contains(v) && !heap.contains(p));
    assert_eq!(heap.len(), 4);
}

#[test]
fn full_collection_finds_a_cycle_spanning_the_halves_at_once() {
    let mut heap = manual(1);
    let (a, b) = (heap.alloc(1), heap.alloc(2));
    heap.collect_increment(); // both pending
    heap.collect_increment(); // one visited
    assert_ne!(place(&heap, a), place(&heap, b));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let young = heap.alloc(3);
    let report = heap.collect_full();
    assert_eq!(
        (report.generation, report.collected, report.candidates),
        (2, 2, 3)
    );
    assert_eq!(heap.len(), 1);
    assert_eq!(place(&heap, young), Some(Place::Pending)); // the scavenge completed
    heap.verify().unwrap();
}

#[test]
fn cycle_becomes_garbage_only_after_an_external_decrement() {
    let mut heap = manual(2);
    let (a, b) = cycle(&mut heap, 1);
    heap.set_var("a", a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    for _ in 0..6 {
        assert_eq!(heap.collect_increment().collected, 0);
        heap.verify().unwrap();
    }
    assert_eq!(heap.collect_full().collected, 0);
    heap.del_var("a").unwrap(); // the last external reference: now garbage
    let scavenges = heap.collector().stats().scavenges;
    let mut collected = 0;
    // Both are old: the scavenge after the current one has them both pending at the
    // latest.
    while collected == 0 {
        collected += heap.collect_increment().collected;
        heap.verify().unwrap();
        assert!(heap.collector().stats().scavenges <= scavenges + 2);
    }
    assert_eq!(collected, 2);
    assert!(heap.is_empty());
}

#[test]
fn increment_respects_the_budget() {
    // 100 unrelated old objects, budget 7: each increment takes exactly 7 seeds (none
    // has edges, so nothing is added by the expansion).
    let mut heap = manual(7);
    let xs: Vec<ObjId> = (0..100).map(|i| heap.alloc(i)).collect();
    heap.collect_increment(); // all pending now
    heap.record_examined(true);
    for round in 0..14 {
        let report = heap.collect_increment();
        let examined = heap.take_examined();
        assert_eq!(report.candidates, examined.len());
        assert_eq!(examined.len(), 7, "round {round}");
        heap.verify().unwrap();
    }
    // The 15th increment takes the last 2 and completes the scavenge.
    assert_eq!(heap.collect_increment().candidates, 2);
    assert_eq!(heap.collector().stats().old_examined, 100);
    assert_eq!(heap.collector().stats().scavenges, 2);
    // Young objects are examined on top of the budget.
    let young: Vec<ObjId> = (0..20).map(|i| heap.alloc(100 + i)).collect();
    assert_eq!(heap.collect_increment().candidates, 20 + 7);
    assert_eq!(heap.len(), xs.len() + young.len());
}

#[test]
fn transitive_expansion_is_not_bounded_by_the_budget() {
    // A live ring of 50 old objects: whichever member is the seed brings in all others
    // (expand_region_transitively_reachable), so a budget of 1 examines 50.
    let mut heap = manual(1);
    let ring: Vec<ObjId> = (0..50).map(|i| heap.alloc(i)).collect();
    for i in 0..50 {
        heap.link(ring[i], ring[(i + 1) % 50]).unwrap();
    }
    for &x in &ring[1..] {
        heap.decref(x).unwrap();
    }
    heap.collect_increment(); // pending
    let report = heap.collect_increment();
    assert_eq!((report.candidates, report.collected), (50, 0));
    heap.decref(ring[0]).unwrap(); // now the ring is garbage, and all of it pending
    assert_eq!(heap.collector().pending_len(), 50);
    let report = heap.collect_increment();
    assert_eq!((report.candidates, report.collected), (50, 50));
    assert!(heap.is_empty());
    heap.verify().unwrap();
}

#[test]
fn cpython_budget_takes_new_objects_plus_a_heap_fraction() {
    // assess_work_to_do: new + min(heap / 10 / scale_factor, 2 * new).
    let mut heap: IHeap = Heap::with_collector(Incremental::new(IncrementalConfig {
        threshold: 0,
        budget: Budget::Cpython { scale_factor: 10 },
        ..IncrementalConfig::default()
    }));
    let old: Vec<ObjId> = (0..10_000).map(|i| heap.alloc(i)).collect();
    // 10,000 new objects: work 10,000 + min(100, 20,000); all young, so the increment
    // is the young generation and 100 seeds... but pending is empty: it is young only.
    assert_eq!(heap.collect_increment().candidates, 10_000);
    assert_eq!(heap.collector().pending_len(), 10_000);
    // 10 new objects: work 10 + min(10,010 / 100 = 100, 20) = 30: 10 young + 20 old.
    let young: Vec<ObjId> = (0..10).map(|i| heap.alloc(i)).collect();
    assert_eq!(heap.collect_increment().candidates, 30);
    assert_eq!(heap.collector().work_to_do(), 0);
    assert_eq!(heap.len(), old.len() + young.len());
    heap.verify().unwrap();
}

#[test]
fn finalizer_resurrects_once_and_weakref_is_cleared_first() {
    let mut heap = manual(0);
    let a = heap.alloc(1);
    heap.link(a, a).unwrap();
    let w = heap.downgrade(a).unwrap();
    let runs = Rc::new(Cell::new(0));
    let r = runs.clone();
    heap.set_finalizer(a, move |heap, me| {
        r.set(r.get() + 1);
        heap.set_var("saved", me).unwrap();
    })
    .unwrap();
    heap.decref(a).unwrap();
    let report = heap.collect_increment();
    assert_eq!((report.collected, report.resurrected), (0, 1));
    assert_eq!(heap.upgrade(w), None); // cleared before the finalizer ran (PEP 442)
    assert_eq!(heap.get_var("saved"), Some(a));
    // The survivor of the pipeline went to visited, and then the halves swapped.
    assert_eq!(place(&heap, a), Some(Place::Pending));
    heap.verify().unwrap();
    heap.del_var("saved").unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert_eq!(runs.get(), 1);
    assert!(heap.is_empty());
}

#[test]
fn weakref_callback_of_a_live_owner_runs_when_its_target_is_collected() {
    let mut heap = manual(0);
    let owner = heap.alloc(0);
    let a = heap.alloc(1);
    heap.link(a, a).unwrap();
    let called = Rc::new(Cell::new(false));
    let c = called.clone();
    heap.attach_weakref(owner, a, Some(Box::new(move |_, _| c.set(true))))
        .unwrap();
    heap.decref(a).unwrap();
    let report = heap.collect_increment();
    assert_eq!(report.collected, 1);
    assert!(called.get());
    heap.verify().unwrap();
}

#[test]
fn legacy_finalizer_cycle_is_uncollectable_and_listed() {
    let mut heap = manual(0);
    let (a, b) = cycle(&mut heap, 1);
    heap.set_legacy_finalizer(a, true).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_increment();
    assert_eq!((report.collected, report.uncollectable), (0, 2));
    assert_eq!(heap.garbage(), &[a]);
    heap.verify().unwrap();
    assert_eq!(heap.collect_full().collected, 0); // held by gc.garbage
}

#[test]
fn finalizer_that_allocates_during_the_collection_is_tracked_young() {
    let mut heap = manual(0);
    let a = heap.alloc(1);
    heap.link(a, a).unwrap();
    heap.set_finalizer(a, |heap, _| {
        let fresh = heap.alloc(2);
        heap.link(fresh, fresh).unwrap();
        heap.decref(fresh).unwrap();
        assert!(heap.collect_increment().skipped); // no nested collection
    })
    .unwrap();
    heap.decref(a).unwrap();
    assert_eq!(heap.collect_increment().collected, 1);
    heap.verify().unwrap();
    assert_eq!(heap.len(), 1);
    assert_eq!(heap.collector().young_len(), 1);
    assert_eq!(heap.collect_increment().collected, 1);
    assert!(heap.is_empty());
}

#[test]
fn mark_alive_increment_only_marks_and_the_next_collects() {
    // CPython 3.14's gc_collect_increment: in GC_PHASE_MARK the increment runs
    // mark_at_start and returns; what the roots reach is visited for this scavenge.
    let mut heap: IHeap = Heap::with_collector(Incremental::new(IncrementalConfig {
        threshold: 0,
        budget: Budget::Fixed(1000),
        mark_alive: true,
        ..IncrementalConfig::default()
    }));
    let root = heap.alloc(0);
    heap.set_var("root", root).unwrap();
    heap.decref(root).unwrap();
    for i in 1..100 {
        let x = heap.alloc(i);
        heap.link(root, x).unwrap();
        heap.decref(x).unwrap();
    }
    let (a, b) = cycle(&mut heap, 500);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    heap.record_examined(true);
    let report = heap.collect_increment(); // the mark phase
    assert_eq!((report.collected, report.candidates), (0, 0));
    assert_eq!(heap.collector().stats().marked_alive, 100);
    assert_eq!(heap.collector().visited_len(), 100);
    assert_eq!(heap.collector().young_len(), 2);
    heap.verify().unwrap();
    let report = heap.collect_increment();
    assert_eq!((report.collected, report.candidates), (2, 2));
    assert_eq!(heap.take_examined().len(), 2);
    heap.verify().unwrap();
}

#[derive(Debug, Clone)]
enum Op {
    Alloc,
    AllocChild(usize),
    Link(usize, usize),
    RemoveEdge(usize),
    Drop(usize),
    Increment,
    Young,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Alloc),
        2 => any::<usize>().prop_map(Op::AllocChild),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Link(a, b)),
        1 => any::<usize>().prop_map(Op::RemoveEdge),
        3 => any::<usize>().prop_map(Op::Drop),
        1 => Just(Op::Increment),
        1 => Just(Op::Young),
    ]
}

fn payloads<C: gclab::CycleCollector>(heap: &Heap<u64, C>) -> BTreeSet<u64> {
    heap.iter().map(|(_, &p)| p).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random programs run on an incremental heap (small threshold and budget, so
    /// automatic increments interleave with the mutator) and on the default generational
    /// heap; after `collect_full` both hold the same payloads, and after dropping every
    /// handle both are empty.
    #[test]
    fn same_live_payloads_as_generational_after_collect_full(
        ops in prop::collection::vec(op(), 1..200),
        budget in 0usize..6,
        threshold in 1u32..12,
        mark_alive in any::<bool>(),
    ) {
        let mut inc: IHeap = Heap::with_collector(Incremental::new(IncrementalConfig {
            threshold,
            budget: Budget::Fixed(budget),
            mark_alive,
            ..IncrementalConfig::default()
        }));
        let mut generational: Heap<u64> = Heap::new();
        let mut handles: Vec<(ObjId, ObjId)> = Vec::new();
        let mut next = 0u64;
        for op in ops {
            match op {
                Op::Alloc => {
                    handles.push((inc.alloc(next), generational.alloc(next)));
                    next += 1;
                }
                Op::AllocChild(i) if !handles.is_empty() => {
                    let (pi, pg) = handles[i % handles.len()];
                    let (ci, cg) = (inc.alloc(next), generational.alloc(next));
                    next += 1;
                    inc.link(pi, ci).unwrap();
                    generational.link(pg, cg).unwrap();
                    inc.decref(ci).unwrap();
                    generational.decref(cg).unwrap();
                }
                Op::Link(a, b) if !handles.is_empty() => {
                    let (ai, ag) = handles[a % handles.len()];
                    let (bi, bg) = handles[b % handles.len()];
                    inc.link(ai, bi).unwrap();
                    generational.link(ag, bg).unwrap();
                }
                Op::RemoveEdge(a) if !handles.is_empty() => {
                    let (ai, ag) = handles[a % handles.len()];
                    if !inc.edges(ai).unwrap().is_empty() {
                        inc.remove_edge(ai, 0).unwrap();
                        generational.remove_edge(ag, 0).unwrap();
                    }
                }
                Op::Drop(i) if !handles.is_empty() => {
                    let (hi, hg) = handles.swap_remove(i % handles.len());
                    inc.decref(hi).unwrap();
                    generational.decref(hg).unwrap();
                }
                Op::Increment => {
                    inc.collect_increment();
                }
                Op::Young => {
                    generational.collect(0).unwrap();
                }
                _ => {}
            }
            inc.verify().unwrap();
        }
        inc.collect_full();
        generational.collect_full();
        inc.verify().unwrap();
        prop_assert_eq!(payloads(&inc), payloads(&generational));
        for (hi, hg) in handles {
            inc.decref(hi).unwrap();
            generational.decref(hg).unwrap();
        }
        inc.collect_full();
        generational.collect_full();
        prop_assert!(inc.is_empty());
        prop_assert!(generational.is_empty());
        inc.verify().unwrap();
    }
}
