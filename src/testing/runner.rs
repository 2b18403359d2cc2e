//! Applies ops to a heap and to the model side by side, and checks after every op.

use std::cell::Cell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use crate::{Fault, GcConfig, GcError, Generation, Generational, Heap, ObjId};

use super::check::check_invariants;
use super::collector::HarnessStrategy;
use super::model::{FinalizerKind, Kind, Model, Request};
use super::op::{Op, Target};
use super::payload::Payload;
use super::program::{
    Observed, Outcome, Res, garbage_slice, install_callback, install_finalizer,
    install_legacy_code, install_weakref, log_collections, same,
};
use super::violation::{Rule, Violation};

/// A heap (`Heap<Payload, C>`, payload = allocation number) and its [`Model`], kept in
/// step: [`apply`](Runner::apply) runs an [`Op`] on both, compares the results, mirrors
/// every collection the heap ran in the model, and checks [`check_invariants`].
///
/// Works with any strategy `C` ([`HarnessStrategy`]; [`Generational`] under any
/// [`GcConfig`] by default, [`Runner::with_strategy`] for the others): the model does
/// not predict *when* automatic collections run, nor which objects a collection
/// examines in which order (it learns both from a collection callback the runner
/// registers, which logs each collection's examined set), only what each one must do;
/// it does check the strategy's [`Policy`](super::Policy): under the generational one,
/// that a collection runs only when allowed and always when the allocation surplus
/// passes threshold 0. Finalizers and weak callbacks run programs of ops (user code);
/// the heap logs what they did, and the model replays and compares (see [`Op`]).
///
/// # Examples
/// ```
/// use gclab::GcConfig;
/// use gclab::testing::{Op, Runner, Target};
/// let mut runner = Runner::new(GcConfig::default()).unwrap();
/// for op in [
///     Op::Alloc,
///     Op::Link { from: Target::Recent(0), to: Target::Recent(0) }, // a self-cycle
///     Op::Decref { obj: Target::Recent(0) },                       // garbage now
///     Op::Decref { obj: Target::Alloc(0) },                        // no handle left: an error
///     Op::CollectFull,
/// ] {
///     runner.apply(&op).unwrap();
/// }
/// assert!(runner.heap().is_empty());
/// ```
pub struct Runner<C: HarnessStrategy = Generational> {
    heap: Heap<Payload, C>,
    model: Model,
    observed: Rc<Observed>,
    applied: usize,
    /// Set when a heap call of the op being applied unwound (a payload's panic the
    /// heap re-raised): compared with the model's prediction.
    unwound: Cell<bool>,
}

/// A harness heap may still hold payloads that panic on drop when the runner goes:
/// they are defused first, so dropping a runner never unwinds.
impl<C: HarnessStrategy> Drop for Runner<C> {
    fn drop(&mut self) {
        let ids: Vec<ObjId> = self.heap.ids().collect();
        for id in ids {
            if let Ok(payload) = self.heap.payload_mut(id) {
                payload.panics_on_drop = false;
            }
        }
    }
}

/// Runs one heap call of a top-level op. A payload's panic the heap re-raises is
/// caught and noted in `unwound`; the call's result is `None` then (the op had
/// succeeded: the heap checks its arguments before it releases anything).
fn guard<R>(unwound: &Cell<bool>, call: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(r) => Some(r),
        Err(_) => {
            unwound.set(true);
            None
        }
    }
}

impl<C: HarnessStrategy + fmt::Debug> fmt::Debug for Runner<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("heap", &self.heap)
            .field("applied", &self.applied)
            .finish_non_exhaustive()
    }
}

impl Runner<Generational> {
    /// A runner over an empty heap with the default strategy, [`Generational`], under
    /// this configuration.
    ///
    /// # Errors
    /// [`GcError::InvalidConfig`] for an unusable configuration.
    pub fn new(config: GcConfig) -> Result<Runner, GcError> {
        Ok(Runner::with_strategy(Generational::new(config)?))
    }

    /// Injects a deliberate collector bug into the heap (see [`Fault`]).
    pub fn inject_fault(&mut self, fault: Option<Fault>) {
        self.heap.inject_fault(fault);
    }
}

