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

#[cfg(feature = "testing")]
impl Edges {
    /// Edges to these slots, in order.
    pub(crate) fn from_slots(slots: &[u32]) -> Edges {
        Edges {
            first: slots.first().copied(),
            more: slots.iter().skip(1).copied().collect(),
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
    /// The object has more than one edge: the edges after the first are in its
    /// [`Body`](super::Body) (kept by the edge operations, so a collector pass over an
    /// object with at most one edge reads its header alone).
    pub const MORE_EDGES: u16 = 1 << 11;
    /// The header of a free slot (kept by the store).
    pub const VACANT: u16 = 1 << 15;
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

/// One object of the heap, by value: its hot [`Header`] and its cold [`Body`], what
/// [`Store::insert`](crate::store::Store::insert) stores and
/// [`Store::take_at`](crate::store::Store::take_at) gives back. In the store the two
/// halves live in two vectors indexed alike (issue 26, "hot bytes apart from cold"), and
/// the heap reaches them through the views [`Obj`] and [`ObjMut`].
///
/// Layout: the header is 4 (refcount) + 4 (scratch count / position) + 4 (the first
/// edge) + 2 (flags) + 1 (space) = 15 bytes, 16 with padding; the body is 8 (the edges
/// after the first) + 4 (external) + 4 (the slot's version) = 16 bytes with a `()`
/// payload. 32 bytes per slot in all, as the single record was, occupied or free.
/// Generation membership adds the 4-byte slot index in the generation's member list: 36
/// bytes per tracked object with at most one edge. A collection's passes read and write
/// only headers (and the body of an object with more than one edge, for those edges):
/// 16 bytes per object, four objects per cache line.
#[derive(Debug)]
pub(crate) struct Object<T> {
    /// The hot half.
    pub(crate) hot: Header,
    /// The cold half.
    pub(crate) cold: Body<T>,
}

// Four headers per 64-byte cache line; a slot (header and body, occupied or free) is 32
// bytes for a `()` payload, as the single record was (checked when compiling).
const _: () = assert!(std::mem::size_of::<Header>() == 16);
const _: () = assert!(std::mem::size_of::<Body<()>>() == 16);
const _: () = assert!(std::mem::size_of::<ColdSlot<()>>() == 16);

/// The hot half of an object's record: what the collector's passes and the refcount
/// path read and write.
#[derive(Debug)]
pub(crate) struct Header {
    /// Total references to this object: edges pointing at it (with multiplicity) plus
    /// `external`. The object is freed when it reaches 0. Never exceeds [`MAX_REFCOUNT`].
    pub(crate) refcount: u32,
    /// Outside a collection: the position of this object in its strategy's list (for
    /// `Generational`, its generation's member list, so removal is O(1)). During the
    /// trial-deletion passes of a collection that examines it: its scratch count,
    /// CPython's `gc_refs` (which CPython likewise keeps in the GC header), or the
    /// `REACHABLE` mark; the collector rewrites the position afterwards. A `Cell`, so the
    /// passes can update targets while reading their referrers' edges. Meaningless while
    /// untracked.
    gen_index: Cell<u32>,
    /// The first edge (a target's slot index), or [`NO_EDGE`]. Inline, so an object with
    /// one edge allocates nothing and a pass reads it from the header.
    first_edge: u32,
    /// A set of [`flags`] bits. [`flags::MORE_EDGES`] says whether the body holds edges
    /// after the first (so a pass over a one-edge object never reads its body), and
    /// [`flags::VACANT`] marks the header of a free slot; both are the store's and the
    /// edge operations', never set or cleared by hand.
    pub(crate) flags: u16,
    /// The collector's space byte: which of the strategy's lists holds the object (for
    /// `Generational`: `0..generations` for the generations, `generations` for the
    /// permanent (frozen) one), [`COLLECTING`] while a collection holds it in its working
    /// set, [`UNTRACKED`] when not tracked (atomic objects, untracked immutables). Read
    /// and written only through [`space`](Header::space) and its siblings. A `Cell`, so
    /// the fused trial-deletion pass can mark an examined target while it reads its
    /// referrer's edges.
    space: Cell<u8>,
    /// The header's sixteenth byte, always 0: written with the flags and the space
    /// byte, it lets a new header's last four bytes go in one store.
    _spare: u8,
}

/// The cold half of an object's record: what only the program's operations (lookups by
/// id, external references, payloads, objects with many edges) read.
#[derive(Debug)]
pub(crate) struct Body<T> {
    /// Edges after the first, in order (see the header's first edge). Each edge accounts
    /// for exactly one unit of its target's `refcount`. Non-empty exactly when the
    /// header has [`flags::MORE_EDGES`].
    pub(crate) more_edges: ThinVec<u32>,
    /// References from outside the heap's objects: program handles (`alloc`, `incref`),
    /// variables, and the `garbage` list. `external <= refcount` always.
    pub(crate) external: u32,
    /// The slot's version (odd while occupied), kept by the store: the version half of
    /// this object's [`ObjId`].
    pub(crate) version: u32,
    /// The user's data. Holds no references: edges are the heap's.
    pub(crate) payload: T,
}

/// A slot's cold half in the store: an object's body, or a free slot's version and the
/// next free slot (in the bytes a body's edge vector would use: the enum's niche is the
/// vector's non-null pointer, so a free slot costs no more than a body).
#[derive(Debug)]
pub(crate) enum ColdSlot<T> {
    /// An object's body.
    Occupied(Body<T>),
    /// A free slot.
    Vacant {
        /// The version of the slot's last occupant plus one (even).
        version: u32,
        /// The next free slot, or [`NO_EDGE`] for none.
        next_free: u32,
    },
}

impl<T> ColdSlot<T> {
    /// The slot's version: its occupant's (odd), or for a free slot its last
    /// occupant's plus one (even), so a version check against an id (whose version is
    /// always odd) also tells that the slot is occupied.
    #[inline(always)]
    pub(crate) fn version(&self) -> u32 {
        match self {
            ColdSlot::Occupied(b) => b.version,
            ColdSlot::Vacant { version, .. } => *version,
        }
    }

    /// The body, mutably, which the caller knows is there (its header is not vacant).
    ///
    /// # Panics
    /// On a free slot: a broken heap invariant, never user input.
    #[inline(always)]
    pub(crate) fn body_mut(&mut self) -> &mut Body<T> {
        match self {
            ColdSlot::Occupied(b) => b,
            ColdSlot::Vacant { .. } => vacant_body(),
        }
    }
}

#[cold]
#[inline(never)]
fn vacant_body() -> ! {
    panic!("bug: a free slot's header says it is occupied")
}

impl Header {
    /// The first edge (a target's slot), or [`NO_EDGE`] for none.
    #[inline(always)]
    pub(crate) fn first_edge(&self) -> u32 {
        self.first_edge
    }

    /// Whether this is the header of a free slot.
    #[inline(always)]
    pub(crate) fn is_vacant(&self) -> bool {
        self.flags & flags::VACANT != 0
    }

    /// Whether the object has more than one edge (the rest are in its body).
    #[inline(always)]
    pub(crate) fn has_more_edges(&self) -> bool {
        self.flags & flags::MORE_EDGES != 0
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

    /// Writes the collector's space byte and position at once (a new object's header,
    /// placed by its strategy before the store writes it).
    #[inline(always)]
    pub(crate) fn place(&mut self, space: u8, position: u32) {
        debug_assert!(
            space < COLLECTING,
            "bug: space {space} is one of the heap's reserved marks"
        );
        *self.space.get_mut() = space;
        *self.gen_index.get_mut() = position;
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

impl<T> Object<T> {
    /// A new record with one external reference (its version is set by the store), in
    /// `generation` at `position` (the store's own checks).
    #[cfg(feature = "testing")]
    pub(crate) fn new(payload: T, edges: Edges, flags: u16, generation: u8, position: u32) -> Self {
        let Edges { first, more } = edges;
        let first = first.unwrap_or(NO_EDGE);
        let mut record =
            Object::untracked(payload, first, ThinVec::new(), flags & !flags::MORE_EDGES);
        if !more.is_empty() {
            record.hot.flags |= flags::MORE_EDGES;
            record.cold.more_edges = more;
        }
        record.hot.space.set(generation);
        record.hot.gen_index.set(position);
        record
    }

    /// A new untracked record with one external reference, whose first edge is `first`
    /// ([`NO_EDGE`] for none) and whose edges after the first are `more` (empty unless
    /// `flags` has [`flags::MORE_EDGES`], which the caller sets exactly when it is not:
    /// the allocation path knows the count of edges without reading the vector).
    #[inline(always)]
    pub(crate) fn untracked(payload: T, first: u32, more: ThinVec<u32>, flags: u16) -> Self {
        debug_assert_eq!(
            more.is_empty(),
            flags & flags::MORE_EDGES == 0,
            "bug: the MORE_EDGES flag and the edge vector disagree"
        );
        Object {
            hot: Header {
                refcount: 1,
                gen_index: Cell::new(0),
                first_edge: first,
                flags: flags & !flags::VACANT,
                space: Cell::new(UNTRACKED),
                _spare: 0,
            },
            cold: Body {
                more_edges: more,
                external: 1,
                version: 0,
                payload,
            },
        }
    }
}

/// The edges of the object whose header is `hot` and whose edges after the first are
/// `more` (read only when the header says there are some).
#[inline(always)]
fn edge_slots<'a>(hot: &Header, more: &'a ThinVec<u32>) -> EdgeSlots<'a> {
    EdgeSlots {
        first: (hot.first_edge != NO_EDGE).then_some(hot.first_edge),
        more: if hot.has_more_edges() {
            more.iter()
        } else {
            [].iter()
        },
    }
}

/// A live object in the store, shared: its header (reached through `Deref`, so
/// `obj.refcount` and `obj.space()` read the hot half) and its body (reached through
/// [`body`](Obj::body), which reads the cold half). Building the view reads the header
/// only.
pub(crate) struct Obj<'a, T> {
    /// The hot half.
    pub(crate) hot: &'a Header,
    /// The cold half (a body: the store built the view from an occupied slot). An
    /// `Option` from a checked `get`, so a view whose body is never read costs no bounds
    /// check on the cold vector (the unused lookup is dropped by the compiler).
    cold: Option<&'a ColdSlot<T>>,
}

impl<T> Clone for Obj<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Obj<'_, T> {}

impl<T> std::ops::Deref for Obj<'_, T> {
    type Target = Header;

    #[inline(always)]
    fn deref(&self) -> &Header {
        self.hot
    }
}

impl<T: fmt::Debug> fmt::Debug for Obj<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Obj")
            .field("hot", self.hot)
            .field("cold", self.body())
            .finish()
    }
}

