//! Reference graphs: export, selections, DOT pictures, trial-deletion view, analysis and
//! rendering. The SVG checks need Graphviz's `dot`: without it they print `SKIPPED: ...`,
//! and fail under `CI=true` (`tests/suite/common.rs`).

use crate::common;

use std::path::PathBuf;

use gclab::graph::{
    self, ChainRoot, ColorBy, Direction, DotOptions, ExportOptions, GraphEdge, GraphError,
    GraphNode, HeapGraph, Selection, Status,
};
use gclab::{GcConfig, GcError, Generation, Heap, ObjId};

// ----------------------------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------------------------

fn labels<'a>() -> ExportOptions<'a, &'static str> {
    ExportOptions::with_labeler(|s: &&str| s.to_string())
}

/// Compares `actual` with `tests/golden/<name>`; with `GCLAB_BLESS=1`, rewrites the file
/// instead.
fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("GCLAB_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read golden file {}: {e} (run with GCLAB_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "DOT output differs from {} (if the change is intended, rerun with GCLAB_BLESS=1)",
        path.display()
    );
}

fn objects_of(g: &HeapGraph) -> Vec<ObjId> {
    g.objects().map(|o| o.id).collect()
}

fn more_nodes(g: &HeapGraph) -> Vec<(ObjId, usize, Direction)> {
    g.graph()
        .node_weights()
        .filter_map(|n| match n {
            GraphNode::More {
                of,
                count,
                direction,
            } => Some((*of, *count, *direction)),
            _ => None,
        })
        .collect()
}

/// Ref edges of a graph as (source object, target object, index).
fn ref_edges(g: &HeapGraph) -> Vec<(ObjId, ObjId, usize)> {
    let gr = g.graph();
    gr.edge_indices()
        .filter_map(|e| {
            let (s, t) = gr.edge_endpoints(e)?;
            match (&gr[s], &gr[t], gr[e]) {
                (GraphNode::Object(a), GraphNode::Object(b), GraphEdge::Ref { index }) => {
                    Some((a.id, b.id, index))
                }
                _ => None,
            }
        })
        .collect()
}

/// A chain `c[0] → c[1] → … → c[n-1]`, all held only by the previous link (and `c[0]`
/// by the variable `head`).
fn chain(heap: &mut Heap<&'static str>, n: usize) -> Vec<ObjId> {
    let c: Vec<ObjId> = (0..n).map(|_| heap.alloc("node")).collect();
    for w in c.windows(2) {
        heap.link(w[0], w[1]).unwrap();
    }
    heap.set_var("head", c[0]).unwrap();
    for &x in &c {
        heap.decref(x).unwrap();
    }
    c
}

fn two_cycle(heap: &mut Heap<&'static str>) -> (ObjId, ObjId) {
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    (a, b)
}

// ----------------------------------------------------------------------------------------
// Golden pictures
// ----------------------------------------------------------------------------------------

#[test]
fn golden_seed_names_refer_to_objects() {
    // a = [10, 20]; b = a
    let mut heap: Heap<&str> = Heap::new();
    let list = heap.alloc("list");
    for n in ["int 10", "int 20"] {
        let x = heap.alloc_atomic(n);
        heap.link(list, x).unwrap();
        heap.decref(x).unwrap();
    }
    heap.set_var("a", list).unwrap();
    heap.decref(list).unwrap();
    heap.set_var("b", list).unwrap();
    let g = graph::export(&heap, &labels());
    check_golden("seed_names.dot", &g.to_dot(&DotOptions::default()));
}

#[test]
fn golden_trial_view_of_young_collection_with_garbage_cycle() {
    // An old object (gen 1, bound to `old`) refers to a young one; a young two-cycle is
    // garbage. A generation-0 collection sees the young three.
    let mut heap: Heap<&str> = Heap::new();
    let old = heap.alloc("old");
    heap.set_var("old", old).unwrap();
    heap.decref(old).unwrap();
    heap.collect(0).unwrap();
    assert_eq!(heap.generation_of(old).unwrap(), Generation::Gen(1));
    let young = heap.alloc("young");
    heap.link(old, young).unwrap();
    heap.decref(young).unwrap();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let g = graph::trial_graph(&heap, 0, true, &labels()).unwrap();
    check_golden(
        "trial_young_garbage_cycle.dot",
        &g.to_dot(&DotOptions::default()),
    );
}

