//! One collection, step by step (CPython 3.12/3.13's `gc_collect_main`).

use std::time::Instant;

use crate::gc::CollectReport;
use crate::gc::trial::{
    REACHABLE, TENTATIVELY_UNREACHABLE, drop_moved_back, move_unreachable, subtract_refs,
    update_refs,
};
use crate::heap::Heap;
use crate::object::{COLLECTING, ObjId, UNTRACKED, flags};

/// When a collection observer is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Before the collection; the report holds only the generation.
    Start,
    /// After the collection, with its full report.
    Stop,
}

/// The steps of one collection of generation `g`, in the order they run (CPython 3.11–3.13's
/// `gc_collect_main`).
///
/// Steps 2–4 are trial deletion proper ([`crate::gc::trial`]); 6–10 are PEP 442's safe
/// object finalization, in CPython's order. Steps after 4 only see the unreachable set,
/// so a collection that finds no garbage costs steps 1–5. User code (weak-reference
/// callbacks, finalizers, and the release cascades of step 10) runs from step 7 on; it
/// may allocate (into generation 0, which the collection no longer touches), release,
/// and request collections (which do nothing while this one runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollectionStep {
    /// Take generation `g`'s list, then generations `0, 1, … g-1` appended in that order
    /// (CPython's `gc_list_merge` loop): the examined ("young") set. The generation lists
    /// are left empty; headers are rewritten when survivors are promoted.
    MergeGenerations,
    /// Copy each refcount into the scratch count (`gc_refs`).
    UpdateRefs,
    /// Subtract every reference that comes from inside the set.
    SubtractRefs,
    /// Scan the set in order: what has a positive count, and what it reaches, is
    /// reachable; the rest is unreachable, in scan order (CPython's list algorithm).
    MoveUnreachable,
    /// Untrack immutable objects none of whose referents may be tracked (in list order,
    /// CPython's `untrack_tuples`), in a full collection also lazily tracked containers
    /// (`untrack_dicts`); append the survivors to generation `g + 1` (the oldest stays
    /// put); update the long-lived heuristic.
    PromoteSurvivors,
    /// Set aside unreachable objects with a legacy finalizer, and all they reach: they are
    /// uncollectable, and move to generation `g + 1`.
    MoveLegacyFinalizers,
    /// Clear weak references to unreachable objects (and those held by them); then call
    /// the callbacks of cleared references that are themselves reachable, most recent
    /// first per object, each holding a temporary reference to its owner. An owner freed
    /// when it is given back counts as collected.
    HandleWeakrefs,
    /// Run the finalizers of unreachable objects that have not been finalized, in list
    /// order, each holding a temporary reference to its object.
    FinalizeGarbage,
    /// Trial deletion again over the unreachable set: whatever user code made reachable
    /// survives, and moves to generation `g + 1` (the oldest stays put).
    HandleResurrected,
    /// Clear the edges of what is still unreachable, one object at a time holding a
    /// temporary reference, so the refcount cascade frees it (or, in save-all mode,
    /// append it to `garbage`). What is still alive afterwards moves to generation `g + 1`.
    DeleteGarbage,
    /// Append the set-aside objects that themselves have a legacy finalizer to `garbage`
    /// (every set-aside object in save-all mode).
    HandleLegacyFinalizers,
}

impl CollectionStep {
    /// Every step, in order.
    pub const ALL: [CollectionStep; 11] = [
        CollectionStep::MergeGenerations,
        CollectionStep::UpdateRefs,
        CollectionStep::SubtractRefs,
        CollectionStep::MoveUnreachable,
        CollectionStep::PromoteSurvivors,
        CollectionStep::MoveLegacyFinalizers,
        CollectionStep::HandleWeakrefs,
        CollectionStep::FinalizeGarbage,
        CollectionStep::HandleResurrected,
        CollectionStep::DeleteGarbage,
        CollectionStep::HandleLegacyFinalizers,
    ];
}

