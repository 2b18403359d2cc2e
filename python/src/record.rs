//! The interpreter's heap: gclab's [`Heap`] behind a wrapper that can record every
//! mutation as a [`gclab::testing::Op`] (`gclab-py --trace FILE`).
//!
//! [`Rec`] derefs to the heap immutably only (`Deref`, no `DerefMut`): every mutating
//! method the interpreter calls is a method of `Rec` that forwards to the heap and, when
//! recording, first writes the equivalent op. A mutating call not wrapped here does not
//! compile, so the trace covers every mutation. Not recording, a mutation costs one
//! branch (`if let Some(..) = self.rec`).
//!
//! # The trace
//!
//! JSON lines in `gclab::testing`'s format, the header naming the strategy
//! (`# strategy: NAME:SETTINGS`), so that `gclab-replay FILE` replays it against the
//! reference model and `gclab-strategies --trace FILE` runs every strategy on it.
//!
//! - Objects are named by allocation number, [`Target::Alloc`]`(n)`: the trace starts at
//!   the heap's creation, so the interpreter's permanent objects (builtins, small ints,
//!   types) are its first allocations. `alloc_with(payload, edges)` is written as an
//!   `alloc` followed by one `link` per edge (the same graph; the edges' targets are held
//!   by the caller meanwhile, so an automatic collection between them finds the same
//!   garbage).
//! - The interpreter's temporaries are external references: `incref` / `decref`.
//! - The graph, not Python values: payload writes (`payload_mut`) are not recorded, nor
//!   `id()` (identity assignment changes no count).
//! - Python's `gc` functions: `collect`, `enable`, `disable`, `freeze`, `unfreeze`,
//!   `set_threshold`, `set_debug(DEBUG_SAVEALL)`; `gc.garbage` is an ordinary list
//!   object, so moving the heap's garbage into it is `link`s and a `clear_garbage`.
//! - A weak reference (`weakref.ref`, `weakref.finalize`) is a `downgrade`, with a
//!   callback when it has one; releasing one is `release_weakref` by creation index.
//!
//! # User code inside the heap
//!
//! `__del__` methods, weak-reference callbacks and the `gc.callbacks` observer are Rust
//! closures the heap calls from inside an operation (a `decref`, a collection, an
//! allocation's automatic collection). The ops such code performs are written as
//! top-level ops, in the order they happened, after the op during which they ran. The
//! finalizer, the weak-reference callback and the collection callback themselves are
//! registered with empty programs (`set_finalizer` with no program and no resurrection,
//! `downgrade` with `callback: true`, `add_callback`). So the trace is a valid program
//! for the model, and a replay of a program whose user code does not run inside the
//! heap reproduces its graph op for op: the same objects, edges, counts, collections
//! and collected sets. What a replay does not reproduce: ops of user code run later
//! than they ran (after the op that started the finalizer or callback, not inside it),
//! so a `__del__` that resurrects its object (stores `self`) is replayed as a finalizer
//! that does not, and its stores then meet a freed object (the replay reports the same
//! error the model predicts, as for any op on a dead object); a weak reference owned by
//! a `weakref.ref` object (`attach_weakref`) is replayed as one the heap holds, so its
//! callback (empty) may run where the real one was dropped with its owner.
//!
//! The trace format's indices (`set_edge`, `insert_edge`, `remove_edge` positions, weak
//! reference numbers) are 16-bit: a program past them gets a clear error at exit, not a
//! wrong trace.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use gclab::testing::{Op, Target};
use gclab::{CollectReport, CycleCollector, Generational, Heap, ObjId, Phase, Result, WeakRef};

use crate::latency::Latency;
use crate::obj::Obj;

/// A shared garbage-latency tracker (`--latency`): the wrapper and every closure the
/// heap calls hold one.
pub type SharedLatency = Rc<RefCell<Latency>>;

/// The recording side: where ops go, and the names objects and weak references have in
/// the trace.
pub struct Recorder {
    out: std::io::BufWriter<std::fs::File>,
    path: PathBuf,
    /// Allocation numbers by id (ids are versioned: a freed object's entry never matches
    /// a later object).
    alloc: HashMap<ObjId, u32>,
    next_alloc: u32,
    weak: HashMap<WeakRef, u32>,
    next_weak: u32,
    ops: u64,
    /// The first failure (I/O or an index past the format), reported by [`finish`].
    ///
    /// [`finish`]: Recorder::finish
    error: Option<String>,
}

