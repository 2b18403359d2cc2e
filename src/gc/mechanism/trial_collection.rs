//! The trial collection of a list: the fused slot-level passes, the survivors written
//! into their destination list as they are found, and the shared pipeline with its
//! direct free. Every list-keeping strategy reaches the same code through
//! [`Heap::collect_list`].

use std::time::Instant;

#[cfg(feature = "testing")]
use crate::gc::collect::Fault;
use crate::gc::collect::{CollectionStep, StepClock};
use crate::gc::mechanism::TrackedList;
#[cfg(feature = "testing")]
use crate::gc::mechanism::fault::faulty_move_unreachable;
use crate::gc::trial::{
    MAX_TAGGED_LIST, move_unreachable_in_place, move_unreachable_promoting,
    move_unreachable_promoting_growing, update_and_subtract_refs,
};
#[cfg(feature = "testing")]
use crate::gc::trial::{subtract_refs, update_refs};
use crate::gc::{CollectReport, Cx, CycleCollector};
use crate::heap::Heap;
#[cfg(feature = "testing")]
use crate::object::slot_of;
use crate::object::{COLLECTING, ObjId};

impl<T, C: CycleCollector> Heap<T, C> {
    /// Trial deletion of every member of `set` (a list the strategy took whole out of
    /// its own lists, [`TrackedList::take`]), then the PEP 442 pipeline over what it
    /// found unreachable. The survivors, and the objects the pipeline keeps (legacy
    /// finalizers, resurrection, save-all), are appended to the list `into` returns
    /// (which may be the one `set` was taken from), in CPython's order; the rest is
    /// freed. On return `set` is empty.
    ///
    /// This is the mechanism [`Generational`](crate::Generational)'s collections run on,
    /// shared: two passes over the examined headers (`update_refs` and `subtract_refs`
    /// fused; `move_unreachable` writing each survivor's destination header as it finds
    /// it), bare 32-bit slots throughout, and, when no user code can run on the garbage,
    /// the unreachable set freed directly without a second list. It is
    /// [`trial_delete_slots`](Heap::trial_delete_slots) then
    /// [`collect_unreachable_slots`](Heap::collect_unreachable_slots) over a list. Call
    /// it inside [`run_collection`](Heap::run_collection); outside one it does nothing
    /// and reports `skipped`. The report's `steps` time each [`CollectionStep`].
    ///
    /// # Examples
    /// See [`TrackedList`]: a whole strategy on it.
    pub fn collect_list(
        &mut self,
        set: &mut TrackedList,
        into: impl Fn(&mut C) -> &mut TrackedList,
    ) -> CollectReport {
        let start = Instant::now();
        let mut report = CollectReport::default();
        if !self.collecting {
            set.slots.clear();
            report.skipped = true;
            return report;
        }
        let mut clock = StepClock::start();
        let mut young = std::mem::take(&mut set.slots);
        report.candidates = young.len();
        self.note_examined_slots(&young);
        clock.lap(&mut report.steps, CollectionStep::MergeGenerations);
        let space = set.space();
        let mut unreachable = Vec::new();
        let dest = into(&mut self.gc);
        let (dest_space, base) = (dest.space(), dest.len() as u32);
        self.trial_delete_slots(
            &mut young,
            |s| s == space,
            (dest_space, base),
            &mut unreachable,
            &mut report,
            &mut clock,
        );
        let dest = &mut into(&mut self.gc).slots;
        if dest.is_empty() {
            // Into an empty list (a full collection's own) the vector itself goes: no
            // second list of the survivors exists at any moment.
            std::mem::swap(dest, &mut young);
        } else {
            dest.extend_from_slice(&young);
        }
        clock.lap(&mut report.steps, CollectionStep::PromoteSurvivors);
        self.collect_unreachable_slots(&mut unreachable, &mut report, |gc: &mut C, cx, id| {
            into(gc).push(cx, id)
        });
        report.duration = start.elapsed();
        report
    }

    /// Trial deletion proper, at slot level: `update_refs` and `subtract_refs` fused in
    /// one pass over `young`, then `move_unreachable` (CPython's list algorithm), which
    /// writes each survivor's destination header as it finds it reachable. Afterwards
    /// `young` holds the survivors in CPython's order, the survivor at index `i` with
    /// header `(dest.0, dest.1 + i)` (the place it takes when the strategy appends
    /// `young` to the list of space `dest.0` that holds `dest.1` entries), and
    /// `unreachable` the rest, ready for
    /// [`collect_unreachable_slots`](Heap::collect_unreachable_slots).
    ///
    /// `young` is a list of slots ([`Objects::slot`](crate::Objects::slot)) of live,
    /// tracked objects the strategy took out of its lists: exactly the objects whose
    /// space byte passes `member` (e.g. `space <= g` for the merged generations
    /// `0..=g`). The time of each step goes to `report.steps` through `clock`
    /// (`UpdateRefs`, `SubtractRefs`, `MoveUnreachable`). Call it inside
    /// [`run_collection`](Heap::run_collection), after
    /// [`note_examined_slots`](Heap::note_examined_slots).
    // Out of line: every strategy runs the same code, whatever its caller inlines
    // (inlined into `collect_list` it cost FullOnly 8% more instructions than
    // Generational on the same garbage, callgrind, 2026-12-07).
    #[inline(never)]
    pub fn trial_delete_slots(
        &mut self,
        young: &mut Vec<u32>,
        member: impl Fn(u8) -> bool,
        dest: (u8, u32),
        unreachable: &mut Vec<u32>,
        report: &mut CollectReport,
        clock: &mut StepClock,
    ) {
        debug_assert!(self.collecting, "bug: trial deletion outside a collection");
        update_and_subtract_refs(&self.objects, young, member);
        clock.lap(&mut report.steps, CollectionStep::UpdateRefs);
        clock.lap(&mut report.steps, CollectionStep::SubtractRefs);
        self.find_unreachable_slots(young, unreachable, dest.0, dest.1);
        clock.lap(&mut report.steps, CollectionStep::MoveUnreachable);
    }

