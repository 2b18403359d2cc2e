//! The cycle collector: generation policy, statistics, and the public `gc`-module surface.
//!
//! Policy lives here (which generation to collect and when, thresholds, promotion, the
//! long-lived heuristic, freezing); mechanism lives in [`trial`] (the trial-deletion
//! phases) and [`collect`] (the ordered sequence of one collection, finalizers and weak
//! references included).

pub mod collect;
pub mod strategy;
pub mod trial;

mod finalize;
mod pipeline;

use std::any::Any;
use std::time::Duration;

use slotmap::{Key, SlotMap};

use crate::error::{GcError, Result};
use crate::heap::Heap;
use crate::object::{COLLECTING, MAX_GENERATIONS, ObjId, Object, UNTRACKED};

pub use collect::Phase;
pub use strategy::{AllocKind, Cx, CycleCollector, Objects};
pub use trial::{TrialEntry, TrialView};

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

/// The long-lived heuristic's state (see [`Heap::long_lived`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LongLived {
    /// Objects promoted into the oldest generation since the last full collection
    /// (CPython's `long_lived_pending`).
    pub pending: usize,
    /// Objects in the oldest generation after the last full collection (CPython's
    /// `long_lived_total`).
    pub total: usize,
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

/// What one collection did (Python's callback `info` dict, with more).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CollectReport {
    /// The generation collected (it and all younger ones were examined).
    pub generation: usize,
    /// Unreachable objects freed (or moved to `garbage` in save-all mode).
    pub collected: usize,
    /// Unreachable objects kept because of legacy finalizers; they went to `garbage`.
    pub uncollectable: usize,
    /// Objects examined by trial deletion.
    pub candidates: usize,
    /// Objects resurrected by finalizers: they survive, and move to the next older
    /// generation with the other survivors (CPython's `handle_resurrected_objects`).
    pub resurrected: usize,
    /// Finalizers run by this collection.
    pub finalizers_run: usize,
    /// Weak references cleared because their target was unreachable or their holder was
    /// (each counted once).
    pub weakrefs_cleared: usize,
    /// Immutable objects untracked.
    pub untracked: usize,
    /// Wall time of the collection.
    pub duration: Duration,
    /// Set when the request was ignored because a collection was already running.
    pub skipped: bool,
}

/// Something a finalizer or callback did that could not be raised to anyone: CPython
/// reports these through `sys.unraisablehook`; gclab records them (see
/// [`Heap::events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GcEvent {
    /// A finalizer panicked. The object counts as finalized and the collection went on.
    FinalizerPanicked {
        /// The object whose finalizer panicked.
        id: ObjId,
        /// The panic message.
        message: String,
    },
    /// A weak-reference callback panicked.
    WeakCallbackPanicked {
        /// The panic message.
        message: String,
    },
    /// A collection observer callback panicked.
    CallbackPanicked {
        /// The panic message.
        message: String,
    },
}

/// A collection observer: called with [`Phase::Start`] before and [`Phase::Stop`] after
/// each collection (Python's `gc.callbacks`).
pub type Callback = Box<dyn FnMut(Phase, &CollectReport)>;

/// A collection observer that also gets the heap (as Python's `gc.callbacks` functions
/// reach `gc.garbage` through the `gc` module): see [`Heap::add_heap_callback`].
pub type HeapCallback<T, C = Generational> = Box<dyn FnMut(&mut Heap<T, C>, Phase, &CollectReport)>;

/// A registered observer, of either kind.
pub(crate) enum Observer<T, C> {
    Plain(Callback),
    WithHeap(HeapCallback<T, C>),
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
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
/// Removal is O(1) and keeps the order: the removed member's entry becomes a null id (a
/// tombstone); trailing tombstones are popped at once, and when tombstones outnumber the
/// members the list is compacted (amortised O(1) per removal). Each member's header
/// records its index here (`gen_index`), rewritten on compaction.
#[derive(Debug, Clone, Default)]
pub(crate) struct GenList {
    /// Members and tombstones (`ObjId::null()`), in order.
    ids: Vec<ObjId>,
    /// Members (entries that are not tombstones).
    live: usize,
}

impl GenList {
    /// Members.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Appends `id` and returns its index.
    #[inline]
    pub(crate) fn push(&mut self, id: ObjId) -> u32 {
        let index = self.ids.len() as u32;
        self.ids.push(id);
        self.live += 1;
        index
    }

