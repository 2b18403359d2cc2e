//! Release: immediate reclamation. The one release path, the deallocation cascade with
//! its trashcan, the user code a deallocation runs, and the direct free of garbage no
//! user code can watch.

use std::panic::{AssertUnwindSafe, catch_unwind};

use thin_vec::ThinVec;

use crate::gc::{Cx, CycleCollector};
use crate::object::{COLLECTING, Edges, Header, NO_EDGE, ObjId, UNTRACKED, flags};
use crate::store::{Entry, SlotMut, Store, make_id, slot_of};

use super::identity::native_slot;

/// The flags of an object whose deallocation runs user code or updates a side table
/// (finalizer, weak references, legacy-finalizer code, assigned identity): the slow
/// path of [`Heap::dealloc_start`].
const SPECIAL: u16 = flags::HAS_FINALIZER
    | flags::HAS_WEAKREFS
    | flags::OWNS_WEAKREF
    | flags::HAS_IDENTITY
    | flags::HAS_LEGACY_CODE;
use super::{Heap, TRASHCAN_DEPTH};

/// What the release path reads of the header of an object whose count just reached
/// zero, at once (the header is read once on the straight path; the strategy's
/// `on_untrack` then gets the space and position, and the first edge is released
/// without reading the slot again).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dying {
    /// The header's flags.
    flags: u16,
    /// The collector's space byte.
    space: u8,
    /// The position in the strategy's list.
    position: u32,
    /// The first edge, or [`NO_EDGE`].
    first: u32,
}

impl Dying {
    /// Reads it from `header`.
    #[inline(always)]
    pub(crate) fn of(header: &Header) -> Dying {
        Dying {
            flags: header.flags,
            space: header.space(),
            position: header.position(),
            first: header.first_edge(),
        }
    }
}

impl<T, C: CycleCollector> Heap<T, C> {
    /// The one release path: drops one reference to `id` (the caller has already
    /// removed the edge or external count it came from) and, when the count reaches
    /// zero, frees the object and in cascade everything only it kept alive.
    #[inline]
    pub(crate) fn release(&mut self, id: ObjId) {
        let Some(mut obj) = self.objects.slot_mut(id) else {
            dead(id)
        };
        let header = obj.header();
        debug_assert!(
            header.refcount > 0,
            "bug: refcount of {id} underflows; an edge or handle was released twice"
        );
        let count = header.refcount - 1;
        if count == 0 {
            // The last reference. On the straight path the slot is freed in place and
            // the zero count is never written (a free slot's header is read for its
            // flags alone), so nothing is stored between the lookup and the free.
            match vacate_if_plain(obj, self.rel.depth) {
                Ok((dying, more, payload)) => self.dealloc_start(id, dying, more, payload),
                Err(mut obj) => {
                    obj.header().refcount = 0;
                    self.dealloc_cascade(id);
                }
            }
        } else {
            header.refcount = count;
            self.gc.on_possible_root(Cx::new(&mut self.objects), id);
        }
    }

    /// Finishes the straight path [`vacate_if_plain`] began (no cascade running, no
    /// user code to run for `id`, whose slot is free already and held `more` and
    /// `payload`), and in cascade frees everything only it kept alive: the worklist
    /// ([`dealloc_cascade`](Heap::dealloc_cascade)'s) is entered only when a target
    /// reached zero too or a payload's `Drop` panicked.
    #[inline(always)]
    pub(crate) fn dealloc_start(
        &mut self,
        id: ObjId,
        dying: Dying,
        more: ThinVec<u32>,
        payload: T,
    ) {
        let queued = self.dealloc_vacated(id, dying, more, payload);
        if queued || (std::mem::needs_drop::<T>() && self.rel.panic.is_some()) {
            self.finish_cascade();
        }
    }

    /// The rest of a cascade [`dealloc_start`](Heap::dealloc_start) began outside any
    /// running cascade: the worklist's objects, last queued first (the order
    /// [`dealloc_cascade`](Heap::dealloc_cascade) takes them in), then the re-raise of a
    /// payload panic it caught.
    #[inline(never)]
    fn finish_cascade(&mut self) {
        self.rel.depth += 1;
        self.drain_cascade(0);
        self.rel.depth -= 1;
        self.raise_if_outermost();
    }

    /// Drops the references of a detached edge list, in order, as one
    /// [`release_batch`](Heap::release_batch).
    pub(crate) fn release_edges(&mut self, edges: Edges) {
        self.release_batch(|heap| {
            for t in edges {
                let t = heap.objects.id_at(t);
                heap.release(t);
            }
        });
    }

