//! What the harness reports: the rules it checks, and a broken one.

use std::fmt;

use crate::ObjId;

/// Which rule a [`Violation`] broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// 1. Every object the model still has is alive in the heap, with the same payload
    ///    and edges (reachable objects above all: freeing one is a use-after-free).
    Safety,
    /// 2. Refcount = incoming edges + external references, as the model counts them;
    ///    names and the `garbage` list agree; `Heap::verify` passes.
    ExactCounts,
    /// 3. Every alive object the oracle calls unreachable is reachable from a cycle of
    ///    unreachable objects: no acyclic garbage survives a release.
    ImmediateReclamation,
    /// 4. A collection freed everything it found garbage (the model predicts exactly
    ///    what: garbage in the examined set, referenced from nowhere outside it, not
    ///    saved, not kept by a legacy finalizer, not resurrected), and a full
    ///    collection examined every object on a garbage cycle (but frozen ones).
    Completeness,
    /// 5. Finalizers ran at most once and exactly when the model says; weak references
    ///    read dead exactly when their target died or a collection cleared them; their
    ///    callbacks ran once, after clearing.
    FinalizersAndWeakrefs,
    /// An op returned something else than the model predicts (a value, or the exact
    /// error of an op invalid in the current state).
    OpResult,
    /// A collection's report disagrees with what the model says it did.
    Report,
    /// Collector policy ([`Policy`](super::Policy)): a collection ran when none may
    /// (under any policy: while one runs), or, under the generational policy, did not
    /// run when the allocation surplus passed threshold 0; settings disagree with the
    /// model.
    Policy,
    /// Tracking: containers are tracked, atomic objects are not, an untracked immutable
    /// references only untracked objects, freeze and unfreeze move everything.
    Tracking,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::Safety => "rule 1 (safety)",
            Rule::ExactCounts => "rule 2 (exact counts)",
            Rule::ImmediateReclamation => "rule 3 (immediate reclamation)",
            Rule::Completeness => "rule 4 (completeness)",
            Rule::FinalizersAndWeakrefs => "rule 5 (finalizers and weak references)",
            Rule::OpResult => "op result",
            Rule::Report => "collection report",
            Rule::Policy => "collector policy",
            Rule::Tracking => "tracking",
        })
    }
}

/// A broken invariant: the rule, the object (allocation number and heap id) when one is
/// to blame, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// The object concerned: its allocation number and heap id.
    pub object: Option<(u64, ObjId)>,
    /// What was wrong.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(
        rule: Rule,
        object: Option<(u64, ObjId)>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            rule,
            object,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.object {
            Some((n, id)) => write!(f, "{}: object #{n} ({id}): {}", self.rule, self.message),
            None => write!(f, "{}: {}", self.rule, self.message),
        }
    }
}

impl std::error::Error for Violation {}
