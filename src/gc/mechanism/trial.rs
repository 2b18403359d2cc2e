//! Trial deletion: the mechanism that finds objects referenced only from inside a set.
//!
//! The examined set is a list (of ids, or of bare slots for the collector's own lists:
//! see `store::Entry`) and a `member` test on an object's generation byte
//! (`generation <= g` for a collection of generation `g`). Each examined object's scratch
//! count (CPython's `gc_refs`) lives in its header, read and written through
//! `Object::gc_refs` / `Object::set_gc_refs` exactly as CPython reads its GC header
//! through `gc_get_refs` / `gc_set_refs`: no pass allocates per object or hashes
//! anything, and a collection touches no memory but the objects' own. Each pass is
//! iterative, linear in the objects and edges of the set. Afterwards the caller
//! rewrites every examined header's position (it moves the object anyway).
//!
//! [`Generational`](crate::Generational)'s own collection reads each examined header in
//! two passes instead of four: `update_and_subtract_refs` fuses the first two
//! (initialising a member's count on first touch), and `move_unreachable_promoting`
//! writes each survivor's promoted header as it finds it reachable, so no pass rewrites
//! positions afterwards. At 10^6 objects every pass over the headers is bound by memory
//! bandwidth, so the passes saved are most of the time saved. Edge targets are reached
//! by slot (`Store::at`, no version check). CPython moves an object found reachable
//! after it was set aside back to the end of its list by relinking it; the slot-level
//! scans here cannot unlink an array entry, so an object set aside carries its list
//! index in its scratch count and an object moved back is queued through its header:
//! no list outgrows the examined one (at 10^8 objects a grown list was 4 bytes per
//! object of peak memory). When nobody can observe the garbage's order,
//! `move_unreachable_in_place` keeps it in the examined list instead of a second one.

use slotmap::SecondaryMap;

use crate::gc::cx::{Cx, Objects};
use crate::object::{COLLECTING, NO_EDGE, Obj, ObjId};
use crate::store::{Entry, Store};

pub(crate) use crate::object::{REACHABLE, TENTATIVELY_UNREACHABLE};

/// `update_refs`: copies each examined object's reference count into its scratch count.
///
/// Postcondition: every member's scratch count equals its refcount.
pub(crate) fn update_refs<T>(objects: &Store<T>, set: &[ObjId]) {
    for &id in set {
        let obj = objects.by_id(id);
        obj.set_gc_refs(obj.refcount);
    }
}

/// `subtract_refs`: for every edge from an examined object to an examined object,
/// subtracts one from the target's scratch count.
///
/// Postcondition: each member's scratch count is the number of references to it from
/// outside the set (external references and edges from unexamined objects). Every object
/// referenced only from inside the set has scratch count 0.
pub(crate) fn subtract_refs<T>(objects: &Store<T>, set: &[ObjId], member: impl Fn(u8) -> bool) {
    for &id in set {
        objects.by_id(id).for_each_edge(|t| {
            let target = objects.at(t);
            if member(target.space()) {
                let refs = target.gc_refs();
                debug_assert!(
                    refs > 0,
                    "bug: gc_refs of slot {t} underflows; its refcount is below its incoming edges"
                );
                target.set_gc_refs(refs - 1);
            }
        });
    }
}

/// `move_unreachable`, as CPython's: scans `young` in order. A member with a positive
/// scratch count is reachable: it stays in `young`, is marked [`REACHABLE`], and each
/// member it references gets a positive count — one that was already scanned and set
/// aside as tentatively unreachable is moved back to the *end* of `young`, to be scanned
/// again there. A member scanned with count 0 is set aside as tentatively unreachable.
///
/// Postcondition: `young` holds the reachable members in CPython's resulting list order
/// (scan order, objects moved back at the end), each marked `REACHABLE`; `unreachable`
/// holds the rest in scan order, each with scratch count [`TENTATIVELY_UNREACHABLE`],
/// and — when the return value is `true` — also some objects that were moved back
/// (marked `REACHABLE`), which the caller filters out in its next pass over the list
/// (saving a pass when, as for dead cycles, nothing was moved back).
/// The list order is observable: it is the order in which finalizers run and in which
/// immutable objects are checked for untracking (an inner tuple moved behind its outer
/// tuple is still tracked when the outer one is checked, as in CPython).
pub(crate) fn move_unreachable<T>(
    objects: &Store<T>,
    young: &mut Vec<ObjId>,
    member: impl Fn(u8) -> bool,
    unreachable: &mut Vec<ObjId>,
) -> bool {
    move_unreachable_with(objects, young, member, unreachable, |obj, _| {
        obj.set_gc_refs(REACHABLE)
    })
}

