//! The default strategy, [`Generational`]: CPython 3.13's generational policy. When to
//! collect and which generation (thresholds, counts and the long-lived rule) is a value
//! it is built with, a [`GenerationalTrigger`]; here are where survivors go (promotion)
//! and the generations' member lists. Its collection, step by step (the steps are named in
//! [`collect`](super::collect)), is written against the public seam like every other
//! strategy's: the lists are its own, the passes and the pipeline are the shared
//! mechanism's slot-level entry points ([`Heap::trial_delete_slots`],
//! [`Heap::collect_unreachable_slots`]). Its Python `gc`-module surface is in
//! `gc_module.rs`.

mod gc_module;
mod kind;

pub use kind::{GenerationalKind, MarkAliveKind};

use std::time::{Duration, Instant};

use crate::error::{GcError, Result};
#[cfg(feature = "testing")]
use crate::gc::collect::Fault;
use crate::gc::collect::{CollectionStep, StepClock};
use crate::gc::mark_alive::mark_alive;
use crate::gc::mechanism::GenerationalTrigger;
use crate::gc::{AllocKind, CollectReport, Cx, CycleCollector, Objects};
use crate::{Heap, MAX_GENERATIONS, ObjId};

/// The entry of a [`GenList`] that stands for a removed member (no slot is this large).
const TOMBSTONE: u32 = u32::MAX;

/// How a heap's collector is set up.
///
/// # Examples
/// ```
/// use gclab::{GcConfig, Heap};
/// let config = GcConfig { thresholds: vec![700, 10, 10], ..GcConfig::default() }; // Python 3.11's
/// let heap: Heap<()> = Heap::with_config(config).unwrap();
/// assert_eq!(heap.get_threshold(), vec![700, 10, 10]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcConfig {
    /// Number of generations (1 to [`MAX_GENERATIONS`]). CPython has 3. It must equal
    /// `thresholds.len()`: [`Heap::with_config`] and [`Generational::new`] refuse a
    /// configuration where the two disagree ([`GcError::InvalidConfig`]), so no heap is
    /// ever built from one. [`GcConfig::with_thresholds`] derives it.
    pub generations: usize,
    /// One threshold per generation: `thresholds[0]` is the allocation surplus that
    /// triggers a young collection (0 disables automatic collection), `thresholds[i]` the
    /// number of generation-`i-1` collections that triggers a generation-`i` collection.
    pub thresholds: Vec<u32>,
    /// Whether automatic collection starts enabled.
    pub enabled: bool,
}

impl GcConfig {
    /// A configuration with one generation per threshold (so the two cannot disagree),
    /// automatic collection enabled.
    ///
    /// # Examples
    /// ```
    /// use gclab::GcConfig;
    /// let config = GcConfig::with_thresholds(vec![700, 10]);
    /// assert_eq!(config.generations, 2);
    /// ```
    pub fn with_thresholds(thresholds: Vec<u32>) -> Self {
        GcConfig {
            generations: thresholds.len(),
            thresholds,
            enabled: true,
        }
    }
}

impl Default for GcConfig {
    /// CPython 3.13's defaults: 3 generations, thresholds (2000, 10, 10), enabled.
    fn default() -> Self {
        GcConfig {
            generations: 3,
            thresholds: vec![2000, 10, 10],
            enabled: true,
        }
    }
}

/// Statistics of one generation since the heap was created (Python's `gc.get_stats()`
/// plus candidates, time and untracking).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenStats {
    /// Collections of this generation (each also examined the younger ones).
    pub collections: u64,
    /// Objects found unreachable and freed (or saved, in save-all mode).
    pub collected: u64,
    /// Objects found unreachable but uncollectable (legacy finalizers).
    pub uncollectable: u64,
    /// Objects examined.
    pub candidates: u64,
    /// Immutable objects untracked because all their referents were untracked.
    pub untracked: u64,
    /// Total time spent in these collections.
    pub duration: Duration,
}

/// Where an object sits, as far as the collector is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generation {
    /// In generation `n` (0 is the youngest).
    Gen(usize),
    /// In the permanent generation (`freeze`): ignored by collections.
    Permanent,
    /// Not tracked (atomic objects, untracked immutables).
    Untracked,
    /// Held by a running collection (only observable from finalizers and callbacks).
    Collecting,
}

