//! Scenario tests of the Bacon–Rajan strategy (`gclab::gc::bacon_rajan`): the classic
//! cases of Bacon & Rajan, "Concurrent Cycle Collection in Reference Counted Systems"
//! (ECOOP 2001), section 3 (synchronous algorithm: `Decrement`, `PossibleRoot`,
//! `MarkRoots`, `ScanRoots`, `CollectRoots`), PHP's adaptive threshold (`Zend/zend_gc.c`,
//! `gc_adjust_threshold`), the PEP 442 pipeline reached through the strategy, and a
//! randomized differential test against the default generational collector.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;

use gclab::gc::bacon_rajan::{GC_THRESHOLD_DEFAULT, GC_THRESHOLD_STEP, GC_THRESHOLD_TRIGGER};
use gclab::{BaconRajan, Heap, ObjId, RootTrigger, WeakRef};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn new_heap<T>(trigger: RootTrigger) -> Heap<T, BaconRajan> {
    Heap::with_collector(BaconRajan::new(trigger))
}

fn buffered<T>(heap: &Heap<T, BaconRajan>, id: ObjId) -> bool {
    BaconRajan::is_buffered(heap.objects_view(), id)
}

/// Paper, section 3, `Decrement`: a cycle held from outside is live; it becomes garbage
/// only when the external reference goes, and that decrement (to a count above zero)
/// buffers it as a possible root.
#[test]
fn cycle_becomes_garbage_only_after_external_decrement() {
    let mut heap = new_heap(RootTrigger::Manual);
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.set_var("x", a).unwrap();
    heap.decref(a).unwrap(); // 3 → 2: possible root
    heap.decref(b).unwrap(); // 2 → 1: possible root
    assert_eq!(heap.collector().roots(), &[a, b]);
    heap.verify().unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (0, 2));
    assert!(heap.contains(a) && heap.contains(b));
    assert!(heap.collector().roots().is_empty()); // CollectRoots empties the buffer
    heap.verify().unwrap();

    heap.del_var("x").unwrap(); // the external decrement: a is buffered again
    assert_eq!(heap.collector().roots(), &[a]);
    let report = heap.collect_full();
    assert_eq!(report.collected, 2);
    assert!(heap.is_empty());
    heap.verify().unwrap();
}

/// Paper, section 3, `MarkRoots` ("if color(S) is black and RC(S) = 0 then Free(S)"):
/// a buffered root that is freed by reference counting before the collection leaves the
/// buffer (here at once, in O(1), through `on_untrack`), and the collection traces
/// nothing.
#[test]
fn buffered_root_freed_before_collection_leaves_the_buffer() {
    let mut heap = new_heap(RootTrigger::Manual);
    let x = heap.alloc("x");
    let keep = heap.alloc("keep");
    heap.incref(x).unwrap();
    heap.incref(keep).unwrap();
    heap.decref(x).unwrap(); // 2 → 1: buffered at 0
    heap.decref(keep).unwrap(); // buffered at 1
    assert_eq!(heap.collector().roots(), &[x, keep]);
    heap.decref(x).unwrap(); // 1 → 0: freed, its slot taken by `keep`
    assert!(!heap.contains(x));
    assert_eq!(heap.collector().roots(), &[keep]);
    heap.verify().unwrap(); // keep's header position was rewritten to 0
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (0, 1));
    assert_eq!(heap.collector().stats().traced, 1);
    heap.verify().unwrap();
}

