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
//! The strategy and its configuration come from the trace's header (the `# strategy:`,
//! `# automatic collection:` and `# config:` lines a failing property writes, see
//! `gclab::testing::TraceHeader`), so a trace replays as it ran; `--strategy
//! NAME[:SETTINGS]` (or `--generations`/`--thresholds`) replaces them, and a trace
//! without a header replays under the default, generational. The first line on standard
//! error says which it used: `replaying under incremental:threshold=6,scale=10,mark-alive
//! (from the trace header)`. Under every strategy the trace runs through
//! `gclab::testing::Runner` with the model, as above.
//!
//! Exit status: 0 when every invariant held, 1 on a violation (printed with the op
//! number), 2 when the trace or the options are unusable.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, ValueEnum};
use gclab::experiment::{
    self, Output, StrategyChoice, StrategyHeaps, WithHarnessStrategy, parse_strategy,
};
use gclab::testing::{
    HarnessStrategy, Op, Runner, TraceError, TraceHeader, TraceStrategy, parse_trace,
};
use gclab::{Fault, GcConfig, Generational};

#[derive(Parser, Debug)]
#[command(
    name = "gclab-replay",
    version,
    about = "Replay an op trace against gclab's heap and its reference model",
    long_about = "Replay an op trace (one JSON-encoded op per line, as a failing property test \
writes to target/gclab-traces/) against gclab's heap and the reference model of \
gclab::testing, under the strategy and configuration its header names.\n\n\
Every op's result and the collections it ran are compared with the model; the whole-heap \
invariant check runs as often as --check says. Prints one line: `ok: …` or the first \
violation with its op number (and, with --verbose, every op). Writes no file, so there is \
no --out; a trace is replayed exactly, so there is no --seed or --quick.\n\n\
The strategy and its configuration come from the trace's header (`# strategy:`, \
`# automatic collection:` and `# config:` lines, with the injected fault if any); \
--strategy, or --generations/--thresholds for generational, replace them; a trace \
without them replays under generational. Standard error says which was used. The model \
checks every op under every strategy.\n\n\
Exit status: 0 every invariant held; 1 a violation; 2 an unusable trace or options.",
    after_help = "Strategies (--strategy NAME[:SETTINGS]):\n{strategies}\n\n\
Examples:\n  gclab-replay target/gclab-traces/case.jsonl\n  \
gclab-replay target/gclab-traces/case.jsonl --thresholds 700,10,10\n  \
gclab-replay long.jsonl --check 1000\n  gclab-replay long.jsonl --check end\n  \
gclab-replay long.jsonl --strategy full-only:5000"
)]
struct Args {
    /// The trace: one JSON-encoded op per line (`#` lines are comments; the first ones
    /// are its header).
    trace: PathBuf,
    /// Number of generations (default: as many as --thresholds gives, else 3). Replaces
    /// the header's strategy with generational.
    #[arg(long)]
    generations: Option<usize>,
    /// Thresholds, comma separated, one per generation (default: 2000,10,10,...).
    /// Replaces the header's strategy with generational.
    #[arg(long, value_delimiter = ',')]
    thresholds: Option<Vec<u32>>,
    /// Start with automatic collection disabled (whatever the header says).
    #[arg(long)]
    no_auto: bool,
    /// The collection strategy, `name[:settings]` (see the list below), instead of the
    /// one the trace's header names. Settings of generational are its thresholds, which
    /// --generations/--thresholds may give instead.
    #[arg(long, value_name = "NAME[:SETTINGS]", value_parser = parse_strategy)]
    strategy: Option<StrategyChoice>,
    /// When the whole-heap invariant check runs: `each` (after every op, the default),
    /// a number N (after every N-th op and after the last), or `end` (after the last op
    /// only). Each op is compared with the model whatever this says.
    #[arg(long, default_value = "each", value_name = "each|N|end")]
    check: CheckEvery,
    /// Inject a deliberate collector bug (generational and mark-alive only), instead of
    /// the header's.
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

/// The generational configuration the options give (`--strategy generational:...`,
/// `--generations`, `--thresholds`).
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
        return Ok(config);
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
        enabled: true,
    })
}