// ----------------------------------------------------------------------------------------
// Export
// ----------------------------------------------------------------------------------------

#[test]
fn export_records_counts_generation_and_finalizer_facts() {
    let mut heap: Heap<&str> = Heap::new();
    let x = heap.alloc("x");
    let n = heap.alloc_atomic("n");
    heap.link(x, n).unwrap();
    heap.set_var("x", x).unwrap();
    heap.set_finalizer(x, |_, _| {}).unwrap();
    heap.set_legacy_finalizer(x, true).unwrap();
    let _w = heap.downgrade(x).unwrap();
    let g = graph::export(&heap, &labels());
    let o = g.object(x).unwrap();
    assert_eq!((o.refcount, o.external, o.edge_count), (2, 2, 1));
    assert_eq!(o.identity, heap.id(x).unwrap());
    assert_eq!(o.generation, Generation::Gen(0));
    assert!(o.has_finalizer && o.legacy_finalizer && !o.finalized);
    assert_eq!(o.weakref_count, 1);
    assert_eq!(o.status(), Status::Live);
    assert_eq!(g.object(n).unwrap().status(), Status::Untracked);
    let dot = g.to_dot(&DotOptions::default());
    assert!(dot.contains("finalizer, legacy finalizer, weakrefs=1"));
    heap.freeze();
    let g = graph::export(&heap, &labels());
    assert_eq!(g.object(x).unwrap().status(), Status::Frozen);
}

#[test]
fn export_marks_garbage_cycle_unreachable_and_live_data_live() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let live = heap.alloc("live");
    let g = graph::export(&heap, &labels());
    assert_eq!(g.object(a).unwrap().status(), Status::Unreachable);
    assert_eq!(g.object(b).unwrap().status(), Status::Unreachable);
    assert_eq!(g.object(live).unwrap().status(), Status::Live);
}

#[test]
fn export_is_deterministic_and_in_slot_order() {
    let mut heap: Heap<&str> = Heap::new();
    let c = chain(&mut heap, 5);
    let g1 = graph::export(&heap, &labels());
    let g2 = graph::export(&heap, &labels());
    assert_eq!(objects_of(&g1), c);
    let opts = DotOptions {
        color_by: ColorBy::Generation,
        ..DotOptions::default()
    };
    assert_eq!(g1.to_dot(&opts), g2.to_dot(&opts));
}