/// A shared recorder: the wrapper and every closure the heap calls hold one.
pub type Shared = Rc<RefCell<Recorder>>;

impl Recorder {
    /// Creates `path` and writes the header: the trace's name and the strategy in the
    /// `--strategy` syntax of the experiment binaries.
    ///
    /// # Errors
    /// A sentence naming the file when it cannot be created or written.
    pub fn create(path: &Path, name: &str, strategy: &str) -> std::result::Result<Shared, String> {
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        writeln!(
            out,
            "# gclab trace: gclab-py {name}\n# strategy: {strategy}\n# recorded by gclab-py --trace: the heap's ops, objects named by allocation number"
        )
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Rc::new(RefCell::new(Recorder {
            out,
            path: path.to_owned(),
            alloc: HashMap::new(),
            next_alloc: 0,
            weak: HashMap::new(),
            next_weak: 0,
            ops: 0,
            error: None,
        })))
    }

    /// Flushes the file; returns the number of ops written.
    ///
    /// # Errors
    /// The first failure while recording (naming the file), or of the flush.
    pub fn finish(&mut self) -> std::result::Result<u64, String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        Ok(self.ops)
    }

    fn fail(&mut self, why: String) {
        if self.error.is_none() {
            self.error = Some(why);
        }
    }

    fn write(&mut self, op: &Op) {
        if self.error.is_some() {
            return;
        }
        self.ops += 1;
        let line = serde_json::to_string(op).expect("an op always serialises");
        if let Err(e) = writeln!(self.out, "{line}") {
            let why = format!("cannot write {}: {e}", self.path.display());
            self.fail(why);
        }
    }

    /// The trace's name for `id`: its allocation number.
    fn target(&mut self, id: ObjId) -> Target {
        match self.alloc.get(&id) {
            Some(&n) => Target::Alloc(n),
            None => {
                // Not an object of this heap (a stale id of another): the op fails on
                // the heap; name an allocation the trace never made, which fails alike
                // only by accident, so say so instead.
                self.fail(format!(
                    "an op named {id:?}, which the trace never allocated"
                ));
                Target::Alloc(0)
            }
        }
    }

    fn allocated(&mut self, id: ObjId, op: Op) {
        self.write(&op);
        self.alloc.insert(id, self.next_alloc);
        match self.next_alloc.checked_add(1) {
            Some(n) => self.next_alloc = n,
            None => self.fail("more than 2^32 allocations: past the trace format".into()),
        }
    }

    fn index(&mut self, index: usize) -> u16 {
        u16::try_from(index).unwrap_or_else(|_| {
            self.fail(format!(
                "an edge index {index} past the trace format's 65535 (a container that large cannot be traced)"
            ));
            0
        })
    }

    fn weak_created(&mut self, w: WeakRef) {
        self.weak.insert(w, self.next_weak);
        self.next_weak += 1;
    }

    fn weak_index(&mut self, w: WeakRef) -> Option<u16> {
        let n = *self.weak.get(&w)?;
        match u16::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.fail("more than 65536 weak references: past the trace format".into());
                None
            }
        }
    }
}

/// The interpreter's heap: gclab's heap, recording its mutations when asked (see the
/// [module documentation](self)).
pub struct Rec<'h, C: CycleCollector> {
    heap: &'h mut Heap<Obj, C>,
    rec: Option<Shared>,
    lat: Option<SharedLatency>,
}

/// A weak-reference callback as the interpreter writes it (receiving the wrapper).
pub type WeakCallback<C> = Box<dyn FnMut(&mut Rec<'_, C>, WeakRef)>;

impl<C: CycleCollector> Deref for Rec<'_, C> {
    type Target = Heap<Obj, C>;

    fn deref(&self) -> &Heap<Obj, C> {
        self.heap
    }
}

