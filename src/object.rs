//! Object identity and the per-object record: edges, counts and the collector header.

use std::cell::Cell;
use std::fmt;

use thin_vec::ThinVec;

slotmap::new_key_type! {
    /// A handle to an object of a [`Heap`](crate::Heap).
    ///
    /// An `ObjId` is a *borrowed* name for an object: holding one does not keep the object
    /// alive (use [`Heap::incref`](crate::Heap::incref) or a variable for that). It is
    /// versioned: once the object is freed, the id is rejected with
    /// [`GcError::StaleId`](crate::GcError::StaleId) forever, even after the slot is reused
    /// by a new object. It prints as `3v1` (slot 3, version 1).
    pub struct ObjId;
}

impl fmt::Display for ObjId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use slotmap::Key;
        write!(f, "{:?}", self.data())
    }
}

/// The largest reference count an object may have; increments past it are refused with
/// [`GcError::RefcountOverflow`](crate::GcError::RefcountOverflow). Kept below `u32::MAX`
/// so the collector can use the top values of its scratch counts as marks.
pub const MAX_REFCOUNT: u32 = u32::MAX / 2;

/// An object's outgoing references, in order.
///
/// Zero or one edge is stored inline (no allocation); two or more live in a
/// [`ThinVec`], whose length and capacity sit in its heap block, so the whole list is 16
/// bytes in the object record.
#[derive(Debug, Clone, Default)]
pub(crate) enum Edges {
    /// No references.
    #[default]
    Empty,
    /// Exactly one reference.
    One(ObjId),
    /// Two or more references. Invariant: never fewer than two elements.
    Many(ThinVec<ObjId>),
}

