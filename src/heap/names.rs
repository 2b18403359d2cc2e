//! External references and names: what the program holds (`incref`/`decref`), what
//! the heap holds for it, and variables.

use crate::error::{GcError, Result};
use crate::gc::{Cx, CycleCollector};
use crate::object::{MAX_REFCOUNT, ObjId, flags};

use super::Heap;
use super::release::vacate_if_plain;

impl<T, C: CycleCollector> Heap<T, C> {
    /// Takes a new external reference to `id` (the program now holds one more).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::RefcountOverflow`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.incref(x).unwrap();
    /// assert_eq!(heap.external_count(x).unwrap(), 2);
    /// heap.decref(x).unwrap();
    /// heap.decref(x).unwrap(); // the last one frees it
    /// assert!(!heap.contains(x));
    /// ```
    pub fn incref(&mut self, id: ObjId) -> Result<()> {
        self.take_ref(id)?;
        self.objects.by_id_mut(id).body_mut().external += 1;
        Ok(())
    }

    /// Takes `n` new external references to `id` at once (as `n` calls to
    /// [`incref`](Heap::incref)).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::RefcountOverflow`] (nothing is taken then).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let x = heap.alloc(());
    /// heap.incref_by(x, 3).unwrap();
    /// assert_eq!(heap.external_count(x).unwrap(), 4);
    /// ```
    pub fn incref_by(&mut self, id: ObjId, n: u32) -> Result<()> {
        let mut obj = self.objects.get_mut(id).ok_or(GcError::StaleId(id))?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        if u64::from(obj.refcount) + u64::from(n) > u64::from(MAX_REFCOUNT) {
            return Err(GcError::RefcountOverflow(id));
        }
        obj.refcount += n;
        obj.body_mut().external += n;
        Ok(())
    }

    /// Reserves room for `additional` more objects (object store and youngest generation),
    /// and for `identities` more assigned identities, so a bulk load such as a snapshot
    /// import does not grow them step by step.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.reserve(1000, 0); // room for 1,000 objects, no assigned identities
    /// let x = heap.alloc(());
    /// assert!(heap.contains(x));
    /// ```
    pub fn reserve(&mut self, additional: usize, identities: usize) {
        self.objects.reserve(additional);
        self.gc.reserve(additional);
        if identities > 0 {
            // Entries are indexed by slot: room for every slot the new objects may use.
            self.identities
                .set_capacity(self.objects.capacity().max(self.identities.capacity()));
        }
        self.by_identity.reserve(identities);
    }

    /// Releases one external reference to `id`. If that was the last reference the object
    /// is freed at once, and so is everything only it kept alive.
    ///
    /// # Errors
    /// [`GcError::StaleId`]; [`GcError::NoExternalRef`] when the object has no external
    /// reference the program may release (references held by variables and by the
    /// `garbage` list are the heap's: release those with [`del_var`](Heap::del_var) and
    /// [`clear_garbage`](Heap::clear_garbage)). The heap is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::{GcError, Heap};
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("x", x).unwrap();
    /// heap.decref(x).unwrap();                                    // our handle
    /// assert_eq!(heap.decref(x), Err(GcError::NoExternalRef(x))); // the name's is not ours
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// ```
    #[inline(always)]
    pub fn decref(&mut self, id: ObjId) -> Result<()> {
        let mut obj = self.objects.slot_mut(id).ok_or(GcError::StaleId(id))?;
        // One test for the rare cases: no external reference at all (an object being
        // deallocated has none: its count is 0, and `external <= refcount`), or some of
        // them held by the heap itself.
        let external = obj.body().external;
        debug_assert!(external <= obj.header().refcount);
        if external == 0 || obj.header().has(flags::HELD) {
            return self.decref_checked(id);
        }
        let count = obj.header().refcount - 1;
        if count == 0 {
            // The last reference. On the straight path the slot is freed in place and
            // the zero counts are never written (a free slot keeps no body, and its
            // header is read for its flags alone), so nothing is stored between the
            // lookup and the free.
            match vacate_if_plain(obj, self.rel.depth) {
                Ok((dying, more, payload)) => self.dealloc_start(id, dying, more, payload),
                Err(mut obj) => {
                    obj.body().external = external - 1;
                    obj.header().refcount = 0;
                    self.dealloc_cascade(id);
                }
            }
        } else {
            obj.body().external = external - 1;
            obj.header().refcount = count;
            self.gc.on_possible_root(Cx::new(&mut self.objects), id);
        }
        Ok(())
    }

