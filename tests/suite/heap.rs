//! The heap: exact refcounts, immediate reclamation, names, ids and errors.

use gclab::{GcError, Heap, ObjId};

/// Refcount = incoming edges + external references, recounted from scratch.
fn assert_exact(heap: &Heap<u32>) {
    heap.verify().unwrap();
    for id in heap.ids().collect::<Vec<_>>() {
        let incoming: u32 = heap
            .ids()
            .map(|r| heap.edges(r).unwrap().filter(|&t| t == id).count() as u32)
            .sum();
        assert_eq!(
            heap.refcount(id).unwrap(),
            incoming + heap.external_count(id).unwrap(),
            "object {id}"
        );
    }
}

#[test]
fn refcounts_stay_exact_across_every_mutator_operation() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    let c = heap.alloc(3);
    let n = heap.alloc_atomic(4);
    assert_exact(&heap);
    heap.link(a, b).unwrap();
    heap.link(a, b).unwrap();
    heap.link(b, c).unwrap();
    heap.link(c, a).unwrap();
    heap.link(c, n).unwrap();
    assert_eq!(heap.refcount(b).unwrap(), 3);
    assert_exact(&heap);
    heap.insert_edge(a, 0, n).unwrap();
    assert_eq!(heap.edges(a).unwrap(), &[n, b, b]);
    assert_exact(&heap);
    assert_eq!(heap.set_edge(a, 1, c).unwrap(), b);
    assert_exact(&heap);
    assert_eq!(heap.remove_edge(a, 0).unwrap(), n);
    assert_exact(&heap);
    assert!(heap.unlink(a, b).unwrap());
    assert!(!heap.unlink(a, b).unwrap());
    assert_exact(&heap);
    heap.incref(c).unwrap();
    heap.set_var("c", c).unwrap();
    heap.set_var("also_c", c).unwrap();
    assert_eq!(heap.external_count(c).unwrap(), 4);
    assert_exact(&heap);
    heap.clear_edges(c).unwrap();
    assert_exact(&heap);
    let t = heap.alloc_immutable(9, &[a, a, n]).unwrap();
    assert_eq!(heap.refcount(n).unwrap(), 2);
    assert_exact(&heap);
    heap.decref(t).unwrap();
    assert_exact(&heap);
    heap.del_var("also_c").unwrap();
    heap.decref(c).unwrap();
    assert_exact(&heap);
}

#[test]
fn dropped_acyclic_structure_is_freed_at_once() {
    let mut heap: Heap<u32> = Heap::new();
    let root = heap.alloc(0);
    let mut all = vec![root];
    // A small tree with shared leaves: a DAG.
    let leaf = heap.alloc_atomic(99);
    for i in 1..=5 {
        let child = heap.alloc(i);
        heap.link(root, child).unwrap();
        heap.link(child, leaf).unwrap();
        heap.decref(child).unwrap();
        all.push(child);
    }
    heap.decref(leaf).unwrap();
    assert_eq!(heap.len(), 7);
    heap.decref(root).unwrap();
    assert!(
        heap.is_empty(),
        "everything only the root kept alive is gone"
    );
    assert_eq!(heap.counters().frees_by_refcount, 7);
    for id in all {
        assert!(!heap.contains(id));
    }
}

#[test]
fn cycle_is_not_freed_by_refcounting() {
    let mut heap: Heap<u32> = Heap::new();
    heap.disable();
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    heap.link(a, b).unwrap();
    heap.link(b, a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap();
    assert!(heap.contains(a) && heap.contains(b));
    assert_eq!(heap.refcount(a).unwrap(), 1);
    assert_eq!(heap.refcount(b).unwrap(), 1);
    assert_exact(&heap);
}

#[test]
fn stale_ids_are_rejected_after_free_and_after_slot_reuse() {
    let mut heap: Heap<u32> = Heap::new();
    let old = heap.alloc(1);
    heap.decref(old).unwrap();
    assert_eq!(heap.refcount(old), Err(GcError::StaleId(old)));
    let new = heap.alloc(2); // reuses the slot
    assert_ne!(old, new);
    assert!(!heap.contains(old));
    for result in [
        heap.incref(old),
        heap.decref(old),
        heap.link(new, old),
        heap.link(old, new),
        heap.set_var("x", old),
        heap.clear_edges(old),
    ] {
        assert_eq!(result, Err(GcError::StaleId(old)));
    }
    assert_eq!(heap.payload(old), Err(GcError::StaleId(old)));
    assert_eq!(*heap.payload(new).unwrap(), 2);
    assert_eq!(
        heap.refcount(new).unwrap(),
        1,
        "the stale operations did not touch the new occupant"
    );
    assert_ne!(heap.id(new).unwrap(), heap.id(old).unwrap_or(0));
    assert_exact(&heap);
}

#[test]
fn over_release_is_an_error_and_leaves_the_heap_unchanged() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    heap.link(a, b).unwrap();
    heap.decref(b).unwrap(); // b now held only by a's edge
    assert_eq!(heap.decref(b), Err(GcError::NoExternalRef(b)));
    assert_eq!(heap.refcount(b).unwrap(), 1);
    heap.set_var("a", a).unwrap();
    heap.decref(a).unwrap(); // ours; the name keeps its own
    assert_eq!(heap.decref(a), Err(GcError::NoExternalRef(a)));
    assert_eq!(heap.get_var("a"), Some(a));
    assert_eq!(heap.refcount(a).unwrap(), 1);
    assert_exact(&heap);
    assert_eq!(
        heap.remove_edge(a, 5),
        Err(GcError::EdgeIndexOutOfRange {
            id: a,
            index: 5,
            len: 1
        })
    );
    assert_eq!(
        heap.del_var("nope"),
        Err(GcError::UnknownName("nope".into()))
    );
    assert_exact(&heap);
}

