//! The strategy [`Incremental`]: CPython 3.14's incremental cycle collector
//! (faster-cpython/ideas#613; `Python/gc.c` of CPython 3.14, read at commit
//! `0051397dcdbd80e9bf15250b8b369e67d2e2b713` of python/cpython's main branch).
//!
//! ## The design
//!
//! Tracked objects live in a *young* generation and an *old* space split into two
//! halves: *pending* (not yet visited in the current cycle, a *scavenge*) and *visited*.
//! Each object's header space byte says where it is (0 young, 1 and 2 the two old
//! halves; which half is visited is a bit of the strategy's state, CPython's
//! `gcstate->visited_space`, so the flip costs nothing per object), and its header
//! position is its index in that list.
//!
//! When an increment runs and how much it examines are values the strategy is built
//! with ([`Incremental::with_trigger`]): an [`AllocationTrigger`] (the allocation surplus
//! above CPython's `young.threshold`) and an [`IncrementBudget`] (a [`Budget`] and the
//! accumulated work).
//!
//! Every automatic collection is an *increment* (CPython's `gc_collect_increment`, which
//! `_Py_RunGC` always asks for):
//! 1. the work budget grows (`assess_work_to_do`, [`IncrementBudget::assess`]);
//! 2. with the mark-alive option, the first increment of a scavenge only marks: every
//!    young and pending object reachable from a root moves to visited, and nothing is
//!    collected (`mark_at_start`; see [`mark_alive`](crate::gc::mark_alive));
//! 3. otherwise the increment is the whole young generation, then pending objects taken
//!    one at a time while the increment is below the budget, each followed by every
//!    pending object it reaches, transitively (`expand_region_transitively_reachable`):
//!    a garbage cycle wholly in pending is therefore examined whole;
//! 4. the shared trial collection of the increment ([`Heap::collect_list`], the same
//!    fused passes and pipeline as every list-keeping strategy): the reachable objects
//!    move to visited; the unreachable ones go through the PEP 442 pipeline, whose
//!    survivors also move to visited (`gc_collect_region` with `to` the visited list);
//! 5. when pending is empty the scavenge is complete: the halves swap, so everything
//!    old is pending again (`completed_scavenge`).
//!
//! [`Heap::collect_full`] (Python's `gc.collect()`, `gc_collect_full`) examines young
//! and both halves in one trial deletion and completes the scavenge: every piece of
//! cyclic garbage is found, whatever half its members were in.
//!
//! ## Why no write barrier
//!
//! CPython 3.14 has none, and neither has this strategy (it leaves
//! [`CycleCollector::on_edge_write`] a no-op). Trial deletion over *any* subset is sound:
//! a reference from outside the increment (a visited object, a pending one not taken, a
//! variable) counts as external, so nothing live is freed however the mutator rewires
//! the graph between increments. Completeness needs no barrier either: garbage stays
//! garbage, young survivors go to visited and become pending at the next flip, so after
//! at most two flips every member of a garbage cycle is pending, and the first of them
//! taken into an increment pulls in every other member it reaches
//! (`expand_region_transitively_reachable`). A cycle that spans the two halves is
//! therefore not collected before the flip (its pending part is referenced from its
//! visited part, so it survives), and is collected in the scavenge after it. Young
//! objects need no remembered set either: they are examined in every increment, and old
//! objects that refer to them only make them look externally referenced.
//!
//! ## What bounds a pause
//!
//! The budget bounds only how many pending objects are *taken as seeds*: seeds are taken
//! while the increment is below the budget, so with budget `B` an increment examines at
//! most `B` old objects plus the transitive expansion of its last seed (with
//! [`Budget::Cpython`] the young objects count towards the budget too). Not bounded:
//! - the expansion: a seed at the head of a million-object pending chain brings the
//!   whole chain into this increment, and a program whose live data hangs off one
//!   container (a module dictionary) examines its whole live heap in the increment that
//!   takes that container, once per scavenge;
//! - the young generation: every young object is examined. Its size is the allocation
//!   surplus since the last increment (about the threshold when allocation triggered
//!   it), plus what user code allocated during collections; with [`Budget::Cpython`] an
//!   increment is skipped while the accumulated work is negative (as in CPython), and the
//!   young generation keeps growing meanwhile: after a mark-alive increment marked `M`
//!   objects, at least `M / (3 × threshold)` increments are skipped;
//! - the PEP 442 pipeline over the unreachable objects (finalizers and weak-reference
//!   callbacks are user code);
//! - the mark-alive increment: it traverses everything reachable from the roots (CPython:
//!   "TO DO -- Make this incremental").
//!
//! ## Where it differs from CPython
//!
//! The lists are unordered vectors (O(1) removal by swapping the last member in), so
//! seeds are taken from the end of pending rather than its head. Immutable and lazily
//! tracked containers are never untracked (CPython's `untrack_tuples`); that saves
//! work, not memory, and does not change what is collected. CPython's increments also
//! mark from the frames' stacks (`mark_stacks`); gclab has no stacks, its roots are
//! the objects with external references.
//!
//! # Examples
//! ```
//! use gclab::{Heap, Incremental, IncrementalConfig, gc::incremental::Budget};
//!
//! let config = IncrementalConfig { threshold: 100, budget: Budget::Fixed(10), ..IncrementalConfig::default() };
//! let mut heap: Heap<u32, Incremental> = Heap::with_collector(Incremental::new(config));
//! // A garbage cycle, then enough allocations to trigger increments.
//! let (a, b) = (heap.alloc(1), heap.alloc(2));
//! heap.link(a, b).unwrap();
//! heap.link(b, a).unwrap();
//! heap.decref(a).unwrap();
//! heap.decref(b).unwrap();
//! let keep = heap.alloc(0);
//! for i in 0..1000 {
//!     let x = heap.alloc(i);
//!     heap.link(keep, x).unwrap(); // live data: survives into the old space
//!     heap.decref(x).unwrap();
//! }
//! assert!(!heap.contains(a) && !heap.contains(b)); // an increment collected the cycle
//! assert!(heap.collector().stats().increments >= 5);
//! heap.verify().unwrap();
//! assert_eq!(heap.collect_full().collected, 0);
//! ```

