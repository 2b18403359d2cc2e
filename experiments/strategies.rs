//! `gclab-strategies`: collection strategies side by side on the same workloads.
//!
//! For every strategy (with its settings, `--strategy`) and every workload
//! (`--workload`, `--trace`), one run on a fresh heap with automatic collection on,
//! measuring:
//!
//! - collections, objects collected and objects examined (the sum of the reports'
//!   `candidates`), per collection and in total;
//! - collector time and pauses: the wall time of each collection, from its start
//!   observer to its stop observer (`Heap::add_heap_callback`), so every strategy is
//!   timed the same way; p50, p99 and max over the run's collections;
//! - peak heap: `Heap::len` after every workload step (one cycle, one ring, one tree,
//!   one request, one op) and at the start of every collection;
//! - peak unreachable: objects alive but not reachable from any external reference
//!   (names, handles, `garbage`), found by an oracle (a breadth-first search over the
//!   whole heap) sampled every `--sample-every` allocations, at a step boundary, and once
//!   before the final collection;
//! - garbage latency: every object a sample finds unreachable is remembered with the
//!   allocation counter of that sample; when a collection frees it, the allocations
//!   since then are one latency sample. The sample sees an object up to `--sample-every`
//!   allocations after it became unreachable, so latencies are lower bounds, rounded
//!   down to that resolution;
//! - run time: the workload's wall time without the oracle's samples.
//!
//! After the workload, one final full collection (`Heap::collect_full`) frees what is
//! left; it is reported apart (`final_collected`, `final_pause_ns`) and is not in the
//! pause statistics. On the workloads where every garbage object is on a cycle (all
//! but `requests`, `random` and traces), the collected totals (`collected +
//! final_collected`) must be the same under every strategy: the binary checks it.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, ValueEnum};
use gclab::experiment::plot::{self, Frame, Layout, plot_err};
use gclab::experiment::{
    self, DirectReplay, Output, StrategyChoice, StrategyHeaps, Table, WithStrategy, ensure_dir,
    human, parse_count, parse_strategy, percentile, progress, round, write_csv,
};
use gclab::testing::{Op, Target, TraceError, read_trace, trace_to_string};
use gclab::workloads::{self, CACHE_ENTRY_OBJECTS, GcBench, GcBenchConfig, RequestLoop};
use gclab::{CycleCollector, GcError, Heap, ObjId, Phase};
use indicatif::{ProgressBar, ProgressDrawTarget};
use plotters::coord::Shift;
use plotters::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use slotmap::SecondaryMap;

#[derive(Parser, Debug)]
#[command(
    name = "gclab-strategies",
    version,
    about = "Compare collection strategies side by side: pauses, collector time, peak heap, garbage latency",
    long_about = "Compare collection strategies side by side on the same workloads.\n\n\
For every strategy (and its settings) and every workload, one run with automatic \
collection on: collections, objects collected and examined, collector time, pause \
p50/p99/max (wall time of each collection), peak heap (objects), peak unreachable \
objects and garbage latency (allocations from unreachable to freed; both sampled by a \
reachability oracle every --sample-every allocations), run time. A final full \
collection frees what is left and is reported apart.\n\n\
Writes into --out: strategies.csv (one row per strategy x workload), pauses.csv (one row \
per collection), heap.csv (heap and unreachable objects at each sample), random.jsonl \
(the random workload's trace, replayable with gclab-replay), and three plots: \
pauses.svg (pause distribution per strategy), heap.svg (heap over time per strategy) \
and tradeoff.svg (throughput against max pause, one point per strategy).",
    after_help = "Strategies (--strategy NAME[:SETTINGS]):\n{strategies}\n\n\
Examples:\n  gclab-strategies --quick\n  \
gclab-strategies --strategy generational --strategy full-only:10000 --workload requests\n  \
gclab-strategies --trace target/gclab-traces/case.jsonl --out /tmp/strategies"
)]
struct Args {
    /// A strategy and its settings, `name[:settings]` (see the list below). Repeat to
    /// compare several. Default: generational (2000,10,10), generational:700,
    /// generational:10000, full-only (2000), full-only:10000, bacon-rajan (adaptive),
    /// bacon-rajan:1000, incremental (CPython 3.14's settings) and mark-alive.
    #[arg(long = "strategy", value_name = "NAME[:SETTINGS]", value_parser = parse_strategy)]
    strategies: Vec<StrategyChoice>,
    /// A workload to run (repeat for several; default: all, or none when --trace is
    /// given).
    #[arg(long = "workload", value_enum)]
    workloads: Vec<Kind>,
    /// A JSON-lines op trace (as gclab-replay reads) to run as a workload, replayed
    /// directly on the heap (no model; finalizer and callback programs are not run).
    /// Repeatable.
    #[arg(long = "trace", value_name = "FILE")]
    traces: Vec<PathBuf>,
    /// Objects of the dead_cycles, live, acyclic_churn, ring and rings21 workloads.
    #[arg(long, default_value = "100000", value_parser = parse_count)]
    n: u64,
    /// Objects in the requests workload's long-lived cache.
    #[arg(long, default_value = "100000", value_parser = parse_count)]
    cache: u64,
    /// Requests in the requests workload.
    #[arg(long, default_value = "100000", value_parser = parse_count)]
    requests: u64,
    /// Ops of the random workload.
    #[arg(long, default_value = "200000", value_parser = parse_count)]
    random_ops: u64,
    /// Subtract K from every GCBench tree depth (0: the standard benchmark, 15 million
    /// nodes).
    #[arg(long, value_name = "K", default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=15))]
    gcbench_scale: u32,
    /// Allocations between two samples of the reachability oracle (each costs time
    /// linear in the heap; it is not counted in the run time).
    #[arg(long, value_name = "K", default_value = "2000", value_parser = parse_count)]
    sample_every: u64,
    /// Seed of the requests and random workloads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Small sizes (n 4000, cache 3000, 5000 requests, 20000 random ops, GCBench scale 9,
    /// a sample every 250 allocations): under a minute, the CI smoke test.
    #[arg(long)]
    quick: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Output directory (created if needed).
    #[arg(long, default_value = "out/strategies")]
    out: PathBuf,
}

