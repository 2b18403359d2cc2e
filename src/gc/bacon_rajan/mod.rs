//! Synchronous cycle collection with a buffer of possible roots: Bacon & Rajan,
//! "Concurrent Cycle Collection in Reference Counted Systems" (ECOOP 2001), section 3,
//! the algorithm behind PHP's collector (`Zend/zend_gc.c`), Nim's ORC and the Rust
//! crates `bacon_rajan_cc` and `rust-cc`.
//!
//! ## The idea
//!
//! A garbage cycle can only appear when a reference count is *decremented to a value
//! above zero*: the last reference from outside the cycle went, the references inside
//! it remain. So instead of keeping a list of every tracked object (as
//! [`Generational`](crate::Generational) does), [`BaconRajan`] remembers only the
//! objects whose count was decremented and stayed positive, the *possible roots*
//! (`Decrement(S)` → `PossibleRoot(S)`: colour `S` purple and buffer it, once), and a
//! collection examines only what those roots reach:
//!
//! 1. **MarkRoots** (`MarkGray`): from each buffered root, paint gray everything it
//!    reaches through tracked objects, and subtract one from the scratch count of the
//!    target of every edge traversed. A gray object then counts only the references
//!    from outside the gray set (the paper decrements the real counts and restores
//!    them; we work on a scratch copy, CPython's `gc_refs`).
//! 2. **ScanRoots** (`Scan`): a gray object whose scratch count is still positive is
//!    referenced from outside: it and everything it reaches is live (`ScanBlack` paints
//!    them black). A gray object with count 0 is painted white (tentatively garbage)
//!    and its referents are scanned in turn.
//! 3. **CollectRoots** (`CollectWhite`): the white objects reachable from the roots are
//!    garbage; they go, in that order, through the shared PEP 442 pipeline
//!    ([`Heap::collect_unreachable`]: weak references, finalizers, resurrection,
//!    legacy finalizers), which frees them or gives survivors back.
//!
//! `bacon_rajan_cc`'s `collect.rs` (`collect_cycles` → `mark_roots`, `scan_roots`,
//! `collect_roots`) follows the paper with recursive `mark_gray`/`scan`/`scan_black`/
//! `collect_white` on the real counts; here every pass is a loop over an explicit
//! stack, on scratch counts.
//!
//! These three passes compute exactly what trial deletion
//! ([`find_unreachable`](crate::gc::trial::find_unreachable)) computes on the gray set:
//! `MarkGray` is `update_refs` + `subtract_refs` restricted to the closure of the roots
//! (the closure is closed under edges, so "from outside the set" means the same thing),
//! and `Scan`/`ScanBlack` is `move_unreachable`: a member is live iff it is reachable
//! inside the set from a member with a positive scratch count. The differential test in
//! `tests/suite/bacon_rajan.rs` checks the outcome against [`Generational`](crate::Generational).
//!
//! All passes are iterative (explicit stacks); nothing is hashed: the colour lives in the
//! header's space byte, the buffer index in its position, the scratch count in its
//! `gc_refs` cell, all through [`Cx`]/[`Objects`].
//!
//! ## Colours in the space byte
//!
//! | space | colour | meaning | position |
//! |---|---|---|---|
//! | [`BLACK`] (0) | black | tracked, in use or free, not buffered | 0 |
//! | [`PURPLE`] (1) | purple | tracked, a buffered possible root | its index in the buffer |
//! | [`GRAY`] (2) | gray | inside `MarkGray`..`Scan` only | (scratch count) |
//! | [`WHITE`] (3) | white | inside `Scan`..`CollectWhite` only | (scratch count) |
//! | untracked mark | green | atomic objects, lazily tracked containers not yet tracked: never buffered, never traced | – |
//!
//! Buffered ⇔ purple: the heap has no increment hook, so the paper's "black but still
//! buffered" state (`Increment(S)` recolours a buffered root black) does not arise; a
//! purple root whose count went up again is simply found live by `Scan`. Gray and white
//! exist only while the passes run, and no user code runs then, so no hook ever sees
//! them. After a collection every examined object is black or freed and the old buffer
//! is empty, as the paper's `CollectRoots` leaves it (`buffered(S) = false` for every
//! root). Survivors of the pipeline (resurrected objects, legacy-finalizer cycles, the
//! save-all mode's garbage) go back purple and buffered: what resurrected them may be
//! garbage itself (an object untracked when the collection began, linked to them by a
//! finalizer and held only by them), and their own last decrements fell inside the
//! collection, where no root is buffered; the next collection examines them again, as
//! CPython's next full collection examines its old generation.
//!
//! ## Completeness
//!
//! After [`Heap::collect_full`] no unreachable cycle of tracked objects remains. The
//! argument (the paper's): when a reference goes and a set of objects becomes
//! unreachable, all of them are reachable from the target `Z` of that reference (they
//! were reachable before, only through it). If `Z`'s count stays positive, `Z` is
//! buffered; if it drops to 0, the cascade decrements `Z`'s referents and each one that
//! stays positive is buffered. Where gclab could break this, the strategy covers it:
//! - *Untracked targets.* An untracked `Z` (atomic, or a lazily tracked container that
//!   holds no container) reaches no tracked object, so no cycle becomes garbage through
//!   it. If it is tracked later, the objects referring to it are tracked (a container
//!   referring to a lazily tracked one is tracked at once, immutable ones always are),
//!   so a garbage `Z` is reached from the buffered root of its referrers' garbage.
//! - *Decrements during the pipeline* on objects of the working set (`COLLECTING`) are
//!   not buffered; the pipeline decides those objects: freed, or survivors because
//!   something outside the working set references them (after deletion, a survivor
//!   still referenced by a not-yet-cleared member is decremented again when that member
//!   is cleared, now tracked, and is buffered then).
//! - *Resurrection during deallocation.* An object whose count reached 0 is tracked
//!   again for its finalizer (or legacy-finalizer code) with count 0, and a finalizer
//!   can resurrect it into a fresh garbage cycle (`me.link(me)`) without any decrement
//!   to a positive count; so [`on_track`](CycleCollector::on_track) buffers an object
//!   tracked with count 0. If it is not resurrected it is untracked and leaves the
//!   buffer in O(1).
//! - `freeze` and the other generation-based parts of the `gc` module exist for
//!   [`Generational`](crate::Generational) only.
//!
//! ## Triggers ([`RootTrigger`])
//!
//! - [`RootTrigger::Manual`]: only [`Heap::collect_full`] collects.
//! - [`RootTrigger::Fixed`]`(n)`: collect when the buffer holds `n` roots.
//! - [`RootTrigger::Adaptive`] (the default): PHP's policy (`zend_gc.c`,
//!   `gc_possible_root_when_full` and `gc_adjust_threshold`): the threshold starts at
//!   [`GC_THRESHOLD_DEFAULT`] (10,001 buffer slots; PHP's slot 0 is reserved, so 10,000
//!   roots); after an automatic collection that freed fewer than
//!   [`GC_THRESHOLD_TRIGGER`] (100) objects it grows by [`GC_THRESHOLD_STEP`] (10,000),
//!   up to [`GC_THRESHOLD_MAX`]; after one that freed more it shrinks by a step, not
//!   below the default. Explicit collections do not adjust it (PHP's
//!   `gc_collect_cycles()` does not either).
//!
//! The heap asks a strategy whether to collect only when a container is allocated
//! ([`CycleCollector::on_alloc`]), so a full buffer is collected at the next container
//! allocation, where PHP collects when the next possible root arrives.
//!
//! ## Cost, and what bounds a pause
//!
//! A decrement costs one header read and, for a new root, a push. A collection is
//! linear in the objects and edges of the gray closure of the roots: nothing bounds a
//! pause but that closure, which can be the whole live heap (one buffered root that
//! reaches everything). Conversely, acyclic data that is never decremented to a positive
//! count is never traced, and atomic objects never are. Each root costs one traversal
//! per collection even when it is found live; PHP's threshold adaptation exists because
//! of that.
//!
//! ## Example
//!
//! ```
//! use gclab::{BaconRajan, Heap, RootTrigger};
//!
//! let mut heap: Heap<&str, BaconRajan> =
//!     Heap::with_collector(BaconRajan::new(RootTrigger::Manual));
//! let (a, b) = (heap.alloc("a"), heap.alloc("b"));
//! heap.link(a, b).unwrap();
//! heap.link(b, a).unwrap();
//! heap.decref(a).unwrap(); // a's count stays 1: a possible root
//! heap.decref(b).unwrap(); // so is b
//! assert_eq!(heap.collector().roots(), &[a, b]);
//! let report = heap.collect_full();
//! assert_eq!((report.collected, report.candidates), (2, 2));
//! assert!(heap.is_empty() && heap.collector().roots().is_empty());
//! heap.verify().unwrap();
//! ```

