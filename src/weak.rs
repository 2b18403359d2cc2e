//! Weak references: handles that never keep their target alive.
//!
//! A weak reference is an entry of the heap's weak table. It targets one object, may
//! carry a callback, and is held either by the program (a plain [`WeakRef`] handle) or by
//! an *owner* object of the heap — the Python `weakref.ref` object itself, which can be
//! garbage in its own right. The entry exists exactly while its target is alive: when
//! the target dies (by refcount, or as cyclic garbage) every entry targeting it is
//! removed first and the callbacks run afterwards, most recently registered first
//! (CPython's `PyObject_ClearWeakRefs` and `handle_weakrefs`), so a callback always sees
//! its weak reference dead (`upgrade` returns `None`). When the owner dies first, the
//! entry goes with it and the callback never runs. A handle whose entry is gone reads
//! dead for ever, even after the table slot is reused (slot map keys are versioned). A
//! handle carries its heap's tag, so another heap recognises it as foreign.

use std::collections::HashMap;

use slotmap::SlotMap;

use crate::object::{ObjId, flags};
use crate::store::Store;

slotmap::new_key_type! {
    /// Key of an entry in the weak table.
    pub(crate) struct WeakKey;
}

/// A weak reference: reads as its target while the target lives, and as dead for ever
/// after. Create one with [`Heap::downgrade`](crate::Heap::downgrade); read it with [`Heap::upgrade`](crate::Heap::upgrade). It
/// belongs to the heap that issued it: another heap reads it as dead and refuses to
/// release it ([`GcError::ForeignWeakRef`](crate::GcError::ForeignWeakRef)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeakRef {
    pub(crate) key: WeakKey,
    /// The issuing heap's tag.
    pub(crate) heap: u32,
}

pub(crate) struct WeakEntry<F> {
    /// The object this reference reads as. Always alive while the entry exists.
    pub(crate) target: ObjId,
    /// The heap object holding this weak reference, or `None` when the program holds it.
    pub(crate) owner: Option<ObjId>,
    pub(crate) callback: Option<F>,
}

/// The heap's weak references and their indexes.
pub(crate) struct WeakTable<F> {
    pub(crate) entries: SlotMap<WeakKey, WeakEntry<F>>,
    /// Target → entries targeting it. An object has an entry here iff it has the
    /// `HAS_WEAKREFS` flag.
    pub(crate) by_target: HashMap<ObjId, Vec<WeakKey>>,
    /// Owner → entries it holds. An object has an entry here iff it has the
    /// `OWNS_WEAKREF` flag.
    pub(crate) by_owner: HashMap<ObjId, Vec<WeakKey>>,
}

impl<F> Default for WeakTable<F> {
    fn default() -> Self {
        WeakTable {
            entries: SlotMap::with_key(),
            by_target: HashMap::new(),
            by_owner: HashMap::new(),
        }
    }
}

impl<F> WeakTable<F> {
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

    pub(crate) fn verify<T>(&self, objects: &Store<T>) -> std::result::Result<(), String> {
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
        for (id, o) in objects.iter() {
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
    pub(crate) fn remove<T>(
        &mut self,
        key: WeakKey,
        objects: &mut Store<T>,
    ) -> Option<WeakEntry<F>> {
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

    pub(crate) fn unindex<T>(
        index: &mut HashMap<ObjId, Vec<WeakKey>>,
        id: ObjId,
        key: WeakKey,
        objects: &mut Store<T>,
        flag: u16,
    ) {
        if let Some(keys) = index.get_mut(&id) {
            keys.retain(|&k| k != key);
            if keys.is_empty() {
                index.remove(&id);
                if let Some(mut o) = objects.get_mut(id) {
                    o.flags &= !flag;
                }
            }
        }
    }
}