/// The workloads, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
#[value(rename_all = "snake_case")]
enum Kind {
    /// n/2 garbage two-node cycles, one at a time.
    DeadCycles,
    /// n/2 live two-node cycles under one root, dropped at the end.
    Live,
    /// A one-edge object allocated and dropped, n times.
    AcyclicChurn,
    /// One ring of n objects, built and dropped.
    Ring,
    /// n/21 rings of 21 doubly linked nodes (pyperformance gc_collect).
    Rings21,
    /// GCBench with parent pointers (every tree a cycle), one tree per step.
    Gcbench,
    /// Requests beside a long-lived cache (gclab-generations' workload).
    Requests,
    /// Random ops on objects the program holds (links, releases, edge removals).
    Random,
}

impl Kind {
    const ALL: [Kind; 8] = [
        Kind::DeadCycles,
        Kind::Live,
        Kind::AcyclicChurn,
        Kind::Ring,
        Kind::Rings21,
        Kind::Gcbench,
        Kind::Requests,
        Kind::Random,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::DeadCycles => "dead_cycles",
            Kind::Live => "live",
            Kind::AcyclicChurn => "acyclic_churn",
            Kind::Ring => "ring",
            Kind::Rings21 => "rings21",
            Kind::Gcbench => "gcbench",
            Kind::Requests => "requests",
            Kind::Random => "random",
        }
    }

    /// Whether every garbage object of the workload is on a cycle, and the workload is
    /// the same under every strategy: then every strategy collects the same total.
    fn same_collected_everywhere(self) -> bool {
        !matches!(self, Kind::Requests | Kind::Random)
    }
}

/// A workload to run: a standard one, or a trace.
#[derive(Debug, Clone)]
struct Workload {
    name: String,
    kind: Option<Kind>,
    /// The ops of `random` and of traces.
    ops: Rc<Vec<Op>>,
}

/// Sizes of one invocation.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    n: u64,
    cache: u64,
    requests: u64,
    gcbench_scale: u32,
    sample_every: u64,
    seed: u64,
}

// ----------------------------------------------------------------------------------------
// The random workload
// ----------------------------------------------------------------------------------------

/// A random program of `ops` ops on objects the program holds a reference to (named by
/// allocation number, so every op means the same under every strategy, whatever it has
/// freed): allocations; links from one of the 8 newest held objects to one of the 32
/// newest (local structure, cycles among neighbours); edge removals; names bound;
/// releases of the oldest held object once the program holds more than 64. Released
/// objects stay reachable while a held neighbour points at them, and become garbage,
/// often cyclic, once none does.
fn random_program(ops: usize, seed: u64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Allocation numbers of the objects the program holds, oldest first.
    let mut held: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
    let mut allocated: u32 = 0;
    let mut out = Vec::with_capacity(ops);
    let recent = |rng: &mut StdRng, held: &std::collections::VecDeque<u32>, window: usize| {
        let k = rng.random_range(0..window.min(held.len()));
        Target::Alloc(held[held.len() - 1 - k])
    };
    while out.len() < ops {
        let r: f64 = rng.random();
        if held.len() > 64 && r < 0.25 {
            let oldest = held.pop_front().unwrap_or_default();
            out.push(Op::Decref {
                obj: Target::Alloc(oldest),
            });
        } else if held.len() < 2 || r < 0.5 {
            out.push(Op::Alloc);
            held.push_back(allocated);
            allocated += 1;
        } else if r < 0.85 {
            out.push(Op::Link {
                from: recent(&mut rng, &held, 8),
                to: recent(&mut rng, &held, 32),
            });
        } else if r < 0.95 {
            out.push(Op::RemoveEdge {
                from: recent(&mut rng, &held, 32),
                index: rng.random_range(0..4),
            });
        } else {
            out.push(Op::SetVar {
                name: rng.random_range(0..8),
                obj: recent(&mut rng, &held, 32),
            });
        }
    }
    out
}

