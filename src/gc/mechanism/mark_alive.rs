//! The mark-alive pre-pass: before trial deletion, mark everything reachable from the
//! known roots as alive and leave it out of the examined set (cpython PR 126511,
//! gh-126491; in CPython 3.14's `Python/gc.c` the functions `mark_at_start`,
//! `mark_global_roots`, `mark_stacks` and `mark_all_reachable`, which move what they
//! reach into the visited space; the free-threaded build's `gc_free_threading.c` calls
//! its version `gc_mark_alive_from_roots`).
//!
//! ## Roots
//!
//! In CPython the roots are the interpreter's globals (`sysdict`, `builtins`, the static
//! types' dicts) and the frames' stacks. In gclab they are the objects with *external*
//! references ([`Objects::external`](crate::Objects::external)): program handles,
//! variables and `gc.garbage`. Only the candidates' external references are used as
//! roots: finding externally held objects outside the candidate set would mean scanning
//! the whole heap. An object reachable only from a root outside the set is simply not
//! marked, and trial deletion finds it reachable anyway (its count from outside the set
//! is positive); marking is an optimisation, never a condition of correctness.
//!
//! ## What the marking follows, and what it costs
//!
//! The marking follows edges through *every* tracked object, candidates or not (older
//! generations, the permanent one, another strategy space): reachability from a root
//! through an older object is still reachability, and stopping at the set's boundary
//! would leave alive objects that are reached only through an older object in the set
//! for trial deletion to examine. The price is that one pass costs the objects and edges
//! reachable from the candidates' roots, which may be the whole live heap even when the
//! candidate set is small. That is why [`Generational`](crate::Generational) runs it only
//! in full collections (every tracked object is a candidate there, so nothing is paid
//! for objects outside the set) and [`Incremental`](crate::gc::incremental::Incremental)
//! only at the start of a scavenge (CPython's `mark_at_start`), when its candidates are
//! the whole young generation and the whole old space. Untracked objects are not
//! followed: an untracked container refers only to untracked objects (atomic objects
//! hold nothing; immutable and lazily tracked containers are untracked only while none
//! of their referents may be tracked).
//!
//! Objects marked alive leave the examined set, but their references *into* the set
//! still count for trial deletion, automatically: `subtract_refs` subtracts only edges
//! that come from set members, so an edge from an alive object stays in its target's
//! count from outside.
//!
//! ## Where the marks live
//!
//! No hashing and no side table: the pass keeps its marks in the objects' headers,
//! through the same accessors trial deletion uses. A candidate is moved into the
//! collection's working space (like [`find_unreachable`](crate::gc::trial::find_unreachable)
//! does) and its scratch cell (`gc_refs`) holds its original space byte plus an alive
//! bit; its position is saved in a vector parallel to the set. A tracked object outside
//! the set that the marking passes through is moved into the working space too (that is
//! its visited mark), with its space and position saved in a vector. Every header is
//! restored at the end of the pass. The worklist is an explicit stack; there is no
//! recursion.
//!
//! Marking alive changes what trial deletion examines, never what it finds: an object
//! marked alive is reachable from an external reference, so trial deletion over the
//! whole set would find it reachable too; and an unmarked member is reachable in the
//! smaller set exactly when it was in the whole set (a path to it through an alive
//! object would have marked it).

use crate::gc::Cx;
use crate::object::{COLLECTING, ObjId, UNTRACKED};
use crate::store::{Store, make_id};

/// Scratch bit of a candidate marked alive (the low byte keeps its original space).
const ALIVE: u32 = 1 << 31;
/// Scratch value of a tracked object outside the candidate set that the marking visited.
const VISITED_OUTSIDE: u32 = u32::MAX;

