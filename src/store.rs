//! The object store: every live object's record, split in two vectors indexed alike by
//! slot: the hot headers (refcount, scratch count, first edge, flags, space byte: 16
//! bytes) and the cold bodies (the edges after the first, external count, version,
//! payload: 16 bytes for a `()` payload). A collection's passes read and write headers
//! only, four to a cache line (issue 26, "hot bytes apart from cold"; the layout was
//! chosen by the prototype `benches/peers/src/bin/layout_proto.rs`, see
//! `docs/performance.md`). A free slot keeps its version and the next free slot in its
//! cold half (the enum's niche is the edge vector's non-null pointer) and
//! [`flags::VACANT`] in its header, so a pass that reaches a free slot through a broken
//! edge stops with a clear panic without reading the cold half ([`Store::at`]; the
//! trial-deletion passes check the caller's list so and reach edges and the entries they
//! checked already through [`Store::pass_at`], which checks in debug builds only). Slots are reused most
//! recently freed first, like slotmap's, whose keys ([`ObjId`]) the store hands out: a
//! slot index and a version that is odd while the slot is occupied, so an id of a freed
//! object is rejected forever (until the 32-bit version wraps, as in slotmap).
//!
//! Inside the heap, an edge is the target's bare slot index (4 bytes): every edge
//! targets a live object, so the version is redundant there. The collector's passes
//! reach an edge's target with [`Store::at`], a bounds-checked index with no version
//! check (it reads the header alone); the public API turns slots back into versioned ids
//! with [`Store::id_at`]. The heap reaches an object through the views [`Obj`] (shared)
//! and [`ObjMut`] (mutable), which dereference to the header and read the body on
//! demand.

use slotmap::{Key, KeyData};
use thin_vec::ThinVec;

use crate::object::{
    Body, ColdSlot, EdgeSlots, Edges, Header, NO_EDGE, Obj, ObjId, ObjMut, Object, flags,
};

/// The heap's objects, indexed by slot (see the module documentation).
#[derive(Debug)]
pub(crate) struct Store<T> {
    /// The hot half of every slot.
    hot: Vec<Header>,
    /// The cold half of every slot (as long as `hot`).
    cold: Vec<ColdSlot<T>>,
    /// The most recently freed slot, or [`NO_EDGE`] for none.
    free_head: u32,
    /// Objects ever stored ([`inserted`](Store::inserted)).
    inserted: u64,
    /// Objects ever freed ([`freed`](Store::freed)). The occupied slots are
    /// `inserted - freed`: two counts that only grow, so the heap's allocation and free
    /// counters are these, kept at no further cost.
    freed: u64,
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Store::new()
    }
}

pub(crate) use crate::object::slot_of;

impl<T> Store<T> {
    /// An empty store.
    pub(crate) fn new() -> Self {
        Store {
            hot: Vec::new(),
            cold: Vec::new(),
            free_head: NO_EDGE,
            inserted: 0,
            freed: 0,
        }
    }

