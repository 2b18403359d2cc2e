//! The context a strategy works on: the object store as its hooks see it ([`Cx`],
//! mutable: counts and edges to read, the collector header to write) and read-only
//! ([`Objects`]). It borrows the object store alone, never the heap, so the
//! trial-deletion passes and the strategies' hooks depend on it and not on `Heap`.

use crate::object::{COLLECTING, ObjId, TENTATIVELY_UNREACHABLE, UNTRACKED, flags, slot_of};
use crate::store::{EdgeIds, Store};

/// The object store, mutably, as a strategy's hooks see it: counts and edges to read,
/// the collector header (space byte, position) to read and write. Nothing through it can
/// change a reference count or an edge.
pub struct Cx<'a, T> {
    pub(crate) objects: &'a mut Store<T>,
}

impl<'a, T> Cx<'a, T> {
    #[inline(always)]
    pub(crate) fn new(objects: &'a mut Store<T>) -> Self {
        Cx { objects }
    }

    /// A shorter-lived context from this one (to pass it to several calls in turn).
    #[inline(always)]
    pub fn reborrow(&mut self) -> Cx<'_, T> {
        Cx {
            objects: self.objects,
        }
    }

    /// The read-only view.
    #[inline]
    pub fn objects(&self) -> Objects<'_, T> {
        Objects {
            objects: self.objects,
        }
    }

    /// Marks `id` as held in the strategy's space `space` (a value below 250 of the
    /// strategy's choosing, e.g. a generation number) at `position` in its list.
    /// Nothing happens for a dead id.
    #[inline]
    pub fn set_space(&mut self, id: ObjId, space: u8, position: u32) {
        debug_assert!(
            space < COLLECTING,
            "bug: space {space} is one of the heap's reserved marks"
        );
        if let Some(obj) = self.objects.get_mut(id) {
            obj.set_space(space);
            obj.set_position(position);
        }
    }

    /// Rewrites `id`'s position only (e.g. after compacting a list).
    #[inline]
    pub fn set_position(&mut self, id: ObjId, position: u32) {
        if let Some(obj) = self.objects.get(id) {
            obj.set_position(position);
        }
    }

    /// Marks `id` untracked.
    #[inline]
    pub fn set_untracked(&mut self, id: ObjId) {
        if let Some(obj) = self.objects.get_mut(id) {
            obj.set_space(UNTRACKED);
        }
    }

    /// Sets `id`'s scratch count (CPython's `gc_set_refs`), for a strategy that runs
    /// its own trial-deletion passes (as [`BaconRajan`](crate::gc::bacon_rajan::BaconRajan)
    /// does). Read it back with [`Objects::gc_refs`]. The scratch count may share its
    /// header cell with the position: write the space and position first, the count
    /// after, and rewrite the position ([`set_space`](Cx::set_space)) when the pass is
    /// over. Nothing happens for a dead id.
    #[inline]
    pub fn set_gc_refs(&mut self, id: ObjId, refs: u32) {
        if let Some(obj) = self.objects.get(id) {
            obj.set_gc_refs(refs);
        }
    }

    /// The store as a collection pass sees it ([`Pass`]): edges and counts to read and
    /// any live object's collector header to write, at once, so a pass walks an
    /// object's edges while it writes its targets' headers without copying the edges
    /// out.
    #[inline(always)]
    pub fn pass(&mut self) -> Pass<'_, T> {
        Pass {
            objects: self.objects,
        }
    }

    /// Slot level: writes the header of the live object in `slot` (space `space`, below
    /// 250, and `position`), as [`set_space`](Cx::set_space) does by id. For a strategy
    /// whose lists hold bare slots ([`Objects::slot`]); every member of such a list is
    /// alive by construction (the heap untracks an object before freeing it).
    ///
    /// # Panics
    /// When `slot` is free: the strategy's list and the heap disagree (a bug).
    #[inline(always)]
    pub fn set_slot_header(&mut self, slot: u32, space: u8, position: u32) {
        self.pass().set_slot_header(slot, space, position);
    }

    /// Slot level: rewrites the position of the live object in `slot` only (e.g. after
    /// compacting a list of slots).
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_position(&mut self, slot: u32, position: u32) {
        self.objects.at(slot).set_position(position);
    }

    /// Slot level: marks the live object in `slot` untracked, as CPython's
    /// `untrack_tuples` does to a survivor during a collection (the object must be out
    /// of the strategy's lists: a survivor not yet appended to one).
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_untracked(&mut self, slot: u32) {
        self.objects.at(slot).set_space(UNTRACKED);
    }

    /// Slot level: [`set_gc_refs`](Cx::set_gc_refs) for the live object in `slot`.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_gc_refs(&mut self, slot: u32, refs: u32) {
        self.pass().set_slot_gc_refs(slot, refs);
    }

    /// Slot level: [`set_tentatively_unreachable`](Cx::set_tentatively_unreachable) for
    /// the live object in `slot`, for a strategy that hands its unreachable set to
    /// [`Heap::collect_unreachable_slots`](crate::Heap::collect_unreachable_slots).
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_tentatively_unreachable(&mut self, slot: u32) {
        self.pass().set_slot_tentatively_unreachable(slot);
    }

    /// Moves `id` into the running collection's working set as *tentatively
    /// unreachable* (space `COLLECTING`, scratch count `TENTATIVELY_UNREACHABLE`, as
    /// CPython's `move_unreachable` leaves an object it sets aside): the state
    /// [`Heap::collect_unreachable`](crate::Heap::collect_unreachable) requires of each entry. For a strategy that finds
    /// its unreachable set with its own passes instead of
    /// [`find_unreachable`](crate::gc::trial::find_unreachable); the object must be out
    /// of the strategy's lists already. Nothing happens for a dead id.
    #[inline]
    pub fn set_tentatively_unreachable(&mut self, id: ObjId) {
        if let Some(obj) = self.objects.get_mut(id) {
            obj.set_space(COLLECTING);
            obj.set_gc_refs(TENTATIVELY_UNREACHABLE);
        }
    }
}

