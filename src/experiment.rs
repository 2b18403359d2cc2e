//! What the experiment binaries (`experiments/`) share: a `main` that reports errors with
//! their context and exits quietly on a closed pipe, buffered standard output, output
//! directories, CSV files through the `csv` crate, plain-text tables, count parsing,
//! progress bars, percentiles and human-readable durations.
//!
//! Compiled with the `cli` feature (on by default); a library user who turns it off does
//! not build `clap`, `csv`, `anyhow`, `plotters` or `indicatif`.
//!
//! # Conventions
//!
//! - Every binary writes its report through an [`Output`] handed to it by [`main`], never
//!   with `println!`: when standard output is a pipe whose reader has gone
//!   (`gclab-snapshot stats f.json | head -1`), the next write fails with
//!   [`ErrorKind::BrokenPipe`] and [`main`] ends the
//!   program quietly with exit status 0, as Unix tools do.
//! - Every other error carries, through [`anyhow::Context`], the file and what was being
//!   done to it: `gclab-tour: error: creating the output directory /dev/null/x: Not a
//!   directory (os error 20)`.
//!
//! # Examples
//!
//! ```
//! use gclab::experiment::{Table, parse_count, percentile};
//!
//! assert_eq!(parse_count("2.5e6"), Ok(2_500_000));
//! assert_eq!(percentile(&[1, 2, 3, 4], 50.0), 2);
//!
//! let mut table = Table::new(["picture", "file"]);
//! table.row(["a long description of a picture", "a.dot"]);
//! table.row(["short", "b.dot"]);
//! let text = table.to_string();
//! let lines: Vec<&str> = text.lines().collect();
//! // The second column starts at the same place on every line.
//! assert_eq!(lines[0].find("file"), lines[1].find("a.dot"));
//! assert_eq!(lines[1].find("a.dot"), lines[2].find("b.dot"));
//! ```

use std::fmt;
use std::fs;
use std::io::{self, BufWriter, ErrorKind, Write};

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use std::any::Any;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

#[cfg(feature = "testing")]
use crate::ObjId;
use crate::{CycleCollector, GcConfig, Generational, Heap};

/// Runs an experiment binary's body and turns its outcome into an exit status.
///
/// `run` gets the buffered standard output and returns the exit status it wants; its
/// output is flushed afterwards. An error whose chain holds an
/// [`ErrorKind::BrokenPipe`] I/O error (the reader of standard output went away) ends the
/// program quietly with status 0; any other error is printed on standard error as
/// `{name}: error: {error with its context chain}` and gives `failure_status`.
pub fn main(
    name: &str,
    failure_status: u8,
    run: impl FnOnce(&mut Output) -> Result<ExitCode>,
) -> ExitCode {
    let mut out = Output::stdout();
    let result = run(&mut out).and_then(|code| {
        out.flush().context("writing to standard output")?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(e) if is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Flush what was written before the error; a closed pipe no longer matters.
            let _ = out.flush();
            let _ = writeln!(io::stderr(), "{name}: error: {e:#}");
            ExitCode::from(failure_status)
        }
    }
}

/// Whether `error` (or anything in its chain) is an I/O error of kind
/// [`ErrorKind::BrokenPipe`]: the reader of a pipe went away.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)
    })
}

/// Buffered standard output. Write to it with `writeln!(out, …)?`; a write to a closed
/// pipe returns an [`ErrorKind::BrokenPipe`] error that [`main`] turns into a quiet exit.
pub struct Output {
    inner: BufWriter<io::Stdout>,
}

impl Output {
    /// Standard output, buffered (flushed by [`main`] at the end, and by
    /// [`Output::flush`](Write::flush) whenever a binary wants its text out before a long
    /// step).
    pub fn stdout() -> Output {
        Output {
            inner: BufWriter::new(io::stdout()),
        }
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Output(stdout)")
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Creates `dir` (and its parents) if needed.
///
/// # Errors
/// The I/O error, with the context "creating the output directory DIR".
pub fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("creating the output directory {}", dir.display()))
}

