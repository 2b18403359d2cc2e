//! [`SnapshotError`]: why a snapshot could not be read or imported.

use std::fmt;

use super::FORMAT;
use crate::{GcError, MAX_REFCOUNT};

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
    /// An object's refcount exceeds [`MAX_REFCOUNT`](crate::MAX_REFCOUNT).
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

impl From<GcError> for SnapshotError {
    fn from(e: GcError) -> Self {
        SnapshotError::Heap(e)
    }
}
