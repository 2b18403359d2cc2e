//! User code may do anything: finalizers and weak-reference callbacks that allocate,
//! release, collect and register never corrupt the heap (issue 12). Each test is one of
//! the programs that broke gclab before, and ends with `verify()`.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use gclab::{GcError, Generation, Heap, ObjId, TRASHCAN_DEPTH};

/// Two-node garbage cycles, the `i == 0` one with a finalizer that allocates a log entry
/// and appends it to a live `log` list, then one young collection.
#[test]
fn allocation_in_a_finalizer_during_a_young_collection_is_kept() {
    let mut heap: Heap<u32> = Heap::new();
    let log = heap.alloc(0);
    heap.set_var("log", log).unwrap();
    heap.decref(log).unwrap();
    for i in 0..20 {
        let (a, b) = (heap.alloc(i), heap.alloc(i));
        heap.link(a, b).unwrap();
        heap.link(b, a).unwrap();
        if i == 0 {
            heap.set_finalizer(a, move |h, _| {
                let r = h.alloc(99);
                h.link(log, r).unwrap();
                h.decref(r).unwrap();
            })
            .unwrap();
        }
        heap.decref(a).unwrap();
        heap.decref(b).unwrap();
    }
    let report = heap.collect(0).unwrap();
    assert_eq!(report.collected, 40);
    heap.verify().unwrap();
    let entry = heap.edges(log).unwrap().get(0).unwrap();
    assert_eq!(heap.generation_of(entry).unwrap(), Generation::Gen(0));
    assert_eq!(heap.get_objects(Some(0)).unwrap(), vec![entry]);
    // A later garbage cycle is still found.
    let c = heap.alloc(7);
    heap.link(c, c).unwrap();
    heap.decref(c).unwrap();
    assert_eq!(heap.collect(0).unwrap().collected, 1);
    heap.verify().unwrap();
}

/// 10^5 garbage cycles under the default configuration (automatic collections), every
/// 100th with a finalizer that logs into a live list, and the same with weak callbacks.
#[test]
fn a_hundred_thousand_cycles_with_logging_user_code_stay_consistent() {
    for weak in [false, true] {
        let mut heap: Heap<u32> = Heap::new();
        let log = heap.alloc(0);
        heap.set_var("log", log).unwrap();
        heap.decref(log).unwrap();
        let mut weakrefs = Vec::new();
        for i in 0..100_000u32 {
            let (a, b) = (heap.alloc(i), heap.alloc(i));
            heap.link(a, b).unwrap();
            heap.link(b, a).unwrap();
            if i % 100 == 0 {
                let code = move |h: &mut Heap<u32>| {
                    let r = h.alloc(99);
                    h.link(log, r).unwrap();
                    h.decref(r).unwrap();
                };
                if weak {
                    weakrefs.push(
                        heap.downgrade_with_callback(a, move |h, _| code(h))
                            .unwrap(),
                    );
                } else {
                    heap.set_finalizer(a, move |h, _| code(h)).unwrap();
                }
            }
            heap.decref(a).unwrap();
            heap.decref(b).unwrap();
        }
        heap.collect_full();
        heap.verify().unwrap();
        assert_eq!(
            heap.edges(log).unwrap().len(),
            1000,
            "weak callbacks: {weak}"
        );
        assert_eq!(heap.len(), 1 + 1000);
        assert!(weakrefs.iter().all(|&w| heap.upgrade(w).is_none()));
    }
}

/// A weak callback that runs a collection, that increfs its (dying) target, or that
/// allocates past threshold 0, while the target is being deallocated by refcount.
#[test]
fn weak_callback_cannot_free_or_revive_the_object_being_deallocated() {
    for action in ["collect", "incref", "allocate"] {
        let mut heap: Heap<u32> = Heap::new();
        heap.set_threshold(&[3]).unwrap();
        let x = heap.alloc(1);
        let result = Rc::new(RefCell::new(None));
        let seen = result.clone();
        heap.downgrade_with_callback(x, move |h, _| {
            let outcome = match action {
                "collect" => {
                    h.collect_full();
                    Ok(())
                }
                "incref" => h.incref(x),
                _ => {
                    for i in 0..10 {
                        let y = h.alloc(i);
                        h.decref(y).unwrap();
                    }
                    Ok(())
                }
            };
            *seen.borrow_mut() = Some((outcome, h.contains(x), h.refcount(x).ok()));
        })
        .unwrap();
        heap.decref(x).unwrap();
        let (outcome, alive, count) = result.borrow_mut().take().unwrap();
        if action == "incref" {
            assert_eq!(outcome, Err(GcError::BeingDeallocated(x)));
        } else {
            assert_eq!(outcome, Ok(()), "{action}");
        }
        assert!(alive, "{action}: still readable while its callbacks run");
        assert_eq!(count, Some(0), "{action}");
        assert!(!heap.contains(x), "{action}");
        heap.verify().unwrap();
    }
}

