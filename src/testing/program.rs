//! User code in the harness: the programs finalizers and weak-reference callbacks run,
//! the heap side's executor, and the event log through which the model learns what the
//! heap did, in order.
//!
//! The heap runs a whole top-level op first; every finalizer, callback and collection it
//! runs meanwhile appends to the log (collections with the examined set in its order,
//! which is the one thing the model is told rather than predicts). The model then
//! replays the op: wherever it predicts a finalizer, a callback, a program op or a
//! collection, it takes the next event of the log and compares. Any difference — an
//! event the model did not predict, another order, another result — is a violation.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{CollectReport, GcError, Heap, ObjId, WeakRef};

use super::collector::HarnessStrategy;
use super::op::{Op, Target};
use super::payload::Payload;

/// What an op returned, reduced to what the model can predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Unit,
    Id(ObjId),
    Bool(bool),
    Upgraded(Option<ObjId>),
    /// The op unwound: the heap re-raised a payload's panic (its effects are done).
    Panicked,
}

/// An op's result.
pub(crate) type Res = Result<Outcome, GcError>;

/// Whether two results agree as far as the model predicts them.
pub(crate) fn same(a: &Res, b: &Res) -> bool {
    match (a, b) {
        // The message is prose; the variant is what the model predicts.
        (Err(GcError::InvalidConfig(_)), Err(GcError::InvalidConfig(_))) => true,
        _ => a == b,
    }
}

/// One thing the heap did, in order. (A test-only log: the report's size does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// A collection started (its `Start` callback ran): the generation, and the
    /// examined objects (allocation numbers) in the order the collector examines them.
    CollectionStart {
        generation: usize,
        examined: Vec<u64>,
    },
    /// A collection ended, with its report.
    CollectionStop(CollectReport),
    /// The finalizer of an object started.
    Finalizer(u64),
    /// The legacy-finalizer code of an object started.
    LegacyCode(u64),
    /// The callback of a weak reference (by index) started.
    Callback(usize),
    /// A collection callback ([`Op::AddCallback`], by index) started, at this phase.
    CallbackRun { index: usize, phase: crate::Phase },
    /// An op of a program ran: the targets it resolved to and what it returned.
    ProgramOp {
        targets: Vec<Option<u64>>,
        result: Res,
    },
}

/// What the closures installed in the heap observed: finalizer runs per object,
/// callback runs per weak reference, and the log of what the heap did, in order (see
/// the `program` module). Shared between the heap's closures and the model.
#[derive(Debug, Default)]
pub struct Observed {
    /// The heap's id of every allocation, by allocation number (written by the heap
    /// side as it allocates, user code included).
    pub(crate) alloc_ids: RefCell<Vec<ObjId>>,
    /// Allocation numbers by heap id.
    pub(crate) by_id: RefCell<IdNumbers>,
    /// Every weak reference created, by index.
    pub(crate) weak_handles: RefCell<Vec<WeakRef>>,
    /// What the heap did during the current op, in order.
    pub(crate) log: RefCell<VecDeque<Event>>,
    /// Finalizer runs, by allocation number.
    pub finalizer_runs: RefCell<BTreeMap<u64, u32>>,
    /// Weak-reference callback runs, by weak-reference index.
    pub weak_callback_runs: RefCell<BTreeMap<usize, u32>>,
    /// Weak-reference indexes whose callback saw its reference still alive.
    pub weak_callback_saw_live: RefCell<Vec<usize>>,
    /// Reports of the collections run (recorded by a collection callback).
    pub collections: RefCell<Vec<CollectReport>>,
    /// How many harness collection callbacks ([`Op::AddCallback`]) were registered.
    pub(crate) callbacks: Cell<usize>,
    /// Program ops run by the heap's user code during the current top-level op (see
    /// [`PROGRAM_OP_BUDGET`]).
    pub(crate) program_ops: Cell<usize>,
}