#[test]
fn export_labels_through_debug_by_default_and_escapes_them() {
    let mut heap: Heap<String> = Heap::new();
    let x = heap.alloc("quote \" and \\ backslash\nnewline".to_owned());
    let g = graph::export(&heap, &ExportOptions::default());
    assert_eq!(
        g.object(x).unwrap().label,
        format!("{:?}", "quote \" and \\ backslash\nnewline")
    );
    let dot = g.to_dot(&DotOptions::default());
    // Debug gives `"quote \" and \\ backslash\nnewline"`; DOT escaping doubles the
    // escapes again, so the rendered text reads exactly like the Debug output.
    assert!(dot.contains(r#"label = "\"quote \\\" and \\\\ backslash\\nnewline\"\n"#));
}

#[test]
fn export_filter_drops_objects_and_their_edges() {
    let mut heap: Heap<&str> = Heap::new();
    let l = heap.alloc("list");
    let i = heap.alloc_atomic("int");
    let d = heap.alloc("dict");
    heap.link(l, i).unwrap();
    heap.link(l, d).unwrap();
    let g = graph::export(&heap, &labels().filter(|_, p| *p != "int"));
    assert_eq!(objects_of(&g), vec![l, d]);
    assert_eq!(ref_edges(&g), vec![(l, d, 1)]);
}

#[test]
fn export_without_vars_has_only_objects() {
    let mut heap: Heap<&str> = Heap::new();
    chain(&mut heap, 3);
    let with = graph::export(&heap, &labels());
    let without = graph::export(&heap, &labels().vars(false));
    assert_eq!(with.graph().node_count(), 4);
    assert_eq!(without.graph().node_count(), 3);
}

#[test]
fn export_of_a_hundred_thousand_objects_has_every_object_edge_and_name() {
    const N: usize = 100_000;
    let mut heap: Heap<u32> = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .unwrap();
    let ids: Vec<ObjId> = (0..N as u32).map(|i| heap.alloc(i)).collect();
    for i in 0..N {
        heap.link(ids[i], ids[(i + 1) % N]).unwrap();
        heap.link(ids[i], ids[(i * 7919) % N]).unwrap();
    }
    for (k, &id) in ids.iter().step_by(1000).enumerate() {
        heap.set_var(format!("v{k:03}"), id).unwrap();
    }
    let g = graph::export(&heap, &ExportOptions::with_labeler(|i: &u32| i.to_string()));
    let vars = N / 1000;
    assert_eq!(g.object_count(), N);
    assert_eq!(g.graph().node_count(), N + vars);
    assert_eq!(g.graph().edge_count(), 2 * N + vars);
    for &probe in &[ids[0], ids[1], ids[N / 2], ids[N - 1]] {
        let o = g.object(probe).unwrap();
        assert_eq!(o.refcount, heap.refcount(probe).unwrap());
        assert_eq!(o.label, heap.payload(probe).unwrap().to_string());
        assert_eq!(o.status(), Status::Live);
    }
    // The whole heap is one strongly connected component (the ring).
    let cycles = graph::cycles(&heap);
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].members.len(), N);
    assert!(!cycles[0].unreachable);
}

// ----------------------------------------------------------------------------------------
// Selections
// ----------------------------------------------------------------------------------------

#[test]
fn show_refs_stops_at_max_depth() {
    let mut heap: Heap<&str> = Heap::new();
    let c = chain(&mut heap, 6);
    let g = graph::show_refs(&heap, &[c[0]], 2, &labels()).unwrap();
    assert_eq!(objects_of(&g), c[..3].to_vec());
    assert_eq!(ref_edges(&g), vec![(c[0], c[1], 0), (c[1], c[2], 0)]);
    let g = graph::show_refs(&heap, &[c[2]], 0, &labels()).unwrap();
    assert_eq!(objects_of(&g), vec![c[2]]);
    assert_eq!(g.graph().edge_count(), 0);
}

#[test]
fn show_backrefs_follows_referrers_with_edges_pointing_forwards() {
    let mut heap: Heap<&str> = Heap::new();
    let c = chain(&mut heap, 6);
    let g = graph::show_backrefs(&heap, &[c[5]], 2, &labels()).unwrap();
    assert_eq!(objects_of(&g), vec![c[5], c[4], c[3]]);
    assert_eq!(ref_edges(&g), vec![(c[4], c[5], 0), (c[3], c[4], 0)]);
    // Deep enough to reach the head: the name `head` appears, bound to c[0].
    let g = graph::show_backrefs(&heap, &[c[5]], 10, &labels()).unwrap();
    assert_eq!(g.object_count(), 6);
    assert!(g.graph().node_weights().any(
        |n| matches!(n, GraphNode::Var { name, target } if name == "head" && *target == c[0])
    ));
}

#[test]
fn selection_filter_does_not_traverse_through_rejected_objects() {
    let mut heap: Heap<&str> = Heap::new();
    let root = heap.alloc("root");
    let skip = heap.alloc("skip");
    let behind = heap.alloc("behind");
    heap.link(root, skip).unwrap();
    heap.link(skip, behind).unwrap();
    let g = graph::show_refs(&heap, &[root], 5, &labels().filter(|_, p| *p != "skip")).unwrap();
    assert_eq!(objects_of(&g), vec![root]);
    // Roots are kept even when the filter rejects them.
    let g = graph::show_refs(&heap, &[skip], 5, &labels().filter(|_, p| *p != "skip")).unwrap();
    assert_eq!(objects_of(&g), vec![skip, behind]);
}

