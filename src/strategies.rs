//! The registry of collection strategies and what derives from it: a strategy chosen by
//! name on a command line (`--strategy NAME[:settings]`, [`StrategyChoice`]), generic
//! code run under a strategy chosen at run time ([`WithStrategy`], [`StrategyHeaps`]),
//! the strategies `gclab-strategies` compares and the property harness checks, and
//! `DirectReplay` (feature `testing`), a trace replayed on a heap of any strategy.
//!
//! Compiled without the `cli` feature (nothing here needs clap), so the core crate's
//! tests reach every strategy without building the experiment binaries' dependencies;
//! `gclab::experiment` re-exports all of it for the binaries.

use std::any::Any;
use std::fmt;

#[cfg(feature = "testing")]
use crate::ObjId;
use crate::{CycleCollector, GcConfig, Generational, Heap};

pub use crate::gc::FullOnly;
pub use crate::gc::StrategyKind;

/// One registered strategy, as the table lists it (derived from its [`StrategyKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyEntry {
    /// The name on a command line ([`StrategyKind::NAME`]).
    pub name: &'static str,
    /// The `--strategy` help line ([`StrategyKind::HELP`]).
    pub help: &'static str,
    /// The settings `gclab-strategies` compares by default ([`StrategyKind::COMPARED`]).
    pub compared: &'static [&'static str],
    /// The settings the property harness checks ([`StrategyKind::HARNESS`]).
    pub harness: &'static [&'static str],
}

impl StrategyEntry {
    /// The entry of `K`.
    pub const fn of<K: StrategyKind>() -> StrategyEntry {
        StrategyEntry {
            name: K::NAME,
            help: K::HELP,
            compared: K::COMPARED,
            harness: K::HARNESS,
        }
    }

    /// `name:settings` for each of `settings` (`name` alone for `""`).
    fn choices(&self, settings: &'static [&'static str]) -> Vec<StrategyChoice> {
        settings
            .iter()
            .map(|s| {
                let text = if s.is_empty() {
                    self.name.to_owned()
                } else {
                    format!("{}:{s}", self.name)
                };
                text.parse()
                    .unwrap_or_else(|e| panic!("bug: the registry's {text:?} does not parse: {e}"))
            })
            .collect()
    }
}

/// The registry: **one line per strategy**, `Variant => Kind` (its [`StrategyKind`], in
/// the strategy's folder). Everything that names strategies is derived from it:
/// [`STRATEGIES`] (the `--strategy` help and the unknown-name error),
/// [`StrategyChoice`]'s parsing, printing and [`with`](StrategyChoice::with)/
/// [`with_harness`](StrategyChoice::with_harness) dispatch,
/// [`compared_strategies`] (what `gclab-strategies` runs by default) and
/// [`harness_strategies`] (what the property harness checks).
macro_rules! strategies {
    ($($variant:ident => $kind:ty),+ $(,)?) => {
        /// The strategies, with validated settings: one variant per registry line.
        #[derive(Debug, Clone, PartialEq, Eq)]
        enum Choice {
            $(
                #[doc = concat!("[`", stringify!($kind), "`] with these settings.")]
                $variant(<$kind as StrategyKind>::Settings),
            )+
        }

        /// Every registered strategy, in the registry's order.
        pub const STRATEGIES: &[StrategyEntry] = &[$(StrategyEntry::of::<$kind>()),+];

        impl Choice {
            /// The choice `name` with `settings`, or `None` for an unknown name.
            fn parse(name: &str, settings: Option<&str>) -> Option<Result<Choice, String>> {
                $(
                    if name == <$kind as StrategyKind>::NAME {
                        return Some(<$kind as StrategyKind>::parse(settings).map(Choice::$variant));
                    }
                )+
                None
            }

            fn name(&self) -> &'static str {
                match self {
                    $(Choice::$variant(_) => <$kind as StrategyKind>::NAME,)+
                }
            }

            fn settings(&self) -> String {
                match self {
                    $(Choice::$variant(s) => <$kind as StrategyKind>::settings_text(s),)+
                }
            }
        }

        impl StrategyChoice {
            /// Runs `f` under this strategy: `f` gets a [`StrategyHeaps`] that builds heaps of
            /// the strategy's type with its settings.
            ///
            /// # Examples
            /// ```
            /// use gclab::CycleCollector;
            /// use gclab::strategies::{StrategyChoice, StrategyHeaps, WithStrategy};
            /// use gclab::workloads;
            ///
            /// /// Frees 2000 objects of dead cycles and says how many collections that took.
            /// struct DeadCycles;
            /// impl WithStrategy for DeadCycles {
            ///     type Output = usize;
            ///     fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> usize {
            ///         let mut heap = strategy.heap::<()>();
            ///         workloads::dead_cycles(&mut heap, 1000);
            ///         heap.collect_full();
            ///         assert!(heap.is_empty());
            ///         heap.counters().allocations as usize
            ///     }
            /// }
            /// for name in ["generational", "generational:100", "full-only:50"] {
            ///     let choice: StrategyChoice = name.parse().unwrap();
            ///     assert_eq!(choice.with(DeadCycles), 2000);
            /// }
            /// ```
            pub fn with<F: WithStrategy>(&self, f: F) -> F::Output {
                match &self.choice {
                    $(Choice::$variant(s) => f.run(&self.heaps::<$kind>(s)),)+
                }
            }

            /// Runs `f` under this strategy as [`with`](StrategyChoice::with) does, for code
            /// that needs the harness's bound ([`HarnessStrategy`](crate::testing::HarnessStrategy)),
            /// e.g. a [`Runner`](crate::testing::Runner) checking a trace against the model under
            /// any strategy.
            #[cfg(feature = "testing")]
            pub fn with_harness<F: WithHarnessStrategy>(&self, f: F) -> F::Output {
                match &self.choice {
                    $(Choice::$variant(s) => f.run(&self.heaps::<$kind>(s)),)+
                }
            }
        }
    };
}

