//! The scenario and differential tests, compiled as one test binary (`suite`). The
//! tests of the experiment binaries live with them (`experiments/tests/`).
//!
//! Each file here was a test binary of its own; one binary compiles and links the crate's
//! generic code once instead of once per file, which is most of what a cold `cargo test`
//! spent its time on. A file is a module: `cargo test --test suite heap::` runs the
//! tests of `heap.rs`, `cargo test --test suite` all of them. The property harness
//! (`harness.rs`) is a module too: `cargo test --test suite harness::` runs its tests
//! alone, `PROPTEST_CASES=N cargo test --release --test suite harness::` with `N`
//! sequences per property, and `tools/soak.sh` picks its properties from this binary's
//! `--list`. Only the main-thread test (`tests/main_thread.rs`, which needs the process's
//! main thread) stays a binary of its own. Every binary links the crate and its
//! dependencies again and instantiates the crate's generic code again, and the tests of
//! one binary run side by side while binaries run one after the other, so the exhaustive
//! small-graph tests, the `FullOnly` walkthrough (`strategy.rs`), the strategy of one's
//! own (`own_strategy.rs`), the layering check and the harness joined as modules.
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
mod harness;
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