#[test]
fn selection_highlight_marks_chosen_objects() {
    let mut heap: Heap<&str> = Heap::new();
    let c = chain(&mut heap, 3);
    let target = c[1];
    let g = graph::show_refs(
        &heap,
        &[c[0]],
        5,
        &labels().highlight(move |id, _| id == target),
    )
    .unwrap();
    let marked: Vec<ObjId> = g
        .objects()
        .filter(|o| o.highlighted)
        .map(|o| o.id)
        .collect();
    assert_eq!(marked, vec![target]);
    assert!(
        g.to_dot(&DotOptions::default())
            .contains("penwidth = 3, color = blue")
    );
}

#[test]
fn selection_from_a_stale_root_is_an_error_naming_it() {
    let mut heap: Heap<&str> = Heap::new();
    let x = heap.alloc("x");
    heap.decref(x).unwrap();
    let err = graph::show_refs(&heap, &[x], 3, &labels()).unwrap_err();
    assert!(matches!(err, GraphError::Gc(GcError::StaleId(id)) if id == x));
    assert!(err.to_string().contains(&x.to_string()));
}

#[test]
fn too_many_collapses_fifty_references_into_ten_and_a_placeholder() {
    let mut heap: Heap<&str> = Heap::new();
    let hub = heap.alloc("hub");
    let items: Vec<ObjId> = (0..50).map(|_| heap.alloc_atomic("item")).collect();
    for &i in &items {
        heap.link(hub, i).unwrap();
    }
    let opts = labels().too_many(10);
    let g = graph::show_refs(&heap, &[hub], 3, &opts).unwrap();
    assert_eq!(g.object_count(), 11);
    let drawn = ref_edges(&g);
    assert_eq!(drawn.len(), 10);
    assert!(
        drawn
            .iter()
            .enumerate()
            .all(|(k, &(s, t, i))| s == hub && t == items[k] && i == k)
    );
    assert_eq!(more_nodes(&g), vec![(hub, 40, Direction::Forward)]);
    assert_eq!(g.graph().edge_count(), 11);
    assert!(
        g.to_dot(&DotOptions::default())
            .contains("40 more references")
    );

    // Backwards: one item referred to 50 times by the hub.
    let item = heap.alloc_atomic("item");
    for _ in 0..50 {
        heap.link(hub, item).unwrap();
    }
    let g = graph::show_backrefs(&heap, &[item], 1, &opts).unwrap();
    assert_eq!(ref_edges(&g).len(), 10);
    assert_eq!(more_nodes(&g), vec![(item, 40, Direction::Backward)]);
    assert!(
        g.to_dot(&DotOptions::default())
            .contains("40 more referrers")
    );
}

#[test]
fn too_many_applies_to_whole_heap_export() {
    let mut heap: Heap<&str> = Heap::new();
    let hub = heap.alloc("hub");
    for _ in 0..50 {
        let i = heap.alloc_atomic("item");
        heap.link(hub, i).unwrap();
    }
    let g = graph::export(&heap, &labels().too_many(10));
    assert_eq!(g.object_count(), 51);
    assert_eq!(ref_edges(&g).len(), 10);
    assert_eq!(more_nodes(&g), vec![(hub, 40, Direction::Forward)]);
}

#[test]
fn export_selection_matches_show_refs() {
    let mut heap: Heap<&str> = Heap::new();
    let c = chain(&mut heap, 4);
    let sel = Selection {
        roots: vec![c[0]],
        direction: Direction::Forward,
        max_depth: 2,
    };
    let a = graph::export_selection(&heap, &sel, &labels()).unwrap();
    let b = graph::show_refs(&heap, &[c[0]], 2, &labels()).unwrap();
    assert_eq!(
        a.to_dot(&DotOptions::default()),
        b.to_dot(&DotOptions::default())
    );
}

