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
//!   exactly what that collection must free, keep, save, resurrect and clear.
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
//! - A [`Runner`] keeps a heap and its model in step under any [`GcConfig`](crate::GcConfig).
//! - [`ops`] is a proptest strategy biased to build chains, cycles and hubs;
//!   [`check_config`] runs it and, on failure, writes the shrunk sequence as a
//!   JSON-lines trace (see [`trace_to_string`]) that `gclab-replay` replays.
//! - [`SmallGraph`] encodes a graph with dropped roots as bytes (shared with the fuzz
//!   target); [`check_graphs`] collects many of them in one heap against the oracle.
//!
//! # Budget: `PROPTEST_CASES`
//!
//! [`proptest_config`] takes the number of generated op sequences per property from the
//! `PROPTEST_CASES` environment variable when it is set, otherwise from the default the
//! test passes (the crate's suite defaults to at least 10,000 sequences in total).
//! Failing cases are not persisted by proptest (`failure_persistence` is off); instead
//! the shrunk sequence is written under `$GCLAB_TRACE_DIR` (default
//! `target/gclab-traces/`) and its path is printed in the failure message.
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
mod model;
mod op;
mod program;
mod runner;
mod strategy;

pub use bytes::ops_from_bytes;
pub use check::{Rule, Violation, check_invariants};
pub use collector::{FullOnly, HarnessStrategy, Policy};
pub use graphs::{MAX_NODES, SmallGraph, check_graphs};
pub use model::{
    Death, ExpectedReport, FinalizerKind, Kind, Model, ModelObject, ModelWeak, Observed, WeakState,
    reachable_from,
};
pub use op::{Op, Target, TraceError, parse_trace, read_trace, trace_to_string};
pub use runner::{Failure, Runner, run_ops, run_strategy_ops};
pub use strategy::{
    PropFailure, check_config, check_strategy, op, ops, portable_ops, proptest_config, target,
    trace_dir,
};