    /// Runs `releases`, an operation that releases several references one after the
    /// other, as one batch: a payload panic caught in one of its cascades is re-raised
    /// only when the whole batch has run (and no cascade or collection is under way),
    /// so the references after it are still released and the heap verifies.
    pub(crate) fn release_batch(&mut self, releases: impl FnOnce(&mut Self)) {
        self.rel.batch += 1;
        releases(self);
        self.rel.batch -= 1;
        self.raise_if_outermost();
    }

    /// Takes a temporary reference to `id` while user code runs on it (CPython's
    /// `Py_INCREF` around a finalizer or callback call). Give it back with
    /// [`drop_temp_ref`](Heap::drop_temp_ref).
    pub(crate) fn take_temp_ref(&mut self, id: ObjId) {
        self.objects.by_id_mut(id).refcount += 1;
        self.rel.temp_refs.push(id);
    }

    /// Gives back a temporary reference: the object is freed if it was the last one.
    pub(crate) fn drop_temp_ref(&mut self, id: ObjId) {
        if let Some(i) = self.rel.temp_refs.iter().rposition(|&t| t == id) {
            self.rel.temp_refs.swap_remove(i);
        }
        self.release(id);
    }

    /// Frees `first` (whose count is zero) and everything that reaches zero because of
    /// it, with an explicit worklist: a 10^7-long chain keeps it at one entry.
    ///
    /// Finalizers and weak-reference callbacks run inside the cascade and may release
    /// objects themselves: their cascades nest (as CPython's deallocations do) up to
    /// [`TRASHCAN_DEPTH`], and beyond it the object is deferred to the outermost
    /// cascade. A panic in a payload's `Drop` is caught, the cascade finishes, and the
    /// panic is re-raised by the outermost cascade (or at the end of the running
    /// collection), when the heap is consistent again.
    pub(crate) fn dealloc_cascade(&mut self, first: ObjId) {
        if self.rel.depth >= TRASHCAN_DEPTH {
            untrack_waiting(&mut self.objects, &mut self.gc, first);
            self.rel.deferred.push(first);
            return;
        }
        self.rel.depth += 1;
        let base = self.rel.pending.len();
        self.dealloc(first);
        self.drain_cascade(base);
        self.rel.depth -= 1;
        self.raise_if_outermost();
    }

    /// The worklist of the running cascade frame (its entries above `base`), last
    /// queued first, and at the outermost frame the objects the trashcan deferred.
    fn drain_cascade(&mut self, base: usize) {
        loop {
            let next = if self.rel.pending.len() > base {
                self.rel.pending.pop().expect("bug: checked non-empty")
            } else if self.rel.depth == 1
                && let Some(next) = self.rel.deferred.pop()
            {
                next
            } else {
                break;
            };
            self.dealloc(next);
        }
    }

    /// Re-raises a caught payload panic if no batch, cascade or collection is under way
    /// (the outermost of them re-raises it when it ends).
    #[inline]
    fn raise_if_outermost(&mut self) {
        if self.rel.depth == 0 && self.rel.batch == 0 && !self.collecting {
            self.raise_deferred_panic();
        }
    }

    /// Re-raises a payload panic caught during a cascade or a collection.
    pub(crate) fn raise_deferred_panic(&mut self) {
        if let Some(panic) = self.rel.panic.take() {
            std::panic::resume_unwind(panic);
        }
    }

    /// Deallocates one object whose count is zero, in CPython's order
    /// (`subtype_dealloc`): its finalizer (which may resurrect it), untracking, its weak
    /// references (their callbacks run), its legacy finalizer (which may resurrect it
    /// too), then the record goes and its edges are released, pushing targets that
    /// reach zero onto the worklist.
    #[inline(always)]
    fn dealloc(&mut self, id: ObjId) {
        let Some(obj) = self.objects.get(id) else {
            debug_assert!(false, "bug: {id} was queued for deallocation twice");
            return;
        };
        debug_assert!(obj.refcount == 0, "bug: {id} queued with a live count");
        // The header is read once on the common path (no user code to run): the rare
        // cases are behind one flag test.
        let mut dying = Dying::of(&obj);
        if dying.flags & SPECIAL != 0 {
            if !self.dealloc_user_code(id) {
                return; // resurrected
            }
            // User code ran: the header (space, position, edges) is read again.
            dying = Dying::of(&self.objects.by_id(id));
        }
        self.dealloc_plain(id, dying);
    }

