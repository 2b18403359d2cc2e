//! The workloads written once for every `Rc`-shaped peer (std `Rc` and the four cycle
//! collector crates). Each peer supplies its pointer type, a node with one mutable edge
//! (`RefCell<Option<Ptr<Node>>>`), a root holding a `Vec` of nodes, and its collect call.

use crate::clock::Instant;
use std::hint::black_box;

use crate::workload::{Recorder, Workload, drops};

/// What the generic workloads need from a peer.
pub trait RcLike {
    /// A strong pointer to a node.
    type P: Clone;
    /// A strong pointer to a root object holding many nodes.
    type Root;
    /// Whether the peer has a cycle collector (`false` for std `Rc`, which breaks cycles by hand).
    const COLLECTS: bool;

    /// Turn off automatic collection (or raise its threshold) before the workload starts.
    fn setup() {}
    /// A new node with at most one outgoing edge.
    fn node(next: Option<Self::P>) -> Self::P;
    /// Replace `p`'s edge; the old target is dropped after the borrow ends.
    fn set_next(p: &Self::P, next: Option<Self::P>);
    /// A root object referring to every node in `items`.
    fn root(items: Vec<Self::P>) -> Self::Root;
    /// One full manual collection.
    fn collect();
}

/// Runs `workload` at size `n` on peer `R`, reporting each phase to `rec`.
pub fn run<R: RcLike>(workload: Workload, n: usize, rec: &mut Recorder) {
    R::setup();
    match workload {
        Workload::DeadCycles => dead_cycles::<R>(n, rec),
        Workload::Live => live::<R>(n, rec),
        Workload::AcyclicChurn => acyclic_churn::<R>(n, rec),
        Workload::Chain => chain::<R>(n, rec),
        Workload::Ring => ring::<R>(n, rec),
        // Not peers workloads: the command line rejects them.
        Workload::YoungVsOld | Workload::Gcbench | Workload::Rings21 | Workload::Dag => {}
    }
}

fn dead_cycles<R: RcLike>(n: usize, rec: &mut Recorder) {
    let objects = 2 * n as u64;
    // Without a collector the program must keep one handle per cycle to break it later.
    let mut keep = Vec::with_capacity(if R::COLLECTS { 0 } else { n });
    let t = Instant::now();
    for _ in 0..n {
        let a = R::node(None);
        let b = R::node(Some(a.clone()));
        R::set_next(&a, Some(b));
        if !R::COLLECTS {
            keep.push(a);
        }
    }
    rec.phase("build", t.elapsed(), objects);

    let before = drops();
    if R::COLLECTS {
        let t = Instant::now();
        R::collect();
        rec.phase("collect", t.elapsed(), objects);
    } else {
        let t = Instant::now();
        for a in &keep {
            R::set_next(a, None);
        }
        drop(keep);
        rec.manual_phase("collect", t.elapsed(), objects);
    }
    rec.check_drops(before, objects, "collect");
}

fn live<R: RcLike>(n: usize, rec: &mut Recorder) {
    let pairs = n / 2;
    let objects = 2 * pairs as u64;
    let t = Instant::now();
    let mut items = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        let a = R::node(None);
        let b = R::node(Some(a.clone()));
        R::set_next(&a, Some(b));
        items.push(a.clone());
        // Exactly as in `dead_cycles`, the local handle is dropped, so candidate-buffering
        // collectors see every cycle as a possible root and the collection has to trace all
        // n objects (a CPython-style full collection scans them all anyway).
        drop(a);
    }
    let root = R::root(items);
    rec.phase("build", t.elapsed(), objects);

    let before = drops();
    if R::COLLECTS {
        let t = Instant::now();
        R::collect();
        rec.phase("collect", t.elapsed(), objects);
    } else {
        rec.not_applicable("collect", "n/a (no cycle collector)");
    }
    rec.check_drops(before, 0, "collect");
    // Freeing the live structure is not measured; the process exits without it.
    std::mem::forget(root);
}

fn acyclic_churn<R: RcLike>(n: usize, rec: &mut Recorder) {
    let persistent = R::node(None);
    let before = drops();
    let t = Instant::now();
    for _ in 0..n {
        let x = R::node(Some(persistent.clone()));
        drop(black_box(x));
    }
    rec.phase("churn", t.elapsed(), n as u64);
    rec.check_drops(before, n as u64, "churn");
    std::mem::forget(persistent);
}

fn chain<R: RcLike>(n: usize, rec: &mut Recorder) {
    let t = Instant::now();
    let mut head = R::node(None);
    for _ in 1..n {
        head = R::node(Some(head));
    }
    rec.phase("build", t.elapsed(), n as u64);

    let before = drops();
    let t = Instant::now();
    drop(head);
    rec.phase("drop", t.elapsed(), n as u64);
    rec.check_drops(before, n as u64, "drop");
}

fn ring<R: RcLike>(n: usize, rec: &mut Recorder) {
    let t = Instant::now();
    let first = R::node(None);
    let mut head = first.clone();
    for _ in 1..n {
        head = R::node(Some(head));
    }
    R::set_next(&first, Some(head));
    rec.phase("build", t.elapsed(), n as u64);

    let before = drops();
    if R::COLLECTS {
        drop(first);
        let t = Instant::now();
        R::collect();
        rec.phase("collect", t.elapsed(), n as u64);
    } else {
        let t = Instant::now();
        R::set_next(&first, None);
        drop(first);
        rec.manual_phase("collect", t.elapsed(), n as u64);
    }
    rec.check_drops(before, n as u64, "collect");
}
