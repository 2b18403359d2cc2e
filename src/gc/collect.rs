//! One collection, step by step (CPython 3.12/3.13's `gc_collect_main`).

use std::time::Instant;

use crate::gc::CollectReport;
use crate::gc::trial::{REACHABLE, move_unreachable, subtract_refs, update_refs};
use crate::heap::Heap;
use crate::object::{COLLECTING, Edges, ObjId, Object, UNTRACKED, flags};

/// When a collection observer is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Before the collection; the report holds only the generation.
    Start,
    /// After the collection, with its full report.
    Stop,
}

/// The steps of one collection of generation `g`, in the order they run.
///
/// Steps 2–4 are trial deletion proper ([`crate::gc::trial`]); 6–9 are PEP 442's safe
/// object finalization, in CPython's order. Steps after 4 only see the unreachable set,
/// so a collection that finds no garbage costs steps 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CollectionStep {
    /// Merge generations `0..g` into generation `g`: the examined ("young") set.
    MergeGenerations,
    /// Copy each refcount into the scratch count (`gc_refs`).
    UpdateRefs,
    /// Subtract every reference that comes from inside the set.
    SubtractRefs,
    /// Mark everything reachable from an object with a positive count; the rest is
    /// unreachable.
    MoveUnreachable,
    /// Move survivors to generation `g + 1` (the oldest stays put), untrack immutable
    /// objects whose referents are all untracked, and update the counts and the
    /// long-lived heuristic.
    PromoteSurvivors,
    /// Set aside unreachable objects with a legacy finalizer, and all they reach: they are
    /// uncollectable.
    MoveLegacyFinalizers,
    /// Clear weak references to unreachable objects (and those held by them); then call
    /// the callbacks of cleared references that are themselves reachable.
    HandleWeakrefs,
    /// Run the finalizers of unreachable objects that have not been finalized.
    FinalizeGarbage,
    /// Trial deletion again over the unreachable set: whatever a finalizer made
    /// reachable survives, and moves to the oldest generation.
    HandleResurrected,
    /// Clear the edges of what is still unreachable, so the refcount cascade frees it (or,
    /// in save-all mode, append it to `garbage`).
    DeleteGarbage,
    /// Append the surviving legacy-finalizer objects to `garbage`, as uncollectable.
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
    /// in order. The caller has checked `g` and that no collection is running.
    pub(crate) fn collect_main(&mut self, g: usize) -> CollectReport {
        let start = Instant::now();
        self.gc.collecting = true;
        let mut report = CollectReport {
            generation: g,
            ..CollectReport::default()
        };
        let oldest = self.gc.generations() - 1;
        let older = if g < oldest { g + 1 } else { g } as u8;

        // MergeGenerations.
        self.merge_young(g);
        let young = std::mem::take(&mut self.gc.gens[g]);
        report.candidates = young.len();

        // UpdateRefs, SubtractRefs, MoveUnreachable.
        let gen_no = g as u8;
        let member = |o: &Object<T>| (o.generation == gen_no).then_some(o.gen_index as usize);
        let mut scratch = std::mem::take(&mut self.gc.scratch);
        update_refs(&self.objects, &young, &mut scratch);
        subtract_refs(&self.objects, &young, &mut scratch, member);
        let reachable = match self.gc.fault {
            None => move_unreachable(&self.objects, &young, &mut scratch, member),
            Some(fault) => self.faulty_move_unreachable(fault, &young, &mut scratch, member),
        };

        // PromoteSurvivors (and set the unreachable ones aside in the working list).
        let mut unreachable = std::mem::take(&mut self.gc.working);
        unreachable.clear();
        let mut legacy_seen = false;
        if reachable == young.len() && older == gen_no && !self.gc.has_immutables {
            // Nothing moves: the generation keeps its list and every index.
            self.gc.gens[g] = young;
        } else {
            let before = self.gc.gens[older as usize].len();
            for (i, &id) in young.iter().enumerate() {
                if scratch[i] == REACHABLE {
                    if self.untrack_if_immutable_leaf(id) {
                        report.untracked += 1;
                    } else {
                        self.gc.push(&mut self.objects, id, older);
                    }
                } else {
                    let obj = &mut self.objects[id];
                    legacy_seen |= obj.has(flags::LEGACY_FINALIZER);
                    obj.generation = COLLECTING;
                    obj.gen_index = unreachable.len() as u32;
                    unreachable.push(id);
                }
            }
            let promoted = self.gc.gens[older as usize].len() - before;
            if older != gen_no {
                self.note_long_lived(g, promoted);
            }
        }
        if older == gen_no {
            self.note_long_lived(g, 0);
        }
        self.after_collection_counts(g);

        // MoveLegacyFinalizers.
        let legacy = if legacy_seen {
            self.move_legacy_finalizers(&mut unreachable, &mut scratch, older)
        } else {
            Vec::new()
        };

        let mut user_code_ran = false;
        if !unreachable.is_empty() {
            // HandleWeakrefs.
            let mut callbacks = Vec::new();
            for &id in &unreachable {
                let obj = &self.objects[id];
                if obj.has(flags::OWNS_WEAKREF) {
                    self.drop_owned_weakrefs(id);
                }
                if self.objects[id].has(flags::HAS_WEAKREFS) {
                    report.weakrefs_cleared += self.weakref_count(id).unwrap_or(0);
                    // A reference held by an object of the same garbage is cleared
                    // without its callback (CPython's rule: it could see half-cleared
                    // objects or resurrect garbage).
                    callbacks.extend(self.take_weakrefs_to(id, |heap, owner| {
                        heap.objects
                            .get(owner)
                            .is_some_and(|o| o.generation != COLLECTING)
                    }));
                }
            }
            if !callbacks.is_empty() {
                user_code_ran = true;
                self.run_weak_callbacks(callbacks);
            }

            // FinalizeGarbage.
            if !self.finalizers.is_empty() {
                for i in 0..unreachable.len() {
                    let id = unreachable[i];
                    if self
                        .objects
                        .get(id)
                        .is_some_and(|o| o.has(flags::HAS_FINALIZER))
                    {
                        self.run_finalizer(id);
                        report.finalizers_run += 1;
                        user_code_ran = true;
                    }
                }
            }

            // HandleResurrected.
            if user_code_ran {
                report.resurrected = self.handle_resurrected(&mut unreachable, &mut scratch);
            }

            // DeleteGarbage.
            report.collected = unreachable.len();
            self.delete_garbage(&unreachable, older);
        }

        // HandleLegacyFinalizers.
        for id in legacy {
            if self.objects.contains_key(id) {
                self.gc.garbage.push(id);
                // Cannot fail: the object is alive and the garbage list is a new holder
                // of at most one reference per collection.
                if self.hold(id).is_err() {
                    self.gc.garbage.pop();
                } else {
                    report.uncollectable += 1;
                }
            }
        }

        unreachable.clear();
        self.gc.working = unreachable;
        self.gc.scratch = scratch;
        self.gc.collecting = false;
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

    /// `move_unreachable` with an injected [`Fault`](crate::gc::Fault) (test builds only
    /// ever set one).
    fn faulty_move_unreachable(
        &self,
        fault: crate::gc::Fault,
        young: &[ObjId],
        scratch: &mut [u32],
        member: impl Fn(&Object<T>) -> Option<usize> + Copy,
    ) -> usize {
        use crate::gc::Fault;
        if fault == Fault::SkipSubtractForOneEdge {
            // Undo the first subtraction: as if subtract_refs had skipped that edge.
            if let Some(j) = young
                .iter()
                .flat_map(|&id| self.objects[id].edges.as_slice())
                .find_map(|&t| member(&self.objects[t]))
            {
                scratch[j] += 1;
            }
        }
        let after_subtract = scratch.to_vec();
        let mut reachable = move_unreachable(&self.objects, young, scratch, member);
        if fault == Fault::ForgetOneReachable
            && let Some(i) =
                (0..young.len()).find(|&i| after_subtract[i] == 0 && scratch[i] == REACHABLE)
        {
            scratch[i] = 0;
            reachable -= 1;
        }
        reachable
    }

    /// MergeGenerations: appends generations `0..g` to generation `g`.
    fn merge_young(&mut self, g: usize) {
        for y in 0..g {
            let list = std::mem::take(&mut self.gc.gens[y]);
            for id in list {
                self.gc.push(&mut self.objects, id, g as u8);
            }
        }
    }

    /// Untracks `id` if it is immutable and every referent is untracked (CPython's
    /// `_PyTuple_MaybeUntrack`): nothing it references can ever be part of a cycle.
    fn untrack_if_immutable_leaf(&mut self, id: ObjId) -> bool {
        let obj = &self.objects[id];
        if !obj.has(flags::IMMUTABLE) {
            return false;
        }
        if obj
            .edges
            .as_slice()
            .iter()
            .any(|&t| self.objects[t].generation != UNTRACKED)
        {
            return false;
        }
        self.objects[id].generation = UNTRACKED;
        true
    }

    /// MoveLegacyFinalizers: removes from `unreachable` the objects with a legacy
    /// finalizer and everything they reach inside it, puts them in generation `older`,
    /// and returns them. `unreachable` stays compact and indexed.
    fn move_legacy_finalizers(
        &mut self,
        unreachable: &mut Vec<ObjId>,
        mark: &mut Vec<u32>,
        older: u8,
    ) -> Vec<ObjId> {
        mark.clear();
        mark.resize(unreachable.len(), 0);
        let mut stack: Vec<usize> = Vec::new();
        for (i, &id) in unreachable.iter().enumerate() {
            if self.objects[id].has(flags::LEGACY_FINALIZER) {
                mark[i] = REACHABLE;
                stack.push(i);
            }
        }
        while let Some(i) = stack.pop() {
            for &t in self.objects[unreachable[i]].edges.as_slice() {
                let o = &self.objects[t];
                if o.generation == COLLECTING && mark[o.gen_index as usize] != REACHABLE {
                    mark[o.gen_index as usize] = REACHABLE;
                    stack.push(o.gen_index as usize);
                }
            }
        }
        let mut legacy = Vec::new();
        let mut rest = Vec::with_capacity(unreachable.len());
        for (i, &id) in unreachable.iter().enumerate() {
            if mark[i] == REACHABLE {
                self.gc.push(&mut self.objects, id, older);
                legacy.push(id);
            } else {
                self.objects[id].gen_index = rest.len() as u32;
                rest.push(id);
            }
        }
        *unreachable = rest;
        legacy
    }

    /// HandleResurrected: drops objects freed meanwhile from `unreachable`, runs trial
    /// deletion over what is left, moves what is now reachable to the oldest generation,
    /// and leaves only the still-unreachable objects in `unreachable`. Returns how many
    /// survived.
    fn handle_resurrected(
        &mut self,
        unreachable: &mut Vec<ObjId>,
        scratch: &mut Vec<u32>,
    ) -> usize {
        let objects = &mut self.objects;
        unreachable.retain(|&id| objects.get(id).is_some_and(|o| o.generation == COLLECTING));
        for (i, &id) in unreachable.iter().enumerate() {
            objects[id].gen_index = i as u32;
        }
        let member = |o: &Object<T>| (o.generation == COLLECTING).then_some(o.gen_index as usize);
        update_refs(&self.objects, unreachable, scratch);
        subtract_refs(&self.objects, unreachable, scratch, member);
        let resurrected = move_unreachable(&self.objects, unreachable, scratch, member);
        if resurrected == 0 {
            return 0;
        }
        let oldest = (self.gc.generations() - 1) as u8;
        let mut still = Vec::with_capacity(unreachable.len() - resurrected);
        for (i, &id) in unreachable.iter().enumerate() {
            if scratch[i] == REACHABLE {
                self.gc.push(&mut self.objects, id, oldest);
            } else {
                self.objects[id].gen_index = still.len() as u32;
                still.push(id);
            }
        }
        self.counters.resurrections += resurrected as u64;
        *unreachable = still;
        resurrected
    }

    /// DeleteGarbage: breaks the cycles of the final unreachable set by clearing each
    /// object's edges (CPython's `tp_clear`); the refcount cascade frees the objects. In
    /// save-all mode the objects go to `garbage` instead. Anything still alive afterwards
    /// moves to generation `older`.
    fn delete_garbage(&mut self, unreachable: &[ObjId], older: u8) {
        if self.gc.debug_saveall {
            for &id in unreachable {
                if self
                    .objects
                    .get(id)
                    .is_some_and(|o| o.generation == COLLECTING)
                {
                    self.gc.push(&mut self.objects, id, older);
                    if self.hold(id).is_ok() {
                        self.gc.garbage.push(id);
                    }
                }
            }
            return;
        }
        for &id in unreachable {
            if let Some(obj) = self.objects.get_mut(id) {
                let edges = std::mem::replace(&mut obj.edges, Edges::Empty);
                self.release_edges(edges);
            }
        }
        for &id in unreachable {
            if self
                .objects
                .get(id)
                .is_some_and(|o| o.generation == COLLECTING)
            {
                self.gc.push(&mut self.objects, id, older);
            }
        }
    }
}
