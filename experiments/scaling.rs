//! `gclab-scaling`: full-collection cost per object from 10^3 to 10^7 objects.
//!
//! For each heap size (1, 2, 5 per decade), a fresh heap holds either `n` live objects
//! (two-node cycles held from one root: a collection examines them all and frees none)
//! or `n` dead ones (two-node garbage cycles: all examined and freed), and one full
//! collection is timed — for the live heap also a second one, the steady state without
//! the first collection's one-off work; best of a few runs, fewer for big heaps. A linear collector has a
//! flat curve; the linearity ratio (ns per object at the largest size ÷ at 10^4) says how
//! flat — cache misses make it grow somewhat once the heap outgrows the caches.
//!
//! Writes `scaling.csv` (`workload,objects,ns_per_object,total_ns`) and `scaling.svg`
//! (log-x) into `--out`.
//!
//! With `--one-edge`, each size instead runs in a child process of its own: a ring of `n`
//! one-edge objects held alive by one reference (a full collection examines all and frees
//! none), then the same ring dropped (a full collection frees it all). The child reports
//! both times and its peak resident set (`VmHWM` of `/proc/self/status`) per object, so
//! `--one-edge --max 1e8` measures memory and time up to 10^8 objects (about 5 GB).
//! Writes `one_edge.csv` (`objects,live_ns_per_object,dead_ns_per_object,peak_bytes_per_object`)
//! and `one_edge.svg`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use gclab::{GcConfig, Heap, workloads};
use plotters::prelude::*;

use gclab::experiment::plot::{self, Frame, Layout, plot_err};
use gclab::experiment::{
    self, Output, Table, ensure_dir, human, parse_count, progress, round, write_csv,
};
use serde::Serialize;

/// One line of `scaling.csv`; the field names are the header.
#[derive(Serialize)]
struct CsvRow {
    workload: &'static str,
    objects: u64,
    ns_per_object: f64,
    total_ns: u64,
}
/// One `--one-edge` size: objects, live ns/object, dead ns/object, peak bytes/object.
type OneEdgeRow = (u64, f64, f64, f64);
/// A plotted `--one-edge` series: its label and how to read it off a row.
type OneEdgeSeries = (&'static str, fn(&OneEdgeRow) -> f64);

/// One line of `one_edge.csv` (`--one-edge`); the field names are the header.
#[derive(Serialize)]
struct OneEdgeCsv {
    objects: u64,
    live_ns_per_object: f64,
    dead_ns_per_object: f64,
    peak_bytes_per_object: f64,
}

/// The size the linearity ratio is relative to.
const REFERENCE: u64 = 10_000;

#[derive(Parser, Debug)]
#[command(
    name = "gclab-scaling",
    version,
    about = "Full-collection cost per object for heap sizes from 10^3 to 10^7",
    long_about = "Full-collection cost per object for heap sizes from --min to --max (1, 2, 5 \
per decade), for live objects (examined, none freed) and dead ones (examined and freed). \
Prints the linearity ratio: ns per object at the largest size / at 10^4.\n\nWrites \
scaling.csv and scaling.svg into --out. The default run takes about half a minute in a \
release build; 10^7 objects need about 1 GB of memory, --max 1e8 about 10 GB.",
    after_help = "Examples:\n  gclab-scaling\n  gclab-scaling --max 1e8 --out /tmp/big\n  \
gclab-scaling --max 1e6 --repeat 5"
)]
struct Args {
    /// The smallest heap size, in objects (1e3 notation accepted).
    #[arg(long, default_value = "1e3", value_parser = parse_count)]
    min: u64,
    /// The largest heap size, in objects (1e7 notation accepted; 1e8 on big machines).
    #[arg(long, default_value = "1e7", value_parser = parse_count)]
    max: u64,
    /// Runs per size for heaps of up to 10^5 objects (best is kept); bigger heaps get
    /// fewer (1 from 10^7 on).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Accepted and ignored, for scripts written when every binary took it: the
    /// workloads are not random.
    #[arg(long, hide = true)]
    seed: Option<u64>,
    /// A tiny configuration for tests: sizes 10^3 to 2·10^4, one run each.
    #[arg(long)]
    quick: bool,
    /// Measure rings of one-edge objects instead, each size in a child process of its
    /// own: full-collection time (live, then dead) and peak resident set per object.
    /// Meant for `--one-edge --max 1e8` (about 5 GB of memory at 10^8).
    #[arg(long)]
    one_edge: bool,
    /// With `--one-edge`: time the collections in the thread's CPU time
    /// (`/proc/thread-self/schedstat`) instead of wall time, for a machine shared with
    /// other work, whose load inflates wall time.
    #[arg(long)]
    cpu_time: bool,
    /// Internal: run one `--one-edge` size in this process and print
    /// `live_ns dead_ns peak_bytes` on stdout.
    #[arg(long, hide = true, value_parser = parse_count)]
    one_edge_child: Option<u64>,
    /// Output directory (created if needed).
    #[arg(long, default_value = "out/scaling")]
    out: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The first full collection of `n` live objects on a fresh heap (as `gclab-perf`
    /// and the CPython script measure it): it also merges the young generation into the
    /// oldest and sizes the collector's scratch arrays, first-touch page faults included.
    Live,
    /// A second full collection of the same live heap: the steady state.
    LiveAgain,
    /// The first full collection of `n / 2` garbage two-node cycles.
    Dead,
}

const KINDS: [Kind; 3] = [Kind::Live, Kind::LiveAgain, Kind::Dead];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Live => "live",
            Kind::LiveAgain => "live_again",
            Kind::Dead => "dead",
        }
    }
}

