//! The core's layering: the files below the heap never import it (issue "A collector
//! seam": no import circle among the core files). `ARCHITECTURE.md` ("Layers") explains
//! the order; this test keeps it.

use std::fs;

/// The `crate::…` modules a source file imports in its `use` declarations (doc comments
/// and doc links are not imports).
fn imports(path: &str) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut out = Vec::new();
    let mut in_use = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("//") {
            continue;
        }
        if line.starts_with("use ")
            || line.starts_with("pub use ")
            || line.starts_with("pub(crate) use ")
        {
            in_use = true;
        }
        if in_use {
            out.push(line.to_owned());
            if line.ends_with(';') {
                in_use = false;
            }
        }
    }
    out
}

fn assert_never_imports(path: &str, forbidden: &[&str]) {
    for line in imports(path) {
        for f in forbidden {
            assert!(
                !line.contains(f),
                "{path} imports `{f}` (`{line}`): it sits below that layer"
            );
        }
    }
}

#[test]
fn the_object_store_and_weak_table_import_nothing_above_them() {
    assert_never_imports("src/object.rs", &["crate::"]);
    assert_never_imports("src/error.rs", &["crate::heap", "crate::gc", "crate::weak"]);
    assert_never_imports("src/weak.rs", &["crate::heap", "crate::gc", "Heap"]);
    assert_never_imports("src/store.rs", &["crate::heap", "crate::gc", "crate::weak"]);
}

#[test]
fn the_collector_mechanism_does_not_import_the_heap() {
    for path in [
        "src/gc/cx.rs",
        "src/gc/trial.rs",
        "src/gc/collect.rs",
        "src/gc/mod.rs",
        "src/gc/mark_alive.rs",
    ] {
        assert_never_imports(path, &["crate::heap", "Heap"]);
    }
    // The context sits below trial deletion, which works on it.
    assert_never_imports("src/gc/cx.rs", &["crate::gc", "super::"]);
}

#[test]
fn the_heap_imports_only_the_seam_from_the_collector() {
    // The heap sees strategies through the trait, the context and the report types;
    // it names `Generational` only as its default type parameter. The policy files
    // (generational, gc_module, pipeline, fault and every other strategy) sit above it.
    for entry in fs::read_dir("src/heap").expect("src/heap exists") {
        let path = entry.expect("readable entry").path();
        let path = path.to_str().expect("utf-8 path").to_owned();
        let mut forbidden = vec![
            "gc::generational",
            "gc::gc_module",
            "gc::pipeline",
            "gc::fault",
        ];
        // `Heap::new` and `Heap::with_config` build the default strategy from its
        // configuration: only the construction file names `GcConfig`.
        if !path.ends_with("construct.rs") {
            forbidden.push("GcConfig");
        }
        assert_never_imports(&path, &forbidden);
    }
}