/// Writes `op` when recording: the one branch a mutation costs otherwise.
macro_rules! record {
    ($self:ident, |$r:ident| $op:expr) => {
        if let Some(rec) = &$self.rec {
            let $r = &mut *rec.borrow_mut();
            let op = $op;
            $r.write(&op);
        }
    };
}

/// When measuring garbage latency (`--latency`), runs the method again with the
/// tracker taken out (so the heap call happens on the plain path), inside the tracker's
/// `enter`/`leave`, then tells it the outcome (`|l, h, r| after`) and returns it. Not
/// measuring, this is one branch at the top of the method. Each heap operation keeps a
/// single call site, its wrapper's plain path, so the compiler inlines it there as it
/// did before the tracker.
macro_rules! measured {
    ($self:ident, $method:ident($($arg:expr),*), |$l:ident, $h:ident, $r:ident| $after:expr) => {
        // `is_some` first: `take` would write the field on the plain path too
        if let Some(lat) = $self.lat.is_some().then(|| $self.lat.take()).flatten() {
            lat.borrow_mut().enter();
            let $r = $self.$method($($arg),*);
            $self.lat = Some(Rc::clone(&lat));
            let mut $l = lat.borrow_mut();
            let $h: &Heap<Obj, C> = $self.heap;
            $after;
            $l.leave($h);
            return $r;
        }
    };
}

impl<'h, C: CycleCollector> Rec<'h, C> {
    /// Wraps `heap`, recording into `rec` when given.
    pub fn new(heap: &'h mut Heap<Obj, C>, rec: Option<Shared>) -> Rec<'h, C> {
        Rec {
            heap,
            rec,
            lat: None,
        }
    }

    /// Wraps `heap`, recording into `rec` and telling `lat` every mutation, when given.
    pub fn with_latency(
        heap: &'h mut Heap<Obj, C>,
        rec: Option<Shared>,
        lat: Option<SharedLatency>,
    ) -> Rec<'h, C> {
        Rec { heap, rec, lat }
    }

    /// The recorder, when recording.
    pub fn recorder(&self) -> Option<&Shared> {
        self.rec.as_ref()
    }

    /// The garbage-latency tracker, when measuring.
    pub fn latency(&self) -> Option<&SharedLatency> {
        self.lat.as_ref()
    }

    /// Registers the garbage-latency tracker's collection observer on the heap (not
    /// recorded: it is not the program's), when measuring.
    pub fn add_latency_observer(&mut self) {
        if let Some(lat) = &self.lat {
            let lat = Rc::clone(lat);
            self.heap.add_heap_callback(move |h, phase, report| {
                lat.borrow_mut().observe(h, phase, report)
            });
        }
    }

    /// `Heap::alloc`.
    pub fn alloc(&mut self, payload: Obj) -> ObjId {
        measured!(self, alloc(payload), |l, h, r| l.allocated(h, r, &[]));
        let id = self.heap.alloc(payload);
        if let Some(rec) = &self.rec {
            rec.borrow_mut().allocated(id, Op::Alloc);
        }
        id
    }

    /// `Heap::alloc_atomic`.
    pub fn alloc_atomic(&mut self, payload: Obj) -> ObjId {
        measured!(self, alloc_atomic(payload), |l, h, r| l.allocated(
            h,
            r,
            &[]
        ));
        let id = self.heap.alloc_atomic(payload);
        if let Some(rec) = &self.rec {
            rec.borrow_mut().allocated(id, Op::AllocAtomic);
        }
        id
    }

    /// `Heap::alloc_lazy`.
    pub fn alloc_lazy(&mut self, payload: Obj) -> ObjId {
        measured!(self, alloc_lazy(payload), |l, h, r| l.allocated(h, r, &[]));
        let id = self.heap.alloc_lazy(payload);
        if let Some(rec) = &self.rec {
            rec.borrow_mut().allocated(id, Op::AllocLazy);
        }
        id
    }

