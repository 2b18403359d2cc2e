//! The Python `gc`-module surface of [`Generational`]: `gc.collect(generation)`,
//! `enable`/`disable`, thresholds and counts, `get_objects`, `get_referrers`, `freeze`,
//! `get_stats`, and the trial-deletion view. These are methods of
//! `Heap<T, Generational>` written against the public seam only (the strategy through
//! [`Heap::collector`]/[`Heap::collector_mut`], the objects through [`Heap::objects_view`]
//! and [`Heap::collector_parts`]); the part every strategy has (`gc.collect()`,
//! `callbacks`, `get_referents`, `is_tracked`, `garbage`) is the heap's own.

use crate::error::{GcError, Result};
#[cfg(feature = "testing")]
use crate::gc::Fault;
use crate::gc::trial::TrialView;
use crate::{CollectReport, Heap, ObjId};

use super::{GenStats, Generation, Generational, collect_generation};
use crate::gc::LongLived;

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
        self.collector_mut().trigger.set_enabled(true);
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
        self.collector_mut().trigger.set_enabled(false);
    }

    /// Whether automatic collection is on (`gc.isenabled()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert!(heap.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.collector().trigger.enabled()
    }

    /// The thresholds, one per generation (`gc.get_threshold()`).
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert_eq!(heap.get_threshold(), vec![2000, 10, 10]); // CPython 3.13's
    /// ```
    pub fn get_threshold(&self) -> Vec<u32> {
        self.collector().trigger.thresholds().to_vec()
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
        self.collector_mut().trigger.set_thresholds(thresholds)
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
        self.collector().trigger.counts().to_vec()
    }

    /// Number of generations.
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let heap: Heap<()> = Heap::new();
    /// assert_eq!(heap.generations(), 3);
    /// ```
    pub fn generations(&self) -> usize {
        self.collector().generations()
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
        self.collector().trigger.long_lived()
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
        let (gc, objects) = (self.collector(), self.objects_view());
        let n = gc.generations();
        match generation {
            Some(g) if g >= n => Err(GcError::NoSuchGeneration {
                generation: g,
                generations: n,
            }),
            Some(g) => Ok(gc.gens[g].to_vec(objects)),
            None => Ok(gc.gens[..n]
                .iter()
                .flat_map(|list| list.ids_in(objects))
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
        let (gc, objects) = (self.collector(), self.objects_view());
        let n = gc.generations();
        let in_generations = gc.gens[..n].iter().flat_map(|list| list.ids_in(objects));
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
        let tracked = self.is_tracked(id)?;
        Ok(match self.objects_view().space(id) {
            None if !tracked => Generation::Untracked,
            None => Generation::Collecting,
            Some(g) if g == self.collector().permanent() => Generation::Permanent,
            Some(g) => Generation::Gen(g as usize),
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
        let (gc, mut cx) = self.collector_parts();
        let perm = gc.permanent();
        let mut moved = Vec::new();
        for g in 0..gc.generations() {
            gc.gens[g].drain_into(&mut moved);
        }
        gc.trigger.clear_counts();
        for slot in moved {
            gc.push_slot(cx.reborrow(), slot, perm);
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
        let (gc, mut cx) = self.collector_parts();
        let perm = gc.permanent();
        let oldest = perm - 1;
        let mut moved = Vec::new();
        gc.gens[perm as usize].drain_into(&mut moved);
        for slot in moved {
            gc.push_slot(cx.reborrow(), slot, oldest);
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
        let gc = self.collector();
        gc.gens[gc.generations()].len()
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
        &self.collector().stats
    }

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
        let (gc, objects) = (self.collector(), self.objects_view());
        let n = gc.generations();
        if generation >= n {
            return Err(GcError::NoSuchGeneration {
                generation,
                generations: n,
            });
        }
        // CPython's order: generation `generation`'s list, then 0, 1, … younger.
        let mut set = gc.gens[generation].to_vec(objects);
        for list in &gc.gens[..generation] {
            set.extend(list.ids_in(objects));
        }
        let member = move |g: u8| (g as usize) <= generation;
        Ok(TrialView::observe(objects, generation, &set, member))
    }

    /// Collects generation `generation` and every younger one (Python's
    /// `gc.collect(generation)`): trial deletion finds the objects referenced only from
    /// inside the examined set, their weak references are cleared, their finalizers run,
    /// and those still unreachable are freed. Survivors move one generation older.
    ///
    /// A collection requested while one runs (from a finalizer, a weak-reference callback
    /// or a collection callback) does nothing and returns a report with `skipped` set and
    /// 0 collected, as CPython's `gc.collect()` returns 0 then.
    ///
    /// # Errors
    /// [`GcError::NoSuchGeneration`].
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("a");
    /// heap.link(a, a).unwrap(); // a.append(a)
    /// heap.decref(a).unwrap();   // del a: still alive, refcount 1
    /// assert!(heap.contains(a));
    /// let report = heap.collect(0).unwrap();
    /// assert_eq!(report.collected, 1);
    /// assert!(!heap.contains(a));
    /// ```
    pub fn collect(&mut self, generation: usize) -> Result<CollectReport> {
        let n = self.collector().generations();
        if generation >= n {
            return Err(GcError::NoSuchGeneration {
                generation,
                generations: n,
            });
        }
        Ok(self.run_collection(generation, |heap| collect_generation(heap, generation)))
    }

    /// Injects a deliberate collector bug (or removes it with `None`), so a test can show
    /// that the harness catches a broken collector (feature `testing`).
    ///
    /// # Examples
    /// ```
    /// use gclab::{Fault, Heap};
    /// let mut heap: Heap<()> = Heap::new();
    /// heap.inject_fault(Some(Fault::SkipSubtractForOneEdge));
    /// let a = heap.alloc(());
    /// heap.link(a, a).unwrap();
    /// heap.decref(a).unwrap();
    /// assert_eq!(heap.collect_full().collected, 0); // the bug keeps the garbage cycle
    /// heap.inject_fault(None);
    /// assert_eq!(heap.collect_full().collected, 1);
    /// ```
    #[cfg(feature = "testing")]
    pub fn inject_fault(&mut self, fault: Option<Fault>) {
        self.collector_mut().fault = fault;
    }
}