/// One generation's member list, in the order the objects entered it (allocation order
/// for generation 0), as CPython's intrusive `PyGC_Head` lists keep it.
///
/// Members are slots (4 bytes each; a listed object is alive by construction, so the
/// version half of its id is not needed). Removal is O(1) and keeps the order: the
/// removed member's entry becomes a tombstone; trailing tombstones are popped at once,
/// and when tombstones outnumber the members the list is compacted (amortised O(1) per
/// removal). Each member's header records its index here (its position), rewritten on
/// compaction.
#[derive(Debug, Clone, Default)]
pub(crate) struct GenList {
    /// Members' slots and tombstones, in order.
    pub(crate) ids: Vec<u32>,
    /// Tombstones among `ids` (the members are the rest: an append or the removal of
    /// the last entry leaves it alone).
    pub(crate) dead: usize,
}

impl GenList {
    /// Members.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.ids.len() - self.dead
    }

    /// Appends `slot` and returns its index.
    #[inline]
    pub(crate) fn push(&mut self, slot: u32) -> u32 {
        let index = self.ids.len() as u32;
        self.ids.push(slot);
        index
    }

    /// Members' slots in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ids.iter().copied().filter(|&s| s != TOMBSTONE)
    }

    /// Members' ids in order.
    pub(crate) fn ids_in<'a, T>(
        &'a self,
        objects: Objects<'a, T>,
    ) -> impl Iterator<Item = ObjId> + 'a {
        self.iter().map(move |s| objects.id_at(s))
    }

    /// Appends the members, in order, to `out`, and empties the list.
    pub(crate) fn drain_into(&mut self, out: &mut Vec<u32>) {
        if self.dead == 0 {
            if out.is_empty() {
                // Handed over whole: no copy.
                std::mem::swap(out, &mut self.ids);
            } else {
                out.extend_from_slice(&self.ids);
            }
        } else {
            out.extend(self.iter());
        }
        self.ids.clear();
        self.dead = 0;
    }

    /// Members' ids in order, as a new vector.
    pub(crate) fn to_vec<T>(&self, objects: Objects<'_, T>) -> Vec<ObjId> {
        self.ids_in(objects).collect()
    }

    pub(crate) fn reserve(&mut self, additional: usize) {
        self.ids.reserve(additional);
    }
}
/// The default collection strategy: CPython 3.13's generational trial-deletion
/// collector (generations, thresholds, promotion, the long-lived heuristic, freezing).
/// Build a heap with it through [`Heap::new`] or [`Heap::with_config`]; its Python
/// `gc`-module surface (thresholds, counts, `freeze`, `get_objects`, …) is a set of
/// methods of `Heap<T, Generational>`.
pub struct Generational {
    /// Member lists: `gens[0..n]` are the generations, `gens[n]` the permanent one. An
    /// object `o` with `o.space() == g` sits at `gens[g]` index `o.gen_index`
    /// (outside the trial-deletion phases of a collection).
    pub(crate) gens: Vec<GenList>,
    /// When to collect and which generation: the counts (`counts[0]` is the surplus of
    /// container allocations, every kind but atomic, tracked or not, as CPython counts
    /// GC-capable objects), thresholds, enabled flag and long-lived rule.
    pub(crate) trigger: GenerationalTrigger,
    pub(crate) stats: Vec<GenStats>,
    /// The examined set of a collection, kept between collections so its memory is
    /// reused.
    pub(crate) young_buf: Vec<u32>,
    /// The unreachable set of a collection, likewise.
    pub(crate) unreachable_buf: Vec<u32>,
    /// Set once an immutable object was allocated: from then on every collection looks
    /// for immutables to untrack among its survivors.
    pub(crate) has_immutables: bool,
    /// Set once a lazily tracked container was allocated: from then on full collections
    /// look for such containers to untrack among their survivors.
    pub(crate) has_lazy: bool,
    /// Whether full collections run the mark-alive pre-pass
    /// ([`Generational::with_mark_alive`]).
    pub(crate) mark_alive: bool,
    /// A deliberately injected bug, for proving that the test harness catches a broken
    /// collector (exists only with the `testing` feature; see
    /// [`Heap::trial_delete_slots_with_fault`]).
    #[cfg(feature = "testing")]
    pub(crate) fault: Option<Fault>,
}

impl std::fmt::Debug for Generational {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generational")
            .field("generations", &self.generation_sizes())
            .finish_non_exhaustive()
    }
}