    /// Live objects.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        (self.inserted - self.freed) as usize
    }

    /// Objects stored since the store was created (the heap's allocation count).
    #[inline]
    pub(crate) fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Objects freed since the store was created (the heap's free count: every free
    /// goes through [`vacate`](Store::vacate), [`SlotMut::vacate`] or
    /// [`take_at`](Store::take_at)).
    #[inline]
    pub(crate) fn freed(&self) -> u64 {
        self.freed
    }

    /// Whether no object is alive.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.inserted == self.freed
    }

    /// Slots the store can hold without reallocating (free ones included).
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.hot.capacity().min(self.cold.capacity())
    }

    /// Makes room for `additional` more objects beyond the free slots.
    pub(crate) fn reserve(&mut self, additional: usize) {
        let free = self.hot.len() - self.len();
        let more = additional.saturating_sub(free);
        self.hot.reserve(more);
        self.cold.reserve(more);
    }

    /// Stores `object` in a free slot (the most recently freed one, else a new one) and
    /// returns its id.
    ///
    /// # Panics
    /// When 2^32 - 1 objects are alive at once (slot indices are 32-bit).
    #[cfg(feature = "testing")]
    pub(crate) fn insert(&mut self, object: Object<T>) -> ObjId {
        self.insert_placed(object, |_| None).0
    }

    /// [`insert`](Store::insert) that asks `place`, with the new object's id before its
    /// slot is written, for the collector's space and position of its header (a
    /// strategy's [`on_track_new`](crate::CycleCollector::on_track_new)): the header is
    /// written once, already tracked, and the slot is looked up once. Returns the id and
    /// whether `place` placed the object (`None`: the header says untracked).
    ///
    /// # Panics
    /// When 2^32 - 1 objects are alive at once (slot indices are 32-bit).
    #[inline(always)]
    pub(crate) fn insert_placed(
        &mut self,
        object: Object<T>,
        place: impl FnOnce(ObjId) -> Option<(u8, u32)>,
    ) -> (ObjId, bool) {
        let Object { mut hot, mut cold } = object;
        let slot = self.free_head;
        // One test for both: an empty free list's head, `NO_EDGE`, is past every slot
        // (there are fewer than `NO_EDGE` slots).
        if let Some(entry) = self.cold.get_mut(slot as usize) {
            let ColdSlot::Vacant { version, next_free } = *entry else {
                unreachable!("bug: the free list holds occupied slot {slot}")
            };
            let version = version | 1;
            let id = make_id(slot, version);
            let placed = place(id).map(|(space, position)| hot.place(space, position));
            self.free_head = next_free;
            cold.version = version;
            // The free slot holds nothing to drop: forgotten, not dropped, so the
            // variant (checked above) is not tested again after `place`.
            std::mem::forget(std::mem::replace(entry, ColdSlot::Occupied(cold)));
            self.hot[slot as usize] = hot;
            self.inserted += 1;
            return (id, placed.is_some());
        }
        debug_assert_eq!(slot, NO_EDGE, "bug: the free list's head is past the slots");
        let slot = u32::try_from(self.hot.len())
            .ok()
            .filter(|&s| s != NO_EDGE)
            .expect("the heap holds at most 2^32 - 1 objects at once");
        let id = make_id(slot, 1);
        let placed = place(id).map(|(space, position)| hot.place(space, position));
        cold.version = 1;
        self.hot.push(hot);
        self.cold.push(ColdSlot::Occupied(cold));
        self.inserted += 1;
        (id, placed.is_some())
    }

    /// Removes the object a list entry names, if it is alive, and returns its edges and
    /// payload (the store's own tests, `gclab::testing::internals`; the heap looks an object up first and takes it
    /// with `take_at`).
    #[cfg(feature = "testing")]
    pub(crate) fn remove_entry<E: Entry>(&mut self, e: E) -> Option<(Edges, T)> {
        self.lookup(e)?;
        Some(self.take_at(e.slot()))
    }

    /// Removes the object in `slot`, which must be occupied (the caller has looked it up
    /// already), and returns its edges and payload: one bounds check per half, no
    /// version check. Of the header, only the first edge is read and the flags written
    /// ([`flags::VACANT`]): the rest of a free slot's header is never read.
    ///
    /// # Panics
    /// When the slot is free: a broken heap invariant, never user input.
    #[inline(always)]
    pub(crate) fn take_at(&mut self, slot: u32) -> (Edges, T) {
        let hot = &self.hot[slot as usize];
        let first = hot.first_edge();
        let (more, payload) = self.vacate(slot);
        (
            Edges {
                first: (first != NO_EDGE).then_some(first),
                more,
            },
            payload,
        )
    }

    /// The release path's [`take_at`](Store::take_at): frees occupied `slot`, whose
    /// header (first edge included) the caller has read already, and returns the edges
    /// after the first (empty unless the header has [`flags::MORE_EDGES`]) and the
    /// payload. Writes the free slot's cold half (version + 1, the free list's next),
    /// the header's flags ([`flags::VACANT`]) and the store's free-list head and count:
    /// nothing else of the header is written, since a free slot's header is never read
    /// but for its flags.
    ///
    /// # Panics
    /// When the slot is free: a broken heap invariant, never user input.
    #[inline(always)]
    pub(crate) fn vacate(&mut self, slot: u32) -> (ThinVec<u32>, T) {
        let next_free = self.free_head;
        let entry = &mut self.cold[slot as usize];
        let ColdSlot::Occupied(body) = entry else {
            vacant(slot)
        };
        let version = body.version.wrapping_add(1);
        let ColdSlot::Occupied(body) =
            std::mem::replace(entry, ColdSlot::Vacant { version, next_free })
        else {
            unreachable!("bug: slot {slot} was checked occupied")
        };
        self.hot[slot as usize].flags = flags::VACANT;
        self.free_head = slot;
        self.freed += 1;
        (body.more_edges, body.payload)
    }

    /// The view of occupied slot `slot`, whose cold half is `cold`.
    #[inline(always)]
    fn view<'a>(&'a self, slot: usize, cold: &'a ColdSlot<T>) -> Obj<'a, T> {
        Obj::new(&self.hot[slot], Some(cold))
    }

    /// The object `id` names, if it is alive.
    #[inline]
    pub(crate) fn get(&self, id: ObjId) -> Option<Obj<'_, T>> {
        let slot = slot_of(id) as usize;
        match self.cold.get(slot) {
            Some(c @ ColdSlot::Occupied(o)) if o.version == version_of(id) => {
                Some(self.view(slot, c))
            }
            _ => None,
        }
    }

    /// The object a list entry names, if it is alive.
    #[inline]
    pub(crate) fn lookup<E: Entry>(&self, e: E) -> Option<Obj<'_, T>> {
        let slot = e.slot() as usize;
        if E::BARE {
            return self.get_slot(e.slot());
        }
        match self.cold.get(slot) {
            Some(c @ ColdSlot::Occupied(o)) if e.matches(o.version) => Some(self.view(slot, c)),
            _ => None,
        }
    }

    /// Puts the live entries of `entries` in descending slot order, in O(n) for a list
    /// that is already monotone (both orders are common: allocation order, and the
    /// order a previous descending free hands slots back in) or that covers more than a
    /// 64th of the slots (a bitmap over the slots), else by sorting. On the bitmap path,
    /// entries that name no live object are replaced by entries that name nothing, at
    /// the end; callers skip those as they skip any dead entry
    /// ([`lookup`](Store::lookup) fails for them).
    pub(crate) fn order_descending<E: Entry>(&self, entries: &mut [E]) {
        let n = entries.len();
        if entries.is_sorted_by_key(|e| std::cmp::Reverse(e.slot())) {
            return;
        }
        if entries.is_sorted_by_key(|e| e.slot()) {
            entries.reverse();
            return;
        }
        let bound = self.hot.len();
        if n < bound / 64 {
            entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.slot()));
            return;
        }
        // Dense: one bit per slot, then the set bits from the top down.
        let mut bits = vec![0u64; bound.div_ceil(64)];
        for &e in entries.iter() {
            if self.lookup(e).is_some() {
                let s = e.slot() as usize;
                bits[s / 64] |= 1 << (s % 64);
            }
        }
        let mut out = 0;
        for (w, &word) in bits.iter().enumerate().rev() {
            let mut word = word;
            while word != 0 {
                let b = 63 - word.leading_zeros() as usize;
                word &= !(1 << b);
                let slot = (w * 64 + b) as u32;
                entries[out] = E::at(self, slot);
                out += 1;
            }
        }
        // The rest were dead: leave entries that name nothing alive.
        for e in &mut entries[out..] {
            *e = E::make(NO_EDGE, 0);
        }
    }

    /// The version of the object in `slot`, which must be occupied (reads the cold
    /// half).
    #[inline(always)]
    pub(crate) fn version_at(&self, slot: u32) -> u32 {
        self.at(slot).body().version
    }

    /// The object `id` names, mutably, if it is alive.
    #[inline]
    pub(crate) fn get_mut(&mut self, id: ObjId) -> Option<ObjMut<'_, T>> {
        let slot = slot_of(id) as usize;
        match self.cold.get_mut(slot) {
            Some(ColdSlot::Occupied(b)) if b.version == version_of(id) => {
                Some(ObjMut::new(&mut self.hot[slot], b))
            }
            _ => None,
        }
    }

    /// The object `id` names, if it is alive, as a handle that can also free its slot
    /// in place ([`SlotMut::vacate`]): the release path's lookup, so an object whose
    /// count reaches zero is freed without a second lookup of its slot.
    #[inline(always)]
    pub(crate) fn slot_mut(&mut self, id: ObjId) -> Option<SlotMut<'_, T>> {
        self.entry_mut(id)
    }

    /// [`slot_mut`](Store::slot_mut) for a list entry: the object it names, if it is
    /// alive (a bare slot: occupied; an id: of that version too). The collector's free
    /// of an unreachable set reads each header through it and frees the slot through
    /// the same lookup.
    #[inline(always)]
    pub(crate) fn entry_mut<E: Entry>(&mut self, e: E) -> Option<SlotMut<'_, T>> {
        let slot = e.slot();
        let s = slot as usize;
        match self.cold.get_mut(s) {
            Some(cold @ ColdSlot::Occupied(_)) if e.matches(cold.version()) => Some(SlotMut {
                hot: &mut self.hot[s],
                cold,
                free_head: &mut self.free_head,
                freed: &mut self.freed,
                slot,
            }),
            _ => None,
        }
    }

    /// The object `id` names, which the caller knows is alive.
    ///
    /// # Panics
    /// When `id` is dead: callers name only ids they know alive.
    #[inline]
    pub(crate) fn by_id(&self, id: ObjId) -> Obj<'_, T> {
        match self.get(id) {
            Some(o) => o,
            None => dead(id),
        }
    }

    /// [`by_id`](Store::by_id), mutably.
    #[inline]
    pub(crate) fn by_id_mut(&mut self, id: ObjId) -> ObjMut<'_, T> {
        match self.get_mut(id) {
            Some(o) => o,
            None => dead(id),
        }
    }

    /// Whether `id` names a live object.
    #[inline]
    pub(crate) fn contains_key(&self, id: ObjId) -> bool {
        self.get(id).is_some()
    }

    /// The object in `slot`, if the slot is occupied (reads the header only).
    #[inline]
    pub(crate) fn get_slot(&self, slot: u32) -> Option<Obj<'_, T>> {
        let s = slot as usize;
        match self.hot.get(s) {
            Some(h) if !h.is_vacant() => Some(Obj::new(h, self.cold.get(s))),
            _ => None,
        }
    }

    /// The object in `slot`, which must be occupied (an edge's target, a member of a
    /// collector's list): no version check, and only the header is read.
    ///
    /// # Panics
    /// When the slot is free: a broken heap invariant, never user input.
    #[inline(always)]
    pub(crate) fn at(&self, slot: u32) -> Obj<'_, T> {
        let s = slot as usize;
        let h = &self.hot[s];
        if h.is_vacant() {
            vacant(slot)
        }
        Obj::new(h, self.cold.get(s))
    }

    /// [`at`](Store::at) for the trial-deletion passes' hot loops: the vacancy of the
    /// slot is checked in debug builds only.
    #[inline(always)]
    pub(crate) fn pass_at(&self, slot: u32) -> Obj<'_, T> {
        let s = slot as usize;
        let h = &self.hot[s];
        debug_assert!(!h.is_vacant(), "bug: slot {slot} is free");
        Obj::new(h, self.cold.get(s))
    }

    /// [`at`](Store::at), mutably.
    #[inline(always)]
    pub(crate) fn at_mut(&mut self, slot: u32) -> ObjMut<'_, T> {
        let s = slot as usize;
        let h = &mut self.hot[s];
        if h.is_vacant() {
            vacant(slot)
        }
        ObjMut::new(h, self.cold[s].body_mut())
    }

    /// The header of the object in `slot`, which must be occupied, mutably: the hot half
    /// alone (the release cascade lowers an edge target's count through it).
    ///
    /// # Panics
    /// When the slot is free: a broken heap invariant, never user input.
    #[inline(always)]
    pub(crate) fn header_mut(&mut self, slot: u32) -> &mut Header {
        let h = &mut self.hot[slot as usize];
        if h.is_vacant() {
            vacant(slot)
        }
        h
    }

    /// [`header_mut`](Store::header_mut), or `None` when `slot` is past the last slot
    /// (as [`NO_EDGE`] always is: the release path tests a first edge's presence and
    /// its bounds at once).
    ///
    /// # Panics
    /// When the slot is free: a broken heap invariant, never user input.
    #[inline(always)]
    pub(crate) fn header_mut_in_bounds(&mut self, slot: u32) -> Option<&mut Header> {
        let h = self.hot.get_mut(slot as usize)?;
        if h.is_vacant() {
            vacant(slot)
        }
        Some(h)
    }

    /// The id of the object in `slot`. For a free slot (only an edge of a heap broken
    /// on purpose, by an injected fault, names one), the id of its last occupant, which
    /// every lookup rejects as stale.
    #[inline(always)]
    pub(crate) fn id_at(&self, slot: u32) -> ObjId {
        match self.cold.get(slot as usize) {
            Some(ColdSlot::Occupied(o)) => make_id(slot, o.version),
            Some(ColdSlot::Vacant { version, .. }) => make_id(slot, version.wrapping_sub(1)),
            None => ObjId::null(),
        }
    }

    /// The ids of `object`'s edges (whose targets are alive), in order.
    #[inline]
    pub(crate) fn edge_ids<'a>(&'a self, object: Obj<'a, T>) -> impl Iterator<Item = ObjId> + 'a {
        object.edges().map(|t| self.id_at(t))
    }

    /// Live objects with their ids, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ObjId, Obj<'_, T>)> + '_ {
        self.hot
            .iter()
            .zip(&self.cold)
            .enumerate()
            .filter_map(|(i, (h, c))| match c {
                ColdSlot::Occupied(o) => Some((make_id(i as u32, o.version), Obj::new(h, Some(c)))),
                ColdSlot::Vacant { .. } => None,
            })
    }

    /// Ids of the live objects, in slot order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = ObjId> + '_ {
        self.iter().map(|(id, _)| id)
    }

    /// Live objects, in slot order.
    pub(crate) fn values(&self) -> impl Iterator<Item = Obj<'_, T>> + '_ {
        self.iter().map(|(_, o)| o)
    }
}