/// What the trace is replayed under.
enum Plan {
    /// The generational collector (with mark-alive or not) under a configuration, with
    /// a fault perhaps: exactly what `check_config` and the generational `check_strategy`
    /// runs built.
    Generational {
        config: GcConfig,
        mark_alive: bool,
        fault: Option<Fault>,
    },
    /// Any strategy a `StrategyChoice` names, automatic collection on or off.
    Choice {
        choice: StrategyChoice,
        automatic: bool,
    },
}

impl Plan {
    /// The strategy in `--strategy` terms, with the configuration when the text does not
    /// say it all.
    fn describe(&self) -> String {
        match self {
            Plan::Generational {
                config,
                mark_alive,
                fault,
            } => {
                let name = if *mark_alive {
                    "mark-alive"
                } else {
                    "generational"
                };
                let fault = fault.map(|f| format!(", fault {f:?}")).unwrap_or_default();
                format!("{name} ({config:?}{fault})")
            }
            Plan::Choice { choice, automatic } => {
                let auto = if *automatic {
                    ""
                } else {
                    ", automatic collection off"
                };
                format!("{choice}{auto}")
            }
        }
    }
}

/// Chooses what to replay under: the options when they name a strategy, else the
/// trace's header, else the default. Returns the plan and where it came from.
fn plan(args: &Args, header: &TraceHeader) -> Result<(Plan, String)> {
    let fault = args.fault.map(|f| match f {
        FaultArg::SkipSubtract => Fault::SkipSubtractForOneEdge,
        FaultArg::ForgetReachable => Fault::ForgetOneReachable,
    });
    let given = args.strategy.is_some() || args.generations.is_some() || args.thresholds.is_some();
    if given {
        let plan = match &args.strategy {
            Some(choice) if !choice.is_generational() => {
                if args.generations.is_some() || args.thresholds.is_some() {
                    bail!(
                        "--generations and --thresholds are settings of generational, not of {choice}"
                    );
                }
                generational_family(choice, None, fault)?.unwrap_or(Plan::Choice {
                    choice: choice.clone(),
                    automatic: true,
                })
            }
            _ => Plan::Generational {
                config: config(args)?,
                mark_alive: false,
                fault,
            },
        };
        return Ok((plan, "from the options".to_owned()));
    }
    let fault = fault.or(header.fault);
    let mut whence = "from the trace header".to_owned();
    let spec = match &header.strategy {
        None => {
            let config = header.config.clone().unwrap_or_default();
            let whence = if header.config.is_some() {
                "from the trace header"
            } else {
                "the default: the trace header names no strategy"
            }
            .to_owned();
            let plan = Plan::Generational {
                config,
                mark_alive: false,
                fault,
            };
            return Ok((plan, whence));
        }
        Some(TraceStrategy::Spec(spec)) => spec.as_str(),
        Some(TraceStrategy::TypeName {
            type_name,
            spec: Some(spec),
        }) => {
            whence = format!(
                "from the trace header, an old one naming the type {type_name} only: the \
                 settings of the suite's property {}",
                header.name.as_deref().unwrap_or_default()
            );
            spec
        }
        Some(TraceStrategy::TypeName {
            type_name,
            spec: None,
        }) => bail!(
            "the trace header names its strategy by type only ({type_name}), as traces did \
             before headers recorded settings, and {} is not one of the crate's properties \
             whose settings are known; replay it with --strategy NAME[:SETTINGS]",
            header.name.as_deref().unwrap_or("its name")
        ),
        Some(TraceStrategy::Unlisted(type_name)) => bail!(
            "the trace was written under a strategy no --strategy text describes \
             ({type_name}); replay it with --strategy NAME[:SETTINGS] to pick one, or in \
             Rust with gclab::testing::read_trace and run_strategy_ops"
        ),
    };
    let choice: StrategyChoice = spec
        .parse()
        .map_err(|e| anyhow!("the trace header's strategy: {e}"))?;
    let plan = match generational_family(&choice, header.config.clone(), fault)? {
        Some(plan) => plan,
        None => Plan::Choice {
            choice,
            automatic: header.automatic,
        },
    };
    Ok((plan, whence))
}