use crate::gc::mechanism::RootCountTrigger;
use crate::gc::{AllocKind, CollectReport, Cx, CycleCollector, Objects, Pass, StrategyKind};
use crate::{Heap, ObjId};

/// Space byte of a tracked object that is not buffered (the paper's black: in use).
pub const BLACK: u8 = 0;
/// Space byte of a buffered possible root (the paper's purple); its position is its
/// index in [`BaconRajan::roots`].
pub const PURPLE: u8 = 1;
/// Space byte of an object `MarkGray` reached (only while a collection's passes run).
pub const GRAY: u8 = 2;
/// Space byte of an object `Scan` found tentatively garbage (only while a collection's
/// passes run).
pub const WHITE: u8 = 3;

pub use crate::gc::mechanism::{
    GC_THRESHOLD_DEFAULT, GC_THRESHOLD_MAX, GC_THRESHOLD_STEP, GC_THRESHOLD_TRIGGER, RootTrigger,
};

/// What [`BaconRajan`] has done since the heap was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BaconRajanStats {
    /// Collections run (automatic and explicit; skipped requests are not counted).
    pub collections: u64,
    /// Automatic collections among them.
    pub automatic: u64,
    /// Objects put into the buffer (each time one was buffered).
    pub roots_buffered: u64,
    /// Objects traced: painted gray by `MarkGray` (each collection's examined set).
    pub traced: u64,
    /// Objects freed by collections (the pipeline's `collected`).
    pub collected: u64,
    /// Objects the pipeline kept (resurrected or uncollectable).
    pub survivors: u64,
}

