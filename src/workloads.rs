//! The standard workloads, shared by benches, experiments and tests.
//!
//! Each builder takes a heap, under any collection strategy (`Heap<P, C>` with
//! `C: CycleCollector`), and a size, builds the structure with the ordinary mutator
//! operations (`alloc`, `link`, `decref`), and returns what the caller needs to go on:
//! the root it holds, or nothing when everything built is already garbage. They are the
//! workloads of the design notes, written so that the CPython script
//! `benches/cpython_workloads.py` builds the same shapes with Python lists, object for
//! object:
//!
//! | builder | shape | Python |
//! | --- | --- | --- |
//! | [`dead_cycles`] | `n` garbage two-node cycles | `a = []; b = [a]; a.append(b)` |
//! | [`live`] | `n` objects in two-node cycles held from one root | the same, `root.append(a)` |
//! | [`acyclic_churn`] | allocate a one-edge object and drop it, `n` times | `x = [leaf]; del x` |
//! | [`chain`] | an `n`-long singly linked chain | `head = [head]` |
//! | [`ring`] | one `n`-long ring | a chain whose tail points at its head |
//! | [`young_vs_old`] | a promoted old generation, plus 1,000 young objects on demand | |
//! | [`gcbench`] | Boehm–Ellis–Kovac GCBench binary trees | `Node = [left, right(, parent)]` |
//! | [`rings21`] | rings of 21 doubly linked nodes (pyperformance `gc_collect`) | |
//! | [`dag`] | level `k` holds `k` references to level `k − 1` (pyperformance `gc_traversal`) | |
//! | [`RequestLoop`] | requests beside a large long-lived cache (Nim ORC benchmark style) | |
//!
//! Builders never change the collector's settings, except [`gcbench`], which is the
//! "real program" of the set and runs with automatic collection on (it needs the default
//! [`Generational`] strategy for that; [`gcbench_with`] runs the same benchmark under any
//! strategy as the heap is set up, and [`GcBench`] runs it one tree at a time). For
//! measurements of the other workloads, turn automatic collection off first
//! ([`Heap::disable`]) so that no collection runs while the structure is built, as the
//! CPython script does with `gc.disable()`.
//!
//! Every builder is iterative: a ten-million-long chain or ring is ordinary input.
//!
//! [`Workload`] names them: it is the one list of standard workloads, shared by
//! `gclab-perf`, the `gclab-peers` comparison (`benches/peers`, which runs the first five
//! on every peer) and the names the CPython script accepts.
//!
//! # Examples
//!
//! ```
//! use gclab::{Heap, workloads};
//!
//! let mut heap: Heap<()> = Heap::new();
//! heap.disable();
//! workloads::dead_cycles(&mut heap, 1000);
//! assert_eq!(heap.len(), 2000);               // alive: refcounting cannot free cycles
//! assert_eq!(heap.collect_full().collected, 2000);
//! assert!(heap.is_empty());
//! ```

use std::fmt;
use std::str::FromStr;

use rand::Rng;

use crate::{CycleCollector, Generational, Heap, ObjId, Result};

