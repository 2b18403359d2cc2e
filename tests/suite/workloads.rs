//! The standard workloads (`gclab::workloads`) build what they are named for: the
//! shapes, counts and garbage each promises, and the request loop's determinism.

use gclab::workloads::*;
use gclab::{GcConfig, Generation, Heap};

fn quiet_heap() -> Heap<()> {
    Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .unwrap()
}

#[test]
fn dead_cycles_are_two_node_cycles_found_by_one_collection() {
    let mut heap = quiet_heap();
    dead_cycles(&mut heap, 500);
    assert_eq!(heap.len(), 1000);
    for id in heap.ids() {
        assert_eq!(heap.refcount(id).unwrap(), 1);
        assert_eq!(heap.external_count(id).unwrap(), 0);
        let next = heap.edges(id).unwrap().to_vec();
        assert_eq!(next.len(), 1);
        assert_eq!(heap.edges(next[0]).unwrap(), &[id]);
    }
    heap.verify().unwrap();
    let report = heap.collect_full();
    assert_eq!((report.candidates, report.collected), (1000, 1000));
    assert!(heap.is_empty());
}

#[test]
fn live_cycles_survive_until_the_root_is_dropped() {
    let mut heap = quiet_heap();
    let root = live(&mut heap, 1001);
    assert_eq!(heap.len(), 1001); // 500 pairs + root
    assert_eq!(heap.edges(root).unwrap().len(), 500);
    assert_eq!(heap.external_count(root).unwrap(), 1);
    for a in heap.edges(root).unwrap() {
        assert_eq!(heap.refcount(a).unwrap(), 2); // root and b
    }
    heap.verify().unwrap();
    let report = heap.collect_full();
    assert_eq!((report.candidates, report.collected), (1001, 0));
    heap.decref(root).unwrap();
    assert_eq!(heap.len(), 1000);
    assert_eq!(heap.collect_full().collected, 1000);
    assert!(heap.is_empty());
}

#[test]
fn acyclic_churn_leaves_the_heap_as_it_was() {
    let mut heap = quiet_heap();
    let leaf = heap.alloc(());
    acyclic_churn(&mut heap, 1000, leaf).unwrap();
    assert_eq!(heap.len(), 1);
    assert_eq!(heap.refcount(leaf).unwrap(), 1);
    let counters = heap.counters();
    assert_eq!(counters.allocations, 1001);
    assert_eq!(counters.frees_by_refcount, 1000);
    heap.verify().unwrap();
}

#[test]
fn acyclic_churn_with_a_stale_leaf_is_an_error_and_leaks_nothing() {
    let mut heap = quiet_heap();
    let leaf = heap.alloc(());
    heap.decref(leaf).unwrap();
    assert_eq!(
        acyclic_churn(&mut heap, 10, leaf),
        Err(gclab::GcError::StaleId(leaf))
    );
    assert!(heap.is_empty());
}

#[test]
fn chain_is_singly_linked_and_freed_by_refcounting_from_its_head() {
    let mut heap = quiet_heap();
    let head = chain(&mut heap, 100_000).unwrap();
    assert_eq!(heap.len(), 100_000);
    let mut node = head;
    let mut length = 1;
    while let [next] = heap.edges(node).unwrap().to_vec()[..] {
        assert_eq!(heap.refcount(next).unwrap(), 1);
        node = next;
        length += 1;
    }
    assert_eq!(length, 100_000);
    assert_eq!(heap.refcount(head).unwrap(), 1);
    heap.decref(head).unwrap();
    assert!(heap.is_empty());
    assert_eq!(chain(&mut heap, 0), None);
}

#[test]
fn ring_closes_on_itself_and_is_collected_once_dropped() {
    let mut heap = quiet_heap();
    let member = ring(&mut heap, 10_000).unwrap();
    assert_eq!(heap.len(), 10_000);
    let mut node = member;
    for _ in 0..10_000 {
        assert_eq!(heap.refcount(node).unwrap(), 1 + u32::from(node == member));
        let [next] = heap.edges(node).unwrap().to_vec()[..] else {
            panic!("ring node {node} does not have exactly one edge");
        };
        node = next;
    }
    assert_eq!(node, member, "the ring does not close after 10,000 steps");
    assert_eq!(heap.collect_full().collected, 0);
    heap.decref(member).unwrap();
    assert_eq!(heap.collect_full().collected, 10_000);
    assert!(heap.is_empty());
}

#[test]
fn ring_of_one_is_a_self_cycle() {
    let mut heap = quiet_heap();
    let only = ring(&mut heap, 1).unwrap();
    assert_eq!(heap.edges(only).unwrap(), &[only]);
    heap.decref(only).unwrap();
    assert_eq!(heap.collect_full().collected, 1);
    assert_eq!(ring(&mut heap, 0), None);
}

#[test]
fn young_collection_beside_an_old_generation_examines_only_the_young() {
    let mut heap = quiet_heap();
    let old = young_vs_old(&mut heap, 5000);
    assert_eq!(old.old_objects, 5000);
    assert_eq!(heap.get_objects(Some(2)).unwrap().len(), 5001);
    assert_eq!(heap.get_objects(Some(0)).unwrap().len(), 0);
    old.add_young(&mut heap);
    assert_eq!(heap.get_objects(Some(0)).unwrap().len(), YOUNG_OBJECTS);
    let report = heap.collect(0).unwrap();
    assert_eq!(report.candidates, YOUNG_OBJECTS);
    assert_eq!(report.collected, YOUNG_OBJECTS);
    assert_eq!(heap.len(), 5001);
    assert_eq!(heap.generation_of(old.root).unwrap(), Generation::Gen(2));
}