/// `downgrade(dying)` and `set_finalizer(dying)` inside its weak callback are refused;
/// no weak reference upgrades to a freed id, no finalizer is silently dropped.
#[test]
fn weak_callback_cannot_register_anything_on_the_dying_object() {
    let mut heap: Heap<u32> = Heap::new();
    let x = heap.alloc(1);
    let other = heap.alloc(2);
    let results = Rc::new(RefCell::new(Vec::new()));
    let r = results.clone();
    heap.downgrade_with_callback(x, move |h, w| {
        let mut r = r.borrow_mut();
        r.push(h.downgrade(x).map(|_| ()));
        r.push(h.set_finalizer(x, |_, _| {}).map(|_| ()));
        r.push(h.set_var("x", x));
        r.push(h.link(other, x));
        r.push(h.link(x, other));
        r.push(h.decref(x));
        assert_eq!(h.upgrade(w), None);
    })
    .unwrap();
    heap.decref(x).unwrap();
    let expected = vec![Err(GcError::BeingDeallocated(x)); 6];
    assert_eq!(*results.borrow(), expected);
    assert!(!heap.contains(x));
    assert_eq!(heap.refcount(other).unwrap(), 1);
    heap.verify().unwrap();
}

/// Each finalizer releases the next object's last reference: CPython 3.11 survives
/// 10^6 of these with `__del__` through its trashcan. Here nesting stops at
/// [`TRASHCAN_DEPTH`] and the rest is deferred to the outermost release.
#[test]
fn a_million_chained_finalizers_are_freed_in_bounded_stack() {
    let n = 1_000_000;
    let mut heap: Heap<u32> = Heap::new();
    heap.disable();
    let ran = Rc::new(Cell::new(0u32));
    let max_depth = Rc::new(Cell::new(0u32));
    let depth = Rc::new(Cell::new(0u32));
    let ids: Vec<ObjId> = (0..n).map(|i| heap.alloc(i)).collect();
    for i in 0..n as usize {
        let next = ids.get(i + 1).copied();
        let (ran, depth, max_depth) = (ran.clone(), depth.clone(), max_depth.clone());
        heap.set_finalizer(ids[i], move |h, _| {
            ran.set(ran.get() + 1);
            depth.set(depth.get() + 1);
            max_depth.set(max_depth.get().max(depth.get()));
            if let Some(next) = next {
                h.decref(next).unwrap();
            }
            depth.set(depth.get() - 1);
        })
        .unwrap();
    }
    heap.decref(ids[0]).unwrap();
    assert_eq!(ran.get(), n);
    assert!(heap.is_empty());
    assert!(
        max_depth.get() <= TRASHCAN_DEPTH,
        "nesting {}",
        max_depth.get()
    );
    heap.verify().unwrap();
}

/// Below the trashcan depth a release inside a finalizer frees at once, as in CPython.
#[test]
fn a_release_inside_a_finalizer_frees_at_once() {
    let mut heap: Heap<u32> = Heap::new();
    let (a, b) = (heap.alloc(1), heap.alloc(2));
    let w = heap.downgrade(b).unwrap();
    let seen = Rc::new(Cell::new(true));
    let s = seen.clone();
    heap.set_finalizer(a, move |h, _| {
        h.decref(b).unwrap();
        s.set(h.upgrade(w).is_some() || h.contains(b));
    })
    .unwrap();
    heap.decref(a).unwrap();
    assert!(!seen.get(), "b was freed inside the finalizer");
    heap.verify().unwrap();
}

struct Bomb(bool);

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.0 {
            panic!("payload drop failed");
        }
    }
}

/// A panicking payload `Drop` propagates, after the release cascade finished: the heap
/// verifies, and everything the freed object kept alive was freed too.
#[test]
fn panicking_payload_drop_leaves_the_heap_consistent() {
    let mut heap: Heap<Bomb> = Heap::new();
    let head = heap.alloc(Bomb(true));
    let mut last = head;
    for _ in 0..5 {
        let next = heap.alloc(Bomb(false));
        heap.link(last, next).unwrap();
        heap.decref(next).unwrap();
        last = next;
    }
    let keep = heap.alloc(Bomb(false));
    let panic = catch_unwind(AssertUnwindSafe(|| heap.decref(head)));
    assert!(panic.is_err(), "the payload's panic propagates");
    heap.verify().unwrap();
    assert_eq!(heap.len(), 1);
    assert!(heap.contains(keep));

    // The same inside a collection: the collection finishes first.
    let (a, b) = (heap.alloc(Bomb(true)), heap.alloc(Bomb(true)));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let panic = catch_unwind(AssertUnwindSafe(|| heap.collect_full()));
    assert!(panic.is_err());
    heap.verify().unwrap();
    assert_eq!(heap.len(), 1);
    assert_eq!(heap.collect_full().collected, 0, "the heap collects again");
}

