//! Import (validation, then building a [`Heap`]) and export ([`SnapshotExt`]).
//!
//! Import is all or nothing: [`Snapshot::validate`] checks the whole snapshot before
//! anything is built.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{FORMAT, Snapshot, SnapshotError, SnapshotObject, TypeLabel};
use crate::{GcConfig, GcError, Heap, MAX_REFCOUNT, ObjId};

impl Snapshot {
    /// Checks everything an import needs: the format string, unique ids, refcounts in
    /// `1..=MAX_REFCOUNT`, every referent present, no negative external count, and every
    /// `expected_unreachable` id present. Returns each object's external count, in file
    /// order.
    ///
    /// # Errors
    /// The first problem found, naming the object.
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotError};
    /// let json = r#"{"format": "gclab-snapshot/1",
    ///   "objects": [{"id": 1, "type": "list", "refcount": 1, "referents": [2, 2]},
    ///               {"id": 2, "type": "dict", "refcount": 1}]}"#;
    /// let err = Snapshot::from_json_str(json).unwrap().validate().unwrap_err();
    /// assert_eq!(err, SnapshotError::NegativeExternal { id: 2, refcount: 1, internal: 2 });
    /// ```
    pub fn validate(&self) -> Result<Vec<u64>, SnapshotError> {
        Ok(self.plan()?.external)
    }

    /// Validation, keeping what building needs: external counts and the referents
    /// resolved to file positions.
    fn plan(&self) -> Result<Plan, SnapshotError> {
        if self.format != FORMAT {
            return Err(SnapshotError::WrongFormat(self.format.clone()));
        }
        let n = self.objects.len();
        let mut index = IdIndex::with_capacity_and_hasher(n, Default::default());
        for (i, o) in self.objects.iter().enumerate() {
            if index.insert(o.id, i as u32).is_some() {
                return Err(SnapshotError::DuplicateId(o.id));
            }
            if o.refcount == 0 {
                return Err(SnapshotError::ZeroRefcount(o.id));
            }
            if o.refcount > u64::from(MAX_REFCOUNT) {
                return Err(SnapshotError::RefcountTooLarge {
                    id: o.id,
                    refcount: o.refcount,
                });
            }
        }
        let edge_count = self.objects.iter().map(|o| o.referents.len()).sum();
        let mut targets = Vec::with_capacity(edge_count);
        let mut internal = vec![0u64; n];
        for o in &self.objects {
            for &r in &o.referents {
                let &t = index.get(&r).ok_or(SnapshotError::MissingReferent {
                    id: o.id,
                    referent: r,
                })?;
                internal[t as usize] += 1;
                targets.push(t);
            }
        }
        let mut external = Vec::with_capacity(n);
        for (o, &inner) in self.objects.iter().zip(&internal) {
            match o.refcount.checked_sub(inner) {
                Some(e) => external.push(e),
                None => {
                    return Err(SnapshotError::NegativeExternal {
                        id: o.id,
                        refcount: o.refcount,
                        internal: inner,
                    });
                }
            }
        }
        if let Some(expected) = &self.expected_unreachable {
            if let Some(&id) = expected.iter().find(|id| !index.contains_key(id)) {
                return Err(SnapshotError::UnknownExpected(id));
            }
        }
        Ok(Plan {
            external,
            targets,
            index,
        })
    }
}

/// What validation computed, used by the build.
struct Plan {
    /// External count per object, in file order.
    external: Vec<u64>,
    /// Every referent of every object, resolved to its file position, concatenated in
    /// file order.
    targets: Vec<u32>,
    /// Snapshot id → file position.
    index: IdIndex,
}

/// Snapshot id → file position.
type IdIndex = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

