//! Trial deletion: the mechanism that finds objects referenced only from inside a set.
//!
//! The examined set is a list of ids and a `member` test on an object's generation byte
//! (`generation <= g` for a collection of generation `g`). Each examined object's scratch
//! count (CPython's `gc_refs`) lives in its header, in the `gen_index` cell, exactly as
//! CPython keeps it in the GC header: no phase allocates per object or hashes anything,
//! and a collection touches no memory but the objects' own. Each phase is one pass,
//! iterative, linear in the objects and edges of the set. Afterwards the caller rewrites
//! every examined header's position (it moves the object anyway).

use slotmap::{SecondaryMap, SlotMap};

use crate::error::{GcError, Result};
use crate::heap::Heap;
use crate::object::{ObjId, Object};

/// Scratch mark: the object is reachable from outside the examined set. Above every
/// possible count ([`MAX_REFCOUNT`](crate::MAX_REFCOUNT) is `u32::MAX / 2`).
pub(crate) const REACHABLE: u32 = u32::MAX;

/// `update_refs`: copies each examined object's reference count into its scratch count.
///
/// Postcondition: every member's scratch count equals its refcount.
pub(crate) fn update_refs<T>(objects: &SlotMap<ObjId, Object<T>>, set: &[ObjId]) {
    for &id in set {
        let obj = &objects[id];
        obj.gen_index.set(obj.refcount);
    }
}

/// `subtract_refs`: for every edge from an examined object to an examined object,
/// subtracts one from the target's scratch count.
///
/// Postcondition: each member's scratch count is the number of references to it from
/// outside the set (external references and edges from unexamined objects). Every object
/// referenced only from inside the set has scratch count 0.
pub(crate) fn subtract_refs<T>(
    objects: &SlotMap<ObjId, Object<T>>,
    set: &[ObjId],
    member: impl Fn(u8) -> bool,
) {
    for &id in set {
        for &t in objects[id].edges.as_slice() {
            let target = &objects[t];
            if member(target.generation) {
                let refs = target.gen_index.get();
                debug_assert!(
                    refs > 0,
                    "bug: gc_refs of {t} underflows; its refcount is below its incoming edges"
                );
                target.gen_index.set(refs - 1);
            }
        }
    }
}

/// `move_unreachable`: marks every member with a positive scratch count, and everything
/// it reaches inside the set, as [`REACHABLE`]; the rest is unreachable.
///
/// Postcondition: a member's scratch count is `REACHABLE` exactly when it is reachable
/// from an externally referenced member; the others keep their count (0). Returns the
/// number of reachable members. Depth-first from each root with an explicit stack (kept
/// by the caller so its memory is reused), never recursion.
pub(crate) fn move_unreachable<T>(
    objects: &SlotMap<ObjId, Object<T>>,
    set: &[ObjId],
    member: impl Fn(u8) -> bool,
    stack: &mut Vec<ObjId>,
) -> usize {
    stack.clear();
    let mut reachable = 0;
    for &root in set {
        let obj = &objects[root];
        let refs = obj.gen_index.get();
        if refs == 0 || refs == REACHABLE {
            continue;
        }
        obj.gen_index.set(REACHABLE);
        reachable += 1;
        stack.push(root);
        while let Some(id) = stack.pop() {
            for &t in objects[id].edges.as_slice() {
                let target = &objects[t];
                if member(target.generation) && target.gen_index.get() != REACHABLE {
                    target.gen_index.set(REACHABLE);
                    reachable += 1;
                    stack.push(t);
                }
            }
        }
    }
    reachable
}

/// What trial deletion saw for one object of the examined set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialEntry {
    /// The object.
    pub id: ObjId,
    /// Its reference count (`update_refs` copied this).
    pub refcount: u32,
    /// Its scratch count after `subtract_refs`: references from outside the set. Positive
    /// means externally referenced.
    pub gc_refs: u32,
    /// Whether `move_unreachable` found it reachable from an externally referenced object.
    pub reachable: bool,
}

impl TrialEntry {
    /// Whether the object is referenced from outside the examined set (a root of the
    /// reachable part).
    pub fn externally_referenced(&self) -> bool {
        self.gc_refs > 0
    }
}

/// The trial-deletion picture of one collection: every examined object with its counts,
/// in examination order (youngest generation first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialView {
    /// The generation this collection would collect.
    pub generation: usize,
    /// One entry per examined object.
    pub entries: Vec<TrialEntry>,
    /// Position of each examined object in `entries`.
    index: SecondaryMap<ObjId, usize>,
}

impl TrialView {
    /// The entry of `id`, if it was examined. O(1).
    pub fn get(&self, id: ObjId) -> Option<&TrialEntry> {
        self.index.get(id).map(|&i| &self.entries[i])
    }

    /// The objects found unreachable, in examination order.
    pub fn unreachable(&self) -> Vec<ObjId> {
        self.entries
            .iter()
            .filter(|e| !e.reachable)
            .map(|e| e.id)
            .collect()
    }

    /// The externally referenced objects (positive scratch count), in examination order.
    pub fn externally_referenced(&self) -> Vec<ObjId> {
        self.entries
            .iter()
            .filter(|e| e.externally_referenced())
            .map(|e| e.id)
            .collect()
    }
}

impl<T> Heap<T> {
    /// Runs the three trial-deletion phases over generations `0..=generation` without
    /// changing anything, and returns what they saw: each object's refcount, its scratch
    /// count after `subtract_refs`, and whether it is reachable. The unreachable set is
    /// what [`collect`](Heap::collect) would find, before finalizers get a chance to
    /// resurrect anything. (The phases use the headers' scratch cells, which are restored
    /// before it returns.)
    ///
    /// # Errors
    /// [`GcError::NoSuchGeneration`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    /// heap.link(a, b).unwrap();
    /// heap.link(b, a).unwrap();
    /// heap.decref(b).unwrap(); // `a` is still held by us
    /// let view = heap.trial_deletion(0).unwrap();
    /// assert_eq!(view.get(a).unwrap().gc_refs, 1); // our handle
    /// assert_eq!(view.get(b).unwrap().gc_refs, 0); // only a → b
    /// assert!(view.unreachable().is_empty());      // b is reached from a
    /// ```
    pub fn trial_deletion(&self, generation: usize) -> Result<TrialView> {
        let n = self.gc.generations();
        if generation >= n {
            return Err(GcError::NoSuchGeneration {
                generation,
                generations: n,
            });
        }
        let set: Vec<ObjId> = self.gc.gens[..=generation].concat();
        let member = |g: u8| (g as usize) <= generation;
        update_refs(&self.objects, &set);
        subtract_refs(&self.objects, &set, member);
        let after_subtract: Vec<u32> = set
            .iter()
            .map(|&id| self.objects[id].gen_index.get())
            .collect();
        move_unreachable(&self.objects, &set, member, &mut Vec::new());
        let entries: Vec<TrialEntry> = set
            .iter()
            .zip(after_subtract)
            .map(|(&id, gc_refs)| {
                let obj = &self.objects[id];
                TrialEntry {
                    id,
                    refcount: obj.refcount,
                    gc_refs,
                    reachable: obj.gen_index.get() == REACHABLE,
                }
            })
            .collect();
        // Restore every examined header's position.
        for list in &self.gc.gens[..=generation] {
            for (i, &id) in list.iter().enumerate() {
                self.objects[id].gen_index.set(i as u32);
            }
        }
        let mut index = SecondaryMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            index.insert(e.id, i);
        }
        Ok(TrialView {
            generation,
            entries,
            index,
        })
    }
}