/// A live object's slot, mutably, with what freeing it in place needs (the store's
/// free-list head and count): what [`Store::slot_mut`] returns.
pub(crate) struct SlotMut<'a, T> {
    /// The header.
    hot: &'a mut Header,
    /// The cold half, occupied.
    cold: &'a mut ColdSlot<T>,
    /// The store's free-list head.
    free_head: &'a mut u32,
    /// The store's count of frees.
    freed: &'a mut u64,
    /// The slot.
    slot: u32,
}

impl<T> SlotMut<'_, T> {
    /// The header.
    #[inline(always)]
    pub(crate) fn header(&mut self) -> &mut Header {
        self.hot
    }

    /// The body.
    #[inline(always)]
    pub(crate) fn body(&mut self) -> &mut Body<T> {
        self.cold.body_mut()
    }

    /// Frees the slot in place, as [`Store::vacate`] does, and returns the edges after
    /// the first and the payload (the caller has read the header).
    #[inline(always)]
    pub(crate) fn vacate(self) -> (ThinVec<u32>, T) {
        let (slot, next_free) = (self.slot, *self.free_head);
        let ColdSlot::Occupied(body) = &*self.cold else {
            vacant(slot)
        };
        let version = body.version.wrapping_add(1);
        let ColdSlot::Occupied(body) =
            std::mem::replace(self.cold, ColdSlot::Vacant { version, next_free })
        else {
            unreachable!("bug: slot {slot} was checked occupied")
        };
        self.hot.flags = flags::VACANT;
        *self.free_head = slot;
        *self.freed += 1;
        (body.more_edges, body.payload)
    }
}

