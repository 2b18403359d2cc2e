//! The streaming parser: `gclab-snapshot/1` JSON to a [`Snapshot`], with type labels
//! interned, no intermediate JSON tree, and every error located (line and column).

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Snapshot, SnapshotError, SnapshotObject, TypeLabel};

impl Snapshot {
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
