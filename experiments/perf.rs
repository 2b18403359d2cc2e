//! `gclab-perf`: the standard workloads, timed per object, optionally beside CPython.
//!
//! Every figure is the best (minimum) of `--repeat` runs (at least 50 for the short
//! workloads: young_vs_old, rings21, dag), in nanoseconds per object of the phase. The
//! phases and their divisors are the CPython script's (`benches/cpython_workloads.py`), so
//! `--vs-python` can put both side by side: automatic collection is off except for
//! GCBench, and the structure is built outside the timed region unless the phase is the
//! building itself.
//!
//! `--strategy NAME[:SETTINGS]` runs every workload under another collection strategy
//! (`gclab::experiment::StrategyChoice`; default `generational`, CPython's thresholds):
//! "automatic collection off" is the strategy's quiet heap, GCBench runs with its
//! automatic collection on, and the young collections of `young_vs_old` are the
//! strategy's full collection when it has no generations.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, ValueEnum};
use gclab::experiment::{
    self, Output, StrategyChoice, StrategyHeaps, Table, WithStrategy, as_generational, ensure_dir,
    parse_count, parse_strategy, progress, round, write_csv, write_csv_to,
};
use gclab::workloads::{self, GcBenchConfig, Workload};
use gclab::{CollectReport, CycleCollector, GcConfig, Heap};

use serde::Serialize;

/// One line of `--csv` and of `perf.csv`; the field names are the header.
#[derive(Serialize)]
struct PerfCsv {
    workload: &'static str,
    n: u64,
    phase: &'static str,
    gclab_ns_per_object: f64,
    cpython_ns_per_object: Option<f64>,
    ratio: Option<f64>,
}

/// One line of `memory.csv`; the field names are the header.
#[derive(Serialize)]
struct MemoryCsv {
    structure: &'static str,
    objects: u64,
    rss_bytes_per_object: Option<f64>,
    estimate_bytes_per_object: Option<f64>,
}
/// Documented size of a tracked one-edge `()` object (`src/object.rs`, `src/store.rs`): a
/// 32-byte slot (the record, its version and first edge included) and a 4-byte entry (its
/// slot) in its generation's list.
const GCLAB_ESTIMATE_BYTES: f64 = 36.0;

