//! The heap: objects, edges, reference counts, names, and immediate reclamation.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

use slotmap::{Key, SecondaryMap};

use crate::error::{GcError, Result, VerifyError};
use crate::gc::{
    AllocKind, Callback, CollectReport, Cx, CycleCollector, GcEvent, Generational, Objects, Phase,
};
use crate::object::{COLLECTING, Edges, MAX_REFCOUNT, ObjId, Object, UNTRACKED, flags};
use crate::store::{EdgeIds, Entry, Store, make_id, slot_of};
use crate::weak::WeakTable;

mod finalize;
mod weakref;

pub use weakref::WeakCallback;

/// How deeply deallocations may nest (a finalizer or weak-reference callback releasing an
/// object whose deallocation runs user code that releases another, …) before further
/// deallocations are deferred to the outermost one: CPython's trashcan
/// (`_PyTrash_UNWIND_LEVEL`, 50). Below it, a release inside user code frees at once,
/// as in CPython; beyond it, the object waits (refcount 0) until the outermost
/// deallocation has finished, so a chain of 10^6 finalizers that each release the next
/// object runs in bounded stack.
pub const TRASHCAN_DEPTH: u32 = 50;

/// The base of native identities (see [`Heap::id`]): above every user-space address of
/// a 64-bit CPython process (below 2^47), so native identities never collide with the
/// CPython identities a snapshot import assigns.
const NATIVE_ID_BASE: u64 = 1 << 48;
/// The spacing of native identities: CPython's objects are 16-byte aligned.
const NATIVE_ID_STRIDE: u64 = 16;
/// Where the identities given to objects whose native identity another object claimed
/// start: past the native identity of every possible slot (`2^32` of them).
const FRESH_ID_BASE: u64 = NATIVE_ID_BASE + NATIVE_ID_STRIDE * (1 << 32);