#[test]
fn names_bind_rebind_and_delete() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(10);
    let b = heap.alloc(20);
    heap.set_var("x", a).unwrap();
    heap.decref(a).unwrap();
    heap.decref(b).unwrap(); // b has no reference left: freed
    assert!(!heap.contains(b));
    let b = heap.alloc(20);
    heap.set_var("y", b).unwrap();
    heap.decref(b).unwrap();
    heap.set_var("x", a).unwrap(); // x = x
    assert_eq!(heap.refcount(a).unwrap(), 1);
    heap.set_var("x", b).unwrap(); // rebinding releases a: freed
    assert!(!heap.contains(a));
    assert_eq!(heap.refcount(b).unwrap(), 2);
    let names: Vec<_> = heap.vars().collect();
    assert_eq!(names, vec![("x", b), ("y", b)]);
    assert_eq!(heap.del_var("y").unwrap(), b);
    assert_eq!(heap.del_var("x").unwrap(), b);
    assert!(heap.is_empty());
}

#[test]
fn seed_walkthrough_counts() {
    let mut heap: Heap<&str> = Heap::new();
    let l = heap.alloc("[10, 20]");
    heap.set_var("a", l).unwrap();
    heap.decref(l).unwrap();
    let mut counts = vec![heap.refcount(l).unwrap()];
    heap.set_var("b", l).unwrap();
    counts.push(heap.refcount(l).unwrap());
    heap.del_var("b").unwrap();
    counts.push(heap.refcount(l).unwrap());
    // Python prints 2, 3, 2: sys.getrefcount holds one more for its argument.
    assert_eq!(counts, vec![1, 2, 1]);
}

#[test]
fn atomic_and_immutable_objects_refuse_edge_changes() {
    let mut heap: Heap<u32> = Heap::new();
    let n = heap.alloc_atomic(1);
    let t = heap.alloc_immutable(2, &[n]).unwrap();
    assert_eq!(heap.link(n, t), Err(GcError::AtomicObject(n)));
    assert_eq!(heap.link(t, n), Err(GcError::ImmutableObject(t)));
    assert_eq!(heap.clear_edges(t), Err(GcError::ImmutableObject(t)));
    assert!(!heap.is_tracked(n).unwrap());
    assert_exact(&heap);
}

#[test]
fn identities_are_unique_and_assignable() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    heap.assign_identity(a, 140_000).unwrap();
    assert_eq!(heap.id(a).unwrap(), 140_000);
    assert_eq!(heap.find_by_identity(140_000), Some(a));
    assert_eq!(
        heap.assign_identity(b, 140_000),
        Err(GcError::DuplicateIdentity(140_000))
    );
    let native_b = heap.id(b).unwrap();
    assert_eq!(
        heap.assign_identity(a, native_b),
        Err(GcError::DuplicateIdentity(native_b))
    );
    heap.decref(a).unwrap();
    assert_eq!(heap.find_by_identity(140_000), None);
    heap.verify().unwrap();
}