/// 1, 2, 5 per decade from `min` to `max`, plus `max` itself.
fn sizes(min: u64, max: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut decade = 1u64;
    while decade <= max {
        for m in [1, 2, 5] {
            let s = decade.saturating_mul(m);
            if s >= min && s <= max {
                out.push(s);
            }
        }
        decade = decade.saturating_mul(10);
        if decade == u64::MAX {
            break;
        }
    }
    if out.last() != Some(&max) && max >= min {
        out.push(max);
    }
    out
}

/// Runs for a heap of `n` objects: `repeat` up to 10^5, then fewer.
fn runs_for(n: u64, repeat: u32) -> u32 {
    match n {
        0..=100_000 => repeat,
        100_001..=1_000_000 => repeat.min(3),
        1_000_001..=9_999_999 => repeat.min(2),
        _ => 1,
    }
}

fn measure(kind: Kind, n: u64) -> Duration {
    let mut heap: Heap<()> = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("bug: the default configuration with collection off is valid");
    match kind {
        Kind::Live => {
            workloads::live(&mut heap, n as usize);
        }
        Kind::LiveAgain => {
            workloads::live(&mut heap, n as usize);
            heap.collect_full();
        }
        Kind::Dead => workloads::dead_cycles(&mut heap, (n / 2) as usize),
    }
    let start = Instant::now();
    std::hint::black_box(heap.collect_full());
    start.elapsed()
}

/// This process's resident-set figure `field` (`VmRSS`, `VmHWM`) in bytes.
fn proc_status_bytes(field: &str) -> Result<u64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .ok_or_else(|| anyhow!("/proc/self/status has no {field}"))?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("cannot parse {line:?}"))?;
    Ok(kb * 1024)
}

/// Nanoseconds the calling thread has run (the first field of
/// `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Result<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")
        .context("cannot read /proc/thread-self/schedstat (needed by --cpu-time)")?;
    text.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("cannot parse /proc/thread-self/schedstat: {text:?}"))
}

/// Times `f` in wall time, or in this thread's CPU time when `cpu` is set.
fn timed<R>(cpu: bool, f: impl FnOnce() -> R) -> Result<(Duration, R)> {
    if cpu {
        let start = thread_cpu_ns()?;
        let r = f();
        Ok((Duration::from_nanos(thread_cpu_ns()? - start), r))
    } else {
        let start = Instant::now();
        let r = f();
        Ok((start.elapsed(), r))
    }
}

/// In this process: a ring of `n` one-edge objects, held by one reference, collected
/// live (timed), then dropped and collected dead (timed). Returns the two times and the
/// growth of the peak resident set over the process's resident set on entry.
fn one_edge_in_process(n: u64, cpu: bool) -> Result<(Duration, Duration, u64)> {
    let base = proc_status_bytes("VmRSS")?;
    let mut heap: Heap<()> = Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("bug: the default configuration with collection off is valid");
    let member = workloads::ring(&mut heap, n as usize)
        .ok_or_else(|| anyhow!("a ring needs at least one object"))?;
    let (live, _) = timed(cpu, || std::hint::black_box(heap.collect_full()))?;
    heap.decref(member)?;
    let (dead, report) = timed(cpu, || std::hint::black_box(heap.collect_full()))?;
    if report.collected as u64 != n {
        bail!("the dead ring of {n} freed {} objects", report.collected);
    }
    let peak = proc_status_bytes("VmHWM")?;
    Ok((live, dead, peak.saturating_sub(base)))
}

