//! `gclab-replay`: replays a JSON-lines op trace (as written by a failing property test)
//! under a chosen collector configuration, checking the invariants as it goes.
//!
//! ```text
//! gclab-replay target/gclab-traces/three_generations.jsonl --generations 3 --thresholds 700,10,10
//! gclab-replay long.jsonl --check 1000     # the whole-heap check every 1000 ops
//! gclab-replay long.jsonl --check end      # only once, after the last op
//! ```
//!
//! Every op is always compared with the reference model (its result, the collections it
//! ran and their reports). `--check` sets how often the whole-heap invariant check
//! (safety, exact counts, completeness, finalizers, weak references) runs: it costs time
//! linear in the heap, so after every op (the default) a long trace costs quadratic time.
//!
//! `--strategy NAME[:SETTINGS]` picks the collection strategy. Under `generational` (the
//! default) the trace runs through `gclab::testing::Runner` with the model, as above.
//! The harness's model is written for the generational heap only, so under any other
//! strategy the ops are replayed directly on a `Heap<u64, C>`
//! (`gclab::experiment::DirectReplay`): no result is compared with a model, finalizer
//! and callback programs are not run, and `--check` runs the heap's own consistency check
//! (`Heap::verify`, the strategy's lists included).
//!
//! Exit status: 0 when every invariant held, 1 on a violation (printed with the op
//! number), 2 when the trace or the options are unusable.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use gclab::experiment::{
    self, DirectReplay, Output, StrategyChoice, StrategyHeaps, WithStrategy, parse_strategy,
};
use gclab::testing::{Op, Runner, TraceError, read_trace};
use gclab::{CycleCollector, Fault, GcConfig};

#[derive(Parser, Debug)]
#[command(
    name = "gclab-replay",
    version,
    about = "Replay an op trace against gclab's heap and its reference model",
    long_about = "Replay an op trace (one JSON-encoded op per line, as a failing property test \
writes to target/gclab-traces/) against gclab's heap and the reference model of \
gclab::testing, under the collector configuration given.\n\n\
Every op's result and the collections it ran are compared with the model; the whole-heap \
invariant check runs as often as --check says. Prints one line: `ok: …` or the first \
violation with its op number (and, with --verbose, every op). Writes no file, so there is \
no --out; a trace is replayed exactly, so there is no --seed or --quick.\n\n\
--strategy picks the collection strategy. Under generational (the default) the model \
checks every op as above. The model is written for the generational heap only, so under \
any other strategy the ops are replayed directly on the heap without the model: results \
are not compared, finalizer and callback programs are not run, and --check runs the \
heap's own consistency check (Heap::verify, the strategy's lists included).\n\n\
Exit status: 0 every invariant held; 1 a violation; 2 an unusable trace or options.",
    after_help = "Strategies (--strategy NAME[:SETTINGS]):\n{strategies}\n\n\
Examples:\n  gclab-replay target/gclab-traces/case.jsonl --thresholds 700,10,10\n  \
gclab-replay long.jsonl --check 1000\n  gclab-replay long.jsonl --check end\n  \
gclab-replay long.jsonl --strategy full-only:5000"
)]
struct Args {
    /// The trace: one JSON-encoded op per line (`#` lines are comments).
    trace: PathBuf,
    /// Number of generations (default: as many as --thresholds gives, else 3).
    #[arg(long)]
    generations: Option<usize>,
    /// Thresholds, comma separated, one per generation (default: 2000,10,10,...).
    #[arg(long, value_delimiter = ',')]
    thresholds: Option<Vec<u32>>,
    /// Start with automatic collection disabled.
    #[arg(long)]
    no_auto: bool,
    /// The collection strategy, `name[:settings]` (see the list below; default
    /// generational). Settings of generational are its thresholds, which
    /// --generations/--thresholds may give instead. Any other strategy replays without
    /// the model.
    #[arg(long, value_name = "NAME[:SETTINGS]", value_parser = parse_strategy)]
    strategy: Option<StrategyChoice>,
    /// When the whole-heap invariant check runs: `each` (after every op, the default),
    /// a number N (after every N-th op and after the last), or `end` (after the last op
    /// only). Each op is compared with the model whatever this says.
    #[arg(long, default_value = "each", value_name = "each|N|end")]
    check: CheckEvery,
    /// Inject a deliberate collector bug (generational only).
    #[arg(long, value_enum)]
    fault: Option<FaultArg>,
    /// Print every op as it is applied.
    #[arg(long, short)]
    verbose: bool,
}

/// How often the whole-heap check runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CheckEvery {
    /// After every N-th op (1: every op) and after the last.
    Ops(usize),
    /// After the last op only.
    End,
}

impl FromStr for CheckEvery {
    type Err = String;