/// Writes `rows` to the CSV file `path` through the `csv` crate: the header is the field
/// names of `R` (a `#[derive(Serialize)]` struct), then one line per row; `None` cells are
/// empty, text cells are quoted when they need it.
///
/// # Errors
/// Creating or writing the file, with the context "writing PATH".
///
/// # Examples
/// ```
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Row { n: u64, ns_per_object: Option<f64> }
///
/// let path = std::env::temp_dir().join(format!("gclab-csv-doc-{}.csv", std::process::id()));
/// gclab::experiment::write_csv(&path, [Row { n: 10, ns_per_object: Some(1.5) },
///                                      Row { n: 20, ns_per_object: None }])?;
/// assert_eq!(std::fs::read_to_string(&path)?, "n,ns_per_object\n10,1.5\n20,\n");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn write_csv<R: Serialize>(path: &Path, rows: impl IntoIterator<Item = R>) -> Result<()> {
    let context = || format!("writing {}", path.display());
    let file = fs::File::create(path).with_context(context)?;
    write_csv_to(BufWriter::new(file), rows).with_context(context)
}

/// As [`write_csv`], to any writer (e.g. an [`Output`]); the writer is flushed.
///
/// # Errors
/// The `csv` crate's error (an I/O error or a row that does not serialize).
pub fn write_csv_to<W: Write, R: Serialize>(
    writer: W,
    rows: impl IntoIterator<Item = R>,
) -> Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    for row in rows {
        csv.serialize(row)?;
    }
    csv.flush()?;
    Ok(())
}

/// A number with `digits` decimals, for CSV cells and tables (`format!("{x:.digits$}")`
/// parsed back, so the CSV holds `12.35`, not `12.345678901`).
pub fn round(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap_or(x)
}

/// A plain-text table whose columns are as wide as their widest cell.
///
/// Columns are left-aligned unless [`Table::right_align`] says otherwise; cells are
/// measured in characters, so `µs` and `→` count as one.
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    /// A table with these column headings.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        let header: Vec<String> = header.into_iter().map(Into::into).collect();
        let right = vec![false; header.len()];
        Table {
            header,
            rows: Vec::new(),
            right,
        }
    }

    /// Right-aligns the columns whose index is in `columns` (numbers).
    pub fn right_align(mut self, columns: &[usize]) -> Table {
        for &c in columns {
            if let Some(r) = self.right.get_mut(c) {
                *r = true;
            }
        }
        self
    }

    /// Adds a row; missing cells are empty, extra cells are dropped.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = |c: usize| {
            std::iter::once(&self.header)
                .chain(&self.rows)
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    line.push_str("  ");
                }
                let pad = widths[c] - cell.chars().count();
                if self.right[c] {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Parses a count: `1000000`, `1_000_000`, `1e6`, `2.5e6`. Used as a clap value parser.
///
/// # Errors
/// A sentence naming the input when it is not a whole number from 0 to 10^15.
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

/// A progress bar on standard error (hidden when standard error is not a terminal).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
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

/// The error of drawing the plot `path`, as a closure for `map_err` (plotters' errors are
/// not `Send + Sync`, so the message is kept as text).
pub fn plot_err<E: fmt::Debug>(path: &Path) -> impl Fn(E) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("drawing the plot {}: {e:?}", path.display())
}

// ----------------------------------------------------------------------------------------
// Plots
// ----------------------------------------------------------------------------------------