/// The object store as one collection pass sees it, from [`Cx::pass`]: everything
/// [`Objects`] reads, and the collector header (space byte, position or scratch count)
/// of any live object to write. It is `Copy`, so a pass holds it while it walks an
/// object's edges ([`Objects::slot_edges`]) and writes its targets' headers in the same
/// loop, with no copy of the edges: the header's space byte and scratch count are cells,
/// as the fused trial-deletion passes every strategy shares use them
/// ([`Heap::collect_list`](crate::Heap::collect_list)). Nothing through it can change a
/// reference count or an edge.
///
/// # Examples
/// Counting, for each object of a list, the references it receives from the list (the
/// first half of trial deletion), at slot level:
/// ```
/// use gclab::Heap;
/// use gclab::gc::FullOnly;
///
/// let mut heap: Heap<(), FullOnly> = Heap::with_collector(FullOnly::default());
/// let (a, b) = (heap.alloc(()), heap.alloc(()));
/// heap.link(a, b).unwrap();
/// heap.link(b, a).unwrap();
/// let (gc, mut cx) = heap.collector_parts();
/// let list: Vec<u32> = gc.tracked().slots().to_vec();
/// let pass = cx.pass();
/// let objects = pass.objects();
/// for &s in &list {
///     pass.set_slot_gc_refs(s, objects.slot_refcount(s));
/// }
/// for &s in &list {
///     for t in objects.slot_edges(s) {
///         pass.set_slot_gc_refs(t, objects.slot_gc_refs(t) - 1);
///     }
/// }
/// // Each is held by one edge from the list and by the program's own reference.
/// assert!(list.iter().all(|&s| objects.slot_gc_refs(s) == 1));
/// # for (i, &s) in list.iter().enumerate() { cx.set_slot_position(s, i as u32); }
/// # heap.verify().unwrap();
/// ```
pub struct Pass<'a, T> {
    objects: &'a Store<T>,
}