    /// The last steps of a deallocation, once no user code is left to run: the record
    /// goes, the object leaves its strategy's list (its header `dying` says where),
    /// its edges are released (targets that reach zero are queued on the worklist), and
    /// its payload is dropped. Returns whether a target was queued.
    #[inline(always)]
    fn dealloc_plain(&mut self, id: ObjId, dying: Dying) -> bool {
        // Only the edges after the first and the payload are moved out of the slot
        // (found by the caller: no second version check); the first edge was read with
        // the header.
        let (more, payload) = self.objects.vacate(slot_of(id));
        self.dealloc_vacated(id, dying, more, payload)
    }

    /// [`dealloc_plain`](Heap::dealloc_plain) once the slot is free (`more` and
    /// `payload` are what it held): the strategy forgets the object (its
    /// `on_untrack` gets the id, space and position the header said; the slot is free
    /// already, which the hook's contract allows), then the edges and the payload go.
    #[inline(always)]
    fn dealloc_vacated(&mut self, id: ObjId, dying: Dying, more: ThinVec<u32>, payload: T) -> bool {
        if dying.space < COLLECTING {
            // Tracked, in a strategy's list (UNTRACKED and COLLECTING are the two marks
            // above every space): a container, never an atomic object, so `on_free`
            // follows without a test of the flags.
            debug_assert!(
                dying.flags & flags::ATOMIC == 0,
                "bug: {id} is atomic and tracked"
            );
            self.gc
                .on_untrack(Cx::new(&mut self.objects), id, dying.space, dying.position);
            self.gc.on_free();
        } else if dying.flags & flags::ATOMIC == 0 {
            self.gc.on_free();
        }
        let queued = if dying.flags & flags::MORE_EDGES == 0 {
            // The common case, at most one edge: the vector is the empty one, which
            // owns no allocation (it points at thin-vec's shared empty header), so it
            // is forgotten rather than dropped (a pointer test saved on the straight
            // path; forgetting an empty `ThinVec` frees nothing).
            debug_assert!(
                more.is_empty(),
                "bug: edges after the first without MORE_EDGES"
            );
            std::mem::forget(more);
            self.release_first_from_dealloc(dying.first)
        } else {
            self.release_many_from_dealloc(dying.first, more)
        };
        self.drop_payload(payload);
        queued
    }

    /// [`release_from_dealloc`](Heap::release_from_dealloc) for each edge of an object
    /// with more than one, in order: `first`, then `more` (off the straight path: an
    /// object with at most one edge never comes here). Returns whether a target was
    /// queued.
    #[inline(never)]
    fn release_many_from_dealloc(&mut self, first: u32, more: ThinVec<u32>) -> bool {
        let mut queued = self.release_from_dealloc(first);
        for t in more {
            queued |= self.release_from_dealloc(t);
        }
        queued
    }

    /// Drops the reference a deallocated object held to the object in `slot`: a target
    /// that reaches zero is untracked and queued on the cascade's worklist (and `true`
    /// returned).
    #[inline(always)]
    fn release_from_dealloc(&mut self, slot: u32) -> bool {
        let target = self.objects.header_mut(slot);
        let lowered = lower_count(target, slot);
        self.after_release_from_dealloc(slot, lowered)
    }

    /// [`release_from_dealloc`](Heap::release_from_dealloc) of a freed object's first
    /// edge, `NO_EDGE` for none: one test for both the absent edge and the bounds
    /// (`NO_EDGE` is past every slot). Returns whether the target was queued.
    #[inline(always)]
    fn release_first_from_dealloc(&mut self, first: u32) -> bool {
        let Some(target) = self.objects.header_mut_in_bounds(first) else {
            debug_assert_eq!(
                first, NO_EDGE,
                "bug: an edge to slot {first}, past the store"
            );
            return false;
        };
        let lowered = lower_count(target, first);
        self.after_release_from_dealloc(first, lowered)
    }

    /// What follows the lowering of the count of the object in `slot` by an edge
    /// release ([`lower_count`] said `lowered`): a target at zero is queued, any other
    /// is reported to the strategy as a possible root. Returns whether it was queued.
    #[inline(always)]
    fn after_release_from_dealloc(&mut self, slot: u32, (zero, space): (bool, u8)) -> bool {
        if zero {
            self.queue_dead_target(slot);
            true
        } else {
            // The strategy gets the slot and the space byte read with the count, and
            // builds the target's id (its version, in the body) only if it uses it.
            self.gc
                .on_possible_root_at(Cx::new(&mut self.objects), slot, space);
            false
        }
    }

