//! PEP 442 finalizers, resurrection, weak references and legacy finalizers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gclab::{GcEvent, Generation, Heap, ObjId};

fn heap() -> Heap<u32> {
    let mut heap = Heap::new();
    heap.disable();
    heap
}

fn counter() -> Rc<Cell<u32>> {
    Rc::new(Cell::new(0))
}

fn two_cycle(heap: &mut Heap<u32>) -> (ObjId, ObjId) {
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    (a, b)
}

#[test]
fn finalizer_of_a_cycle_member_runs_once() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    let runs = counter();
    let r = runs.clone();
    heap.set_finalizer(a, move |_, _| r.set(r.get() + 1))
        .unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.finalizers_run), (2, 1));
    assert_eq!(runs.get(), 1);
    heap.collect_full();
    assert_eq!(runs.get(), 1, "collecting again does not rerun it");
}

#[test]
fn finalizer_runs_on_refcount_death_before_the_free() {
    let mut heap = heap();
    let a = heap.alloc(7);
    let seen = Rc::new(Cell::new(None));
    let s = seen.clone();
    heap.set_finalizer(a, move |heap, me| s.set(Some(*heap.payload(me).unwrap())))
        .unwrap();
    heap.decref(a).unwrap();
    assert_eq!(seen.get(), Some(7), "the finalizer could read its object");
    assert!(!heap.contains(a));
}

#[test]
fn resurrecting_finalizer_keeps_object_and_cargo_with_same_ids() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    let cargo = heap.alloc(3);
    heap.link(a, cargo).unwrap();
    heap.decref(cargo).unwrap();
    let runs = counter();
    let r = runs.clone();
    heap.set_finalizer(a, move |heap, me| {
        r.set(r.get() + 1);
        heap.set_var("saved", me).unwrap();
    })
    .unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.resurrected), (0, 3));
    assert_eq!(heap.get_var("saved"), Some(a));
    assert_eq!(heap.edges(a).unwrap(), &[b, cargo]);
    assert_eq!(*heap.payload(cargo).unwrap(), 3);
    assert!(heap.is_finalized(a).unwrap());
    assert_eq!(
        heap.generation_of(b).unwrap(),
        Generation::Gen(2),
        "resurrected objects move to the oldest generation"
    );
    heap.verify().unwrap();
    // When it dies later, the finalizer does not run again.
    heap.del_var("saved").unwrap();
    assert_eq!(heap.collect_full().collected, 3);
    assert_eq!(runs.get(), 1);
    assert!(heap.is_empty());
}

#[test]
fn resurrection_on_refcount_death_keeps_the_object() {
    let mut heap = heap();
    let a = heap.alloc(1);
    heap.set_finalizer(a, |heap, me| heap.set_var("back", me).unwrap())
        .unwrap();
    heap.decref(a).unwrap();
    assert_eq!(heap.get_var("back"), Some(a));
    assert_eq!(heap.refcount(a).unwrap(), 1);
    assert_eq!(heap.counters().resurrections, 1);
    heap.del_var("back").unwrap();
    assert!(!heap.contains(a), "second death: no finalizer, freed");
}

#[test]
fn hundred_garbage_objects_plus_one_resurrector() {
    let mut heap = heap();
    let mut garbage = Vec::new();
    for _ in 0..50 {
        let (a, b) = two_cycle(&mut heap);
        heap.decref(a).unwrap();
        heap.decref(b).unwrap();
        garbage.push(a);
        garbage.push(b);
    }
    let phoenix = heap.alloc(99);
    heap.link(phoenix, phoenix).unwrap();
    heap.set_finalizer(phoenix, |heap, me| heap.incref(me).unwrap())
        .unwrap();
    heap.decref(phoenix).unwrap();
    let report = heap.collect_full();
    assert_eq!(
        report.collected, 100,
        "resurrecting one object does not block the others"
    );
    assert_eq!(report.resurrected, 1);
    assert_eq!(heap.len(), 1);
    assert!(garbage.iter().all(|&g| !heap.contains(g)));
    // Released and collected: the rest.
    heap.decref(phoenix).unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert!(heap.is_empty());
}

#[test]
fn weakref_callbacks_see_their_weakref_already_dead() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    let w = heap
        .downgrade_with_callback(a, move |heap, w| s.borrow_mut().push(heap.upgrade(w)))
        .unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    assert_eq!(
        heap.upgrade(w),
        Some(a),
        "a weak reference does not keep its object alive but reads it while alive"
    );
    let report = heap.collect_full();
    assert_eq!(report.weakrefs_cleared, 1);
    assert_eq!(*seen.borrow(), vec![None]);
    assert_eq!(heap.upgrade(w), None);
}

#[test]
fn weakref_inside_the_garbage_never_has_its_callback_called() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    let ran = counter();
    let r = ran.clone();
    // b holds a weak reference to a (b is the Python weakref object, part of the cycle).
    let w = heap
        .attach_weakref(b, a, Some(Box::new(move |_, _| r.set(r.get() + 1))))
        .unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    assert_eq!(heap.collect_full().collected, 2);
    assert_eq!(ran.get(), 0);
    assert_eq!(heap.upgrade(w), None);
}