impl<T> Clone for Pass<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Pass<'_, T> {}

impl<'a, T> Pass<'a, T> {
    /// The read-only view (edges, counts, headers), for as long as the pass.
    #[inline(always)]
    pub fn objects(&self) -> Objects<'a, T> {
        Objects {
            objects: self.objects,
        }
    }

    /// [`Cx::set_slot_header`] within the pass.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_header(&self, slot: u32, space: u8, position: u32) {
        debug_assert!(
            space < COLLECTING,
            "bug: space {space} is one of the heap's reserved marks"
        );
        let obj = self.objects.at(slot);
        obj.set_space(space);
        obj.set_position(position);
    }

    /// [`Cx::set_slot_gc_refs`] within the pass.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_gc_refs(&self, slot: u32, refs: u32) {
        self.objects.at(slot).set_gc_refs(refs);
    }

    /// [`Cx::set_slot_tentatively_unreachable`] within the pass.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn set_slot_tentatively_unreachable(&self, slot: u32) {
        let obj = self.objects.at(slot);
        obj.set_space(COLLECTING);
        obj.set_gc_refs(TENTATIVELY_UNREACHABLE);
    }
}

/// The object store, read-only, as a strategy sees it (and as the trial-deletion passes
/// take it). Every accessor returns `None` for a dead id.
pub struct Objects<'a, T> {
    pub(crate) objects: &'a Store<T>,
}

impl<T> Clone for Objects<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Objects<'_, T> {}

impl<'a, T> Objects<'a, T> {
    #[inline(always)]
    pub(crate) fn new(objects: &'a Store<T>) -> Self {
        Objects { objects }
    }

    /// Whether `id` is alive.
    #[inline]
    pub fn contains(&self, id: ObjId) -> bool {
        self.objects.contains_key(id)
    }

    /// `id`'s total reference count.
    #[inline]
    pub fn refcount(&self, id: ObjId) -> Option<u32> {
        self.objects.get(id).map(|o| o.refcount)
    }

    /// `id`'s external reference count: references held from outside the heap's objects
    /// (program handles, variables, `gc.garbage`), the roots of a mark-alive pass
    /// ([`mark_alive`](crate::gc::mark_alive::mark_alive)). Temporary references the
    /// heap takes around user code are not included.
    #[inline]
    pub fn external(&self, id: ObjId) -> Option<u32> {
        self.objects.get(id).map(|o| o.body().external)
    }