/// Atomic objects are the paper's green objects (section 3: "acyclic objects are
/// never buffered"): decrements of them are not possible roots, and `MarkGray` does not
/// follow edges to them. A container of 10^5 atomic leaves costs one traced object.
#[test]
fn atomic_leaves_are_never_buffered_nor_traced() {
    let mut heap = new_heap(RootTrigger::Manual);
    let list = heap.alloc(0u32);
    for i in 1..=100_000 {
        let leaf = heap.alloc_atomic(i);
        heap.link(list, leaf).unwrap();
        heap.decref(leaf).unwrap(); // 2 → 1, but green: not a possible root
    }
    assert!(heap.collector().roots().is_empty());
    heap.incref(list).unwrap();
    heap.decref(list).unwrap(); // the container itself is a possible root
    assert_eq!(heap.collector().roots(), &[list]);
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (0, 1));
    let stats = *heap.collector().stats();
    assert_eq!((stats.roots_buffered, stats.traced), (1, 1));
    assert_eq!(heap.len(), 100_001);
    heap.verify().unwrap();
    heap.decref(list).unwrap(); // acyclic: reference counting frees it all
    assert!(heap.is_empty());
}

/// Paper, section 3, `ScanRoots`/`ScanBlack`: a live cycle reachable from a variable
/// is found black; after `CollectRoots` it is unbuffered (black), and the next
/// decrement buffers it again.
#[test]
fn live_cycle_reachable_from_a_variable_survives_black_and_unbuffered() {
    let mut heap = new_heap(RootTrigger::Manual);
    let holder = heap.alloc("holder");
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(holder, a).unwrap();
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.set_var("h", holder).unwrap();
    for id in [holder, a, b] {
        heap.decref(id).unwrap();
    }
    assert_eq!(heap.collector().roots(), &[holder, a, b]); // each decremented to ≥ 1
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (0, 3));
    for id in [holder, a, b] {
        assert!(heap.contains(id) && !buffered(&heap, id));
        assert!(heap.is_tracked(id).unwrap());
    }
    heap.verify().unwrap();
    assert_eq!(heap.collect_full().candidates, 0); // nothing buffered: nothing traced
    heap.unlink(holder, a).unwrap(); // a: 2 → 1, buffered again
    assert!(buffered(&heap, a));
    assert_eq!(heap.collect_full().collected, 2);
    assert_eq!(heap.len(), 1);
    heap.verify().unwrap();
}

/// Garbage pointing into live data: the white set stops at the live objects (they are
/// referenced from outside the gray set, so `ScanBlack` repaints them).
#[test]
fn garbage_pointing_into_live_data_keeps_live_data() {
    let mut heap = new_heap(RootTrigger::Manual);
    let live = heap.alloc("live");
    let g = heap.alloc("garbage");
    heap.link(g, g).unwrap();
    heap.link(g, live).unwrap();
    heap.decref(g).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (1, 2));
    assert!(heap.contains(live) && !heap.contains(g));
    assert_eq!(heap.refcount(live).unwrap(), 1);
    heap.verify().unwrap();
}

/// PEP 442 through the shared pipeline: a resurrecting finalizer runs once, the weak
/// reference is cleared before it, the survivor goes back buffered (what resurrected it
/// may be garbage too: `tests/suite/harness.rs`,
/// `bacon_rajan_examines_a_cycle_resurrected_by_garbage_again`), and once released again
/// the object is collected without its finalizer.
#[test]
fn finalizer_resurrects_once_and_weakref_is_cleared_first() {
    let mut heap = new_heap(RootTrigger::Manual);
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
    assert_eq!(heap.upgrade(w), None);
    assert!(heap.contains(a) && buffered(&heap, a));
    heap.verify().unwrap();
    assert_eq!(
        heap.collect_full().collected,
        0,
        "held by the name: black again"
    );
    assert!(!buffered(&heap, a));
    heap.del_var("saved").unwrap();
    assert!(buffered(&heap, a));
    assert_eq!(heap.collect_full().collected, 1);
    assert_eq!(runs.get(), 1);
    assert!(heap.is_empty());
    assert_eq!(heap.collector().stats().survivors, 1);
}

