//! The crate's error type.

use std::fmt;

use crate::ObjId;

/// Everything a heap operation can refuse.
///
/// Every public entry point that takes an [`ObjId`], a name or an index returns
/// `Result<_, GcError>`; none of them panics on input a user can construct. When an
/// operation returns an error, the heap is exactly as it was before the call.
///
/// Messages are lowercase and name the offending value:
///
/// ```
/// use gclab::Heap;
/// let mut heap: Heap<()> = Heap::new();
/// let x = heap.alloc(());
/// heap.decref(x).unwrap();              // freed at once
/// let err = heap.decref(x).unwrap_err(); // x is stale now
/// assert!(err.to_string().contains("is not alive"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GcError {
    /// The id names no live object of this heap: it was freed, or it comes from
    /// another heap whose slot is free or of another version here.
    StaleId(ObjId),
    /// `decref` on an object whose external references are all held by the heap itself
    /// (names, the `garbage` list) or that has none at all.
    NoExternalRef(ObjId),
    /// An edge index past the end of an object's edge list.
    EdgeIndexOutOfRange {
        /// The object whose edges were indexed.
        id: ObjId,
        /// The index asked for.
        index: usize,
        /// How many edges the object has.
        len: usize,
    },
    /// No variable of that name is bound.
    UnknownName(String),
    /// The object is atomic (like a Python int or str) and can never hold references.
    AtomicObject(ObjId),
    /// The object was allocated immutable (like a Python tuple); its edges cannot change.
    ImmutableObject(ObjId),
    /// A generation number past the oldest generation.
    NoSuchGeneration {
        /// The generation asked for.
        generation: usize,
        /// How many generations the heap has.
        generations: usize,
    },
    /// A reference count would exceed [`MAX_REFCOUNT`](crate::MAX_REFCOUNT).
    RefcountOverflow(ObjId),
    /// A weak reference handle that this heap never issued or has already released.
    StaleWeakRef,
    /// A configuration value that cannot be used (the message says which and why).
    InvalidConfig(String),
    /// An identity that another live object already has.
    DuplicateIdentity(u64),
    /// The object is being deallocated: its count reached zero and its finalizer did not
    /// resurrect it, so it can take no new reference, edge, weak reference or finalizer
    /// (user code that kept its id, e.g. in a weak-reference callback, gets this). Its
    /// state can still be read until it is freed.
    BeingDeallocated(ObjId),
    /// A weak reference issued by another heap.
    ForeignWeakRef,
}

impl fmt::Display for GcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcError::StaleId(id) => write!(
                f,
                "object {id} is not alive in this heap (freed, or an id from another heap)"
            ),
            GcError::NoExternalRef(id) => write!(
                f,
                "object {id} has no external reference to release (decref without a matching incref)"
            ),
            GcError::EdgeIndexOutOfRange { id, index, len } => write!(
                f,
                "edge index {index} is out of range for object {id}, which has {len} edge(s)"
            ),
            GcError::UnknownName(name) => write!(f, "no variable named {name:?}"),
            GcError::AtomicObject(id) => {
                write!(f, "object {id} is atomic and cannot hold references")
            }
            GcError::ImmutableObject(id) => {
                write!(f, "object {id} is immutable; its edges cannot change")
            }
            GcError::NoSuchGeneration {
                generation,
                generations,
            } => write!(
                f,
                "generation {generation} does not exist (this heap has generations 0..={})",
                generations.saturating_sub(1)
            ),
            GcError::RefcountOverflow(id) => {
                write!(f, "reference count of object {id} would overflow")
            }
            GcError::StaleWeakRef => write!(f, "weak reference handle is not known to this heap"),
            GcError::InvalidConfig(msg) => write!(f, "invalid configuration: {msg}"),
            GcError::DuplicateIdentity(identity) => {
                write!(f, "identity {identity} is already used by a live object")
            }
            GcError::BeingDeallocated(id) => write!(
                f,
                "object {id} is being deallocated (its reference count reached zero) and takes no new reference"
            ),
            GcError::ForeignWeakRef => {
                write!(f, "weak reference was issued by another heap")
            }
        }
    }
}

impl std::error::Error for GcError {}

/// Shorthand for `Result<T, GcError>`.
pub type Result<T, E = GcError> = std::result::Result<T, E>;
