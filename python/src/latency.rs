//! Garbage latency (`gclab-py --latency`): for every object a collection frees, how
//! long it waited between becoming unreachable and being freed.
//!
//! # The definition
//!
//! Time is measured on two clocks: the heap's allocation counter
//! ([`gclab::HeapCounters::allocations`]) and wall time since the heap was made.
//! Every decrement of an object's reference count is an event with a time: a
//! reference the program held dropped (`decref`), an edge removed or overwritten
//! (`remove_edge`, `set_edge`, `clear_edges`), an edge of an object freed (its edges are
//! released when it dies), an entry of the heap's `garbage` list dropped
//! (`clear_garbage`). For an object y, `last(y)` is the time of the last such event on y
//! (or of its allocation, if none).
//!
//! Let G be the set of objects one collection frees. An object x of G became
//! unreachable when the last reference into G that could reach x went away:
//!
//! `death(x) = max { last(y) : y in G, y reaches x by edges inside G (x included) }`
//!
//! and its latency is the collection's end minus `death(x)`, on each clock. Objects
//! freed by reference counting (outside any collection) die the moment they become
//! unreachable: latency 0; they are counted apart ([`Summary::rc_freed`]) and not in
//! the percentiles.
//!
//! # How it is measured
//!
//! The interpreter's heap wrapper ([`crate::record::Rec`]) tells [`Latency`] every
//! mutation it forwards, so [`Latency`] keeps a shadow of every object's edges (by
//! slot, in a vector: the heap frees an object's edges with it, and its referents'
//! decrements must still be dated) and the time of each object's last decrement.
//! After each outermost heap call it checks the objects whose counts dropped: one the
//! heap no longer holds was freed by reference counting, and its shadow edges'
//! referents are decremented at that time (the cascade, followed iteratively). At a
//! collection's start any object still unaccounted for is settled the same way (user
//! code inside the heap can free objects in the middle of a call); at its stop every
//! object in the shadow that the heap no longer holds is the collection's G.
//! `death` is a max-propagation over G's edges, done without recursion and in linear
//! time: sources in decreasing order of `last`, each marking, by a depth-first walk
//! with an explicit stack, the members of G it reaches that no earlier (later-dying)
//! source reached; those take its `last` as their `death`, since a source processed
//! earlier has the greater `last`.
//!
//! The shadow costs a copy of every edge and a little work per heap call, so
//! `--latency` runs are slower than plain ones: take their pauses and wall time from a
//! run without it.

use std::time::Instant;

use gclab::{CollectReport, CycleCollector, Heap, ObjId, Phase};
use slotmap::Key;

/// The slot half of an id (its index in the heap's object store).
fn slot(id: ObjId) -> usize {
    id.data().as_ffi() as u32 as usize
}

/// One object of the shadow.
#[derive(Debug, Default)]
struct Entry {
    /// The object held in this slot; `None` when the slot's last object was accounted
    /// for (freed and counted).
    id: Option<ObjId>,
    /// The object's edges, in order, as the heap has them.
    edges: Vec<ObjId>,
    /// `last` on the allocation clock.
    last_alloc: u64,
    /// `last` on the wall clock (ns since the tracker was made).
    last_ns: u64,
    /// The stamp of the collection whose freed set holds the object (0: none).
    freed_by: u32,
    /// The stamp of the collection whose death walk reached the object.
    reached: u32,
    /// `death` on both clocks, valid when `reached` is the current stamp.
    death: (u64, u64),
}

/// Garbage latency of one run: percentiles on both clocks, counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Objects freed by collections (the latency samples).
    pub collected: u64,
    /// Objects freed by reference counting, outside collections (latency 0).
    pub rc_freed: u64,
    /// p50, p99 and max in allocations.
    pub allocs: [u64; 3],
    /// p50, p99 and max in nanoseconds.
    pub nanos: [u64; 3],
}

/// The garbage-latency tracker (see the [module documentation](self)).
#[derive(Debug)]
pub struct Latency {
    start: Instant,
    slots: Vec<Entry>,
    /// Objects whose count dropped during the current outermost heap call.
    pending: Vec<ObjId>,
    /// Nesting of heap calls (user code runs inside them and makes calls of its own).
    depth: u32,
    /// Collections seen (the stamp of the current one).
    stamp: u32,
    in_collection: bool,
    /// Entries of objects freed during the current collection whose slot a new object
    /// took before the collection's end.
    evicted: Vec<Entry>,
    rc_freed: u64,
    /// Objects the shadow has accounted for as freed (by either means).
    freed: u64,
    allocs: Vec<u64>,
    nanos: Vec<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Latency::new()
    }
}