// ----------------------------------------------------------------------------------------
// Driving a workload step by step
// ----------------------------------------------------------------------------------------

/// A workload in progress on one heap: [`Driver::step`] takes one small step (a cycle, a
/// ring, a tree, a request, an op) so the experiment can look at the heap in between.
struct Driver {
    kind: Option<Kind>,
    sizes: Sizes,
    done: u64,
    /// The root held by the workload (live's root, churn's leaf, the ring member).
    root: Option<ObjId>,
    gcbench: GcBench,
    requests: Option<RequestLoop>,
    rng: StdRng,
    ops: Rc<Vec<Op>>,
    replay: DirectReplay,
}

fn heap_bug(e: GcError) -> anyhow::Error {
    anyhow!("bug: a workload operation failed: {e}")
}

impl Driver {
    fn new(w: &Workload, sizes: Sizes) -> Driver {
        Driver {
            kind: w.kind,
            sizes,
            done: 0,
            root: None,
            gcbench: GcBench::new(GcBenchConfig {
                parent_pointers: true,
                scale: sizes.gcbench_scale,
            }),
            requests: None,
            rng: StdRng::seed_from_u64(sizes.seed),
            ops: Rc::clone(&w.ops),
            replay: DirectReplay::default(),
        }
    }

    /// Takes one step; returns whether the workload goes on.
    fn step<C: CycleCollector>(&mut self, heap: &mut Heap<u64, C>) -> Result<bool> {
        let n = self.sizes.n;
        let i = self.done;
        self.done += 1;
        let Some(kind) = self.kind else {
            // A trace.
            if let Some(op) = self.ops.get(i as usize) {
                self.replay.apply(heap, op);
            }
            return Ok(self.done < self.ops.len() as u64);
        };
        match kind {
            Kind::DeadCycles => {
                workloads::dead_cycles(heap, 1);
                Ok(self.done < n / 2)
            }
            Kind::Live => {
                let root = *self.root.get_or_insert_with(|| heap.alloc(0));
                if i < n / 2 {
                    // A live two-node cycle under the root (workloads::live's shape).
                    let (a, b) = (heap.alloc(0), heap.alloc(0));
                    heap.link(b, a).map_err(heap_bug)?;
                    heap.link(a, b).map_err(heap_bug)?;
                    heap.link(root, a).map_err(heap_bug)?;
                    heap.decref(a).map_err(heap_bug)?;
                    heap.decref(b).map_err(heap_bug)?;
                    Ok(true)
                } else {
                    heap.decref(root).map_err(heap_bug)?; // all garbage now
                    Ok(false)
                }
            }
            Kind::AcyclicChurn => {
                let leaf = *self.root.get_or_insert_with(|| heap.alloc(0));
                if i < n {
                    workloads::acyclic_churn(heap, 1, leaf).map_err(heap_bug)?;
                    Ok(true)
                } else {
                    heap.decref(leaf).map_err(heap_bug)?;
                    Ok(false)
                }
            }
            Kind::Ring => {
                if let Some(member) = self.root.take() {
                    heap.decref(member).map_err(heap_bug)?;
                    Ok(false)
                } else {
                    self.root = workloads::ring(heap, n as usize);
                    Ok(self.root.is_some())
                }
            }
            Kind::Rings21 => {
                workloads::rings21(heap, 1);
                Ok(self.done < n / workloads::RING21_LEN as u64)
            }
            Kind::Gcbench => Ok(self.gcbench.step(heap)),
            Kind::Requests => {
                let entries = (self.sizes.cache / CACHE_ENTRY_OBJECTS).max(1);
                let requests = self.requests.get_or_insert_with(|| RequestLoop::new(heap));
                if i < entries {
                    requests.add_entry(heap, &mut self.rng).map_err(heap_bug)?;
                    Ok(true)
                } else if i < entries + self.sizes.requests {
                    requests.request(heap, &mut self.rng).map_err(heap_bug)?;
                    Ok(true)
                } else {
                    heap.decref(requests.cache()).map_err(heap_bug)?;
                    Ok(false)
                }
            }
            Kind::Random => {
                if let Some(op) = self.ops.get(i as usize) {
                    self.replay.apply(heap, op);
                }
                Ok(self.done < self.ops.len() as u64)
            }
        }
    }

