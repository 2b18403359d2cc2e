//! Trial deletion: the mechanism that finds objects referenced only from inside a set.
//!
//! The examined set is a list of ids; the scratch count of the object at position `i`
//! (CPython's `gc_refs`) lives in a dense `Vec<u32>` at index `i`, and the object's
//! header says whether an edge target is in the set and at which position (the caller
//! supplies that as a `member` function), so no phase hashes anything. Each phase is one
//! pass, iterative, linear in the objects and edges of the set.

use slotmap::SlotMap;

use crate::error::{GcError, Result};
use crate::heap::Heap;
use crate::object::{ObjId, Object};

/// Scratch mark: the object is reachable from outside the examined set.
pub(crate) const REACHABLE: u32 = u32::MAX;

/// `update_refs`: copies each examined object's reference count into its scratch count.
///
/// Postcondition: `scratch.len() == set.len()` and `scratch[i] == refcount(set[i])`.
pub(crate) fn update_refs<T>(
    objects: &SlotMap<ObjId, Object<T>>,
    set: &[ObjId],
    scratch: &mut Vec<u32>,
) {
    scratch.clear();
    scratch.extend(set.iter().map(|&id| objects[id].refcount));
}

/// `subtract_refs`: for every edge from an examined object to an examined object,
/// subtracts one from the target's scratch count.
///
/// Postcondition: `scratch[i]` is the number of references to `set[i]` from outside the
/// set (external references and edges from unexamined objects). Every object referenced
/// only from inside the set has scratch count 0.
pub(crate) fn subtract_refs<T>(
    objects: &SlotMap<ObjId, Object<T>>,
    set: &[ObjId],
    scratch: &mut [u32],
    member: impl Fn(&Object<T>) -> Option<usize>,
) {
    for &id in set {
        for &t in objects[id].edges.as_slice() {
            if let Some(j) = member(&objects[t]) {
                debug_assert!(
                    scratch[j] > 0,
                    "bug: gc_refs of {t} underflows; its refcount is below its incoming edges"
                );
                scratch[j] -= 1;
            }
        }
    }
}

/// `move_unreachable`: marks every object with a positive scratch count, and everything
/// it reaches inside the set, as reachable; the rest is unreachable.
///
/// Postcondition: `scratch[i] == REACHABLE` exactly for the objects reachable from an
/// externally referenced member of the set; the others keep their count (0). Returns the
/// number of reachable objects. Uses an explicit stack of positions, never recursion.
pub(crate) fn move_unreachable<T>(
    objects: &SlotMap<ObjId, Object<T>>,
    set: &[ObjId],
    scratch: &mut [u32],
    member: impl Fn(&Object<T>) -> Option<usize>,
) -> usize {
    let mut stack: Vec<u32> = Vec::new();
    let mut reachable = 0;
    for (i, s) in scratch.iter_mut().enumerate() {
        if *s > 0 {
            *s = REACHABLE;
            stack.push(i as u32);
            reachable += 1;
        }
    }
    while let Some(i) = stack.pop() {
        for &t in objects[set[i as usize]].edges.as_slice() {
            if let Some(j) = member(&objects[t])
                && scratch[j] != REACHABLE
            {
                scratch[j] = REACHABLE;
                stack.push(j as u32);
                reachable += 1;
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
}

impl TrialView {
    /// The entry of `id`, if it was examined.
    pub fn get(&self, id: ObjId) -> Option<&TrialEntry> {
        self.entries.iter().find(|e| e.id == id)
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
    /// resurrect anything.
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
        // The examined set is the concatenation of generations 0..=generation; an
        // object's position in it is its generation's offset plus its index there.
        let mut offsets = Vec::with_capacity(generation + 1);
        let mut set = Vec::new();
        for g in 0..=generation {
            offsets.push(set.len());
            set.extend_from_slice(&self.gc.gens[g]);
        }
        let member = |o: &Object<T>| {
            ((o.generation as usize) <= generation)
                .then(|| offsets[o.generation as usize] + o.gen_index as usize)
        };
        let mut scratch = Vec::new();
        update_refs(&self.objects, &set, &mut scratch);
        let refcounts = scratch.clone();
        subtract_refs(&self.objects, &set, &mut scratch, member);
        let after_subtract = scratch.clone();
        move_unreachable(&self.objects, &set, &mut scratch, member);
        let entries = set
            .iter()
            .enumerate()
            .map(|(i, &id)| TrialEntry {
                id,
                refcount: refcounts[i],
                gc_refs: after_subtract[i],
                reachable: scratch[i] == REACHABLE,
            })
            .collect();
        Ok(TrialView {
            generation,
            entries,
        })
    }
}
