//! `gclab-generations`: collection pauses of a request loop beside a big cache.
//!
//! A program in the style of the Nim ORC benchmarks: a large long-lived cache (a root
//! holding entries of three objects each, a quarter of them cyclic), then a loop of
//! "requests", each allocating a few short-lived objects that use cache entries; a fifth
//! of the requests leave a garbage cycle behind, and one in a hundred replaces a cache
//! entry (the old one becomes garbage, cyclic or not): `gclab::workloads::RequestLoop`,
//! which `gclab-strategies` runs too. Automatic collection is on, with the thresholds
//! given; every collection is recorded through `Heap::add_callback`.
//!
//! Output, per threshold setting: `collections_<t0>_<t1>_..csv` with one row per
//! collection, `time_ns,generation,candidates,collected,live_heap,pause_ns`, where
//! `time_ns` is the end of the collection since the start of the run, `pause_ns` its
//! duration, and `live_heap` the heap's object count at the end of the operation during
//! which it ran (the callback cannot see the heap; the loop fills this in right after the
//! request, or the cache-building step, that triggered the collection). Also
//! `summary.csv` and `generations.svg` (pauses over time, live heap over time).

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use gclab::workloads::{CACHE_ENTRY_OBJECTS, RequestLoop};
use gclab::{GcConfig, Heap, Phase};
use plotters::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use gclab::experiment::plot::{self, Frame, Layout, plot_err};
use gclab::experiment::{
    self, Output, Table, ensure_dir, human, parse_count, percentile, progress, write_csv,
};
use serde::Serialize;

/// One line of `summary.csv`; the field names are the header.
#[derive(Serialize)]
struct SummaryRow {
    thresholds: String,
    collections: usize,
    young: usize,
    full: usize,
    p50_ns: u64,
    p99_ns: u64,
    max_ns: u64,
    total_pause_ns: u64,
    build_ns: u128,
    loop_ns: u128,
}

#[derive(Parser, Debug)]
#[command(
    name = "gclab-generations",
    version,
    about = "Collection pauses of a request loop beside a big long-lived cache",
    long_about = "Collection pauses of a request loop beside a big long-lived cache, under \
several threshold settings.\n\nBuilds a cache of --cache objects (entries of 3 objects, a \
quarter of them cyclic), then runs --requests requests that each allocate a few \
short-lived objects; 20% leave a garbage cycle and 1% replace a cache entry. Every \
collection is recorded (time, generation, candidates, collected, live heap, pause). \
Prints p50/p99/max pause per setting, side by side; writes one CSV per setting, \
summary.csv and generations.svg into --out.",
    after_help = "Examples:\n  gclab-generations\n  \
gclab-generations --thresholds 700,10,10 --thresholds 50000,10,10 --requests 2e6\n  \
gclab-generations --cache 1e5 --seed 7 --out /tmp/gen"
)]
struct Args {
    /// Objects in the long-lived cache (entries of three objects).
    #[arg(long, default_value = "1000000", value_parser = parse_count)]
    cache: u64,
    /// Requests in the loop.
    #[arg(long, default_value = "1000000", value_parser = parse_count)]
    requests: u64,
    /// A threshold setting, comma-separated, one value per generation (e.g. 700,10,10;
    /// two values make a two-generation heap). Repeat the option to compare settings.
    #[arg(long, value_parser = parse_thresholds, default_values = ["700,10,10", "2000,10,10", "10000,10,10", "2000,100,100"])]
    thresholds: Vec<Thresholds>,
    /// Seed of the request mix (runs with the same seed do the same operations and
    /// collections).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A tiny configuration for tests: cache 3000, 5000 requests.
    #[arg(long)]
    quick: bool,
    /// Output directory (created if needed).
    #[arg(long, default_value = "out/generations")]
    out: PathBuf,
}

/// One threshold setting.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Thresholds(Vec<u32>);

impl Thresholds {
    fn label(&self) -> String {
        self.0
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
    fn file_stem(&self) -> String {
        self.0
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("_")
    }
}

fn parse_thresholds(s: &str) -> Result<Thresholds, String> {
    let values = s
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("threshold {v:?} in {s:?} is not a whole number"))
        })
        .collect::<Result<Vec<u32>, String>>()?;
    if values.is_empty() || values.len() > gclab::MAX_GENERATIONS {
        return Err(format!(
            "{s:?}: give 1 to {} thresholds, one per generation",
            gclab::MAX_GENERATIONS
        ));
    }
    Ok(Thresholds(values))
}

