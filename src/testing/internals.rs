//! Checks of crate-private helpers, for the core crate's test suite (`tests/suite/`,
//! module `internals`), which as an integration test cannot reach them.
//!
//! The crate keeps no `#[cfg(test)]` unit tests: a unit test compiles the whole library
//! a second time (with `cfg(test)`), which was a fifth of a cold `cargo test -p gclab`.
//! A test that needs a private item is written here as a public function that panics
//! on failure, and `tests/suite/internals.rs` runs each one as a test of the same name.
//! Everything else goes straight into `tests/suite/` through the public API.

use slotmap::Key;

use crate::graph::dot::escape;
use crate::object::{Edges, ObjMut, Object, UNTRACKED};
use crate::store::{Store, slot_of};
use crate::{GcConfig, Heap, ObjId, workloads};

/// An untracked object with no edges and `payload`, for the store's checks.
fn obj(payload: u32) -> Object<u32> {
    Object::new(payload, Edges::default(), 0, UNTRACKED, 0)
}

/// DOT labels escape quotes and backslashes, and turn newlines into `\n` and tabs into
/// spaces (`graph::dot::escape`).
///
/// # Panics
/// When the escaping is wrong.
pub fn escape_handles_quotes_backslashes_and_newlines() {
    assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
    assert_eq!(escape("x\ny\tz"), "x\\ny z");
}

/// GCBench's two tree builders, top-down (`Populate`) and bottom-up (`MakeTree`), with
/// and without parent pointers, build complete binary trees of the asked depth: two
/// children per inner node, the parent edge exactly when asked, the reference counts
/// those edges give, and `tree_size(depth)` nodes.
///
/// # Panics
/// When a tree has another shape.
pub fn gcbench_trees_have_the_binary_tree_shape() {
    let mut heap: Heap<()> = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("the default configuration is valid");
    for pp in [false, true] {
        let bottom_up = workloads::make_tree(&mut heap, 3, pp);
        let top_down = heap.alloc(());
        workloads::populate(&mut heap, 3, top_down, pp);
        for root in [bottom_up, top_down] {
            let mut count = 0;
            let mut work: Vec<(ObjId, Option<ObjId>, u32)> = vec![(root, None, 3)];
            while let Some((node, parent, depth)) = work.pop() {
                count += 1;
                let edges = heap.edges(node).unwrap().to_vec();
                if let Some(parent) = parent {
                    assert_eq!(edges.contains(&parent), pp, "parent edge of {node}");
                }
                let children: Vec<ObjId> = edges
                    .iter()
                    .copied()
                    .filter(|&c| Some(c) != parent)
                    .collect();
                assert_eq!(children.len(), if depth == 0 { 0 } else { 2 });
                for c in children {
                    // Its parent's edge, plus its own children's parent edges.
                    let from_children = if pp && depth > 1 { 2 } else { 0 };
                    assert_eq!(heap.refcount(c).unwrap(), 1 + from_children);
                    work.push((c, Some(node), depth - 1));
                }
            }
            assert_eq!(count, workloads::tree_size(3));
        }
        heap.decref(bottom_up).unwrap();
        heap.decref(top_down).unwrap();
        heap.collect_full();
        assert!(heap.is_empty());
    }
}

/// The store rejects a freed id even after its slot is reused (versioned ids), reuses
/// the most recently freed slot first, and counts and lists its objects.
///
/// # Panics
/// When the store does otherwise.
pub fn freed_ids_stay_rejected_after_their_slot_is_reused() {
    let mut s = Store::new();
    let a = s.insert(obj(1));
    let b = s.insert(obj(2));
    assert_eq!(s.remove_entry(a).map(|(_, p)| p), Some(1));
    assert!(s.get(a).is_none() && s.remove_entry(a).is_none());
    let c = s.insert(obj(3));
    assert_eq!(
        slot_of(c),
        slot_of(a),
        "the most recently freed slot is reused"
    );
    assert_ne!(c, a);
    assert!(s.get(a).is_none());
    assert_eq!(s.by_id(c).body().payload, 3);
    assert_eq!(s.id_at(slot_of(b)), b);
    assert_eq!(s.len(), 2);
    assert_eq!(s.keys().collect::<Vec<_>>(), [c, b]);
    assert!(s.get(ObjId::null()).is_none());
}

