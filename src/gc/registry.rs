//! What a strategy declares to be reachable by name: [`StrategyKind`]. The one table of
//! registered strategies is [`gclab::strategies`](crate::strategies)'s `strategies!`
//! line list: from it `--strategy NAME[:settings]` parsing, the `--strategy` help, the
//! strategies `gclab-strategies` compares by default and the strategies the property
//! harness checks are all derived, so a new strategy reaches all of them by one line
//! there and one `StrategyKind` implementation in its own folder.

use std::fmt::Debug;

use crate::gc::CycleCollector;

/// A strategy as the registry knows it: its name on a command line, what its settings
/// are, how to parse and print them, and how to build the collector. A zero-sized marker
/// type implements it (one strategy type may be registered under several names with
/// different builds, as `mark-alive` is [`Generational`](crate::Generational) with an
/// option).
///
/// # Examples
/// ```
/// use gclab::gc::StrategyKind;
/// use gclab::gc::FullOnlyKind;
/// let settings = FullOnlyKind::parse(Some("500")).unwrap();
/// assert_eq!(FullOnlyKind::settings_text(&settings), "500");
/// assert_eq!(FullOnlyKind::build(&settings, true).threshold(), 500);
/// assert_eq!(FullOnlyKind::build(&settings, false).threshold(), 0); // only when asked
/// assert!(FullOnlyKind::parse(Some("x")).is_err());
/// ```
pub trait StrategyKind: 'static {
    /// The name on a command line (`full-only`), lowercase with dashes.
    const NAME: &'static str;
    /// One line for the `--strategy` help: what it is and what its settings are.
    const HELP: &'static str;
    /// The settings (text after the colon, `""` for the defaults) `gclab-strategies`
    /// compares by default, one run each.
    const COMPARED: &'static [&'static str];
    /// The settings under which the property harness (`tests/suite/harness.rs`) checks the
    /// strategy, one property each: small triggers, so collections happen often.
    const HARNESS: &'static [&'static str];
    /// The collector type.
    type Collector: CycleCollector;
    /// The validated settings.
    type Settings: Clone + PartialEq + Eq + Debug + 'static;

    /// Parses the settings text (`None` or `Some("")`: the defaults).
    ///
    /// # Errors
    /// Why the text is not valid, naming the setting (the caller adds the strategy).
    fn parse(settings: Option<&str>) -> Result<Self::Settings, String>;

    /// The canonical settings text, which [`parse`](StrategyKind::parse) reads back to
    /// the same settings.
    fn settings_text(settings: &Self::Settings) -> String;

    /// A collector with these settings, automatic collection on, or off (only explicit
    /// collections: for timing a structure's collection without collections while it
    /// is built).
    fn build(settings: &Self::Settings, automatic: bool) -> Self::Collector;
}

/// Parses a comma-separated list of whole numbers (a setting helper).
///
/// # Errors
/// The first entry that is not a whole number.
pub fn numbers(text: &str) -> Result<Vec<u32>, String> {
    text.split(',')
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("setting {:?} is not a whole number", v.trim()))
        })
        .collect()
}