impl Generational {
    /// The strategy with this configuration.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] when the configuration is unusable.
    pub fn new(config: GcConfig) -> Result<Self> {
        let n = config.generations;
        if n == 0 || n > MAX_GENERATIONS {
            return Err(GcError::InvalidConfig(format!(
                "generations must be between 1 and {MAX_GENERATIONS}, not {n}"
            )));
        }
        if config.thresholds.len() != n {
            return Err(GcError::InvalidConfig(format!(
                "{} threshold(s) given for {n} generation(s)",
                config.thresholds.len()
            )));
        }
        let mut trigger = GenerationalTrigger::new(&config.thresholds)?;
        trigger.set_enabled(config.enabled);
        Ok(Generational::with_trigger(trigger))
    }

    /// The strategy built with this trigger: as many generations as it has thresholds,
    /// its counts, enabled flag and long-lived state taken as they are.
    ///
    /// # Examples
    /// ```
    /// use gclab::gc::GenerationalTrigger;
    /// use gclab::{Generational, Heap};
    /// let mut trigger = GenerationalTrigger::new(&[100, 5]).unwrap();
    /// trigger.set_enabled(false);
    /// let heap: Heap<()> = Heap::with_collector(Generational::with_trigger(trigger));
    /// assert_eq!((heap.get_threshold(), heap.is_enabled()), (vec![100, 5], false));
    /// ```
    pub fn with_trigger(trigger: GenerationalTrigger) -> Self {
        let n = trigger.generations();
        Generational {
            gens: vec![GenList::default(); n + 1],
            trigger,
            stats: vec![GenStats::default(); n],
            young_buf: Vec::new(),
            unreachable_buf: Vec::new(),
            has_immutables: false,
            has_lazy: false,
            mark_alive: false,
            #[cfg(feature = "testing")]
            fault: None,
        }
    }

    /// The trigger: counts, thresholds, enabled flag and long-lived state.
    pub fn trigger(&self) -> &GenerationalTrigger {
        &self.trigger
    }

    /// The trigger, to change (as `gc.set_threshold`, `gc.enable` and `gc.disable` do).
    pub fn trigger_mut(&mut self) -> &mut GenerationalTrigger {
        &mut self.trigger
    }

