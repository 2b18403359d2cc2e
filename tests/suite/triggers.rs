//! Triggers as values: strategies built with a trigger value ([`GenerationalTrigger`],
//! [`AllocationTrigger`], [`IncrementBudget`]) collect exactly when the value says, and
//! the `gc`-module surface reads and writes the value the strategy holds.

use gclab::gc::{AllocationTrigger, Budget, GenerationalTrigger, IncrementBudget};
use gclab::{Generational, Heap, Incremental, ObjId};

/// Allocates a self-referencing container and drops the program's reference: garbage
/// only the cycle collector frees.
fn garbage_cycle<C: gclab::CycleCollector>(heap: &mut Heap<u32, C>) -> ObjId {
    let x = heap.alloc(0);
    heap.link(x, x).unwrap();
    heap.decref(x).unwrap();
    x
}

/// Follows CPython 3.13's `_PyObject_GC_Link` (`Python/gc.c`): an allocation that brings
/// generation 0's count above its threshold starts a collection, not before.
#[test]
fn generational_built_with_a_trigger_collects_when_the_surplus_exceeds_threshold_0() {
    let trigger = GenerationalTrigger::new(&[5, 100, 100]).unwrap();
    let mut heap: Heap<u32> = Heap::with_collector(Generational::with_trigger(trigger));
    let cycles: Vec<ObjId> = (0..5).map(|_| garbage_cycle(&mut heap)).collect();
    assert_eq!(heap.get_stats()[0].collections, 0);
    assert_eq!(heap.collector().trigger().counts(), &[5, 0, 0]);
    assert!(cycles.iter().all(|&c| heap.contains(c)));
    garbage_cycle(&mut heap); // surplus 6 > 5
    assert_eq!(heap.get_stats()[0].collections, 1);
    assert!(cycles.iter().all(|&c| !heap.contains(c)));
    // The collection restarted count 0 and counted one young collection for generation 1.
    assert_eq!(heap.get_count(), vec![0, 1, 0]);
}

/// Follows CPython's `PyObject_GC_Del` (`gcstate->generations[0].count--`): a freed
/// container lowers the surplus, so allocation and free in pairs never collect.
#[test]
fn generational_trigger_counts_frees_against_allocations() {
    let trigger = GenerationalTrigger::new(&[5, 10, 10]).unwrap();
    let mut heap: Heap<u32> = Heap::with_collector(Generational::with_trigger(trigger));
    for i in 0..10_000 {
        let x = heap.alloc(i);
        heap.decref(x).unwrap();
    }
    assert_eq!(heap.get_stats()[0].collections, 0);
    assert_eq!(heap.get_count(), vec![0, 0, 0]);
}

/// Follows CPython's `gc.disable()`/`gc.enable()` (`gc_disable_impl`, `gc_enable_impl`):
/// while disabled allocations still count but never collect; once enabled again the next
/// allocation collects, since the count is already above the threshold.
#[test]
fn generational_trigger_disabled_counts_but_collects_only_when_enabled_again() {
    let mut trigger = GenerationalTrigger::new(&[5, 10, 10]).unwrap();
    trigger.set_enabled(false);
    let mut heap: Heap<u32> = Heap::with_collector(Generational::with_trigger(trigger));
    assert!(!heap.is_enabled());
    for _ in 0..1000 {
        garbage_cycle(&mut heap);
    }
    assert_eq!((heap.len(), heap.get_stats()[0].collections), (1000, 0));
    assert_eq!(heap.get_count()[0], 1000);
    heap.enable();
    assert!(heap.collector().trigger().enabled());
    garbage_cycle(&mut heap);
    assert_eq!(heap.get_stats()[0].collections, 1);
    assert_eq!(heap.len(), 1); // the thousand cycles are gone; the new one was still held
}

