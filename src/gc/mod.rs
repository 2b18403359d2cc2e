//! The cycle collector: generation policy, statistics, and the public `gc`-module surface.
//!
//! Policy lives here (which generation to collect and when, thresholds, promotion, the
//! long-lived heuristic, freezing); mechanism lives in [`trial`] (the trial-deletion
//! phases) and [`collect`] (the ordered sequence of one collection, finalizers and weak
//! references included).

pub mod collect;
pub mod trial;

mod finalize;

use std::any::Any;
use std::time::Duration;

use slotmap::SlotMap;

use crate::error::{GcError, Result};
use crate::heap::Heap;
use crate::object::{COLLECTING, MAX_GENERATIONS, ObjId, Object, UNTRACKED};

pub use collect::Phase;
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
    /// Number of generations (1 to [`MAX_GENERATIONS`]). CPython has 3.
    pub generations: usize,
    /// One threshold per generation: `thresholds[0]` is the allocation surplus that
    /// triggers a young collection (0 disables automatic collection), `thresholds[i]` the
    /// number of generation-`i-1` collections that triggers a generation-`i` collection.
    pub thresholds: Vec<u32>,
    /// Whether automatic collection starts enabled.
    pub enabled: bool,
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
    /// Objects resurrected by finalizers (they survive, in the oldest generation).
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

/// The collector's state, owned by the heap.
pub(crate) struct Collector {
    /// Member lists: `gens[0..n]` are the generations, `gens[n]` the permanent one. An
    /// object `o` with `o.generation == g` sits at `gens[g][o.gen_index]` (outside the
    /// trial-deletion phases of a collection).
    pub(crate) gens: Vec<Vec<ObjId>>,
    /// One per generation, see [`GcConfig::thresholds`] (entries past the last
    /// generation are unused). Arrays rather than `Vec`s: `thresholds[0]` and `counts[0]`
    /// are read on every allocation and free, without a pointer chase or bounds check.
    thresholds: [u32; MAX_GENERATIONS],
    /// `counts[0]`: tracked allocations minus deallocations since the last collection
    /// (never below 0); `counts[i]`: collections of generation `i-1` since the last
    /// collection of generation `i`.
    counts: [u64; MAX_GENERATIONS],
    enabled: bool,
    /// Set while a collection runs; a nested request does nothing.
    pub(crate) collecting: bool,
    /// Objects in the oldest generation after the last full collection.
    long_lived_total: usize,
    /// Objects promoted into the oldest generation since the last full collection.
    long_lived_pending: usize,
    pub(crate) stats: Vec<GenStats>,
    pub(crate) callbacks: Vec<Callback>,
    /// Python's `DEBUG_SAVEALL`.
    pub(crate) debug_saveall: bool,
    /// Python's `gc.garbage`: each entry holds an external reference.
    pub(crate) garbage: Vec<ObjId>,
    /// The marking worklist, kept between collections so its memory is reused.
    pub(crate) mark_stack: Vec<ObjId>,
    /// Set once an immutable object was allocated: from then on every collection looks
    /// for immutables to untrack among its survivors.
    pub(crate) has_immutables: bool,
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

impl Collector {
    pub(crate) fn new(config: GcConfig) -> Result<Self> {
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
        Ok(Collector {
            gens: vec![Vec::new(); n + 1],
            thresholds: {
                let mut t = [0; MAX_GENERATIONS];
                t[..n].copy_from_slice(&config.thresholds);
                t
            },
            counts: [0; MAX_GENERATIONS],
            enabled: config.enabled,
            collecting: false,
            long_lived_total: 0,
            long_lived_pending: 0,
            stats: vec![GenStats::default(); n],
            callbacks: Vec::new(),
            debug_saveall: false,
            garbage: Vec::new(),
            mark_stack: Vec::new(),
            has_immutables: false,
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
        self.gens.iter().map(Vec::len).collect()
    }

    /// Appends `id` to generation `gen_no`, recording its position in its header.
    #[inline]
    pub(crate) fn push<T>(
        &mut self,
        objects: &mut SlotMap<ObjId, Object<T>>,
        id: ObjId,
        gen_no: u8,
    ) {
        let list = &mut self.gens[gen_no as usize];
        let obj = &mut objects[id];
        obj.generation = gen_no;
        obj.gen_index.set(list.len() as u32);
        list.push(id);
    }

    /// Removes the member at `gens[gen_no][index]` in O(1): the last member takes its place.
    #[inline]
    pub(crate) fn remove_at<T>(
        &mut self,
        objects: &mut SlotMap<ObjId, Object<T>>,
        gen_no: u8,
        index: u32,
    ) {
        let list = &mut self.gens[gen_no as usize];
        list.swap_remove(index as usize);
        if let Some(&moved) = list.get(index as usize) {
            objects[moved].gen_index.set(index);
        }
    }

    /// Bookkeeping for a freed tracked object (already out of the slot map).
    #[inline]
    pub(crate) fn on_dealloc<T>(
        &mut self,
        objects: &mut SlotMap<ObjId, Object<T>>,
        gen_no: u8,
        index: u32,
    ) {
        // Objects in a collection's working list are tracked there, not in a generation;
        // the collector skips the dead ones.
        if gen_no != COLLECTING {
            self.remove_at(objects, gen_no, index);
        }
        self.counts[0] = self.counts[0].saturating_sub(1);
    }

    pub(crate) fn verify<T>(
        &self,
        objects: &SlotMap<ObjId, Object<T>>,
    ) -> std::result::Result<(), String> {
        let mut tracked = 0;
        for (g, list) in self.gens.iter().enumerate() {
            for (i, &id) in list.iter().enumerate() {
                let Some(o) = objects.get(id) else {
                    return Err(format!("generation {g} lists dead object {id}"));
                };
                if o.generation as usize != g || o.gen_index.get() as usize != i {
                    return Err(format!(
                        "object {id} is listed at generation {g} position {i} but its header says {} / {}",
                        o.generation,
                        o.gen_index.get()
                    ));
                }
                tracked += 1;
            }
        }
        let headers = objects
            .values()
            .filter(|o| o.generation != UNTRACKED)
            .count();
        if headers != tracked {
            return Err(format!(
                "{headers} object(s) are marked tracked but generations list {tracked}"
            ));
        }
        for &id in &self.garbage {
            if !objects.contains_key(id) {
                return Err(format!("garbage lists dead object {id}"));
            }
        }
        Ok(())
    }
}

impl<T> Heap<T> {
    /// Counts a newly allocated container (already in the youngest generation), and runs
    /// an automatic collection if the allocation surplus exceeds threshold 0.
    #[inline]
    pub(crate) fn track_new(&mut self) {
        self.gc.counts[0] += 1;
        let gc = &self.gc;
        if gc.counts[0] > u64::from(gc.thresholds[0])
            && gc.enabled
            && gc.thresholds[0] != 0
            && !gc.collecting
        {
            self.collect_generations();
        }
    }

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
                return self.collect_with_callbacks(g).collected;
            }
        }
        0
    }

