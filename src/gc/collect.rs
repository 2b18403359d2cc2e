//! One collection, step by step (CPython 3.12/3.13's `gc_collect_main`): the names of
//! its steps, and the time each took ([`StepTimes`], recorded in every
//! [`CollectReport`](crate::CollectReport)).

use std::time::{Duration, Instant};

/// When a collection observer is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Before the collection; the report holds only the generation.
    Start,
    /// After the collection, with its full report.
    Stop,
}

/// The steps of one collection of generation `g`, in the order they run (CPython 3.11–3.13's
/// `gc_collect_main`).
///
/// Steps 2–4 are trial deletion proper ([`crate::gc::trial`]); 6–10 are PEP 442's safe
/// object finalization, in CPython's order. Steps after 4 only see the unreachable set,
/// so a collection that finds no garbage costs steps 1–5. User code (weak-reference
/// callbacks, finalizers, and the release cascades of step 10) runs from step 7 on; it
/// may allocate (into generation 0, which the collection no longer touches), release,
/// and request collections (which do nothing while this one runs).
///
/// Every collection records how long each step took in its report
/// ([`CollectReport::steps`](crate::CollectReport::steps), a [`StepTimes`]): the
/// pipeline's steps for every strategy, the first five for [`Generational`](crate::Generational).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollectionStep {
    /// Take generation `g`'s list, then generations `0, 1, … g-1` appended in that order
    /// (CPython's `gc_list_merge` loop): the examined ("young") set. The generation lists
    /// are left empty; headers are rewritten when survivors are promoted.
    MergeGenerations,
    /// Copy each refcount into the scratch count (`gc_refs`). [`Generational`] runs this
    /// step and the next in one pass over the set (a count is initialised on first
    /// touch); the result is the same.
    ///
    /// [`Generational`]: crate::Generational
    UpdateRefs,
    /// Subtract every reference that comes from inside the set.
    SubtractRefs,
    /// Scan the set in order: what has a positive count, and what it reaches, is
    /// reachable; the rest is unreachable, in scan order (CPython's list algorithm).
    MoveUnreachable,
    /// Untrack immutable objects none of whose referents may be tracked (in list order,
    /// CPython's `untrack_tuples`), in a full collection also lazily tracked containers
    /// (`untrack_dicts`); append the survivors to generation `g + 1` (the oldest stays
    /// put); update the long-lived heuristic.
    PromoteSurvivors,
    /// Set aside unreachable objects with a legacy finalizer, and all they reach: they are
    /// uncollectable, and move to generation `g + 1`.
    MoveLegacyFinalizers,
    /// Clear weak references to unreachable objects (and those held by them); then call
    /// the callbacks of cleared references that are themselves reachable, most recent
    /// first per object, each holding a temporary reference to its owner. An owner freed
    /// when it is given back counts as collected.
    HandleWeakrefs,
    /// Run the finalizers of unreachable objects that have not been finalized, in list
    /// order, each holding a temporary reference to its object (CPython's
    /// `finalize_garbage`; "garbage" in gclab names only the `gc.garbage` list).
    FinalizeUnreachable,
    /// Trial deletion again over the unreachable set: whatever user code made reachable
    /// survives, and moves to generation `g + 1` (the oldest stays put).
    HandleResurrected,
    /// Clear the edges of what is still unreachable, one object at a time holding a
    /// temporary reference, so the refcount cascade frees it (or, in save-all mode,
    /// append it to `garbage`). What is still alive afterwards moves to generation `g + 1`
    /// (CPython's `delete_garbage`).
    DeleteUnreachable,
    /// Append the set-aside objects that themselves have a legacy finalizer to `garbage`
    /// (every set-aside object in save-all mode).
    HandleLegacyFinalizers,
}