/// The targets of an object's edges, in order, with repetitions: what
/// [`Heap::edges`](crate::Heap::edges) returns. Compares equal to a slice, array or vector of the same ids.
///
/// # Examples
/// ```
/// use gclab::{Heap, ObjId};
/// let mut heap = Heap::new();
/// let (l, x, y) = (heap.alloc("l"), heap.alloc_atomic("x"), heap.alloc_atomic("y"));
/// heap.link(l, x).unwrap();
/// heap.link(l, y).unwrap();
/// let edges = heap.edges(l).unwrap();
/// assert_eq!(edges.len(), 2);
/// assert_eq!(edges.get(1), Some(y));
/// assert_eq!(edges, [x, y]);
/// let targets: Vec<ObjId> = heap.edges(l).unwrap().collect();
/// assert_eq!(targets, vec![x, y]);
/// ```
pub struct EdgeIds<'a, T> {
    objects: &'a Store<T>,
    slots: EdgeSlots<'a>,
}

impl<'a, T> EdgeIds<'a, T> {
    #[inline]
    pub(crate) fn new(objects: &'a Store<T>, object: Obj<'a, T>) -> Self {
        EdgeIds {
            objects,
            slots: object.edges(),
        }
    }

    /// Whether no edge is left.
    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// The remaining targets, collected.
    pub fn to_vec(&self) -> Vec<ObjId> {
        self.clone().collect()
    }

