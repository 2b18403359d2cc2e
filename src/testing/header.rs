//! The header of a trace file: the `#` lines a failing property writes before the ops,
//! which say what the trace ran under, so that `gclab-replay FILE` replays it the same way.
//!
//! ```text
//! # gclab trace: incremental_mark_alive
//! # strategy: incremental:threshold=6,scale=10,mark-alive
//! # first failure: op 18 "clear_garbage": ...
//! ```
//!
//! - `gclab trace: NAME`: the property's trace name.
//! - `strategy: NAME:SETTINGS`: the strategy in the `--strategy` syntax of the experiment
//!   binaries (`gclab::experiment::StrategyChoice` parses it back to the same strategy
//!   and settings). A strategy no such text describes (a strategy of one's own) is
//!   written `strategy: unlisted TYPE`; traces written before this header existed give
//!   the type name alone (`strategy: gclab::gc::incremental::Incremental`), see
//!   [`TraceStrategy::TypeName`].
//! - `automatic collection: off`: only when the strategy was built with automatic
//!   collection off (what `gclab-replay --no-auto` gives).
//! - `config: GcConfig { generations: G, thresholds: [..], enabled: B }, fault: F`: the
//!   generational collector's configuration (every trace of a generational heap has it;
//!   [`check_config`](super::check_config) writes no `strategy:` line, as the
//!   plain generational collector is all it runs) and the injected fault, if any.

use std::path::Path;

use crate::{Fault, GcConfig, Heap};

use super::collector::HarnessStrategy;

/// What a trace header says about the strategy (the `strategy:` line of a [`TraceHeader`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceStrategy {
    /// `--strategy` text, e.g. `incremental:threshold=6,scale=10,mark-alive`.
    Spec(String),
    /// A strategy no `--strategy` text describes: its type name.
    Unlisted(String),
    /// An older header's type name (`gclab::gc::incremental::Incremental`), written
    /// before headers recorded settings. `spec` is the strategy and settings the crate's
    /// suite (`tests/suite/harness.rs`) uses for the property of the trace's name, when the
    /// name and type are one of its properties (see [`suite_spec`]).
    TypeName {
        /// The type name.
        type_name: String,
        /// The suite's settings for the property of this trace's name, if known.
        spec: Option<&'static str>,
    },
}

/// A trace file's header, parsed.
///
/// # Examples
/// ```
/// use gclab::testing::{TraceHeader, TraceStrategy};
/// let text = [
///     "# gclab trace: incremental_mark_alive",
///     "# strategy: incremental:threshold=6,scale=10,mark-alive",
///     "\"alloc\"",
/// ]
/// .join("\n");
/// let header = TraceHeader::parse(&text).unwrap();
/// assert_eq!(header.name.as_deref(), Some("incremental_mark_alive"));
/// assert_eq!(
///     header.strategy,
///     Some(TraceStrategy::Spec("incremental:threshold=6,scale=10,mark-alive".into()))
/// );
/// assert!(header.automatic && header.config.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    /// `gclab trace: NAME`.
    pub name: Option<String>,
    /// `strategy: ...`.
    pub strategy: Option<TraceStrategy>,
    /// `false` when the header says `automatic collection: off`.
    pub automatic: bool,
    /// `config: GcConfig {..}`.
    pub config: Option<GcConfig>,
    /// The `fault:` after the configuration.
    pub fault: Option<Fault>,
}

impl TraceHeader {
    /// Parses the `#` lines at the top of a trace (the first line that is not a comment
    /// or blank ends the header); lines it does not know are ignored.
    ///
    /// # Errors
    /// A sentence naming the line, for a `config:` line that does not parse.
    pub fn parse(text: &str) -> Result<TraceHeader, String> {
        let mut header = TraceHeader {
            name: None,
            strategy: None,
            automatic: true,
            config: None,
            fault: None,
        };
        let lines = text.lines().map(str::trim).enumerate();
        let comments = lines.take_while(|(_, l)| l.is_empty() || l.starts_with('#'));
        for (i, line) in comments {
            let Some((key, value)) = line.trim_start_matches('#').split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "gclab trace" => header.name = Some(value.to_owned()),
                "strategy" => header.strategy = Some(strategy(value)),
                "automatic collection" => header.automatic = value != "off",
                "config" => {
                    let (config, fault) = config_line(value)
                        .map_err(|why| format!("line {}: the config line {why}", i + 1))?;
                    header.config = Some(config);
                    header.fault = fault;
                }
                _ => {}
            }
        }
        if let Some(TraceStrategy::TypeName { type_name, spec }) = &mut header.strategy {
            *spec = header
                .name
                .as_deref()
                .and_then(|name| suite_spec(name, type_name));
        }
        Ok(header)
    }

    /// Reads the header of a trace file.
    ///
    /// # Errors
    /// The I/O error or the parse error, as a sentence naming the file.
    pub fn read(path: impl AsRef<Path>) -> Result<TraceHeader, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read trace {}: {e}", path.display()))?;
        TraceHeader::parse(&text).map_err(|e| format!("the header of {}: {e}", path.display()))
    }
}

