//! The invariants checked after every op (the rules and what a broken one reports are
//! in `violation`).

use std::collections::{BTreeMap, BTreeSet};

use crate::{Generation, Heap, ObjId};

use super::collector::HarnessStrategy;
use super::model::{Death, Kind, Model, WeakState};
use super::payload::Payload;
use super::violation::{Rule, Violation};

/// Checks the heap against the model: rules 1–5 and the tracking and settings checks
/// (see [`Rule`]; the settings and generation checks only under the generational
/// policy). Linear in objects and edges (plus logarithmic map look-ups).
///
/// # Errors
/// The first [`Violation`] found, rule by rule.
pub fn check_invariants<C: HarnessStrategy>(
    heap: &Heap<Payload, C>,
    model: &Model,
) -> Result<(), Violation> {
    let err = |rule, n: u64, msg: String| Violation::new(rule, model.id(n).map(|id| (n, id)), msg);
    let reach = model.reachable();

    // Rule 1: the model's objects are alive, with their payloads and edges.
    for (&n, o) in &model.objects {
        if !heap.contains(o.id) {
            return Err(if reach.contains(&n) {
                err(
                    Rule::Safety,
                    n,
                    "is reachable from the roots but was freed".into(),
                )
            } else {
                err(
                    Rule::Safety,
                    n,
                    "was freed while only an uncollected garbage cycle held it (no collection found it garbage)".into(),
                )
            });
        }
        let payload = heap
            .payload(o.id)
            .map_err(|e| err(Rule::Safety, n, e.to_string()))?
            .value;
        if payload != o.payload {
            return Err(err(
                Rule::Safety,
                n,
                format!("payload is {payload}, the model says {}", o.payload),
            ));
        }
        let edges = heap
            .edges(o.id)
            .map_err(|e| err(Rule::Safety, n, e.to_string()))?;
        let mapped: Vec<Option<u64>> = edges.map(|t| model.allocation(t)).collect();
        let expected: Vec<Option<u64>> = o.edges.iter().map(|&t| Some(t)).collect();
        if mapped != expected {
            return Err(err(
                Rule::Safety,
                n,
                format!(
                    "edges are {}, the model says {}",
                    show(&mapped),
                    show(&expected)
                ),
            ));
        }
    }

    // Rules 3 and 4 (what must be dead is dead), and nothing unknown.
    for id in heap.ids() {
        let Some(n) = model.allocation(id) else {
            return Err(Violation::new(
                Rule::ExactCounts,
                None,
                format!("the heap holds object {id}, which the model never allocated"),
            ));
        };
        if model.objects.contains_key(&n) {
            continue;
        }
        return Err(match model.death(n) {
            Some(Death::Collected { op, generation }) => err(
                Rule::Completeness,
                n,
                format!(
                    "is alive, but the collection of generation {generation} at op {op} found it garbage (or freed all that held it)"
                ),
            ),
            Some(Death::Refcount { op }) => err(
                Rule::ImmediateReclamation,
                n,
                format!("is alive, but its last reference was released at op {op}"),
            ),
            None => err(
                Rule::ExactCounts,
                n,
                "is alive but unknown to the model".into(),
            ),
        });
    }

    // Rule 2: exact counts, recounted from the heap's own edges, and as the model has them.
    heap.verify()
        .map_err(|e| Violation::new(Rule::ExactCounts, None, format!("Heap::verify: {e}")))?;
    let mut incoming: BTreeMap<ObjId, u32> = BTreeMap::new();
    for id in heap.ids() {
        for t in heap.edges(id).into_iter().flatten() {
            *incoming.entry(t).or_insert(0) += 1;
        }
    }
    for (&n, o) in &model.objects {
        let rc = heap.refcount(o.id).unwrap_or(0);
        let ext = heap.external_count(o.id).unwrap_or(0);
        let inc = incoming.get(&o.id).copied().unwrap_or(0);
        if rc != inc + ext {
            return Err(err(
                Rule::ExactCounts,
                n,
                format!("refcount {rc} but {inc} incoming edge(s) and {ext} external reference(s)"),
            ));
        }
        if rc != o.refcount || ext != o.external() {
            return Err(err(
                Rule::ExactCounts,
                n,
                format!(
                    "refcount {rc} with {ext} external, the model says {} with {} external",
                    o.refcount,
                    o.external()
                ),
            ));
        }
    }
    let vars: Vec<(String, Option<u64>)> = heap
        .vars()
        .map(|(name, id)| (name.to_owned(), model.allocation(id)))
        .collect();
    let names: Vec<(String, Option<u64>)> = model
        .names
        .iter()
        .map(|(k, &v)| (k.clone(), Some(v)))
        .collect();
    if vars != names {
        return Err(Violation::new(
            Rule::ExactCounts,
            None,
            format!("variables are {vars:?}, the model says {names:?}"),
        ));
    }
    let garbage: Vec<u64> = heap
        .garbage()
        .iter()
        .map(|&id| model.allocation(id).unwrap_or(u64::MAX))
        .collect();
    if garbage != model.garbage {
        return Err(Violation::new(
            Rule::ExactCounts,
            None,
            format!(
                "garbage holds {garbage:?} (allocation numbers, in order), the model says {:?}",
                model.garbage
            ),
        ));
    }

    // Rule 3: every unreachable live object has a referrer among unreachable objects, so
    // it hangs off a cycle of garbage.
    let mut referred: BTreeSet<u64> = BTreeSet::new();
    for (&n, o) in &model.objects {
        if !reach.contains(&n) {
            referred.extend(o.edges.iter().copied());
        }
    }
    for &n in model.objects.keys() {
        if !reach.contains(&n) && !referred.contains(&n) {
            return Err(err(
                Rule::ImmediateReclamation,
                n,
                "is unreachable and referenced by no garbage cycle, yet alive".into(),
            ));
        }
    }

    // Rule 5: finalizers and weak references.
    let runs = model.observed.finalizer_runs.borrow();
    for (&n, &count) in runs.iter() {
        // At most once, except on atomic objects (CPython's `PyObject_CallFinalizer`
        // marks only objects of GC types finalized).
        let atomic = model.atomic.contains(&n);
        if count > 1 && !atomic {
            return Err(err(
                Rule::FinalizersAndWeakrefs,
                n,
                format!("finalizer ran {count} times"),
            ));
        }
    }
    let all: BTreeSet<u64> = runs
        .keys()
        .chain(model.finalizer_runs.keys())
        .copied()
        .collect();
    for n in all {
        let seen = runs.get(&n).copied().unwrap_or(0);
        let expected = model.finalizer_runs.get(&n).copied().unwrap_or(0);
        if seen != expected {
            return Err(err(
                Rule::FinalizersAndWeakrefs,
                n,
                format!("finalizer ran {seen} time(s), the model says {expected}"),
            ));
        }
    }
    let cb_runs = model.observed.weak_callback_runs.borrow();
    for (w, weak) in model.weakrefs.iter().enumerate() {
        let got = heap.upgrade(weak.handle);
        let expected = model.upgrade(w);
        if got != expected {
            return Err(err(
                Rule::FinalizersAndWeakrefs,
                weak.target,
                format!(
                    "weak reference {w} upgrades to {got:?}, the model says {expected:?} ({})",
                    match weak.state {
                        WeakState::Live => "its target is alive and it was never cleared",
                        WeakState::Dead => "its target died or a collection found it garbage",
                        WeakState::Released => "it was released",
                    }
                ),
            ));
        }
        let seen = cb_runs.get(&w).copied().unwrap_or(0);
        if seen != weak.callback_runs {
            return Err(err(
                Rule::FinalizersAndWeakrefs,
                weak.target,
                format!(
                    "callback of weak reference {w} ran {seen} time(s), the model says {}",
                    weak.callback_runs
                ),
            ));
        }
    }
    if let Some(&w) = model.observed.weak_callback_saw_live.borrow().first() {
        return Err(err(
            Rule::FinalizersAndWeakrefs,
            model.weakrefs[w].target,
            format!("the callback of weak reference {w} saw its reference still alive"),
        ));
    }
    if let Some(event) = heap.events().first() {
        return Err(Violation::new(
            Rule::FinalizersAndWeakrefs,
            None,
            format!("unexpected unraisable event {event:?}"),
        ));
    }

    // Tracking. Under another strategy than the generational one, "a generation" is
    // only tracked or not (or in a running collection's working set).
    let generational = C::as_generational_ref(heap);
    let objects = heap.objects_view();
    let generation_of = |id: ObjId| match generational {
        Some(heap) => heap.generation_of(id),
        None => heap.is_tracked(id).map(|tracked| match objects.space(id) {
            Some(space) => Generation::Gen(usize::from(space)),
            None if tracked => Generation::Collecting,
            None => Generation::Untracked,
        }),
    };
    for (&n, o) in &model.objects {
        let g = generation_of(o.id).map_err(|e| err(Rule::Tracking, n, e.to_string()))?;
        let ok = match (o.kind, g) {
            (_, Generation::Collecting) => false,
            (Kind::Atomic, g) => g == Generation::Untracked,
            (Kind::Container, g) => g != Generation::Untracked,
            (Kind::Immutable, Generation::Untracked) => o.edges.iter().all(|&t| {
                model
                    .id(t)
                    .and_then(|id| generation_of(id).ok())
                    .is_some_and(|g| g == Generation::Untracked)
            }),
            (Kind::Immutable | Kind::Lazy, _) => true,
        };
        if !ok {
            return Err(err(
                Rule::Tracking,
                n,
                format!("a {:?} object is in {g:?}", o.kind),
            ));
        }
    }

    // Settings.
    let Some(heap) = generational else {
        if heap.debug_saveall() != model.saveall {
            return Err(Violation::new(
                Rule::Policy,
                None,
                format!(
                    "save-all is {}, the model says {}",
                    heap.debug_saveall(),
                    model.saveall
                ),
            ));
        }
        return Ok(());
    };
    if heap.is_enabled() != model.enabled
        || heap.get_threshold() != model.thresholds
        || heap.debug_saveall() != model.saveall
    {
        return Err(Violation::new(
            Rule::Policy,
            None,
            format!(
                "settings are enabled={} thresholds={:?} saveall={}, the model says {} {:?} {}",
                heap.is_enabled(),
                heap.get_threshold(),
                heap.debug_saveall(),
                model.enabled,
                model.thresholds,
                model.saveall
            ),
        ));
    }
    Ok(())
}

fn show(edges: &[Option<u64>]) -> String {
    let items: Vec<String> = edges
        .iter()
        .map(|e| match e {
            Some(n) => format!("#{n}"),
            None => "?".to_owned(),
        })
        .collect();
    format!("[{}]", items.join(", "))
}
