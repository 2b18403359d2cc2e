//! Reading: counts, payloads, kinds, referrers and counters.

use crate::error::{GcError, Result};
use crate::gc::CycleCollector;
use crate::object::{Obj, ObjId, ObjMut, flags};
use crate::store::slot_of;

use super::{Heap, HeapCounters};

impl<T, C: CycleCollector> Heap<T, C> {
    pub(crate) fn obj(&self, id: ObjId) -> Result<Obj<'_, T>> {
        self.objects.get(id).ok_or(GcError::StaleId(id))
    }

    pub(crate) fn obj_mut(&mut self, id: ObjId) -> Result<ObjMut<'_, T>> {
        self.objects.get_mut(id).ok_or(GcError::StaleId(id))
    }

    /// The object's total reference count: edges pointing at it plus external references.
    /// Python's `sys.getrefcount(x)` reports one more, for its own argument: see
    /// [`getrefcount`](Heap::getrefcount). 0 while the object is being deallocated.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// assert_eq!(heap.refcount(x).unwrap(), 2); // our handle and l's edge
    /// ```
    pub fn refcount(&self, id: ObjId) -> Result<u32> {
        Ok(self.obj(id)?.refcount)
    }

    /// What Python's `sys.getrefcount(x)` prints: the reference count plus one, for the
    /// reference its argument holds while it runs.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// The seed: `a = [10, 20]; sys.getrefcount(a)` prints 2, and 3 after `b = a`.
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let list = heap.alloc("[10, 20]");
    /// heap.set_var("a", list).unwrap();
    /// heap.decref(list).unwrap();
    /// assert_eq!(heap.getrefcount(list).unwrap(), 2);
    /// heap.set_var("b", list).unwrap();
    /// assert_eq!(heap.getrefcount(list).unwrap(), 3);
    /// assert_eq!(heap.refcount(list).unwrap(), 2);
    /// ```
    pub fn getrefcount(&self, id: ObjId) -> Result<u32> {
        Ok(self.obj(id)?.refcount + 1)
    }

    /// The object's external references: program handles, variables, and the `garbage`
    /// list.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// heap.set_var("x", x).unwrap();
    /// assert_eq!(heap.external_count(x).unwrap(), 2); // our handle and the name
    /// ```
    pub fn external_count(&self, id: ObjId) -> Result<u32> {
        Ok(self.obj(id)?.body().external)
    }

    /// Whether `id` names a live object of this heap.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// assert!(heap.contains(x));
    /// heap.decref(x).unwrap();
    /// assert!(!heap.contains(x)); // and never again, even if the slot is reused
    /// ```
    pub fn contains(&self, id: ObjId) -> bool {
        self.objects.contains_key(id)
    }

    /// The number of live objects.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _x = heap.alloc(());
    /// assert_eq!(heap.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the heap has no live objects.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.decref(x).unwrap();
    /// assert!(heap.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The object's payload.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(String::from("hello"));
    /// assert_eq!(heap.payload(x).unwrap(), "hello");
    /// ```
    pub fn payload(&self, id: ObjId) -> Result<&T> {
        Ok(&self.obj(id)?.body().payload)
    }

    /// The object's payload, mutably. (Payloads hold no references, so changing one never
    /// changes a count.)
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(1);
    /// *heap.payload_mut(x).unwrap() += 1;
    /// assert_eq!(heap.payload(x).unwrap(), &2);
    /// ```
    pub fn payload_mut(&mut self, id: ObjId) -> Result<&mut T> {
        Ok(&mut self.obj_mut(id)?.into_body().payload)
    }

    /// Live objects and their payloads, in slot order.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let _a = heap.alloc("a");
    /// let _b = heap.alloc("b");
    /// let payloads: Vec<&str> = heap.iter().map(|(_, p)| *p).collect();
    /// assert_eq!(payloads, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (ObjId, &T)> + '_ {
        self.objects.iter().map(|(id, o)| (id, &o.body().payload))
    }

    /// Ids of the live objects, in slot order.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (a, b) = (heap.alloc(()), heap.alloc(()));
    /// assert_eq!(heap.ids().collect::<Vec<_>>(), vec![a, b]);
    /// ```
    pub fn ids(&self) -> impl Iterator<Item = ObjId> + '_ {
        self.objects.keys()
    }

    /// Whether the object is atomic (can never hold references).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let n = heap.alloc_atomic(());
    /// assert!(heap.is_atomic(n).unwrap());
    /// ```
    pub fn is_atomic(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::ATOMIC))
    }

    /// Whether the object is immutable (its edges were fixed at allocation).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let t = heap.alloc_immutable((), &[]).unwrap();
    /// assert!(heap.is_immutable(t).unwrap());
    /// ```
    pub fn is_immutable(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::IMMUTABLE))
    }

    /// The objects that hold an edge to `id`, each once, in slot order: a scan of the
    /// *whole heap*, frozen and untracked referrers included, for graph tools. Python's
    /// `gc.get_referrers`, which sees only the objects in generations, is
    /// [`get_referrers`](Heap::get_referrers).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// heap.freeze(); // still found: the whole heap is searched
    /// assert_eq!(heap.referrers(x).unwrap(), vec![l]);
    /// ```
    pub fn referrers(&self, id: ObjId) -> Result<Vec<ObjId>> {
        self.referrers_among(&[id], self.objects.iter().map(|(r, _)| r))
    }

    /// The search behind [`referrers`](Heap::referrers) (among every object) and
    /// [`get_referrers`](Heap::get_referrers) (among the objects in generations): those
    /// of `candidates` that hold an edge to any of `targets`, in `candidates`' order,
    /// once each if `candidates` names each object once. A strategy's own
    /// `get_referrers` passes the objects of its lists.
    ///
    /// # Errors
    /// [`GcError::StaleId`] for the first target that is not alive.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, m, x) = (heap.alloc(()), heap.alloc(()), heap.alloc(()));
    /// heap.link(l, x).unwrap();
    /// heap.link(m, x).unwrap();
    /// assert_eq!(heap.referrers_among(&[x], [m, x].into_iter()).unwrap(), vec![m]);
    /// ```
    pub fn referrers_among(
        &self,
        targets: &[ObjId],
        candidates: impl Iterator<Item = ObjId>,
    ) -> Result<Vec<ObjId>> {
        for &id in targets {
            self.obj(id)?;
        }
        // The targets are alive: a slot names each of them exactly.
        let slots: Vec<u32> = targets.iter().map(|&t| slot_of(t)).collect();
        Ok(candidates
            .filter(|&r| self.objects.by_id(r).edges().any(|t| slots.contains(&t)))
            .collect())
    }

    /// Counters since the heap was created.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.decref(x).unwrap();
    /// assert_eq!((heap.counters().allocations, heap.counters().frees_by_refcount), (1, 1));
    /// ```
    pub fn counters(&self) -> HeapCounters {
        // The store's own counts of objects stored and freed (every free is one by
        // reference count: the collector only breaks cycles), so the allocation and
        // release paths increment no counter of their own.
        HeapCounters {
            allocations: self.objects.inserted(),
            frees_by_refcount: self.objects.freed(),
            ..self.counters
        }
    }
}