/// `update_refs` and `subtract_refs` fused into one pass over `set` (for example the
/// merged generations `0..=g` of a [`Generational`](crate::Generational) collection), so
/// a collection reads each examined header once less. A member (an object whose space
/// byte passes `member`: exactly the objects of `set`) is initialised on first touch,
/// whether that is its own turn in `set` or an edge into it: its scratch count becomes
/// its refcount and its space byte [`COLLECTING`], the mark that it was initialised.
/// The edges from the set are then subtracted from the initialised counts as in
/// `subtract_refs`; the result does not depend on the order of touches.
///
/// Postcondition: every member's space byte is [`COLLECTING`] and its scratch count is
/// the number of references to it from outside the set, as after `update_refs` and
/// `subtract_refs`. Requires that no object is [`COLLECTING`] on entry (collections
/// do not nest).
pub(crate) fn update_and_subtract_refs<T>(
    objects: &Store<T>,
    set: &[u32],
    member: impl Fn(u8) -> bool,
) {
    for &slot in set {
        // The list is the caller's: its entries are checked (a free slot in it panics
        // here). Edges are the heap's own (every edge targets a live object), and the
        // scan after this pass reads the same entries: `pass_at`, checked in debug
        // builds only (the check was 12% of a live collection's instructions).
        let obj = objects.at(slot);
        if obj.space() != COLLECTING {
            obj.set_space(COLLECTING);
            obj.set_gc_refs(obj.refcount);
        }
        obj.for_each_edge(|t| {
            let target = objects.pass_at(t);
            let space = target.space();
            let refs = if space == COLLECTING {
                target.gc_refs()
            } else if member(space) {
                target.set_space(COLLECTING);
                target.refcount
            } else {
                return;
            };
            debug_assert!(
                refs > 0,
                "bug: gc_refs of slot {t} underflows; its refcount is below its incoming edges"
            );
            target.set_gc_refs(refs - 1);
        });
    }
}

/// The largest list the slot-level scans below take: an object set aside carries its
/// index in the list, tagged with [`SET_ASIDE`], in its scratch count, and a tagged
/// index must stay below [`TENTATIVELY_UNREACHABLE`]. (A longer list, over two billion
/// objects, goes through [`move_unreachable_promoting_growing`].)
pub(crate) const MAX_TAGGED_LIST: usize = (TENTATIVELY_UNREACHABLE & !SET_ASIDE) as usize;

/// Tag of a scratch count that holds a list index instead of a count: the object was
/// scanned with count 0 and set aside at that index. Counts never reach it
/// (`MAX_REFCOUNT` is `u32::MAX / 2`).
pub(crate) const SET_ASIDE: u32 = 1 << 31;

const _: () = assert!(crate::object::MAX_REFCOUNT < SET_ASIDE);

/// The end of the queue of objects moved back (a link in a scratch count).
const NO_LINK: u32 = u32::MAX;