#[test]
fn weakrefs_are_cleared_before_finalizers_even_if_resurrected() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    let w = heap.downgrade(a).unwrap();
    let saw = Rc::new(Cell::new(Some(a)));
    let s = saw.clone();
    heap.set_finalizer(a, move |heap, me| {
        s.set(heap.upgrade(w));
        heap.set_var("a", me).unwrap();
    })
    .unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    heap.collect_full();
    assert_eq!(
        saw.get(),
        None,
        "the finalizer saw the weak reference already cleared"
    );
    assert!(heap.contains(a));
    assert_eq!(heap.upgrade(w), None, "it stays dead after resurrection");
}

#[test]
fn panicking_finalizer_is_reported_and_collection_completes() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    heap.set_finalizer(a, |_, _| panic!("finalizer exploded"))
        .unwrap();
    let (c, d) = two_cycle(&mut heap);
    for id in [a, b, c, d] {
        heap.decref(id).unwrap();
    }
    let report = heap.collect_full();
    assert_eq!(report.collected, 4);
    assert_eq!(
        heap.events(),
        &[GcEvent::FinalizerPanicked {
            id: a,
            message: "finalizer exploded".into()
        }]
    );
    heap.verify().unwrap();
    assert!(heap.is_empty());
}

#[test]
fn panicking_finalizer_on_refcount_death_keeps_counts_exact() {
    let mut heap = heap();
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    heap.link(a, b).unwrap();
    heap.decref(b).unwrap();
    heap.set_finalizer(a, |heap, me| {
        heap.clear_edges(me).unwrap();
        panic!("half done");
    })
    .unwrap();
    let keep = heap.alloc(3);
    heap.decref(a).unwrap();
    assert!(!heap.contains(a) && !heap.contains(b));
    assert_eq!(heap.take_events().len(), 1);
    heap.verify().unwrap();
    assert!(heap.contains(keep));
}

/// CPython's `handle_legacy_finalizers` (Modules/gcmodule.c): only the objects that
/// themselves have a legacy finalizer are appended to `gc.garbage`; what they reach is
/// kept alive and counted uncollectable, but not listed.
#[test]
fn legacy_finalizer_cycles_land_in_garbage_as_uncollectable() {
    let mut heap = heap();
    let (a, b) = two_cycle(&mut heap);
    let hanging = heap.alloc(3);
    heap.link(b, hanging).unwrap();
    heap.decref(hanging).unwrap();
    heap.set_legacy_finalizer(a, true).unwrap();
    let (c, d) = two_cycle(&mut heap); // an ordinary cycle beside it
    for id in [a, b, c, d] {
        heap.decref(id).unwrap();
    }
    let report = heap.collect_full();
    assert_eq!((report.collected, report.uncollectable), (2, 3));
    assert_eq!(heap.garbage(), &[a]);
    assert!(heap.contains(b) && heap.contains(hanging));
    assert_eq!(heap.get_stats()[2].uncollectable, 3);
    heap.verify().unwrap();
    // Still uncollectable next time (held by garbage).
    assert_eq!(heap.collect_full().uncollectable, 0);
    assert_eq!(heap.len(), 3);
}

#[test]
fn finalizer_attached_after_running_never_runs() {
    let mut heap = heap();
    let a = heap.alloc(1);
    heap.set_finalizer(a, |heap, me| heap.incref(me).unwrap())
        .unwrap();
    heap.decref(a).unwrap(); // finalizer resurrects
    assert!(
        !heap
            .set_finalizer(a, |_, _| panic!("must not run"))
            .unwrap()
    );
    heap.decref(a).unwrap();
    assert!(heap.events().is_empty());
    assert!(!heap.contains(a));
}

#[test]
fn weakref_owners_lists_live_owners_oldest_first() {
    let mut heap = heap();
    let x = heap.alloc(0);
    let (r1, r2, r3) = (heap.alloc(1), heap.alloc(2), heap.alloc(3));
    heap.attach_weakref(r1, x, None).unwrap();
    let program_held = heap.downgrade(x).unwrap();
    heap.attach_weakref(r2, x, None).unwrap();
    heap.attach_weakref(r3, x, None).unwrap();
    assert_eq!(heap.weakref_owners(x).unwrap(), vec![r1, r2, r3]);
    assert_eq!(heap.weakref_count(x).unwrap(), 4);
    // an owner that dies takes its weak reference with it; the order of the rest holds
    heap.decref(r2).unwrap();
    assert_eq!(heap.weakref_owners(x).unwrap(), vec![r1, r3]);
    assert!(heap.release_weakref(program_held).unwrap());
    assert_eq!(heap.weakref_owners(x).unwrap(), vec![r1, r3]);
    // the target's death clears them all; its id is then stale
    heap.decref(x).unwrap();
    assert_eq!(heap.weakref_owners(r1).unwrap(), vec![]);
    assert_eq!(heap.weakref_owners(x), Err(gclab::GcError::StaleId(x)));
}
