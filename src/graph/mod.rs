//! Reference graphs: petgraph export, DOT pictures and heap analysis.
//!
//! What Python users get from `objgraph` and `refcycle`, for a [`Heap`]:
//!
//! - **Export** the whole heap ([`export`]) or a selection grown from some objects
//!   forwards or backwards ([`show_refs`], [`show_backrefs`], [`export_selection`]) into a
//!   petgraph [`Graph`] wrapped in a [`HeapGraph`]. Objects, named variables and
//!   "N more references" placeholders are nodes ([`GraphNode`]); edges carry their index
//!   in the owner's edge list ([`GraphEdge`]).
//! - **Draw** it as Graphviz DOT ([`HeapGraph::to_dot`], through
//!   `petgraph::dot::Dot::with_attr_getters`), coloured by generation or by status, and
//!   [`render`] it to `.dot` and, when Graphviz is installed, `.svg`.
//! - **Picture one collection**: [`trial_graph`] shows what trial deletion saw — each
//!   examined object's refcount and its `gc_refs` after `subtract_refs`, the externally
//!   referenced ones and the unreachable ones, with a legend explaining the three phases.
//! - **Analyse**: reference cycles as strongly connected components ([`cycles`]), the
//!   shortest chain of references that keeps an object alive ([`why_alive`], objgraph's
//!   `find_backref_chain`), and a census of objects per label with the growth between two
//!   censuses ([`census`], [`Census::growth`], objgraph's `show_growth`).
//!
//! # Choosing `Graph` over `StableGraph`
//!
//! An export is a picture of one moment: it is built once and never has nodes removed, so
//! the compact, index-stable-by-construction [`Graph`] serves and `StableGraph`'s holes
//! would only cost memory. Node indices follow a fixed order — objects first (slot order
//! for a whole-heap export, breadth-first discovery order for a selection), each object's
//! placeholder right where it is needed, then variables sorted by name — so the same heap
//! always gives the same graph and the same DOT text.
//!
//! # Cost
//!
//! Everything is linear in objects and edges, iterative (explicit queues; a 10^6-long
//! chain or ring is ordinary input), and hash-free: per-object state lives in slotmap
//! `SecondaryMap`s (dense arrays indexed by slot) and the referrer index used by backward
//! traversals is a compressed adjacency array built once per call. Every export also runs
//! one [`Heap::trial_deletion`] of the oldest generation to tell garbage from live objects
//! (skip it with [`ExportOptions::classify`]).
//!
//! # Examples
//!
//! The seed's picture: `a = [10, 20]; b = a`.
//!
//! ```
//! use gclab::Heap;
//! use gclab::graph::{self, DotOptions, ExportOptions, GraphNode};
//!
//! let mut heap: Heap<&str> = Heap::new();
//! let list = heap.alloc("list");
//! for n in ["10", "20"] {
//!     let x = heap.alloc_atomic(n);
//!     heap.link(list, x).unwrap();
//!     heap.decref(x).unwrap();
//! }
//! heap.set_var("a", list).unwrap();
//! heap.set_var("b", list).unwrap();
//! heap.decref(list).unwrap();
//!
//! let g = graph::export(&heap, &ExportOptions::with_labeler(|s: &&str| s.to_string()));
//! assert_eq!(g.graph().node_count(), 5); // three objects, two names
//! assert_eq!(g.graph().edge_count(), 4); // two references, two bindings
//! assert_eq!(g.object(list).unwrap().refcount, 2);
//! let vars = g.graph().node_weights().filter(|n| matches!(n, GraphNode::Var { .. }));
//! assert_eq!(vars.count(), 2);
//! let dot = g.to_dot(&DotOptions::default());
//! assert!(dot.contains("rc=2 ext=2"));
//! ```

mod analysis;
mod dot;
mod render;
mod trial;

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;

use petgraph::graph::{Graph, NodeIndex};
use slotmap::{Key, SecondaryMap};

use crate::{GcError, Generation, Heap, ObjId, TrialEntry};

pub use analysis::{BackrefChain, Census, ChainRoot, Cycle, Growth, census, cycles, why_alive};
pub use dot::{ColorBy, DotOptions};
/// Graphviz layout direction (petgraph's), for [`DotOptions::rankdir`].
pub use petgraph::dot::RankDir;
pub use render::{Rendered, render, render_dot};
pub use trial::trial_graph;

// ----------------------------------------------------------------------------------------
// Node and edge weights
// ----------------------------------------------------------------------------------------