/// A free slot is refused by every accessor of the store (a stale id, its slot, an
/// index past the end), reads back its last occupant's id, and `at()` on it panics
/// (a broken invariant, not user input) without reading the cold half.
///
/// # Panics
/// When a free slot is accepted.
pub fn a_free_slot_is_rejected_by_every_accessor() {
    let mut s = Store::new();
    let a = s.insert(obj(1));
    let b = s.insert(obj(2));
    s.remove_entry(a);
    assert!(s.get(a).is_none() && s.get_mut(a).is_none());
    assert!(s.get_slot(slot_of(a)).is_none());
    assert!(s.lookup(slot_of(a)).is_none() && s.lookup(a).is_none());
    assert!(s.get_slot(99).is_none(), "an index past the end");
    assert_eq!(s.id_at(slot_of(a)), a, "the last occupant's id, stale");
    assert_eq!(s.at(slot_of(b)).body().payload, 2);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.at(slot_of(a));
    }));
    assert!(caught.is_err(), "at() on a free slot is a broken invariant");
}

/// A new record's hot header says whether its body holds edges beyond the first
/// (`MORE_EDGES`), and a record made from a free slot's flags is not vacant.
///
/// # Panics
/// When the header's flags are wrong.
pub fn a_new_record_says_whether_its_body_holds_edges() {
    let one = Object::new(
        (),
        Edges::from_slots(&[7]),
        crate::object::flags::VACANT,
        UNTRACKED,
        0,
    );
    assert!(!one.hot.has_more_edges() && !one.hot.is_vacant());
    let two = Object::new((), Edges::from_slots(&[7, 8]), 0, UNTRACKED, 0);
    assert!(two.hot.has_more_edges());
}

/// The store orders a list of entries by descending slot (the order the collector frees
/// garbage in) for monotone, rotated and dense lists, putting dead entries last.
///
/// # Panics
/// When an order is wrong.
pub fn order_descending_handles_monotone_rotated_and_dense_lists() {
    let mut s = Store::new();
    let ids: Vec<ObjId> = (0..200).map(|i| s.insert(obj(i))).collect();
    let mut asc: Vec<u32> = (0..10).collect();
    s.order_descending(&mut asc);
    assert_eq!(asc, (0..10).rev().collect::<Vec<_>>());
    // A rotated list of few entries (sorted).
    let mut rotated: Vec<u32> = vec![3, 2, 1, 0, 9, 8];
    s.order_descending(&mut rotated);
    assert_eq!(rotated, [9, 8, 3, 2, 1, 0]);
    // Dense (more than a 64th of the slots): the bitmap, dropping a dead id.
    let dead = ids[5];
    s.remove_entry(dead);
    let mut dense: Vec<ObjId> = [7, 5, 150, 3, 199, 4].iter().map(|&i| ids[i]).collect();
    s.order_descending(&mut dense);
    let expected: Vec<ObjId> = [199, 150, 7, 4, 3].iter().map(|&i| ids[i]).collect();
    assert_eq!(dense[..5], expected[..]);
    assert!(s.get(dense[5]).is_none());
}

/// An object's edges keep their order through pushes, inserts, replacements, removals
/// and taking them all (the first edge inline, the rest in a vector).
///
/// # Panics
/// When an edge is out of order or miscounted.
pub fn edges_keep_order_through_push_insert_remove() {
    let Object { mut hot, cold } = Object::new((), Edges::default(), 0, UNTRACKED, 0);
    let mut cold = cold;
    let mut o = ObjMut::new(&mut hot, &mut cold);
    let edges = |o: &ObjMut<'_, ()>| o.edges().collect::<Vec<_>>();
    o.push_edge(0);
    assert!(!o.has_more_edges());
    o.push_edge(1);
    assert!(o.has_more_edges());
    o.insert_edge(1, 2);
    assert_eq!(edges(&o), [0, 2, 1]);
    o.insert_edge(0, 3);
    assert_eq!(edges(&o), [3, 0, 2, 1]);
    assert_eq!(o.edge_count(), 4);
    assert_eq!(o.edges().nth(2), Some(2));
    assert_eq!(o.edges().nth(4), None);
    assert_eq!(o.remove_edge(0), 3);
    assert_eq!(o.remove_edge(0), 0);
    assert_eq!(o.remove_edge(1), 1);
    assert_eq!(edges(&o), [2]);
    assert!(!o.has_more_edges(), "one edge left: the body holds none");
    assert_eq!(o.edges().nth(1), None);
    assert_eq!(o.replace_edge(0, 4), 2);
    assert_eq!(o.remove_edge(0), 4);
    assert_eq!(o.edge_count(), 0);
    assert_eq!(o.edges().len(), 0);
    o.insert_edge(0, 5);
    o.push_edge(6);
    let taken = o.take_edges();
    assert_eq!(taken.into_iter().collect::<Vec<_>>(), [5, 6]);
    assert_eq!(o.edge_count(), 0);
    assert!(!o.has_more_edges());
}