#[test]
fn gcbench_acyclic_frees_everything_by_refcounting() {
    let mut heap = quiet_heap();
    let config = GcBenchConfig {
        parent_pointers: false,
        scale: 11,
    };
    let (stretch, long_lived, depths) = config.depths();
    assert_eq!((stretch, long_lived, depths.clone()), (7, 5, vec![4]));
    let report = gcbench(&mut heap, config);
    // 255 stretch + 63 long-lived + 2 * (2 * 255 / 31 = 16) trees of 31.
    assert_eq!(report.nodes, 255 + 63 + 2 * 16 * 31);
    assert_eq!(report.temporary_trees, 32);
    assert_eq!(report.nodes, heap.counters().allocations);
    assert_eq!(report.live_at_end, 63); // only the long-lived tree
    assert!(heap.is_empty());
    assert!(
        !heap.is_enabled(),
        "gcbench must restore the collector state"
    );
}

#[test]
fn gcbench_with_parent_pointers_needs_the_collector() {
    let mut heap = quiet_heap();
    let config = GcBenchConfig {
        parent_pointers: true,
        scale: 8,
    };
    let report = gcbench(&mut heap, config);
    assert_eq!(report.nodes, heap.counters().allocations);
    // Automatic collection ran during the benchmark and reclaimed some trees.
    assert!(heap.get_stats()[0].collections > 0);
    assert!(heap.get_stats()[0].collected > 0);
    let (_, long_lived, _) = config.depths();
    // The long-lived tree, a complete binary tree of that depth, is still alive.
    assert!(report.live_at_end as u64 >= (1u64 << (long_lived + 1)) - 1);
    heap.verify().unwrap();
    heap.collect_full();
    assert!(heap.is_empty());
}

#[test]
fn gcbench_one_tree_at_a_time_is_gcbench() {
    for parent_pointers in [false, true] {
        let config = GcBenchConfig {
            parent_pointers,
            scale: 10,
        };
        let mut whole = quiet_heap();
        let expected = gcbench(&mut whole, config);
        let mut stepped: Heap<()> = Heap::new();
        let mut run = GcBench::new(config);
        let mut steps = 0u64;
        while run.step(&mut stepped) {
            steps += 1;
        }
        assert!(!run.step(&mut stepped), "a finished run takes no step");
        assert_eq!(run.report(), expected);
        // The stretch tree, the long-lived tree, every temporary, the final drop.
        assert_eq!(steps, 2 + expected.temporary_trees + 1);
        assert_eq!(stepped.counters(), whole.counters());
    }
}

#[test]
fn request_loop_with_one_seed_does_the_same_operations() {
    use rand::{SeedableRng, rngs::StdRng};
    let run = || {
        let mut heap = quiet_heap();
        let mut rng = StdRng::seed_from_u64(7);
        let mut requests = RequestLoop::new(&mut heap);
        for _ in 0..300 {
            requests.add_entry(&mut heap, &mut rng).unwrap();
        }
        assert_eq!(requests.entries(), 300);
        assert_eq!(heap.len(), 1 + 300 * CACHE_ENTRY_OBJECTS as usize);
        for _ in 0..2000 {
            requests.request(&mut heap, &mut rng).unwrap();
        }
        heap.verify().unwrap();
        let garbage = heap.collect_full().collected;
        // Only the cache is left: the root, and its 300 entries.
        assert_eq!(heap.len(), 1 + 300 * CACHE_ENTRY_OBJECTS as usize);
        assert_eq!(heap.edges(requests.cache()).unwrap().len(), 300);
        (garbage, heap.counters())
    };
    let (garbage, counters) = run();
    assert!(garbage > 0, "a fifth of the requests leave a cycle");
    assert_eq!(run(), (garbage, counters));
}

#[test]
fn request_loop_refuses_another_heap() {
    let mut mine = quiet_heap();
    let requests = RequestLoop::new(&mut mine);
    let mut other = quiet_heap();
    let mut rng = rand::rng();
    assert_eq!(
        requests.request(&mut other, &mut rng),
        Err(gclab::GcError::StaleId(requests.cache()))
    );
}

#[test]
fn rings21_are_doubly_linked_rings_except_for_the_first_prev() {
    let mut heap = quiet_heap();
    assert_eq!(rings21(&mut heap, 3), 63);
    assert_eq!(heap.len(), 63);
    let edge_count: usize = heap.ids().map(|id| heap.edges(id).unwrap().len()).sum();
    assert_eq!(edge_count, 3 * (21 + 20)); // 21 `next`, 20 `prev` per ring
    heap.verify().unwrap();
    let report = heap.collect_full();
    assert_eq!(report.collected, 63);
    assert!(heap.is_empty());
}

#[test]
fn dag_levels_hold_k_references_to_the_level_below() {
    let mut heap = quiet_heap();
    let top = dag(&mut heap, DAG_LEVELS).unwrap();
    assert_eq!(heap.len(), DAG_LEVELS);
    let edge_count: usize = heap.ids().map(|id| heap.edges(id).unwrap().len()).sum();
    assert_eq!(edge_count, 499_500);
    let mut node = top;
    for level in (1..DAG_LEVELS).rev() {
        let edges = heap.edges(node).unwrap().to_vec();
        assert_eq!(edges.len(), level);
        assert!(edges.iter().all(|&e| e == edges[0]));
        node = edges[0];
        assert_eq!(heap.refcount(node).unwrap(), level as u32);
    }
    assert!(heap.edges(node).unwrap().is_empty());
    assert_eq!(heap.collect_full().collected, 0);
    assert_eq!(heap.len(), DAG_LEVELS);
    heap.decref(top).unwrap();
    assert!(heap.is_empty());
}