/// Follows CPython's `gc.set_threshold` (`gc_set_threshold_impl`): the new threshold 0
/// takes effect at the next allocation, the counts stay; the heap's surface and the
/// strategy's trigger are one value.
#[test]
fn set_threshold_writes_the_trigger_and_takes_effect_at_the_next_allocation() {
    let mut heap: Heap<u32> = Heap::new();
    for _ in 0..100 {
        garbage_cycle(&mut heap);
    }
    assert_eq!(heap.get_stats()[0].collections, 0); // 100 is below 2000
    heap.set_threshold(&[50]).unwrap();
    assert_eq!(heap.collector().trigger().thresholds(), &[50, 10, 10]);
    assert_eq!(heap.get_threshold(), vec![50, 10, 10]);
    assert_eq!(heap.get_count()[0], 100);
    garbage_cycle(&mut heap); // 101 > 50
    assert_eq!(heap.get_stats()[0].collections, 1);
    heap.set_threshold(&[0]).unwrap(); // threshold 0: only when asked
    for _ in 0..5000 {
        garbage_cycle(&mut heap);
    }
    assert_eq!(heap.get_stats()[0].collections, 1);
    heap.collector_mut()
        .trigger_mut()
        .set_thresholds(&[10])
        .unwrap();
    assert_eq!(heap.get_threshold(), vec![10, 10, 10]);
    assert!(heap.set_threshold(&[1, 2, 3, 4]).is_err());
}

/// Follows CPython 3.13's `gc_collect_generations` (`Python/gc.c`) and the note "about
/// the counting of long-lived objects" in `Include/internal/pycore_gc.h` (CPython issue
/// 4074): a full collection due by its count waits until the objects promoted into the
/// oldest generation since the last full collection reach a quarter of those it held.
#[test]
fn generational_trigger_long_lived_rule_defers_a_due_full_collection() {
    // Threshold 1 = 0: after one young collection the full one is due by its count, so
    // only the long-lived rule holds it back.
    let mut trigger = GenerationalTrigger::new(&[9, 0]).unwrap();
    trigger.set_enabled(false);
    let mut heap: Heap<u32> = Heap::with_collector(Generational::with_trigger(trigger));
    let root = heap.alloc(0);
    let keep = |heap: &mut Heap<u32>| {
        let x = heap.alloc(1);
        heap.link(root, x).unwrap();
        heap.decref(x).unwrap();
    };
    for _ in 0..399 {
        keep(&mut heap);
    }
    heap.collect_full(); // 400 long-lived objects: a quarter is 100
    let lived = heap.long_lived();
    assert_eq!((lived.pending, lived.total), (0, 400));
    heap.enable();
    // Every 10th allocation starts a young collection that promotes 10 objects into the
    // oldest generation; the full collection waits for 100 of them.
    for k in 1..=109 {
        keep(&mut heap);
        assert_eq!(heap.get_stats()[1].collections, 1, "allocation {k}");
    }
    assert_eq!(heap.get_stats()[0].collections, 10);
    assert_eq!(heap.long_lived().pending, 100);
    keep(&mut heap); // allocation 110: 100 >= 400 / 4
    assert_eq!(heap.get_stats()[1].collections, 2);
    let lived = heap.long_lived();
    assert_eq!((lived.pending, lived.total), (0, 510));
    assert_eq!(heap.get_stats()[0].collections, 10);
    heap.verify().unwrap();
}