/// A weak-reference callback whose owner is outside the garbage runs after the cycle
/// is found, and sees the reference dead.
#[test]
fn weakref_callback_runs_for_a_collected_cycle() {
    let mut heap = new_heap(RootTrigger::Manual);
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    let saw_dead = Rc::new(Cell::new(false));
    let flag = saw_dead.clone();
    let w: WeakRef = heap
        .downgrade_with_callback(a, move |heap, w| flag.set(heap.upgrade(w).is_none()))
        .unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.weakrefs_cleared), (2, 1));
    assert!(saw_dead.get());
    assert_eq!(heap.upgrade(w), None);
    heap.verify().unwrap();
}

/// Legacy finalizers (CPython's `tp_del`): the cycle is uncollectable, goes to
/// `garbage`, survives buffered (as every survivor); the next collection finds it held
/// by `garbage`; once `garbage` is cleared the decrement buffers it and the next
/// collection finds it again (uncollectable again, as in CPython).
#[test]
fn legacy_finalizer_cycle_is_uncollectable_and_found_again_after_clear_garbage() {
    let mut heap = new_heap(RootTrigger::Manual);
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.set_legacy_finalizer(a, true).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.uncollectable), (0, 2));
    assert_eq!(heap.garbage(), &[a]);
    assert!(buffered(&heap, a) && buffered(&heap, b));
    heap.verify().unwrap();
    assert_eq!(heap.collect_full().uncollectable, 0); // held by `garbage`: not garbage
    assert!(heap.collector().roots().is_empty());
    heap.clear_garbage();
    assert!(buffered(&heap, a));
    assert_eq!(heap.collect_full().uncollectable, 2);
    assert_eq!(heap.garbage(), &[a]);
    heap.verify().unwrap();
}

/// Completeness: a finalizer run by reference counting (count 0) that resurrects its
/// object into a fresh self-cycle makes garbage without any decrement to a positive
/// count. The strategy buffers an object tracked again with count 0, so the cycle is
/// still found.
#[test]
fn finalizer_that_resurrects_into_a_garbage_self_cycle_is_still_collected() {
    let mut heap = new_heap(RootTrigger::Manual);
    let x = heap.alloc("x");
    heap.set_finalizer(x, |heap, me| heap.link(me, me).unwrap())
        .unwrap();
    heap.decref(x).unwrap(); // 1 → 0: the finalizer runs and links x → x
    assert!(heap.contains(x));
    assert_eq!(heap.refcount(x).unwrap(), 1);
    assert!(buffered(&heap, x));
    heap.verify().unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert!(heap.is_empty());
}

/// Completeness: a lazily tracked container decremented while untracked is not
/// buffered (green); once it is tracked and part of a cycle, the decrement that makes
/// the cycle garbage buffers it.
#[test]
fn lazily_tracked_container_is_buffered_once_tracked() {
    let mut heap = new_heap(RootTrigger::Manual);
    let holder = heap.alloc("holder");
    let lazy = heap.alloc_lazy("lazy");
    heap.link(holder, lazy).unwrap();
    heap.decref(lazy).unwrap(); // 2 → 1 while untracked
    assert!(!heap.is_tracked(lazy).unwrap());
    assert!(heap.collector().roots().is_empty());
    heap.link(lazy, holder).unwrap(); // now tracked: holder ⇄ lazy
    assert!(heap.is_tracked(lazy).unwrap());
    heap.decref(holder).unwrap(); // the cycle is garbage now
    assert_eq!(heap.collector().roots(), &[holder]);
    assert_eq!(heap.collect_full().collected, 2);
    assert!(heap.is_empty());
    heap.verify().unwrap();
}

/// User code that makes garbage during a collection buffers its roots in the fresh
/// buffer; a nested collection request is skipped; the next collection frees it.
#[test]
fn garbage_made_by_a_finalizer_during_a_collection_is_buffered_for_the_next() {
    let mut heap = new_heap(RootTrigger::Manual);
    let a = heap.alloc("a");
    heap.link(a, a).unwrap();
    heap.set_finalizer(a, |heap, _| {
        let fresh = heap.alloc("fresh");
        heap.link(fresh, fresh).unwrap();
        heap.decref(fresh).unwrap();
        assert!(heap.collect_full().skipped);
    })
    .unwrap();
    heap.decref(a).unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert_eq!(heap.collector().roots().len(), 1);
    heap.verify().unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert!(heap.is_empty());
}

