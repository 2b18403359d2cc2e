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

use std::collections::HashMap;

use crate::{CollectReport, GcError, Heap, ObjId, WeakRef};

use super::collector::HarnessStrategy;
use super::model::Observed;
use super::op::{Op, Target};

/// What an op returned, reduced to what the model can predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Unit,
    Id(ObjId),
    Bool(bool),
    Upgraded(Option<ObjId>),
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
    /// An op of a program ran: the targets it resolved to and what it returned.
    ProgramOp {
        targets: Vec<Option<u64>>,
        result: Res,
    },
}

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
    pub(crate) fn fill_pending<C: HarnessStrategy>(&self, heap: &Heap<u64, C>) {
        let pending = self
            .alloc_ids
            .borrow()
            .iter()
            .rposition(|&x| x == ObjId::default());
        let Some(n) = pending else {
            return;
        };
        let found = heap
            .iter()
            .find(|&(id, &payload)| payload == n as u64 && !self.by_id.borrow().contains_key(&id));
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
    heap: &mut Heap<u64, C>,
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
    heap: &Heap<u64, C>,
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
    )
}

/// Runs a program on the heap, as user code (`me`: the object concerned), logging every
/// op's resolved targets and result.
pub(crate) fn run_on_heap<C: HarnessStrategy>(
    heap: &mut Heap<u64, C>,
    observed: &std::rc::Rc<Observed>,
    me: u64,
    program: &[Op],
) {
    for op in program {
        if !allowed_in_program(op) {
            continue;
        }
        let (targets, result) = exec_on_heap(heap, observed, me, op);
        observed.log(Event::ProgramOp { targets, result });
    }
}

fn id_of(observed: &Observed, n: u64) -> ObjId {
    observed.alloc_ids.borrow()[n as usize]
}

/// One program op on the heap: the targets it resolved to and its result (`None`
/// targets: the op was skipped).
fn exec_on_heap<C: HarnessStrategy>(
    heap: &mut Heap<u64, C>,
    observed: &std::rc::Rc<Observed>,
    me: u64,
    op: &Op,
) -> (Vec<Option<u64>>, Res) {
    let resolve = |heap: &Heap<u64, C>, t: Target| resolve_on_heap(heap, observed, Some(me), t);
    let skipped = |targets: Vec<Option<u64>>| (targets, Ok(Outcome::Unit));
    match op {
        Op::Alloc | Op::AllocAtomic | Op::AllocLazy => {
            let n = observed.reserve_alloc();
            let id = match op {
                Op::Alloc => heap.alloc(n),
                Op::AllocAtomic => heap.alloc_atomic(n),
                _ => heap.alloc_lazy(n),
            };
            observed.fill_alloc(n, id);
            (vec![Some(n)], Ok(Outcome::Id(id)))
        }
        Op::Link { from, to } => {
            let (f, t) = (resolve(heap, *from), resolve(heap, *to));
            let (Some(f), Some(t)) = (f, t) else {
                return skipped(vec![f, t]);
            };
            let r = heap.link(id_of(observed, f), id_of(observed, t));
            (vec![Some(f), Some(t)], r.map(|_| Outcome::Unit))
        }
        Op::RemoveEdge { from, index } => {
            let Some(f) = resolve(heap, *from) else {
                return skipped(vec![None]);
            };
            let id = id_of(observed, f);
            let len = heap.edges(id).map_or(0, |e| e.len());
            let idx = if len == 0 {
                *index as usize
            } else {
                *index as usize % len
            };
            (vec![Some(f)], heap.remove_edge(id, idx).map(Outcome::Id))
        }
        Op::ClearEdges { from } => {
            let Some(f) = resolve(heap, *from) else {
                return skipped(vec![None]);
            };
            let r = heap.clear_edges(id_of(observed, f));
            (vec![Some(f)], r.map(|_| Outcome::Unit))
        }
        Op::SetVar { name, obj } => {
            let Some(n) = resolve(heap, *obj) else {
                return skipped(vec![None]);
            };
            let r = heap.set_var(format!("v{}", name % 8), id_of(observed, n));
            (vec![Some(n)], r.map(|_| Outcome::Unit))
        }
        Op::DelVar { name } => {
            let bound: Vec<String> = heap.vars().map(|(k, _)| k.to_owned()).collect();
            let name = if bound.is_empty() {
                format!("v{}", name % 8)
            } else {
                bound[*name as usize % bound.len()].clone()
            };
            (vec![], heap.del_var(&name).map(Outcome::Id))
        }
        Op::Incref { obj } | Op::Decref { obj } => {
            let Some(n) = resolve(heap, *obj) else {
                return skipped(vec![None]);
            };
            let id = id_of(observed, n);
            let r = if matches!(op, Op::Incref { .. }) {
                heap.incref(id)
            } else {
                heap.decref(id)
            };
            (vec![Some(n)], r.map(|_| Outcome::Unit))
        }
        Op::Collect { generation } => match C::as_generational(heap) {
            Some(heap) => (
                vec![],
                heap.collect(*generation as usize).map(|_| Outcome::Unit),
            ),
            None => skipped(vec![]), // generational only
        },
        Op::CollectFull => {
            heap.collect_full();
            (vec![], Ok(Outcome::Unit))
        }
        Op::Freeze | Op::Unfreeze => {
            if let Some(heap) = C::as_generational(heap) {
                if matches!(op, Op::Freeze) {
                    heap.freeze();
                } else {
                    heap.unfreeze();
                }
            }
            (vec![], Ok(Outcome::Unit))
        }
        Op::ClearGarbage => {
            heap.clear_garbage();
            (vec![], Ok(Outcome::Unit))
        }
        Op::SetFinalizer {
            obj,
            resurrect,
            program,
        } => {
            let Some(n) = resolve(heap, *obj) else {
                return skipped(vec![None]);
            };
            let r = install_finalizer(heap, observed, n, *resurrect, program.clone());
            (vec![Some(n)], r.map(Outcome::Bool))
        }
        Op::ClearFinalizer { obj } => {
            let Some(n) = resolve(heap, *obj) else {
                return skipped(vec![None]);
            };
            let r = heap.clear_finalizer(id_of(observed, n));
            (vec![Some(n)], r.map(Outcome::Bool))
        }
        Op::Downgrade {
            obj,
            callback,
            program,
        } => {
            let Some(n) = resolve(heap, *obj) else {
                return skipped(vec![None]);
            };
            let r = install_weakref(heap, observed, n, *callback, program.clone());
            (vec![Some(n)], r.map(|_| Outcome::Unit))
        }
        Op::Upgrade { weak } | Op::ReleaseWeakref { weak } => {
            let handles = observed.weak_handles.borrow().clone();
            if handles.is_empty() {
                return skipped(vec![]);
            }
            let w = *weak as usize % handles.len();
            let r = if matches!(op, Op::Upgrade { .. }) {
                Ok(Outcome::Upgraded(heap.upgrade(handles[w])))
            } else {
                heap.release_weakref(handles[w]).map(Outcome::Bool)
            };
            (vec![Some(w as u64)], r)
        }
        _ => skipped(vec![]),
    }
}