/// CPython 3.14's `_PyObject_GC_Link` counts `young.count` against `young.threshold`;
/// [`Incremental`] built with an [`AllocationTrigger`] runs an increment exactly when
/// the surplus exceeds it.
#[test]
fn incremental_built_with_an_allocation_trigger_runs_an_increment_when_it_says() {
    let budget = IncrementBudget::new(Budget::Fixed(5));
    let mut heap: Heap<u32, Incremental> = Heap::with_collector(Incremental::with_trigger(
        AllocationTrigger::new(10),
        budget,
        false,
    ));
    let cycles: Vec<ObjId> = (0..10).map(|_| garbage_cycle(&mut heap)).collect();
    assert_eq!(heap.collector().stats().increments, 0);
    assert_eq!(heap.collector().trigger().count(), 10);
    garbage_cycle(&mut heap);
    assert_eq!(heap.collector().stats().increments, 1);
    assert!(cycles.iter().all(|&c| !heap.contains(c)));
    assert_eq!(heap.collector().trigger().count(), 0);
    // Frees count against allocations (`PyObject_GC_Del`'s `young.count--`).
    for i in 0..1000 {
        let x = heap.alloc(i);
        heap.decref(x).unwrap();
    }
    assert_eq!(heap.collector().stats().increments, 1);
    // The trigger is the strategy's: changing it changes when the next increment runs.
    heap.collector_mut().trigger_mut().set_threshold(2);
    for _ in 0..3 {
        garbage_cycle(&mut heap);
    }
    assert_eq!(heap.collector().stats().increments, 2);
    heap.collector_mut().trigger_mut().set_enabled(false);
    for _ in 0..100 {
        garbage_cycle(&mut heap);
    }
    assert_eq!(heap.collector().stats().increments, 2);
    assert!(!heap.collector().config().enabled);
}

/// A manual trigger: increments only on demand.
#[test]
fn incremental_with_a_manual_trigger_runs_increments_only_when_asked() {
    let mut heap: Heap<u32, Incremental> = Heap::with_collector(Incremental::with_trigger(
        AllocationTrigger::manual(),
        IncrementBudget::default(),
        false,
    ));
    for _ in 0..10_000 {
        garbage_cycle(&mut heap);
    }
    assert_eq!(
        (heap.collector().stats().increments, heap.len()),
        (0, 10_000)
    );
    assert_eq!(heap.collect_increment().collected, 10_000);
}

/// The budget value bounds how many pending objects an increment takes as seeds
/// (unconnected objects: no expansion), and changing it changes the next increment.
#[test]
fn incremental_budget_value_bounds_the_old_objects_an_increment_takes() {
    let mut heap: Heap<u32, Incremental> = Heap::with_collector(Incremental::with_trigger(
        AllocationTrigger::manual(),
        IncrementBudget::new(Budget::Fixed(3)),
        false,
    ));
    let held: Vec<ObjId> = (0..20).map(|i| heap.alloc(i)).collect();
    heap.collect_increment(); // young survivors go to visited; the halves swap
    assert_eq!(heap.collector().pending_len(), 20);
    heap.collect_increment();
    assert_eq!(heap.collector().stats().old_examined, 3);
    assert_eq!(heap.collector().pending_len(), 17);
    heap.collector_mut()
        .budget_mut()
        .set_budget(Budget::Fixed(10));
    heap.collect_increment();
    assert_eq!(heap.collector().stats().old_examined, 13);
    assert_eq!(heap.collector().config().budget, Budget::Fixed(10));
    heap.verify().unwrap();
    for id in held {
        heap.decref(id).unwrap();
    }
}

/// CPython 3.14's `assess_work_to_do` through [`IncrementBudget`]: with a mark-alive
/// pre-pass that marks more than the budget, the work goes negative and the next
/// increments are skipped.
#[test]
fn incremental_cpython_budget_skips_increments_while_in_debt() {
    let mut heap: Heap<u32, Incremental> = Heap::with_collector(Incremental::with_trigger(
        AllocationTrigger::manual(),
        IncrementBudget::new(Budget::Cpython { scale_factor: 10 }),
        true,
    ));
    let held: Vec<ObjId> = (0..1000).map(|i| heap.alloc(i)).collect();
    // First increment of the scavenge: 1000 new objects, heap 1000: work 1000 + min(10,
    // 2000) = 1010; the marking (1000 roots) spends 1000.
    heap.collect_increment();
    assert_eq!(heap.collector().work_to_do(), 10);
    assert_eq!(heap.collector().stats().marked_alive, 1000);
    assert_eq!(heap.collector().stats().skipped, 0);
    let x = heap.alloc(0);
    heap.decref(x).unwrap(); // surplus back to 0
    heap.collector_mut().budget_mut().spend(100); // in debt by 90
    heap.collect_increment();
    assert_eq!(heap.collector().stats().skipped, 1);
    for id in held {
        heap.decref(id).unwrap();
    }
}
