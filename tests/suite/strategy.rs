//! The reference strategy without policy, `gclab::testing::FullOnly` (the strategy of
//! the `gclab::gc::strategy` module example, written against the public seam only: one
//! list of tracked objects, a collection only when asked, trial deletion over every
//! tracked object, the shared PEP 442 pipeline), in scenarios: it collects cycles,
//! keeps live data, and follows PEP 442 for finalizers and weak references. The harness
//! checks it with random op sequences in `tests/suite/harness.rs`.

use std::{cell::Cell, rc::Rc};

use gclab::Heap;
use gclab::testing::FullOnly;

fn heap() -> Heap<&'static str, FullOnly> {
    Heap::with_collector(FullOnly::default())
}

#[test]
fn garbage_cycle_is_collected_only_when_asked() {
    let mut heap = heap();
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    for _ in 0..5000 {
        let x = heap.alloc("churn"); // no automatic collection, ever
        heap.decref(x).unwrap();
    }
    assert!(heap.contains(a) && heap.contains(b));
    heap.verify().unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (2, 2));
    assert!(!heap.contains(a) && !heap.contains(b));
    heap.verify().unwrap();
}

#[test]
fn live_data_and_what_garbage_points_to_survive() {
    let mut heap = heap();
    let live = heap.alloc("live");
    let leaf = heap.alloc("leaf");
    heap.link(live, leaf).unwrap();
    heap.link(leaf, live).unwrap(); // a live cycle, held by our handle on `live`
    let g = heap.alloc("garbage");
    heap.link(g, g).unwrap();
    heap.link(g, leaf).unwrap(); // garbage pointing into live data
    heap.decref(g).unwrap();
    heap.decref(leaf).unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert!(heap.contains(live) && heap.contains(leaf) && !heap.contains(g));
    assert_eq!(heap.refcount(leaf).unwrap(), 1);
    heap.verify().unwrap();
    assert_eq!(heap.collect_full().collected, 0); // survivors were tracked again
    heap.decref(live).unwrap();
    assert_eq!(heap.collect_full().collected, 2);
    assert!(heap.is_empty());
}

#[test]
fn finalizer_resurrects_once_and_weakref_is_cleared_first() {
    let mut heap = heap();
    let a = heap.alloc("phoenix");
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
    let report = heap.collect_full();
    assert_eq!((report.collected, report.resurrected), (0, 1));
    assert_eq!(heap.upgrade(w), None); // cleared before the finalizer ran (PEP 442)
    assert_eq!(heap.get_var("saved"), Some(a));
    heap.verify().unwrap();
    heap.del_var("saved").unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert_eq!(runs.get(), 1); // at most once per object
    assert!(heap.is_empty());
}

#[test]
fn legacy_finalizer_cycle_is_uncollectable_and_listed() {
    let mut heap = heap();
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.set_legacy_finalizer(a, true).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.uncollectable), (0, 2));
    assert_eq!(heap.garbage(), &[a]);
    heap.verify().unwrap();
}

#[test]
fn finalizer_that_allocates_during_the_collection_is_tracked_by_the_strategy() {
    let mut heap = heap();
    let a = heap.alloc("a");
    heap.link(a, a).unwrap();
    heap.set_finalizer(a, |heap, _| {
        let fresh = heap.alloc("fresh");
        heap.link(fresh, fresh).unwrap();
        heap.decref(fresh).unwrap();
        assert!(heap.collect_full().skipped); // no nested collection
    })
    .unwrap();
    heap.decref(a).unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    heap.verify().unwrap();
    assert_eq!(heap.len(), 1); // the fresh cycle, tracked
    assert_eq!(heap.collect_full().collected, 1);
    assert!(heap.is_empty());
}
