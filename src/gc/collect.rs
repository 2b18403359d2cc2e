//! One collection, step by step (CPython 3.12/3.13's `gc_collect_main`).

use std::time::Instant;

use crate::gc::CollectReport;
use crate::gc::trial::{REACHABLE, move_unreachable, subtract_refs, update_refs};
use crate::heap::Heap;
use crate::object::{COLLECTING, Edges, ObjId, UNTRACKED, flags};

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
    /// Append generations `0..g` to generation `g`'s list: the examined ("young") set.
    /// Only ids are copied; headers are rewritten when survivors are promoted.
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
        let gen_no = g as u8;

        // MergeGenerations: generation g's own list followed by the younger ones' (ids
        // only; the members keep their generation byte until PromoteSurvivors).
        let mut young = std::mem::take(&mut self.gc.gens[g]);
        let own = young.len();
        for y in 0..g {
            young.extend_from_slice(&self.gc.gens[y]);
            self.gc.gens[y].clear();
        }
        report.candidates = young.len();

        // UpdateRefs, SubtractRefs, MoveUnreachable (scratch counts in the headers).
        let member = |y: u8| y <= gen_no;
        update_refs(&self.objects, &young);
        subtract_refs(&self.objects, &young, member);
        let mut stack = std::mem::take(&mut self.gc.mark_stack);
        let reachable = match self.gc.fault {
            None => move_unreachable(&self.objects, &young, member, &mut stack),
            Some(fault) => self.faulty_move_unreachable(fault, &young, gen_no, &mut stack),
        };

        // PromoteSurvivors, and compact the unreachable ones at the front of `young`, which
        // becomes the working list (their generation byte says COLLECTING).
        let mut legacy_seen = false;
        let mut unreachable =
            if reachable == young.len() && older == gen_no && !self.gc.has_immutables {
                // Nothing dies and nothing moves: the generation keeps its list; headers get
                // their positions back.
                for (i, &id) in young.iter().enumerate() {
                    let obj = &mut self.objects[id];
                    obj.gen_index.set(i as u32);
                    if i >= own {
                        obj.generation = gen_no;
                    }
                }
                self.gc.gens[g] = young;
                Vec::new()
            } else {
                let before = self.gc.gens[older as usize].len();
                let mut dead = 0;
                for i in 0..young.len() {
                    let id = young[i];
                    if self.objects[id].gen_index.get() == REACHABLE {
                        if self.untrack_if_immutable_leaf(id) {
                            report.untracked += 1;
                        } else {
                            self.gc.push(&mut self.objects, id, older);
                        }
                    } else {
                        let obj = &mut self.objects[id];
                        legacy_seen |= obj.has(flags::LEGACY_FINALIZER);
                        obj.generation = COLLECTING;
                        obj.gen_index.set(dead as u32);
                        young[dead] = id;
                        dead += 1;
                    }
                }
                young.truncate(dead);
                if older != gen_no {
                    let promoted = self.gc.gens[older as usize].len() - before;
                    self.note_long_lived(g, promoted);
                }
                young
            };
        if older == gen_no {
            self.note_long_lived(g, 0);
        }
        self.after_collection_counts(g);

        // MoveLegacyFinalizers.
        let legacy = if legacy_seen {
            self.move_legacy_finalizers(&mut unreachable, &mut stack, older)
        } else {
            Vec::new()
        };
        self.gc.mark_stack = stack;

        if !unreachable.is_empty() {
            let mut user_code_ran = false;
            // HandleWeakrefs.
            if self.weak.has_any() {
                let weak_before = self.weak.len();
                let mut callbacks = Vec::new();
                for &id in &unreachable {
                    if self.objects[id].has(flags::OWNS_WEAKREF) {
                        self.drop_owned_weakrefs(id);
                    }
                    if self.objects[id].has(flags::HAS_WEAKREFS) {
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
                // Every reference to, or held by, the garbage was cleared, each once.
                report.weakrefs_cleared = weak_before - self.weak.len();
                if !callbacks.is_empty() {
                    user_code_ran = true;
                    self.run_weak_callbacks(callbacks);
                }
            }

            // FinalizeGarbage.
            if !self.finalizers.is_empty() {
                for &id in &unreachable {
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
                report.resurrected = self.handle_resurrected(&mut unreachable);
            }

            // DeleteGarbage.
            report.collected = unreachable.len();
            self.delete_garbage(&unreachable, older);
        }
        if older != gen_no && self.gc.gens[g].capacity() < unreachable.capacity() {
            // Hand the buffer back to the (now empty) collected generation.
            unreachable.clear();
            self.gc.gens[g] = unreachable;
        }

        // HandleLegacyFinalizers.
        for id in legacy {
            if self.objects.contains_key(id) && self.hold(id).is_ok() {
                self.gc.garbage.push(id);
                report.uncollectable += 1;
            }
        }

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

    /// `move_unreachable` with an injected [`Fault`](crate::gc::Fault) (only the test
    /// harness ever sets one).
    fn faulty_move_unreachable(
        &self,
        fault: crate::gc::Fault,
        young: &[ObjId],
        gen_no: u8,
        stack: &mut Vec<ObjId>,
    ) -> usize {
        use crate::gc::Fault;
        let member = |y: u8| y <= gen_no;
        if fault == Fault::SkipSubtractForOneEdge {
            // Undo the first subtraction: as if subtract_refs had skipped that edge.
            if let Some(t) = young
                .iter()
                .flat_map(|&id| self.objects[id].edges.as_slice())
                .find(|&&t| member(self.objects[t].generation))
            {
                let cell = &self.objects[*t].gen_index;
                cell.set(cell.get() + 1);
            }
        }
        let after_subtract: Vec<u32> = young
            .iter()
            .map(|&id| self.objects[id].gen_index.get())
            .collect();
        let mut reachable = move_unreachable(&self.objects, young, member, stack);
        if fault == Fault::ForgetOneReachable
            && let Some(i) = (0..young.len()).find(|&i| {
                after_subtract[i] == 0 && self.objects[young[i]].gen_index.get() == REACHABLE
            })
        {
            self.objects[young[i]].gen_index.set(0);
            reachable -= 1;
        }
        reachable
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
        stack: &mut Vec<ObjId>,
        older: u8,
    ) -> Vec<ObjId> {
        stack.clear();
        for &id in unreachable.iter() {
            let obj = &self.objects[id];
            if obj.has(flags::LEGACY_FINALIZER) {
                obj.gen_index.set(REACHABLE);
                stack.push(id);
            }
        }
        while let Some(id) = stack.pop() {
            for &t in self.objects[id].edges.as_slice() {
                let o = &self.objects[t];
                if o.generation == COLLECTING && o.gen_index.get() != REACHABLE {
                    o.gen_index.set(REACHABLE);
                    stack.push(t);
                }
            }
        }
        let mut legacy = Vec::new();
        let mut rest = Vec::with_capacity(unreachable.len());
        for &id in unreachable.iter() {
            if self.objects[id].gen_index.get() == REACHABLE {
                self.gc.push(&mut self.objects, id, older);
                legacy.push(id);
            } else {
                self.objects[id].gen_index.set(rest.len() as u32);
                rest.push(id);
            }
        }
        *unreachable = rest;
        legacy
    }

    /// HandleResurrected: drops objects freed meanwhile from `unreachable`, runs trial
    /// deletion over what is left, moves what is now reachable to the oldest generation,
    /// and leaves only the still-unreachable objects in `unreachable`, indexed. Returns
    /// how many survived.
    fn handle_resurrected(&mut self, unreachable: &mut Vec<ObjId>) -> usize {
        let objects = &self.objects;
        unreachable.retain(|&id| objects.get(id).is_some_and(|o| o.generation == COLLECTING));
        let member = |y: u8| y == COLLECTING;
        update_refs(&self.objects, unreachable);
        subtract_refs(&self.objects, unreachable, member);
        let mut stack = std::mem::take(&mut self.gc.mark_stack);
        let resurrected = move_unreachable(&self.objects, unreachable, member, &mut stack);
        self.gc.mark_stack = stack;
        let oldest = (self.gc.generations() - 1) as u8;
        let mut still = 0;
        for i in 0..unreachable.len() {
            let id = unreachable[i];
            if self.objects[id].gen_index.get() == REACHABLE {
                self.gc.push(&mut self.objects, id, oldest);
            } else {
                self.objects[id].gen_index.set(still as u32);
                unreachable[still] = id;
                still += 1;
            }
        }
        unreachable.truncate(still);
        self.counters.resurrections += resurrected as u64;
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
        if self.finalizers.is_empty() && !self.weak.has_any() {
            // No finalizer or callback can run, so no object of the set can be
            // resurrected: free them all directly, dropping only the references they hold
            // to objects outside the set (those may cascade as usual).
            self.free_garbage(unreachable);
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