    /// `id`'s edges, in order.
    #[inline]
    pub fn edges(&self, id: ObjId) -> Option<EdgeIds<'a, T>> {
        let objects = self.objects;
        objects.get(id).map(|o| EdgeIds::new(objects, o))
    }

    /// The strategy space byte of a tracked object, or `None` when `id` is dead,
    /// untracked, or in a running collection's working set.
    #[inline]
    pub fn space(&self, id: ObjId) -> Option<u8> {
        match self.objects.get(id)?.space() {
            UNTRACKED | COLLECTING => None,
            s => Some(s),
        }
    }

    /// `id`'s scratch count (CPython's `gc_get_refs`), as a strategy's own pass wrote it
    /// with [`Cx::set_gc_refs`]; meaningless outside such a pass.
    #[inline]
    pub fn gc_refs(&self, id: ObjId) -> Option<u32> {
        self.objects.get(id).map(|o| o.gc_refs())
    }

    /// The position a strategy recorded for `id` (meaningful while it is tracked).
    #[inline]
    pub fn position(&self, id: ObjId) -> Option<u32> {
        self.objects.get(id).map(|o| o.position())
    }

    /// Every live object, in slot order.
    pub fn ids(&self) -> impl Iterator<Item = ObjId> + 'a {
        self.objects.keys()
    }

    /// How many live objects are in a strategy space: tracked, and not in a running
    /// collection's working set (those [`space`](Objects::space) gives a space for). For
    /// a strategy's [`check`](crate::CycleCollector::check): its lists must hold exactly
    /// this many.
    pub fn listed_count(&self) -> usize {
        self.objects
            .values()
            .filter(|o| o.space() < COLLECTING)
            .count()
    }

    /// The slot of `id`: the 32-bit index half of the id, without its version. A list
    /// of slots is half the size of a list of ids and reaches the object without a
    /// version check, which is what the shared mechanism's lists
    /// ([`TrackedList`](crate::gc::TrackedList)) and [`Generational`](crate::Generational)'s
    /// generations hold. A slot names an object only while that object is alive: keep
    /// slots only of objects the strategy tracks (the heap untracks an object before
    /// freeing it).
    #[inline(always)]
    pub fn slot(&self, id: ObjId) -> u32 {
        slot_of(id)
    }

    /// The id of the object in `slot` (for a free slot, an id every lookup rejects as
    /// stale).
    #[inline(always)]
    pub fn id_at(&self, slot: u32) -> ObjId {
        self.objects.id_at(slot)
    }

    /// Slot level: the raw header of the object in `slot`, `(space, position)`, or
    /// `None` when the slot is free. Unlike [`space`](Objects::space) the space byte is
    /// returned as stored, the heap's reserved marks (250 and above: untracked, in a
    /// collection's working set) included; for a strategy's
    /// [`check`](crate::CycleCollector::check) of its lists.
    #[inline]
    pub fn slot_header(&self, slot: u32) -> Option<(u8, u32)> {
        self.objects
            .get_slot(slot)
            .map(|o| (o.space(), o.position()))
    }

    /// Slot level: the edges of the live object in `slot`, as the slots of their
    /// targets (alive, by the heap's invariant), in order: no version check and no id
    /// built per edge, for a strategy's own tracing passes (as
    /// [`BaconRajan`](crate::gc::bacon_rajan::BaconRajan)'s).
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline]
    pub fn slot_edges(&self, slot: u32) -> impl Iterator<Item = u32> + 'a {
        self.objects.at(slot).edges()
    }

    /// Slot level: the total reference count of the live object in `slot`.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn slot_refcount(&self, slot: u32) -> u32 {
        self.objects.at(slot).refcount
    }

    /// Slot level: [`space`](Objects::space) of the live object in `slot` (`None` when
    /// it is untracked or in a running collection's working set).
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn slot_space(&self, slot: u32) -> Option<u8> {
        match self.objects.at(slot).space() {
            UNTRACKED | COLLECTING => None,
            s => Some(s),
        }
    }

    /// Slot level: [`gc_refs`](Objects::gc_refs) of the live object in `slot`.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline(always)]
    pub fn slot_gc_refs(&self, slot: u32) -> u32 {
        self.objects.at(slot).gc_refs()
    }

    /// Slot level: whether the live object in `slot`, an immutable container
    /// ([`Heap::alloc_immutable`](crate::Heap::alloc_immutable), a tuple), may be
    /// untracked now, as CPython's `_PyTuple_MaybeUntrack` decides for a survivor of a
    /// collection: it is still tracked and none of its referents may be tracked, so it
    /// can never be part of a cycle. `false` for any other kind of object.
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline]
    pub fn may_untrack_immutable(&self, slot: u32) -> bool {
        self.may_untrack(slot, flags::IMMUTABLE)
    }

    /// Slot level: [`may_untrack_immutable`](Objects::may_untrack_immutable) for a lazily
    /// tracked container ([`Heap::alloc_lazy`](crate::Heap::alloc_lazy), a dict:
    /// CPython's `_PyDict_MaybeUntrack`, run in full collections).
    ///
    /// # Panics
    /// When `slot` is free (a bug of the strategy's list).
    #[inline]
    pub fn may_untrack_lazy(&self, slot: u32) -> bool {
        self.may_untrack(slot, flags::LAZY)
    }

    #[inline]
    fn may_untrack(&self, slot: u32, flag: u16) -> bool {
        let objects = self.objects;
        let obj = objects.at(slot);
        obj.has(flag) && obj.is_tracked() && obj.edges().all(|t| !objects.at(t).may_be_tracked())
    }
}
