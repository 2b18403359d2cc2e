//! The collector's side of the heap: the strategy and its view of the objects, the
//! recording of examined sets, the collecting window, and tracking.

use crate::gc::{AllocKind, Cx, CycleCollector, Objects};
use crate::object::{COLLECTING, ObjId, UNTRACKED};

use super::Heap;

impl<T, C: CycleCollector> Heap<T, C> {
    /// The collection strategy (read-only).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// let _strategy: &gclab::Generational = heap.collector();
    /// ```
    pub fn collector(&self) -> &C {
        &self.gc
    }

    /// The collection strategy, mutably (e.g. to change a policy knob).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _strategy: &mut gclab::Generational = heap.collector_mut();
    /// ```
    pub fn collector_mut(&mut self) -> &mut C {
        &mut self.gc
    }

    /// The strategy and a context on the objects, borrowed together: what a strategy's
    /// collection needs between steps that run user code.
    ///
    /// # Examples
    /// The minimal strategy in [`gc::strategy`](crate::gc::strategy) (a runnable example)
    /// uses it for its whole collection.
    pub fn collector_parts(&mut self) -> (&mut C, Cx<'_, T>) {
        (&mut self.gc, Cx::new(&mut self.objects))
    }

    /// The objects, read-only, as strategies see them.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _x = heap.alloc(());
    /// let _objects = heap.objects_view(); // what a strategy's `check` gets
    /// ```
    pub fn objects_view(&self) -> Objects<'_, T> {
        Objects::new(&self.objects)
    }

    /// Turns the recording of examined sets on or off (off by default; turning it off
    /// drops what was recorded). While it is on, every collection's strategy notes the
    /// objects it examines, in the order it examines them ([`Heap::note_examined`]), and
    /// [`Heap::take_examined`] hands them out: this is how the harness
    /// (`gclab::testing`) checks any strategy's collections
    /// without knowing its lists.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (a, b) = (heap.alloc(()), heap.alloc(()));
    /// heap.record_examined(true);
    /// heap.collect_full();
    /// assert_eq!(heap.take_examined(), vec![a, b]); // generation 2 was empty; then 0
    /// assert!(heap.take_examined().is_empty());
    /// ```
    pub fn record_examined(&mut self, on: bool) {
        self.examined = on.then(Vec::new);
    }

    /// Notes that the running collection examines `ids`, in this order (trial deletion,
    /// or the strategy's own scan, runs over exactly these objects). Every strategy calls
    /// it once per collection, before the scan, with the whole set; it does nothing while
    /// recording is off ([`Heap::record_examined`]).
    ///
    /// # Examples
    /// The minimal strategy in [`gc::strategy`](crate::gc::strategy) (a runnable example)
    /// notes its set.
    #[inline]
    pub fn note_examined(&mut self, ids: &[ObjId]) {
        if let Some(log) = &mut self.examined {
            log.extend_from_slice(ids);
        }
    }

    /// Whether no user code can run on a collection's unreachable set and nothing can
    /// observe its order: no finalizer, legacy finalizer (or flag, ever), weak
    /// reference or save-all mode. The collector may then free the set in any order
    /// without listing it in scan order.
    #[inline]
    pub(crate) fn garbage_order_unobservable(&self) -> bool {
        !self.legacy_ever && self.no_user_code_on_garbage()
    }

    /// Whether freeing an unreachable set (without legacy-flagged members) can run no
    /// user code and keep nothing: no finalizer, legacy-finalizer code, weak reference
    /// or save-all mode exists.
    #[inline]
    pub(crate) fn no_user_code_on_garbage(&self) -> bool {
        !self.debug_saveall
            && self.finalizers.is_empty()
            && self.legacy.is_empty()
            && !self.weak.has_any()
    }

    /// [`note_examined`](Heap::note_examined) for a list of (occupied) slots.
    pub(crate) fn note_examined_slots(&mut self, slots: &[u32]) {
        if let Some(log) = &mut self.examined {
            log.extend(slots.iter().map(|&s| self.objects.id_at(s)));
        }
    }

    /// What collections examined since the last call (see [`Heap::record_examined`]),
    /// in order; empty while recording is off.
    ///
    /// # Examples
    /// See [`Heap::record_examined`].
    pub fn take_examined(&mut self) -> Vec<ObjId> {
        self.examined
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Whether a collection is running (its observers included).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// assert!(!heap.is_collecting());
    /// let seen = std::rc::Rc::new(std::cell::Cell::new(false));
    /// let s = seen.clone();
    /// heap.add_heap_callback(move |heap, _, _| s.set(heap.is_collecting()));
    /// heap.collect_full();
    /// assert!(seen.get()); // observers run inside the collecting window
    /// ```
    pub fn is_collecting(&self) -> bool {
        self.collecting
    }

    /// Counts a newly allocated container of kind `kind` with the strategy, and runs the
    /// automatic collection the strategy asks for (unless one is running).
    ///
    /// `new` is the object just allocated, whose reference the caller is about to
    /// receive: if the collection re-raises a payload's panic, that reference is given
    /// back before the panic goes on, since the caller never gets the id to release it.
    #[inline(always)]
    pub(super) fn count_alloc(&mut self, kind: AllocKind, new: ObjId) {
        if self.gc.on_alloc(kind) && !self.collecting {
            self.collect_after_alloc(new);
        }
    }

    /// The automatic collection an allocation started, giving the new object's
    /// reference back if it unwinds (see [`count_alloc`](Heap::count_alloc)).
    #[inline(never)]
    fn collect_after_alloc(&mut self, new: ObjId) {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| C::collect_auto(self)));
        if let Err(panic) = outcome {
            // User code run by the collection may have released the program's
            // reference already (it shares the program's handles): give back one only
            // if the program still holds one.
            let still_held = self
                .objects
                .get(new)
                .is_some_and(|o| o.external > self.held_count(new));
            if still_held {
                // Its own payload may panic in turn: the first panic is the one reported.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.release_external(new)
                }));
            }
            std::panic::resume_unwind(panic);
        }
    }

    /// Tracks `id` with the strategy.
    #[inline(always)]
    pub(super) fn track(&mut self, id: ObjId) {
        self.gc.on_track(Cx::new(&mut self.objects), id);
    }

    /// Takes `id` out of the strategy's lists if it is in one (not untracked, not in a
    /// running collection's working set), and marks it untracked.
    #[inline(always)]
    pub(crate) fn untrack(&mut self, id: ObjId) {
        let obj = &self.objects[id];
        let (generation, position) = (obj.space(), obj.position());
        if generation != UNTRACKED && generation != COLLECTING {
            self.gc
                .on_untrack(Cx::new(&mut self.objects), id, generation, position);
        }
        self.objects[id].set_space(UNTRACKED);
    }
}