/// What every plot of the binaries shares, so that they look alike: a white SVG canvas
/// ([`svg_canvas`](plot::svg_canvas)), a chart with caption, axes, mesh and axis
/// descriptions ([`chart`](plot::chart) from a [`Frame`](plot::Frame)), a framed legend
/// ([`legend`](plot::legend)) whose keys are short lines or dots ([`line_key`](plot::line_key),
/// [`dot_key`](plot::dot_key)), and the final write ([`present`](plot::present)). Every
/// error names the file, through [`plot_err`].
///
/// ```no_run
/// use gclab::experiment::plot::{self, Frame, Layout};
/// use plotters::prelude::*;
/// # fn main() -> anyhow::Result<()> {
/// let path = std::path::Path::new("out/line.svg");
/// let root = plot::svg_canvas(path, (900, 550))?;
/// let frame = Frame::new(Layout::Page, "y = x", "x", "y");
/// let mut chart = plot::chart(&root, &frame, 0f64..10f64, 0f64..10f64, path)?;
/// let color = Palette99::pick(0).to_rgba();
/// chart
///     .draw_series(LineSeries::new((0..10).map(|x| (x as f64, x as f64)), color))
///     .map_err(plot::plot_err(path))?
///     .label("y = x")
///     .legend(plot::line_key(color));
/// plot::legend(&mut chart, Layout::Page, SeriesLabelPosition::UpperLeft, path)?;
/// plot::present(&root, path)
/// # }
/// ```
pub mod plot {
    use std::path::Path;

    use anyhow::Result;
    use plotters::coord::Shift;
    use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
    use plotters::prelude::*;

    /// A point of the drawing backend, in pixels (plotters' `BackendCoord`).
    type Pixel = (i32, i32);

    pub use super::plot_err;

    /// A whole-page chart or a panel of a page split into several.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Layout {
        /// One chart (or two, stacked) on the page: 20-point caption, room for labels.
        Page,
        /// One of several small charts: 16-point caption, tight margins, 11-point legend.
        Panel,
    }

    impl Layout {
        fn caption_size(self) -> u32 {
            match self {
                Layout::Page => 20,
                Layout::Panel => 16,
            }
        }

        fn margin(self) -> u32 {
            match self {
                Layout::Page => 12,
                Layout::Panel => 8,
            }
        }

        fn x_label_area(self) -> u32 {
            match self {
                Layout::Page => 40,
                Layout::Panel => 30,
            }
        }

        fn y_label_area(self) -> u32 {
            match self {
                Layout::Page => 70,
                Layout::Panel => 60,
            }
        }
    }

    /// How an axis prints its labels, when plotters' default is not wanted.
    pub type LabelFormat = fn(&f64) -> String;

    /// Labels as whole numbers: `12500`.
    pub fn whole(x: &f64) -> String {
        format!("{x:.0}")
    }

    /// Labels in scientific notation: `1e6`.
    pub fn exponent(x: &f64) -> String {
        format!("{x:.0e}")
    }

    /// One chart's caption and axes; the ranges are given to [`chart`].
    #[derive(Clone, Debug)]
    pub struct Frame {
        /// Page or panel: sizes of the caption, margins and label areas.
        pub layout: Layout,
        /// The title above the chart.
        pub caption: String,
        /// What the x axis measures, with its unit.
        pub x_desc: String,
        /// What the y axis measures, with its unit.
        pub y_desc: String,
        /// How x labels print (`None`: plotters' default).
        pub x_labels: Option<LabelFormat>,
        /// How y labels print (`None`: plotters' default).
        pub y_labels: Option<LabelFormat>,
    }

    impl Frame {
        /// A frame with plotters' default axis labels.
        pub fn new(
            layout: Layout,
            caption: impl Into<String>,
            x_desc: impl Into<String>,
            y_desc: impl Into<String>,
        ) -> Frame {
            Frame {
                layout,
                caption: caption.into(),
                x_desc: x_desc.into(),
                y_desc: y_desc.into(),
                x_labels: None,
                y_labels: None,
            }
        }

        /// The same frame, its x labels printed by `format`.
        pub fn x_labels(mut self, format: LabelFormat) -> Frame {
            self.x_labels = Some(format);
            self
        }

        /// The same frame, its y labels printed by `format`.
        pub fn y_labels(mut self, format: LabelFormat) -> Frame {
            self.y_labels = Some(format);
            self
        }
    }

    /// The chart [`chart`] draws on, over the ranges `X` and `Y` (as given to it).
    pub type Chart<'a, DB, X, Y> = ChartContext<
        'a,
        DB,
        Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
    >;

    /// The SVG file `path`, `size` pixels, filled white.
    pub fn svg_canvas(path: &Path, size: (u32, u32)) -> Result<DrawingArea<SVGBackend<'_>, Shift>> {
        let root = SVGBackend::new(path, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(path))?;
        Ok(root)
    }

    /// A chart on `area` over the ranges `x` and `y` (plain, or `.log_scale()`), with the
    /// frame's caption, mesh and axis descriptions drawn.
    pub fn chart<'a, DB, X, Y>(
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
        x: X,
        y: Y,
        path: &Path,
    ) -> Result<Chart<'a, DB, X, Y>>
    where
        DB: DrawingBackend + 'a,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let err = plot_err(path);
        let layout = frame.layout;
        let mut chart = ChartBuilder::on(area)
            .caption(&frame.caption, ("sans-serif", layout.caption_size()))
            .margin(layout.margin())
            .x_label_area_size(layout.x_label_area())
            .y_label_area_size(layout.y_label_area())
            .build_cartesian_2d(x, y)
            .map_err(&err)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(frame.x_desc.as_str())
            .y_desc(frame.y_desc.as_str());
        if let Some(format) = &frame.x_labels {
            mesh.x_label_formatter(format);
        }
        if let Some(format) = &frame.y_labels {
            mesh.y_label_formatter(format);
        }
        mesh.draw().map_err(&err)?;
        Ok(chart)
    }

    /// The legend of `chart`'s labelled series at `position`, framed on a white ground.
    pub fn legend<'a, DB, CT>(
        chart: &mut ChartContext<'a, DB, CT>,
        layout: Layout,
        position: SeriesLabelPosition,
        path: &Path,
    ) -> Result<()>
    where
        DB: DrawingBackend + 'a,
        CT: CoordTranslate,
    {
        let mut style = chart.configure_series_labels();
        style
            .position(position)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK);
        if layout == Layout::Panel {
            style.label_font(("sans-serif", 11));
        }
        style.draw().map_err(plot_err(path))
    }

    /// A legend key for a line series: a short line in `color`.
    pub fn line_key(color: RGBAColor) -> impl Fn(Pixel) -> PathElement<Pixel> {
        move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], color)
    }

    /// A legend key for a point series: a dot in `color`.
    pub fn dot_key(color: RGBAColor) -> impl Fn(Pixel) -> Circle<Pixel, i32> {
        move |(x, y)| Circle::new((x, y), 4, color.filled())
    }

    /// Writes the finished canvas to its file.
    pub fn present<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, path: &Path) -> Result<()> {
        root.present().map_err(plot_err(path))
    }
}

