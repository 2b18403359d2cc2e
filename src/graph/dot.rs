//! DOT text for a [`HeapGraph`], through `petgraph::dot::Dot::with_attr_getters`.

use std::fmt::Write as _;

use petgraph::dot::{Config, Dot, RankDir};
use petgraph::graph::{EdgeReference, Graph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{Direction, GraphEdge, GraphNode, HeapGraph, ObjectNode, Status};
use crate::Generation;

/// What object colours mean in a picture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ColorBy {
    /// By [`Status`]: live green, unreachable red, frozen blue, untracked white with a
    /// dashed border.
    #[default]
    Status,
    /// By generation: young yellow darkening to orange with age, frozen blue, untracked
    /// white with a dashed border.
    Generation,
}

/// How to draw a [`HeapGraph`] as DOT.
///
/// A [`trial_graph`](super::trial_graph) is always drawn in its own style (trial
/// counts, external and unreachable marks); `color_by` applies to other exports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DotOptions {
    /// What object colours mean.
    pub color_by: ColorBy,
    /// Layout direction (Graphviz `rankdir`); Graphviz's default (top to bottom) when
    /// `None`.
    pub rankdir: Option<RankDir>,
}

/// Escapes text for a double-quoted DOT string: quotes and backslashes are escaped, a
/// newline becomes DOT's centred line break `\n`, other control characters a space.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A `label = "…"` attribute from lines of plain text, each escaped, joined with `sep`
/// (a DOT line break: `\n` centred, `\l` left-justified) and, for `\l`, ended with it.
fn label_attr(lines: &[String], sep: &str) -> String {
    let mut out = String::from("label = \"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&escape(line));
    }
    if sep == "\\l" {
        out.push_str(sep);
    }
    out.push('"');
    out
}

/// Where the collector keeps an object, in words.
fn generation_text(g: Generation) -> String {
    match g {
        Generation::Gen(n) => format!("gen {n}"),
        Generation::Permanent => "frozen".to_owned(),
        Generation::Untracked => "untracked".to_owned(),
        Generation::Collecting => "collecting".to_owned(),
    }
}

/// The first lines of every object's label: its payload label and its id (plus its
/// identity when one was assigned, e.g. by a snapshot import).
fn head_lines(o: &ObjectNode) -> Vec<String> {
    let id_line = if o.identity == o.id.native_identity() {
        o.id.to_string()
    } else {
        format!("{} id={}", o.id, o.identity)
    };
    vec![o.label.clone(), id_line]
}