/// One recorded collection: a line of `collections_<thresholds>.csv` (the field names
/// are the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Record {
    time_ns: u64,
    generation: usize,
    candidates: usize,
    collected: usize,
    /// Filled in by the loop after the operation that triggered the collection.
    live_heap: Option<usize>,
    pause_ns: u64,
}

/// The result of one run.
struct RunResult {
    thresholds: Thresholds,
    records: Vec<Record>,
    build: Duration,
    run: Duration,
}

/// Fills `live_heap` of the records the callback added since the last call.
fn fill_live(records: &RefCell<Vec<Record>>, filled: &mut usize, live: usize) {
    let mut records = records.borrow_mut();
    for r in &mut records[*filled..] {
        r.live_heap = Some(live);
    }
    *filled = records.len();
}

fn run_one(
    args: &Args,
    thresholds: &Thresholds,
    bar: &indicatif::ProgressBar,
) -> Result<RunResult> {
    let config = GcConfig {
        generations: thresholds.0.len(),
        thresholds: thresholds.0.clone(),
        enabled: true,
    };
    let mut heap: Heap<()> =
        Heap::with_config(config).with_context(|| format!("thresholds {}", thresholds.label()))?;
    let heap_err = |e: gclab::GcError| anyhow!("bug: heap operation failed: {e}");
    let records = Rc::new(RefCell::new(Vec::new()));
    let start = Instant::now();
    {
        let records = Rc::clone(&records);
        heap.add_callback(move |phase, report| {
            if phase == Phase::Stop && !report.skipped {
                records.borrow_mut().push(Record {
                    time_ns: start.elapsed().as_nanos() as u64,
                    generation: report.generation,
                    candidates: report.candidates,
                    collected: report.collected,
                    live_heap: None,
                    pause_ns: report.duration.as_nanos() as u64,
                });
            }
        });
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut filled = 0;

    // The cache: a root with one edge per entry.
    let entries = (args.cache / CACHE_ENTRY_OBJECTS).max(1) as usize;
    let mut requests = RequestLoop::new(&mut heap);
    for _ in 0..entries {
        requests.add_entry(&mut heap, &mut rng).map_err(heap_err)?;
        fill_live(&records, &mut filled, heap.len());
    }
    let build = start.elapsed();

    let step = (args.requests / 100).max(1);
    for i in 0..args.requests {
        requests.request(&mut heap, &mut rng).map_err(heap_err)?;
        fill_live(&records, &mut filled, heap.len());
        if (i + 1) % step == 0 {
            bar.inc(step);
        }
    }
    bar.inc(args.requests % step);
    let run = start.elapsed() - build;
    heap.clear_callbacks();
    let records = records.borrow().clone();
    Ok(RunResult {
        thresholds: thresholds.clone(),
        records,
        build,
        run,
    })
}

/// Pause statistics of the request loop (collections that ended after the cache was
/// built).
struct Summary {
    collections: usize,
    young: usize,
    full: usize,
    p50: u64,
    p99: u64,
    max: u64,
    total: u64,
}

fn summarize(r: &RunResult) -> Summary {
    let oldest = r.thresholds.0.len() - 1;
    let build_ns = r.build.as_nanos() as u64;
    let in_loop: Vec<&Record> = r.records.iter().filter(|c| c.time_ns >= build_ns).collect();
    let mut pauses: Vec<u64> = in_loop.iter().map(|c| c.pause_ns).collect();
    pauses.sort_unstable();
    Summary {
        collections: in_loop.len(),
        young: in_loop.iter().filter(|c| c.generation == 0).count(),
        full: in_loop.iter().filter(|c| c.generation == oldest).count(),
        p50: percentile(&pauses, 50.0),
        p99: percentile(&pauses, 99.0),
        max: pauses.last().copied().unwrap_or(0),
        total: pauses.iter().sum(),
    }
}

fn plot(path: &Path, results: &[RunResult]) -> Result<()> {
    let err = plot_err(path);
    let t_max = results
        .iter()
        .flat_map(|r| r.records.iter().map(|c| c.time_ns))
        .max()
        .unwrap_or(1) as f64
        / 1e9;
    let pause_us = |c: &Record| (c.pause_ns as f64 / 1e3).max(0.1);
    let (p_min, p_max) = results
        .iter()
        .flat_map(|r| r.records.iter().map(pause_us))
        .fold((f64::INFINITY, 0.1f64), |(lo, hi), p| {
            (lo.min(p), hi.max(p))
        });
    let p_min = if p_min.is_finite() { p_min / 2.0 } else { 0.1 };
    let heap_max = results
        .iter()
        .flat_map(|r| r.records.iter().filter_map(|c| c.live_heap))
        .max()
        .unwrap_or(1) as f64;

    let root = plot::svg_canvas(path, (1000, 800))?;
    let (upper, lower) = root.split_vertically(400);

    let frame = Frame::new(
        Layout::Page,
        "Collection pauses (request loop beside a cache)",
        "time (s)",
        "pause (µs)",
    )
    .y_labels(plot::whole);
    let x_range = 0f64..t_max.max(1e-6);
    let mut pauses = plot::chart(
        &upper,
        &frame,
        x_range.clone(),
        (p_min..p_max * 2.0).log_scale(),
        path,
    )?;
    for (i, r) in results.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        pauses
            .draw_series(
                r.records
                    .iter()
                    .map(|c| Circle::new((c.time_ns as f64 / 1e9, pause_us(c)), 2, color.filled())),
            )
            .map_err(&err)?
            .label(format!("thresholds {}", r.thresholds.label()))
            .legend(plot::dot_key(color));
    }
    plot::legend(
        &mut pauses,
        Layout::Page,
        SeriesLabelPosition::MiddleRight,
        path,
    )?;

    let frame = Frame::new(
        Layout::Page,
        "Live heap at each collection",
        "time (s)",
        "objects",
    )
    .y_labels(plot::whole);
    let mut heap_chart = plot::chart(&lower, &frame, x_range, 0f64..heap_max * 1.05, path)?;
    for (i, r) in results.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        heap_chart
            .draw_series(LineSeries::new(
                r.records
                    .iter()
                    .filter_map(|c| c.live_heap.map(|h| (c.time_ns as f64 / 1e9, h as f64))),
                color.stroke_width(1),
            ))
            .map_err(&err)?
            .label(format!("thresholds {}", r.thresholds.label()))
            .legend(plot::line_key(color));
    }
    plot::legend(
        &mut heap_chart,
        Layout::Page,
        SeriesLabelPosition::MiddleRight,
        path,
    )?;
    plot::present(&root, path)
}

