//! Cycle collection: the strategy seam, the shared mechanism, and the default strategy.
//!
//! One room per concern:
//! - [`strategy`]: the seam, [`CycleCollector`];
//! - `cx.rs`: the contexts strategies work on, [`Cx`] and [`Objects`] (the object store
//!   alone, not the heap);
//! - [`trial`]: mechanism, the three trial-deletion passes (`update_refs`,
//!   `subtract_refs`, `move_unreachable`) and [`trial::find_unreachable`] for any
//!   strategy;
//! - `pipeline.rs`: mechanism, the PEP 442 steps over an unreachable set, shared by every
//!   strategy ([`Heap::collect_unreachable`](crate::Heap::collect_unreachable));
//! - [`mechanism`]: the tracked-list building block ([`TrackedList`]) and the trial
//!   collection of a list ([`Heap::collect_list`](crate::Heap::collect_list)): the fused
//!   slot-level passes and the direct free, shared by every list-keeping strategy;
//! - `generational.rs`: policy, the default strategy [`Generational`] (generations,
//!   thresholds, promotion, the long-lived heuristic);
//! - [`collect`]: [`Generational`]'s collection step by step ([`collect::CollectionStep`]);
//! - [`incremental`]: policy, the strategy [`Incremental`] (CPython 3.14's incremental
//!   collector: a young generation and an increment of the old space per collection);
//! - [`mark_alive`]: mechanism, the mark-alive pre-pass (what the roots reach leaves the
//!   examined set), for any strategy;
//! - `gc_module.rs`: the Python `gc`-module surface (`gc.collect`, thresholds, counts,
//!   `freeze`, `get_objects`, callbacks, `garbage`);
//! - [`bacon_rajan`]: the strategy [`BaconRajan`], Bacon & Rajan's synchronous cycle
//!   collection over a buffer of possible roots, with PHP's adaptive threshold;
//!
//! The vocabulary: a *callback phase* is [`Phase`] (start/stop of a collection, for
//! observers); a *step* is a [`collect::CollectionStep`] of one collection; a *pass* is
//! one of trial deletion's three linear passes over the examined set.

pub mod bacon_rajan;
pub mod collect;
mod cx;
mod full_only;
pub mod incremental;
pub mod mark_alive;
pub mod mechanism;
pub mod strategy;
pub mod trial;

mod gc_module;
mod generational;
mod pipeline;

use std::any::Any;
use std::time::Duration;

use crate::object::ObjId;

pub use bacon_rajan::{BaconRajan, BaconRajanStats, RootTrigger};
#[cfg(feature = "testing")]
pub use collect::Fault;
pub use collect::{Phase, StepTimes};
pub use cx::{Cx, Objects};
pub use full_only::FullOnly;
pub use generational::{GcConfig, GenStats, Generation, Generational, LongLived};
pub use incremental::{Budget, Incremental, IncrementalConfig, IncrementalStats};
pub use mechanism::TrackedList;
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
