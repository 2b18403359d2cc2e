//! gclab itself: a `Heap<()>` with automatic collection disabled, objects addressed by
//! `ObjId`, edges owned by the heap, external references released with `decref`, cycles
//! reclaimed by `collect_full` (CPython's full trial-deletion collection).
//!
//! The workloads mirror `generic.rs` operation for operation: where a peer clones a pointer
//! into a node the program here `link`s, and where a peer drops a local handle it `decref`s.

use crate::clock::Instant;

use gclab::{BaconRajan, CycleCollector, Heap, ObjId, RootTrigger};

use crate::workload::{Recorder, Workload};

/// Runs `workload` at size `n` on gclab, reporting each phase to `rec`.
pub fn run(workload: Workload, n: usize, rec: &mut Recorder) {
    let mut heap: Heap<()> = Heap::new();
    heap.disable();
    run_on(heap, workload, n, rec);
}

/// Runs `workload` at size `n` on gclab under `BaconRajan` with a manual trigger (the
/// synchronous cycle collection of Bacon & Rajan, the algorithm of `bacon_rajan_cc` and
/// rust-cc): it collects only when the workload calls `collect_full`.
pub fn run_bacon_rajan(workload: Workload, n: usize, rec: &mut Recorder) {
    let heap: Heap<(), BaconRajan> = Heap::with_collector(BaconRajan::new(RootTrigger::Manual));
    run_on(heap, workload, n, rec);
}

fn run_on<C: CycleCollector>(
    mut owned: Heap<(), C>,
    workload: Workload,
    n: usize,
    rec: &mut Recorder,
) {
    let heap = &mut owned;
    match workload {
        Workload::DeadCycles => dead_cycles(heap, n, rec),
        Workload::Live => live(heap, n, rec),
        Workload::AcyclicChurn => acyclic_churn(heap, n, rec),
        Workload::Chain => chain(heap, n, rec),
        Workload::Ring => ring(heap, n, rec),
        // Not peers workloads: the command line rejects them.
        Workload::YoungVsOld | Workload::Gcbench | Workload::Rings21 | Workload::Dag => {}
    }
    // Freeing whatever is left is not measured: the process exits without it.
    std::mem::forget(owned);
}

/// `result.expect` with the workload's name: a gclab error here is a bug in the workload
/// or in gclab, and is reported as a crash.
fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("gclab {what}: {e:?}"),
    }
}

/// A two-node cycle a <-> b; returns `a`, the caller still holding one external
/// reference to each of a and b.
fn pair<C: CycleCollector>(heap: &mut Heap<(), C>) -> (ObjId, ObjId) {
    let a = heap.alloc(());
    let b = heap.alloc(());
    ok(heap.link(a, b), "link");
    ok(heap.link(b, a), "link");
    (a, b)
}

fn dead_cycles<C: CycleCollector>(heap: &mut Heap<(), C>, n: usize, rec: &mut Recorder) {
    let objects = 2 * n as u64;
    let t = Instant::now();
    for _ in 0..n {
        let (a, b) = pair(heap);
        ok(heap.decref(a), "decref");
        ok(heap.decref(b), "decref");
    }
    rec.phase("build", t.elapsed(), objects);

    let t = Instant::now();
    let report = heap.collect_full();
    rec.phase("collect", t.elapsed(), objects);
    rec.check(
        report.collected as u64 == objects && heap.is_empty(),
        || {
            format!(
                "collect: collected {}, {} left, expected {objects} and 0",
                report.collected,
                heap.len()
            )
        },
    );
}

fn live<C: CycleCollector>(heap: &mut Heap<(), C>, n: usize, rec: &mut Recorder) {
    let pairs = n / 2;
    let objects = 2 * pairs as u64;
    let t = Instant::now();
    let root = heap.alloc(());
    for _ in 0..pairs {
        let (a, b) = pair(heap);
        ok(heap.link(root, a), "link");
        ok(heap.decref(a), "decref");
        ok(heap.decref(b), "decref");
    }
    rec.phase("build", t.elapsed(), objects);

    let t = Instant::now();
    let report = heap.collect_full();
    rec.phase("collect", t.elapsed(), objects);
    rec.check(
        report.collected == 0 && heap.len() as u64 == objects + 1,
        || {
            format!(
                "collect: collected {}, {} alive, expected 0 and {}",
                report.collected,
                heap.len(),
                objects + 1
            )
        },
    );
}

fn acyclic_churn<C: CycleCollector>(heap: &mut Heap<(), C>, n: usize, rec: &mut Recorder) {
    let persistent = heap.alloc(());
    let t = Instant::now();
    for _ in 0..n {
        // x = [persistent]: allocated with its edge, like the peers' `Node::new(Some(..))`.
        let x = ok(heap.alloc_with((), &[persistent]), "alloc_with");
        ok(heap.decref(x), "decref");
    }
    rec.phase("churn", t.elapsed(), n as u64);
    rec.check(heap.len() == 1, || {
        format!("churn: {} objects alive, expected 1", heap.len())
    });
}

/// An n-long chain head -> ... -> tail; the caller holds one external reference to the
/// head, and to `keep` if given (the tail).
fn build_chain<C: CycleCollector>(
    heap: &mut Heap<(), C>,
    n: usize,
    keep_tail: bool,
) -> (ObjId, ObjId) {
    let tail = heap.alloc(());
    let mut head = tail;
    for _ in 1..n {
        let x = heap.alloc(());
        ok(heap.link(x, head), "link");
        if head != tail || !keep_tail {
            ok(heap.decref(head), "decref");
        }
        head = x;
    }
    (head, tail)
}

fn chain<C: CycleCollector>(heap: &mut Heap<(), C>, n: usize, rec: &mut Recorder) {
    let t = Instant::now();
    let (head, _) = build_chain(heap, n, false);
    rec.phase("build", t.elapsed(), n as u64);

    let t = Instant::now();
    ok(heap.decref(head), "decref");
    rec.phase("drop", t.elapsed(), n as u64);
    rec.check(heap.is_empty(), || {
        format!("drop: {} objects alive, expected 0", heap.len())
    });
}

fn ring<C: CycleCollector>(heap: &mut Heap<(), C>, n: usize, rec: &mut Recorder) {
    let t = Instant::now();
    let (head, first) = build_chain(heap, n, true);
    ok(heap.link(first, head), "link");
    if head != first {
        ok(heap.decref(head), "decref");
    }
    rec.phase("build", t.elapsed(), n as u64);

    ok(heap.decref(first), "decref");
    let t = Instant::now();
    let report = heap.collect_full();
    rec.phase("collect", t.elapsed(), n as u64);
    rec.check(report.collected == n && heap.is_empty(), || {
        format!(
            "collect: collected {}, {} left, expected {n} and 0",
            report.collected,
            heap.len()
        )
    });
}