/// The standard workloads, by the names used on command lines, in CSV files and by the
/// CPython script (`snake_case`: `dead_cycles`, `acyclic_churn`, …).
///
/// # Examples
/// ```
/// use gclab::workloads::Workload;
///
/// let w: Workload = "dead_cycles".parse().unwrap();
/// assert_eq!(w, Workload::DeadCycles);
/// assert_eq!(w.to_string(), "dead_cycles");
/// assert!("cycles".parse::<Workload>().unwrap_err().to_string().contains("dead_cycles"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[cfg_attr(feature = "cli", value(rename_all = "snake_case"))]
pub enum Workload {
    /// `n` garbage two-node cycles ([`dead_cycles`]); one full collection frees `2n`.
    DeadCycles,
    /// `n` objects in two-node cycles held from one root ([`live`]); a full collection
    /// examines them all and frees none.
    Live,
    /// Allocate a one-edge object and drop it at once, `n` times ([`acyclic_churn`]).
    AcyclicChurn,
    /// An `n`-long singly linked chain ([`chain`]), built, then dropped from its head.
    Chain,
    /// One `n`-long ring ([`ring`]), its last external reference dropped, then collected.
    Ring,
    /// Young collections beside an old generation of 10^3 or 10^6 objects
    /// ([`young_vs_old`]).
    YoungVsOld,
    /// GCBench binary trees, acyclic and with parent pointers ([`gcbench`]).
    Gcbench,
    /// Rings of 21 doubly linked nodes ([`rings21`], pyperformance `gc_collect`).
    Rings21,
    /// A layered DAG ([`dag`], pyperformance `gc_traversal`).
    Dag,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 9] = [
        Workload::DeadCycles,
        Workload::Live,
        Workload::AcyclicChurn,
        Workload::Chain,
        Workload::Ring,
        Workload::YoungVsOld,
        Workload::Gcbench,
        Workload::Rings21,
        Workload::Dag,
    ];

    /// The workload's name: `dead_cycles`, `live`, `acyclic_churn`, `chain`, `ring`,
    /// `young_vs_old`, `gcbench`, `rings21` or `dag`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::DeadCycles => "dead_cycles",
            Workload::Live => "live",
            Workload::AcyclicChurn => "acyclic_churn",
            Workload::Chain => "chain",
            Workload::Ring => "ring",
            Workload::YoungVsOld => "young_vs_old",
            Workload::Gcbench => "gcbench",
            Workload::Rings21 => "rings21",
            Workload::Dag => "dag",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a [`Workload`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWorkload(pub String);

impl fmt::Display for UnknownWorkload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
        write!(
            f,
            "unknown workload {:?}; the workloads are {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownWorkload {}

impl FromStr for Workload {
    type Err = UnknownWorkload;

    fn from_str(s: &str) -> std::result::Result<Workload, UnknownWorkload> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == s.trim())
            .ok_or_else(|| UnknownWorkload(s.to_owned()))
    }
}

/// Objects a young collection of [`YoungVsOld`] examines: 500 garbage two-node cycles.
pub const YOUNG_OBJECTS: usize = 1000;

/// Rings built by the standard [`rings21`] workload (pyperformance `gc_collect`).
pub const RINGS21_RINGS: usize = 100;

/// Nodes in each ring of [`rings21`].
pub const RING21_LEN: usize = 21;

/// Levels of the standard [`dag`] workload (pyperformance `gc_traversal`).
pub const DAG_LEVELS: usize = 1000;

/// Links `from → to`. Both are live objects this module just allocated (or the caller's
/// validated root), mutable containers whose counts are far from the limit, so linking
/// cannot fail.
fn link_fresh<P, C: CycleCollector>(heap: &mut Heap<P, C>, from: ObjId, to: ObjId) {
    heap.link(from, to)
        .expect("bug: linking two freshly allocated containers failed");
}

/// Releases the reference this module took with `alloc`.
fn drop_fresh<P, C: CycleCollector>(heap: &mut Heap<P, C>, id: ObjId) {
    heap.decref(id)
        .expect("bug: releasing the allocation reference of a fresh object failed");
}

/// Builds one two-node cycle `a → b → a` and returns `a` and `b`, each still holding the
/// reference `alloc` gave us.
fn two_cycle<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>) -> (ObjId, ObjId) {
    let a = heap.alloc(P::default()); // a = []
    let b = heap.alloc(P::default());
    link_fresh(heap, b, a); // b = [a]
    link_fresh(heap, a, b); // a.append(b)
    (a, b)
}

/// Builds `n` two-node cycles (`a → b → a`) and drops every external reference to them:
/// `2n` objects that only the cycle collector can reclaim.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// heap.disable();
/// workloads::dead_cycles(&mut heap, 3);
/// assert_eq!(heap.len(), 6);
/// assert_eq!(heap.collect_full().collected, 6);
/// ```
pub fn dead_cycles<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>, n: usize) {
    for _ in 0..n {
        let (a, b) = two_cycle(heap);
        drop_fresh(heap, a);
        drop_fresh(heap, b);
    }
}