    /// The strategy with this configuration and the mark-alive pre-pass on (cpython PR
    /// 126511; [`gc::mark_alive`](crate::gc::mark_alive)): before trial deletion, a
    /// full collection marks everything reachable from externally referenced objects
    /// and leaves it out of the examined set (it survives, and is promoted with the
    /// other survivors). Collections of younger generations do not run it: the marking
    /// follows edges through every tracked object, so from one young root it could
    /// traverse the whole old heap, and a young collection would no longer cost in
    /// proportion to the young generation.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] when the configuration is unusable.
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcConfig, Generational, Heap};
    /// let mut heap: Heap<u32> = Heap::with_collector(Generational::with_mark_alive(GcConfig::default()).unwrap());
    /// let root = heap.alloc(0);
    /// heap.set_var("root", root).unwrap();
    /// for i in 1..100 {
    ///     let x = heap.alloc(i);
    ///     heap.link(root, x).unwrap();
    ///     heap.decref(x).unwrap();
    /// }
    /// heap.decref(root).unwrap();
    /// let report = heap.collect_full();
    /// assert_eq!((report.collected, report.candidates), (0, 0)); // all marked alive
    /// ```
    pub fn with_mark_alive(config: GcConfig) -> Result<Self> {
        let mut gc = Generational::new(config)?;
        gc.mark_alive = true;
        Ok(gc)
    }

    /// Turns the mark-alive pre-pass of full collections on or off (see
    /// [`Generational::with_mark_alive`]).
    pub fn set_mark_alive(&mut self, on: bool) {
        self.mark_alive = on;
    }

    /// Whether full collections run the mark-alive pre-pass.
    pub fn mark_alive(&self) -> bool {
        self.mark_alive
    }

    /// Number of generations (the permanent one not included).
    #[inline]
    pub(crate) fn generations(&self) -> usize {
        self.gens.len() - 1
    }

    #[inline]
    pub(crate) fn permanent(&self) -> u8 {
        self.generations() as u8
    }

    pub(crate) fn generation_sizes(&self) -> Vec<usize> {
        self.gens.iter().map(GenList::len).collect()
    }

    /// Appends `id` to generation `gen_no`, recording its position in its header.
    #[inline]
    pub(crate) fn push<T>(&mut self, cx: Cx<'_, T>, id: ObjId, gen_no: u8) {
        let slot = cx.objects().slot(id);
        self.push_slot(cx, slot, gen_no);
    }

    /// [`push`](Generational::push) by slot (a live object's).
    #[inline]
    pub(crate) fn push_slot<T>(&mut self, mut cx: Cx<'_, T>, slot: u32, gen_no: u8) {
        let index = self.gens[gen_no as usize].push(slot);
        cx.set_slot_header(slot, gen_no, index);
    }

    /// Appends `ids` (alive, not in any generation), in order, to generation `gen_no`,
    /// recording each one's position; `ids` is left empty. Into an empty generation the
    /// vector itself becomes the list (no copy).
    pub(crate) fn append_all<T>(&mut self, mut cx: Cx<'_, T>, ids: &mut Vec<u32>, gen_no: u8) {
        let base = self.gens[gen_no as usize].ids.len();
        for (i, &slot) in ids.iter().enumerate() {
            cx.set_slot_header(slot, gen_no, (base + i) as u32);
        }
        self.adopt_all(ids, gen_no);
    }

    /// Appends `ids`, in order, to generation `gen_no` whose headers already record it
    /// (space `gen_no`, position = the list's length + their index in `ids`); `ids` is
    /// left empty. Into an empty generation the vector itself becomes the list.
    pub(crate) fn adopt_all(&mut self, ids: &mut Vec<u32>, gen_no: u8) {
        let list = &mut self.gens[gen_no as usize];
        if list.ids.is_empty() {
            std::mem::swap(&mut list.ids, ids);
            ids.clear();
        } else {
            list.ids.append(ids);
        }
    }

    /// Removes the member at `gens[gen_no]` index `index` in O(1) (amortised), keeping
    /// the order of the others.
    #[inline(always)]
    pub(crate) fn remove_at<T>(&mut self, cx: Cx<'_, T>, gen_no: u8, index: u32) {
        let list = &mut self.gens[gen_no as usize];
        let index = index as usize;
        debug_assert!(
            index < list.ids.len() && list.ids[index] != TOMBSTONE,
            "bug: generation {gen_no} has no member at {index}; a header position is stale"
        );
        if index + 1 == list.ids.len() {
            list.ids.pop();
            // One test on the common path (no tombstone at all); the trailing ones
            // are popped off it.
            if list.dead != 0 {
                pop_tombstones(list);
            }
        } else {
            list.ids[index] = TOMBSTONE;
            list.dead += 1;
            if list.dead > list.len() + 64 {
                compact(list, cx);
            }
        }
    }

    /// The injected fault, if any (only the test harness injects one, with the
    /// `testing` feature).
    #[cfg(feature = "testing")]
    #[inline(always)]
    fn fault(&self) -> Option<Fault> {
        self.fault
    }
}

/// Drops the tombstones at the end of a generation's list (after its last member was
/// removed), so the list ends with a member or is empty.
#[cold]
#[inline(never)]
fn pop_tombstones(list: &mut GenList) {
    while list.ids.last() == Some(&TOMBSTONE) {
        list.ids.pop();
        list.dead -= 1;
    }
}

/// Drops a generation's tombstones once they outnumber its members, writing each
/// member's new position into its header (the rare half of `remove_at`).
#[cold]
#[inline(never)]
fn compact<T>(list: &mut GenList, mut cx: Cx<'_, T>) {
    list.ids.retain(|&s| s != TOMBSTONE);
    list.dead = 0;
    for (i, &slot) in list.ids.iter().enumerate() {
        cx.set_slot_position(slot, i as u32);
    }
}

