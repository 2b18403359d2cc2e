//! The scenario and differential tests, compiled as one test binary (`suite`). The
//! tests of the experiment binaries live with them (`experiments/tests/`).
//!
//! Each file here was a test binary of its own; one binary compiles and links the crate's
//! generic code once instead of once per file, which is most of what a cold `cargo test`
//! spent its time on. A file is a module: `cargo test --test suite heap::` runs the
//! tests of `heap.rs`, `cargo test --test suite` all of them. The property harness
//! (`tests/harness.rs`, which `tools/soak.sh` and the README's long runs name) and the
//! main-thread test (`tests/main_thread.rs`, which needs the process's main thread) stay
//! binaries of their own. The exhaustive small-graph tests, the `FullOnly` walkthrough
//! (`strategy.rs`), the strategy of one's own (`own_strategy.rs`) and the layering check
//! joined as modules too: each binary links the crate and its dependencies again, and
//! their long tests run beside the others' instead of after them.
//!
//! A new scenario file goes here as a module (`mod name;` below); a file directly in
//! `tests/` still works, as a binary of its own.

mod common;

mod bacon_rajan;
mod collector;
mod cpython_differential;
mod cpython_fidelity;
mod exhaustive;
mod finalizers;
mod graph;
mod heap;
mod incremental;
mod internals;
mod layering;
mod mark_alive;
mod own_strategy;
mod registry;
mod snapshot;
mod strategy;
mod trace_header;
mod triggers;
mod user_code;
mod workloads;
