//! Finalizers (PEP 442) and legacy finalizers (`tp_del`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::Result;
use crate::gc::{CycleCollector, GcEvent, panic_message};
use crate::heap::Heap;
use crate::object::{ObjId, flags};

impl<T, C: CycleCollector> Heap<T, C> {
    /// Attaches a finalizer to `id` (Python's `__del__`). It runs when the object's count
    /// reaches zero, or when a collection finds it in unreachable garbage; in both cases
    /// the heap holds a temporary reference to the object while it runs, so the object
    /// is intact even if the finalizer breaks its own cycle. It gets the heap and the
    /// id, and may do anything: read the object, allocate, release references, collect,
    /// register weak references and finalizers, and link the object or anything it
    /// reaches into live data, which resurrects them (they survive with the same ids).
    /// A panic in it is caught and recorded as a [`GcEvent::FinalizerPanicked`].
    ///
    /// It runs at most once per object, ever (PEP 442), except on atomic objects: as
    /// CPython's `PyObject_CallFinalizer` marks "finalized" only on objects of GC types,
    /// the finalizer of an atomic object (a non-GC type) that resurrects it runs again
    /// on its next death.
    ///
    /// Returns `false` (and drops `finalizer`) when the object was already finalized, as
    /// its finalizer can never run again; attaching to an object that has an unrun
    /// finalizer replaces it.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId),
    /// [`GcError::BeingDeallocated`](crate::GcError::BeingDeallocated).
    ///
    /// # Examples
    /// A finalizer that resurrects its object by binding it to a name:
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("phoenix");
    /// heap.link(a, a).unwrap();                     // a self-cycle
    /// heap.set_finalizer(a, |heap, me| heap.set_var("saved", me).unwrap()).unwrap();
    /// heap.decref(a).unwrap();
    /// let report = heap.collect_full();
    /// assert_eq!((report.collected, report.resurrected), (0, 1));
    /// assert_eq!(heap.get_var("saved"), Some(a));   // same id
    /// assert!(heap.is_finalized(a).unwrap());
    /// heap.del_var("saved").unwrap();
    /// assert_eq!(heap.collect_full().collected, 1); // the finalizer does not run again
    /// ```
    pub fn set_finalizer(
        &mut self,
        id: ObjId,
        finalizer: impl FnMut(&mut Heap<T, C>, ObjId) + 'static,
    ) -> Result<bool> {
        if self.obj_alive(id)?.has(flags::FINALIZED) {
            return Ok(false);
        }
        self.objects.by_id_mut(id).flags |= flags::HAS_FINALIZER;
        self.finalizers.insert(id, Box::new(finalizer));
        Ok(true)
    }

    /// Removes an unrun finalizer; returns whether there was one.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.set_finalizer(a, |_, _| panic!("never runs")).unwrap();
    /// assert!(heap.clear_finalizer(a).unwrap());
    /// heap.decref(a).unwrap();
    /// assert!(heap.events().is_empty());
    /// ```
    pub fn clear_finalizer(&mut self, id: ObjId) -> Result<bool> {
        let mut obj = self.obj_mut(id)?;
        obj.flags &= !flags::HAS_FINALIZER;
        Ok(self.finalizers.remove(id).is_some())
    }

