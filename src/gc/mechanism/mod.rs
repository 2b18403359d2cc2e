//! The shared mechanism every strategy reaches through the seam: a tracked list
//! ([`TrackedList`]) and the trial collection of a list
//! ([`Heap::collect_list`](crate::Heap::collect_list)), on the same fused, slot-level
//! passes and direct free as the default strategy's collections.

mod tracked_list;
mod trial_collection;

pub use tracked_list::TrackedList;
