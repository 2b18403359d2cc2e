//! The reference model: a plain multigraph with external counts and names, and the
//! reachability oracle. None of the collector's code is used here.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use crate::{CollectReport, GcError, Generation, ObjId, WeakRef};

/// What kind of object the model holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A mutable container (`Heap::alloc`).
    Container,
    /// An atomic object (`Heap::alloc_atomic`): no edges, never tracked.
    Atomic,
    /// An immutable container (`Heap::alloc_immutable`): fixed edges.
    Immutable,
}

/// The finalizer an object carries in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinalizerKind {
    /// Counts its run and does nothing else.
    Plain,
    /// Counts its run and binds its object to the name `r<allocation number>`.
    Resurrect,
}

/// One object of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelObject {
    /// The heap's id for it.
    pub id: ObjId,
    /// Container, atomic or immutable.
    pub kind: Kind,
    /// Its payload.
    pub payload: u64,
    /// Outgoing edges, in order, as allocation numbers.
    pub edges: Vec<u64>,
    /// References held by the program (`alloc`, `incref`; released by `decref`).
    pub handles: u32,
    /// References held by names and by the `garbage` list.
    pub held: u32,
    /// Incoming edges plus `handles` plus `held`.
    pub refcount: u32,
    /// An unrun finalizer.
    pub finalizer: Option<FinalizerKind>,
    /// Whether its finalizer has run.
    pub finalized: bool,
    /// Whether it carries the legacy-finalizer flag.
    pub legacy: bool,
}

impl ModelObject {
    /// External references: the program's, the names' and the `garbage` list's.
    pub fn external(&self) -> u32 {
        self.handles + self.held
    }
}

/// The state of a weak reference in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeakState {
    /// Reads as its target.
    Live,
    /// Its target died, or a collection found the target garbage and cleared it.
    Dead,
    /// The program released it (`release_weakref`): reads dead, callback never runs.
    Released,
}

/// A weak reference of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelWeak {
    /// The heap's handle.
    pub handle: WeakRef,
    /// Allocation number of the target.
    pub target: u64,
    /// Whether it has a callback.
    pub callback: bool,
    /// Live, dead or released.
    pub state: WeakState,
    /// How many times its callback must have run (0 or 1).
    pub callback_runs: u32,
}

/// How an object died, in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Death {
    /// Its reference count reached zero during op `op` (immediate reclamation).
    Refcount {
        /// The op's index in its sequence.
        op: usize,
    },
    /// A collection of `generation` during op `op` freed it (as garbage, or in the
    /// release cascade that freeing garbage started).
    Collected {
        /// The op's index in its sequence.
        op: usize,
        /// The generation collected.
        generation: usize,
    },
}

/// What the closures installed in the heap observed: finalizer runs per object,
/// callback runs per weak reference. Shared between the heap's closures and the model.
#[derive(Debug, Default)]
pub struct Observed {
    /// Finalizer runs, by allocation number.
    pub finalizer_runs: RefCell<BTreeMap<u64, u32>>,
    /// Weak-reference callback runs, by weak-reference index.
    pub weak_callback_runs: RefCell<BTreeMap<usize, u32>>,
    /// Weak-reference indexes whose callback saw its reference still alive.
    pub weak_callback_saw_live: RefCell<Vec<usize>>,
    /// Reports of the collections run (recorded by a collection callback).
    pub collections: RefCell<Vec<CollectReport>>,
}

