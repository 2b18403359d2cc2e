//! Heap analysis: reference cycles, back-reference chains, censuses.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{Graph, NodeIndex};
use slotmap::{Key, SecondaryMap};

use super::{GraphError, ReverseIndex, oldest_unreachable};
use crate::{Heap, ObjId};

// ----------------------------------------------------------------------------------------
// Cycles
// ----------------------------------------------------------------------------------------

/// A reference cycle: a strongly connected component of the reference graph with more
/// than one object, or one object that refers to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// Its objects, in slot order.
    pub members: Vec<ObjId>,
    /// Whether a collection of the oldest generation would find every member unreachable
    /// (garbage only the cycle collector can reclaim). Frozen members are never examined,
    /// so a cycle with one is never unreachable.
    pub unreachable: bool,
}

/// Every reference cycle of the heap (refcycle's `cycles_created_by`, over the whole
/// heap), computed with petgraph's `kosaraju_scc` — iterative, unlike petgraph 0.8's
/// `tarjan_scc`, which recurses once per node on a path and would overflow the stack on
/// a long ring. Cycles are ordered by their first member's slot.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph;
///
/// let mut heap: Heap<()> = Heap::new();
/// let (a, b, c) = (heap.alloc(()), heap.alloc(()), heap.alloc(()));
/// heap.link(a, b).unwrap();
/// heap.link(b, a).unwrap(); // a ⇄ b
/// heap.link(b, c).unwrap(); // c is not on a cycle
/// heap.decref(a).unwrap();
/// heap.decref(b).unwrap();
/// let cycles = graph::cycles(&heap);
/// assert_eq!(cycles.len(), 1);
/// assert_eq!(cycles[0].members, vec![a, b]);
/// assert!(cycles[0].unreachable);
/// ```
pub fn cycles<T>(heap: &Heap<T>) -> Vec<Cycle> {
    let mut nodes: SecondaryMap<ObjId, NodeIndex> = SecondaryMap::with_capacity(heap.len());
    let mut g: Graph<ObjId, ()> = Graph::with_capacity(heap.len(), heap.len());
    for id in heap.ids() {
        nodes.insert(id, g.add_node(id));
    }
    for id in heap.ids() {
        for t in heap.edges(id).into_iter().flatten() {
            if let Some(&to) = nodes.get(t) {
                g.add_edge(nodes[id], to, ());
            }
        }
    }
    let unreachable = oldest_unreachable(heap);
    let mut out: Vec<(NodeIndex, Cycle)> = Vec::new();
    for mut scc in kosaraju_scc(&g) {
        let is_cycle = match scc.as_slice() {
            [] => false,
            [one] => g.contains_edge(*one, *one),
            _ => true,
        };
        if !is_cycle {
            continue;
        }
        scc.sort_unstable();
        let members: Vec<ObjId> = scc.iter().map(|&n| g[n]).collect();
        let unreachable = members.iter().all(|&m| unreachable.contains_key(m));
        out.push((
            scc[0],
            Cycle {
                members,
                unreachable,
            },
        ));
    }
    out.sort_unstable_by_key(|(first, _)| *first);
    out.into_iter().map(|(_, c)| c).collect()
}

// ----------------------------------------------------------------------------------------
// Why is this alive?
// ----------------------------------------------------------------------------------------

/// Where a [`BackrefChain`] starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainRoot {
    /// A named variable bound to the chain's first object (the first name in sorted order
    /// when several are).
    Var(String),
    /// An external reference held by the program (or by the `garbage` list) to the
    /// chain's first object.
    External,
}

/// A shortest chain of references that keeps an object alive, root first (objgraph's
/// `find_backref_chain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackrefChain {
    /// What holds the first object.
    pub root: ChainRoot,
    /// The objects, from the externally referenced one to the target.
    pub objects: Vec<ObjId>,
    /// `edge_indices[i]` is the index, in `objects[i]`'s edge list, of the reference to
    /// `objects[i + 1]`; one fewer than `objects`.
    pub edge_indices: Vec<usize>,
}

impl fmt::Display for BackrefChain {
    /// `a -> 1v1 -[0]-> 2v1`, or `(external) 1v1 -[0]-> 2v1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            ChainRoot::Var(name) => write!(f, "{name} -> ")?,
            ChainRoot::External => write!(f, "(external) ")?,
        }
        for (i, id) in self.objects.iter().enumerate() {
            if i > 0 {
                // Fields are public: a hand-built chain may lack an index; never panic.
                match self.edge_indices.get(i - 1) {
                    Some(index) => write!(f, " -[{index}]-> ")?,
                    None => write!(f, " -[?]-> ")?,
                }
            }
            write!(f, "{id}")?;
        }
        Ok(())
    }
}

