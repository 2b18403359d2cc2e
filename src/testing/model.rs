//! The reference model: a plain multigraph with external counts and names, and the
//! reachability oracle. None of the collector's code is used here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use crate::{CollectReport, GcError, ObjId, Phase, TRASHCAN_DEPTH, WeakRef};

use super::collector::Policy;
use super::op::{Op, Target};
use super::program::{
    Event, Observed, Outcome, PROGRAM_OP_BUDGET, Res, allowed_in_program, garbage_slice, same,
};
use super::violation::{Rule, Violation};

/// What kind of object the model holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A mutable container (`Heap::alloc`).
    Container,
    /// An atomic object (`Heap::alloc_atomic`): no edges, never tracked.
    Atomic,
    /// An immutable container (`Heap::alloc_immutable`): fixed edges.
    Immutable,
    /// A lazily tracked container (`Heap::alloc_lazy`): tracked once it holds a
    /// container.
    Lazy,
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
    /// The program its finalizer runs.
    pub program: Rc<Vec<Op>>,
    /// Whether its finalizer has run.
    pub finalized: bool,
    /// Whether it carries the legacy-finalizer flag.
    pub legacy: bool,
    /// Its legacy-finalizer code, if any: whether it resurrects, and its program.
    pub legacy_code: Option<(bool, Rc<Vec<Op>>)>,
    /// Whether its payload panics when dropped ([`Op::PanicOnDrop`]).
    pub panics: bool,
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
    /// The program its callback runs.
    pub program: Rc<Vec<Op>>,
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

/// The reference model of a heap: objects by allocation number with payload, edges,
/// counts and flags; names; the `garbage` list; weak references; and the collector
/// settings that change what a collection does.
///
/// It mirrors the heap's semantics exactly but simply:
/// - **refcounting**: an object whose count reaches zero dies at once (an explicit
///   worklist cascade); an unrun finalizer runs first and a resurrecting one keeps it;
///   weak references to it are cleared and their callbacks run;
/// - **collections** ([`Model::collect`]): the examined set, in order, is what the
///   heap logged when the collection started; garbage is what is not reachable from
///   roots (objects whose count exceeds their incoming edges) or from any object outside
///   the examined set; then legacy finalizers, weak-reference clearing and callbacks,
///   finalizers, resurrection, and freeing or saving, in CPython's order, user code
///   replayed against the heap's log.
///
/// The model does not decide *when* automatic collections happen (that is policy): the
/// runner tells it, from the heap's collection callbacks; it decides *what* each
/// collection must do, and checks the strategy's [`Policy`] (under the generational
/// one, that a collection was allowed; under any, that a full collection examined every
/// object on a garbage cycle).
#[derive(Debug)]
pub struct Model {
    pub(crate) objects: BTreeMap<u64, ModelObject>,
    /// Id of every allocation ever, by allocation number.
    pub(crate) ids: Vec<ObjId>,
    pub(crate) by_id: BTreeMap<ObjId, u64>,
    pub(crate) names: BTreeMap<String, u64>,
    /// The `garbage` list, in order.
    pub(crate) garbage: Vec<u64>,
    pub(crate) weakrefs: Vec<ModelWeak>,
    pub(crate) deaths: BTreeMap<u64, Death>,
    /// Allocation numbers of the atomic objects, alive or dead.
    pub(crate) atomic: BTreeSet<u64>,
    /// Expected finalizer runs, by allocation number.
    pub(crate) finalizer_runs: BTreeMap<u64, u32>,
    /// Whether the generational policy applies ([`Policy::Generational`]); otherwise
    /// [`Policy::Free`], and the three settings below mean nothing.
    pub(crate) generational: bool,
    pub(crate) generations: usize,
    pub(crate) thresholds: Vec<u32>,
    pub(crate) enabled: bool,
    /// Objects a `freeze` may have moved to the permanent generation (every live
    /// non-atomic object at the last `freeze`, until an `unfreeze`): a full collection
    /// need not examine them.
    pub(crate) frozen: BTreeSet<u64>,
    pub(crate) saveall: bool,
    /// Index of the op being applied.
    pub(crate) op: usize,
    /// How objects freed now die (changed while a collection frees garbage).
    cause: Option<usize>,
    pub(crate) observed: Rc<Observed>,
    /// Whether a collection is running (a collection requested now does nothing).
    collecting: bool,
    /// The running collection's working set: garbage that has not died by refcount
    /// meanwhile (an object whose count reaches zero leaves it, as CPython's
    /// deallocation unlinks it from the collector's list, even if a finalizer then
    /// resurrects it).
    working: BTreeSet<u64>,
    /// The release path's worklist (zero-count objects waiting for deallocation), the
    /// nesting of cascades and the trashcan's deferred objects, as the heap has them.
    pending: Vec<u64>,
    depth: u32,
    deferred: Vec<u64>,
    /// The first difference between the heap's log and the model's replay.
    pub(crate) mismatch: Option<Violation>,
    /// The programs of the collection callbacks ([`Op::AddCallback`]), in order.
    pub(crate) callbacks: Vec<Rc<Vec<Op>>>,
    /// A payload panic the heap caught and has not re-raised yet (it keeps one).
    panic_pending: bool,
    /// Running release batches (an op releasing several references re-raises a
    /// payload's panic only at its end).
    batch: u32,
    /// Set when the heap must have re-raised a payload's panic during the op being
    /// replayed; whoever replays the op takes it.
    pub(crate) raised: bool,
    /// Program ops replayed during the current top-level op (the heap's budget,
    /// `PROGRAM_OP_BUDGET`, applies here too).
    pub(crate) program_ops: usize,
}