/// Builds `n / 2` two-node cycles, every one held alive from one root object (the root
/// has `n / 2` edges, one to each cycle), and returns the root, on which the caller holds
/// one external reference. The heap gains `2 * (n / 2)` cycle objects plus the root; a
/// collection finds nothing.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// heap.disable();
/// let root = workloads::live(&mut heap, 10);
/// assert_eq!(heap.edges(root).unwrap().len(), 5);
/// assert_eq!(heap.len(), 11);
/// assert_eq!(heap.collect_full().collected, 0);
/// heap.decref(root).unwrap();       // drop the root: the cycles become garbage
/// assert_eq!(heap.collect_full().collected, 10);
/// ```
pub fn live<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>, n: usize) -> ObjId {
    let root = heap.alloc(P::default());
    for _ in 0..n / 2 {
        let (a, b) = two_cycle(heap);
        link_fresh(heap, root, a); // root.append(a)
        drop_fresh(heap, a);
        drop_fresh(heap, b);
    }
    root
}

/// Allocates an object with one edge, to `leaf`, and drops it at once, `n` times
/// (Python's `x = [leaf]; del x`): the refcount path alone (allocation with its edge,
/// immediate reclamation). The heap is as before afterwards (except for its counters).
///
/// # Errors
/// [`GcError::StaleId`](crate::GcError::StaleId) when `leaf` is not alive;
/// [`GcError::RefcountOverflow`](crate::GcError::RefcountOverflow) when `leaf` cannot take
/// one more reference. Nothing is left allocated then.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// let leaf = heap.alloc(());
/// workloads::acyclic_churn(&mut heap, 100, leaf).unwrap();
/// assert_eq!(heap.len(), 1);
/// assert_eq!(heap.counters().allocations, 101);
/// ```
// Never inlined: the per-operation instruction count is measured as this function's
// inclusive cost under callgrind (docs/performance.md), and it must stay a symbol.
#[inline(never)]
pub fn acyclic_churn<P: Default, C: CycleCollector>(
    heap: &mut Heap<P, C>,
    n: usize,
    leaf: ObjId,
) -> Result<()> {
    for _ in 0..n {
        let x = heap.alloc_with(P::default(), std::slice::from_ref(&leaf))?;
        drop_fresh(heap, x);
    }
    Ok(())
}

/// Builds an `n`-long singly linked chain, each new object pointing at the previous
/// head (Python's `head = [head]`, `n` times), and returns the head, on which the caller
/// holds the only external reference; `None` when `n` is 0. Dropping the head frees the
/// whole chain by reference counting, iteratively.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// let head = workloads::chain(&mut heap, 1_000).unwrap();
/// assert_eq!(heap.len(), 1_000);
/// heap.decref(head).unwrap();   // the refcount cascade frees everything
/// assert!(heap.is_empty());
/// ```
pub fn chain<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>, n: usize) -> Option<ObjId> {
    let mut head: Option<ObjId> = None;
    for _ in 0..n {
        let node = match head {
            None => heap.alloc(P::default()),
            Some(next) => {
                // head = [head]: the new head is allocated holding the old one.
                let node = heap
                    .alloc_with(P::default(), &[next])
                    .expect("bug: the previous head is alive and held by us");
                drop_fresh(heap, next); // the new head holds it now
                node
            }
        };
        head = Some(node);
    }
    head
}

/// Builds one ring of `n` objects (a chain whose tail points back at its head) and
/// returns one member, on which the caller holds the only external reference; `None`
/// when `n` is 0. Once the caller drops it, only the cycle collector can reclaim the ring.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// heap.disable();
/// let member = workloads::ring(&mut heap, 1_000).unwrap();
/// heap.decref(member).unwrap();
/// assert_eq!(heap.len(), 1_000);
/// assert_eq!(heap.collect_full().collected, 1_000);
/// ```
pub fn ring<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>, n: usize) -> Option<ObjId> {
    if n == 0 {
        return None;
    }
    // We keep the allocation reference of the tail until the ring is closed.
    let tail = heap.alloc(P::default());
    let mut head = tail;
    for _ in 1..n {
        let node = heap.alloc(P::default());
        link_fresh(heap, node, head);
        if head != tail {
            drop_fresh(heap, head);
        }
        head = node;
    }
    link_fresh(heap, tail, head); // close the ring: tail → head → … → tail
    if head != tail {
        drop_fresh(heap, tail);
    }
    Some(head)
}

