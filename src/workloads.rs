//! The standard workloads, shared by benches, experiments and tests.
