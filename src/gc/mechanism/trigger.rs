//! When to collect, as values a strategy is built with (dumpster's collect condition is
//! the model: the condition is data handed to the collector, not code inside it). A
//! strategy holds one, forwards its allocation and free hooks to it, asks it whether a
//! collection is due, and tells it when one ran:
//! - [`AllocationTrigger`]: CPython's allocation surplus (generation 0's `count` and
//!   `threshold`, CPython 3.14's `young.count`), with threshold 0 (or disabled) meaning
//!   "only when asked" ([`AllocationTrigger::manual`]);
//! - [`GenerationalTrigger`]: CPython's generations (one count and threshold per
//!   generation), the long-lived rule ([`LongLived`]) and `gc.enable`/`gc.disable`;
//! - [`RootCountTrigger`]: a count of buffered possible roots, fixed or PHP's adaptive
//!   threshold ([`RootTrigger`]);
//! - [`IncrementBudget`]: how much an increment of an incremental collector examines
//!   ([`Budget`]: CPython 3.14's `assess_work_to_do`, or a fixed size).
//!
//! The increment budget is here rather than in `incremental/` because it is the same kind
//! of value: data and arithmetic over counts the strategy hands it (the allocation
//! surplus, the heap's size, the work done), with no access to the heap or the lists, so
//! any strategy that collects in increments can be built with one.

use crate::MAX_GENERATIONS;
use crate::error::{GcError, Result};

/// CPython's allocation-surplus trigger: container allocations minus container
/// deallocations since the last collection (never below 0, as `gcstate->young.count`),
/// against a threshold. An allocation that brings the surplus above the threshold asks
/// for a collection; a threshold of 0, or a disabled trigger, never asks (only explicit
/// collections run).
///
/// A strategy holds one and forwards its [`CycleCollector::on_alloc`] and
/// [`CycleCollector::on_free`] to it, and calls [`reset`](AllocationTrigger::reset)
/// when it collects ([`FullOnly`](crate::gc::FullOnly) and
/// [`Incremental`](crate::Incremental) do; `tests/suite/strategy.rs` has a strategy of its own
/// built on it).
///
/// [`CycleCollector::on_alloc`]: crate::CycleCollector::on_alloc
/// [`CycleCollector::on_free`]: crate::CycleCollector::on_free
///
/// # Examples
/// ```
/// use gclab::gc::AllocationTrigger;
/// let mut every_third = AllocationTrigger::new(2);
/// assert!(!every_third.on_alloc() && !every_third.on_alloc());
/// assert!(every_third.on_alloc()); // surplus 3 > 2
/// every_third.reset();
/// every_third.on_free(); // never below 0
/// assert_eq!(every_third.count(), 0);
/// let mut manual = AllocationTrigger::manual();
/// assert!((0..10_000).all(|_| !manual.on_alloc()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocationTrigger {
    /// The surplus an allocation must exceed to ask for a collection: `threshold` when
    /// enabled and not 0, otherwise `u64::MAX` (never exceeded), so that
    /// [`on_alloc`](AllocationTrigger::on_alloc) is one add and one compare.
    limit: u64,
    threshold: u32,
    enabled: bool,
    count: u64,
}

impl Default for AllocationTrigger {
    /// [`AllocationTrigger::manual`].
    fn default() -> Self {
        AllocationTrigger::manual()
    }
}

impl AllocationTrigger {
    /// Collect when the surplus exceeds `threshold` (0: only when asked), enabled.
    pub fn new(threshold: u32) -> AllocationTrigger {
        AllocationTrigger {
            limit: limit(threshold, true),
            threshold,
            enabled: true,
            count: 0,
        }
    }

    /// Never collect automatically.
    pub fn manual() -> AllocationTrigger {
        AllocationTrigger::new(0)
    }

    /// The threshold (0: only when asked).
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Changes the threshold (the surplus counted so far stays).
    pub fn set_threshold(&mut self, threshold: u32) {
        self.threshold = threshold;
        self.limit = limit(threshold, self.enabled);
    }