/// Marks everything reachable from the externally referenced members of `set`, and
/// takes the marked members out of `set`, handing each to `alive` (which puts it back in
/// its strategy's place, e.g. with [`Cx::set_space`]). Returns how many were marked
/// alive.
///
/// On return `set` holds the members that were not marked, in their order, and every
/// object's header (space byte and position) is as it was on entry. Dead, untracked and repeated entries are dropped, as
/// [`find_unreachable`](crate::gc::trial::find_unreachable) drops them. Call it before
/// trial deletion, when no collection working set exists (the strategy has taken `set`
/// out of its own lists). Each `alive` call gets the object with its original space
/// byte, in set order, after the marking has finished.
///
/// Cost: linear in the objects and edges reachable from the roots in `set` (see the
/// module documentation for why the marking does not stop at the set's boundary), plus
/// two passes over `set`. Nothing is hashed; the only allocations are the worklist, the
/// members' saved positions and the saved headers of the visited objects outside the set.
///
/// # Examples
/// ```
/// use gclab::gc::mark_alive::mark_alive;
/// use gclab::Heap;
///
/// let mut heap: Heap<&str> = Heap::new();
/// let root = heap.alloc("root"); // our handle: an external reference
/// let child = heap.alloc("child");
/// heap.link(root, child).unwrap();
/// heap.decref(child).unwrap();
/// let cycle = heap.alloc("cycle");
/// heap.link(cycle, cycle).unwrap();
/// heap.decref(cycle).unwrap(); // garbage
///
/// // A set to look at (a strategy passes objects it took out of its lists); every
/// // header is restored, so the heap stays consistent either way.
/// let mut set = vec![root, child, cycle];
/// let mut alive = Vec::new();
/// let (_, cx) = heap.collector_parts();
/// assert_eq!(mark_alive(cx, &mut set, |_, id| alive.push(id)), 2);
/// assert_eq!(alive, vec![root, child]);
/// assert_eq!(set, vec![cycle]); // what trial deletion still has to examine
/// heap.verify().unwrap();
/// ```
pub fn mark_alive<T>(
    cx: Cx<'_, T>,
    set: &mut Vec<ObjId>,
    mut alive: impl FnMut(Cx<'_, T>, ObjId),
) -> usize {
    let objects = cx.objects;
    let positions = enter_candidates(objects, set);
    let mut outside: Vec<(ObjId, u8, u32)> = Vec::new();
    let mut stack: Vec<ObjId> = Vec::new();
    for &id in set.iter() {
        let obj = objects.by_id(id);
        if obj.body().external > 0 {
            obj.set_gc_refs(obj.gc_refs() | ALIVE);
            stack.push(id);
        }
    }
    mark_all_reachable(objects, &mut stack, &mut outside);
    // Restore the visited objects outside the set.
    for (id, space, position) in outside {
        let obj = objects.by_id_mut(id);
        obj.set_space(space);
        obj.set_position(position);
    }
    // Split the set: unmarked members stay, alive ones go back to the strategy.
    let mut marked = 0;
    let mut kept = 0;
    for i in 0..set.len() {
        let id = set[i];
        let obj = objects.by_id_mut(id);
        let scratch = obj.gc_refs();
        obj.set_space((scratch & 0xff) as u8);
        obj.set_position(positions[i]);
        if scratch & ALIVE != 0 {
            marked += 1;
            alive(Cx::new(objects), id);
        } else {
            set[kept] = id;
            kept += 1;
        }
    }
    set.truncate(kept);
    marked
}

/// Moves every live tracked entry of `set` into the working space, with its original
/// space byte in its scratch cell; drops the other entries (dead, untracked, repeated).
/// Returns the members' positions, in order, to be restored.
fn enter_candidates<T>(objects: &mut Store<T>, set: &mut Vec<ObjId>) -> Vec<u32> {
    let mut positions = Vec::with_capacity(set.len());
    set.retain(|&id| match objects.get_mut(id) {
        Some(o) if o.space() < COLLECTING => {
            positions.push(o.position());
            o.set_gc_refs(u32::from(o.space()));
            o.set_space(COLLECTING);
            true
        }
        _ => false,
    });
    positions
}

/// `mark_all_reachable`: pops objects off `stack` (each already marked) and marks what
/// they refer to: an unmarked candidate gets its alive bit, a tracked object outside the
/// set enters the working space with its header saved in `outside`; both are pushed.
///
/// Postcondition: every candidate reachable from the initial stack through tracked
/// objects has its alive bit set; `stack` is empty.
fn mark_all_reachable<T>(
    objects: &mut Store<T>,
    stack: &mut Vec<ObjId>,
    outside: &mut Vec<(ObjId, u8, u32)>,
) {
    while let Some(id) = stack.pop() {
        let n = objects.by_id(id).edge_count();
        for k in 0..n {
            let Some(slot) = objects.by_id(id).edge(k) else {
                break;
            };
            let target = objects.at_mut(slot);
            let t = make_id(slot, target.body().version);
            match target.space() {
                UNTRACKED => {}
                COLLECTING => {
                    let scratch = target.gc_refs();
                    if scratch & ALIVE == 0 {
                        // An unmarked candidate (a visited outsider holds
                        // VISITED_OUTSIDE, which has the alive bit set).
                        target.set_gc_refs(scratch | ALIVE);
                        stack.push(t);
                    }
                }
                space => {
                    outside.push((t, space, target.position()));
                    target.set_space(COLLECTING);
                    target.set_gc_refs(VISITED_OUTSIDE);
                    stack.push(t);
                }
            }
        }
    }
}
