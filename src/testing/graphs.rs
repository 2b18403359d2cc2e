//! Small graphs with dropped roots, encoded as bytes, collected and checked against the
//! oracle (in the manner of gcmodule's `test_small_graph`).

use std::collections::BTreeSet;
use std::fmt;

use crate::{CycleCollector, Fault, GcConfig, Heap, ObjId};

use super::model::reachable_from;
use super::violation::{Rule, Violation};

/// The most nodes a [`SmallGraph`] decoded from bytes has.
pub const MAX_NODES: usize = 16;

/// A directed graph (self-loops allowed, no parallel edges) of up to [`MAX_NODES`]
/// nodes, with the set of nodes whose external reference is dropped.
///
/// # Byte encoding
/// Byte 0: `nodes - 1` (modulo 16). Bytes 1–2: the dropped-root mask, little endian
/// (bit `i` set: node `i` loses its external reference). Then the adjacency matrix,
/// row-major, least significant bit first: bit `i * nodes + j` set means an edge
/// `i → j`. Missing bytes read as 0, extra bytes are ignored, so every byte string
/// decodes.
///
/// # Examples
/// ```
/// use gclab::testing::SmallGraph;
/// // Two nodes, both dropped, edges 0 → 1 and 1 → 0: a garbage cycle.
/// let g = SmallGraph::from_bytes(&[1, 0b11, 0, 0b0110]);
/// assert_eq!(g.edges, vec![(0, 1), (1, 0)]);
/// assert!(g.reachable().is_empty());
/// assert_eq!(SmallGraph::from_bytes(&g.to_bytes()), g);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmallGraph {
    /// Number of nodes.
    pub nodes: usize,
    /// Edges `(from, to)`, sorted, without duplicates.
    pub edges: Vec<(usize, usize)>,
    /// `dropped[i]`: node `i` loses its external reference.
    pub dropped: Vec<bool>,
}

impl SmallGraph {
    /// Decodes a graph (see the type's byte encoding).
    pub fn from_bytes(bytes: &[u8]) -> SmallGraph {
        let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let nodes = 1 + usize::from(at(0)) % MAX_NODES;
        let mask = u16::from(at(1)) | (u16::from(at(2)) << 8);
        let mut edges = Vec::new();
        for k in 0..nodes * nodes {
            if at(3 + k / 8) & (1 << (k % 8)) != 0 {
                edges.push((k / nodes, k % nodes));
            }
        }
        SmallGraph {
            nodes,
            edges,
            dropped: (0..nodes).map(|i| mask & (1 << i) != 0).collect(),
        }
    }

    /// Encodes the graph (the inverse of [`from_bytes`](SmallGraph::from_bytes) for
    /// graphs of 1 to [`MAX_NODES`] nodes with sorted, distinct edges).
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.nodes.clamp(1, MAX_NODES);
        let mask: u16 = (0..n)
            .filter(|&i| self.dropped.get(i).copied().unwrap_or(false))
            .fold(0, |m, i| m | (1 << i));
        let mut out = vec![(n - 1) as u8, mask as u8, (mask >> 8) as u8];
        out.resize(3 + (n * n).div_ceil(8), 0);
        for &(a, b) in &self.edges {
            if a < n && b < n {
                let k = a * n + b;
                out[3 + k / 8] |= 1 << (k % 8);
            }
        }
        out
    }

    /// A graph of `nodes` (at most 8) nodes from an adjacency bit mask (bit
    /// `i * nodes + j`: edge `i → j`) and a dropped-root mask.
    pub fn from_masks(nodes: usize, edges: u64, dropped: u16) -> SmallGraph {
        let nodes = nodes.clamp(1, 8);
        SmallGraph {
            nodes,
            edges: (0..nodes * nodes)
                .filter(|k| edges & (1 << k) != 0)
                .map(|k| (k / nodes, k % nodes))
                .collect(),
            dropped: (0..nodes).map(|i| dropped & (1 << i) != 0).collect(),
        }
    }

    fn successors(&self, n: usize) -> impl Iterator<Item = u64> + '_ {
        self.edges
            .iter()
            .filter(move |&&(a, _)| a == n)
            .map(|&(_, b)| b as u64)
    }

    /// The oracle: nodes reachable from the nodes that keep their external reference.
    pub fn reachable(&self) -> BTreeSet<usize> {
        let roots = (0..self.nodes)
            .filter(|&i| !self.dropped[i])
            .map(|i| i as u64);
        reachable_from(roots, |n| self.successors(n as usize).collect::<Vec<_>>())
            .into_iter()
            .map(|n| n as usize)
            .collect()
    }

    /// The nodes that survive the drops under pure reference counting: the reachable
    /// ones, and the unreachable ones that hang off a cycle of unreachable nodes.
    pub fn survive_refcounting(&self) -> BTreeSet<usize> {
        let reach = self.reachable();
        let mut garbage: BTreeSet<usize> = (0..self.nodes).filter(|i| !reach.contains(i)).collect();
        // Peel unreachable nodes without a referrer among the remaining unreachable ones
        // (Kahn's algorithm): what is left is on, or reachable from, a garbage cycle.
        loop {
            let referred: BTreeSet<usize> = self
                .edges
                .iter()
                .filter(|(a, _)| garbage.contains(a))
                .map(|&(_, b)| b)
                .collect();
            let before = garbage.len();
            garbage.retain(|n| referred.contains(n));
            if garbage.len() == before {
                break;
            }
        }
        reach.union(&garbage).copied().collect()
    }
}

