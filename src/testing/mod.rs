//! The property-test harness: ops, a reference model, the reachability oracle, proptest
//! strategies, traces, and exhaustive small-graph checks.
//!
//! gclab is a research crate: people change its collector. This module is how they know
//! a change is still correct, in the spirit of slotmap's model test and mmtk's sanity
//! checker. Enable it with the `testing` feature.
//!
//! # How it works
//!
//! - An [`Op`] is one mutator or collector operation (allocation, edges, names,
//!   increfs and decrefs, collections, thresholds, freeze, finalizers, weak references,
//!   save-all, legacy finalizers, `clear_garbage`). Ops name objects with a [`Target`]
//!   resolved against the live objects, so random sequences stay meaningful and shrink
//!   well. An op that is invalid in the current state is still applied: the heap must
//!   return the exact [`GcError`](crate::GcError) the model predicts and change nothing.
//! - The [`Model`] is a plain multigraph with counts, names and flags, written without
//!   any of the collector's code. It mirrors refcounting exactly (immediate, cascading
//!   reclamation with the heap's trashcan; finalizers with their temporary reference,
//!   resurrection, weak-reference clearing, the being-deallocated rule), and, told which
//!   collection the heap ran and which objects it examined in which order, predicts
//!   exactly what that collection must free, keep, save, resurrect and clear. It knows
//!   nothing of generations but through the strategy's [`Policy`].
//! - **User code.** Finalizers and weak-reference callbacks carry a program of ops
//!   ([`Op::SetFinalizer`], [`Op::Downgrade`]; [`Target::Me`] names their object) that
//!   allocates, links, releases, collects, registers and freezes. The heap runs a whole
//!   op first and logs, in order, every collection (with its examined set), finalizer,
//!   callback and program op result; the model then replays the op, predicting each of
//!   them and comparing with the log. Any difference in order or result is a violation.
//! - The oracle ([`Model::reachable`], [`reachable_from`]) is an iterative BFS from the
//!   roots (names, program handles, the `garbage` list).
//! - [`check_invariants`] runs after every op: safety, exact counts, immediate
//!   reclamation, completeness, finalizers and weak references (see [`Rule`]).
//! - A [`Runner`] keeps a heap and its model in step, for any strategy
//!   ([`HarnessStrategy`]): [`Generational`](crate::Generational) under any
//!   [`GcConfig`](crate::GcConfig) ([`Runner::new`]) or another
//!   ([`Runner::with_strategy`]).
//! - [`ops`] is a proptest strategy biased to build chains, cycles and hubs
//!   ([`portable_ops`]: the same without the generational-only ops);
//!   [`check_config`] (for `Generational`) and [`check_strategy`] (any strategy) run it
//!   and, on failure, write the shrunk sequence as a JSON-lines trace (see
//!   [`trace_to_string`]) that `gclab-replay` replays.
//! - [`SmallGraph`] encodes a graph with dropped roots as bytes (shared with the fuzz
//!   target); [`check_graphs`] collects many of them in one heap against the oracle
//!   ([`check_strategy_graphs`] under any strategy).
//!
//! # What holds for every strategy, and what is generational
//!
//! Whatever the strategy, after every op: **safety** (nothing the oracle calls
//! reachable is freed, and nothing the model still has), **exact counts** and
//! **immediate reclamation**, **PEP 442** (a finalizer runs at most once and exactly
//! when the model says, resurrection is safe, weak references are cleared before any
//! callback or finalizer runs and their callbacks run once), and every collection, over
//! the set the strategy noted with [`Heap::note_examined`](crate::Heap::note_examined),
//! frees exactly what trial deletion over that set predicts: the unreachable set is
//! determined by the examined set alone. Two more rules hold for every strategy:
//!
//! - **Completeness**: a full collection ([`Op::CollectFull`], `collect_full`) examines
//!   every object on a cycle of unreachable objects (frozen ones excepted), so,
//!   when no user code runs meanwhile, nothing unreachable survives it but what the
//!   rules keep (legacy-finalizer cycles, which join `gc.garbage`; save-all).
//! - **Order**: finalizers and weak callbacks run in the order of the unreachable list
//!   the strategy hands to the pipeline, which the model reads off the noted examined
//!   order (the unreachable objects in that order). [`find_unreachable`] gives exactly
//!   this (CPython's `move_unreachable` order); a strategy that finds its unreachable
//!   objects by passes of its own notes its examined set so that they come in the order
//!   it hands them over ([`BaconRajan`](crate::BaconRajan)'s `MarkGray` order does: its
//!   white objects come in `CollectWhite` order). So the log records the order and the
//!   model follows it, and stays exact: no per-strategy order flag, no tolerance.
//!
//! [`find_unreachable`]: crate::gc::trial::find_unreachable
//!
//! The rest is policy ([`Policy`]). Under [`Policy::Generational`] the model checks
//! that an automatic collection runs only when enabled with threshold 0 above zero and
//! always once the allocation surplus passes it, that `collect(g)` collects generation
//! `g` and `collect_full` the oldest, that `freeze` and `unfreeze` move everything, and
//! that the settings read back as set. Under [`Policy::Free`] (every strategy but
//! `Generational`), automatic collections may run after any allocation of a container
//! (never while one runs), each checked like any other; the generational-only ops
//! (`Collect { generation }`, `SetThreshold`, `Enable`, `Disable`, `Freeze`,
//! `Unfreeze`), which have no meaning there, are **skipped on both sides** (they are
//! not mapped to `collect_full`: that would change what a trace means), and
//! [`portable_ops`] does not generate them (it turns `collect(g)` into `collect_full`
//! at generation time).
//!
//! # Checking your own strategy
//!
//! The crate's suite (`tests/suite/harness.rs`) checks `Generational` under four
//! configurations and with mark-alive, [`FullOnly`], a strategy that collects after
//! every fifth allocation, `BaconRajan` (a small root buffer, and manual), and
//! `Incremental` (with and without mark-alive); `tests/suite/exhaustive.rs` runs every small
//! graph under `Generational` and `FullOnly`.
//!
//! Implement [`HarnessStrategy`] (empty: the defaults say "no generational surface"),
//! make every collection note its examined set, and run [`check_strategy`] with
//! [`portable_ops`]. [`FullOnly`] is the reference: a strategy without policy that
//! collects only when asked.
//!
//! ```
//! use gclab::gc::trial::find_unreachable;
//! use gclab::testing::{HarnessStrategy, check_strategy, portable_ops, proptest_config};
//! use gclab::{AllocKind, CollectReport, Cx, CycleCollector, Heap, ObjId};
//!
//! /// Collects everything tracked after every 8th allocation, and when asked.
//! #[derive(Default)]
//! struct EveryEighth {
//!     tracked: Vec<ObjId>,
//!     allocations: u32,
//! }
//!
//! impl CycleCollector for EveryEighth {
//!     fn on_track<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
//!         cx.set_space(id, 0, self.tracked.len() as u32);
//!         self.tracked.push(id);
//!     }
//!     fn on_untrack<T>(&mut self, mut cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
//!         self.tracked.swap_remove(position as usize);
//!         if let Some(&moved) = self.tracked.get(position as usize) {
//!             cx.set_position(moved, position);
//!         }
//!     }
//!     fn on_alloc(&mut self, _kind: AllocKind) -> bool {
//!         self.allocations += 1;
//!         self.allocations % 8 == 0
//!     }
//!     fn collect_auto<T>(heap: &mut Heap<T, Self>) {
//!         Self::collect_full(heap);
//!     }
//!     fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
//!         heap.run_collection(0, |heap| {
//!             let mut set = std::mem::take(&mut heap.collector_mut().tracked);
//!             let candidates = set.len();
//!             heap.note_examined(&set); // what the model checks this collection against
//!             let (gc, mut cx) = heap.collector_parts();
//!             let mut unreachable = Vec::new();
//!             find_unreachable(cx.reborrow(), &mut set, &mut unreachable);
//!             for id in set {
//!                 gc.on_track(cx.reborrow(), id);
//!             }
//!             let mut report =
//!                 heap.collect_unreachable(&mut unreachable, |gc, cx, id| gc.on_track(cx, id));
//!             report.candidates = candidates; // the model checks the whole report
//!             report
//!         })
//!     }
//! }
//!
//! impl HarnessStrategy for EveryEighth {}
//!
//! let cases = check_strategy("every_eighth", EveryEighth::default, portable_ops(1..40), proptest_config(32))
//!     .unwrap_or_else(|failure| panic!("{failure}")); // the shrunk trace and where it is
//! assert!(cases > 0);
//! ```
//!
//! # Budget: `PROPTEST_CASES`
//!
//! [`proptest_config`] takes the number of generated op sequences per property from the
//! `PROPTEST_CASES` environment variable when it is set, otherwise from the default the
//! test passes (the crate's suite defaults to at least 10,000 sequences in total).
//! Failing cases are not persisted by proptest (`failure_persistence` is off); instead
//! the shrunk sequence is written under `$GCLAB_TRACE_DIR` (default
//! `target/gclab-traces/`) and its path is printed in the failure message. The trace's
//! header names the strategy and its settings ([`TraceHeader`]), so `gclab-replay
//! TRACE` replays it as it ran. `PROPTEST_RNG_SEED` picks the seed (proptest's own
//! variable); `tools/soak.sh N` runs every property of `tests/suite/harness.rs` for `N`
//! sequences in chunks with distinct seeds, two at a time, and lists the shrunk traces.
//!
//! # Examples
//!
//! ```
//! use gclab::GcConfig;
//! use gclab::testing::{check_config, ops, proptest_config};
//! let config = GcConfig { generations: 2, thresholds: vec![5, 2], enabled: true };
//! check_config("doc_example", &config, None, ops(1..30), proptest_config(16)).unwrap();
//! ```

mod bytes;
mod check;
mod collector;
mod graphs;
mod header;
pub mod internals;
mod model;
mod op;
mod payload;
mod program;
mod runner;
mod strategy;
mod violation;

pub use bytes::ops_from_bytes;
pub use check::check_invariants;
pub use collector::{FullOnly, HarnessStrategy, Policy};
pub use graphs::{MAX_NODES, SmallGraph, check_graphs, check_strategy_graphs};
pub use header::{TraceHeader, TraceStrategy, suite_spec};
pub use model::{
    Death, ExpectedReport, FinalizerKind, Kind, Model, ModelObject, ModelWeak, WeakState,
    reachable_from,
};
pub use op::{Op, Target, TraceError, parse_trace, read_trace, trace_to_string};
pub use payload::{Payload, PayloadPanic};
pub use program::Observed;
pub use runner::{Failure, Runner, run_ops, run_strategy_ops};
pub use strategy::{
    PropFailure, check_config, check_strategy, op, ops, portable_ops, proptest_config, target,
    trace_dir,
};
pub use violation::{Rule, Violation};