    /// Members in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ObjId> + '_ {
        self.ids.iter().copied().filter(|id| !id.is_null())
    }

    /// Appends the members, in order, to `out`, and empties the list.
    pub(crate) fn drain_into(&mut self, out: &mut Vec<ObjId>) {
        if self.live == self.ids.len() {
            out.extend_from_slice(&self.ids);
        } else {
            out.extend(self.iter());
        }
        self.ids.clear();
        self.live = 0;
    }

    /// Members in order, as a new vector.
    pub(crate) fn to_vec(&self) -> Vec<ObjId> {
        self.iter().collect()
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
    /// object `o` with `o.generation == g` sits at `gens[g]` index `o.gen_index`
    /// (outside the trial-deletion phases of a collection).
    pub(crate) gens: Vec<GenList>,
    /// One per generation, see [`GcConfig::thresholds`] (entries past the last
    /// generation are unused). Arrays rather than `Vec`s: `thresholds[0]` and `counts[0]`
    /// are read on every allocation and free, without a pointer chase or bounds check.
    thresholds: [u32; MAX_GENERATIONS],
    /// `counts[0]`: allocations minus deallocations of container objects (every kind but
    /// atomic, tracked or not, as CPython counts GC-capable objects) since the last
    /// collection (never below 0); `counts[i]`: collections of generation `i-1` since the
    /// last collection of generation `i`.
    counts: [u64; MAX_GENERATIONS],
    enabled: bool,
    /// Objects in the oldest generation after the last full collection.
    long_lived_total: usize,
    /// Objects promoted into the oldest generation since the last full collection.
    long_lived_pending: usize,
    pub(crate) stats: Vec<GenStats>,
    /// The examined set of a collection, kept between collections so its memory is
    /// reused.
    pub(crate) young_buf: Vec<ObjId>,
    /// The unreachable set of a collection, likewise.
    pub(crate) unreachable_buf: Vec<ObjId>,
    /// Set once an immutable object was allocated: from then on every collection looks
    /// for immutables to untrack among its survivors.
    pub(crate) has_immutables: bool,
    /// Set once a lazily tracked container was allocated: from then on full collections
    /// look for such containers to untrack among their survivors.
    pub(crate) has_lazy: bool,
    /// A deliberately injected bug, for proving that the test harness catches a broken
    /// collector (settable only with the `testing` feature).
    pub(crate) fault: Option<Fault>,
}

/// A deliberate collector bug, injected with `Heap::inject_fault` (feature `testing`) to
/// show that the harness in `gclab::testing` catches broken collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// `subtract_refs` skips the first edge it should subtract: the edge's target looks
    /// referenced from outside, so garbage it belongs to is never collected
    /// (a completeness bug).
    SkipSubtractForOneEdge,
    /// `move_unreachable` forgets to mark the first object it reaches only through an
    /// edge: that live object is freed (a safety bug).
    ForgetOneReachable,
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
        Ok(Generational {
            gens: vec![GenList::default(); n + 1],
            thresholds: {
                let mut t = [0; MAX_GENERATIONS];
                t[..n].copy_from_slice(&config.thresholds);
                t
            },
            counts: [0; MAX_GENERATIONS],
            enabled: config.enabled,
            long_lived_total: 0,
            long_lived_pending: 0,
            stats: vec![GenStats::default(); n],
            young_buf: Vec::new(),
            unreachable_buf: Vec::new(),
            has_immutables: false,
            has_lazy: false,
            fault: None,
        })
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
    pub(crate) fn push<T>(
        &mut self,
        objects: &mut SlotMap<ObjId, Object<T>>,
        id: ObjId,
        gen_no: u8,
    ) {
        let index = self.gens[gen_no as usize].push(id);
        let obj = &mut objects[id];
        obj.generation = gen_no;
        obj.set_position(index);
    }