/// How many program ops user code may run during one top-level op, on the heap and in
/// the model alike; past it, programs run no more ops until the next top-level op.
/// Random programs can feed themselves for ever (a collection callback registers a weak
/// reference whose callback allocates, which starts the next collection, ...), as such
/// a Python program would: the budget keeps every generated case finite. Real cases
/// stay far below it (a program has at most six ops, a nested one three).
pub(crate) const PROGRAM_OP_BUDGET: usize = 10_000;

impl Observed {
    /// Reserves the next allocation number for an object about to be allocated (its id
    /// is filled in by [`fill_alloc`](Observed::fill_alloc), or by the collection
    /// callback if an automatic collection runs inside the allocation).
    pub(crate) fn reserve_alloc(&self) -> u64 {
        let mut ids = self.alloc_ids.borrow_mut();
        ids.push(ObjId::default());
        ids.len() as u64 - 1
    }

    /// Records the id of a reserved allocation.
    pub(crate) fn fill_alloc(&self, n: u64, id: ObjId) {
        self.alloc_ids.borrow_mut()[n as usize] = id;
        self.by_id.borrow_mut().insert(id, n);
    }

    /// Forgets a reservation whose allocation failed (the last one).
    pub(crate) fn cancel_alloc(&self, n: u64) {
        let mut ids = self.alloc_ids.borrow_mut();
        if ids.len() as u64 == n + 1 {
            ids.pop();
        }
    }

    /// The allocation number of a heap id; an id not seen yet is the reserved
    /// allocation under way (its slot is filled now).
    pub(crate) fn number_of(&self, id: ObjId) -> Option<u64> {
        if let Some(&n) = self.by_id.borrow().get(&id) {
            return Some(n);
        }
        let pending = self
            .alloc_ids
            .borrow()
            .iter()
            .rposition(|&x| x == ObjId::default())?;
        self.fill_alloc(pending as u64, id);
        Some(pending as u64)
    }

    /// Fills a reservation whose allocation is under way but not yet in any generation
    /// (an untracked object whose allocation triggered a collection) by finding it in the
    /// heap: its payload is its allocation number.
    pub(crate) fn fill_pending<C: HarnessStrategy>(&self, heap: &Heap<Payload, C>) {
        let pending = self
            .alloc_ids
            .borrow()
            .iter()
            .rposition(|&x| x == ObjId::default());
        let Some(n) = pending else {
            return;
        };
        let found = heap.iter().find(|&(id, payload)| {
            payload.value == n as u64 && !self.by_id.borrow().contains_key(&id)
        });
        if let Some((id, _)) = found {
            self.fill_alloc(n as u64, id);
        }
    }

    /// Appends an event to the log.
    pub(crate) fn log(&self, event: Event) {
        self.log.borrow_mut().push_back(event);
    }
}

/// The heap side's collection observer: logs each collection's start and stop. The
/// start event gets the examined set, in the order the strategy examined it, when the
/// collection stops (what the strategy noted with [`Heap::note_examined`]; recording is
/// turned on here), so any strategy's collections can be checked.
pub(crate) fn log_collections<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
) {
    let observed = observed.clone();
    heap.record_examined(true);
    let start = std::cell::Cell::new(None);
    heap.add_heap_callback(move |heap, phase, report| match phase {
        crate::Phase::Start => {
            heap.take_examined();
            start.set(Some(observed.log.borrow().len()));
            observed.log(Event::CollectionStart {
                generation: report.generation,
                examined: Vec::new(),
            });
        }
        crate::Phase::Stop => {
            let examined: Vec<u64> = heap
                .take_examined()
                .into_iter()
                .map(|id| observed.number_of(id).unwrap_or(u64::MAX))
                .collect();
            if let Some(at) = start.take()
                && let Some(Event::CollectionStart { examined: slot, .. }) =
                    observed.log.borrow_mut().get_mut(at)
            {
                *slot = examined;
            }
            observed.collections.borrow_mut().push(*report);
            observed.log(Event::CollectionStop(*report));
        }
    });
}