/// The synchronous cycle collector of Bacon & Rajan (2001) with PHP's root buffer: a
/// [`CycleCollector`] that keeps no list of tracked objects, only the buffer of possible
/// roots, and traces what those reach. See the module documentation.
///
/// # Examples
/// ```
/// use gclab::{BaconRajan, Heap, RootTrigger};
///
/// let mut heap: Heap<u32, BaconRajan> =
///     Heap::with_collector(BaconRajan::new(RootTrigger::Fixed(100)));
/// for i in 0..1000 {
///     let x = heap.alloc(i);
///     heap.link(x, x).unwrap();
///     heap.decref(x).unwrap(); // a garbage self-cycle, buffered
/// }
/// // Collected every 100 roots, at the next allocation.
/// assert!(heap.len() <= 100);
/// assert_eq!(heap.collector().stats().automatic, 9);
/// ```
#[derive(Debug, Clone)]
pub struct BaconRajan {
    /// The possible roots; each one is [`PURPLE`] and its header position is its index
    /// here. Freed or untracked roots leave by `swap_remove`.
    roots: Vec<ObjId>,
    /// When to collect: a count of buffered roots (fixed, PHP's adaptive one, or
    /// manual).
    trigger: RootCountTrigger,
    stats: BaconRajanStats,
    /// Scratch: the pass's worklist (slots: every object a pass reaches is alive, and
    /// no user code runs during the passes).
    stack: Vec<u32>,
    /// Scratch: `ScanBlack`'s worklist.
    black: Vec<u32>,
}

impl Default for BaconRajan {
    /// PHP's configuration: [`RootTrigger::Adaptive`].
    fn default() -> Self {
        BaconRajan::new(RootTrigger::Adaptive)
    }
}

impl BaconRajan {
    /// A collector with an empty buffer and the given trigger.
    ///
    /// # Examples
    /// ```
    /// use gclab::{BaconRajan, Heap, RootTrigger};
    /// let heap: Heap<(), BaconRajan> = Heap::with_collector(BaconRajan::new(RootTrigger::Manual));
    /// assert_eq!(heap.collector().trigger(), RootTrigger::Manual);
    /// ```
    pub fn new(trigger: RootTrigger) -> Self {
        BaconRajan {
            roots: Vec::new(),
            trigger: RootCountTrigger::new(trigger),
            stats: BaconRajanStats::default(),
            stack: Vec::new(),
            black: Vec::new(),
        }
    }

