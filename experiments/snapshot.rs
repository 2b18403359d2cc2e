//! `gclab-snapshot`: collect, picture and analyse `gclab-snapshot/1` heap snapshots,
//! such as real CPython heaps dumped by `tools/cpython_snapshot.py`.
//!
//! Exit codes: 0 success (and, for `collect`, agreement with the file's
//! `expected_unreachable` when it has one), 1 `collect` disagreed with the expectation,
//! 2 bad file or bad arguments.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use gclab::experiment::{self, Output};
use gclab::graph::{self, DotOptions, ExportOptions};
use gclab::snapshot::{Snapshot, TypeLabel, collect_snapshot, compare_unreachable};
use gclab::{Heap, ObjId, TrialView};
use serde::Serialize;

/// How many differing ids `collect` prints per side.
const MAX_LISTED: usize = 20;

#[derive(Parser)]
#[command(
    name = "gclab-snapshot",
    version,
    about = "Collect, picture and analyse gclab-snapshot/1 heap snapshots",
    long_about = "Collect, picture and analyse gclab-snapshot/1 heap snapshots (JSON), such as \
real CPython heaps dumped by tools/cpython_snapshot.py.\n\n\
`collect` and `stats` print a report on standard output and write no file; `dot` writes one \
Graphviz DOT file (--out). The analysis is deterministic, so there is no --seed; there is no \
--quick either: the cost is the snapshot's size.\n\n\
Exit codes: 0 success; 1 `collect` found a different unreachable set than the file's \
expected_unreachable; 2 unreadable or invalid file, or bad arguments.",
    after_help = "Example:\n  python3 tools/cpython_snapshot.py --stdlib --time-collect --out stdlib.json\n  \
gclab-snapshot collect stdlib.json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import the snapshot and run one full trial-deletion collection over all objects;
    /// print the objects examined, the unreachable ones and the time, and compare with
    /// the file's expected_unreachable (exit code 1 when they differ).
    Collect {
        /// The snapshot file.
        file: PathBuf,
        /// Print exactly one JSON object on stdout:
        /// {"objects": N, "unreachable": [ids ascending], "elapsed_ns": T}, plus
        /// "agree": bool when the file has expected_unreachable.
        #[arg(long)]
        json: bool,
    },
    /// Write a Graphviz DOT picture of the snapshot's reference graph (gclab::graph):
    /// live objects green, unreachable ones red, each labelled with its type, snapshot
    /// id and counts. Render with `dot -Tsvg F.dot > F.svg`.
    Dot {
        /// The snapshot file.
        file: PathBuf,
        /// Output file.
        #[arg(long, short)]
        out: PathBuf,
        /// Draw only the objects a full collection would find unreachable.
        #[arg(long)]
        only_unreachable: bool,
    },
    /// Type census (top 20), reference cycles (strongly connected components of more
    /// than one object, or self-loops) with a size histogram, and the largest
    /// unreachable components.
    Stats {
        /// The snapshot file.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Failures (an unreadable or invalid file, an unwritable output) exit with 2.
    experiment::main("gclab-snapshot", 2, |w| match cli.command {
        Command::Collect { file, json } => collect(w, &file, json),
        Command::Dot {
            file,
            out,
            only_unreachable,
        } => dot(&file, &out, only_unreachable),
        Command::Stats { file } => stats(w, &file),
    })
}

fn load(path: &Path) -> Result<Snapshot> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Snapshot::from_json_slice(&bytes)
        .with_context(|| format!("{} is not a usable snapshot", path.display()))
}

/// The `--json` output of `collect`.
#[derive(Serialize)]
struct CollectJson<'a> {
    objects: usize,
    unreachable: &'a [u64],
    elapsed_ns: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    agree: Option<bool>,
}

