//! gclab: Python's memory model, made executable and measurable.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod gc;
pub mod graph;
mod heap;
mod object;
pub mod snapshot;
#[cfg(feature = "testing")]
pub mod testing;
mod weak;
pub mod workloads;

pub use error::{GcError, Result};
pub use gc::collect::CollectionStep;
pub use gc::{
    Callback, CollectReport, Fault, GcConfig, GcEvent, GenStats, Generation, Phase, TrialEntry,
    TrialView,
};
pub use heap::{Finalizer, Heap, HeapCounters};
pub use object::{MAX_GENERATIONS, MAX_REFCOUNT, ObjId};
pub use weak::{WeakCallback, WeakRef};
