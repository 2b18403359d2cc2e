//! Edges: the object's ordered list of references, and the checks every edge write makes.

use crate::error::{GcError, Result};
use crate::gc::CycleCollector;
use crate::object::{MAX_REFCOUNT, Obj, ObjId, ObjMut, flags};
use crate::store::{EdgeIds, slot_of};

use super::Heap;

impl<T, C: CycleCollector> Heap<T, C> {
    /// Appends an edge `from → to` (Python's `from.append(to)`); `to`'s refcount grows by
    /// one.
    ///
    /// # Errors
    /// [`GcError::StaleId`] for a dead id, [`GcError::AtomicObject`] /
    /// [`GcError::ImmutableObject`] when `from` cannot change its edges,
    /// [`GcError::RefcountOverflow`]. The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("a");
    /// heap.link(a, a).unwrap(); // a.append(a)
    /// assert_eq!(heap.refcount(a).unwrap(), 2);
    /// assert_eq!(heap.edges(a).unwrap(), &[a]);
    /// ```
    pub fn link(&mut self, from: ObjId, to: ObjId) -> Result<()> {
        self.write_edge(from, to, Position::End, |mut obj, slot| obj.push_edge(slot))
    }

    /// Inserts an edge `from → to` at position `index` (`index <= len`).
    ///
    /// # Errors
    /// As [`link`](Heap::link), plus [`GcError::EdgeIndexOutOfRange`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, a, b) = (heap.alloc("l"), heap.alloc_atomic("a"), heap.alloc_atomic("b"));
    /// heap.link(l, b).unwrap();
    /// heap.insert_edge(l, 0, a).unwrap(); // l.insert(0, a)
    /// assert_eq!(heap.edges(l).unwrap(), &[a, b]);
    /// ```
    pub fn insert_edge(&mut self, from: ObjId, index: usize, to: ObjId) -> Result<()> {
        self.write_edge(from, to, Position::Before(index), |mut obj, slot| {
            obj.insert_edge(index, slot);
        })
    }

    /// Replaces edge `index` of `from` with a reference to `to` (Python's
    /// `from[index] = to`) and returns the old target, whose reference is released (it may
    /// be freed, so the returned id may be stale).
    ///
    /// # Errors
    /// As [`insert_edge`](Heap::insert_edge). The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x, y) = (heap.alloc("l"), heap.alloc_atomic("x"), heap.alloc_atomic("y"));
    /// heap.link(l, x).unwrap();
    /// heap.decref(x).unwrap(); // only l holds x now
    /// assert_eq!(heap.set_edge(l, 0, y).unwrap(), x);
    /// assert!(!heap.contains(x)); // its last reference went with the edge
    /// ```
    pub fn set_edge(&mut self, from: ObjId, index: usize, to: ObjId) -> Result<ObjId> {
        let old = self.write_edge(from, to, Position::At(index), |mut obj, slot| {
            obj.replace_edge(index, slot)
        })?;
        let old = self.objects.id_at(old);
        self.release(old);
        Ok(old)
    }

    /// Removes edge `index` of `from`, keeping the order of the others, and returns its
    /// target, whose reference is released (it may be freed at once).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::AtomicObject`], [`GcError::ImmutableObject`],
    /// [`GcError::EdgeIndexOutOfRange`]. The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// heap.decref(x).unwrap();                     // only l holds x
    /// assert_eq!(heap.remove_edge(l, 0).unwrap(), x); // del l[0]
    /// assert!(!heap.contains(x));
    /// ```
    pub fn remove_edge(&mut self, from: ObjId, index: usize) -> Result<ObjId> {
        let len = self.check_mutable(from)?;
        Position::At(index).check(from, len)?;
        let old = self.objects.by_id_mut(from).remove_edge(index);
        let old = self.objects.id_at(old);
        self.release(old);
        Ok(old)
    }