/// How a collection came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Request {
    /// The strategy asked for it after an allocation.
    Auto,
    /// `collect(g)` (generational policy).
    Generation(usize),
    /// `collect_full`.
    Full,
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
    /// An empty model for a generational heap with this many generations, these
    /// thresholds and automatic collection on or off.
    pub fn new(
        generations: usize,
        thresholds: Vec<u32>,
        enabled: bool,
        observed: Rc<Observed>,
    ) -> Self {
        Model::with_policy(
            &Policy::Generational {
                generations,
                thresholds,
                enabled,
            },
            observed,
        )
    }

    /// An empty model for a heap whose strategy follows `policy`.
    pub fn with_policy(policy: &Policy, observed: Rc<Observed>) -> Self {
        let (generational, generations, thresholds, enabled) = match policy {
            Policy::Generational {
                generations,
                thresholds,
                enabled,
            } => (true, *generations, thresholds.clone(), *enabled),
            Policy::Free => (false, 1, Vec::new(), false),
        };
        Model {
            objects: BTreeMap::new(),
            ids: Vec::new(),
            by_id: BTreeMap::new(),
            names: BTreeMap::new(),
            garbage: Vec::new(),
            weakrefs: Vec::new(),
            deaths: BTreeMap::new(),
            atomic: BTreeSet::new(),
            finalizer_runs: BTreeMap::new(),
            generational,
            generations,
            thresholds,
            enabled,
            frozen: BTreeSet::new(),
            saveall: false,
            op: 0,
            cause: None,
            observed,
            collecting: false,
            working: BTreeSet::new(),
            pending: Vec::new(),
            depth: 0,
            deferred: Vec::new(),
            mismatch: None,
            callbacks: Vec::new(),
            panic_pending: false,
            batch: 0,
            raised: false,
            program_ops: 0,
        }
    }

    /// The policy rules the model holds the heap to, with the current settings.
    pub fn policy(&self) -> Policy {
        if self.generational {
            Policy::Generational {
                generations: self.generations,
                thresholds: self.thresholds.clone(),
                enabled: self.enabled,
            }
        } else {
            Policy::Free
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
        if o.refcount == 0 {
            return Err(GcError::BeingDeallocated(o.id));
        }
        match o.kind {
            Kind::Atomic => Err(GcError::AtomicObject(o.id)),
            Kind::Immutable => Err(GcError::ImmutableObject(o.id)),
            Kind::Container | Kind::Lazy => Ok(o.edges.len()),
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
                program: Rc::default(),
                finalized: false,
                legacy: false,
                legacy_code: None,
                panics: false,
            },
        );
        if kind != Kind::Atomic {
            self.maybe_auto_collection();
        }
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
        self.batch += 1;
        for t in edges {
            self.release(t);
        }
        self.end_batch();
    }

    /// Ends a release batch: the heap re-raises a payload's panic at the end of the
    /// outermost batch, outside any cascade or collection.
    fn end_batch(&mut self) {
        self.batch -= 1;
        if self.batch == 0 && self.depth == 0 && !self.collecting {
            self.raise();
        }
    }

    /// The heap re-raises the payload panic it keeps, if any.
    fn raise(&mut self) {
        if std::mem::take(&mut self.panic_pending) {
            self.raised = true;
        }
    }

    /// An allocation whose automatic collection re-raised a payload's panic gives its
    /// new reference back (if user code run by the collection did not release the
    /// program's reference already); a panic that causes is swallowed. The caller has
    /// taken [`raised`](Model::raised) first.
    pub(crate) fn give_back(&mut self, n: u64) {
        if self.objects.get(&n).is_some_and(|o| o.handles > 0) {
            self.decref(n);
        }
        self.panic_pending = false;
        self.raised = false;
    }

    /// Marks `n`'s payload as panicking on drop.
    pub(crate) fn set_panics(&mut self, n: u64) {
        self.obj(n).panics = true;
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

    pub(crate) fn set_finalizer(&mut self, n: u64, kind: FinalizerKind, program: Vec<Op>) -> bool {
        let o = self.obj(n);
        if o.finalized {
            return false;
        }
        o.finalizer = Some(kind);
        o.program = Rc::new(program);
        true
    }

    pub(crate) fn clear_finalizer(&mut self, n: u64) -> bool {
        self.obj(n).finalizer.take().is_some()
    }

    pub(crate) fn set_legacy(&mut self, n: u64, on: bool) {
        let o = self.obj(n);
        o.legacy = on;
        if !on {
            o.legacy_code = None;
        }
    }

    pub(crate) fn set_legacy_code(&mut self, n: u64, resurrect: bool, program: Vec<Op>) {
        let o = self.obj(n);
        o.legacy = true;
        o.legacy_code = Some((resurrect, Rc::new(program)));
    }

    pub(crate) fn add_weakref(
        &mut self,
        handle: WeakRef,
        target: u64,
        callback: bool,
        program: Vec<Op>,
    ) -> usize {
        self.weakrefs.push(ModelWeak {
            handle,
            target,
            callback,
            state: WeakState::Live,
            callback_runs: 0,
            program: Rc::new(program),
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

    /// What `upgrade` must return for weak reference `w`: its target while it is live
    /// and its count is above zero (a target waiting for deallocation reads dead).
    pub(crate) fn upgrade(&self, w: usize) -> Option<ObjId> {
        let weak = &self.weakrefs[w];
        let counted = self
            .objects
            .get(&weak.target)
            .is_some_and(|o| o.refcount > 0);
        (weak.state == WeakState::Live && counted).then(|| self.ids[weak.target as usize])
    }

    /// `gc.garbage[start:end] = items`: the list is rewritten first, then the removed
    /// entries are released last first (CPython's `list_ass_slice`; `_list_clear` for
    /// a clear). `start` and `end` must fit the list and the items must be alive.
    pub(crate) fn splice_garbage(&mut self, start: usize, end: usize, items: &[u64]) {
        for &n in items {
            self.hold(n);
        }
        let removed: Vec<u64> = self
            .garbage
            .splice(start..end, items.iter().copied())
            .collect();
        self.batch += 1;
        for &n in removed.iter().rev() {
            self.unhold(n);
        }
        self.end_batch();
    }

    /// `gc.garbage.clear()`.
    pub(crate) fn clear_garbage(&mut self) {
        self.splice_garbage(0, self.garbage.len(), &[]);
    }

    /// [`Op::EditGarbage`] with its items resolved: predicts the result and applies it.
    pub(crate) fn edit_garbage(&mut self, start: u16, end: u16, items: &[u64]) -> Res {
        let len = self.garbage.len();
        let (start, end) = garbage_slice(start, end, len);
        if start > end || end > len {
            return Err(GcError::GarbageRangeOutOfRange { start, end, len });
        }
        for &n in items {
            self.alive_counted(n)?;
        }
        self.splice_garbage(start, end, items);
        Ok(Outcome::Unit)
    }

    /// Clears the live weak references to `n`; returns how many, and the weak
    /// references whose callbacks must run, most recently created first.
    fn clear_weakrefs_to(&mut self, n: u64) -> (usize, Vec<usize>) {
        let mut cleared = 0;
        let mut callbacks = Vec::new();
        for (w, weak) in self.weakrefs.iter_mut().enumerate().rev() {
            if weak.target == n && weak.state == WeakState::Live {
                weak.state = WeakState::Dead;
                cleared += 1;
                if weak.callback {
                    weak.callback_runs += 1;
                    callbacks.push(w);
                }
            }
        }
        (cleared, callbacks)
    }

    /// Runs weak reference `w`'s callback: the heap must have started it now.
    fn run_weak_callback(&mut self, w: usize) {
        self.expect_event(&Event::Callback(w));
        let (target, program) = (self.weakrefs[w].target, self.weakrefs[w].program.clone());
        self.run_program(Some(target), &program);
    }

    /// Runs `n`'s unrun finalizer (the caller holds a reference to `n` meanwhile): the
    /// heap must have started it now; its program runs, then a resurrecting one binds
    /// `n` to its name. An atomic object keeps its finalizer (CPython's
    /// `PyObject_CallFinalizer` marks only GC types finalized).
    fn run_finalizer(&mut self, n: u64) {
        let o = self.obj(n);
        let Some(kind) = o.finalizer.take() else {
            return;
        };
        let program = std::mem::take(&mut o.program);
        let atomic = o.kind == Kind::Atomic;
        if !atomic {
            o.finalized = true;
        }
        *self.finalizer_runs.entry(n).or_insert(0) += 1;
        self.expect_event(&Event::Finalizer(n));
        self.run_program(Some(n), &program);
        if kind == FinalizerKind::Resurrect {
            self.set_var(format!("r{n}"), n);
        }
        if atomic
            && let Some(o) = self.objects.get_mut(&n)
            && o.finalizer.is_none()
        {
            o.finalizer = Some(kind);
            o.program = program;
        }
    }

    /// Drops one reference to `n`; frees it, and in cascade everything only it kept
    /// alive, when its count reaches zero.
    pub(crate) fn release(&mut self, n: u64) {
        let o = self.obj(n);
        o.refcount -= 1;
        if o.refcount == 0 {
            self.dealloc_cascade(n);
        }
    }

    /// The heap's release cascade: one worklist shared by nested cascades, nesting
    /// through user code up to the trashcan depth, deeper deallocations deferred to the
    /// outermost cascade.
    fn dealloc_cascade(&mut self, first: u64) {
        if self.depth >= TRASHCAN_DEPTH {
            self.deferred.push(first);
            return;
        }
        self.depth += 1;
        let base = self.pending.len();
        let mut current = first;
        loop {
            self.dealloc(current);
            if self.pending.len() > base {
                current = self.pending.pop().expect("bug: checked non-empty");
            } else if self.depth == 1
                && let Some(next) = self.deferred.pop()
            {
                current = next;
            } else {
                break;
            }
        }
        self.depth -= 1;
        if self.depth == 0 && self.batch == 0 && !self.collecting {
            self.raise();
        }
    }

    /// Frees `n`, whose count is zero: finalizer first with a temporary reference (it
    /// may resurrect `n`), then its weak references are cleared and their callbacks run
    /// (most recent first) while `n` is being deallocated, then its edges go.
    fn dealloc(&mut self, n: u64) {
        let Some(o) = self.objects.get(&n) else {
            return;
        };
        self.working.remove(&n);
        if o.finalizer.is_some() {
            self.obj(n).refcount = 1;
            self.run_finalizer(n);
            let o = self.obj(n);
            o.refcount -= 1;
            if o.refcount > 0 {
                return; // resurrected
            }
            // An atomic object's finalizer stays for its next death: this one is final.
            o.finalizer = None;
        }
        let (_, callbacks) = self.clear_weakrefs_to(n);
        for w in callbacks {
            self.run_weak_callback(w);
        }
        // Legacy-finalizer code (`tp_del`): on every death, with a temporary reference.
        if let Some((resurrect, program)) = self.obj(n).legacy_code.clone() {
            self.obj(n).refcount = 1;
            self.expect_event(&Event::LegacyCode(n));
            self.run_program(Some(n), &program);
            if resurrect {
                self.set_var(format!("r{n}"), n);
            }
            let o = self.obj(n);
            o.refcount -= 1;
            if o.refcount > 0 {
                return; // resurrected
            }
            // Weak references the code created are cleared without their callbacks.
            for weak in &mut self.weakrefs {
                if weak.target == n && weak.state == WeakState::Live {
                    weak.state = WeakState::Dead;
                }
            }
        }
        let o = self.objects.remove(&n).expect("bug: checked alive above");
        self.panic_pending |= o.panics;
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
                self.pending.push(t);
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // The heap's log
    // ----------------------------------------------------------------------------------

    /// Records the first difference between the heap and the model.
    fn mismatch(&mut self, rule: Rule, message: String) {
        if self.mismatch.is_none() {
            self.mismatch = Some(Violation::new(rule, None, message));
        }
    }

    fn pop_event(&mut self) -> Option<Event> {
        self.observed.log.borrow_mut().pop_front()
    }

    /// Takes the heap's next event, which must be `expected`.
    fn expect_event(&mut self, expected: &Event) {
        let got = self.pop_event();
        if got.as_ref() != Some(expected) {
            self.mismatch(
                Rule::FinalizersAndWeakrefs,
                format!("the model expects the heap to run {expected:?} now, the heap's next event is {got:?}"),
            );
        }
    }

    /// After an allocation: if the heap ran an automatic collection there, replay it.
    fn maybe_auto_collection(&mut self) {
        let next_is_collection = matches!(
            self.observed.log.borrow().front(),
            Some(Event::CollectionStart { .. })
        );
        if next_is_collection {
            self.collection(Request::Auto);
        }
    }

    /// `freeze` (generational policy): every live container may now be frozen.
    pub(crate) fn freeze(&mut self) {
        if self.generational {
            self.frozen = self
                .objects
                .iter()
                .filter(|(_, o)| o.kind != Kind::Atomic)
                .map(|(&n, _)| n)
                .collect();
        }
    }

    /// `unfreeze` (generational policy): nothing is frozen any more.
    pub(crate) fn unfreeze(&mut self) {
        self.frozen.clear();
    }

    /// The objects a full collection must examine: those on a cycle of objects the
    /// oracle calls unreachable (every such object is a tracked container; an object
    /// hanging off a garbage cycle without being on one dies in the cascade), minus the
    /// frozen ones and those a dying object still references (a count-0 object waiting
    /// for, or in, its deallocation is untracked: it holds its referents from outside
    /// any examined set until it releases them, which counts them down, so no
    /// collection could free them now).
    fn on_garbage_cycles(&self) -> BTreeSet<u64> {
        let mut sources = self.counted_roots();
        sources.extend(
            self.objects
                .iter()
                .filter(|(_, o)| o.refcount == 0)
                .map(|(&n, _)| n),
        );
        let reach = reachable_from(sources, |n| self.edges_of(n));
        let garbage: BTreeSet<u64> = self
            .objects
            .keys()
            .copied()
            .filter(|n| !reach.contains(n))
            .collect();
        let inside = |n: u64| {
            self.edges_of(n)
                .into_iter()
                .filter(|t| garbage.contains(t))
                .collect::<Vec<_>>()
        };
        garbage
            .iter()
            .copied()
            .filter(|&n| !self.frozen.contains(&n))
            .filter(|&n| {
                // On a cycle: reachable from one of its own successors.
                reachable_from(inside(n), inside).contains(&n)
            })
            .collect()
    }

    /// A collection, requested (nothing happens while a collection runs) or automatic.
    /// The heap's log says which objects it examined and in what order; the model
    /// predicts everything else and compares the report. A full collection must examine
    /// every object on a garbage cycle (but frozen ones).
    pub(crate) fn collection(&mut self, request: Request) {
        if self.collecting {
            return;
        }
        let requested = match request {
            Request::Auto => None,
            Request::Generation(g) => Some(g),
            Request::Full if self.generational => Some(self.generations - 1),
            Request::Full => None,
        };
        let Some(Event::CollectionStart {
            generation,
            examined,
        }) = self.pop_event()
        else {
            self.mismatch(
                Rule::Policy,
                format!("the model expects a collection ({requested:?}) here; the heap ran none"),
            );
            return;
        };
        if requested.is_some_and(|g| g != generation) {
            self.mismatch(
                Rule::Policy,
                format!("collect({requested:?}) collected generation {generation}"),
            );
        }
        if request == Request::Auto
            && self.generational
            && !(self.enabled && self.thresholds[0] > 0)
        {
            self.mismatch(
                Rule::Policy,
                format!(
                    "an automatic collection of generation {generation} ran (enabled: {}, threshold 0: {})",
                    self.enabled, self.thresholds[0]
                ),
            );
        }
        // The callbacks run first, inside the collection's window (a collection they
        // request does nothing); then the strategy picks its examined set.
        self.collecting = true;
        self.run_callbacks(Phase::Start);
        let must_examine = match request {
            Request::Full => self.on_garbage_cycles(),
            _ => BTreeSet::new(),
        };
        let examined_set: BTreeSet<u64> = examined.iter().copied().collect();
        if let Some(&n) = must_examine.iter().find(|n| !examined_set.contains(n)) {
            let id = self.ids[n as usize];
            self.mismatch = self.mismatch.take().or(Some(Violation::new(
                Rule::Completeness,
                Some((n, id)),
                format!(
                    "is on a garbage cycle, but the full collection did not examine it (it examined {examined:?})"
                ),
            )));
        }
        let expected = self.collect(generation, &examined);
        match self.pop_event() {
            Some(Event::CollectionStop(report)) if report_matches(&report, &expected) => {}
            other => self.mismatch(
                Rule::Report,
                format!("collection reported {other:?}, the model expects {expected:?}"),
            ),
        }
        self.run_callbacks(Phase::Stop);
        self.collecting = false;
        self.raise();
    }

    /// The collection callbacks, in registration order, at `phase`: each must have
    /// started now, and its program is replayed.
    fn run_callbacks(&mut self, phase: Phase) {
        for index in 0..self.callbacks.len() {
            self.expect_event(&Event::CallbackRun { index, phase });
            let program = self.callbacks[index].clone();
            self.run_program(None, &program);
        }
    }

    /// A collection of `generation` whose examined set is `examined`, in the order the
    /// strategy noted it (for [`Generational`](crate::Generational): generation
    /// `generation`'s list, then the younger ones).
    ///
    /// Returns what the collection must report. The set it frees is what is
    /// unreachable from roots and from every object outside the examined set, minus
    /// what legacy finalizers keep and what user code resurrects: it depends on the
    /// examined set alone, whatever the strategy. Finalizers and weak callbacks run in
    /// the order of the unreachable list, which is the examined order restricted to the
    /// unreachable objects (CPython's `move_unreachable` order, and the contract of
    /// [`HarnessStrategy`](super::HarnessStrategy) for every strategy), their programs
    /// replayed against the log.
    pub fn collect(&mut self, generation: usize, examined: &[u64]) -> ExpectedReport {
        let mut report = ExpectedReport {
            generation,
            candidates: examined.len(),
            ..ExpectedReport::default()
        };
        let examined_set: BTreeSet<u64> = examined.iter().copied().collect();
        // Garbage: examined objects not reachable from a root or from any object outside
        // the examined set (for trial deletion, references from outside are external).
        // A root holds references from outside the objects: external ones, or the
        // temporary reference of a finalizer running on it.
        let roots = self.counted_roots();
        let sources: Vec<u64> = self
            .objects
            .keys()
            .copied()
            .filter(|n| roots.contains(n) || !examined_set.contains(n))
            .collect();
        let reached = reachable_from(sources, |n| self.edges_of(n));
        let unreachable: Vec<u64> = examined
            .iter()
            .copied()
            .filter(|n| self.objects.contains_key(n) && !reached.contains(n))
            .collect();
        let unreachable_set: BTreeSet<u64> = unreachable.iter().copied().collect();

        // Legacy finalizers: they and everything they reach in the garbage are kept, in
        // CPython's order (`move_legacy_finalizers`, then
        // `move_legacy_finalizer_reachable` appending what each one reaches, in list
        // order): `garbage` lists them in that order.
        let mut legacy: Vec<u64> = unreachable
            .iter()
            .copied()
            .filter(|n| self.objects[n].legacy)
            .collect();
        let mut kept: BTreeSet<u64> = legacy.iter().copied().collect();
        let mut i = 0;
        while i < legacy.len() {
            for t in self.edges_of(legacy[i]) {
                if unreachable_set.contains(&t) && kept.insert(t) {
                    legacy.push(t);
                }
            }
            i += 1;
        }
        report.uncollectable = legacy.len();
        let garbage: Vec<u64> = unreachable
            .iter()
            .copied()
            .filter(|n| !kept.contains(n))
            .collect();

        self.working = garbage.iter().copied().collect();
        if !garbage.is_empty() {
            // Weak references to garbage are cleared before any callback runs, and
            // callbacks run before any finalizer.
            let mut callbacks = Vec::new();
            for &n in &garbage {
                let (cleared, cbs) = self.clear_weakrefs_to(n);
                report.weakrefs_cleared += cleared;
                callbacks.extend(cbs);
            }
            let mut user_code = !callbacks.is_empty();
            for w in callbacks {
                self.run_weak_callback(w);
            }
            // Finalizers, in order, each holding a reference to its object.
            for &n in &garbage {
                if self.working.contains(&n)
                    && self.objects.get(&n).is_some_and(|o| o.finalizer.is_some())
                {
                    report.finalizers_run += 1;
                    user_code = true;
                    self.obj(n).refcount += 1;
                    self.run_finalizer(n);
                    self.release(n);
                }
            }
            // Resurrection: what user code made reachable survives.
            let alive: Vec<u64> = garbage
                .iter()
                .copied()
                .filter(|n| self.working.contains(n))
                .collect();
            let still: Vec<u64> = if user_code {
                let alive_set: BTreeSet<u64> = alive.iter().copied().collect();
                let roots = self.counted_roots();
                let sources: Vec<u64> = self
                    .objects
                    .keys()
                    .copied()
                    .filter(|n| roots.contains(n) || !alive_set.contains(n))
                    .collect();
                let reached = reachable_from(sources, |n| self.edges_of(n));
                let still: Vec<u64> = alive
                    .iter()
                    .copied()
                    .filter(|n| !reached.contains(n))
                    .collect();
                report.resurrected = alive.len() - still.len();
                still
            } else {
                alive
            };
            report.collected = still.len();
            if self.saveall {
                for &n in &still {
                    self.hold(n);
                    self.garbage.push(n);
                }
            } else {
                // Clear each object's edges in order, holding a reference meanwhile.
                self.cause = Some(generation);
                for &n in &still {
                    if self.working.remove(&n) {
                        self.obj(n).refcount += 1;
                        self.clear_edges(n);
                        self.release(n);
                    }
                }
                self.cause = None;
            }
        }
        self.working.clear();
        // Legacy objects: those that themselves have a legacy finalizer (all, in
        // save-all mode) join `garbage`, last (CPython's `handle_legacy_finalizers`).
        for &n in &legacy {
            if self
                .objects
                .get(&n)
                .is_some_and(|o| self.saveall || o.legacy)
            {
                self.hold(n);
                self.garbage.push(n);
            }
        }
        report
    }

    /// Objects whose count exceeds their incoming edges: held from outside the objects
    /// (external references, or a temporary reference while user code runs on them).
    fn counted_roots(&self) -> BTreeSet<u64> {
        let mut incoming: BTreeMap<u64, u32> = BTreeMap::new();
        for o in self.objects.values() {
            for &t in &o.edges {
                *incoming.entry(t).or_insert(0) += 1;
            }
        }
        self.objects
            .iter()
            .filter(|(n, o)| o.refcount > incoming.get(n).copied().unwrap_or(0))
            .map(|(&n, _)| n)
            .collect()
    }

    // ----------------------------------------------------------------------------------
    // Programs
    // ----------------------------------------------------------------------------------

    /// Resolves a target against the model's objects (`me`: the object a program runs
    /// for).
    pub(crate) fn resolve(&self, me: Option<u64>, t: Target) -> Option<u64> {
        let live = self.objects.len();
        match t {
            Target::Me => me,
            Target::Live(i) if live > 0 => self.objects.keys().nth(i as usize % live).copied(),
            Target::Recent(i) if live > 0 => {
                self.objects.keys().nth_back(i as usize % live).copied()
            }
            Target::Alloc(a) if self.allocations() > 0 => Some(u64::from(a) % self.allocations()),
            _ => None,
        }
    }

    /// The object, alive and not being deallocated (count above zero), or the error an
    /// operation that takes a reference to it or registers anything on it returns.
    pub(crate) fn alive_counted(&self, n: u64) -> Result<&ModelObject, GcError> {
        let o = self.alive(n)?;
        if o.refcount == 0 {
            return Err(GcError::BeingDeallocated(o.id));
        }
        Ok(o)
    }

    /// Replays a program run by user code for object `me`: each op's prediction is
    /// compared with what the heap logged.
    fn run_program(&mut self, me: Option<u64>, program: &[Op]) {
        for op in program {
            if self.mismatch.is_some() {
                return;
            }
            if !allowed_in_program(op) {
                continue;
            }
            if self.program_ops >= PROGRAM_OP_BUDGET {
                return;
            }
            self.program_ops += 1;
            let (targets, mut expected) = self.exec_program_op(me, op);
            if std::mem::take(&mut self.raised) {
                // The heap re-raised a payload's panic during this op: what it would
                // have returned is lost (an allocation gave its reference back).
                if let Ok(Outcome::Id(_)) = expected
                    && let [Some(n)] = targets[..]
                    && matches!(op, Op::Alloc | Op::AllocAtomic | Op::AllocLazy)
                {
                    self.give_back(n);
                }
                expected = Ok(Outcome::Panicked);
            }
            match self.pop_event() {
                Some(Event::ProgramOp {
                    targets: got,
                    result,
                }) if got == targets && same(&expected, &result) => {}
                other => self.mismatch(
                    Rule::OpResult,
                    format!(
                        "in user code of {me:?}, {op:?}: the heap logged {other:?}, the model expects targets {targets:?} and {expected:?}"
                    ),
                ),
            }
        }
    }

    fn heap_id(&self, n: u64) -> ObjId {
        self.observed
            .alloc_ids
            .borrow()
            .get(n as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Predicts and applies one program op; returns its resolved targets and result.
    fn exec_program_op(&mut self, me: Option<u64>, op: &Op) -> (Vec<Option<u64>>, Res) {
        let unit = |r: Result<(), GcError>| r.map(|_| Outcome::Unit);
        let skipped = |targets: Vec<Option<u64>>| (targets, Ok(Outcome::Unit));
        match op {
            Op::Alloc | Op::AllocAtomic | Op::AllocLazy => {
                let n = self.allocations();
                let id = self.heap_id(n);
                let kind = match op {
                    Op::AllocAtomic => Kind::Atomic,
                    Op::AllocLazy => Kind::Lazy,
                    _ => Kind::Container,
                };
                self.alloc(id, kind, Vec::new());
                (vec![Some(n)], Ok(Outcome::Id(id)))
            }
            Op::Link { from, to } => {
                let (f, t) = (self.resolve(me, *from), self.resolve(me, *to));
                let (Some(f), Some(t)) = (f, t) else {
                    return skipped(vec![f, t]);
                };
                let expected = self
                    .check_mutable(f)
                    .and_then(|len| self.alive_counted(t).map(|_| len));
                if let Ok(len) = expected {
                    self.insert_edge(f, len, t);
                }
                (vec![Some(f), Some(t)], expected.map(|_| Outcome::Unit))
            }
            Op::RemoveEdge { from, index } => {
                let Some(f) = self.resolve(me, *from) else {
                    return skipped(vec![None]);
                };
                let id = self.ids[f as usize];
                let expected = self.check_mutable(f).and_then(|len| {
                    let idx = if len == 0 {
                        *index as usize
                    } else {
                        *index as usize % len
                    };
                    if idx >= len {
                        return Err(GcError::EdgeIndexOutOfRange {
                            id,
                            index: idx,
                            len,
                        });
                    }
                    Ok((idx, self.objects[&f].edges[idx]))
                });
                let result = expected.map(|(idx, old)| {
                    let old_id = self.ids[old as usize];
                    self.remove_edge(f, idx);
                    Outcome::Id(old_id)
                });
                (vec![Some(f)], result)
            }
            Op::ClearEdges { from } => {
                let Some(f) = self.resolve(me, *from) else {
                    return skipped(vec![None]);
                };
                let expected = self.check_mutable(f).map(|_| ());
                if expected.is_ok() {
                    self.clear_edges(f);
                }
                (vec![Some(f)], unit(expected))
            }
            Op::SetVar { name, obj } => {
                let Some(n) = self.resolve(me, *obj) else {
                    return skipped(vec![None]);
                };
                let expected = self.alive_counted(n).map(|_| ());
                if expected.is_ok() {
                    self.set_var(format!("v{}", name % 8), n);
                }
                (vec![Some(n)], unit(expected))
            }
            Op::DelVar { name } => {
                let bound: Vec<String> = self.names.keys().cloned().collect();
                let name = if bound.is_empty() {
                    format!("v{}", name % 8)
                } else {
                    bound[*name as usize % bound.len()].clone()
                };
                let result = match self.names.get(&name) {
                    Some(&n) => {
                        let id = self.ids[n as usize];
                        self.del_var(&name);
                        Ok(Outcome::Id(id))
                    }
                    None => Err(GcError::UnknownName(name)),
                };
                (vec![], result)
            }
            Op::Incref { obj } => {
                let Some(n) = self.resolve(me, *obj) else {
                    return skipped(vec![None]);
                };
                let expected = self.alive_counted(n).map(|_| ());
                if expected.is_ok() {
                    self.incref(n);
                }
                (vec![Some(n)], unit(expected))
            }
            Op::Decref { obj } => {
                let Some(n) = self.resolve(me, *obj) else {
                    return skipped(vec![None]);
                };
                let expected = self.alive_counted(n).and_then(|o| {
                    if o.handles == 0 {
                        Err(GcError::NoExternalRef(o.id))
                    } else {
                        Ok(())
                    }
                });
                if expected.is_ok() {
                    self.decref(n);
                }
                (vec![Some(n)], unit(expected))
            }
            Op::Collect { .. } if !self.generational => skipped(vec![]),
            Op::Collect { generation } => {
                let g = *generation as usize;
                if g >= self.generations {
                    let e = GcError::NoSuchGeneration {
                        generation: g,
                        generations: self.generations,
                    };
                    return (vec![], Err(e));
                }
                self.collection(Request::Generation(g));
                (vec![], Ok(Outcome::Unit))
            }
            Op::CollectFull => {
                self.collection(Request::Full);
                (vec![], Ok(Outcome::Unit))
            }
            Op::Freeze => {
                self.freeze();
                (vec![], Ok(Outcome::Unit))
            }
            Op::Unfreeze => {
                self.unfreeze();
                (vec![], Ok(Outcome::Unit))
            }
            Op::ClearGarbage => {
                self.clear_garbage();
                (vec![], Ok(Outcome::Unit))
            }
            Op::EditGarbage { start, end, items } => {
                let targets: Vec<Option<u64>> =
                    items.iter().map(|&t| self.resolve(me, t)).collect();
                let Some(items) = targets.iter().copied().collect::<Option<Vec<u64>>>() else {
                    return skipped(targets);
                };
                let result = self.edit_garbage(*start, *end, &items);
                (targets, result)
            }
            Op::SetFinalizer {
                obj,
                resurrect,
                program,
            } => {
                let Some(n) = self.resolve(me, *obj) else {
                    return skipped(vec![None]);
                };
                let expected = self.alive_counted(n).map(|o| !o.finalized);
                if expected == Ok(true) {
                    let kind = if *resurrect {
                        FinalizerKind::Resurrect
                    } else {
                        FinalizerKind::Plain
                    };
                    self.set_finalizer(n, kind, program.clone());
                }
                (vec![Some(n)], expected.map(Outcome::Bool))
            }
            Op::ClearFinalizer { obj } => {
                let Some(n) = self.resolve(me, *obj) else {
                    return skipped(vec![None]);
                };
                let expected = self.alive(n).map(|o| o.finalizer.is_some());
                if expected.is_ok() {
                    self.clear_finalizer(n);
                }
                (vec![Some(n)], expected.map(Outcome::Bool))
            }
            Op::Downgrade {
                obj,
                callback,
                program,
            } => {
                let Some(n) = self.resolve(me, *obj) else {
                    return skipped(vec![None]);
                };
                let expected = self.alive_counted(n).map(|_| ());
                if expected.is_ok() {
                    let w = self.weakrefs.len();
                    let handle = self.observed.weak_handles.borrow().get(w).copied();
                    match handle {
                        Some(handle) => {
                            self.add_weakref(handle, n, *callback, program.clone());
                        }
                        None => self.mismatch(
                            Rule::OpResult,
                            format!("the heap created no weak reference {w}"),
                        ),
                    }
                }
                (vec![Some(n)], unit(expected))
            }
            Op::Upgrade { weak } | Op::ReleaseWeakref { weak } => {
                if self.weakrefs.is_empty() {
                    return skipped(vec![]);
                }
                let w = *weak as usize % self.weakrefs.len();
                let result = if matches!(op, Op::Upgrade { .. }) {
                    Outcome::Upgraded(self.upgrade(w))
                } else {
                    Outcome::Bool(self.release_weakref(w))
                };
                (vec![Some(w as u64)], Ok(result))
            }
            _ => skipped(vec![]),
        }
    }
}

/// Whether a collection's report is what the model predicted.
pub(crate) fn report_matches(r: &CollectReport, e: &ExpectedReport) -> bool {
    !r.skipped
        && r.generation == e.generation
        && r.candidates == e.candidates
        && r.collected == e.collected
        && r.uncollectable == e.uncollectable
        && r.resurrected == e.resurrected
        && r.finalizers_run == e.finalizers_run
        && r.weakrefs_cleared == e.weakrefs_cleared
}