mod gc_module;

use std::time::{Duration, Instant};

use crate::gc::collect::CollectionStep;
use crate::gc::mark_alive::mark_alive;
use crate::gc::mechanism::{AllocationTrigger, Allowance, IncrementBudget, TrackedList};
pub use crate::gc::mechanism::{Budget, SCAN_RATE_DIVISOR};
use crate::gc::{AllocKind, CollectReport, Cx, CycleCollector, Objects, StrategyKind};
use crate::{Heap, ObjId};

/// Space byte of the young generation.
const YOUNG: u8 = 0;
/// Space byte of one old half (which one is visited is [`Incremental::visited`]).
const OLD_A: u8 = 1;
/// Space byte of the other old half.
const OLD_B: u8 = 2;

/// How an [`Incremental`] collector is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncrementalConfig {
    /// The allocation surplus (container allocations minus frees) that triggers an
    /// increment (CPython's `young.threshold`, 2000); 0 disables automatic collection.
    pub threshold: u32,
    /// How much of the old space an increment examines.
    pub budget: Budget,
    /// Whether each scavenge starts with the mark-alive pre-pass (CPython 3.14's
    /// `mark_at_start`) and full collections run it before trial deletion.
    pub mark_alive: bool,
    /// Whether automatic collection is enabled.
    pub enabled: bool,
}

impl Default for IncrementalConfig {
    /// CPython 3.14's: threshold 2000, [`Budget::Cpython`] with scale factor 10, enabled;
    /// mark-alive off.
    fn default() -> Self {
        IncrementalConfig {
            threshold: 2000,
            budget: Budget::default(),
            mark_alive: false,
            enabled: true,
        }
    }
}

/// Counters of an [`Incremental`] collector since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncrementalStats {
    /// Increments run (automatic or [`Heap::collect_increment`]), skipped ones included.
    pub increments: u64,
    /// Increments skipped because the accumulated work was negative.
    pub skipped: u64,
    /// Full collections.
    pub full: u64,
    /// Completed scavenges (flips of the two halves).
    pub scavenges: u64,
    /// Objects examined by trial deletion.
    pub candidates: u64,
    /// Old (pending) objects examined by trial deletion in increments.
    pub old_examined: u64,
    /// Objects marked alive by the mark-alive pre-pass (left out of trial deletion).
    pub marked_alive: u64,
    /// Objects found unreachable and freed.
    pub collected: u64,
    /// Objects found unreachable but uncollectable (legacy finalizers).
    pub uncollectable: u64,
}