fn strategy(value: &str) -> TraceStrategy {
    if let Some(type_name) = value.strip_prefix("unlisted ") {
        TraceStrategy::Unlisted(type_name.trim().to_owned())
    } else if value.contains("::") {
        TraceStrategy::TypeName {
            type_name: value.to_owned(),
            spec: None,
        }
    } else {
        TraceStrategy::Spec(value.to_owned())
    }
}

/// `GcConfig { generations: 3, thresholds: [2000, 10, 10], enabled: false }, fault: None`.
fn config_line(value: &str) -> Result<(GcConfig, Option<Fault>), String> {
    let field = |name: &str, end: char| -> Result<&str, String> {
        let start = value
            .find(&format!("{name}: "))
            .ok_or_else(|| format!("has no `{name}:`"))?
            + name.len()
            + 2;
        let rest = &value[start..];
        Ok(rest[..rest.find(end).unwrap_or(rest.len())].trim())
    };
    let generations = field("generations", ',')?
        .parse()
        .map_err(|_| "has a generation count that is not a number".to_owned())?;
    let thresholds = field("thresholds", ']')?
        .trim_start_matches('[')
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.trim().parse())
        .collect::<Result<Vec<u32>, _>>()
        .map_err(|_| "has a threshold that is not a number".to_owned())?;
    let enabled = match field("enabled", '}')? {
        "true" => true,
        "false" => false,
        other => return Err(format!("has `enabled: {other}`")),
    };
    let fault = match value.find("fault: ") {
        None => None,
        Some(at) => {
            let text = value[at + "fault: ".len()..].trim();
            let known = [Fault::SkipSubtractForOneEdge, Fault::ForgetOneReachable];
            match known.into_iter().find(|f| text == format!("Some({f:?})")) {
                Some(f) => Some(f),
                None if text == "None" => None,
                None => return Err(format!("names an unknown fault {text:?}")),
            }
        }
    };
    let config = GcConfig {
        generations,
        thresholds,
        enabled,
    };
    Ok((config, fault))
}

/// The strategies and settings of the crate's own properties (`tests/suite/harness.rs`), by
/// trace name, with the type name an older header gave: how an old trace of the suite is
/// replayed as it ran.
const SUITE: [(&str, &str, &str); 6] = [
    (
        "incremental",
        "gclab::gc::incremental::Incremental",
        "incremental:threshold=6",
    ),
    (
        "incremental_mark_alive",
        "gclab::gc::incremental::Incremental",
        "incremental:threshold=6,mark-alive",
    ),
    (
        "bacon_rajan_fixed",
        "gclab::gc::bacon_rajan::BaconRajan",
        "bacon-rajan:4",
    ),
    (
        "bacon_rajan_manual",
        "gclab::gc::bacon_rajan::BaconRajan",
        "bacon-rajan:manual",
    ),
    ("full_only", "gclab::gc::full_only::FullOnly", "full-only:0"),
    (
        "generational_mark_alive",
        "gclab::gc::generational::Generational",
        "mark-alive:6,3,3",
    ),
];

/// The `--strategy` text of the crate's suite property whose trace is named `name`, when
/// it ran under the strategy type `type_name` (for headers older than the
/// `strategy: NAME:SETTINGS` line).
///
/// # Examples
/// ```
/// use gclab::testing::suite_spec;
/// let incremental = "gclab::gc::incremental::Incremental";
/// assert_eq!(
///     suite_spec("incremental_mark_alive", incremental),
///     Some("incremental:threshold=6,mark-alive")
/// );
/// assert_eq!(suite_spec("my_property", incremental), None);
/// ```
pub fn suite_spec(name: &str, type_name: &str) -> Option<&'static str> {
    SUITE
        .iter()
        .find(|(n, t, _)| *n == name && *t == type_name)
        .map(|(_, _, spec)| *spec)
}

/// The header lines that describe the strategy of `heap` (freshly built):
/// `strategy: NAME:SETTINGS` (or `strategy: unlisted TYPE`), `automatic collection:
/// off` when it is, and, for a generational heap, its `config:` line.
pub(crate) fn strategy_lines<C: HarnessStrategy>(
    heap: &Heap<crate::testing::Payload, C>,
) -> String {
    let mut lines = match C::spec(heap) {
        Some((spec, automatic)) => {
            let mut s = format!("strategy: {spec}");
            if !automatic {
                s.push_str("\nautomatic collection: off");
            }
            s
        }
        None => format!("strategy: unlisted {}", std::any::type_name::<C>()),
    };
    if let Some(h) = C::as_generational_ref(heap) {
        let config = GcConfig {
            generations: h.generations(),
            thresholds: h.get_threshold(),
            enabled: h.is_enabled(),
        };
        lines.push_str(&format!("\n{}", config_header(&config, None)));
    }
    lines
}

/// The `config:` line of a generational heap's trace.
pub(crate) fn config_header(config: &GcConfig, fault: Option<Fault>) -> String {
    format!("config: {config:?}, fault: {fault:?}")
}