    /// Untracks the object in `slot`, whose count an edge release just took to zero,
    /// and queues it on the cascade's worklist (off the straight path).
    #[inline(never)]
    fn queue_dead_target(&mut self, slot: u32) {
        let target = self.objects.at(slot);
        let header = (target.space(), target.position());
        let t = self.objects.id_at(slot);
        untrack_waiting_with(&mut self.objects, &mut self.gc, t, header);
        self.rel.pending.push(t);
    }

    /// Drops a freed object's payload. A panicking `Drop` is caught and kept for
    /// [`raise_deferred_panic`](Heap::raise_deferred_panic), so the release path always
    /// finishes and leaves the heap consistent.
    #[inline]
    pub(crate) fn drop_payload(&mut self, payload: T) {
        if std::mem::needs_drop::<T>()
            && let Err(panic) = catch_unwind(AssertUnwindSafe(|| drop(payload)))
            && self.rel.panic.is_none()
        {
            self.rel.panic = Some(panic);
        }
    }

    /// The user-code steps of a deallocation, for an object with a finalizer, weak
    /// references, legacy-finalizer code or an identity. Returns `false` when a
    /// finalizer resurrected the object (it stays, tracked in generation 0 if it was
    /// tracked), `true` when the object is to be freed; it is untracked then.
    ///
    /// The steps, in CPython's `subtype_dealloc` order: 1.
    /// [`finalize_from_dealloc`](Heap::finalize_from_dealloc); 2. untrack; 3.
    /// [`clear_weakrefs_from_dealloc`](Heap::clear_weakrefs_from_dealloc); 4.
    /// [`legacy_finalize_from_dealloc`](Heap::legacy_finalize_from_dealloc); 5.
    /// [`forget_side_tables`](Heap::forget_side_tables).
    ///
    /// From the moment its finalizer has not resurrected it, the object is *being
    /// deallocated*: its count is 0, operations that would take a reference to it or
    /// register anything on it return [`GcError::BeingDeallocated`], its weak references
    /// read dead, and reads still work.
    fn dealloc_user_code(&mut self, id: ObjId) -> bool {
        if self.objects.by_id(id).has(flags::HAS_FINALIZER) && self.finalize_from_dealloc(id) {
            return false; // resurrected
        }
        // Untrack: nothing may find it in a strategy's list from here on.
        self.untrack(id);
        self.rel.dying.push(id);
        self.clear_weakrefs_from_dealloc(id);
        if self.objects.by_id(id).has(flags::HAS_LEGACY_CODE)
            && self.legacy_finalize_from_dealloc(id)
        {
            self.rel.dying.retain(|&d| d != id);
            return false; // resurrected
        }
        self.rel.dying.retain(|&d| d != id);
        self.forget_side_tables(id);
        true
    }

    /// Deallocation step 1, the finalizer (PEP 442 `tp_finalize`), run as CPython's
    /// `PyObject_CallFinalizerFromDealloc`: with a temporary reference, the object
    /// tracked again at the end of the youngest space, where it stays if the finalizer
    /// resurrected it. Returns whether it did.
    fn finalize_from_dealloc(&mut self, id: ObjId) -> bool {
        self.retrack_young(id);
        if self.call_with_temp_ref(id, Self::run_finalizer) {
            self.counters.resurrections += 1;
            return true;
        }
        // An atomic object's finalizer stays registered for its next death; this
        // death is final.
        if self.finalizers.remove(id).is_some() {
            self.objects.by_id_mut(id).flags &= !flags::HAS_FINALIZER;
        }
        false
    }

    /// Deallocation step 3, weak references: those the object holds go without
    /// callbacks; those to it are all cleared, then their callbacks run, most recent
    /// first (CPython's `PyObject_ClearWeakRefs`).
    fn clear_weakrefs_from_dealloc(&mut self, id: ObjId) {
        if self.objects.by_id(id).has(flags::OWNS_WEAKREF) {
            self.drop_owned_weakrefs(id);
        }
        if self.objects.by_id(id).has(flags::HAS_WEAKREFS) {
            self.clear_weakrefs_to(id);
        }
    }

