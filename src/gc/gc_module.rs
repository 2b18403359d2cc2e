//! The Python `gc`-module surface: `gc.collect`, `enable`/`disable`, thresholds and
//! counts, `get_objects`, `get_referrers`/`get_referents`, `is_tracked`, `freeze`,
//! `get_stats`, `callbacks`, `DEBUG_SAVEALL` and `garbage`. What depends on generations
//! is a method of `Heap<T, Generational>`; the rest works with every strategy.

use crate::error::{GcError, Result};

use crate::gc::trial::{
    REACHABLE, TrialEntry, TrialView, move_unreachable, subtract_refs, update_refs,
};
use crate::heap::{Heap, Observer};
use crate::object::{COLLECTING, NO_EDGE, ObjId, UNTRACKED};

use super::{
    CollectReport, CycleCollector, GcEvent, GenStats, Generation, Generational, LongLived, Phase,
    panic_message,
};

impl<T> Heap<T, Generational> {
    /// Turns automatic collection on (`gc.enable()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.disable();
    /// heap.enable();
    /// assert!(heap.is_enabled());
    /// ```
    pub fn enable(&mut self) {
        self.gc.enabled = true;
    }

    /// Turns automatic collection off (`gc.disable()`); explicit collections still work.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.disable(); // gc.disable(): no automatic collection
    /// for _ in 0..5000 {
    ///     let a = heap.alloc(());
    ///     heap.link(a, a).unwrap();
    ///     heap.decref(a).unwrap();
    /// }
    /// assert_eq!(heap.len(), 5000);
    /// assert_eq!(heap.collect_full().collected, 5000); // explicit ones still work
    /// ```
    pub fn disable(&mut self) {
        self.gc.enabled = false;
    }

