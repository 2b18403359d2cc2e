//! Snapshot import speed: parsing a `gclab-snapshot/1` file and building its heap, at
//! 10^5 and 10^6 objects.
//!
//! The snapshot is generated in the setup, shaped like a CPython heap: 20 type labels,
//! 0–4 references per object to random others (so plenty of cycles), every object with
//! 0–2 references from outside. `cargo bench --bench snapshot_import`.
//!
//! The `snapshot_collect` group measures what an imported heap is for: one full
//! collection of a garbage ring (every object unreachable) imported from a snapshot,
//! beside the same ring built natively with `Heap::alloc`/`link`, at 10^5 and 10^6
//! objects. `cargo bench --bench snapshot_import -- snapshot_collect`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gclab::snapshot::{Snapshot, SnapshotExt, SnapshotObject, TypeLabel};
use gclab::{GcConfig, Heap};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LABELS: [&str; 20] = [
    "function",
    "tuple",
    "dict",
    "list",
    "weakref.ReferenceType",
    "type",
    "cell",
    "set",
    "builtin_function_or_method",
    "getset_descriptor",
    "wrapper_descriptor",
    "module",
    "method_descriptor",
    "property",
    "frozenset",
    "classmethod",
    "staticmethod",
    "_frozen_importlib.ModuleSpec",
    "member_descriptor",
    "enum.property",
];

/// A random CPython-like snapshot of `n` objects, as JSON bytes.
fn generate(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    // CPython-like addresses: 16-byte aligned, in a 0x7f.. mapping.
    let id = |i: usize| 0x7f00_0000_0000u64 + 16 * i as u64;
    let mut referents: Vec<Vec<u64>> = Vec::with_capacity(n);
    let mut internal = vec![0u64; n];
    for _ in 0..n {
        let k = rng.random_range(0..=4);
        let refs = (0..k)
            .map(|_| {
                let t = rng.random_range(0..n);
                internal[t] += 1;
                id(t)
            })
            .collect();
        referents.push(refs);
    }
    let objects = referents
        .into_iter()
        .enumerate()
        .map(|(i, referents)| {
            let external = rng.random_range(0..=2u64);
            SnapshotObject {
                id: id(i),
                type_label: LABELS[rng.random_range(0..LABELS.len())].into(),
                refcount: (internal[i] + external).max(1),
                referents,
            }
        })
        .collect();
    Snapshot::new(objects).to_json_string().into_bytes()
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot_import");
    group.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let json = generate(n, 1);
        let parsed = Snapshot::from_json_slice(&json).unwrap();
        group.measurement_time(Duration::from_secs(if n > 100_000 { 30 } else { 10 }));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse", n), &json, |b, json| {
            b.iter(|| Snapshot::from_json_slice(black_box(json)).unwrap());
        });
        group.bench_with_input(BenchmarkId::new("build_heap", n), &parsed, |b, s| {
            // The heap's drop is not part of the import.
            b.iter_with_large_drop(|| {
                let heap: Heap<TypeLabel> = Heap::from_snapshot(black_box(s)).unwrap();
                heap
            });
        });
        group.bench_with_input(BenchmarkId::new("parse_and_build", n), &json, |b, json| {
            b.iter_with_large_drop(|| {
                let s = Snapshot::from_json_slice(black_box(json)).unwrap();
                let heap: Heap<TypeLabel> = Heap::from_snapshot(&s).unwrap();
                heap
            });
        });
    }
    group.finish();
}

/// A garbage ring of `n` objects as a snapshot: object `i` refers to object `i + 1`
/// (the last to the first), each referenced only by its predecessor. Ids are
/// CPython-like addresses.
fn ring_snapshot(n: usize) -> Snapshot {
    let id = |i: usize| 0x7f00_0000_0000u64 + 16 * i as u64;
    Snapshot::new(
        (0..n)
            .map(|i| SnapshotObject {
                id: id(i),
                type_label: "list".into(),
                refcount: 1,
                referents: vec![id((i + 1) % n)],
            })
            .collect(),
    )
}

/// The same ring built natively, with automatic collection off (as an import).
fn native_ring(n: usize) -> Heap<TypeLabel> {
    let mut heap = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("valid configuration");
    let label: TypeLabel = "list".into();
    let first = heap.alloc(label.clone());
    let mut prev = first;
    for _ in 1..n {
        let next = heap.alloc(label.clone());
        heap.link(prev, next).expect("both alive");
        heap.decref(next).expect("we hold it");
        prev = next;
    }
    heap.link(prev, first).expect("both alive");
    heap.decref(first).expect("we hold it");
    heap
}

fn collect(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot_collect");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sampling_mode(criterion::SamplingMode::Flat);
    for n in [100_000usize, 1_000_000] {
        let snapshot = ring_snapshot(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("imported_ring", n), &snapshot, |b, s| {
            b.iter_batched(
                || -> Heap<TypeLabel> { Heap::from_snapshot(s).unwrap() },
                |mut heap| {
                    assert_eq!(black_box(heap.collect_full()).collected, n);
                    heap
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_with_input(BenchmarkId::new("native_ring", n), &n, |b, &n| {
            b.iter_batched(
                || native_ring(n),
                |mut heap| {
                    assert_eq!(black_box(heap.collect_full()).collected, n);
                    heap
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, import, collect);
criterion_main!(benches);