    /// Whether automatic collection is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Turns automatic collection on or off (the surplus is still counted).
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        self.limit = limit(self.threshold, on);
    }

    /// The surplus since the last [`reset`](AllocationTrigger::reset).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Counts a container allocation; returns whether a collection is due.
    #[inline(always)]
    pub fn on_alloc(&mut self) -> bool {
        self.count += 1;
        self.count > self.limit
    }

    /// Counts a container deallocation.
    #[inline(always)]
    pub fn on_free(&mut self) {
        self.count = self.count.saturating_sub(1);
    }

    /// A collection ran: the surplus restarts from 0.
    #[inline]
    pub fn reset(&mut self) {
        self.count = 0;
    }
}

/// The surplus an allocation must exceed to ask for a collection: `threshold`, or never
/// (`u64::MAX`) when it is 0 or automatic collection is off.
#[inline]
fn limit(threshold: u32, enabled: bool) -> u64 {
    if enabled && threshold != 0 {
        u64::from(threshold)
    } else {
        u64::MAX
    }
}

/// PHP's initial collection threshold (`GC_THRESHOLD_DEFAULT` in `zend_gc.c`), in
/// buffer slots: slot 0 is reserved (`GC_FIRST_ROOT`), so the buffer is full at 10,000
/// roots.
pub const GC_THRESHOLD_DEFAULT: usize = 10_001;
/// PHP's threshold step (`GC_THRESHOLD_STEP`).
pub const GC_THRESHOLD_STEP: usize = 10_000;
/// PHP's largest threshold (`GC_THRESHOLD_MAX`).
pub const GC_THRESHOLD_MAX: usize = 1_000_000_000;
/// PHP's productivity test (`GC_THRESHOLD_TRIGGER`): an automatic collection that frees
/// fewer objects than this makes the threshold grow.
pub const GC_THRESHOLD_TRIGGER: usize = 100;

/// When [`BaconRajan`](crate::BaconRajan) collects on its own (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootTrigger {
    /// Never automatically: only [`Heap::collect_full`](crate::Heap::collect_full) collects.
    Manual,
    /// Collect when the buffer holds this many possible roots (0 behaves as 1).
    Fixed(usize),
    /// PHP's adaptive threshold (`zend_gc.c`'s `gc_adjust_threshold`): start at
    /// [`GC_THRESHOLD_DEFAULT`], grow by [`GC_THRESHOLD_STEP`] after an unproductive
    /// automatic collection, shrink back after a productive one.
    Adaptive,
}

/// When a strategy that buffers possible roots collects on its own: a [`RootTrigger`]
/// and, under [`RootTrigger::Adaptive`], PHP's current threshold (`zend_gc.c`'s
/// `gc_threshold`, adjusted by `gc_adjust_threshold` after each automatic collection).
/// [`BaconRajan`](crate::BaconRajan) is built with one.
///
/// # Examples
/// ```
/// use gclab::gc::{RootCountTrigger, RootTrigger};
/// let fixed = RootCountTrigger::new(RootTrigger::Fixed(3));
/// assert!(!fixed.due(2) && fixed.due(3));
/// let mut php = RootCountTrigger::new(RootTrigger::Adaptive);
/// assert_eq!(php.limit(), Some(10_000)); // GC_THRESHOLD_DEFAULT minus the reserved slot
/// php.after_automatic(5); // unproductive (fewer than GC_THRESHOLD_TRIGGER freed): grow
/// assert_eq!(php.limit(), Some(20_000));
/// php.after_automatic(500); // productive: shrink back
/// assert_eq!(php.limit(), Some(10_000));
/// assert!(!RootCountTrigger::new(RootTrigger::Manual).due(usize::MAX));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootCountTrigger {
    trigger: RootTrigger,
    /// For [`RootTrigger::Adaptive`]: PHP's `gc_threshold` (buffer slots, slot 0
    /// reserved). Unused otherwise.
    threshold: usize,
}

impl RootCountTrigger {
    /// The trigger `trigger`, an adaptive one starting at [`GC_THRESHOLD_DEFAULT`].
    pub fn new(trigger: RootTrigger) -> RootCountTrigger {
        RootCountTrigger {
            trigger,
            threshold: GC_THRESHOLD_DEFAULT,
        }
    }

    /// The policy.
    pub fn trigger(&self) -> RootTrigger {
        self.trigger
    }

