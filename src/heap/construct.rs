//! Construction: an empty heap, with a strategy of the caller's or the default one
//! ([`Generational`] with CPython's configuration).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};

use slotmap::SecondaryMap;

use crate::error::Result;
// The default strategy and its configuration: `Heap::new` builds them (the one heap
// file that names more of the collector than the seam; see `tests/suite/layering.rs`).
use crate::gc::{CycleCollector, GcConfig, Generational};
use crate::store::Store;
use crate::weak::WeakTable;

use super::identity::FRESH_ID_BASE;
use super::{Heap, HeapCounters, ReleaseState};

/// Tags heaps, so a [`WeakRef`](crate::WeakRef) from another heap is recognised.
static NEXT_HEAP_TAG: AtomicU32 = AtomicU32::new(1);

impl<T, C: CycleCollector> Heap<T, C> {
    /// An empty heap whose cycles are collected by `collector` (any
    /// [`CycleCollector`]; [`Heap::new`] uses [`Generational`]).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::{GcConfig, Generational};
    /// let strategy = Generational::new(GcConfig::with_thresholds(vec![100, 5])).unwrap();
    /// let heap: Heap<()> = Heap::with_collector(strategy);
    /// assert_eq!(heap.get_threshold(), vec![100, 5]);
    /// // A strategy of your own: see the example in `gclab::gc::strategy`.
    /// ```
    pub fn with_collector(collector: C) -> Self {
        Heap {
            objects: Store::new(),
            vars: BTreeMap::new(),
            held: HashMap::new(),
            gc: collector,
            collecting: false,
            examined: None,
            debug_saveall: false,
            legacy_ever: false,
            garbage: Vec::new(),
            finalizers: SecondaryMap::new(),
            legacy: HashMap::new(),
            callbacks: Vec::new(),
            callbacks_epoch: 0,
            rel: ReleaseState::default(),
            tag: NEXT_HEAP_TAG.fetch_add(1, Ordering::Relaxed),
            weak: WeakTable::default(),
            identities: SecondaryMap::new(),
            by_identity: HashMap::new(),
            native_claims: 0,
            next_fresh_identity: FRESH_ID_BASE,
            events: Vec::new(),
            counters: HeapCounters::default(),
        }
    }
}

impl<T> Default for Heap<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Heap<T> {
    /// An empty heap with CPython's defaults: 3 generations, thresholds (2000, 10, 10),
    /// automatic collection enabled.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert!(heap.is_empty());
    /// assert_eq!(heap.get_threshold(), vec![2000, 10, 10]);
    /// ```
    pub fn new() -> Self {
        Self::with_config(GcConfig::default()).expect("bug: the default configuration is valid")
    }

    /// An empty heap with the given collector configuration.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`](crate::GcError::InvalidConfig) when the configuration is unusable (no generations,
    /// more than [`MAX_GENERATIONS`](crate::MAX_GENERATIONS), or a threshold list of the
    /// wrong length).
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcConfig, Heap};
    /// let heap: Heap<()> = Heap::with_config(GcConfig { generations: 2, thresholds: vec![100, 5], enabled: true }).unwrap();
    /// assert_eq!(heap.generations(), 2);
    /// ```
    pub fn with_config(config: GcConfig) -> Result<Self> {
        Ok(Heap::with_collector(Generational::new(config)?))
    }
}
