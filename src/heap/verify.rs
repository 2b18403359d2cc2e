//! The consistency check: every count recounted from scratch.

use std::collections::HashMap;

use crate::error::VerifyError;
use crate::gc::{CycleCollector, Objects};
use crate::object::{ObjId, flags};
use crate::store::make_id;

use super::Heap;
use super::identity::native_slot;

impl<T, C: CycleCollector> Heap<T, C> {
    /// Recounts every reference from scratch and checks the heap's invariants:
    /// refcount = incoming edges + external references; external references ≥ those held
    /// by variables and the garbage list; every edge targets a live object; atomic objects
    /// have no edges; generation member lists and object headers agree; weak-reference
    /// tables are consistent. Linear in objects and edges (plus a hash map for counting).
    ///
    /// # Errors
    /// The first violation found, as a [`VerifyError`] naming the object.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.verify().unwrap();
    /// ```
    pub fn verify(&self) -> std::result::Result<(), VerifyError> {
        let mut incoming: HashMap<ObjId, u64> = HashMap::with_capacity(self.objects.len());
        for (id, obj) in self.objects.iter() {
            if obj.has(flags::ATOMIC) && obj.edge_count() > 0 {
                return Err(VerifyError::AtomicWithEdges(id));
            }
            for slot in obj.edges() {
                let Some(target) = self.objects.get_slot(slot) else {
                    return Err(VerifyError::EdgeToDead {
                        from: id,
                        to: self.objects.id_at(slot),
                    });
                };
                *incoming
                    .entry(make_id(slot, target.body().version))
                    .or_insert(0) += 1;
            }
        }
        let mut temp: HashMap<ObjId, u64> = HashMap::new();
        for &id in &self.rel.temp_refs {
            *temp.entry(id).or_insert(0) += 1;
        }
        for (id, obj) in self.objects.iter() {
            let inc = incoming.get(&id).copied().unwrap_or(0);
            let tmp = temp.get(&id).copied().unwrap_or(0);
            if u64::from(obj.refcount) != inc + u64::from(obj.body().external) + tmp {
                return Err(VerifyError::RefcountMismatch {
                    id,
                    refcount: obj.refcount,
                    incoming: inc,
                    external: obj.body().external,
                    temporary: tmp,
                });
            }
            if obj.refcount == 0
                && !self.rel.pending.contains(&id)
                && !self.rel.deferred.contains(&id)
                && !self.rel.dying.contains(&id)
            {
                return Err(VerifyError::ZeroCountAlive(id));
            }
            if obj.body().external < self.held_count(id) {
                return Err(VerifyError::ExternalBelowHeld {
                    id,
                    external: obj.body().external,
                    held: self.held_count(id),
                });
            }
        }
        for (&id, &n) in &self.held {
            if !self.objects.contains_key(id) || n == 0 {
                return Err(VerifyError::StaleHeldEntry(id));
            }
        }
        let vars_held = self.vars.values().count() + self.garbage.len();
        let held_total: u64 = self.held.values().map(|&n| u64::from(n)).sum();
        if held_total != vars_held as u64 {
            return Err(VerifyError::HeldTotalMismatch {
                held: held_total,
                expected: vars_held as u64,
            });
        }
        self.gc
            .check(Objects::new(&self.objects))
            .map_err(VerifyError::Collector)?;
        if !self.collecting
            && let Some((id, _)) = self.objects.iter().find(|(_, o)| o.is_collecting())
        {
            return Err(VerifyError::CollectingOutsideCollection(id));
        }
        for &id in &self.garbage {
            if !self.objects.contains_key(id) {
                return Err(VerifyError::GarbageListsDead(id));
            }
        }
        self.weak
            .verify(&self.objects)
            .map_err(VerifyError::WeakTable)?;
        for id in self.finalizers.keys() {
            match self.objects.get(id) {
                Some(o) if o.has(flags::HAS_FINALIZER) => {}
                _ => {
                    return Err(VerifyError::FlagTableMismatch {
                        id,
                        table: "finalizer",
                    });
                }
            }
        }
        self.verify_identities()?;
        for (id, obj) in self.objects.iter() {
            if obj.has(flags::HAS_FINALIZER) != self.finalizers.contains_key(id) {
                return Err(VerifyError::FlagTableMismatch {
                    id,
                    table: "finalizer",
                });
            }
            if obj.has(flags::HELD) != self.held.contains_key(&id) {
                return Err(VerifyError::FlagTableMismatch { id, table: "held" });
            }
            if obj.has(flags::HAS_IDENTITY) != self.identities.contains_key(id) {
                return Err(VerifyError::FlagTableMismatch {
                    id,
                    table: "identity",
                });
            }
            if obj.has(flags::HAS_LEGACY_CODE) && !obj.has(flags::LEGACY_FINALIZER) {
                return Err(VerifyError::LegacyCodeWithoutFlag(id));
            }
            if obj.has(flags::ATOMIC) && obj.is_tracked() {
                return Err(VerifyError::AtomicTracked(id));
            }
        }
        Ok(())
    }

    /// Identities are unique among live objects: every assigned identity is the one
    /// `by_identity` maps back to its object, and an assigned identity in the native
    /// range is not the native identity of another live object (one without an
    /// assigned identity, whose `id()` is its native one).
    fn verify_identities(&self) -> std::result::Result<(), VerifyError> {
        let mut claims = 0;
        for (id, &identity) in &self.identities {
            if let Some(&other) = self.by_identity.get(&identity)
                && other != id
                && self.identities.get(other) == Some(&identity)
            {
                return Err(VerifyError::SharedIdentity {
                    identity,
                    first: other,
                    second: id,
                });
            }
            if let Some(slot) = native_slot(identity) {
                claims += 1;
                if let Some(occupant) = u32::try_from(slot).ok().and_then(|s| {
                    self.objects
                        .get_slot(s)
                        .map(|o| make_id(s, o.body().version))
                }) && occupant != id
                    && !self.objects.by_id(occupant).has(flags::HAS_IDENTITY)
                {
                    return Err(VerifyError::SharedIdentity {
                        identity,
                        first: occupant,
                        second: id,
                    });
                }
            }
        }
        if claims != self.native_claims {
            return Err(VerifyError::NativeClaimCount {
                counted: claims,
                recorded: self.native_claims,
            });
        }
        Ok(())
    }
}
