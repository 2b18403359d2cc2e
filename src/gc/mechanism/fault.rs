//! Deliberate collector bugs (feature `testing` only): `move_unreachable` through an
//! injected [`Fault`], for
//! [`Heap::trial_delete_slots_with_fault`](crate::Heap::trial_delete_slots_with_fault),
//! which shows that the harness in `gclab::testing` catches broken collectors. Without
//! the feature neither the [`Fault`] type nor this pass exist.

use crate::gc::collect::Fault;
use crate::gc::trial::{TENTATIVELY_UNREACHABLE, drop_moved_back, move_unreachable};
use crate::object::ObjId;
use crate::store::Store;

/// `move_unreachable` over `young` (prepared by `update_refs` and `subtract_refs` with
/// the same `member` test) with `fault` injected. Leaves in `unreachable` only objects
/// marked tentatively unreachable (those moved back are dropped).
pub(crate) fn faulty_move_unreachable<T>(
    objects: &Store<T>,
    fault: Fault,
    young: &mut Vec<ObjId>,
    member: impl Fn(u8) -> bool + Copy,
    unreachable: &mut Vec<ObjId>,
) {
    if fault == Fault::SkipSubtractForOneEdge {
        // Undo the first subtraction: as if subtract_refs had skipped that edge.
        if let Some(t) = young
            .iter()
            .flat_map(|&id| objects.by_id(id).edges())
            .find(|&t| member(objects.at(t).space()))
        {
            let obj = objects.at(t);
            obj.set_gc_refs(obj.gc_refs() + 1);
        }
    }
    let mut after_subtract = slotmap::SecondaryMap::new();
    for &id in young.iter() {
        after_subtract.insert(id, objects.by_id(id).gc_refs());
    }
    if move_unreachable(objects, young, member, unreachable) {
        drop_moved_back(objects, unreachable);
    }
    if fault == Fault::ForgetOneReachable
        && let Some(i) = young.iter().position(|&id| after_subtract[id] == 0)
    {
        let id = young.remove(i);
        objects.by_id(id).set_gc_refs(TENTATIVELY_UNREACHABLE);
        unreachable.push(id);
    }
}
