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
    /// A slice of the `garbage` list that does not fit it (`start > end` or
    /// `end > len`).
    GarbageRangeOutOfRange {
        /// The slice's start.
        start: usize,
        /// The slice's end (exclusive).
        end: usize,
        /// How many entries `garbage` has.
        len: usize,
    },
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
            GcError::GarbageRangeOutOfRange { start, end, len } => write!(
                f,
                "garbage slice {start}..{end} is out of range for a garbage list of {len} item(s)"
            ),
        }
    }
}

impl std::error::Error for GcError {}

/// Shorthand for `Result<T, GcError>`.
pub type Result<T, E = GcError> = std::result::Result<T, E>;

/// What [`Heap::verify`](crate::Heap::verify) found wrong: the first violated invariant,
/// naming the object. Messages are lowercase (`to_string()` gives the description).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// An atomic object has edges.
    AtomicWithEdges(ObjId),
    /// An atomic object is tracked by the collector.
    AtomicTracked(ObjId),
    /// An edge targets an object that is not alive.
    EdgeToDead {
        /// The object holding the edge.
        from: ObjId,
        /// The dead target.
        to: ObjId,
    },
    /// A reference count that is not the sum of the references found.
    RefcountMismatch {
        /// The object.
        id: ObjId,
        /// Its recorded count.
        refcount: u32,
        /// Edges pointing at it, with multiplicity.
        incoming: u64,
        /// Its external count.
        external: u32,
        /// Temporary references the heap holds while user code runs on it.
        temporary: u64,
    },
    /// A live object with count 0 that no deallocation is handling.
    ZeroCountAlive(ObjId),
    /// Fewer external references than the heap itself holds (names, `garbage`).
    ExternalBelowHeld {
        /// The object.
        id: ObjId,
        /// Its external count.
        external: u32,
        /// References the heap holds.
        held: u32,
    },
    /// A held-reference entry for a dead object, or of zero.
    StaleHeldEntry(ObjId),
    /// The references the heap holds do not add up to its variables and `garbage`.
    HeldTotalMismatch {
        /// References recorded as held.
        held: u64,
        /// Variable bindings plus `garbage` entries.
        expected: u64,
    },
    /// A header flag and its side table disagree (`table` names which: finalizer, held,
    /// identity).
    FlagTableMismatch {
        /// The object.
        id: ObjId,
        /// The side table.
        table: &'static str,
    },
    /// Legacy-finalizer code without the legacy-finalizer flag.
    LegacyCodeWithoutFlag(ObjId),
    /// An object is in a collection's working set while no collection runs.
    CollectingOutsideCollection(ObjId),
    /// `garbage` lists an object that is not alive.
    GarbageListsDead(ObjId),
    /// The heap's count of assigned identities in the native range disagrees with its
    /// identity table.
    NativeClaimCount {
        /// Assigned identities in the native range, counted now.
        counted: usize,
        /// What the heap recorded.
        recorded: usize,
    },
    /// Two live objects report the same [`id()`](crate::Heap::id).
    SharedIdentity {
        /// The identity both report.
        identity: u64,
        /// One of them.
        first: ObjId,
        /// The other.
        second: ObjId,
    },
    /// The collection strategy's own check failed (its description).
    Collector(String),
    /// The weak-reference table is inconsistent (its description).
    WeakTable(String),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::AtomicWithEdges(id) => write!(f, "atomic object {id} has edges"),
            VerifyError::AtomicTracked(id) => write!(f, "atomic object {id} is tracked"),
            VerifyError::EdgeToDead { from, to } => {
                write!(f, "object {from} has an edge to dead object {to}")
            }
            VerifyError::RefcountMismatch {
                id,
                refcount,
                incoming,
                external,
                temporary,
            } => write!(
                f,
                "object {id} has refcount {refcount} but {incoming} incoming edge(s), {external} external reference(s) and {temporary} temporary one(s)"
            ),
            VerifyError::ZeroCountAlive(id) => write!(
                f,
                "object {id} is alive with refcount 0 but no deallocation is under way"
            ),
            VerifyError::ExternalBelowHeld { id, external, held } => write!(
                f,
                "object {id} has {external} external reference(s) but the heap holds {held}"
            ),
            VerifyError::StaleHeldEntry(id) => write!(f, "held-reference entry for {id} is stale"),
            VerifyError::HeldTotalMismatch { held, expected } => write!(
                f,
                "the heap holds {held} reference(s) but has {expected} variable binding(s) and garbage entries"
            ),
            VerifyError::FlagTableMismatch { id, table } => {
                write!(f, "object {id}: {table} flag and table disagree")
            }
            VerifyError::LegacyCodeWithoutFlag(id) => write!(
                f,
                "object {id} has legacy-finalizer code without the legacy flag"
            ),
            VerifyError::CollectingOutsideCollection(id) => write!(
                f,
                "object {id} is marked collecting while no collection runs"
            ),
            VerifyError::GarbageListsDead(id) => write!(f, "garbage lists dead object {id}"),
            VerifyError::NativeClaimCount { counted, recorded } => write!(
                f,
                "{counted} assigned identities are in the native range, the heap recorded {recorded}"
            ),
            VerifyError::SharedIdentity {
                identity,
                first,
                second,
            } => write!(
                f,
                "objects {first} and {second} share the identity {identity}"
            ),
            VerifyError::Collector(msg) => write!(f, "collector: {msg}"),
            VerifyError::WeakTable(msg) => write!(f, "weak-reference table: {msg}"),
        }
    }
}

impl std::error::Error for VerifyError {}