/// [`move_unreachable`] for the objects [`update_and_subtract_refs`] prepared (members
/// are the [`COLLECTING`] ones), writing each reachable object's final place as it
/// finds it: space byte `older` and position `base + i`, where `i` is its index in the
/// resulting `young` — the header of a survivor appended to generation `older`, whose
/// list holds `base` entries. The promotion then only moves the list, with no second
/// pass over the headers. A reachable object leaves the member set as it is marked, so
/// the edges into it are skipped from then on, as the `REACHABLE` mark makes them be.
///
/// Neither list grows beyond `young`'s length (no allocation at all when `unreachable`
/// has the capacity). CPython moves an object found reachable after it was set aside
/// back to the end of `young` by relinking it; an array cannot unlink it, so each
/// object set aside carries its index in `unreachable` (tagged [`SET_ASIDE`]) in its
/// scratch count, and moving it back blanks that entry ([`NO_EDGE`], dropped at the
/// end without reading a header) and appends the object to a queue linked through the
/// scratch counts of the objects moved back (reachable already, so their counts are
/// free), which is scanned, in order, once `young`'s own entries are: the order in
/// which CPython scans the objects it appended. Survivors take their places in `young`
/// from the front, which the scan has always passed.
///
/// Postcondition: `young` holds the reachable members in CPython's resulting order,
/// with their promoted headers; `unreachable` the rest in scan order, each with its
/// scratch count tagged [`SET_ASIDE`] (its index before the blanks were dropped),
/// still [`COLLECTING`]. Requires `young.len() <= MAX_TAGGED_LIST`.
pub(crate) fn move_unreachable_promoting<T>(
    objects: &Store<T>,
    young: &mut Vec<u32>,
    unreachable: &mut Vec<u32>,
    older: u8,
    base: u32,
) {
    let len = young.len();
    assert!(
        len <= MAX_TAGGED_LIST,
        "bug: a list of {len} objects is too long to tag"
    );
    unreachable.clear();
    let mut kept = scan_reachable_prefix(objects, young, older, base);
    let mut queue = Queue::default();
    let mut blanks = false;
    let mut i = kept;
    // One loop over the rest of `young`'s entries, then the queue (one copy of the
    // edge step).
    loop {
        let slot = if i < len {
            let slot = young[i];
            i += 1;
            let obj = objects.pass_at(slot);
            if obj.gc_refs() == 0 {
                obj.set_gc_refs(SET_ASIDE | unreachable.len() as u32);
                unreachable.push(slot);
                continue;
            }
            obj.set_space(older);
            slot
        } else if let Some(slot) = queue.pop(objects) {
            slot
        } else {
            break;
        };
        let obj = objects.pass_at(slot);
        obj.set_position(base + kept as u32);
        young[kept] = slot;
        kept += 1;
        obj.for_each_edge(
            #[inline(always)]
            |t| {
                if let Some(index) = queue.reach(objects, t, older) {
                    // A blank, dropped at the end.
                    unreachable[index] = NO_EDGE;
                    blanks = true;
                }
            },
        );
    }
    young.truncate(kept);
    if blanks {
        unreachable.retain(|&slot| slot != NO_EDGE);
    }
}

/// [`move_unreachable_promoting`] for a collection whose unreachable set nobody will
/// see in order (no user code can run on it: `Heap::garbage_order_unobservable`), with
/// no second list: the objects set aside stay in `young`, behind the survivors, and
/// `young` never grows. The list is, at every step: the survivors so far, then `holes`
/// free entries, then the objects set aside (each carrying its index, tagged
/// [`SET_ASIDE`], in its scratch count), then the entries not yet scanned. A survivor
/// takes the first free entry (the first object set aside moves to the entry the
/// survivor was read from, when there is no free one); an object moved back leaves its
/// entry to the first object set aside, which frees the entry before the set-aside
/// run. The objects moved back are queued as in [`move_unreachable_promoting`]; each
/// one queued has freed one entry, where it lands when its turn comes.
///
/// Returns `kept`: `young[..kept]` holds the survivors in CPython's order, with their
/// promoted headers, and `young[kept..]` every object set aside and not moved back
/// (still [`COLLECTING`], tagged scratch counts), in no particular order. Requires
/// `young.len() <= MAX_TAGGED_LIST`.
pub(crate) fn move_unreachable_in_place<T>(
    objects: &Store<T>,
    young: &mut [u32],
    older: u8,
    base: u32,
) -> usize {
    let len = young.len();
    assert!(
        len <= MAX_TAGGED_LIST,
        "bug: a list of {len} objects is too long to tag"
    );
    let start = scan_reachable_prefix(objects, young, older, base);
    let mut kept = start;
    let mut holes = 0;
    let mut queue = Queue::default();
    for i in start..len {
        let slot = young[i];
        let obj = objects.pass_at(slot);
        if obj.gc_refs() == 0 {
            // The set-aside run grows by this entry.
            obj.set_gc_refs(SET_ASIDE | i as u32);
            continue;
        }
        obj.set_space(older);
        obj.set_position(base + kept as u32);
        if kept < i {
            // Nothing was set aside or freed before `i` otherwise: `slot` stays put.
            let first_aside = kept + holes;
            if first_aside < i {
                let moved = young[first_aside];
                young[i] = moved;
                objects.pass_at(moved).set_gc_refs(SET_ASIDE | i as u32);
            }
            young[kept] = slot;
        }
        kept += 1;
        obj.for_each_edge(
            #[inline(always)]
            |t| holes += reach_in_place(objects, &mut queue, young, older, kept + holes, t),
        );
    }
    while let Some(slot) = queue.pop(objects) {
        // It lands on the first free entry (each queued object freed one).
        let obj = objects.pass_at(slot);
        obj.set_position(base + kept as u32);
        young[kept] = slot;
        kept += 1;
        holes -= 1;
        obj.for_each_edge(
            #[inline(always)]
            |t| holes += reach_in_place(objects, &mut queue, young, older, kept + holes, t),
        );
    }
    debug_assert_eq!(holes, 0, "bug: a queued object found no free entry");
    kept
}