    /// The trigger policy.
    pub fn trigger(&self) -> RootTrigger {
        self.trigger.trigger()
    }

    /// Changes the trigger policy (switching to [`RootTrigger::Adaptive`] restarts at
    /// [`GC_THRESHOLD_DEFAULT`]).
    pub fn set_trigger(&mut self, trigger: RootTrigger) {
        self.trigger.set_trigger(trigger);
    }

    /// How many buffered roots make the next container allocation collect, or `None`
    /// under [`RootTrigger::Manual`]. Under [`RootTrigger::Adaptive`] this is PHP's
    /// threshold minus its reserved slot: 10,000 at first.
    ///
    /// # Examples
    /// ```
    /// use gclab::{BaconRajan, RootTrigger};
    /// assert_eq!(BaconRajan::default().roots_limit(), Some(10_000));
    /// assert_eq!(BaconRajan::new(RootTrigger::Fixed(64)).roots_limit(), Some(64));
    /// ```
    pub fn roots_limit(&self) -> Option<usize> {
        self.trigger.limit()
    }

    /// PHP's `gc_threshold` under [`RootTrigger::Adaptive`] (buffer slots, including the
    /// reserved slot 0): [`GC_THRESHOLD_DEFAULT`] at first.
    pub fn adaptive_threshold(&self) -> usize {
        self.trigger.adaptive_threshold()
    }

    /// The buffered possible roots, in buffer order.
    pub fn roots(&self) -> &[ObjId] {
        &self.roots
    }

    /// Whether `id` is a buffered possible root (its header is purple).
    ///
    /// # Examples
    /// ```
    /// use gclab::{BaconRajan, Heap};
    /// let mut heap: Heap<(), BaconRajan> = Heap::with_collector(BaconRajan::default());
    /// let x = heap.alloc(());
    /// heap.incref(x).unwrap();
    /// assert!(!BaconRajan::is_buffered(heap.objects_view(), x));
    /// heap.decref(x).unwrap(); // 2 → 1: a possible root
    /// assert!(BaconRajan::is_buffered(heap.objects_view(), x));
    /// ```
    pub fn is_buffered<T>(objects: Objects<'_, T>, id: ObjId) -> bool {
        objects.space(id) == Some(PURPLE)
    }

    /// What the collector has done so far.
    pub fn stats(&self) -> &BaconRajanStats {
        &self.stats
    }

