//! The shared mechanism every strategy reaches through the seam: a tracked list
//! ([`TrackedList`]), the trial collection of a list
//! ([`Heap::collect_list`](crate::Heap::collect_list)), and, for a strategy that keeps
//! its own lists of slots (as [`Generational`](crate::Generational)'s ordered
//! generations), the two halves of it at slot level:
//! [`Heap::trial_delete_slots`](crate::Heap::trial_delete_slots) (the fused passes,
//! survivors' headers written as they are found) and
//! [`Heap::collect_unreachable_slots`](crate::Heap::collect_unreachable_slots) (the
//! PEP 442 pipeline with its direct free). The slot-level accessors a strategy's own
//! lists need are on [`Cx`](crate::Cx) and [`Objects`](crate::Objects)
//! (`set_slot_header`, `slot`, `id_at`, `slot_header`, `may_untrack_immutable`). The
//! trial-deletion passes ([`trial`]), the PEP 442 pipeline (`pipeline.rs`,
//! [`Heap::collect_unreachable`](crate::Heap::collect_unreachable)) and the mark-alive
//! pre-pass ([`mark_alive`]) are here too, and when-to-collect as values a strategy is
//! built with ([`AllocationTrigger`], [`GenerationalTrigger`], [`RootCountTrigger`],
//! [`IncrementBudget`]).

#[cfg(feature = "testing")]
mod fault;
pub mod mark_alive;
mod pipeline;
mod tracked_list;
pub mod trial;
mod trial_collection;
mod trigger;

pub use tracked_list::TrackedList;
pub use trigger::{
    AllocationTrigger, Allowance, Budget, GC_THRESHOLD_DEFAULT, GC_THRESHOLD_MAX,
    GC_THRESHOLD_STEP, GC_THRESHOLD_TRIGGER, GenerationalTrigger, IncrementBudget, LongLived,
    RootCountTrigger, RootTrigger, SCAN_RATE_DIVISOR,
};