/// Runs one `--one-edge` size in a fresh child process (so earlier sizes' memory does
/// not count) and returns `(live ns/object, dead ns/object, peak bytes/object)`.
fn one_edge_in_child(n: u64, cpu: bool) -> Result<(f64, f64, f64)> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let mut command = Command::new(exe);
    if cpu {
        command.arg("--cpu-time");
    }
    let output = command
        .arg("--one-edge-child")
        .arg(n.to_string())
        .output()
        .context("cannot run the one-edge child")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [live, dead, peak] if output.status.success() => {
            Ok((live / n as f64, dead / n as f64, peak / n as f64))
        }
        _ => bail!(
            "the one-edge child for {n} objects failed ({}): {}{}",
            output.status,
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    }
}

/// The `--one-edge` run: every size in a child, CSV, plot and table.
fn run_one_edge(w: &mut Output, args: &Args, sizes: &[u64]) -> Result<ExitCode> {
    let bar = progress(sizes.len() as u64, "ring sizes");
    let started = Instant::now();
    let mut rows = Vec::new();
    for &n in sizes {
        bar.set_message(format!("one-edge ring {n}"));
        let (live, dead, bytes) = one_edge_in_child(n, args.cpu_time)?;
        rows.push((n, live, dead, bytes));
        bar.inc(1);
    }
    bar.finish_and_clear();
    write_csv(
        &args.out.join("one_edge.csv"),
        rows.iter().map(|&(n, live, dead, bytes)| OneEdgeCsv {
            objects: n,
            live_ns_per_object: round(live, 3),
            dead_ns_per_object: round(dead, 3),
            peak_bytes_per_object: round(bytes, 2),
        }),
    )?;
    plot_one_edge(&args.out.join("one_edge.svg"), &rows)?;
    writeln!(
        w,
        "gclab-scaling --one-edge: a ring of one-edge objects, one full collection each ({})",
        if args.cpu_time {
            "thread CPU time"
        } else {
            "wall time"
        }
    )?;
    let mut table = Table::new([
        "objects",
        "live ns/object",
        "dead ns/object",
        "peak bytes/object",
    ])
    .right_align(&[0, 1, 2, 3]);
    for &(n, live, dead, bytes) in &rows {
        table.row([
            n.to_string(),
            format!("{live:.2}"),
            format!("{dead:.2}"),
            format!("{bytes:.1}"),
        ]);
    }
    write!(w, "{table}")?;
    writeln!(
        w,
        "took {}; wrote {}",
        human(started.elapsed()),
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `one_edge.svg`: ns per object (live, dead) and peak bytes per object against size.
fn plot_one_edge(path: &Path, rows: &[OneEdgeRow]) -> Result<()> {
    let series: [OneEdgeSeries; 3] = [
        ("live full collection, ns/object", |r| r.1),
        ("dead ring collection, ns/object", |r| r.2),
        ("peak resident set, bytes/object", |r| r.3),
    ];
    let series =
        series.map(|(label, get)| (label, rows.iter().map(|r| (r.0 as f64, get(r))).collect()));
    let frame = Frame::new(
        Layout::Page,
        "Rings of one-edge objects: collection time and peak memory per object",
        "objects in the ring",
        "ns per object / bytes per object",
    );
    plot_against_size(path, frame, &series, SeriesLabelPosition::UpperRight)
}

/// `scaling.svg`: ns per object of each kind of collection against heap size.
fn plot(path: &Path, points: &[(Kind, u64, f64)]) -> Result<()> {
    let series = KINDS.map(|kind| {
        let label = match kind {
            Kind::Live => "live, first collection (examined, none freed)",
            Kind::LiveAgain => "live, second collection (steady state)",
            Kind::Dead => "dead (examined and freed)",
        };
        let points = points
            .iter()
            .filter(|p| p.0 == kind)
            .map(|p| (p.1 as f64, p.2))
            .collect();
        (label, points)
    });
    let frame = Frame::new(
        Layout::Page,
        "Full-collection cost per object vs heap size",
        "objects in the heap",
        "ns per object",
    );
    plot_against_size(path, frame, &series, SeriesLabelPosition::UpperLeft)
}

/// A plot against size (a logarithmic x axis from the smallest to the largest size, y
/// from 0): each labelled series a line through its points, marked.
fn plot_against_size(
    path: &Path,
    frame: Frame,
    series: &[(&str, Vec<(f64, f64)>)],
    legend_at: SeriesLabelPosition,
) -> Result<()> {
    let err = plot_err(path);
    let all = || series.iter().flat_map(|(_, points)| points.iter());
    let x_min = all().map(|p| p.0).reduce(f64::min).unwrap_or(1.0);
    let x_max = all().map(|p| p.0).reduce(f64::max).unwrap_or(10.0);
    let y_max = all().map(|p| p.1).fold(1.0f64, f64::max);
    let root = plot::svg_canvas(path, (900, 550))?;
    let mut chart = plot::chart(
        &root,
        &frame.x_labels(plot::exponent),
        (x_min * 0.8..x_max * 1.25).log_scale(),
        0f64..y_max * 1.15,
        path,
    )?;
    for (i, (label, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(&err)?
            .label(*label)
            .legend(plot::line_key(color));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(&err)?;
    }
    plot::legend(&mut chart, Layout::Page, legend_at, path)?;
    plot::present(&root, path)
}

fn run(w: &mut Output, mut args: Args) -> Result<ExitCode> {
    if let Some(n) = args.one_edge_child {
        if n == 0 {
            bail!("--one-edge-child needs at least one object");
        }
        let (live, dead, peak) = one_edge_in_process(n, args.cpu_time)?;
        writeln!(w, "{} {} {peak}", live.as_nanos(), dead.as_nanos())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.quick {
        args.min = 1_000;
        args.max = 20_000;
        args.repeat = 1;
    }
    if args.min < 2 || args.min > args.max {
        bail!(
            "need 2 <= --min <= --max, got --min {} --max {}",
            args.min,
            args.max
        );
    }
    ensure_dir(&args.out)?;
    let sizes = sizes(args.min, args.max);
    if args.one_edge {
        return run_one_edge(w, &args, &sizes);
    }
    let bar = progress(KINDS.len() as u64 * sizes.len() as u64, "heap sizes");
    let started = Instant::now();
    let mut points = Vec::new();
    for &n in &sizes {
        for kind in KINDS {
            bar.set_message(format!("{} {n}", kind.name()));
            let best = (0..runs_for(n, args.repeat))
                .map(|_| measure(kind, n))
                .min()
                .unwrap_or_default();
            points.push((kind, n, best.as_nanos() as f64 / n as f64));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();

    let rows = points.iter().map(|&(k, n, ns)| CsvRow {
        workload: k.name(),
        objects: n,
        ns_per_object: round(ns, 3),
        total_ns: (ns * n as f64).round() as u64,
    });
    write_csv(&args.out.join("scaling.csv"), rows)?;
    plot(&args.out.join("scaling.svg"), &points)?;

    writeln!(
        w,
        "gclab-scaling: full collection, ns per object (best of runs)"
    )?;
    let mut table =
        Table::new(["objects", "live", "live_again", "dead"]).right_align(&[0, 1, 2, 3]);
    for &n in &sizes {
        let get = |k: Kind| {
            points
                .iter()
                .find(|p| p.0 == k && p.1 == n)
                .map_or(String::from("-"), |p| format!("{:.2}", p.2))
        };
        table.row([
            n.to_string(),
            get(Kind::Live),
            get(Kind::LiveAgain),
            get(Kind::Dead),
        ]);
    }
    write!(w, "{table}")?;
    let Some(&largest) = sizes.last() else {
        bail!(
            "no heap sizes between --min {} and --max {}",
            args.min,
            args.max
        );
    };
    for kind in KINDS {
        let at = |n: u64| points.iter().find(|p| p.0 == kind && p.1 == n).map(|p| p.2);
        match (at(largest), at(REFERENCE)) {
            (Some(big), Some(reference)) => writeln!(
                w,
                "linearity {}: {:.2} (ns/object at {largest} / at {REFERENCE})",
                kind.name(),
                big / reference
            )?,
            _ => writeln!(
                w,
                "linearity {}: not computed ({REFERENCE} objects was not measured)",
                kind.name()
            )?,
        }
    }
    writeln!(
        w,
        "took {}; wrote {}",
        human(started.elapsed()),
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = Args::parse();
    experiment::main("gclab-scaling", 1, |w| run(w, args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_one_two_five_per_decade_and_end_at_max() {
        assert_eq!(sizes(1_000, 10_000), vec![1_000, 2_000, 5_000, 10_000]);
        assert_eq!(
            sizes(1_000, 30_000),
            vec![1_000, 2_000, 5_000, 10_000, 20_000, 30_000]
        );
        assert_eq!(sizes(1_500, 1_500), vec![1_500]);
    }
}