    /// The target of the `index`th remaining edge (O(1)).
    pub fn get(&self, index: usize) -> Option<ObjId> {
        self.slots.clone().nth(index).map(|t| self.objects.id_at(t))
    }
}

impl<T> Clone for EdgeIds<'_, T> {
    fn clone(&self) -> Self {
        EdgeIds {
            objects: self.objects,
            slots: self.slots.clone(),
        }
    }
}

impl<T> std::fmt::Debug for EdgeIds<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<T> Iterator for EdgeIds<'_, T> {
    type Item = ObjId;

    #[inline]
    fn next(&mut self) -> Option<ObjId> {
        self.slots.next().map(|t| self.objects.id_at(t))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }

    /// O(1).
    #[inline]
    fn nth(&mut self, n: usize) -> Option<ObjId> {
        self.slots.nth(n).map(|t| self.objects.id_at(t))
    }
}

impl<T> ExactSizeIterator for EdgeIds<'_, T> {}

impl<T> PartialEq<[ObjId]> for EdgeIds<'_, T> {
    fn eq(&self, other: &[ObjId]) -> bool {
        self.len() == other.len() && self.clone().zip(other).all(|(a, &b)| a == b)
    }
}

impl<T> PartialEq<&[ObjId]> for EdgeIds<'_, T> {
    fn eq(&self, other: &&[ObjId]) -> bool {
        *self == **other
    }
}