/// Where an object is, for an [`Incremental`] collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// In the young generation.
    Young,
    /// In the old half not visited yet in this scavenge.
    Pending,
    /// In the old half already visited in this scavenge.
    Visited,
}

/// The phase of a scavenge (CPython's `gcstate->phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScavengePhase {
    /// The next increment marks from the roots (with the mark-alive option).
    Mark,
    /// Increments collect.
    Collect,
}

/// CPython 3.14's incremental collector as a [`CycleCollector`] strategy: a young
/// generation and an old space in two halves; every automatic collection examines the
/// young generation and an increment of the old space (see the module documentation
/// for the design, what bounds a pause, and an example).
#[derive(Debug)]
pub struct Incremental {
    /// The young generation (space [`YOUNG`]). While an increment is assembled it is
    /// the increment: pending objects taken into it carry the young space byte too.
    young: TrackedList,
    /// The old halves: `old[0]` holds space [`OLD_A`], `old[1]` space [`OLD_B`].
    old: [TrackedList; 2],
    /// The space byte of the visited half ([`OLD_A`] or [`OLD_B`]); the other is
    /// pending. Flipped by `completed_scavenge`.
    visited: u8,
    /// When an increment runs: container allocations minus frees since the last one
    /// (never below 0; CPython's `young.count`) against the threshold.
    trigger: AllocationTrigger,
    /// How much an increment examines: the [`Budget`] and the accumulated work
    /// (CPython's `work_to_do`).
    budget: IncrementBudget,
    phase: ScavengePhase,
    /// Whether each scavenge starts with the mark-alive pre-pass
    /// ([`IncrementalConfig::mark_alive`]).
    mark_alive: bool,
    stats: IncrementalStats,
}

impl Default for Incremental {
    fn default() -> Self {
        Incremental::new(IncrementalConfig::default())
    }
}

impl Incremental {
    /// The strategy with this configuration: [`Incremental::with_trigger`] with an
    /// [`AllocationTrigger`] of `config.threshold` (disabled unless `config.enabled`) and
    /// an [`IncrementBudget`] of `config.budget`.
    ///
    /// # Examples
    /// ```
    /// use gclab::{Heap, Incremental, IncrementalConfig};
    /// let heap: Heap<(), Incremental> = Heap::with_collector(Incremental::new(IncrementalConfig::default()));
    /// assert_eq!(heap.collector().config().threshold, 2000);
    /// ```
    pub fn new(config: IncrementalConfig) -> Self {
        let mut trigger = AllocationTrigger::new(config.threshold);
        trigger.set_enabled(config.enabled);
        Incremental::with_trigger(
            trigger,
            IncrementBudget::new(config.budget),
            config.mark_alive,
        )
    }

    /// The strategy built with these values: `trigger` says when an increment runs (its
    /// surplus counts container allocations minus frees; [`AllocationTrigger::manual`]
    /// for increments only on demand), `budget` how much of the old space each one
    /// examines, `mark_alive` whether each scavenge starts with the mark-alive pre-pass.
    ///
    /// # Examples
    /// ```
    /// use gclab::gc::{AllocationTrigger, Budget, IncrementBudget};
    /// use gclab::{Heap, Incremental};
    /// let budget = IncrementBudget::new(Budget::Fixed(100));
    /// let mut heap: Heap<(), Incremental> =
    ///     Heap::with_collector(Incremental::with_trigger(AllocationTrigger::new(10), budget, false));
    /// for _ in 0..11 {
    ///     let x = heap.alloc(());
    ///     heap.link(x, x).unwrap();
    ///     heap.decref(x).unwrap();
    /// }
    /// // The eleventh allocation exceeded the threshold: an increment collected the ten
    /// // garbage cycles before it (the new one was still held: it survived).
    /// assert_eq!((heap.collector().stats().increments, heap.collector().stats().collected), (1, 10));
    /// ```
    pub fn with_trigger(
        trigger: AllocationTrigger,
        budget: IncrementBudget,
        mark_alive: bool,
    ) -> Self {
        Incremental {
            young: TrackedList::new(YOUNG),
            old: [TrackedList::new(OLD_A), TrackedList::new(OLD_B)],
            visited: OLD_A,
            trigger,
            budget,
            phase: ScavengePhase::Mark,
            mark_alive,
            stats: IncrementalStats::default(),
        }
    }