impl Latency {
    /// A tracker with nothing recorded; its wall clock starts now.
    pub fn new() -> Latency {
        Latency {
            start: Instant::now(),
            slots: Vec::new(),
            pending: Vec::new(),
            depth: 0,
            stamp: 0,
            in_collection: false,
            evicted: Vec::new(),
            rc_freed: 0,
            freed: 0,
            allocs: Vec::new(),
            nanos: Vec::new(),
        }
    }

    fn now<T, C: CycleCollector>(&self, heap: &Heap<T, C>) -> (u64, u64) {
        (
            heap.counters().allocations,
            self.start.elapsed().as_nanos() as u64,
        )
    }

    /// Whether the heap has freed objects the shadow has not accounted for yet (every
    /// object the heap frees was allocated through the shadow, so this is exact).
    fn unaccounted<T, C: CycleCollector>(&self, heap: &Heap<T, C>) -> bool {
        heap.counters().allocations - heap.len() as u64 > self.freed
    }

    /// The live entry of `id`, if the shadow holds it.
    fn entry_mut(&mut self, id: ObjId) -> Option<&mut Entry> {
        self.slots.get_mut(slot(id)).filter(|e| e.id == Some(id))
    }

    /// A heap call starts (before it reaches the heap).
    pub fn enter(&mut self) {
        self.depth += 1;
    }