/// Resolves a target on the heap side: against every allocation so far, or against the
/// allocations still alive in the heap, in allocation order.
pub(crate) fn resolve_on_heap<C: HarnessStrategy>(
    heap: &Heap<Payload, C>,
    observed: &Observed,
    me: Option<u64>,
    t: Target,
) -> Option<u64> {
    observed.fill_pending(heap);
    let ids = observed.alloc_ids.borrow();
    let live = || {
        ids.iter()
            .enumerate()
            .filter(|&(_, &id)| id != ObjId::default() && heap.contains(id))
            .map(|(n, _)| n as u64)
    };
    match t {
        Target::Me => me,
        Target::Alloc(a) if !ids.is_empty() => Some(u64::from(a) % ids.len() as u64),
        Target::Live(i) => {
            let count = live().count();
            (count > 0)
                .then(|| live().nth(i as usize % count))
                .flatten()
        }
        Target::Recent(i) => {
            let count = live().count();
            (count > 0)
                .then(|| live().nth(count - 1 - i as usize % count))
                .flatten()
        }
        Target::Alloc(_) => None,
    }
}

/// Whether an op may run inside a program (settings and tuples stay top-level only).
pub(crate) fn allowed_in_program(op: &Op) -> bool {
    !matches!(
        op,
        Op::SetThreshold { .. }
            | Op::Enable
            | Op::Disable
            | Op::SetSaveAll { .. }
            | Op::SetLegacyFinalizer { .. }
            | Op::SetLegacyCode { .. }
            | Op::AllocImmutable { .. }
            | Op::InsertEdge { .. }
            | Op::SetEdge { .. }
            | Op::Unlink { .. }
            | Op::SetPayload { .. }
            | Op::AddCallback { .. }
            | Op::PanicOnDrop { .. }
    )
}

/// Runs a program on the heap, as user code (`me`: the object concerned; none for a
/// collection callback), logging every op's resolved targets and result. An op that
/// unwinds (a payload's panic the heap re-raised) is logged as
/// [`Outcome::Panicked`], and the program goes on.
pub(crate) fn run_on_heap<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
    me: Option<u64>,
    program: &[Op],
) {
    for op in program {
        if !allowed_in_program(op) {
            continue;
        }
        if observed.program_ops.get() >= PROGRAM_OP_BUDGET {
            return;
        }
        observed.program_ops.set(observed.program_ops.get() + 1);
        let mut targets = Vec::new();
        let result = catch_unwind(AssertUnwindSafe(|| {
            exec_on_heap(heap, observed, me, op, &mut targets)
        }))
        .unwrap_or_else(|_| {
            observed.fill_pending(heap); // an allocation that unwound
            Ok(Outcome::Panicked)
        });
        observed.log(Event::ProgramOp { targets, result });
    }
}

fn id_of(observed: &Observed, n: u64) -> ObjId {
    observed.alloc_ids.borrow()[n as usize]
}

