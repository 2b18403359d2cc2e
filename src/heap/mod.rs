//! The heap: objects, edges, reference counts, names, and immediate reclamation.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};

use slotmap::SecondaryMap;

#[cfg(doc)]
use crate::gc::CycleCollector;
use crate::gc::{Callback, CollectReport, GcEvent, Generational, Phase};
use crate::object::ObjId;
use crate::store::Store;
use crate::weak::{WeakRef, WeakTable};

// The heap's rooms, one `impl Heap` each, declared in reading order: rustdoc lists
// `Heap`'s methods in declaration order (a blank line between them keeps rustfmt from
// sorting them).

// Construction: `with_collector`, `new`, `with_config`, `Default`.
mod construct;

// The collector's side: the strategy, examined sets, the collecting window, tracking.
mod collector;

// Allocation of every kind of object.
mod alloc;

// Edges and the one edge write.
mod edges;

// External references (`incref`/`decref`), held references and names.
mod names;

// Reading: counts, payloads, kinds, referrers, counters.
mod inspect;

// Identities (`id()`), native or assigned.
mod identity;

// Finalizers and legacy finalizers.
mod finalize;

// Weak references.
mod weakref;

// Release: the refcount cascade, the trashcan, deallocation.
mod release;

// The consistency check.
mod verify;

/// How deeply deallocations may nest (a finalizer or weak-reference callback releasing an
/// object whose deallocation runs user code that releases another, …) before further
/// deallocations are deferred to the outermost one: CPython's trashcan
/// (`_PyTrash_UNWIND_LEVEL`, 50). Below it, a release inside user code frees at once,
/// as in CPython; beyond it, the object waits (refcount 0) until the outermost
/// deallocation has finished, so a chain of 10^6 finalizers that each release the next
/// object runs in bounded stack.
pub const TRASHCAN_DEPTH: u32 = 50;

/// The release path's state: the worklist shared by every cascade, the trashcan, and
/// what `verify` needs to know about deallocations under way.
#[derive(Default)]
pub(crate) struct ReleaseState {
    /// Objects whose count reached zero and that wait for deallocation. Each running
    /// cascade owns the entries above the length it found on entry (a stack of frames).
    pending: Vec<ObjId>,
    /// Running cascades (nested through user code).
    depth: u32,
    /// Deallocations deferred by the trashcan; the outermost cascade runs them.
    deferred: Vec<ObjId>,
    /// Objects whose deallocation has started (refcount 0, not resurrected) and whose
    /// weak-reference callbacks or legacy finalizer are running.
    dying: Vec<ObjId>,
    /// Objects holding a temporary reference the heap took while user code runs on them
    /// (a finalizer on its object, a weak-reference callback on its owner), as CPython's
    /// `Py_INCREF` around those calls. Counted by `verify`.
    pub(crate) temp_refs: Vec<ObjId>,
    /// The first panic of a payload's `Drop`, re-raised once the heap is consistent.
    panic: Option<Box<dyn Any + Send>>,
    /// Running release batches ([`Heap::release_batch`]): an operation that releases
    /// several references; its cascades leave a payload's panic for the batch's end,
    /// so an unwinding release never strands the references after it.
    batch: u32,
}

/// A collection observer that also gets the heap (as Python's `gc.callbacks` functions
/// reach `gc.garbage` through the `gc` module): see [`Heap::add_heap_callback`].
pub type HeapCallback<T, C = Generational> = Box<dyn FnMut(&mut Heap<T, C>, Phase, &CollectReport)>;

/// A registered observer, of either kind.
pub(crate) enum Observer<T, C> {
    Plain(Callback),
    WithHeap(HeapCallback<T, C>),
}

/// A finalizer: runs once, with the heap and the dying object's id (PEP 442 `__del__`).
pub type Finalizer<T, C = Generational> = Box<dyn FnMut(&mut Heap<T, C>, ObjId)>;

/// A weak-reference callback: runs once, after the target died and the reference was
/// cleared, with the heap and the (now dead) weak reference.
pub type WeakCallback<T, C = Generational> = Box<dyn FnMut(&mut Heap<T, C>, WeakRef)>;

/// Counters kept by the heap since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapCounters {
    /// Objects allocated (all kinds).
    pub allocations: u64,
    /// Objects freed because their reference count reached zero. This includes the
    /// objects of a garbage cycle the collector broke (the collector only clears edges;
    /// the refcount cascade frees).
    pub frees_by_refcount: u64,
    /// Finalizers run (on refcount death or in a collection).
    pub finalizers_run: u64,
    /// Objects a finalizer brought back to life.
    pub resurrections: u64,
}

