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
//!   between 1 and [`MAX_REFCOUNT`].
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
//! objects are ordinary containers ([`Heap::alloc`]) in generation 0, with the source's
//! identities ([`Heap::id`], [`Heap::find_by_identity`]). **Automatic collection is
//! disabled** on the returned heap (a collection during the import would free the
//! snapshot's garbage before anyone looked at it); call [`Heap::enable`] if you want it.
//!
//! The payload of an imported heap is the object's [`TypeLabel`] (an interned
//! `Arc<str>`: all objects of one type share one allocation), or anything built from
//! the [`SnapshotObject`] with [`SnapshotExt::from_snapshot_with`].
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

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::{CollectReport, GcConfig, GcError, Heap, MAX_REFCOUNT, ObjId};

/// The value of the `format` field this module reads and writes.
pub const FORMAT: &str = "gclab-snapshot/1";

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
    /// Must be between 1 and [`MAX_REFCOUNT`].
    pub refcount: u64,
    /// One entry per reference to an object of the snapshot (duplicates are several
    /// references).
    pub referents: Vec<u64>,
}

/// A `gclab-snapshot/1` file in memory.
///
/// Parse with [`from_json_slice`](Snapshot::from_json_slice) /
/// [`from_json_str`](Snapshot::from_json_str) (streaming, type labels interned), write with
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

/// Why a snapshot could not be read or imported. Messages are lowercase and name the
/// offending object (by its snapshot id) or the position in the JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The text is not valid JSON, or not of the snapshot's shape (a missing field, a
    /// string where a number belongs, a negative count).
    Json {
        /// 1-based line of the error (0 at end of input).
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// Reading the input failed.
    Io(String),
    /// The `format` field is not [`FORMAT`].
    WrongFormat(String),
    /// Two objects have the same id.
    DuplicateId(u64),
    /// An object refers to an id that is not in the snapshot.
    MissingReferent {
        /// The referring object.
        id: u64,
        /// The id it refers to.
        referent: u64,
    },
    /// An object's refcount is 0: it would already have been freed.
    ZeroRefcount(u64),
    /// An object's refcount exceeds [`MAX_REFCOUNT`].
    RefcountTooLarge {
        /// The object.
        id: u64,
        /// Its refcount.
        refcount: u64,
    },
    /// More references to an object come from inside the snapshot than its refcount
    /// allows: its external count would be negative.
    NegativeExternal {
        /// The object.
        id: u64,
        /// Its refcount.
        refcount: u64,
        /// References to it from objects of the snapshot.
        internal: u64,
    },
    /// `expected_unreachable` lists an id that is not in the snapshot.
    UnknownExpected(u64),
    /// The heap refused an operation while building (a bug: validation should have
    /// caught it).
    Heap(GcError),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Json {
                line,
                column,
                message,
            } => write!(
                f,
                "invalid snapshot at line {line}, column {column}: {message}"
            ),
            SnapshotError::Io(msg) => write!(f, "cannot read snapshot: {msg}"),
            SnapshotError::WrongFormat(found) => {
                write!(f, "format is {found:?}, expected {FORMAT:?}")
            }
            SnapshotError::DuplicateId(id) => {
                write!(f, "object {id} appears more than once in the snapshot")
            }
            SnapshotError::MissingReferent { id, referent } => write!(
                f,
                "object {id} refers to object {referent}, which is not in the snapshot"
            ),
            SnapshotError::ZeroRefcount(id) => write!(
                f,
                "object {id} has refcount 0 (a live object has at least 1)"
            ),
            SnapshotError::RefcountTooLarge { id, refcount } => write!(
                f,
                "object {id} has refcount {refcount}, above the maximum {MAX_REFCOUNT}"
            ),
            SnapshotError::NegativeExternal {
                id,
                refcount,
                internal,
            } => write!(
                f,
                "object {id} has refcount {refcount} but {internal} references from inside \
                 the snapshot (negative external count)"
            ),
            SnapshotError::UnknownExpected(id) => write!(
                f,
                "expected_unreachable lists object {id}, which is not in the snapshot"
            ),
            SnapshotError::Heap(e) => write!(f, "heap refused the import: {e}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl From<serde_json::Error> for SnapshotError {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            return SnapshotError::Io(e.to_string());
        }
        // serde_json's Display appends " at line L column C"; keep the bare message.
        let text = e.to_string();
        let message = match text.rfind(" at line ") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        SnapshotError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// Where the input stops being UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Utf8Problem {
    /// 1-based line of the first byte that is not part of a valid character.
    line: usize,
    /// 1-based column (in bytes) of that byte.
    column: usize,
    /// The byte, or `None` when the input ends inside a multi-byte character.
    byte: Option<u8>,
}

