//! The heap's weak-reference API (Python's `weakref` module): creating, reading and
//! releasing weak references, and clearing them when their target dies. The table
//! itself is [`crate::weak`]; this file is the heap's side of it.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{GcError, Result};
use crate::gc::{CycleCollector, GcEvent};
use crate::heap::{Heap, WeakCallback};
use crate::object::{ObjId, flags};
use crate::weak::{WeakEntry, WeakRef};

impl<T, C: CycleCollector> Heap<T, C> {
    /// A weak reference to `id`, held by the program, with no callback.
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::BeingDeallocated`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// let w = heap.downgrade(x).unwrap();
    /// assert_eq!(heap.upgrade(w), Some(x));
    /// heap.decref(x).unwrap(); // the weak reference does not keep x alive
    /// assert_eq!(heap.upgrade(w), None);
    /// ```
    pub fn downgrade(&mut self, id: ObjId) -> Result<WeakRef> {
        self.new_weakref(id, None, None)
    }

    /// A weak reference to `id`, held by the program, whose `callback` runs once when
    /// `id` dies (after the reference was cleared). Callbacks of one object run most
    /// recently registered first. A callback is user code and may do anything a
    /// finalizer may: allocate, release, collect (inside a collection that does nothing),
    /// register weak references and finalizers on live objects.
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::BeingDeallocated`].
    ///
    /// # Examples
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// let saw_dead = Rc::new(Cell::new(false));
    /// let flag = saw_dead.clone();
    /// heap.downgrade_with_callback(x, move |heap, w| flag.set(heap.upgrade(w).is_none())).unwrap();
    /// heap.decref(x).unwrap();
    /// assert!(saw_dead.get());
    /// ```
    pub fn downgrade_with_callback(
        &mut self,
        id: ObjId,
        callback: impl FnMut(&mut Heap<T, C>, WeakRef) + 'static,
    ) -> Result<WeakRef> {
        self.new_weakref(id, None, Some(Box::new(callback)))
    }

    /// A weak reference to `target` held by the heap object `owner` (the Python
    /// `weakref.ref` object). If `owner` dies first, the reference goes with it and its
    /// callback never runs; if `owner` is part of the same garbage as `target`, the
    /// callback never runs either (CPython's rule).
    ///
    /// While its callback runs (its target died, the owner did not), the heap holds a
    /// temporary reference to the owner, as CPython holds the `weakref` object; in a
    /// collection, an owner freed when that reference is given back counts as collected
    /// (CPython's `handle_weakrefs`).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::BeingDeallocated`] for either id.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let target = heap.alloc(());
    /// let wr = heap.alloc(()); // the weakref.ref object, an object of the heap
    /// let w = heap.attach_weakref(wr, target, None).unwrap();
    /// assert_eq!(heap.upgrade(w), Some(target));
    /// heap.decref(wr).unwrap(); // the owner dies first: the reference goes with it
    /// assert_eq!(heap.upgrade(w), None);
    /// ```
    pub fn attach_weakref(
        &mut self,
        owner: ObjId,
        target: ObjId,
        callback: Option<WeakCallback<T, C>>,
    ) -> Result<WeakRef> {
        self.obj_alive(owner)?;
        self.new_weakref(target, Some(owner), callback)
    }

    fn new_weakref(
        &mut self,
        target: ObjId,
        owner: Option<ObjId>,
        callback: Option<WeakCallback<T, C>>,
    ) -> Result<WeakRef> {
        self.obj_alive(target)?;
        let key = self.weak.entries.insert(WeakEntry {
            target,
            owner,
            callback,
        });
        self.weak.by_target.entry(target).or_default().push(key);
        self.objects[target].flags |= flags::HAS_WEAKREFS;
        if let Some(owner) = owner {
            self.weak.by_owner.entry(owner).or_default().push(key);
            self.objects[owner].flags |= flags::OWNS_WEAKREF;
        }
        Ok(WeakRef {
            key,
            heap: self.tag,
        })
    }

