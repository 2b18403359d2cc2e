//! Heap snapshots: the `gclab-snapshot/1` JSON format, import and export.
//!
//! A snapshot is a picture of a heap's reference graph: every object with its identity,
//! a type label, its **true total** reference count, and its references to other objects
//! of the snapshot. It is how gclab reads real CPython heaps (`tools/cpython_snapshot.py`
//! dumps one) and checks that its collector reaches CPython's verdict on them.
//!
//! ```json
//! {"format": "gclab-snapshot/1",
//!  "objects": [{"id": 140, "type": "list", "refcount": 2, "referents": [141, 141]}],
//!  "expected_unreachable": [141]}
//! ```
//!
//! - `id`: the object's identity in the source (CPython: `id(o)`), unique in the file.
//! - `type`: a label, shown in pictures and censuses.
//! - `refcount`: the true total count, including references from outside the snapshot;
//!   between 1 and [`MAX_REFCOUNT`](crate::MAX_REFCOUNT).
//! - `referents`: one entry per reference to another object of the file (duplicates are
//!   several references). Optional; missing means none.
//! - `expected_unreachable` (optional): what the source's own collector found unreachable.
//! - `cpython_collect_ns`, `cpython_collect_objects` (optional): the CPython dumper's
//!   timing of its own `gc.collect()` (`--time-collect`), kept in [`Snapshot`]. Other
//!   unknown fields, top-level or per object, are ignored.
//!
//! # Import
//!
//! [`SnapshotExt::from_snapshot`] validates the whole file first (format string, unique
//! ids, counts in range, every referent present, no negative external count) and only
//! then builds the heap, so nothing is ever half-imported. Each object's external
//! references are `refcount − references from inside the snapshot`; they are what keeps
//! it alive from "outside" (CPython: frames, C globals, untracked objects). Imported
//! objects are ordinary containers ([`Heap::alloc`](crate::Heap::alloc)) in generation 0, with the source's
//! identities ([`Heap::id`](crate::Heap::id), [`Heap::find_by_identity`](crate::Heap::find_by_identity)). **Automatic collection is
//! disabled** on the returned heap (a collection during the import would free the
//! snapshot's garbage before anyone looked at it); call [`Heap::enable`](crate::Heap::enable) if you want it.
//!
//! The payload of an imported heap is the object's [`TypeLabel`] (an interned
//! `Arc<str>`: all objects of one type share one allocation), or anything built from
//! the [`SnapshotObject`] with [`SnapshotExt::from_snapshot_with`].
//!
//! # Export
//!
//! [`SnapshotExt::to_snapshot`] takes a snapshot of any heap;
//! [`Snapshot::to_json_writer`] writes it (serde, one object per line, so a JSON error
//! names the object's line), and every reader of this module and `tools/check_snapshot.py`
//! read it back.
//!
//! # Errors
//!
//! Malformed input never panics: [`SnapshotError`] names what is wrong and where, the
//! line and column in the JSON text (syntax, shape, invalid UTF-8 anywhere in the input,
//! ignored fields included) or the offending object's id (counts, ids, referents).
//!
//! # Examples
//!
//! A self-referencing list that nothing else references is garbage; one with a second,
//! external reference is not:
//!
//! ```
//! use gclab::Heap;
//! use gclab::snapshot::{Snapshot, SnapshotExt, TypeLabel};
//!
//! let json = r#"{"format": "gclab-snapshot/1",
//!   "objects": [{"id": 1, "type": "list", "refcount": 1, "referents": [1]},
//!               {"id": 2, "type": "list", "refcount": 2, "referents": [2]}]}"#;
//! let snapshot = Snapshot::from_json_str(json).unwrap();
//! let mut heap: Heap<TypeLabel> = Heap::from_snapshot(&snapshot).unwrap();
//! assert!(!heap.is_enabled());
//! let a = heap.find_by_identity(1).unwrap();
//! assert_eq!(heap.external_count(a).unwrap(), 0);
//! assert_eq!(&**heap.payload(a).unwrap(), "list");
//! let report = heap.collect_full();
//! assert_eq!(report.collected, 1);
//! assert_eq!(heap.find_by_identity(1), None);
//! assert!(heap.find_by_identity(2).is_some());
//! ```

mod compare;
mod error;
mod format;
mod import;
mod parser;

pub use compare::{
    CollectOutcome, Disagreement, collect_and_report, collect_snapshot, compare_unreachable,
};
pub use error::SnapshotError;
pub use format::{Snapshot, SnapshotObject, TypeLabel};
pub use import::SnapshotExt;

/// The value of the `format` field this module reads and writes.
pub const FORMAT: &str = "gclab-snapshot/1";
