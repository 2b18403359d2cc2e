//! Operations on a heap, and their JSON-lines trace format.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// How an [`Op`] names an object.
///
/// Random sequences stay meaningful because most targets are resolved against the
/// model's current list of live objects (ordered by allocation number), taken modulo its
/// length; they also shrink well, since smaller numbers name older (or, for
/// [`Recent`](Target::Recent), newer) objects. An op whose target cannot be resolved
/// (no live object yet) is skipped, on the heap and in the model alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The live object at this index (modulo the number of live objects), oldest first.
    Live(u16),
    /// The live object at this index counted from the newest (0 is the newest).
    Recent(u16),
    /// The object with this allocation number (modulo the number of allocations so
    /// far), alive or not: a dead one tests that stale ids are refused.
    Alloc(u32),
    /// Inside a finalizer's program, the object being finalized; inside a weak-reference
    /// callback's program, the reference's target (which is being deallocated or is
    /// garbage). Names nothing at the top level (the op is skipped).
    Me,
}

/// One mutator or collector operation.
///
/// Every op is applied to the heap and to the [`Model`](super::Model); the result the
/// heap returns (including the exact [`GcError`](crate::GcError) of an op that is
/// invalid in the current state) is compared with the model's prediction.
///
/// Objects are allocated with their allocation number as payload; resurrecting
/// finalizers bind their object to the name `r<allocation number>`; [`SetVar`]
/// uses the names `v0` to `v7`.
///
/// Finalizers and weak-reference callbacks carry a *program*: ops that run, as user
/// code, whenever the finalizer or callback runs (inside the release cascade or inside
/// a collection), against the heap and the model alike. Programs may allocate, link,
/// release, collect, register weak references and finalizers, freeze — anything but
/// change settings. Inside a program [`Target::Me`] names the object concerned.
///
/// [`SetVar`]: Op::SetVar
///
/// # Examples
/// ```
/// use gclab::testing::{Op, Target};
/// let op = Op::Link { from: Target::Recent(0), to: Target::Live(0) };
/// let line = serde_json::to_string(&op).unwrap();
/// assert_eq!(line, r#"{"link":{"from":{"recent":0},"to":{"live":0}}}"#);
/// assert_eq!(serde_json::from_str::<Op>(&line).unwrap(), op);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// `Heap::alloc`: a tracked container; the program holds one reference.
    Alloc,
    /// `Heap::alloc_lazy`: a lazily tracked container (a dict); the program holds one
    /// reference.
    AllocLazy,
    /// `Heap::alloc_atomic`: an untracked object that can hold no edges.
    AllocAtomic,
    /// `Heap::alloc_immutable` with these edges (a tuple).
    AllocImmutable {
        /// The tuple's items.
        edges: Vec<Target>,
    },
    /// `Heap::link`: append an edge.
    Link {
        /// The referrer.
        from: Target,
        /// The referent.
        to: Target,
    },
    /// `Heap::insert_edge` at `index` modulo (edge count + 1).
    InsertEdge {
        /// The referrer.
        from: Target,
        /// Position, taken modulo (edge count + 1).
        index: u16,
        /// The referent.
        to: Target,
    },
    /// `Heap::set_edge` at `index` modulo the edge count (unchanged when there is no
    /// edge, so the heap must refuse it).
    SetEdge {
        /// The referrer.
        from: Target,
        /// Position, taken modulo the edge count.
        index: u16,
        /// The new referent.
        to: Target,
    },
    /// `Heap::remove_edge` at `index` modulo the edge count (unchanged when there is no
    /// edge).
    RemoveEdge {
        /// The referrer.
        from: Target,
        /// Position, taken modulo the edge count.
        index: u16,
    },
    /// `Heap::unlink`: remove the first edge `from → to`.
    Unlink {
        /// The referrer.
        from: Target,
        /// The referent.
        to: Target,
    },
    /// `Heap::clear_edges`.
    ClearEdges {
        /// The referrer.
        from: Target,
    },
    /// `Heap::payload_mut`: overwrite the payload.
    SetPayload {
        /// The object.
        obj: Target,
        /// The new payload.
        value: u64,
    },
    /// `Heap::set_var("v<name % 8>", obj)`.
    SetVar {
        /// Which of the names `v0`..`v7`.
        name: u8,
        /// The object bound.
        obj: Target,
    },
    /// `Heap::del_var` of the bound name at index `name` (modulo the number of bound
    /// names, sorted); with no name bound, of `v<name % 8>`, which must fail.
    DelVar {
        /// Index into the bound names.
        name: u8,
    },
    /// `Heap::incref`: the program takes a reference.
    Incref {
        /// The object.
        obj: Target,
    },
    /// `Heap::decref`: the program releases a reference (an error when it holds none).
    Decref {
        /// The object.
        obj: Target,
    },
    /// `Heap::collect(generation)` (an error past the oldest generation).
    Collect {
        /// The generation collected.
        generation: u8,
    },
    /// `Heap::collect_full`.
    CollectFull,
    /// `Heap::set_threshold` (an error with no value or too many).
    SetThreshold {
        /// The new thresholds.
        thresholds: Vec<u32>,
    },
    /// `Heap::enable`.
    Enable,
    /// `Heap::disable`.
    Disable,
    /// `Heap::freeze`.
    Freeze,
    /// `Heap::unfreeze`.
    Unfreeze,
    /// `Heap::set_finalizer`: a finalizer that counts its runs, runs `program` and,
    /// when `resurrect` is set, then binds its object to the name
    /// `r<allocation number>`.
    SetFinalizer {
        /// The object.
        obj: Target,
        /// Whether the finalizer resurrects its object.
        resurrect: bool,
        /// The user code it runs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        program: Vec<Op>,
    },
    /// `Heap::clear_finalizer`.
    ClearFinalizer {
        /// The object.
        obj: Target,
    },
    /// `Heap::set_legacy_finalizer`.
    SetLegacyFinalizer {
        /// The object.
        obj: Target,
        /// Flag on or off.
        on: bool,
    },
    /// `Heap::set_legacy_finalizer_code`: legacy-finalizer code (`tp_del`) that runs
    /// `program` on every refcount death of its object and, when `resurrect` is set,
    /// then binds the object to the name `r<allocation number>`. Its object's garbage
    /// cycles are uncollectable.
    SetLegacyCode {
        /// The object.
        obj: Target,
        /// Whether the code resurrects its object.
        resurrect: bool,
        /// The user code it runs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        program: Vec<Op>,
    },
    /// `Heap::downgrade` or `Heap::downgrade_with_callback` (a callback that counts its
    /// runs, checks that it sees its reference dead, and runs `program`).
    Downgrade {
        /// The target.
        obj: Target,
        /// Whether the weak reference has a callback.
        callback: bool,
        /// The user code its callback runs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        program: Vec<Op>,
    },
    /// `Heap::upgrade` of the weak reference at this index (modulo the number created).
    Upgrade {
        /// Index of the weak reference.
        weak: u16,
    },
    /// `Heap::release_weakref` of the weak reference at this index.
    ReleaseWeakref {
        /// Index of the weak reference.
        weak: u16,
    },
    /// `Heap::set_debug_saveall`.
    SetSaveAll {
        /// On or off.
        on: bool,
    },
    /// `Heap::clear_garbage`.
    ClearGarbage,
    /// `Heap::splice_garbage`: `gc.garbage[start:end] = items`, with `start` and `end`
    /// taken modulo (length + 2), so some slices do not fit the list (an error), and
    /// the removed entries are released last first.
    EditGarbage {
        /// The slice's start, modulo (length + 2).
        start: u16,
        /// The slice's end, modulo (length + 2).
        end: u16,
        /// What replaces the slice.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        items: Vec<Target>,
    },
    /// `Heap::add_heap_callback`: a collection callback (`gc.callbacks`) that runs
    /// `program` at the start and at the stop of every collection, inside the
    /// collection's window (a collection it requests does nothing). [`Target::Me`]
    /// names nothing there.
    AddCallback {
        /// The user code it runs at each phase.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        program: Vec<Op>,
    },
    /// Makes the object's payload panic when it is dropped. The heap catches the panic
    /// where the object is freed and re-raises it once the heap is consistent: at the
    /// end of the outermost release, or of the collection that freed it (inside user
    /// code when user code started that collection). An allocation whose automatic
    /// collection re-raises gives its new reference back first.
    PanicOnDrop {
        /// The object.
        obj: Target,
    },
}