    /// Deallocation step 4, legacy-finalizer code (`tp_del`): every time, with a
    /// temporary reference, the object tracked again meanwhile (as `subtype_dealloc`
    /// does) and untracked after. Returns whether the code resurrected it.
    fn legacy_finalize_from_dealloc(&mut self, id: ObjId) -> bool {
        if !self.objects.by_id(id).has(flags::ATOMIC) {
            self.track(id);
        }
        if self.call_with_temp_ref(id, Self::run_legacy_finalizer) {
            self.counters.resurrections += 1;
            return true;
        }
        self.untrack(id);
        // Weak references the code created to (or on) its dying object are cleared
        // without their callbacks, as `subtype_dealloc` does after `tp_del`.
        if self.objects.by_id(id).has(flags::OWNS_WEAKREF) {
            self.drop_owned_weakrefs(id);
        }
        if self.objects.by_id(id).has(flags::HAS_WEAKREFS) {
            drop(self.take_weakrefs_to(id, |_, _| false));
        }
        false
    }

    /// Deallocation step 5: drops the object's entries in the side tables that outlive
    /// user code (a finalizer its legacy code registered, legacy-finalizer code,
    /// assigned identity).
    fn forget_side_tables(&mut self, id: ObjId) {
        // A finalizer registered by the object's legacy-finalizer code never runs: the
        // object is being freed.
        if self.objects.by_id(id).has(flags::HAS_FINALIZER) {
            self.finalizers.remove(id);
        }
        if self.objects.by_id(id).has(flags::HAS_LEGACY_CODE) {
            self.legacy.remove(&id);
        }
        if self.objects.by_id(id).has(flags::HAS_IDENTITY) {
            // `by_identity` keeps a stale entry; lookups ignore it.
            if let Some(old) = self.identities.remove(id) {
                self.native_claims -= usize::from(native_slot(old).is_some());
            }
        }
    }

    /// Tracks a container object at the end of generation 0 (taking it out of the
    /// generation, or the running collection's working set, it was in), as
    /// `subtype_dealloc` untracks and re-tracks an object before calling its finalizer:
    /// an object of a collection's unreachable set that dies by refcount and is
    /// resurrected by its finalizer has left that set. Atomic objects are never tracked.
    fn retrack_young(&mut self, id: ObjId) {
        let obj = self.objects.by_id(id);
        if obj.has(flags::ATOMIC) {
            return;
        }
        if obj.is_tracked() {
            self.untrack(id);
        }
        self.track(id);
    }

    /// Runs `f` on `id` holding a temporary reference, then gives it back without
    /// freeing: returns whether someone else now holds a reference (a resurrection).
    /// The object's count is 0 before and, unless resurrected, after.
    fn call_with_temp_ref(&mut self, id: ObjId, f: fn(&mut Self, ObjId)) -> bool {
        self.objects.by_id_mut(id).refcount = 1;
        self.rel.temp_refs.push(id);
        f(self, id);
        if let Some(i) = self.rel.temp_refs.iter().rposition(|&t| t == id) {
            self.rel.temp_refs.swap_remove(i);
        }
        let mut obj = self.objects.by_id_mut(id);
        obj.refcount -= 1;
        let resurrected = obj.refcount > 0;
        if resurrected {
            // Giving the temporary reference back is a decrement that leaves the count
            // above zero: the resurrected object may be the root of a garbage cycle the
            // user code made (e.g. it linked the object to itself after a nested
            // collection had examined it).
            self.gc.on_possible_root(Cx::new(&mut self.objects), id);
        }
        resurrected
    }

    /// Frees a collection's final unreachable set directly (the collector's fast path
    /// when no user code can run: no finalizer, legacy-finalizer code or weak reference
    /// exists): every object of `unreachable` that is still alive is marked `COLLECTING`, and
    /// everything that references one of them is in the set. References between members
    /// are not counted down, since all members die; references to objects outside the
    /// set are released as usual and may cascade (a cascade that reaches a member frees
    /// it through the ordinary path, and this loop skips it).
    ///
    /// The entries may be bare slots (as the collector's own lists are): no allocation
    /// happens while this runs, so no freed slot is reused meanwhile.
    ///
    /// The set is freed in descending slot order, not in list order (no user code runs,
    /// so nothing can observe the order): the store reuses the most recently freed slot
    /// first, so later allocations then fill slots in ascending memory order. In list
    /// order — CPython's `move_unreachable` order, which moves objects reached late to
    /// the end — GCBench's trees came back scattered over memory and every later pass
    /// missed the cache: 2.5x slower per node than in slot order.
    pub(crate) fn free_unreachable<E: Entry>(&mut self, unreachable: &mut [E]) {
        self.objects.order_descending(unreachable);
        for &e in unreachable.iter() {
            // One lookup of both halves: the header is read, then the slot freed
            // through the same lookup (only edges and payload move out).
            let Some(mut obj) = self.objects.entry_mut(e) else {
                continue;
            };
            let header = obj.header();
            let (flags, first) = (header.flags, header.first_edge());
            let identity =
                (flags & flags::HAS_IDENTITY != 0).then(|| make_id(e.slot(), obj.body().version));
            let (more, payload) = obj.vacate();
            if let Some(id) = identity {
                // `by_identity` keeps a stale entry; lookups ignore it.
                self.identities.remove(id);
            }
            self.gc.on_free();
            if flags & flags::MORE_EDGES == 0 {
                // At most one edge: `more` is the shared empty vector (nothing to drop).
                std::mem::forget(more);
                if first != NO_EDGE {
                    self.release_outside(first);
                }
            } else {
                self.release_outside(first);
                for slot in more {
                    self.release_outside(slot);
                }
            }
            self.drop_payload(payload);
        }
    }