impl fmt::Display for SmallGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex: String = self.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
        write!(
            f,
            "graph {hex} ({} nodes, edges {:?}, dropped {:?})",
            self.nodes, self.edges, self.dropped
        )
    }
}

/// Builds every graph as a disjoint copy in one heap with `config` (and `fault`
/// injected, if any), drops the dropped
/// roots, and checks: after the drops, exactly the nodes that survive refcounting are
/// alive, with refcount = referrers + kept handle; after one full collection, exactly
/// the reachable nodes are alive; `Heap::verify` passes throughout.
///
/// # Errors
/// The first [`Violation`], naming the graph (with its bytes) and the node.
///
/// # Examples
/// ```
/// use gclab::GcConfig;
/// use gclab::testing::{SmallGraph, check_graphs};
/// let g = SmallGraph::from_masks(2, 0b0110, 0b01); // 0 ⇄ 1, node 0 dropped
/// check_graphs(&[g], &GcConfig::default(), None).unwrap();
/// ```
pub fn check_graphs(
    graphs: &[SmallGraph],
    config: &GcConfig,
    fault: Option<Fault>,
) -> Result<(), Violation> {
    let mut heap: Heap<u64> = Heap::with_config(config.clone())
        .map_err(|e| Violation::new(Rule::Policy, None, e.to_string()))?;
    heap.inject_fault(fault);
    check_graphs_on(heap, graphs)
}

/// [`check_graphs`] on a heap collected by `strategy` (any [`CycleCollector`], freshly
/// built): every graph survives refcounting as the oracle says, and one full
/// collection leaves exactly the reachable nodes.
///
/// # Errors
/// The first [`Violation`], naming the graph (with its bytes) and the node.
///
/// # Examples
/// ```
/// use gclab::testing::{FullOnly, SmallGraph, check_strategy_graphs};
/// let g = SmallGraph::from_masks(2, 0b0110, 0b11); // 0 ⇄ 1, both dropped
/// check_strategy_graphs(&[g], FullOnly::default()).unwrap();
/// ```
pub fn check_strategy_graphs<C: CycleCollector>(
    graphs: &[SmallGraph],
    strategy: C,
) -> Result<(), Violation> {
    check_graphs_on(Heap::with_collector(strategy), graphs)
}

fn check_graphs_on<C: CycleCollector>(
    mut heap: Heap<u64, C>,
    graphs: &[SmallGraph],
) -> Result<(), Violation> {
    let fail = |rule, g: &SmallGraph, node: usize, id: ObjId, msg: &str| {
        Violation::new(
            rule,
            Some((node as u64, id)),
            format!("{g}: node {node} {msg}"),
        )
    };
    let mut ids: Vec<Vec<ObjId>> = Vec::with_capacity(graphs.len());
    for (gi, g) in graphs.iter().enumerate() {
        let nodes: Vec<ObjId> = (0..g.nodes)
            .map(|i| heap.alloc(((gi as u64) << 8) | i as u64))
            .collect();
        for &(a, b) in &g.edges {
            heap.link(nodes[a], nodes[b])
                .map_err(|e| fail(Rule::OpResult, g, a, nodes[a], &e.to_string()))?;
        }
        ids.push(nodes);
    }
    for (g, nodes) in graphs.iter().zip(&ids) {
        for (i, &id) in nodes.iter().enumerate() {
            if g.dropped[i] {
                heap.decref(id)
                    .map_err(|e| fail(Rule::OpResult, g, i, id, &e.to_string()))?;
            }
        }
    }
    let verify = |heap: &Heap<u64, C>| {
        heap.verify()
            .map_err(|e| Violation::new(Rule::ExactCounts, None, format!("Heap::verify: {e}")))
    };
    verify(&heap)?;
    for (g, nodes) in graphs.iter().zip(&ids) {
        let survive = g.survive_refcounting();
        for (i, &id) in nodes.iter().enumerate() {
            match (survive.contains(&i), heap.contains(id)) {
                (true, false) => {
                    return Err(fail(
                        Rule::Safety,
                        g,
                        i,
                        id,
                        "was freed by refcounting, but a cycle or root holds it",
                    ));
                }
                (false, true) => {
                    return Err(fail(
                        Rule::ImmediateReclamation,
                        g,
                        i,
                        id,
                        "is acyclic garbage but alive after the drops",
                    ));
                }
                (true, true) => {
                    let referrers = g
                        .edges
                        .iter()
                        .filter(|&&(a, b)| b == i && survive.contains(&a))
                        .count() as u32;
                    let expected = referrers + u32::from(!g.dropped[i]);
                    if heap.refcount(id).ok() != Some(expected) {
                        return Err(fail(
                            Rule::ExactCounts,
                            g,
                            i,
                            id,
                            &format!(
                                "has refcount {:?}, expected {expected}",
                                heap.refcount(id).ok()
                            ),
                        ));
                    }
                }
                (false, false) => {}
            }
        }
    }
    heap.collect_full();
    verify(&heap)?;
    for (g, nodes) in graphs.iter().zip(&ids) {
        let reach = g.reachable();
        for (i, &id) in nodes.iter().enumerate() {
            match (reach.contains(&i), heap.contains(id)) {
                (true, false) => {
                    return Err(fail(
                        Rule::Safety,
                        g,
                        i,
                        id,
                        "is reachable but a full collection freed it",
                    ));
                }
                (false, true) => {
                    return Err(fail(
                        Rule::Completeness,
                        g,
                        i,
                        id,
                        "is unreachable but survived a full collection",
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}