    /// Whether automatic collection is on (`gc.isenabled()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert!(heap.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.gc.enabled
    }

    /// The thresholds, one per generation (`gc.get_threshold()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert_eq!(heap.get_threshold(), vec![2000, 10, 10]); // CPython 3.13's
    /// ```
    pub fn get_threshold(&self) -> Vec<u32> {
        self.gc.thresholds[..self.gc.generations()].to_vec()
    }

    /// Sets the thresholds (`gc.set_threshold(...)`). As in Python, fewer values than
    /// generations leave the remaining thresholds unchanged. `threshold0 = 0` disables
    /// automatic collection.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] when more values than generations are given, or none.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.set_threshold(&[700]).unwrap(); // gc.set_threshold(700)
    /// assert_eq!(heap.get_threshold(), vec![700, 10, 10]);
    /// assert!(heap.set_threshold(&[1, 2, 3, 4]).is_err());
    /// ```
    pub fn set_threshold(&mut self, thresholds: &[u32]) -> Result<()> {
        if thresholds.is_empty() || thresholds.len() > self.gc.generations() {
            return Err(GcError::InvalidConfig(format!(
                "set_threshold takes 1 to {} value(s), not {}",
                self.gc.generations(),
                thresholds.len()
            )));
        }
        self.gc.thresholds[..thresholds.len()].copy_from_slice(thresholds);
        Ok(())
    }

    /// The collection counts, one per generation (`gc.get_count()`): allocations minus
    /// deallocations of container objects since the last collection, then the number of
    /// younger collections since each generation's last collection.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// let _n = heap.alloc_atomic(()); // not a container: not counted
    /// assert_eq!(heap.get_count(), vec![1, 0, 0]);
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.get_count(), vec![0, 0, 0]);
    /// ```
    pub fn get_count(&self) -> Vec<u64> {
        self.gc.counts[..self.gc.generations()].to_vec()
    }

    /// Number of generations.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert_eq!(heap.generations(), 3);
    /// ```
    pub fn generations(&self) -> usize {
        self.gc.generations()
    }

    /// The long-lived heuristic's state (CPython's `long_lived_pending` and
    /// `long_lived_total`): a full collection runs only once `pending` exceeds a quarter
    /// of `total`.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.collect_full();
    /// assert_eq!((heap.long_lived().pending, heap.long_lived().total), (0, 1));
    /// # heap.decref(a).unwrap();
    /// ```
    pub fn long_lived(&self) -> LongLived {
        LongLived {
            pending: self.gc.long_lived_pending,
            total: self.gc.long_lived_total,
        }
    }

    /// Tracked objects of one generation, or of all generations (`gc.get_objects()`; the
    /// permanent generation is not included, as in CPython), each generation in its list
    /// order (allocation order, survivors appended as they are promoted).
    ///
    /// # Errors
    /// [`GcError::NoSuchGeneration`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let (a, b) = (heap.alloc(()), heap.alloc(()));
    /// assert_eq!(heap.get_objects(Some(0)).unwrap(), vec![a, b]); // allocation order
    /// heap.collect(0).unwrap(); // survivors move to generation 1
    /// assert_eq!(heap.get_objects(Some(1)).unwrap(), vec![a, b]);
    /// assert_eq!(heap.get_objects(None).unwrap().len(), 2);
    /// ```
    pub fn get_objects(&self, generation: Option<usize>) -> Result<Vec<ObjId>> {
        let n = self.gc.generations();
        match generation {
            Some(g) if g >= n => Err(GcError::NoSuchGeneration {
                generation: g,
                generations: n,
            }),
            Some(g) => Ok(self.gc.gens[g].to_vec(&self.objects)),
            None => Ok(self.gc.gens[..n]
                .iter()
                .flat_map(|list| list.ids_in(&self.objects))
                .collect()),
        }
    }

    /// Every object *in a generation* that holds an edge to any of `ids`, each once
    /// (`gc.get_referrers`): as CPython, which searches generations 0 to 2 only, frozen
    /// (permanent) and untracked referrers are not reported. Generation 0 first, each in
    /// its list order. [`referrers`](Heap::referrers) searches the whole heap instead.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let x = heap.alloc("x");
    /// let l = heap.alloc_with("list", &[x]).unwrap();
    /// let t = heap.alloc_immutable("tuple", &[x]).unwrap();
    /// heap.freeze(); // both referrers move to the permanent generation
    /// assert!(heap.get_referrers(&[x]).unwrap().is_empty());
    /// assert_eq!(heap.referrers(x).unwrap(), vec![l, t]); // whole heap
    /// ```
    pub fn get_referrers(&self, ids: &[ObjId]) -> Result<Vec<ObjId>> {
        let n = self.gc.generations();
        let in_generations = self.gc.gens[..n]
            .iter()
            .flat_map(|list| list.ids_in(&self.objects));
        self.referrers_among(ids, in_generations)
    }

    /// Which generation holds the object.
    ///
    /// # Errors
    /// [`GcError::StaleId`].
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::Generation;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// assert_eq!(heap.generation_of(a).unwrap(), Generation::Gen(0));
    /// heap.freeze();
    /// assert_eq!(heap.generation_of(a).unwrap(), Generation::Permanent);
    /// ```
    pub fn generation_of(&self, id: ObjId) -> Result<Generation> {
        let gen_no = self.obj(id)?.space();
        Ok(match gen_no {
            UNTRACKED => Generation::Untracked,
            COLLECTING => Generation::Collecting,
            g if g == self.gc.permanent() => Generation::Permanent,
            g => Generation::Gen(g as usize),
        })
    }

    /// Moves every tracked object into the permanent generation, which collections ignore,
    /// and zeroes every generation's count (`gc.freeze()`, CPython's `gc_freeze_impl`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.freeze(); // gc.freeze(): collections ignore a from now on
    /// assert_eq!(heap.collect_full().collected, 0);
    /// assert_eq!(heap.get_freeze_count(), 1);
    /// ```
    pub fn freeze(&mut self) {
        let perm = self.gc.permanent();
        let mut moved = Vec::new();
        for g in 0..self.gc.generations() {
            self.gc.gens[g].drain_into(&mut moved);
            self.gc.counts[g] = 0;
        }
        for slot in moved {
            self.gc.push_slot(&mut self.objects, slot, perm);
        }
    }

    /// Moves the permanent generation back into the oldest generation (`gc.unfreeze()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.freeze();
    /// heap.unfreeze(); // back into the oldest generation
    /// assert_eq!(heap.collect_full().collected, 1);
    /// ```
    pub fn unfreeze(&mut self) {
        let perm = self.gc.permanent();
        let oldest = perm - 1;
        let mut moved = Vec::new();
        self.gc.gens[perm as usize].drain_into(&mut moved);
        for slot in moved {
            self.gc.push_slot(&mut self.objects, slot, oldest);
        }
    }

    /// Objects in the permanent generation (`gc.get_freeze_count()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let _a = heap.alloc(());
    /// heap.freeze();
    /// assert_eq!(heap.get_freeze_count(), 1);
    /// ```
    pub fn get_freeze_count(&self) -> usize {
        self.gc.gens[self.gc.generations()].len()
    }

    /// Per-generation statistics (`gc.get_stats()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap: Heap<()> = Heap::new();
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// heap.collect(0).unwrap();
    /// assert_eq!((heap.get_stats()[0].collections, heap.get_stats()[0].collected), (1, 1));
    /// ```
    pub fn get_stats(&self) -> &[GenStats] {
        &self.gc.stats
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

impl<T> Heap<T> {
    /// Runs the three trial-deletion passes over generations `0..=generation` without
    /// changing anything, and returns what they saw: each object's refcount, its scratch
    /// count after `subtract_refs`, and whether it is reachable. The unreachable set is
    /// what [`collect`](Heap::collect) would find, before finalizers get a chance to
    /// resurrect anything. (The passes use the headers' scratch cells, which are restored
    /// before it returns.)
    ///
    /// # Errors
    /// [`GcError::NoSuchGeneration`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let (a, b) = (heap.alloc("a"), heap.alloc("b"));
    /// heap.link(a, b).unwrap();
    /// heap.link(b, a).unwrap();
    /// heap.decref(b).unwrap(); // `a` is still held by us
    /// let view = heap.trial_deletion(0).unwrap();
    /// assert_eq!(view.get(a).unwrap().gc_refs, 1); // our handle
    /// assert_eq!(view.get(b).unwrap().gc_refs, 0); // only a → b
    /// assert!(view.unreachable().is_empty());      // b is reached from a
    /// ```
    pub fn trial_deletion(&self, generation: usize) -> Result<TrialView> {
        let n = self.gc.generations();
        if generation >= n {
            return Err(GcError::NoSuchGeneration {
                generation,
                generations: n,
            });
        }
        // CPython's order: generation `generation`'s list, then 0, 1, … younger.
        let mut set = self.gc.gens[generation].to_vec(&self.objects);
        for list in &self.gc.gens[..generation] {
            set.extend(list.ids_in(&self.objects));
        }
        let member = |g: u8| (g as usize) <= generation;
        update_refs(&self.objects, &set);
        subtract_refs(&self.objects, &set, member);
        let after_subtract: Vec<u32> = set.iter().map(|&id| self.objects[id].gc_refs()).collect();
        let mut young = set.clone();
        let _ = move_unreachable(&self.objects, &mut young, member, &mut Vec::new());
        let entries: Vec<TrialEntry> = set
            .iter()
            .zip(after_subtract)
            .map(|(&id, gc_refs)| {
                let obj = &self.objects[id];
                TrialEntry {
                    id,
                    refcount: obj.refcount,
                    gc_refs,
                    reachable: obj.gc_refs() == REACHABLE,
                }
            })
            .collect();
        // Restore every examined header's position.
        for list in &self.gc.gens[..=generation] {
            for (i, &slot) in list.ids.iter().enumerate() {
                if slot != NO_EDGE {
                    self.objects.at(slot).set_position(i as u32);
                }
            }
        }
        Ok(TrialView::new(generation, entries))
    }
}
