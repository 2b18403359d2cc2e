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

/// The slot half of an id.
#[inline(always)]
pub(crate) fn slot_of(id: ObjId) -> u32 {
    use slotmap::Key;
    id.data().as_ffi() as u32
}

/// The slot index that stands for "no edge" in [`Object`]'s inline first edge.
pub(crate) const NO_EDGE: u32 = u32::MAX;

/// An object's outgoing references, by value: what leaves an object when its edges are
/// taken out (`clear_edges`, deallocation), and what a new object is built with. Edges
/// are slot indices: every edge targets a live object (an invariant the heap keeps), so
/// the version half of an [`ObjId`] is redundant inside the heap, and an edge costs 4
/// bytes. The first edge is stored inline in the object record and the rest in a
/// [`ThinVec`] (8 bytes, no allocation while empty), so an object with at most one edge
/// allocates nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Edges {
    /// The first edge, if any.
    pub(crate) first: Option<u32>,
    /// The edges after the first. Invariant: empty while `first` is `None`.
    pub(crate) more: ThinVec<u32>,
}

impl Edges {
    /// Edges to these (live) objects, in order.
    #[inline]
    pub(crate) fn from_ids(ids: &[ObjId]) -> Edges {
        match ids {
            [] => Edges::default(),
            [first, more @ ..] => Edges {
                first: Some(slot_of(*first)),
                more: if more.is_empty() {
                    ThinVec::new()
                } else {
                    more.iter().map(|&id| slot_of(id)).collect()
                },
            },
        }
    }
}

impl IntoIterator for Edges {
    type Item = u32;
    type IntoIter = std::iter::Chain<std::option::IntoIter<u32>, thin_vec::IntoIter<u32>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.more)
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

// The whole slot of the store, for a `()` payload: 32 bytes (checked when compiling).
const _: () = assert!(std::mem::size_of::<Object<()>>() == 32);

/// One object of the heap: the record in its slot of the [`Store`](crate::store::Store).
///
/// Layout: 8 (the edges after the first) + 4 (the first edge) + 4 (refcount) + 4
/// (external) + 4 (scratch count / position) + 4 (the slot's version) + 2 (flags) + 1
/// (space) = 31 bytes, 32 with a `()` payload, the whole slot (a free slot reuses the
/// same bytes). Generation membership adds the 4-byte slot index in the generation's
/// member list: 36 bytes per tracked object with at most one edge.
#[derive(Debug)]
pub(crate) struct Object<T> {
    /// Edges after the first, in order (see `first_edge`). Each edge accounts for
    /// exactly one unit of its target's `refcount`. Changed only by the heap's edge
    /// operations and by the release path.
    more_edges: ThinVec<u32>,
    /// The first edge (a target's slot index), or [`NO_EDGE`]. Inline, so an object with
    /// one edge allocates nothing. `more_edges` is empty while this is `NO_EDGE`.
    first_edge: u32,
    /// Total references to this object: edges pointing at it (with multiplicity) plus
    /// `external`. The object is freed when it reaches 0. Never exceeds [`MAX_REFCOUNT`].
    pub(crate) refcount: u32,
    /// References from outside the heap's objects: program handles (`alloc`, `incref`),
    /// variables, and the `garbage` list. `external <= refcount` always.
    pub(crate) external: u32,
    /// Outside a collection: the position of this object in its strategy's list (for
    /// `Generational`, its generation's member list, so removal is O(1)). During the
    /// trial-deletion passes of a collection that examines it: its scratch count,
    /// CPython's `gc_refs` (which CPython likewise keeps in the GC header), or the
    /// `REACHABLE` mark; the collector rewrites the position afterwards. A `Cell`, so the
    /// passes can update targets while reading their referrers' edges. Meaningless while
    /// untracked.
    gen_index: Cell<u32>,
    /// The slot's version (odd while occupied), kept by the store: the version half of
    /// this object's [`ObjId`].
    pub(crate) version: u32,
    /// A set of [`flags`] bits.
    pub(crate) flags: u16,
    /// The collector's space byte: which of the strategy's lists holds the object (for
    /// `Generational`: `0..generations` for the generations, `generations` for the
    /// permanent (frozen) one), [`COLLECTING`] while a collection holds it in its working
    /// set, [`UNTRACKED`] when not tracked (atomic objects, untracked immutables). Read
    /// and written only through [`space`](Object::space) and its siblings. A `Cell`, so
    /// the fused trial-deletion pass can mark an examined target while it reads its
    /// referrer's edges.
    space: Cell<u8>,
    /// The user's data. Holds no references: edges are the heap's.
    pub(crate) payload: T,
}

impl<T> Object<T> {
    /// A new record with one external reference (its version is set by the store).
    #[inline]
    pub(crate) fn new(payload: T, edges: Edges, flags: u16, generation: u8, position: u32) -> Self {
        Object {
            first_edge: edges.first.unwrap_or(NO_EDGE),
            more_edges: edges.more,
            refcount: 1,
            external: 1,
            gen_index: Cell::new(position),
            version: 0,
            space: Cell::new(generation),
            flags,
            payload,
        }
    }

