//! The mark-alive pre-pass (cpython PR 126511; CPython 3.14's `mark_at_start` /
//! `mark_all_reachable` in `Python/gc.c`): what the roots reach leaves the examined set,
//! and collections find the same garbage with and without it.

use std::collections::BTreeSet;

use gclab::gc::incremental::Budget;
use gclab::gc::mark_alive::mark_alive;
use gclab::{GcConfig, Generational, Heap, Incremental, IncrementalConfig, ObjId};
use proptest::prelude::*;

/// 9,900 objects reachable from a variable (a root holding 4,949 two-node cycles and one
/// leaf) and 100 objects of garbage (50 two-node cycles): 99% of the heap is alive.
/// Returns the garbage.
fn mostly_alive<C: gclab::CycleCollector>(heap: &mut Heap<u64, C>) -> Vec<ObjId> {
    let root = heap.alloc(0);
    heap.set_var("root", root).unwrap();
    heap.decref(root).unwrap();
    let leaf = heap.alloc(1);
    heap.link(root, leaf).unwrap();
    heap.decref(leaf).unwrap();
    let mut next = 2;
    for _ in 0..4_949 {
        let (a, b) = (heap.alloc(next), heap.alloc(next + 1));
        next += 2;
        heap.link(root, a).unwrap();
        heap.link(a, b).unwrap();
        heap.link(b, a).unwrap();
        heap.decref(a).unwrap();
        heap.decref(b).unwrap();
    }
    let mut garbage = Vec::new();
    for _ in 0..50 {
        let (a, b) = (heap.alloc(next), heap.alloc(next + 1));
        next += 2;
        heap.link(a, b).unwrap();
        heap.link(b, a).unwrap();
        heap.decref(a).unwrap();
        heap.decref(b).unwrap();
        garbage.extend([a, b]);
    }
    assert_eq!(heap.len(), 10_000);
    garbage
}

/// An object's collector header as a strategy sees it: space byte and position.
fn header(heap: &Heap<u64>, id: ObjId) -> (Option<u8>, Option<u32>) {
    let objects = heap.objects_view();
    (objects.space(id), objects.position(id))
}

fn payloads<C: gclab::CycleCollector>(heap: &Heap<u64, C>) -> BTreeSet<u64> {
    heap.iter().map(|(_, &p)| p).collect()
}

fn generational(mark: bool) -> Heap<u64> {
    let config = GcConfig {
        enabled: false,
        ..GcConfig::default()
    };
    let gc = if mark {
        Generational::with_mark_alive(config).unwrap()
    } else {
        Generational::new(config).unwrap()
    };
    Heap::with_collector(gc)
}

#[test]
fn generational_full_collection_examines_a_hundredth_with_mark_alive() {
    let mut plain = generational(false);
    let mut marked = generational(true);
    let garbage_plain = mostly_alive(&mut plain);
    let garbage_marked = mostly_alive(&mut marked);
    plain.record_examined(true);
    marked.record_examined(true);
    let a = plain.collect_full();
    let b = marked.collect_full();
    assert_eq!((a.collected, b.collected), (100, 100));
    assert_eq!(payloads(&plain), payloads(&marked));
    assert!(garbage_plain.iter().all(|&g| !plain.contains(g)));
    assert!(garbage_marked.iter().all(|&g| !marked.contains(g)));
    // The examined set drops 100×: only the garbage is left for trial deletion.
    assert_eq!((a.candidates, b.candidates), (10_000, 100));
    assert_eq!(plain.take_examined().len(), 10_000);
    assert_eq!(marked.take_examined().len(), 100);
    plain.verify().unwrap();
    marked.verify().unwrap();
    // What was marked alive was promoted with the other survivors (the oldest
    // generation keeps them), and the next full collection finds nothing.
    let oldest = |heap: &Heap<u64>| heap.get_objects(Some(2)).unwrap().len();
    assert_eq!((oldest(&plain), oldest(&marked)), (9_900, 9_900));
    assert_eq!(marked.collect_full().collected, 0);
    marked.verify().unwrap();
}

