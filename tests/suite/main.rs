//! The scenario and differential tests, compiled as one test binary (`suite`). The
//! tests of the experiment binaries live with them (`experiments/tests/`).
//!
//! Each file here was a test binary of its own; one binary compiles and links the crate's
//! generic code once instead of once per file, which is most of what a cold `cargo test`
//! spent its time on. A file is a module: `cargo test --test suite heap::` runs the
//! tests of `heap.rs`, `cargo test --test suite` all of them. The property harness
//! (`tests/harness.rs`), the strategy walkthrough, the layering check and the main-thread
//! test stay binaries of their own. The exhaustive small-graph tests joined as a module
//! too: their long tests then run beside the others' instead of after them.
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
mod mark_alive;
mod snapshot;
mod trace_header;
mod user_code;