impl Utf8Problem {
    /// The problem `error` describes in `bytes`.
    fn in_slice(bytes: &[u8], error: &std::str::Utf8Error) -> Utf8Problem {
        let at = error.valid_up_to();
        let before = &bytes[..at];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Utf8Problem {
            line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
            column: at - line_start + 1,
            byte: error.error_len().map(|_| bytes[at]),
        }
    }
}

impl From<Utf8Problem> for SnapshotError {
    fn from(p: Utf8Problem) -> Self {
        SnapshotError::Json {
            line: p.line,
            column: p.column,
            message: match p.byte {
                Some(b) => format!("invalid UTF-8: byte 0x{b:02x} does not belong here"),
                None => "invalid UTF-8: the input ends inside a multi-byte character".to_owned(),
            },
        }
    }
}

/// A reader that passes on only valid UTF-8: it reads the input in chunks, checks each
/// (a character split between two chunks is carried over), hands out the valid bytes,
/// and fails with an I/O error once the next byte is the first invalid one, recording
/// where that is in [`problem`](Utf8Reader::problem). Everything before the bad byte is
/// delivered first, so a JSON error earlier in the text is still reported as such.
struct Utf8Reader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// `buf[start..valid]` is checked and not yet handed out; `buf[valid..end]` is an
    /// incomplete character waiting for the next chunk (or, after `problem` is set, the
    /// bad bytes).
    start: usize,
    valid: usize,
    end: usize,
    eof: bool,
    /// The line (1-based) of `buf[valid]`, and the stream offset where that line starts.
    line: usize,
    line_start: u64,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Set when the checked bytes end at an invalid one.
    problem: Option<Utf8Problem>,
}

impl<R: io::Read> Utf8Reader<R> {
    const CHUNK: usize = 64 * 1024;

    fn new(inner: R) -> Self {
        Utf8Reader {
            inner,
            buf: vec![0; Self::CHUNK].into_boxed_slice(),
            start: 0,
            valid: 0,
            end: 0,
            eof: false,
            line: 1,
            line_start: 0,
            offset: 0,
            problem: None,
        }
    }

    /// Reads the next chunk after the carried-over bytes and checks it. Returns with
    /// `start < valid`, or `problem` set, or at the end of the input.
    fn refill(&mut self) -> io::Result<()> {
        while self.start == self.valid && self.problem.is_none() && !self.eof {
            // Keep the incomplete character (at most 3 bytes) at the front.
            let carried = self.end - self.valid;
            self.buf.copy_within(self.valid..self.end, 0);
            self.offset += self.valid as u64;
            self.start = 0;
            self.valid = 0;
            self.end = carried;
            match self.inner.read(&mut self.buf[carried..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let chunk = &self.buf[..self.end];
            let (valid, bad) = match std::str::from_utf8(chunk) {
                Ok(_) => (chunk.len(), None),
                // A character cut by the end of the chunk: wait for the rest.
                Err(e) if e.error_len().is_none() && !self.eof => (e.valid_up_to(), None),
                Err(e) => (
                    e.valid_up_to(),
                    Some(e.error_len().map(|_| chunk[e.valid_up_to()])),
                ),
            };
            for (i, &b) in chunk[..valid].iter().enumerate() {
                if b == b'\n' {
                    self.line += 1;
                    self.line_start = self.offset + i as u64 + 1;
                }
            }
            self.valid = valid;
            if let Some(byte) = bad {
                let at = self.offset + valid as u64;
                self.problem = Some(Utf8Problem {
                    line: self.line,
                    column: usize::try_from(at - self.line_start + 1).unwrap_or(usize::MAX),
                    byte,
                });
            }
        }
        Ok(())
    }
}

impl<R: io::Read> io::Read for Utf8Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        self.refill()?;
        if self.start < self.valid {
            let n = out.len().min(self.valid - self.start);
            out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
            self.start += n;
            return Ok(n);
        }
        match self.problem {
            Some(_) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            )),
            None => Ok(0),
        }
    }
}

impl From<GcError> for SnapshotError {
    fn from(e: GcError) -> Self {
        SnapshotError::Heap(e)
    }
}