    /// A heap call ended: at the outermost one, accounts for the objects freed by
    /// reference counting during it.
    pub fn leave<T, C: CycleCollector>(&mut self, heap: &Heap<T, C>) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            while let Some(id) = self.pending.pop() {
                if self.entry_mut(id).is_some() && !heap.contains(id) {
                    self.free_rc(heap, slot(id));
                }
            }
        }
    }

    /// `id` was allocated with `edges`.
    pub fn allocated<T, C: CycleCollector>(
        &mut self,
        heap: &Heap<T, C>,
        id: ObjId,
        edges: &[ObjId],
    ) {
        let s = slot(id);
        if self.slots.len() <= s {
            self.slots.resize_with(s + 1, Entry::default);
        }
        if self.slots[s].id.is_some_and(|old| old != id) {
            // The slot's previous object died and was not accounted for yet (freed
            // inside the current call, before user code allocated).
            if self.in_collection {
                let e = std::mem::take(&mut self.slots[s]);
                self.evicted.push(e);
            } else {
                self.free_rc(heap, s);
            }
        }
        let (a, ns) = self.now(heap);
        let e = &mut self.slots[s];
        *e = Entry {
            id: Some(id),
            edges: edges.to_vec(),
            last_alloc: a,
            last_ns: ns,
            ..Entry::default()
        };
    }

    /// `id`'s count dropped now.
    pub fn decremented<T, C: CycleCollector>(&mut self, heap: &Heap<T, C>, id: ObjId) {
        let (a, ns) = self.now(heap);
        if let Some(e) = self.entry_mut(id) {
            e.last_alloc = a;
            e.last_ns = ns;
            self.pending.push(id);
        }
    }

    /// `from` gained the edge `to` at its end.
    pub fn linked(&mut self, from: ObjId, to: ObjId) {
        if let Some(e) = self.entry_mut(from) {
            e.edges.push(to);
        }
    }

    /// `from` gained the edge `to` at `index`.
    pub fn inserted(&mut self, from: ObjId, index: usize, to: ObjId) {
        if let Some(e) = self.entry_mut(from) {
            let i = index.min(e.edges.len());
            e.edges.insert(i, to);
        }
    }

    /// `from`'s edge at `index` now points at `to` instead of `old`.
    pub fn replaced<T, C: CycleCollector>(
        &mut self,
        heap: &Heap<T, C>,
        from: ObjId,
        index: usize,
        to: ObjId,
        old: ObjId,
    ) {
        if let Some(e) = self.entry_mut(from) {
            if let Some(x) = e.edges.get_mut(index) {
                *x = to;
            }
        }
        self.decremented(heap, old);
    }

    /// `from`'s edge at `index` (to `removed`) was removed.
    pub fn removed<T, C: CycleCollector>(
        &mut self,
        heap: &Heap<T, C>,
        from: ObjId,
        index: usize,
        removed: ObjId,
    ) {
        if let Some(e) = self.entry_mut(from) {
            if index < e.edges.len() {
                e.edges.remove(index);
            }
        }
        self.decremented(heap, removed);
    }

    /// `from`'s edges were all removed.
    pub fn cleared<T, C: CycleCollector>(&mut self, heap: &Heap<T, C>, from: ObjId) {
        let edges = self
            .entry_mut(from)
            .map(|e| std::mem::take(&mut e.edges))
            .unwrap_or_default();
        for to in edges {
            self.decremented(heap, to);
        }
    }

    /// The object in slot `s`, which the heap no longer holds, was freed by reference
    /// counting now: counts it and decrements its referents, following the cascade
    /// through those the heap freed too (iteratively).
    fn free_rc<T, C: CycleCollector>(&mut self, heap: &Heap<T, C>, s: usize) {
        let (a, ns) = self.now(heap);
        let mut work = vec![s];
        while let Some(s) = work.pop() {
            if self.slots[s].id.take().is_none() {
                continue;
            }
            self.rc_freed += 1;
            self.freed += 1;
            let edges = std::mem::take(&mut self.slots[s].edges);
            for to in edges {
                let dead = !heap.contains(to);
                if let Some(e) = self.entry_mut(to) {
                    e.last_alloc = a;
                    e.last_ns = ns;
                    if dead {
                        work.push(slot(to));
                    }
                }
            }
        }
    }

    /// The heap's collection observer: register it with `Heap::add_heap_callback`.
    pub fn observe<T, C: CycleCollector>(
        &mut self,
        heap: &Heap<T, C>,
        phase: Phase,
        report: &CollectReport,
    ) {
        match phase {
            Phase::Start => {
                // Whatever died before the collection died by reference counting.
                for s in 0..self.slots.len() {
                    if !self.unaccounted(heap) {
                        break;
                    }
                    if self.slots[s].id.is_some_and(|id| !heap.contains(id)) {
                        self.free_rc(heap, s);
                    }
                }
                self.in_collection = true;
            }
            Phase::Stop => {
                self.in_collection = false;
                if report.skipped {
                    // A collection that did nothing frees nothing itself.
                    for s in 0..self.slots.len() {
                        if !self.unaccounted(heap) {
                            break;
                        }
                        if self.slots[s].id.is_some_and(|id| !heap.contains(id)) {
                            self.free_rc(heap, s);
                        }
                    }
                    for e in std::mem::take(&mut self.evicted) {
                        self.rc_freed += 1;
                        self.freed += 1;
                        for to in e.edges {
                            self.decremented(heap, to);
                        }
                    }
                } else {
                    self.collected(heap);
                }
            }
        }
    }

    /// A collection ended: every object of the shadow the heap no longer holds is its
    /// freed set G; dates each one's death (max-propagation over G) and records the
    /// latencies.
    fn collected<T, C: CycleCollector>(&mut self, heap: &Heap<T, C>) {
        let (a, ns) = self.now(heap);
        self.stamp += 1;
        let stamp = self.stamp;
        let mut freed: Vec<usize> = Vec::new();
        let mut missing = (heap.counters().allocations - heap.len() as u64)
            .saturating_sub(self.freed + self.evicted.len() as u64);
        for (s, e) in self.slots.iter_mut().enumerate() {
            if missing == 0 {
                break; // the common case of a collection that freed nothing: no scan
            }
            if e.id.is_some_and(|id| !heap.contains(id)) {
                e.freed_by = stamp;
                freed.push(s);
                missing -= 1;
            }
        }
        self.freed += (freed.len() + self.evicted.len()) as u64;
        // Sources in decreasing order of last: the first to reach a member gives it
        // the greatest last among the members reaching it.
        freed.sort_unstable_by_key(|&s| {
            let e = &self.slots[s];
            std::cmp::Reverse((e.last_alloc, e.last_ns))
        });
        let mut stack: Vec<usize> = Vec::new();
        for &src in &freed {
            if self.slots[src].reached == stamp {
                continue;
            }
            let d = (self.slots[src].last_alloc, self.slots[src].last_ns);
            self.slots[src].reached = stamp;
            self.slots[src].death = d;
            stack.push(src);
            while let Some(x) = stack.pop() {
                for k in 0..self.slots[x].edges.len() {
                    let to = self.slots[x].edges[k];
                    let t = slot(to);
                    let e = &mut self.slots[t];
                    if e.id == Some(to) && e.freed_by == stamp && e.reached != stamp {
                        e.reached = stamp;
                        e.death = d;
                        stack.push(t);
                    }
                }
            }
        }
        for &s in &freed {
            let (da, dn) = self.slots[s].death;
            self.allocs.push(a.saturating_sub(da));
            self.nanos.push(ns.saturating_sub(dn));
        }
        for e in std::mem::take(&mut self.evicted) {
            self.allocs.push(a.saturating_sub(e.last_alloc));
            self.nanos.push(ns.saturating_sub(e.last_ns));
            self.release_edges(heap, &e.edges, stamp, (a, ns));
        }
        // The survivors the freed objects pointed at lost a reference now.
        for &s in &freed {
            let edges = std::mem::take(&mut self.slots[s].edges);
            self.release_edges(heap, &edges, stamp, (a, ns));
            self.slots[s].id = None;
        }
    }

    /// The edges of a freed object of collection `stamp` released at `now`: their
    /// targets outside the freed set are decremented.
    fn release_edges<T, C: CycleCollector>(
        &mut self,
        heap: &Heap<T, C>,
        edges: &[ObjId],
        stamp: u32,
        now: (u64, u64),
    ) {
        for &to in edges {
            if let Some(e) = self.entry_mut(to) {
                if e.freed_by != stamp {
                    e.last_alloc = now.0;
                    e.last_ns = now.1;
                    if !heap.contains(to) {
                        self.pending.push(to);
                    }
                }
            }
        }
    }

    /// Checks the shadow against the heap: the same objects, each with the same edges.
    ///
    /// # Errors
    /// A sentence naming the first difference (a bug of the tracker's hooks).
    pub fn verify<T, C: CycleCollector>(&self, heap: &Heap<T, C>) -> Result<(), String> {
        let mut live = 0usize;
        for e in &self.slots {
            let Some(id) = e.id else { continue };
            live += 1;
            let Ok(edges) = heap.edges(id) else {
                return Err(format!("the shadow holds {id:?}, which the heap freed"));
            };
            if !edges.clone().eq(e.edges.iter().copied()) {
                return Err(format!(
                    "{id:?}'s edges: the heap has {:?}, the shadow {:?}",
                    edges.collect::<Vec<_>>(),
                    e.edges
                ));
            }
        }
        if live != heap.len() {
            return Err(format!(
                "the heap holds {} objects, the shadow {live}",
                heap.len()
            ));
        }
        Ok(())
    }

    /// The latencies so far.
    pub fn summary(&self) -> Summary {
        let pct = |v: &[u64]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            [
                gclab::experiment::percentile(&v, 50.0),
                gclab::experiment::percentile(&v, 99.0),
                v.last().copied().unwrap_or(0),
            ]
        };
        Summary {
            collected: self.allocs.len() as u64,
            rc_freed: self.rc_freed,
            allocs: pct(&self.allocs),
            nanos: pct(&self.nanos),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use gclab::Heap;

    use super::*;
    use crate::obj::Obj;
    use crate::record::Rec;

    /// A heap whose collections `lat` observes.
    fn heap_with(lat: &Rc<RefCell<Latency>>) -> Heap<Obj> {
        let mut heap: Heap<Obj> = Heap::new();
        let observer = Rc::clone(lat);
        heap.add_heap_callback(move |h, phase, report| {
            observer.borrow_mut().observe(h, phase, report)
        });
        heap
    }

    /// Allocates held atoms until the heap's allocation counter reads `n`.
    fn allocate_until(h: &mut Rec<'_, gclab::Generational>, n: u64, held: &mut Vec<ObjId>) {
        while h.counters().allocations < n {
            held.push(h.alloc_atomic(Obj::Int(0)));
        }
    }

    /// Every latency sample, sorted (in allocations).
    fn samples(lat: &Rc<RefCell<Latency>>) -> Vec<u64> {
        let mut v = lat.borrow().allocs.clone();
        v.sort_unstable();
        v
    }

    #[test]
    fn a_cycle_dropped_at_allocation_10_and_collected_at_25_waited_15() {
        let lat = Rc::new(RefCell::new(Latency::new()));
        let mut heap = heap_with(&lat);
        let mut h = Rec::with_latency(&mut heap, None, Some(Rc::clone(&lat)));
        let mut held = Vec::new();
        let (a, b) = (h.alloc(Obj::List), h.alloc(Obj::List)); // allocations 1, 2
        h.link(a, b).unwrap();
        h.link(b, a).unwrap();
        h.decref(b).unwrap(); // last(b) = 2: still reachable through a
        allocate_until(&mut h, 10, &mut held);
        h.decref(a).unwrap(); // last(a) = 10: the cycle is unreachable from now on
        allocate_until(&mut h, 25, &mut held);
        assert_eq!(h.collect_full().collected, 2);
        assert_eq!(samples(&lat), vec![15, 15]);
        for x in held {
            h.decref(x).unwrap();
        }
        let s = lat.borrow().summary();
        assert_eq!((s.collected, s.rc_freed), (2, 23)); // 23 atoms, latency 0
        assert_eq!(s.allocs, [15, 15, 15]);
        lat.borrow().verify(&h).unwrap();
    }

    #[test]
    fn death_is_the_latest_last_decrement_among_the_garbage_reaching_an_object() {
        // a <-> b -> c: c's own reference dropped at 20 dates c, not a or b, which c
        // does not reach; a's at 10 dates all three (a reaches b and c).
        let lat = Rc::new(RefCell::new(Latency::new()));
        let mut heap = heap_with(&lat);
        let mut h = Rec::with_latency(&mut heap, None, Some(Rc::clone(&lat)));
        let mut held = Vec::new();
        let (a, b, c) = (h.alloc(Obj::List), h.alloc(Obj::List), h.alloc(Obj::List));
        h.link(a, b).unwrap();
        h.link(b, a).unwrap();
        h.link(b, c).unwrap();
        h.decref(b).unwrap(); // 3
        allocate_until(&mut h, 10, &mut held);
        h.decref(a).unwrap(); // 10
        allocate_until(&mut h, 20, &mut held);
        h.decref(c).unwrap(); // 20
        allocate_until(&mut h, 25, &mut held);
        assert_eq!(h.collect_full().collected, 3);
        // a and b: 25 - 10; c: 25 - 20
        assert_eq!(samples(&lat), vec![5, 15, 15]);
    }

    #[test]
    fn a_referrer_freed_by_reference_counting_dates_the_garbage_it_pointed_at() {
        // x -> a <-> b; the program drops a and b at 3 (x still holds a), then x at 12:
        // x dies by reference counting, which drops the last reference into the cycle.
        let lat = Rc::new(RefCell::new(Latency::new()));
        let mut heap = heap_with(&lat);
        let mut h = Rec::with_latency(&mut heap, None, Some(Rc::clone(&lat)));
        let mut held = Vec::new();
        let (a, b, x) = (h.alloc(Obj::List), h.alloc(Obj::List), h.alloc(Obj::List));
        h.link(a, b).unwrap();
        h.link(b, a).unwrap();
        h.link(x, a).unwrap();
        h.decref(a).unwrap();
        h.decref(b).unwrap();
        allocate_until(&mut h, 12, &mut held);
        h.decref(x).unwrap();
        assert!(!h.contains(x));
        allocate_until(&mut h, 20, &mut held);
        assert_eq!(h.collect_full().collected, 2);
        assert_eq!(samples(&lat), vec![8, 8]);
        assert_eq!(lat.borrow().summary().rc_freed, 1);
    }

    #[test]
    fn an_edge_overwritten_or_removed_is_a_decrement_and_the_shadow_follows_the_heap() {
        let lat = Rc::new(RefCell::new(Latency::new()));
        let mut heap = heap_with(&lat);
        let mut h = Rec::with_latency(&mut heap, None, Some(Rc::clone(&lat)));
        let mut held = Vec::new();
        let root = h.alloc(Obj::List); // 1
        let (a, b) = (h.alloc(Obj::List), h.alloc(Obj::List)); // 2, 3
        let t = h.alloc_immutable(Obj::Tuple, &[a]).unwrap(); // 4
        h.link(a, b).unwrap();
        h.link(b, a).unwrap();
        h.link(root, a).unwrap();
        h.insert_edge(root, 0, b).unwrap(); // root: [b, a]
        h.decref(a).unwrap();
        h.decref(b).unwrap();
        h.decref(t).unwrap(); // t freed: a decremented at 4
        lat.borrow().verify(&h).unwrap();
        allocate_until(&mut h, 7, &mut held);
        let n = h.alloc(Obj::List); // 8
        h.set_edge(root, 1, n).unwrap(); // root: [b, n]; a's last: 8
        h.decref(n).unwrap();
        lat.borrow().verify(&h).unwrap();
        allocate_until(&mut h, 11, &mut held);
        h.remove_edge(root, 0).unwrap(); // root: [n]; b's last: 11, the cycle is garbage
        lat.borrow().verify(&h).unwrap();
        allocate_until(&mut h, 30, &mut held);
        h.clear_edges(root).unwrap(); // n freed by reference counting
        assert_eq!(h.collect_full().collected, 2);
        assert_eq!(samples(&lat), vec![19, 19]);
        assert_eq!(lat.borrow().summary().rc_freed, 2); // t and n
        lat.borrow().verify(&h).unwrap();
    }
}
