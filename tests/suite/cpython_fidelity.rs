//! Where a Python program could tell the difference, gclab behaves as CPython 3.11–3.13's
//! `gc` module does (issue 13). Each test states the CPython behaviour and the source
//! function or test it follows; the Python equivalents were run on CPython 3.11.7.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gclab::{GcError, Generation, Heap, ObjId, Phase};

fn heap() -> Heap<u32> {
    let mut heap = Heap::new();
    heap.disable();
    heap
}

fn self_cycle(heap: &mut Heap<u32>, payload: u32) -> ObjId {
    let a = heap.alloc(payload);
    heap.link(a, a).unwrap();
    a
}

/// `PyObject_ClearWeakRefs` (refcount death) and `handle_weakrefs` (collections) call the
/// callbacks of one object's weak references from the most recently registered to the
/// oldest: `w1, w2, w3 = ref(c, cb1), ref(c, cb2), ref(c, cb3); del c` calls 3, 2, 1.
#[test]
fn weakref_callbacks_run_most_recent_first() {
    for cyclic in [false, true] {
        let mut heap = heap();
        let c = if cyclic {
            self_cycle(&mut heap, 0)
        } else {
            heap.alloc(0)
        };
        let order = Rc::new(RefCell::new(Vec::new()));
        for i in 1..=3 {
            let o = order.clone();
            heap.downgrade_with_callback(c, move |_, _| o.borrow_mut().push(i))
                .unwrap();
        }
        heap.decref(c).unwrap();
        if cyclic {
            heap.collect_full();
        }
        assert_eq!(*order.borrow(), vec![3, 2, 1], "cyclic: {cyclic}");
    }
}

/// `handle_legacy_finalizers`: with `a` (legacy) → `b` → `a` and `a` → `h`,
/// `gc.garbage == [a]` while `collect()` counts 3 uncollectable; in save-all mode every
/// object of the set goes in.
#[test]
fn gc_garbage_lists_only_objects_with_a_legacy_finalizer() {
    for saveall in [false, true] {
        let mut heap = heap();
        heap.set_debug_saveall(saveall);
        let (a, b, h) = (heap.alloc(1), heap.alloc(2), heap.alloc(3));
        heap.link(a, b).unwrap();
        heap.link(b, a).unwrap();
        heap.link(a, h).unwrap();
        heap.set_legacy_finalizer(a, true).unwrap();
        for x in [a, b, h] {
            heap.decref(x).unwrap();
        }
        let report = heap.collect_full();
        assert_eq!(report.uncollectable, 3);
        if saveall {
            assert_eq!(heap.garbage(), &[a, b, h]);
        } else {
            assert_eq!(heap.garbage(), &[a]);
        }
        assert_eq!(heap.len(), 3);
        heap.verify().unwrap();
    }
}

/// `handle_resurrected_objects` merges what a finalizer resurrected into the next older
/// generation (`old`), as survivors go: after `gc.collect(0)` the saved object is in
/// `gc.get_objects(1)`.
#[test]
fn resurrected_objects_move_to_the_next_older_generation() {
    let mut heap = heap();
    let a = self_cycle(&mut heap, 1);
    heap.set_finalizer(a, |h, me| h.set_var("saved", me).unwrap())
        .unwrap();
    heap.decref(a).unwrap();
    let report = heap.collect(0).unwrap();
    assert_eq!((report.collected, report.resurrected), (0, 1));
    assert_eq!(heap.generation_of(a).unwrap(), Generation::Gen(1));
    heap.verify().unwrap();
}

/// `finalize_garbage` holds a reference (`Py_INCREF`) around each `tp_finalize` call:
/// a finalizer that breaks its object's own cycle still sees the object intact and can
/// save it (`test_finalization`'s `SelfCycleResurrector`); one that only breaks the
/// cycle frees the object when the reference goes, and `collect()` returns 0 (the
/// object is not in `final_unreachable`).
#[test]
fn a_finalizer_runs_holding_a_reference_to_its_object() {
    let mut heap = heap();
    let a = self_cycle(&mut heap, 1);
    let saw = Rc::new(RefCell::new(None));
    let s = saw.clone();
    heap.set_finalizer(a, move |h, me| {
        h.clear_edges(me).unwrap();
        *s.borrow_mut() = Some(h.set_var("saved", me));
    })
    .unwrap();
    heap.decref(a).unwrap();
    let report = heap.collect_full();
    assert_eq!(*saw.borrow(), Some(Ok(())));
    assert_eq!(report.collected, 0);
    assert_eq!(heap.get_var("saved"), Some(a));
    assert_eq!(heap.refcount(a).unwrap(), 1);

    let b = self_cycle(&mut heap, 2);
    heap.set_finalizer(b, |h, me| h.clear_edges(me).unwrap())
        .unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.finalizers_run), (0, 1));
    assert!(!heap.contains(b));
    heap.verify().unwrap();
}