/// Why a trace could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// The file could not be read.
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A line is not a JSON-encoded [`Op`].
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Io { path, message } => write!(f, "cannot read trace {path}: {message}"),
            TraceError::Malformed { line, message } => {
                write!(f, "line {line}: not an op: {message}")
            }
        }
    }
}

impl std::error::Error for TraceError {}

/// Serialises ops as JSON lines, one op per line. `comments` become leading `# ` lines
/// (which [`parse_trace`] skips).
///
/// # Examples
/// ```
/// use gclab::testing::{Op, Target, parse_trace, trace_to_string};
/// let ops = vec![Op::Alloc, Op::Decref { obj: Target::Recent(0) }];
/// let text = trace_to_string(&ops, &["a dropped allocation"]);
/// assert_eq!(parse_trace(&text).unwrap(), ops);
/// ```
pub fn trace_to_string(ops: &[Op], comments: &[&str]) -> String {
    let mut out = String::new();
    for c in comments {
        for line in c.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    for op in ops {
        out.push_str(&serde_json::to_string(op).expect("bug: an op always serialises"));
        out.push('\n');
    }
    out
}

/// Parses a JSON-lines trace. Blank lines and lines starting with `#` are skipped.
///
/// # Errors
/// [`TraceError::Malformed`] naming the first bad line (1-based) and what was wrong.
///
/// # Examples
/// ```
/// use gclab::testing::{TraceError, parse_trace};
/// let err = parse_trace("\"alloc\"\n{\"link\":{}}\n").unwrap_err();
/// assert!(matches!(err, TraceError::Malformed { line: 2, .. }));
/// assert!(err.to_string().starts_with("line 2: "));
/// ```
pub fn parse_trace(text: &str) -> Result<Vec<Op>, TraceError> {
    let mut ops = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let op = serde_json::from_str(line).map_err(|e| {
            // serde_json counts lines within the one line it saw: keep the column only.
            let mut message = e.to_string();
            if let Some(at) = message.rfind(" at line ") {
                message.truncate(at);
            }
            TraceError::Malformed {
                line: i + 1,
                message: format!("{message} (column {})", e.column()),
            }
        })?;
        ops.push(op);
    }
    Ok(ops)
}

/// Reads and parses a trace file.
///
/// # Errors
/// [`TraceError::Io`] when the file cannot be read, [`TraceError::Malformed`] as
/// [`parse_trace`].
pub fn read_trace(path: impl AsRef<Path>) -> Result<Vec<Op>, TraceError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| TraceError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse_trace(&text)
}
