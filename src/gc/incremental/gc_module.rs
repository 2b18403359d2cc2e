//! The methods of a heap built with [`Incremental`]: one increment on demand
//! (CPython 3.14's `gc.collect(1)`), written against the public seam only.

use super::Incremental;
use crate::{CollectReport, Heap};

impl<T> Heap<T, Incremental> {
    /// Runs one increment now (CPython's `gc_collect_increment`, what
    /// `_PyGC_Collect(tstate, 1, …)` runs): the young generation plus an increment of
    /// the pending half, or, at the start of a scavenge with the mark-alive option, the
    /// marking alone. Reports generation 1; `candidates` counts the objects trial
    /// deletion examined. Does nothing (and reports `skipped`) inside a running
    /// collection.
    ///
    /// # Examples
    /// ```
    /// use gclab::{Heap, Incremental};
    /// let mut heap: Heap<(), Incremental> = Heap::with_collector(Incremental::default());
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_increment().collected, 1); // a young garbage cycle
    /// ```
    pub fn collect_increment(&mut self) -> CollectReport {
        self.run_collection(1, Incremental::increment)
    }
}