    /// Removes the member at `gens[gen_no]` index `index` in O(1) (amortised), keeping
    /// the order of the others.
    #[inline]
    pub(crate) fn remove_at<T>(
        &mut self,
        objects: &SlotMap<ObjId, Object<T>>,
        gen_no: u8,
        index: u32,
    ) {
        let list = &mut self.gens[gen_no as usize];
        let index = index as usize;
        debug_assert!(
            index < list.ids.len() && !list.ids[index].is_null(),
            "bug: generation {gen_no} has no member at {index}; a header position is stale"
        );
        list.live -= 1;
        if index + 1 == list.ids.len() {
            list.ids.pop();
            while list.ids.last().is_some_and(|id| id.is_null()) {
                list.ids.pop();
            }
        } else {
            list.ids[index] = ObjId::null();
            if list.ids.len() > 2 * list.live + 64 {
                // Compact: tombstones outnumber members.
                list.ids.retain(|id| !id.is_null());
                for (i, &id) in list.ids.iter().enumerate() {
                    objects[id].set_position(i as u32);
                }
            }
        }
    }

    /// Counts a deallocated container object (CPython's `PyObject_GC_Del`).
    #[inline]
    pub(crate) fn count_dealloc(&mut self) {
        self.counts[0] = self.counts[0].saturating_sub(1);
    }
}

impl CycleCollector for Generational {
    /// Appends the object to generation 0.
    #[inline]
    fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        self.push(cx.objects, id, 0);
    }

    /// Removes the object from its generation, keeping the order of the others.
    #[inline]
    fn on_untrack<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        let obj = &cx.objects[id];
        let (generation, position) = (obj.generation, obj.position());
        self.remove_at(cx.objects, generation, position);
        cx.objects[id].generation = UNTRACKED;
    }

    /// Counts a freed container (CPython's `PyObject_GC_Del`).
    #[inline(always)]
    fn on_free(&mut self) {
        self.count_dealloc();
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
        self.counts[0] += 1;
        self.counts[0] > u64::from(self.thresholds[0]) && self.enabled && self.thresholds[0] != 0
    }

    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        heap.collect_generations();
    }

    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        let oldest = heap.gc.generations() - 1;
        heap.run_collection(oldest, |heap| heap.collect_main(oldest))
    }

    fn reserve(&mut self, additional: usize) {
        self.gens[0].reserve(additional);
    }

    fn check<T>(&self, objects: Objects<'_, T>) -> std::result::Result<(), String> {
        let objects = objects.objects;
        let mut tracked = 0;
        for (g, list) in self.gens.iter().enumerate() {
            let mut live = 0;
            for (i, &id) in list.ids.iter().enumerate() {
                if id.is_null() {
                    continue;
                }
                live += 1;
                let Some(o) = objects.get(id) else {
                    return Err(format!("generation {g} lists dead object {id}"));
                };
                if o.generation as usize != g || o.position() as usize != i {
                    return Err(format!(
                        "object {id} is listed at generation {g} position {i} but its header says {} / {}",
                        o.generation,
                        o.position()
                    ));
                }
                tracked += 1;
            }
            if live != list.live {
                return Err(format!(
                    "generation {g} counts {} member(s) but lists {live}",
                    list.live
                ));
            }
        }
        let headers = objects
            .values()
            .filter(|o| o.generation != UNTRACKED && o.generation != COLLECTING)
            .count();
        if headers != tracked {
            return Err(format!(
                "{headers} object(s) are marked tracked but generations list {tracked}"
            ));
        }
        Ok(())
    }
}

