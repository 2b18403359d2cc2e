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

//!
//! # Layout
//!
//! The model (`model.rs`: [`GraphNode`], [`ObjectNode`], [`GraphEdge`], [`HeapGraph`],
//! [`GraphError`]) is what a picture is made of; the export (`export.rs`:
//! [`ExportOptions`], [`export`], [`export_selection`], [`show_refs`], [`show_backrefs`])
//! builds one from a heap, [`trial_graph`] (`trial.rs`) builds the picture of one
//! collection, `dot.rs` and `render.rs` draw it, and `analysis.rs` answers questions
//! about the heap's shape. Everything is re-exported here.

#[cfg(doc)]
use crate::Heap;
#[cfg(doc)]
use petgraph::graph::Graph;

mod analysis;
pub(crate) mod dot;
mod export;
mod model;
mod render;
mod trial;

pub use analysis::{BackrefChain, Census, ChainRoot, Cycle, Growth, census, cycles, why_alive};
pub use dot::{ColorBy, DotOptions};
pub(crate) use export::{Builder, ReverseIndex, oldest_unreachable};
pub use export::{
    ExportOptions, Labeler, Predicate, Selection, export, export_selection, show_backrefs,
    show_refs,
};
pub use model::{Direction, GraphEdge, GraphError, GraphNode, HeapGraph, ObjectNode, Status};
/// Graphviz layout direction (petgraph's), for [`DotOptions::rankdir`].
pub use petgraph::dot::RankDir;
pub use render::{Rendered, render, render_dot};
pub use trial::trial_graph;