    /// `Heap::alloc_with`: recorded as an `alloc` and a `link` per edge.
    ///
    /// # Errors
    /// As `Heap::alloc_with`.
    pub fn alloc_with(&mut self, payload: Obj, edges: &[ObjId]) -> Result<ObjId> {
        measured!(
            self,
            alloc_with(payload, edges),
            |l, h, r| if let Ok(id) = r {
                l.allocated(h, id, edges)
            }
        );
        let Some(rec) = self.rec.clone() else {
            return self.heap.alloc_with(payload, edges);
        };
        // An automatic collection inside the allocation runs user code, whose ops must
        // come after this allocation's: number the object before it exists. The
        // allocation refuses dead edges before allocating anything; so does this.
        if let Some(&bad) = edges.iter().find(|&&e| !self.heap.contains(e)) {
            return self.heap.alloc_with(payload, &[bad]);
        }
        let n = {
            let mut r = rec.borrow_mut();
            r.write(&Op::Alloc);
            let n = r.next_alloc;
            r.next_alloc += 1;
            for &e in edges {
                let op = Op::Link {
                    from: Target::Alloc(n),
                    to: r.target(e),
                };
                r.write(&op);
            }
            n
        };
        let id = self.heap.alloc_with(payload, edges)?;
        rec.borrow_mut().alloc.insert(id, n);
        Ok(id)
    }

    /// `Heap::alloc_immutable` (a tuple).
    ///
    /// # Errors
    /// As `Heap::alloc_immutable`.
    pub fn alloc_immutable(&mut self, payload: Obj, edges: &[ObjId]) -> Result<ObjId> {
        measured!(
            self,
            alloc_immutable(payload, edges),
            |l, h, r| if let Ok(id) = r {
                l.allocated(h, id, edges)
            }
        );
        let Some(rec) = self.rec.clone() else {
            return self.heap.alloc_immutable(payload, edges);
        };
        if let Some(&bad) = edges.iter().find(|&&e| !self.heap.contains(e)) {
            return self.heap.alloc_immutable(payload, &[bad]);
        }
        let n = {
            let mut r = rec.borrow_mut();
            let edges = edges.iter().map(|&e| r.target(e)).collect();
            r.write(&Op::AllocImmutable { edges });
            let n = r.next_alloc;
            r.next_alloc += 1;
            n
        };
        let id = self.heap.alloc_immutable(payload, edges)?;
        rec.borrow_mut().alloc.insert(id, n);
        Ok(id)
    }

    /// `Heap::link`.
    ///
    /// # Errors
    /// As `Heap::link`.
    pub fn link(&mut self, from: ObjId, to: ObjId) -> Result<()> {
        measured!(self, link(from, to), |l, h, r| if r.is_ok() {
            l.linked(from, to)
        });
        record!(self, |r| Op::Link {
            from: r.target(from),
            to: r.target(to)
        });
        self.heap.link(from, to)
    }

    /// `Heap::insert_edge`.
    ///
    /// # Errors
    /// As `Heap::insert_edge`.
    pub fn insert_edge(&mut self, from: ObjId, index: usize, to: ObjId) -> Result<()> {
        measured!(self, insert_edge(from, index, to), |l, h, r| if r.is_ok() {
            l.inserted(from, index, to)
        });
        record!(self, |r| Op::InsertEdge {
            from: r.target(from),
            index: r.index(index),
            to: r.target(to)
        });
        self.heap.insert_edge(from, index, to)
    }

    /// `Heap::set_edge`.
    ///
    /// # Errors
    /// As `Heap::set_edge`.
    pub fn set_edge(&mut self, from: ObjId, index: usize, to: ObjId) -> Result<ObjId> {
        measured!(
            self,
            set_edge(from, index, to),
            |l, h, r| if let Ok(old) = r {
                l.replaced(h, from, index, to, old)
            }
        );
        record!(self, |r| Op::SetEdge {
            from: r.target(from),
            index: r.index(index),
            to: r.target(to)
        });
        self.heap.set_edge(from, index, to)
    }

    /// `Heap::remove_edge`.
    ///
    /// # Errors
    /// As `Heap::remove_edge`.
    pub fn remove_edge(&mut self, from: ObjId, index: usize) -> Result<ObjId> {
        measured!(
            self,
            remove_edge(from, index),
            |l, h, r| if let Ok(old) = r {
                l.removed(h, from, index, old)
            }
        );
        record!(self, |r| Op::RemoveEdge {
            from: r.target(from),
            index: r.index(index)
        });
        self.heap.remove_edge(from, index)
    }