// ----------------------------------------------------------------------------------------
// Cycles
// ----------------------------------------------------------------------------------------

#[test]
fn self_loop_is_a_cycle() {
    let mut heap: Heap<&str> = Heap::new();
    let a = heap.alloc("a");
    heap.link(a, a).unwrap();
    let lonely = heap.alloc("lonely");
    let cycles = graph::cycles(&heap);
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].members, vec![a]);
    assert!(!cycles[0].unreachable); // we still hold it
    heap.decref(a).unwrap();
    assert!(graph::cycles(&heap)[0].unreachable);
    assert!(
        graph::cycles(&heap)
            .iter()
            .all(|c| !c.members.contains(&lonely))
    );
}

#[test]
fn two_cycle_is_found_and_unreachable_once_dropped() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    let cycles = graph::cycles(&heap);
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].members, vec![a, b]);
    assert!(!cycles[0].unreachable);
    heap.decref(b).unwrap();
    assert!(graph::cycles(&heap)[0].unreachable);
}

#[test]
fn cycle_reachable_from_another_cycle_is_a_separate_cycle() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    let (c, d) = two_cycle(&mut heap);
    heap.link(b, c).unwrap(); // first cycle → second cycle
    for x in [b, c, d] {
        heap.decref(x).unwrap();
    }
    let cycles = graph::cycles(&heap);
    assert_eq!(cycles.len(), 2);
    assert_eq!(cycles[0].members, vec![a, b]);
    assert_eq!(cycles[1].members, vec![c, d]);
    assert!(cycles.iter().all(|c| !c.unreachable)); // we hold `a`
    heap.decref(a).unwrap();
    assert!(graph::cycles(&heap).iter().all(|c| c.unreachable));
}

#[test]
fn dag_has_no_cycles() {
    // A diamond with a doubled edge: parallel references are not a cycle.
    let mut heap: Heap<&str> = Heap::new();
    let [a, b, c, d] = ["a", "b", "c", "d"].map(|p| heap.alloc(p));
    for (s, t) in [(a, b), (a, b), (a, c), (b, d), (c, d)] {
        heap.link(s, t).unwrap();
    }
    assert!(graph::cycles(&heap).is_empty());
}

#[test]
fn frozen_cycle_is_never_unreachable() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    heap.freeze();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let cycles = graph::cycles(&heap);
    assert_eq!(cycles.len(), 1);
    assert!(!cycles[0].unreachable);
}

#[test]
fn long_ring_is_one_cycle_without_overflowing_the_stack() {
    const N: usize = 200_000;
    let mut heap: Heap<()> = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .unwrap();
    let ids: Vec<ObjId> = (0..N).map(|_| heap.alloc(())).collect();
    for i in 0..N {
        heap.link(ids[i], ids[(i + 1) % N]).unwrap();
    }
    for &id in &ids {
        heap.decref(id).unwrap();
    }
    let cycles = graph::cycles(&heap);
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].members, ids);
    assert!(cycles[0].unreachable);
    // Why-alive over the ring: nothing holds it.
    assert_eq!(graph::why_alive(&heap, ids[N / 2]).unwrap(), None);
}

// ----------------------------------------------------------------------------------------
// Why is this alive?
// ----------------------------------------------------------------------------------------

#[test]
fn backref_chain_is_the_shortest() {
    let mut heap: Heap<&str> = Heap::new();
    // The long path is allocated first, so its last hop is the target's first referrer.
    let long: Vec<ObjId> = (0..4).map(|_| heap.alloc("long")).collect();
    let short = heap.alloc("short");
    let target = heap.alloc("target");
    for w in long.windows(2) {
        heap.link(w[0], w[1]).unwrap();
    }
    heap.link(long[3], target).unwrap();
    heap.link(short, target).unwrap();
    heap.set_var("long", long[0]).unwrap();
    heap.set_var("short", short).unwrap();
    for &x in long.iter().chain([&short, &target]) {
        heap.decref(x).unwrap();
    }
    let chain = graph::why_alive(&heap, target).unwrap().unwrap();
    assert_eq!(chain.root, ChainRoot::Var("short".to_owned()));
    assert_eq!(chain.objects, vec![short, target]);
    assert_eq!(chain.edge_indices, vec![0]);
    // Without the short path, the long one.
    heap.del_var("short").unwrap();
    let chain = graph::why_alive(&heap, target).unwrap().unwrap();
    assert_eq!(chain.root, ChainRoot::Var("long".to_owned()));
    assert_eq!(
        chain.objects,
        vec![long[0], long[1], long[2], long[3], target]
    );
    assert_eq!(chain.edge_indices, vec![0, 0, 0, 0]);
}

