//! When to collect, as values a strategy is built with (dumpster's collect condition is
//! the model: the condition is data handed to the collector, not code inside it).
//! [`AllocationTrigger`] is CPython's allocation surplus (generation 0's `count` and
//! `threshold`, CPython 3.14's `young.count`), with threshold 0 (or disabled) meaning
//! "only when asked"; [`RootCountTrigger`] is a count of buffered possible roots, fixed
//! or PHP's adaptive threshold ([`RootTrigger`]).

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
    }

    /// Whether automatic collection is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Turns automatic collection on or off (the surplus is still counted).
    pub fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }

    /// The surplus since the last [`reset`](AllocationTrigger::reset).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Counts a container allocation; returns whether a collection is due.
    #[inline(always)]
    pub fn on_alloc(&mut self) -> bool {
        self.count += 1;
        self.enabled && self.threshold != 0 && self.count > u64::from(self.threshold)
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