    /// `Heap::clear_edges`.
    ///
    /// # Errors
    /// As `Heap::clear_edges`.
    pub fn clear_edges(&mut self, from: ObjId) -> Result<()> {
        measured!(self, clear_edges(from), |l, h, r| if r.is_ok() {
            l.cleared(h, from)
        });
        record!(self, |r| Op::ClearEdges {
            from: r.target(from)
        });
        self.heap.clear_edges(from)
    }

    /// `Heap::incref`.
    ///
    /// # Errors
    /// As `Heap::incref`.
    pub fn incref(&mut self, id: ObjId) -> Result<()> {
        record!(self, |r| Op::Incref { obj: r.target(id) });
        self.heap.incref(id)
    }

    /// `Heap::decref`.
    ///
    /// # Errors
    /// As `Heap::decref`.
    pub fn decref(&mut self, id: ObjId) -> Result<()> {
        measured!(self, decref(id), |l, h, r| if r.is_ok() {
            l.decremented(h, id)
        });
        record!(self, |r| Op::Decref { obj: r.target(id) });
        self.heap.decref(id)
    }

    /// `Heap::payload_mut` (not recorded: the trace carries the graph, not values).
    ///
    /// # Errors
    /// As `Heap::payload_mut`.
    pub fn payload_mut(&mut self, id: ObjId) -> Result<&mut Obj> {
        self.heap.payload_mut(id)
    }

    /// `Heap::collect_full`.
    pub fn collect_full(&mut self) -> CollectReport {
        measured!(self, collect_full(), |_l, h, _r| {});
        record!(self, |_r| Op::CollectFull);
        self.heap.collect_full()
    }

    /// `Heap::set_debug_saveall`.
    pub fn set_debug_saveall(&mut self, on: bool) {
        record!(self, |_r| Op::SetSaveAll { on });
        self.heap.set_debug_saveall(on)
    }

    /// `Heap::clear_garbage`.
    pub fn clear_garbage(&mut self) {
        let held: Vec<ObjId> = match self.lat {
            Some(_) => self.heap.garbage().to_vec(),
            None => Vec::new(),
        };
        measured!(self, clear_garbage(), |l, h, _r| for id in held {
            l.decremented(h, id)
        });
        record!(self, |_r| Op::ClearGarbage);
        self.heap.clear_garbage()
    }