    /// Removes the first edge `from → to` (Python's `from.remove(to)`), returning whether
    /// there was one.
    ///
    /// # Errors
    /// As [`remove_edge`](Heap::remove_edge), except that a missing edge is `Ok(false)`.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// assert!(heap.unlink(l, x).unwrap());   // l.remove(x)
    /// assert!(!heap.unlink(l, x).unwrap());  // not there any more
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// ```
    pub fn unlink(&mut self, from: ObjId, to: ObjId) -> Result<bool> {
        self.check_mutable(from)?;
        if !self.objects.contains_key(to) {
            return Ok(false); // no edge targets a dead object
        }
        let to_slot = slot_of(to);
        match self.objects.by_id(from).edges().position(|t| t == to_slot) {
            Some(index) => {
                self.remove_edge(from, index)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Removes all of `from`'s edges (Python's `from.clear()`), releasing each reference.
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::AtomicObject`], [`GcError::ImmutableObject`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// heap.decref(x).unwrap();     // only l holds x
    /// heap.clear_edges(l).unwrap(); // l.clear()
    /// assert!(heap.edges(l).unwrap().is_empty());
    /// assert!(!heap.contains(x));
    /// ```
    pub fn clear_edges(&mut self, from: ObjId) -> Result<()> {
        self.check_mutable(from)?;
        let edges = self.objects.by_id_mut(from).take_edges();
        self.release_edges(edges);
        Ok(())
    }

    /// The object's outgoing references, in order.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (l, x) = (heap.alloc("l"), heap.alloc_atomic("x"));
    /// heap.link(l, x).unwrap();
    /// heap.link(l, x).unwrap();
    /// assert_eq!(heap.edges(l).unwrap(), &[x, x]); // [x, x]
    /// ```
    pub fn edges(&self, id: ObjId) -> Result<EdgeIds<'_, T>> {
        let obj = self.obj(id)?;
        Ok(EdgeIds::new(&self.objects, obj))
    }

    /// The one edge write, behind [`link`](Heap::link), [`insert_edge`](Heap::insert_edge)
    /// and [`set_edge`](Heap::set_edge), so that none of them can forget a step: checks
    /// that `from` may change its edges and that `position` exists, takes a reference to
    /// `to`, runs the strategy's write barrier ([`CycleCollector::on_edge_write`]), lets
    /// `write` put `to`'s slot into `from`'s edges, and maintains a lazily tracked
    /// container's tracking. Returns what `write` returns. The heap is unchanged on error.
    #[inline(always)]
    fn write_edge<R>(
        &mut self,
        from: ObjId,
        to: ObjId,
        position: Position,
        write: impl FnOnce(ObjMut<'_, T>, u32) -> R,
    ) -> Result<R> {
        let len = self.check_mutable(from)?;
        position.check(from, len)?;
        self.take_ref(to)?;
        self.gc.on_edge_write(from, to);
        // `from` was found alive above and taking a reference frees nothing: its slot
        // is enough (no second version check).
        let obj = self.objects.at_mut(slot_of(from));
        let lazy = obj.has(flags::LAZY);
        let written = write(obj, slot_of(to));
        if lazy {
            self.maintain_tracking(from, to);
        }
        Ok(written)
    }

    /// CPython's `MAINTAIN_TRACKING`: an untracked lazily tracked container that is
    /// given a reference to `to` becomes tracked if `to` may be tracked.
    #[inline]
    #[cold]
    fn maintain_tracking(&mut self, from: ObjId, to: ObjId) {
        let obj = self.objects.by_id(from);
        if !obj.is_tracked() && self.objects.by_id(to).may_be_tracked() {
            self.track(from);
        }
    }

    /// Returns the number of edges of a mutable container, or the error that forbids
    /// changing its edges.
    fn check_mutable(&self, id: ObjId) -> Result<usize> {
        let obj = self.obj(id)?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        if obj.has(flags::ATOMIC) {
            return Err(GcError::AtomicObject(id));
        }
        if obj.has(flags::IMMUTABLE) {
            return Err(GcError::ImmutableObject(id));
        }
        Ok(obj.edge_count())
    }

    /// Adds one (internal or external) reference to `id`'s count. An object whose count
    /// reached zero is being deallocated and takes no new reference.
    #[inline]
    pub(super) fn take_ref(&mut self, id: ObjId) -> Result<()> {
        let mut obj = self.objects.get_mut(id).ok_or(GcError::StaleId(id))?;
        // One comparison for both refusals: 0 wraps to u32::MAX.
        if obj.refcount.wrapping_sub(1) >= MAX_REFCOUNT - 1 {
            return Err(if obj.refcount == 0 {
                GcError::BeingDeallocated(id)
            } else {
                GcError::RefcountOverflow(id)
            });
        }
        obj.refcount += 1;
        Ok(())
    }

    /// The object, if it is alive and not being deallocated (the check of every
    /// operation that registers something on it).
    pub(crate) fn obj_alive(&self, id: ObjId) -> Result<Obj<'_, T>> {
        let obj = self.obj(id)?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        Ok(obj)
    }
}

/// Where an edge operation acts among an object's edges.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// After the last edge.
    End,
    /// Before edge `index` (`index <= len`: the end is a position too).
    Before(usize),
    /// At edge `index` (`index < len`).
    At(usize),
}

impl Position {
    /// Checks that the position exists among `len` edges of `from`.
    ///
    /// # Errors
    /// [`GcError::EdgeIndexOutOfRange`].
    fn check(self, from: ObjId, len: usize) -> Result<()> {
        let (index, exists) = match self {
            Position::End => return Ok(()),
            Position::Before(index) => (index, index <= len),
            Position::At(index) => (index, index < len),
        };
        if exists {
            Ok(())
        } else {
            Err(GcError::EdgeIndexOutOfRange {
                id: from,
                index,
                len,
            })
        }
    }
}