/// `gc_freeze_impl` zeroes every generation's count (`gc.get_count()` is `(0, 0, 0)`
/// after `gc.freeze()`).
#[test]
fn freeze_zeroes_every_generation_count() {
    let mut heap = heap();
    for i in 0..5 {
        let x = heap.alloc(i);
        heap.set_var(format!("x{i}"), x).unwrap();
        heap.decref(x).unwrap();
    }
    heap.collect(0).unwrap();
    let y = heap.alloc(9);
    heap.set_var("y", y).unwrap();
    assert_eq!(heap.get_count(), vec![1, 1, 0]);
    heap.freeze();
    assert_eq!(heap.get_count(), vec![0, 0, 0]);
}

/// `gc_get_referrers_impl` searches generations 0..2 only: frozen (permanent) and
/// untracked referrers are not reported. `Heap::referrers` keeps the whole-heap search.
#[test]
fn get_referrers_sees_only_objects_in_generations() {
    let mut heap = heap();
    let x = heap.alloc(0);
    let frozen = heap.alloc_with(1, &[x]).unwrap();
    heap.freeze();
    let live = heap.alloc_with(2, &[x]).unwrap();
    let atom = heap.alloc_atomic(3);
    let tuple = heap.alloc_immutable(4, &[atom]).unwrap();
    let holder = heap.alloc_immutable(5, &[x]).unwrap();
    heap.collect_full(); // `tuple` holds only an atomic object: untracked
    assert!(!heap.is_tracked(tuple).unwrap());
    assert_eq!(heap.get_referrers(&[x]).unwrap(), vec![live, holder]);
    assert_eq!(heap.referrers(x).unwrap(), vec![frozen, live, holder]);
    assert!(heap.get_referrers(&[atom]).unwrap().is_empty());
    assert_eq!(heap.referrers(atom).unwrap(), vec![tuple]);
}

/// `subtype_dealloc` untracks the object and tracks it again (`_PyObject_GC_TRACK`,
/// appended to generation 0) before calling its finalizer: an old object resurrected on
/// refcount death is in `gc.get_objects(0)`.
#[test]
fn objects_resurrected_on_refcount_death_return_to_generation_0() {
    let mut heap = heap();
    let q = heap.alloc(1);
    heap.collect_full();
    assert_eq!(heap.generation_of(q).unwrap(), Generation::Gen(2));
    heap.set_finalizer(q, |h, me| h.set_var("q", me).unwrap())
        .unwrap();
    heap.decref(q).unwrap();
    assert_eq!(heap.generation_of(q).unwrap(), Generation::Gen(0));
    heap.verify().unwrap();
}

/// `move_unreachable` moves an object it first set aside as tentatively unreachable to
/// the end of the young list when a later object reaches it; `untrack_tuples` then
/// walks the list in order. For `outer = ((n,),)` held only by a name, the inner tuple
/// comes after the outer one, so the outer still sees it tracked: both are untracked
/// over two collections (Python: `gc.collect(); is_tracked(outer), is_tracked(inner)` is
/// `True, False`, then `False, False`).
#[test]
fn nested_tuples_are_untracked_over_two_collections() {
    let mut heap = heap();
    let n = heap.alloc_atomic(5);
    let inner = heap.alloc_immutable(1, &[n]).unwrap();
    let outer = heap.alloc_immutable(2, &[inner]).unwrap();
    heap.decref(inner).unwrap();
    heap.set_var("outer", outer).unwrap();
    heap.decref(outer).unwrap();
    heap.collect_full();
    assert_eq!(
        (
            heap.is_tracked(outer).unwrap(),
            heap.is_tracked(inner).unwrap()
        ),
        (true, false)
    );
    heap.collect_full();
    assert_eq!(
        (
            heap.is_tracked(outer).unwrap(),
            heap.is_tracked(inner).unwrap()
        ),
        (false, false)
    );
}