/// The plan for a `generational` or `mark-alive` choice (the configuration from the
/// header's `config:` line when there is one: it also says one generation, which the
/// text cannot), `None` for another strategy; a fault under another strategy is an
/// error.
fn generational_family(
    choice: &StrategyChoice,
    config: Option<GcConfig>,
    fault: Option<Fault>,
) -> Result<Option<Plan>> {
    let mark_alive = match choice.name() {
        "generational" => false,
        "mark-alive" => true,
        _ if fault.is_some() => bail!("--fault needs the generational strategy, not {choice}"),
        _ => return Ok(None),
    };
    let config = config.unwrap_or_else(|| {
        let thresholds = choice
            .settings()
            .split(',')
            .filter_map(|t| t.parse().ok())
            .collect();
        GcConfig::with_thresholds(thresholds)
    });
    Ok(Some(Plan::Generational {
        config,
        mark_alive,
        fault,
    }))
}

/// Replays the trace with a runner of the chosen strategy.
struct Replay<'a> {
    w: &'a mut Output,
    args: &'a Args,
    ops: &'a [Op],
    described: String,
    /// Whether automatic collection is on (strategies other than generational).
    automatic: bool,
}

impl WithHarnessStrategy for Replay<'_> {
    type Output = Result<ExitCode>;

    fn run<C: HarnessStrategy>(self, strategy: &StrategyHeaps<C>) -> Result<ExitCode> {
        let runner = Runner::with_strategy(strategy.collector(self.automatic));
        self.replay(runner)
    }
}

impl Replay<'_> {
    fn replay<C: HarnessStrategy>(self, mut runner: Runner<C>) -> Result<ExitCode> {
        let Replay {
            w,
            args,
            ops,
            described,
            automatic: _,
        } = self;
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
            "ok: {} op(s) replayed under {described} in {:.2} s; every invariant held ({} whole-heap check(s); {} object(s) alive)",
            ops.len(),
            start.elapsed().as_secs_f64(),
            checks,
            runner.heap().len()
        )?;
        Ok(ExitCode::SUCCESS)
    }
}

fn run(w: &mut Output, args: &Args) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.trace).map_err(|e| {
        anyhow::Error::new(TraceError::Io {
            path: args.trace.display().to_string(),
            message: e.to_string(),
        })
    })?;
    let reading = || format!("reading the trace {}", args.trace.display());
    let ops = parse_trace(&text).with_context(reading)?;
    let header = TraceHeader::parse(&text)
        .map_err(|e| anyhow!(e))
        .with_context(reading)?;
    let (mut plan, whence) = plan(args, &header)?;
    if args.no_auto {
        match &mut plan {
            Plan::Generational { config, .. } => config.enabled = false,
            Plan::Choice { automatic, .. } => *automatic = false,
        }
    }
    let described = plan.describe();
    // On standard error: standard output keeps its one line.
    eprintln!("replaying under {described} ({whence})");
    let replay = Replay {
        w,
        args,
        ops: &ops,
        described,
        automatic: !matches!(
            plan,
            Plan::Choice {
                automatic: false,
                ..
            }
        ),
    };
    match plan {
        Plan::Generational {
            config,
            mark_alive,
            fault,
        } => {
            let collector = if mark_alive {
                Generational::with_mark_alive(config)
            } else {
                Generational::new(config)
            };
            let heap = collector.context("the collector configuration")?;
            let mut runner = Runner::with_strategy(heap);
            runner.inject_fault(fault);
            replay.replay(runner)
        }
        Plan::Choice { choice, .. } => choice.with_harness(replay),
    }
}

fn main() -> ExitCode {
    let args: Args = experiment::parse_args_listing_strategies();
    experiment::main("gclab-replay", 2, |w| run(w, &args))
}