#[test]
fn incremental_full_collection_examines_a_hundredth_with_mark_alive() {
    let heap = |mark_alive| -> Heap<u64, Incremental> {
        Heap::with_collector(Incremental::new(IncrementalConfig {
            threshold: 0,
            mark_alive,
            ..IncrementalConfig::default()
        }))
    };
    let (mut plain, mut marked) = (heap(false), heap(true));
    mostly_alive(&mut plain);
    mostly_alive(&mut marked);
    let a = plain.collect_full();
    let b = marked.collect_full();
    assert_eq!((a.collected, b.collected), (100, 100));
    assert_eq!((a.candidates, b.candidates), (10_000, 100));
    assert_eq!(payloads(&plain), payloads(&marked));
    assert_eq!(marked.collector().stats().marked_alive, 9_900);
    plain.verify().unwrap();
    marked.verify().unwrap();
}

#[test]
fn young_generational_collections_do_not_mark() {
    // The pre-pass runs in full collections only (a young root could reach the whole
    // old heap).
    let mut heap = generational(true);
    mostly_alive(&mut heap);
    let report = heap.collect(0).unwrap();
    assert_eq!((report.candidates, report.collected), (10_000, 100));
    heap.verify().unwrap();
}

#[test]
fn marking_follows_edges_through_objects_outside_the_candidate_set() {
    // root (a candidate, held) → old (not in the set) → leaf (a candidate): the leaf
    // is reachable from a root through an older object, so it is alive.
    let mut heap: Heap<u64> = Heap::new();
    let root = heap.alloc(0);
    let old = heap.alloc(1);
    let leaf = heap.alloc(2);
    let loose = heap.alloc(3);
    heap.link(root, old).unwrap();
    heap.link(old, leaf).unwrap();
    heap.link(loose, loose).unwrap();
    heap.decref(old).unwrap();
    heap.decref(leaf).unwrap();
    heap.decref(loose).unwrap();
    let before: Vec<_> = [root, old, leaf, loose]
        .iter()
        .map(|&id| header(&heap, id))
        .collect();
    let mut set = vec![root, leaf, loose, leaf]; // a repeated entry is dropped
    let mut alive = Vec::new();
    let (_, cx) = heap.collector_parts();
    let marked = mark_alive(cx, &mut set, |_, id| alive.push(id));
    assert_eq!(marked, 2);
    assert_eq!(alive, vec![root, leaf]);
    assert_eq!(set, vec![loose]);
    // Every header is back as it was (the old object's too).
    let after: Vec<_> = [root, old, leaf, loose]
        .iter()
        .map(|&id| header(&heap, id))
        .collect();
    assert_eq!(before, after);
    heap.verify().unwrap();
}

#[test]
fn objects_reachable_only_from_a_root_outside_the_set_are_left_to_trial_deletion() {
    // Roots are the candidates' external references: `held` is outside the set, so
    // `child` is not marked, and stays in the set (trial deletion finds it reachable).
    let mut heap: Heap<u64> = Heap::new();
    let held = heap.alloc(0);
    let child = heap.alloc(1);
    heap.link(held, child).unwrap();
    heap.decref(child).unwrap();
    let mut set = vec![child];
    let (_, cx) = heap.collector_parts();
    assert_eq!(mark_alive(cx, &mut set, |_, _| {}), 0);
    assert_eq!(set, vec![child]);
    heap.verify().unwrap();
}

#[test]
fn garbage_held_only_by_an_alive_object_is_not_collected() {
    // An alive object's references into the examined set still count as external for
    // trial deletion (subtract_refs subtracts only edges from set members): here they
    // are all marked anyway, and nothing reachable is collected.
    let mut heap = generational(true);
    let root = heap.alloc(0);
    let (a, b) = (heap.alloc(1), heap.alloc(2));
    heap.link(root, a).unwrap();
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (0, 0));
    heap.decref(root).unwrap(); // root freed by refcounting; the cycle is now garbage
    let report = heap.collect_full();
    assert_eq!((report.collected, report.candidates), (2, 2));
    assert!(heap.is_empty());
    heap.verify().unwrap();
}

