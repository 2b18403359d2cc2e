//! When to collect, as values a strategy is built with (dumpster's collect condition is
//! the model: the condition is data handed to the collector, not code inside it).
//! [`AllocationTrigger`] is CPython's allocation surplus (generation 0's `count` and
//! `threshold`, CPython 3.14's `young.count`), with threshold 0 (or disabled) meaning
//! "only when asked".

/// CPython's allocation-surplus trigger: container allocations minus container
/// deallocations since the last collection (never below 0, as `gcstate->young.count`),
/// against a threshold. An allocation that brings the surplus above the threshold asks
/// for a collection; a threshold of 0, or a disabled trigger, never asks (only explicit
/// collections run).
///
/// A strategy holds one and forwards its [`CycleCollector::on_alloc`] and
/// [`CycleCollector::on_free`] to it, and calls [`reset`](AllocationTrigger::reset)
/// when it collects ([`FullOnly`](crate::gc::FullOnly) and
/// [`Incremental`](crate::Incremental) do; `tests/strategy.rs` has a strategy of its own
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