/// The scan's opening run, while every entry scanned is reachable: nothing is set aside
/// yet, so no object can be moved back, every survivor stays where it is, and the
/// step along an edge only gives an unscanned member its positive count. A live
/// collection (nothing but survivors) runs whole in this loop, with none of the
/// general scan's state. Returns the index of the first entry scanned with count 0
/// (not yet set aside), or the list's length; every entry before it is promoted in
/// place (space `older`, position `base + i`).
#[inline(always)]
fn scan_reachable_prefix<T>(objects: &Store<T>, young: &[u32], older: u8, base: u32) -> usize {
    for (i, &slot) in young.iter().enumerate() {
        let obj = objects.pass_at(slot);
        if obj.gc_refs() == 0 {
            return i;
        }
        obj.set_space(older);
        obj.set_position(base + i as u32);
        obj.for_each_edge(
            #[inline(always)]
            |t| {
                let target = objects.pass_at(t);
                if target.space() == COLLECTING && target.gc_refs() == 0 {
                    target.set_gc_refs(1);
                }
            },
        );
    }
    young.len()
}

/// The in-place scan's step along an edge to slot `t` ([`Queue::reach`]): an object
/// moved back gives its entry up to the set-aside run that starts at `first_aside`
/// ([`leave_entry`]). Returns the entries freed (0 or 1).
#[inline(always)]
fn reach_in_place<T>(
    objects: &Store<T>,
    queue: &mut Queue,
    young: &mut [u32],
    older: u8,
    first_aside: usize,
    t: u32,
) -> usize {
    match queue.reach(objects, t, older) {
        Some(index) => {
            leave_entry(objects, young, index, first_aside);
            1
        }
        None => 0,
    }
}

/// An object moved back leaves entry `index` of the set-aside run that starts at
/// `first`: the run's first object takes it, and the run then starts one entry later.
#[inline(always)]
fn leave_entry<T>(objects: &Store<T>, young: &mut [u32], index: usize, first: usize) {
    if index != first {
        let moved = young[first];
        young[index] = moved;
        objects.pass_at(moved).set_gc_refs(SET_ASIDE | index as u32);
    }
}

/// The objects moved back, waiting to be scanned, in the order they were moved back
/// (CPython appends them to the end of `young`): a queue linked through their scratch
/// counts, free once they are known reachable.
struct Queue {
    head: u32,
    tail: u32,
}

impl Default for Queue {
    fn default() -> Self {
        Queue {
            head: NO_LINK,
            tail: NO_LINK,
        }
    }
}

impl Queue {
    /// The scan's step along an edge to slot `t` from an object found reachable: a
    /// member not scanned yet gets a positive count (it is reachable when its turn
    /// comes); a member set aside is moved back — marked reachable (space `older`: the
    /// edges into it are skipped from now on) and queued — and its list index is
    /// returned, for the caller to give its entry up. Anything else is left alone.
    #[inline(always)]
    fn reach<T>(&mut self, objects: &Store<T>, t: u32, older: u8) -> Option<usize> {
        let target = objects.pass_at(t);
        if target.space() != COLLECTING {
            return None;
        }
        let refs = target.gc_refs();
        if refs == 0 {
            target.set_gc_refs(1);
            return None;
        }
        if refs & SET_ASIDE == 0 {
            return None;
        }
        target.set_space(older);
        target.set_gc_refs(NO_LINK);
        if self.tail == NO_LINK {
            self.head = t;
        } else {
            objects.pass_at(self.tail).set_gc_refs(t);
        }
        self.tail = t;
        Some((refs & !SET_ASIDE) as usize)
    }