    /// The configuration the strategy has now (its trigger's threshold and enabled flag,
    /// its budget's policy, the mark-alive option).
    pub fn config(&self) -> IncrementalConfig {
        IncrementalConfig {
            threshold: self.trigger.threshold(),
            budget: self.budget.budget(),
            mark_alive: self.mark_alive,
            enabled: self.trigger.enabled(),
        }
    }

    /// When an increment runs.
    pub fn trigger(&self) -> &AllocationTrigger {
        &self.trigger
    }

    /// When an increment runs, to change (threshold, enabled; takes effect from the next
    /// allocation).
    pub fn trigger_mut(&mut self) -> &mut AllocationTrigger {
        &mut self.trigger
    }

    /// How much an increment examines.
    pub fn budget(&self) -> &IncrementBudget {
        &self.budget
    }

    /// How much an increment examines, to change (takes effect from the next
    /// increment).
    pub fn budget_mut(&mut self) -> &mut IncrementBudget {
        &mut self.budget
    }

    /// Turns the mark-alive pre-pass on or off (from the next scavenge's start, and the
    /// next full collection).
    pub fn set_mark_alive(&mut self, on: bool) {
        self.mark_alive = on;
    }

    /// The counters since the strategy was created.
    pub fn stats(&self) -> IncrementalStats {
        self.stats
    }

    /// Objects in the young generation.
    pub fn young_len(&self) -> usize {
        self.young.len()
    }

    /// Objects in the pending half of the old space.
    pub fn pending_len(&self) -> usize {
        self.old[usize::from(other(self.visited) - OLD_A)].len()
    }

    /// Objects in the visited half of the old space.
    pub fn visited_len(&self) -> usize {
        self.old[usize::from(self.visited - OLD_A)].len()
    }

    /// The accumulated work of [`Budget::Cpython`] (CPython's `work_to_do`).
    pub fn work_to_do(&self) -> i64 {
        self.budget.work_to_do()
    }

    /// Where `id` is, or `None` when it is dead, untracked, or in a running collection's
    /// working set.
    ///
    /// # Examples
    /// ```
    /// use gclab::{Heap, Incremental, gc::incremental::Place};
    /// let mut heap: Heap<(), Incremental> = Heap::with_collector(Incremental::default());
    /// let x = heap.alloc(());
    /// assert_eq!(heap.collector().place(heap.objects_view(), x), Some(Place::Young));
    /// heap.collect_increment(); // survivors go to visited; pending is empty, so the halves swap
    /// assert_eq!(heap.collector().place(heap.objects_view(), x), Some(Place::Pending));
    /// ```
    pub fn place<T>(&self, objects: Objects<'_, T>, id: ObjId) -> Option<Place> {
        match objects.space(id)? {
            YOUNG => Some(Place::Young),
            s if s == self.visited => Some(Place::Visited),
            s if s == other(self.visited) => Some(Place::Pending),
            _ => None,
        }
    }

    /// The list of space `space`, if it is one of the three.
    #[inline]
    fn list_mut(&mut self, space: u8) -> Option<&mut TrackedList> {
        match space {
            YOUNG => Some(&mut self.young),
            OLD_A => Some(&mut self.old[0]),
            OLD_B => Some(&mut self.old[1]),
            _ => None,
        }
    }

    /// Appends `id` to space `space`, writing its header.
    fn push<T>(&mut self, cx: Cx<'_, T>, id: ObjId, space: u8) {
        if let Some(list) = self.list_mut(space) {
            list.push(cx, id);
        }
    }

    /// The visited half.
    fn visited_list(&mut self) -> &mut TrackedList {
        &mut self.old[usize::from(self.visited - OLD_A)]
    }

