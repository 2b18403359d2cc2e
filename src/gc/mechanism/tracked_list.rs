//! [`TrackedList`]: a strategy's list of tracked objects, the building block every
//! strategy that keeps its objects in lists shares.

use crate::gc::{Cx, Objects};
use crate::object::{COLLECTING, ObjId, slot_of};

/// A list of tracked objects that all carry one space byte, each object's header
/// position being its index in the list, with O(1) append and O(1) removal (the last
/// entry takes the removed one's place and its header position is rewritten). Entries
/// are bare 32-bit slots: every member is alive (the heap untracks an object before
/// freeing it, which removes it here), so no version is needed.
///
/// This is what `on_track`/`on_untrack` of a list-keeping strategy are made of, and what
/// the shared trial collection ([`Heap::collect_list`](crate::Heap::collect_list))
/// collects: a strategy that keeps its objects in `TrackedList`s gets the same fused,
/// slot-level passes and direct free as every other.
///
/// # Examples
/// ```
/// use gclab::gc::{Cx, CycleCollector, Objects, TrackedList};
/// use gclab::{CollectReport, Heap, ObjId};
///
/// /// A strategy of one list, collected whole when asked.
/// #[derive(Debug)]
/// struct OneList(TrackedList);
///
/// impl CycleCollector for OneList {
///     fn on_track<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
///         self.0.push(cx, id);
///     }
///     fn on_untrack<T>(&mut self, cx: Cx<'_, T>, _id: ObjId, _space: u8, position: u32) {
///         self.0.remove(cx, position);
///     }
///     fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
///         heap.run_collection(0, |heap| {
///             let mut all = heap.collector_mut().0.take();
///             heap.collect_list(&mut all, |gc| &mut gc.0)
///         })
///     }
///     fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
///         self.0.check(objects, true)
///     }
/// }
///
/// let mut heap: Heap<(), OneList> = Heap::with_collector(OneList(TrackedList::new(0)));
/// let keep = heap.alloc(());
/// let a = heap.alloc(());
/// heap.link(a, a).unwrap();
/// heap.decref(a).unwrap();
/// assert_eq!(heap.collect_full().collected, 1);
/// assert_eq!(heap.collector().0.len(), 1);
/// assert!(heap.contains(keep));
/// heap.verify().unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct TrackedList {
    /// The members' slots; member `slots[i]` has header space `space`, position `i`.
    pub(crate) slots: Vec<u32>,
    /// The space byte every member carries (below the heap's reserved marks).
    space: u8,
}

impl TrackedList {
    /// An empty list whose members will carry the space byte `space` (a value below
    /// 250 of the strategy's choosing).
    ///
    /// # Panics
    /// If `space` is one of the heap's reserved marks (250 and above): a programming
    /// error in the strategy, not input.
    pub fn new(space: u8) -> TrackedList {
        assert!(
            space < COLLECTING,
            "space {space} is one of the heap's reserved marks"
        );
        TrackedList {
            slots: Vec::new(),
            space,
        }
    }

    /// The space byte of the members.
    pub fn space(&self) -> u8 {
        self.space
    }