impl<T> Heap<T, Generational> {
    /// CPython's `gc_collect_generations`: collect the oldest generation whose count
    /// exceeds its threshold.
    fn collect_generations(&mut self) -> usize {
        let n = self.gc.generations();
        for g in (0..n).rev() {
            if self.gc.counts[g] > u64::from(self.gc.thresholds[g]) {
                // Avoid quadratic behaviour when a program builds a large long-lived
                // structure: every full collection examines everything, so it is only
                // done once the objects promoted into the oldest generation since the
                // last full collection exceed 25% of those that were there. The number
                // of full collections then grows logarithmically with the heap, and
                // their total cost stays linear in the objects allocated (CPython
                // issue 4074, gcmodule.c's long_lived_pending comment).
                if g == n - 1 && n > 1 && self.gc.long_lived_pending < self.gc.long_lived_total / 4
                {
                    continue;
                }
                return self
                    .run_collection(g, |heap| heap.collect_main(g))
                    .collected;
            }
        }
        0
    }

    /// Collects generation `generation` and every younger one (Python's
    /// `gc.collect(generation)`): trial deletion finds the objects referenced only from
    /// inside the examined set, their weak references are cleared, their finalizers run,
    /// and those still unreachable are freed. Survivors move one generation older.
    ///
    /// A collection requested while one runs (from a finalizer, a weak-reference callback
    /// or a collection callback) does nothing and returns a report with `skipped` set and
    /// 0 collected, as CPython's `gc.collect()` returns 0 then.
    ///
    /// # Errors
    /// [`GcError::NoSuchGeneration`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("a");
    /// heap.link(a, a).unwrap(); // a.append(a)
    /// heap.decref(a).unwrap();   // del a: still alive, refcount 1
    /// assert!(heap.contains(a));
    /// let report = heap.collect(0).unwrap();
    /// assert_eq!(report.collected, 1);
    /// assert!(!heap.contains(a));
    /// ```
    pub fn collect(&mut self, generation: usize) -> Result<CollectReport> {
        let n = self.gc.generations();
        if generation >= n {
            return Err(GcError::NoSuchGeneration {
                generation,
                generations: n,
            });
        }
        Ok(self.run_collection(generation, |heap| heap.collect_main(generation)))
    }

    /// Policy bookkeeping after collecting `generation`, as CPython's
    /// `gc_collect_main`: the next older generation's count grows by one, the collected
    /// ones restart from zero.
    pub(crate) fn after_collection_counts(&mut self, generation: usize) {
        if generation + 1 < self.gc.generations() {
            self.gc.counts[generation + 1] += 1;
        }
        for c in &mut self.gc.counts[..=generation] {
            *c = 0;
        }
    }

    /// Long-lived heuristic bookkeeping for survivors of a collection of `generation`:
    /// `promoted` objects moved into the oldest generation, or (for a full collection)
    /// the oldest generation now holds its survivors.
    pub(crate) fn note_long_lived(&mut self, generation: usize, promoted: usize) {
        let n = self.gc.generations();
        if generation + 1 == n {
            self.gc.long_lived_pending = 0;
            self.gc.long_lived_total = self.gc.gens[generation].len();
        } else if generation + 2 == n {
            self.gc.long_lived_pending += promoted;
        }
    }

    // ----------------------------------------------------------------------------------
    // Control, Python's gc module
    // ----------------------------------------------------------------------------------

    /// Turns automatic collection on (`gc.enable()`).
    pub fn enable(&mut self) {
        self.gc.enabled = true;
    }

    /// Turns automatic collection off (`gc.disable()`); explicit collections still work.
    pub fn disable(&mut self) {
        self.gc.enabled = false;
    }

    /// Whether automatic collection is on (`gc.isenabled()`).
    pub fn is_enabled(&self) -> bool {
        self.gc.enabled
    }

    /// The thresholds, one per generation (`gc.get_threshold()`).
    pub fn get_threshold(&self) -> Vec<u32> {
        self.gc.thresholds[..self.gc.generations()].to_vec()
    }