    /// Changes the policy (switching to [`RootTrigger::Adaptive`] restarts at
    /// [`GC_THRESHOLD_DEFAULT`]).
    pub fn set_trigger(&mut self, trigger: RootTrigger) {
        if trigger == RootTrigger::Adaptive && self.trigger != RootTrigger::Adaptive {
            self.threshold = GC_THRESHOLD_DEFAULT;
        }
        self.trigger = trigger;
    }

    /// How many buffered roots make a collection due, or `None` under
    /// [`RootTrigger::Manual`]. Under [`RootTrigger::Adaptive`] PHP's threshold minus its
    /// reserved slot (10,000 at first).
    pub fn limit(&self) -> Option<usize> {
        match self.trigger {
            RootTrigger::Manual => None,
            RootTrigger::Fixed(n) => Some(n.max(1)),
            RootTrigger::Adaptive => Some(self.threshold - 1),
        }
    }

    /// PHP's `gc_threshold` (buffer slots, including the reserved slot 0), meaningful
    /// under [`RootTrigger::Adaptive`].
    pub fn adaptive_threshold(&self) -> usize {
        self.threshold
    }

    /// Whether a collection is due with `buffered` roots in the buffer.
    #[inline]
    pub fn due(&self, buffered: usize) -> bool {
        self.limit().is_some_and(|limit| buffered >= limit)
    }

    /// An automatic collection freed `collected` objects: under
    /// [`RootTrigger::Adaptive`], PHP's `gc_adjust_threshold(count)` (grow by a step
    /// after an unproductive collection, up to [`GC_THRESHOLD_MAX`]; shrink by a step
    /// after a productive one, not below [`GC_THRESHOLD_DEFAULT`]). Explicit collections
    /// do not adjust it (PHP's `gc_collect_cycles()` does not either).
    pub fn after_automatic(&mut self, collected: usize) {
        if self.trigger != RootTrigger::Adaptive {
            return;
        }
        if collected < GC_THRESHOLD_TRIGGER {
            self.threshold = (self.threshold + GC_THRESHOLD_STEP).min(GC_THRESHOLD_MAX);
        } else if self.threshold > GC_THRESHOLD_DEFAULT {
            self.threshold = (self.threshold - GC_THRESHOLD_STEP).max(GC_THRESHOLD_DEFAULT);
        }
    }
}

/// The long-lived rule's state (CPython's `long_lived_pending` and `long_lived_total`;
/// see [`GenerationalTrigger`] and [`Heap::long_lived`](crate::Heap::long_lived)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LongLived {
    /// Objects promoted into the oldest generation since the last full collection
    /// (CPython's `long_lived_pending`).
    pub pending: usize,
    /// Objects in the oldest generation after the last full collection (CPython's
    /// `long_lived_total`).
    pub total: usize,
}