    /// Steps the workload will take (for the progress bar), roughly.
    fn steps(w: &Workload, sizes: Sizes) -> u64 {
        let n = sizes.n;
        match w.kind {
            None | Some(Kind::Random) => w.ops.len() as u64,
            Some(Kind::DeadCycles) => n / 2,
            Some(Kind::Live) => n / 2 + 1,
            Some(Kind::AcyclicChurn) => n + 1,
            Some(Kind::Ring) => 2,
            Some(Kind::Rings21) => n / workloads::RING21_LEN as u64,
            Some(Kind::Gcbench) => {
                let (stretch, _, depths) = GcBenchConfig {
                    parent_pointers: true,
                    scale: sizes.gcbench_scale,
                }
                .depths();
                let size = |d: u32| (1u64 << (d + 1)) - 1;
                3 + depths
                    .iter()
                    .map(|&d| 4 * size(stretch) / size(d))
                    .sum::<u64>()
            }
            Some(Kind::Requests) => (sizes.cache / CACHE_ENTRY_OBJECTS).max(1) + sizes.requests + 1,
        }
    }
}

// ----------------------------------------------------------------------------------------
// Measuring
// ----------------------------------------------------------------------------------------

/// One line of `pauses.csv`: one collection.
#[derive(Debug, Clone, Serialize)]
struct Collection {
    strategy: String,
    setting: String,
    workload: String,
    index: usize,
    /// End of the collection, since the start of the run.
    time_ns: u64,
    /// The heap's allocation counter at the end of the collection.
    allocations: u64,
    generation: usize,
    candidates: usize,
    collected: usize,
    /// Objects in the heap when the collection started.
    heap_before: usize,
    pause_ns: u64,
}

/// One line of `heap.csv`: one oracle sample.
#[derive(Debug, Clone, Serialize)]
struct Sample {
    strategy: String,
    setting: String,
    workload: String,
    time_ns: u64,
    allocations: u64,
    heap: usize,
    unreachable: usize,
}

/// One line of `strategies.csv`: one strategy on one workload.
#[derive(Debug, Clone, Serialize)]
struct Summary {
    strategy: String,
    setting: String,
    workload: String,
    allocations: u64,
    collections: usize,
    collected: u64,
    examined: u64,
    collector_ns: u64,
    pause_p50_ns: u64,
    pause_p99_ns: u64,
    pause_max_ns: u64,
    peak_heap: usize,
    peak_unreachable: usize,
    latency_p50_allocs: u64,
    latency_p99_allocs: u64,
    latency_max_allocs: u64,
    latency_samples: usize,
    oracle_samples: usize,
    run_ns: u64,
    throughput_allocs_per_s: f64,
    final_collected: usize,
    final_pause_ns: u64,
    live_at_end: usize,
}

/// What the collection observer gathers during one run.
struct Recorder {
    start: Instant,
    started: Option<Instant>,
    heap_before: usize,
    peak_heap: usize,
    collections: Vec<Collection>,
    /// Objects a sample found unreachable and no collection has freed yet, with the
    /// allocation counter of that sample.
    pending: Vec<(ObjId, u64)>,
    latencies: Vec<u64>,
    /// Set for the experiment's own final collection.
    final_report: Option<(usize, u64)>,
    in_final: bool,
    /// Time spent in oracle samples so far (left out of every time).
    oracle: Duration,
}

impl Recorder {
    fn observe<C: CycleCollector>(
        &mut self,
        heap: &mut Heap<u64, C>,
        phase: Phase,
        report: &gclab::CollectReport,
    ) {
        match phase {
            Phase::Start => {
                self.heap_before = heap.len();
                self.peak_heap = self.peak_heap.max(self.heap_before);
                self.started = Some(Instant::now()); // last: the pause starts here
            }
            Phase::Stop => {
                let pause = self
                    .started
                    .take()
                    .map_or(0, |s| s.elapsed().as_nanos() as u64);
                if report.skipped {
                    return;
                }
                let allocations = heap.counters().allocations;
                let latencies = &mut self.latencies;
                self.pending.retain(|&(id, seen)| {
                    let alive = heap.contains(id);
                    if !alive {
                        latencies.push(allocations - seen);
                    }
                    alive
                });
                if self.in_final {
                    self.final_report = Some((report.collected, pause));
                    return;
                }
                self.collections.push(Collection {
                    strategy: String::new(),
                    setting: String::new(),
                    workload: String::new(),
                    index: self.collections.len(),
                    time_ns: self.start.elapsed().saturating_sub(self.oracle).as_nanos() as u64,
                    allocations,
                    generation: report.generation,
                    candidates: report.candidates,
                    collected: report.collected,
                    heap_before: self.heap_before,
                    pause_ns: pause,
                });
            }
        }
    }
}