    fn from_str(s: &str) -> Result<CheckEvery, String> {
        match s.trim() {
            "each" | "every" => Ok(CheckEvery::Ops(1)),
            "end" => Ok(CheckEvery::End),
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(CheckEvery::Ops(n)),
                _ => Err(format!(
                    "expected `each`, `end` or a whole number of ops above 0, got {s:?}"
                )),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FaultArg {
    /// `subtract_refs` skips one edge (completeness bug).
    SkipSubtract,
    /// `move_unreachable` forgets one reachable object (safety bug).
    ForgetReachable,
}

fn config(args: &Args) -> Result<GcConfig> {
    if let Some(config) = args.strategy.as_ref().and_then(StrategyChoice::gc_config) {
        if args.generations.is_some() || args.thresholds.is_some() {
            bail!(
                "--strategy {} gives the thresholds already; drop --generations/--thresholds",
                args.strategy
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
        }
        return Ok(GcConfig {
            enabled: !args.no_auto,
            ..config
        });
    }
    let generations = args
        .generations
        .or(args.thresholds.as_ref().map(Vec::len))
        .unwrap_or(3);
    let thresholds = match &args.thresholds {
        Some(t) if t.len() != generations => {
            bail!(
                "--thresholds gives {} value(s) for {generations} generation(s)",
                t.len()
            );
        }
        Some(t) => t.clone(),
        None => (0..generations)
            .map(|g| if g == 0 { 2000 } else { 10 })
            .collect(),
    };
    Ok(GcConfig {
        generations,
        thresholds,
        enabled: !args.no_auto,
    })
}

/// Replays `ops` directly on a heap of the strategy, without the model (strategies
/// other than generational), checking the heap's consistency as `--check` says.
struct Direct<'a> {
    w: &'a mut Output,
    args: &'a Args,
    ops: &'a [Op],
}

impl WithStrategy for Direct<'_> {
    type Output = Result<ExitCode>;

    fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> Result<ExitCode> {
        let Direct { w, args, ops } = self;
        let mut heap = if args.no_auto {
            strategy.quiet_heap::<u64>()
        } else {
            strategy.heap::<u64>()
        };
        let mut replay = DirectReplay::default();
        let start = Instant::now();
        let mut checks = 0usize;
        for (i, op) in ops.iter().enumerate() {
            if args.verbose {
                let line = serde_json::to_string(op).unwrap_or_default();
                writeln!(w, "op {i}: {line}")?;
            }
            replay.apply(&mut heap, op);
            let full = match args.check {
                CheckEvery::Ops(n) => (i + 1) % n == 0 || i + 1 == ops.len(),
                CheckEvery::End => false,
            };
            if full {
                checks += 1;
                if let Err(v) = heap.verify() {
                    let line = serde_json::to_string(op).unwrap_or_default();
                    writeln!(w, "violation at op {i} {line}: {v}")?;
                    return Ok(ExitCode::from(1));
                }
            }
        }
        if args.check == CheckEvery::End || ops.is_empty() {
            checks += 1;
            if let Err(v) = heap.verify() {
                writeln!(
                    w,
                    "violation found by the check after the last op ({} op(s)): {v}",
                    ops.len()
                )?;
                return Ok(ExitCode::from(1));
            }
        }
        writeln!(
            w,
            "ok: {} op(s) replayed directly under {} (no model: {} applied, {} refused, {} skipped) in {:.2} s; the heap stayed consistent ({} whole-heap check(s); {} object(s) alive)",
            ops.len(),
            strategy.choice(),
            replay.applied(),
            replay.refused(),
            replay.skipped(),
            start.elapsed().as_secs_f64(),
            checks,
            heap.len()
        )?;
        Ok(ExitCode::SUCCESS)
    }
}

fn run(w: &mut Output, args: &Args) -> Result<ExitCode> {
    let ops = read_trace(&args.trace).map_err(|e| match e {
        // Already says "cannot read trace PATH: …".
        TraceError::Io { .. } => anyhow::Error::new(e),
        _ => anyhow::Error::new(e).context(format!("reading the trace {}", args.trace.display())),
    })?;
    if let Some(strategy) = args.strategy.as_ref().filter(|s| !s.is_generational()) {
        if args.fault.is_some() {
            bail!("--fault needs the generational strategy, not {strategy}");
        }
        if args.generations.is_some() || args.thresholds.is_some() {
            bail!("--generations and --thresholds are settings of generational, not of {strategy}");
        }
        return strategy.with(Direct { w, args, ops: &ops });
    }
    let config = config(args)?;
    let mut runner = Runner::new(config.clone()).context("the collector configuration")?;
    runner.inject_fault(args.fault.map(|f| match f {
        FaultArg::SkipSubtract => Fault::SkipSubtractForOneEdge,
        FaultArg::ForgetReachable => Fault::ForgetOneReachable,
    }));
    let start = Instant::now();
    let mut checks = 0usize;
    for (i, op) in ops.iter().enumerate() {
        let line = serde_json::to_string(op).unwrap_or_default();
        if args.verbose {
            writeln!(w, "op {i}: {line}")?;
        }
        let full = match args.check {
            CheckEvery::Ops(n) => (i + 1) % n == 0 || i + 1 == ops.len(),
            CheckEvery::End => false,
        };
        checks += usize::from(full);
        if let Err(v) = runner.apply_checking(op, full) {
            writeln!(w, "violation at op {i} {line}: {v}")?;
            return Ok(ExitCode::from(1));
        }
    }
    if args.check == CheckEvery::End || ops.is_empty() {
        checks += 1;
        if let Err(v) = runner.check() {
            writeln!(
                w,
                "violation found by the check after the last op ({} op(s)): {v}",
                ops.len()
            )?;
            return Ok(ExitCode::from(1));
        }
    }
    writeln!(
        w,
        "ok: {} op(s) replayed under {config:?} in {:.2} s; every invariant held ({} whole-heap check(s); {} object(s) alive)",
        ops.len(),
        start.elapsed().as_secs_f64(),
        checks,
        runner.heap().len()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args: Args = experiment::parse_args_listing_strategies();
    experiment::main("gclab-replay", 2, |w| run(w, &args))
}