/// One program op on the heap: its result, with the targets it resolved to pushed on
/// `targets` before the heap is called (so they are known if the call unwinds). An op
/// whose target resolves to nothing is skipped.
fn exec_on_heap<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
    me: Option<u64>,
    op: &Op,
    targets: &mut Vec<Option<u64>>,
) -> Res {
    let mut resolve = |heap: &Heap<Payload, C>, t: Target| {
        let n = resolve_on_heap(heap, observed, me, t);
        targets.push(n);
        n
    };
    const SKIPPED: Res = Ok(Outcome::Unit);
    match op {
        Op::Alloc | Op::AllocAtomic | Op::AllocLazy => {
            let n = observed.reserve_alloc();
            targets.push(Some(n));
            let payload = Payload::new(n);
            let id = match op {
                Op::Alloc => heap.alloc(payload),
                Op::AllocAtomic => heap.alloc_atomic(payload),
                _ => heap.alloc_lazy(payload),
            };
            observed.fill_alloc(n, id);
            Ok(Outcome::Id(id))
        }
        Op::Link { from, to } => {
            let (f, t) = (resolve(heap, *from), resolve(heap, *to));
            let (Some(f), Some(t)) = (f, t) else {
                return SKIPPED;
            };
            heap.link(id_of(observed, f), id_of(observed, t))
                .map(|_| Outcome::Unit)
        }
        Op::RemoveEdge { from, index } => {
            let Some(f) = resolve(heap, *from) else {
                return SKIPPED;
            };
            let id = id_of(observed, f);
            let len = heap.edges(id).map_or(0, |e| e.len());
            let idx = if len == 0 {
                *index as usize
            } else {
                *index as usize % len
            };
            heap.remove_edge(id, idx).map(Outcome::Id)
        }
        Op::ClearEdges { from } => {
            let Some(f) = resolve(heap, *from) else {
                return SKIPPED;
            };
            heap.clear_edges(id_of(observed, f)).map(|_| Outcome::Unit)
        }
        Op::SetVar { name, obj } => {
            let Some(n) = resolve(heap, *obj) else {
                return SKIPPED;
            };
            heap.set_var(format!("v{}", name % 8), id_of(observed, n))
                .map(|_| Outcome::Unit)
        }
        Op::DelVar { name } => {
            let bound: Vec<String> = heap.vars().map(|(k, _)| k.to_owned()).collect();
            let name = if bound.is_empty() {
                format!("v{}", name % 8)
            } else {
                bound[*name as usize % bound.len()].clone()
            };
            heap.del_var(&name).map(Outcome::Id)
        }
        Op::Incref { obj } | Op::Decref { obj } => {
            let Some(n) = resolve(heap, *obj) else {
                return SKIPPED;
            };
            let id = id_of(observed, n);
            let r = if matches!(op, Op::Incref { .. }) {
                heap.incref(id)
            } else {
                heap.decref(id)
            };
            r.map(|_| Outcome::Unit)
        }
        Op::Collect { generation } => match C::as_generational(heap) {
            Some(heap) => heap.collect(*generation as usize).map(|_| Outcome::Unit),
            None => SKIPPED, // generational only
        },
        Op::CollectFull => {
            heap.collect_full();
            Ok(Outcome::Unit)
        }
        Op::Freeze | Op::Unfreeze => {
            if let Some(heap) = C::as_generational(heap) {
                if matches!(op, Op::Freeze) {
                    heap.freeze();
                } else {
                    heap.unfreeze();
                }
            }
            Ok(Outcome::Unit)
        }
        Op::ClearGarbage => {
            heap.clear_garbage();
            Ok(Outcome::Unit)
        }
        Op::EditGarbage { start, end, items } => {
            let mut resolved = Vec::with_capacity(items.len());
            for &t in items {
                resolved.push(resolve(heap, t));
            }
            let Some(items) = resolved.into_iter().collect::<Option<Vec<u64>>>() else {
                return SKIPPED;
            };
            let ids: Vec<ObjId> = items.iter().map(|&n| id_of(observed, n)).collect();
            let (start, end) = garbage_slice(*start, *end, heap.garbage().len());
            heap.splice_garbage(start..end, &ids).map(|_| Outcome::Unit)
        }
        Op::SetFinalizer {
            obj,
            resurrect,
            program,
        } => {
            let Some(n) = resolve(heap, *obj) else {
                return SKIPPED;
            };
            install_finalizer(heap, observed, n, *resurrect, program.clone()).map(Outcome::Bool)
        }
        Op::ClearFinalizer { obj } => {
            let Some(n) = resolve(heap, *obj) else {
                return SKIPPED;
            };
            heap.clear_finalizer(id_of(observed, n)).map(Outcome::Bool)
        }
        Op::Downgrade {
            obj,
            callback,
            program,
        } => {
            let Some(n) = resolve(heap, *obj) else {
                return SKIPPED;
            };
            install_weakref(heap, observed, n, *callback, program.clone()).map(|_| Outcome::Unit)
        }
        Op::Upgrade { weak } | Op::ReleaseWeakref { weak } => {
            let handles = observed.weak_handles.borrow().clone();
            if handles.is_empty() {
                return SKIPPED;
            }
            let w = *weak as usize % handles.len();
            targets.push(Some(w as u64));
            if matches!(op, Op::Upgrade { .. }) {
                Ok(Outcome::Upgraded(heap.upgrade(handles[w])))
            } else {
                heap.release_weakref(handles[w]).map(Outcome::Bool)
            }
        }
        _ => SKIPPED,
    }
}