    /// How many objects the list holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The members' slots ([`Objects::slot`]), in list order: member `i` has this
    /// list's space and position `i`.
    #[inline]
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Appends `id`, writing its header: this list's space, its index as position.
    #[inline]
    pub fn push<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
        cx.set_space(id, self.space, self.slots.len() as u32);
        self.slots.push(slot_of(id));
    }

    /// Appends `id` without writing its header, and returns the space and position the
    /// header is to carry (this list's space, its index): what a strategy's
    /// [`on_track_new`](crate::CycleCollector::on_track_new) returns, the heap writing
    /// the new object's header itself.
    #[inline]
    pub fn place(&mut self, id: ObjId) -> (u8, u32) {
        let position = self.slots.len() as u32;
        self.slots.push(slot_of(id));
        (self.space, position)
    }

    /// Removes the member at `position` (its header's position) in O(1): the last
    /// member takes its place, and that member's header position is rewritten.
    ///
    /// # Panics
    /// If `position` is past the end: the strategy's header and list disagree, a bug
    /// [`check`](TrackedList::check) reports.
    #[inline]
    pub fn remove<T>(&mut self, cx: Cx<'_, T>, position: u32) {
        let i = position as usize;
        // The last member leaves the list; unless it was the one removed (the common
        // case: the most recently tracked object dies first), it takes the place.
        let Some(last) = self.slots.pop() else {
            past_end(position, 0)
        };
        let len = self.slots.len();
        if i < len {
            self.fill(cx, position, last);
        } else if i != len {
            self.slots.push(last);
            past_end(position, len + 1)
        }
    }

    /// Puts `last` (a member just popped from the end) at `position`, inside the list,
    /// and records it in its header: out of line, so the common removal (of the last
    /// member) reads nothing of the store.
    #[inline(never)]
    fn fill<T>(&mut self, cx: Cx<'_, T>, position: u32, last: u32) {
        self.slots[position as usize] = last;
        cx.objects.at(last).set_position(position);
    }

    /// Removes the last member and returns it (its header is untouched: the caller
    /// gives it a new place).
    #[inline]
    pub fn pop<T>(&mut self, cx: Cx<'_, T>) -> Option<ObjId> {
        self.slots.pop().map(|slot| cx.objects.id_at(slot))
    }

    /// Takes every member out, leaving an empty list with the same space (the members'
    /// headers are untouched: hand the result to
    /// [`Heap::collect_list`](crate::Heap::collect_list)).
    pub fn take(&mut self) -> TrackedList {
        TrackedList {
            slots: std::mem::take(&mut self.slots),
            space: self.space,
        }
    }

    /// Moves every member of `other` to the end of this list, rewriting their headers.
    pub fn append<T>(&mut self, cx: Cx<'_, T>, other: &mut TrackedList) {
        for slot in other.slots.drain(..) {
            let obj = cx.objects.at(slot);
            obj.set_space(self.space);
            obj.set_position(self.slots.len() as u32);
            self.slots.push(slot);
        }
    }

    /// Reserves room for `additional` more members.
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
    }

    /// The members, in list order.
    pub fn ids<'a, T>(&'a self, objects: Objects<'a, T>) -> impl Iterator<Item = ObjId> + 'a {
        self.slots.iter().map(move |&s| objects.objects.id_at(s))
    }

    /// Checks the list against the headers: every member is alive with this list's
    /// space and its index as position; with `only_space`, no other object carries the
    /// space (the list is the only one of its space). For a strategy's
    /// [`check`](crate::CycleCollector::check).
    ///
    /// # Errors
    /// A message naming the first member (or count) that disagrees.
    pub fn check<T>(&self, objects: Objects<'_, T>, only_space: bool) -> Result<(), String> {
        for (i, &slot) in self.slots.iter().enumerate() {
            let Some(obj) = objects.objects.get_slot(slot) else {
                return Err(format!(
                    "space {} lists dead slot {slot} at {i}",
                    self.space
                ));
            };
            let id = objects.objects.id_at(slot);
            if obj.space() != self.space || obj.position() != i as u32 {
                return Err(format!(
                    "object {id} is listed in space {} at {i} but its header says {} / {}",
                    self.space,
                    obj.space(),
                    obj.position()
                ));
            }
        }
        if only_space {
            let headers = objects
                .ids()
                .filter(|&id| objects.space(id) == Some(self.space))
                .count();
            if headers != self.slots.len() {
                return Err(format!(
                    "{headers} object(s) are marked in space {} but the list holds {}",
                    self.space,
                    self.slots.len()
                ));
            }
        }
        Ok(())
    }
}

/// A removal at `position` of a list of `len` members: the strategy's header and list
/// disagree (a bug).
#[cold]
#[inline(never)]
fn past_end(position: u32, len: usize) -> ! {
    panic!("bug: position {position} is past the end of a tracked list of {len}")
}