    /// `PossibleRoot(S)`: paints a black object purple and buffers it.
    #[inline]
    fn buffer<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
        cx.set_space(id, PURPLE, self.roots.len() as u32);
        self.roots.push(id);
        self.stats.roots_buffered += 1;
    }

    /// Paints `id` gray with its reference count minus `traversed` (the edge that
    /// reached it, if any) as scratch count, and queues it.
    #[inline]
    fn paint_gray<T>(&mut self, pass: Pass<'_, T>, slot: u32, traversed: u32, gray: &mut Vec<u32>) {
        let refcount = pass.objects().slot_refcount(slot);
        debug_assert!(
            refcount >= traversed,
            "bug: refcount of slot {slot} is below its incoming edges"
        );
        pass.set_slot_header(slot, GRAY, 0);
        pass.set_slot_gc_refs(slot, refcount.saturating_sub(traversed));
        gray.push(slot);
        self.stack.push(slot);
    }

    /// `MarkRoots`: keeps in `roots` the roots still purple, runs `MarkGray` from each
    /// (a root another root's `MarkGray` reached is dropped: it is gray already, as in
    /// the paper's `MarkRoots`), and appends every object painted gray to `gray`, in the
    /// order painted.
    ///
    /// `MarkGray(S)`, iteratively: `S` is painted gray with its reference count as
    /// scratch count; for every edge from a gray object to a tracked target, the target
    /// is painted gray if it was not, and its scratch count is decremented.
    /// Postcondition: `gray` is closed under edges to tracked objects, and each member's
    /// scratch count is the number of references to it from outside `gray`.
    fn mark_roots<T>(&mut self, mut cx: Cx<'_, T>, roots: &mut Vec<ObjId>, gray: &mut Vec<u32>) {
        let pass = cx.pass();
        let objects = pass.objects();
        let mut kept = 0;
        for i in 0..roots.len() {
            let root = roots[i];
            // Every buffered root is alive (one freed or untracked leaves the buffer), so
            // its header by slot is enough: no version check in its body.
            let slot = objects.slot(root);
            if objects.slot_space(slot) != Some(PURPLE) {
                continue; // reached from an earlier root: gray already
            }
            roots[kept] = root;
            kept += 1;
            self.paint_gray(pass, slot, 0, gray);
            while let Some(slot) = self.stack.pop() {
                for t in objects.slot_edges(slot) {
                    match objects.slot_space(t) {
                        None => {} // green (untracked) or in a working set
                        Some(GRAY) => {
                            let refs = objects.slot_gc_refs(t);
                            debug_assert!(
                                refs > 0,
                                "bug: scratch count of slot {t} underflows; its refcount is \
                                 below its incoming edges"
                            );
                            pass.set_slot_gc_refs(t, refs.saturating_sub(1));
                        }
                        Some(_) => self.paint_gray(pass, t, 1, gray),
                    }
                }
            }
        }
        roots.truncate(kept);
    }

    /// `ScanRoots`: `Scan` from every root, iteratively. A gray object with a positive
    /// scratch count is referenced from outside the gray set: `ScanBlack` paints it and
    /// everything it reaches black (header restored: space [`BLACK`], position 0). A
    /// gray object with count 0 is painted white and its referents are scanned.
    ///
    /// The paper's `ScanBlack` also increments the counts `MarkGray` decremented, to
    /// restore the real reference counts; here `MarkGray` decremented a scratch copy,
    /// and every object whose count `ScanBlack` would raise is painted black by it at
    /// once (`ScanBlack(T)` follows `RC(T)++` whenever `T` is not black), so its count
    /// is never read again: only the colours change.
    ///
    /// Postcondition: every object of the gray set is black (reachable inside it from a
    /// member with a positive scratch count) or white (the rest).
    fn scan_roots<T>(&mut self, mut cx: Cx<'_, T>, roots: &[ObjId]) {
        let pass = cx.pass();
        let objects = pass.objects();
        let mut scan = std::mem::take(&mut self.stack);
        scan.clear();
        scan.extend(roots.iter().rev().map(|&r| objects.slot(r)));
        while let Some(slot) = scan.pop() {
            if objects.slot_space(slot) != Some(GRAY) {
                continue;
            }
            if objects.slot_gc_refs(slot) > 0 {
                self.scan_black(pass, slot);
                continue;
            }
            pass.set_slot_header(slot, WHITE, 0);
            // Pushed in reverse, so the first edge is scanned first.
            let from = scan.len();
            scan.extend(objects.slot_edges(slot));
            scan[from..].reverse();
        }
        self.stack = scan;
    }

    /// `ScanBlack(S)`, iteratively, with its own worklist (`scan_roots` holds the
    /// shared one): paints `s` and every gray or white object it reaches black.
    fn scan_black<T>(&mut self, pass: Pass<'_, T>, s: u32) {
        let objects = pass.objects();
        pass.set_slot_header(s, BLACK, 0);
        self.black.push(s);
        while let Some(slot) = self.black.pop() {
            for t in objects.slot_edges(slot) {
                if matches!(objects.slot_space(t), Some(GRAY | WHITE)) {
                    pass.set_slot_header(t, BLACK, 0);
                    self.black.push(t);
                }
            }
        }
    }

    /// `CollectRoots`: every root leaves the buffer (it was taken out whole at the
    /// start), and `CollectWhite` from each root gathers the white objects it reaches
    /// into `white`, in discovery order, each moved into the working set as tentatively
    /// unreachable ([`Cx::set_tentatively_unreachable`]), ready for
    /// [`Heap::collect_unreachable`]. (The paper frees them at once; here the PEP 442
    /// pipeline does.)
    ///
    /// Postcondition: `white` holds every white object (each one is reached from a root
    /// through white objects: `Scan` descends only from white objects, and `ScanBlack`
    /// would have blackened everything below a blackened one).
    fn collect_roots<T>(&mut self, mut cx: Cx<'_, T>, roots: &[ObjId], white: &mut Vec<u32>) {
        let pass = cx.pass();
        let objects = pass.objects();
        for &root in roots {
            let root = objects.slot(root);
            if objects.slot_space(root) != Some(WHITE) {
                continue;
            }
            pass.set_slot_tentatively_unreachable(root);
            white.push(root);
            self.stack.push(root);
            while let Some(slot) = self.stack.pop() {
                for t in objects.slot_edges(slot) {
                    if objects.slot_space(t) == Some(WHITE) {
                        pass.set_slot_tentatively_unreachable(t);
                        white.push(t);
                        self.stack.push(t);
                    }
                }
            }
        }
    }

    /// `CollectCycles`: the whole collection, inside the collecting window.
    fn collect_cycles<T>(heap: &mut Heap<T, Self>, automatic: bool) -> CollectReport {
        heap.run_collection(0, |heap| {
            // The buffer is taken whole: roots buffered from here on (by user code in
            // the pipeline) go to a fresh buffer.
            let mut roots = std::mem::take(&mut heap.collector_mut().roots);
            let mut gray = Vec::new();
            {
                let (gc, mut cx) = heap.collector_parts();
                gc.mark_roots(cx.reborrow(), &mut roots, &mut gray);
            }
            heap.note_examined_slots(&gray);
            let mut white = Vec::new();
            {
                let (gc, mut cx) = heap.collector_parts();
                gc.scan_roots(cx.reborrow(), &roots);
                gc.collect_roots(cx.reborrow(), &roots, &mut white);
                debug_assert!(
                    gray.iter()
                        .all(|&s| !matches!(cx.objects().slot_space(s), Some(GRAY | WHITE))),
                    "bug: an examined object is still gray or white after CollectRoots"
                );
                gc.stats.collections += 1;
                gc.stats.automatic += u64::from(automatic);
                gc.stats.traced += gray.len() as u64;
            }
            let mut report = CollectReport::default();
            // A survivor (resurrected by a finalizer, or kept by legacy-finalizer code)
            // is buffered again, not painted black: what resurrected it may itself be
            // garbage (an object that was untracked when the collection began, linked to
            // it by a finalizer), and the survivor's last decrement fell inside this
            // collection, where no root is buffered. The next collection examines it,
            // as CPython's next full collection examines its old generation (found by
            // the harness at 100,000 cases: a cycle resurrected by a lazily tracked
            // object of the cycle itself, never examined again).
            heap.collect_unreachable_slots(&mut white, &mut report, |gc, cx, id| gc.buffer(cx, id));
            report.candidates = gray.len();
            let gc = heap.collector_mut();
            gc.stats.collected += report.collected as u64;
            gc.stats.survivors += (report.resurrected + report.uncollectable) as u64;
            if gc.roots.is_empty() {
                roots.clear(); // keep the buffer's capacity
                gc.roots = roots;
            }
            report
        })
    }
}

