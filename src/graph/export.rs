//! The export half: [`ExportOptions`] and the functions that build a [`HeapGraph`] from a
//! heap — the whole heap ([`export`]) or a selection grown from some objects
//! ([`export_selection`], [`show_refs`], [`show_backrefs`]).

use std::collections::VecDeque;
use std::fmt;

use petgraph::graph::{Graph, NodeIndex};
use slotmap::{Key, SecondaryMap};

use super::model::{Direction, GraphEdge, GraphError, GraphNode, HeapGraph, ObjectNode};
#[cfg(doc)]
use super::{Status, trial_graph};
use crate::{GcError, Heap, ObjId, TrialEntry};

// ----------------------------------------------------------------------------------------
// Options
// ----------------------------------------------------------------------------------------

/// A labeler: the text shown for a payload.
pub type Labeler<'a, T> = Box<dyn Fn(&T) -> String + 'a>;
/// A predicate over objects and their payloads.
pub type Predicate<'a, T> = Box<dyn Fn(ObjId, &T) -> bool + 'a>;

/// How to export: labels, filtering, highlighting, fan-out cap, variables.
///
/// # Examples
/// ```
/// use gclab::graph::ExportOptions;
/// let opts: ExportOptions<'_, &str> = ExportOptions::default() // labels from `Debug`
///     .too_many(10)
///     .filter(|_, payload| *payload != "int")
///     .highlight(|_, payload| *payload == "dict");
/// # let _ = opts;
/// ```
pub struct ExportOptions<'a, T> {
    labeler: Labeler<'a, T>,
    filter: Option<Predicate<'a, T>>,
    highlight: Option<Predicate<'a, T>>,
    too_many: usize,
    vars: bool,
    classify: bool,
}

impl<T: fmt::Debug> Default for ExportOptions<'_, T> {
    /// Labels from the payload's `Debug`, no filter, no highlight, no fan-out cap,
    /// variables shown.
    fn default() -> Self {
        Self::with_labeler(|payload: &T| format!("{payload:?}"))
    }
}

impl<T> fmt::Debug for ExportOptions<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExportOptions")
            .field("filter", &self.filter.is_some())
            .field("highlight", &self.highlight.is_some())
            .field("too_many", &self.too_many)
            .field("vars", &self.vars)
            .field("classify", &self.classify)
            .finish_non_exhaustive()
    }
}

impl<'a, T> ExportOptions<'a, T> {
    /// Options labelling each object with `labeler(payload)` (for payloads without
    /// `Debug`, or to show less than `Debug` does); otherwise as the default.
    pub fn with_labeler(labeler: impl Fn(&T) -> String + 'a) -> Self {
        ExportOptions {
            labeler: Box::new(labeler),
            filter: None,
            highlight: None,
            too_many: usize::MAX,
            vars: true,
            classify: true,
        }
    }

    /// Replaces the labeler.
    pub fn labeler(mut self, labeler: impl Fn(&T) -> String + 'a) -> Self {
        self.labeler = Box::new(labeler);
        self
    }

    /// Keeps only objects for which `filter(id, payload)` holds (the roots of a selection
    /// are always kept). A selection does not traverse through filtered-out objects.
    pub fn filter(mut self, filter: impl Fn(ObjId, &T) -> bool + 'a) -> Self {
        self.filter = Some(Box::new(filter));
        self
    }

    /// Marks objects for which `highlight(id, payload)` holds
    /// ([`ObjectNode::highlighted`], drawn with a thick blue border).
    pub fn highlight(mut self, highlight: impl Fn(ObjId, &T) -> bool + 'a) -> Self {
        self.highlight = Some(Box::new(highlight));
        self
    }

    /// Draws at most `too_many` of an object's references (in a backward selection: of
    /// the references to it); the rest become one "N more references" placeholder node.
    /// The default is no cap. `0` draws none, only the placeholder.
    pub fn too_many(mut self, too_many: usize) -> Self {
        self.too_many = too_many;
        self
    }

    /// Whether named variables become nodes (default `true`).
    pub fn vars(mut self, vars: bool) -> Self {
        self.vars = vars;
        self
    }

    /// Whether the export runs a trial deletion of the oldest generation to mark garbage
    /// ([`ObjectNode::unreachable`], [`Status::Unreachable`]); default `true`. That pass
    /// is most of the cost of exporting a large heap: turn it off when the status is not
    /// needed, and every object's `unreachable` is then `false`. (A [`trial_graph`] always
    /// classifies, by the collection it pictures.)
    pub fn classify(mut self, classify: bool) -> Self {
        self.classify = classify;
        self
    }

    fn label(&self, payload: &T) -> String {
        (self.labeler)(payload)
    }