    /// The weak reference's target while it is alive, `None` once it died (or its
    /// reference was cleared by a collection that found it garbage). A target whose
    /// count reached zero reads as dead already (CPython's `PyWeakref_GET_OBJECT`). A
    /// weak reference of another heap reads as dead: [`try_upgrade`](Heap::try_upgrade)
    /// tells the two apart.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// let w = heap.downgrade(x).unwrap();
    /// assert_eq!(heap.upgrade(w), Some(x)); // w()
    /// heap.decref(x).unwrap();
    /// assert_eq!(heap.upgrade(w), None);
    /// ```
    pub fn upgrade(&self, weak: WeakRef) -> Option<ObjId> {
        if weak.heap != self.tag {
            return None;
        }
        let target = self.weak.entries.get(weak.key)?.target;
        (self.objects[target].refcount > 0).then_some(target)
    }

    /// [`upgrade`](Heap::upgrade), refusing a weak reference of another heap.
    ///
    /// # Errors
    /// [`GcError::ForeignWeakRef`].
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcError, Heap};
    /// let (mut a, mut b) = (Heap::new(), Heap::new());
    /// let x = a.alloc(());
    /// let w = a.downgrade(x).unwrap();
    /// let _y = b.alloc(());
    /// assert_eq!(a.try_upgrade(w), Ok(Some(x)));
    /// assert_eq!(b.try_upgrade(w), Err(GcError::ForeignWeakRef));
    /// assert_eq!(b.release_weakref(w), Err(GcError::ForeignWeakRef));
    /// ```
    pub fn try_upgrade(&self, weak: WeakRef) -> Result<Option<ObjId>> {
        if weak.heap != self.tag {
            return Err(GcError::ForeignWeakRef);
        }
        Ok(self.upgrade(weak))
    }

    /// Forgets a program-held weak reference (its callback will not run). Returns whether
    /// it was still registered.
    ///
    /// # Errors
    /// [`GcError::ForeignWeakRef`] for a weak reference of another heap (nothing changes).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// let w = heap.downgrade_with_callback(x, |_, _| panic!("never runs")).unwrap();
    /// assert_eq!(heap.release_weakref(w), Ok(true)); // del w
    /// heap.decref(x).unwrap();
    /// assert!(heap.events().is_empty());
    /// ```
    pub fn release_weakref(&mut self, weak: WeakRef) -> Result<bool> {
        if weak.heap != self.tag {
            return Err(GcError::ForeignWeakRef);
        }
        Ok(self.weak.remove(weak.key, &mut self.objects).is_some())
    }

    /// How many weak references target `id` (Python's `weakref.getweakrefcount`).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// let _w1 = heap.downgrade(x).unwrap();
    /// let _w2 = heap.downgrade(x).unwrap();
    /// assert_eq!(heap.weakref_count(x).unwrap(), 2);
    /// ```
    pub fn weakref_count(&self, id: ObjId) -> Result<usize> {
        self.obj(id)?;
        Ok(self.weak.by_target.get(&id).map_or(0, Vec::len))
    }

    /// The heap objects holding weak references to `id` (the owners given to
    /// [`attach_weakref`](Heap::attach_weakref)), oldest first; weak references the
    /// program holds itself have no owner and are not listed. An embedder reads its
    /// weak-reference objects from it, as Python's `obj.__weakref__` and
    /// `weakref.getweakrefs(obj)` do.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<&str> = Heap::new();
    /// let x = heap.alloc("target");
    /// let (r1, r2) = (heap.alloc("ref 1"), heap.alloc("ref 2"));
    /// heap.attach_weakref(r1, x, None).unwrap();
    /// let _program_held = heap.downgrade(x).unwrap();
    /// heap.attach_weakref(r2, x, None).unwrap();
    /// assert_eq!(heap.weakref_owners(x).unwrap(), vec![r1, r2]);
    /// assert_eq!(heap.weakref_count(x).unwrap(), 3);
    /// ```
    pub fn weakref_owners(&self, id: ObjId) -> Result<Vec<ObjId>> {
        self.obj(id)?;
        Ok(self.weak.by_target.get(&id).map_or_else(Vec::new, |keys| {
            keys.iter()
                .filter_map(|&k| self.weak.entries.get(k).and_then(|e| e.owner))
                .collect()
        }))
    }

    /// Removes every weak reference to `id` (which is dying by refcount), then runs
    /// their callbacks, most recent first, all after every reference to `id` is cleared
    /// (CPython's `PyObject_ClearWeakRefs`). Owners being deallocated get no callback;
    /// the others are held by a temporary reference until every callback has run.
    pub(crate) fn clear_weakrefs_to(&mut self, id: ObjId) {
        let callbacks = self.take_weakrefs_to(id, |heap, owner| heap.objects[owner].refcount > 0);
        for &(_, _, owner) in &callbacks {
            if let Some(owner) = owner {
                self.take_temp_ref(owner);
            }
        }
        let mut owners = Vec::new();
        for (weak, cb, owner) in callbacks {
            self.run_weak_callback(weak, cb);
            owners.extend(owner);
        }
        for owner in owners {
            self.drop_temp_ref(owner);
        }
    }

    /// Removes every weak reference to `id` and returns the callbacks that should run,
    /// most recently registered first, with their owners: those of references whose
    /// owner passes `owner_ok` (program-held references always do).
    pub(crate) fn take_weakrefs_to(
        &mut self,
        id: ObjId,
        owner_ok: impl Fn(&Self, ObjId) -> bool,
    ) -> Vec<(WeakRef, WeakCallback<T, C>, Option<ObjId>)> {
        let keys = self.weak.by_target.get(&id).cloned().unwrap_or_default();
        let mut callbacks = Vec::new();
        for key in keys.into_iter().rev() {
            let Some(entry) = self.weak.remove(key, &mut self.objects) else {
                continue;
            };
            if let Some(cb) = entry.callback
                && entry.owner.is_none_or(|o| owner_ok(self, o))
            {
                let weak = WeakRef {
                    key,
                    heap: self.tag,
                };
                callbacks.push((weak, cb, entry.owner));
            }
        }
        callbacks
    }

    /// Runs one weak-reference callback, catching a panic as an unraisable event.
    pub(crate) fn run_weak_callback(&mut self, weak: WeakRef, mut cb: WeakCallback<T, C>) {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| cb(self, weak))) {
            self.events.push(GcEvent::WeakCallbackPanicked {
                message: crate::gc::panic_message(&panic),
            });
        }
    }

    /// Removes the weak references held by `owner` (which is dying); their callbacks never
    /// run.
    pub(crate) fn drop_owned_weakrefs(&mut self, owner: ObjId) {
        let keys = self.weak.by_owner.get(&owner).cloned().unwrap_or_default();
        for key in keys {
            self.weak.remove(key, &mut self.objects);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Heap;

    #[test]
    fn weakref_reads_dead_after_slot_reuse() {
        let mut heap = Heap::new();
        let x = heap.alloc(1);
        let w = heap.downgrade(x).unwrap();
        heap.decref(x).unwrap();
        let y = heap.alloc(2); // reuses x's slot
        let w2 = heap.downgrade(y).unwrap(); // reuses w's table slot
        assert_eq!(heap.upgrade(w), None);
        assert_eq!(heap.upgrade(w2), Some(y));
        heap.verify().unwrap();
    }

    #[test]
    fn owner_dying_first_drops_the_callback() {
        let mut heap = Heap::new();
        let target = heap.alloc(0);
        let owner = heap.alloc(1);
        let ran = std::rc::Rc::new(std::cell::Cell::new(false));
        let r = ran.clone();
        let w = heap
            .attach_weakref(owner, target, Some(Box::new(move |_, _| r.set(true))))
            .unwrap();
        heap.decref(owner).unwrap();
        assert_eq!(heap.upgrade(w), None);
        heap.decref(target).unwrap();
        assert!(!ran.get());
        heap.verify().unwrap();
    }
}