/// The reproduction: a payload `Drop` that panics during the automatic
/// collection an allocation starts. The allocation unwinds, so its caller never gets
/// the new id: the heap gives the new object's reference back first, instead of
/// leaving an external reference nobody can release. Under three strategies.
#[test]
fn an_allocation_whose_collection_panics_strands_no_reference() {
    fn check<C: gclab::CycleCollector>(mut heap: Heap<Bomb, C>) {
        let (a, b) = (heap.alloc(Bomb(false)), heap.alloc(Bomb(true)));
        heap.link(a, b).unwrap();
        heap.link(b, a).unwrap();
        heap.decref(a).unwrap();
        heap.decref(b).unwrap();
        let before = heap.counters().allocations;
        let mut unwound = false;
        // Allocate until an automatic collection frees the cycle and unwinds.
        for _ in 0..8 {
            match catch_unwind(AssertUnwindSafe(|| heap.alloc(Bomb(false)))) {
                Ok(k) => {
                    // A garbage self-cycle: a possible root for `BaconRajan`.
                    heap.link(k, k).unwrap();
                    heap.decref(k).unwrap();
                }
                Err(_) => {
                    unwound = true;
                    break;
                }
            }
        }
        let strategy = std::any::type_name::<C>();
        assert!(
            unwound,
            "{strategy}: no automatic collection freed the payload"
        );
        assert!(heap.counters().allocations > before);
        heap.verify().unwrap();
        heap.collect_full();
        assert!(heap.is_empty(), "nothing is left holding a lost reference");
    }
    let generational = gclab::Generational::new(gclab::GcConfig::with_thresholds(vec![2, 10, 10]));
    check(Heap::with_collector(generational.unwrap()));
    check(Heap::with_collector(gclab::BaconRajan::new(
        gclab::RootTrigger::Fixed(4),
    )));
    check(Heap::with_collector(gclab::gc::FullOnly::new(1)));
}

/// A release of several references at once (`clear_edges`, `gc.garbage[:] = []`) whose
/// first release frees a panicking payload still releases the rest before the panic
/// goes on.
#[test]
fn a_panic_in_the_first_of_several_releases_strands_none_of_the_others() {
    let mut heap: Heap<Bomb> = Heap::new();
    let holder = heap.alloc(Bomb(false));
    let (x, y) = (heap.alloc(Bomb(true)), heap.alloc(Bomb(false)));
    heap.link(holder, x).unwrap();
    heap.link(holder, y).unwrap();
    heap.decref(x).unwrap();
    heap.decref(y).unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| heap.clear_edges(holder))).is_err());
    heap.verify().unwrap();
    assert!(!heap.contains(y), "the second referent was released too");

    let (x, y) = (heap.alloc(Bomb(true)), heap.alloc(Bomb(false)));
    heap.splice_garbage(0..0, &[x, y]).unwrap(); // gc.garbage[0:0] = [x, y]
    heap.decref(x).unwrap();
    heap.decref(y).unwrap();
    let all = 0..heap.garbage().len();
    assert!(catch_unwind(AssertUnwindSafe(|| heap.splice_garbage(all, &[]))).is_err());
    heap.verify().unwrap();
    assert!(heap.garbage().is_empty());
    assert!(
        !heap.contains(x) && !heap.contains(y),
        "both entries were released"
    );
}

/// A `WeakRef` of another heap is refused, never acted on.
#[test]
fn foreign_weakref_is_refused() {
    let (mut a, mut b): (Heap<u32>, Heap<u32>) = (Heap::new(), Heap::new());
    let x = a.alloc(1);
    let wa = a.downgrade(x).unwrap();
    let y = b.alloc(2);
    let wb = b.downgrade(y).unwrap();
    assert_eq!(b.release_weakref(wa), Err(GcError::ForeignWeakRef));
    assert_eq!(
        b.upgrade(wb),
        Some(y),
        "b's own weak reference is untouched"
    );
    assert_eq!(b.upgrade(wa), None);
    assert_eq!(b.try_upgrade(wa), Err(GcError::ForeignWeakRef));
    assert_eq!(b.weakref_count(y).unwrap(), 1);
    assert_eq!(a.release_weakref(wa), Ok(true));
    a.verify().unwrap();
    b.verify().unwrap();
}