/// A node of a [`HeapGraph`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphNode {
    /// A named variable ([`Heap::vars`]): drawn as a box with one edge to its object, the
    /// seed's picture of a name referring to an object.
    Var {
        /// The variable's name.
        name: String,
        /// The object it is bound to.
        target: ObjId,
    },
    /// A heap object.
    Object(ObjectNode),
    /// A placeholder for the references of `of` that were not drawn because of the
    /// [`too_many`](ExportOptions::too_many) cap.
    More {
        /// The object whose references were cut.
        of: ObjId,
        /// How many references were not drawn.
        count: usize,
        /// [`Direction::Forward`]: `of`'s outgoing references (the placeholder is their
        /// target); [`Direction::Backward`]: references to `of` (the placeholder points to
        /// `of`).
        direction: Direction,
    },
    /// An explanatory note (the legend of a [`trial_graph`]), one string per line.
    Legend(Vec<String>),
}

impl GraphNode {
    /// The object node, if this is one.
    pub fn as_object(&self) -> Option<&ObjectNode> {
        match self {
            GraphNode::Object(o) => Some(o),
            _ => None,
        }
    }
}

/// Everything an export records about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectNode {
    /// The object's handle.
    pub id: ObjId,
    /// Its identity, Python's `id()` ([`Heap::id`]).
    pub identity: u64,
    /// The label the export's labeler gave its payload.
    pub label: String,
    /// Its total reference count.
    pub refcount: u32,
    /// Its external references (program handles, variables, the `garbage` list).
    pub external: u32,
    /// Where the collector keeps it ([`Heap::generation_of`]).
    pub generation: Generation,
    /// Whether it has an unrun finalizer.
    pub has_finalizer: bool,
    /// Whether its finalizer has run.
    pub finalized: bool,
    /// Whether it is flagged with a legacy finalizer.
    pub legacy_finalizer: bool,
    /// How many weak references target it.
    pub weakref_count: usize,
    /// How many references it holds (its whole edge list, drawn or not).
    pub edge_count: usize,
    /// Whether trial deletion finds it unreachable: in a whole-heap export or selection,
    /// a collection of the oldest generation would reclaim it; in a [`trial_graph`], the
    /// pictured collection would.
    pub unreachable: bool,
    /// In a [`trial_graph`], what trial deletion saw of it; `None` elsewhere and for
    /// objects outside the examined set.
    pub trial: Option<TrialEntry>,
    /// Whether the export's [`highlight`](ExportOptions::highlight) predicate chose it.
    pub highlighted: bool,
}

impl ObjectNode {
    /// The object's status, for colouring: unreachable garbage first, then frozen,
    /// untracked, or live.
    pub fn status(&self) -> Status {
        if self.unreachable {
            Status::Unreachable
        } else {
            match self.generation {
                Generation::Permanent => Status::Frozen,
                Generation::Untracked => Status::Untracked,
                Generation::Gen(_) | Generation::Collecting => Status::Live,
            }
        }
    }
}

/// An object's status as a picture shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Tracked and reachable from outside the collector's examined set.
    Live,
    /// Unreachable garbage: referenced only from other garbage.
    Unreachable,
    /// In the permanent generation (`gc.freeze()`), never examined.
    Frozen,
    /// Not tracked by the collector (atomic objects, untracked immutables).
    Untracked,
}

/// An edge of a [`HeapGraph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GraphEdge {
    /// A reference from an object to an object: `index` is its position in the owner's
    /// edge list ([`Heap::edges`]).
    Ref {
        /// The edge's index in its object's edge list.
        index: usize,
    },
    /// A variable's binding to its object.
    Binding,
    /// The edge to or from a [`GraphNode::More`] placeholder.
    More,
}

/// Which way a selection grows from its roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Along references: what the roots refer to (objgraph's `show_refs`).
    Forward,
    /// Against references: what refers to the roots (objgraph's `show_backrefs`).
    Backward,
}

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

    fn accepts(&self, id: ObjId, payload: &T) -> bool {
        self.filter.as_ref().is_none_or(|f| f(id, payload))
    }

    fn highlights(&self, id: ObjId, payload: &T) -> bool {
        self.highlight.as_ref().is_some_and(|f| f(id, payload))
    }
}

// ----------------------------------------------------------------------------------------
// Errors
// ----------------------------------------------------------------------------------------

/// What graph export, analysis and rendering can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum GraphError {
    /// A heap error, e.g. a stale id given as a root or target.
    Gc(GcError),
    /// Writing a file failed.
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Graphviz `dot` exists but could not be started.
    DotLaunch {
        /// The DOT file it was to render.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Graphviz `dot` ran and failed.
    DotFailed {
        /// The DOT file it was rendering.
        path: PathBuf,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it wrote on stderr.
        stderr: String,
    },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Gc(e) => e.fmt(f),
            GraphError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            GraphError::DotLaunch { path, source } => {
                write!(f, "cannot run graphviz dot on {}: {source}", path.display())
            }
            GraphError::DotFailed {
                path,
                status,
                stderr,
            } => write!(
                f,
                "graphviz dot failed on {} ({status}): {}",
                path.display(),
                stderr.trim()
            ),
        }
    }
}