impl<C: HarnessStrategy> Runner<C> {
    /// A runner over an empty heap collected by `strategy` (freshly built: it must track
    /// nothing yet), checked against the policy rules it declares
    /// ([`HarnessStrategy::policy`]).
    ///
    /// # Examples
    /// ```
    /// use gclab::testing::{FullOnly, Op, Runner, Target};
    /// let mut runner = Runner::with_strategy(FullOnly::default());
    /// for op in [
    ///     Op::Alloc,
    ///     Op::Link { from: Target::Recent(0), to: Target::Recent(0) },
    ///     Op::Decref { obj: Target::Recent(0) },
    ///     Op::Collect { generation: 0 }, // generational only: skipped on both sides
    ///     Op::CollectFull,
    /// ] {
    ///     runner.apply(&op).unwrap();
    /// }
    /// assert!(runner.heap().is_empty());
    /// ```
    pub fn with_strategy(strategy: C) -> Runner<C> {
        let mut heap = Heap::with_collector(strategy);
        let observed = Rc::new(Observed::default());
        log_collections(&mut heap, &observed);
        let model = Model::with_policy(&C::policy(&heap), observed.clone());
        Runner {
            heap,
            model,
            observed,
            applied: 0,
            unwound: Cell::new(false),
        }
    }

    /// The heap.
    pub fn heap(&self) -> &Heap<Payload, C> {
        &self.heap
    }