fn collect(w: &mut Output, path: &Path, json: bool) -> Result<ExitCode> {
    let start = Instant::now();
    let snapshot = load(path)?;
    let parsed = start.elapsed();
    let outcome = collect_snapshot(&snapshot)
        .with_context(|| format!("importing and collecting {}", path.display()))?;
    let imported = outcome.import_elapsed;
    let expected = snapshot.expected_sorted();
    let disagreement = expected
        .as_ref()
        .map(|e| compare_unreachable(&outcome.unreachable, e));
    let agree = disagreement.as_ref().map(|d| d.agrees());
    if json {
        let out = CollectJson {
            objects: outcome.objects,
            unreachable: &outcome.unreachable,
            elapsed_ns: outcome.elapsed.as_nanos(),
            agree,
        };
        writeln!(
            w,
            "{}",
            serde_json::to_string(&out).context("bug: the JSON report does not serialize")?
        )?;
    } else {
        let ns = outcome.elapsed.as_nanos();
        writeln!(w, "{}: {} objects", path.display(), outcome.objects)?;
        writeln!(
            w,
            "parsed in {:.1} ms, imported in {:.1} ms",
            parsed.as_secs_f64() * 1e3,
            imported.as_secs_f64() * 1e3
        )?;
        writeln!(
            w,
            "gclab full collection: {} objects examined, {} unreachable, {:.3} ms ({:.1} ns/object)",
            outcome.report.candidates,
            outcome.unreachable.len(),
            outcome.elapsed.as_secs_f64() * 1e3,
            per_object(ns, outcome.report.candidates as u64),
        )?;
        if let (Some(t), Some(n)) = (
            snapshot.cpython_collect_ns,
            snapshot.cpython_collect_objects,
        ) {
            writeln!(
                w,
                "CPython gc.collect(): {n} objects, {:.3} ms ({:.1} ns/object)",
                t as f64 / 1e6,
                per_object(u128::from(t), n)
            )?;
        }
        match (&expected, &disagreement) {
            (Some(e), Some(d)) if d.agrees() => {
                writeln!(w, "agrees with expected_unreachable ({} objects)", e.len())?;
            }
            (Some(e), Some(d)) => {
                writeln!(
                    w,
                    "DISAGREES with expected_unreachable ({} objects)",
                    e.len()
                )?;
                print_ids(w, "only in gclab's set", &d.only_gclab)?;
                print_ids(w, "only in the expected set", &d.only_expected)?;
            }
            _ => writeln!(w, "no expected_unreachable in the file; nothing to compare")?,
        }
    }
    Ok(if agree == Some(false) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn per_object(ns: u128, objects: u64) -> f64 {
    if objects == 0 {
        0.0
    } else {
        ns as f64 / objects as f64
    }
}

fn print_ids(w: &mut Output, what: &str, ids: &[u64]) -> Result<()> {
    let shown: Vec<String> = ids.iter().take(MAX_LISTED).map(u64::to_string).collect();
    let more = if ids.len() > MAX_LISTED {
        format!(" … and {} more", ids.len() - MAX_LISTED)
    } else {
        String::new()
    };
    writeln!(w, "  {what} ({}): {}{more}", ids.len(), shown.join(" "))?;
    Ok(())
}

/// An imported snapshot and what a full collection's trial deletion finds unreachable,
/// by file position.
struct Analysis {
    heap: Heap<TypeLabel>,
    /// `handles[i]` is the object `snapshot.objects[i]`.
    handles: Vec<ObjId>,
    unreachable: Vec<bool>,
    view: TrialView,
}

fn analyse(path: &Path, snapshot: &Snapshot) -> Result<Analysis> {
    let (heap, handles) = snapshot
        .to_heap_with(|o| o.type_label.clone())
        .with_context(|| format!("importing {}", path.display()))?;
    let oldest = heap.generations() - 1;
    let view = heap
        .trial_deletion(oldest)
        .with_context(|| format!("trial deletion over {}", path.display()))?;
    let unreachable = handles
        .iter()
        .map(|&h| view.get(h).is_some_and(|e| !e.reachable))
        .collect();
    Ok(Analysis {
        heap,
        handles,
        unreachable,
        view,
    })
}

fn dot(path: &Path, out: &Path, only_unreachable: bool) -> Result<ExitCode> {
    let snapshot = load(path)?;
    let analysis = analyse(path, &snapshot)?;
    let view = &analysis.view;
    let mut options = ExportOptions::with_labeler(|l: &TypeLabel| l.to_string());
    if only_unreachable {
        options = options.filter(|id, _| view.get(id).is_some_and(|e| !e.reachable));
    }
    let exported = graph::export(&analysis.heap, &options);
    fs::write(out, exported.to_dot(&DotOptions::default()))
        .with_context(|| format!("cannot write the DOT file {}", out.display()))?;
    eprintln!(
        "wrote {} ({} objects, {} references)",
        out.display(),
        exported.object_count(),
        exported.graph().edge_count()
    );
    Ok(ExitCode::SUCCESS)
}

fn stats(w: &mut Output, path: &Path) -> Result<ExitCode> {
    let snapshot = load(path)?;
    let analysis = analyse(path, &snapshot)?;
    let heap = &analysis.heap;
    let objects = &snapshot.objects;
    let n = objects.len();
    let references: usize = objects.iter().map(|o| o.referents.len()).sum();
    writeln!(
        w,
        "{}: {n} objects, {references} references",
        path.display()
    )?;

    let census = graph::census(heap, |l| l.to_string());
    writeln!(w, "\ntypes (top 20 of {}):", census.iter().count())?;
    for (label, count) in census.most_common(20) {
        writeln!(
            w,
            "  {count:>9}  {:>5.1}%  {label}",
            100.0 * count as f64 / n.max(1) as f64
        )?;
    }

    let mut cycles = graph::cycles(heap);
    cycles.sort_by_key(|c| std::cmp::Reverse(c.members.len()));
    let in_cycles: usize = cycles.iter().map(|c| c.members.len()).sum();
    let garbage_cycles = cycles.iter().filter(|c| c.unreachable).count();
    writeln!(
        w,
        "\ncycles (strongly connected components of > 1 object, or self-loops): {} \
         holding {in_cycles} objects; {garbage_cycles} unreachable",
        cycles.len()
    )?;
    let mut histogram: Vec<(usize, usize)> = Vec::new(); // (bucket upper bound, count)
    for c in &cycles {
        let bucket = c.members.len().next_power_of_two();
        match histogram.iter_mut().find(|(b, _)| *b == bucket) {
            Some((_, k)) => *k += 1,
            None => histogram.push((bucket, 1)),
        }
    }
    histogram.sort_unstable();
    for (bucket, count) in histogram {
        let low = if bucket <= 2 { bucket } else { bucket / 2 + 1 };
        let range = if low == bucket {
            format!("{bucket}")
        } else {
            format!("{low}..={bucket}")
        };
        writeln!(w, "  size {range:>15}: {count}")?;
    }
    let label = |id: ObjId| -> &str { heap.payload(id).map_or("?", |l| &**l) };
    for c in cycles.iter().take(5) {
        writeln!(
            w,
            "  largest: {} objects ({}): {}",
            c.members.len(),
            if c.unreachable { "unreachable" } else { "live" },
            census_line(c.members.iter().map(|&m| label(m)))
        )?;
    }

    let components = unreachable_components(&snapshot, &analysis);
    let total: usize = components.iter().map(Vec::len).sum();
    writeln!(
        w,
        "\nunreachable: {total} objects in {} weakly connected components",
        components.len()
    )?;
    for c in components.iter().take(10) {
        let first = c.iter().map(|&i| objects[i].id).min().unwrap_or(0);
        writeln!(
            w,
            "  {} objects (lowest id {first}): {}",
            c.len(),
            census_line(c.iter().map(|&i| label(analysis.handles[i])))
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `3 list, 2 dict, …` (most frequent first, ties by label; at most 4 types).
fn census_line<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in labels {
        *counts.entry(l).or_default() += 1;
    }
    let mut census: Vec<(&str, usize)> = counts.into_iter().collect();
    census.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = census
        .iter()
        .take(4)
        .map(|(l, c)| format!("{c} {l}"))
        .collect();
    if census.len() > 4 {
        parts.push("…".to_owned());
    }
    parts.join(", ")
}

/// Weakly connected components of the unreachable objects (edges between two
/// unreachable objects, either direction), largest first; union–find with path halving.
fn unreachable_components(snapshot: &Snapshot, analysis: &Analysis) -> Vec<Vec<usize>> {
    let n = analysis.unreachable.len();
    let position: HashMap<u64, usize> = snapshot
        .objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id, i))
        .collect();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, o) in snapshot.objects.iter().enumerate() {
        if !analysis.unreachable[a] {
            continue;
        }
        for r in &o.referents {
            let b = position[r]; // validated by the import
            if analysis.unreachable[b] {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[ra] = rb;
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in (0..n).filter(|&i| analysis.unreachable[i]) {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut components: Vec<Vec<usize>> = groups.into_values().collect();
    components.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    components
}
