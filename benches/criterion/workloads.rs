//! Every standard workload (DESIGN.md), with per-object throughput.
//!
//! Building the structure is excluded wherever it is not what is measured
//! (`iter_batched` setup). The acyclic churn group puts gclab beside the usual safe-Rust
//! graph node, `Rc<RefCell<Vec<Rc<..>>>>`, doing the same allocate-link-drop loop.

use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gclab::workloads::{self, GcBenchConfig};
use gclab::{GcConfig, Heap};

fn quiet_heap() -> Heap<()> {
    Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("valid configuration")
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sampling_mode(criterion::SamplingMode::Flat);
}

fn chain_and_ring(c: &mut Criterion) {
    let mut group = c.benchmark_group("workloads/refcount");
    configure(&mut group);
    for n in [100_000usize, 1_000_000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("chain_drop", n), &n, |b, &n| {
            b.iter_batched(
                || {
                    let mut heap = quiet_heap();
                    let head = workloads::chain(&mut heap, n).expect("n > 0");
                    (heap, head)
                },
                |(mut heap, head)| {
                    heap.decref(head).expect("we hold the head");
                    heap
                },
                BatchSize::PerIteration,
            )
        });
    }
    let n = 100_000usize;
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::new("chain_build", n), &n, |b, &n| {
        b.iter_batched(
            quiet_heap,
            |mut heap| {
                black_box(workloads::chain(&mut heap, n));
                heap
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("workloads/collect");
    configure(&mut group);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::new("ring", n), &n, |b, &n| {
        b.iter_batched(
            || {
                let mut heap = quiet_heap();
                let member = workloads::ring(&mut heap, n).expect("n > 0");
                heap.decref(member).expect("we hold the member");
                heap
            },
            |mut heap| {
                black_box(heap.collect_full());
                heap
            },
            BatchSize::PerIteration,
        )
    });
    group.throughput(Throughput::Elements(2 * n as u64));
    group.bench_with_input(BenchmarkId::new("dead_cycles", n), &n, |b, &n| {
        b.iter_batched(
            || {
                let mut heap = quiet_heap();
                workloads::dead_cycles(&mut heap, n);
                heap
            },
            |mut heap| {
                black_box(heap.collect_full());
                heap
            },
            BatchSize::PerIteration,
        )
    });
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::new("live", n), &n, |b, &n| {
        b.iter_batched(
            || {
                let mut heap = quiet_heap();
                workloads::live(&mut heap, n);
                heap
            },
            |mut heap| {
                black_box(heap.collect_full());
                heap
            },
            BatchSize::PerIteration,
        )
    });
    let rings_objects = (workloads::RINGS21_RINGS * workloads::RING21_LEN) as u64;
    group.throughput(Throughput::Elements(rings_objects));
    group.bench_function("rings21", |b| {
        b.iter_batched(
            || {
                let mut heap = quiet_heap();
                workloads::rings21(&mut heap, workloads::RINGS21_RINGS);
                heap
            },
            |mut heap| {
                black_box(heap.collect_full());
                heap
            },
            BatchSize::LargeInput,
        )
    });
    let mut heap = quiet_heap();
    let _top = workloads::dag(&mut heap, workloads::DAG_LEVELS);
    group.throughput(Throughput::Elements(workloads::DAG_LEVELS as u64));
    group.bench_function("dag", |b| b.iter(|| black_box(heap.collect_full())));
    group.finish();
}

/// The usual safe-Rust graph node.
struct RcNode {
    _edges: RefCell<Vec<Rc<RcNode>>>,
}

fn acyclic_churn(c: &mut Criterion) {
    let n = 100_000usize;
    let mut group = c.benchmark_group("workloads/acyclic_churn");
    configure(&mut group);
    group.throughput(Throughput::Elements(n as u64));
    let mut heap = quiet_heap();
    let leaf = heap.alloc(());
    group.bench_function("gclab", |b| {
        b.iter(|| workloads::acyclic_churn(&mut heap, n, leaf).expect("leaf is alive"))
    });
    let rc_leaf = Rc::new(RcNode {
        _edges: RefCell::new(Vec::new()),
    });
    group.bench_function("rc_refcell", |b| {
        b.iter(|| {
            for _ in 0..n {
                let x = Rc::new(RcNode {
                    _edges: RefCell::new(vec![Rc::clone(&rc_leaf)]),
                });
                drop(black_box(x));
            }
        })
    });
    group.finish();
}

fn gcbench(c: &mut Criterion) {
    let mut group = c.benchmark_group("workloads/gcbench_scale6");
    configure(&mut group);
    for (label, parent_pointers) in [("acyclic", false), ("parent_pointers", true)] {
        let config = GcBenchConfig {
            parent_pointers,
            scale: 6,
        };
        let nodes = workloads::gcbench(&mut Heap::<()>::new(), config).nodes;
        group.throughput(Throughput::Elements(nodes));
        group.bench_function(label, |b| {
            b.iter_batched(
                Heap::<()>::new,
                |mut heap| {
                    black_box(workloads::gcbench(&mut heap, config));
                    heap
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, chain_and_ring, acyclic_churn, gcbench);
criterion_main!(benches);
