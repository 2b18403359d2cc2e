//! Weak references: handles that never keep their target alive.
//!
//! A weak reference is an entry of the heap's weak table. It targets one object, may
//! carry a callback, and is held either by the program (a plain [`WeakRef`] handle) or by
//! an *owner* object of the heap — the Python `weakref.ref` object itself, which can be
//! garbage in its own right. The entry exists exactly while its target is alive: when
//! the target dies (by refcount, or as cyclic garbage) the entry is removed first and the
//! callback, if any, runs afterwards, so a callback always sees its weak reference dead
//! (`upgrade` returns `None`). When the owner dies first, the entry goes with it and the
//! callback never runs. A handle whose entry is gone reads dead for ever, even after the
//! table slot is reused (slot map keys are versioned).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use slotmap::SlotMap;

use crate::error::Result;
use crate::gc::GcEvent;
use crate::heap::Heap;
use crate::object::{ObjId, Object, flags};

slotmap::new_key_type! {
    /// Key of an entry in the weak table.
    struct WeakKey;
}

/// A weak reference: reads as its target while the target lives, and as dead for ever
/// after. Create one with [`Heap::downgrade`]; read it with [`Heap::upgrade`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeakRef(WeakKey);

/// A weak-reference callback: runs once, after the target died and the reference was
/// cleared, with the heap and the (now dead) weak reference.
pub type WeakCallback<T> = Box<dyn FnMut(&mut Heap<T>, WeakRef)>;

struct WeakEntry<T> {
    /// The object this reference reads as. Always alive while the entry exists.
    target: ObjId,
    /// The heap object holding this weak reference, or `None` when the program holds it.
    owner: Option<ObjId>,
    callback: Option<WeakCallback<T>>,
}

/// The heap's weak references and their indexes.
pub(crate) struct WeakTable<T> {
    entries: SlotMap<WeakKey, WeakEntry<T>>,
    /// Target → entries targeting it. An object has an entry here iff it has the
    /// `HAS_WEAKREFS` flag.
    by_target: HashMap<ObjId, Vec<WeakKey>>,
    /// Owner → entries it holds. An object has an entry here iff it has the
    /// `OWNS_WEAKREF` flag.
    by_owner: HashMap<ObjId, Vec<WeakKey>>,
}

impl<T> Default for WeakTable<T> {
    fn default() -> Self {
        WeakTable {
            entries: SlotMap::with_key(),
            by_target: HashMap::new(),
            by_owner: HashMap::new(),
        }
    }
}

impl<T> WeakTable<T> {
    /// Whether any weak reference exists (collections skip their weak-reference step
    /// otherwise).
    #[inline]
    pub(crate) fn has_any(&self) -> bool {
        !self.entries.is_empty()
    }

    /// How many weak references exist.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn verify(
        &self,
        objects: &SlotMap<ObjId, Object<T>>,
    ) -> std::result::Result<(), String> {
        for (_, e) in &self.entries {
            let Some(t) = objects.get(e.target) else {
                return Err(format!("weak reference to dead object {}", e.target));
            };
            if !t.has(flags::HAS_WEAKREFS) {
                return Err(format!(
                    "object {} is weakly referenced without the flag",
                    e.target
                ));
            }
            if let Some(owner) = e.owner {
                match objects.get(owner) {
                    Some(o) if o.has(flags::OWNS_WEAKREF) => {}
                    _ => return Err(format!("weak reference owned by dead or unflagged {owner}")),
                }
            }
        }
        for (id, o) in objects {
            if o.has(flags::HAS_WEAKREFS) != self.by_target.contains_key(&id) {
                return Err(format!("object {id}: weak-target flag and index disagree"));
            }
            if o.has(flags::OWNS_WEAKREF) != self.by_owner.contains_key(&id) {
                return Err(format!("object {id}: weak-owner flag and index disagree"));
            }
        }
        Ok(())
    }

    /// Removes entry `key` from both indexes and clears the flags of objects left with
    /// none. Returns the entry.
    fn remove(
        &mut self,
        key: WeakKey,
        objects: &mut SlotMap<ObjId, Object<T>>,
    ) -> Option<WeakEntry<T>> {
        let entry = self.entries.remove(key)?;
        Self::unindex(
            &mut self.by_target,
            entry.target,
            key,
            objects,
            flags::HAS_WEAKREFS,
        );
        if let Some(owner) = entry.owner {
            Self::unindex(&mut self.by_owner, owner, key, objects, flags::OWNS_WEAKREF);
        }
        Some(entry)
    }

    fn unindex(
        index: &mut HashMap<ObjId, Vec<WeakKey>>,
        id: ObjId,
        key: WeakKey,
        objects: &mut SlotMap<ObjId, Object<T>>,
        flag: u16,
    ) {
        if let Some(keys) = index.get_mut(&id) {
            keys.retain(|&k| k != key);
            if keys.is_empty() {
                index.remove(&id);
                if let Some(o) = objects.get_mut(id) {
                    o.flags &= !flag;
                }
            }
        }
    }
}