strategies! {
    Generational => crate::gc::GenerationalKind,
    FullOnly => crate::gc::FullOnlyKind,
    BaconRajan => crate::gc::BaconRajanKind,
    Incremental => crate::gc::IncrementalKind,
    MarkAlive => crate::gc::MarkAliveKind,
}

/// The strategies `gclab-strategies` compares by default: every registered strategy
/// under each of its [`StrategyKind::COMPARED`] settings, in registry order.
pub fn compared_strategies() -> Vec<StrategyChoice> {
    STRATEGIES
        .iter()
        .flat_map(|e| e.choices(e.compared))
        .collect()
}

/// The strategies the property harness checks: every registered strategy under each of
/// its [`StrategyKind::HARNESS`] settings, in registry order.
pub fn harness_strategies() -> Vec<StrategyChoice> {
    STRATEGIES
        .iter()
        .flat_map(|e| e.choices(e.harness))
        .collect()
}

/// The `--strategy` help text: one line per strategy, `name: what it is and its
/// settings`.
pub fn strategies_help() -> String {
    STRATEGIES
        .iter()
        .map(|e| format!("  {}: {}", e.name, e.help))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A collection strategy and its settings, chosen on a command line as `name[:settings]`
/// (see [`STRATEGIES`]): `generational`, `generational:700`, `generational:700,10,10`,
/// `full-only`, `full-only:10000`, `bacon-rajan`, `bacon-rajan:1000`,
/// `bacon-rajan:manual`, `incremental`, `incremental:budget=5000,mark-alive`,
/// `mark-alive`, `mark-alive:700`. Parsed and validated once ([`FromStr`](std::str::FromStr)
/// or [`parse_strategy`]); [`StrategyChoice::with`] then runs generic code under the
/// strategy. Its [`Display`](fmt::Display) is the canonical `name:settings`, which parses
/// back to the same choice.
///
/// Adding a strategy is one line of the registry (`strategies!` in this module's
/// source) naming its [`StrategyKind`]: parsing, printing, [`StrategyChoice::with`],
/// [`STRATEGIES`], [`compared_strategies`] and [`harness_strategies`] follow from it.
///
/// # Examples
/// ```
/// use gclab::strategies::StrategyChoice;
///
/// let s: StrategyChoice = "generational:700".parse().unwrap();
/// assert_eq!(s.to_string(), "generational:700,10,10");
/// assert_eq!((s.name(), s.settings().as_str()), ("generational", "700,10,10"));
/// assert_eq!("full-only".parse::<StrategyChoice>().unwrap().to_string(), "full-only:2000");
/// let err = "bacon".parse::<StrategyChoice>().unwrap_err().to_string();
/// assert!(err.contains("unknown strategy \"bacon\"") && err.contains("full-only"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyChoice {
    choice: Choice,
}