    /// Collects generation `generation` and every younger one (Python's
    /// `gc.collect(generation)`): trial deletion finds the objects referenced only from
    /// inside the examined set, their weak references are cleared, their finalizers run,
    /// and those still unreachable are freed. Survivors move one generation older.
    ///
    /// A collection requested while one runs (from a finalizer or callback) does nothing
    /// and returns a report with `skipped` set and 0 collected.
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
        Ok(self.collect_with_callbacks(generation))
    }

    /// A full collection (the oldest generation and all younger ones), Python's
    /// `gc.collect()`.
    pub fn collect_full(&mut self) -> CollectReport {
        let oldest = self.gc.generations() - 1;
        self.collect_with_callbacks(oldest)
    }

    fn collect_with_callbacks(&mut self, generation: usize) -> CollectReport {
        if self.gc.collecting {
            return CollectReport {
                generation,
                skipped: true,
                ..CollectReport::default()
            };
        }
        self.invoke_callbacks(
            Phase::Start,
            &CollectReport {
                generation,
                ..CollectReport::default()
            },
        );
        let report = self.collect_main(generation);
        self.invoke_callbacks(Phase::Stop, &report);
        report
    }

    fn invoke_callbacks(&mut self, phase: Phase, report: &CollectReport) {
        if self.gc.callbacks.is_empty() {
            return;
        }
        let mut callbacks = std::mem::take(&mut self.gc.callbacks);
        for cb in &mut callbacks {
            if let Err(panic) =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(phase, report)))
            {
                self.events.push(GcEvent::CallbackPanicked {
                    message: panic_message(&panic),
                });
            }
        }
        // Callbacks cannot reach the heap, so none was added meanwhile.
        self.gc.callbacks = callbacks;
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
    /// the oldest generation now holds `oldest_size` objects.
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
    /// deallocations of tracked objects since the last collection, then the number of
    /// younger collections since each generation's last collection.
    pub fn get_count(&self) -> Vec<u64> {
        self.gc.counts[..self.gc.generations()].to_vec()
    }

    /// Number of generations.
    pub fn generations(&self) -> usize {
        self.gc.generations()
    }

    /// Long-lived heuristic state: objects promoted into the oldest generation since the
    /// last full collection (`long_lived_pending`), and the oldest generation's size after
    /// it (`long_lived_total`).
    pub fn long_lived(&self) -> (usize, usize) {
        (self.gc.long_lived_pending, self.gc.long_lived_total)
    }

    /// Tracked objects of one generation, or of all generations (`gc.get_objects()`; the
    /// permanent generation is not included, as in CPython).
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
            Some(g) => Ok(self.gc.gens[g].clone()),
            None => Ok(self.gc.gens[..n].concat()),
        }
    }

    /// Every object that holds an edge to any of `ids`, each once, in slot order
    /// (`gc.get_referrers`). A scan of the heap.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    pub fn get_referrers(&self, ids: &[ObjId]) -> Result<Vec<ObjId>> {
        for &id in ids {
            self.obj(id)?;
        }
        Ok(self
            .objects
            .iter()
            .filter(|(_, o)| o.edges.as_slice().iter().any(|t| ids.contains(t)))
            .map(|(r, _)| r)
            .collect())
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
    /// tracked.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    pub fn is_tracked(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.generation != UNTRACKED)
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

    /// Moves every tracked object into the permanent generation, which collections ignore
    /// (`gc.freeze()`).
    pub fn freeze(&mut self) {
        let perm = self.gc.permanent();
        for g in 0..self.gc.generations() {
            for id in std::mem::take(&mut self.gc.gens[g]) {
                self.gc.push(&mut self.objects, id, perm);
            }
        }
    }

    /// Moves the permanent generation back into the oldest generation (`gc.unfreeze()`).
    pub fn unfreeze(&mut self) {
        let perm = self.gc.permanent();
        let oldest = perm - 1;
        for id in std::mem::take(&mut self.gc.gens[perm as usize]) {
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

    /// Registers a collection observer (`gc.callbacks.append`); it is called with
    /// [`Phase::Start`] and [`Phase::Stop`] around every collection, automatic or not.
    /// A panic in it is caught and recorded as an event.
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
        self.gc.callbacks.push(Box::new(callback));
    }

    /// Removes every collection observer.
    pub fn clear_callbacks(&mut self) {
        self.gc.callbacks.clear();
    }

    /// Save-all debug mode (`gc.set_debug(gc.DEBUG_SAVEALL)`): unreachable objects go to
    /// [`garbage`](Heap::garbage) instead of being freed.
    pub fn set_debug_saveall(&mut self, on: bool) {
        self.gc.debug_saveall = on;
    }

    /// Whether save-all mode is on.
    pub fn debug_saveall(&self) -> bool {
        self.gc.debug_saveall
    }

    /// Python's `gc.garbage`: objects found unreachable but kept, in save-all mode or
    /// because a legacy finalizer made them uncollectable. Each entry holds an external
    /// reference.
    pub fn garbage(&self) -> &[ObjId] {
        &self.gc.garbage
    }

    /// Empties `garbage` (`del gc.garbage[:]`), releasing its references; objects only it
    /// kept alive are freed, cycles among them wait for the next collection.
    pub fn clear_garbage(&mut self) {
        for id in std::mem::take(&mut self.gc.garbage) {
            self.unhold(id);
        }
    }

    /// Injects a deliberate collector bug (or removes it with `None`), so a test can show
    /// that the harness catches a broken collector.
    #[cfg(feature = "testing")]
    pub fn inject_fault(&mut self, fault: Option<Fault>) {
        self.gc.fault = fault;
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
