//! Parent mode: spawn one child per (implementation, workload, size, repeat), classify how
//! it ended, keep the best time per phase, print the markdown table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::Impl;
use crate::workload::{PeerWorkload, Workload};

/// What the parent was asked to do.
pub struct Config {
    pub n: usize,
    pub deep_n: usize,
    pub workloads: Vec<Workload>,
    pub impls: Vec<Impl>,
    pub repeat: usize,
    pub timeout: Duration,
    pub stack_mib: usize,
    pub csv: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub probe_depth: bool,
    /// Children time their phases in thread CPU time (see `clock.rs`).
    pub cpu_time: bool,
}

/// One phase of one child run.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    /// Measured: ns per object; `manual` if it is the hand-written alternative to a collection.
    Ns { ns: f64, manual: bool },
    /// The implementation cannot do this phase.
    Na(String),
    /// The child died (or timed out) before reporting this phase.
    Failed(String),
}

/// How one child run went.
struct RunResult {
    phases: BTreeMap<String, Cell>,
    /// Failed postconditions reported by the child.
    check_failures: Vec<String>,
    /// `None` if the child finished normally, else why not.
    failure: Option<String>,
    wall: Duration,
}

/// A row of the table: one workload at one size, one phase.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    order: usize,
    workload: Workload,
    n: usize,
    phase_index: usize,
}

/// One line of the `--csv` file; the field names are the header
/// (`impl,workload,n,phase,repeat,status,ns_per_object,manual`).
#[derive(serde::Serialize)]
struct CsvRun<'a> {
    #[serde(rename = "impl")]
    imp: &'static str,
    workload: &'static str,
    n: usize,
    phase: &'a str,
    repeat: usize,
    status: String,
    ns_per_object: String,
    manual: bool,
}