    /// The heap, mutably: changes made here behind the model's back are reported as
    /// violations by the next check (which is how a test proves the checks can fail).
    pub fn heap_mut(&mut self) -> &mut Heap<Payload, C> {
        &mut self.heap
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Checks the invariants now.
    ///
    /// # Errors
    /// The first [`Violation`].
    pub fn check(&self) -> Result<(), Violation> {
        check_invariants(&self.heap, &self.model)
    }

    /// Ops applied so far (skipped ones included).
    pub fn applied(&self) -> usize {
        self.applied
    }

    fn resolve(&self, t: Target) -> Option<u64> {
        self.model.resolve(None, t)
    }

    /// Applies `op` to the heap and the model, then checks every invariant.
    ///
    /// # Errors
    /// The first [`Violation`]: the op's result differs from the model's prediction, a
    /// collection did something else than the model says, or an invariant broke.
    pub fn apply(&mut self, op: &Op) -> Result<(), Violation> {
        self.apply_checking(op, true)
    }

    /// Applies `op` like [`apply`](Runner::apply), comparing its result and every
    /// collection it ran with the model, but runs the whole-heap invariant check
    /// ([`check_invariants`], linear in the heap) only when `full_check` is set. A replay
    /// of a long trace checks every N ops, or only at the end, with this (then calls
    /// [`check`](Runner::check)).
    ///
    /// # Errors
    /// As [`apply`](Runner::apply), minus the invariants not checked.
    pub fn apply_checking(&mut self, op: &Op, full_check: bool) -> Result<(), Violation> {
        let index = self.applied;
        self.applied += 1;
        self.model.op = index;
        self.model.program_ops = 0;
        self.observed.program_ops.set(0);
        self.observed.collections.borrow_mut().clear();
        self.observed.log.borrow_mut().clear();
        let step = self.step(op);
        let (unwound, raised) = (self.unwound.take(), std::mem::take(&mut self.model.raised));
        if unwound != raised && self.model.mismatch.is_none() {
            return Err(Violation::new(
                Rule::OpResult,
                None,
                format!(
                    "{op:?} {} a payload's panic, the model expects it {}",
                    if unwound {
                        "re-raised"
                    } else {
                        "did not re-raise"
                    },
                    if raised {
                        "re-raised"
                    } else {
                        "kept or never caught"
                    }
                ),
            ));
        }
        if let Some(violation) = self.model.mismatch.take() {
            // A wrong report usually means a wrong collection: the invariants say which
            // object it got wrong.
            if violation.rule == Rule::Report {
                check_invariants(&self.heap, &self.model)?;
            }
            return Err(violation);
        }
        let Some((expected, actual)) = step else {
            return Ok(()); // nothing to name yet: skipped on both sides
        };
        if !same(&expected, &actual) {
            return Err(Violation::new(
                Rule::OpResult,
                None,
                format!("{op:?} returned {actual:?}, the model expects {expected:?}"),
            ));
        }
        if let Some(event) = self.observed.log.borrow().front() {
            return Err(Violation::new(
                Rule::Policy,
                None,
                format!("{op:?}: the heap did {event:?}, which the model does not expect"),
            ));
        }
        let allocated = matches!(
            (op, &actual),
            (
                Op::Alloc | Op::AllocLazy | Op::AllocImmutable { .. },
                Ok(Outcome::Id(_))
            )
        );
        if full_check {
            check_invariants(&self.heap, &self.model)?;
        }
        // User code run by a collection may allocate past threshold 0: the next
        // allocation collects then, as in CPython.
        let collected = !self.observed.collections.borrow().is_empty();
        if let Some(heap) = C::as_generational_ref(&self.heap)
            && allocated
            && !collected
            && self.model.enabled
            && self.model.thresholds[0] > 0
        {
            let count = heap.get_count()[0];
            if count > u64::from(self.model.thresholds[0]) {
                return Err(Violation::new(
                    Rule::Policy,
                    None,
                    format!(
                        "allocation surplus {count} exceeds threshold {} after an allocation, but no collection ran",
                        self.model.thresholds[0]
                    ),
                ));
            }
        }
        if let (Op::Freeze | Op::Unfreeze, Some(heap)) = (op, C::as_generational_ref(&self.heap)) {
            let unwanted = |g: Generation| match op {
                Op::Freeze => matches!(g, Generation::Gen(_)),
                _ => g == Generation::Permanent,
            };
            for (&n, o) in &self.model.objects {
                let g = heap.generation_of(o.id).unwrap_or(Generation::Untracked);
                if unwanted(g) {
                    return Err(Violation::new(
                        Rule::Tracking,
                        Some((n, o.id)),
                        format!("is in {g:?} after {op:?}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Runs one op on both sides; returns (model's prediction, heap's result), or `None`
    /// when the op names nothing that exists (skipped on both sides).
    fn step(&mut self, op: &Op) -> Option<(Res, Res)> {
        if !self.model.generational && generational_only(op) {
            return None;
        }
        let m = &self.model;
        Some(match op {
            Op::Alloc | Op::AllocAtomic | Op::AllocLazy => {
                let n = self.observed.reserve_alloc();
                let payload = Payload::new(n);
                let heap = &mut self.heap;
                let (made, kind) = match op {
                    Op::Alloc => (
                        guard(&self.unwound, || heap.alloc(payload)),
                        Kind::Container,
                    ),
                    Op::AllocLazy => (
                        guard(&self.unwound, || heap.alloc_lazy(payload)),
                        Kind::Lazy,
                    ),
                    _ => (
                        guard(&self.unwound, || heap.alloc_atomic(payload)),
                        Kind::Atomic,
                    ),
                };
                let id = self.allocated(n, made);
                let n = self.model.alloc(id, kind, Vec::new());
                if std::mem::take(&mut self.model.raised) {
                    self.model.give_back(n);
                    self.model.raised = true;
                }
                (Ok(Outcome::Id(id)), Ok(Outcome::Id(id)))
            }
            Op::AllocImmutable { edges } => {
                let targets: Vec<u64> = edges
                    .iter()
                    .map(|&t| self.resolve(t))
                    .collect::<Option<_>>()?;
                let ids: Vec<ObjId> = targets.iter().map(|&t| m.ids[t as usize]).collect();
                let expected = targets.iter().try_for_each(|&t| m.alive(t).map(|_| ()));
                let n = self.observed.reserve_alloc();
                let payload = Payload::new(n);
                let heap = &mut self.heap;
                let actual = match guard(&self.unwound, || heap.alloc_immutable(payload, &ids)) {
                    Some(result) => result,
                    None => Ok(self.allocated(n, None)),
                };
                match (&expected, &actual) {
                    (Ok(()), Ok(id)) => {
                        self.observed.fill_alloc(n, *id);
                        let n = self.model.alloc(*id, Kind::Immutable, targets);
                        if std::mem::take(&mut self.model.raised) {
                            self.model.give_back(n);
                            self.model.raised = true;
                        }
                        (Ok(Outcome::Id(*id)), Ok(Outcome::Id(*id)))
                    }
                    _ => {
                        self.observed.cancel_alloc(n);
                        (expected.map(|_| Outcome::Unit), actual.map(Outcome::Id))
                    }
                }
            }
            Op::Link { from, to } => {
                let (f, t) = (self.resolve(*from)?, self.resolve(*to)?);
                let expected = m.check_mutable(f).and_then(|len| m.alive(t).map(|_| len));
                let actual = self.heap.link(m.ids[f as usize], m.ids[t as usize]);
                if let (Ok(len), Ok(())) = (&expected, &actual) {
                    self.model.insert_edge(f, *len, t);
                }
                (
                    expected.map(|_| Outcome::Unit),
                    actual.map(|_| Outcome::Unit),
                )
            }
            Op::InsertEdge { from, index, to } => {
                let (f, t) = (self.resolve(*from)?, self.resolve(*to)?);
                let len = m.check_mutable(f).unwrap_or(0);
                let idx = *index as usize % (len + 1);
                let expected = m.check_mutable(f).and_then(|_| m.alive(t).map(|_| ()));
                let actual = self
                    .heap
                    .insert_edge(m.ids[f as usize], idx, m.ids[t as usize]);
                if let (Ok(()), Ok(())) = (&expected, &actual) {
                    self.model.insert_edge(f, idx, t);
                }
                (
                    expected.map(|_| Outcome::Unit),
                    actual.map(|_| Outcome::Unit),
                )
            }
            Op::SetEdge { from, index, to } => {
                let (f, t) = (self.resolve(*from)?, self.resolve(*to)?);
                let (fid, tid) = (m.ids[f as usize], m.ids[t as usize]);
                let expected = m.check_mutable(f).and_then(|len| {
                    let idx = edge_index(*index, len);
                    if idx >= len {
                        return Err(GcError::EdgeIndexOutOfRange {
                            id: fid,
                            index: idx,
                            len,
                        });
                    }
                    m.alive(t)?;
                    Ok((idx, m.objects[&f].edges[idx]))
                });
                let idx = edge_index(*index, m.check_mutable(f).unwrap_or(0));
                let heap = &mut self.heap;
                let predicted = expected.as_ref().map(|&(_, old)| m.ids[old as usize]);
                let actual = guard(&self.unwound, || heap.set_edge(fid, idx, tid))
                    .unwrap_or_else(|| predicted.map_err(Clone::clone));
                let expected = expected.map(|(idx, old)| {
                    let id = self.model.ids[old as usize];
                    if actual.is_ok() {
                        self.model.set_edge(f, idx, t);
                    }
                    Outcome::Id(id)
                });
                (expected, actual.map(Outcome::Id))
            }
            Op::RemoveEdge { from, index } => {
                let f = self.resolve(*from)?;
                let fid = m.ids[f as usize];
                let expected = m.check_mutable(f).and_then(|len| {
                    let idx = edge_index(*index, len);
                    if idx >= len {
                        return Err(GcError::EdgeIndexOutOfRange {
                            id: fid,
                            index: idx,
                            len,
                        });
                    }
                    Ok((idx, m.objects[&f].edges[idx]))
                });
                let idx = edge_index(*index, m.check_mutable(f).unwrap_or(0));
                let heap = &mut self.heap;
                let predicted = expected.as_ref().map(|&(_, old)| m.ids[old as usize]);
                let actual = guard(&self.unwound, || heap.remove_edge(fid, idx))
                    .unwrap_or_else(|| predicted.map_err(Clone::clone));
                let expected = expected.map(|(idx, old)| {
                    let id = self.model.ids[old as usize];
                    if actual.is_ok() {
                        self.model.remove_edge(f, idx);
                    }
                    Outcome::Id(id)
                });
                (expected, actual.map(Outcome::Id))
            }
            Op::Unlink { from, to } => {
                let (f, t) = (self.resolve(*from)?, self.resolve(*to)?);
                let expected = m
                    .check_mutable(f)
                    .map(|_| m.objects[&f].edges.iter().position(|&e| e == t));
                let heap = &mut self.heap;
                let (fid, tid) = (m.ids[f as usize], m.ids[t as usize]);
                let actual = guard(&self.unwound, || heap.unlink(fid, tid)).unwrap_or(Ok(true));
                let expected = expected.map(|pos| {
                    if let (Some(i), Ok(true)) = (pos, &actual) {
                        self.model.remove_edge(f, i);
                    }
                    Outcome::Bool(pos.is_some())
                });
                (expected, actual.map(Outcome::Bool))
            }
            Op::ClearEdges { from } => {
                let f = self.resolve(*from)?;
                let expected = m.check_mutable(f).map(|_| Outcome::Unit);
                let heap = &mut self.heap;
                let fid = m.ids[f as usize];
                let actual = guard(&self.unwound, || heap.clear_edges(fid)).unwrap_or(Ok(()));
                if expected.is_ok() && actual.is_ok() {
                    self.model.clear_edges(f);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::SetPayload { obj, value } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let actual = self
                    .heap
                    .payload_mut(m.ids[n as usize])
                    .map(|p| p.value = *value);
                if expected.is_ok() && actual.is_ok() {
                    self.model.set_payload(n, *value);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::SetVar { name, obj } => {
                let n = self.resolve(*obj)?;
                let name = format!("v{}", name % 8);
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let heap = &mut self.heap;
                let id = m.ids[n as usize];
                let actual =
                    guard(&self.unwound, || heap.set_var(name.clone(), id)).unwrap_or(Ok(()));
                if expected.is_ok() && actual.is_ok() {
                    self.model.set_var(name, n);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::DelVar { name } => {
                let bound: Vec<&String> = m.names.keys().collect();
                let name = if bound.is_empty() {
                    format!("v{}", name % 8)
                } else {
                    bound[*name as usize % bound.len()].clone()
                };
                let expected = match m.names.get(&name) {
                    Some(&n) => Ok(Outcome::Id(m.ids[n as usize])),
                    None => Err(GcError::UnknownName(name.clone())),
                };
                let heap = &mut self.heap;
                let actual = guard(&self.unwound, || heap.del_var(&name))
                    .unwrap_or_else(|| Ok(m.ids[m.names[&name] as usize]));
                if expected.is_ok() && actual.is_ok() {
                    self.model.del_var(&name);
                }
                (expected, actual.map(Outcome::Id))
            }
            Op::Incref { obj } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let actual = self.heap.incref(m.ids[n as usize]);
                if expected.is_ok() && actual.is_ok() {
                    self.model.incref(n);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::Decref { obj } => {
                let n = self.resolve(*obj)?;
                let id = m.ids[n as usize];
                let expected = m.alive(n).and_then(|o| {
                    if o.handles == 0 {
                        Err(GcError::NoExternalRef(id))
                    } else {
                        Ok(Outcome::Unit)
                    }
                });
                let heap = &mut self.heap;
                let actual = guard(&self.unwound, || heap.decref(id)).unwrap_or(Ok(()));
                if expected.is_ok() && actual.is_ok() {
                    self.model.decref(n);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::Collect { generation } => {
                let g = *generation as usize;
                let expected = if g < m.generations {
                    Ok(Outcome::Unit)
                } else {
                    Err(GcError::NoSuchGeneration {
                        generation: g,
                        generations: m.generations,
                    })
                };
                let heap = C::as_generational(&mut self.heap)?;
                let actual = guard(&self.unwound, || heap.collect(g).map(|_| Outcome::Unit))
                    .unwrap_or(Ok(Outcome::Unit));
                if expected.is_ok() {
                    self.model.collection(Request::Generation(g));
                }
                (expected, actual)
            }
            Op::CollectFull => {
                let heap = &mut self.heap;
                guard(&self.unwound, || heap.collect_full());
                self.model.collection(Request::Full);
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::SetThreshold { thresholds } => {
                let expected = if thresholds.is_empty() || thresholds.len() > m.generations {
                    Err(GcError::InvalidConfig(String::new()))
                } else {
                    Ok(Outcome::Unit)
                };
                let heap = C::as_generational(&mut self.heap)?;
                let actual = heap.set_threshold(thresholds).map(|_| Outcome::Unit);
                if expected.is_ok() && actual.is_ok() {
                    self.model.thresholds[..thresholds.len()].copy_from_slice(thresholds);
                }
                (expected, actual)
            }
            Op::Enable | Op::Disable => {
                let on = *op == Op::Enable;
                let heap = C::as_generational(&mut self.heap)?;
                if on {
                    heap.enable();
                } else {
                    heap.disable();
                }
                self.model.enabled = on;
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::Freeze => {
                C::as_generational(&mut self.heap)?.freeze();
                self.model.freeze();
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::Unfreeze => {
                C::as_generational(&mut self.heap)?.unfreeze();
                self.model.unfreeze();
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::SetFinalizer {
                obj,
                resurrect,
                program,
            } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|o| Outcome::Bool(!o.finalized));
                let actual = install_finalizer(
                    &mut self.heap,
                    &self.observed,
                    n,
                    *resurrect,
                    program.clone(),
                );
                if let (Ok(Outcome::Bool(true)), Ok(true)) = (&expected, &actual) {
                    let kind = if *resurrect {
                        FinalizerKind::Resurrect
                    } else {
                        FinalizerKind::Plain
                    };
                    self.model.set_finalizer(n, kind, program.clone());
                }
                (expected, actual.map(Outcome::Bool))
            }
            Op::ClearFinalizer { obj } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|o| Outcome::Bool(o.finalizer.is_some()));
                let actual = self.heap.clear_finalizer(m.ids[n as usize]);
                if expected.is_ok() && actual.is_ok() {
                    self.model.clear_finalizer(n);
                }
                (expected, actual.map(Outcome::Bool))
            }
            Op::SetLegacyFinalizer { obj, on } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let actual = self.heap.set_legacy_finalizer(m.ids[n as usize], *on);
                if expected.is_ok() && actual.is_ok() {
                    self.model.set_legacy(n, *on);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::SetLegacyCode {
                obj,
                resurrect,
                program,
            } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let actual = install_legacy_code(
                    &mut self.heap,
                    &self.observed,
                    n,
                    *resurrect,
                    program.clone(),
                );
                if expected.is_ok() && actual.is_ok() {
                    self.model.set_legacy_code(n, *resurrect, program.clone());
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::Downgrade {
                obj,
                callback,
                program,
            } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let actual = install_weakref(
                    &mut self.heap,
                    &self.observed,
                    n,
                    *callback,
                    program.clone(),
                );
                if let (Ok(_), Ok(handle)) = (&expected, &actual) {
                    self.model
                        .add_weakref(*handle, n, *callback, program.clone());
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
            Op::Upgrade { weak } => {
                if m.weakrefs.is_empty() {
                    return None;
                }
                let w = *weak as usize % m.weakrefs.len();
                let expected = Ok(Outcome::Upgraded(m.upgrade(w)));
                let actual = Ok(Outcome::Upgraded(self.heap.upgrade(m.weakrefs[w].handle)));
                (expected, actual)
            }
            Op::ReleaseWeakref { weak } => {
                if m.weakrefs.is_empty() {
                    return None;
                }
                let w = *weak as usize % m.weakrefs.len();
                let handle = m.weakrefs[w].handle;
                let expected = Ok(Outcome::Bool(self.model.release_weakref(w)));
                let actual = self.heap.release_weakref(handle).map(Outcome::Bool);
                (expected, actual)
            }
            Op::SetSaveAll { on } => {
                self.heap.set_debug_saveall(*on);
                self.model.saveall = *on;
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::ClearGarbage => {
                let heap = &mut self.heap;
                guard(&self.unwound, || heap.clear_garbage());
                self.model.clear_garbage();
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::EditGarbage { start, end, items } => {
                let items: Vec<u64> = items
                    .iter()
                    .map(|&t| self.resolve(t))
                    .collect::<Option<_>>()?;
                let ids: Vec<ObjId> = items.iter().map(|&n| m.ids[n as usize]).collect();
                let (from, to) = garbage_slice(*start, *end, self.heap.garbage().len());
                let heap = &mut self.heap;
                let actual = guard(&self.unwound, || heap.splice_garbage(from..to, &ids))
                    .unwrap_or(Ok(()))
                    .map(|_| Outcome::Unit);
                let expected = self.model.edit_garbage(*start, *end, &items);
                (expected, actual)
            }
            Op::AddCallback { program } => {
                install_callback(&mut self.heap, &self.observed, program.clone());
                self.model.callbacks.push(Rc::new(program.clone()));
                (Ok(Outcome::Unit), Ok(Outcome::Unit))
            }
            Op::PanicOnDrop { obj } => {
                let n = self.resolve(*obj)?;
                let expected = m.alive(n).map(|_| Outcome::Unit);
                let actual = self
                    .heap
                    .payload_mut(m.ids[n as usize])
                    .map(|p| p.panics_on_drop = true);
                if expected.is_ok() && actual.is_ok() {
                    self.model.set_panics(n);
                }
                (expected, actual.map(|_| Outcome::Unit))
            }
        })
    }

    /// The id of allocation `n`, whose heap call returned `made` (`None`: it unwound;
    /// then the object, if the collection that unwound left it alive, is found by its
    /// payload).
    fn allocated(&self, n: u64, made: Option<ObjId>) -> ObjId {
        match made {
            Some(id) => {
                self.observed.fill_alloc(n, id);
                id
            }
            None => {
                self.observed.fill_pending(&self.heap);
                self.observed.alloc_ids.borrow()[n as usize]
            }
        }
    }
}

/// Whether `op` exists only under the generational policy (the `gc`-module surface of
/// [`Generational`]): `collect(g)`, thresholds, enable and disable, freeze and
/// unfreeze. Under any other policy it is skipped, on the heap and in the model alike.
pub(crate) fn generational_only(op: &Op) -> bool {
    matches!(
        op,
        Op::Collect { .. }
            | Op::SetThreshold { .. }
            | Op::Enable
            | Op::Disable
            | Op::Freeze
            | Op::Unfreeze
    )
}

/// The raw index for an edge list of `len` edges: modulo the length, or unchanged when
/// there is no edge (so the heap must refuse it).
fn edge_index(index: u16, len: usize) -> usize {
    if len == 0 {
        index as usize
    } else {
        index as usize % len
    }
}

/// The first failing op of a sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Index of the op (0-based).
    pub index: usize,
    /// The op.
    pub op: Op,
    /// What broke.
    pub violation: Violation,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "op {} {}: {}",
            self.index,
            serde_json::to_string(&self.op).unwrap_or_default(),
            self.violation
        )
    }
}

impl std::error::Error for Failure {}

/// Runs `ops` on a fresh heap with `config` (and `fault` injected, if any), checking the
/// invariants after every op.
///
/// # Errors
/// The first [`Failure`]. An unusable configuration is reported as a failure of op 0.
///
/// # Examples
/// ```
/// use gclab::GcConfig;
/// use gclab::testing::{Op, Target, run_ops};
/// let ops = [Op::Alloc, Op::SetVar { name: 0, obj: Target::Recent(0) }, Op::Decref { obj: Target::Live(0) }];
/// run_ops(&GcConfig::default(), None, &ops).unwrap();
/// ```
pub fn run_ops(config: &GcConfig, fault: Option<Fault>, ops: &[Op]) -> Result<(), Failure> {
    let mut runner = Runner::new(config.clone()).map_err(|e| Failure {
        index: 0,
        op: ops.first().cloned().unwrap_or(Op::CollectFull),
        violation: Violation::new(Rule::Policy, None, e.to_string()),
    })?;
    runner.inject_fault(fault);
    apply_all(&mut runner, ops)
}

/// Runs `ops` on a fresh heap collected by `strategy`, checking the invariants after
/// every op: [`run_ops`] for any strategy.
///
/// # Errors
/// The first [`Failure`].
///
/// # Examples
/// ```
/// use gclab::testing::{FullOnly, Op, Target, run_strategy_ops};
/// let ops = [
///     Op::Alloc,
///     Op::Link { from: Target::Recent(0), to: Target::Recent(0) },
///     Op::Decref { obj: Target::Live(0) },
///     Op::CollectFull,
/// ];
/// run_strategy_ops(FullOnly::default(), &ops).unwrap();
/// ```
pub fn run_strategy_ops<C: HarnessStrategy>(strategy: C, ops: &[Op]) -> Result<(), Failure> {
    apply_all(&mut Runner::with_strategy(strategy), ops)
}

fn apply_all<C: HarnessStrategy>(runner: &mut Runner<C>, ops: &[Op]) -> Result<(), Failure> {
    for (index, op) in ops.iter().enumerate() {
        runner.apply(op).map_err(|violation| Failure {
            index,
            op: op.clone(),
            violation,
        })?;
    }
    Ok(())
}