    /// Sets the thresholds (`gc.set_threshold(...)`). As in Python, fewer values than
    /// generations leave the remaining thresholds unchanged. `threshold0 = 0` disables
    /// automatic collection.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] when more values than generations are given, or none.
    pub fn set_threshold(&mut self, thresholds: &[u32]) -> Result<()> {
        if thresholds.is_empty() || thresholds.len() > self.gc.generations() {
            return Err(GcError::InvalidConfig(format!(
                "set_threshold takes 1 to {} value(s), not {}",
                self.gc.generations(),
                thresholds.len()
            )));
        }
        self.gc.thresholds[..thresholds.len()].copy_from_slice(thresholds);
        Ok(())
    }

    /// The collection counts, one per generation (`gc.get_count()`): allocations minus
    /// deallocations of container objects since the last collection, then the number of
    /// younger collections since each generation's last collection.
    pub fn get_count(&self) -> Vec<u64> {
        self.gc.counts[..self.gc.generations()].to_vec()
    }

    /// Number of generations.
    pub fn generations(&self) -> usize {
        self.gc.generations()
    }

    /// The long-lived heuristic's state (CPython's `long_lived_pending` and
    /// `long_lived_total`): a full collection runs only once `pending` exceeds a quarter
    /// of `total`.
    pub fn long_lived(&self) -> LongLived {
        LongLived {
            pending: self.gc.long_lived_pending,
            total: self.gc.long_lived_total,
        }
    }

    /// Tracked objects of one generation, or of all generations (`gc.get_objects()`; the
    /// permanent generation is not included, as in CPython), each generation in its list
    /// order (allocation order, survivors appended as they are promoted).
    ///
    /// # Errors
    /// [`GcError::NoSuchGeneration`].
    pub fn get_objects(&self, generation: Option<usize>) -> Result<Vec<ObjId>> {
        let n = self.gc.generations();
        match generation {
            Some(g) if g >= n => Err(GcError::NoSuchGeneration {
                generation: g,
                generations: n,
            }),
            Some(g) => Ok(self.gc.gens[g].to_vec()),
            None => Ok(self.gc.gens[..n].iter().flat_map(GenList::iter).collect()),
        }
    }

    /// Every object *in a generation* that holds an edge to any of `ids`, each once
    /// (`gc.get_referrers`): as CPython, which searches generations 0 to 2 only, frozen
    /// (permanent) and untracked referrers are not reported. Generation 0 first, each in
    /// its list order. [`referrers`](Heap::referrers) searches the whole heap instead.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc("x");
    /// let l = heap.alloc_with("list", &[x]).unwrap();
    /// let t = heap.alloc_immutable("tuple", &[x]).unwrap();
    /// heap.freeze(); // both referrers move to the permanent generation
    /// assert!(heap.get_referrers(&[x]).unwrap().is_empty());
    /// assert_eq!(heap.referrers(x).unwrap(), vec![l, t]); // whole heap
    /// ```
    pub fn get_referrers(&self, ids: &[ObjId]) -> Result<Vec<ObjId>> {
        for &id in ids {
            self.obj(id)?;
        }
        let n = self.gc.generations();
        Ok(self.gc.gens[..n]
            .iter()
            .flat_map(GenList::iter)
            .filter(|&r| {
                self.objects[r]
                    .edges
                    .as_slice()
                    .iter()
                    .any(|t| ids.contains(t))
            })
            .collect())
    }