/// Why is `target` alive? The shortest chain of references to it from a named variable
/// or an externally referenced object, found breadth first backwards from the target
/// over a referrer index built once for the call. `None` when no external reference
/// reaches it: it is kept only by garbage (a cycle the collector would reclaim).
///
/// # Errors
/// [`GraphError::Gc`] with [`GcError::StaleId`](crate::GcError::StaleId) when `target`
/// is not alive.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph::{self, ChainRoot};
///
/// let mut heap: Heap<&str> = Heap::new();
/// let (cache, entry, leak) = (heap.alloc("cache"), heap.alloc("entry"), heap.alloc("leak"));
/// heap.link(cache, entry).unwrap();
/// heap.link(entry, leak).unwrap();
/// heap.set_var("cache", cache).unwrap();
/// for x in [cache, entry, leak] {
///     heap.decref(x).unwrap();
/// }
/// let chain = graph::why_alive(&heap, leak).unwrap().unwrap();
/// assert_eq!(chain.root, ChainRoot::Var("cache".into()));
/// assert_eq!(chain.objects, vec![cache, entry, leak]);
/// assert_eq!(chain.to_string(), format!("cache -> {cache} -[0]-> {entry} -[0]-> {leak}"));
/// ```
pub fn why_alive<T>(heap: &Heap<T>, target: ObjId) -> Result<Option<BackrefChain>, GraphError> {
    let held = |id: ObjId| heap.external_count(id).is_ok_and(|n| n > 0);
    heap.refcount(target)?;
    let root_of = |first: ObjId, objects: Vec<ObjId>, edge_indices: Vec<usize>| {
        let root = heap
            .vars()
            .find(|&(_, id)| id == first)
            .map_or(ChainRoot::External, |(name, _)| {
                ChainRoot::Var(name.to_owned())
            });
        BackrefChain {
            root,
            objects,
            edge_indices,
        }
    };
    if held(target) {
        return Ok(Some(root_of(target, vec![target], Vec::new())));
    }
    let reverse = ReverseIndex::new(heap);
    // For each visited object: the object one step closer to the target and the index of
    // the edge leading there.
    let mut next: SecondaryMap<ObjId, (ObjId, usize)> = SecondaryMap::new();
    next.insert(target, (ObjId::null(), 0));
    let mut queue = VecDeque::from([target]);
    while let Some(x) = queue.pop_front() {
        for &(r, index) in reverse.referrers(x) {
            if next.contains_key(r) {
                continue;
            }
            next.insert(r, (x, index));
            if held(r) {
                let mut objects = vec![r];
                let mut edge_indices = Vec::new();
                let mut cur = r;
                while cur != target {
                    let (n, i) = next[cur];
                    edge_indices.push(i);
                    objects.push(n);
                    cur = n;
                }
                return Ok(Some(root_of(r, objects, edge_indices)));
            }
            queue.push_back(r);
        }
    }
    Ok(None)
}

// ----------------------------------------------------------------------------------------
// Census
// ----------------------------------------------------------------------------------------

/// How many objects carry each label (objgraph's `typestats`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    counts: BTreeMap<String, usize>,
}

/// One line of [`Census::growth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Growth {
    /// The label.
    pub label: String,
    /// How many objects carry it in the later census.
    pub count: usize,
    /// How many more than in the earlier census.
    pub delta: usize,
}

/// Counts the live objects per label, `labeler(payload)` (a type name, typically).
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph;
///
/// let mut heap: Heap<&str> = Heap::new();
/// let before = graph::census(&heap, |t| t.to_string());
/// for _ in 0..3 {
///     heap.alloc("list");
/// }
/// heap.alloc("dict");
/// let after = graph::census(&heap, |t| t.to_string());
/// assert_eq!(after.get("list"), 3);
/// let growth = before.growth(&after);
/// assert_eq!((growth[0].label.as_str(), growth[0].delta), ("list", 3));
/// assert_eq!((growth[1].label.as_str(), growth[1].delta), ("dict", 1));
/// ```
pub fn census<T>(heap: &Heap<T>, labeler: impl Fn(&T) -> String) -> Census {
    let mut counts = BTreeMap::new();
    for (_, payload) in heap.iter() {
        *counts.entry(labeler(payload)).or_insert(0) += 1;
    }
    Census { counts }
}

impl Census {
    /// How many objects carry `label`.
    pub fn get(&self, label: &str) -> usize {
        self.counts.get(label).copied().unwrap_or(0)
    }

    /// Every label and its count, labels sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, usize)> + '_ {
        self.counts.iter().map(|(l, &n)| (l.as_str(), n))
    }

    /// How many objects were counted.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// The `n` most common labels, most common first (ties by label).
    pub fn most_common(&self, n: usize) -> Vec<(&str, usize)> {
        let mut all: Vec<_> = self.iter().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        all.truncate(n);
        all
    }

    /// The labels that grew from this census to `later`, largest growth first (ties by
    /// label), as objgraph's `show_growth` reports them; labels that shrank or stayed are
    /// left out.
    pub fn growth(&self, later: &Census) -> Vec<Growth> {
        let mut out: Vec<Growth> = later
            .iter()
            .filter_map(|(label, count)| {
                let before = self.get(label);
                (count > before).then(|| Growth {
                    label: label.to_owned(),
                    count,
                    delta: count - before,
                })
            })
            .collect();
        out.sort_by(|a, b| b.delta.cmp(&a.delta).then_with(|| a.label.cmp(&b.label)));
        out
    }
}
