//! The context a strategy works on: the object store as its hooks see it ([`Cx`],
//! mutable: counts and edges to read, the collector header to write) and read-only
//! ([`Objects`]). It borrows the object store alone, never the heap, so the
//! trial-deletion passes and the strategies' hooks depend on it and not on `Heap`.

use crate::object::{COLLECTING, ObjId, TENTATIVELY_UNREACHABLE, UNTRACKED};
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
        self.objects.get(id).map(|o| o.external)
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
}