pub fn run(config: &Config) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;

    // The (workload, n) pairs to run, in table order.
    let mut jobs: Vec<(Workload, usize)> =
        config.workloads.iter().map(|&w| (w, config.n)).collect();
    if config.deep_n != 0 && config.deep_n != config.n {
        for &w in &config.workloads {
            if w.is_deep() {
                jobs.push((w, config.deep_n));
            }
        }
    }

    let total = jobs.len() * config.impls.len();
    let mut done = 0;
    let mut cells: BTreeMap<(RowKey, Impl), Cell> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let started = Instant::now();

    for (order, &(workload, n)) in jobs.iter().enumerate() {
        for &imp in &config.impls {
            done += 1;
            let mut per_phase: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
            for rep in 1..=config.repeat {
                eprint!(
                    "[{done}/{total}] {imp} {workload} n={n} run {rep}/{} ... ",
                    config.repeat
                );
                let res = run_child(&exe, imp, workload, n, config);
                eprintln!(
                    "{} ({:.2}s)",
                    res.failure.as_deref().unwrap_or("ok"),
                    res.wall.as_secs_f64()
                );
                for f in &res.check_failures {
                    let note = format!("{imp} {workload} n={n}: check failed: {f}");
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                }
                for &(phase, _) in workload.phases() {
                    let cell = res.phases.get(phase).cloned().unwrap_or_else(|| {
                        Cell::Failed(res.failure.clone().unwrap_or_else(|| "no result".into()))
                    });
                    let cell = if res.check_failures.is_empty() {
                        cell
                    } else {
                        Cell::Failed("check failed".into())
                    };
                    let (status, ns, manual) = match &cell {
                        Cell::Ns { ns, manual } => ("ok".to_string(), format!("{ns:.3}"), *manual),
                        Cell::Na(r) => (format!("na: {r}"), String::new(), false),
                        Cell::Failed(r) => (r.clone(), String::new(), false),
                    };
                    csv.serialize(CsvRun {
                        imp: imp.name(),
                        workload: workload.name(),
                        n,
                        phase,
                        repeat: rep,
                        status,
                        ns_per_object: ns,
                        manual,
                    })
                    .map_err(|e| format!("cannot format a CSV row: {e}"))?;
                    per_phase.entry(phase.to_string()).or_default().push(cell);
                }
                // A crash or timeout is deterministic enough: don't repeat it.
                if res.failure.is_some() {
                    break;
                }
            }
            for (phase_index, &(phase, _)) in workload.phases().iter().enumerate() {
                let runs = per_phase.remove(phase).unwrap_or_default();
                let key = RowKey {
                    order,
                    workload,
                    n,
                    phase_index,
                };
                cells.insert((key, imp), best(&runs));
            }
        }
    }

    let mut table = render(config, &jobs, &cells, &notes, started.elapsed());
    if config.probe_depth {
        table.push('\n');
        table.push_str(&probe_depths(&exe, config));
    }
    println!("{table}");
    if let Some(path) = &config.markdown {
        std::fs::write(path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &config.csv {
        let bytes = csv
            .into_inner()
            .map_err(|e| format!("cannot finish the CSV for {}: {e}", path.display()))?;
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Best of the repeats: any failure wins (it is the interesting fact), then n/a, then the
/// smallest time.
fn best(runs: &[Cell]) -> Cell {
    if let Some(f) = runs.iter().find(|c| matches!(c, Cell::Failed(_))) {
        return f.clone();
    }
    if let Some(na) = runs.iter().find(|c| matches!(c, Cell::Na(_))) {
        return na.clone();
    }
    runs.iter()
        .filter_map(|c| match c {
            Cell::Ns { ns, manual } => Some((*ns, *manual)),
            _ => None,
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(ns, manual)| Cell::Ns { ns, manual })
        .unwrap_or_else(|| Cell::Failed("no result".into()))
}

fn run_child(exe: &PathBuf, imp: Impl, workload: Workload, n: usize, config: &Config) -> RunResult {
    let start = Instant::now();
    let spawned = Command::new(exe)
        .args([
            "child",
            "--impl",
            imp.name(),
            "--workload",
            workload.name(),
            "--n",
            &n.to_string(),
            "--stack-mib",
            &config.stack_mib.to_string(),
        ])
        .env(
            crate::clock::CPU_TIME_ENV,
            if config.cpu_time { "1" } else { "0" },
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            return RunResult {
                phases: BTreeMap::new(),
                check_failures: Vec::new(),
                failure: Some(format!("cannot spawn: {e}")),
                wall: start.elapsed(),
            };
        }
    };

    // Drain both pipes on their own threads so a chatty child can never block.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });

    let mut timed_out = false;
    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {
                if start.elapsed() > config.timeout {
                    let _ = child.kill();
                    timed_out = true;
                    break child.wait().ok();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => break None,
        }
    };
    let wall = start.elapsed();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();

    let mut phases = BTreeMap::new();
    let mut check_failures = Vec::new();
    let mut finished = false;
    for line in stdout.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["phase", name, "ok", nanos, objects, rest @ ..] => {
                let nanos: f64 = nanos.parse().unwrap_or(f64::NAN);
                let objects: f64 = objects.parse().unwrap_or(f64::NAN);
                phases.insert(
                    name.to_string(),
                    Cell::Ns {
                        ns: nanos / objects.max(1.0),
                        manual: rest.contains(&"manual"),
                    },
                );
            }
            ["phase", name, "na", reason] => {
                phases.insert(name.to_string(), Cell::Na(reason.replace('_', " ")));
            }
            ["check", "fail", msg @ ..] => check_failures.push(msg.join(" ")),
            ["done"] => finished = true,
            _ => {}
        }
    }

    let failure = if timed_out {
        Some(format!("timeout (>{}s)", config.timeout.as_secs()))
    } else {
        classify(status, &stderr, finished)
    };
    RunResult {
        phases,
        check_failures,
        failure,
        wall,
    }
}

/// Why a child did not finish normally, or `None` if it did.
fn classify(status: Option<ExitStatus>, stderr: &str, finished: bool) -> Option<String> {
    use std::os::unix::process::ExitStatusExt;

    if stderr.contains("has overflowed its stack") {
        return Some("stack overflow".into());
    }
    let Some(status) = status else {
        return Some("crashed: lost".into());
    };
    if let Some(sig) = status.signal() {
        return Some(format!("crashed: {}", signal_name(sig)));
    }
    if !status.success() {
        if let Some(line) = stderr.lines().find(|l| l.contains("panicked")) {
            // "thread 'x' panicked at src/..:" — the message is on the next line.
            let msg = stderr
                .lines()
                .skip_while(|l| *l != line)
                .nth(1)
                .unwrap_or("")
                .trim();
            return Some(format!("crashed: panic: {msg}"));
        }
        return Some(format!("crashed: exit {}", status.code().unwrap_or(-1)));
    }
    if !finished {
        return Some("crashed: exited early".into());
    }
    None
}

fn signal_name(sig: i32) -> String {
    match sig {
        4 => "SIGILL".into(),
        6 => "SIGABRT".into(),
        7 => "SIGBUS".into(),
        9 => "SIGKILL".into(),
        11 => "SIGSEGV".into(),
        15 => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

fn fmt_n(n: usize) -> String {
    let mut p = 1usize;
    let mut k = 0;
    while p < n {
        p = p.saturating_mul(10);
        k += 1;
    }
    if p == n && k >= 3 {
        format!("10^{k}")
    } else {
        n.to_string()
    }
}

fn render(
    config: &Config,
    jobs: &[(Workload, usize)],
    cells: &BTreeMap<(RowKey, Impl), Cell>,
    notes: &[String],
    elapsed: Duration,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "ns/object ({}), best of {} runs (each in a fresh process), n = {}, workloads run on a thread with a {} MiB stack\n",
        if config.cpu_time {
            "thread CPU time"
        } else {
            "wall time"
        },
        config.repeat,
        fmt_n(config.n),
        config.stack_mib
    );
    let _ = write!(s, "| workload / phase |");
    for imp in &config.impls {
        let _ = write!(s, " {} |", imp.header());
    }
    let _ = write!(s, "\n|---|");
    for _ in &config.impls {
        let _ = write!(s, "---:|");
    }
    s.push('\n');
    let mut any_manual = false;
    for (order, &(workload, n)) in jobs.iter().enumerate() {
        for (phase_index, &(phase, _)) in workload.phases().iter().enumerate() {
            let label = if n == config.n {
                format!("{workload} / {phase}")
            } else {
                format!("{workload} (n={}) / {phase}", fmt_n(n))
            };
            let _ = write!(s, "| {label} |");
            let key = RowKey {
                order,
                workload,
                n,
                phase_index,
            };
            for &imp in &config.impls {
                let text = match cells.get(&(key.clone(), imp)) {
                    Some(Cell::Ns { ns, manual }) => {
                        any_manual |= *manual;
                        let v = if *ns >= 100.0 {
                            format!("{ns:.0}")
                        } else {
                            format!("{ns:.1}")
                        };
                        if *manual { format!("{v} †") } else { v }
                    }
                    Some(Cell::Na(r)) => r.clone(),
                    Some(Cell::Failed(r)) => r.clone(),
                    None => "-".into(),
                };
                let _ = write!(s, " {text} |");
            }
            s.push('\n');
        }
    }
    s.push('\n');
    let _ = writeln!(s, "Per-object divisors:");
    for &w in &config.workloads {
        let phases: Vec<String> = w
            .phases()
            .iter()
            .map(|(p, what)| format!("`{p}`: {what}"))
            .collect();
        let _ = writeln!(s, "- `{w}`: {}", phases.join("; "));
    }
    if any_manual {
        let _ = writeln!(
            s,
            "\n† std `Rc` has no cycle collector: the dead cycles would leak. The number is the manual alternative: \
             the program keeps one handle per cycle and breaks one edge by hand (`RefCell::replace(None)`), which frees the cycle."
        );
    }
    for note in notes {
        let _ = writeln!(s, "\n- {note}");
    }
    let _ = writeln!(s, "\n(total wall time {:.0}s)", elapsed.as_secs_f64());
    s
}

/// Bisects, per implementation, the longest `chain` / `ring` that runs to the end on the
/// configured stack, up to `deep_n`. One child per probe, no repeats.
fn probe_depths(exe: &PathBuf, config: &Config) -> String {
    let limit = config.deep_n.max(config.n);
    let workloads: Vec<Workload> = config
        .workloads
        .iter()
        .copied()
        .filter(|w| w.is_deep())
        .collect();
    let mut s = String::new();
    if workloads.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "Longest chain / ring that completes on a {} MiB stack (bisected to ~2%, up to n = {}):\n",
        config.stack_mib,
        fmt_n(limit)
    );
    let _ = write!(s, "| workload |");
    for imp in &config.impls {
        let _ = write!(s, " {} |", imp.header());
    }
    let _ = write!(s, "\n|---|");
    for _ in &config.impls {
        let _ = write!(s, "---:|");
    }
    s.push('\n');
    for &w in &workloads {
        let _ = write!(s, "| {w} |");
        for &imp in &config.impls {
            let mut runs = 0;
            let mut completes = |n: usize| {
                runs += 1;
                let res = run_child(exe, imp, w, n, config);
                eprintln!(
                    "probe {imp} {w} n={n}: {}",
                    res.failure.as_deref().unwrap_or("ok")
                );
                res.failure.is_none() && res.check_failures.is_empty()
            };
            let text = if completes(limit) {
                format!("all ({})", fmt_n(limit))
            } else if !completes(1000) {
                "< 1000".to_string()
            } else {
                let (mut lo, mut hi) = (1000usize, limit);
                while hi - lo > (lo / 50).max(100) {
                    let mid = lo + (hi - lo) / 2;
                    if completes(mid) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                format!(
                    "{} (~{} B/level)",
                    group_thousands(lo),
                    (config.stack_mib << 20) / hi.max(1)
                )
            };
            let _ = write!(s, " {text} |");
        }
        s.push('\n');
    }
    s
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