/// `handle_weakrefs` counts the reachable weak-reference objects its callbacks freed
/// (`num_freed`) into what `collect()` returns: a garbage self-cycle plus a weakref
/// object whose callback drops the only reference to it collects 2.
#[test]
fn collected_counts_weakref_objects_freed_by_their_callbacks() {
    let mut heap = heap();
    let holder = heap.alloc(0);
    heap.set_var("holder", holder).unwrap();
    heap.decref(holder).unwrap();
    let t = self_cycle(&mut heap, 1);
    let wref = heap.alloc(2); // the weakref.ref object, held by `holder`
    heap.link(holder, wref).unwrap();
    heap.decref(wref).unwrap();
    heap.attach_weakref(
        wref,
        t,
        Some(Box::new(move |h: &mut Heap<u32>, _| {
            h.unlink(holder, wref).unwrap(); // del holder['w']
        })),
    )
    .unwrap();
    heap.decref(t).unwrap();
    let report = heap.collect_full();
    assert_eq!(report.collected, 2);
    assert_eq!(heap.get_stats()[2].collected, 2);
    assert!(!heap.contains(wref));
    heap.verify().unwrap();
}

/// CPython keeps each generation in allocation order (intrusive `PyGC_Head` lists), so
/// the finalizers of one collection run in allocation order whatever was freed between:
/// `fs = [F(i) for i in range(6)]` with self-cycles, dropped, collected, runs 0..5.
#[test]
fn finalizers_of_one_collection_run_in_allocation_order() {
    let mut heap = heap();
    let order = Rc::new(RefCell::new(Vec::new()));
    let early = heap.alloc(50);
    let mut cycles = Vec::new();
    for i in 0..6 {
        let a = self_cycle(&mut heap, i);
        let o = order.clone();
        heap.set_finalizer(a, move |_, _| o.borrow_mut().push(i))
            .unwrap();
        cycles.push(a);
        // Frees between allocations would reorder a swap-remove list.
        let tmp = heap.alloc(100 + i);
        heap.decref(tmp).unwrap();
    }
    heap.decref(cycles[0]).unwrap();
    // Freed from the front of generation 0: a swap-remove list would move the newest
    // object into its place.
    heap.decref(early).unwrap();
    for &a in &cycles[1..] {
        heap.decref(a).unwrap();
    }
    assert_eq!(heap.collect_full().finalizers_run, 6);
    assert_eq!(*order.borrow(), vec![0, 1, 2, 3, 4, 5]);
}

/// `PyObject_CallFinalizer` marks "finalized" only objects of GC types: the finalizer
/// of an atomic (non-GC) object that resurrects it runs again on its next death; a
/// container's runs once.
#[test]
fn an_atomic_objects_finalizer_runs_on_every_death() {
    let mut heap = heap();
    for atomic in [true, false] {
        let runs = Rc::new(Cell::new(0));
        let r = runs.clone();
        let x = if atomic {
            heap.alloc_atomic(1)
        } else {
            heap.alloc(1)
        };
        heap.set_finalizer(x, move |h, me| {
            r.set(r.get() + 1);
            if r.get() < 3 {
                h.set_var("x", me).unwrap();
            }
        })
        .unwrap();
        heap.decref(x).unwrap();
        for _ in 0..2 {
            if heap.get_var("x").is_some() {
                heap.del_var("x").unwrap();
            }
        }
        if atomic {
            assert_eq!(runs.get(), 3);
            assert!(!heap.contains(x));
            assert!(!heap.is_finalized(x).unwrap_or(false));
        } else {
            assert_eq!(runs.get(), 1);
            assert!(!heap.contains(x));
        }
        heap.verify().unwrap();
    }
}

/// A legacy finalizer (`tp_del`, run by `subtype_dealloc`) is code: it runs on every
/// refcount death, after the weak references were cleared, and a cycle holding its
/// object is uncollectable without running it.
#[test]
fn legacy_finalizer_code_runs_on_every_refcount_death_and_never_in_cycles() {
    let mut heap = heap();
    let runs = Rc::new(Cell::new(0));
    let r = runs.clone();
    let x = heap.alloc(1);
    let w = heap.downgrade(x).unwrap();
    let saw_weak = Rc::new(Cell::new(true));
    let s = saw_weak.clone();
    heap.set_legacy_finalizer_code(x, move |h, me| {
        r.set(r.get() + 1);
        s.set(h.upgrade(w).is_some());
        if r.get() == 1 {
            h.set_var("x", me).unwrap();
        }
    })
    .unwrap();
    heap.decref(x).unwrap();
    assert!(heap.contains(x) && !saw_weak.get());
    heap.del_var("x").unwrap();
    assert_eq!(runs.get(), 2);
    assert!(!heap.contains(x));

    let c = self_cycle(&mut heap, 2);
    let r2 = runs.clone();
    heap.set_legacy_finalizer_code(c, move |_, _| r2.set(r2.get() + 100))
        .unwrap();
    heap.decref(c).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.uncollectable), (0, 1));
    assert_eq!(heap.garbage(), &[c]);
    assert_eq!(
        runs.get(),
        2,
        "a legacy finalizer never runs in a collection"
    );
    heap.verify().unwrap();
}