/// The rule for an object whose deallocation has started: reads work, everything that
/// would take a reference or register something is refused; a weak reference to it
/// already reads dead.
#[test]
fn an_object_being_deallocated_can_be_read_but_not_revived() {
    let mut heap: Heap<u32> = Heap::new();
    let x = heap.alloc(5);
    let child = heap.alloc(6);
    heap.link(x, child).unwrap();
    heap.decref(child).unwrap();
    let w = heap.downgrade(x).unwrap();
    let reads = Rc::new(RefCell::new(None));
    let r = reads.clone();
    heap.downgrade_with_callback(x, move |h, _| {
        *r.borrow_mut() = Some((
            h.payload(x).copied(),
            h.edges(x).map(Iterator::collect::<Vec<_>>),
            h.refcount(x),
            h.contains(child),
            h.upgrade(w),
            h.incref(x),
            h.clear_edges(x),
        ));
    })
    .unwrap();
    heap.decref(x).unwrap();
    let got = reads.borrow_mut().take().unwrap();
    assert_eq!(
        got,
        (
            Ok(5),
            Ok(vec![child]),
            Ok(0),
            true, // what it references is still alive while its callbacks run
            None,
            Err(GcError::BeingDeallocated(x)),
            Err(GcError::BeingDeallocated(x)),
        )
    );
    assert!(heap.is_empty());
    heap.verify().unwrap();
}

/// A collection started by user code while a release cascade is under way never sees
/// the objects waiting on the worklist with a zero count (CPython untracks an object
/// before anything else in its deallocation): the tuple's two items wait while the
/// second one's finalizer collects, in save-all mode.
#[test]
fn a_collection_inside_a_cascade_does_not_examine_waiting_objects() {
    let mut heap: Heap<u32> = Heap::new();
    heap.disable();
    heap.set_debug_saveall(true);
    let (a, b) = (heap.alloc(0), heap.alloc(1));
    let t = heap.alloc_immutable(2, &[a, b]).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let saw = Rc::new(RefCell::new(None));
    let s = saw.clone();
    heap.set_finalizer(b, move |h, _| {
        let report = h.collect_full();
        *s.borrow_mut() = Some((report.candidates, report.collected, h.garbage().len()));
    })
    .unwrap();
    heap.decref(t).unwrap(); // frees t; a and b reach zero and wait, b first
    assert_eq!(
        *saw.borrow(),
        Some((1, 0, 0)),
        "only b, held by its finalizer"
    );
    assert!(heap.is_empty());
    heap.verify().unwrap();
}

/// An unreachable object that dies by refcount during the collection (user code broke
/// its cycle) and is resurrected by its finalizer has left the collection, as in
/// CPython, where its deallocation unlinks it from the unreachable list: it is not
/// counted as collected or resurrected by that collection, and lives in generation 0.
#[test]
fn garbage_resurrected_by_refcount_death_during_a_collection_leaves_it() {
    let mut heap: Heap<u32> = Heap::new();
    heap.disable();
    let breaker = heap.alloc(0);
    heap.link(breaker, breaker).unwrap();
    let phoenix = heap.alloc(1);
    heap.link(phoenix, phoenix).unwrap();
    heap.set_finalizer(breaker, move |h, _| {
        h.remove_edge(phoenix, 0).unwrap(); // phoenix's count reaches zero now
    })
    .unwrap();
    heap.set_finalizer(phoenix, |h, me| h.set_var("phoenix", me).unwrap())
        .unwrap();
    heap.decref(breaker).unwrap();
    heap.decref(phoenix).unwrap();
    let report = heap.collect(0).unwrap();
    assert_eq!(
        (report.collected, report.resurrected, report.finalizers_run),
        (1, 0, 1)
    );
    assert_eq!(heap.get_var("phoenix"), Some(phoenix));
    assert_eq!(heap.generation_of(phoenix).unwrap(), Generation::Gen(0));
    heap.verify().unwrap();
}

/// Legacy-finalizer code may register a weak reference or a finalizer on its dying
/// object (it holds a temporary reference); when the object is freed anyway, the weak
/// reference reads dead without its callback running (as `subtype_dealloc` clears weak
/// references created during `tp_del`) and the finalizer is dropped unrun.
#[test]
fn registrations_made_by_legacy_code_on_its_dying_object_are_dropped() {
    let mut heap: Heap<u32> = Heap::new();
    let x = heap.alloc(1);
    let made = Rc::new(RefCell::new(None));
    let m = made.clone();
    heap.set_legacy_finalizer_code(x, move |h, me| {
        let w = h
            .downgrade_with_callback(me, |_, _| panic!("never runs"))
            .unwrap();
        h.set_finalizer(me, |_, _| panic!("never runs")).unwrap();
        *m.borrow_mut() = Some(w);
    })
    .unwrap();
    heap.decref(x).unwrap();
    let w = made.borrow_mut().take().unwrap();
    assert!(!heap.contains(x));
    assert_eq!(heap.upgrade(w), None);
    assert!(heap.events().is_empty());
    heap.verify().unwrap();
}
