//! Op sequences decoded from bytes, run against the reference model under a
//! collector configuration also chosen by the bytes.
#![no_main]

use gclab::GcConfig;
use gclab::testing::{ops_from_bytes, run_ops, trace_to_string};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    // The first byte picks the configuration: 1 to 3 generations, small thresholds,
    // automatic collection on or off.
    let generations = 1 + usize::from(first % 3);
    let thresholds: Vec<u32> = (0..generations)
        .map(|g| 1 + u32::from(first >> (2 + g)) % 8)
        .collect();
    let config = GcConfig {
        generations,
        thresholds,
        enabled: first & 0x80 == 0,
    };
    let ops = ops_from_bytes(rest);
    if let Err(failure) = run_ops(&config, None, &ops) {
        panic!(
            "{failure}\nconfig: {config:?}\ntrace:\n{}",
            trace_to_string(&ops[..=failure.index], &[])
        );
    }
});