/// An old generation of live objects, built by [`young_vs_old`], beside which young
/// collections can be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YoungVsOld {
    /// The root holding the old objects (see [`live`]); the caller holds one external
    /// reference to it.
    pub root: ObjId,
    /// The number of old objects (cycle members, without the root).
    pub old_objects: usize,
}

impl YoungVsOld {
    /// Adds [`YOUNG_OBJECTS`] new objects, all garbage (500 two-node cycles), to the
    /// youngest generation, ready for a young collection (`heap.collect(0)`).
    pub fn add_young<P: Default, C: CycleCollector>(&self, heap: &mut Heap<P, C>) {
        dead_cycles(heap, YOUNG_OBJECTS / 2);
    }
}

/// Builds an old generation of about `old_n` live objects (two-node cycles held from one
/// root, as [`live`]) and moves them into the oldest generation with a full collection,
/// as a long-running program's survivors would be promoted. A young collection after
/// [`YoungVsOld::add_young`] should then cost the same whatever `old_n` is: it examines
/// only the young objects.
///
/// # Examples
/// ```
/// use gclab::{Generation, Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// heap.disable();
/// let old = workloads::young_vs_old(&mut heap, 10_000);
/// assert_eq!(heap.generation_of(old.root).unwrap(), Generation::Gen(2));
/// old.add_young(&mut heap);
/// let report = heap.collect(0).unwrap();
/// assert_eq!((report.candidates, report.collected), (1000, 1000));
/// ```
pub fn young_vs_old<P: Default, C: CycleCollector>(
    heap: &mut Heap<P, C>,
    old_n: usize,
) -> YoungVsOld {
    let root = live(heap, old_n);
    heap.collect_full();
    YoungVsOld {
        root,
        old_objects: 2 * (old_n / 2),
    }
}

/// How to run [`gcbench`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GcBenchConfig {
    /// Give every node a third edge, to its parent, so every tree is full of cycles and
    /// only the cycle collector can reclaim the temporary trees.
    pub parent_pointers: bool,
    /// Subtract this from every tree depth (stretch 18, long-lived 16, temporaries
    /// 4..=16), for quick runs; the smallest temporary depth stays 4 while it does not
    /// exceed the largest. 0 is the standard benchmark; the CPython script's
    /// `--gcbench-scale K` is the same knob.
    pub scale: u32,
}

impl GcBenchConfig {
    /// The tree depths: (stretch, long-lived, temporaries), each at least 1.
    ///
    /// # Examples
    /// ```
    /// use gclab::workloads::GcBenchConfig;
    /// let standard = GcBenchConfig::default();
    /// assert_eq!(standard.depths(), (18, 16, vec![4, 6, 8, 10, 12, 14, 16]));
    /// let quick = GcBenchConfig { scale: 10, ..standard };
    /// assert_eq!(quick.depths(), (8, 6, vec![4, 6]));
    /// ```
    pub fn depths(&self) -> (u32, u32, Vec<u32>) {
        let stretch = 18u32.saturating_sub(self.scale).max(1);
        let long_lived = 16u32.saturating_sub(self.scale).max(1);
        let max_depth = long_lived;
        let min_depth = if max_depth >= 4 { 4 } else { max_depth };
        (
            stretch,
            long_lived,
            (min_depth..=max_depth).step_by(2).collect(),
        )
    }
}

/// What one [`gcbench`] run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GcBenchReport {
    /// Tree nodes allocated in all.
    pub nodes: u64,
    /// Temporary trees built (each depth, top-down and bottom-up).
    pub temporary_trees: u64,
    /// Objects still alive in the heap when the run ended, before the long-lived tree
    /// was dropped: the long-lived tree, and garbage the collector has not reached yet.
    pub live_at_end: usize,
}

/// The number of nodes of a complete binary tree of depth `depth` (a lone node has
/// depth 0).
pub(crate) fn tree_size(depth: u32) -> u64 {
    (1u64 << (depth + 1)) - 1
}