// --------------------------------------------------------------------------------------
// Snapshot: construction, JSON
// --------------------------------------------------------------------------------------

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

    /// Parses a snapshot from JSON bytes (streaming: no intermediate JSON tree; each
    /// distinct type label is allocated once). Only the JSON shape is checked here; see
    /// [`validate`](Snapshot::validate).
    ///
    /// # Errors
    /// [`SnapshotError::Json`] with the line and column of the problem.
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotError};
    /// let err = Snapshot::from_json_str("{\"format\": \"gclab-snapshot/1\",\n \"objects\": [}").unwrap_err();
    /// assert!(matches!(err, SnapshotError::Json { line: 2, .. }));
    /// ```
    pub fn from_json_slice(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        // serde_json checks the UTF-8 of the strings it reads, but skips the strings of
        // ignored fields unchecked; the text as a whole must be UTF-8 (RFC 8259).
        let Err(utf8) = std::str::from_utf8(bytes) else {
            return Ok(serde_json::from_slice(bytes)?);
        };
        let bad = Utf8Problem::in_slice(bytes, &utf8);
        // The first problem in the text wins: a syntax error before the bad byte is
        // reported as such (as the streaming reader would).
        match serde_json::from_slice::<Snapshot>(bytes) {
            Err(e) if e.line() != 0 && (e.line(), e.column()) < (bad.line, bad.column) => {
                Err(e.into())
            }
            _ => Err(bad.into()),
        }
    }

    /// Parses a snapshot from a JSON string; see [`from_json_slice`](Snapshot::from_json_slice).
    ///
    /// # Errors
    /// [`SnapshotError::Json`].
    pub fn from_json_str(text: &str) -> Result<Snapshot, SnapshotError> {
        Self::from_json_slice(text.as_bytes())
    }

    /// Parses a snapshot from a reader, streaming. The input is read in large chunks
    /// (no need to wrap it in a [`BufReader`](std::io::BufReader)) and checked to be
    /// UTF-8 as it goes.
    ///
    /// # Errors
    /// [`SnapshotError::Json`] (for invalid UTF-8 too, with the bad byte's position),
    /// [`SnapshotError::Io`].
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotError};
    /// let bytes = b"{\"format\": \"gclab-snapshot/1\", \"objects\": [],\n \"note\": \"\xff\"}";
    /// let err = Snapshot::from_reader(&bytes[..]).unwrap_err();
    /// assert!(matches!(err, SnapshotError::Json { line: 2, column: 11, .. }), "{err}");
    /// ```
    pub fn from_reader(reader: impl io::Read) -> Result<Snapshot, SnapshotError> {
        let mut checked = Utf8Reader::new(reader);
        match serde_json::from_reader(&mut checked) {
            Ok(snapshot) => Ok(snapshot),
            Err(e) => match checked.problem {
                Some(bad) if e.is_io() => Err(bad.into()),
                _ => Err(e.into()),
            },
        }
    }

    /// Writes the snapshot as JSON, one object per line.
    ///
    /// # Errors
    /// [`SnapshotError::Io`] when the writer fails.
    pub fn to_json_writer(&self, mut writer: impl io::Write) -> Result<(), SnapshotError> {
        let io_err = |e: io::Error| SnapshotError::Io(e.to_string());
        writeln!(
            writer,
            "{{\"format\": {},",
            serde_json::to_string(&self.format)?
        )
        .map_err(io_err)?;
        writer.write_all(b" \"objects\": [").map_err(io_err)?;
        for (i, o) in self.objects.iter().enumerate() {
            writer
                .write_all(if i == 0 { b"\n  " } else { b",\n  " })
                .map_err(io_err)?;
            serde_json::to_writer(&mut writer, o)?;
        }
        writer.write_all(b"\n ]").map_err(io_err)?;
        if let Some(expected) = &self.expected_unreachable {
            writer
                .write_all(b",\n \"expected_unreachable\": ")
                .map_err(io_err)?;
            serde_json::to_writer(&mut writer, expected)?;
        }
        for (name, value) in [
            ("cpython_collect_ns", self.cpython_collect_ns),
            ("cpython_collect_objects", self.cpython_collect_objects),
        ] {
            if let Some(v) = value {
                write!(writer, ",\n \"{name}\": {v}").map_err(io_err)?;
            }
        }
        writer.write_all(b"}\n").map_err(io_err)?;
        Ok(())
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
            .expect("bug: writing JSON to a Vec cannot fail");
        String::from_utf8(out).expect("bug: serde_json writes UTF-8")
    }

    /// Checks everything an import needs: the format string, unique ids, refcounts in
    /// `1..=MAX_REFCOUNT`, every referent present, no negative external count, and every
    /// `expected_unreachable` id present. Returns each object's external count, in file
    /// order.
    ///
    /// # Errors
    /// The first problem found, naming the object.
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotError};
    /// let json = r#"{"format": "gclab-snapshot/1",
    ///   "objects": [{"id": 1, "type": "list", "refcount": 1, "referents": [2, 2]},
    ///               {"id": 2, "type": "dict", "refcount": 1}]}"#;
    /// let err = Snapshot::from_json_str(json).unwrap().validate().unwrap_err();
    /// assert_eq!(err, SnapshotError::NegativeExternal { id: 2, refcount: 1, internal: 2 });
    /// ```
    pub fn validate(&self) -> Result<Vec<u64>, SnapshotError> {
        Ok(self.plan()?.external)
    }

    /// Validation, keeping what building needs: external counts and the referents
    /// resolved to file positions.
    fn plan(&self) -> Result<Plan, SnapshotError> {
        if self.format != FORMAT {
            return Err(SnapshotError::WrongFormat(self.format.clone()));
        }
        let n = self.objects.len();
        let mut index = IdIndex::with_capacity_and_hasher(n, Default::default());
        for (i, o) in self.objects.iter().enumerate() {
            if index.insert(o.id, i as u32).is_some() {
                return Err(SnapshotError::DuplicateId(o.id));
            }
            if o.refcount == 0 {
                return Err(SnapshotError::ZeroRefcount(o.id));
            }
            if o.refcount > u64::from(MAX_REFCOUNT) {
                return Err(SnapshotError::RefcountTooLarge {
                    id: o.id,
                    refcount: o.refcount,
                });
            }
        }
        let edge_count = self.objects.iter().map(|o| o.referents.len()).sum();
        let mut targets = Vec::with_capacity(edge_count);
        let mut internal = vec![0u64; n];
        for o in &self.objects {
            for &r in &o.referents {
                let &t = index.get(&r).ok_or(SnapshotError::MissingReferent {
                    id: o.id,
                    referent: r,
                })?;
                internal[t as usize] += 1;
                targets.push(t);
            }
        }
        let mut external = Vec::with_capacity(n);
        for (o, &inner) in self.objects.iter().zip(&internal) {
            match o.refcount.checked_sub(inner) {
                Some(e) => external.push(e),
                None => {
                    return Err(SnapshotError::NegativeExternal {
                        id: o.id,
                        refcount: o.refcount,
                        internal: inner,
                    });
                }
            }
        }
        if let Some(expected) = &self.expected_unreachable {
            if let Some(&id) = expected.iter().find(|id| !index.contains_key(id)) {
                return Err(SnapshotError::UnknownExpected(id));
            }
        }
        Ok(Plan {
            external,
            targets,
            index,
        })
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

/// What validation computed, used by the build.
struct Plan {
    /// External count per object, in file order.
    external: Vec<u64>,
    /// Every referent of every object, resolved to its file position, concatenated in
    /// file order.
    targets: Vec<u32>,
    /// Snapshot id → file position.
    index: IdIndex,
}

/// Snapshot id → file position.
type IdIndex = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

/// A fast hasher for `u64` ids (a folded 128-bit multiply, as in foldhash). Import
/// looks up every referent once, so SipHash's per-lookup cost dominated a 10^6-object
/// import; ids come from a file, not from an adversary on a network, so flooding
/// resistance is not needed (a hostile file can at worst make its own import slow).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        // Full-width product folded onto itself: every input bit reaches both the low
        // bits (bucket index) and the top bits (hashbrown's tag), even for 16-byte
        // aligned addresses whose low 4 bits are always zero.
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let m = u128::from(self.0 ^ x) * u128::from(K);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

// --------------------------------------------------------------------------------------
// Heap import and export
// --------------------------------------------------------------------------------------

/// Snapshot import and export for [`Heap`]: `heap.to_snapshot(...)`,
/// `Heap::from_snapshot(&snapshot)`.
pub trait SnapshotExt<T>: Sized {
    /// A snapshot of every live object of the heap: identity [`Heap::id`], the label
    /// `label` gives its payload, its total refcount, and its edges in order. External
    /// references (variables, handles held by the program, the `garbage` list) are the
    /// part of each refcount that no edge explains, as the format wants.
    ///
    /// Every object is exported alike, atomic and immutable ones included (an import
    /// makes every object an ordinary container). Objects are listed in the heap's
    /// iteration order. If identities were assigned
    /// that collide with native ones (see [`Heap::assign_identity`]), the snapshot has
    /// duplicate ids and will not import.
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::snapshot::{SnapshotExt, TypeLabel};
    /// let mut heap = Heap::new();
    /// let a = heap.alloc("list");
    /// heap.link(a, a).unwrap();
    /// let snapshot = heap.to_snapshot(|p| *p);
    /// assert_eq!(snapshot.objects[0].refcount, 2);
    /// let copy: Heap<TypeLabel> = Heap::from_snapshot(&snapshot).unwrap();
    /// let a2 = copy.find_by_identity(heap.id(a).unwrap()).unwrap();
    /// assert_eq!(copy.external_count(a2).unwrap(), 1);
    /// ```
    fn to_snapshot<L: Into<TypeLabel>>(&self, label: impl FnMut(&T) -> L) -> Snapshot;

    /// Imports a snapshot into a new heap whose payloads are the type labels (see the
    /// [module documentation](self) for the rules). Automatic collection is disabled on
    /// the returned heap.
    ///
    /// # Errors
    /// Any [`SnapshotError`] of [`Snapshot::validate`]; nothing is built then.
    fn from_snapshot(snapshot: &Snapshot) -> Result<Self, SnapshotError>
    where
        T: From<TypeLabel>,
    {
        Self::from_snapshot_with(snapshot, |o| T::from(o.type_label.clone()))
    }

    /// Imports a snapshot, making each payload from its object with `payload`.
    ///
    /// # Errors
    /// As [`from_snapshot`](SnapshotExt::from_snapshot).
    ///
    /// # Examples
    /// ```
    /// use gclab::Heap;
    /// use gclab::snapshot::{Snapshot, SnapshotExt, SnapshotObject};
    /// let s = Snapshot::new(vec![SnapshotObject {
    ///     id: 7, type_label: "list".into(), refcount: 3, referents: vec![],
    /// }]);
    /// let heap: Heap<String> = Heap::from_snapshot_with(&s, |o| o.type_label.to_string()).unwrap();
    /// let x = heap.find_by_identity(7).unwrap();
    /// assert_eq!(heap.payload(x).unwrap(), "list");
    /// assert_eq!(heap.external_count(x).unwrap(), 3);
    /// ```
    fn from_snapshot_with(
        snapshot: &Snapshot,
        payload: impl FnMut(&SnapshotObject) -> T,
    ) -> Result<Self, SnapshotError>;
}

impl<T> SnapshotExt<T> for Heap<T> {
    fn to_snapshot<L: Into<TypeLabel>>(&self, mut label: impl FnMut(&T) -> L) -> Snapshot {
        let identity = |id: ObjId| self.id(id).expect("bug: iterated id is alive");
        let objects = self
            .iter()
            .map(|(id, payload)| SnapshotObject {
                id: identity(id),
                type_label: label(payload).into(),
                refcount: u64::from(self.refcount(id).expect("bug: iterated id is alive")),
                referents: self
                    .edges(id)
                    .expect("bug: iterated id is alive")
                    .iter()
                    .map(|&t| identity(t))
                    .collect(),
            })
            .collect();
        Snapshot::new(objects)
    }

    fn from_snapshot_with(
        snapshot: &Snapshot,
        payload: impl FnMut(&SnapshotObject) -> T,
    ) -> Result<Self, SnapshotError> {
        Ok(snapshot.to_heap_with(payload)?.0)
    }
}

impl Snapshot {
    /// Imports the snapshot (as [`SnapshotExt::from_snapshot_with`]) and also returns
    /// each object's handle, in file order: `handles[i]` is `objects[i]`. Useful to go
    /// from file positions to heap objects without identity lookups.
    ///
    /// # Errors
    /// As [`Snapshot::validate`].
    ///
    /// # Examples
    /// ```
    /// use gclab::snapshot::{Snapshot, SnapshotObject};
    /// let s = Snapshot::new(vec![SnapshotObject {
    ///     id: 9, type_label: "list".into(), refcount: 1, referents: vec![9],
    /// }]);
    /// let (heap, handles) = s.to_heap_with(|o| o.type_label.clone()).unwrap();
    /// assert_eq!(heap.id(handles[0]).unwrap(), 9);
    /// ```
    pub fn to_heap_with<T>(
        &self,
        mut payload: impl FnMut(&SnapshotObject) -> T,
    ) -> Result<(Heap<T>, Vec<ObjId>), SnapshotError> {
        let plan = self.plan()?;
        build(self, &plan, &mut payload)
    }
}

/// Builds the heap of a validated snapshot.
fn build<T>(
    snapshot: &Snapshot,
    plan: &Plan,
    payload: &mut impl FnMut(&SnapshotObject) -> T,
) -> Result<(Heap<T>, Vec<ObjId>), SnapshotError> {
    // Disabled from the start: an automatic collection while edges are half linked, or
    // before external counts are final, would free live objects or the garbage itself.
    let mut heap = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })?;
    let objects = &snapshot.objects;
    heap.reserve(objects.len(), objects.len());
    // Every object starts with refcount 1, external 1: the allocation handle.
    let handles: Vec<ObjId> = objects.iter().map(|o| heap.alloc(payload(o))).collect();
    assign_identities(&mut heap, snapshot, plan, &handles)?;
    let mut targets = plan.targets.iter();
    for (o, &from) in objects.iter().zip(&handles) {
        for &t in targets.by_ref().take(o.referents.len()) {
            heap.link(from, handles[t as usize])?;
        }
    }
    // Now refcount = 1 + internal; make the external count the computed one.
    for (&h, &external) in handles.iter().zip(&plan.external) {
        if external == 0 {
            // refcount = internal ≥ 1 afterwards (validation: refcount ≥ 1), so this
            // never frees anything.
            heap.decref(h)?;
        } else {
            let extra = u32::try_from(external - 1).map_err(|_| GcError::RefcountOverflow(h))?;
            heap.incref_by(h, extra)?;
        }
    }
    Ok((heap, handles))
}