/// A deep garbage chain closed into a ring: every pass is iterative (a recursive
/// `MarkGray` would overflow the stack here).
#[test]
fn million_ring_is_collected_without_recursion() {
    let mut heap = new_heap(RootTrigger::Manual);
    let first = heap.alloc(0u32);
    let mut prev = first;
    for i in 1..1_000_000 {
        let x = heap.alloc(i);
        heap.link(prev, x).unwrap();
        heap.decref(x).unwrap(); // each one a possible root
        prev = x;
    }
    heap.link(prev, first).unwrap();
    heap.decref(first).unwrap();
    let report = heap.collect_full();
    assert_eq!(report.collected, 1_000_000);
    assert_eq!(report.candidates, 1_000_000);
    assert!(heap.is_empty());
}

/// `RootTrigger::Fixed(n)`: a collection at the first container allocation with `n`
/// roots buffered; `Manual` never collects by itself.
#[test]
fn fixed_trigger_collects_at_n_roots_and_manual_never() {
    let mut heap = new_heap(RootTrigger::Fixed(10));
    for i in 0..10 {
        let x = heap.alloc(i);
        heap.link(x, x).unwrap();
        heap.decref(x).unwrap();
    }
    assert_eq!(heap.collector().roots().len(), 10);
    assert_eq!(heap.collector().stats().collections, 0);
    let y = heap.alloc(99); // the allocation asks for the collection
    assert_eq!(heap.collector().stats().automatic, 1);
    assert_eq!(heap.len(), 1);
    assert!(heap.contains(y));
    heap.verify().unwrap();

    let mut manual = new_heap::<u32>(RootTrigger::Manual);
    for i in 0..20_000 {
        let x = manual.alloc(i);
        manual.link(x, x).unwrap();
        manual.decref(x).unwrap();
    }
    assert_eq!(manual.collector().stats().collections, 0);
    assert_eq!(manual.collector().roots().len(), 20_000);
    manual.verify().unwrap();
}

/// PHP's `gc_adjust_threshold` (`Zend/zend_gc.c`): the threshold starts at
/// `GC_THRESHOLD_DEFAULT` (10,001 slots: 10,000 roots); an automatic collection that
/// frees fewer than `GC_THRESHOLD_TRIGGER` (100) objects grows it by
/// `GC_THRESHOLD_STEP` (10,000); one that frees enough shrinks it back by a step, not
/// below the default.
#[test]
fn adaptive_threshold_grows_after_an_unproductive_collection_and_shrinks_back() {
    let mut heap = new_heap::<u32>(RootTrigger::Adaptive);
    assert_eq!(heap.collector().adaptive_threshold(), GC_THRESHOLD_DEFAULT);
    assert_eq!(heap.collector().roots_limit(), Some(10_000));
    // 10,000 live possible roots, and 50 garbage cycles (fewer than the trigger).
    let mut live = Vec::new();
    for i in 0..10_000 - 50 {
        let x = heap.alloc(i);
        heap.incref(x).unwrap();
        heap.decref(x).unwrap();
        live.push(x);
    }
    for i in 0..50 {
        let x = heap.alloc(i);
        heap.link(x, x).unwrap();
        heap.decref(x).unwrap();
    }
    assert_eq!(heap.collector().stats().collections, 0);
    let _trigger = heap.alloc(0); // full buffer: collect at this allocation
    assert_eq!(heap.collector().stats().automatic, 1);
    assert_eq!(heap.collector().stats().collected, 50);
    const { assert!(50 < GC_THRESHOLD_TRIGGER) };
    assert_eq!(
        heap.collector().adaptive_threshold(),
        GC_THRESHOLD_DEFAULT + GC_THRESHOLD_STEP
    );
    assert_eq!(heap.collector().roots_limit(), Some(20_000));
    heap.verify().unwrap();

    // A productive collection: 20,000 garbage self-cycles.
    for i in 0..20_000 {
        let x = heap.alloc(i);
        heap.link(x, x).unwrap();
        heap.decref(x).unwrap();
    }
    assert_eq!(heap.collector().stats().automatic, 1);
    let _trigger = heap.alloc(0);
    assert_eq!(heap.collector().stats().automatic, 2);
    assert_eq!(heap.collector().adaptive_threshold(), GC_THRESHOLD_DEFAULT);
    // An explicit collection never adjusts it (PHP's gc_collect_cycles() does not).
    let x = heap.alloc(0);
    heap.link(x, x).unwrap();
    heap.decref(x).unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert_eq!(heap.collector().adaptive_threshold(), GC_THRESHOLD_DEFAULT);
    heap.verify().unwrap();
    assert_eq!(live.len(), 9_950);
}