    /// Which generation holds the object.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    pub fn generation_of(&self, id: ObjId) -> Result<Generation> {
        let gen_no = self.obj(id)?.generation;
        Ok(match gen_no {
            UNTRACKED => Generation::Untracked,
            COLLECTING => Generation::Collecting,
            g if g == self.gc.permanent() => Generation::Permanent,
            g => Generation::Gen(g as usize),
        })
    }

    /// Moves every tracked object into the permanent generation, which collections ignore,
    /// and zeroes every generation's count (`gc.freeze()`, CPython's `gc_freeze_impl`).
    pub fn freeze(&mut self) {
        let perm = self.gc.permanent();
        let mut moved = Vec::new();
        for g in 0..self.gc.generations() {
            self.gc.gens[g].drain_into(&mut moved);
            self.gc.counts[g] = 0;
        }
        for id in moved {
            self.gc.push(&mut self.objects, id, perm);
        }
    }

    /// Moves the permanent generation back into the oldest generation (`gc.unfreeze()`).
    pub fn unfreeze(&mut self) {
        let perm = self.gc.permanent();
        let oldest = perm - 1;
        let mut moved = Vec::new();
        self.gc.gens[perm as usize].drain_into(&mut moved);
        for id in moved {
            self.gc.push(&mut self.objects, id, oldest);
        }
    }

    /// Objects in the permanent generation (`gc.get_freeze_count()`).
    pub fn get_freeze_count(&self) -> usize {
        self.gc.gens[self.gc.generations()].len()
    }

    /// Per-generation statistics (`gc.get_stats()`).
    pub fn get_stats(&self) -> &[GenStats] {
        &self.gc.stats
    }

    /// Injects a deliberate collector bug (or removes it with `None`), so a test can show
    /// that the harness catches a broken collector.
    #[cfg(feature = "testing")]
    pub fn inject_fault(&mut self, fault: Option<Fault>) {
        self.gc.fault = fault;
    }
}

impl<T, C: CycleCollector> Heap<T, C> {
    /// A full collection (the oldest generation and all younger ones), Python's
    /// `gc.collect()`.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    /// heap.link(a, b).unwrap();
    /// heap.link(b, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.decref(b).unwrap();
    /// assert_eq!(heap.collect_full().collected, 2);
    /// ```
    pub fn collect_full(&mut self) -> CollectReport {
        C::collect_full(self)
    }

    /// Runs one collection, `collect`, inside the collecting window, with the collection
    /// observers called before and after it (CPython's `gc_collect_with_callback` under
    /// `gcstate->collecting`): the observers run inside the window, so a collection they
    /// (or finalizers) request does nothing and returns a `skipped` report. `generation`
    /// is what the observers' start report says (0 for strategies without generations).
    /// A payload panic caught meanwhile is re-raised at the end, when the heap is
    /// consistent. This is how a strategy's [`CycleCollector::collect_full`] and
    /// [`CycleCollector::collect_auto`] run a collection.
    pub fn run_collection(
        &mut self,
        generation: usize,
        collect: impl FnOnce(&mut Self) -> CollectReport,
    ) -> CollectReport {
        if self.collecting {
            return CollectReport {
                generation,
                skipped: true,
                ..CollectReport::default()
            };
        }
        self.collecting = true;
        self.invoke_callbacks(
            Phase::Start,
            &CollectReport {
                generation,
                ..CollectReport::default()
            },
        );
        let report = collect(self);
        self.invoke_callbacks(Phase::Stop, &report);
        self.collecting = false;
        self.raise_deferred_panic();
        report
    }