#[test]
fn backref_chain_reports_edge_indices_and_external_roots() {
    let mut heap: Heap<&str> = Heap::new();
    let holder = heap.alloc("holder"); // we keep our handle: an external reference
    let filler = heap.alloc_atomic("filler");
    let target = heap.alloc("target");
    heap.link(holder, filler).unwrap();
    heap.link(holder, target).unwrap();
    heap.decref(target).unwrap();
    let chain = graph::why_alive(&heap, target).unwrap().unwrap();
    assert_eq!(chain.root, ChainRoot::External);
    assert_eq!(chain.objects, vec![holder, target]);
    assert_eq!(chain.edge_indices, vec![1]);
    assert_eq!(
        chain.to_string(),
        format!("(external) {holder} -[1]-> {target}")
    );
}

#[test]
fn backref_chain_of_a_directly_held_object_is_the_object() {
    let mut heap: Heap<&str> = Heap::new();
    let x = heap.alloc("x");
    heap.set_var("x", x).unwrap();
    let chain = graph::why_alive(&heap, x).unwrap().unwrap();
    assert_eq!(chain.root, ChainRoot::Var("x".to_owned()));
    assert_eq!(chain.objects, vec![x]);
    assert!(chain.edge_indices.is_empty());
}

#[test]
fn garbage_has_no_backref_chain_and_stale_target_is_an_error() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    assert_eq!(graph::why_alive(&heap, a).unwrap(), None);
    heap.collect_full();
    assert!(matches!(
        graph::why_alive(&heap, a),
        Err(GraphError::Gc(GcError::StaleId(id))) if id == a
    ));
}

// ----------------------------------------------------------------------------------------
// Census
// ----------------------------------------------------------------------------------------

#[test]
fn census_growth_reports_increases_largest_first() {
    let mut heap: Heap<&str> = Heap::new();
    let doomed: Vec<ObjId> = (0..3).map(|_| heap.alloc("tuple")).collect();
    heap.alloc("dict");
    let before = graph::census(&heap, |t| t.to_string());
    assert_eq!(
        (before.get("tuple"), before.get("dict"), before.total()),
        (3, 1, 4)
    );
    for _ in 0..5 {
        heap.alloc("list");
    }
    for _ in 0..2 {
        heap.alloc("dict");
    }
    for id in doomed {
        heap.decref(id).unwrap();
    }
    let after = graph::census(&heap, |t| t.to_string());
    let growth = before.growth(&after);
    let lines: Vec<(&str, usize, usize)> = growth
        .iter()
        .map(|g| (g.label.as_str(), g.count, g.delta))
        .collect();
    assert_eq!(lines, vec![("list", 5, 5), ("dict", 3, 2)]); // tuples shrank: omitted
    assert_eq!(after.most_common(1), vec![("list", 5)]);
}

// ----------------------------------------------------------------------------------------
// Trial-deletion view
// ----------------------------------------------------------------------------------------

