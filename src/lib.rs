//! # gclab: Python's memory model, made executable and measurable
//!
//! gclab is a heap of objects that behaves like CPython's: names refer to objects, every
//! object has an identity and a reference count, an object whose count reaches zero is
//! reclaimed at once (and so is everything only it kept alive), and reference cycles are
//! found by a **generational trial-deletion collector** in the manner of CPython's `gc`
//! module. Everything is observable: counts, generations, what trial deletion saw, what
//! the collector decided, as numbers, as petgraph graphs and as DOT pictures.
//!
//! ## The seed, in code
//!
//! ```
//! use gclab::Heap;
//!
//! let mut heap: Heap<&str> = Heap::new();
//! // x = 42; y = "hello"; z = [1, 2, 3]
//! let x = heap.alloc_atomic("42");
//! let y = heap.alloc_atomic("'hello'");
//! let z = heap.alloc("[1, 2, 3]");
//! for (name, obj) in [("x", x), ("y", y), ("z", z)] {
//!     heap.set_var(name, obj).unwrap();
//!     heap.decref(obj).unwrap(); // the temporary is gone: only the name refers to it
//!     println!("id({name}) = {}", heap.id(obj).unwrap());
//! }
//! // a = [10, 20]; b = a; del b
//! let list = heap.alloc("[10, 20]");
//! heap.set_var("a", list).unwrap();
//! heap.decref(list).unwrap();
//! assert_eq!(heap.refcount(list).unwrap(), 1);
//! assert_eq!(heap.getrefcount(list).unwrap(), 2); // sys.getrefcount: +1, its argument
//! heap.set_var("b", list).unwrap();
//! assert_eq!(heap.refcount(list).unwrap(), 2);
//! heap.del_var("b").unwrap();
//! assert_eq!(heap.refcount(list).unwrap(), 1);
//! // A cycle outlives its names; the collector finds it.
//! heap.link(list, list).unwrap();              // a.append(a)
//! heap.del_var("a").unwrap();                  // del a
//! assert!(heap.contains(list));                // refcount 1: its own reference
//! assert_eq!(heap.collect_full().collected, 1);
//! assert!(!heap.contains(list));
//! ```
//!
//! ## How it works
//!
//! **Objects.** A [`Heap<T>`] keeps its objects in one dense vector of 32-byte slots
//! (`store.rs`), handing out slotmap-style keys ([`ObjId`]): a slot index and a version,
//! so an id of a freed object is rejected for ever ([`GcError::StaleId`]), even once its
//! slot holds a new object. Each object has a payload `T` (user data, holding no
//! references), an ordered list of *edges* that the heap owns, a total reference count and
//! the count of *external* references among them (program handles from
//! [`Heap::alloc`]/[`Heap::incref`], variables, the `garbage` list), and a collector header
//! (space byte, position or scratch count, flags). Inside the heap an edge is the
//! target's bare 32-bit slot index — every edge targets a live object, so the version is
//! redundant there — and the first edge is stored inline, so a one-edge object with a
//! `()` payload is exactly one 32-byte slot, plus its 4-byte entry (the slot index) in a
//! generation's list.
//!
//! **Reference counting.** Every edge operation adjusts its target's count, so counts are
//! exact by construction ([`Heap::verify`] recounts them from scratch). Every decrement
//! goes through one release path: when a count reaches zero the object is deallocated
//! by an explicit worklist — its finalizer runs first (and may resurrect it), it is
//! untracked, weak references to it are cleared and their callbacks run, and its edges
//! are dropped, pushing targets that reach zero. A 10^7-long chain keeps the worklist at
//! one entry; no function in the crate recurses over the graph. User code (finalizers,
//! callbacks) that releases objects nests deallocations as CPython does, up to
//! [`TRASHCAN_DEPTH`] (CPython's trashcan, 50); deeper ones wait for the outermost
//! deallocation, so a chain of 10^6 finalizers that each free the next runs in bounded
//! stack.
//!
//! **Trial deletion** ([`gc::trial`]). To collect generation `g`, generation `g`'s list
//! and the younger ones (`0, 1, … g-1`, in that order, as CPython merges them) form the
//! examined set, and three phases run, each one linear pass: `update_refs` copies each
//! refcount into a scratch count (`gc_refs`, kept in the object's header as CPython
//! keeps it in `PyGC_Head`, so nothing is hashed); `subtract_refs` subtracts one for
//! every edge between members, leaving in each scratch count the references from
//! *outside* the set; `move_unreachable` scans the set in list order, exactly as
//! CPython's: what has a positive count is reachable and makes what it references
//! reachable (an object already set aside moves back to the end of the list: here it
//! gives its entry up and waits in a queue linked through the headers, so no list ever
//! outgrows the examined set), the rest is unreachable, in list order. References from older generations are simply
//! "outside" to a young collection: no write barrier or remembered set is needed, and a
//! young collection never touches older generations. Generation lists keep allocation
//! order with O(1) removal (a freed member leaves a tombstone; lists compact when
//! tombstones dominate), so the order everything below happens in is CPython's.
//!
//! **Finalization** ([`gc::collect::CollectionStep`] lists every step). The garbage is
//! handled in CPython 3.11–3.13's order (PEP 442, `gc_collect_main`):
//!
//! ```text
//!   examined set ──trial deletion──► survivors ──► generation g+1 (the oldest stays)
//!        │                            (tuples untracked in list order; dicts in full
//!        │                             collections)
//!        └─► unreachable ─┬─ legacy finalizer (tp_del) and all it reaches ──► g+1,
//!                         │     uncollectable; gc.garbage lists the legacy objects
//!                         ├─ 1. clear weak references to them (and held by them);
//!                         │     call callbacks of the cleared references that are
//!                         │     themselves reachable, most recent first per object
//!                         ├─ 2. run finalizers (once per object, ever), in list order,
//!                         │     each holding a reference to its object
//!                         ├─ 3. trial deletion again over the unreachable set:
//!                         │     anything user code made reachable ──► generation g+1
//!                         └─ 4. clear the edges of the rest, one object at a time:
//!                               the refcount cascade frees it
//! ```
//!
//! For example, with `a ⇄ b` garbage, a weak reference `w → a` held by the program, and a
//! finalizer on `a` that binds `a` to a name: `w` is cleared and its callback sees it dead;
//! the finalizer runs and resurrects `a`; step 3 finds `a` (and `b`, which `a` reaches)
//! referenced from outside, so both survive with their ids, in the next generation;
//! nothing is freed. When the name is deleted later, the finalizer does not run again.
//!
//! **User code may do anything.** Finalizers, weak-reference callbacks, legacy
//! finalizers and collection callbacks ([`Heap::add_heap_callback`]) get the heap and
//! may allocate, link, release, collect, register weak references and finalizers, and
//! freeze; the heap stays consistent, and the property harness generates such programs.
//! A collection requested while one runs does nothing (it reports `skipped`), as
//! `gc.collect()` returns 0 then; objects allocated meanwhile go to generation 0, which
//! the running collection no longer touches. A panic in user code is caught and recorded
//! as a [`GcEvent`]; a panic in a payload's `Drop` is re-raised once the release path
//! or the collection has finished, so the heap always verifies afterwards.
//!
//! **An object being deallocated.** From the moment an object's count reached zero and
//! its finalizer (if any) did not resurrect it, nothing can reach it any more, as in
//! CPython: it is untracked, weak references to it read dead (before their callbacks
//! run), and `upgrade` of one returns `None`. A closure may still hold its [`ObjId`]:
//! reading it (payload, edges, count 0) works until it is freed, and every operation that
//! would take a reference to it, change its edges or register something on it returns
//! [`GcError::BeingDeallocated`]. Its finalizer and legacy finalizer run with a
//! temporary reference, so they can use it freely, and saving it is resurrection.
//!
//! **Generations** (policy, in [`gc`]). As in CPython 3.13: a young collection runs when
//! allocations minus deallocations of container objects (tracked or not, as CPython
//! counts every GC-capable object) exceed `threshold0` (2000); generation 1 every
//! `threshold1` (10) young collections; the oldest every `threshold2` (10) generation-1
//! collections, but only when the objects promoted into it since the last full
//! collection exceed a quarter of those that were there, which keeps full collections
//! amortised linear. Atomic objects ([`Heap::alloc_atomic`]) are never tracked;
//! immutable ones ([`Heap::alloc_immutable`]) are untracked once none of their referents
//! may be tracked; lazily tracked containers ([`Heap::alloc_lazy`], CPython's dicts) are
//! tracked once they hold a container and untracked again by full collections.
//!
//! ## Module map
//!
//! | module | what it holds |
//! |---|---|
//! | [`Heap`] (`heap/mod.rs`) | the heap's state and its callback types; its methods live in its rooms below, in reading order |
//! | [`Heap`] (`heap/construct.rs`, `heap/collector.rs`) | construction ([`Heap::new`], [`Heap::with_collector`]); the strategy's side (examined sets, tracking) |
//! | [`Heap`] (`heap/alloc.rs`, `heap/edges.rs`) | allocation; edges, every edge write through one path with the strategy's write barrier |
//! | [`Heap`] (`heap/names.rs`, `heap/inspect.rs`, `heap/identity.rs`) | external references and names; counts, payloads, referrers; identities (`id()`) |
//! | [`Heap`] (`heap/finalize.rs`, `heap/weakref.rs`) | the heap's finalizer and weak-reference APIs |
//! | [`Heap`] (`heap/release.rs`, `heap/verify.rs`) | the one release path (cascade, trashcan, deallocation); [`Heap::verify`] |
//! | [`WeakRef`] (`weak`) | the weak-reference table: it knows no heap |
//! | [`gc::strategy`] | the seam: [`CycleCollector`] |
//! | [`gc`] (`cx.rs`) | the contexts strategies work on, [`Cx`] and [`Objects`]: the object store alone |
//! | [`gc::trial`] | mechanism: the passes `update_refs`, `subtract_refs`, `move_unreachable`; [`gc::trial::find_unreachable`]; [`TrialView`] |
//! | [`gc::collect`] | the steps of a collection ([`CollectionStep`]) and their times ([`StepTimes`]) |
//! | [`gc`] (`pipeline.rs`) | mechanism: the PEP 442 steps over an unreachable set, shared by every strategy ([`Heap::collect_unreachable`]) |
//! | [`gc::mechanism`] | mechanism: [`TrackedList`], the tracked-list building block, and [`Heap::collect_list`], the trial collection of a list on the fused slot-level passes and the direct free (what [`Generational`], [`FullOnly`](gc::FullOnly) and [`Incremental`] collect with) |
//! | [`gc`] (`generational.rs`) | the default strategy [`Generational`]: generations, thresholds, promotion, long-lived heuristic, its collection step by step |
//! | [`gc`] (`gc_module.rs`) | the Python `gc`-module surface: collect, thresholds, freeze, stats, callbacks, save-all, `garbage` |
//! | [`gc::incremental`] | the strategy [`Incremental`]: CPython 3.14's incremental collector (young generation plus an increment of the old space) |
//! | [`gc::mark_alive`] | mechanism: the mark-alive pre-pass (what the roots reach leaves the examined set), for any strategy |
//! | [`graph`] | petgraph export, DOT pictures, SCCs, back-reference chains, censuses |
//! | [`snapshot`] | the `gclab-snapshot/1` JSON format: import and export, CPython heaps |
//! | [`workloads`] | the standard workloads shared by benches, experiments and tests |
//! | [`strategies`] | the registry of strategies: `--strategy NAME[:settings]` ([`strategies::StrategyChoice`]), generic code under a strategy chosen at run time, what the harness checks |
//! | `experiment` (feature `cli`) | what the experiment binaries share: errors and closed pipes, CSV, tables, progress bars, plots; re-exports [`strategies`] |
//! | `testing` (feature `testing`) | ops, reference model, oracle, proptest strategies, traces; the rules it checks (`violation.rs`) |
//!
//! The core files import in one direction (`ARCHITECTURE.md`, "Which file may import
//! which"; `tests/suite/layering.rs` checks it): the object store and the weak table know no
//! heap, trial deletion works on a [`Cx`], and the pipeline, the strategies and the
//! `gc`-module surface build on the heap, never the other way round.
//!
//! ## Choosing how to hold an object
//!
//! An [`ObjId`] is a *borrowed* name: it does not keep the object alive. To keep one, hold
//! an external reference ([`Heap::alloc`] returns one; [`Heap::incref`] takes another;
//! [`Heap::decref`] gives one back) or bind a variable ([`Heap::set_var`]). Variables are
//! what Python programs use and what pictures show; handles are what a Rust program
//! holding an object for a while uses. Either way the collector sees an external
//! reference and the object survives. Over-releasing is an error
//! ([`GcError::NoExternalRef`]), never a corruption.
//!
//! ## Foreign ids
//!
//! An `ObjId` from another heap is rejected when its slot is free or has another version
//! here; otherwise it names whichever object occupies that slot in this heap. That is a
//! logic error in the caller, never memory unsafety: the crate has no `unsafe` code. A
//! [`WeakRef`] carries its heap's tag, so another heap refuses it
//! ([`GcError::ForeignWeakRef`]) instead of acting on one of its own.
//!
//! ## Identities
//!
//! [`Heap::id`] is Python's `id()`: an address-like number (`2^48 + 16 × slot`, 16-byte
//! aligned like a CPython address), stable while the object lives and, like an address,
//! reusable by a later object in the same slot. Pictures label objects with their
//! [`ObjId`] (`3v1`: slot 3, version 1), which is never reused. Snapshot imports keep
//! their source's identities ([`Heap::assign_identity`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Declared first, in the order a reader meets them, because rustdoc lists `Heap`'s
// methods in the order their modules are declared: construction, allocation, edges,
// counts, names and identities, finalizers and weak references (`heap`), then the
// collector, finalizers and introspection (`gc`).
mod heap;
mod object;
mod store;
mod weak;

mod error;
#[cfg(feature = "cli")]
pub mod experiment;
pub mod gc;
pub mod graph;
pub mod snapshot;
pub mod strategies;
#[cfg(feature = "testing")]
pub mod testing;
pub mod workloads;

pub use error::{GcError, Result, VerifyError};
#[cfg(feature = "testing")]
pub use gc::Fault;
pub use gc::collect::{CollectionStep, StepTimes};
pub use gc::{
    AllocKind, BaconRajan, BaconRajanStats, Callback, CollectReport, Cx, CycleCollector, GcConfig,
    GcEvent, GenStats, Generation, Generational, Incremental, IncrementalConfig, LongLived,
    Objects, Phase, RootTrigger, TrackedList, TrialEntry, TrialView,
};
pub use heap::{Finalizer, Heap, HeapCallback, HeapCounters, TRASHCAN_DEPTH, WeakCallback};
pub use object::{MAX_GENERATIONS, MAX_REFCOUNT, ObjId};
pub use store::EdgeIds;
pub use weak::WeakRef;