/// CPython's generational trigger (CPython 3.13's `Python/gc.c`, `gcstate->generations`
/// and `gc_collect_generations`): one count and one threshold per generation, the
/// long-lived rule, and whether automatic collection is on.
///
/// - `count(0)` is the allocation surplus: container allocations minus container
///   deallocations since the last collection, never below 0
///   ([`on_alloc`](GenerationalTrigger::on_alloc), [`on_free`](GenerationalTrigger::on_free));
///   an allocation that brings it above `threshold(0)` asks for an automatic collection
///   (threshold 0, or a disabled trigger, never asks).
/// - `count(g)` for `g > 0` is the number of collections of generation `g - 1` since
///   the last collection of generation `g`
///   ([`after_collection`](GenerationalTrigger::after_collection)).
/// - [`due`](GenerationalTrigger::due) names the generation to collect: the oldest whose
///   count exceeds its threshold, except that the oldest generation of several is only
///   collected once the objects promoted into it since the last full collection reach
///   a quarter of those it held after it (the long-lived rule, CPython issue 4074; the note
///   "about the counting of long-lived objects" in CPython's
///   `Include/internal/pycore_gc.h`). The strategy reports promotions with
///   [`note_long_lived`](GenerationalTrigger::note_long_lived).
///
/// [`Generational`](crate::Generational) is built with one (from a
/// [`GcConfig`](crate::GcConfig), or [`Generational::with_trigger`](crate::Generational::with_trigger)),
/// and its `gc`-module surface (`get_threshold`, `set_threshold`, `get_count`, `enable`,
/// `disable`, `isenabled`) reads and writes it.
///
/// # Examples
/// ```
/// use gclab::gc::GenerationalTrigger;
/// let mut t = GenerationalTrigger::new(&[3, 2]).unwrap();
/// assert!(!(0..3).any(|_| t.on_alloc())); // surplus 3, not above 3
/// assert!(t.on_alloc() && t.due() == Some(0));
/// t.after_collection(0); // a young collection: count 0 restarts, count 1 grows
/// assert_eq!(t.counts(), &[0, 1]);
/// t.after_collection(0);
/// t.after_collection(0);
/// // Generation 1 is due by its count, and the long-lived rule allows it: nothing
/// // was long-lived after the last full collection (0 promoted >= 0 / 4).
/// assert_eq!(t.due(), Some(1));
/// t.note_long_lived(1, 0, 400); // a full collection left 400 objects in the oldest
/// t.after_collection(0);
/// t.after_collection(0);
/// t.after_collection(0);
/// t.note_long_lived(0, 99, 0); // 99 promoted into the oldest: fewer than 400 / 4
/// assert_eq!(t.due(), None);
/// t.note_long_lived(0, 1, 0); // 100 promoted: a full collection is worth it now
/// assert_eq!(t.due(), Some(1));
/// t.set_enabled(false); // gc.disable(): allocations count but never ask
/// assert!(!(0..100).any(|_| t.on_alloc()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationalTrigger {
    /// What `counts[0]` must exceed for an allocation to ask for a collection:
    /// `thresholds[0]` when enabled and not 0, otherwise `u64::MAX` (never exceeded), so
    /// that [`on_alloc`](GenerationalTrigger::on_alloc) is one add and one compare.
    limit: u64,
    /// One per generation (entries past the last generation stay 0). Arrays rather than
    /// `Vec`s: `counts[0]` is written on every allocation and free without a pointer
    /// chase or bounds check.
    counts: [u64; MAX_GENERATIONS],
    /// One per generation, see [`GcConfig::thresholds`](crate::GcConfig::thresholds).
    thresholds: [u32; MAX_GENERATIONS],
    generations: usize,
    enabled: bool,
    long_lived: LongLived,
}

impl Default for GenerationalTrigger {
    /// CPython 3.13's: thresholds (2000, 10, 10), enabled.
    fn default() -> Self {
        GenerationalTrigger::new(&[2000, 10, 10])
            .expect("bug: CPython's default thresholds are valid")
    }
}

impl GenerationalTrigger {
    /// One generation per threshold, enabled, every count 0.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] unless there are 1 to [`MAX_GENERATIONS`] thresholds.
    pub fn new(thresholds: &[u32]) -> Result<GenerationalTrigger> {
        let n = thresholds.len();
        if n == 0 || n > MAX_GENERATIONS {
            return Err(GcError::InvalidConfig(format!(
                "generations must be between 1 and {MAX_GENERATIONS}, not {n}"
            )));
        }
        let mut t = [0; MAX_GENERATIONS];
        t[..n].copy_from_slice(thresholds);
        Ok(GenerationalTrigger {
            limit: limit(t[0], true),
            counts: [0; MAX_GENERATIONS],
            thresholds: t,
            generations: n,
            enabled: true,
            long_lived: LongLived::default(),
        })
    }

    /// The number of generations.
    #[inline]
    pub fn generations(&self) -> usize {
        self.generations
    }

    /// The thresholds, one per generation (`gc.get_threshold()`).
    pub fn thresholds(&self) -> &[u32] {
        &self.thresholds[..self.generations]
    }

    /// Sets the first `thresholds.len()` thresholds, leaving the others
    /// (`gc.set_threshold(...)`: fewer values than generations keep the rest). The
    /// counts stay.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] when more values than generations are given, or none.
    pub fn set_thresholds(&mut self, thresholds: &[u32]) -> Result<()> {
        if thresholds.is_empty() || thresholds.len() > self.generations {
            return Err(GcError::InvalidConfig(format!(
                "set_threshold takes 1 to {} value(s), not {}",
                self.generations,
                thresholds.len()
            )));
        }
        self.thresholds[..thresholds.len()].copy_from_slice(thresholds);
        self.limit = limit(self.thresholds[0], self.enabled);
        Ok(())
    }

