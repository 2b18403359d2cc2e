//! Cycle collection: the strategy seam, the shared mechanism, one folder per strategy,
//! and the registry.
//!
//! The seam and its vocabulary:
//! - [`strategy`]: the trait a strategy implements, [`CycleCollector`];
//! - `cx.rs`: the contexts strategies work on, [`Cx`] and [`Objects`] (the object store
//!   alone, not the heap), by id and, for a strategy's own lists of slots, by slot;
//! - [`collect`]: the names of a collection's steps ([`collect::CollectionStep`]) and
//!   their times;
//! - [`registry`]: [`StrategyKind`], what a strategy declares to be reachable by name
//!   (`--strategy`, `gclab-strategies`, the harness; the table itself is
//!   [`strategies`](crate::strategies)'s `strategies!` list).
//!
//! The shared mechanism, `mechanism/`, which every strategy reaches through public entry
//! points only: [`trial`] (the trial-deletion passes, [`trial::find_unreachable`]),
//! `pipeline.rs` (the PEP 442 steps over an unreachable set,
//! [`Heap::collect_unreachable`](crate::Heap::collect_unreachable)), [`mark_alive`] (the
//! mark-alive pre-pass), [`TrackedList`] and the trial collection of a list
//! ([`Heap::collect_list`](crate::Heap::collect_list)) or of a strategy's own slots
//! ([`Heap::trial_delete_slots`](crate::Heap::trial_delete_slots) and
//! [`Heap::collect_unreachable_slots`](crate::Heap::collect_unreachable_slots)), and
//! the deliberate faults of the test harness (feature `testing`).
//!
//! One folder per strategy, each written against the seam alone (`tests/suite/layering.rs`
//! checks that no file of a strategy folder names a crate-private item of the heap):
//! - `generational/`: the default strategy [`Generational`] (CPython 3.13's
//!   generations, thresholds, promotion, the long-lived heuristic) and its Python
//!   `gc`-module surface (`gc_module.rs`);
//! - `full_only/`: [`FullOnly`], one list and a full trial deletion each time;
//! - [`incremental`]: [`Incremental`], CPython 3.14's incremental collector;
//! - [`bacon_rajan`]: [`BaconRajan`], Bacon & Rajan's synchronous cycle collection over
//!   a buffer of possible roots, with PHP's adaptive threshold.
//!
//! The vocabulary: a *callback phase* is [`Phase`] (start/stop of a collection, for
//! observers); a *step* is a [`collect::CollectionStep`] of one collection; a *pass* is
//! one of trial deletion's three linear passes over the examined set.

pub mod bacon_rajan;
pub mod collect;
mod cx;
mod full_only;
mod generational;
pub mod incremental;
pub mod mechanism;
pub mod registry;
pub mod strategy;

pub use mechanism::{mark_alive, trial};

use std::any::Any;
use std::time::Duration;

use crate::object::ObjId;

pub use bacon_rajan::{BaconRajan, BaconRajanKind, BaconRajanStats, RootTrigger};
#[cfg(feature = "testing")]
pub use collect::Fault;
pub use collect::{Phase, StepTimes};
pub use cx::{Cx, Objects, Pass};
pub use full_only::{FullOnly, FullOnlyKind};
pub use generational::{
    GcConfig, GenStats, Generation, Generational, GenerationalKind, MarkAliveKind,
};
pub use incremental::{Incremental, IncrementalConfig, IncrementalKind, IncrementalStats};
pub use mechanism::{
    AllocationTrigger, Allowance, Budget, GenerationalTrigger, IncrementBudget, LongLived,
    RootCountTrigger, TrackedList,
};
pub use registry::StrategyKind;
pub use strategy::{AllocKind, CycleCollector};
pub use trial::{TrialEntry, TrialView};

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
    /// Where that time went, step by step.
    pub steps: StepTimes,
    /// Set when the request was ignored because a collection was already running.
    pub skipped: bool,
}

/// Something a finalizer or callback did that could not be raised to anyone: CPython
/// reports these through `sys.unraisablehook`; gclab records them (see
/// [`Heap::events`](crate::Heap::events)).
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
