//! [`FullOnly`]: the simplest complete strategy. Every collection is one trial deletion
//! over every tracked object, then the shared PEP 442 pipeline. It is the reference the
//! harness checks other strategies against (`gclab::testing::FullOnly`) and the
//! no-generations baseline of `gclab-strategies` (`gclab::experiment::FullOnly`).

use std::time::Instant;

use crate::gc::trial::find_unreachable;
use crate::gc::{AllocKind, CollectReport, Cx, CycleCollector, Objects};
use crate::heap::Heap;
use crate::object::ObjId;

/// A strategy without generations: every collection is a full trial deletion over every
/// tracked object, started when container allocations minus container deallocations
/// since the last collection exceed `threshold` (as CPython counts generation 0's
/// surplus), or when the program asks. Threshold 0 (the default) means only when asked.
///
/// It is the minimal strategy of [`gc::strategy`](crate::gc::strategy) with an
/// allocation trigger and a [`check`](CycleCollector::check) of its list against the
/// headers: what a cycle collector costs without the generational hypothesis. Copy it to
/// start a strategy of your own.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::gc::FullOnly;
///
/// let mut heap: Heap<(), FullOnly> = Heap::with_collector(FullOnly::new(100));
/// let keep = heap.alloc(());
/// for _ in 0..1000 {
///     let a = heap.alloc(());
///     heap.link(a, a).unwrap(); // a garbage self-cycle
///     heap.decref(a).unwrap();
/// }
/// assert!(heap.len() < 150); // collected every 100 or so allocations
/// heap.collect_full();
/// assert_eq!(heap.len(), 1);
/// assert!(heap.contains(keep));
/// heap.verify().unwrap();
///
/// // Threshold 0: never automatically.
/// let mut heap: Heap<&str, FullOnly> = Heap::with_collector(FullOnly::default());
/// let a = heap.alloc("a");
/// heap.link(a, a).unwrap();
/// heap.decref(a).unwrap();
/// for _ in 0..5000 {
///     let x = heap.alloc("churn");
///     heap.decref(x).unwrap();
/// }
/// assert!(heap.contains(a));
/// assert_eq!(heap.collect_full().collected, 1);
/// assert!(heap.is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct FullOnly {
    /// Every tracked object; each one's header position is its index here (space 0).
    tracked: Vec<ObjId>,
    /// The allocation surplus that starts a collection (0: never automatically).
    threshold: u32,
    /// Container allocations minus container deallocations since the last collection
    /// (never below 0).
    count: u64,
}

impl FullOnly {
    /// The strategy, collecting when the allocation surplus exceeds `threshold` (0:
    /// only when asked).
    pub fn new(threshold: u32) -> FullOnly {
        FullOnly {
            threshold,
            ..FullOnly::default()
        }
    }

    /// The allocation surplus that starts a collection (0: never automatically).
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The tracked objects, in list order (removal swaps the last one in).
    pub fn tracked(&self) -> &[ObjId] {
        &self.tracked
    }
}

impl CycleCollector for FullOnly {
    /// Appends the object, recording its index as its position.
    fn on_track<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
        cx.set_space(id, 0, self.tracked.len() as u32);
        self.tracked.push(id);
    }

    /// Removes the object in O(1): the last one takes its place.
    fn on_untrack<T>(&mut self, mut cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
        let i = position as usize;
        self.tracked.swap_remove(i);
        if let Some(&moved) = self.tracked.get(i) {
            cx.set_position(moved, i as u32);
        }
    }

    #[inline(always)]
    fn on_free(&mut self) {
        self.count = self.count.saturating_sub(1);
    }

    #[inline(always)]
    fn on_alloc(&mut self, _kind: AllocKind) -> bool {
        self.count += 1;
        self.threshold != 0 && self.count > u64::from(self.threshold)
    }

    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        Self::collect_full(heap);
    }

    /// Trial deletion over every tracked object, then the PEP 442 pipeline; the
    /// reachable objects and the pipeline's survivors are tracked again.
    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        heap.run_collection(0, |heap| {
            let start = Instant::now();
            heap.collector_mut().count = 0;
            // Every tracked object, out of the list: the examined set.
            let mut set = std::mem::take(&mut heap.collector_mut().tracked);
            let candidates = set.len();
            heap.note_examined(&set);
            let (gc, mut cx) = heap.collector_parts();
            let mut unreachable = Vec::new();
            find_unreachable(cx.reborrow(), &mut set, &mut unreachable);
            for id in set {
                gc.on_track(cx.reborrow(), id); // the reachable ones go back
            }
            let mut report =
                heap.collect_unreachable(&mut unreachable, |gc, cx, id| gc.on_track(cx, id));
            report.candidates = candidates;
            report.duration = start.elapsed();
            report
        })
    }

    fn reserve(&mut self, additional: usize) {
        self.tracked.reserve(additional);
    }

    fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
        for (i, &id) in self.tracked.iter().enumerate() {
            if objects.space(id) != Some(0) || objects.position(id) != Some(i as u32) {
                return Err(format!(
                    "object {id} is listed at {i} but its header disagrees"
                ));
            }
        }
        let headers = objects
            .ids()
            .filter(|&id| objects.space(id).is_some())
            .count();
        if headers != self.tracked.len() {
            return Err(format!(
                "{headers} object(s) are marked tracked but the list holds {}",
                self.tracked.len()
            ));
        }
        Ok(())
    }
}
