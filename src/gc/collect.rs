//! One collection, step by step (CPython 3.12/3.13's `gc_collect_main`).

use std::time::Instant;

use crate::gc::trial::{subtract_refs, update_refs};
use crate::gc::{CollectReport, Cx, Generational};
use crate::heap::Heap;
use crate::object::{ObjId, UNTRACKED, flags};

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
    /// order, each holding a temporary reference to its object (CPython's
    /// `finalize_garbage`; "garbage" in gclab names only the `gc.garbage` list).
    FinalizeUnreachable,
    /// Trial deletion again over the unreachable set: whatever user code made reachable
    /// survives, and moves to generation `g + 1` (the oldest stays put).
    HandleResurrected,
    /// Clear the edges of what is still unreachable, one object at a time holding a
    /// temporary reference, so the refcount cascade frees it (or, in save-all mode,
    /// append it to `garbage`). What is still alive afterwards moves to generation `g + 1`
    /// (CPython's `delete_garbage`).
    DeleteUnreachable,
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
        CollectionStep::FinalizeUnreachable,
        CollectionStep::HandleResurrected,
        CollectionStep::DeleteUnreachable,
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
        // The mark-alive pre-pass (an option, full collections only; see
        // `Generational::with_mark_alive`): what the roots reach leaves the examined set.
        let alive = if self.gc.mark_alive && g == oldest {
            self.mark_alive_step(&mut young)
        } else {
            Vec::new()
        };
        report.candidates = young.len();
        self.note_examined(&young);

        // UpdateRefs, SubtractRefs, MoveUnreachable (scratch counts in the headers).
        let member = |y: u8| y <= gen_no;
        update_refs(&self.objects, &young);
        subtract_refs(&self.objects, &young, member);
        let mut unreachable = std::mem::take(&mut self.gc.unreachable_buf);
        let moved_back = self.move_unreachable_pass(&mut young, gen_no, &mut unreachable);

        // PromoteSurvivors (what was marked alive is promoted after the reachable ones).
        young.extend(alive);
        report.untracked = self.promote_survivors(&mut young, g, older);
        young.clear();
        self.gc.young_buf = young;

        // MoveLegacyFinalizers … HandleLegacyFinalizers: the shared pipeline, with
        // survivors going to generation `older`.
        self.process_unreachable(
            &mut unreachable,
            moved_back,
            &mut report,
            &mut |gc: &mut Generational, cx: Cx<'_, T>, id| gc.push(cx.objects, id, older),
        );
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

    /// The `move_unreachable` pass of a collection of generation `gen_no` (without the
    /// `testing` feature there is no fault to inject: this is the pass itself). Returns
    /// whether `unreachable` may hold objects moved back.
    #[cfg(not(feature = "testing"))]
    #[inline(always)]
    fn move_unreachable_pass(
        &self,
        young: &mut Vec<ObjId>,
        gen_no: u8,
        unreachable: &mut Vec<ObjId>,
    ) -> bool {
        crate::gc::trial::move_unreachable(&self.objects, young, |y: u8| y <= gen_no, unreachable)
    }

    /// PromoteSurvivors: untracks what may be untracked (CPython's `untrack_tuples`,
    /// and `untrack_dicts` in full collections), appends the rest of `survivors`, in
    /// order, to generation `older`, and updates the long-lived heuristic. Returns how
    /// many objects were untracked.
    fn promote_survivors(&mut self, survivors: &mut Vec<ObjId>, g: usize, older: u8) -> usize {
        let mut untracked = 0;
        if self.gc.has_immutables {
            for &id in survivors.iter() {
                if self.objects[id].has(flags::IMMUTABLE) && self.holds_nothing_trackable(id) {
                    self.objects[id].set_space(UNTRACKED);
                    untracked += 1;
                }
            }
        }
        let full = g + 1 == self.gc.generations();
        if full && self.gc.has_lazy {
            for &id in survivors.iter() {
                let obj = &self.objects[id];
                if obj.has(flags::LAZY) && obj.is_tracked() && self.holds_nothing_trackable(id) {
                    self.objects[id].set_space(UNTRACKED);
                    untracked += 1;
                }
            }
        }
        if untracked > 0 {
            let objects = &self.objects;
            survivors.retain(|&id| objects[id].space() != UNTRACKED);
        }
        let promoted = survivors.len();
        // Append in order (CPython's `gc_list_merge(young, old)`); into an empty
        // generation (a full collection) the survivors' list itself becomes it.
        self.gc.append_all(&mut self.objects, survivors, older);
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
}