impl CycleCollector for BaconRajan {
    /// A tracked object starts black. One tracked with count 0 (a dying object tracked
    /// again while its finalizer or legacy-finalizer code runs) is buffered at once: if
    /// that code resurrects it into a garbage cycle, no later decrement would.
    fn on_track<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId) {
        if cx.objects().refcount(id) == Some(0) {
            self.buffer(cx, id);
        } else {
            cx.set_space(id, BLACK, 0);
        }
    }

    /// A new object (count 1) starts black, outside the buffer.
    #[inline(always)]
    fn on_track_new(&mut self, id: ObjId) -> Option<(u8, u32)> {
        let _ = id;
        Some((BLACK, 0))
    }

    /// A buffered root that is freed or untracked leaves the buffer in O(1) (the paper's
    /// "buffered root freed before collection").
    #[inline(always)]
    fn on_untrack<T>(&mut self, mut cx: Cx<'_, T>, id: ObjId, space: u8, position: u32) {
        if space != PURPLE {
            return;
        }
        let i = position as usize;
        debug_assert!(
            self.roots.get(i) == Some(&id),
            "bug: purple {id} is not at its position {i} in the root buffer"
        );
        if self.roots.get(i) != Some(&id) {
            return;
        }
        self.roots.swap_remove(i);
        if let Some(&moved) = self.roots.get(i) {
            cx.set_position(moved, i as u32);
        }
    }

    /// `Decrement(S)` with `RC(S) > 0` → `PossibleRoot(S)`: a black tracked object is
    /// painted purple and buffered; a purple one is buffered already; untracked (green)
    /// objects and objects in a collection's working set are not buffered.
    #[inline]
    fn on_possible_root<T>(&mut self, cx: Cx<'_, T>, id: ObjId) {
        // The heap reports only live objects here: the header by slot is enough (no
        // version check in the object's body on the release path).
        if cx.objects().slot_space(crate::store::slot_of(id)) == Some(BLACK) {
            self.buffer(cx, id);
        }
    }

    /// [`on_possible_root`](CycleCollector::on_possible_root) by slot: the id is built
    /// only for a black object, the one case that buffers it.
    #[inline(always)]
    fn on_possible_root_at<T>(&mut self, cx: Cx<'_, T>, slot: u32, space: u8) {
        if space == BLACK {
            let id = cx.objects().id_at(slot);
            self.buffer(cx, id);
        }
    }

    #[inline]
    fn on_alloc(&mut self, _kind: AllocKind) -> bool {
        self.trigger.due(self.roots.len())
    }

    /// Collects the buffered roots, then, under [`RootTrigger::Adaptive`], adjusts the
    /// threshold as PHP's `gc_adjust_threshold` does.
    fn collect_auto<T>(heap: &mut Heap<T, Self>) {
        let report = Self::collect_cycles(heap, true);
        if !report.skipped {
            heap.collector_mut()
                .trigger
                .after_automatic(report.collected);
        }
    }

    /// `CollectCycles` over every buffered root: afterwards no unreachable cycle
    /// remains (see "Completeness" in the module documentation).
    fn collect_full<T>(heap: &mut Heap<T, Self>) -> CollectReport {
        Self::collect_cycles(heap, false)
    }

    /// Every buffer entry is purple at its own index, every purple object is buffered,
    /// and no object is gray or white outside a collection's passes.
    fn check<T>(&self, objects: Objects<'_, T>) -> Result<(), String> {
        for (i, &id) in self.roots.iter().enumerate() {
            if objects.space(id) != Some(PURPLE) || objects.position(id) != Some(i as u32) {
                return Err(format!(
                    "possible root {id} is buffered at {i} but its header says space {:?}, \
                     position {:?}",
                    objects.space(id),
                    objects.position(id)
                ));
            }
        }
        for id in objects.ids() {
            match objects.space(id) {
                None | Some(BLACK) => {}
                Some(PURPLE) => {
                    let i = objects.position(id).unwrap_or(u32::MAX) as usize;
                    if self.roots.get(i) != Some(&id) {
                        return Err(format!(
                            "{id} is purple but not buffered at its position {i}"
                        ));
                    }
                }
                Some(GRAY) => return Err(format!("{id} is gray outside a collection")),
                Some(WHITE) => return Err(format!("{id} is white outside a collection")),
                Some(s) => return Err(format!("{id} has space {s}, not a bacon-rajan colour")),
            }
        }
        Ok(())
    }
}