impl Edges {
    #[inline]
    pub(crate) fn from_slice(edges: &[ObjId]) -> Edges {
        match edges {
            [] => Edges::Empty,
            [one] => Edges::One(*one),
            many => Edges::Many(many.iter().copied().collect()),
        }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[ObjId] {
        match self {
            Edges::Empty => &[],
            Edges::One(id) => std::slice::from_ref(id),
            Edges::Many(v) => v.as_slice(),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Edges::Empty => 0,
            Edges::One(_) => 1,
            Edges::Many(v) => v.len(),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, id: ObjId) {
        match self {
            Edges::Empty => *self = Edges::One(id),
            Edges::One(first) => {
                let mut v = ThinVec::with_capacity(2);
                v.push(*first);
                v.push(id);
                *self = Edges::Many(v);
            }
            Edges::Many(v) => v.push(id),
        }
    }

    /// Replaces edge `index` (which the caller has bounds-checked) and returns the old one.
    pub(crate) fn replace(&mut self, index: usize, id: ObjId) -> ObjId {
        match self {
            Edges::Empty => {
                unreachable!("bug: replace on an empty edge list; caller skipped the bounds check")
            }
            Edges::One(old) => std::mem::replace(old, id),
            Edges::Many(v) => std::mem::replace(&mut v[index], id),
        }
    }

    /// Removes edge `index` (which the caller has bounds-checked), keeping the order of the
    /// rest, and returns it.
    pub(crate) fn remove(&mut self, index: usize) -> ObjId {
        match self {
            Edges::Empty => {
                unreachable!("bug: remove on an empty edge list; caller skipped the bounds check")
            }
            Edges::One(old) => {
                let old = *old;
                *self = Edges::Empty;
                old
            }
            Edges::Many(v) => {
                let old = v.remove(index);
                if v.len() == 1 {
                    *self = Edges::One(v[0]);
                }
                old
            }
        }
    }

    /// Inserts an edge at `index` (`index <= len`, checked by the caller).
    pub(crate) fn insert(&mut self, index: usize, id: ObjId) {
        match self {
            Edges::Empty => *self = Edges::One(id),
            Edges::One(first) => {
                let mut v = ThinVec::with_capacity(2);
                if index == 0 {
                    v.push(id);
                    v.push(*first);
                } else {
                    v.push(*first);
                    v.push(id);
                }
                *self = Edges::Many(v);
            }
            Edges::Many(v) => v.insert(index, id),
        }
    }
}

/// Bits of [`Object::flags`].
pub(crate) mod flags {
    /// Allocated with `alloc_atomic`: can never hold references, never tracked.
    pub const ATOMIC: u16 = 1 << 0;
    /// Allocated with `alloc_immutable`: edges fixed at allocation (a Python tuple). The
    /// collector untracks it once all its referents are untracked.
    pub const IMMUTABLE: u16 = 1 << 1;
    /// A finalizer is registered in `Heap::finalizers` and has not run yet.
    pub const HAS_FINALIZER: u16 = 1 << 2;
    /// The object's finalizer has run (at most once per object, ever; PEP 442).
    pub const FINALIZED: u16 = 1 << 3;
    /// Flagged with a legacy finalizer (`tp_del`): its garbage cycle is uncollectable.
    pub const LEGACY_FINALIZER: u16 = 1 << 4;
    /// At least one weak reference targets this object (entries in `Heap::weak_by_target`).
    pub const HAS_WEAKREFS: u16 = 1 << 5;
    /// The object is the holder of a weak reference (an entry in `Heap::weak_by_owner`).
    pub const OWNS_WEAKREF: u16 = 1 << 6;
    /// An identity was assigned to it (an entry in `Heap::identities`), e.g. on snapshot
    /// import.
    pub const HAS_IDENTITY: u16 = 1 << 7;
    /// Some of its external references are held by the heap itself (variables, the
    /// `garbage` list): an entry in `Heap::held`. Spares `decref` a hash lookup otherwise.
    pub const HELD: u16 = 1 << 8;
    /// Allocated with `alloc_lazy`: a container that is tracked only once it holds a
    /// reference to an object that may be tracked (CPython's dicts, `MAINTAIN_TRACKING`),
    /// and that full collections untrack again when it holds none.
    pub const LAZY: u16 = 1 << 9;
    /// Legacy-finalizer code (`tp_del`) is registered in `Heap::legacy` (implies
    /// `LEGACY_FINALIZER`).
    pub const HAS_LEGACY_CODE: u16 = 1 << 10;
}

/// Scratch mark: the object was scanned and found reachable from outside the examined
/// set (CPython clears its `PREV_MASK_COLLECTING` bit). Above every possible count
/// ([`MAX_REFCOUNT`](crate::MAX_REFCOUNT) is `u32::MAX / 2`).
pub(crate) const REACHABLE: u32 = u32::MAX;
/// Scratch mark: scanned with a zero count and moved to the tentatively unreachable list
/// (CPython's `NEXT_MASK_UNREACHABLE`).
pub(crate) const TENTATIVELY_UNREACHABLE: u32 = u32::MAX - 1;

/// [`Object::space`] value of an object that is not tracked by the collector.
pub(crate) const UNTRACKED: u8 = u8::MAX;
/// [`Object::space`] value of an object that sits in the collector's current working set
/// (the unreachable list being finalized), outside every generation.
pub(crate) const COLLECTING: u8 = u8::MAX - 1;
/// The most generations a heap may have (the rest of the `gen` byte's values are marks
/// and the permanent generation).
pub const MAX_GENERATIONS: usize = 64;

/// One object of the heap.
///
/// Layout: 16 (edges) + 4 + 4 + 4 + 2 + 1 bytes, padded to 32 for a `()` payload; slotmap
/// adds a 4-byte version, so a slot is 40 bytes, and generation membership adds the 8-byte
/// id in the generation's member list: 48 bytes per tracked object with at most one edge.
#[derive(Debug)]
pub(crate) struct Object<T> {
    /// Outgoing references, in order. Each entry accounts for exactly one unit of its
    /// target's `refcount`. Changed only by the heap's edge operations and by the release
    /// path.
    pub(crate) edges: Edges,
    /// Total references to this object: edges pointing at it (with multiplicity) plus
    /// `external`. The object is freed when it reaches 0. Never exceeds [`MAX_REFCOUNT`].
    pub(crate) refcount: u32,
    /// References from outside the heap's objects: program handles (`alloc`, `incref`),
    /// variables, and the `garbage` list. `external <= refcount` always.
    pub(crate) external: u32,
    /// Outside a collection: the position of this object's id in its generation's
    /// member list, so removal is a `swap_remove` (and, while `generation ==
    /// COLLECTING`, its position in the collector's working list). During the
    /// trial-deletion passes of a collection that examines it: its scratch count,
    /// CPython's `gc_refs` (which CPython likewise keeps in the GC header), or the
    /// `REACHABLE` mark; the collector rewrites the position afterwards. A `Cell`, so the
    /// passes can update targets while reading their referrers' edges. Meaningless while
    /// untracked.
    gen_index: Cell<u32>,
    /// The collector's space byte: which of the strategy's lists holds the object (for
    /// `Generational`: `0..generations` for the generations, `generations` for the
    /// permanent (frozen) one), [`COLLECTING`] while a collection holds it in its working
    /// set, [`UNTRACKED`] when not tracked (atomic objects, untracked immutables). Read
    /// and written only through [`space`](Object::space) and its siblings.
    space: u8,
    /// A set of [`flags`] bits.
    pub(crate) flags: u16,
    /// The user's data. Holds no references: edges are the heap's.
    pub(crate) payload: T,
}

impl<T> Object<T> {
    /// A new record with one external reference.
    #[inline]
    pub(crate) fn new(payload: T, edges: Edges, flags: u16, generation: u8, position: u32) -> Self {
        Object {
            edges,
            refcount: 1,
            external: 1,
            gen_index: Cell::new(position),
            space: generation,
            flags,
            payload,
        }
    }

    #[inline]
    pub(crate) fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The scratch count of trial deletion (CPython's `gc_get_refs`), or one of the
    /// collector's marks. Meaningful only between `update_refs` and the end of
    /// `move_unreachable` of a collection that examines this object.
    #[inline]
    pub(crate) fn gc_refs(&self) -> u32 {
        self.gen_index.get()
    }

    /// Sets the scratch count (CPython's `gc_set_refs`). Overwrites the position, which
    /// the collector rewrites when it moves the object into a generation afterwards.
    #[inline]
    pub(crate) fn set_gc_refs(&self, refs: u32) {
        self.gen_index.set(refs)
    }

    /// The object's index in its generation's member list (outside the trial-deletion
    /// passes).
    #[inline]
    pub(crate) fn position(&self) -> u32 {
        self.gen_index.get()
    }

    /// Records the object's index in its generation's member list.
    #[inline]
    pub(crate) fn set_position(&self, index: u32) {
        self.gen_index.set(index)
    }

    /// The collector's space byte (see the field): a strategy's list, or one of the
    /// marks [`COLLECTING`] and [`UNTRACKED`].
    #[inline]
    pub(crate) fn space(&self) -> u8 {
        self.space
    }

    /// Sets the collector's space byte.
    #[inline]
    pub(crate) fn set_space(&mut self, space: u8) {
        self.space = space;
    }

    /// Whether the object is in a running collection's working set.
    #[inline]
    pub(crate) fn is_collecting(&self) -> bool {
        self.space == COLLECTING
    }

    /// Whether the object is tracked by the collector (in a generation, the permanent
    /// one, or a running collection's working list).
    #[inline]
    pub(crate) fn is_tracked(&self) -> bool {
        self.space != UNTRACKED
    }

    /// CPython's `_PyObject_GC_MAY_BE_TRACKED`: whether a container holding this object
    /// must stay tracked. Atomic objects never may; immutable ones (tuples) only while
    /// tracked; every other container (lazily tracked ones included) always may.
    #[inline]
    pub(crate) fn may_be_tracked(&self) -> bool {
        !self.has(flags::ATOMIC) && (!self.has(flags::IMMUTABLE) || self.is_tracked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_record_fits_the_memory_budget() {
        // 40 bytes in the slot map + 8 in a generation's member list = 48 per object.
        assert_eq!(std::mem::size_of::<Edges>(), 16);
        assert_eq!(std::mem::size_of::<Object<()>>(), 32);
    }

    #[test]
    fn edges_keep_order_through_push_insert_remove() {
        let mut keys: slotmap::SlotMap<ObjId, ()> = slotmap::SlotMap::with_key();
        let ids: Vec<ObjId> = (0..4).map(|_| keys.insert(())).collect();
        let mut e = Edges::default();
        e.push(ids[0]);
        e.push(ids[1]);
        e.insert(1, ids[2]);
        assert_eq!(e.as_slice(), &[ids[0], ids[2], ids[1]]);
        assert_eq!(e.remove(0), ids[0]);
        assert_eq!(e.remove(1), ids[1]);
        assert!(matches!(e, Edges::One(x) if x == ids[2]));
        assert_eq!(e.replace(0, ids[3]), ids[2]);
        assert_eq!(e.remove(0), ids[3]);
        assert_eq!(e.len(), 0);
    }
}