/// A `--strategy` value that names no strategy, or whose settings are wrong; the message
/// lists the valid names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyError(pub String);

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StrategyError {}

impl std::str::FromStr for StrategyChoice {
    type Err = StrategyError;

    fn from_str(s: &str) -> std::result::Result<StrategyChoice, StrategyError> {
        let s = s.trim();
        let (name, settings) = match s.split_once(':') {
            Some((n, rest)) => (n.trim(), Some(rest.trim())),
            None => (s, None),
        };
        let choice = match Choice::parse(name, settings) {
            Some(Ok(choice)) => choice,
            Some(Err(why)) => return Err(StrategyError(format!("strategy {s:?}: {why}"))),
            None => {
                let names: Vec<&str> = STRATEGIES.iter().map(|e| e.name).collect();
                return Err(StrategyError(format!(
                    "unknown strategy {name:?}; the strategies are {} (with optional \
                     settings after a colon, e.g. generational:700,10,10)",
                    names.join(", ")
                )));
            }
        };
        Ok(StrategyChoice { choice })
    }
}

/// Parses a [`StrategyChoice`]; for clap's `value_parser`.
///
/// # Errors
/// The [`StrategyError`] message: the unknown name with the valid ones, or the bad
/// setting.
pub fn parse_strategy(s: &str) -> std::result::Result<StrategyChoice, String> {
    s.parse().map_err(|e: StrategyError| e.0)
}

impl fmt::Display for StrategyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name(), self.settings())
    }
}

impl Default for StrategyChoice {
    /// `generational` with CPython's thresholds (2000, 10, 10).
    fn default() -> Self {
        StrategyChoice {
            choice: Choice::Generational(GcConfig::default().thresholds),
        }
    }
}

impl StrategyChoice {
    /// The strategy's name (`generational`, `full-only`, `bacon-rajan`, `incremental`,
    /// `mark-alive`).
    pub fn name(&self) -> &'static str {
        self.choice.name()
    }

    /// The settings, as they parse back (`2000,10,10`, `10000`, `adaptive`).
    pub fn settings(&self) -> String {
        self.choice.settings()
    }

    /// Whether this is the plain `generational` strategy (whatever its thresholds): code
    /// that needs a `Heap<T>` built from a [`GcConfig`] (the harness's model) can run only
    /// then (`mark-alive` is a `Heap<T, Generational>` too, but no `GcConfig` describes
    /// it).
    pub fn is_generational(&self) -> bool {
        matches!(self.choice, Choice::Generational(_))
    }

    /// The [`GcConfig`] of a `generational` choice (automatic collection on).
    pub fn gc_config(&self) -> Option<GcConfig> {
        match &self.choice {
            Choice::Generational(t) => Some(GcConfig::with_thresholds(t.clone())),
            _ => None,
        }
    }

    /// The heaps of strategy `K` with `settings` (this choice's).
    fn heaps<K: StrategyKind>(&self, settings: &K::Settings) -> StrategyHeaps<K::Collector> {
        let settings = settings.clone();
        StrategyHeaps::new(self.clone(), move |automatic| {
            K::build(&settings, automatic)
        })
    }
}

/// Generic code run under a strategy chosen at run time ([`StrategyChoice::with`]): a
/// closure with a generic parameter, written as a trait.
pub trait WithStrategy {
    /// What the code returns.
    type Output;

    /// Runs the code with heaps of strategy `C`.
    fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> Self::Output;
}

/// Generic code run under a strategy chosen at run time that needs the harness
/// ([`StrategyChoice::with_harness`]): as [`WithStrategy`], with the strategy a
/// [`HarnessStrategy`](crate::testing::HarnessStrategy) (every strategy a
/// [`StrategyChoice`] names is one).
#[cfg(feature = "testing")]
pub trait WithHarnessStrategy {
    /// What the code returns.
    type Output;

    /// Runs the code with heaps of strategy `C`.
    fn run<C: crate::testing::HarnessStrategy>(self, strategy: &StrategyHeaps<C>) -> Self::Output;
}