    /// `Heap::set_finalizer`, recorded without a program (see the module documentation:
    /// the ops `finalizer` performs are recorded as they happen).
    ///
    /// # Errors
    /// As `Heap::set_finalizer`.
    pub fn set_finalizer(
        &mut self,
        id: ObjId,
        mut finalizer: impl FnMut(&mut Rec<'_, C>, ObjId) + 'static,
    ) -> Result<bool> {
        record!(self, |r| Op::SetFinalizer {
            obj: r.target(id),
            resurrect: false,
            program: vec![]
        });
        let (rec, lat) = (self.rec.clone(), self.lat.clone());
        self.heap.set_finalizer(id, move |heap, obj| {
            finalizer(&mut Rec::with_latency(heap, rec.clone(), lat.clone()), obj)
        })
    }

    fn wrap_weak(&self, mut callback: WeakCallback<C>) -> gclab::WeakCallback<Obj, C> {
        let (rec, lat) = (self.rec.clone(), self.lat.clone());
        Box::new(move |heap, w| callback(&mut Rec::with_latency(heap, rec.clone(), lat.clone()), w))
    }

    fn weak_made(&mut self, made: &Result<WeakRef>) {
        if let (Some(rec), Ok(w)) = (&self.rec, made) {
            rec.borrow_mut().weak_created(*w);
        }
    }

    /// `Heap::downgrade_with_callback`.
    ///
    /// # Errors
    /// As `Heap::downgrade_with_callback`.
    pub fn downgrade_with_callback(
        &mut self,
        id: ObjId,
        callback: impl FnMut(&mut Rec<'_, C>, WeakRef) + 'static,
    ) -> Result<WeakRef> {
        record!(self, |r| Op::Downgrade {
            obj: r.target(id),
            callback: true,
            program: vec![]
        });
        let callback = self.wrap_weak(Box::new(callback));
        let made = self.heap.downgrade_with_callback(id, callback);
        self.weak_made(&made);
        made
    }

    /// `Heap::attach_weakref`: recorded as a `downgrade` (the trace format has no owned
    /// weak reference; see the module documentation).
    ///
    /// # Errors
    /// As `Heap::attach_weakref`.
    pub fn attach_weakref(
        &mut self,
        owner: ObjId,
        target: ObjId,
        callback: Option<WeakCallback<C>>,
    ) -> Result<WeakRef> {
        if self.heap.contains(owner) {
            record!(self, |r| Op::Downgrade {
                obj: r.target(target),
                callback: callback.is_some(),
                program: vec![]
            });
        }
        let callback = callback.map(|c| self.wrap_weak(c));
        let made = self.heap.attach_weakref(owner, target, callback);
        self.weak_made(&made);
        made
    }

    /// `Heap::release_weakref`.
    ///
    /// # Errors
    /// As `Heap::release_weakref`.
    pub fn release_weakref(&mut self, weak: WeakRef) -> Result<bool> {
        if let Some(rec) = &self.rec {
            let mut r = rec.borrow_mut();
            if let Some(weak) = r.weak_index(weak) {
                r.write(&Op::ReleaseWeakref { weak });
            }
        }
        self.heap.release_weakref(weak)
    }

    /// `Heap::add_heap_callback`, recorded without a program.
    pub fn add_heap_callback(
        &mut self,
        mut callback: impl FnMut(&mut Rec<'_, C>, Phase, &CollectReport) + 'static,
    ) {
        record!(self, |_r| Op::AddCallback { program: vec![] });
        let (rec, lat) = (self.rec.clone(), self.lat.clone());
        self.heap.add_heap_callback(move |heap, phase, report| {
            callback(
                &mut Rec::with_latency(heap, rec.clone(), lat.clone()),
                phase,
                report,
            )
        })
    }

    /// The heap as a generational one (`gc.collect(generation)`, thresholds, freeze),
    /// recording as this wrapper does; `None` under another strategy.
    pub fn generational(&mut self) -> Option<Gen<'_>> {
        let heap = gclab::experiment::as_generational(&mut *self.heap)?;
        Some(Gen {
            heap,
            rec: self.rec.as_ref(),
        })
    }
}

/// A generational heap's `gc`-module surface, recorded (see [`Rec::generational`]).
pub struct Gen<'a> {
    heap: &'a mut Heap<Obj, Generational>,
    rec: Option<&'a Shared>,
}

impl Deref for Gen<'_> {
    type Target = Heap<Obj, Generational>;

    fn deref(&self) -> &Heap<Obj, Generational> {
        self.heap
    }
}

impl Gen<'_> {
    fn write(&self, op: Op) {
        if let Some(rec) = self.rec {
            rec.borrow_mut().write(&op);
        }
    }

    /// `Heap::collect(generation)`.
    ///
    /// # Errors
    /// As `Heap::collect`.
    pub fn collect(&mut self, generation: usize) -> Result<CollectReport> {
        if self.rec.is_some() {
            match u8::try_from(generation) {
                Ok(generation) => self.write(Op::Collect { generation }),
                Err(_) => return self.heap.collect(generation),
            }
        }
        self.heap.collect(generation)
    }

    /// `Heap::enable`.
    pub fn enable(&mut self) {
        self.write(Op::Enable);
        self.heap.enable()
    }

    /// `Heap::disable`.
    pub fn disable(&mut self) {
        self.write(Op::Disable);
        self.heap.disable()
    }

    /// `Heap::freeze`.
    pub fn freeze(&mut self) {
        self.write(Op::Freeze);
        self.heap.freeze()
    }

    /// `Heap::unfreeze`.
    pub fn unfreeze(&mut self) {
        self.write(Op::Unfreeze);
        self.heap.unfreeze()
    }

    /// `Heap::set_threshold`.
    ///
    /// # Errors
    /// As `Heap::set_threshold`.
    pub fn set_threshold(&mut self, thresholds: &[u32]) -> Result<()> {
        self.write(Op::SetThreshold {
            thresholds: thresholds.to_vec(),
        });
        self.heap.set_threshold(thresholds)
    }
}