    /// [`decref`](Heap::decref) of an object that is being deallocated, has no
    /// external reference, or has some held by the heap (variables, the garbage list):
    /// the refusals, and the count of the heap's own references looked up.
    #[inline(never)]
    fn decref_checked(&mut self, id: ObjId) -> Result<()> {
        let mut obj = self.objects.get_mut(id).ok_or(GcError::StaleId(id))?;
        if obj.refcount == 0 {
            return Err(GcError::BeingDeallocated(id));
        }
        let held = if obj.has(flags::HELD) {
            self.held.get(&id).copied().unwrap_or(0)
        } else {
            0
        };
        if obj.body().external <= held {
            return Err(GcError::NoExternalRef(id));
        }
        obj.body_mut().external -= 1;
        self.release(id);
        Ok(())
    }

    pub(crate) fn held_count(&self, id: ObjId) -> u32 {
        match self.objects.get(id) {
            Some(o) if o.has(flags::HELD) => self.held.get(&id).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// Takes an external reference held by the heap itself (a variable, the garbage list).
    pub(crate) fn hold(&mut self, id: ObjId) -> Result<()> {
        self.incref(id)?;
        *self.held.entry(id).or_insert(0) += 1;
        self.objects.by_id_mut(id).flags |= flags::HELD;
        Ok(())
    }

    /// Releases an external reference taken with [`hold`](Heap::hold).
    pub(crate) fn unhold(&mut self, id: ObjId) {
        match self.held.get_mut(&id) {
            Some(n) if *n > 1 => *n -= 1,
            Some(_) => {
                self.held.remove(&id);
                self.objects.by_id_mut(id).flags &= !flags::HELD;
            }
            None => debug_assert!(false, "bug: unhold of {id} without a matching hold"),
        }
        self.release_external(id);
    }

    pub(super) fn release_external(&mut self, id: ObjId) {
        let mut obj = self.objects.by_id_mut(id);
        debug_assert!(
            obj.body().external > 0,
            "bug: external count of {id} underflows"
        );
        obj.body_mut().external -= 1;
        self.release(id);
    }

    /// Binds `name` to `id` (Python's `name = obj`). The binding holds one external
    /// reference; rebinding releases the old one (after taking the new, so `x = x` is
    /// harmless).
    ///
    /// # Errors
    /// [`GcError::StaleId`], [`GcError::RefcountOverflow`]; the old binding stays then.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc("[]");
    /// heap.set_var("x", x).unwrap(); // x = []
    /// heap.decref(x).unwrap();
    /// heap.set_var("x", x).unwrap(); // x = x: harmless
    /// assert_eq!(heap.refcount(x).unwrap(), 1);
    /// ```
    pub fn set_var(&mut self, name: impl Into<String>, id: ObjId) -> Result<()> {
        self.hold(id)?;
        if let Some(old) = self.vars.insert(name.into(), id) {
            self.unhold(old);
        }
        Ok(())
    }

    /// The object `name` is bound to, if any.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("x", x).unwrap();
    /// assert_eq!(heap.get_var("x"), Some(x));
    /// assert_eq!(heap.get_var("y"), None);
    /// ```
    pub fn get_var(&self, name: &str) -> Option<ObjId> {
        self.vars.get(name).copied()
    }

    /// Unbinds `name` (Python's `del name`), releasing its reference; the object is freed
    /// at once if that was its last one. Returns the object it was bound to (possibly stale
    /// now).
    ///
    /// # Errors
    /// [`GcError::UnknownName`] when no such variable is bound.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::GcError;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("x", x).unwrap();
    /// heap.decref(x).unwrap();
    /// assert_eq!(heap.del_var("x").unwrap(), x); // del x: freed at once
    /// assert!(!heap.contains(x));
    /// assert_eq!(heap.del_var("x"), Err(GcError::UnknownName("x".into())));
    /// ```
    pub fn del_var(&mut self, name: &str) -> Result<ObjId> {
        let id = self
            .vars
            .remove(name)
            .ok_or_else(|| GcError::UnknownName(name.to_owned()))?;
        self.unhold(id);
        Ok(id)
    }

    /// All variables, sorted by name.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc(());
    /// heap.set_var("b", x).unwrap();
    /// heap.set_var("a", x).unwrap();
    /// let names: Vec<&str> = heap.vars().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn vars(&self) -> impl Iterator<Item = (&str, ObjId)> + '_ {
        self.vars.iter().map(|(n, &id)| (n.as_str(), id))
    }
}