/// Tags heaps, so a [`WeakRef`](crate::WeakRef) from another heap is recognised.
static NEXT_HEAP_TAG: AtomicU32 = AtomicU32::new(1);

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

    /// The collection strategy (read-only).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// let _strategy: &gclab::Generational = heap.collector();
    /// ```
    pub fn collector(&self) -> &C {
        &self.gc
    }

    /// The collection strategy, mutably (e.g. to change a policy knob).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _strategy: &mut gclab::Generational = heap.collector_mut();
    /// ```
    pub fn collector_mut(&mut self) -> &mut C {
        &mut self.gc
    }

    /// The strategy and a context on the objects, borrowed together: what a strategy's
    /// collection needs between steps that run user code.
    ///
    /// # Examples
    /// The minimal strategy in [`gc::strategy`](crate::gc::strategy) (a runnable example)
    /// uses it for its whole collection.
    pub fn collector_parts(&mut self) -> (&mut C, Cx<'_, T>) {
        (&mut self.gc, Cx::new(&mut self.objects))
    }

    /// The objects, read-only, as strategies see them.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _x = heap.alloc(());
    /// let _objects = heap.objects_view(); // what a strategy's `check` gets
    /// ```
    pub fn objects_view(&self) -> Objects<'_, T> {
        Objects::new(&self.objects)
    }

    /// Turns the recording of examined sets on or off (off by default; turning it off
    /// drops what was recorded). While it is on, every collection's strategy notes the
    /// objects it examines, in the order it examines them ([`Heap::note_examined`]), and
    /// [`Heap::take_examined`] hands them out: this is how the harness
    /// (`gclab::testing`) checks any strategy's collections
    /// without knowing its lists.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (a, b) = (heap.alloc(()), heap.alloc(()));
    /// heap.record_examined(true);
    /// heap.collect_full();
    /// assert_eq!(heap.take_examined(), vec![a, b]); // generation 2 was empty; then 0
    /// assert!(heap.take_examined().is_empty());
    /// ```
    pub fn record_examined(&mut self, on: bool) {
        self.examined = on.then(Vec::new);
    }

    /// Notes that the running collection examines `ids`, in this order (trial deletion,
    /// or the strategy's own scan, runs over exactly these objects). Every strategy calls
    /// it once per collection, before the scan, with the whole set; it does nothing while
    /// recording is off ([`Heap::record_examined`]).
    ///
    /// # Examples
    /// The minimal strategy in [`gc::strategy`](crate::gc::strategy) (a runnable example)
    /// notes its set.
    #[inline]
    pub fn note_examined(&mut self, ids: &[ObjId]) {
        if let Some(log) = &mut self.examined {
            log.extend_from_slice(ids);
        }
    }

    /// Whether no user code can run on a collection's unreachable set and nothing can
    /// observe its order: no finalizer, legacy finalizer (or flag, ever), weak
    /// reference or save-all mode. The collector may then free the set in any order
    /// without listing it in scan order.
    #[inline]
    pub(crate) fn garbage_order_unobservable(&self) -> bool {
        !self.legacy_ever && self.no_user_code_on_garbage()
    }

    /// Whether freeing an unreachable set (without legacy-flagged members) can run no
    /// user code and keep nothing: no finalizer, legacy-finalizer code, weak reference
    /// or save-all mode exists.
    #[inline]
    pub(crate) fn no_user_code_on_garbage(&self) -> bool {
        !self.debug_saveall
            && self.finalizers.is_empty()
            && self.legacy.is_empty()
            && !self.weak.has_any()
    }

    /// [`note_examined`](Heap::note_examined) for a list of (occupied) slots.
    pub(crate) fn note_examined_slots(&mut self, slots: &[u32]) {
        if let Some(log) = &mut self.examined {
            log.extend(slots.iter().map(|&s| self.objects.id_at(s)));
        }
    }

    /// What collections examined since the last call (see [`Heap::record_examined`]),
    /// in order; empty while recording is off.
    ///
    /// # Examples
    /// See [`Heap::record_examined`].
    pub fn take_examined(&mut self) -> Vec<ObjId> {
        self.examined
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Whether a collection is running (its observers included).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// assert!(!heap.is_collecting());
    /// let seen = std::rc::Rc::new(std::cell::Cell::new(false));
    /// let s = seen.clone();
    /// heap.add_heap_callback(move |heap, _, _| s.set(heap.is_collecting()));
    /// heap.collect_full();
    /// assert!(seen.get()); // observers run inside the collecting window
    /// ```
    pub fn is_collecting(&self) -> bool {
        self.collecting
    }

    /// Counts a newly allocated container of kind `kind` with the strategy, and runs the
    /// automatic collection the strategy asks for (unless one is running).
    ///
    /// `new` is the object just allocated, whose reference the caller is about to
    /// receive: if the collection re-raises a payload's panic, that reference is given
    /// back before the panic goes on, since the caller never gets the id to release it.
    #[inline(always)]
    fn count_alloc(&mut self, kind: AllocKind, new: ObjId) {
        if self.gc.on_alloc(kind) && !self.collecting {
            self.collect_after_alloc(new);
        }
    }

    /// The automatic collection an allocation started, giving the new object's
    /// reference back if it unwinds (see [`count_alloc`](Heap::count_alloc)).
    #[inline(never)]
    fn collect_after_alloc(&mut self, new: ObjId) {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| C::collect_auto(self)));
        if let Err(panic) = outcome {
            // User code run by the collection may have released the program's
            // reference already (it shares the program's handles): give back one only
            // if the program still holds one.
            let still_held = self
                .objects
                .get(new)
                .is_some_and(|o| o.external > self.held_count(new));
            if still_held {
                // Its own payload may panic in turn: the first panic is the one reported.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.release_external(new)
                }));
            }
            std::panic::resume_unwind(panic);
        }
    }

    /// Tracks `id` with the strategy.
    #[inline(always)]
    fn track(&mut self, id: ObjId) {
        self.gc.on_track(Cx::new(&mut self.objects), id);
    }

    /// Takes `id` out of the strategy's lists if it is in one (not untracked, not in a
    /// running collection's working set), and marks it untracked.
    #[inline(always)]
    pub(crate) fn untrack(&mut self, id: ObjId) {
        let obj = &self.objects[id];
        let (generation, position) = (obj.space(), obj.position());
        if generation != UNTRACKED && generation != COLLECTING {
            self.gc
                .on_untrack(Cx::new(&mut self.objects), id, generation, position);
        }
        self.objects[id].set_space(UNTRACKED);
    }

    // ----------------------------------------------------------------------------------
    // Allocation
    // ----------------------------------------------------------------------------------

    /// Allocates a container object (like a Python list) with no edges, and returns a new
    /// external reference to it (refcount 1, held by the caller: release it with
    /// [`decref`](Heap::decref)).
    ///
    /// The object is tracked: it enters the youngest generation, and may trigger an
    /// automatic collection, as in CPython.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc("list");
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// assert_eq!(heap.external_count(x).unwrap(), 1);
    /// assert!(heap.is_tracked(x).unwrap());
    /// ```
    pub fn alloc(&mut self, payload: T) -> ObjId {
        let id = self.insert_object(payload, Edges::default(), 0, true);
        self.count_alloc(AllocKind::Container, id);
        id
    }

    /// Allocates an atomic object, one that can never hold references (like Python's
    /// `int` or `str`). It is never tracked by the collector. Returns a new external
    /// reference.
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcError, Heap};
    /// let mut heap = Heap::new();
    /// let n = heap.alloc_atomic("42");
    /// let l = heap.alloc("list");
    /// assert!(!heap.is_tracked(n).unwrap());
    /// assert_eq!(heap.link(n, l), Err(GcError::AtomicObject(n)));
    /// ```
    pub fn alloc_atomic(&mut self, payload: T) -> ObjId {
        self.insert_object(payload, Edges::default(), flags::ATOMIC, false)
    }

    /// Allocates an immutable container (like a Python tuple) whose edges are fixed to
    /// `edges` for its whole life. It starts tracked; a collection that finds all its
    /// referents untracked untracks it, as CPython does for tuples. Returns a new external
    /// reference.
    ///
    /// # Errors
    /// [`GcError::StaleId`] if an edge target is not alive, [`GcError::RefcountOverflow`]
    /// if a target's count would overflow. Nothing is allocated then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let one = heap.alloc_atomic("1");
    /// let t = heap.alloc_immutable("tuple", &[one, one]).unwrap();
    /// assert_eq!(heap.refcount(one).unwrap(), 3);
    /// assert!(heap.is_tracked(t).unwrap());
    /// heap.collect_full();
    /// assert!(!heap.is_tracked(t).unwrap()); // all referents untracked: untracked
    /// ```
    pub fn alloc_immutable(&mut self, payload: T, edges: &[ObjId]) -> Result<ObjId> {
        self.take_refs(edges)?;
        let id = self.insert_object(payload, Edges::from_ids(edges), flags::IMMUTABLE, true);
        self.count_alloc(AllocKind::Immutable, id);
        Ok(id)
    }

    /// Allocates a container that starts with the given edges (Python's list display
    /// `[a, b]`), in one step. Returns a new external reference.
    ///
    /// # Errors
    /// [`GcError::StaleId`] if an edge target is not alive, [`GcError::RefcountOverflow`]
    /// if a target's count would overflow. Nothing is allocated then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let ten = heap.alloc_atomic("10");
    /// let l = heap.alloc_with("list", &[ten, ten]).unwrap(); // [10, 10]
    /// assert_eq!(heap.edges(l).unwrap(), &[ten, ten]);
    /// assert_eq!(heap.refcount(ten).unwrap(), 3);
    /// ```
    pub fn alloc_with(&mut self, payload: T, edges: &[ObjId]) -> Result<ObjId> {
        self.take_refs(edges)?;
        let id = self.insert_object(payload, Edges::from_ids(edges), 0, true);
        self.count_alloc(AllocKind::Container, id);
        Ok(id)
    }

    /// Allocates a lazily tracked container (like a CPython 3.11–3.13 `dict`): it starts
    /// untracked and becomes tracked (entering the youngest generation) when it is given
    /// an edge to an object that may be tracked — any container except an untracked
    /// immutable one — as CPython's `MAINTAIN_TRACKING` does. Full collections untrack it
    /// again when none of its referents may be tracked (`_PyDict_MaybeUntrack`). It
    /// counts as an allocation for the collector's threshold, as every GC-capable object
    /// does in CPython. Returns a new external reference.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let d = heap.alloc_lazy("{}");
    /// assert!(!heap.is_tracked(d).unwrap());      // d = {}
    /// let one = heap.alloc_atomic("1");
    /// heap.link(d, one).unwrap();                 // d['a'] = 1
    /// assert!(!heap.is_tracked(d).unwrap());
    /// let l = heap.alloc("[]");
    /// heap.link(d, l).unwrap();                   // d['b'] = []
    /// assert!(heap.is_tracked(d).unwrap());
    /// ```
    pub fn alloc_lazy(&mut self, payload: T) -> ObjId {
        let id = self.insert_object(payload, Edges::default(), flags::LAZY, false);
        self.count_alloc(AllocKind::Lazy, id);
        id
    }

    /// A lazily tracked container ([`alloc_lazy`](Heap::alloc_lazy)) created with these
    /// edges (a dict display): tracked at once if one of them may be tracked.
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::BeingDeallocated`], [`GcError::RefcountOverflow`]
    /// for an edge target. Nothing is allocated then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let one = heap.alloc_atomic("1");
    /// let d = heap.alloc_lazy_with("{'a': 1}", &[one]).unwrap();
    /// assert!(!heap.is_tracked(d).unwrap());
    /// ```
    pub fn alloc_lazy_with(&mut self, payload: T, edges: &[ObjId]) -> Result<ObjId> {
        self.take_refs(edges)?;
        let id = self.insert_object(payload, Edges::from_ids(edges), flags::LAZY, false);
        if edges.iter().any(|&t| self.objects[t].may_be_tracked()) {
            self.track(id);
        }
        self.count_alloc(AllocKind::Lazy, id);
        Ok(id)
    }

    /// Takes one reference to each of `targets` (with repetitions), all or none: on a
    /// stale id or an overflow, the counts already raised are lowered again.
    #[inline]
    fn take_refs(&mut self, targets: &[ObjId]) -> Result<()> {
        if let [one] = targets {
            return self.take_ref(*one);
        }
        for (i, &t) in targets.iter().enumerate() {
            if let Err(e) = self.take_ref(t) {
                for &done in &targets[..i] {
                    self.objects[done].refcount -= 1;
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Inserts a new object with one external reference. A tracked object enters the
    /// youngest generation (its header is written here, saving a second slot lookup).
    #[inline]
    fn insert_object(&mut self, payload: T, edges: Edges, flag_bits: u16, tracked: bool) -> ObjId {
        self.counters.allocations += 1;
        let id = self
            .objects
            .insert(Object::new(payload, edges, flag_bits, UNTRACKED, 0));
        if self.native_claims > 0 {
            self.avoid_claimed_identity(id);
        }
        if tracked {
            self.track(id);
        }
        id
    }

    /// CPython's `MAINTAIN_TRACKING`: an untracked lazily tracked container that is
    /// given a reference to `to` becomes tracked if `to` may be tracked.
    #[inline]
    #[cold]
    fn maintain_tracking(&mut self, from: ObjId, to: ObjId) {
        let obj = &self.objects[from];
        if !obj.is_tracked() && self.objects[to].may_be_tracked() {
            self.track(from);
        }
    }

    // ----------------------------------------------------------------------------------
    // Edges
    // ----------------------------------------------------------------------------------

    /// Appends an edge `from → to` (Python's `from.append(to)`); `to`'s refcount grows by
    /// one.
    ///
    /// # Errors
    /// [`GcError::StaleId`] for a dead id, [`GcError::AtomicObject`] /
    /// [`GcError::ImmutableObject`] when `from` cannot change its edges,
    /// [`GcError::RefcountOverflow`]. The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("a");
    /// heap.link(a, a).unwrap(); // a.append(a)
    /// assert_eq!(heap.refcount(a).unwrap(), 2);
    /// assert_eq!(heap.edges(a).unwrap(), &[a]);
    /// ```
    pub fn link(&mut self, from: ObjId, to: ObjId) -> Result<()> {
        self.check_mutable(from)?;
        self.take_ref(to)?;
        self.gc.on_edge_write(from, to);
        let obj = &mut self.objects[from];
        obj.push_edge(slot_of(to));
        if obj.has(flags::LAZY) {
            self.maintain_tracking(from, to);
        }
        Ok(())
    }

    /// Inserts an edge `from → to` at position `index` (`index <= len`).
    ///
    /// # Errors
    /// As [`link`](Heap::link), plus [`GcError::EdgeIndexOutOfRange`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, a, b) = (heap.alloc("l"), heap.alloc_atomic("a"), heap.alloc_atomic("b"));
    /// heap.link(l, b).unwrap();
    /// heap.insert_edge(l, 0, a).unwrap(); // l.insert(0, a)
    /// assert_eq!(heap.edges(l).unwrap(), &[a, b]);
    /// ```
    pub fn insert_edge(&mut self, from: ObjId, index: usize, to: ObjId) -> Result<()> {
        let len = self.check_mutable(from)?;
        if index > len {
            return Err(GcError::EdgeIndexOutOfRange {
                id: from,
                index,
                len,
            });
        }
        self.take_ref(to)?;
        self.gc.on_edge_write(from, to);
        let obj = &mut self.objects[from];
        obj.insert_edge(index, slot_of(to));
        if obj.has(flags::LAZY) {
            self.maintain_tracking(from, to);
        }
        Ok(())
    }

    /// Replaces edge `index` of `from` with a reference to `to` (Python's
    /// `from[index] = to`) and returns the old target, whose reference is released (it may
    /// be freed, so the returned id may be stale).
    ///
    /// # Errors
    /// As [`insert_edge`](Heap::insert_edge). The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x, y) = (heap.alloc("l"), heap.alloc_atomic("x"), heap.alloc_atomic("y"));
    /// heap.link(l, x).unwrap();
    /// heap.decref(x).unwrap(); // only l holds x now
    /// assert_eq!(heap.set_edge(l, 0, y).unwrap(), x);
    /// assert!(!heap.contains(x)); // its last reference went with the edge
    /// ```
    pub fn set_edge(&mut self, from: ObjId, index: usize, to: ObjId) -> Result<ObjId> {
        let len = self.check_mutable(from)?;
        if index >= len {
            return Err(GcError::EdgeIndexOutOfRange {
                id: from,
                index,
                len,
            });
        }
        self.take_ref(to)?;
        self.gc.on_edge_write(from, to);
        let obj = &mut self.objects[from];
        let old = obj.replace_edge(index, slot_of(to));
        if obj.has(flags::LAZY) {
            self.maintain_tracking(from, to);
        }
        let old = self.objects.id_at(old);
        self.release(old);
        Ok(old)
    }

    /// Removes edge `index` of `from`, keeping the order of the others, and returns its
    /// target, whose reference is released (it may be freed at once).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::AtomicObject`], [`GcError::ImmutableObject`],
    /// [`GcError::EdgeIndexOutOfRange`]. The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// heap.decref(x).unwrap();                     // only l holds x
    /// assert_eq!(heap.remove_edge(l, 0).unwrap(), x); // del l[0]
    /// assert!(!heap.contains(x));
    /// ```
    pub fn remove_edge(&mut self, from: ObjId, index: usize) -> Result<ObjId> {
        let len = self.check_mutable(from)?;
        if index >= len {
            return Err(GcError::EdgeIndexOutOfRange {
                id: from,
                index,
                len,
            });
        }
        let old = self.objects[from].remove_edge(index);
        let old = self.objects.id_at(old);
        self.release(old);
        Ok(old)
    }

    /// Removes the first edge `from → to` (Python's `from.remove(to)`), returning whether
    /// there was one.
    ///
    /// # Errors
    /// As [`remove_edge`](Heap::remove_edge), except that a missing edge is `Ok(false)`.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// assert!(heap.unlink(l, x).unwrap());   // l.remove(x)
    /// assert!(!heap.unlink(l, x).unwrap());  // not there any more
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// ```
    pub fn unlink(&mut self, from: ObjId, to: ObjId) -> Result<bool> {
        self.check_mutable(from)?;
        if !self.objects.contains_key(to) {
            return Ok(false); // no edge targets a dead object
        }
        let to_slot = slot_of(to);
        match self.objects[from].edges().position(|t| t == to_slot) {
            Some(index) => {
                self.remove_edge(from, index)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Removes all of `from`'s edges (Python's `from.clear()`), releasing each reference.
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::AtomicObject`], [`GcError::ImmutableObject`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// heap.decref(x).unwrap();     // only l holds x
    /// heap.clear_edges(l).unwrap(); // l.clear()
    /// assert!(heap.edges(l).unwrap().is_empty());
    /// assert!(!heap.contains(x));
    /// ```
    pub fn clear_edges(&mut self, from: ObjId) -> Result<()> {
        self.check_mutable(from)?;
        let edges = self.objects[from].take_edges();
        self.release_edges(edges);
        Ok(())
    }

    /// The object's outgoing references, in order.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// heap.link(l, x).unwrap();
    /// assert_eq!(heap.edges(l).unwrap(), &[x, x]); // [x, x]
    /// ```
    pub fn edges(&self, id: ObjId) -> Result<EdgeIds<'_, T>> {
        let obj = self.obj(id)?;
        Ok(EdgeIds::new(&self.objects, obj))
    }

    /// Returns the number of edges of a mutable container, or the error that forbids
    /// changing its edges.
    fn check_mutable(&self, id: ObjId) -> Result<usize> {
        let obj = self.obj(id)?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        if obj.has(flags::ATOMIC) {
            return Err(GcError::AtomicObject(id));
        }
        if obj.has(flags::IMMUTABLE) {
            return Err(GcError::ImmutableObject(id));
        }
        Ok(obj.edge_count())
    }

    /// Adds one (internal or external) reference to `id`'s count. An object whose count
    /// reached zero is being deallocated and takes no new reference.
    #[inline]
    fn take_ref(&mut self, id: ObjId) -> Result<()> {
        let obj = self.objects.get_mut(id).ok_or(GcError::StaleId(id))?;
        // One comparison for both refusals: 0 wraps to u32::MAX.
        if obj.refcount.wrapping_sub(1) >= MAX_REFCOUNT - 1 {
            return Err(if obj.refcount == 0 {
                GcError::BeingDeallocated(id)
            } else {
                GcError::RefcountOverflow(id)
            });
        }
        obj.refcount += 1;
        Ok(())
    }

    /// The object, if it is alive and not being deallocated (the check of every
    /// operation that registers something on it).
    pub(crate) fn obj_alive(&self, id: ObjId) -> Result<&Object<T>> {
        let obj = self.obj(id)?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        Ok(obj)
    }

    // ----------------------------------------------------------------------------------
    // External references and names
    // ----------------------------------------------------------------------------------

    /// Takes a new external reference to `id` (the program now holds one more).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::RefcountOverflow`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.incref(x).unwrap();
    /// assert_eq!(heap.external_count(x).unwrap(), 2);
    /// heap.decref(x).unwrap();
    /// heap.decref(x).unwrap(); // the last one frees it
    /// assert!(!heap.contains(x));
    /// ```
    pub fn incref(&mut self, id: ObjId) -> Result<()> {
        self.take_ref(id)?;
        self.objects[id].external += 1;
        Ok(())
    }

    /// Takes `n` new external references to `id` at once (as `n` calls to
    /// [`incref`](Heap::incref)).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::RefcountOverflow`] (nothing is taken then).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.incref_by(x, 3).unwrap();
    /// assert_eq!(heap.external_count(x).unwrap(), 4);
    /// ```
    pub fn incref_by(&mut self, id: ObjId, n: u32) -> Result<()> {
        let obj = self.objects.get_mut(id).ok_or(GcError::StaleId(id))?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        if u64::from(obj.refcount) + u64::from(n) > u64::from(MAX_REFCOUNT) {
            return Err(GcError::RefcountOverflow(id));
        }
        obj.refcount += n;
        obj.external += n;
        Ok(())
    }

    /// Reserves room for `additional` more objects (object store and youngest generation),
    /// and for `identities` more assigned identities, so a bulk load such as a snapshot
    /// import does not grow them step by step.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.reserve(1000, 0); // room for 1,000 objects, no assigned identities
    /// let x = heap.alloc(());
    /// assert!(heap.contains(x));
    /// ```
    pub fn reserve(&mut self, additional: usize, identities: usize) {
        self.objects.reserve(additional);
        self.gc.reserve(additional);
        if identities > 0 {
            // Entries are indexed by slot: room for every slot the new objects may use.
            self.identities
                .set_capacity(self.objects.capacity().max(self.identities.capacity()));
        }
        self.by_identity.reserve(identities);
    }

    /// Releases one external reference to `id`. If that was the last reference the object
    /// is freed at once, and so is everything only it kept alive.
    ///
    /// # Errors
    /// [`GcError::StaleId`]; [`GcError::NoExternalRef`] when the object has no external
    /// reference the program may release (references held by variables and by the
    /// `garbage` list are the heap's: release those with [`del_var`](Heap::del_var) and
    /// [`clear_garbage`](Heap::clear_garbage)). The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcError, Heap};
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("x", x).unwrap();
    /// heap.decref(x).unwrap();                                    // our handle
    /// assert_eq!(heap.decref(x), Err(GcError::NoExternalRef(x))); // the name's is not ours
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// ```
    pub fn decref(&mut self, id: ObjId) -> Result<()> {
        let obj = self.objects.get_mut(id).ok_or(GcError::StaleId(id))?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        let held = if obj.has(flags::HELD) {
            self.held.get(&id).copied().unwrap_or(0)
        } else {
            0
        };
        if obj.external <= held {
            return Err(GcError::NoExternalRef(id));
        }
        obj.external -= 1;
        obj.refcount -= 1;
        if obj.refcount == 0 {
            self.dealloc_cascade(id);
        } else {
            self.gc.on_possible_root(Cx::new(&mut self.objects), id);
        }
        Ok(())
    }

    pub(crate) fn held_count(&self, id: ObjId) -> u32 {
        match self.objects.get(id) {
            Some(o) if o.has(flags::HELD) => self.held.get(&id).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// Takes an external reference held by the heap itself (a variable, the garbage list).
    pub(crate) fn hold(&mut self, id: ObjId) -> Result<()> {
        self.incref(id)?;
        *self.held.entry(id).or_insert(0) += 1;
        self.objects[id].flags |= flags::HELD;
        Ok(())
    }

    /// Releases an external reference taken with [`hold`](Heap::hold).
    pub(crate) fn unhold(&mut self, id: ObjId) {
        match self.held.get_mut(&id) {
            Some(n) if *n > 1 => *n -= 1,
            Some(_) => {
                self.held.remove(&id);
                self.objects[id].flags &= !flags::HELD;
            }
            None => debug_assert!(false, "bug: unhold of {id} without a matching hold"),
        }
        self.release_external(id);
    }

    fn release_external(&mut self, id: ObjId) {
        let obj = &mut self.objects[id];
        debug_assert!(obj.external > 0, "bug: external count of {id} underflows");
        obj.external -= 1;
        self.release(id);
    }

    /// Binds `name` to `id` (Python's `name = obj`). The binding holds one external
    /// reference; rebinding releases the old one (after taking the new, so `x = x` is
    /// harmless).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::RefcountOverflow`]; the old binding stays then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc("[]");
    /// heap.set_var("x", x).unwrap(); // x = []
    /// heap.decref(x).unwrap();
    /// heap.set_var("x", x).unwrap(); // x = x: harmless
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// ```
    pub fn set_var(&mut self, name: impl Into<String>, id: ObjId) -> Result<()> {
        self.hold(id)?;
        if let Some(old) = self.vars.insert(name.into(), id) {
            self.unhold(old);
        }
        Ok(())
    }

    /// The object `name` is bound to, if any.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("x", x).unwrap();
    /// assert_eq!(heap.get_var("x"), Some(x));
    /// assert_eq!(heap.get_var("y"), None);
    /// ```
    pub fn get_var(&self, name: &str) -> Option<ObjId> {
        self.vars.get(name).copied()
    }

    /// Unbinds `name` (Python's `del name`), releasing its reference; the object is freed
    /// at once if that was its last one. Returns the object it was bound to (possibly stale
    /// now).
    ///
    /// # Errors
    /// [`GcError::UnknownName`] when no such variable is bound.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::GcError;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("x", x).unwrap();
    /// heap.decref(x).unwrap();
    /// assert_eq!(heap.del_var("x").unwrap(), x); // del x: freed at once
    /// assert!(!heap.contains(x));
    /// assert_eq!(heap.del_var("x"), Err(GcError::UnknownName("x".into())));
    /// ```
    pub fn del_var(&mut self, name: &str) -> Result<ObjId> {
        let id = self
            .vars
            .remove(name)
            .ok_or_else(|| GcError::UnknownName(name.to_owned()))?;
        self.unhold(id);
        Ok(id)
    }

    /// All variables, sorted by name.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("b", x).unwrap();
    /// heap.set_var("a", x).unwrap();
    /// let names: Vec<&str> = heap.vars().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn vars(&self) -> impl Iterator<Item = (&str, ObjId)> + '_ {
        self.vars.iter().map(|(n, &id)| (n.as_str(), id))
    }

    // ----------------------------------------------------------------------------------
    // Reading
    // ----------------------------------------------------------------------------------

    pub(crate) fn obj(&self, id: ObjId) -> Result<&Object<T>> {
        self.objects.get(id).ok_or(GcError::StaleId(id))
    }

    pub(crate) fn obj_mut(&mut self, id: ObjId) -> Result<&mut Object<T>> {
        self.objects.get_mut(id).ok_or(GcError::StaleId(id))
    }

    /// The object's total reference count: edges pointing at it plus external references.
    /// Python's `sys.getrefcount(x)` reports one more, for its own argument: see
    /// [`getrefcount`](Heap::getrefcount). 0 while the object is being deallocated.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// assert_eq!(heap.refcount(x).unwrap(), 2); // our handle and l's edge
    /// ```
    pub fn refcount(&self, id: ObjId) -> Result<u32> {
        Ok(self.obj(id)?.refcount)
    }

    /// What Python's `sys.getrefcount(x)` prints: the reference count plus one, for the
    /// reference its argument holds while it runs.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// The seed: `a = [10, 20]; sys.getrefcount(a)` prints 2, and 3 after `b = a`.
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let list = heap.alloc("[10, 20]");
    /// heap.set_var("a", list).unwrap();
    /// heap.decref(list).unwrap();
    /// assert_eq!(heap.getrefcount(list).unwrap(), 2);
    /// heap.set_var("b", list).unwrap();
    /// assert_eq!(heap.getrefcount(list).unwrap(), 3);
    /// assert_eq!(heap.refcount(list).unwrap(), 2);
    /// ```
    pub fn getrefcount(&self, id: ObjId) -> Result<u32> {
        Ok(self.obj(id)?.refcount + 1)
    }

    /// The object's external references: program handles, variables, and the `garbage`
    /// list.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// heap.set_var("x", x).unwrap();
    /// assert_eq!(heap.external_count(x).unwrap(), 2); // our handle and the name
    /// ```
    pub fn external_count(&self, id: ObjId) -> Result<u32> {
        Ok(self.obj(id)?.external)
    }

    /// Whether `id` names a live object of this heap.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// assert!(heap.contains(x));
    /// heap.decref(x).unwrap();
    /// assert!(!heap.contains(x)); // and never again, even if the slot is reused
    /// ```
    pub fn contains(&self, id: ObjId) -> bool {
        self.objects.contains_key(id)
    }

    /// The number of live objects.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _x = heap.alloc(());
    /// assert_eq!(heap.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the heap has no live objects.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.decref(x).unwrap();
    /// assert!(heap.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The object's payload.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(String::from("hello"));
    /// assert_eq!(heap.payload(x).unwrap(), "hello");
    /// ```
    pub fn payload(&self, id: ObjId) -> Result<&T> {
        Ok(&self.obj(id)?.payload)
    }

    /// The object's payload, mutably. (Payloads hold no references, so changing one never
    /// changes a count.)
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(1);
    /// *heap.payload_mut(x).unwrap() += 1;
    /// assert_eq!(heap.payload(x).unwrap(), &2);
    /// ```
    pub fn payload_mut(&mut self, id: ObjId) -> Result<&mut T> {
        Ok(&mut self.obj_mut(id)?.payload)
    }

    /// Live objects and their payloads, in slot order.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let _a = heap.alloc("a");
    /// let _b = heap.alloc("b");
    /// let payloads: Vec<&str> = heap.iter().map(|(_, p)| *p).collect();
    /// assert_eq!(payloads, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (ObjId, &T)> + '_ {
        self.objects.iter().map(|(id, o)| (id, &o.payload))
    }

    /// Ids of the live objects, in slot order.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (a, b) = (heap.alloc(()), heap.alloc(()));
    /// assert_eq!(heap.ids().collect::<Vec<_>>(), vec![a, b]);
    /// ```
    pub fn ids(&self) -> impl Iterator<Item = ObjId> + '_ {
        self.objects.keys()
    }

    /// Whether the object is atomic (can never hold references).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let n = heap.alloc_atomic(());
    /// assert!(heap.is_atomic(n).unwrap());
    /// ```
    pub fn is_atomic(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::ATOMIC))
    }

    /// Whether the object is immutable (its edges were fixed at allocation).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let t = heap.alloc_immutable((), &[]).unwrap();
    /// assert!(heap.is_immutable(t).unwrap());
    /// ```
    pub fn is_immutable(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::IMMUTABLE))
    }

    /// The objects that hold an edge to `id`, each once, in slot order: a scan of the
    /// *whole heap*, frozen and untracked referrers included, for graph tools. Python's
    /// `gc.get_referrers`, which sees only the objects in generations, is
    /// [`get_referrers`](Heap::get_referrers).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// heap.freeze(); // still found: the whole heap is searched
    /// assert_eq!(heap.referrers(x).unwrap(), vec![l]);
    /// ```
    pub fn referrers(&self, id: ObjId) -> Result<Vec<ObjId>> {
        self.obj(id)?;
        Ok(self
            .objects
            .iter()
            .filter(|(_, o)| o.edges().any(|t| t == slot_of(id)))
            .map(|(r, _)| r)
            .collect())
    }

    /// Counters since the heap was created.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.decref(x).unwrap();
    /// assert_eq!((heap.counters().allocations, heap.counters().frees_by_refcount), (1, 1));
    /// ```
    pub fn counters(&self) -> HeapCounters {
        self.counters
    }

    // ----------------------------------------------------------------------------------
    // Identity
    // ----------------------------------------------------------------------------------

    /// The object's identity, Python's `id()`: unique among live objects. It is the
    /// identity assigned with [`assign_identity`](Heap::assign_identity) (snapshot
    /// imports keep their source's ids), otherwise an address-like number derived from
    /// the object's slot, as CPython's `id()` is its address: `2^48 + 16 × slot`. Like a
    /// CPython address, it is stable while the object lives and may be reused by a later
    /// object in the same slot; the [`ObjId`] (`3v1`: slot 3, version 1) is what tells
    /// the two apart.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc_atomic(42);
    /// let id = heap.id(x).unwrap();
    /// assert_eq!(id % 16, 0);                 // aligned, like an address
    /// assert_eq!(heap.find_by_identity(id), Some(x));
    /// ```
    pub fn id(&self, id: ObjId) -> Result<u64> {
        let obj = self.obj(id)?;
        if obj.has(flags::HAS_IDENTITY) {
            Ok(self.identities[id])
        } else {
            Ok(native_identity(id))
        }
    }

    /// Gives `id` the identity `identity` (what [`Heap::id`] reports from now on).
    ///
    /// Native identities are `2^48 + 16 × slot`, above every address of a 64-bit CPython
    /// process, so identities taken from CPython never collide with them; another
    /// assigned identity that happens to equal the native identity of an object
    /// allocated later would make the two share an `id()`. Snapshot imports assign every
    /// object's identity, so within one imported heap identities are unique.
    ///
    /// # Errors
    /// [`GcError::StaleId`]; [`GcError::DuplicateIdentity`] when another live object
    /// already has that identity.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.assign_identity(x, 140_234_567_890_112).unwrap(); // its id() in CPython
    /// assert_eq!(heap.id(x).unwrap(), 140_234_567_890_112);
    /// assert_eq!(heap.find_by_identity(140_234_567_890_112), Some(x));
    /// ```
    pub fn assign_identity(&mut self, id: ObjId, identity: u64) -> Result<()> {
        self.obj(id)?;
        if let Some(other) = self.find_by_identity(identity) {
            if other != id {
                return Err(GcError::DuplicateIdentity(identity));
            }
        }
        if let Some(old) = self.identities.insert(id, identity) {
            self.by_identity.remove(&old);
            self.native_claims -= usize::from(native_slot(old).is_some());
        }
        self.native_claims += usize::from(native_slot(identity).is_some());
        if self.by_identity.len() >= 2 * self.identities.len() + 1024 {
            // Mostly stale entries of freed objects: drop them (amortised O(1)).
            let identities = &self.identities;
            self.by_identity
                .retain(|identity, &mut id| identities.get(id) == Some(identity));
        }
        self.by_identity.insert(identity, id);
        self.objects[id].flags |= flags::HAS_IDENTITY;
        Ok(())
    }

    /// A new object landed in a slot whose native identity another live object was
    /// assigned ([`assign_identity`](Heap::assign_identity) accepts any identity no live
    /// object has): the new object gets a fresh identity, past every native one, so
    /// `id()` stays unique among live objects.
    #[cold]
    fn avoid_claimed_identity(&mut self, id: ObjId) {
        let native = native_identity(id);
        let claimed = self
            .by_identity
            .get(&native)
            .is_some_and(|&other| other != id && self.identities.get(other) == Some(&native));
        if !claimed {
            return;
        }
        loop {
            let fresh = self.next_fresh_identity;
            self.next_fresh_identity += NATIVE_ID_STRIDE;
            if self.find_by_identity(fresh).is_none() {
                self.assign_identity(id, fresh)
                    .expect("bug: a fresh identity no live object has is refused");
                return;
            }
        }
    }

    /// The live object whose [`id`](Heap::id) is `identity`, if any. O(1) for assigned
    /// identities; a native identity names a slot, found by a scan of the heap.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// let id = heap.id(x).unwrap();
    /// assert_eq!(heap.find_by_identity(id), Some(x));
    /// assert_eq!(heap.find_by_identity(id + 1), None);
    /// ```
    pub fn find_by_identity(&self, identity: u64) -> Option<ObjId> {
        if let Some(&id) = self.by_identity.get(&identity)
            && self.identities.get(id) == Some(&identity)
        {
            return Some(id);
        }
        native_slot(identity)?;
        self.objects
            .iter()
            .find(|(id, o)| !o.has(flags::HAS_IDENTITY) && native_identity(*id) == identity)
            .map(|(id, _)| id)
    }

    // ----------------------------------------------------------------------------------
    // Release: immediate reclamation
    // ----------------------------------------------------------------------------------

    /// The one release path: drops one reference to `id` (the caller has already
    /// removed the edge or external count it came from) and, when the count reaches
    /// zero, frees the object and in cascade everything only it kept alive.
    #[inline]
    pub(crate) fn release(&mut self, id: ObjId) {
        let obj = &mut self.objects[id];
        debug_assert!(
            obj.refcount > 0,
            "bug: refcount of {id} underflows; an edge or handle was released twice"
        );
        obj.refcount -= 1;
        if obj.refcount == 0 {
            self.dealloc_cascade(id);
        } else {
            self.gc.on_possible_root(Cx::new(&mut self.objects), id);
        }
    }

    /// Drops the references of a detached edge list, in order, as one
    /// [`release_batch`](Heap::release_batch).
    pub(crate) fn release_edges(&mut self, edges: Edges) {
        self.release_batch(|heap| {
            for t in edges {
                let t = heap.objects.id_at(t);
                heap.release(t);
            }
        });
    }

    /// Runs `releases`, an operation that releases several references one after the
    /// other, as one batch: a payload panic caught in one of its cascades is re-raised
    /// only when the whole batch has run (and no cascade or collection is under way),
    /// so the references after it are still released and the heap verifies.
    pub(crate) fn release_batch(&mut self, releases: impl FnOnce(&mut Self)) {
        self.rel.batch += 1;
        releases(self);
        self.rel.batch -= 1;
        if self.rel.batch == 0 && self.rel.depth == 0 && !self.collecting {
            self.raise_deferred_panic();
        }
    }

    /// Takes a temporary reference to `id` while user code runs on it (CPython's
    /// `Py_INCREF` around a finalizer or callback call). Give it back with
    /// [`drop_temp_ref`](Heap::drop_temp_ref).
    pub(crate) fn take_temp_ref(&mut self, id: ObjId) {
        self.objects[id].refcount += 1;
        self.rel.temp_refs.push(id);
    }

    /// Gives back a temporary reference: the object is freed if it was the last one.
    pub(crate) fn drop_temp_ref(&mut self, id: ObjId) {
        if let Some(i) = self.rel.temp_refs.iter().rposition(|&t| t == id) {
            self.rel.temp_refs.swap_remove(i);
        }
        self.release(id);
    }

    /// Frees `first` (whose count is zero) and everything that reaches zero because of
    /// it, with an explicit worklist: a 10^7-long chain keeps it at one entry.
    ///
    /// Finalizers and weak-reference callbacks run inside the cascade and may release
    /// objects themselves: their cascades nest (as CPython's deallocations do) up to
    /// [`TRASHCAN_DEPTH`], and beyond it the object is deferred to the outermost
    /// cascade. A panic in a payload's `Drop` is caught, the cascade finishes, and the
    /// panic is re-raised by the outermost cascade (or at the end of the running
    /// collection), when the heap is consistent again.
    pub(crate) fn dealloc_cascade(&mut self, first: ObjId) {
        if self.rel.depth >= TRASHCAN_DEPTH {
            untrack_waiting(&mut self.objects, &mut self.gc, first);
            self.rel.deferred.push(first);
            return;
        }
        self.rel.depth += 1;
        let base = self.rel.pending.len();
        let mut current = first;
        loop {
            self.dealloc(current);
            if self.rel.pending.len() > base {
                current = self.rel.pending.pop().expect("bug: checked non-empty");
            } else if self.rel.depth == 1
                && let Some(next) = self.rel.deferred.pop()
            {
                current = next;
            } else {
                break;
            }
        }
        self.rel.depth -= 1;
        if self.rel.depth == 0 && self.rel.batch == 0 && !self.collecting {
            self.raise_deferred_panic();
        }
    }

    /// Re-raises a payload panic caught during a cascade or a collection.
    pub(crate) fn raise_deferred_panic(&mut self) {
        if let Some(panic) = self.rel.panic.take() {
            std::panic::resume_unwind(panic);
        }
    }

    /// Deallocates one object whose count is zero, in CPython's order
    /// (`subtype_dealloc`): its finalizer (which may resurrect it), untracking, its weak
    /// references (their callbacks run), its legacy finalizer (which may resurrect it
    /// too), then the record goes and its edges are released, pushing targets that
    /// reach zero onto the worklist.
    fn dealloc(&mut self, id: ObjId) {
        let Some(obj) = self.objects.get(id) else {
            debug_assert!(false, "bug: {id} was queued for deallocation twice");
            return;
        };
        debug_assert!(obj.refcount == 0, "bug: {id} queued with a live count");
        const SPECIAL: u16 = flags::HAS_FINALIZER
            | flags::HAS_WEAKREFS
            | flags::OWNS_WEAKREF
            | flags::HAS_IDENTITY
            | flags::HAS_LEGACY_CODE;
        // The header is read once on the common path (no user code to run).
        let (mut generation, mut position, atomic) =
            (obj.space(), obj.position(), obj.has(flags::ATOMIC));
        if obj.flags & SPECIAL != 0 {
            if !self.dealloc_user_code(id) {
                return; // resurrected
            }
            let obj = &self.objects[id];
            (generation, position) = (obj.space(), obj.position());
        }
        if generation != UNTRACKED && generation != COLLECTING {
            // The record goes next: no need to mark it untracked.
            self.gc
                .on_untrack(Cx::new(&mut self.objects), id, generation, position);
        }
        // Only edges and payload are moved out of the slot: reading header fields back
        // from a moved copy of the whole record stalls store forwarding on this hot path.
        let Some((edges, payload)) = self.objects.remove(id).map(Object::into_parts) else {
            return;
        };
        if !atomic {
            self.gc.on_free();
        }
        self.counters.frees_by_refcount += 1;
        let objects = &mut self.objects;
        let pending = &mut self.rel.pending;
        let gc = &mut self.gc;
        let mut dec = |slot: u32| {
            let target = objects.at_mut(slot);
            debug_assert!(
                target.refcount > 0,
                "bug: refcount of slot {slot} underflows in the release cascade"
            );
            target.refcount -= 1;
            let t = make_id(slot, target.version);
            if target.refcount == 0 {
                untrack_waiting(objects, gc, t);
                pending.push(t);
            } else {
                gc.on_possible_root(Cx::new(objects), t);
            }
        };
        if let Some(first) = edges.first {
            dec(first);
            for t in edges.more {
                dec(t);
            }
        }
        self.drop_payload(payload);
    }

    /// Drops a freed object's payload. A panicking `Drop` is caught and kept for
    /// [`raise_deferred_panic`](Heap::raise_deferred_panic), so the release path always
    /// finishes and leaves the heap consistent.
    #[inline]
    pub(crate) fn drop_payload(&mut self, payload: T) {
        if std::mem::needs_drop::<T>()
            && let Err(panic) = catch_unwind(AssertUnwindSafe(|| drop(payload)))
            && self.rel.panic.is_none()
        {
            self.rel.panic = Some(panic);
        }
    }

    /// The user-code steps of a deallocation, for an object with a finalizer, weak
    /// references, legacy-finalizer code or an identity. Returns `false` when a
    /// finalizer resurrected the object (it stays, tracked in generation 0 if it was
    /// tracked), `true` when the object is to be freed; it is untracked then.
    ///
    /// The steps, in CPython's `subtype_dealloc` order: 1.
    /// [`finalize_from_dealloc`](Heap::finalize_from_dealloc); 2. untrack; 3.
    /// [`clear_weakrefs_from_dealloc`](Heap::clear_weakrefs_from_dealloc); 4.
    /// [`legacy_finalize_from_dealloc`](Heap::legacy_finalize_from_dealloc); 5.
    /// [`forget_side_tables`](Heap::forget_side_tables).
    ///
    /// From the moment its finalizer has not resurrected it, the object is *being
    /// deallocated*: its count is 0, operations that would take a reference to it or
    /// register anything on it return [`GcError::BeingDeallocated`], its weak references
    /// read dead, and reads still work.
    fn dealloc_user_code(&mut self, id: ObjId) -> bool {
        if self.objects[id].has(flags::HAS_FINALIZER) && self.finalize_from_dealloc(id) {
            return false; // resurrected
        }
        // Untrack: nothing may find it in a strategy's list from here on.
        self.untrack(id);
        self.rel.dying.push(id);
        self.clear_weakrefs_from_dealloc(id);
        if self.objects[id].has(flags::HAS_LEGACY_CODE) && self.legacy_finalize_from_dealloc(id) {
            self.rel.dying.retain(|&d| d != id);
            return false; // resurrected
        }
        self.rel.dying.retain(|&d| d != id);
        self.forget_side_tables(id);
        true
    }

    /// Deallocation step 1, the finalizer (PEP 442 `tp_finalize`), run as CPython's
    /// `PyObject_CallFinalizerFromDealloc`: with a temporary reference, the object
    /// tracked again at the end of the youngest space, where it stays if the finalizer
    /// resurrected it. Returns whether it did.
    fn finalize_from_dealloc(&mut self, id: ObjId) -> bool {
        self.retrack_young(id);
        if self.call_with_temp_ref(id, Self::run_finalizer) {
            self.counters.resurrections += 1;
            return true;
        }
        // An atomic object's finalizer stays registered for its next death; this
        // death is final.
        if self.finalizers.remove(id).is_some() {
            self.objects[id].flags &= !flags::HAS_FINALIZER;
        }
        false
    }

    /// Deallocation step 3, weak references: those the object holds go without
    /// callbacks; those to it are all cleared, then their callbacks run, most recent
    /// first (CPython's `PyObject_ClearWeakRefs`).
    fn clear_weakrefs_from_dealloc(&mut self, id: ObjId) {
        if self.objects[id].has(flags::OWNS_WEAKREF) {
            self.drop_owned_weakrefs(id);
        }
        if self.objects[id].has(flags::HAS_WEAKREFS) {
            self.clear_weakrefs_to(id);
        }
    }

    /// Deallocation step 4, legacy-finalizer code (`tp_del`): every time, with a
    /// temporary reference, the object tracked again meanwhile (as `subtype_dealloc`
    /// does) and untracked after. Returns whether the code resurrected it.
    fn legacy_finalize_from_dealloc(&mut self, id: ObjId) -> bool {
        if !self.objects[id].has(flags::ATOMIC) {
            self.track(id);
        }
        if self.call_with_temp_ref(id, Self::run_legacy_finalizer) {
            self.counters.resurrections += 1;
            return true;
        }
        self.untrack(id);
        // Weak references the code created to (or on) its dying object are cleared
        // without their callbacks, as `subtype_dealloc` does after `tp_del`.
        if self.objects[id].has(flags::OWNS_WEAKREF) {
            self.drop_owned_weakrefs(id);
        }
        if self.objects[id].has(flags::HAS_WEAKREFS) {
            drop(self.take_weakrefs_to(id, |_, _| false));
        }
        false
    }

    /// Deallocation step 5: drops the object's entries in the side tables that outlive
    /// user code (a finalizer its legacy code registered, legacy-finalizer code,
    /// assigned identity).
    fn forget_side_tables(&mut self, id: ObjId) {
        // A finalizer registered by the object's legacy-finalizer code never runs: the
        // object is being freed.
        if self.objects[id].has(flags::HAS_FINALIZER) {
            self.finalizers.remove(id);
        }
        if self.objects[id].has(flags::HAS_LEGACY_CODE) {
            self.legacy.remove(&id);
        }
        if self.objects[id].has(flags::HAS_IDENTITY) {
            // `by_identity` keeps a stale entry; lookups ignore it.
            if let Some(old) = self.identities.remove(id) {
                self.native_claims -= usize::from(native_slot(old).is_some());
            }
        }
    }

    /// Tracks a container object at the end of generation 0 (taking it out of the
    /// generation, or the running collection's working set, it was in), as
    /// `subtype_dealloc` untracks and re-tracks an object before calling its finalizer:
    /// an object of a collection's unreachable set that dies by refcount and is
    /// resurrected by its finalizer has left that set. Atomic objects are never tracked.
    fn retrack_young(&mut self, id: ObjId) {
        let obj = &self.objects[id];
        if obj.has(flags::ATOMIC) {
            return;
        }
        if obj.is_tracked() {
            self.untrack(id);
        }
        self.track(id);
    }

    /// Runs `f` on `id` holding a temporary reference, then gives it back without
    /// freeing: returns whether someone else now holds a reference (a resurrection).
    /// The object's count is 0 before and, unless resurrected, after.
    fn call_with_temp_ref(&mut self, id: ObjId, f: fn(&mut Self, ObjId)) -> bool {
        self.objects[id].refcount = 1;
        self.rel.temp_refs.push(id);
        f(self, id);
        if let Some(i) = self.rel.temp_refs.iter().rposition(|&t| t == id) {
            self.rel.temp_refs.swap_remove(i);
        }
        let obj = &mut self.objects[id];
        obj.refcount -= 1;
        let resurrected = obj.refcount > 0;
        if resurrected {
            // Giving the temporary reference back is a decrement that leaves the count
            // above zero: the resurrected object may be the root of a garbage cycle the
            // user code made (e.g. it linked the object to itself after a nested
            // collection had examined it).
            self.gc.on_possible_root(Cx::new(&mut self.objects), id);
        }
        resurrected
    }

    /// Frees a collection's final unreachable set directly (the collector's fast path
    /// when no user code can run: no finalizer, legacy-finalizer code or weak reference
    /// exists): every object of `unreachable` that is still alive is marked `COLLECTING`, and
    /// everything that references one of them is in the set. References between members
    /// are not counted down, since all members die; references to objects outside the
    /// set are released as usual and may cascade (a cascade that reaches a member frees
    /// it through the ordinary path, and this loop skips it).
    ///
    /// The entries may be bare slots (as the collector's own lists are): no allocation
    /// happens while this runs, so no freed slot is reused meanwhile.
    ///
    /// The set is freed in descending slot order, not in list order (no user code runs,
    /// so nothing can observe the order): the store reuses the most recently freed slot
    /// first, so later allocations then fill slots in ascending memory order. In list
    /// order — CPython's `move_unreachable` order, which moves objects reached late to
    /// the end — GCBench's trees came back scattered over memory and every later pass
    /// missed the cache: 2.5x slower per node than in slot order.
    pub(crate) fn free_unreachable<E: Entry>(&mut self, unreachable: &mut [E]) {
        self.objects.order_descending(unreachable);
        for &e in unreachable.iter() {
            // Read the flags in place, then move only edges and payload out.
            let Some(obj) = self.objects.lookup(e) else {
                continue;
            };
            let (has_identity, id) = (obj.has(flags::HAS_IDENTITY), make_id(e.slot(), obj.version));
            let Some((edges, payload)) = self.objects.remove_entry(e).map(Object::into_parts)
            else {
                continue;
            };
            if has_identity {
                // `by_identity` keeps a stale entry; lookups ignore it.
                self.identities.remove(id);
            }
            self.gc.on_free();
            self.counters.frees_by_refcount += 1;
            if let Some(first) = edges.first {
                self.release_outside(first);
                for slot in edges.more {
                    self.release_outside(slot);
                }
            }
            self.drop_payload(payload);
        }
    }

    /// For [`free_unreachable`](Heap::free_unreachable): drops the reference a freed
    /// member held to the object in `slot`, unless that object is a member too (or was
    /// freed already).
    #[inline(always)]
    fn release_outside(&mut self, slot: u32) {
        if let Some(target) = self.objects.get_slot_mut(slot)
            && target.space() != COLLECTING
        {
            target.refcount -= 1;
            let t = make_id(slot, target.version);
            if target.refcount == 0 {
                self.dealloc_cascade(t);
            } else {
                self.gc.on_possible_root(Cx::new(&mut self.objects), t);
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Consistency check
    // ----------------------------------------------------------------------------------

    /// Recounts every reference from scratch and checks the heap's invariants:
    /// refcount = incoming edges + external references; external references ≥ those held
    /// by variables and the garbage list; every edge targets a live object; atomic objects
    /// have no edges; generation member lists and object headers agree; weak-reference
    /// tables are consistent. Linear in objects and edges (plus a hash map for counting).
    ///
    /// # Errors
    /// The first violation found, as a [`VerifyError`] naming the object.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.verify().unwrap();
    /// ```
    pub fn verify(&self) -> std::result::Result<(), VerifyError> {
        let mut incoming: HashMap<ObjId, u64> = HashMap::with_capacity(self.objects.len());
        for (id, obj) in self.objects.iter() {
            if obj.has(flags::ATOMIC) && obj.edge_count() > 0 {
                return Err(VerifyError::AtomicWithEdges(id));
            }
            for slot in obj.edges() {
                let Some(target) = self.objects.get_slot(slot) else {
                    return Err(VerifyError::EdgeToDead {
                        from: id,
                        to: self.objects.id_at(slot),
                    });
                };
                *incoming.entry(make_id(slot, target.version)).or_insert(0) += 1;
            }
        }
        let mut temp: HashMap<ObjId, u64> = HashMap::new();
        for &id in &self.rel.temp_refs {
            *temp.entry(id).or_insert(0) += 1;
        }
        for (id, obj) in self.objects.iter() {
            let inc = incoming.get(&id).copied().unwrap_or(0);
            let tmp = temp.get(&id).copied().unwrap_or(0);
            if u64::from(obj.refcount) != inc + u64::from(obj.external) + tmp {
                return Err(VerifyError::RefcountMismatch {
                    id,
                    refcount: obj.refcount,
                    incoming: inc,
                    external: obj.external,
                    temporary: tmp,
                });
            }
            if obj.refcount == 0
                && !self.rel.pending.contains(&id)
                && !self.rel.deferred.contains(&id)
                && !self.rel.dying.contains(&id)
            {
                return Err(VerifyError::ZeroCountAlive(id));
            }
            if obj.external < self.held_count(id) {
                return Err(VerifyError::ExternalBelowHeld {
                    id,
                    external: obj.external,
                    held: self.held_count(id),
                });
            }
        }
        for (&id, &n) in &self.held {
            if !self.objects.contains_key(id) || n == 0 {
                return Err(VerifyError::StaleHeldEntry(id));
            }
        }
        let vars_held = self.vars.values().count() + self.garbage.len();
        let held_total: u64 = self.held.values().map(|&n| u64::from(n)).sum();
        if held_total != vars_held as u64 {
            return Err(VerifyError::HeldTotalMismatch {
                held: held_total,
                expected: vars_held as u64,
            });
        }
        self.gc
            .check(Objects::new(&self.objects))
            .map_err(VerifyError::Collector)?;
        if !self.collecting
            && let Some((id, _)) = self.objects.iter().find(|(_, o)| o.is_collecting())
        {
            return Err(VerifyError::CollectingOutsideCollection(id));
        }
        for &id in &self.garbage {
            if !self.objects.contains_key(id) {
                return Err(VerifyError::GarbageListsDead(id));
            }
        }
        self.weak
            .verify(&self.objects)
            .map_err(VerifyError::WeakTable)?;
        for id in self.finalizers.keys() {
            match self.objects.get(id) {
                Some(o) if o.has(flags::HAS_FINALIZER) => {}
                _ => {
                    return Err(VerifyError::FlagTableMismatch {
                        id,
                        table: "finalizer",
                    });
                }
            }
        }
        self.verify_identities()?;
        for (id, obj) in self.objects.iter() {
            if obj.has(flags::HAS_FINALIZER) != self.finalizers.contains_key(id) {
                return Err(VerifyError::FlagTableMismatch {
                    id,
                    table: "finalizer",
                });
            }
            if obj.has(flags::HELD) != self.held.contains_key(&id) {
                return Err(VerifyError::FlagTableMismatch { id, table: "held" });
            }
            if obj.has(flags::HAS_IDENTITY) != self.identities.contains_key(id) {
                return Err(VerifyError::FlagTableMismatch {
                    id,
                    table: "identity",
                });
            }
            if obj.has(flags::HAS_LEGACY_CODE) && !obj.has(flags::LEGACY_FINALIZER) {
                return Err(VerifyError::LegacyCodeWithoutFlag(id));
            }
            if obj.has(flags::ATOMIC) && obj.is_tracked() {
                return Err(VerifyError::AtomicTracked(id));
            }
        }
        Ok(())
    }
}

impl<T, C: CycleCollector> Heap<T, C> {
    /// Identities are unique among live objects: every assigned identity is the one
    /// `by_identity` maps back to its object, and an assigned identity in the native
    /// range is not the native identity of another live object (one without an
    /// assigned identity, whose `id()` is its native one).
    fn verify_identities(&self) -> std::result::Result<(), VerifyError> {
        let mut claims = 0;
        for (id, &identity) in &self.identities {
            if let Some(&other) = self.by_identity.get(&identity)
                && other != id
                && self.identities.get(other) == Some(&identity)
            {
                return Err(VerifyError::SharedIdentity {
                    identity,
                    first: other,
                    second: id,
                });
            }
            if let Some(slot) = native_slot(identity) {
                claims += 1;
                if let Some(occupant) = u32::try_from(slot)
                    .ok()
                    .and_then(|s| self.objects.get_slot(s).map(|o| make_id(s, o.version)))
                    && occupant != id
                    && !self.objects[occupant].has(flags::HAS_IDENTITY)
                {
                    return Err(VerifyError::SharedIdentity {
                        identity,
                        first: occupant,
                        second: id,
                    });
                }
            }
        }
        if claims != self.native_claims {
            return Err(VerifyError::NativeClaimCount {
                counted: claims,
                recorded: self.native_claims,
            });
        }
        Ok(())
    }
}

/// Untracks an object whose count reached zero and that waits on the release worklist
/// (or in the trashcan) while user code may run: as in CPython, where deallocation
/// untracks first, no collection or introspection ever sees an object with a zero
/// count. (It is tracked again, in generation 0, if it has a finalizer to run.)
#[inline]
fn untrack_waiting<T, C: CycleCollector>(objects: &mut Store<T>, gc: &mut C, id: ObjId) {
    let obj = &objects[id];
    let (space, position) = (obj.space(), obj.position());
    if space == UNTRACKED {
        return;
    }
    if space != COLLECTING {
        gc.on_untrack(Cx::new(objects), id, space, position);
    }
    objects[id].set_space(UNTRACKED);
}

/// The slot whose native identity `identity` is, if it is one.
fn native_slot(identity: u64) -> Option<u64> {
    let offset = identity.checked_sub(NATIVE_ID_BASE)?;
    (identity < FRESH_ID_BASE && offset % NATIVE_ID_STRIDE == 0)
        .then_some(offset / NATIVE_ID_STRIDE)
}

/// The native identity of an object: `2^48 + 16 × slot` (see [`Heap::id`]).
fn native_identity(id: ObjId) -> u64 {
    // The low 32 bits of slotmap's FFI form are the slot index.
    let slot = id.data().as_ffi() & u64::from(u32::MAX);
    NATIVE_ID_BASE + NATIVE_ID_STRIDE * slot
}

impl ObjId {
    /// The identity [`Heap::id`] reports for this object when none was assigned: an
    /// address-like number derived from its slot (`2^48 + 16 × slot`).
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// assert_eq!(heap.id(x).unwrap(), x.native_identity());
    /// ```
    pub fn native_identity(self) -> u64 {
        native_identity(self)
    }
}