    /// The pending half.
    fn pending_list(&mut self) -> &mut TrackedList {
        &mut self.old[usize::from(other(self.visited) - OLD_A)]
    }

    /// Removes the member at `position` of space `space` in O(1), moving the last member
    /// into its place.
    #[inline]
    fn remove<T>(&mut self, cx: Cx<'_, T>, space: u8, position: u32) {
        let Some(list) = self.list_mut(space) else {
            debug_assert!(
                false,
                "bug: space {space} is not one of Incremental's lists"
            );
            return;
        };
        let i = position as usize;
        debug_assert!(
            i < list.len(),
            "bug: space {space} has no member at {i}; a header position is stale"
        );
        if i < list.len() {
            list.remove(cx, position);
        }
    }

    /// Tracked objects (young and both halves; CPython's `heap_size`).
    fn heap_size(&self) -> usize {
        self.young.len() + self.old[0].len() + self.old[1].len()
    }

    /// `assess_work_to_do`: hands the allocation surplus since the last increment and
    /// the heap's size to the budget ([`IncrementBudget::assess`]) and restarts the
    /// surplus. `None` when the increment is skipped.
    fn assess_work_to_do(&mut self) -> Option<Allowance> {
        let new_objects = usize::try_from(self.trigger.count()).unwrap_or(usize::MAX);
        self.trigger.reset();
        let heap_size = self.heap_size();
        self.budget.assess(new_objects, heap_size)
    }

    /// `expand_region_transitively_reachable`: appends to `set` (the increment being
    /// assembled, the young list's space) every pending object reachable from
    /// `set[from..]`, transitively, taking each out of pending. Returns how many it
    /// added. `set` is its own worklist.
    fn expand_region_transitively_reachable<T>(
        &mut self,
        mut cx: Cx<'_, T>,
        set: &mut TrackedList,
        from: usize,
    ) -> usize {
        let pending = other(self.visited);
        let start = set.len();
        let mut i = from;
        while i < set.len() {
            let id = cx.objects().id_at(set.slots()[i]);
            i += 1;
            let n = cx.objects().edges(id).map_or(0, |e| e.len());
            for k in 0..n {
                let objects = cx.objects();
                let t = objects.edges(id).and_then(|e| e.get(k)).unwrap_or(id);
                if objects.space(t) != Some(pending) {
                    continue;
                }
                let position = objects.position(t).unwrap_or(0);
                self.remove(cx.reborrow(), pending, position);
                set.push(cx.reborrow(), t);
            }
        }
        set.len() - start
    }

    /// `completed_scavenge`: the visited half becomes pending (it holds all the old
    /// objects, since pending is empty), the work is reset, and the next scavenge
    /// starts with its mark phase.
    fn completed_scavenge(&mut self) {
        debug_assert_eq!(
            self.pending_len(),
            0,
            "bug: a scavenge completed with pending objects left"
        );
        self.visited = other(self.visited);
        self.budget.restart();
        self.phase = ScavengePhase::Mark;
        self.stats.scavenges += 1;
    }

    /// `mark_at_start`: the mark-alive pre-pass over the young generation and the
    /// pending half; what the roots reach moves to visited, the rest goes back where it
    /// was. Returns how many objects were marked.
    fn mark_at_start<T>(heap: &mut Heap<T, Self>) -> usize {
        let (gc, mut cx) = heap.collector_parts();
        let young = gc.young.take();
        let pending = gc.pending_list().take();
        let mut set: Vec<ObjId> = young.ids(cx.objects()).collect();
        set.extend(pending.ids(cx.objects()));
        let visited = gc.visited;
        let marked = mark_alive(cx.reborrow(), &mut set, |cx, id| gc.push(cx, id, visited));
        for id in set {
            let space = cx.objects().space(id).unwrap_or(YOUNG);
            gc.push(cx.reborrow(), id, space);
        }
        gc.budget.spend(marked);
        gc.phase = ScavengePhase::Collect;
        gc.stats.marked_alive += marked as u64;
        marked
    }