    /// The counts, one per generation (`gc.get_count()`).
    pub fn counts(&self) -> &[u64] {
        &self.counts[..self.generations]
    }

    /// Whether automatic collection is on (`gc.isenabled()`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Turns automatic collection on or off (`gc.enable()`, `gc.disable()`); the counts
    /// are still kept.
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
        self.limit = limit(self.thresholds[0], on);
    }

    /// The long-lived rule's state.
    pub fn long_lived(&self) -> LongLived {
        self.long_lived
    }

    /// Counts a container allocation (tracked or not, as CPython counts every GC-capable
    /// allocation); returns whether the surplus now exceeds threshold 0 with automatic
    /// collection on (then [`due`](GenerationalTrigger::due) says which generation).
    #[inline(always)]
    pub fn on_alloc(&mut self) -> bool {
        self.counts[0] += 1;
        self.counts[0] > self.limit
    }

    /// Counts a container deallocation (CPython's `PyObject_GC_Del`), never below 0.
    #[inline(always)]
    pub fn on_free(&mut self) {
        self.counts[0] = self.counts[0].saturating_sub(1);
    }

    /// CPython's `gc_collect_generations` decision: the oldest generation whose count
    /// exceeds its threshold, unless that is the oldest one (of several) and the
    /// long-lived rule says a full collection is not worth it yet; `None` when none is
    /// due. It does not look at [`enabled`](GenerationalTrigger::enabled): an automatic
    /// collection was already asked for by [`on_alloc`](GenerationalTrigger::on_alloc).
    pub fn due(&self) -> Option<usize> {
        let n = self.generations;
        for g in (0..n).rev() {
            if self.counts[g] > u64::from(self.thresholds[g]) {
                // Avoid quadratic behaviour when a program builds a large long-lived
                // structure: every full collection examines everything, so it is only
                // done once the objects promoted into the oldest generation since the
                // last full collection reach 25% of those that were there. The number
                // of full collections then grows logarithmically with the heap, and
                // their total cost stays linear in the objects allocated (CPython
                // issue 4074).
                if g == n - 1 && n > 1 && self.long_lived.pending < self.long_lived.total / 4 {
                    continue;
                }
                return Some(g);
            }
        }
        None
    }

    /// A collection of `generation` (and every younger one) started, as CPython's
    /// `gc_collect_main` counts it: the next older generation's count grows by one, the
    /// collected ones restart from 0.
    pub fn after_collection(&mut self, generation: usize) {
        if generation + 1 < self.generations {
            self.counts[generation + 1] += 1;
        }
        let last = generation.min(self.generations - 1);
        for c in &mut self.counts[..=last] {
            *c = 0;
        }
    }

    /// The long-lived rule's bookkeeping after a collection of `generation`: a full
    /// collection (of the oldest) left `oldest_len` objects in the oldest generation
    /// (CPython's `long_lived_total`, and `long_lived_pending` restarts from 0); a
    /// collection of the generation just younger promoted `promoted` objects into it
    /// (`long_lived_pending` grows). Other collections change nothing.
    pub fn note_long_lived(&mut self, generation: usize, promoted: usize, oldest_len: usize) {
        let n = self.generations;
        if generation + 1 == n {
            self.long_lived.pending = 0;
            self.long_lived.total = oldest_len;
        } else if generation + 2 == n {
            self.long_lived.pending += promoted;
        }
    }

    /// Zeroes every count (`gc.freeze()`, CPython's `gc_freeze_impl`).
    pub fn clear_counts(&mut self) {
        self.counts = [0; MAX_GENERATIONS];
    }
}

/// CPython's `SCAN_RATE_DIVISOR`: with the default scale factor of 10 an increment
/// scans 1% of the heap (up to twice the new objects).
pub const SCAN_RATE_DIVISOR: usize = 10;