impl<T, const N: usize> PartialEq<[ObjId; N]> for EdgeIds<'_, T> {
    fn eq(&self, other: &[ObjId; N]) -> bool {
        *self == other[..]
    }
}

impl<T, const N: usize> PartialEq<&[ObjId; N]> for EdgeIds<'_, T> {
    fn eq(&self, other: &&[ObjId; N]) -> bool {
        *self == other[..]
    }
}

impl<T> PartialEq<Vec<ObjId>> for EdgeIds<'_, T> {
    fn eq(&self, other: &Vec<ObjId>) -> bool {
        *self == other[..]
    }
}

/// An entry of a collector's list: a bare slot (a list the heap keeps, whose members
/// are alive by construction) or a versioned id (a list a strategy hands in).
pub(crate) trait Entry: Copy {
    /// Whether the entry is a bare slot (it names any occupant).
    const BARE: bool;
    /// The entry's slot.
    fn slot(self) -> u32;
    /// The entry for the object in `slot`, at `version`.
    fn make(slot: u32, version: u32) -> Self;
    /// The entry for the object in occupied `slot` of `objects`: a bare slot reads
    /// nothing (a collector pass that builds one reads no body), an id reads the
    /// version from the body.
    fn at<T>(objects: &Store<T>, slot: u32) -> Self;
    /// Whether the entry names the occupant of its slot whose version is `version` (a
    /// bare slot names any occupant).
    fn matches(self, version: u32) -> bool;
    /// Takes the entries out of `list` as ids (of live objects, for slots).
    fn take_ids<T>(list: &mut Vec<Self>, objects: &Store<T>) -> Vec<ObjId>;
}

impl Entry for u32 {
    const BARE: bool = true;

    #[inline(always)]
    fn slot(self) -> u32 {
        self
    }

    #[inline(always)]
    fn make(slot: u32, _version: u32) -> Self {
        slot
    }

    #[inline(always)]
    fn at<T>(_objects: &Store<T>, slot: u32) -> Self {
        slot
    }

    #[inline(always)]
    fn matches(self, _version: u32) -> bool {
        true
    }

    fn take_ids<T>(list: &mut Vec<u32>, objects: &Store<T>) -> Vec<ObjId> {
        let ids = list.iter().map(|&s| objects.id_at(s)).collect();
        list.clear();
        ids
    }
}

impl Entry for ObjId {
    const BARE: bool = false;

    #[inline(always)]
    fn slot(self) -> u32 {
        slot_of(self)
    }

    #[inline(always)]
    fn make(slot: u32, version: u32) -> Self {
        make_id(slot, version)
    }

    #[inline(always)]
    fn at<T>(objects: &Store<T>, slot: u32) -> Self {
        make_id(slot, objects.version_at(slot))
    }

    #[inline(always)]
    fn matches(self, version: u32) -> bool {
        version_of(self) == version
    }

    /// No copy: the list itself.
    fn take_ids<T>(list: &mut Vec<ObjId>, _objects: &Store<T>) -> Vec<ObjId> {
        std::mem::take(list)
    }
}

#[cold]
#[inline(never)]
fn vacant(slot: u32) -> ! {
    panic!("bug: slot {slot} is free but an edge or a collector list names it")
}

/// The id of version `version` of `slot`.
#[inline(always)]
pub(crate) fn make_id(slot: u32, version: u32) -> ObjId {
    ObjId::from(KeyData::from_ffi(
        (u64::from(version) << 32) | u64::from(slot),
    ))
}

#[inline(always)]
fn version_of(id: ObjId) -> u32 {
    (id.data().as_ffi() >> 32) as u32
}

#[cold]
#[inline(never)]
fn dead(id: ObjId) -> ! {
    panic!("bug: {id} is dead")
}
