//! Identity: Python's `id()`, native or assigned (snapshot imports), unique among live
//! objects.

use slotmap::Key;

use crate::error::{GcError, Result};
use crate::gc::CycleCollector;
use crate::object::{ObjId, flags};

use super::Heap;

/// The base of native identities (see [`Heap::id`]): above every user-space address of
/// a 64-bit CPython process (below 2^47), so native identities never collide with the
/// CPython identities a snapshot import assigns.
const NATIVE_ID_BASE: u64 = 1 << 48;
/// The spacing of native identities: CPython's objects are 16-byte aligned.
const NATIVE_ID_STRIDE: u64 = 16;
/// Where the identities given to objects whose native identity another object claimed
/// start: past the native identity of every possible slot (`2^32` of them).
pub(super) const FRESH_ID_BASE: u64 = NATIVE_ID_BASE + NATIVE_ID_STRIDE * (1 << 32);

impl<T, C: CycleCollector> Heap<T, C> {
    /// The object's identity, Python's `id()`: unique among live objects. It is the
    /// identity assigned with [`assign_identity`](Heap::assign_identity) (snapshot
    /// imports keep their source's ids), otherwise an address-like number derived from
    /// the object's slot, as CPython's `id()` is its address: `2^48 + 16 × slot`. Like a
    /// CPython address, it is stable while the object lives and may be reused by a later
    /// object in the same slot; the [`ObjId`] (`3v1`: slot 3, version 1) is what tells
    /// the two apart.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc_atomic(42);
    /// let id = heap.id(x).unwrap();
    /// assert_eq!(id % 16, 0);                 // aligned, like an address
    /// assert_eq!(heap.find_by_identity(id), Some(x));
    /// ```
    pub fn id(&self, id: ObjId) -> Result<u64> {
        let obj = self.obj(id)?;
        if obj.has(flags::HAS_IDENTITY) {
            Ok(self.identities[id])
        } else {
            Ok(native_identity(id))
        }
    }

    /// Gives `id` the identity `identity` (what [`Heap::id`] reports from now on).
    ///
    /// Native identities are `2^48 + 16 × slot`, above every address of a 64-bit CPython
    /// process, so identities taken from CPython never collide with them; another
    /// assigned identity that happens to equal the native identity of an object
    /// allocated later would make the two share an `id()`. Snapshot imports assign every
    /// object's identity, so within one imported heap identities are unique.
    ///
    /// # Errors
    /// [`GcError::StaleId`]; [`GcError::DuplicateIdentity`] when another live object
    /// already has that identity.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.assign_identity(x, 140_234_567_890_112).unwrap(); // its id() in CPython
    /// assert_eq!(heap.id(x).unwrap(), 140_234_567_890_112);
    /// assert_eq!(heap.find_by_identity(140_234_567_890_112), Some(x));
    /// ```
    pub fn assign_identity(&mut self, id: ObjId, identity: u64) -> Result<()> {
        self.obj(id)?;
        if let Some(other) = self.find_by_identity(identity) {
            if other != id {
                return Err(GcError::DuplicateIdentity(identity));
            }
        }
        if let Some(old) = self.identities.insert(id, identity) {
            self.by_identity.remove(&old);
            self.native_claims -= usize::from(native_slot(old).is_some());
        }
        self.native_claims += usize::from(native_slot(identity).is_some());
        if self.by_identity.len() >= 2 * self.identities.len() + 1024 {
            // Mostly stale entries of freed objects: drop them (amortised O(1)).
            let identities = &self.identities;
            self.by_identity
                .retain(|identity, &mut id| identities.get(id) == Some(identity));
        }
        self.by_identity.insert(identity, id);
        self.objects.by_id_mut(id).flags |= flags::HAS_IDENTITY;
        Ok(())
    }

    /// A new object landed in a slot whose native identity another live object was
    /// assigned ([`assign_identity`](Heap::assign_identity) accepts any identity no live
    /// object has): the new object gets a fresh identity, past every native one, so
    /// `id()` stays unique among live objects.
    #[cold]
    pub(super) fn avoid_claimed_identity(&mut self, id: ObjId) {
        let native = native_identity(id);
        let claimed = self
            .by_identity
            .get(&native)
            .is_some_and(|&other| other != id && self.identities.get(other) == Some(&native));
        if !claimed {
            return;
        }
        loop {
            let fresh = self.next_fresh_identity;
            self.next_fresh_identity += NATIVE_ID_STRIDE;
            if self.find_by_identity(fresh).is_none() {
                self.assign_identity(id, fresh)
                    .expect("bug: a fresh identity no live object has is refused");
                return;
            }
        }
    }

    /// The live object whose [`id`](Heap::id) is `identity`, if any. O(1) for assigned
    /// identities; a native identity names a slot, found by a scan of the heap.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// let id = heap.id(x).unwrap();
    /// assert_eq!(heap.find_by_identity(id), Some(x));
    /// assert_eq!(heap.find_by_identity(id + 1), None);
    /// ```
    pub fn find_by_identity(&self, identity: u64) -> Option<ObjId> {
        if let Some(&id) = self.by_identity.get(&identity)
            && self.identities.get(id) == Some(&identity)
        {
            return Some(id);
        }
        native_slot(identity)?;
        self.objects
            .iter()
            .find(|(id, o)| !o.has(flags::HAS_IDENTITY) && native_identity(*id) == identity)
            .map(|(id, _)| id)
    }
}

/// The slot whose native identity `identity` is, if it is one.
pub(super) fn native_slot(identity: u64) -> Option<u64> {
    let offset = identity.checked_sub(NATIVE_ID_BASE)?;
    (identity < FRESH_ID_BASE && offset % NATIVE_ID_STRIDE == 0)
        .then_some(offset / NATIVE_ID_STRIDE)
}

/// The native identity of an object: `2^48 + 16 × slot` (see [`Heap::id`]).
fn native_identity(id: ObjId) -> u64 {
    // The low 32 bits of slotmap's FFI form are the slot index.
    let slot = id.data().as_ffi() & u64::from(u32::MAX);
    NATIVE_ID_BASE + NATIVE_ID_STRIDE * slot
}

impl ObjId {
    /// The identity [`Heap::id`] reports for this object when none was assigned: an
    /// address-like number derived from its slot (`2^48 + 16 × slot`).
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// assert_eq!(heap.id(x).unwrap(), x.native_identity());
    /// ```
    pub fn native_identity(self) -> u64 {
        native_identity(self)
    }
}