impl<T> Heap<T> {
    /// Collects generation `g` (and all younger ones), running every [`CollectionStep`]
    /// in order. The caller has checked `g` and set the collecting flag.
    pub(crate) fn collect_main(&mut self, g: usize) -> CollectReport {
        let start = Instant::now();
        debug_assert!(
            self.collecting,
            "bug: collect_main outside the collecting window"
        );
        let mut report = CollectReport {
            generation: g,
            ..CollectReport::default()
        };
        let oldest = self.gc.generations() - 1;
        let older = if g < oldest { g + 1 } else { g } as u8;
        let gen_no = g as u8;
        self.after_collection_counts(g);

        // MergeGenerations.
        let mut young = std::mem::take(&mut self.gc.young_buf);
        young.clear();
        self.gc.gens[g].drain_into(&mut young);
        for y in 0..g {
            self.gc.gens[y].drain_into(&mut young);
        }
        report.candidates = young.len();

        // UpdateRefs, SubtractRefs, MoveUnreachable (scratch counts in the headers).
        let member = |y: u8| y <= gen_no;
        update_refs(&self.objects, &young);
        subtract_refs(&self.objects, &young, member);
        let mut unreachable = std::mem::take(&mut self.gc.unreachable_buf);
        let moved_back = match self.gc.fault {
            None => move_unreachable(&self.objects, &mut young, member, &mut unreachable),
            Some(fault) => {
                self.faulty_move_unreachable(fault, &mut young, gen_no, &mut unreachable);
                true
            }
        };

        // PromoteSurvivors.
        report.untracked = self.promote_survivors(&young, g, older);
        young.clear();
        self.gc.young_buf = young;

        // The unreachable objects become the working list (one pass that also drops
        // the objects move_unreachable moved back).
        let mut legacy_seen = false;
        let mut kept = 0;
        for i in 0..unreachable.len() {
            let id = unreachable[i];
            let obj = &mut self.objects[id];
            if moved_back && obj.gc_refs() != TENTATIVELY_UNREACHABLE {
                continue;
            }
            legacy_seen |= obj.has(flags::LEGACY_FINALIZER);
            obj.generation = COLLECTING;
            unreachable[kept] = id;
            kept += 1;
        }
        unreachable.truncate(kept);

        // MoveLegacyFinalizers.
        let legacy = if legacy_seen {
            self.move_legacy_finalizers(&mut unreachable, older)
        } else {
            Vec::new()
        };
        report.uncollectable = legacy.len();

        if !unreachable.is_empty() {
            let mut user_code_ran = false;
            let mut weakrefs_freed = 0;
            // HandleWeakrefs.
            if self.weak.has_any() {
                let (cleared, freed, called) = self.handle_weakrefs(&unreachable);
                report.weakrefs_cleared = cleared;
                weakrefs_freed = freed;
                user_code_ran |= called;
            }
            // FinalizeGarbage.
            if !self.finalizers.is_empty() {
                report.finalizers_run = self.finalize_garbage(&unreachable);
                user_code_ran |= report.finalizers_run > 0;
            }
            // HandleResurrected.
            if user_code_ran {
                report.resurrected = self.handle_resurrected(&mut unreachable, older);
            }
            // DeleteGarbage.
            report.collected = weakrefs_freed + unreachable.len();
            self.delete_garbage(&unreachable, older);
        }

        // HandleLegacyFinalizers.
        self.handle_legacy_finalizers(&legacy);
        unreachable.clear();
        self.gc.unreachable_buf = unreachable;

        report.duration = start.elapsed();
        let stats = &mut self.gc.stats[g];
        stats.collections += 1;
        stats.collected += report.collected as u64;
        stats.uncollectable += report.uncollectable as u64;
        stats.candidates += report.candidates as u64;
        stats.untracked += report.untracked as u64;
        stats.duration += report.duration;
        report
    }

