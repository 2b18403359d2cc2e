//! The settings text of a strategy in the `--strategy name:settings` syntax of the
//! experiment binaries, for the trace headers `testing` writes (which `gclab-replay`
//! reads): each strategy's own [`StrategyKind::settings_text`], the one the registry
//! parses back.

use crate::gc::{BaconRajanKind, GenerationalKind, IncrementalKind, StrategyKind};
use crate::{IncrementalConfig, RootTrigger};

/// Thresholds as `700,10,10`.
pub(crate) fn thresholds(thresholds: &[u32]) -> String {
    GenerationalKind::settings_text(&thresholds.to_vec())
}

/// An incremental configuration as `threshold=N,scale=K` or `threshold=N,budget=N`, then
/// `,mark-alive` when on (`enabled` is not a setting).
pub(crate) fn incremental(config: &IncrementalConfig) -> String {
    IncrementalKind::settings_text(config)
}

/// A Bacon–Rajan trigger as `adaptive`, `manual` or the number of roots.
pub(crate) fn bacon_rajan(trigger: RootTrigger) -> String {
    BaconRajanKind::settings_text(&trigger)
}