impl std::error::Error for GraphError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GraphError::Gc(e) => Some(e),
            GraphError::Write { source, .. } | GraphError::DotLaunch { source, .. } => Some(source),
            GraphError::DotFailed { .. } => None,
        }
    }
}

impl From<GcError> for GraphError {
    fn from(e: GcError) -> Self {
        GraphError::Gc(e)
    }
}

// ----------------------------------------------------------------------------------------
// The exported graph
// ----------------------------------------------------------------------------------------

/// A heap, or part of one, as a petgraph [`Graph`] (see the [module docs](self) for the
/// node order and why `Graph`).
#[derive(Debug, Clone)]
pub struct HeapGraph {
    graph: Graph<GraphNode, GraphEdge>,
    /// The node of each exported object.
    objects: SecondaryMap<ObjId, NodeIndex>,
    /// Set for a [`trial_graph`]: the generation whose collection it pictures.
    trial_generation: Option<usize>,
}

impl HeapGraph {
    /// The petgraph graph.
    pub fn graph(&self) -> &Graph<GraphNode, GraphEdge> {
        &self.graph
    }

    /// The petgraph graph, by value.
    pub fn into_graph(self) -> Graph<GraphNode, GraphEdge> {
        self.graph
    }

    /// The node of object `id`, if it was exported.
    pub fn node(&self, id: ObjId) -> Option<NodeIndex> {
        self.objects.get(id).copied()
    }

    /// The exported record of object `id`, if it was exported.
    pub fn object(&self, id: ObjId) -> Option<&ObjectNode> {
        self.node(id).and_then(|n| self.graph[n].as_object())
    }

    /// The exported objects, in node order.
    pub fn objects(&self) -> impl Iterator<Item = &ObjectNode> + '_ {
        self.graph.node_weights().filter_map(GraphNode::as_object)
    }

    /// How many objects were exported.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// For a [`trial_graph`], the generation whose collection it pictures.
    pub fn trial_generation(&self) -> Option<usize> {
        self.trial_generation
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
            for &t in heap.edges(id).unwrap_or(&[]) {
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
            for (index, &t) in heap.edges(id).unwrap_or(&[]).iter().enumerate() {
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
fn oldest_unreachable<T>(heap: &Heap<T>) -> SecondaryMap<ObjId, ()> {
    let mut out = SecondaryMap::new();
    if let Ok(view) = heap.trial_deletion(heap.generations().saturating_sub(1)) {
        for e in view.entries.iter().filter(|e| !e.reachable) {
            out.insert(e.id, ());
        }
    }
    out
}

pub(crate) struct Builder<'h, 'o, 'a, T> {
    heap: &'h Heap<T>,
    opts: &'o ExportOptions<'a, T>,
    graph: Graph<GraphNode, GraphEdge>,
    objects: SecondaryMap<ObjId, NodeIndex>,
    /// Objects trial deletion finds unreachable.
    unreachable: SecondaryMap<ObjId, ()>,
    /// For a trial graph: the entries of the examined set.
    trial: Option<SecondaryMap<ObjId, TrialEntry>>,
}

impl<'h, 'o, 'a, T> Builder<'h, 'o, 'a, T> {
    /// A builder whose status comes from a collection of the oldest generation (when the
    /// options ask for it).
    fn new(heap: &'h Heap<T>, opts: &'o ExportOptions<'a, T>) -> Self {
        let unreachable = if opts.classify {
            oldest_unreachable(heap)
        } else {
            SecondaryMap::new()
        };
        Self::new_with(heap, opts, unreachable, None)
    }

    fn new_with(
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
    fn object_node(&self, id: ObjId) -> Result<ObjectNode, GcError> {
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
    fn add_object(&mut self, id: ObjId) -> Result<(NodeIndex, bool), GcError> {
        if let Some(&n) = self.objects.get(id) {
            return Ok((n, false));
        }
        let node = self.object_node(id)?;
        let n = self.graph.add_node(GraphNode::Object(node));
        self.objects.insert(id, n);
        Ok((n, true))
    }

    fn accepts(&self, id: ObjId) -> bool {
        self.heap
            .payload(id)
            .is_ok_and(|payload| self.opts.accepts(id, payload))
    }

    fn add_more(&mut self, of: ObjId, from: NodeIndex, count: usize, direction: Direction) {
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
    fn add_vars(&mut self) {
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

    fn finish(self, trial_generation: Option<usize>) -> HeapGraph {
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
        .map(|id| heap.edges(id).map_or(0, <[_]>::len))
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
        for (index, &t) in heap.edges(id).unwrap_or(&[]).iter().enumerate() {
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
            None => neighbours.extend(
                heap.edges(id)?
                    .iter()
                    .enumerate()
                    .map(|(index, &t)| (t, index)),
            ),
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