/// Gives `node` two children, and them two children, down to `depth` levels, top-down
/// (GCBench's `Populate`), with an explicit worklist.
pub(crate) fn populate<P: Default, C: CycleCollector>(
    heap: &mut Heap<P, C>,
    depth: u32,
    node: ObjId,
    parent_pointers: bool,
) {
    // Nodes still to populate, with the depth left below them. Every entry is kept alive
    // by its parent's edge (or by the caller, for `node`).
    let mut work = vec![(node, depth)];
    while let Some((node, depth)) = work.pop() {
        if depth == 0 {
            continue;
        }
        for _ in 0..2 {
            let child = heap.alloc(P::default());
            link_fresh(heap, node, child); // node.left / node.right = child
            if parent_pointers {
                link_fresh(heap, child, node); // child.parent = node
            }
            drop_fresh(heap, child);
            work.push((child, depth - 1));
        }
    }
    // Populate recurses left then right; the worklist visits right then left. The
    // allocation order differs, the shape and the counts do not.
}

/// Builds a tree of depth `depth` bottom-up (GCBench's `MakeTree`: children first, then
/// the node pointing at them) and returns its root, holding one external reference.
pub(crate) fn make_tree<P: Default, C: CycleCollector>(
    heap: &mut Heap<P, C>,
    depth: u32,
    parent_pointers: bool,
) -> ObjId {
    // Post-order with an explicit stack: `(depth, expanded)` frames, and the finished
    // subtrees (each holding its allocation reference) on `done`.
    let mut frames = vec![(depth, false)];
    let mut done: Vec<ObjId> = Vec::new();
    while let Some((depth, expanded)) = frames.pop() {
        if depth == 0 {
            done.push(heap.alloc(P::default()));
        } else if !expanded {
            frames.push((depth, true));
            frames.push((depth - 1, false)); // right, built second
            frames.push((depth - 1, false)); // left, built first
        } else {
            let right = done.pop().expect("bug: make_tree lost a right subtree");
            let left = done.pop().expect("bug: make_tree lost a left subtree");
            let node = heap.alloc(P::default());
            link_fresh(heap, node, left);
            link_fresh(heap, node, right);
            if parent_pointers {
                link_fresh(heap, left, node);
                link_fresh(heap, right, node);
            }
            drop_fresh(heap, left);
            drop_fresh(heap, right);
            done.push(node);
        }
    }
    debug_assert_eq!(done.len(), 1, "bug: make_tree left {} roots", done.len());
    done.pop().expect("bug: make_tree built no root")
}

/// The Boehm–Ellis–Kovac GCBench: a stretch tree of depth 18, built and dropped; a
/// long-lived tree of depth 16, kept for the whole run; then, for each depth 4, 6, …,
/// 16, `2 · size(18) / size(depth)` temporary trees built top-down (`Populate`) and as
/// many bottom-up (`MakeTree`), each dropped at once. Nodes are objects with edges to
/// their children (and, with [`GcBenchConfig::parent_pointers`], to their parent).
///
/// Automatic collection is turned on for the run (the benchmark is a model of a real
/// program) and restored to its previous state afterwards. The long-lived tree is
/// dropped at the end; with parent pointers it is garbage for the next collection.
/// The original's array of 500,000 doubles has no counterpart: it holds no references.
///
/// The standard run allocates about 15 million nodes; [`GcBenchConfig::scale`] shrinks
/// it by a factor of about 4 per unit.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads::{self, GcBenchConfig}};
/// let mut heap: Heap<()> = Heap::new();
/// let config = GcBenchConfig { parent_pointers: true, scale: 12 };
/// let report = workloads::gcbench(&mut heap, config);
/// assert_eq!(report.nodes, heap.counters().allocations);
/// heap.collect_full();
/// assert!(heap.is_empty());
/// ```
pub fn gcbench<P: Default>(
    heap: &mut Heap<P, Generational>,
    config: GcBenchConfig,
) -> GcBenchReport {
    let was_enabled = heap.is_enabled();
    heap.enable();
    let report = gcbench_with(heap, config);
    if !was_enabled {
        heap.disable();
    }
    report
}