/// Builds heaps of one strategy type `C` with the settings of a [`StrategyChoice`] (what
/// [`WithStrategy::run`] receives).
pub struct StrategyHeaps<C> {
    choice: StrategyChoice,
    make: Box<dyn Fn(bool) -> C>,
}

impl<C> fmt::Debug for StrategyHeaps<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrategyHeaps")
            .field("choice", &self.choice)
            .finish_non_exhaustive()
    }
}

impl<C: CycleCollector> StrategyHeaps<C> {
    fn new(choice: StrategyChoice, make: impl Fn(bool) -> C + 'static) -> Self {
        StrategyHeaps {
            choice,
            make: Box::new(make),
        }
    }

    /// The choice these heaps follow.
    pub fn choice(&self) -> &StrategyChoice {
        &self.choice
    }

    /// A new collector of the strategy with its settings, automatic collection on or off
    /// (as [`heap`](StrategyHeaps::heap) and [`quiet_heap`](StrategyHeaps::quiet_heap)
    /// build theirs): for code that builds the heap itself, e.g.
    /// `gclab::testing::Runner::with_strategy` (feature `testing`).
    pub fn collector(&self, automatic: bool) -> C {
        (self.make)(automatic)
    }

    /// An empty heap with the strategy and its settings, automatic collection on.
    pub fn heap<T>(&self) -> Heap<T, C> {
        Heap::with_collector((self.make)(true))
    }

    /// An empty heap with the strategy, automatic collection off (the generational
    /// collector disabled, `full-only` with threshold 0, `bacon-rajan` manual,
    /// `incremental` disabled): for timing a structure's
    /// explicit collection without collections while it is built.
    pub fn quiet_heap<T>(&self) -> Heap<T, C> {
        Heap::with_collector((self.make)(false))
    }
}

/// The heap as a [`Heap<T, Generational>`] when its strategy is [`Generational`]: for the
/// operations only that strategy has (generation collections, thresholds, freeze).
pub fn as_generational<T: 'static, C: CycleCollector>(
    heap: &mut Heap<T, C>,
) -> Option<&mut Heap<T, Generational>> {
    (heap as &mut dyn Any).downcast_mut::<Heap<T, Generational>>()
}

/// Replays [`Op`](crate::testing::Op)s (a trace) directly on a `Heap<u64, C>` of any
/// strategy, without the reference model: no result is checked, only applied. Targets
/// are resolved as the model resolves them (the live objects ordered by allocation
/// number, payload = allocation number), so a trace names the same objects as under
/// [`Runner`](crate::testing::Runner) while user code does not allocate.
///
/// What differs from the harness: finalizer, legacy-code and weak-callback *programs*
/// are not run (a resurrecting finalizer still binds `r<allocation number>`); the
/// generational-only ops (`collect` of one generation, thresholds, enable/disable,
/// freeze/unfreeze) apply when the heap's strategy is [`Generational`], and otherwise a
/// generation collection runs the strategy's full collection and the others are
/// skipped. Collection callbacks (`add_callback`, programs only) and panicking payloads
/// (`panic_on_drop`: a `u64` payload cannot panic) are skipped.
///
/// # Examples
/// ```
/// use gclab::strategies::{DirectReplay, FullOnly};
/// use gclab::testing::{Op, Target};
/// use gclab::Heap;
///
/// let mut heap: Heap<u64, FullOnly> = Heap::with_collector(FullOnly::new(0));
/// let mut replay = DirectReplay::default();
/// for op in [
///     Op::Alloc,
///     Op::Link { from: Target::Recent(0), to: Target::Recent(0) },
///     Op::Decref { obj: Target::Recent(0) },
///     Op::Collect { generation: 0 }, // a full collection under full-only
/// ] {
///     replay.apply(&mut heap, &op);
/// }
/// assert!(heap.is_empty());
/// assert_eq!((replay.applied(), replay.refused(), replay.skipped()), (4, 0, 0));
/// ```
#[cfg(feature = "testing")]
#[derive(Debug, Clone, Default)]
pub struct DirectReplay {
    /// Every object allocated, by allocation number.
    ids: Vec<ObjId>,
    /// The allocation numbers believed alive, ascending (pruned when the heap's length
    /// says some died).
    live: Vec<u64>,
    /// Weak references created, in order.
    weakrefs: Vec<crate::WeakRef>,
    applied: usize,
    refused: usize,
    skipped: usize,
}

