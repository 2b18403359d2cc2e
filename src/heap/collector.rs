//! The collector's side of the heap: the strategy and its view of the objects, the
//! recording of examined sets, the collecting window, and tracking; and the part of the
//! Python `gc`-module surface every strategy has (`gc.collect()`, `callbacks`,
//! `get_referents`, `is_tracked`, `DEBUG_SAVEALL`, `garbage`).

use crate::error::{GcError, Result};
use crate::gc::{
    AllocKind, CollectReport, Cx, CycleCollector, GcEvent, Objects, Phase, panic_message,
};
use crate::object::{COLLECTING, ObjId, UNTRACKED};

use super::{Heap, Observer};

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

    /// [`note_examined`](Heap::note_examined) for a list of slots of live objects
    /// ([`Objects::slot`]), as a strategy on the slot-level mechanism
    /// ([`Heap::trial_delete_slots`]) notes its examined set.
    pub fn note_examined_slots(&mut self, slots: &[u32]) {
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
                .is_some_and(|o| o.body().external > self.held_count(new));
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
        let obj = self.objects.by_id(id);
        let (generation, position) = (obj.space(), obj.position());
        if generation != UNTRACKED && generation != COLLECTING {
            self.gc
                .on_untrack(Cx::new(&mut self.objects), id, generation, position);
        }
        self.objects.by_id(id).set_space(UNTRACKED);
    }
}

impl<T, C: CycleCollector> Heap<T, C> {
    /// A full collection (the oldest generation and all younger ones), Python's
    /// `gc.collect()`.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    /// heap.link(a, b).unwrap();
    /// heap.link(b, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.decref(b).unwrap();
    /// assert_eq!(heap.collect_full().collected, 2);
    /// ```
    pub fn collect_full(&mut self) -> CollectReport {
        C::collect_full(self)
    }

    /// Runs one collection, `collect`, inside the collecting window, with the collection
    /// observers called before and after it (CPython's `gc_collect_with_callback` under
    /// `gcstate->collecting`): the observers run inside the window, so a collection they
    /// (or finalizers) request does nothing and returns a `skipped` report. `generation`
    /// is what the observers' start report says (0 for strategies without generations).
    /// A payload panic caught meanwhile is re-raised at the end, when the heap is
    /// consistent. This is how a strategy's [`CycleCollector::collect_full`] and
    /// [`CycleCollector::collect_auto`] run a collection.
    ///
    /// # Examples
    /// The minimal strategy in [`gc::strategy`](crate::gc::strategy) (a runnable example)
    /// uses it for its whole collection.
    pub fn run_collection(
        &mut self,
        generation: usize,
        collect: impl FnOnce(&mut Self) -> CollectReport,
    ) -> CollectReport {
        if self.collecting {
            return CollectReport {
                generation,
                skipped: true,
                ..CollectReport::default()
            };
        }
        self.collecting = true;
        self.invoke_callbacks(
            Phase::Start,
            &CollectReport {
                generation,
                ..CollectReport::default()
            },
        );
        let report = collect(self);
        self.invoke_callbacks(Phase::Stop, &report);
        self.collecting = false;
        self.raise_deferred_panic();
        report
    }

