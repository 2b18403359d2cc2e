//! The picture of one collection: what trial deletion saw.

use slotmap::SecondaryMap;

use super::{Builder, ExportOptions, GraphEdge, GraphError, GraphNode, HeapGraph, ReverseIndex};
use crate::{Heap, ObjId};

/// A picture of what trial deletion sees when collecting `generation` (and all younger
/// ones), from [`Heap::trial_deletion`]; nothing is collected.
///
/// Every examined object is a node (slot order) showing its refcount and its `gc_refs`
/// after `subtract_refs` ("rc=2 → gc_refs=1"). Objects with `gc_refs > 0` are referenced
/// from outside the set: bold green border, "external". Objects reachable from those are
/// green, "reachable"; the rest are red, "unreachable" — what the collection would
/// reclaim (before finalizers run). With `show_outside`, the objects outside the examined
/// set that refer into it or are referred to from it are drawn grey and dashed (their
/// references are what makes a member external). Variables bound to drawn objects are
/// boxes. A legend node explains the three phases in one line each.
///
/// The options' labeler, highlight and `vars` apply; its filter and `too_many` do not
/// (every examined object and edge is part of the story).
///
/// # Errors
/// [`GraphError::Gc`] with [`GcError::NoSuchGeneration`](crate::GcError::NoSuchGeneration).
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::graph::{self, DotOptions, ExportOptions};
///
/// let mut heap: Heap<&str> = Heap::new();
/// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
/// heap.link(a, b).unwrap();
/// heap.link(b, a).unwrap();
/// heap.decref(a).unwrap();
/// heap.decref(b).unwrap(); // garbage: only the cycle refers to a and b
/// let g = graph::trial_graph(&heap, 0, true, &ExportOptions::default()).unwrap();
/// let entry = g.object(a).unwrap().trial.unwrap();
/// assert_eq!((entry.refcount, entry.gc_refs, entry.reachable), (1, 0, false));
/// let dot = g.to_dot(&DotOptions::default());
/// assert!(dot.contains("rc=1 → gc_refs=0"));
/// assert!(dot.contains("unreachable"));
/// ```
pub fn trial_graph<T>(
    heap: &Heap<T>,
    generation: usize,
    show_outside: bool,
    opts: &ExportOptions<'_, T>,
) -> Result<HeapGraph, GraphError> {
    let view = heap.trial_deletion(generation)?;
    let mut entries = SecondaryMap::with_capacity(view.entries.len());
    let mut unreachable = SecondaryMap::new();
    for e in &view.entries {
        entries.insert(e.id, *e);
        if !e.reachable {
            unreachable.insert(e.id, ());
        }
    }
    let examined_count = view.entries.len();
    let external_count = view.externally_referenced().len();
    let unreachable_count = unreachable.len();

    let mut b = Builder::new_with(heap, opts, unreachable, Some(entries));
    let examined = |b: &Builder<'_, '_, '_, T>, id: ObjId| {
        b.trial.as_ref().is_some_and(|t| t.contains_key(id))
    };
    for id in heap.ids() {
        if examined(&b, id) {
            b.add_object(id)?;
        }
    }
    // Neighbours outside the set: referrers into it and targets out of it.
    let mut outside: SecondaryMap<ObjId, ()> = SecondaryMap::new();
    if show_outside {
        let reverse = ReverseIndex::new(heap);
        for e in &view.entries {
            for &(r, _) in reverse.referrers(e.id) {
                if !examined(&b, r) {
                    outside.insert(r, ());
                }
            }
            for t in heap.edges(e.id)? {
                if !examined(&b, t) {
                    outside.insert(t, ());
                }
            }
        }
        for id in heap.ids() {
            if outside.contains_key(id) {
                b.add_object(id)?;
            }
        }
    }
    // References from examined objects to anything drawn, and from outside objects into
    // the set, in slot order then edge order.
    for id in heap.ids() {
        let from_examined = examined(&b, id);
        if !from_examined && !outside.contains_key(id) {
            continue;
        }
        let from = b.objects[id];
        for (index, t) in heap.edges(id)?.enumerate() {
            if !from_examined && !examined(&b, t) {
                continue;
            }
            if let Some(&to) = b.objects.get(t) {
                b.graph.add_edge(from, to, GraphEdge::Ref { index });
            }
        }
    }
    b.add_vars();
    let scope = if generation == 0 {
        "generation 0".to_owned()
    } else {
        format!("generations 0..={generation}")
    };
    let mut legend = vec![
        format!(
            "trial deletion of {scope}: {examined_count} examined, {external_count} external, {unreachable_count} unreachable"
        ),
        "1. update_refs: gc_refs = rc, each object's reference count".to_owned(),
        "2. subtract_refs: minus one per reference from inside the set; gc_refs > 0 left means referenced from outside: external (bold green)".to_owned(),
        "3. move_unreachable: whatever an external object reaches survives (green); the rest is unreachable garbage (red)".to_owned(),
        "grey, dashed: outside the examined set; names (boxes) and outside objects are the external references".to_owned(),
    ];
    legend.extend(super::dot::label_legend_lines());
    legend.retain(|l| !l.starts_with("rc=N") && !l.starts_with("ext=N"));
    legend.push(
        "rc=N → gc_refs=M: its reference count, and what is left of it after subtract_refs"
            .to_owned(),
    );
    b.graph.add_node(GraphNode::Legend(legend));
    Ok(b.finish(Some(generation)))
}