    /// `move_unreachable` with an injected [`Fault`](crate::gc::Fault) (only the test
    /// harness ever sets one).
    fn faulty_move_unreachable(
        &self,
        fault: crate::gc::Fault,
        young: &mut Vec<ObjId>,
        gen_no: u8,
        unreachable: &mut Vec<ObjId>,
    ) {
        use crate::gc::Fault;
        let member = |y: u8| y <= gen_no;
        if fault == Fault::SkipSubtractForOneEdge {
            // Undo the first subtraction: as if subtract_refs had skipped that edge.
            if let Some(t) = young
                .iter()
                .flat_map(|&id| self.objects[id].edges.as_slice())
                .find(|&&t| member(self.objects[t].generation))
            {
                let obj = &self.objects[*t];
                obj.set_gc_refs(obj.gc_refs() + 1);
            }
        }
        let mut after_subtract = slotmap::SecondaryMap::new();
        for &id in young.iter() {
            after_subtract.insert(id, self.objects[id].gc_refs());
        }
        if move_unreachable(&self.objects, young, member, unreachable) {
            drop_moved_back(&self.objects, unreachable);
        }
        if fault == Fault::ForgetOneReachable
            && let Some(i) = young.iter().position(|&id| after_subtract[id] == 0)
        {
            let id = young.remove(i);
            self.objects[id].set_gc_refs(TENTATIVELY_UNREACHABLE);
            unreachable.push(id);
        }
    }

    /// PromoteSurvivors: untracks what may be untracked (CPython's `untrack_tuples`,
    /// and `untrack_dicts` in full collections), appends the rest of `survivors`, in
    /// order, to generation `older`, and updates the long-lived heuristic. Returns how
    /// many objects were untracked.
    fn promote_survivors(&mut self, survivors: &[ObjId], g: usize, older: u8) -> usize {
        let mut untracked = 0;
        if self.gc.has_immutables {
            for &id in survivors {
                if self.objects[id].has(flags::IMMUTABLE) && self.holds_nothing_trackable(id) {
                    self.objects[id].generation = UNTRACKED;
                    untracked += 1;
                }
            }
        }
        let full = g + 1 == self.gc.generations();
        if full && self.gc.has_lazy {
            for &id in survivors {
                let obj = &self.objects[id];
                if obj.has(flags::LAZY) && obj.is_tracked() && self.holds_nothing_trackable(id) {
                    self.objects[id].generation = UNTRACKED;
                    untracked += 1;
                }
            }
        }
        let before = self.gc.gens[older as usize].len();
        for &id in survivors {
            if self.objects[id].generation != UNTRACKED {
                self.gc.push(&mut self.objects, id, older);
            }
        }
        let promoted = self.gc.gens[older as usize].len() - before;
        self.note_long_lived(g, promoted);
        untracked
    }

    /// Whether none of `id`'s referents may be tracked (CPython's
    /// `_PyTuple_MaybeUntrack` / `_PyDict_MaybeUntrack` test): nothing it references can
    /// ever be part of a cycle.
    fn holds_nothing_trackable(&self, id: ObjId) -> bool {
        self.objects[id]
            .edges
            .as_slice()
            .iter()
            .all(|&t| !self.objects[t].may_be_tracked())
    }

    /// MoveLegacyFinalizers: removes from `unreachable` the objects with a legacy
    /// finalizer (in list order) and then everything they reach inside it (CPython's
    /// `move_legacy_finalizers` and `move_legacy_finalizer_reachable`), moves them to
    /// generation `older`, and returns them in that order.
    fn move_legacy_finalizers(&mut self, unreachable: &mut Vec<ObjId>, older: u8) -> Vec<ObjId> {
        let mut legacy = Vec::new();
        for &id in unreachable.iter() {
            let obj = &self.objects[id];
            if obj.has(flags::LEGACY_FINALIZER) {
                obj.set_gc_refs(REACHABLE);
                legacy.push(id);
            }
        }
        let mut i = 0;
        while i < legacy.len() {
            let id = legacy[i];
            i += 1;
            for &t in self.objects[id].edges.as_slice() {
                let o = &self.objects[t];
                if o.generation == COLLECTING && o.gc_refs() != REACHABLE {
                    o.set_gc_refs(REACHABLE);
                    legacy.push(t);
                }
            }
        }
        let objects = &self.objects;
        unreachable.retain(|&id| objects[id].gc_refs() != REACHABLE);
        for &id in &legacy {
            self.gc.push(&mut self.objects, id, older);
        }
        legacy
    }