    pub(super) fn accepts(&self, id: ObjId, payload: &T) -> bool {
        self.filter.as_ref().is_none_or(|f| f(id, payload))
    }

    fn highlights(&self, id: ObjId, payload: &T) -> bool {
        self.highlight.as_ref().is_some_and(|f| f(id, payload))
    }
}

// ----------------------------------------------------------------------------------------
// Building
// ----------------------------------------------------------------------------------------

/// Referrers of every object, built once per call (a compressed adjacency array, no
/// hashing): the references to the object at dense position `i` are
/// `refs[start[i]..start[i + 1]]`, each `(referrer, edge index)`, in the referrer's slot
/// order and then edge order.
pub(crate) struct ReverseIndex {
    dense: SecondaryMap<ObjId, u32>,
    start: Vec<usize>,
    refs: Vec<(ObjId, usize)>,
}

impl ReverseIndex {
    pub(crate) fn new<T>(heap: &Heap<T>) -> Self {
        let mut dense = SecondaryMap::with_capacity(heap.len());
        for (i, id) in heap.ids().enumerate() {
            dense.insert(id, i as u32);
        }
        let n = heap.len();
        let mut start = vec![0usize; n + 1];
        for id in heap.ids() {
            for t in heap.edges(id).into_iter().flatten() {
                if let Some(&j) = dense.get(t) {
                    start[j as usize + 1] += 1;
                }
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut refs = vec![(ObjId::null(), 0); start[n]];
        for id in heap.ids() {
            for (index, t) in heap.edges(id).into_iter().flatten().enumerate() {
                if let Some(&j) = dense.get(t) {
                    refs[fill[j as usize]] = (id, index);
                    fill[j as usize] += 1;
                }
            }
        }
        ReverseIndex { dense, start, refs }
    }

    /// The references to `id`: `(referrer, index in the referrer's edge list)`.
    pub(crate) fn referrers(&self, id: ObjId) -> &[(ObjId, usize)] {
        match self.dense.get(id) {
            Some(&i) => &self.refs[self.start[i as usize]..self.start[i as usize + 1]],
            None => &[],
        }
    }
}

/// The objects a collection of the oldest generation would find unreachable.
pub(crate) fn oldest_unreachable<T>(heap: &Heap<T>) -> SecondaryMap<ObjId, ()> {
    let mut out = SecondaryMap::new();
    if let Ok(view) = heap.trial_deletion(heap.generations().saturating_sub(1)) {
        for e in view.entries.iter().filter(|e| !e.reachable) {
            out.insert(e.id, ());
        }
    }
    out
}

pub(crate) struct Builder<'h, 'o, 'a, T> {
    pub(super) heap: &'h Heap<T>,
    pub(super) opts: &'o ExportOptions<'a, T>,
    pub(super) graph: Graph<GraphNode, GraphEdge>,
    pub(super) objects: SecondaryMap<ObjId, NodeIndex>,
    /// Objects trial deletion finds unreachable.
    pub(super) unreachable: SecondaryMap<ObjId, ()>,
    /// For a trial graph: the entries of the examined set.
    pub(super) trial: Option<SecondaryMap<ObjId, TrialEntry>>,
}

impl<'h, 'o, 'a, T> Builder<'h, 'o, 'a, T> {
    /// A builder whose status comes from a collection of the oldest generation (when the
    /// options ask for it).
    pub(super) fn new(heap: &'h Heap<T>, opts: &'o ExportOptions<'a, T>) -> Self {
        let unreachable = if opts.classify {
            oldest_unreachable(heap)
        } else {
            SecondaryMap::new()
        };
        Self::new_with(heap, opts, unreachable, None)
    }

    pub(super) fn new_with(
        heap: &'h Heap<T>,
        opts: &'o ExportOptions<'a, T>,
        unreachable: SecondaryMap<ObjId, ()>,
        trial: Option<SecondaryMap<ObjId, TrialEntry>>,
    ) -> Self {
        Builder {
            heap,
            opts,
            graph: Graph::new(),
            objects: SecondaryMap::new(),
            unreachable,
            trial,
        }
    }

    /// The record of a live object.
    pub(super) fn object_node(&self, id: ObjId) -> Result<ObjectNode, GcError> {
        let heap = self.heap;
        let payload = heap.payload(id)?;
        Ok(ObjectNode {
            id,
            identity: heap.id(id)?,
            label: self.opts.label(payload),
            refcount: heap.refcount(id)?,
            external: heap.external_count(id)?,
            generation: heap.generation_of(id)?,
            has_finalizer: heap.has_finalizer(id)?,
            finalized: heap.is_finalized(id)?,
            legacy_finalizer: heap.has_legacy_finalizer(id)?,
            weakref_count: heap.weakref_count(id)?,
            edge_count: heap.edges(id)?.len(),
            unreachable: self.unreachable.contains_key(id),
            trial: self.trial.as_ref().and_then(|t| t.get(id).copied()),
            highlighted: self.opts.highlights(id, payload),
        })
    }