fn run(w: &mut Output, mut args: Args) -> Result<ExitCode> {
    if args.quick {
        args.cache = 3000;
        args.requests = 5000;
    }
    ensure_dir(&args.out)?;
    let bar = progress(args.requests * args.thresholds.len() as u64, "requests");
    let mut results = Vec::new();
    for t in &args.thresholds {
        bar.set_message(format!("thresholds {}", t.label()));
        results.push(run_one(&args, t, &bar)?);
    }
    bar.finish_and_clear();

    let mut summary_rows = Vec::new();
    writeln!(
        w,
        "gclab-generations: cache {} objects, {} requests, seed {} (pauses of the request loop)",
        args.cache, args.requests, args.seed
    )?;
    let mut table = Table::new([
        "thresholds",
        "collections",
        "young",
        "full",
        "p50",
        "p99",
        "max",
        "total",
        "loop",
    ])
    .right_align(&[1, 2, 3, 4, 5, 6, 7, 8]);
    for r in &results {
        let path = args
            .out
            .join(format!("collections_{}.csv", r.thresholds.file_stem()));
        write_csv(&path, &r.records)?;
        let s = summarize(r);
        let ns = Duration::from_nanos;
        table.row([
            r.thresholds.label(),
            s.collections.to_string(),
            s.young.to_string(),
            s.full.to_string(),
            human(ns(s.p50)),
            human(ns(s.p99)),
            human(ns(s.max)),
            human(ns(s.total)),
            human(r.run),
        ]);
        summary_rows.push(SummaryRow {
            thresholds: r.thresholds.file_stem(),
            collections: s.collections,
            young: s.young,
            full: s.full,
            p50_ns: s.p50,
            p99_ns: s.p99,
            max_ns: s.max,
            total_pause_ns: s.total,
            build_ns: r.build.as_nanos(),
            loop_ns: r.run.as_nanos(),
        });
    }
    write!(w, "{table}")?;
    write_csv(&args.out.join("summary.csv"), &summary_rows)?;
    let svg = args.out.join("generations.svg");
    plot(&svg, &results)?;
    writeln!(
        w,
        "wrote {} (one collections_*.csv per setting, summary.csv, generations.svg)",
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = Args::parse();
    experiment::main("gclab-generations", 1, |w| run(w, args))
}