    /// One increment (CPython's `gc_collect_increment`); inside the collecting window.
    fn increment<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        let start = Instant::now();
        let mut report = CollectReport {
            generation: 1,
            ..CollectReport::default()
        };
        let gc = heap.collector_mut();
        gc.stats.increments += 1;
        let Some(Allowance {
            limit,
            counts_young,
        }) = gc.assess_work_to_do()
        else {
            gc.stats.skipped += 1;
            heap.note_examined(&[]);
            return report;
        };
        if gc.mark_alive && gc.phase == ScavengePhase::Mark {
            Self::mark_at_start(heap);
            heap.note_examined(&[]);
            report.duration = start.elapsed();
            return report;
        }
        let (gc, mut cx) = heap.collector_parts();
        let mut set = gc.young.take();
        let young = set.len();
        let mut size = if counts_young { young } else { 0 };
        while size < limit {
            let Some(seed) = gc.pending_list().pop(cx.reborrow()) else {
                break;
            };
            let from = set.len();
            set.push(cx.reborrow(), seed);
            size += 1 + gc.expand_region_transitively_reachable(cx.reborrow(), &mut set, from);
        }
        let examined_old = set.len() - young;
        if counts_young {
            gc.budget.spend(size);
        }
        gc.stats.old_examined += examined_old as u64;
        Self::collect_region(heap, set, start.elapsed(), &mut report);
        let gc = heap.collector_mut();
        if gc.pending_len() == 0 {
            gc.completed_scavenge();
        }
        report.duration = start.elapsed();
        report
    }

    /// `gc_collect_region` with the visited half as destination: the shared trial
    /// collection of the set ([`Heap::collect_list`]), whose survivors, and the
    /// pipeline's, go to visited. Step times: `assembly` (taking the set out of the
    /// lists, expansion and mark-alive included) is added under `MergeGenerations`.
    fn collect_region<T>(
        heap: &mut Heap<T, Self>,
        mut set: TrackedList,
        assembly: Duration,
        report: &mut CollectReport,
    ) {
        let region = heap.collect_list(&mut set, Incremental::visited_list);
        report.candidates = region.candidates;
        report.collected = region.collected;
        report.uncollectable = region.uncollectable;
        report.resurrected = region.resurrected;
        report.finalizers_run = region.finalizers_run;
        report.weakrefs_cleared = region.weakrefs_cleared;
        report.steps = region.steps;
        report.steps.add(CollectionStep::MergeGenerations, assembly);
        let stats = &mut heap.collector_mut().stats;
        stats.candidates += report.candidates as u64;
        stats.collected += report.collected as u64;
        stats.uncollectable += report.uncollectable as u64;
    }
}

/// The other old half.
#[inline]
fn other(space: u8) -> u8 {
    OLD_A + OLD_B - space
}

