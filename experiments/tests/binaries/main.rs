//! The experiment binaries' tests, one test binary (`binaries`): each binary run with
//! tiny configurations (`experiments.rs`), the tour (`tour.rs`), `gclab-snapshot`
//! (`snapshot.rs`) and the helpers they share, `gclab::experiment` (`shared.rs`).
//! `cargo test -p gclab-experiments --test binaries tour::` runs one file's.

// The core crate's helper for tests that need an outside tool (`dot`, `python3`).
#[path = "../../../tests/suite/common.rs"]
mod common;

mod experiments;
mod shared;
mod snapshot;
mod tour;