    /// The next object moved back, taken off the queue.
    #[inline(always)]
    fn pop<T>(&mut self, objects: &Store<T>) -> Option<u32> {
        if self.head == NO_LINK {
            return None;
        }
        let slot = self.head;
        self.head = objects.pass_at(slot).gc_refs();
        if self.head == NO_LINK {
            self.tail = NO_LINK;
        }
        Some(slot)
    }
}

/// [`move_unreachable_promoting`] for a list too long to tag (over
/// [`MAX_TAGGED_LIST`] objects): CPython's algorithm with objects moved back appended
/// to `young` (which grows by one entry per object moved back) and left in
/// `unreachable`, from which they are dropped afterwards by their headers. Same
/// postcondition, except that the objects in `unreachable` carry
/// [`TENTATIVELY_UNREACHABLE`].
pub(crate) fn move_unreachable_promoting_growing<T>(
    objects: &Store<T>,
    young: &mut Vec<u32>,
    unreachable: &mut Vec<u32>,
    older: u8,
    base: u32,
) {
    let moved_back = move_unreachable_with(
        objects,
        young,
        |space| space == COLLECTING,
        unreachable,
        |obj, index| {
            obj.set_space(older);
            obj.set_position(base + index as u32);
        },
    );
    if moved_back {
        // Objects moved back carry their destination header: no longer COLLECTING.
        unreachable.retain(|&slot| objects.at(slot).space() == COLLECTING);
    }
}

/// The scan of [`move_unreachable`], with `mark_reachable(object, index in the resulting
/// young list)` called on each object found reachable, before its edges are scanned.
/// Returns whether any object was moved back.
#[inline(always)]
fn move_unreachable_with<T, E: Entry, U: Entry>(
    objects: &Store<T>,
    young: &mut Vec<E>,
    member: impl Fn(u8) -> bool,
    unreachable: &mut Vec<U>,
    mark_reachable: impl Fn(Obj<'_, T>, usize),
) -> bool {
    unreachable.clear();
    let mut moved_back = false;
    let mut kept = 0;
    let mut i = 0;
    while i < young.len() {
        let id = young[i];
        i += 1;
        let slot = id.slot();
        let obj = objects.at(slot);
        if obj.gc_refs() == 0 {
            obj.set_gc_refs(TENTATIVELY_UNREACHABLE);
            unreachable.push(U::at(objects, slot));
            continue;
        }
        mark_reachable(obj, kept);
        obj.for_each_edge(|t| {
            let target = objects.at(t);
            if !member(target.space()) {
                return;
            }
            match target.gc_refs() {
                TENTATIVELY_UNREACHABLE => {
                    target.set_gc_refs(1);
                    young.push(E::at(objects, t));
                    moved_back = true;
                }
                0 => target.set_gc_refs(1),
                _ => {}
            }
        });
        young[kept] = id;
        kept += 1;
    }
    young.truncate(kept);
    moved_back
}

/// Drops from `unreachable` the objects [`move_unreachable`] moved back (those no longer
/// marked [`TENTATIVELY_UNREACHABLE`]), keeping the order.
pub(crate) fn drop_moved_back<T>(objects: &Store<T>, unreachable: &mut Vec<ObjId>) {
    unreachable.retain(|&id| objects.by_id(id).gc_refs() == TENTATIVELY_UNREACHABLE);
}

/// Trial deletion over `set`, for any strategy: runs `update_refs`, `subtract_refs` and
/// `move_unreachable` over the tracked objects of `set` and leaves in `set` the
/// reachable ones (in CPython's list order) and in `unreachable` the rest (in scan
/// order), ready for [`Heap::collect_unreachable`](crate::Heap::collect_unreachable).
///
/// Every examined object is moved into the collection's working set (its header's space
/// byte no longer names a strategy space), so the strategy must have taken them out of
/// its own lists first, and must track the reachable ones again afterwards (e.g. with
/// its own [`on_track`](crate::CycleCollector::on_track)). Dead, untracked and repeated
/// entries of `set` are dropped. Linear in the objects and edges of the set; nothing is
/// hashed or allocated but `unreachable`'s growth.
pub fn find_unreachable<T>(cx: Cx<'_, T>, set: &mut Vec<ObjId>, unreachable: &mut Vec<ObjId>) {
    let objects = cx.objects;
    unreachable.clear();
    set.retain(|&id| match objects.get_mut(id) {
        Some(o) if o.space() < COLLECTING => {
            o.set_space(COLLECTING);
            true
        }
        _ => false,
    });
    let objects = &*objects;
    let member = |g: u8| g == COLLECTING;
    update_refs(objects, set);
    subtract_refs(objects, set, member);
    if move_unreachable(objects, set, member, unreachable) {
        drop_moved_back(objects, unreachable);
    }
}

/// What trial deletion saw for one object of the examined set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialEntry {
    /// The object.
    pub id: ObjId,
    /// Its reference count (`update_refs` copied this).
    pub refcount: u32,
    /// Its scratch count after `subtract_refs`: references from outside the set. Positive
    /// means externally referenced.
    pub gc_refs: u32,
    /// Whether `move_unreachable` found it reachable from an externally referenced object.
    pub reachable: bool,
}