/// [`gcbench`] under any strategy, with the heap's collection settings as they are
/// (nothing is turned on or off): the whole run, step by step through [`GcBench`].
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads::{self, GcBenchConfig}};
/// let mut heap: Heap<()> = Heap::new();
/// let config = GcBenchConfig { parent_pointers: false, scale: 12 };
/// let report = workloads::gcbench_with(&mut heap, config);
/// assert!(heap.is_empty()); // acyclic: reference counting freed every tree
/// assert_eq!(report.nodes, heap.counters().allocations);
/// ```
pub fn gcbench_with<P: Default, C: CycleCollector>(
    heap: &mut Heap<P, C>,
    config: GcBenchConfig,
) -> GcBenchReport {
    let mut run = GcBench::new(config);
    while run.step(heap) {}
    run.report()
}

/// One step of GCBench: a tree built (and dropped, unless it is the long-lived one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GcBenchPhase {
    /// The stretch tree, built bottom-up and dropped.
    Stretch,
    /// The long-lived tree, built top-down and kept.
    LongLived,
    /// Temporary tree `iter` of depth index `depth`: top-down for the first `iters`,
    /// bottom-up for the next `iters`.
    Temporary { depth: usize, iter: u64 },
    /// The long-lived tree dropped; the run is over.
    End,
}

/// GCBench one tree at a time, for experiments that look at the heap between trees
/// (`gclab-strategies` samples it). [`gcbench_with`] runs it to the end; the trees, their
/// order and the report are [`gcbench`]'s.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads::{GcBench, GcBenchConfig}};
/// let mut heap: Heap<()> = Heap::new();
/// let mut run = GcBench::new(GcBenchConfig { parent_pointers: true, scale: 12 });
/// let mut steps = 0;
/// while run.step(&mut heap) {
///     steps += 1;
/// }
/// // The stretch tree, the long-lived tree, every temporary tree, the long-lived tree's
/// // release.
/// assert_eq!(steps, 2 + run.report().temporary_trees + 1);
/// heap.collect_full();
/// assert!(heap.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct GcBench {
    parent_pointers: bool,
    stretch: u32,
    long_lived_depth: u32,
    depths: Vec<u32>,
    phase: GcBenchPhase,
    long_lived: Option<ObjId>,
    report: GcBenchReport,
}

impl GcBench {
    /// A run about to build its stretch tree.
    pub fn new(config: GcBenchConfig) -> GcBench {
        let (stretch, long_lived_depth, depths) = config.depths();
        GcBench {
            parent_pointers: config.parent_pointers,
            stretch,
            long_lived_depth,
            depths,
            phase: GcBenchPhase::Stretch,
            long_lived: None,
            report: GcBenchReport::default(),
        }
    }

    /// Temporary trees of each depth, built top-down and again bottom-up.
    fn iters(&self, depth: u32) -> u64 {
        2 * tree_size(self.stretch) / tree_size(depth)
    }

    /// Builds the next tree (dropping it unless it is the long-lived one); after the
    /// last, drops the long-lived tree. Returns whether there was a step to take (false
    /// once the run is over). Use the same heap for every step.
    pub fn step<P: Default, C: CycleCollector>(&mut self, heap: &mut Heap<P, C>) -> bool {
        let pp = self.parent_pointers;
        match self.phase {
            GcBenchPhase::Stretch => {
                // Stretch the memory space quickly.
                let temp = make_tree(heap, self.stretch, pp);
                self.report.nodes += tree_size(self.stretch);
                drop_fresh(heap, temp);
                self.phase = GcBenchPhase::LongLived;
            }
            GcBenchPhase::LongLived => {
                // A long-lived tree, live for the whole benchmark.
                let long_lived = heap.alloc(P::default());
                populate(heap, self.long_lived_depth, long_lived, pp);
                self.report.nodes += tree_size(self.long_lived_depth);
                self.long_lived = Some(long_lived);
                self.phase = GcBenchPhase::Temporary { depth: 0, iter: 0 };
            }
            GcBenchPhase::Temporary { depth, iter } => {
                let Some(&d) = self.depths.get(depth) else {
                    self.report.live_at_end = heap.len();
                    if let Some(long_lived) = self.long_lived.take() {
                        drop_fresh(heap, long_lived);
                    }
                    self.phase = GcBenchPhase::End;
                    return true;
                };
                let iters = self.iters(d);
                let temp = if iter < iters {
                    let temp = heap.alloc(P::default()); // top-down
                    populate(heap, d, temp, pp);
                    temp
                } else {
                    make_tree(heap, d, pp) // bottom-up
                };
                drop_fresh(heap, temp);
                self.report.nodes += tree_size(d);
                self.report.temporary_trees += 1;
                self.phase = if iter + 1 < 2 * iters {
                    GcBenchPhase::Temporary {
                        depth,
                        iter: iter + 1,
                    }
                } else {
                    GcBenchPhase::Temporary {
                        depth: depth + 1,
                        iter: 0,
                    }
                };
            }
            GcBenchPhase::End => return false,
        }
        true
    }