impl CycleCollector for Incremental {
    /// Appends the object to the young generation.
    fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        self.push(cx, id, YOUNG);
    }

    /// Appends the new object to the young generation; the heap writes its header.
    #[inline(always)]
    fn on_track_new(&mut self, id: ObjId) -> Option<(u8, u32)> {
        Some(self.young.place(id))
    }

    /// Removes the object from its list (the last member takes its place).
    #[inline(always)]
    fn on_untrack<T>(&mut self, cx: Cx<'_, T>, _id: ObjId, space: u8, position: u32) {
        self.remove(cx, space, position);
    }

    /// Counts a freed container (CPython's `PyObject_GC_Del`: `young.count--`).
    #[inline(always)]
    fn on_free(&mut self) {
        self.trigger.on_free();
    }

    /// Counts a new container and asks for an increment when the allocation surplus
    /// exceeds the threshold.
    #[inline(always)]
    fn on_alloc(&mut self, kind: AllocKind) -> bool {
        let _ = kind;
        self.trigger.on_alloc()
    }

    /// Runs one increment ([`Heap::collect_increment`]).
    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        heap.collect_increment();
    }

    /// CPython's `gc_collect_full`: young and both halves in one trial deletion (after
    /// the mark-alive pre-pass, with that option), then a completed scavenge (so all
    /// survivors are pending). Reports generation 2.
    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        heap.run_collection(2, |heap| {
            let start = Instant::now();
            let mut report = CollectReport {
                generation: 2,
                ..CollectReport::default()
            };
            let (gc, mut cx) = heap.collector_parts();
            gc.stats.full += 1;
            gc.trigger.reset();
            let visited = gc.visited;
            // Visited, then pending, then young, in one list of the young space.
            let mut set = TrackedList::new(YOUNG);
            let mut young = gc.young.take();
            set.append(cx.reborrow(), gc.visited_list());
            set.append(cx.reborrow(), gc.pending_list());
            set.append(cx.reborrow(), &mut young);
            if gc.mark_alive {
                let mut ids: Vec<ObjId> = set.ids(cx.objects()).collect();
                set = TrackedList::new(YOUNG);
                let marked = mark_alive(cx.reborrow(), &mut ids, |cx, id| gc.push(cx, id, visited));
                for id in ids {
                    set.push(cx.reborrow(), id);
                }
                gc.stats.marked_alive += marked as u64;
            }
            Self::collect_region(heap, set, start.elapsed(), &mut report);
            let gc = heap.collector_mut();
            // Everything old is visited now; what user code allocated is young.
            gc.completed_scavenge();
            report.duration = start.elapsed();
            report
        })
    }

    fn reserve(&mut self, additional: usize) {
        self.young.reserve(additional);
    }

    /// Every listed object is alive, carries its list's space byte and its index as
    /// position, and is listed once; the visited byte names an old half.
    fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
        if self.visited != OLD_A && self.visited != OLD_B {
            return Err(format!(
                "visited space byte {} is not an old half",
                self.visited
            ));
        }
        for list in [&self.young, &self.old[0], &self.old[1]] {
            list.check(objects, true)?;
        }
        Ok(())
    }
}

/// `incremental[:settings]`: [`Incremental`] in the registry.
#[derive(Debug, Clone, Copy)]
pub struct IncrementalKind;

impl StrategyKind for IncrementalKind {
    const NAME: &'static str = "incremental";
    const HELP: &'static str = "CPython 3.14's incremental collector: the young objects and an \
         increment of the old space (gclab::Incremental); settings, comma-separated: \
         threshold=N (the allocation surplus that starts an increment, default 2000), \
         scale=K (CPython's work budget with scale factor K, the default 10) or budget=N (a \
         fixed number of old objects per increment), mark-alive (the mark-alive pre-pass); \
         e.g. incremental:budget=5000";
    const COMPARED: &'static [&'static str] = &[""];
    const HARNESS: &'static [&'static str] = &["threshold=6", "threshold=6,mark-alive"];
    type Collector = Incremental;
    type Settings = IncrementalConfig;

    fn parse(settings: Option<&str>) -> Result<IncrementalConfig, String> {
        let mut config = IncrementalConfig::default();
        for setting in settings.unwrap_or("").split(',').map(str::trim) {
            let number = |v: &str| {
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("setting {v:?} is not a whole number"))
            };
            match setting.split_once('=') {
                None if setting.is_empty() => {}
                None if setting == "mark-alive" => config.mark_alive = true,
                Some(("threshold", v)) => config.threshold = number(v)?,
                Some(("scale", v)) => {
                    config.budget = Budget::Cpython {
                        scale_factor: number(v)?,
                    }
                }
                Some(("budget", v)) => config.budget = Budget::Fixed(number(v)? as usize),
                _ => {
                    return Err(format!(
                        "unknown setting {setting:?}; the settings are threshold=N, scale=K, \
                         budget=N and mark-alive"
                    ));
                }
            }
        }
        Ok(config)
    }

    /// `threshold=N,scale=K` or `threshold=N,budget=N`, then `,mark-alive` when on
    /// (`enabled` is not a setting).
    fn settings_text(config: &IncrementalConfig) -> String {
        let mut s = format!("threshold={}", config.threshold);
        match config.budget {
            Budget::Cpython { scale_factor } => s.push_str(&format!(",scale={scale_factor}")),
            Budget::Fixed(n) => s.push_str(&format!(",budget={n}")),
        }
        if config.mark_alive {
            s.push_str(",mark-alive");
        }
        s
    }

    fn build(config: &IncrementalConfig, automatic: bool) -> Incremental {
        Incremental::new(IncrementalConfig {
            enabled: automatic,
            ..*config
        })
    }
}