// ---------------------------------------------------------------------------------------
// Randomized differential test against the generational collector
// ---------------------------------------------------------------------------------------

/// The same program on two heaps. Payload `p` is the `p`-th object allocated; `ids[p]`
/// holds its id in each heap.
struct Twin {
    br: Heap<u64, BaconRajan>,
    gen_: Heap<u64>,
    ids: Vec<(ObjId, ObjId)>,
    /// Payloads of the external references the program holds (one entry per reference).
    handles: Vec<u64>,
    weak: Vec<(WeakRef, WeakRef)>,
    /// Whether both heaps run exactly in step (no automatic collections): then every
    /// object's liveness must agree after every operation.
    lockstep: bool,
}

impl Twin {
    fn new(trigger: RootTrigger, lockstep: bool) -> Twin {
        let mut gen_ = Heap::new();
        if lockstep {
            gen_.disable();
        }
        Twin {
            br: new_heap(trigger),
            gen_,
            ids: Vec::new(),
            handles: Vec::new(),
            weak: Vec::new(),
            lockstep,
        }
    }

    /// A payload alive in both heaps, chosen at random.
    fn pick(&self, rng: &mut StdRng) -> Option<u64> {
        let alive: Vec<u64> = (0..self.ids.len() as u64)
            .filter(|&p| {
                let (a, b) = self.ids[p as usize];
                self.br.contains(a) && self.gen_.contains(b)
            })
            .collect();
        (!alive.is_empty()).then(|| alive[rng.random_range(0..alive.len())])
    }

    fn live(&self) -> (BTreeSet<u64>, BTreeSet<u64>) {
        (
            self.br.iter().map(|(_, &p)| p).collect(),
            self.gen_.iter().map(|(_, &p)| p).collect(),
        )
    }

