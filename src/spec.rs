//! The settings text of a strategy in the `--strategy name:settings` syntax of the
//! experiment binaries, shared by `experiment::StrategyChoice` (which parses it back) and
//! the trace headers `testing` writes (which `gclab-replay` reads).

use crate::gc::Budget;
use crate::{IncrementalConfig, RootTrigger};

/// Thresholds as `700,10,10`.
pub(crate) fn thresholds(thresholds: &[u32]) -> String {
    thresholds
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// An incremental configuration as `threshold=N,scale=K` or `threshold=N,budget=N`, then
/// `,mark-alive` when on (`enabled` is not a setting).
pub(crate) fn incremental(config: &IncrementalConfig) -> String {
    let mut s = format!("threshold={}", config.threshold);
    match config.budget {
        Budget::Cpython { scale_factor } => s.push_str(&format!(",scale={scale_factor}")),
        Budget::Fixed(n) => s.push_str(&format!(",budget={n}")),
    }
    if config.mark_alive {
        s.push_str(",mark-alive");
    }
    s
}

/// A Bacon–Rajan trigger as `adaptive`, `manual` or the number of roots.
pub(crate) fn bacon_rajan(trigger: RootTrigger) -> String {
    match trigger {
        RootTrigger::Adaptive => "adaptive".to_owned(),
        RootTrigger::Manual => "manual".to_owned(),
        RootTrigger::Fixed(n) => n.to_string(),
    }
}