    /// HandleWeakrefs: per unreachable object, in order, clears the weak references it
    /// holds (no callback) and those to it; then calls the callbacks of cleared
    /// references whose owner is not garbage, most recent first per object, each with a
    /// temporary reference to its owner (CPython's `handle_weakrefs`). Returns the weak
    /// references cleared, the owners freed when their temporary reference went, and
    /// whether any callback ran.
    fn handle_weakrefs(&mut self, unreachable: &[ObjId]) -> (usize, usize, bool) {
        let before = self.weak.len();
        let mut to_call = Vec::new();
        for &id in unreachable {
            if self.objects[id].has(flags::OWNS_WEAKREF) {
                self.drop_owned_weakrefs(id);
            }
            if self.objects[id].has(flags::HAS_WEAKREFS) {
                // A reference held by an object of the same garbage is cleared without
                // its callback (CPython's rule: it could see half-cleared objects or
                // resurrect garbage).
                to_call.extend(self.take_weakrefs_to(id, |heap, owner| {
                    heap.objects
                        .get(owner)
                        .is_some_and(|o| o.generation != COLLECTING)
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

    /// FinalizeGarbage: runs the unrun finalizers of the objects still in the working
    /// list, in order, each with a temporary reference to its object (CPython's
    /// `finalize_garbage`): a finalizer that breaks its object's own cycle still sees it
    /// intact, and the object is freed when the reference is given back. Returns how
    /// many ran.
    fn finalize_garbage(&mut self, unreachable: &[ObjId]) -> usize {
        let mut ran = 0;
        for &id in unreachable {
            if !self
                .objects
                .get(id)
                .is_some_and(|o| o.generation == COLLECTING && o.has(flags::HAS_FINALIZER))
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
    /// deletion over what is left, moves what is now reachable to generation `older`
    /// (CPython's `handle_resurrected_objects`), and leaves only the still-unreachable
    /// objects in `unreachable`, in order. Returns how many survived.
    fn handle_resurrected(&mut self, unreachable: &mut Vec<ObjId>, older: u8) -> usize {
        let objects = &self.objects;
        unreachable.retain(|&id| objects.get(id).is_some_and(|o| o.generation == COLLECTING));
        let member = |y: u8| y == COLLECTING;
        update_refs(&self.objects, unreachable);
        subtract_refs(&self.objects, unreachable, member);
        let mut still = Vec::with_capacity(unreachable.len());
        if move_unreachable(&self.objects, unreachable, member, &mut still) {
            drop_moved_back(&self.objects, &mut still);
        }
        let resurrected = unreachable.len();
        for &id in unreachable.iter() {
            self.gc.push(&mut self.objects, id, older);
        }
        *unreachable = still;
        self.counters.resurrections += resurrected as u64;
        resurrected
    }

    /// DeleteGarbage: breaks the cycles of the final unreachable set by clearing each
    /// object's edges (CPython's `tp_clear`) while holding a temporary reference; the
    /// refcount cascade frees the objects. In save-all mode the objects go to `garbage`
    /// instead. Anything still alive afterwards moves to generation `older`.
    fn delete_garbage(&mut self, unreachable: &[ObjId], older: u8) {
        let collecting = |heap: &Self, id: ObjId| {
            heap.objects
                .get(id)
                .is_some_and(|o| o.generation == COLLECTING)
        };
        if self.debug_saveall {
            for &id in unreachable {
                if collecting(self, id) {
                    if self.hold(id).is_ok() {
                        self.garbage.push(id);
                    }
                    self.gc.push(&mut self.objects, id, older);
                }
            }
            return;
        }
        if self.finalizers.is_empty() && self.legacy.is_empty() && !self.weak.has_any() {
            // No user code can run, so no object of the set can be resurrected: free
            // them all directly, dropping only the references they hold to objects
            // outside the set (those may cascade as usual).
            self.free_garbage(unreachable);
            return;
        }
        for &id in unreachable {
            if !collecting(self, id) {
                continue;
            }
            self.take_temp_ref(id);
            let edges = std::mem::take(&mut self.objects[id].edges);
            self.release_edges(edges);
            self.drop_temp_ref(id);
            if collecting(self, id) {
                self.gc.push(&mut self.objects, id, older);
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