/// The objects of `heap` not reachable from an external reference (a name, a handle
/// of the program, `garbage`): a breadth-first search from every object with external
/// references, over a slot-indexed mark map.
fn unreachable<T, C: CycleCollector>(heap: &Heap<T, C>) -> Vec<ObjId> {
    let mut marked: SecondaryMap<ObjId, ()> = SecondaryMap::with_capacity(heap.len());
    let mut work: Vec<ObjId> = heap
        .ids()
        .filter(|&id| heap.external_count(id).is_ok_and(|e| e > 0))
        .collect();
    for &id in &work {
        marked.insert(id, ());
    }
    while let Some(id) = work.pop() {
        for next in heap.edges(id).into_iter().flatten() {
            if marked.insert(next, ()).is_none() {
                work.push(next);
            }
        }
    }
    heap.ids().filter(|&id| !marked.contains_key(id)).collect()
}

/// The result of one strategy on one workload.
struct RunResult {
    summary: Summary,
    collections: Vec<Collection>,
    samples: Vec<Sample>,
}

/// One run: a workload under a strategy (a [`WithStrategy`], so it runs under any).
struct Measure<'a> {
    workload: &'a Workload,
    sizes: Sizes,
    bar: &'a ProgressBar,
}

impl WithStrategy for Measure<'_> {
    type Output = Result<RunResult>;

    fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> Result<RunResult> {
        let choice = strategy.choice();
        let mut heap: Heap<u64, C> = strategy.heap();
        let start = Instant::now();
        let recorder = Rc::new(RefCell::new(Recorder {
            start,
            started: None,
            heap_before: 0,
            peak_heap: 0,
            collections: Vec::new(),
            pending: Vec::new(),
            latencies: Vec::new(),
            final_report: None,
            in_final: false,
            oracle: Duration::ZERO,
        }));
        {
            let recorder = Rc::clone(&recorder);
            heap.add_heap_callback(move |heap, phase, report| {
                recorder.borrow_mut().observe(heap, phase, report);
            });
        }
        let mut driver = Driver::new(self.workload, self.sizes);
        let mut samples = Vec::new();
        let mut last_sample = 0u64;
        let mut pending_marks: SecondaryMap<ObjId, ()> = SecondaryMap::new();
        let mut sample = |heap: &Heap<u64, C>, samples: &mut Vec<Sample>| {
            let t = Instant::now();
            let allocations = heap.counters().allocations;
            let dead = unreachable(heap);
            let mut rec = recorder.borrow_mut();
            rec.peak_heap = rec.peak_heap.max(heap.len());
            for &id in &dead {
                if pending_marks.insert(id, ()).is_none() {
                    rec.pending.push((id, allocations));
                }
            }
            samples.push(Sample {
                strategy: choice.name().to_owned(),
                setting: choice.settings(),
                workload: self.workload.name.clone(),
                time_ns: (t - start).saturating_sub(rec.oracle).as_nanos() as u64,
                allocations,
                heap: heap.len(),
                unreachable: dead.len(),
            });
            rec.oracle += t.elapsed();
        };
        let mut steps = 0u64;
        loop {
            let more = driver.step(&mut heap)?;
            steps += 1;
            {
                let mut rec = recorder.borrow_mut();
                rec.peak_heap = rec.peak_heap.max(heap.len());
            }
            let allocations = heap.counters().allocations;
            if allocations - last_sample >= self.sizes.sample_every.max(1) {
                last_sample = allocations;
                sample(&heap, &mut samples);
            }
            if steps % 1024 == 0 {
                self.bar.inc(1024);
            }
            if !more {
                break;
            }
        }
        self.bar.inc(steps % 1024);
        sample(&heap, &mut samples);
        let run = start.elapsed().saturating_sub(recorder.borrow().oracle);
        recorder.borrow_mut().in_final = true;
        heap.collect_full();
        heap.clear_callbacks();
        heap.verify()
            .map_err(|e| anyhow!("bug: the heap is inconsistent after the run: {e}"))?;

        let allocations = heap.counters().allocations;
        let live_at_end = heap.len();
        let rec = Rc::try_unwrap(recorder)
            .map_err(|_| anyhow!("bug: the collection observer outlived the heap"))?
            .into_inner();
        let (final_collected, final_pause_ns) = rec.final_report.unwrap_or_default();
        let mut pauses: Vec<u64> = rec.collections.iter().map(|c| c.pause_ns).collect();
        pauses.sort_unstable();
        let mut latencies = rec.latencies;
        latencies.sort_unstable();
        let name = choice.name().to_owned();
        let setting = choice.settings();
        let collections: Vec<Collection> = rec
            .collections
            .into_iter()
            .map(|c| Collection {
                strategy: name.clone(),
                setting: setting.clone(),
                workload: self.workload.name.clone(),
                ..c
            })
            .collect();
        let summary = Summary {
            strategy: name,
            setting,
            workload: self.workload.name.clone(),
            allocations,
            collections: collections.len(),
            collected: collections.iter().map(|c| c.collected as u64).sum(),
            examined: collections.iter().map(|c| c.candidates as u64).sum(),
            collector_ns: pauses.iter().sum(),
            pause_p50_ns: percentile(&pauses, 50.0),
            pause_p99_ns: percentile(&pauses, 99.0),
            pause_max_ns: pauses.last().copied().unwrap_or(0),
            peak_heap: rec.peak_heap,
            peak_unreachable: samples.iter().map(|s| s.unreachable).max().unwrap_or(0),
            latency_p50_allocs: percentile(&latencies, 50.0),
            latency_p99_allocs: percentile(&latencies, 99.0),
            latency_max_allocs: latencies.last().copied().unwrap_or(0),
            latency_samples: latencies.len(),
            oracle_samples: samples.len(),
            run_ns: run.as_nanos() as u64,
            throughput_allocs_per_s: round(allocations as f64 / run.as_secs_f64().max(1e-9), 0),
            final_collected,
            final_pause_ns,
            live_at_end,
        };
        Ok(RunResult {
            summary,
            collections,
            samples,
        })
    }
}