/// Attaches the harness's finalizer to object `n`: it counts its run, logs it, runs
/// `program`, and binds the object to `r<n>` when `resurrect` is set.
pub(crate) fn install_finalizer<C: HarnessStrategy>(
    heap: &mut Heap<u64, C>,
    observed: &std::rc::Rc<Observed>,
    n: u64,
    resurrect: bool,
    program: Vec<Op>,
) -> Result<bool, GcError> {
    let obs = observed.clone();
    heap.set_finalizer(id_of(observed, n), move |heap, me| {
        *obs.finalizer_runs.borrow_mut().entry(n).or_insert(0) += 1;
        obs.log(Event::Finalizer(n));
        run_on_heap(heap, &obs, n, &program);
        if resurrect {
            // Cannot fail but on refcount overflow; the checks would see it.
            let _ = heap.set_var(format!("r{n}"), me);
        }
    })
}

/// Gives object `n` the harness's legacy-finalizer code: it logs its run, runs
/// `program`, and binds the object to `r<n>` when `resurrect` is set.
pub(crate) fn install_legacy_code<C: HarnessStrategy>(
    heap: &mut Heap<u64, C>,
    observed: &std::rc::Rc<Observed>,
    n: u64,
    resurrect: bool,
    program: Vec<Op>,
) -> Result<(), GcError> {
    let obs = observed.clone();
    heap.set_legacy_finalizer_code(id_of(observed, n), move |heap, me| {
        obs.log(Event::LegacyCode(n));
        run_on_heap(heap, &obs, n, &program);
        if resurrect {
            let _ = heap.set_var(format!("r{n}"), me);
        }
    })
}

/// Creates the harness's weak reference to object `n` (with a callback that counts its
/// run, logs it, checks that it sees its reference dead and runs `program`), and
/// records its handle as the next weak-reference index.
pub(crate) fn install_weakref<C: HarnessStrategy>(
    heap: &mut Heap<u64, C>,
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
            run_on_heap(heap, &obs, n, &program);
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