impl CollectionStep {
    /// Every step, in order.
    pub const ALL: [CollectionStep; 11] = [
        CollectionStep::MergeGenerations,
        CollectionStep::UpdateRefs,
        CollectionStep::SubtractRefs,
        CollectionStep::MoveUnreachable,
        CollectionStep::PromoteSurvivors,
        CollectionStep::MoveLegacyFinalizers,
        CollectionStep::HandleWeakrefs,
        CollectionStep::FinalizeUnreachable,
        CollectionStep::HandleResurrected,
        CollectionStep::DeleteUnreachable,
        CollectionStep::HandleLegacyFinalizers,
    ];

    /// The step's position in [`CollectionStep::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The step's name, as in the docs (`"SubtractRefs"`).
    pub fn name(self) -> &'static str {
        match self {
            CollectionStep::MergeGenerations => "MergeGenerations",
            CollectionStep::UpdateRefs => "UpdateRefs",
            CollectionStep::SubtractRefs => "SubtractRefs",
            CollectionStep::MoveUnreachable => "MoveUnreachable",
            CollectionStep::PromoteSurvivors => "PromoteSurvivors",
            CollectionStep::MoveLegacyFinalizers => "MoveLegacyFinalizers",
            CollectionStep::HandleWeakrefs => "HandleWeakrefs",
            CollectionStep::FinalizeUnreachable => "FinalizeUnreachable",
            CollectionStep::HandleResurrected => "HandleResurrected",
            CollectionStep::DeleteUnreachable => "DeleteUnreachable",
            CollectionStep::HandleLegacyFinalizers => "HandleLegacyFinalizers",
        }
    }
}

/// The wall time each [`CollectionStep`] of one collection took: where a pause goes.
/// Every collection records the pipeline's steps (`MoveLegacyFinalizers` on, shared by
/// every strategy); [`Generational`](crate::Generational) records the first five too. A
/// strategy records its own steps with [`StepTimes::add`] or a [`StepClock`]; steps it
/// does not have stay zero. The times include the user code (finalizers, callbacks)
/// that runs inside a step.
///
/// # Examples
/// ```
/// use gclab::{CollectionStep, Heap};
/// let mut heap: Heap<()> = Heap::new();
/// for _ in 0..1000 {
///     let a = heap.alloc(());
///     heap.link(a, a).unwrap();
///     heap.decref(a).unwrap();
/// }
/// let report = heap.collect_full();
/// assert_eq!(report.collected, 1000);
/// let total: std::time::Duration = report.steps.iter().map(|(_, d)| d).sum();
/// assert!(total <= report.duration);
/// assert!(report.steps.get(CollectionStep::DeleteUnreachable) > std::time::Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct StepTimes([Duration; 11]);

impl StepTimes {
    /// The time `step` took (zero if it did not run).
    pub fn get(&self, step: CollectionStep) -> Duration {
        self.0[step.index()]
    }

    /// Adds `time` to `step`.
    pub fn add(&mut self, step: CollectionStep, time: Duration) {
        self.0[step.index()] += time;
    }

    /// Every step with its time, in order.
    pub fn iter(&self) -> impl Iterator<Item = (CollectionStep, Duration)> + '_ {
        CollectionStep::ALL.iter().map(|&s| (s, self.get(s)))
    }
}

/// A stopwatch for recording consecutive steps: each [`lap`](StepClock::lap) charges the
/// time since the previous lap (or since the clock started) to a step.
///
/// # Examples
/// ```
/// use gclab::{CollectionStep, StepTimes};
/// use gclab::gc::collect::StepClock;
/// let mut times = StepTimes::default();
/// let mut clock = StepClock::start();
/// clock.lap(&mut times, CollectionStep::UpdateRefs);
/// clock.lap(&mut times, CollectionStep::SubtractRefs);
/// assert_eq!(times.get(CollectionStep::MergeGenerations), std::time::Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StepClock(Instant);

impl StepClock {
    /// A clock started now.
    #[inline]
    pub fn start() -> StepClock {
        StepClock(Instant::now())
    }

    /// Charges the time since the last lap to `step` and starts the next lap.
    #[inline]
    pub fn lap(&mut self, times: &mut StepTimes, step: CollectionStep) {
        let now = Instant::now();
        times.add(step, now - self.0);
        self.0 = now;
    }
}

#[cfg(feature = "testing")]
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