/// The reference model of a heap: objects by allocation number with payload, edges,
/// counts and flags; names; the `garbage` list; weak references; and the collector
/// settings that change what a collection does.
///
/// It mirrors the heap's semantics exactly but simply:
/// - **refcounting**: an object whose count reaches zero dies at once (an explicit
///   worklist cascade); an unrun finalizer runs first and a resurrecting one keeps it;
///   weak references to it are cleared and their callbacks run;
/// - **collections** ([`Model::collect`]): the examined set is the objects the heap
///   reported in generations `0..=k` just before; garbage is what is not reachable from
///   roots or from any object outside the examined set; then legacy finalizers,
///   weak-reference clearing, finalizers, resurrection, and freeing or saving, in
///   CPython's order.
///
/// The model does not decide *when* automatic collections happen (that is policy): the
/// runner tells it, from the heap's collection callbacks; it decides *what* each
/// collection must do.
#[derive(Debug)]
pub struct Model {
    pub(crate) objects: BTreeMap<u64, ModelObject>,
    /// Id of every allocation ever, by allocation number.
    pub(crate) ids: Vec<ObjId>,
    pub(crate) by_id: BTreeMap<ObjId, u64>,
    pub(crate) names: BTreeMap<String, u64>,
    /// The `garbage` list as a multiset.
    pub(crate) garbage: BTreeMap<u64, u32>,
    pub(crate) weakrefs: Vec<ModelWeak>,
    pub(crate) deaths: BTreeMap<u64, Death>,
    /// Allocation numbers of the atomic objects, alive or dead.
    pub(crate) atomic: BTreeSet<u64>,
    /// Expected finalizer runs, by allocation number.
    pub(crate) finalizer_runs: BTreeMap<u64, u32>,
    pub(crate) generations: usize,
    pub(crate) thresholds: Vec<u32>,
    pub(crate) enabled: bool,
    pub(crate) saveall: bool,
    /// Index of the op being applied.
    pub(crate) op: usize,
    /// How objects freed now die (changed while a collection frees garbage).
    cause: Option<usize>,
    pub(crate) observed: Rc<Observed>,
}

/// What a collection must report, predicted by the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpectedReport {
    /// The generation collected.
    pub generation: usize,
    /// Objects examined.
    pub candidates: usize,
    /// Unreachable objects freed (or saved).
    pub collected: usize,
    /// Unreachable objects kept because of legacy finalizers.
    pub uncollectable: usize,
    /// Objects resurrected by finalizers.
    pub resurrected: usize,
    /// Finalizers run by the collection itself.
    pub finalizers_run: usize,
    /// Weak references cleared because their target was unreachable.
    pub weakrefs_cleared: usize,
}

/// Iterative breadth-first search: everything reachable from `sources` along `edges`.
///
/// This is the oracle: [`Model::reachable`] calls it with the roots (objects with an
/// external reference: the program's, a name's or the `garbage` list's).
///
/// # Examples
/// ```
/// use std::collections::BTreeMap;
/// use gclab::testing::reachable_from;
/// let edges: BTreeMap<u64, Vec<u64>> = [(0, vec![1]), (1, vec![0]), (2, vec![0])].into();
/// let seen = reachable_from([0], |n| edges.get(&n).cloned().unwrap_or_default());
/// assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![0, 1]);
/// ```
pub fn reachable_from<I, E>(sources: impl IntoIterator<Item = u64>, mut edges: E) -> BTreeSet<u64>
where
    E: FnMut(u64) -> I,
    I: IntoIterator<Item = u64>,
{
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::new();
    for s in sources {
        if seen.insert(s) {
            queue.push_back(s);
        }
    }
    while let Some(n) = queue.pop_front() {
        for t in edges(n) {
            if seen.insert(t) {
                queue.push_back(t);
            }
        }
    }
    seen
}

impl Model {
    /// An empty model for a heap with this many generations, these thresholds and
    /// automatic collection on or off.
    pub fn new(
        generations: usize,
        thresholds: Vec<u32>,
        enabled: bool,
        observed: Rc<Observed>,
    ) -> Self {
        Model {
            objects: BTreeMap::new(),
            ids: Vec::new(),
            by_id: BTreeMap::new(),
            names: BTreeMap::new(),
            garbage: BTreeMap::new(),
            weakrefs: Vec::new(),
            deaths: BTreeMap::new(),
            atomic: BTreeSet::new(),
            finalizer_runs: BTreeMap::new(),
            generations,
            thresholds,
            enabled,
            saveall: false,
            op: 0,
            cause: None,
            observed,
        }
    }

    /// Live objects by allocation number (alive in the model: reachable, or garbage not
    /// yet collected).
    pub fn objects(&self) -> &BTreeMap<u64, ModelObject> {
        &self.objects
    }

    /// The heap id of allocation `n` (alive or not).
    pub fn id(&self, n: u64) -> Option<ObjId> {
        self.ids.get(n as usize).copied()
    }

    /// The allocation number of a heap id, if the model ever saw it.
    pub fn allocation(&self, id: ObjId) -> Option<u64> {
        self.by_id.get(&id).copied()
    }