/// A heap of objects with payloads of type `T`, Python style, whose reference cycles are
/// collected by the strategy `C` (by default [`Generational`], CPython's collector; see
/// [`CycleCollector`]).
///
/// Every object has an ordered list of references to other objects (its *edges*, owned by
/// the heap), a reference count, and a count of *external* references (held by the
/// program, by variables, or by the `garbage` list). When the reference count reaches zero
/// the object is freed at once, and so is everything only it kept alive. Reference cycles
/// are reclaimed by the generational trial-deletion collector ([`Heap::collect`]).
///
/// # Examples
///
/// The seed walkthrough: names refer to objects, and `b = a` adds a reference.
///
/// ```
/// use gclab::Heap;
///
/// let mut heap: Heap<&str> = Heap::new();
/// let list = heap.alloc("list");        // `[10, 20]`: one reference, held by us
/// heap.set_var("a", list).unwrap();      // a = [10, 20]
/// heap.decref(list).unwrap();            // the temporary goes away; `a` holds it
/// assert_eq!(heap.refcount(list).unwrap(), 1);
/// heap.set_var("b", list).unwrap();      // b = a
/// assert_eq!(heap.refcount(list).unwrap(), 2);
/// heap.del_var("b").unwrap();            // del b
/// assert_eq!(heap.refcount(list).unwrap(), 1);
/// heap.del_var("a").unwrap();            // del a: freed at once
/// assert!(!heap.contains(list));
/// ```
pub struct Heap<T, C = Generational> {
    /// Every live object. A key is valid exactly while its object is alive.
    pub(crate) objects: Store<T>,
    /// Variables: name → object. Each binding holds one external reference.
    vars: BTreeMap<String, ObjId>,
    /// External references held by the heap itself (variables and the `garbage` list),
    /// per object. `decref` may only release references beyond these. Objects absent from
    /// the map hold none.
    pub(crate) held: HashMap<ObjId, u32>,
    /// The collection strategy's state (for [`Generational`]: generations, thresholds,
    /// statistics).
    pub(crate) gc: C,
    /// Set while a collection runs (its callbacks included); a nested request does nothing.
    pub(crate) collecting: bool,
    /// The examined sets strategies noted ([`Heap::note_examined`]) since the last
    /// [`Heap::take_examined`]; `None` while recording is off (the default).
    examined: Option<Vec<ObjId>>,
    /// Python's `DEBUG_SAVEALL`.
    pub(crate) debug_saveall: bool,
    /// Set once an object was flagged with a legacy finalizer (never cleared): from
    /// then on a collection keeps its unreachable set in scan order.
    pub(crate) legacy_ever: bool,
    /// Python's `gc.garbage`: each entry holds an external reference.
    pub(crate) garbage: Vec<ObjId>,
    /// Registered, not yet run finalizers. An entry exists iff the object has the
    /// `HAS_FINALIZER` flag (except while the finalizer itself runs).
    /// Indexed by slot, so registering and running one hashes nothing.
    pub(crate) finalizers: SecondaryMap<ObjId, Finalizer<T, C>>,
    /// Legacy-finalizer code (`tp_del`). An entry exists iff the object has the
    /// `HAS_LEGACY_CODE` flag (except while the code itself runs).
    pub(crate) legacy: HashMap<ObjId, Finalizer<T, C>>,
    /// Collection observers (`gc.callbacks`).
    pub(crate) callbacks: Vec<Observer<T, C>>,
    /// Bumped by `clear_callbacks`, so a round of callbacks notices it.
    pub(crate) callbacks_epoch: u64,
    /// The release path's worklist and bookkeeping.
    pub(crate) rel: ReleaseState,
    /// This heap's tag, carried by its weak references.
    pub(crate) tag: u32,
    /// Weak references and their callbacks.
    pub(crate) weak: WeakTable<WeakCallback<T, C>>,
    /// Assigned identities (snapshot imports), indexed by slot like the objects
    /// themselves, so freeing an object drops its entry without hashing. An entry exists
    /// iff the object has the `HAS_IDENTITY` flag.
    identities: SecondaryMap<ObjId, u64>,
    /// The inverse of `identities`, cleaned lazily: freeing an object leaves its entry
    /// here, and a lookup only trusts an entry that `identities` confirms (a dead key
    /// fails the store's version check). Stale entries are purged when they outnumber the
    /// live ones, so the map stays within twice the assigned identities.
    by_identity: HashMap<u64, ObjId>,
    /// How many live objects have an assigned identity in the native range (`2^48 + 16
    /// × slot`, a slot's own native identity): while there is one, a new object whose
    /// native identity is taken gets a fresh one instead ([`Heap::avoid_claimed_identity`]),
    /// so no two live objects ever share an `id()`.
    native_claims: usize,
    /// The next fresh identity to try (above every native identity).
    next_fresh_identity: u64,
    /// Unraisable events: panics caught in finalizers and callbacks.
    pub(crate) events: Vec<GcEvent>,
    /// The counters, but for `allocations` and `frees_by_refcount`, which stay 0 here:
    /// [`counters`](Heap::counters) reads them from the store.
    pub(crate) counters: HeapCounters,
}

impl<T, C: std::fmt::Debug> std::fmt::Debug for Heap<T, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap")
            .field("objects", &self.objects.len())
            .field("vars", &self.vars)
            .field("collector", &self.gc)
            .finish_non_exhaustive()
    }
}