    /// For [`free_unreachable`](Heap::free_unreachable): drops the reference a freed
    /// member held to the object in `slot`, unless that object is a member too (or was
    /// freed already).
    #[inline(always)]
    fn release_outside(&mut self, slot: u32) {
        // The header alone decides (a member's body is not read for an edge into it).
        if self
            .objects
            .get_slot(slot)
            .is_some_and(|target| target.space() != COLLECTING)
        {
            let target = self.objects.header_mut(slot);
            target.refcount -= 1;
            let zero = target.refcount == 0;
            let t = self.objects.id_at(slot);
            if zero {
                self.dealloc_cascade(t);
            } else {
                self.gc.on_possible_root(Cx::new(&mut self.objects), t);
            }
        }
    }
}

/// The straight case of a release that took `obj`'s count to zero: when no cascade is
/// running (`depth` 0) and the object has no user code to run and no side table to
/// update, its slot is freed in place (no second lookup) and its header, edges after
/// the first and payload are returned for [`Heap::dealloc_start`]; otherwise `Err`
/// with the slot, whose zero count the caller writes before it runs
/// [`Heap::dealloc_cascade`]. The rare cases are behind this one test.
#[inline(always)]
pub(crate) fn vacate_if_plain<T>(
    mut obj: SlotMut<'_, T>,
    depth: u32,
) -> Result<(Dying, ThinVec<u32>, T), SlotMut<'_, T>> {
    let dying = Dying::of(obj.header());
    if dying.flags & SPECIAL == 0 && depth == 0 {
        let (more, payload) = obj.vacate();
        Ok((dying, more, payload))
    } else {
        Err(obj)
    }
}

/// Lowers the count of `target` (the header of the object in `slot`) for a released
/// edge, and returns whether it reached zero and the header's space byte (the header
/// alone is read).
#[inline(always)]
fn lower_count(target: &mut Header, slot: u32) -> (bool, u8) {
    debug_assert!(
        target.refcount > 0,
        "bug: refcount of slot {slot} underflows in the release cascade"
    );
    target.refcount -= 1;
    (target.refcount == 0, target.space())
}

/// A release of an object that is not alive: a broken heap invariant (the callers
/// release only references they hold), never user input.
#[cold]
#[inline(never)]
fn dead(id: ObjId) -> ! {
    panic!("bug: {id} is dead")
}

/// Untracks an object whose count reached zero and that waits on the release worklist
/// (or in the trashcan) while user code may run: as in CPython, where deallocation
/// untracks first, no collection or introspection ever sees an object with a zero
/// count. (It is tracked again, in generation 0, if it has a finalizer to run.)
#[inline]
fn untrack_waiting<T, C: CycleCollector>(objects: &mut Store<T>, gc: &mut C, id: ObjId) {
    let obj = objects.by_id(id);
    let header = (obj.space(), obj.position());
    untrack_waiting_with(objects, gc, id, header);
}

/// [`untrack_waiting`] on the header `(space, position)` the caller has just read.
#[inline(always)]
fn untrack_waiting_with<T, C: CycleCollector>(
    objects: &mut Store<T>,
    gc: &mut C,
    id: ObjId,
    (space, position): (u8, u32),
) {
    if space == UNTRACKED {
        return;
    }
    if space != COLLECTING {
        gc.on_untrack(Cx::new(objects), id, space, position);
    }
    objects.at(slot_of(id)).set_space(UNTRACKED);
}