// ----------------------------------------------------------------------------------------
// Plots
// ----------------------------------------------------------------------------------------

/// The color of the `i`-th strategy, the same in every plot.
fn color(i: usize) -> RGBAColor {
    Palette99::pick(i).to_rgba()
}

fn label(s: &Summary) -> String {
    format!("{}:{}", s.strategy, s.setting)
}

/// The runs of one workload, each with its strategy's color.
type PanelRuns<'r> = [(&'r RunResult, RGBAColor)];

/// An SVG page at `path` with one panel per workload, two columns, each drawn by
/// `draw(panel, workload, runs)`: what the three plots share.
fn panel_page(
    path: &Path,
    workloads: &[Workload],
    results: &[RunResult],
    strategies: &[String],
    mut draw: impl FnMut(&DrawingArea<SVGBackend<'_>, Shift>, &Workload, &PanelRuns<'_>) -> Result<()>,
) -> Result<()> {
    let rows = workloads.len().div_ceil(2).max(1);
    let root = plot::svg_canvas(path, (1100, 330 * rows as u32))?;
    for (area, w) in root.split_evenly((rows, 2)).iter().zip(workloads) {
        let runs: Vec<(&RunResult, RGBAColor)> = results
            .iter()
            .filter(|r| r.summary.workload == w.name)
            .map(|r| {
                let i = strategies
                    .iter()
                    .position(|s| *s == label(&r.summary))
                    .unwrap_or(0);
                (r, color(i))
            })
            .collect();
        draw(area, w, &runs)?;
    }
    plot::present(&root, path)
}

/// Pause distribution: per workload, each strategy's pauses sorted (a quantile curve).
fn plot_pauses(
    path: &Path,
    workloads: &[Workload],
    results: &[RunResult],
    strategies: &[String],
) -> Result<()> {
    let err = plot_err(path);
    panel_page(path, workloads, results, strategies, |area, w, runs| {
        let us = |ns: u64| (ns as f64 / 1e3).max(0.1);
        let max = runs
            .iter()
            .flat_map(|(r, _)| r.collections.iter().map(|c| us(c.pause_ns)))
            .fold(1.0f64, f64::max);
        let frame = Frame::new(
            Layout::Panel,
            format!("{}: pause distribution", w.name),
            "percentile of collections",
            "pause (µs)",
        );
        let y = (0.1f64..max * 2.0).log_scale();
        let mut chart = plot::chart(area, &frame, 0f64..100f64, y, path)?;
        for &(r, c) in runs {
            let mut pauses: Vec<u64> = r.collections.iter().map(|c| c.pause_ns).collect();
            pauses.sort_unstable();
            let n = pauses.len();
            let points: Vec<(f64, f64)> = pauses
                .iter()
                .enumerate()
                .map(|(k, &p)| ((k + 1) as f64 * 100.0 / n as f64, us(p)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
                .map_err(&err)?
                .label(format!("{} ({n})", label(&r.summary)))
                .legend(plot::line_key(c));
            if n <= 3 {
                chart
                    .draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))
                    .map_err(&err)?;
            }
        }
        plot::legend(
            &mut chart,
            Layout::Panel,
            SeriesLabelPosition::UpperLeft,
            path,
        )
    })
}

