//! A small graph with dropped roots decoded from bytes (the encoding the exhaustive
//! tests use), collected and checked against the reachability oracle.
#![no_main]

use gclab::GcConfig;
use gclab::testing::{SmallGraph, check_graphs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let graph = SmallGraph::from_bytes(data);
    if let Err(v) = check_graphs(&[graph], &GcConfig::default(), None) {
        panic!("{v}");
    }
});