impl<'a, T> Obj<'a, T> {
    /// The view of an occupied slot's two halves.
    #[inline(always)]
    pub(crate) fn new(hot: &'a Header, cold: Option<&'a ColdSlot<T>>) -> Self {
        Obj { hot, cold }
    }

    /// The cold half.
    ///
    /// # Panics
    /// When the store built the view of a slot with no body: a broken heap invariant.
    #[inline(always)]
    pub(crate) fn body(self) -> &'a Body<T> {
        match self.cold {
            Some(ColdSlot::Occupied(b)) => b,
            _ => vacant_body(),
        }
    }

    /// The number of edges.
    #[inline]
    pub(crate) fn edge_count(self) -> usize {
        match self.hot.first_edge {
            NO_EDGE => 0,
            _ if self.hot.has_more_edges() => 1 + self.body().more_edges.len(),
            _ => 1,
        }
    }

    /// Edge `index` (a slot), if there is one.
    #[inline]
    pub(crate) fn edge(self, index: usize) -> Option<u32> {
        match index {
            _ if self.hot.first_edge == NO_EDGE => None,
            0 => Some(self.hot.first_edge),
            _ if !self.hot.has_more_edges() => None,
            i => self.body().more_edges.get(i - 1).copied(),
        }
    }

    /// The edges (slots), in order.
    #[inline]
    pub(crate) fn edges(self) -> EdgeSlots<'a> {
        let more: &'a ThinVec<u32> = if self.hot.has_more_edges() {
            &self.body().more_edges
        } else {
            &NO_MORE
        };
        edge_slots(self.hot, more)
    }

    /// Calls `f` with each edge (slot), in order: the form the collector's passes use.
    /// Reads the body only for an object with more than one edge.
    #[inline(always)]
    pub(crate) fn for_each_edge(self, mut f: impl FnMut(u32)) {
        if self.hot.first_edge != NO_EDGE {
            f(self.hot.first_edge);
            if self.hot.has_more_edges() {
                for &t in self.body().more_edges.iter() {
                    f(t);
                }
            }
        }
    }
}

