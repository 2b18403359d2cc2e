//! [`FullOnly`]: the simplest complete strategy. Every collection is one trial deletion
//! over every tracked object, then the shared PEP 442 pipeline. It is the reference the
//! harness checks other strategies against (`gclab::testing::FullOnly`) and the
//! no-generations baseline of `gclab-strategies` (`gclab::experiment::FullOnly`).

use crate::gc::mechanism::{AllocationTrigger, TrackedList};
use crate::gc::registry::numbers;
use crate::gc::{AllocKind, CollectReport, Cx, CycleCollector, Objects, StrategyKind};
use crate::{Heap, ObjId};

/// A strategy without generations: every collection is a full trial deletion over every
/// tracked object, started when container allocations minus container deallocations
/// since the last collection exceed `threshold` (as CPython counts generation 0's
/// surplus), or when the program asks. Threshold 0 (the default) means only when asked.
///
/// It is one [`TrackedList`] and the shared trial collection
/// ([`Heap::collect_list`]), the same mechanism a full collection of
/// [`Generational`](crate::Generational) runs on: what a cycle collector costs without
/// the generational hypothesis, implementation aside. Copy it to start a strategy of your
/// own.
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
    /// Every tracked object (space 0).
    tracked: TrackedList,
    /// When to collect: the allocation surplus above a threshold (0: never
    /// automatically).
    trigger: AllocationTrigger,
}

impl FullOnly {
    /// The strategy, collecting when the allocation surplus exceeds `threshold` (0:
    /// only when asked).
    pub fn new(threshold: u32) -> FullOnly {
        FullOnly {
            tracked: TrackedList::default(),
            trigger: AllocationTrigger::new(threshold),
        }
    }

    /// The allocation surplus that starts a collection (0: never automatically).
    pub fn threshold(&self) -> u32 {
        self.trigger.threshold()
    }

    /// The tracked objects (removal swaps the last one in).
    pub fn tracked(&self) -> &TrackedList {
        &self.tracked
    }
}

impl CycleCollector for FullOnly {
    /// Appends the object, recording its index as its position.
    #[inline]
    fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        self.tracked.push(cx, id);
    }

    /// Appends the new object; the heap writes its header.
    #[inline(always)]
    fn on_track_new(&mut self, id: ObjId) -> Option<(u8, u32)> {
        Some(self.tracked.place(id))
    }

    /// Removes the object in O(1): the last one takes its place.
    #[inline]
    fn on_untrack<T>(&mut self, cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
        self.tracked.remove(cx, position);
    }

    #[inline(always)]
    fn on_free(&mut self) {
        self.trigger.on_free();
    }

    #[inline(always)]
    fn on_alloc(&mut self, _kind: AllocKind) -> bool {
        self.trigger.on_alloc()
    }

    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        Self::collect_full(heap);
    }

    /// Trial deletion over every tracked object, then the PEP 442 pipeline; the
    /// reachable objects and the pipeline's survivors go back to the list.
    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        heap.run_collection(0, |heap| {
            let gc = heap.collector_mut();
            gc.trigger.reset();
            let mut all = gc.tracked.take();
            heap.collect_list(&mut all, |gc| &mut gc.tracked)
        })
    }

    fn reserve(&mut self, additional: usize) {
        self.tracked.reserve(additional);
    }

    fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
        self.tracked.check(objects, true)
    }
}

/// `full-only[:threshold]`: [`FullOnly`] in the registry.
#[derive(Debug, Clone, Copy)]
pub struct FullOnlyKind;

impl StrategyKind for FullOnlyKind {
    const NAME: &'static str = "full-only";
    const HELP: &'static str = "every collection examines every tracked object \
         (gclab::experiment::FullOnly); settings: the allocation surplus that starts one, \
         e.g. full-only:10000 (0: only when asked); default 2000";
    const COMPARED: &'static [&'static str] = &["", "10000"];
    const HARNESS: &'static [&'static str] = &["0"];
    type Collector = FullOnly;
    type Settings = u32;

    fn parse(settings: Option<&str>) -> Result<u32, String> {
        match settings {
            None | Some("") => Ok(2000),
            Some(text) => match numbers(text)?.as_slice() {
                [t] => Ok(*t),
                _ => Err("give one threshold, e.g. full-only:10000".into()),
            },
        }
    }

    fn settings_text(threshold: &u32) -> String {
        threshold.to_string()
    }

    fn build(threshold: &u32, automatic: bool) -> FullOnly {
        FullOnly::new(if automatic { *threshold } else { 0 })
    }
}
