//! Checks of crate-private helpers, for the core crate's test suite (`tests/suite/`,
//! module `internals`), which as an integration test cannot reach them.
//!
//! The crate keeps no `#[cfg(test)]` unit tests: a unit test compiles the whole library
//! a second time (with `cfg(test)`), which was a fifth of a cold `cargo test -p gclab`.
//! A test that needs a private item is written here as a public function that panics
//! on failure, and `tests/suite/internals.rs` runs each one as a test of the same name.
//! Everything else goes straight into `tests/suite/` through the public API.

use crate::graph::dot::escape;
use crate::{GcConfig, Heap, ObjId, workloads};

/// DOT labels escape quotes and backslashes, and turn newlines into `\n` and tabs into
/// spaces (`graph::dot::escape`).
///
/// # Panics
/// When the escaping is wrong.
pub fn escape_handles_quotes_backslashes_and_newlines() {
    assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
    assert_eq!(escape("x\ny\tz"), "x\\ny z");
}

/// GCBench's two tree builders, top-down (`Populate`) and bottom-up (`MakeTree`), with
/// and without parent pointers, build complete binary trees of the asked depth: two
/// children per inner node, the parent edge exactly when asked, the reference counts
/// those edges give, and `tree_size(depth)` nodes.
///
/// # Panics
/// When a tree has another shape.
pub fn gcbench_trees_have_the_binary_tree_shape() {
    let mut heap: Heap<()> = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("the default configuration is valid");
    for pp in [false, true] {
        let bottom_up = workloads::make_tree(&mut heap, 3, pp);
        let top_down = heap.alloc(());
        workloads::populate(&mut heap, 3, top_down, pp);
        for root in [bottom_up, top_down] {
            let mut count = 0;
            let mut work: Vec<(ObjId, Option<ObjId>, u32)> = vec![(root, None, 3)];
            while let Some((node, parent, depth)) = work.pop() {
                count += 1;
                let edges = heap.edges(node).unwrap().to_vec();
                if let Some(parent) = parent {
                    assert_eq!(edges.contains(&parent), pp, "parent edge of {node}");
                }
                let children: Vec<ObjId> = edges
                    .iter()
                    .copied()
                    .filter(|&c| Some(c) != parent)
                    .collect();
                assert_eq!(children.len(), if depth == 0 { 0 } else { 2 });
                for c in children {
                    // Its parent's edge, plus its own children's parent edges.
                    let from_children = if pp && depth > 1 { 2 } else { 0 };
                    assert_eq!(heap.refcount(c).unwrap(), 1 + from_children);
                    work.push((c, Some(node), depth - 1));
                }
            }
            assert_eq!(count, workloads::tree_size(3));
        }
        heap.decref(bottom_up).unwrap();
        heap.decref(top_down).unwrap();
        heap.collect_full();
        assert!(heap.is_empty());
    }
}
