//! Exhaustive small graphs, in the manner of gcmodule's `test_small_graph`: every
//! directed graph (self-loops included) of up to 4 nodes, with every choice of dropped
//! roots, collected and checked against the reachability oracle; then a seeded random
//! sample of 16-node graphs.
//!
//! The same graphs go through the reference strategy without generations,
//! `gclab::testing::FullOnly`.
//!
//! One heap per edge set holds a disjoint copy of the graph for each of the 2^n
//! dropped-root choices, so one collection checks them all.
//!
//! Size: the two four-node tests take most of the suite's run time in a debug build
//! (opt-level 1), so there, unless `GCLAB_EXHAUSTIVE=full` is set, they check one edge
//! set in 8 (8,192 of the 65,536, a fixed spread over all of them, every dropped-root
//! set of each); a release build (`cargo test --release --test suite exhaustive::`) and
//! `.ci/run` (which sets `GCLAB_EXHAUSTIVE=full`) check every one.

use gclab::testing::{FullOnly, SmallGraph, check_graphs, check_strategy_graphs};
use gclab::{Fault, GcConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn all_graphs_of(nodes: usize, config: &GcConfig) -> usize {
    all_graphs_checked_by(nodes, |graphs| check_graphs(graphs, config, None))
}

/// Whether the four-node tests check every edge set: in a release build, or when
/// `GCLAB_EXHAUSTIVE=full` is set (see the module documentation).
fn full_size() -> bool {
    !cfg!(debug_assertions) || std::env::var("GCLAB_EXHAUSTIVE").is_ok_and(|v| v == "full")
}

/// The edge sets of `nodes` nodes the tests check: all of them, or, for four nodes in
/// a debug build without `GCLAB_EXHAUSTIVE=full`, one in 8: the first 8,192 images of
/// the bijection `e ↦ e · 40503 mod 2^16` (an odd multiplier), spread over the whole
/// range rather than a block of it.
fn edge_sets(nodes: usize) -> Vec<u64> {
    let all = 1u64 << (nodes * nodes);
    if nodes < 4 || full_size() {
        (0..all).collect()
    } else {
        sampled_four_node_edge_sets()
    }
}

/// One four-node edge set in 8: `e ↦ e · 40503 mod 2^16` of `0..8192`.
fn sampled_four_node_edge_sets() -> Vec<u64> {
    (0..65_536 / 8).map(|i| (i * 40_503) % 65_536).collect()
}

/// How many graphs of `nodes` nodes the tests check (each edge set with every
/// dropped-root set).
fn graphs_checked(nodes: usize) -> usize {
    edge_sets(nodes).len() << nodes
}

fn all_graphs_checked_by(
    nodes: usize,
    check: impl Fn(&[SmallGraph]) -> Result<(), gclab::testing::Violation>,
) -> usize {
    let mut checked = 0;
    for edges in edge_sets(nodes) {
        let graphs: Vec<SmallGraph> = (0..1u16 << nodes)
            .map(|dropped| SmallGraph::from_masks(nodes, edges, dropped))
            .collect();
        if let Err(v) = check(&graphs) {
            panic!("{v}");
        }
        checked += graphs.len();
    }
    checked
}

#[test]
fn every_graph_of_up_to_three_nodes_with_every_dropped_root_set() {
    let config = GcConfig::default();
    let mut total = 0;
    for n in 1..=3 {
        total += all_graphs_of(n, &config);
    }
    // 2·2 + 16·4 + 512·8 graphs.
    assert_eq!(total, 4 + 64 + 4096);
}

#[test]
fn every_graph_of_four_nodes_with_every_dropped_root_set() {
    assert_eq!(all_graphs_of(4, &GcConfig::default()), graphs_checked(4));
    assert_eq!(
        graphs_checked(4),
        if full_size() { 65_536 } else { 8_192 } * 16
    );
}

#[test]
fn the_sampled_edge_sets_are_distinct_and_spread_over_the_whole_range() {
    let all = sampled_four_node_edge_sets();
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        8_192,
        "the multiplier is odd: no edge set twice"
    );
    // Every eighth of the range holds about an eighth of the sample, and every one of
    // the 16 adjacency bits is set in about half of it.
    for block in 0..8 {
        let n = all.iter().filter(|&&e| e >> 13 == block).count();
        assert!((900..=1150).contains(&n), "block {block}: {n}");
    }
    for bit in 0..16 {
        let n = all.iter().filter(|&&e| e & (1 << bit) != 0).count();
        assert!((3700..=4500).contains(&n), "bit {bit}: {n}");
    }
}

#[test]
fn every_graph_of_up_to_four_nodes_under_the_full_only_strategy() {
    let mut total = 0;
    for n in 1..=4 {
        total += all_graphs_checked_by(n, |graphs| {
            check_strategy_graphs(graphs, FullOnly::default())
        });
    }
    assert_eq!(total, 4 + 64 + 4096 + graphs_checked(4));
}

#[test]
fn sampled_sixteen_node_graphs_under_a_generational_heap() {
    // Small thresholds: automatic collections run while the graphs are built (all
    // roots held), promoting nodes, so the final full collection merges generations.
    let config = GcConfig {
        generations: 3,
        thresholds: vec![7, 3, 3],
        enabled: true,
    };
    let mut rng = StdRng::seed_from_u64(0x6cab_0016);
    for _ in 0..100 {
        let graphs: Vec<SmallGraph> = (0..20)
            .map(|_| {
                // Density from sparse (chains, a few cycles) to dense.
                let density = rng.random_range(1..=6u8);
                let mut bytes = vec![15, rng.random(), rng.random()];
                bytes.extend((0..32).map(|_| {
                    (0..8).fold(0u8, |b, bit| {
                        b | (u8::from(rng.random_range(0..48) < density) << bit)
                    })
                }));
                SmallGraph::from_bytes(&bytes)
            })
            .collect();
        if let Err(v) = check_graphs(&graphs, &config, None) {
            panic!("{v}");
        }
    }
}

#[test]
fn graph_bytes_round_trip_and_decode_any_input() {
    let g = SmallGraph::from_masks(3, 0b1_0010_0110, 0b101);
    assert_eq!(SmallGraph::from_bytes(&g.to_bytes()), g);
    for bytes in [&[][..], &[255], &[7, 255, 255, 255, 255]] {
        let g = SmallGraph::from_bytes(bytes);
        assert!(g.nodes >= 1 && g.edges.iter().all(|&(a, b)| a < g.nodes && b < g.nodes));
    }
}

#[test]
fn small_graph_search_finds_both_injected_faults() {
    for fault in [Fault::SkipSubtractForOneEdge, Fault::ForgetOneReachable] {
        // One graph per heap: a fault hits the first edges the collector examines, which
        // in a batch belong to the first copy only.
        let found = (0..1u64 << 9).find_map(|edges| {
            (0..8).find_map(|dropped| {
                let graph = SmallGraph::from_masks(3, edges, dropped);
                check_graphs(
                    std::slice::from_ref(&graph),
                    &GcConfig::default(),
                    Some(fault),
                )
                .err()
            })
        });
        let violation = found.unwrap_or_else(|| panic!("{fault:?} went unnoticed"));
        eprintln!("{fault:?}: {violation}");
    }
}