    fn invoke_callbacks(&mut self, phase: Phase, report: &CollectReport) {
        if self.callbacks.is_empty() {
            return;
        }
        let mut callbacks = std::mem::take(&mut self.callbacks);
        let epoch = self.callbacks_epoch;
        for cb in &mut callbacks {
            let result = match cb {
                Observer::Plain(f) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(phase, report)))
                }
                Observer::WithHeap(f) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        f(self, phase, report)
                    }))
                }
            };
            if let Err(panic) = result {
                self.events.push(GcEvent::CallbackPanicked {
                    message: panic_message(&panic),
                });
            }
            if self.callbacks_epoch != epoch {
                break; // clear_callbacks ran: the rest were removed
            }
        }
        // Callbacks registered meanwhile go after the ones that were there; a
        // `clear_callbacks` meanwhile removed the old ones.
        let added = std::mem::take(&mut self.callbacks);
        if self.callbacks_epoch == epoch {
            callbacks.extend(added);
            self.callbacks = callbacks;
        } else {
            self.callbacks = added;
        }
    }

    /// The edges of all of `ids`, in order and with repetitions (`gc.get_referents`).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    pub fn get_referents(&self, ids: &[ObjId]) -> Result<Vec<ObjId>> {
        let mut out = Vec::new();
        for &id in ids {
            out.extend_from_slice(self.obj(id)?.edges.as_slice());
        }
        Ok(out)
    }

    /// Whether the collector tracks the object (`gc.is_tracked`). Frozen objects are
    /// tracked; atomic objects never are; lazily tracked containers
    /// ([`alloc_lazy`](Heap::alloc_lazy)) only once they hold a container.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    pub fn is_tracked(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.generation != UNTRACKED)
    }

    /// Registers a collection observer (`gc.callbacks.append`); it is called with
    /// [`Phase::Start`] and [`Phase::Stop`] around every collection, automatic or not.
    /// A panic in it is caught and recorded as an event. To reach the heap from the
    /// callback, use [`add_heap_callback`](Heap::add_heap_callback).
    ///
    /// # Examples
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use gclab::{Heap, Phase};
    /// let mut heap: Heap<()> = Heap::new();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let l = log.clone();
    /// heap.add_callback(move |phase, info| l.borrow_mut().push((phase, info.generation)));
    /// heap.collect(1).unwrap();
    /// assert_eq!(*log.borrow(), vec![(Phase::Start, 1), (Phase::Stop, 1)]);
    /// ```
    pub fn add_callback(&mut self, callback: impl FnMut(Phase, &CollectReport) + 'static) {
        self.callbacks.push(Observer::Plain(Box::new(callback)));
    }

    /// Registers a collection observer that gets the heap, as `test_gc`'s callbacks
    /// inspect and clear `gc.garbage`. It runs inside the collection's window, under the
    /// finalizers' rules: it may allocate, link, release, register callbacks and clear
    /// `garbage`; a collection it requests does nothing (`skipped`, 0 collected), as
    /// `gc.collect()` returns 0 inside a callback.
    ///
    /// # Examples
    /// Empty `gc.garbage` in the stop phase (`test_gc.GCCallbackTests`):
    /// ```
    /// use gclab::{Heap, Phase};
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.add_heap_callback(|heap, phase, _| {
    ///     if phase == Phase::Stop {
    ///         heap.clear_garbage();
    ///     }
    /// });
    /// heap.set_debug_saveall(true);
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_full().collected, 1);
    /// assert!(heap.garbage().is_empty()); // the callback cleared it
    /// ```
    pub fn add_heap_callback(
        &mut self,
        callback: impl FnMut(&mut Heap<T, C>, Phase, &CollectReport) + 'static,
    ) {
        self.callbacks.push(Observer::WithHeap(Box::new(callback)));
    }

    /// Removes every collection observer (also from inside one: the rest of that round
    /// is skipped).
    pub fn clear_callbacks(&mut self) {
        self.callbacks.clear();
        self.callbacks_epoch += 1;
    }

    /// Save-all debug mode (`gc.set_debug(gc.DEBUG_SAVEALL)`): unreachable objects go to
    /// [`garbage`](Heap::garbage) instead of being freed.
    pub fn set_debug_saveall(&mut self, on: bool) {
        self.debug_saveall = on;
    }

    /// Whether save-all mode is on.
    pub fn debug_saveall(&self) -> bool {
        self.debug_saveall
    }

    /// Python's `gc.garbage`: objects found unreachable but kept. A collection appends
    /// the unreachable objects that themselves have a legacy finalizer (what they reach
    /// is kept alive and counted uncollectable, but not listed, as CPython's
    /// `handle_legacy_finalizers`), or, in save-all mode, everything it found
    /// unreachable. Each entry holds an external reference.
    pub fn garbage(&self) -> &[ObjId] {
        &self.garbage
    }

    /// Empties `garbage` (`del gc.garbage[:]`), releasing its references; objects only it
    /// kept alive are freed, cycles among them wait for the next collection.
    pub fn clear_garbage(&mut self) {
        for id in std::mem::take(&mut self.garbage) {
            self.unhold(id);
        }
    }

    /// Unraisable events recorded so far (panics in finalizers and callbacks).
    pub fn events(&self) -> &[GcEvent] {
        &self.events
    }

    /// Takes the recorded events, leaving none.
    pub fn take_events(&mut self) -> Vec<GcEvent> {
        std::mem::take(&mut self.events)
    }
}