/// How much of the old space an increment examines (see [`IncrementBudget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// CPython 3.14's `assess_work_to_do`: each increment adds `new + min(heap /
    /// SCAN_RATE_DIVISOR / scale_factor, 2 × new)` to the accumulated work, where `new`
    /// is the allocation surplus since the last increment and `heap` the number of
    /// tracked objects; the increment (young objects included) grows while it is
    /// smaller than the work, and its size is then subtracted. While the work is
    /// negative (after a mark-alive increment marked much) increments are skipped.
    Cpython {
        /// CPython's `gcstate->old[0].threshold` (10 by default; below 2 counts as 2).
        scale_factor: u32,
    },
    /// Each increment takes pending objects as seeds while fewer than this many old
    /// objects (seeds and their expansion) are in it; the young objects do not count.
    Fixed(usize),
}

impl Default for Budget {
    /// CPython's: `Budget::Cpython { scale_factor: 10 }`.
    fn default() -> Self {
        Budget::Cpython { scale_factor: 10 }
    }
}

/// How large an increment may grow, as [`IncrementBudget::assess`] grants it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// The increment takes more objects while its size is below this.
    pub limit: usize,
    /// Whether the young objects count towards the size (and the size is then spent
    /// with [`IncrementBudget::spend`]): true under [`Budget::Cpython`].
    pub counts_young: bool,
}

/// The work budget of an incremental collector: a [`Budget`] and, under
/// [`Budget::Cpython`], the accumulated work (CPython 3.14's `gcstate->work_to_do`).
/// [`Incremental`](crate::Incremental) is built with one (and an [`AllocationTrigger`]
/// that says when an increment runs).
///
/// # Examples
/// ```
/// use gclab::gc::{Allowance, Budget, IncrementBudget};
/// let mut cpython = IncrementBudget::new(Budget::Cpython { scale_factor: 10 });
/// // 2000 new objects in a heap of 100,000: 2000 + min(100_000 / 10 / 10, 4000).
/// let a = cpython.assess(2000, 100_000).unwrap();
/// assert_eq!(a, Allowance { limit: 3000, counts_young: true });
/// cpython.spend(3100); // the increment grew a little past its limit
/// assert_eq!(cpython.work_to_do(), -100);
/// assert_eq!(cpython.assess(0, 100_000), None); // still in debt: skipped
/// let mut fixed = IncrementBudget::new(Budget::Fixed(500));
/// assert_eq!(fixed.assess(2000, 100_000), Some(Allowance { limit: 500, counts_young: false }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IncrementBudget {
    budget: Budget,
    work_to_do: i64,
}

impl IncrementBudget {
    /// The budget `budget`, no work accumulated.
    pub fn new(budget: Budget) -> IncrementBudget {
        IncrementBudget {
            budget,
            work_to_do: 0,
        }
    }

    /// The policy.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Changes the policy (the accumulated work stays).
    pub fn set_budget(&mut self, budget: Budget) {
        self.budget = budget;
    }

    /// The accumulated work (CPython's `work_to_do`; only [`Budget::Cpython`] reads it).
    pub fn work_to_do(&self) -> i64 {
        self.work_to_do
    }

    /// `assess_work_to_do` at the start of an increment, with `new_objects` the
    /// allocation surplus since the last one and `heap_size` the tracked objects: under
    /// [`Budget::Cpython`] the work grows by `new + min(heap / SCAN_RATE_DIVISOR /
    /// scale_factor, 2 × new)`. Returns how large the increment may grow, or `None`
    /// when it is skipped (the accumulated work is negative).
    pub fn assess(&mut self, new_objects: usize, heap_size: usize) -> Option<Allowance> {
        match self.budget {
            Budget::Fixed(n) => Some(Allowance {
                limit: n,
                counts_young: false,
            }),
            Budget::Cpython { scale_factor } => {
                let scale = scale_factor.max(2) as usize;
                let heap_fraction = (heap_size / SCAN_RATE_DIVISOR / scale).min(new_objects * 2);
                self.work_to_do += (new_objects + heap_fraction) as i64;
                usize::try_from(self.work_to_do)
                    .ok()
                    .map(|limit| Allowance {
                        limit,
                        counts_young: true,
                    })
            }
        }
    }

    /// Work done: `objects` examined by an increment, or marked alive by the mark-alive
    /// pre-pass (CPython subtracts both from `work_to_do`).
    pub fn spend(&mut self, objects: usize) {
        self.work_to_do -= objects as i64;
    }

    /// A scavenge completed: the accumulated work restarts from 0.
    pub fn restart(&mut self) {
        self.work_to_do = 0;
    }
}
