//! Helpers shared by the experiment binaries (included with `#[path]` in each): output
//! directories, CSV files, size parsing, progress bars and percentiles.
#![allow(
    dead_code,
    reason = "each binary includes this module and uses only part of it"
)]

use std::fmt;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// What an experiment can fail with; printed by `main` as `error: <message>`.
#[derive(Debug)]
pub enum ExpError {
    /// Reading or writing a file failed.
    Io { path: PathBuf, source: io::Error },
    /// Drawing a plot failed.
    Plot { path: PathBuf, message: String },
    /// Running or parsing an external tool failed.
    External(String),
}

impl fmt::Display for ExpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            ExpError::Plot { path, message } => {
                write!(f, "cannot draw {}: {message}", path.display())
            }
            ExpError::External(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ExpError {}

/// Creates `dir` (and its parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), ExpError> {
    fs::create_dir_all(dir).map_err(|source| ExpError::Io {
        path: dir.to_owned(),
        source,
    })
}

/// Writes a CSV file: `header`, then one line per row (cells already formatted; no cell
/// contains a comma).
pub fn write_csv<I, R>(path: &Path, header: &str, rows: I) -> Result<(), ExpError>
where
    I: IntoIterator<Item = R>,
    R: AsRef<str>,
{
    let io_err = |source| ExpError::Io {
        path: path.to_owned(),
        source,
    };
    let file = fs::File::create(path).map_err(io_err)?;
    let mut out = BufWriter::new(file);
    writeln!(out, "{header}").map_err(io_err)?;
    for row in rows {
        writeln!(out, "{}", row.as_ref()).map_err(io_err)?;
    }
    out.flush().map_err(io_err)
}

/// Parses a count: `1000000`, `1_000_000`, `1e6`, `2.5e6`. Used as a clap value parser.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let clean: String = s.trim().chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return Err("expected a number such as 1000000 or 1e6, got nothing".into());
    }
    if let Ok(n) = clean.parse::<u64>() {
        return Ok(n);
    }
    let x: f64 = clean
        .parse()
        .map_err(|_| format!("expected a number such as 1000000 or 1e6, got {s:?}"))?;
    if !x.is_finite() || !(0.0..=1e15).contains(&x) {
        return Err(format!("{s:?} is out of range (0 to 1e15)"));
    }
    if x.fract() != 0.0 {
        return Err(format!("{s:?} is not a whole number"));
    }
    Ok(x as u64)
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .expect("bug: the progress template is valid")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_owned());
    bar
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank; 0 for no values.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration for humans: `812 ns`, `3.4 µs`, `12.5 ms`, `1.20 s`.
pub fn human(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// Wraps a plotters error for `path`.
pub fn plot_err<E: fmt::Debug>(path: &Path) -> impl Fn(E) -> ExpError + '_ {
    move |e| ExpError::Plot {
        path: path.to_owned(),
        message: format!("{e:?}"),
    }
}