#[derive(Parser, Debug)]
#[command(
    name = "gclab-perf",
    version,
    about = "Time gclab's standard workloads per object (optionally beside CPython)",
    long_about = "Time gclab's standard workloads per object, phase by phase, and the \
memory of a one-edge object.\n\nEach figure is the best of --repeat runs (at least 50 \
for young_vs_old, rings21 and dag), in ns per object of the phase. With --vs-python \
the same workloads run in CPython (benches/cpython_workloads.py) and the table gains \
CPython's column and the ratio cpython / gclab (above 1: gclab is faster).\n\nWith \
--strategy the workloads run under another collection strategy.\n\nWrites \
perf.csv and memory.csv into --out.",
    after_help = "Examples:\n  gclab-perf                       # 10^6, table\n  \
gclab-perf --n 1e5 --csv          # CSV on stdout\n  \
gclab-perf --vs-python            # both columns and the ratio\n  \
gclab-perf --workloads dead_cycles,live --repeat 5\n  \
gclab-perf --strategy full-only --workloads young_vs_old\n\n\
Strategies (--strategy NAME[:SETTINGS]):\n{strategies}"
)]
struct Args {
    /// Workload size in objects (1000000, 1e6 and 1_000_000 are all accepted).
    #[arg(long, default_value = "1000000", value_parser = parse_count)]
    n: u64,
    /// Runs per measurement; the best is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Comma-separated workloads to run (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    workloads: Vec<Workload>,
    /// The collection strategy the workloads run under, `name[:settings]` (see the list
    /// below).
    #[arg(long, value_name = "NAME[:SETTINGS]", default_value = "generational", value_parser = parse_strategy)]
    strategy: StrategyChoice,
    /// Print CSV on stdout instead of a table.
    #[arg(long)]
    csv: bool,
    /// Also run the workloads in CPython and show both columns and the ratio.
    #[arg(long)]
    vs_python: bool,
    /// Python interpreter for --vs-python.
    #[arg(long, default_value = "python3")]
    python: String,
    /// The CPython workload script (default: benches/cpython_workloads.py, relative to the
    /// current directory, else to the repository this binary was built from).
    #[arg(long)]
    python_script: Option<PathBuf>,
    /// Subtract K from every GCBench tree depth (0 = the standard benchmark, about 15
    /// million nodes per run).
    #[arg(long, value_name = "K", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=15))]
    gcbench_scale: u32,
    /// Objects allocated for the memory measurement.
    #[arg(long, default_value = "1000000", value_parser = parse_count)]
    memory_objects: u64,
    /// A tiny configuration for tests: n = 2000, repeat 1, GCBench scale 12, 10^5 objects
    /// for memory.
    #[arg(long)]
    quick: bool,
    /// Output directory (created if needed).
    #[arg(long, default_value = "out/perf")]
    out: PathBuf,
    /// Internal: measure the memory of one structure in this (fresh) process and print
    /// bytes per object.
    #[arg(long, hide = true, value_enum)]
    measure_memory: Option<MemoryProbe>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
enum MemoryProbe {
    Gclab,
    RcRefcell,
}

/// One measured phase.
struct Row {
    workload: &'static str,
    phase: &'static str,
    gclab: f64,
    cpython: Option<f64>,
}

/// A heap for timing: automatic collection off, as the CPython script's `gc.disable()`.
fn quiet_heap() -> Heap<()> {
    Heap::with_config(GcConfig {
        enabled: false,
        ..GcConfig::default()
    })
    .expect("bug: the default configuration with collection off is valid")
}

fn ns_per(d: Duration, objects: u64) -> f64 {
    d.as_nanos() as f64 / objects.max(1) as f64
}

fn time<R>(f: impl FnOnce() -> R) -> (Duration, R) {
    let start = Instant::now();
    let r = f();
    (start.elapsed(), r)
}

/// A young collection: generation 0 under a generational strategy, the full collection
/// under one without generations.
fn collect_young<C: CycleCollector>(heap: &mut Heap<(), C>) -> CollectReport {
    match as_generational(heap) {
        Some(heap) => heap.collect(0).expect("bug: generation 0 exists"),
        None => heap.collect_full(),
    }
}

/// One workload, `repeat` times, under a strategy (a [`WithStrategy`]): its phases,
/// best of all runs.
struct PerfRun {
    w: Workload,
    n: u64,
    repeat: u32,
    gcbench_scale: u32,
}

impl WithStrategy for PerfRun {
    type Output = Vec<(&'static str, f64)>;

    fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> Vec<(&'static str, f64)> {
        let PerfRun {
            w,
            n,
            repeat,
            gcbench_scale,
        } = self;
        run_workload(strategy, w, n, repeat, gcbench_scale)
    }
}

/// Runs one workload `repeat` times and returns its phases, best of all runs.
fn run_workload<C: CycleCollector>(
    strategy: &StrategyHeaps<C>,
    w: Workload,
    n: u64,
    repeat: u32,
    gcbench_scale: u32,
) -> Vec<(&'static str, f64)> {
    let quiet_heap = || strategy.quiet_heap::<()>();
    let n_us = n as usize;
    let short_reps = repeat.max(50);
    let best = |reps: u32, mut f: Box<dyn FnMut() -> Duration + '_>| {
        (0..reps).map(|_| f()).min().unwrap_or_default()
    };
    match w {
        Workload::DeadCycles => {
            let t = best(
                repeat,
                Box::new(|| {
                    let mut heap = quiet_heap();
                    workloads::dead_cycles(&mut heap, n_us);
                    time(|| heap.collect_full()).0
                }),
            );
            vec![("collect", ns_per(t, 2 * n))]
        }
        Workload::Live => {
            let t = best(
                repeat,
                Box::new(|| {
                    let mut heap = quiet_heap();
                    workloads::live(&mut heap, n_us);
                    time(|| heap.collect_full()).0
                }),
            );
            vec![("collect", ns_per(t, n))]
        }
        Workload::AcyclicChurn => {
            let t = best(
                repeat,
                Box::new(|| {
                    let mut heap = quiet_heap();
                    let leaf = heap.alloc(());
                    time(|| workloads::acyclic_churn(&mut heap, n_us, leaf)).0
                }),
            );
            vec![("churn", ns_per(t, n))]
        }
        Workload::Chain => {
            let mut build = Duration::MAX;
            let mut drop = Duration::MAX;
            for _ in 0..repeat {
                let mut heap = quiet_heap();
                let (tb, head) = time(|| workloads::chain(&mut heap, n_us));
                let (td, _) = time(|| head.map(|h| heap.decref(h)));
                build = build.min(tb);
                drop = drop.min(td);
            }
            vec![("build", ns_per(build, n)), ("drop", ns_per(drop, n))]
        }
        Workload::Ring => {
            let t = best(
                repeat,
                Box::new(|| {
                    let mut heap = quiet_heap();
                    if let Some(member) = workloads::ring(&mut heap, n_us) {
                        heap.decref(member).expect("bug: the ring member is ours");
                    }
                    time(|| heap.collect_full()).0
                }),
            );
            vec![("collect", ns_per(t, n))]
        }
        Workload::YoungVsOld => {
            let mut rows = Vec::new();
            for (phase, old) in [("old_1e3", 1000), ("old_1e6", n_us.min(1_000_000))] {
                let mut heap = quiet_heap();
                let setup = workloads::young_vs_old(&mut heap, old);
                let t = best(
                    short_reps,
                    Box::new(|| {
                        collect_young(&mut heap);
                        setup.add_young(&mut heap);
                        time(|| collect_young(&mut heap)).0
                    }),
                );
                rows.push((phase, ns_per(t, workloads::YOUNG_OBJECTS as u64)));
            }
            rows
        }
        Workload::Gcbench => {
            let mut rows = Vec::new();
            for (phase, parent_pointers) in [("acyclic", false), ("parent_pointers", true)] {
                let config = GcBenchConfig {
                    parent_pointers,
                    scale: gcbench_scale,
                };
                let per_node = (0..repeat)
                    .map(|_| {
                        let mut heap = strategy.heap::<()>(); // automatic collection on
                        let (t, report) = time(|| workloads::gcbench_with(&mut heap, config));
                        ns_per(t, report.nodes)
                    })
                    .fold(f64::INFINITY, f64::min);
                rows.push((phase, per_node));
            }
            rows
        }
        Workload::Rings21 => {
            let objects = (workloads::RINGS21_RINGS * workloads::RING21_LEN) as u64;
            let t = best(
                short_reps,
                Box::new(|| {
                    let mut heap = quiet_heap();
                    workloads::rings21(&mut heap, workloads::RINGS21_RINGS);
                    time(|| heap.collect_full()).0
                }),
            );
            vec![("collect", ns_per(t, objects))]
        }
        Workload::Dag => {
            let levels = workloads::DAG_LEVELS as u64;
            let edges = levels * (levels - 1) / 2;
            let mut heap = quiet_heap();
            let _top = workloads::dag(&mut heap, workloads::DAG_LEVELS);
            heap.collect_full();
            let t = best(short_reps, Box::new(|| time(|| heap.collect_full()).0));
            vec![
                ("collect", ns_per(t, levels)),
                ("collect_per_edge", ns_per(t, edges)),
            ]
        }
    }
}

// ----------------------------------------------------------------------------------------
// Memory
// ----------------------------------------------------------------------------------------

/// The resident set size of this process in bytes (`VmRSS` of `/proc/self/status`), or
/// `None` where there is no such file.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A node of the std comparison: `Rc<RefCell<Vec<Rc<..>>>>`, the usual way to write a
/// mutable graph node in safe Rust.
struct RcNode {
    _edges: RefCell<Vec<Rc<RcNode>>>,
}

/// In this process: allocate `objects` one-edge objects (a chain) and print the growth
/// of the resident set per object. The chain is leaked on purpose: the process exits
/// right after, and dropping a long `Rc` chain would recurse.
fn probe_memory(w: &mut Output, probe: MemoryProbe, objects: u64) -> Result<()> {
    let before = rss_bytes().ok_or_else(|| anyhow!("/proc/self/status has no VmRSS"))?;
    let after = match probe {
        MemoryProbe::Gclab => {
            let mut heap = quiet_heap();
            let head = workloads::chain(&mut heap, objects as usize);
            let after = rss_bytes();
            std::hint::black_box((&heap, head));
            std::mem::forget(heap);
            after
        }
        MemoryProbe::RcRefcell => {
            let mut head = Rc::new(RcNode {
                _edges: RefCell::new(Vec::new()),
            });
            for _ in 1..objects {
                head = Rc::new(RcNode {
                    _edges: RefCell::new(vec![head]),
                });
            }
            let after = rss_bytes();
            std::hint::black_box(&head);
            std::mem::forget(head);
            after
        }
    };
    let after = after.ok_or_else(|| anyhow!("VmRSS vanished"))?;
    writeln!(
        w,
        "{:.1}",
        after.saturating_sub(before) as f64 / objects as f64
    )?;
    Ok(())
}

/// Runs the memory probe in a fresh child process (so earlier measurements' freed
/// memory does not hide the growth) and returns bytes per object.
fn measure_memory_in_child(probe: MemoryProbe, objects: u64) -> Result<f64> {
    let exe = std::env::current_exe().map_err(|e| anyhow!("cannot find this executable: {e}"))?;
    let name = probe
        .to_possible_value()
        .expect("bug: memory probes have names")
        .get_name()
        .to_owned();
    let output = Command::new(exe)
        .args(["--measure-memory", &name, "--memory-objects"])
        .arg(objects.to_string())
        .output()
        .map_err(|e| anyhow!("cannot run the memory probe: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim().parse().map_err(|_| {
        anyhow!(
            "memory probe {name} failed: {}{}",
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// CPython's figures for a one-element list: `sys.getsizeof([x])` and the resident set
/// growth per object of a chain of `objects` one-element lists.
fn python_memory(python: &str, objects: u64) -> Result<(f64, f64)> {
    const SCRIPT: &str = r#"
import gc, sys
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
gc.disable()
n = int(sys.argv[1])
before = rss()
head = None
for _ in range(n):
    head = [head]
after = rss()
print(sys.getsizeof([None]), (after - before) / n)
sys.stdout.flush()
import os
os._exit(0)
"#;
    let output = Command::new(python)
        .args(["-c", SCRIPT, &objects.to_string()])
        .output()
        .map_err(|e| anyhow!("cannot run {python}: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace().map(str::parse::<f64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(size)), Some(Ok(rss))) => Ok((size, rss)),
        _ => Err(anyhow!(
            "{python} memory probe printed {:?}: {}",
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

// ----------------------------------------------------------------------------------------
// CPython
// ----------------------------------------------------------------------------------------

fn find_script(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_owned())
        } else {
            Err(anyhow!("python script {} does not exist", path.display()))
        };
    }
    let relative = Path::new("benches/cpython_workloads.py");
    if relative.is_file() {
        return Ok(relative.to_owned());
    }
    // This package is experiments/ of the repository; the script is in its benches/.
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let in_repository = repository.join(relative);
    if in_repository.is_file() {
        return Ok(in_repository);
    }
    Err(anyhow!(
        "cannot find benches/cpython_workloads.py (looked in . and {}); pass --python-script",
        repository.display()
    ))
}

/// Runs the CPython script and returns `(workload, phase) → ns per object`.
fn run_python(
    args: &Args,
    script: &Path,
    workloads: &[Workload],
) -> Result<Vec<(String, String, f64)>> {
    let names: Vec<&str> = workloads.iter().map(|w| w.name()).collect();
    let output = Command::new(&args.python)
        .arg(script)
        .args(["--n", &args.n.to_string()])
        .args(["--workloads", &names.join(",")])
        .args(["--repeat", &args.repeat.to_string()])
        .args(["--gcbench-scale", &args.gcbench_scale.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| anyhow!("cannot run {}: {e}", args.python))?;
    if !output.status.success() {
        return Err(anyhow!(
            "{} {} failed with {}",
            args.python,
            script.display(),
            output.status
        ));
    }
    parse_python_csv(&String::from_utf8_lossy(&output.stdout))
}

/// One line of the CPython script's CSV (`workload,n,phase,ns_per_object`).
#[derive(serde::Deserialize)]
struct PythonCsv {
    workload: String,
    #[allow(dead_code, reason = "part of the script's format; the size is ours")]
    n: u64,
    phase: String,
    ns_per_object: f64,
}

/// Parses the script's `workload,n,phase,ns_per_object` CSV through the `csv` crate.
fn parse_python_csv(text: &str) -> Result<Vec<(String, String, f64)>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .context("reading the CPython script's CSV header")?
        .clone();
    if header.iter().collect::<Vec<_>>() != ["workload", "n", "phase", "ns_per_object"] {
        bail!("unexpected header from the CPython script: {header:?}");
    }
    reader
        .deserialize::<PythonCsv>()
        .enumerate()
        .map(|(i, row)| {
            row.map(|r| (r.workload, r.phase, r.ns_per_object))
                .with_context(|| format!("line {} of the CPython script's CSV", i + 2))
        })
        .collect()
}

// ----------------------------------------------------------------------------------------
// Output
// ----------------------------------------------------------------------------------------

fn csv_rows(rows: &[Row], n: u64) -> impl Iterator<Item = PerfCsv> + '_ {
    rows.iter().map(move |r| PerfCsv {
        workload: r.workload,
        n,
        phase: r.phase,
        gclab_ns_per_object: round(r.gclab, 2),
        cpython_ns_per_object: r.cpython.map(|c| round(c, 2)),
        ratio: r.cpython.map(|c| round(c / r.gclab, 2)),
    })
}

fn print_table(
    w: &mut Output,
    rows: &[Row],
    n: u64,
    strategy: &StrategyChoice,
    with_python: bool,
) -> Result<()> {
    writeln!(
        w,
        "gclab-perf, n = {n}, strategy {strategy} (ns per object, best of runs)"
    )?;
    let mut header = vec!["workload", "phase", "gclab"];
    if with_python {
        header.extend(["cpython", "ratio"]);
    }
    let mut table = Table::new(header).right_align(&[2, 3, 4]);
    for r in rows {
        let mut cells = vec![
            r.workload.to_owned(),
            r.phase.to_owned(),
            format!("{:.2}", r.gclab),
        ];
        if with_python {
            cells.push(r.cpython.map(|c| format!("{c:.2}")).unwrap_or_default());
            cells.push(
                r.cpython
                    .map(|c| format!("{:.1}x", c / r.gclab))
                    .unwrap_or_default(),
            );
        }
        table.row(cells);
    }
    write!(w, "{table}")?;
    Ok(())
}

fn run(w: &mut Output, mut args: Args) -> Result<ExitCode> {
    if let Some(probe) = args.measure_memory {
        probe_memory(w, probe, args.memory_objects.max(1))?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.quick {
        args.n = 2000;
        args.repeat = 1;
        args.gcbench_scale = args.gcbench_scale.max(12);
        args.memory_objects = args.memory_objects.min(100_000);
    }
    if args.n < 2 {
        bail!("--n must be at least 2, got {}", args.n);
    }
    let workloads: Vec<Workload> = if args.workloads.is_empty() {
        Workload::ALL.to_vec()
    } else {
        args.workloads.clone()
    };
    ensure_dir(&args.out)?;

    let steps = workloads.len() as u64 + 1 + u64::from(args.vs_python);
    let bar = progress(steps, "gclab-perf");
    let mut rows = Vec::new();
    for &w in &workloads {
        bar.set_message(w.name());
        let run = PerfRun {
            w,
            n: args.n,
            repeat: args.repeat,
            gcbench_scale: args.gcbench_scale,
        };
        for (phase, ns) in args.strategy.with(run) {
            rows.push(Row {
                workload: w.name(),
                phase,
                gclab: ns,
                cpython: None,
            });
        }
        bar.inc(1);
    }

    bar.set_message("memory");
    let objects = args.memory_objects.max(1);
    let gclab_rss = measure_memory_in_child(MemoryProbe::Gclab, objects);
    let rc_rss = measure_memory_in_child(MemoryProbe::RcRefcell, objects);
    bar.inc(1);

    let mut python_note = None;
    let mut python_mem = None;
    if args.vs_python {
        bar.set_message("cpython");
        let python_ok = Command::new(&args.python)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !python_ok {
            python_note = Some(format!(
                "{} is not available: the cpython columns are empty",
                args.python
            ));
        } else {
            let script = find_script(args.python_script.as_deref())?;
            bar.suspend(|| -> Result<()> {
                for (w, p, ns) in run_python(&args, &script, &workloads)? {
                    if let Some(row) = rows.iter_mut().find(|r| r.workload == w && r.phase == p) {
                        row.cpython = Some(ns);
                    }
                }
                Ok(())
            })?;
            python_mem = Some(python_memory(&args.python, objects));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(note) = &python_note {
        eprintln!("gclab-perf: {note}");
    }

    let csv_path = args.out.join("perf.csv");
    write_csv(&csv_path, csv_rows(&rows, args.n))?;

    let mut memory_rows = Vec::new();
    let mut memory_lines = Vec::new();
    let show = |r: &Result<f64>| match r {
        Ok(v) => format!("{v:.1} B"),
        Err(e) => format!("unmeasured ({e:#})"),
    };
    let cell = |r: &Result<f64>| r.as_ref().ok().map(|&v| round(v, 1));
    memory_rows.push(MemoryCsv {
        structure: "gclab",
        objects,
        rss_bytes_per_object: cell(&gclab_rss),
        estimate_bytes_per_object: Some(GCLAB_ESTIMATE_BYTES),
    });
    memory_lines.push(format!(
        "memory  gclab one-edge () object: {} by RSS, {GCLAB_ESTIMATE_BYTES} B by layout (32 slot + 4 generation list)",
        show(&gclab_rss)
    ));
    memory_rows.push(MemoryCsv {
        structure: "rc_refcell",
        objects,
        rss_bytes_per_object: cell(&rc_rss),
        estimate_bytes_per_object: None,
    });
    memory_lines.push(format!(
        "memory  Rc<RefCell<Vec<Rc<..>>>> one-edge node: {} by RSS",
        show(&rc_rss)
    ));
    match python_mem {
        Some(Ok((getsizeof, rss))) => {
            memory_rows.push(MemoryCsv {
                structure: "cpython",
                objects,
                rss_bytes_per_object: Some(round(rss, 1)),
                estimate_bytes_per_object: Some(round(getsizeof, 1)),
            });
            memory_lines.push(format!(
                "memory  CPython one-element list: {rss:.1} B by RSS, sys.getsizeof([x]) = {getsizeof} B (GC header included)"
            ));
        }
        Some(Err(e)) => memory_lines.push(format!("memory  CPython: unmeasured ({e:#})")),
        None => {}
    }
    let memory_path = args.out.join("memory.csv");
    write_csv(&memory_path, &memory_rows)?;

    if args.csv {
        write_csv_to(&mut *w, csv_rows(&rows, args.n)).context("writing CSV to standard output")?;
        for line in &memory_lines {
            eprintln!("{line}");
        }
    } else {
        print_table(
            w,
            &rows,
            args.n,
            &args.strategy,
            args.vs_python && python_note.is_none(),
        )?;
        for line in &memory_lines {
            writeln!(w, "{line}")?;
        }
        writeln!(
            w,
            "wrote {} and {}",
            csv_path.display(),
            memory_path.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Args = experiment::parse_args_listing_strategies();
    experiment::main("gclab-perf", 1, |w| run(w, args))
}