/// `bacon-rajan[:trigger]`: [`BaconRajan`] in the registry.
#[derive(Debug, Clone, Copy)]
pub struct BaconRajanKind;

impl StrategyKind for BaconRajanKind {
    const NAME: &'static str = "bacon-rajan";
    const HELP: &'static str = "synchronous cycle collection over a buffer of possible roots \
         (Bacon & Rajan 2001, gclab::BaconRajan); settings: adaptive (PHP's adaptive \
         threshold, the default), the number of buffered roots that starts a collection \
         (e.g. bacon-rajan:1000), or manual (only when asked)";
    const COMPARED: &'static [&'static str] = &["", "1000"];
    const HARNESS: &'static [&'static str] = &["4", "manual"];
    type Collector = BaconRajan;
    type Settings = RootTrigger;

    fn parse(settings: Option<&str>) -> Result<RootTrigger, String> {
        match settings {
            None | Some("") | Some("adaptive") => Ok(RootTrigger::Adaptive),
            Some("manual") => Ok(RootTrigger::Manual),
            Some(text) => text.parse::<usize>().map(RootTrigger::Fixed).map_err(|_| {
                format!("setting {text:?} is neither adaptive, manual nor a number of roots")
            }),
        }
    }

    fn settings_text(trigger: &RootTrigger) -> String {
        match trigger {
            RootTrigger::Adaptive => "adaptive".to_owned(),
            RootTrigger::Manual => "manual".to_owned(),
            RootTrigger::Fixed(n) => n.to_string(),
        }
    }

    fn build(trigger: &RootTrigger, automatic: bool) -> BaconRajan {
        BaconRajan::new(if automatic {
            *trigger
        } else {
            RootTrigger::Manual
        })
    }
}