/// Heap size over time (allocations), from the oracle samples.
fn plot_heap(
    path: &Path,
    workloads: &[Workload],
    results: &[RunResult],
    strategies: &[String],
) -> Result<()> {
    let err = plot_err(path);
    panel_page(path, workloads, results, strategies, |area, w, runs| {
        let samples = || runs.iter().flat_map(|(r, _)| r.samples.iter());
        let x_max = samples().map(|s| s.allocations).max().unwrap_or(1).max(1) as f64;
        let y_max = samples().map(|s| s.heap).max().unwrap_or(1).max(1) as f64;
        let frame = Frame::new(
            Layout::Panel,
            format!("{}: heap over time", w.name),
            "allocations",
            "objects",
        )
        .x_labels(plot::whole)
        .y_labels(plot::whole);
        let mut chart = plot::chart(area, &frame, 0f64..x_max, 0f64..y_max * 1.05, path)?;
        for &(r, c) in runs {
            let points = r
                .samples
                .iter()
                .map(|s| (s.allocations as f64, s.heap as f64));
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(2)))
                .map_err(&err)?
                .label(label(&r.summary))
                .legend(plot::line_key(c));
        }
        plot::legend(
            &mut chart,
            Layout::Panel,
            SeriesLabelPosition::UpperLeft,
            path,
        )
    })
}

/// Throughput against max pause: one point per strategy and setting, per workload.
fn plot_tradeoff(
    path: &Path,
    workloads: &[Workload],
    results: &[RunResult],
    strategies: &[String],
) -> Result<()> {
    let err = plot_err(path);
    panel_page(path, workloads, results, strategies, |area, w, runs| {
        let us = |s: &Summary| (s.pause_max_ns as f64 / 1e3).max(0.1);
        let mops = |s: &Summary| s.throughput_allocs_per_s / 1e6;
        let x_max = runs
            .iter()
            .map(|(r, _)| us(&r.summary))
            .fold(1.0f64, f64::max);
        let y_max = runs
            .iter()
            .map(|(r, _)| mops(&r.summary))
            .fold(1e-3f64, f64::max);
        let frame = Frame::new(
            Layout::Panel,
            format!("{}: throughput vs max pause", w.name),
            "max pause (µs)",
            "M allocations / s",
        );
        let x = (0.1f64..x_max * 2.0).log_scale();
        let mut chart = plot::chart(area, &frame, x, 0f64..y_max * 1.15, path)?;
        for &(r, c) in runs {
            let p = (us(&r.summary), mops(&r.summary));
            chart
                .draw_series(std::iter::once(Circle::new(p, 5, c.filled())))
                .map_err(&err)?
                .label(label(&r.summary))
                .legend(plot::dot_key(c));
        }
        plot::legend(
            &mut chart,
            Layout::Panel,
            SeriesLabelPosition::LowerRight,
            path,
        )
    })
}

// ----------------------------------------------------------------------------------------
// Main
// ----------------------------------------------------------------------------------------

/// Every registered strategy under the settings its registry entry compares
/// (`gclab::experiment::compared_strategies`).
fn default_strategies() -> Vec<StrategyChoice> {
    experiment::compared_strategies()
}