/// The slice an [`Op::EditGarbage`] names in a `garbage` list of `len` entries: both
/// ends modulo `len + 2`, so some slices do not fit.
pub(crate) fn garbage_slice(start: u16, end: u16, len: usize) -> (usize, usize) {
    (start as usize % (len + 2), end as usize % (len + 2))
}

/// Registers the harness's collection callback ([`Op::AddCallback`]) as the next
/// callback index: at each phase it logs [`Event::CallbackRun`] and runs `program`.
pub(crate) fn install_callback<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
    program: Vec<Op>,
) {
    let obs = observed.clone();
    let index = observed.callbacks.get();
    observed.callbacks.set(index + 1);
    heap.add_heap_callback(move |heap, phase, _| {
        obs.log(Event::CallbackRun { index, phase });
        run_on_heap(heap, &obs, None, &program);
    });
}

/// Attaches the harness's finalizer to object `n`: it counts its run, logs it, runs
/// `program`, and binds the object to `r<n>` when `resurrect` is set.
pub(crate) fn install_finalizer<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
    n: u64,
    resurrect: bool,
    program: Vec<Op>,
) -> Result<bool, GcError> {
    let obs = observed.clone();
    heap.set_finalizer(id_of(observed, n), move |heap, me| {
        *obs.finalizer_runs.borrow_mut().entry(n).or_insert(0) += 1;
        obs.log(Event::Finalizer(n));
        run_on_heap(heap, &obs, Some(n), &program);
        if resurrect {
            // Cannot fail but on refcount overflow; the checks would see it.
            let _ = heap.set_var(format!("r{n}"), me);
        }
    })
}

/// Gives object `n` the harness's legacy-finalizer code: it logs its run, runs
/// `program`, and binds the object to `r<n>` when `resurrect` is set.
pub(crate) fn install_legacy_code<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
    n: u64,
    resurrect: bool,
    program: Vec<Op>,
) -> Result<(), GcError> {
    let obs = observed.clone();
    heap.set_legacy_finalizer_code(id_of(observed, n), move |heap, me| {
        obs.log(Event::LegacyCode(n));
        run_on_heap(heap, &obs, Some(n), &program);
        if resurrect {
            let _ = heap.set_var(format!("r{n}"), me);
        }
    })
}

/// Creates the harness's weak reference to object `n` (with a callback that counts its
/// run, logs it, checks that it sees its reference dead and runs `program`), and
/// records its handle as the next weak-reference index.
pub(crate) fn install_weakref<C: HarnessStrategy>(
    heap: &mut Heap<Payload, C>,
    observed: &std::rc::Rc<Observed>,
    n: u64,
    callback: bool,
    program: Vec<Op>,
) -> Result<WeakRef, GcError> {
    let id = id_of(observed, n);
    let w = observed.weak_handles.borrow().len();
    let result = if callback {
        let obs = observed.clone();
        heap.downgrade_with_callback(id, move |heap, weak| {
            *obs.weak_callback_runs.borrow_mut().entry(w).or_insert(0) += 1;
            if heap.upgrade(weak).is_some() {
                obs.weak_callback_saw_live.borrow_mut().push(w);
            }
            obs.log(Event::Callback(w));
            run_on_heap(heap, &obs, Some(n), &program);
        })
    } else {
        heap.downgrade(id)
    };
    if let Ok(handle) = result {
        observed.weak_handles.borrow_mut().push(handle);
    }
    result
}

/// Maps heap ids to allocation numbers (the shared bookkeeping's type).
pub(crate) type IdNumbers = HashMap<ObjId, u64>;