#[cfg(feature = "testing")]
impl DirectReplay {
    /// Ops the heap carried out.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// Ops the heap refused with an error (e.g. a decref without a reference held, a
    /// stale id): expected in harness traces, which test errors too.
    pub fn refused(&self) -> usize {
        self.refused
    }

    /// Ops skipped: their target named nothing, or the strategy has no such operation.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    fn resolve<C: CycleCollector>(
        &mut self,
        heap: &Heap<u64, C>,
        t: crate::testing::Target,
    ) -> Option<ObjId> {
        use crate::testing::Target;
        if self.live.len() != heap.len() {
            let ids = &self.ids;
            self.live.retain(|&n| heap.contains(ids[n as usize]));
        }
        let live = self.live.len();
        let n = match t {
            Target::Live(i) if live > 0 => self.live[i as usize % live],
            Target::Recent(i) if live > 0 => self.live[live - 1 - i as usize % live],
            Target::Alloc(a) if !self.ids.is_empty() => u64::from(a) % self.ids.len() as u64,
            _ => return None,
        };
        Some(self.ids[n as usize])
    }

    fn allocated(&mut self, id: ObjId) {
        self.live.push(self.ids.len() as u64);
        self.ids.push(id);
    }

    /// Applies one op to `heap` (always the same heap for one replay).
    pub fn apply<C: CycleCollector>(&mut self, heap: &mut Heap<u64, C>, op: &crate::testing::Op) {
        match self.step(heap, op) {
            None => self.skipped += 1,
            Some(Ok(())) => self.applied += 1,
            Some(Err(_)) => self.refused += 1,
        }
    }

    fn step<C: CycleCollector>(
        &mut self,
        heap: &mut Heap<u64, C>,
        op: &crate::testing::Op,
    ) -> Option<crate::Result<()>> {
        use crate::testing::Op;
        let next = self.ids.len() as u64;
        Some(match op {
            Op::Alloc => {
                let id = heap.alloc(next);
                self.allocated(id);
                Ok(())
            }
            Op::AllocLazy => {
                let id = heap.alloc_lazy(next);
                self.allocated(id);
                Ok(())
            }
            Op::AllocAtomic => {
                let id = heap.alloc_atomic(next);
                self.allocated(id);
                Ok(())
            }
            Op::AllocImmutable { edges } => {
                let ids: Vec<ObjId> = edges
                    .iter()
                    .map(|&t| self.resolve(heap, t))
                    .collect::<Option<_>>()?;
                heap.alloc_immutable(next, &ids)
                    .map(|id| self.allocated(id))
            }
            Op::Link { from, to } => {
                let (f, t) = (self.resolve(heap, *from)?, self.resolve(heap, *to)?);
                heap.link(f, t)
            }
            Op::InsertEdge { from, index, to } => {
                let (f, t) = (self.resolve(heap, *from)?, self.resolve(heap, *to)?);
                let len = heap.edges(f).map_or(0, |e| e.len());
                heap.insert_edge(f, *index as usize % (len + 1), t)
            }
            Op::SetEdge { from, index, to } => {
                let (f, t) = (self.resolve(heap, *from)?, self.resolve(heap, *to)?);
                let len = heap.edges(f).map_or(0, |e| e.len());
                heap.set_edge(f, edge_index(*index, len), t).map(drop)
            }
            Op::RemoveEdge { from, index } => {
                let f = self.resolve(heap, *from)?;
                let len = heap.edges(f).map_or(0, |e| e.len());
                heap.remove_edge(f, edge_index(*index, len)).map(drop)
            }
            Op::Unlink { from, to } => {
                let (f, t) = (self.resolve(heap, *from)?, self.resolve(heap, *to)?);
                heap.unlink(f, t).map(drop)
            }
            Op::ClearEdges { from } => {
                let f = self.resolve(heap, *from)?;
                heap.clear_edges(f)
            }
            Op::SetPayload { obj, value } => {
                let id = self.resolve(heap, *obj)?;
                heap.payload_mut(id).map(|p| *p = *value)
            }
            Op::SetVar { name, obj } => {
                let id = self.resolve(heap, *obj)?;
                heap.set_var(format!("v{}", name % 8), id)
            }
            Op::DelVar { name } => {
                let bound: Vec<String> = heap.vars().map(|(n, _)| n.to_owned()).collect();
                let name = if bound.is_empty() {
                    format!("v{}", name % 8)
                } else {
                    bound[*name as usize % bound.len()].clone()
                };
                heap.del_var(&name).map(drop)
            }
            Op::Incref { obj } => {
                let id = self.resolve(heap, *obj)?;
                heap.incref(id)
            }
            Op::Decref { obj } => {
                let id = self.resolve(heap, *obj)?;
                heap.decref(id)
            }
            Op::Collect { generation } => match as_generational(heap) {
                Some(heap) => heap.collect(*generation as usize).map(drop),
                None => {
                    heap.collect_full();
                    Ok(())
                }
            },
            Op::CollectFull => {
                heap.collect_full();
                Ok(())
            }
            Op::SetThreshold { thresholds } => as_generational(heap)?.set_threshold(thresholds),
            Op::Enable => {
                as_generational(heap)?.enable();
                Ok(())
            }
            Op::Disable => {
                as_generational(heap)?.disable();
                Ok(())
            }
            Op::Freeze => {
                as_generational(heap)?.freeze();
                Ok(())
            }
            Op::Unfreeze => {
                as_generational(heap)?.unfreeze();
                Ok(())
            }
            Op::SetFinalizer { obj, resurrect, .. } => {
                let id = self.resolve(heap, *obj)?;
                let resurrect = *resurrect;
                heap.set_finalizer(id, move |heap, me| {
                    if resurrect {
                        if let Ok(&n) = heap.payload(me) {
                            // As the harness's resurrecting finalizer; it cannot fail
                            // on the object being finalized.
                            let _ = heap.set_var(format!("r{n}"), me);
                        }
                    }
                })
                .map(drop)
            }
            Op::ClearFinalizer { obj } => {
                let id = self.resolve(heap, *obj)?;
                heap.clear_finalizer(id).map(drop)
            }
            Op::SetLegacyFinalizer { obj, on } => {
                let id = self.resolve(heap, *obj)?;
                heap.set_legacy_finalizer(id, *on)
            }
            Op::SetLegacyCode { obj, resurrect, .. } => {
                let id = self.resolve(heap, *obj)?;
                let resurrect = *resurrect;
                heap.set_legacy_finalizer_code(id, move |heap, me| {
                    if resurrect {
                        if let Ok(&n) = heap.payload(me) {
                            let _ = heap.set_var(format!("r{n}"), me);
                        }
                    }
                })
            }
            Op::Downgrade { obj, callback, .. } => {
                let id = self.resolve(heap, *obj)?;
                let weak = if *callback {
                    heap.downgrade_with_callback(id, |_, _| {})
                } else {
                    heap.downgrade(id)
                };
                weak.map(|w| self.weakrefs.push(w))
            }
            Op::Upgrade { weak } => {
                let w = *self
                    .weakrefs
                    .get(*weak as usize % self.weakrefs.len().max(1))?;
                heap.upgrade(w);
                Ok(())
            }
            Op::ReleaseWeakref { weak } => {
                let w = *self
                    .weakrefs
                    .get(*weak as usize % self.weakrefs.len().max(1))?;
                heap.release_weakref(w).map(drop)
            }
            Op::SetSaveAll { on } => {
                heap.set_debug_saveall(*on);
                Ok(())
            }
            Op::ClearGarbage => {
                heap.clear_garbage();
                Ok(())
            }
            Op::EditGarbage { start, end, items } => {
                let ids: Vec<ObjId> = items
                    .iter()
                    .map(|&t| self.resolve(heap, t))
                    .collect::<Option<_>>()?;
                let len = heap.garbage().len();
                let (start, end) = (*start as usize % (len + 2), *end as usize % (len + 2));
                heap.splice_garbage(start..end, &ids)
            }
            Op::AddCallback { .. } | Op::PanicOnDrop { .. } => return None,
        })
    }
}

/// The raw index for an edge list of `len` edges, as the harness takes it: modulo the
/// length, or unchanged when there is no edge (so the heap refuses it).
#[cfg(feature = "testing")]
fn edge_index(index: u16, len: usize) -> usize {
    if len == 0 {
        index as usize
    } else {
        index as usize % len
    }
}