impl CycleCollector for Generational {
    /// Appends the object to generation 0.
    #[inline]
    fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        self.push(cx, id, 0);
    }

    /// Appends the new object to generation 0; the heap writes its header.
    #[inline(always)]
    fn on_track_new(&mut self, id: ObjId) -> Option<(u8, u32)> {
        Some((0, self.gens[0].push(crate::store::slot_of(id))))
    }

    /// Removes the object from its generation, keeping the order of the others.
    #[inline(always)]
    fn on_untrack<T>(&mut self, cx: Cx<'_, T>, _id: ObjId, space: u8, position: u32) {
        self.remove_at(cx, space, position);
    }

    /// Counts a freed container (CPython's `PyObject_GC_Del`).
    #[inline(always)]
    fn on_free(&mut self) {
        self.trigger.on_free();
    }

    /// Counts a newly allocated container (tracked or not: CPython counts every
    /// GC-capable allocation), and asks for an automatic collection when the allocation
    /// surplus exceeds threshold 0.
    #[inline(always)]
    fn on_alloc(&mut self, kind: AllocKind) -> bool {
        match kind {
            AllocKind::Container => {}
            AllocKind::Immutable => self.has_immutables = true,
            AllocKind::Lazy => self.has_lazy = true,
        }
        self.trigger.on_alloc()
    }

    /// CPython's `gc_collect_generations`: collects the generation the trigger names
    /// ([`GenerationalTrigger::due`]: the oldest whose count exceeds its threshold, with
    /// the long-lived rule for the oldest).
    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        if let Some(g) = heap.collector().trigger.due() {
            heap.run_collection(g, |heap| collect_generation(heap, g));
        }
    }

    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        let oldest = heap.collector().generations() - 1;
        heap.run_collection(oldest, |heap| collect_generation(heap, oldest))
    }

    fn reserve(&mut self, additional: usize) {
        self.gens[0].reserve(additional);
    }

    fn check<T>(&self, objects: Objects<'_, T>) -> std::result::Result<(), String> {
        let mut tracked = 0;
        for (g, list) in self.gens.iter().enumerate() {
            let mut live = 0;
            for (i, &slot) in list.ids.iter().enumerate() {
                if slot == TOMBSTONE {
                    continue;
                }
                live += 1;
                let id = objects.id_at(slot);
                let Some((space, position)) = objects.slot_header(slot) else {
                    return Err(format!("generation {g} lists dead object {id}"));
                };
                if space as usize != g || position as usize != i {
                    return Err(format!(
                        "object {id} is listed at generation {g} position {i} but its header says {space} / {position}"
                    ));
                }
                tracked += 1;
            }
            if list.dead != list.ids.len() - live {
                return Err(format!(
                    "generation {g} counts {} member(s) but lists {live}",
                    list.ids.len().wrapping_sub(list.dead)
                ));
            }
        }
        let headers = objects.listed_count();
        if headers != tracked {
            return Err(format!(
                "{headers} object(s) are marked tracked but generations list {tracked}"
            ));
        }
        Ok(())
    }
}

/// Collects generation `g` and every younger one, running every [`CollectionStep`] in
/// order (CPython's `gc_collect_main`), on the shared mechanism's slot-level entry
/// points. The caller has checked `g` and runs it inside
/// [`Heap::run_collection`].
pub(crate) fn collect_generation<T>(heap: &mut Heap<T, Generational>, g: usize) -> CollectReport {
    let start = Instant::now();
    let mut clock = StepClock::start();
    let mut report = CollectReport {
        generation: g,
        ..CollectReport::default()
    };
    let gc = heap.collector_mut();
    let oldest = gc.generations() - 1;
    let older = if g < oldest { g + 1 } else { g } as u8;
    let gen_no = g as u8;
    gc.trigger.after_collection(g);

    // MergeGenerations.
    let mut young = std::mem::take(&mut gc.young_buf);
    young.clear();
    gc.gens[g].drain_into(&mut young);
    for y in 0..g {
        gc.gens[y].drain_into(&mut young);
    }
    // The mark-alive pre-pass (an option, full collections only; see
    // `Generational::with_mark_alive`): what the roots reach leaves the examined set.
    // Its time counts under MergeGenerations.
    let alive = if gc.mark_alive && g == oldest {
        mark_alive_step(heap, &mut young)
    } else {
        Vec::new()
    };
    report.candidates = young.len();
    heap.note_examined_slots(&young);
    clock.lap(&mut report.steps, CollectionStep::MergeGenerations);

    // UpdateRefs and SubtractRefs fused, then MoveUnreachable, which writes each
    // survivor's promoted header (space `older`, its position there) as it finds it.
    let mut unreachable = std::mem::take(&mut heap.collector_mut().unreachable_buf);
    let base = heap.collector().gens[older as usize].ids.len() as u32;
    let member = move |space: u8| space <= gen_no;
    #[cfg(feature = "testing")]
    let fault = heap.collector().fault();
    #[cfg(not(feature = "testing"))]
    let fault: Option<std::convert::Infallible> = None;
    match fault {
        None => heap.trial_delete_slots(
            &mut young,
            member,
            (older, base),
            &mut unreachable,
            &mut report,
            &mut clock,
        ),
        #[cfg(feature = "testing")]
        Some(fault) => heap.trial_delete_slots_with_fault(
            fault,
            &mut young,
            member,
            (older, base),
            &mut unreachable,
            &mut report,
            &mut clock,
        ),
        #[cfg(not(feature = "testing"))]
        Some(never) => match never {},
    }
    // What was marked alive follows the reachable ones: its headers too.
    let (gc, mut cx) = heap.collector_parts();
    let after = base + young.len() as u32;
    for (i, &slot) in alive.iter().enumerate() {
        cx.set_slot_header(slot, older, after + i as u32);
    }

    // PromoteSurvivors (what was marked alive is promoted after the reachable ones).
    young.extend(alive);
    report.untracked = promote_survivors(gc, cx, &mut young, g, older);
    young.clear();
    gc.young_buf = young;
    clock.lap(&mut report.steps, CollectionStep::PromoteSurvivors);

    // MoveLegacyFinalizers … HandleLegacyFinalizers: the shared pipeline, with
    // survivors going to generation `older`.
    heap.collect_unreachable_slots(&mut unreachable, &mut report, |gc, cx, id| {
        gc.push(cx, id, older)
    });
    let gc = heap.collector_mut();
    gc.unreachable_buf = unreachable;

    report.duration = start.elapsed();
    let stats = &mut gc.stats[g];
    stats.collections += 1;
    stats.collected += report.collected as u64;
    stats.uncollectable += report.uncollectable as u64;
    stats.candidates += report.candidates as u64;
    stats.untracked += report.untracked as u64;
    stats.duration += report.duration;
    report
}