/// An identity assigned to one object may be the native identity (`2^48 + 16 ×
/// slot`) of a slot no object holds yet. The object that later lands in that slot gets
/// a fresh identity instead, so two live objects never share an `id()`; `verify`
/// checks that, and the snapshot the heap writes reads back.
#[test]
fn an_assigned_identity_never_collides_with_a_later_native_one() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(1);
    let native_of_next_slot = heap.id(a).unwrap() + 16;
    heap.assign_identity(a, native_of_next_slot).unwrap();
    let b = heap.alloc(2); // lands in the next slot
    assert_eq!(b.native_identity(), native_of_next_slot);
    let (ia, ib) = (heap.id(a).unwrap(), heap.id(b).unwrap());
    assert_ne!(ia, ib, "two live objects share an id()");
    assert_eq!(heap.find_by_identity(ia), Some(a));
    assert_eq!(heap.find_by_identity(ib), Some(b));
    heap.verify().unwrap();
    use gclab::snapshot::SnapshotExt;
    let snapshot = heap.to_snapshot(|p| p.to_string());
    let back: Heap<gclab::snapshot::TypeLabel> = Heap::from_snapshot(&snapshot).unwrap();
    back.verify().unwrap();
    assert_eq!(back.len(), 2);
    // Once `a` is gone, its claim goes too: new objects get native identities again.
    heap.decref(a).unwrap();
    let c = heap.alloc(3);
    assert_eq!(heap.id(c).unwrap(), c.native_identity());
    heap.verify().unwrap();
}

#[test]
fn referrers_lists_each_holder_once() {
    let mut heap: Heap<u32> = Heap::new();
    let t = heap.alloc(0);
    let a = heap.alloc(1);
    let b = heap.alloc(2);
    heap.link(a, t).unwrap();
    heap.link(a, t).unwrap();
    heap.link(b, t).unwrap();
    let mut r = heap.referrers(t).unwrap();
    r.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(r, expected);
}

fn chain(heap: &mut Heap<()>, n: usize) -> ObjId {
    let head = heap.alloc(());
    let mut tail = head;
    for _ in 1..n {
        let next = heap.alloc(());
        heap.link(tail, next).unwrap();
        heap.decref(next).unwrap();
        tail = next;
    }
    head
}

#[test]
fn million_long_chain_is_freed_without_recursion() {
    let mut heap: Heap<()> = Heap::new();
    let head = chain(&mut heap, 1_000_000);
    assert_eq!(heap.len(), 1_000_000);
    heap.decref(head).unwrap();
    assert!(heap.is_empty());
    assert_eq!(heap.counters().frees_by_refcount, 1_000_000);
}

#[test]
#[ignore = "10^7 objects: run with `cargo test --release -- --ignored`"]
fn ten_million_long_chain_is_freed_on_the_main_stack() {
    let mut heap: Heap<()> = Heap::new();
    let head = chain(&mut heap, 10_000_000);
    heap.decref(head).unwrap();
    assert!(heap.is_empty());
}

#[test]
fn small_numbers_are_not_native_identities() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(1); // slot 1, version 1: native identity 1 << 32 | 1
    let b = heap.alloc(2);
    assert_eq!(heap.find_by_identity(1), None);
    heap.assign_identity(b, 1).unwrap(); // 1 is nobody's identity
    assert_eq!(heap.find_by_identity(1), Some(b));
    assert_eq!(heap.find_by_identity(heap.id(a).unwrap()), Some(a));
}

#[test]
fn incref_by_takes_many_references_or_none() {
    let mut heap: Heap<u32> = Heap::new();
    let a = heap.alloc(1);
    heap.incref_by(a, 41).unwrap();
    assert_eq!(
        (heap.refcount(a).unwrap(), heap.external_count(a).unwrap()),
        (42, 42)
    );
    assert_eq!(
        heap.incref_by(a, gclab::MAX_REFCOUNT),
        Err(GcError::RefcountOverflow(a))
    );
    assert_eq!(heap.refcount(a).unwrap(), 42);
    heap.verify().unwrap();
}

/// A weak reference to a freed object reads dead even after its slot holds another
/// object, and its own table slot can be reused.
#[test]
fn weakref_reads_dead_after_slot_reuse() {
    let mut heap = Heap::new();
    let x = heap.alloc(1);
    let w = heap.downgrade(x).unwrap();
    heap.decref(x).unwrap();
    let y = heap.alloc(2); // reuses x's slot
    let w2 = heap.downgrade(y).unwrap(); // reuses w's table slot
    assert_eq!(heap.upgrade(w), None);
    assert_eq!(heap.upgrade(w2), Some(y));
    heap.verify().unwrap();
}

/// A weak reference whose owner dies before its target is dropped with its callback:
/// the callback never runs.
#[test]
fn owner_dying_first_drops_the_callback() {
    let mut heap = Heap::new();
    let target = heap.alloc(0);
    let owner = heap.alloc(1);
    let ran = std::rc::Rc::new(std::cell::Cell::new(false));
    let r = ran.clone();
    let w = heap
        .attach_weakref(owner, target, Some(Box::new(move |_, _| r.set(true))))
        .unwrap();
    heap.decref(owner).unwrap();
    assert_eq!(heap.upgrade(w), None);
    heap.decref(target).unwrap();
    assert!(!ran.get());
    heap.verify().unwrap();
}
