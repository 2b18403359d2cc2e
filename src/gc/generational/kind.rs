//! The registry's entries for [`Generational`]: `generational` and `mark-alive` (the
//! same collector with the mark-alive pre-pass).

use super::{GcConfig, Generational};
use crate::gc::StrategyKind;
use crate::gc::registry::numbers;

/// Parses generational thresholds (`700` keeps `10,10`) and checks them.
fn thresholds(settings: Option<&str>) -> Result<Vec<u32>, String> {
    let thresholds = match settings {
        None | Some("") => GcConfig::default().thresholds,
        Some(text) => {
            let mut t = numbers(text)?;
            if t.len() == 1 {
                t.extend([10, 10]);
            }
            t
        }
    };
    Generational::new(GcConfig::with_thresholds(thresholds.clone())).map_err(|e| e.to_string())?;
    Ok(thresholds)
}

/// Thresholds as `700,10,10`.
fn thresholds_text(thresholds: &[u32]) -> String {
    thresholds
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The generational configuration, automatic collection on or off.
fn config(thresholds: &[u32], automatic: bool) -> GcConfig {
    GcConfig {
        enabled: automatic,
        ..GcConfig::with_thresholds(thresholds.to_vec())
    }
}

/// `generational[:thresholds]`: CPython 3.13's collector, the default strategy.
#[derive(Debug, Clone, Copy)]
pub struct GenerationalKind;

impl StrategyKind for GenerationalKind {
    const NAME: &'static str = "generational";
    const HELP: &'static str = "CPython 3.13's generational collector (the default); settings: \
         the thresholds, e.g. generational:700,10,10 (one value sets threshold 0 and keeps \
         10,10); default 2000,10,10";
    const COMPARED: &'static [&'static str] = &["", "700", "10000"];
    const HARNESS: &'static [&'static str] = &["6,3,3"];
    type Collector = Generational;
    type Settings = Vec<u32>;

    fn parse(settings: Option<&str>) -> Result<Vec<u32>, String> {
        thresholds(settings)
    }

    fn settings_text(settings: &Vec<u32>) -> String {
        thresholds_text(settings)
    }

    fn build(settings: &Vec<u32>, automatic: bool) -> Generational {
        Generational::new(config(settings, automatic))
            .expect("bug: the thresholds were validated when they were parsed")
    }
}

/// `mark-alive[:thresholds]`: [`Generational::with_mark_alive`].
#[derive(Debug, Clone, Copy)]
pub struct MarkAliveKind;

impl StrategyKind for MarkAliveKind {
    const NAME: &'static str = "mark-alive";
    const HELP: &'static str = "the generational collector with the mark-alive pre-pass before \
         full collections (cpython PR 126511, Generational::with_mark_alive); settings: the \
         thresholds, as generational's";
    const COMPARED: &'static [&'static str] = &[""];
    const HARNESS: &'static [&'static str] = &["6,3,3"];
    type Collector = Generational;
    type Settings = Vec<u32>;

    fn parse(settings: Option<&str>) -> Result<Vec<u32>, String> {
        thresholds(settings)
    }

    fn settings_text(settings: &Vec<u32>) -> String {
        thresholds_text(settings)
    }

    fn build(settings: &Vec<u32>, automatic: bool) -> Generational {
        Generational::with_mark_alive(config(settings, automatic))
            .expect("bug: the thresholds were validated when they were parsed")
    }
}
