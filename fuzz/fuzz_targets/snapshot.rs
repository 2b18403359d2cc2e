//! Arbitrary bytes through the snapshot reader and importer: parsing never panics, and a
//! snapshot that imports gives a heap that verifies, holds every object of the file with
//! its identity and refcount, exports the same graph, and stays consistent through a full
//! collection.
#![no_main]

use std::collections::HashMap;

use gclab::Heap;
use gclab::snapshot::{Snapshot, SnapshotExt, TypeLabel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Errors are fine (and must not panic); only a snapshot that parses goes on.
    let Ok(snapshot) = Snapshot::from_json_slice(data) else {
        return;
    };
    let Ok(mut heap) = Heap::<TypeLabel>::from_snapshot(&snapshot) else {
        return;
    };
    if let Err(e) = heap.verify() {
        panic!("an imported snapshot does not verify: {e}");
    }
    assert_eq!(
        heap.len(),
        snapshot.objects.len(),
        "not every object imported"
    );
    for o in &snapshot.objects {
        let id = heap
            .find_by_identity(o.id)
            .unwrap_or_else(|| panic!("object {} is not found by its identity", o.id));
        assert_eq!(
            u64::from(heap.refcount(id).unwrap()),
            o.refcount,
            "object {}: refcount",
            o.id
        );
    }
    // Export: the same objects, counts and edges (in file order per object).
    let exported = heap.to_snapshot(|label| label.clone());
    let by_id: HashMap<u64, _> = exported.objects.iter().map(|o| (o.id, o)).collect();
    assert_eq!(
        by_id.len(),
        snapshot.objects.len(),
        "export lost or doubled objects"
    );
    for o in &snapshot.objects {
        let e = by_id[&o.id];
        assert_eq!(
            (e.refcount, &e.referents),
            (o.refcount, &o.referents),
            "object {}",
            o.id
        );
    }
    heap.collect_full();
    if let Err(e) = heap.verify() {
        panic!("the imported heap does not verify after a full collection: {e}");
    }
});