    /// [`trial_delete_slots`](Heap::trial_delete_slots) through a deliberately injected
    /// bug (feature `testing`): the unfused passes over ids, with `fault` in
    /// `move_unreachable`. Same postconditions (headers written, `unreachable` without
    /// objects moved back), so a strategy switches between the two and nothing else.
    #[cfg(feature = "testing")]
    #[allow(clippy::too_many_arguments)]
    pub fn trial_delete_slots_with_fault(
        &mut self,
        fault: Fault,
        young: &mut Vec<u32>,
        member: impl Fn(u8) -> bool + Copy,
        dest: (u8, u32),
        unreachable: &mut Vec<u32>,
        report: &mut CollectReport,
        clock: &mut StepClock,
    ) {
        let objects = &self.objects;
        let mut ids: Vec<ObjId> = young.iter().map(|&s| objects.id_at(s)).collect();
        let mut unreachable_ids = Vec::new();
        update_refs(objects, &ids);
        subtract_refs(objects, &ids, member);
        clock.lap(&mut report.steps, CollectionStep::UpdateRefs);
        clock.lap(&mut report.steps, CollectionStep::SubtractRefs);
        faulty_move_unreachable(objects, fault, &mut ids, member, &mut unreachable_ids);
        unreachable.clear();
        // Whatever the fault did, what goes to the pipeline is in the working set, as
        // `collect_unreachable_slots` requires (the fault decides only which objects).
        unreachable.extend(unreachable_ids.iter().map(|&id| {
            objects.by_id(id).set_space(COLLECTING);
            slot_of(id)
        }));
        young.clear();
        young.extend(ids.iter().map(|&id| slot_of(id)));
        for (i, &slot) in young.iter().enumerate() {
            let obj = objects.at(slot);
            obj.set_space(dest.0);
            obj.set_position(dest.1 + i as u32);
        }
        clock.lap(&mut report.steps, CollectionStep::MoveUnreachable);
    }

    /// The PEP 442 pipeline ([`Heap::collect_unreachable`]'s) over the unreachable set
    /// [`trial_delete_slots`](Heap::trial_delete_slots) left, at slot level: when no
    /// user code can run on it, it is freed directly by slot; otherwise it becomes ids
    /// and goes through every step. Every entry must be a live object in the working
    /// set as tentatively unreachable, as `trial_delete_slots` leaves it or
    /// [`Pass::set_slot_tentatively_unreachable`](crate::gc::Pass::set_slot_tentatively_unreachable)
    /// puts it (a debug build checks it). Every object that survives goes to `survivors` (the
    /// strategy tracks it again); the counts go to `report`. On return `unreachable` is
    /// empty (its memory kept, for the next collection).
    // Out of line: every strategy runs the same code, whatever its caller inlines
    // (inlined into `collect_list` it cost FullOnly 8% more instructions than
    // Generational on the same garbage, callgrind, 2026-12-07).
    #[inline(never)]
    pub fn collect_unreachable_slots(
        &mut self,
        unreachable: &mut Vec<u32>,
        report: &mut CollectReport,
        mut survivors: impl FnMut(&mut C, Cx<'_, T>, ObjId),
    ) {
        self.process_unreachable(unreachable, report, &mut survivors);
        unreachable.clear();
    }

    /// `move_unreachable` over `young` (prepared by `update_and_subtract_refs`, members
    /// marked [`COLLECTING`]), writing each survivor's destination header (`space`,
    /// `base + i`) as it finds it: afterwards `young` holds the survivors in CPython's
    /// order and `unreachable` the rest (without the objects moved back). Neither list
    /// grows beyond `young`'s length (the objects moved back are queued through their
    /// headers). When nobody can observe the garbage's order, the objects set aside
    /// stay in `young` behind the survivors (no second list is written at all).
    fn find_unreachable_slots(
        &self,
        young: &mut Vec<u32>,
        unreachable: &mut Vec<u32>,
        space: u8,
        base: u32,
    ) {
        let objects = &self.objects;
        if young.len() > MAX_TAGGED_LIST {
            move_unreachable_promoting_growing(objects, young, unreachable, space, base);
        } else if !self.garbage_order_unobservable() {
            move_unreachable_promoting(objects, young, unreachable, space, base);
        } else {
            let kept = move_unreachable_in_place(objects, young, space, base);
            unreachable.clear();
            if kept == 0 {
                // Nothing survived: the list itself is the unreachable set (no copy).
                std::mem::swap(unreachable, young);
            } else {
                unreachable.extend_from_slice(&young[kept..]);
                young.truncate(kept);
            }
        }
    }
}
