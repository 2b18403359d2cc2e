//! The PEP 442 pipeline, shared by every strategy: what happens to the unreachable set
//! that trial deletion found (CPython 3.12/3.13's `gc_collect_main` from
//! `move_legacy_finalizers` on). It takes the unreachable set and a *survivors* callback,
//! `FnMut(&mut C, Cx<T>, ObjId)`, that gives an object which survives (legacy
//! finalizers, resurrection, save-all) back to the strategy: for
//! [`Generational`](crate::Generational), an append to the next older generation.

use crate::gc::collect::{CollectionStep, StepClock};
use crate::gc::trial::{
    REACHABLE, TENTATIVELY_UNREACHABLE, drop_moved_back, move_unreachable, subtract_refs,
    update_refs,
};
use crate::gc::{CollectReport, Cx, CycleCollector};
use crate::heap::Heap;
use crate::object::{COLLECTING, ObjId, flags};
use crate::store::{Entry, make_id};

impl<T, C: CycleCollector> Heap<T, C> {
    /// Runs the PEP 442 pipeline ([`CollectionStep::MoveLegacyFinalizers`] to
    /// [`CollectionStep::HandleLegacyFinalizers`]) over `unreachable`, the set that
    /// [`find_unreachable`](crate::gc::trial::find_unreachable) left there, and returns
    /// what it did (`collected`, `uncollectable`, `resurrected`, `finalizers_run`,
    /// `weakrefs_cleared`; the rest is 0). Every object that survives goes to
    /// `survivors` (the strategy tracks it again); the rest is freed. Entries that are
    /// not in the working set of trial deletion (dead, repeated, or never examined) are
    /// ignored. Call it inside [`run_collection`](Heap::run_collection); outside one it
    /// does nothing and reports `skipped`. On return `unreachable` is empty.
    ///
    /// [`CollectionStep::MoveLegacyFinalizers`]: crate::CollectionStep::MoveLegacyFinalizers
    /// [`CollectionStep::HandleLegacyFinalizers`]: crate::CollectionStep::HandleLegacyFinalizers
    ///
    /// # Examples
    /// The minimal strategy in [`gc::strategy`](crate::gc::strategy) (a runnable example)
    /// uses it for its whole collection.
    pub fn collect_unreachable(
        &mut self,
        unreachable: &mut Vec<ObjId>,
        mut survivors: impl FnMut(&mut C, Cx<'_, T>, ObjId),
    ) -> CollectReport {
        let mut report = CollectReport::default();
        if !self.collecting {
            unreachable.clear();
            report.skipped = true;
            return report;
        }
        let objects = &self.objects;
        unreachable.retain(|&id| {
            objects.get(id).is_some_and(|o| {
                let ok = o.is_collecting() && o.gc_refs() == TENTATIVELY_UNREACHABLE;
                if ok {
                    o.set_gc_refs(0); // a repeated entry fails the test
                }
                ok
            })
        });
        for &id in unreachable.iter() {
            self.objects.by_id(id).set_gc_refs(TENTATIVELY_UNREACHABLE);
        }
        self.process_unreachable(unreachable, &mut report, &mut survivors);
        unreachable.clear();
        report
    }

    /// The pipeline proper. `unreachable` holds objects set aside by a
    /// `move_unreachable`, without the objects it moved back: their scratch count is
    /// `TENTATIVELY_UNREACHABLE` or, from the slot-level scans, their list index tagged
    /// `SET_ASIDE`; the pipeline reads neither, only the [`COLLECTING`] space byte.
    ///
    /// The entries may be bare slots (the collector's own lists) or ids. When no user
    /// code can run (no finalizer, legacy finalizer, weak reference or save-all mode),
    /// the set is freed at once, by its entries; otherwise the entries become ids first,
    /// because user code may free objects and reuse their slots.
    pub(crate) fn process_unreachable<E: Entry>(
        &mut self,
        unreachable: &mut Vec<E>,
        report: &mut CollectReport,
        survivors: &mut impl FnMut(&mut C, Cx<'_, T>, ObjId),
    ) {
        if self.garbage_order_unobservable() {
            // Every entry is in the working set already (space COLLECTING) and none can
            // carry a legacy finalizer (none was ever set): no pass over the set before
            // it is freed (at 10^6 dead two-node cycles it read every garbage header
            // once more).
            debug_assert!(
                unreachable
                    .iter()
                    .all(|e| self.objects.at(e.slot()).is_collecting())
            );
            self.free_whole_set(unreachable, report);
            return;
        }
        // The unreachable objects become the working list.
        let mut legacy_seen = false;
        for &e in unreachable.iter() {
            let obj = self.objects.at(e.slot());
            legacy_seen |= obj.has(flags::LEGACY_FINALIZER);
            obj.set_space(COLLECTING);
        }
        if !legacy_seen && self.no_user_code_on_garbage() {
            self.free_whole_set(unreachable, report);
            return;
        }
        let mut clock = StepClock::start();
        let mut ids = E::take_ids(unreachable, &self.objects);
        let unreachable = &mut ids;

        // MoveLegacyFinalizers.
        let legacy = if legacy_seen {
            self.move_legacy_finalizers(unreachable, survivors)
        } else {
            Vec::new()
        };
        report.uncollectable = legacy.len();
        clock.lap(&mut report.steps, CollectionStep::MoveLegacyFinalizers);

        if !unreachable.is_empty() {
            let mut user_code_ran = false;
            let mut weakrefs_freed = 0;
            // HandleWeakrefs.
            if self.weak.has_any() {
                let (cleared, freed, called) = self.handle_weakrefs(unreachable);
                report.weakrefs_cleared = cleared;
                weakrefs_freed = freed;
                user_code_ran |= called;
            }
            clock.lap(&mut report.steps, CollectionStep::HandleWeakrefs);
            // FinalizeUnreachable.
            if !self.finalizers.is_empty() {
                report.finalizers_run = self.finalize_unreachable(unreachable);
                user_code_ran |= report.finalizers_run > 0;
            }
            clock.lap(&mut report.steps, CollectionStep::FinalizeUnreachable);
            // HandleResurrected.
            if user_code_ran {
                report.resurrected = self.handle_resurrected(unreachable, survivors);
            }
            clock.lap(&mut report.steps, CollectionStep::HandleResurrected);
            // DeleteUnreachable.
            report.collected = weakrefs_freed + unreachable.len();
            self.delete_unreachable(unreachable, survivors);
            clock.lap(&mut report.steps, CollectionStep::DeleteUnreachable);
        }

        // HandleLegacyFinalizers.
        self.handle_legacy_finalizers(&legacy);
        clock.lap(&mut report.steps, CollectionStep::HandleLegacyFinalizers);
    }

    /// The pipeline when no user code can run on the set: nothing is set aside,
    /// cleared, finalized or resurrected, and DeleteUnreachable frees the set directly.
    fn free_whole_set<E: Entry>(&mut self, unreachable: &mut [E], report: &mut CollectReport) {
        let mut clock = StepClock::start();
        for step in [
            CollectionStep::MoveLegacyFinalizers,
            CollectionStep::HandleWeakrefs,
            CollectionStep::FinalizeUnreachable,
            CollectionStep::HandleResurrected,
        ] {
            clock.lap(&mut report.steps, step);
        }
        report.collected = unreachable.len();
        self.free_unreachable(unreachable);
        clock.lap(&mut report.steps, CollectionStep::DeleteUnreachable);
        clock.lap(&mut report.steps, CollectionStep::HandleLegacyFinalizers);
    }

    /// MoveLegacyFinalizers: removes from `unreachable` the objects with a legacy
    /// finalizer (in list order) and then everything they reach inside it (CPython's
    /// `move_legacy_finalizers` and `move_legacy_finalizer_reachable`), moves them to
    /// the survivors' place, and returns them in that order.
    fn move_legacy_finalizers(
        &mut self,
        unreachable: &mut Vec<ObjId>,
        survivors: &mut impl FnMut(&mut C, Cx<'_, T>, ObjId),
    ) -> Vec<ObjId> {
        let mut legacy = Vec::new();
        for &id in unreachable.iter() {
            let obj = self.objects.by_id(id);
            if obj.has(flags::LEGACY_FINALIZER) {
                obj.set_gc_refs(REACHABLE);
                legacy.push(id);
            }
        }
        let mut i = 0;
        while i < legacy.len() {
            let id = legacy[i];
            i += 1;
            for t in self.objects.by_id(id).edges() {
                let o = self.objects.at(t);
                if o.is_collecting() && o.gc_refs() != REACHABLE {
                    o.set_gc_refs(REACHABLE);
                    legacy.push(make_id(t, o.body().version));
                }
            }
        }
        let objects = &self.objects;
        unreachable.retain(|&id| objects.by_id(id).gc_refs() != REACHABLE);
        for &id in &legacy {
            survivors(&mut self.gc, Cx::new(&mut self.objects), id);
        }
        legacy
    }

    /// HandleWeakrefs: per unreachable object, in order, clears the weak references it
    /// holds (no callback) and those to it; then calls the callbacks of cleared
    /// references whose owner is not in the unreachable set, most recent first per
    /// object, each with a temporary reference to its owner (CPython's
    /// `handle_weakrefs`). Returns the weak
    /// references cleared, the owners freed when their temporary reference went, and
    /// whether any callback ran.
    fn handle_weakrefs(&mut self, unreachable: &[ObjId]) -> (usize, usize, bool) {
        let before = self.weak.len();
        let mut to_call = Vec::new();
        for &id in unreachable {
            if self.objects.by_id(id).has(flags::OWNS_WEAKREF) {
                self.drop_owned_weakrefs(id);
            }
            if self.objects.by_id(id).has(flags::HAS_WEAKREFS) {
                // A reference held by an object of the same unreachable set is cleared
                // without its callback (CPython's rule: it could see half-cleared objects
                // or resurrect unreachable objects).
                to_call.extend(self.take_weakrefs_to(id, |heap, owner| {
                    heap.objects
                        .get(owner)
                        .is_some_and(|o| o.space() != COLLECTING)
                }));
            }
        }
        let cleared = before - self.weak.len();
        for &(_, _, owner) in &to_call {
            if let Some(owner) = owner {
                self.take_temp_ref(owner);
            }
        }
        let called = !to_call.is_empty();
        let mut freed = 0;
        for (weak, cb, owner) in to_call {
            self.run_weak_callback(weak, cb);
            if let Some(owner) = owner {
                self.drop_temp_ref(owner);
                if !self.objects.contains_key(owner) {
                    freed += 1;
                }
            }
        }
        (cleared, freed, called)
    }

    /// FinalizeUnreachable: runs the unrun finalizers of the objects still in the working
    /// list, in order, each with a temporary reference to its object (CPython's
    /// `finalize_garbage`): a finalizer that breaks its object's own cycle still sees it
    /// intact, and the object is freed when the reference is given back. Returns how
    /// many ran.
    fn finalize_unreachable(&mut self, unreachable: &[ObjId]) -> usize {
        let mut ran = 0;
        for &id in unreachable {
            if !self
                .objects
                .get(id)
                .is_some_and(|o| o.is_collecting() && o.has(flags::HAS_FINALIZER))
            {
                continue;
            }
            self.take_temp_ref(id);
            self.run_finalizer(id);
            self.drop_temp_ref(id);
            ran += 1;
        }
        ran
    }

    /// HandleResurrected: drops objects freed meanwhile from `unreachable`, runs trial
    /// deletion over what is left, moves what is now reachable to the survivors' place
    /// (CPython's `handle_resurrected_objects`), and leaves only the still-unreachable
    /// objects in `unreachable`, in order. Returns how many survived.
    fn handle_resurrected(
        &mut self,
        unreachable: &mut Vec<ObjId>,
        survivors: &mut impl FnMut(&mut C, Cx<'_, T>, ObjId),
    ) -> usize {
        let objects = &self.objects;
        unreachable.retain(|&id| objects.get(id).is_some_and(|o| o.is_collecting()));
        let member = |y: u8| y == COLLECTING;
        update_refs(&self.objects, unreachable);
        subtract_refs(&self.objects, unreachable, member);
        let mut still = Vec::with_capacity(unreachable.len());
        if move_unreachable(&self.objects, unreachable, member, &mut still) {
            drop_moved_back(&self.objects, &mut still);
        }
        let resurrected = unreachable.len();
        for &id in unreachable.iter() {
            survivors(&mut self.gc, Cx::new(&mut self.objects), id);
        }
        *unreachable = still;
        self.counters.resurrections += resurrected as u64;
        resurrected
    }

    /// DeleteUnreachable: breaks the cycles of the final unreachable set by clearing each
    /// object's edges (CPython's `tp_clear`) while holding a temporary reference; the
    /// refcount cascade frees the objects. In save-all mode the objects go to `garbage`
    /// instead. Anything still alive afterwards moves to the survivors' place.
    fn delete_unreachable(
        &mut self,
        unreachable: &mut [ObjId],
        survivors: &mut impl FnMut(&mut C, Cx<'_, T>, ObjId),
    ) {
        let collecting =
            |heap: &Self, id: ObjId| heap.objects.get(id).is_some_and(|o| o.is_collecting());
        if self.debug_saveall {
            for &id in unreachable.iter() {
                if collecting(self, id) {
                    if self.hold(id).is_ok() {
                        self.garbage.push(id);
                    }
                    survivors(&mut self.gc, Cx::new(&mut self.objects), id);
                }
            }
            return;
        }
        if self.no_user_code_on_garbage() {
            // No user code can run, so no object of the set can be resurrected: free
            // them all directly, dropping only the references they hold to objects
            // outside the set (those may cascade as usual).
            self.free_unreachable(unreachable);
            return;
        }
        for &id in unreachable.iter() {
            if !collecting(self, id) {
                continue;
            }
            self.take_temp_ref(id);
            let edges = self.objects.by_id_mut(id).take_edges();
            self.release_edges(edges);
            self.drop_temp_ref(id);
            if collecting(self, id) {
                survivors(&mut self.gc, Cx::new(&mut self.objects), id);
                // Giving the temporary reference back left the count above zero (user
                // code run by the clearing linked to the object) while the object sat in
                // the working set, where no strategy sees a possible root: report it now
                // that the strategy holds it again, or a garbage cycle through it would
                // never be examined by a strategy that only scans its possible roots.
                self.gc.on_possible_root(Cx::new(&mut self.objects), id);
            }
        }
    }

    /// HandleLegacyFinalizers: appends the set-aside objects that have a legacy
    /// finalizer themselves (all of them in save-all mode) to `garbage`, in order.
    fn handle_legacy_finalizers(&mut self, legacy: &[ObjId]) {
        for &id in legacy {
            let Some(obj) = self.objects.get(id) else {
                continue;
            };
            if (self.debug_saveall || obj.has(flags::LEGACY_FINALIZER)) && self.hold(id).is_ok() {
                self.garbage.push(id);
            }
        }
    }
}
