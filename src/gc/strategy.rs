//! The collector seam: the trait a collection strategy implements, and the context it
//! works on.
//!
//! A [`Heap<T, C>`](crate::Heap) is generic over its cycle-collection strategy `C`
//! ([`Generational`](crate::Generational), CPython's collector, by default). The heap does
//! reference counting and immediate reclamation itself; it tells the strategy what
//! happens through the `on_*` hooks of [`CycleCollector`], and asks it to collect when
//! the strategy says so (after an allocation) or when the program asks
//! ([`Heap::collect_full`]).
//!
//! ## Where the state lives, and why
//!
//! The strategy's state is a field of the heap (`Heap::gc`), never moved out. Hooks are
//! methods on `&mut self` that receive a [`Cx`], a borrow of the object store alone (a
//! split borrow next to the strategy field, so no `RefCell`, no `Option`, no moving out):
//! through it a strategy reads counts and edges and writes the collector part of each
//! object's header (its *space* byte and its *position* in the strategy's list, CPython's
//! `PyGC_Head`). A collection, on the other hand, runs user code (finalizers, weak
//! reference callbacks, collection callbacks) that gets `&mut Heap<T, C>`; so
//! [`CycleCollector::collect_full`] and [`CycleCollector::collect_auto`] are associated
//! functions that receive the heap and take the strategy's decisions step by step,
//! borrowing `heap.gc` only between user-code steps. Taking the strategy out of the heap
//! (`std::mem::take`) for the duration of a collection was rejected: user code that
//! allocates during the collection must be tracked by the real strategy, not by a
//! placeholder.
//!
//! ## Cost
//!
//! The hooks on the release and allocation paths (`on_possible_root`, `on_free`,
//! `on_edge_write`, `on_alloc`) have empty default bodies; `Heap` is monomorphised for
//! its strategy, so a strategy that does not override them pays nothing (the calls are
//! inlined away). [`Generational`](crate::Generational) overrides only `on_alloc` and
//! `on_free` (its allocation count, as CPython's `gcstate->generations[0].count`) of
//! those. Two hooks exist for speed alone, with defaults that fall back on the others:
//! [`on_track_new`](CycleCollector::on_track_new) places a new object before its slot
//! is written (one header write, one lookup of the new slot, instead of `on_track`'s
//! second lookup), and [`on_possible_root_at`](CycleCollector::on_possible_root_at)
//! names an edge's target by slot with its space byte, so a strategy builds the id only
//! when it uses it. The crate's strategies override both where they gain.
//!
//! ## A minimal strategy
//!
//! One list of tracked objects; it collects only when asked, with trial deletion over
//! everything tracked and the shared PEP 442 pipeline (`tests/suite/strategy.rs` has it with
//! scenario tests; `ARCHITECTURE.md` walks through it):
//!
//! ```
//! use gclab::gc::trial::find_unreachable;
//! use gclab::{CollectReport, Cx, CycleCollector, Heap, ObjId};
//!
//! #[derive(Default)]
//! struct OnDemand {
//!     tracked: Vec<ObjId>, // each object's header position is its index here
//! }
//!
//! impl CycleCollector for OnDemand {
//!     fn on_track<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
//!         cx.set_space(id, 0, self.tracked.len() as u32);
//!         self.tracked.push(id);
//!     }
//!
//!     fn on_untrack<T>(&mut self, mut cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
//!         let i = position as usize;
//!         self.tracked.swap_remove(i);
//!         if let Some(&moved) = self.tracked.get(i) {
//!             cx.set_position(moved, i as u32);
//!         }
//!     }
//!
//!     fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
//!         heap.run_collection(0, |heap| {
//!             let mut set = std::mem::take(&mut heap.collector_mut().tracked);
//!             heap.note_examined(&set); // for the harness: what this collection examines
//!             let (gc, mut cx) = heap.collector_parts();
//!             let mut unreachable = Vec::new();
//!             find_unreachable(cx.reborrow(), &mut set, &mut unreachable);
//!             for id in set {
//!                 gc.on_track(cx.reborrow(), id); // the reachable ones go back
//!             }
//!             heap.collect_unreachable(&mut unreachable, |gc, cx, id| gc.on_track(cx, id))
//!         })
//!     }
//! }
//!
//! let mut heap: Heap<&str, OnDemand> = Heap::with_collector(OnDemand::default());
//! let (a, b) = (heap.alloc("a"), heap.alloc("b"));
//! heap.link(a, b).unwrap();
//! heap.link(b, a).unwrap();
//! heap.decref(a).unwrap();
//! heap.decref(b).unwrap();
//! assert_eq!(heap.collect_full().collected, 2);
//! assert!(heap.is_empty());
//! ```

use crate::heap::Heap;
use crate::object::ObjId;

use super::CollectReport;
use super::cx::{Cx, Objects};

/// What kind of container an allocation created (the argument of
/// [`CycleCollector::on_alloc`]). Atomic objects are not containers and are not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocKind {
    /// A mutable container ([`Heap::alloc`],
    /// [`Heap::alloc_with`]), tracked at once.
    Container,
    /// An immutable container ([`Heap::alloc_immutable`]),
    /// tracked at once; a strategy may untrack it once all its referents are untracked.
    Immutable,
    /// A lazily tracked container ([`Heap::alloc_lazy`]),
    /// tracked once it refers to something that may be tracked.
    Lazy,
}

