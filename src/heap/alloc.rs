//! Allocation: every kind of object, and the tracking of lazily tracked containers.

#[cfg(doc)]
use crate::error::GcError;
use crate::error::Result;
use crate::gc::{AllocKind, CycleCollector};
use thin_vec::ThinVec;

use crate::object::{NO_EDGE, ObjId, Object, flags, slot_of};

use super::Heap;

impl<T, C: CycleCollector> Heap<T, C> {
    /// Allocates a container object (like a Python list) with no edges, and returns a new
    /// external reference to it (refcount 1, held by the caller: release it with
    /// [`decref`](Heap::decref)).
    ///
    /// The object is tracked: it enters the youngest generation, and may trigger an
    /// automatic collection, as in CPython.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc("list");
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// assert_eq!(heap.external_count(x).unwrap(), 1);
    /// assert!(heap.is_tracked(x).unwrap());
    /// ```
    pub fn alloc(&mut self, payload: T) -> ObjId {
        let id = self.insert_object(payload, &[], 0, true);
        self.count_alloc(AllocKind::Container, id);
        id
    }

    /// Allocates an atomic object, one that can never hold references (like Python's
    /// `int` or `str`). It is never tracked by the collector. Returns a new external
    /// reference.
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcError, Heap};
    /// let mut heap = Heap::new();
    /// let n = heap.alloc_atomic("42");
    /// let l = heap.alloc("list");
    /// assert!(!heap.is_tracked(n).unwrap());
    /// assert_eq!(heap.link(n, l), Err(GcError::AtomicObject(n)));
    /// ```
    pub fn alloc_atomic(&mut self, payload: T) -> ObjId {
        self.insert_object(payload, &[], flags::ATOMIC, false)
    }

    /// Allocates an immutable container (like a Python tuple) whose edges are fixed to
    /// `edges` for its whole life. It starts tracked; a collection that finds all its
    /// referents untracked untracks it, as CPython does for tuples. Returns a new external
    /// reference.
    ///
    /// # Errors
    /// [`GcError::StaleId`] if an edge target is not alive, [`GcError::RefcountOverflow`]
    /// if a target's count would overflow. Nothing is allocated then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let one = heap.alloc_atomic("1");
    /// let t = heap.alloc_immutable("tuple", &[one, one]).unwrap();
    /// assert_eq!(heap.refcount(one).unwrap(), 3);
    /// assert!(heap.is_tracked(t).unwrap());
    /// heap.collect_full();
    /// assert!(!heap.is_tracked(t).unwrap()); // all referents untracked: untracked
    /// ```
    pub fn alloc_immutable(&mut self, payload: T, edges: &[ObjId]) -> Result<ObjId> {
        self.take_refs(edges)?;
        let id = self.insert_object(payload, edges, flags::IMMUTABLE, true);
        self.count_alloc(AllocKind::Immutable, id);
        Ok(id)
    }

    /// Allocates a container that starts with the given edges (Python's list display
    /// `[a, b]`), in one step. Returns a new external reference.
    ///
    /// # Errors
    /// [`GcError::StaleId`] if an edge target is not alive, [`GcError::RefcountOverflow`]
    /// if a target's count would overflow. Nothing is allocated then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let ten = heap.alloc_atomic("10");
    /// let l = heap.alloc_with("list", &[ten, ten]).unwrap(); // [10, 10]
    /// assert_eq!(heap.edges(l).unwrap(), &[ten, ten]);
    /// assert_eq!(heap.refcount(ten).unwrap(), 3);
    /// ```
    #[inline(always)]
    pub fn alloc_with(&mut self, payload: T, edges: &[ObjId]) -> Result<ObjId> {
        self.take_refs(edges)?;
        let id = self.insert_object(payload, edges, 0, true);
        self.count_alloc(AllocKind::Container, id);
        Ok(id)
    }

    /// Allocates a lazily tracked container (like a CPython 3.11–3.13 `dict`): it starts
    /// untracked and becomes tracked (entering the youngest generation) when it is given
    /// an edge to an object that may be tracked — any container except an untracked
    /// immutable one — as CPython's `MAINTAIN_TRACKING` does. Full collections untrack it
    /// again when none of its referents may be tracked (`_PyDict_MaybeUntrack`). It
    /// counts as an allocation for the collector's threshold, as every GC-capable object
    /// does in CPython. Returns a new external reference.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let d = heap.alloc_lazy("{}");
    /// assert!(!heap.is_tracked(d).unwrap());      // d = {}
    /// let one = heap.alloc_atomic("1");
    /// heap.link(d, one).unwrap();                 // d['a'] = 1
    /// assert!(!heap.is_tracked(d).unwrap());
    /// let l = heap.alloc("[]");
    /// heap.link(d, l).unwrap();                   // d['b'] = []
    /// assert!(heap.is_tracked(d).unwrap());
    /// ```
    pub fn alloc_lazy(&mut self, payload: T) -> ObjId {
        let id = self.insert_object(payload, &[], flags::LAZY, false);
        self.count_alloc(AllocKind::Lazy, id);
        id
    }

    /// A lazily tracked container ([`alloc_lazy`](Heap::alloc_lazy)) created with these
    /// edges (a dict display): tracked at once if one of them may be tracked.
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::BeingDeallocated`], [`GcError::RefcountOverflow`]
    /// for an edge target. Nothing is allocated then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let one = heap.alloc_atomic("1");
    /// let d = heap.alloc_lazy_with("{'a': 1}", &[one]).unwrap();
    /// assert!(!heap.is_tracked(d).unwrap());
    /// ```
    pub fn alloc_lazy_with(&mut self, payload: T, edges: &[ObjId]) -> Result<ObjId> {
        self.take_refs(edges)?;
        let id = self.insert_object(payload, edges, flags::LAZY, false);
        if edges
            .iter()
            .any(|&t| self.objects.by_id(t).may_be_tracked())
        {
            self.track(id);
        }
        self.count_alloc(AllocKind::Lazy, id);
        Ok(id)
    }

    /// Takes one reference to each of `targets` (with repetitions), all or none: on a
    /// stale id or an overflow, the counts already raised are lowered again.
    #[inline]
    fn take_refs(&mut self, targets: &[ObjId]) -> Result<()> {
        if let [one] = targets {
            return self.take_ref(*one);
        }
        for (i, &t) in targets.iter().enumerate() {
            if let Err(e) = self.take_ref(t) {
                for &done in &targets[..i] {
                    self.objects.by_id_mut(done).refcount -= 1;
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Inserts a new object with one external reference and edges to `edges` (whose
    /// references the caller has taken). A tracked object enters the strategy's lists:
    /// placed by its [`on_track_new`](CycleCollector::on_track_new) before the store
    /// writes the slot (the header is written once, the slot looked up once), else
    /// through `on_track` afterwards. The record is built from the slice's length (no
    /// edge vector is read, none is allocated for at most one edge), and the rare cases
    /// (an assigned identity that claims a native one) are behind one test.
    #[inline(always)]
    fn insert_object(
        &mut self,
        payload: T,
        edges: &[ObjId],
        flag_bits: u16,
        tracked: bool,
    ) -> ObjId {
        let record = match edges {
            [] => Object::untracked(payload, NO_EDGE, ThinVec::new(), flag_bits),
            [first] => Object::untracked(payload, slot_of(*first), ThinVec::new(), flag_bits),
            [first, more @ ..] => Object::untracked(
                payload,
                slot_of(*first),
                more.iter().map(|&id| slot_of(id)).collect(),
                flag_bits | flags::MORE_EDGES,
            ),
        };
        let gc = &mut self.gc;
        let (id, placed) =
            self.objects.insert_placed(
                record,
                |id| if tracked { gc.on_track_new(id) } else { None },
            );
        if self.native_claims > 0 {
            self.avoid_claimed_identity(id);
        }
        if tracked && !placed {
            self.track(id);
        }
        id
    }
}