impl<T> Heap<T> {
    /// A weak reference to `id`, held by the program, with no callback.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
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
    /// `id` dies (after the reference was cleared).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
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
        callback: impl FnMut(&mut Heap<T>, WeakRef) + 'static,
    ) -> Result<WeakRef> {
        self.new_weakref(id, None, Some(Box::new(callback)))
    }

    /// A weak reference to `target` held by the heap object `owner` (the Python
    /// `weakref.ref` object). If `owner` dies first, the reference goes with it and its
    /// callback never runs; if `owner` is part of the same garbage as `target`, the
    /// callback never runs either (CPython's rule).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId) for either id.
    pub fn attach_weakref(
        &mut self,
        owner: ObjId,
        target: ObjId,
        callback: Option<WeakCallback<T>>,
    ) -> Result<WeakRef> {
        self.obj(owner)?;
        self.new_weakref(target, Some(owner), callback)
    }

    fn new_weakref(
        &mut self,
        target: ObjId,
        owner: Option<ObjId>,
        callback: Option<WeakCallback<T>>,
    ) -> Result<WeakRef> {
        self.obj(target)?;
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
        Ok(WeakRef(key))
    }

    /// The weak reference's target while it is alive, `None` once it died (or its
    /// reference was cleared by a collection that found it garbage).
    pub fn upgrade(&self, weak: WeakRef) -> Option<ObjId> {
        self.weak.entries.get(weak.0).map(|e| e.target)
    }

    /// Forgets a program-held weak reference (its callback will not run). Returns whether
    /// it was still registered.
    pub fn release_weakref(&mut self, weak: WeakRef) -> bool {
        self.weak.remove(weak.0, &mut self.objects).is_some()
    }

    /// How many weak references target `id` (Python's `weakref.getweakrefcount`).
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId).
    pub fn weakref_count(&self, id: ObjId) -> Result<usize> {
        self.obj(id)?;
        Ok(self.weak.by_target.get(&id).map_or(0, Vec::len))
    }

    /// Removes every weak reference to `id` (which is dying by refcount), then runs
    /// their callbacks, all after every reference to `id` is cleared.
    pub(crate) fn clear_weakrefs_to(&mut self, id: ObjId) {
        let callbacks = self.take_weakrefs_to(id, |_, _| true);
        self.run_weak_callbacks(callbacks);
    }

    /// Removes every weak reference to `id` and returns the callbacks that should run:
    /// those of references whose owner passes `owner_ok` (program-held references always
    /// do).
    pub(crate) fn take_weakrefs_to(
        &mut self,
        id: ObjId,
        owner_ok: impl Fn(&Self, ObjId) -> bool,
    ) -> Vec<(WeakRef, WeakCallback<T>)> {
        let keys = self.weak.by_target.get(&id).cloned().unwrap_or_default();
        let mut callbacks = Vec::new();
        for key in keys {
            let Some(entry) = self.weak.remove(key, &mut self.objects) else {
                continue;
            };
            if let Some(cb) = entry.callback {
                if entry.owner.is_none_or(|o| owner_ok(self, o)) {
                    callbacks.push((WeakRef(key), cb));
                }
            }
        }
        callbacks
    }

    /// Runs weak-reference callbacks, catching panics as unraisable events.
    pub(crate) fn run_weak_callbacks(&mut self, callbacks: Vec<(WeakRef, WeakCallback<T>)>) {
        for (weak, mut cb) in callbacks {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| cb(self, weak))) {
                self.events.push(GcEvent::WeakCallbackPanicked {
                    message: crate::gc::panic_message(&panic),
                });
            }
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