#[test]
fn gc_garbage_entries_are_roots() {
    let mut heap = generational(true);
    let (a, b) = (heap.alloc(1), heap.alloc(2));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.set_legacy_finalizer(a, true).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let report = heap.collect_full();
    assert_eq!((report.uncollectable, report.candidates), (2, 2));
    assert_eq!(heap.garbage(), &[a]);
    // Now `a` is held by gc.garbage: a root; the cycle is marked alive.
    let report = heap.collect_full();
    assert_eq!((report.uncollectable, report.candidates), (0, 0));
    heap.verify().unwrap();
}

#[derive(Debug, Clone)]
enum Op {
    Alloc,
    Link(usize, usize),
    Drop(usize),
    Var(usize),
    Collect(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Alloc),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Link(a, b)),
        3 => any::<usize>().prop_map(Op::Drop),
        1 => any::<usize>().prop_map(Op::Var),
        1 => (0u8..3).prop_map(Op::Collect),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The same random program on a generational heap with and without mark-alive:
    /// every collection collects the same number of objects, and the same payloads live.
    #[test]
    fn mark_alive_changes_what_is_examined_not_what_is_collected(
        ops in prop::collection::vec(op(), 1..150),
    ) {
        let mut heaps = [generational(false), generational(true)];
        let mut handles: Vec<[ObjId; 2]> = Vec::new();
        let mut next = 0u64;
        for op in ops {
            match op {
                Op::Alloc => {
                    handles.push([heaps[0].alloc(next), heaps[1].alloc(next)]);
                    next += 1;
                }
                Op::Link(a, b) if !handles.is_empty() => {
                    let (x, y) = (handles[a % handles.len()], handles[b % handles.len()]);
                    for k in 0..2 {
                        heaps[k].link(x[k], y[k]).unwrap();
                    }
                }
                Op::Drop(i) if !handles.is_empty() => {
                    let h = handles.swap_remove(i % handles.len());
                    for k in 0..2 {
                        heaps[k].decref(h[k]).unwrap();
                    }
                }
                Op::Var(i) if !handles.is_empty() => {
                    let h = handles[i % handles.len()];
                    for k in 0..2 {
                        heaps[k].set_var("v", h[k]).unwrap();
                    }
                }
                Op::Collect(g) => {
                    let r0 = heaps[0].collect(g as usize).unwrap();
                    let r1 = heaps[1].collect(g as usize).unwrap();
                    prop_assert_eq!(r0.collected, r1.collected);
                    prop_assert!(r1.candidates <= r0.candidates);
                }
                _ => {}
            }
            heaps[1].verify().unwrap();
        }
        let r0 = heaps[0].collect_full();
        let r1 = heaps[1].collect_full();
        prop_assert_eq!(r0.collected, r1.collected);
        prop_assert_eq!(payloads(&heaps[0]), payloads(&heaps[1]));
        heaps[1].verify().unwrap();
    }
}

#[test]
fn budgeted_incremental_with_mark_alive_collects_everything_eventually() {
    let mut heap: Heap<u64, Incremental> =
        Heap::with_collector(Incremental::new(IncrementalConfig {
            threshold: 0,
            budget: Budget::Fixed(500),
            mark_alive: true,
            ..IncrementalConfig::default()
        }));
    mostly_alive(&mut heap);
    let mut collected = 0;
    let mut examined = 0;
    while heap.collector().stats().scavenges < 2 {
        let report = heap.collect_increment();
        collected += report.collected;
        examined += report.candidates;
        heap.verify().unwrap();
    }
    assert_eq!(collected, 100);
    // The first scavenge's mark phase took the 9,900 live objects out of the way.
    assert!(examined < 1_000, "examined {examined}");
}