    /// What the run did so far.
    pub fn report(&self) -> GcBenchReport {
        self.report
    }
}

/// Objects in one entry of the [`RequestLoop`]'s cache.
pub const CACHE_ENTRY_OBJECTS: u64 = 3;

/// A request loop beside a large long-lived cache, in the style of the Nim ORC
/// benchmarks (`gclab-generations` and `gclab-strategies` run it).
///
/// The cache is a root object with one edge per entry; an entry is `e → a → b`, and
/// `b → e` for a quarter of the entries (a live cycle). A request allocates a request
/// object holding 2–6 temporaries, half of which point at random cache entries; a fifth
/// of the requests leave a garbage cycle behind (their first temporary points back at
/// the request), and one in a hundred replaces a random cache entry (the old entry
/// becomes garbage, cyclic or not). All randomness comes from the caller's generator, so
/// a seed fixes every operation.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads::RequestLoop};
/// use rand::{SeedableRng, rngs::StdRng};
/// let mut heap: Heap<()> = Heap::new();
/// let mut rng = StdRng::seed_from_u64(1);
/// let mut requests = RequestLoop::new(&mut heap);
/// for _ in 0..100 {
///     requests.add_entry(&mut heap, &mut rng).unwrap();
/// }
/// assert_eq!(heap.len(), 301); // the root and 100 entries of 3 objects
/// for _ in 0..1000 {
///     requests.request(&mut heap, &mut rng).unwrap();
/// }
/// heap.collect_full();
/// assert_eq!(heap.len(), 301); // only the cache is left
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLoop {
    cache: ObjId,
    entries: usize,
}