    fn step(&mut self, rng: &mut StdRng) {
        let p = self.ids.len() as u64;
        match rng.random_range(0..100) {
            0..=14 => {
                let (a, b) = (self.br.alloc(p), self.gen_.alloc(p));
                self.ids.push((a, b));
                self.handles.push(p);
            }
            15..=19 => {
                let (a, b) = (self.br.alloc_atomic(p), self.gen_.alloc_atomic(p));
                self.ids.push((a, b));
                self.handles.push(p);
            }
            20..=24 => {
                let (a, b) = (self.br.alloc_lazy(p), self.gen_.alloc_lazy(p));
                self.ids.push((a, b));
                self.handles.push(p);
            }
            25..=27 => {
                let targets: Vec<u64> = (0..rng.random_range(0..3))
                    .filter_map(|_| self.pick(rng))
                    .collect();
                let ea: Vec<ObjId> = targets.iter().map(|&t| self.ids[t as usize].0).collect();
                let eb: Vec<ObjId> = targets.iter().map(|&t| self.ids[t as usize].1).collect();
                let a = self.br.alloc_immutable(p, &ea).unwrap();
                let b = self.gen_.alloc_immutable(p, &eb).unwrap();
                self.ids.push((a, b));
                self.handles.push(p);
            }
            28..=52 => {
                // link, between any two live objects (garbage included: ids are borrowed)
                if let (Some(f), Some(t)) = (self.pick(rng), self.pick(rng)) {
                    let (fa, fb) = self.ids[f as usize];
                    let (ta, tb) = self.ids[t as usize];
                    let ra = self.br.link(fa, ta);
                    let rb = self.gen_.link(fb, tb);
                    assert_eq!(ra.is_ok(), rb.is_ok(), "link {f} → {t}: {ra:?} vs {rb:?}");
                }
            }
            53..=62 => {
                if let Some(f) = self.pick(rng) {
                    let (fa, fb) = self.ids[f as usize];
                    let n = self.br.get_referents(&[fa]).unwrap().len();
                    if n > 0 {
                        let i = rng.random_range(0..n);
                        let ra = self.br.remove_edge(fa, i);
                        let rb = self.gen_.remove_edge(fb, i);
                        assert_eq!(ra.is_ok(), rb.is_ok(), "remove_edge {f}[{i}]");
                    }
                }
            }
            63..=80 => {
                if !self.handles.is_empty() {
                    let h = self
                        .handles
                        .swap_remove(rng.random_range(0..self.handles.len()));
                    let (a, b) = self.ids[h as usize];
                    self.br.decref(a).unwrap();
                    self.gen_.decref(b).unwrap();
                }
            }
            81..=84 => {
                if let Some(t) = self.pick(rng) {
                    let (a, b) = self.ids[t as usize];
                    self.br.incref(a).unwrap();
                    self.gen_.incref(b).unwrap();
                    self.handles.push(t);
                }
            }
            85..=88 => {
                let name = format!("v{}", rng.random_range(0..4));
                if rng.random_bool(0.5) {
                    if let Some(t) = self.pick(rng) {
                        let (a, b) = self.ids[t as usize];
                        self.br.set_var(name.clone(), a).unwrap();
                        self.gen_.set_var(name, b).unwrap();
                    }
                } else {
                    assert_eq!(
                        self.br.del_var(&name).is_ok(),
                        self.gen_.del_var(&name).is_ok()
                    );
                }
            }
            89..=91 => {
                // A finalizer that resurrects its object into a variable of its own, or
                // into a fresh self-cycle (garbage made without a decrement to a count
                // above zero when it runs in a refcount death): the outcome does not
                // depend on the order finalizers run in.
                if let Some(t) = self.pick(rng) {
                    let (a, b) = self.ids[t as usize];
                    let (ra, rb) = if rng.random_bool(0.5) {
                        (
                            self.br.set_finalizer(a, |heap, me| {
                                let p = *heap.payload(me).unwrap();
                                let _ = heap.set_var(format!("kept{p}"), me);
                            }),
                            self.gen_.set_finalizer(b, |heap, me| {
                                let p = *heap.payload(me).unwrap();
                                let _ = heap.set_var(format!("kept{p}"), me);
                            }),
                        )
                    } else {
                        (
                            self.br.set_finalizer(a, |heap, me| {
                                let _ = heap.link(me, me);
                            }),
                            self.gen_.set_finalizer(b, |heap, me| {
                                let _ = heap.link(me, me);
                            }),
                        )
                    };
                    if self.lockstep {
                        assert_eq!(ra, rb); // Ok(false) once the finalizer has run
                    }
                }
            }
            92..=94 => {
                if let Some(t) = self.pick(rng) {
                    let (a, b) = self.ids[t as usize];
                    if let (Ok(wa), Ok(wb)) = (self.br.downgrade(a), self.gen_.downgrade(b)) {
                        self.weak.push((wa, wb));
                    }
                }
            }
            _ => {
                // The reports may differ: a full generational collection untracks lazily
                // tracked containers and immutables that hold no tracked object, which
                // BaconRajan keeps tracked; when such an object hangs off a garbage
                // cycle, BaconRajan counts it in its unreachable set (and runs its
                // finalizer there) while the generational collector frees it in the
                // refcount cascade. What lives afterwards is the same.
                self.br.collect_full();
                self.gen_.collect_full();
                let (la, lb) = self.live();
                if self.lockstep {
                    assert_eq!(la, lb, "live payloads differ after collect_full");
                }
            }
        }
        if self.lockstep {
            for (p, &(a, b)) in self.ids.iter().enumerate() {
                assert_eq!(self.br.contains(a), self.gen_.contains(b), "object {p}");
            }
        }
    }