    /// Whether the object has an unrun finalizer.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.set_finalizer(a, |_, _| {}).unwrap();
    /// assert!(heap.has_finalizer(a).unwrap());
    /// ```
    pub fn has_finalizer(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::HAS_FINALIZER))
    }

    /// Whether the object's finalizer has run (Python's `gc.is_finalized`).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.set_finalizer(a, |heap, me| heap.set_var("saved", me).unwrap()).unwrap();
    /// heap.decref(a).unwrap(); // the finalizer runs and resurrects a
    /// assert!(heap.is_finalized(a).unwrap()); // gc.is_finalized
    /// ```
    pub fn is_finalized(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::FINALIZED))
    }

    /// Flags the object with a legacy finalizer (CPython's `tp_del`, before Python 3.4),
    /// or removes the flag (and any legacy-finalizer code). A garbage cycle containing
    /// such an object is uncollectable: the object goes to [`garbage`](Heap::garbage),
    /// and everything it reaches in the garbage is kept alive with it (counted
    /// uncollectable, not listed), as CPython's `handle_legacy_finalizers` does. To give
    /// the legacy finalizer code, use
    /// [`set_legacy_finalizer_code`](Heap::set_legacy_finalizer_code).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId),
    /// [`GcError::BeingDeallocated`](crate::GcError::BeingDeallocated).
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    /// heap.link(a, b).unwrap();
    /// heap.link(b, a).unwrap();
    /// heap.set_legacy_finalizer(a, true).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.decref(b).unwrap();
    /// let report = heap.collect_full();
    /// assert_eq!((report.collected, report.uncollectable), (0, 2));
    /// assert_eq!(heap.garbage(), &[a]); // only the object with the legacy finalizer
    /// ```
    pub fn set_legacy_finalizer(&mut self, id: ObjId, on: bool) -> Result<()> {
        self.obj_alive(id)?;
        let mut obj = self.objects.by_id_mut(id);
        if on {
            obj.flags |= flags::LEGACY_FINALIZER;
            self.legacy_ever = true;
        } else {
            obj.flags &= !(flags::LEGACY_FINALIZER | flags::HAS_LEGACY_CODE);
            self.legacy.remove(&id);
        }
        Ok(())
    }

    /// Gives the object a legacy finalizer with code (CPython's `tp_del`): the object is
    /// flagged as by [`set_legacy_finalizer`](Heap::set_legacy_finalizer), and `code`
    /// runs on *every* refcount death of the object (there is no "finalized" mark for
    /// `tp_del`), after its weak references were cleared, with a temporary reference
    /// held; if it resurrects the object, the object lives on (tracked in generation 0)
    /// and the code runs again on its next death. In a garbage cycle it never runs: the
    /// cycle is uncollectable. A panic in it is caught and recorded as a
    /// [`GcEvent::FinalizerPanicked`]. Replaces earlier code.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId),
    /// [`GcError::BeingDeallocated`](crate::GcError::BeingDeallocated).
    ///
    /// # Examples
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let runs = Rc::new(Cell::new(0));
    /// let r = runs.clone();
    /// let x = heap.alloc("x");
    /// heap.set_legacy_finalizer_code(x, move |heap, me| {
    ///     r.set(r.get() + 1);
    ///     if r.get() == 1 {
    ///         heap.set_var("saved", me).unwrap(); // resurrect once
    ///     }
    /// })
    /// .unwrap();
    /// heap.decref(x).unwrap();
    /// assert!(heap.contains(x));
    /// heap.del_var("saved").unwrap();           // its next death runs it again
    /// assert_eq!(runs.get(), 2);
    /// assert!(!heap.contains(x));
    /// ```
    pub fn set_legacy_finalizer_code(
        &mut self,
        id: ObjId,
        code: impl FnMut(&mut Heap<T, C>, ObjId) + 'static,
    ) -> Result<()> {
        self.obj_alive(id)?;
        self.objects.by_id_mut(id).flags |= flags::LEGACY_FINALIZER | flags::HAS_LEGACY_CODE;
        self.legacy_ever = true;
        self.legacy.insert(id, Box::new(code));
        Ok(())
    }

    /// Whether the object is flagged with a legacy finalizer.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.set_legacy_finalizer(a, true).unwrap();
    /// assert!(heap.has_legacy_finalizer(a).unwrap());
    /// ```
    pub fn has_legacy_finalizer(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::LEGACY_FINALIZER))
    }

    /// Runs `id`'s finalizer if it has an unrun one: marks it finalized first (so it can
    /// never run twice, even if it panics or re-enters), then calls it, catching panics.
    /// An atomic object is not marked: its finalizer is registered again afterwards
    /// (unless the finalizer registered another one itself), so it runs on its next
    /// death too (CPython's `PyObject_CallFinalizer` on a non-GC type).
    pub(crate) fn run_finalizer(&mut self, id: ObjId) {
        let Some(mut finalizer) = self.finalizers.remove(id) else {
            return;
        };
        let atomic = self.objects.by_id(id).has(flags::ATOMIC);
        let mut obj = self.objects.by_id_mut(id);
        obj.flags &= !flags::HAS_FINALIZER;
        if !atomic {
            obj.flags |= flags::FINALIZED;
        }
        self.counters.finalizers_run += 1;
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| finalizer(self, id))) {
            self.events.push(GcEvent::FinalizerPanicked {
                id,
                message: panic_message(&panic),
            });
        }
        if atomic
            && let Some(mut obj) = self.objects.get_mut(id)
            && !obj.has(flags::HAS_FINALIZER)
            && !self.finalizers.contains_key(id)
        {
            obj.flags |= flags::HAS_FINALIZER;
            self.finalizers.insert(id, finalizer);
        }
    }

    /// Runs `id`'s legacy-finalizer code, catching panics; it stays registered.
    pub(crate) fn run_legacy_finalizer(&mut self, id: ObjId) {
        let Some(mut code) = self.legacy.remove(&id) else {
            return;
        };
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| code(self, id))) {
            self.events.push(GcEvent::FinalizerPanicked {
                id,
                message: panic_message(&panic),
            });
        }
        if self
            .objects
            .get(id)
            .is_some_and(|o| o.has(flags::HAS_LEGACY_CODE))
            && !self.legacy.contains_key(&id)
        {
            self.legacy.insert(id, code);
        }
    }
}
