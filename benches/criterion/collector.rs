//! Collector benchmarks: full collections over 10^6 dead or live objects, and a young
//! collection beside a small or a large old generation (it should not care which).
//!
//! Building the heap is excluded from every measurement (`iter_batched` setup, or
//! `iter_custom` around the collection alone). Throughput is per object examined.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gclab::{GcConfig, Heap, workloads};

/// A heap with automatic collection off: only the measured collection runs.
fn quiet_heap() -> Heap<()> {
    Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("valid configuration")
}

const MILLION: usize = 1_000_000;

fn full_collection(c: &mut Criterion) {
    let mut group = c.benchmark_group("collector/full");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sampling_mode(criterion::SamplingMode::Flat);

    // 10^6 two-node garbage cycles: 2 * 10^6 objects examined and freed.
    group.throughput(Throughput::Elements(2 * MILLION as u64));
    group.bench_function("dead_cycles_1e6", |b| {
        b.iter_batched(
            || {
                let mut heap = quiet_heap();
                workloads::dead_cycles(&mut heap, MILLION);
                heap
            },
            |mut heap| {
                black_box(heap.collect_full());
                heap
            },
            BatchSize::PerIteration,
        )
    });

    // 10^6 live objects in cycles held from one root: examined, nothing found.
    group.throughput(Throughput::Elements(MILLION as u64));
    group.bench_function("live_1e6", |b| {
        b.iter_batched(
            || {
                let mut heap = quiet_heap();
                workloads::live(&mut heap, MILLION);
                heap
            },
            |mut heap| {
                black_box(heap.collect_full());
                heap
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn young_collection(c: &mut Criterion) {
    let mut group = c.benchmark_group("collector/young");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(workloads::YOUNG_OBJECTS as u64));
    for (label, old) in [("old_1e3", 1_000), ("old_1e6", MILLION)] {
        let mut heap = quiet_heap();
        let setup = workloads::young_vs_old(&mut heap, old);
        group.bench_with_input(BenchmarkId::new("young_1e3", label), &old, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    setup.add_young(&mut heap);
                    let start = Instant::now();
                    black_box(heap.collect(0).expect("generation 0 exists"));
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, full_collection, young_collection);
criterion_main!(benches);