impl RequestLoop {
    /// Allocates the cache's root, with no entry yet; the loop holds one external
    /// reference to it.
    pub fn new<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>) -> RequestLoop {
        RequestLoop {
            cache: heap.alloc(P::default()),
            entries: 0,
        }
    }

    /// The cache's root.
    pub fn cache(&self) -> ObjId {
        self.cache
    }

    /// Entries in the cache.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Builds one entry (`e → a → b`, and `b → e` with probability 1/4) and appends it
    /// to the cache.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId) when the cache's root is not alive
    /// in `heap` (another heap's loop).
    pub fn add_entry<P: Default, C: CycleCollector, R: Rng + ?Sized>(
        &mut self,
        heap: &mut Heap<P, C>,
        rng: &mut R,
    ) -> Result<()> {
        heap.edges(self.cache)?;
        let e = Self::new_entry(heap, rng)?;
        heap.link(self.cache, e)?;
        drop_fresh(heap, e);
        self.entries += 1;
        Ok(())
    }

    fn new_entry<P: Default, C: CycleCollector, R: Rng + ?Sized>(
        heap: &mut Heap<P, C>,
        rng: &mut R,
    ) -> Result<ObjId> {
        let e = heap.alloc(P::default());
        let a = heap.alloc(P::default());
        let b = heap.alloc(P::default());
        heap.link(e, a)?;
        heap.link(a, b)?;
        if rng.random_bool(0.25) {
            heap.link(b, e)?;
        }
        heap.decref(a)?;
        heap.decref(b)?;
        Ok(e)
    }

    /// One request: a request object holding 2–6 temporaries, each pointing at a random
    /// cache entry with probability 1/2; with probability 1/5 the first temporary points
    /// back at the request (a garbage cycle once the request ends); with probability
    /// 1/100 a random cache entry is replaced. Everything the request allocated is
    /// released at the end. With no entry in the cache, the temporaries point at nothing
    /// and nothing is replaced.
    ///
    /// # Errors
    /// [`GcError::StaleId`](crate::GcError::StaleId) when the cache's root is not alive
    /// in `heap`.
    pub fn request<P: Default, C: CycleCollector, R: Rng + ?Sized>(
        &self,
        heap: &mut Heap<P, C>,
        rng: &mut R,
    ) -> Result<()> {
        heap.edges(self.cache)?;
        let r = heap.alloc(P::default());
        let temporaries = rng.random_range(2..=6);
        let cyclic = rng.random_bool(0.2);
        for i in 0..temporaries {
            let t = heap.alloc(P::default());
            heap.link(r, t)?;
            if rng.random_bool(0.5) && self.entries > 0 {
                let used = heap
                    .edges(self.cache)?
                    .nth(rng.random_range(0..self.entries))
                    .ok_or(crate::GcError::EdgeIndexOutOfRange {
                        id: self.cache,
                        index: self.entries,
                        len: 0,
                    })?;
                heap.link(t, used)?;
            }
            if cyclic && i == 0 {
                heap.link(t, r)?;
            }
            heap.decref(t)?;
        }
        if rng.random_bool(0.01) && self.entries > 0 {
            let e = Self::new_entry(heap, rng)?;
            heap.set_edge(self.cache, rng.random_range(0..self.entries), e)?;
            heap.decref(e)?;
        }
        heap.decref(r)
    }
}

/// Builds `rings` rings of [`RING21_LEN`] nodes each and drops them (pyperformance
/// `gc_collect`, which builds [`RINGS21_RINGS`]). As there, each node of a ring has a
/// `next` edge, and every node but the first also a `prev` edge: the first node's `prev`
/// is never set. Returns the number of objects built.
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// heap.disable();
/// let built = workloads::rings21(&mut heap, workloads::RINGS21_RINGS);
/// assert_eq!(built, 2100);
/// assert_eq!(heap.collect_full().collected, 2100);
/// ```
pub fn rings21<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>, rings: usize) -> usize {
    for _ in 0..rings {
        let first = heap.alloc(P::default());
        let mut current = first;
        for _ in 1..RING21_LEN {
            let next = heap.alloc(P::default());
            link_fresh(heap, current, next); // current.next = next
            link_fresh(heap, next, current); // next.prev = current
            if current != first {
                drop_fresh(heap, current);
            }
            current = next;
        }
        link_fresh(heap, current, first); // current.next = first
        drop_fresh(heap, current);
        drop_fresh(heap, first);
    }
    rings * RING21_LEN
}

/// Builds `levels` objects where level `k` holds `k` edges to level `k − 1` (so level 0
/// has none), all alive, and returns the top level, on which the caller holds the only
/// external reference; `None` when `levels` is 0. There are `levels · (levels − 1) / 2`
/// edges; the standard workload has [`DAG_LEVELS`] levels and 499,500 edges
/// (pyperformance `gc_traversal`).
///
/// # Examples
/// ```
/// use gclab::{Heap, workloads};
/// let mut heap: Heap<()> = Heap::new();
/// let top = workloads::dag(&mut heap, 4).unwrap();
/// assert_eq!(heap.edges(top).unwrap().len(), 3);
/// assert_eq!(heap.len(), 4);
/// assert_eq!(heap.collect_full().collected, 0);
/// heap.decref(top).unwrap();       // acyclic: refcounting frees every level
/// assert!(heap.is_empty());
/// ```
pub fn dag<P: Default, C: CycleCollector>(heap: &mut Heap<P, C>, levels: usize) -> Option<ObjId> {
    let mut current: Option<ObjId> = None;
    for level in 0..levels {
        let new = heap.alloc(P::default());
        if let Some(below) = current {
            for _ in 0..level {
                link_fresh(heap, new, below);
            }
            drop_fresh(heap, below);
        }
        current = Some(new);
    }
    current
}