/// The empty vector [`Obj::edges`] hands out for an object with at most one edge.
static NO_MORE: ThinVec<u32> = ThinVec::new();

/// A live object in the store, mutably: [`Obj`]'s counterpart, with the edge operations
/// (which keep [`flags::MORE_EDGES`] in step with the body). Building it reads the
/// slot's cold half too (every caller that writes an object reads or writes its body).
pub(crate) struct ObjMut<'a, T> {
    /// The hot half.
    pub(crate) hot: &'a mut Header,
    /// The cold half.
    cold: &'a mut Body<T>,
}

impl<T> std::ops::Deref for ObjMut<'_, T> {
    type Target = Header;

    #[inline(always)]
    fn deref(&self) -> &Header {
        self.hot
    }
}

impl<T> std::ops::DerefMut for ObjMut<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut Header {
        self.hot
    }
}

impl<'a, T> ObjMut<'a, T> {
    /// The view of an occupied slot's two halves.
    #[inline(always)]
    pub(crate) fn new(hot: &'a mut Header, cold: &'a mut Body<T>) -> Self {
        ObjMut { hot, cold }
    }

    /// The cold half.
    #[inline(always)]
    pub(crate) fn body(&self) -> &Body<T> {
        self.cold
    }

    /// The cold half, mutably.
    #[inline(always)]
    pub(crate) fn body_mut(&mut self) -> &mut Body<T> {
        self.cold
    }