fn run(w: &mut Output, mut args: Args) -> Result<ExitCode> {
    if args.quick {
        args.n = args.n.min(4000);
        args.cache = args.cache.min(3000);
        args.requests = args.requests.min(5000);
        args.random_ops = args.random_ops.min(20_000);
        args.gcbench_scale = args.gcbench_scale.max(9);
        args.sample_every = args.sample_every.min(250);
    }
    if args.n < 2 {
        bail!("--n must be at least 2, got {}", args.n);
    }
    if args.strategies.is_empty() {
        args.strategies = default_strategies();
    }
    ensure_dir(&args.out)?;
    let sizes = Sizes {
        n: args.n,
        cache: args.cache,
        requests: args.requests,
        gcbench_scale: args.gcbench_scale,
        sample_every: args.sample_every,
        seed: args.seed,
    };

    let kinds: Vec<Kind> = if !args.workloads.is_empty() {
        let mut k = args.workloads.clone();
        k.sort();
        k.dedup();
        k
    } else if args.traces.is_empty() {
        Kind::ALL.to_vec()
    } else {
        Vec::new()
    };
    let mut workloads = Vec::new();
    for kind in kinds {
        let ops = if kind == Kind::Random {
            let ops = random_program(args.random_ops as usize, args.seed);
            let path = args.out.join("random.jsonl");
            let comment = format!(
                "gclab-strategies random workload: {} ops, seed {}",
                ops.len(),
                args.seed
            );
            std::fs::write(&path, trace_to_string(&ops, &[&comment]))
                .with_context(|| format!("writing {}", path.display()))?;
            ops
        } else {
            Vec::new()
        };
        workloads.push(Workload {
            name: kind.name().to_owned(),
            kind: Some(kind),
            ops: Rc::new(ops),
        });
    }
    for path in &args.traces {
        let ops = read_trace(path).map_err(|e| match e {
            TraceError::Io { .. } => anyhow::Error::new(e),
            _ => anyhow::Error::new(e).context(format!("reading the trace {}", path.display())),
        })?;
        let stem = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        workloads.push(Workload {
            name: format!("trace:{stem}"),
            kind: None,
            ops: Rc::new(ops),
        });
    }

    let total: u64 = workloads
        .iter()
        .map(|w| Driver::steps(w, sizes))
        .sum::<u64>()
        * args.strategies.len() as u64;
    let bar = progress(total, "strategies");
    if args.quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let mut results = Vec::new();
    for workload in &workloads {
        for strategy in &args.strategies {
            bar.set_message(format!("{strategy} on {}", workload.name));
            let result = strategy
                .with(Measure {
                    workload,
                    sizes,
                    bar: &bar,
                })
                .with_context(|| format!("{strategy} on {}", workload.name))?;
            results.push(result);
        }
    }
    bar.finish_and_clear();

    // The cross-check: on workloads whose garbage is all cyclic, every strategy
    // collects the same total.
    for workload in workloads
        .iter()
        .filter(|w| w.kind.is_some_and(Kind::same_collected_everywhere))
    {
        let totals: Vec<(String, u64)> = results
            .iter()
            .filter(|r| r.summary.workload == workload.name)
            .map(|r| {
                (
                    label(&r.summary),
                    r.summary.collected + r.summary.final_collected as u64,
                )
            })
            .collect();
        if totals.windows(2).any(|p| p[0].1 != p[1].1) {
            bail!(
                "bug: the strategies collected different totals on {}: {totals:?}",
                workload.name
            );
        }
    }

    writeln!(
        w,
        "gclab-strategies: n {}, cache {}, {} requests, {} random ops, GCBench scale {}, an oracle sample every {} allocations, seed {}",
        args.n,
        args.cache,
        args.requests,
        args.random_ops,
        args.gcbench_scale,
        args.sample_every,
        args.seed
    )?;
    let mut table = Table::new([
        "workload",
        "strategy",
        "colls",
        "collected",
        "examined",
        "gc time",
        "p50",
        "p99",
        "max",
        "peak heap",
        "peak unreach",
        "latency p50",
        "run",
    ])
    .right_align(&[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    let ns = Duration::from_nanos;
    for r in &results {
        let s = &r.summary;
        table.row([
            s.workload.clone(),
            label(s),
            s.collections.to_string(),
            (s.collected + s.final_collected as u64).to_string(),
            s.examined.to_string(),
            human(ns(s.collector_ns)),
            human(ns(s.pause_p50_ns)),
            human(ns(s.pause_p99_ns)),
            human(ns(s.pause_max_ns)),
            s.peak_heap.to_string(),
            s.peak_unreachable.to_string(),
            s.latency_p50_allocs.to_string(),
            human(ns(s.run_ns)),
        ]);
    }
    write!(w, "{table}")?;
    writeln!(
        w,
        "(collected includes the final full collection; pauses and gc time are the workload's own collections; latency in allocations)"
    )?;

    write_csv(
        &args.out.join("strategies.csv"),
        results.iter().map(|r| &r.summary),
    )?;
    write_csv(
        &args.out.join("pauses.csv"),
        results.iter().flat_map(|r| &r.collections),
    )?;
    write_csv(
        &args.out.join("heap.csv"),
        results.iter().flat_map(|r| &r.samples),
    )?;
    let labels: Vec<String> = args.strategies.iter().map(ToString::to_string).collect();
    plot_pauses(&args.out.join("pauses.svg"), &workloads, &results, &labels)?;
    plot_heap(&args.out.join("heap.svg"), &workloads, &results, &labels)?;
    plot_tradeoff(
        &args.out.join("tradeoff.svg"),
        &workloads,
        &results,
        &labels,
    )?;
    writeln!(
        w,
        "wrote {} (strategies.csv, pauses.csv, heap.csv, pauses.svg, heap.svg, tradeoff.svg{})",
        args.out.display(),
        if workloads.iter().any(|w| w.kind == Some(Kind::Random)) {
            ", random.jsonl"
        } else {
            ""
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Args = experiment::parse_args_listing_strategies();
    experiment::main("gclab-strategies", 1, |w| run(w, args))
}