    fn invoke_callbacks(&mut self, phase: Phase, report: &CollectReport) {
        if self.callbacks.is_empty() {
            return;
        }
        let mut callbacks = std::mem::take(&mut self.callbacks);
        let epoch = self.callbacks_epoch;
        for cb in &mut callbacks {
            let result = match cb {
                Observer::Plain(f) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(phase, report)))
                }
                Observer::WithHeap(f) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        f(self, phase, report)
                    }))
                }
            };
            if let Err(panic) = result {
                self.events.push(GcEvent::CallbackPanicked {
                    message: panic_message(&panic),
                });
            }
            if self.callbacks_epoch != epoch {
                break; // clear_callbacks ran: the rest were removed
            }
        }
        // Callbacks registered meanwhile go after the ones that were there; a
        // `clear_callbacks` meanwhile removed the old ones.
        let added = std::mem::take(&mut self.callbacks);
        if self.callbacks_epoch == epoch {
            callbacks.extend(added);
            self.callbacks = callbacks;
        } else {
            self.callbacks = added;
        }
    }

    /// The edges of all of `ids`, in order and with repetitions (`gc.get_referents`).
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, x) = (heap.alloc(()), heap.alloc_atomic(()));
    /// heap.link(l, x).unwrap();
    /// heap.link(l, l).unwrap();
    /// assert_eq!(heap.get_referents(&[l]).unwrap(), vec![x, l]);
    /// ```
    pub fn get_referents(&self, ids: &[ObjId]) -> Result<Vec<ObjId>> {
        let mut out = Vec::new();
        for &id in ids {
            out.extend(self.objects.edge_ids(self.obj(id)?));
        }
        Ok(out)
    }

    /// Whether the collector tracks the object (`gc.is_tracked`). Frozen objects are
    /// tracked; atomic objects never are; lazily tracked containers
    /// ([`alloc_lazy`](Heap::alloc_lazy)) only once they hold a container.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (l, n) = (heap.alloc(()), heap.alloc_atomic(()));
    /// assert!(heap.is_tracked(l).unwrap());
    /// assert!(!heap.is_tracked(n).unwrap()); // ints and strs are never tracked
    /// ```
    pub fn is_tracked(&self, id: ObjId) -> Result<bool> {
        Ok(self.obj(id)?.space() != UNTRACKED)
    }

    /// Registers a collection observer (`gc.callbacks.append`); it is called with
    /// [`Phase::Start`] and [`Phase::Stop`] around every collection, automatic or not.
    /// A panic in it is caught and recorded as an event. To reach the heap from the
    /// callback, use [`add_heap_callback`](Heap::add_heap_callback).
    ///
    /// # Examples
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use gclab::{Heap, Phase};
    /// let mut heap: Heap<()> = Heap::new();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// let l = log.clone();
    /// heap.add_callback(move |phase, info| l.borrow_mut().push((phase, info.generation)));
    /// heap.collect(1).unwrap();
    /// assert_eq!(*log.borrow(), vec![(Phase::Start, 1), (Phase::Stop, 1)]);
    /// ```
    pub fn add_callback(&mut self, callback: impl FnMut(Phase, &CollectReport) + 'static) {
        self.callbacks.push(Observer::Plain(Box::new(callback)));
    }

    /// Registers a collection observer that gets the heap, as `test_gc`'s callbacks
    /// inspect and clear `gc.garbage`. It runs inside the collection's window, under the
    /// finalizers' rules: it may allocate, link, release, register callbacks and clear
    /// `garbage`; a collection it requests does nothing (`skipped`, 0 collected), as
    /// `gc.collect()` returns 0 inside a callback.
    ///
    /// # Examples
    /// Empty `gc.garbage` in the stop phase (`test_gc.GCCallbackTests`):
    /// ```
    /// use gclab::{Heap, Phase};
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.add_heap_callback(|heap, phase, _| {
    ///     if phase == Phase::Stop {
    ///         heap.clear_garbage();
    ///     }
    /// });
    /// heap.set_debug_saveall(true);
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_full().collected, 1);
    /// assert!(heap.garbage().is_empty()); // the callback cleared it
    /// ```
    pub fn add_heap_callback(
        &mut self,
        callback: impl FnMut(&mut Heap<T, C>, Phase, &CollectReport) + 'static,
    ) {
        self.callbacks.push(Observer::WithHeap(Box::new(callback)));
    }

    /// Removes every collection observer (also from inside one: the rest of that round
    /// is skipped).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.add_callback(|_, _| panic!("never called"));
    /// heap.clear_callbacks();
    /// heap.collect_full();
    /// assert!(heap.events().is_empty());
    /// ```
    pub fn clear_callbacks(&mut self) {
        self.callbacks.clear();
        self.callbacks_epoch += 1;
    }

    /// Save-all debug mode (`gc.set_debug(gc.DEBUG_SAVEALL)`): unreachable objects go to
    /// [`garbage`](Heap::garbage) instead of being freed.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.set_debug_saveall(true); // gc.set_debug(gc.DEBUG_SAVEALL)
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_full().collected, 1);
    /// assert_eq!(heap.garbage(), &[a]); // kept for inspection
    /// assert!(heap.debug_saveall());
    /// ```
    pub fn set_debug_saveall(&mut self, on: bool) {
        self.debug_saveall = on;
    }

    /// Whether save-all mode is on.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert!(!heap.debug_saveall());
    /// ```
    pub fn debug_saveall(&self) -> bool {
        self.debug_saveall
    }

    /// Python's `gc.garbage`: objects found unreachable but kept. A collection appends
    /// the unreachable objects that themselves have a legacy finalizer (what they reach
    /// is kept alive and counted uncollectable, but not listed, as CPython's
    /// `handle_legacy_finalizers`), or, in save-all mode, everything it found
    /// unreachable. Each entry holds an external reference.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.set_legacy_finalizer(a, true).unwrap(); // a __del__ before Python 3.4
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_full().uncollectable, 1);
    /// assert_eq!(heap.garbage(), &[a]);
    /// ```
    pub fn garbage(&self) -> &[ObjId] {
        &self.garbage
    }

    /// Empties `garbage` (`del gc.garbage[:]`), releasing its references; objects only it
    /// kept alive are freed, cycles among them wait for the next collection.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.set_debug_saveall(true);
    /// let b = heap.alloc(());
    /// heap.link(b, b).unwrap();
    /// heap.decref(b).unwrap();
    /// heap.collect_full();
    /// heap.clear_garbage(); // del gc.garbage[:]: b is a cycle again, unreferenced
    /// heap.set_debug_saveall(false);
    /// assert_eq!(heap.collect_full().collected, 1);
    /// ```
    pub fn clear_garbage(&mut self) {
        let all = 0..self.garbage.len();
        self.splice_garbage(all, &[])
            .expect("bug: the whole garbage list is a valid slice");
    }

    /// Replaces the slice `range` of `garbage` by `items`, as Python's
    /// `gc.garbage[start:end] = items` (and `del gc.garbage[start:end]` with no items)
    /// does: each new item gains a reference held by the list, the list is rewritten,
    /// and then the removed items' references are released **last item first**, as
    /// CPython's `list_ass_slice` (and `_list_clear`, for `gc.garbage.clear()`) does.
    /// The order is observable: releasing an item may free it and run its finalizer,
    /// weak-reference callbacks or legacy-finalizer code, which see the list already
    /// rewritten.
    ///
    /// # Errors
    /// [`GcError::GarbageRangeOutOfRange`] when `range` does not fit the list;
    /// [`GcError::StaleId`], [`GcError::BeingDeallocated`] or
    /// [`GcError::RefcountOverflow`] for an item. The list is unchanged on error.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<&str> = Heap::new();
    /// heap.set_debug_saveall(true);
    /// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    /// for x in [a, b] {
    ///     heap.link(x, x).unwrap();
    ///     heap.decref(x).unwrap();
    /// }
    /// heap.collect_full();
    /// assert_eq!(heap.garbage(), &[a, b]);
    /// let keep = heap.alloc("keep");
    /// heap.splice_garbage(0..1, &[keep]).unwrap(); // gc.garbage[0:1] = [keep]
    /// assert_eq!(heap.garbage(), &[keep, b]);
    /// heap.decref(keep).unwrap();
    /// heap.splice_garbage(1..2, &[]).unwrap();     // del gc.garbage[1:2]
    /// assert_eq!(heap.garbage(), &[keep]);
    /// assert!(heap.splice_garbage(0..5, &[]).is_err());
    /// ```
    pub fn splice_garbage(&mut self, range: std::ops::Range<usize>, items: &[ObjId]) -> Result<()> {
        let len = self.garbage.len();
        if range.start > range.end || range.end > len {
            return Err(GcError::GarbageRangeOutOfRange {
                start: range.start,
                end: range.end,
                len,
            });
        }
        for (i, &item) in items.iter().enumerate() {
            if let Err(e) = self.hold(item) {
                for &taken in items[..i].iter().rev() {
                    self.unhold(taken);
                }
                return Err(e);
            }
        }
        let removed: Vec<ObjId> = self.garbage.splice(range, items.iter().copied()).collect();
        self.release_batch(|heap| {
            for &id in removed.iter().rev() {
                heap.unhold(id);
            }
        });
        Ok(())
    }

    /// Unraisable events recorded so far (panics in finalizers and callbacks).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.set_finalizer(a, |_, _| panic!("oops")).unwrap();
    /// heap.decref(a).unwrap(); // the panic is caught, as sys.unraisablehook would be called
    /// assert_eq!(heap.events().len(), 1);
    /// ```
    pub fn events(&self) -> &[GcEvent] {
        &self.events
    }

    /// Takes the recorded events, leaving none.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.set_finalizer(a, |_, _| panic!("oops")).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.take_events().len(), 1);
    /// assert!(heap.events().is_empty());
    /// ```
    pub fn take_events(&mut self) -> Vec<GcEvent> {
        std::mem::take(&mut self.events)
    }
}