    /// How many objects were ever allocated.
    pub fn allocations(&self) -> u64 {
        self.ids.len() as u64
    }

    /// Bound names.
    pub fn names(&self) -> &BTreeMap<String, u64> {
        &self.names
    }

    /// The weak references created so far, by index.
    pub fn weakrefs(&self) -> &[ModelWeak] {
        &self.weakrefs
    }

    /// How a dead object died.
    pub fn death(&self, n: u64) -> Option<Death> {
        self.deaths.get(&n).copied()
    }

    /// The roots: objects with an external reference.
    pub fn roots(&self) -> impl Iterator<Item = u64> + '_ {
        self.objects
            .iter()
            .filter(|(_, o)| o.external() > 0)
            .map(|(&n, _)| n)
    }

    /// The oracle: objects reachable from names and external references. These must be
    /// alive in the heap; every other live object of the model is garbage that only a
    /// collection may free.
    pub fn reachable(&self) -> BTreeSet<u64> {
        reachable_from(self.roots(), |n| self.edges_of(n))
    }

    fn edges_of(&self, n: u64) -> Vec<u64> {
        self.objects
            .get(&n)
            .map(|o| o.edges.clone())
            .unwrap_or_default()
    }

    fn stale(&self, n: u64) -> GcError {
        GcError::StaleId(self.ids[n as usize])
    }

    pub(crate) fn alive(&self, n: u64) -> Result<&ModelObject, GcError> {
        self.objects.get(&n).ok_or_else(|| self.stale(n))
    }

    /// The edge count of a mutable container, or the error that forbids changing its
    /// edges (stale, atomic, immutable), in the heap's order of checks.
    pub(crate) fn check_mutable(&self, n: u64) -> Result<usize, GcError> {
        let o = self.alive(n)?;
        match o.kind {
            Kind::Atomic => Err(GcError::AtomicObject(o.id)),
            Kind::Immutable => Err(GcError::ImmutableObject(o.id)),
            Kind::Container => Ok(o.edges.len()),
        }
    }

    fn obj(&mut self, n: u64) -> &mut ModelObject {
        self.objects
            .get_mut(&n)
            .expect("bug: the model used a dead object it had checked")
    }

    /// Records a new allocation (the heap already made it) with the given edges, whose
    /// targets the caller checked alive. Returns its allocation number.
    pub(crate) fn alloc(&mut self, id: ObjId, kind: Kind, edges: Vec<u64>) -> u64 {
        let n = self.ids.len() as u64;
        if kind == Kind::Atomic {
            self.atomic.insert(n);
        }
        for &t in &edges {
            self.obj(t).refcount += 1;
        }
        self.ids.push(id);
        self.by_id.insert(id, n);
        self.objects.insert(
            n,
            ModelObject {
                id,
                kind,
                payload: n,
                edges,
                handles: 1,
                held: 0,
                refcount: 1,
                finalizer: None,
                finalized: false,
                legacy: false,
            },
        );
        n
    }

    /// Appends or inserts an edge (checked by the caller).
    pub(crate) fn insert_edge(&mut self, from: u64, index: usize, to: u64) {
        self.obj(to).refcount += 1;
        self.obj(from).edges.insert(index, to);
    }

    /// Replaces edge `index`; returns the old target (released, maybe freed).
    pub(crate) fn set_edge(&mut self, from: u64, index: usize, to: u64) -> u64 {
        self.obj(to).refcount += 1;
        let old = std::mem::replace(&mut self.obj(from).edges[index], to);
        self.release(old);
        old
    }

    /// Removes edge `index`; returns the old target (released, maybe freed).
    pub(crate) fn remove_edge(&mut self, from: u64, index: usize) -> u64 {
        let old = self.obj(from).edges.remove(index);
        self.release(old);
        old
    }

    /// Removes all edges, releasing each in order.
    pub(crate) fn clear_edges(&mut self, from: u64) {
        let edges = std::mem::take(&mut self.obj(from).edges);
        for t in edges {
            self.release(t);
        }
    }

    pub(crate) fn set_payload(&mut self, n: u64, value: u64) {
        self.obj(n).payload = value;
    }

    pub(crate) fn incref(&mut self, n: u64) {
        let o = self.obj(n);
        o.handles += 1;
        o.refcount += 1;
    }

    pub(crate) fn decref(&mut self, n: u64) {
        self.obj(n).handles -= 1;
        self.release(n);
    }

    /// Binds a name (taking the new reference before releasing the old one).
    pub(crate) fn set_var(&mut self, name: String, n: u64) {
        self.hold(n);
        if let Some(old) = self.names.insert(name, n) {
            self.unhold(old);
        }
    }

    /// Unbinds a name that is bound.
    pub(crate) fn del_var(&mut self, name: &str) -> u64 {
        let n = self
            .names
            .remove(name)
            .expect("bug: del_var of an unbound name");
        self.unhold(n);
        n
    }

    fn hold(&mut self, n: u64) {
        let o = self.obj(n);
        o.held += 1;
        o.refcount += 1;
    }

    fn unhold(&mut self, n: u64) {
        self.obj(n).held -= 1;
        self.release(n);
    }

    pub(crate) fn set_finalizer(&mut self, n: u64, kind: FinalizerKind) -> bool {
        let o = self.obj(n);
        if o.finalized {
            return false;
        }
        o.finalizer = Some(kind);
        true
    }

    pub(crate) fn clear_finalizer(&mut self, n: u64) -> bool {
        self.obj(n).finalizer.take().is_some()
    }

    pub(crate) fn set_legacy(&mut self, n: u64, on: bool) {
        self.obj(n).legacy = on;
    }

    pub(crate) fn add_weakref(&mut self, handle: WeakRef, target: u64, callback: bool) -> usize {
        self.weakrefs.push(ModelWeak {
            handle,
            target,
            callback,
            state: WeakState::Live,
            callback_runs: 0,
        });
        self.weakrefs.len() - 1
    }

    pub(crate) fn release_weakref(&mut self, w: usize) -> bool {
        let weak = &mut self.weakrefs[w];
        let was_live = weak.state == WeakState::Live;
        if was_live {
            weak.state = WeakState::Released;
        }
        was_live
    }

    /// What `upgrade` must return for weak reference `w`.
    pub(crate) fn upgrade(&self, w: usize) -> Option<ObjId> {
        let weak = &self.weakrefs[w];
        (weak.state == WeakState::Live).then(|| self.ids[weak.target as usize])
    }

    pub(crate) fn clear_garbage(&mut self) {
        let garbage = std::mem::take(&mut self.garbage);
        for (n, count) in garbage {
            for _ in 0..count {
                self.unhold(n);
            }
        }
    }

    /// Clears the live weak references to `n`; returns how many, counting callbacks.
    fn clear_weakrefs_to(&mut self, n: u64) -> usize {
        let mut cleared = 0;
        for weak in &mut self.weakrefs {
            if weak.target == n && weak.state == WeakState::Live {
                weak.state = WeakState::Dead;
                cleared += 1;
                if weak.callback {
                    weak.callback_runs += 1;
                }
            }
        }
        cleared
    }

    /// Runs `n`'s unrun finalizer; returns whether it resurrected `n` (bound it to its
    /// name).
    fn run_finalizer(&mut self, n: u64) -> bool {
        let o = self.obj(n);
        let Some(kind) = o.finalizer else {
            return false;
        };
        // Only objects of GC types are marked finalized (CPython's
        // `PyObject_CallFinalizer`): an atomic object's finalizer stays.
        if o.kind != Kind::Atomic {
            o.finalizer = None;
            o.finalized = true;
        }
        *self.finalizer_runs.entry(n).or_insert(0) += 1;
        if kind == FinalizerKind::Resurrect {
            self.set_var(format!("r{n}"), n);
            true
        } else {
            false
        }
    }

    /// Drops one reference to `n`; frees it, and in cascade everything only it kept
    /// alive, when its count reaches zero.
    pub(crate) fn release(&mut self, n: u64) {
        let o = self.obj(n);
        o.refcount -= 1;
        if o.refcount > 0 {
            return;
        }
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            self.dealloc(x, &mut stack);
        }
    }

    /// Frees `n` if its count is (still) zero: finalizer first (which may resurrect it),
    /// then its weak references, then its edges.
    fn dealloc(&mut self, n: u64, stack: &mut Vec<u64>) {
        match self.objects.get(&n) {
            Some(o) if o.refcount == 0 => {}
            _ => return,
        }
        // The heap holds a temporary reference while the finalizer runs.
        self.obj(n).refcount = 1;
        let resurrected = self.run_finalizer(n);
        self.obj(n).refcount -= 1;
        if resurrected {
            return;
        }
        self.clear_weakrefs_to(n);
        let o = self.objects.remove(&n).expect("bug: checked alive above");
        let death = match self.cause {
            Some(generation) => Death::Collected {
                op: self.op,
                generation,
            },
            None => Death::Refcount { op: self.op },
        };
        self.deaths.insert(n, death);
        for t in o.edges {
            let target = self.obj(t);
            target.refcount -= 1;
            if target.refcount == 0 {
                stack.push(t);
            }
        }
    }

    /// A collection of `generation`. `gens` is where the heap had each object just
    /// before the collection (objects missing from it count as untracked).
    ///
    /// Returns what the collection must report, and the set of objects it must free
    /// (the final garbage; objects that only it kept alive die in the cascade too).
    pub fn collect(
        &mut self,
        generation: usize,
        gens: &BTreeMap<u64, Generation>,
    ) -> (ExpectedReport, BTreeSet<u64>) {
        let mut report = ExpectedReport {
            generation,
            ..ExpectedReport::default()
        };
        let examined: BTreeSet<u64> = self
            .objects
            .keys()
            .copied()
            .filter(|n| matches!(gens.get(n), Some(Generation::Gen(g)) if *g <= generation))
            .collect();
        report.candidates = examined.len();
        // Garbage: examined objects not reachable from a root or from any object outside
        // the examined set (for trial deletion, references from outside are external).
        let sources: Vec<u64> = self
            .objects
            .iter()
            .filter(|(n, o)| o.external() > 0 || !examined.contains(n))
            .map(|(&n, _)| n)
            .collect();
        let reached = reachable_from(sources, |n| self.edges_of(n));
        let unreachable: BTreeSet<u64> = examined.difference(&reached).copied().collect();

        // Legacy finalizers: they and everything they reach in the garbage are kept, in
        // the garbage list.
        let legacy = reachable_from(
            unreachable
                .iter()
                .copied()
                .filter(|n| self.objects[n].legacy),
            |n| {
                self.edges_of(n)
                    .into_iter()
                    .filter(|t| unreachable.contains(t))
                    .collect::<Vec<_>>()
            },
        );
        let garbage: BTreeSet<u64> = unreachable.difference(&legacy).copied().collect();

        // Weak references to garbage are cleared (and callbacks run) before any
        // finalizer, even if a finalizer then resurrects the object.
        for &n in &garbage {
            report.weakrefs_cleared += self.clear_weakrefs_to(n);
        }
        for &n in &garbage {
            if self.objects[&n].finalizer.is_some() {
                report.finalizers_run += 1;
                self.run_finalizer(n);
            }
        }
        // Resurrection: what a finalizer made reachable survives.
        let sources: Vec<u64> = self
            .objects
            .iter()
            .filter(|(n, o)| o.external() > 0 || !garbage.contains(n))
            .map(|(&n, _)| n)
            .collect();
        let reached = reachable_from(sources, |n| self.edges_of(n));
        let still: BTreeSet<u64> = garbage.difference(&reached).copied().collect();
        report.resurrected = garbage.len() - still.len();
        report.collected = still.len();
        if self.saveall {
            for &n in &still {
                self.hold(n);
                *self.garbage.entry(n).or_insert(0) += 1;
            }
        } else {
            self.cause = Some(generation);
            for &n in &still {
                if self.objects.contains_key(&n) {
                    self.clear_edges(n);
                }
            }
            self.cause = None;
        }
        // Legacy objects: all of them count as uncollectable; those that themselves
        // have a legacy finalizer (all, in save-all mode) join `garbage`, last
        // (CPython's `handle_legacy_finalizers`).
        report.uncollectable = legacy.len();
        for &n in &legacy {
            if self
                .objects
                .get(&n)
                .is_some_and(|o| self.saveall || o.legacy)
            {
                self.hold(n);
                *self.garbage.entry(n).or_insert(0) += 1;
            }
        }
        let freed = if self.saveall { BTreeSet::new() } else { still };
        (report, freed)
    }
}