#[test]
fn trial_graph_shows_counts_external_and_unreachable() {
    let mut heap: Heap<&str> = Heap::new();
    let root = heap.alloc("root"); // held by us: external
    let child = heap.alloc("child");
    heap.link(root, child).unwrap();
    heap.link(child, root).unwrap();
    heap.decref(child).unwrap();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let g = graph::trial_graph(&heap, 0, true, &labels()).unwrap();
    assert_eq!(g.trial_generation(), Some(0));
    let t = |id| g.object(id).unwrap().trial.unwrap();
    assert_eq!(
        (t(root).refcount, t(root).gc_refs, t(root).reachable),
        (2, 1, true)
    );
    assert_eq!(
        (t(child).refcount, t(child).gc_refs, t(child).reachable),
        (1, 0, true)
    );
    assert_eq!((t(a).gc_refs, t(a).reachable), (0, false));
    assert_eq!(g.object(a).unwrap().status(), Status::Unreachable);
    assert_eq!(g.object(root).unwrap().status(), Status::Live);
    let legends = g
        .graph()
        .node_weights()
        .filter(|n| matches!(n, GraphNode::Legend(_)))
        .count();
    assert_eq!(legends, 1);
    let dot = g.to_dot(&DotOptions::default());
    for needle in [
        "rc=2 → gc_refs=1",
        "external",
        "unreachable",
        "update_refs",
        "subtract_refs",
        "move_unreachable",
        "1 external, 2 unreachable",
    ] {
        assert!(dot.contains(needle), "missing {needle:?} in\n{dot}");
    }
}

#[test]
fn trial_graph_draws_outside_objects_grey_or_omits_them() {
    let mut heap: Heap<&str> = Heap::new();
    let old = heap.alloc("old");
    heap.collect(0).unwrap(); // old → generation 1
    let young = heap.alloc("young");
    heap.link(old, young).unwrap();
    heap.decref(young).unwrap();
    let shown = graph::trial_graph(&heap, 0, true, &labels()).unwrap();
    assert_eq!(objects_of(&shown), vec![young, old]);
    assert_eq!(shown.object(old).unwrap().trial, None);
    assert_eq!(shown.object(young).unwrap().trial.unwrap().gc_refs, 1);
    assert_eq!(ref_edges(&shown), vec![(old, young, 0)]);
    assert!(
        shown
            .to_dot(&DotOptions::default())
            .contains("outside the examined set")
    );
    let omitted = graph::trial_graph(&heap, 0, false, &labels()).unwrap();
    assert_eq!(objects_of(&omitted), vec![young]);
    // Generation 1 examines both: old is now the external root.
    let both = graph::trial_graph(&heap, 1, true, &labels()).unwrap();
    assert_eq!(both.object(old).unwrap().trial.unwrap().gc_refs, 1);
    assert_eq!(both.object(young).unwrap().trial.unwrap().gc_refs, 0);
}

#[test]
fn trial_graph_of_missing_generation_is_an_error() {
    let heap: Heap<&str> = Heap::new();
    let err = graph::trial_graph(&heap, 7, true, &labels()).unwrap_err();
    assert!(matches!(
        err,
        GraphError::Gc(GcError::NoSuchGeneration { generation: 7, .. })
    ));
}