// ----------------------------------------------------------------------------------------
// Strategies
// ----------------------------------------------------------------------------------------

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
            /// use gclab::experiment::{StrategyChoice, StrategyHeaps, WithStrategy};
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

/// Parses the command line into `A`, with `{strategies}` in its `after_help` replaced by
/// [`strategies_help`] (so a binary's help lists the strategies `--strategy` accepts);
/// `--help`, `--version` and usage errors exit as clap's `parse` does.
pub fn parse_args_listing_strategies<A: clap::Parser>() -> A {
    let mut command = A::command();
    let after = command
        .get_after_help()
        .map(|h| h.to_string().replace("{strategies}", &strategies_help()))
        .unwrap_or_default();
    command = command.after_help(after);
    command
        .try_get_matches()
        .and_then(|m| A::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit())
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
/// use gclab::experiment::StrategyChoice;
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
/// use gclab::experiment::{DirectReplay, FullOnly};
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_pipe_is_recognised_through_context() {
        let e = anyhow::Error::from(io::Error::from(ErrorKind::BrokenPipe)).context("writing");
        assert!(is_closed_pipe(&e));
        let e = anyhow::Error::from(io::Error::from(ErrorKind::NotFound)).context("reading");
        assert!(!is_closed_pipe(&e));
    }

    #[test]
    fn table_widths_follow_the_widest_cell() {
        let mut t = Table::new(["a", "b"]).right_align(&[1]);
        t.row(["µµµ", "1"]);
        t.row(["x", "100"]);
        assert_eq!(t.to_string(), "a      b\nµµµ    1\nx    100\n");
    }

    #[test]
    fn counts_parse() {
        assert_eq!(parse_count("1_000"), Ok(1000));
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("").is_err());
    }

    #[test]
    fn strategy_choices_print_as_they_parse() {
        for (text, printed) in [
            ("generational", "generational:2000,10,10"),
            ("generational:", "generational:2000,10,10"),
            (" generational:700 ", "generational:700,10,10"),
            ("generational:100,5", "generational:100,5"),
            ("full-only", "full-only:2000"),
            ("full-only:0", "full-only:0"),
            ("bacon-rajan", "bacon-rajan:adaptive"),
            ("bacon-rajan:manual", "bacon-rajan:manual"),
            ("bacon-rajan:1000", "bacon-rajan:1000"),
            ("incremental", "incremental:threshold=2000,scale=10"),
            (
                "incremental:budget=5000,mark-alive",
                "incremental:threshold=2000,budget=5000,mark-alive",
            ),
            (
                "incremental:threshold=700,scale=2",
                "incremental:threshold=700,scale=2",
            ),
            ("mark-alive:700", "mark-alive:700,10,10"),
        ] {
            let choice: StrategyChoice = text.parse().unwrap();
            assert_eq!(choice.to_string(), printed, "{text:?}");
            assert_eq!(printed.parse::<StrategyChoice>().unwrap(), choice);
        }
        assert_eq!(
            StrategyChoice::default(),
            "generational".parse::<StrategyChoice>().unwrap()
        );
    }

    #[test]
    fn bad_strategies_say_what_is_wrong() {
        let too_many = format!(
            "generational:{}",
            vec!["1"; crate::MAX_GENERATIONS + 1].join(",")
        );
        for (text, says) in [
            (
                "",
                "unknown strategy \"\"; the strategies are generational, full-only, bacon-rajan, incremental, mark-alive",
            ),
            ("bacon", "unknown strategy \"bacon\""),
            ("generational:x", "setting \"x\" is not a whole number"),
            (too_many.as_str(), "generations"),
            ("full-only:1,2", "give one threshold"),
            ("bacon-rajan:often", "neither adaptive, manual nor a number"),
            ("incremental:fast", "unknown setting \"fast\""),
            (
                "incremental:budget=x",
                "setting \"x\" is not a whole number",
            ),
        ] {
            let err = parse_strategy(text).unwrap_err();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }

    /// Collects 2000 objects of dead cycles and checks the heap.
    struct DeadCycles;

    impl WithStrategy for DeadCycles {
        type Output = (usize, bool);

        fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> (usize, bool) {
            let mut quiet = strategy.quiet_heap::<()>();
            crate::workloads::dead_cycles(&mut quiet, 1000);
            let untouched = quiet.len() == 2000; // no automatic collection ran
            let mut heap = strategy.heap::<()>();
            crate::workloads::dead_cycles(&mut heap, 1000);
            heap.verify().unwrap();
            let before = heap.len();
            heap.collect_full();
            assert!(heap.is_empty());
            (before, untouched)
        }
    }

    #[test]
    fn every_strategy_runs_generic_code_and_has_a_quiet_heap() {
        for (name, automatic) in [
            ("generational:100", true),
            ("full-only:100", true),
            ("full-only:0", false),
            ("bacon-rajan:100", true),
            ("bacon-rajan:manual", false),
            ("incremental:threshold=100", true),
            ("mark-alive:100", true),
        ] {
            let (before, untouched) = name.parse::<StrategyChoice>().unwrap().with(DeadCycles);
            assert!(untouched, "{name}: its quiet heap collected");
            // Automatic collections freed garbage before the full collection, or none ran.
            assert_eq!(
                before < 2000,
                automatic,
                "{name}: {before} objects were left"
            );
        }
    }

    #[test]
    fn direct_replay_is_generational_only_where_it_must_be() {
        let mut heap: Heap<u64> = Heap::new();
        assert!(as_generational(&mut heap).is_some());
        let mut full: Heap<u64, FullOnly> = Heap::with_collector(FullOnly::new(0));
        assert!(as_generational(&mut full).is_none());
    }
}