/// A collection strategy: a cycle collector plugged into a [`Heap`].
///
/// The heap calls the `on_*` hooks as things happen; the strategy keeps whatever lists or
/// buffers it needs, and finds and frees cyclic garbage when asked. See the module
/// documentation for the design, and `ARCHITECTURE.md` ("Adding a collection strategy")
/// and `tests/suite/strategy.rs` for a complete minimal strategy.
///
/// Contract:
/// - An object is *tracked* while its header's space byte is not the untracked mark. The
///   heap allocates containers untracked and calls [`on_track`](CycleCollector::on_track);
///   the strategy records the object (e.g. appends it to a list) and marks it with
///   [`Cx::set_space`]/[`Cx::set_position`]. Before the heap frees a tracked object, or
///   must take it out of the strategy's lists, it calls
///   [`on_untrack`](CycleCollector::on_untrack) with the object's space and position,
///   and marks it untracked afterwards.
/// - Objects in a running collection's working set (between trial deletion and their
///   release) are outside every strategy list; the heap never reports them.
pub trait CycleCollector: Sized + 'static {
    /// `id` became tracked: a container was allocated, a lazily tracked container got a
    /// trackable referent, or a dying object is tracked again while its finalizer runs.
    /// The object is untracked, or in a collection's working set (a survivor given back,
    /// see [`Heap::collect_unreachable`]), on entry; the strategy records it and writes
    /// its space and position.
    fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId);

    /// A container was just allocated tracked ([`Heap::alloc`], [`Heap::alloc_with`],
    /// [`Heap::alloc_immutable`]): `id` names it, with a count of 1, but the store writes
    /// its slot only after this returns, so it cannot be read through a [`Cx`] yet. A
    /// strategy that places a new object without reading the heap records it as
    /// [`on_track`](CycleCollector::on_track) would and returns the space and position
    /// its header is to carry: the heap writes them with the rest of the new header, so
    /// the allocation looks the new slot up once. `None` (the default): the heap stores
    /// the object untracked and then calls `on_track`.
    #[inline(always)]
    fn on_track_new(&mut self, id: ObjId) -> Option<(u8, u32)> {
        let _ = id;
        None
    }

    /// `id` stops being tracked (it is being freed, or user code is about to run on it
    /// during its deallocation). It is tracked by this strategy on entry, in `space` at
    /// `position` (its header, which the heap has just read: the hot release path looks
    /// the object up once); the strategy forgets it, and the heap then marks it
    /// untracked. When the object is being freed its slot may be free already (the
    /// release path's straight case frees it in place first): the strategy uses `id`,
    /// `space` and `position`, not the object through `cx` (other objects, e.g. the
    /// member that takes its place in a list, are reachable as usual).
    fn on_untrack<T>(&mut self, cx: Cx<'_, T>, id: ObjId, space: u8, position: u32);

    /// A reference count was decremented and stayed above zero: `id` may have become
    /// the root of a garbage cycle (Bacon–Rajan's "possible root"). `id` is alive; it
    /// may be untracked (an atomic object, a lazily tracked container not yet tracked)
    /// or in a running collection's working set, which `cx` tells
    /// ([`Objects::space`] is `None` then). No-op by default, and then free: the heap
    /// is monomorphised for its strategy, and building the context is a pointer copy
    /// that vanishes with the empty call.
    #[inline(always)]
    fn on_possible_root<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        let _ = (cx, id);
    }

    /// [`on_possible_root`](CycleCollector::on_possible_root) for the target of an
    /// edge a freed object held, named by its `slot` ([`Objects::slot`]) with its
    /// header's space byte `space` (which may be one of the heap's marks: untracked, or
    /// in a running collection's working set), both read by the heap as it lowered the
    /// count: a strategy that acts on few possible roots decides from `space` before it
    /// builds the id ([`Objects::id_at`]). The default builds the id and calls
    /// `on_possible_root` (free when that is the empty default).
    #[inline(always)]
    fn on_possible_root_at<T>(&mut self, cx: Cx<'_, T>, slot: u32, space: u8) {
        let _ = space;
        let id = cx.objects().id_at(slot);
        self.on_possible_root(cx, id);
    }

    /// A container object (any kind but atomic, tracked or not) was freed. No-op by
    /// default.
    #[inline(always)]
    fn on_free(&mut self) {}

    /// An edge `from → to` was written (a write-barrier hook for incremental
    /// strategies). No-op by default.
    #[inline(always)]
    fn on_edge_write(&mut self, from: ObjId, to: ObjId) {
        let _ = (from, to);
    }

    /// A container of kind `kind` was allocated. Returns whether the strategy wants to
    /// collect now; the heap then calls [`collect_auto`](CycleCollector::collect_auto)
    /// (unless a collection is already running). Never collects by default.
    #[inline(always)]
    fn on_alloc(&mut self, kind: AllocKind) -> bool {
        let _ = kind;
        false
    }

    /// An automatic collection the strategy asked for in
    /// [`on_alloc`](CycleCollector::on_alloc): decide what to collect and collect it
    /// (e.g. with [`Heap::run_collection`]). Does nothing
    /// by default.
    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        let _ = heap;
    }

    /// The program's explicit full collection ([`Heap::collect_full`],
    /// Python's `gc.collect()`): find and free all cyclic garbage the strategy can see.
    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport;

    /// Room for `additional` more tracked objects is about to be needed (a bulk load).
    /// Does nothing by default.
    fn reserve(&mut self, additional: usize) {
        let _ = additional;
    }

    /// Checks the strategy's own invariants against the objects (called by
    /// [`Heap::verify`]): e.g. that its lists and the headers
    /// agree. Returns a lowercase description of the first violation.
    ///
    /// # Errors
    /// The description of a violation.
    fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
        let _ = objects;
        Ok(())
    }
}
