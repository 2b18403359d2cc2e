//! The model of a picture: what an exported graph is made of — its nodes ([`GraphNode`],
//! [`ObjectNode`]) and edges ([`GraphEdge`]), the [`HeapGraph`] holding them, and the
//! errors of the graph module ([`GraphError`]). Building one from a heap is the job of
//! the export half (`export.rs`); drawing it, of `dot.rs` and `render.rs`.

use std::fmt;
use std::path::PathBuf;

use petgraph::graph::{Graph, NodeIndex};
use slotmap::SecondaryMap;

#[cfg(doc)]
use super::{ExportOptions, trial_graph};
#[cfg(doc)]
use crate::Heap;
use crate::{GcError, Generation, ObjId, TrialEntry};

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

/// A heap, or part of one, as a petgraph [`Graph`] (see the [module docs](super) for the
/// node order and why `Graph`).
#[derive(Debug, Clone)]
pub struct HeapGraph {
    pub(super) graph: Graph<GraphNode, GraphEdge>,
    /// The node of each exported object.
    pub(super) objects: SecondaryMap<ObjId, NodeIndex>,
    /// Set for a [`trial_graph`]: the generation whose collection it pictures.
    pub(super) trial_generation: Option<usize>,
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
