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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Parser;
use gclab::{GcConfig, Heap, workloads};
use plotters::prelude::*;

use gclab::experiment::{
    self, Output, Table, ensure_dir, human, parse_count, plot_err, progress, round, write_csv,
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

fn plot(path: &Path, points: &[(Kind, u64, f64)]) -> Result<()> {
    let err = plot_err(path);
    let x_min = points.iter().map(|p| p.1).min().unwrap_or(1) as f64;
    let x_max = points.iter().map(|p| p.1).max().unwrap_or(10) as f64;
    let y_max = points.iter().map(|p| p.2).fold(1.0f64, f64::max);
    let root = SVGBackend::new(path, (900, 550)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Full-collection cost per object vs heap size",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((x_min * 0.8..x_max * 1.25).log_scale(), 0f64..y_max * 1.15)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc("objects in the heap")
        .y_desc("ns per object")
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .draw()
        .map_err(&err)?;
    for (i, kind) in KINDS.into_iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let series: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.0 == kind)
            .map(|p| (p.1 as f64, p.2))
            .collect();
        chart
            .draw_series(LineSeries::new(
                series.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(&err)?
            .label(match kind {
                Kind::Live => "live, first collection (examined, none freed)",
                Kind::LiveAgain => "live, second collection (steady state)",
                Kind::Dead => "dead (examined and freed)",
            })
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], color));
        chart
            .draw_series(series.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(&err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(&err)?;
    root.present().map_err(&err)?;
    Ok(())
}

fn run(w: &mut Output, mut args: Args) -> Result<ExitCode> {
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
