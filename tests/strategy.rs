//! A minimal collection strategy written against the public seam only: it keeps one list
//! of tracked objects, collects only when asked (`collect_full`), and then runs trial
//! deletion over every tracked object and hands the unreachable set to the shared PEP 442
//! pipeline. The scenarios check that it collects cycles, keeps live data, and follows
//! PEP 442 for finalizers and weak references.

use std::{cell::Cell, rc::Rc};

use gclab::gc::trial::find_unreachable;
use gclab::{CollectReport, Cx, CycleCollector, Heap, ObjId};

/// Collects only when asked, over everything tracked.
#[derive(Debug, Default)]
struct OnDemand {
    /// Every tracked object; each one's header position is its index here.
    tracked: Vec<ObjId>,
}

impl CycleCollector for OnDemand {
    fn on_track<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
        cx.set_space(id, 0, self.tracked.len() as u32);
        self.tracked.push(id);
    }

    fn on_untrack<T>(&mut self, mut cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
        let i = position as usize;
        self.tracked.swap_remove(i);
        if let Some(&moved) = self.tracked.get(i) {
            cx.set_position(moved, i as u32);
        }
    }

    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        heap.run_collection(0, |heap| {
            // Take every tracked object out of the list: the examined set (noted for
            // the harness, which checks the collection against its model).
            let mut set = std::mem::take(&mut heap.collector_mut().tracked);
            let candidates = set.len();
            heap.note_examined(&set);
            let (gc, mut cx) = heap.collector_parts();
            let mut unreachable = Vec::new();
            find_unreachable(cx.reborrow(), &mut set, &mut unreachable);
            // The reachable ones go back; the pipeline gives back what survives it.
            for id in set {
                gc.on_track(cx.reborrow(), id);
            }
            let mut report =
                heap.collect_unreachable(&mut unreachable, |gc, cx, id| gc.on_track(cx, id));
            report.candidates = candidates;
            report
        })
    }

    fn check<T>(&self, objects: gclab::Objects<'_, T>) -> Result<(), String> {
        for (i, &id) in self.tracked.iter().enumerate() {
            if objects.space(id) != Some(0) || objects.position(id) != Some(i as u32) {
                return Err(format!(
                    "object {id} is listed at {i} but its header disagrees"
                ));
            }
        }
        Ok(())
    }
}

fn heap() -> Heap<&'static str, OnDemand> {
    Heap::with_collector(OnDemand::default())
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