/// A fast hasher for `u64` ids (a folded 128-bit multiply, as in foldhash). Import
/// looks up every referent once, so SipHash's per-lookup cost dominated a 10^6-object
/// import; ids come from a file, not from an adversary on a network, so flooding
/// resistance is not needed (a hostile file can at worst make its own import slow).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        // Full-width product folded onto itself: every input bit reaches both the low
        // bits (bucket index) and the top bits (hashbrown's tag), even for 16-byte
        // aligned addresses whose low 4 bits are always zero.
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let m = u128::from(self.0 ^ x) * u128::from(K);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

/// Snapshot import and export for [`Heap`]: `heap.to_snapshot(...)`,
/// `Heap::from_snapshot(&snapshot)`.
pub trait SnapshotExt<T>: Sized {
    /// A snapshot of every live object of the heap: identity [`Heap::id`], the label
    /// `label` gives its payload, its total refcount, and its edges in order. External
    /// references (variables, handles held by the program, the `garbage` list) are the
    /// part of each refcount that no edge explains, as the format wants.
    ///
    /// Every object is exported alike, atomic and immutable ones included (an import
    /// makes every object an ordinary container). Objects are listed in the heap's
    /// iteration order. If identities were assigned
    /// that collide with native ones (see [`Heap::assign_identity`]), the snapshot has
    /// duplicate ids and will not import.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::snapshot::{SnapshotExt, TypeLabel};
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("list");
    /// heap.link(a, a).unwrap();
    /// let snapshot = heap.to_snapshot(|p| *p);
    /// assert_eq!(snapshot.objects[0].refcount, 2);
    /// let copy: Heap<TypeLabel> = Heap::from_snapshot(&snapshot).unwrap();
    /// let a2 = copy.find_by_identity(heap.id(a).unwrap()).unwrap();
    /// assert_eq!(copy.external_count(a2).unwrap(), 1);
    /// ```
    fn to_snapshot<L: Into<TypeLabel>>(&self, label: impl FnMut(&T) -> L) -> Snapshot;

    /// Imports a snapshot into a new heap whose payloads are the type labels (see the
    /// [module documentation](crate::snapshot) for the rules). Automatic collection is disabled on
    /// the returned heap.
    ///
    /// # Errors
    /// Any [`SnapshotError`] of [`Snapshot::validate`]; nothing is built then.
    fn from_snapshot(snapshot: &Snapshot) -> Result<Self, SnapshotError>
    where
        T: From<TypeLabel>,
    {
        Self::from_snapshot_with(snapshot, |o| T::from(o.type_label.clone()))
    }

    /// Imports a snapshot, making each payload from its object with `payload`.
    ///
    /// # Errors
    /// As [`from_snapshot`](SnapshotExt::from_snapshot).
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::snapshot::{Snapshot, SnapshotExt, SnapshotObject};
    /// let s = Snapshot::new(vec![SnapshotObject {
    ///     id: 7, type_label: "list".into(), refcount: 3, referents: vec![],
    /// }]);
    /// let heap: Heap<String> = Heap::from_snapshot_with(&s, |o| o.type_label.to_string()).unwrap();
    /// let x = heap.find_by_identity(7).unwrap();
    /// assert_eq!(heap.payload(x).unwrap(), "list");
    /// assert_eq!(heap.external_count(x).unwrap(), 3);
    /// ```
    fn from_snapshot_with(
        snapshot: &Snapshot,
        payload: impl FnMut(&SnapshotObject) -> T,
    ) -> Result<Self, SnapshotError>;
}

impl<T> SnapshotExt<T> for Heap<T> {
    fn to_snapshot<L: Into<TypeLabel>>(&self, mut label: impl FnMut(&T) -> L) -> Snapshot {
        let identity = |id: ObjId| self.id(id).expect("bug: iterated id is alive");
        let objects = self
            .iter()
            .map(|(id, payload)| SnapshotObject {
                id: identity(id),
                type_label: label(payload).into(),
                refcount: u64::from(self.refcount(id).expect("bug: iterated id is alive")),
                referents: self
                    .edges(id)
                    .expect("bug: iterated id is alive")
                    .map(identity)
                    .collect(),
            })
            .collect();
        Snapshot::new(objects)
    }