/// `test_gc.GCCallbackTests`: callbacks see `gc.garbage` and clear it in the stop phase;
/// `gc.collect()` inside a callback returns 0 (`gcstate->collecting` is set).
#[test]
fn collection_callbacks_reach_the_heap_under_the_finalizer_rules() {
    let mut heap = heap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    heap.add_heap_callback(move |h, phase, report| {
        let nested = h.collect_full();
        s.borrow_mut().push((
            phase,
            h.garbage().len(),
            report.uncollectable,
            nested.skipped,
        ));
        if phase == Phase::Stop {
            h.clear_garbage();
        }
    });
    let a = self_cycle(&mut heap, 1);
    heap.set_legacy_finalizer(a, true).unwrap();
    heap.decref(a).unwrap();
    heap.collect_full();
    assert_eq!(
        *seen.borrow(),
        vec![(Phase::Start, 0, 0, true), (Phase::Stop, 1, 1, true)]
    );
    assert!(heap.garbage().is_empty());
    assert!(
        heap.contains(a),
        "still a cycle: the next collection finds it"
    );
    heap.verify().unwrap();
}

/// CPython 3.11–3.13's `MAINTAIN_TRACKING`: a dict is not tracked until it holds an
/// object that may be tracked (any container but an untracked tuple); full collections
/// untrack it again when it holds none (`untrack_dicts`, full collections only); a
/// tuple holding a dict stays tracked even when the dict is untracked, because
/// `_PyObject_GC_MAY_BE_TRACKED` is true for every dict (Python 3.11.7:
/// `t = ({'k': 1},); gc.collect(); gc.is_tracked(t)` is `True`).
#[test]
fn lazily_tracked_containers_follow_maintain_tracking() {
    let mut heap = heap();
    let one = heap.alloc_atomic(1);
    let d = heap.alloc_lazy_with(10, &[one]).unwrap();
    assert!(!heap.is_tracked(d).unwrap());
    let l = heap.alloc(11);
    heap.link(d, l).unwrap();
    assert!(heap.is_tracked(d).unwrap());
    heap.remove_edge(d, 1).unwrap();
    heap.collect(0).unwrap();
    assert!(
        heap.is_tracked(d).unwrap(),
        "young collections keep dicts tracked"
    );
    heap.collect_full();
    assert!(
        !heap.is_tracked(d).unwrap(),
        "full collections untrack them"
    );
    let empty = heap.alloc_lazy(12);
    let d2 = heap.alloc_lazy_with(13, &[empty]).unwrap();
    assert!(
        heap.is_tracked(d2).unwrap(),
        "a dict holding a dict is tracked"
    );
    let t = heap.alloc_immutable(14, &[d]).unwrap();
    heap.collect_full();
    assert!(
        heap.is_tracked(t).unwrap(),
        "a tuple holding a dict stays tracked"
    );
    assert_eq!(heap.get_count()[0], 0);
    heap.verify().unwrap();
}

/// `sys.getrefcount(x)` prints one more than the true count: its argument is a
/// reference while it runs (`a = [10, 20]` prints 2; after `b = a`, 3).
#[test]
fn getrefcount_counts_its_argument() {
    let mut heap = heap();
    let a = heap.alloc(0);
    heap.set_var("a", a).unwrap();
    heap.decref(a).unwrap();
    assert_eq!(heap.getrefcount(a), Ok(2));
    heap.set_var("b", a).unwrap();
    assert_eq!(heap.getrefcount(a), Ok(3));
    heap.del_var("b").unwrap();
    assert_eq!(heap.getrefcount(a), Ok(2));
    heap.del_var("a").unwrap();
    assert_eq!(heap.getrefcount(a), Err(GcError::StaleId(a)));
}
