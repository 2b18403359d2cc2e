//! What the experiment binaries (`experiments/`) share: a `main` that reports errors with
//! their context and exits quietly on a closed pipe, buffered standard output, output
//! directories, CSV files through the `csv` crate, plain-text tables, count parsing,
//! progress bars, percentiles and human-readable durations.
//!
//! Compiled with the `cli` feature (off by default; `gclab-experiments` and `gclab-py`
//! turn it on), so a library user, and the core crate's own tests, do not build `clap`,
//! `csv`, `anyhow`, `plotters` or `indicatif`. The registry of strategies is
//! [`crate::strategies`], re-exported here.
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

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

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

#[cfg(feature = "testing")]
pub use crate::strategies::{DirectReplay, WithHarnessStrategy};
pub use crate::strategies::{
    FullOnly, STRATEGIES, StrategyChoice, StrategyEntry, StrategyError, StrategyHeaps,
    StrategyKind, WithStrategy, as_generational, compared_strategies, harness_strategies,
    parse_strategy, strategies_help,
};

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
