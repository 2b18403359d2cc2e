//! The `gclab-snapshot/1` document types and the writer (serde).

use std::io;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{FORMAT, SnapshotError};

/// An object's type label: an interned string. Parsing a snapshot allocates each
/// distinct label once; cloning one is a reference-count increment.
pub type TypeLabel = Arc<str>;

/// One object of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotObject {
    /// The object's identity in the source, unique in the snapshot.
    pub id: u64,
    /// A label: the type name (JSON field `type`).
    pub type_label: TypeLabel,
    /// The true total reference count, including references from outside the snapshot.
    /// Must be between 1 and [`MAX_REFCOUNT`](crate::MAX_REFCOUNT).
    pub refcount: u64,
    /// One entry per reference to an object of the snapshot (duplicates are several
    /// references).
    pub referents: Vec<u64>,
}

/// A `gclab-snapshot/1` file in memory.
///
/// Parse with [`from_json_slice`](Snapshot::from_json_slice) /
/// [`from_json_str`](Snapshot::from_json_str) / [`from_reader`](Snapshot::from_reader)
/// (streaming, type labels interned), write with
/// [`to_json_writer`](Snapshot::to_json_writer) / [`to_json_string`](Snapshot::to_json_string).
/// Parsing checks the JSON shape only; [`validate`](Snapshot::validate) (run by every
/// import) checks the reference counts and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The format string; [`FORMAT`] for a valid snapshot.
    pub format: String,
    /// The objects, in file order.
    pub objects: Vec<SnapshotObject>,
    /// What the source's own collector found unreachable, if recorded.
    pub expected_unreachable: Option<Vec<u64>>,
    /// CPython's `gc.collect()` time on the source heap, in nanoseconds (dumper's
    /// `--time-collect`).
    pub cpython_collect_ns: Option<u64>,
    /// The number of objects CPython tracked during that timed collection.
    pub cpython_collect_objects: Option<u64>,
}

impl Snapshot {
    /// A snapshot of `objects` with the current format string and no expectations.
    pub fn new(objects: Vec<SnapshotObject>) -> Snapshot {
        Snapshot {
            format: FORMAT.to_owned(),
            objects,
            expected_unreachable: None,
            cpython_collect_ns: None,
            cpython_collect_objects: None,
        }
    }

    /// Writes the snapshot as JSON (its [`Serialize`] implementation, the only writer
    /// of the format), one object per line:
    ///
    /// ```json
    /// {"format": "gclab-snapshot/1",
    ///  "objects": [
    ///   {"id":140,"type":"list","refcount":2,"referents":[141,141]},
    ///   {"id":141,"type":"dict","refcount":2,"referents":[]}
    ///  ],
    ///  "expected_unreachable": [141]}
    /// ```
    ///
    /// # Errors
    /// [`SnapshotError::Io`] when the writer fails.
    pub fn to_json_writer(&self, writer: impl io::Write) -> Result<(), SnapshotError> {
        let mut serializer =
            serde_json::Serializer::with_formatter(writer, LineFormatter::default());
        self.serialize(&mut serializer)?;
        serializer
            .into_inner()
            .write_all(b"\n")
            .map_err(|e| SnapshotError::Io(e.to_string()))
    }

    /// The snapshot as a JSON string (the layout of [`to_json_writer`](Snapshot::to_json_writer)).
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotObject};
    /// let s = Snapshot::new(vec![SnapshotObject {
    ///     id: 7, type_label: "list".into(), refcount: 1, referents: vec![7],
    /// }]);
    /// let text = s.to_json_string();
    /// assert!(text.contains(r#"{"id":7,"type":"list","refcount":1,"referents":[7]}"#));
    /// assert_eq!(Snapshot::from_json_str(&text).unwrap(), s);
    /// ```
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::new();
        self.to_json_writer(&mut out)
            .expect("bug: serializing a snapshot into a Vec cannot fail");
        String::from_utf8(out).expect("bug: serde_json writes UTF-8")
    }

    /// `expected_unreachable`, sorted ascending and without duplicates (`None` when the
    /// file records no expectation).
    pub fn expected_sorted(&self) -> Option<Vec<u64>> {
        self.expected_unreachable.as_ref().map(|e| {
            let mut v = e.clone();
            v.sort_unstable();
            v.dedup();
            v
        })
    }
}

impl Serialize for SnapshotObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("type", &*self.type_label)?;
        map.serialize_entry("refcount", &self.refcount)?;
        map.serialize_entry("referents", &self.referents)?;
        map.end()
    }
}

impl Serialize for Snapshot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("format", &self.format)?;
        map.serialize_entry("objects", &self.objects)?;
        if let Some(e) = &self.expected_unreachable {
            map.serialize_entry("expected_unreachable", e)?;
        }
        if let Some(v) = self.cpython_collect_ns {
            map.serialize_entry("cpython_collect_ns", &v)?;
        }
        if let Some(v) = self.cpython_collect_objects {
            map.serialize_entry("cpython_collect_objects", &v)?;
        }
        map.end()
    }
}

/// The layout of [`Snapshot::to_json_writer`]: serde_json's compact output, except that
/// each top-level field and each element of an array of objects (the `objects`) starts
/// a new line. Only whitespace differs from [`serde_json::to_writer`].
#[derive(Default)]
struct LineFormatter {
    /// Open objects and arrays; 1 inside the top-level object.
    depth: usize,
    /// Whether the array open at depth 2 holds objects (then it ends on its own line).
    objects_array: bool,
}

impl serde_json::ser::Formatter for LineFormatter {
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        if self.depth == 3 {
            // An element of a top-level field's array: one per line.
            self.objects_array = true;
            writer.write_all(b"\n  ")?;
        }
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        writer.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        match (first, self.depth) {
            (true, _) => Ok(()),
            (false, 1) => writer.write_all(b",\n "),
            (false, _) => writer.write_all(b","),
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(if self.depth == 1 { b": " } else { b":" })
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        if self.depth == 2 {
            self.objects_array = false;
        }
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.depth == 1 && self.objects_array {
            self.objects_array = false;
            writer.write_all(b"\n ]")
        } else {
            writer.write_all(b"]")
        }
    }
}