    /// Collects on both heaps until neither frees anything (a resurrected object is
    /// freed by a later collection once its variable goes), then compares.
    fn finish(&mut self) {
        let names: Vec<String> = (0..self.ids.len()).map(|p| format!("kept{p}")).collect();
        for _ in 0..3 {
            self.br.collect_full();
            self.gen_.collect_full();
            for name in &names {
                let _ = self.br.del_var(name);
                let _ = self.gen_.del_var(name);
            }
        }
        self.br.collect_full();
        self.gen_.collect_full();
        let (la, lb) = self.live();
        assert_eq!(la, lb, "live payloads differ after the final collect_full");
        if self.lockstep {
            // (With automatic collections, an object may have been collected, its weak
            // references cleared and itself resurrected in one heap, while the other
            // never collected it before the program reached it again.)
            for &(wa, wb) in &self.weak {
                assert_eq!(
                    self.br.upgrade(wa).is_some(),
                    self.gen_.upgrade(wb).is_some()
                );
            }
        }
        // Nothing unreachable is left: what remains is what the program still reaches.
        let reached = self.reached();
        assert_eq!(la, reached, "a collect_full left unreachable objects");
    }

    /// The payloads reachable from the program's handles and variables (BaconRajan heap).
    fn reached(&self) -> BTreeSet<u64> {
        let mut work: Vec<ObjId> = self
            .handles
            .iter()
            .map(|&h| self.ids[h as usize].0)
            .collect();
        work.extend((0..4).filter_map(|i| self.br.get_var(&format!("v{i}"))));
        work.extend((0..self.ids.len()).filter_map(|p| self.br.get_var(&format!("kept{p}"))));
        work.extend(self.br.garbage().iter().copied());
        let mut seen = BTreeSet::new();
        while let Some(id) = work.pop() {
            if seen.insert(*self.br.payload(id).unwrap()) {
                work.extend(self.br.get_referents(&[id]).unwrap());
            }
        }
        seen
    }
}

fn differential(trigger: RootTrigger, lockstep: bool, seeds: u64, ops: usize) {
    for seed in 0..seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut twin = Twin::new(trigger, lockstep);
        for op in 0..ops {
            if std::env::var("BR_TRACE").is_ok() {
                eprintln!("seed {seed} op {op}");
            }
            twin.step(&mut rng);
            twin.br
                .verify()
                .unwrap_or_else(|e| panic!("seed {seed}: verify: {e}"));
        }
        twin.gen_.verify().unwrap();
        twin.finish();
        twin.br.verify().unwrap();
    }
}

/// Random programs run in lockstep (no automatic collections on either heap): after
/// every `collect_full` both heaps hold the same live payloads, and every object's
/// liveness agrees after every operation.
#[test]
fn differential_against_generational_in_lockstep() {
    differential(RootTrigger::Manual, true, 150, 250);
}

/// Random programs with automatic collections every few roots (and the generational
/// heap's own thresholds): the heaps differ in between, only in garbage not yet
/// collected; after the final collections they hold the same live payloads.
#[test]
fn differential_against_generational_with_automatic_collections() {
    differential(RootTrigger::Fixed(3), false, 150, 250);
}