/// Gives every imported object its snapshot identity.
///
/// [`Heap::assign_identity`] refuses an identity that equals the *native* identity of
/// another live object without an assigned one (`version << 32 | slot`): a snapshot id
/// can happen to be exactly that. Such an object is given a temporary identity (one that
/// is neither a snapshot id nor anyone's identity) and gets its real one on its own
/// turn.
fn assign_identities<T>(
    heap: &mut Heap<T>,
    snapshot: &Snapshot,
    plan: &Plan,
    handles: &[ObjId],
) -> Result<(), SnapshotError> {
    let mut next_temporary = u64::MAX;
    for (o, &h) in snapshot.objects.iter().zip(handles) {
        loop {
            match heap.assign_identity(h, o.id) {
                Ok(()) => break,
                Err(GcError::DuplicateIdentity(_)) => {
                    let other = heap
                        .find_by_identity(o.id)
                        .ok_or(GcError::DuplicateIdentity(o.id))?;
                    loop {
                        let t = next_temporary;
                        next_temporary -= 1;
                        if !plan.index.contains_key(&t) && heap.find_by_identity(t).is_none() {
                            heap.assign_identity(other, t)?;
                            break;
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

// --------------------------------------------------------------------------------------
// Collecting an imported heap and comparing with the source
// --------------------------------------------------------------------------------------

/// What a full collection of an imported heap found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectOutcome {
    /// Objects in the heap before the collection.
    pub objects: usize,
    /// The collection's report (candidates examined, collected …).
    pub report: CollectReport,
    /// Identities ([`Heap::id`]) of the objects the collection freed, ascending. For an
    /// imported heap (no finalizers, no weak references) this is exactly the set trial
    /// deletion found unreachable.
    pub unreachable: Vec<u64>,
    /// Wall time of the collection alone.
    pub elapsed: Duration,
    /// Wall time of the import (validation and building), when the outcome comes from
    /// [`collect_snapshot`]; zero from [`collect_and_report`].
    pub import_elapsed: Duration,
}

/// Runs a full collection ([`Heap::collect_full`]) and reports which objects died, by
/// identity. Objects freed by the collection are its unreachable set: the collector only
/// frees what trial deletion found unreachable, and everything it found unreachable is
/// freed unless a finalizer resurrects it (imports have none).
///
/// # Examples
/// ```
/// use gclab::Heap;
/// use gclab::snapshot::{Snapshot, SnapshotExt, TypeLabel, collect_and_report};
/// let json = r#"{"format": "gclab-snapshot/1", "objects": [
///   {"id": 10, "type": "list", "refcount": 1, "referents": [11]},
///   {"id": 11, "type": "list", "refcount": 1, "referents": [10]}]}"#;
/// let mut heap: Heap<TypeLabel> = Heap::from_snapshot(&Snapshot::from_json_str(json).unwrap()).unwrap();
/// let outcome = collect_and_report(&mut heap);
/// assert_eq!(outcome.unreachable, vec![10, 11]);
/// assert_eq!(outcome.report.candidates, 2);
/// ```
pub fn collect_and_report<T>(heap: &mut Heap<T>) -> CollectOutcome {
    let before: Vec<(ObjId, u64)> = heap
        .ids()
        .map(|id| (id, heap.id(id).expect("bug: iterated id is alive")))
        .collect();
    let start = Instant::now();
    let report = heap.collect_full();
    let elapsed = start.elapsed();
    let mut unreachable: Vec<u64> = before
        .iter()
        .filter(|(id, _)| !heap.contains(*id))
        .map(|&(_, identity)| identity)
        .collect();
    unreachable.sort_unstable();
    CollectOutcome {
        objects: before.len(),
        report,
        unreachable,
        elapsed,
        import_elapsed: Duration::ZERO,
    }
}

/// Imports `snapshot` and runs one full collection over all of it; the unreachable set is
/// reported by snapshot id, ascending. This is `gclab-snapshot collect`.
///
/// # Errors
/// As [`Snapshot::validate`].
///
/// # Examples
/// ```
/// use gclab::snapshot::{Snapshot, collect_snapshot};
/// let json = r#"{"format": "gclab-snapshot/1", "objects": [
///   {"id": 10, "type": "list", "refcount": 1, "referents": [11]},
///   {"id": 11, "type": "list", "refcount": 2, "referents": [10]}]}"#;
/// let outcome = collect_snapshot(&Snapshot::from_json_str(json).unwrap()).unwrap();
/// assert!(outcome.unreachable.is_empty()); // 11 is referenced from outside
/// ```
pub fn collect_snapshot(snapshot: &Snapshot) -> Result<CollectOutcome, SnapshotError> {
    let import_start = Instant::now();
    let (mut heap, handles) = snapshot.to_heap_with(|_| ())?;
    let import_elapsed = import_start.elapsed();
    let start = Instant::now();
    let report = heap.collect_full();
    let elapsed = start.elapsed();
    let mut unreachable: Vec<u64> = handles
        .iter()
        .zip(&snapshot.objects)
        .filter(|(h, _)| !heap.contains(**h))
        .map(|(_, o)| o.id)
        .collect();
    unreachable.sort_unstable();
    Ok(CollectOutcome {
        objects: handles.len(),
        report,
        unreachable,
        elapsed,
        import_elapsed,
    })
}

/// The difference between two unreachable sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disagreement {
    /// Ids gclab found unreachable and the source did not, ascending.
    pub only_gclab: Vec<u64>,
    /// Ids the source found unreachable and gclab did not, ascending.
    pub only_expected: Vec<u64>,
}

impl Disagreement {
    /// Whether the two sets are equal.
    pub fn agrees(&self) -> bool {
        self.only_gclab.is_empty() && self.only_expected.is_empty()
    }
}

/// Compares gclab's unreachable set with the expected one (any order, duplicates
/// ignored).
///
/// # Examples
/// ```
/// use gclab::snapshot::compare_unreachable;
/// let d = compare_unreachable(&[1, 2, 3], &[3, 4, 2]);
/// assert_eq!(d.only_gclab, vec![1]);
/// assert_eq!(d.only_expected, vec![4]);
/// assert!(!d.agrees());
/// ```
pub fn compare_unreachable(gclab: &[u64], expected: &[u64]) -> Disagreement {
    let g: HashSet<u64> = gclab.iter().copied().collect();
    let e: HashSet<u64> = expected.iter().copied().collect();
    let mut only_gclab: Vec<u64> = g.difference(&e).copied().collect();
    let mut only_expected: Vec<u64> = e.difference(&g).copied().collect();
    only_gclab.sort_unstable();
    only_expected.sort_unstable();
    Disagreement {
        only_gclab,
        only_expected,
    }
}

// --------------------------------------------------------------------------------------
// serde: streaming, interning parser and a compact writer
// --------------------------------------------------------------------------------------

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

/// The distinct type labels seen so far.
type Interner = HashSet<TypeLabel>;

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum TopField {
    Format,
    Objects,
    ExpectedUnreachable,
    CpythonCollectNs,
    CpythonCollectObjects,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ObjectField {
    Id,
    Type,
    Refcount,
    Referents,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SnapshotVisitor)
    }
}

struct SnapshotVisitor;

impl<'de> Visitor<'de> for SnapshotVisitor {
    type Value = Snapshot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a gclab-snapshot/1 object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Snapshot, A::Error> {
        let mut interner = Interner::new();
        let mut format: Option<String> = None;
        let mut objects: Option<Vec<SnapshotObject>> = None;
        let mut expected: Option<Vec<u64>> = None;
        let mut collect_ns: Option<u64> = None;
        let mut collect_objects: Option<u64> = None;
        while let Some(key) = map.next_key::<TopField>()? {
            match key {
                TopField::Format => set_once(&mut format, "format", map.next_value()?)?,
                TopField::Objects => set_once(
                    &mut objects,
                    "objects",
                    map.next_value_seed(ObjectsSeed(&mut interner))?,
                )?,
                TopField::ExpectedUnreachable => set_once(
                    &mut expected,
                    "expected_unreachable",
                    map.next_value::<Vec<u64>>()?,
                )?,
                TopField::CpythonCollectNs => {
                    set_once(&mut collect_ns, "cpython_collect_ns", map.next_value()?)?
                }
                TopField::CpythonCollectObjects => set_once(
                    &mut collect_objects,
                    "cpython_collect_objects",
                    map.next_value()?,
                )?,
                TopField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Snapshot {
            format: format.ok_or_else(|| de::Error::missing_field("format"))?,
            objects: objects.ok_or_else(|| de::Error::missing_field("objects"))?,
            expected_unreachable: expected,
            cpython_collect_ns: collect_ns,
            cpython_collect_objects: collect_objects,
        })
    }
}

fn set_once<V, E: de::Error>(slot: &mut Option<V>, name: &'static str, value: V) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

/// The `objects` array, parsed element by element with a shared interner.
struct ObjectsSeed<'a>(&'a mut Interner);

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_> {
    type Value = Vec<SnapshotObject>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ObjectsSeed<'_> {
    type Value = Vec<SnapshotObject>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of snapshot objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut objects = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(o) = seq.next_element_seed(ObjectSeed(&mut *self.0))? {
            objects.push(o);
        }
        Ok(objects)
    }
}

/// One object; its type label is interned.
struct ObjectSeed<'a>(&'a mut Interner);

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = SnapshotObject;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = SnapshotObject;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a snapshot object {id, type, refcount, referents}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id: Option<u64> = None;
        let mut label: Option<TypeLabel> = None;
        let mut refcount: Option<u64> = None;
        let mut referents: Option<Vec<u64>> = None;
        while let Some(key) = map.next_key::<ObjectField>()? {
            match key {
                ObjectField::Id => set_once(&mut id, "id", map.next_value()?)?,
                ObjectField::Type => set_once(
                    &mut label,
                    "type",
                    map.next_value_seed(LabelSeed(&mut *self.0))?,
                )?,
                ObjectField::Refcount => set_once(&mut refcount, "refcount", map.next_value()?)?,
                ObjectField::Referents => set_once(&mut referents, "referents", map.next_value()?)?,
                ObjectField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(SnapshotObject {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            type_label: label.ok_or_else(|| de::Error::missing_field("type"))?,
            refcount: refcount.ok_or_else(|| de::Error::missing_field("refcount"))?,
            referents: referents.unwrap_or_default(),
        })
    }
}

/// A type label: looked up in the interner, allocated only when new.
struct LabelSeed<'a>(&'a mut Interner);

impl<'de> DeserializeSeed<'de> for LabelSeed<'_> {
    type Value = TypeLabel;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for LabelSeed<'_> {
    type Value = TypeLabel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a type label string")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<TypeLabel, E> {
        if let Some(label) = self.0.get(s) {
            return Ok(label.clone());
        }
        let label: TypeLabel = Arc::from(s);
        self.0.insert(label.clone());
        Ok(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_interned_while_parsing() {
        let json = r#"{"format": "gclab-snapshot/1", "objects": [
            {"id": 1, "type": "list", "refcount": 1},
            {"id": 2, "type": "list", "refcount": 1},
            {"id": 3, "type": "dict", "refcount": 1}]}"#;
        let s = Snapshot::from_json_str(json).unwrap();
        assert!(Arc::ptr_eq(
            &s.objects[0].type_label,
            &s.objects[1].type_label
        ));
        assert!(!Arc::ptr_eq(
            &s.objects[0].type_label,
            &s.objects[2].type_label
        ));
    }

    #[test]
    fn native_identity_collisions_are_resolved() {
        // Ids 2 and 1 are the native identities of the 2nd and 1st allocated objects.
        let json = r#"{"format": "gclab-snapshot/1", "objects": [
            {"id": 2, "type": "a", "refcount": 1, "referents": [1]},
            {"id": 1, "type": "b", "refcount": 2, "referents": [2]}]}"#;
        let s = Snapshot::from_json_str(json).unwrap();
        let heap: Heap<TypeLabel> = Heap::from_snapshot(&s).unwrap();
        let a = heap.find_by_identity(2).unwrap();
        let b = heap.find_by_identity(1).unwrap();
        assert_eq!(&**heap.payload(a).unwrap(), "a");
        assert_eq!(&**heap.payload(b).unwrap(), "b");
        assert_eq!(heap.id(a).unwrap(), 2);
        assert_eq!(heap.external_count(b).unwrap(), 1);
    }
}