/// The mark-alive step of a full collection (between `MergeGenerations` and
/// `UpdateRefs`): takes the objects reachable from the roots out of `young` and parks
/// them in the permanent generation's space byte (outside every collected generation,
/// so trial deletion does not count them as members) without listing them there;
/// `collect_generation` appends them to the survivors before `PromoteSurvivors`.
/// Returns them in `young`'s order.
fn mark_alive_step<T>(heap: &mut Heap<T, Generational>, young: &mut Vec<u32>) -> Vec<u32> {
    let (gc, cx) = heap.collector_parts();
    let parked = gc.permanent();
    let objects = cx.objects();
    let mut alive = Vec::new();
    // The shared pass works on ids.
    let mut ids: Vec<ObjId> = young.iter().map(|&s| objects.id_at(s)).collect();
    mark_alive(cx, &mut ids, |mut cx, id| {
        cx.set_space(id, parked, 0);
        alive.push(cx.objects().slot(id));
    });
    young.clear();
    let objects = heap.objects_view();
    young.extend(ids.iter().map(|&id| objects.slot(id)));
    alive
}

/// PromoteSurvivors: untracks what may be untracked (CPython's `untrack_tuples`, and
/// `untrack_dicts` in full collections), appends the rest of `survivors`, in order, to
/// generation `older`, and updates the long-lived heuristic. Returns how many objects
/// were untracked. The survivors' headers already say `older` and their place there
/// (written by the trial deletion), so unless some were untracked, no header is written
/// again.
fn promote_survivors<T>(
    gc: &mut Generational,
    mut cx: Cx<'_, T>,
    survivors: &mut Vec<u32>,
    g: usize,
    older: u8,
) -> usize {
    let mut untracked = 0;
    if gc.has_immutables {
        for &slot in survivors.iter() {
            if cx.objects().may_untrack_immutable(slot) {
                cx.set_slot_untracked(slot);
                untracked += 1;
            }
        }
    }
    let full = g + 1 == gc.generations();
    if full && gc.has_lazy {
        for &slot in survivors.iter() {
            if cx.objects().may_untrack_lazy(slot) {
                cx.set_slot_untracked(slot);
                untracked += 1;
            }
        }
    }
    if untracked > 0 {
        let objects = cx.objects();
        survivors.retain(|&slot| objects.slot_header(slot).is_some_and(|(s, _)| s == older));
    }
    let promoted = survivors.len();
    // Append in order (CPython's `gc_list_merge(young, old)`); into an empty
    // generation (a full collection) the survivors' list itself becomes it.
    if untracked == 0 {
        gc.adopt_all(survivors, older);
    } else {
        gc.append_all(cx, survivors, older);
    }
    let oldest_len = gc.gens[gc.generations() - 1].len();
    gc.trigger.note_long_lived(g, promoted, oldest_len);
    untracked
}
