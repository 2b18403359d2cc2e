//! Collecting an imported heap and comparing its unreachable set with the source's.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::{Snapshot, SnapshotError};
use crate::{CollectReport, Heap, ObjId};

/// What a full collection of an imported heap found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectOutcome {
    /// Objects in the heap before the collection.
    pub objects: usize,
    /// The collection's report (candidates examined, collected …).
    pub report: CollectReport,
    /// Identities ([`Heap::id`]) of the objects the collection freed, ascending. For an
    /// imported heap (no finalizers, no weak references) this is exactly the set trial
    /// deletion found unreachable.
    pub unreachable: Vec<u64>,
    /// Wall time of the collection alone.
    pub elapsed: Duration,
    /// Wall time of the import (validation and building), when the outcome comes from
    /// [`collect_snapshot`]; zero from [`collect_and_report`].
    pub import_elapsed: Duration,
}

/// Runs a full collection ([`Heap::collect_full`]) and reports which objects died, by
/// identity. Objects freed by the collection are its unreachable set: the collector only
/// frees what trial deletion found unreachable, and everything it found unreachable is
/// freed unless a finalizer resurrects it (imports have none).
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::snapshot::{Snapshot, SnapshotExt, TypeLabel, collect_and_report};
/// let json = r#"{"format": "gclab-snapshot/1", "objects": [
///   {"id": 10, "type": "list", "refcount": 1, "referents": [11]},
///   {"id": 11, "type": "list", "refcount": 1, "referents": [10]}]}"#;
/// let mut heap: Heap<TypeLabel> = Heap::from_snapshot(&Snapshot::from_json_str(json).unwrap()).unwrap();
/// let outcome = collect_and_report(&mut heap);
/// assert_eq!(outcome.unreachable, vec![10, 11]);
/// assert_eq!(outcome.report.candidates, 2);
/// ```
pub fn collect_and_report<T>(heap: &mut Heap<T>) -> CollectOutcome {
    let before: Vec<(ObjId, u64)> = heap
        .ids()
        .map(|id| (id, heap.id(id).expect("bug: iterated id is alive")))
        .collect();
    let start = Instant::now();
    let report = heap.collect_full();
    let elapsed = start.elapsed();
    let mut unreachable: Vec<u64> = before
        .iter()
        .filter(|(id, _)| !heap.contains(*id))
        .map(|&(_, identity)| identity)
        .collect();
    unreachable.sort_unstable();
    CollectOutcome {
        objects: before.len(),
        report,
        unreachable,
        elapsed,
        import_elapsed: Duration::ZERO,
    }
}

/// Imports `snapshot` and runs one full collection over all of it; the unreachable set is
/// reported by snapshot id, ascending. This is `gclab-snapshot collect`.
///
/// # Errors
/// As [`Snapshot::validate`].
///
/// # Examples
/// ```
/// use gclab::snapshot::{Snapshot, collect_snapshot};
/// let json = r#"{"format": "gclab-snapshot/1", "objects": [
///   {"id": 10, "type": "list", "refcount": 1, "referents": [11]},
///   {"id": 11, "type": "list", "refcount": 2, "referents": [10]}]}"#;
/// let outcome = collect_snapshot(&Snapshot::from_json_str(json).unwrap()).unwrap();
/// assert!(outcome.unreachable.is_empty()); // 11 is referenced from outside
/// ```
pub fn collect_snapshot(snapshot: &Snapshot) -> Result<CollectOutcome, SnapshotError> {
    let import_start = Instant::now();
    let (mut heap, handles) = snapshot.to_heap_with(|_| ())?;
    let import_elapsed = import_start.elapsed();
    let start = Instant::now();
    let report = heap.collect_full();
    let elapsed = start.elapsed();
    let mut unreachable: Vec<u64> = handles
        .iter()
        .zip(&snapshot.objects)
        .filter(|(h, _)| !heap.contains(**h))
        .map(|(_, o)| o.id)
        .collect();
    unreachable.sort_unstable();
    Ok(CollectOutcome {
        objects: handles.len(),
        report,
        unreachable,
        elapsed,
        import_elapsed,
    })
}

/// The difference between two unreachable sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disagreement {
    /// Ids gclab found unreachable and the source did not, ascending.
    pub only_gclab: Vec<u64>,
    /// Ids the source found unreachable and gclab did not, ascending.
    pub only_expected: Vec<u64>,
}

impl Disagreement {
    /// Whether the two sets are equal.
    pub fn agrees(&self) -> bool {
        self.only_gclab.is_empty() && self.only_expected.is_empty()
    }
}

/// Compares gclab's unreachable set with the expected one (any order, duplicates
/// ignored).
///
/// # Examples
/// ```
/// use gclab::snapshot::compare_unreachable;
/// let d = compare_unreachable(&[1, 2, 3], &[3, 4, 2]);
/// assert_eq!(d.only_gclab, vec![1]);
/// assert_eq!(d.only_expected, vec![4]);
/// assert!(!d.agrees());
/// ```
pub fn compare_unreachable(gclab: &[u64], expected: &[u64]) -> Disagreement {
    let g: HashSet<u64> = gclab.iter().copied().collect();
    let e: HashSet<u64> = expected.iter().copied().collect();
    let mut only_gclab: Vec<u64> = g.difference(&e).copied().collect();
    let mut only_expected: Vec<u64> = e.difference(&g).copied().collect();
    only_gclab.sort_unstable();
    only_expected.sort_unstable();
    Disagreement {
        only_gclab,
        only_expected,
    }
}