    /// The node of `id`, added if new; the flag says whether it was.
    pub(super) fn add_object(&mut self, id: ObjId) -> Result<(NodeIndex, bool), GcError> {
        if let Some(&n) = self.objects.get(id) {
            return Ok((n, false));
        }
        let node = self.object_node(id)?;
        let n = self.graph.add_node(GraphNode::Object(node));
        self.objects.insert(id, n);
        Ok((n, true))
    }

    pub(super) fn accepts(&self, id: ObjId) -> bool {
        self.heap
            .payload(id)
            .is_ok_and(|payload| self.opts.accepts(id, payload))
    }

    pub(super) fn add_more(
        &mut self,
        of: ObjId,
        from: NodeIndex,
        count: usize,
        direction: Direction,
    ) {
        let more = self.graph.add_node(GraphNode::More {
            of,
            count,
            direction,
        });
        match direction {
            Direction::Forward => self.graph.add_edge(from, more, GraphEdge::More),
            Direction::Backward => self.graph.add_edge(more, from, GraphEdge::More),
        };
    }

    /// Adds a box per variable bound to an exported object, names sorted.
    pub(super) fn add_vars(&mut self) {
        if !self.opts.vars {
            return;
        }
        for (name, target) in self.heap.vars() {
            if let Some(&t) = self.objects.get(target) {
                let v = self.graph.add_node(GraphNode::Var {
                    name: name.to_owned(),
                    target,
                });
                self.graph.add_edge(v, t, GraphEdge::Binding);
            }
        }
    }

    pub(super) fn finish(self, trial_generation: Option<usize>) -> HeapGraph {
        HeapGraph {
            graph: self.graph,
            objects: self.objects,
            trial_generation,
        }
    }
}

/// Exports the whole heap: every object the filter accepts (in slot order), its drawn
/// references (at most [`too_many`](ExportOptions::too_many) each, the rest collapsed
/// into a placeholder; references to filtered-out objects are left out), and the named
/// variables.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph::{self, ExportOptions, Status};
///
/// let mut heap: Heap<&str> = Heap::new();
/// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
/// heap.link(a, b).unwrap();
/// heap.link(b, a).unwrap();
/// heap.decref(a).unwrap();
/// heap.decref(b).unwrap(); // a dead two-cycle
/// let g = graph::export(&heap, &ExportOptions::default());
/// assert_eq!(g.object(a).unwrap().status(), Status::Unreachable);
/// assert_eq!(g.graph().edge_count(), 2);
/// ```
pub fn export<T>(heap: &Heap<T>, opts: &ExportOptions<'_, T>) -> HeapGraph {
    let mut b = Builder::new(heap, opts);
    let edges: usize = heap
        .ids()
        .map(|id| heap.edges(id).map_or(0, |e| e.len()))
        .sum();
    let vars = if opts.vars { heap.vars().count() } else { 0 };
    b.graph.reserve_nodes(heap.len() + vars);
    b.graph.reserve_edges(edges + vars);
    b.objects = SecondaryMap::with_capacity(heap.len());
    for id in heap.ids() {
        if b.accepts(id) {
            // Ids from `heap.ids()` are alive: this cannot fail.
            let _ = b.add_object(id);
        }
    }
    for id in heap.ids() {
        let Some(&from) = b.objects.get(id) else {
            continue;
        };
        let mut drawn = 0;
        let mut cut = 0;
        for (index, t) in heap.edges(id).into_iter().flatten().enumerate() {
            let Some(&to) = b.objects.get(t) else {
                continue; // filtered out
            };
            if drawn < opts.too_many {
                b.graph.add_edge(from, to, GraphEdge::Ref { index });
                drawn += 1;
            } else {
                cut += 1;
            }
        }
        if cut > 0 {
            b.add_more(id, from, cut, Direction::Forward);
        }
    }
    b.add_vars();
    b.finish(None)
}

/// A selection: roots, a direction and a depth (objgraph's `show_refs` /
/// `show_backrefs` arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Where the traversal starts; always exported, whatever the filter says.
    pub roots: Vec<ObjId>,
    /// Which way it goes.
    pub direction: Direction,
    /// How many references away from the roots it goes (0: the roots alone).
    pub max_depth: usize,
}

