//! The strategies under test: what the harness needs from a collection strategy
//! ([`HarnessStrategy`]), the policy rules the model holds it to ([`Policy`]), and a
//! reference strategy with no policy of its own ([`FullOnly`]).

use super::payload::Payload;
pub use crate::gc::FullOnly;
use crate::gc::{BaconRajanKind, GenerationalKind, IncrementalKind, StrategyKind};
use crate::{CycleCollector, Generational, Heap};

/// The policy rules the model checks a strategy against, besides the rules that hold
/// for every strategy (safety after every op, exact counts and immediate reclamation,
/// PEP 442, each collection frees exactly what trial deletion over its examined set
/// predicts, a full collection examines every object on a garbage cycle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// CPython 3.13's generational policy ([`Generational`]): an automatic collection
    /// runs only when enabled with threshold 0 above zero, and always once the
    /// allocation surplus passes threshold 0; `collect(g)` collects generation `g`,
    /// `collect_full` the oldest; `freeze` and `unfreeze` move every tracked object;
    /// frozen objects are never examined; the settings read back as set.
    Generational {
        /// Number of generations.
        generations: usize,
        /// Thresholds, one per generation.
        thresholds: Vec<u32>,
        /// Whether automatic collection is enabled.
        enabled: bool,
    },
    /// Any other strategy: automatic collections may run after any allocation of a
    /// container (never while one runs), and examine what the strategy notes;
    /// `collect_full` examines every tracked object. The generational-only ops
    /// (`collect(g)`, thresholds, enable and disable, freeze and unfreeze) do not
    /// exist and are skipped, on the heap and in the model alike.
    Free,
}

/// A strategy the harness can check: any [`CycleCollector`], plus, for a strategy that
/// also offers the generational surface of the Python `gc` module (`collect(g)`,
/// thresholds, `freeze`…), access to it.
///
/// For a strategy of your own, the empty implementation is all it takes
/// (`impl HarnessStrategy for MyStrategy {}`): its policy is then [`Policy::Free`].
/// The one contract the harness relies on is the seam's: every collection notes the
/// objects it examines with [`Heap::note_examined`], once, in an order whose
/// restriction to the unreachable objects is the order in which it hands them to
/// [`Heap::collect_unreachable`] (what [`find_unreachable`](crate::gc::trial::find_unreachable) over the noted set gives:
/// the unreachable objects in examined order, CPython's `move_unreachable` order). A
/// strategy that finds its unreachable set by its own passes makes sure of it:
/// [`BaconRajan`](crate::BaconRajan) notes its gray set in `MarkGray` order, whose white
/// members come in `CollectWhite` order (both passes walk the same depth-first order, and
/// no white object is reached through a black one). The model predicts finalizer and
/// callback order from it, so a strategy that breaks the contract fails on the first
/// collection with finalizers or callbacks on two of its garbage objects.
///
/// # Examples
/// ```
/// use gclab::testing::{FullOnly, HarnessStrategy, Policy, Runner};
/// let runner = Runner::with_strategy(FullOnly::default());
/// assert_eq!(runner.model().policy(), Policy::Free);
/// ```
pub trait HarnessStrategy: CycleCollector {
    /// The heap as a generational heap, when the strategy is [`Generational`]: the
    /// harness then checks the generational policy and runs the generational-only ops.
    /// `None` by default.
    fn as_generational(heap: &mut Heap<Payload, Self>) -> Option<&mut Heap<Payload, Generational>> {
        let _ = heap;
        None
    }

    /// The heap as a generational heap, read-only (see
    /// [`as_generational`](HarnessStrategy::as_generational)).
    fn as_generational_ref(heap: &Heap<Payload, Self>) -> Option<&Heap<Payload, Generational>> {
        let _ = heap;
        None
    }

    /// The policy rules for a heap with this strategy, as it is now.
    fn policy(heap: &Heap<Payload, Self>) -> Policy {
        match Self::as_generational_ref(heap) {
            Some(h) => Policy::Generational {
                generations: h.generations(),
                thresholds: h.get_threshold(),
                enabled: h.is_enabled(),
            },
            None => Policy::Free,
        }
    }

    /// How a trace header names this strategy, as the heap has it now (freshly built):
    /// the `--strategy` text of the experiment binaries (`name:settings`, e.g.
    /// `incremental:threshold=6,scale=10,mark-alive`, which `gclab-replay` parses back to
    /// the same strategy and settings) and whether automatic collection is on. `None`
    /// (the default) for a strategy that no such text describes, e.g. a strategy of
    /// one's own: its trace header gives its type name, and `gclab-replay` asks for
    /// `--strategy`.
    fn spec(heap: &Heap<Payload, Self>) -> Option<(String, bool)> {
        let _ = heap;
        None
    }
}

impl HarnessStrategy for Generational {
    /// `generational:T` or `mark-alive:T` with the thresholds `T`, for two or more
    /// generations (one threshold in that text means three generations, so a
    /// one-generation heap has no spec: its trace's `config:` line describes it).
    fn spec(heap: &Heap<Payload, Self>) -> Option<(String, bool)> {
        let thresholds = heap.get_threshold();
        let name = if heap.collector().mark_alive() {
            "mark-alive"
        } else {
            "generational"
        };
        (thresholds.len() > 1).then(|| {
            let spec = format!("{name}:{}", GenerationalKind::settings_text(&thresholds));
            (spec, heap.is_enabled())
        })
    }

    fn as_generational(heap: &mut Heap<Payload, Self>) -> Option<&mut Heap<Payload, Generational>> {
        Some(heap)
    }

    fn as_generational_ref(heap: &Heap<Payload, Self>) -> Option<&Heap<Payload, Generational>> {
        Some(heap)
    }
}

/// The reference strategy (threshold 0: it collects only when asked).
impl HarnessStrategy for FullOnly {
    fn spec(heap: &Heap<Payload, Self>) -> Option<(String, bool)> {
        Some((format!("full-only:{}", heap.collector().threshold()), true))
    }
}

/// Bacon–Rajan's synchronous cycle collector: no generational surface.
impl HarnessStrategy for crate::BaconRajan {
    fn spec(heap: &Heap<Payload, Self>) -> Option<(String, bool)> {
        let trigger = BaconRajanKind::settings_text(&heap.collector().trigger());
        Some((format!("bacon-rajan:{trigger}"), true))
    }
}

/// CPython 3.14's incremental collector: no generational surface (its increments are
/// automatic collections; `collect_full` is `gc_collect_full`).
impl HarnessStrategy for crate::Incremental {
    fn spec(heap: &Heap<Payload, Self>) -> Option<(String, bool)> {
        let config = heap.collector().config();
        let spec = format!("incremental:{}", IncrementalKind::settings_text(&config));
        Some((spec, config.enabled))
    }
}