/// Finalizer and weak-reference facts worth a line, if any.
fn extra_line(o: &ObjectNode) -> Option<String> {
    let mut parts = Vec::new();
    if o.has_finalizer {
        parts.push("finalizer".to_owned());
    }
    if o.finalized {
        parts.push("finalized".to_owned());
    }
    if o.legacy_finalizer {
        parts.push("legacy finalizer".to_owned());
    }
    if o.weakref_count > 0 {
        parts.push(format!("weakrefs={}", o.weakref_count));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Fill and border for an object in a normal picture.
fn colour_attrs(o: &ObjectNode, color_by: ColorBy) -> &'static str {
    if o.generation == Generation::Untracked && o.status() != Status::Unreachable {
        return r##"style = "filled,dashed", fillcolor = white"##;
    }
    match color_by {
        ColorBy::Status => match o.status() {
            Status::Live => r##"style = filled, fillcolor = "#d9f2d9""##,
            Status::Unreachable => r##"style = filled, fillcolor = "#f4cccc", color = red"##,
            Status::Frozen => r##"style = filled, fillcolor = "#cfe2f3""##,
            Status::Untracked => r##"style = "filled,dashed", fillcolor = white"##,
        },
        ColorBy::Generation => match o.generation {
            Generation::Gen(0) => r##"style = filled, fillcolor = "#fff2cc""##,
            Generation::Gen(1) => r##"style = filled, fillcolor = "#ffe599""##,
            Generation::Gen(_) => r##"style = filled, fillcolor = "#f6b26b""##,
            Generation::Permanent => r##"style = filled, fillcolor = "#cfe2f3""##,
            Generation::Untracked => r##"style = "filled,dashed", fillcolor = white"##,
            Generation::Collecting => r##"style = filled, fillcolor = "#eeeeee""##,
        },
    }
}

/// Attributes of an object in a normal picture.
fn object_attrs(o: &ObjectNode, color_by: ColorBy) -> String {
    let mut lines = head_lines(o);
    lines.push(format!("rc={} ext={}", o.refcount, o.external));
    let mut state = generation_text(o.generation);
    if o.unreachable {
        state.push_str(", unreachable");
    }
    lines.push(state);
    lines.extend(extra_line(o));
    let mut out = format!(
        "shape = ellipse, {}, {}",
        label_attr(&lines, "\\n"),
        colour_attrs(o, color_by)
    );
    if o.highlighted {
        out.push_str(", penwidth = 3, color = blue");
    }
    out
}

/// Attributes of an object in a trial-deletion picture.
fn trial_object_attrs(o: &ObjectNode) -> String {
    let mut lines = head_lines(o);
    let style = match o.trial {
        None => {
            lines.push(format!("rc={}", o.refcount));
            lines.push("outside the examined set".to_owned());
            r##"style = dashed, color = gray60, fontcolor = gray40"##
        }
        Some(e) => {
            lines.push(format!("rc={} → gc_refs={}", e.refcount, e.gc_refs));
            if !e.reachable {
                lines.push("unreachable".to_owned());
                r##"style = filled, fillcolor = "#f4cccc", color = red"##
            } else if e.externally_referenced() {
                lines.push("external".to_owned());
                r##"style = "filled,bold", fillcolor = "#d9f2d9", color = "#2e7d32", penwidth = 3"##
            } else {
                lines.push("reachable".to_owned());
                r##"style = filled, fillcolor = "#d9f2d9""##
            }
        }
    };
    lines.extend(extra_line(o));
    let mut out = format!("shape = ellipse, {}, {style}", label_attr(&lines, "\\n"));
    if o.highlighted {
        out.push_str(", penwidth = 3, color = blue");
    }
    out
}

fn node_attrs(node: &GraphNode, trial: bool, color_by: ColorBy) -> String {
    match node {
        GraphNode::Var { name, .. } => {
            format!(
                "shape = box, {}",
                label_attr(std::slice::from_ref(name), "\\n")
            )
        }
        GraphNode::Object(o) if trial => trial_object_attrs(o),
        GraphNode::Object(o) => object_attrs(o, color_by),
        GraphNode::More {
            count, direction, ..
        } => {
            let what = match direction {
                Direction::Forward => "references",
                Direction::Backward => "referrers",
            };
            format!(
                "shape = box, style = dashed, {}",
                label_attr(&[format!("{count} more {what}")], "\\n")
            )
        }
        GraphNode::Legend(lines) => {
            format!("shape = note, {}", label_attr(lines, "\\l"))
        }
    }
}

/// How to read an object's label: the lines every legend starts with.
pub(crate) fn label_legend_lines() -> Vec<String> {
    vec![
        "an ellipse is an object; its first line is its value (the payload's label), then:".to_owned(),
        "3v1: its handle (ObjId), slot 3 of the heap, version 1 of that slot (a freed slot reused later gets a higher version)".to_owned(),
        "id=N, when shown: Python's id(), the identity Heap::id returns".to_owned(),
        "rc=N: its reference count, like sys.getrefcount minus the argument's own reference".to_owned(),
        "ext=N: references from outside the heap's objects: names (boxes), handles the program holds, gc.garbage".to_owned(),
        "arrows: references, labelled with their index in the owner's list; bold arrows from boxes: names".to_owned(),
    ]
}

/// The legend of a normal picture: how to read a label, then what the colours mean.
fn legend_lines(graph: &Graph<GraphNode, GraphEdge>, color_by: ColorBy) -> Vec<String> {
    let mut lines = label_legend_lines();
    lines.push(match color_by {
        ColorBy::Status => "colours: green live, red unreachable (a collection would free it), blue frozen, white dashed untracked".to_owned(),
        ColorBy::Generation => "colours: generation 0 light yellow, 1 yellow, 2 orange; blue frozen, white dashed untracked".to_owned(),
    });
    lines.push(
        "gen N: the generation the collector keeps it in; unreachable: only garbage refers to it"
            .to_owned(),
    );
    if graph
        .node_weights()
        .any(|n| matches!(n, GraphNode::More { .. }))
    {
        lines.push("dashed box: references left out of the picture".to_owned());
    }
    lines
}

fn edge_attrs(
    graph: &Graph<GraphNode, GraphEdge>,
    source: NodeIndex,
    target: NodeIndex,
    weight: GraphEdge,
    trial: bool,
) -> String {
    match weight {
        GraphEdge::Ref { index } => {
            let mut out = String::new();
            let _ = write!(out, "label = \"{index}\"");
            let outside = |n| matches!(&graph[n], GraphNode::Object(o) if o.trial.is_none());
            if trial && (outside(source) || outside(target)) {
                out.push_str(", color = gray60, fontcolor = gray40");
            }
            out
        }
        GraphEdge::Binding => "style = bold".to_owned(),
        GraphEdge::More => "style = dashed".to_owned(),
    }
}

impl HeapGraph {
    /// The graph as Graphviz DOT text, produced by petgraph's
    /// `Dot::with_attr_getters` (`Config::NodeNoLabel`, `Config::EdgeNoLabel`; labels
    /// are escaped here). Deterministic: the same graph gives the same text.
    ///
    /// Objects are ellipses labelled with their payload label, handle (`3v1`: slot 3,
    /// version 1), `rc=… ext=…` and generation; names are boxes; edges are labelled with
    /// their index in the owner's edge list. Highlighted objects get a thick blue border.
    /// Every picture carries a legend (a `legend` note node) saying how to read these
    /// labels and colours — a [`trial_graph`](super::trial_graph) in its own legend node —
    /// and a graph with no nodes at all is drawn as one dashed "empty heap" box, so that
    /// a picture of a fully collected heap is not a blank image.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::graph::{self, ColorBy, DotOptions, ExportOptions};
    ///
    /// let mut heap: Heap<&str> = Heap::new();
    /// let a = heap.alloc("say \"hi\"");
    /// heap.link(a, a).unwrap();
    /// let g = graph::export(&heap, &ExportOptions::with_labeler(|s: &&str| s.to_string()));
    /// let dot = g.to_dot(&DotOptions { color_by: ColorBy::Generation, ..DotOptions::default() });
    /// assert!(dot.starts_with("digraph {"));
    /// assert!(dot.contains(r#"say \"hi\""#));  // quotes escaped
    /// assert!(dot.contains("rc=2 ext=1"));
    /// assert!(dot.contains(r#"0 -> 0 [ label = "0"]"#)); // the self-reference, edge 0
    /// assert!(dot.contains("legend [ shape = note"));
    ///
    /// heap.unlink(a, a).unwrap();
    /// heap.decref(a).unwrap(); // freed: nothing is left to draw
    /// let empty = graph::export(&heap, &ExportOptions::default());
    /// assert!(empty.to_dot(&DotOptions::default()).contains("empty heap"));
    /// ```
    pub fn to_dot(&self, options: &DotOptions) -> String {
        let mut config = vec![Config::NodeNoLabel, Config::EdgeNoLabel];
        if let Some(dir) = options.rankdir {
            config.push(Config::RankDir(dir));
        }
        let trial = self.trial_generation.is_some();
        let color_by = options.color_by;
        let graph = &self.graph;
        let edge_getter = |g: &Graph<GraphNode, GraphEdge>, e: EdgeReference<'_, GraphEdge>| {
            edge_attrs(g, e.source(), e.target(), *e.weight(), trial)
        };
        let node_getter = |_, (_, node): (NodeIndex, &GraphNode)| node_attrs(node, trial, color_by);
        let dot = Dot::with_attr_getters(graph, &config, &edge_getter, &node_getter);
        let mut text = format!("{dot:?}");
        // petgraph ends the graph with "}\n"; the extra nodes go just before it.
        let mut extra = String::new();
        if graph.node_count() == 0 {
            let _ = writeln!(
                extra,
                "    empty [ shape = box, style = dashed, {} ]",
                label_attr(
                    &[
                        "empty heap".to_owned(),
                        "no objects and no names to draw: everything was freed or collected (or filtered out)".to_owned(),
                    ],
                    "\\n"
                )
            );
        } else if !trial {
            let _ = writeln!(
                extra,
                "    legend [ shape = note, {} ]",
                label_attr(&legend_lines(graph, color_by), "\\l")
            );
        }
        if let Some(end) = text.rfind('}') {
            text.insert_str(end, &extra);
        }
        text
    }
}
