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

/// A random graph of `n` objects in a bare store, for the checks of `move_unreachable`:
/// each object in space 0 (a member of the examined set, most of them), 2 (tracked
/// elsewhere) or [`UNTRACKED`], with up to four edges to any object (self-loops and
/// repeats included) and an external reference on about one in four, its refcount
/// the sum. Returns the store and the members' slots in allocation order.
fn random_graph(seed: u64, n: u32) -> (Store<()>, Vec<u32>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut s = Store::new();
    let mut refcounts = vec![0u32; n as usize];
    let mut members = Vec::new();
    for slot in 0..n {
        let edges: Vec<u32> = (0..rng.random_range(0..=4))
            .map(|_| rng.random_range(0..n))
            .collect();
        for &t in &edges {
            refcounts[t as usize] += 1;
        }
        refcounts[slot as usize] += u32::from(rng.random_ratio(1, 4));
        let space = match rng.random_range(0..10) {
            0 => UNTRACKED,
            1 => 2,
            _ => {
                members.push(slot);
                0
            }
        };
        s.insert(Object::new((), Edges::from_slots(&edges), 0, space, 0));
    }
    for (slot, &refcount) in refcounts.iter().enumerate() {
        s.at_mut(slot as u32).hot.refcount = refcount;
    }
    (s, members)
}

/// Every slot-level `move_unreachable` of the collector (`move_unreachable_promoting`,
/// `move_unreachable_in_place`, and `move_unreachable_promoting_growing` for lists too
/// long to tag) leaves the survivors in the order CPython's list algorithm
/// (`move_unreachable` in `Python/gc.c`, which `trial::move_unreachable` follows entry
/// for entry, appending each object moved back to the end of `young`) leaves them,
/// with their promoted headers, and sets aside the same objects (in scan order, where
/// the order is kept), over a thousand random graphs; and neither list outgrows the
/// examined list.
///
/// # Panics
/// When a variant disagrees with the reference.
pub fn move_unreachable_variants_agree_with_cpythons_list_algorithm() {
    use crate::gc::trial::{
        SET_ASIDE, drop_moved_back, move_unreachable, move_unreachable_in_place,
        move_unreachable_promoting, move_unreachable_promoting_growing, update_and_subtract_refs,
    };
    use crate::object::COLLECTING;
    const OLDER: u8 = 1;
    const BASE: u32 = 7;
    for seed in 0..1000u64 {
        let n = 1 + (seed % 48) as u32;
        // The reference: CPython's algorithm over ids.
        let (s, members) = random_graph(seed, n);
        update_and_subtract_refs(&s, &members, |g| g == 0);
        let mut young: Vec<ObjId> = members.iter().map(|&m| s.id_at(m)).collect();
        let mut unreachable = Vec::new();
        if move_unreachable(&s, &mut young, |g| g == COLLECTING, &mut unreachable) {
            drop_moved_back(&s, &mut unreachable);
        }
        let survivors: Vec<u32> = young.iter().map(|&id| slot_of(id)).collect();
        let garbage: Vec<u32> = unreachable.iter().map(|&id| slot_of(id)).collect();
        let promoted = |s: &Store<()>, young: &[u32]| {
            for (i, &slot) in young.iter().enumerate() {
                let o = s.at(slot);
                assert_eq!((o.space(), o.position()), (OLDER, BASE + i as u32));
            }
        };
        let set_aside = |s: &Store<()>, garbage: &[u32]| {
            for &slot in garbage {
                let o = s.at(slot);
                assert!(o.space() == COLLECTING && o.gc_refs() & SET_ASIDE != 0);
            }
        };
        for growing in [false, true] {
            let (s, members) = random_graph(seed, n);
            update_and_subtract_refs(&s, &members, |g| g == 0);
            let mut young = members.clone();
            let mut unreachable = Vec::with_capacity(young.len());
            if growing {
                move_unreachable_promoting_growing(&s, &mut young, &mut unreachable, OLDER, BASE);
            } else {
                move_unreachable_promoting(&s, &mut young, &mut unreachable, OLDER, BASE);
                assert!(young.capacity() == members.len(), "seed {seed}: young grew");
                assert!(unreachable.capacity() == members.len(), "seed {seed}: grew");
                set_aside(&s, &unreachable);
            }
            assert_eq!(
                young, survivors,
                "seed {seed}: survivors (growing: {growing})"
            );
            assert_eq!(
                unreachable, garbage,
                "seed {seed}: garbage (growing: {growing})"
            );
            promoted(&s, &young);
        }
        let (s, members) = random_graph(seed, n);
        update_and_subtract_refs(&s, &members, |g| g == 0);
        let mut young = members.clone();
        let kept = move_unreachable_in_place(&s, &mut young, OLDER, BASE);
        assert_eq!(
            young[..kept],
            survivors[..],
            "seed {seed}: survivors in place"
        );
        let mut rest = young[kept..].to_vec();
        rest.sort_unstable();
        let mut expected = garbage.clone();
        expected.sort_unstable();
        assert_eq!(rest, expected, "seed {seed}: garbage in place");
        promoted(&s, &young[..kept]);
        for (i, &slot) in young.iter().enumerate().skip(kept) {
            let o = s.at(slot);
            assert_eq!(o.space(), COLLECTING, "seed {seed}");
            assert_eq!(o.gc_refs(), SET_ASIDE | i as u32, "seed {seed}: its index");
        }
    }
}
