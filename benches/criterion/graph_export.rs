//! Whole-heap export to petgraph, at 10^5 and 10^6 objects (linearity check).
//!
//! The heap: N objects, each referring to the next (one ring) and to a pseudo-random
//! other object, one variable per 1,000 objects. The export includes the trial deletion
//! of the oldest generation that classifies objects as live or garbage; the
//! `export_unclassified` variant skips it (`ExportOptions::classify(false)`).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gclab::graph::{self, ExportOptions};
use gclab::{GcConfig, Heap, ObjId};

fn heap_of(n: usize) -> Heap<u32> {
    let mut heap = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("valid configuration");
    let ids: Vec<ObjId> = (0..n as u32).map(|i| heap.alloc(i)).collect();
    for i in 0..n {
        heap.link(ids[i], ids[(i + 1) % n]).expect("alive");
        heap.link(ids[i], ids[(i * 7919 + 13) % n]).expect("alive");
    }
    for (k, &id) in ids.iter().step_by(1000).enumerate() {
        heap.set_var(format!("v{k}"), id).expect("alive");
    }
    for &id in &ids {
        heap.decref(id).expect("our handle");
    }
    heap
}

fn export(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_export");
    group.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let heap = heap_of(n);
        let opts = ExportOptions::with_labeler(|i: &u32| i.to_string());
        let unclassified = ExportOptions::with_labeler(|i: &u32| i.to_string()).classify(false);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("export", n), &n, |b, _| {
            b.iter(|| black_box(graph::export(&heap, &opts)))
        });
        group.bench_with_input(BenchmarkId::new("export_unclassified", n), &n, |b, _| {
            b.iter(|| black_box(graph::export(&heap, &unclassified)))
        });
    }
    group.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
