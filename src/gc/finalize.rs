//! Finalizers (PEP 442) and legacy finalizers (`tp_del`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::Result;
use crate::gc::{GcEvent, panic_message};
use crate::heap::Heap;
use crate::object::{ObjId, flags};

impl<T> Heap<T> {
    /// Attaches a finalizer to `id` (Python's `__del__`). It runs at most once per
    /// object, ever: when the object's count reaches zero, or when a collection finds it
    /// in unreachable garbage. It gets the heap and the id, and may read the object,
    /// allocate, and link the object or anything it reaches into live data: that
    /// resurrects them, and they survive with the same ids. A panic in it is caught and
    /// recorded as a [`GcEvent::FinalizerPanicked`].
    ///
    /// Returns `false` (and drops `finalizer`) when the object was already finalized, as
    /// its finalizer can never run again; attaching to an object that has an unrun
    /// finalizer replaces it.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
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
        finalizer: impl FnMut(&mut Heap<T>, ObjId) + 'static,
    ) -> Result<bool> {
        let obj = self.obj_mut(id)?;
        if obj.has(flags::FINALIZED) {
            return Ok(false);
        }
        obj.flags |= flags::HAS_FINALIZER;
        self.finalizers.insert(id, Box::new(finalizer));
        Ok(true)
    }

    /// Removes an unrun finalizer; returns whether there was one.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    pub fn clear_finalizer(&mut self, id: ObjId) -> Result<bool> {
        let obj = self.obj_mut(id)?;
        obj.flags &= !flags::HAS_FINALIZER;
        Ok(self.finalizers.remove(&id).is_some())
    }

    /// Whether the object has an unrun finalizer.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    pub fn has_finalizer(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::HAS_FINALIZER))
    }

    /// Whether the object's finalizer has run (Python's `gc.is_finalized`).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    pub fn is_finalized(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::FINALIZED))
    }

    /// Flags the object with a legacy finalizer (CPython's `tp_del`, before Python 3.4):
    /// a garbage cycle containing it, and everything it reaches, is uncollectable and goes
    /// to [`garbage`](Heap::garbage).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
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
    /// assert_eq!(heap.garbage().len(), 2);
    /// ```
    pub fn set_legacy_finalizer(&mut self, id: ObjId, on: bool) -> Result<()> {
        let obj = self.obj_mut(id)?;
        if on {
            obj.flags |= flags::LEGACY_FINALIZER;
        } else {
            obj.flags &= !flags::LEGACY_FINALIZER;
        }
        Ok(())
    }

    /// Whether the object is flagged with a legacy finalizer.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    pub fn has_legacy_finalizer(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.has(flags::LEGACY_FINALIZER))
    }

    /// Runs `id`'s finalizer if it has an unrun one: marks it finalized first (so it can
    /// never run twice, even if it panics or re-enters), then calls it, catching panics.
    pub(crate) fn run_finalizer(&mut self, id: ObjId) {
        let Some(mut finalizer) = self.finalizers.remove(&id) else {
            return;
        };
        let obj = &mut self.objects[id];
        obj.flags = (obj.flags & !flags::HAS_FINALIZER) | flags::FINALIZED;
        self.counters.finalizers_run += 1;
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| finalizer(self, id))) {
            self.events.push(GcEvent::FinalizerPanicked {
                id,
                message: panic_message(&panic),
            });
        }
    }
}
