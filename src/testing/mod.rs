//! The property-test harness: ops, a reference model, the reachability oracle.