/// Exports the objects reachable from `selection.roots` in `selection.direction` within
/// `selection.max_depth` references, breadth first (nodes in discovery order).
///
/// Each object at depth below `max_depth` is expanded once: its references (forward) or
/// the references to it (backward, from a referrer index built once for the call) that
/// pass the filter are drawn, at most [`too_many`](ExportOptions::too_many) of them; the
/// rest become one placeholder node. Objects at `max_depth` are not expanded. Named
/// variables bound to exported objects are added as boxes.
///
/// # Errors
/// [`GraphError::Gc`] with [`GcError::StaleId`] when a root is not alive.
pub fn export_selection<T>(
    heap: &Heap<T>,
    selection: &Selection,
    opts: &ExportOptions<'_, T>,
) -> Result<HeapGraph, GraphError> {
    let mut b = Builder::new(heap, opts);
    let reverse = match selection.direction {
        Direction::Backward => Some(ReverseIndex::new(heap)),
        Direction::Forward => None,
    };
    let mut is_root: SecondaryMap<ObjId, ()> = SecondaryMap::new();
    let mut queue: VecDeque<(ObjId, usize)> = VecDeque::new();
    for &r in &selection.roots {
        let (_, new) = b.add_object(r)?;
        is_root.insert(r, ());
        if new {
            queue.push_back((r, 0));
        }
    }
    let mut neighbours: Vec<(ObjId, usize)> = Vec::new();
    while let Some((id, depth)) = queue.pop_front() {
        if depth >= selection.max_depth {
            continue;
        }
        neighbours.clear();
        match &reverse {
            None => neighbours.extend(heap.edges(id)?.enumerate().map(|(index, t)| (t, index))),
            Some(rev) => neighbours.extend_from_slice(rev.referrers(id)),
        }
        neighbours.retain(|&(n, _)| is_root.contains_key(n) || b.accepts(n));
        let from = b.objects[id];
        let shown = neighbours.len().min(opts.too_many);
        for &(n, index) in &neighbours[..shown] {
            let (to, new) = b.add_object(n)?;
            if new {
                queue.push_back((n, depth + 1));
            }
            match selection.direction {
                Direction::Forward => b.graph.add_edge(from, to, GraphEdge::Ref { index }),
                Direction::Backward => b.graph.add_edge(to, from, GraphEdge::Ref { index }),
            };
        }
        let cut = neighbours.len() - shown;
        if cut > 0 {
            b.add_more(id, from, cut, selection.direction);
        }
    }
    b.add_vars();
    Ok(b.finish(None))
}

/// What `roots` refer to, up to `max_depth` references away (objgraph's `show_refs`).
/// See [`export_selection`].
///
/// # Errors
/// [`GraphError::Gc`] when a root is not alive.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph::{self, ExportOptions};
///
/// let mut heap: Heap<u32> = Heap::new();
/// let chain: Vec<_> = (0..5).map(|i| heap.alloc(i)).collect();
/// for w in chain.windows(2) {
///     heap.link(w[0], w[1]).unwrap();
/// }
/// let g = graph::show_refs(&heap, &[chain[0]], 2, &ExportOptions::default()).unwrap();
/// assert_eq!(g.object_count(), 3); // the root and two references deep
/// assert!(g.object(chain[3]).is_none());
/// ```
pub fn show_refs<T>(
    heap: &Heap<T>,
    roots: &[ObjId],
    max_depth: usize,
    opts: &ExportOptions<'_, T>,
) -> Result<HeapGraph, GraphError> {
    let selection = Selection {
        roots: roots.to_vec(),
        direction: Direction::Forward,
        max_depth,
    };
    export_selection(heap, &selection, opts)
}

/// What refers to `roots`, up to `max_depth` references away (objgraph's
/// `show_backrefs`). See [`export_selection`].
///
/// # Errors
/// [`GraphError::Gc`] when a root is not alive.
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph::{self, ExportOptions, GraphNode};
///
/// let mut heap: Heap<&str> = Heap::new();
/// let (owner, item) = (heap.alloc("owner"), heap.alloc_atomic("item"));
/// heap.link(owner, item).unwrap();
/// heap.set_var("x", owner).unwrap();
/// let g = graph::show_backrefs(&heap, &[item], 3, &ExportOptions::default()).unwrap();
/// assert!(g.object(owner).is_some());
/// assert!(g.graph().node_weights().any(|n| matches!(n, GraphNode::Var { name, .. } if name == "x")));
/// ```
pub fn show_backrefs<T>(
    heap: &Heap<T>,
    roots: &[ObjId],
    max_depth: usize,
    opts: &ExportOptions<'_, T>,
) -> Result<HeapGraph, GraphError> {
    let selection = Selection {
        roots: roots.to_vec(),
        direction: Direction::Backward,
        max_depth,
    };
    export_selection(heap, &selection, opts)
}
