//! The trial collection of a list: the fused slot-level passes, the survivors written
//! into their destination list as they are found, and the shared pipeline with its
//! direct free. Every list-keeping strategy reaches the same code through
//! [`Heap::collect_list`].

use std::time::Instant;

use crate::gc::collect::{CollectionStep, StepClock};
use crate::gc::mechanism::TrackedList;
use crate::gc::trial::{
    move_unreachable_in_place, move_unreachable_promoting, update_and_subtract_refs,
};
use crate::gc::{CollectReport, Cx, CycleCollector};
use crate::heap::Heap;
use crate::object::COLLECTING;

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
    /// the unreachable set freed directly without a second list. Call it inside
    /// [`run_collection`](Heap::run_collection); outside one it does nothing and reports
    /// `skipped`. The report's `steps` time each [`CollectionStep`].
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
        update_and_subtract_refs(&self.objects, &young, |s| s == space);
        clock.lap(&mut report.steps, CollectionStep::UpdateRefs);
        clock.lap(&mut report.steps, CollectionStep::SubtractRefs);
        let mut unreachable = Vec::new();
        let dest = into(&mut self.gc);
        let (space, base) = (dest.space(), dest.len() as u32);
        self.find_unreachable_slots(&mut young, &mut unreachable, space, base);
        clock.lap(&mut report.steps, CollectionStep::MoveUnreachable);
        into(&mut self.gc).slots.extend_from_slice(&young);
        clock.lap(&mut report.steps, CollectionStep::PromoteSurvivors);
        self.process_unreachable(
            &mut unreachable,
            false,
            &mut report,
            &mut |gc: &mut C, cx: Cx<'_, T>, id| into(gc).push(cx, id),
        );
        report.duration = start.elapsed();
        report
    }

    /// `move_unreachable` over `young` (prepared by `update_and_subtract_refs`, members
    /// marked [`COLLECTING`]), writing each survivor's destination header (`space`,
    /// `base + i`) as it finds it: afterwards `young` holds the survivors in CPython's
    /// order and `unreachable` the rest (without the objects moved back). When nobody
    /// can observe the garbage's order, the objects set aside stay in `young` behind
    /// the survivors while the scan runs (no second list grows).
    pub(crate) fn find_unreachable_slots(
        &self,
        young: &mut Vec<u32>,
        unreachable: &mut Vec<u32>,
        space: u8,
        base: u32,
    ) {
        let objects = &self.objects;
        if !self.garbage_order_unobservable() {
            if move_unreachable_promoting(objects, young, unreachable, space, base) {
                // Objects moved back carry their destination header: no longer
                // COLLECTING.
                unreachable.retain(|&slot| objects.at(slot).space() == COLLECTING);
            }
            return;
        }
        let (_, kept) = move_unreachable_in_place(objects, young, space, base);
        let mut end = kept;
        for j in kept..young.len() {
            let slot = young[j];
            if objects.at(slot).space() == COLLECTING {
                young[end] = slot;
                end += 1;
            }
        }
        young.truncate(end);
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