impl TrialEntry {
    /// Whether the object is referenced from outside the examined set (a root of the
    /// reachable part).
    pub fn externally_referenced(&self) -> bool {
        self.gc_refs > 0
    }
}

/// The trial-deletion picture of one collection: every examined object with its counts,
/// in examination order (generation `g`'s list, then generations 0, 1, … `g - 1`, as
/// CPython merges them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialView {
    /// The generation this collection would collect.
    pub generation: usize,
    /// One entry per examined object.
    pub entries: Vec<TrialEntry>,
    /// Position of each examined object in `entries`.
    index: SecondaryMap<ObjId, usize>,
}

impl TrialView {
    /// The view of a collection of `generation` that examined `entries`.
    pub(crate) fn new(generation: usize, entries: Vec<TrialEntry>) -> TrialView {
        let mut index = SecondaryMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            index.insert(e.id, i);
        }
        TrialView {
            generation,
            entries,
            index,
        }
    }

    /// Runs the three trial-deletion passes over `set` (live tracked objects, exactly
    /// those whose space byte passes `member`) without changing anything, and returns
    /// what they saw: each object's refcount, its scratch count after `subtract_refs`,
    /// and whether it is reachable, for a collection of `generation`. The passes use
    /// the headers' scratch cells; every member's position is restored before it
    /// returns. Linear in the objects and edges of the set.
    pub fn observe<T>(
        objects: Objects<'_, T>,
        generation: usize,
        set: &[ObjId],
        member: impl Fn(u8) -> bool + Copy,
    ) -> TrialView {
        let store = objects.objects;
        let positions: Vec<u32> = set.iter().map(|&id| store.by_id(id).position()).collect();
        update_refs(store, set);
        subtract_refs(store, set, member);
        let after_subtract: Vec<u32> = set.iter().map(|&id| store.by_id(id).gc_refs()).collect();
        let mut young = set.to_vec();
        let _ = move_unreachable(store, &mut young, member, &mut Vec::new());
        let entries: Vec<TrialEntry> = set
            .iter()
            .zip(after_subtract)
            .map(|(&id, gc_refs)| {
                let obj = store.by_id(id);
                TrialEntry {
                    id,
                    refcount: obj.refcount,
                    gc_refs,
                    reachable: obj.gc_refs() == REACHABLE,
                }
            })
            .collect();
        for (&id, position) in set.iter().zip(positions) {
            store.by_id(id).set_position(position);
        }
        TrialView::new(generation, entries)
    }

    /// The entry of `id`, if it was examined. O(1).
    pub fn get(&self, id: ObjId) -> Option<&TrialEntry> {
        self.index.get(id).map(|&i| &self.entries[i])
    }

    /// The objects found unreachable, in examination order.
    pub fn unreachable(&self) -> Vec<ObjId> {
        self.entries
            .iter()
            .filter(|e| !e.reachable)
            .map(|e| e.id)
            .collect()
    }

    /// The externally referenced objects (positive scratch count), in examination order.
    pub fn externally_referenced(&self) -> Vec<ObjId> {
        self.entries
            .iter()
            .filter(|e| e.externally_referenced())
            .map(|e| e.id)
            .collect()
    }
}