    /// The cold half, mutably, for the view's whole lifetime.
    #[inline(always)]
    pub(crate) fn into_body(self) -> &'a mut Body<T> {
        self.cold
    }

    /// The edges (slots), in order.
    #[cfg(feature = "testing")]
    pub(crate) fn edges(&self) -> EdgeSlots<'_> {
        edge_slots(self.hot, &self.cold.more_edges)
    }

    /// The number of edges.
    #[cfg(feature = "testing")]
    pub(crate) fn edge_count(&self) -> usize {
        self.edges().len()
    }

    /// Keeps [`flags::MORE_EDGES`] in step with the body's vector.
    #[inline(always)]
    fn sync_more(&mut self) {
        let more = !self.cold.more_edges.is_empty();
        if more {
            self.hot.flags |= flags::MORE_EDGES;
        } else {
            self.hot.flags &= !flags::MORE_EDGES;
        }
    }

    /// Appends an edge.
    #[inline]
    pub(crate) fn push_edge(&mut self, slot: u32) {
        if self.hot.first_edge == NO_EDGE {
            self.hot.first_edge = slot;
        } else {
            self.cold.more_edges.push(slot);
            self.hot.flags |= flags::MORE_EDGES;
        }
    }

    /// Inserts an edge at `index` (`index <= len`, checked by the caller).
    pub(crate) fn insert_edge(&mut self, index: usize, slot: u32) {
        if index == 0 {
            if self.hot.first_edge != NO_EDGE {
                let old = std::mem::replace(&mut self.hot.first_edge, slot);
                self.cold.more_edges.insert(0, old);
            } else {
                self.hot.first_edge = slot;
            }
        } else {
            self.cold.more_edges.insert(index - 1, slot);
        }
        self.sync_more();
    }

    /// Replaces edge `index` (which the caller has bounds-checked) and returns the old
    /// one.
    pub(crate) fn replace_edge(&mut self, index: usize, slot: u32) -> u32 {
        if index == 0 {
            std::mem::replace(&mut self.hot.first_edge, slot)
        } else {
            std::mem::replace(&mut self.cold.more_edges[index - 1], slot)
        }
    }

    /// Removes edge `index` (which the caller has bounds-checked), keeping the order of
    /// the rest, and returns it.
    pub(crate) fn remove_edge(&mut self, index: usize) -> u32 {
        let old = if index == 0 {
            let old = self.hot.first_edge;
            let more = &mut self.cold.more_edges;
            self.hot.first_edge = if more.is_empty() {
                NO_EDGE
            } else {
                more.remove(0)
            };
            old
        } else {
            self.cold.more_edges.remove(index - 1)
        };
        self.sync_more();
        old
    }

    /// Takes all the edges out, leaving none.
    #[inline]
    pub(crate) fn take_edges(&mut self) -> Edges {
        let first = std::mem::replace(&mut self.hot.first_edge, NO_EDGE);
        let more = if self.hot.has_more_edges() {
            self.hot.flags &= !flags::MORE_EDGES;
            std::mem::take(&mut self.cold.more_edges)
        } else {
            ThinVec::new()
        };
        Edges {
            first: (first != NO_EDGE).then_some(first),
            more,
        }
    }
}

/// An object's edges as slots, in order ([`Obj::edges`]).
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