    fn from_snapshot_with(
        snapshot: &Snapshot,
        payload: impl FnMut(&SnapshotObject) -> T,
    ) -> Result<Self, SnapshotError> {
        Ok(snapshot.to_heap_with(payload)?.0)
    }
}

impl Snapshot {
    /// Imports the snapshot (as [`SnapshotExt::from_snapshot_with`]) and also returns
    /// each object's handle, in file order: `handles[i]` is `objects[i]`. Useful to go
    /// from file positions to heap objects without identity lookups.
    ///
    /// # Errors
    /// As [`Snapshot::validate`].
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotObject};
    /// let s = Snapshot::new(vec![SnapshotObject {
    ///     id: 9, type_label: "list".into(), refcount: 1, referents: vec![9],
    /// }]);
    /// let (heap, handles) = s.to_heap_with(|o| o.type_label.clone()).unwrap();
    /// assert_eq!(heap.id(handles[0]).unwrap(), 9);
    /// ```
    pub fn to_heap_with<T>(
        &self,
        mut payload: impl FnMut(&SnapshotObject) -> T,
    ) -> Result<(Heap<T>, Vec<ObjId>), SnapshotError> {
        let plan = self.plan()?;
        build(self, &plan, &mut payload)
    }
}

/// Builds the heap of a validated snapshot.
fn build<T>(
    snapshot: &Snapshot,
    plan: &Plan,
    payload: &mut impl FnMut(&SnapshotObject) -> T,
) -> Result<(Heap<T>, Vec<ObjId>), SnapshotError> {
    // Disabled from the start: an automatic collection while edges are half linked, or
    // before external counts are final, would free live objects or the garbage itself.
    let mut heap = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })?;
    let objects = &snapshot.objects;
    heap.reserve(objects.len(), objects.len());
    // Every object starts with refcount 1, external 1: the allocation handle.
    let handles: Vec<ObjId> = objects.iter().map(|o| heap.alloc(payload(o))).collect();
    assign_identities(&mut heap, snapshot, plan, &handles)?;
    let mut targets = plan.targets.iter();
    for (o, &from) in objects.iter().zip(&handles) {
        for &t in targets.by_ref().take(o.referents.len()) {
            heap.link(from, handles[t as usize])?;
        }
    }
    // Now refcount = 1 + internal; make the external count the computed one.
    for (&h, &external) in handles.iter().zip(&plan.external) {
        if external == 0 {
            // refcount = internal ≥ 1 afterwards (validation: refcount ≥ 1), so this
            // never frees anything.
            heap.decref(h)?;
        } else {
            let extra = u32::try_from(external - 1).map_err(|_| GcError::RefcountOverflow(h))?;
            heap.incref_by(h, extra)?;
        }
    }
    Ok((heap, handles))
}

/// Gives every imported object its snapshot identity.
///
/// [`Heap::assign_identity`] refuses an identity that equals the *native* identity of
/// another live object without an assigned one (`version << 32 | slot`): a snapshot id
/// can happen to be exactly that. Such an object is given a temporary identity (one that
/// is neither a snapshot id nor anyone's identity) and gets its real one on its own
/// turn.
fn assign_identities<T>(
    heap: &mut Heap<T>,
    snapshot: &Snapshot,
    plan: &Plan,
    handles: &[ObjId],
) -> Result<(), SnapshotError> {
    let mut next_temporary = u64::MAX;
    for (o, &h) in snapshot.objects.iter().zip(handles) {
        loop {
            match heap.assign_identity(h, o.id) {
                Ok(()) => break,
                Err(GcError::DuplicateIdentity(_)) => {
                    let other = heap
                        .find_by_identity(o.id)
                        .ok_or(GcError::DuplicateIdentity(o.id))?;
                    loop {
                        let t = next_temporary;
                        next_temporary -= 1;
                        if !plan.index.contains_key(&t) && heap.find_by_identity(t).is_none() {
                            heap.assign_identity(other, t)?;
                            break;
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