// ----------------------------------------------------------------------------------------
// Rendering
// ----------------------------------------------------------------------------------------

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclab-graph-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn render_writes_dot_and_svg_when_graphviz_is_installed() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, _) = two_cycle(&mut heap);
    heap.set_var("a", a).unwrap();
    let g = graph::trial_graph(&heap, 0, true, &labels()).unwrap();
    let dir = scratch_dir("svg");
    let out = graph::render(&g, &DotOptions::default(), dir.join("cycle")).unwrap();
    assert_eq!(out.dot, dir.join("cycle.dot"));
    assert_eq!(
        std::fs::read_to_string(&out.dot).unwrap(),
        g.to_dot(&DotOptions::default())
    );
    if !common::dot_installed() {
        common::skip("the SVG half", "graphviz `dot` is not on the PATH");
        assert_eq!(out.svg, None);
    } else {
        let svg = out.svg.expect("dot is installed, so an svg is rendered");
        assert_eq!(svg, dir.join("cycle.svg"));
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<svg"));
        assert!(text.contains("gc_refs"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn render_into_missing_directory_is_an_error_naming_the_path() {
    let heap: Heap<&str> = Heap::new();
    let g = graph::export(&heap, &labels());
    let path = scratch_dir("missing").join("no/such/dir/heap");
    let err = graph::render(&g, &DotOptions::default(), &path).unwrap_err();
    assert!(matches!(err, GraphError::Write { .. }));
    let msg = err.to_string();
    assert!(msg.starts_with("cannot write"), "{msg}");
    assert!(msg.contains("no/such/dir/heap.dot"), "{msg}");
}

#[test]
fn render_reports_dot_failure_when_graphviz_rejects_the_input() {
    if !common::dot_installed() {
        common::skip(
            "render_reports_dot_failure_when_graphviz_rejects_the_input",
            "graphviz `dot` is not on the PATH",
        );
        return;
    }
    let dir = scratch_dir("bad");
    let err = graph::render_dot("this is not dot {", dir.join("bad")).unwrap_err();
    assert!(matches!(err, GraphError::DotFailed { .. }));
    assert!(err.to_string().contains("bad.dot"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_without_classification_marks_nothing_unreachable() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    let g = graph::export(&heap, &labels().classify(false));
    assert!(g.objects().all(|o| !o.unreachable));
    let g = graph::export(&heap, &labels());
    assert!(g.objects().all(|o| o.unreachable));
}

#[test]
fn hand_built_chain_with_missing_indices_displays_without_panicking() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    let chain = gclab::graph::BackrefChain {
        root: ChainRoot::External,
        objects: vec![a, b],
        edge_indices: Vec::new(),
    };
    assert_eq!(chain.to_string(), format!("(external) {a} -[?]-> {b}"));
}

// ----------------------------------------------------------------------------------------
// Legends and empty pictures (issue 17)
// ----------------------------------------------------------------------------------------

#[test]
fn every_picture_has_a_legend_explaining_handles_counts_and_external_references() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, _b) = two_cycle(&mut heap);
    heap.set_var("a", a).unwrap();
    let whole = graph::export(&heap, &labels());
    for color_by in [ColorBy::Status, ColorBy::Generation] {
        let dot = whole.to_dot(&DotOptions {
            color_by,
            ..DotOptions::default()
        });
        assert_eq!(dot.matches("legend [ shape = note").count(), 1, "{dot}");
        for needle in [
            "3v1",
            "slot 3",
            "version 1",
            "rc=N",
            "ext=N",
            "names (boxes)",
        ] {
            assert!(
                dot.contains(needle),
                "{color_by:?} legend lacks {needle:?}:\n{dot}"
            );
        }
    }
    let selection = graph::show_refs(&heap, &[a], 1, &labels()).unwrap();
    assert!(selection.to_dot(&DotOptions::default()).contains("ext=N"));
    // The trial picture explains handles and its own counts in its one legend node.
    let trial = graph::trial_graph(&heap, 0, true, &labels()).unwrap();
    let dot = trial.to_dot(&DotOptions::default());
    assert!(!dot.contains("legend [ shape = note"), "{dot}");
    assert!(dot.contains("3v1: its handle"), "{dot}");
    assert!(dot.contains("rc=N → gc_refs=M"), "{dot}");
}

#[test]
fn a_fully_collected_heap_is_drawn_as_a_labelled_empty_node() {
    let mut heap: Heap<&str> = Heap::new();
    let (a, b) = two_cycle(&mut heap);
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    assert_eq!(heap.collect_full().collected, 2);
    let g = graph::export(&heap, &labels());
    assert_eq!(g.graph().node_count(), 0);
    let dot = g.to_dot(&DotOptions::default());
    assert!(dot.contains("empty [ shape = box"), "{dot}");
    assert!(dot.contains("empty heap"), "{dot}");
    if !common::dot_installed() {
        common::skip("the empty heap's SVG", "graphviz `dot` is not on the PATH");
    } else {
        let dir = std::env::temp_dir().join(format!("gclab-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = graph::render(&g, &DotOptions::default(), dir.join("empty")).unwrap();
        let svg = std::fs::read_to_string(out.svg.unwrap()).unwrap();
        assert!(svg.contains("empty heap"), "{svg}");
        assert!(!svg.contains("width=\"11pt\""), "{svg}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