    /// The number of edges.
    #[inline]
    pub(crate) fn edge_count(&self) -> usize {
        if self.first_edge == NO_EDGE {
            0
        } else {
            1 + self.more_edges.len()
        }
    }

    /// Edge `index` (a slot), if there is one.
    #[inline]
    pub(crate) fn edge(&self, index: usize) -> Option<u32> {
        match index {
            _ if self.first_edge == NO_EDGE => None,
            0 => Some(self.first_edge),
            i => self.more_edges.get(i - 1).copied(),
        }
    }

    /// The edges (slots), in order.
    #[inline]
    pub(crate) fn edges(&self) -> EdgeSlots<'_> {
        EdgeSlots {
            first: (self.first_edge != NO_EDGE).then_some(self.first_edge),
            more: self.more_edges.iter(),
        }
    }

    /// Calls `f` with each edge (slot), in order: the form the collector's passes use.
    #[inline(always)]
    pub(crate) fn for_each_edge(&self, mut f: impl FnMut(u32)) {
        if self.first_edge != NO_EDGE {
            f(self.first_edge);
            for &t in self.more_edges.iter() {
                f(t);
            }
        }
    }

    /// Appends an edge.
    #[inline]
    pub(crate) fn push_edge(&mut self, slot: u32) {
        if self.first_edge == NO_EDGE {
            self.first_edge = slot;
        } else {
            self.more_edges.push(slot);
        }
    }

    /// Inserts an edge at `index` (`index <= len`, checked by the caller).
    pub(crate) fn insert_edge(&mut self, index: usize, slot: u32) {
        if index == 0 {
            if self.first_edge != NO_EDGE {
                let old = std::mem::replace(&mut self.first_edge, slot);
                self.more_edges.insert(0, old);
            } else {
                self.first_edge = slot;
            }
        } else {
            self.more_edges.insert(index - 1, slot);
        }
    }

    /// Replaces edge `index` (which the caller has bounds-checked) and returns the old
    /// one.
    pub(crate) fn replace_edge(&mut self, index: usize, slot: u32) -> u32 {
        if index == 0 {
            std::mem::replace(&mut self.first_edge, slot)
        } else {
            std::mem::replace(&mut self.more_edges[index - 1], slot)
        }
    }

    /// Removes edge `index` (which the caller has bounds-checked), keeping the order of
    /// the rest, and returns it.
    pub(crate) fn remove_edge(&mut self, index: usize) -> u32 {
        if index == 0 {
            let old = self.first_edge;
            self.first_edge = if self.more_edges.is_empty() {
                NO_EDGE
            } else {
                self.more_edges.remove(0)
            };
            old
        } else {
            self.more_edges.remove(index - 1)
        }
    }

    /// Takes all the edges out, leaving none.
    #[inline]
    pub(crate) fn take_edges(&mut self) -> Edges {
        let first = std::mem::replace(&mut self.first_edge, NO_EDGE);
        Edges {
            first: (first != NO_EDGE).then_some(first),
            more: std::mem::take(&mut self.more_edges),
        }
    }

    /// Moves the record's edges and payload out (its slot is being freed).
    #[inline]
    pub(crate) fn into_parts(self) -> (Edges, T) {
        let Object {
            first_edge,
            more_edges,
            payload,
            ..
        } = self;
        let first = (first_edge != NO_EDGE).then_some(first_edge);
        (
            Edges {
                first,
                more: more_edges,
            },
            payload,
        )
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
        self.space.get()
    }

    /// Sets the collector's space byte.
    #[inline]
    pub(crate) fn set_space(&self, space: u8) {
        self.space.set(space);
    }

    /// Whether the object is in a running collection's working set.
    #[inline]
    pub(crate) fn is_collecting(&self) -> bool {
        self.space.get() == COLLECTING
    }

    /// Whether the object is tracked by the collector (in a generation, the permanent
    /// one, or a running collection's working list).
    #[inline]
    pub(crate) fn is_tracked(&self) -> bool {
        self.space.get() != UNTRACKED
    }

    /// CPython's `_PyObject_GC_MAY_BE_TRACKED`: whether a container holding this object
    /// must stay tracked. Atomic objects never may; immutable ones (tuples) only while
    /// tracked; every other container (lazily tracked ones included) always may.
    #[inline]
    pub(crate) fn may_be_tracked(&self) -> bool {
        !self.has(flags::ATOMIC) && (!self.has(flags::IMMUTABLE) || self.is_tracked())
    }
}

/// An object's edges as slots, in order ([`Object::edges`]).
#[derive(Debug, Clone)]
pub(crate) struct EdgeSlots<'a> {
    first: Option<u32>,
    more: std::slice::Iter<'a, u32>,
}

impl Iterator for EdgeSlots<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        match self.first.take() {
            Some(first) => Some(first),
            None => self.more.next().copied(),
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.first.is_some()) + self.more.len();
        (n, Some(n))
    }

    /// O(1).
    #[inline]
    fn nth(&mut self, n: usize) -> Option<u32> {
        match (self.first.take(), n) {
            (Some(first), 0) => Some(first),
            (Some(_), n) => self.more.nth(n - 1).copied(),
            (None, n) => self.more.nth(n).copied(),
        }
    }
}

impl ExactSizeIterator for EdgeSlots<'_> {}
