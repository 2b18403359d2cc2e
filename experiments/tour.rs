//! `gclab-tour`: Python's memory model, step by step, with a picture of every step.
//!
//! 1. The seed: names, objects, ids and reference counts; then the seed's two Python
//!    snippets (`python/tests/corpus/seed_*.py`) run by gclab-py's library, printing
//!    what CPython prints.
//! 2. Why reference counting is not enough: a cycle outlives its names.
//! 3. A gallery of classic cycles, each before, during (the trial-deletion view) and
//!    after collection.
//! 4. Generations: objects promoted across automatic collections.
//! 5. The files written.
//!
//! Every picture is a `.dot` file; where Graphviz is installed, an `.svg` beside it.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use gclab::experiment::{self, Output, Table, ensure_dir};
use gclab::graph::{self, ColorBy, DotOptions, ExportOptions, RankDir};
use gclab::{GcConfig, Heap, ObjId, Phase};

/// The tour's standard output.
type W = Output;

#[derive(Parser, Debug)]
#[command(
    name = "gclab-tour",
    version,
    about = "A guided tour of Python's memory model in gclab, with a picture of every step",
    long_about = "A guided tour of Python's memory model in gclab, printed step by step with a \
picture of every step.\n\n\
Sections: 1. names, objects, ids and reference counts (the seed); 2. why reference counting \
is not enough (a cycle outlives its names); 3. a gallery of classic cycles, each before, \
during (what trial deletion sees) and after a collection, including a resurrecting finalizer \
and a weak-reference callback; 4. generations: survivors promoted across automatic \
collections; 5. the list of files written.\n\n\
Writes one Graphviz .dot file per picture into --out (default out/tour), and an .svg beside \
each when Graphviz's `dot` is on the PATH. Each picture has a legend explaining its labels \
(e.g. `3v1`: slot 3, version 1; `rc`: reference count; `ext`: references from outside the \
drawn objects). The tour is deterministic, so it has no --seed.",
    after_help = "Examples:\n  gclab-tour\n  gclab-tour --quick --out /tmp/tour   # sections 1 and 2 only"
)]
struct Args {
    /// Directory for the pictures (created if needed).
    #[arg(long, default_value = "out/tour")]
    out: PathBuf,
    /// Only sections 1 and 2 (and the list of files): a few seconds, used by the tests.
    #[arg(long)]
    quick: bool,
}

/// Payloads are the Python values' descriptions.
type Py = Heap<&'static str>;

/// Collects every file the tour writes, for the closing table.
struct Pictures {
    dir: PathBuf,
    written: Vec<(String, PathBuf, Option<PathBuf>)>,
}

impl Pictures {
    fn new(dir: &Path) -> Result<Self> {
        ensure_dir(dir)?;
        Ok(Pictures {
            dir: dir.to_path_buf(),
            written: Vec::new(),
        })
    }

    fn options<'a>() -> ExportOptions<'a, &'static str> {
        ExportOptions::with_labeler(|p: &&'static str| (*p).to_owned())
    }

    /// The whole heap, coloured by status.
    fn heap(&mut self, name: &str, what: &str, heap: &Py) -> Result<()> {
        self.heap_colored(name, what, heap, ColorBy::Status)
    }

    fn heap_colored(&mut self, name: &str, what: &str, heap: &Py, color_by: ColorBy) -> Result<()> {
        let g = graph::export(heap, &Self::options());
        let opts = DotOptions {
            color_by,
            rankdir: Some(RankDir::LR),
        };
        let path = self.dir.join(name);
        let out = graph::render(&g, &opts, &path)
            .with_context(|| format!("drawing the picture {}", path.display()))?;
        self.written.push((what.to_owned(), out.dot, out.svg));
        Ok(())
    }

    /// What trial deletion sees when collecting the oldest generation.
    fn trial(&mut self, name: &str, what: &str, heap: &Py) -> Result<()> {
        let g = graph::trial_graph(heap, heap.generations() - 1, true, &Self::options())?;
        let opts = DotOptions {
            rankdir: Some(RankDir::LR),
            ..DotOptions::default()
        };
        let path = self.dir.join(name);
        let out = graph::render(&g, &opts, &path)
            .with_context(|| format!("drawing the picture {}", path.display()))?;
        self.written.push((what.to_owned(), out.dot, out.svg));
        Ok(())
    }
}

fn new_heap() -> Py {
    let mut heap = Heap::new();
    heap.disable(); // the tour decides when to collect
    heap
}

/// `name = <new object>`: binds a fresh object and drops the temporary handle.
fn bind(heap: &mut Py, name: &str, obj: ObjId) -> gclab::Result<ObjId> {
    heap.set_var(name, obj)?;
    heap.decref(obj)?;
    Ok(obj)
}

/// A Python list of small ints: `[1, 2, 3]`.
fn int_list(heap: &mut Py, label: &'static str, items: &[&'static str]) -> gclab::Result<ObjId> {
    let list = heap.alloc(label);
    for &item in items {
        let int = heap.alloc_atomic(item);
        heap.link(list, int)?;
        heap.decref(int)?;
    }
    Ok(list)
}

/// Prints `text` as a paragraph wrapped at 90 columns.
fn para(w: &mut W, text: &str) -> Result<()> {
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > 90 {
            writeln!(w, "{line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

fn section(w: &mut W, title: &str) -> Result<()> {
    writeln!(w, "\n{title}\n{}", "=".repeat(title.chars().count()))?;
    Ok(())
}

fn seed(w: &mut W, p: &mut Pictures) -> Result<()> {
    section(w, "1. The seed: names refer to objects")?;
    let mut heap = new_heap();
    let x = heap.alloc_atomic("int 42");
    bind(&mut heap, "x", x)?;
    let y = heap.alloc_atomic("str 'hello'");
    bind(&mut heap, "y", y)?;
    let z = int_list(&mut heap, "list [1, 2, 3]", &["int 1", "int 2", "int 3"])?;
    bind(&mut heap, "z", z)?;
    for name in ["x", "y", "z"] {
        let obj = heap
            .get_var(name)
            .ok_or_else(|| anyhow!("bug: {name} was just bound"))?;
        writeln!(
            w,
            "{name} = {:<14} id({name}) = {}",
            heap.payload(obj)?,
            heap.id(obj)?
        )?;
    }
    p.heap("1-seed-names", "x, y, z: names pointing at objects", &heap)?;
    para(
        w,
        &format!(
            "In the pictures an object is labelled with its value, then its handle, e.g. {x} \
             for x: slot {} of the heap, version {} of that slot (a slot freed and reused \
             later gets a higher version, so an old handle is recognised as stale). Then \
             rc, its reference count, and ext, the references from outside the heap's objects \
             (here: the name). The legend of every picture repeats this.",
            x.to_string().split('v').next().unwrap_or("?"),
            x.to_string().split('v').nth(1).unwrap_or("?"),
        ),
    )?;

    writeln!(w)?;
    let a = int_list(&mut heap, "list [10, 20]", &["int 10", "int 20"])?;
    bind(&mut heap, "a", a)?;
    writeln!(
        w,
        "a = [10, 20]   refcount(a) = {}   (Python's sys.getrefcount(a) prints 2)",
        heap.refcount(a)?
    )?;
    p.heap("1-seed-a", "a = [10, 20]", &heap)?;
    heap.set_var("b", a)?;
    writeln!(
        w,
        "b = a          refcount(a) = {}   (Python prints 3)",
        heap.refcount(a)?
    )?;
    p.heap("1-seed-b-is-a", "b = a: two names, one object", &heap)?;
    heap.del_var("b")?;
    writeln!(
        w,
        "del b          refcount(a) = {}   (Python prints 2)",
        heap.refcount(a)?
    )?;
    p.heap(
        "1-seed-del-b",
        "del b: the name goes, the object stays",
        &heap,
    )?;
    writeln!(
        w,
        "Python prints one more: the argument of sys.getrefcount is itself a reference while it runs."
    )?;
    Ok(())
}

/// The seed's two snippets, verbatim (`python/tests/corpus/`, where the corpus test
/// compares what gclab-py prints for them with CPython 3.11's output).
const SEED_PY: [(&str, &str); 2] = [
    (
        "seed_ids.py",
        include_str!("../python/tests/corpus/seed_ids.py"),
    ),
    (
        "seed_refcount.py",
        include_str!("../python/tests/corpus/seed_refcount.py"),
    ),
];

/// The seed as Python: each snippet, then what gclab-py prints for it, run in this
/// process by gclab-py's library on a heap of its own (CPython 3.11's thresholds).
fn seed_as_python(w: &mut W) -> Result<()> {
    writeln!(w)?;
    para(
        w,
        "The same seed as Python, run by gclab-py (python/), an interpreter whose every \
         object lives in a gclab heap: sys.getrefcount reads the heap's count, plus the \
         reference its own argument holds while it runs, so it prints CPython's numbers.",
    )?;
    for (file, source) in SEED_PY {
        writeln!(w, "\n--- {file} ---")?;
        for line in source.lines() {
            writeln!(w, ">>> {line}")?;
        }
        writeln!(w, "--- gclab-py prints ---")?;
        // gclab-py writes to standard output itself: what is ours goes out first.
        w.flush()?;
        let args = gclab_py::Args::try_parse_from(["gclab-py", "-c", source])
            .map_err(|e| anyhow!("bug: gclab-py's arguments: {e}"))?;
        let status = gclab_py::run_on_own_stack(args).map_err(|e| anyhow!("gclab-py: {e}"))?;
        if status != 0 {
            return Err(anyhow!("gclab-py exited with status {status} on {file}"));
        }
    }
    writeln!(w)?;
    para(
        w,
        "(The id() numbers are gclab's: CPython prints addresses, gclab-py a number derived \
         from the object's slot.)",
    )?;
    Ok(())
}

fn refcounting_is_not_enough(w: &mut W, p: &mut Pictures) -> Result<()> {
    section(w, "2. Why reference counting is not enough")?;
    let mut heap = new_heap();
    let a = heap.alloc("list a");
    bind(&mut heap, "a", a)?;
    let b = heap.alloc("list b");
    bind(&mut heap, "b", b)?;
    heap.link(a, b)?; // a.append(b)
    heap.link(b, a)?; // b.append(a)
    p.heap("2-cycle-named", "a.append(b); b.append(a)", &heap)?;
    heap.del_var("a")?;
    heap.del_var("b")?;
    writeln!(
        w,
        "after `del a, b`: both still alive, refcount(a) = {}, refcount(b) = {} — each is held by the other",
        heap.refcount(a)?,
        heap.refcount(b)?
    )?;
    p.heap("2-cycle-orphaned", "del a, b: alive, unreachable", &heap)?;
    p.trial(
        "2-cycle-trial-deletion",
        "trial deletion: internal references subtracted, nothing left",
        &heap,
    )?;
    let report = heap.collect_full();
    writeln!(
        w,
        "gc.collect(): examined {}, collected {} — the heap now holds {} objects",
        report.candidates,
        report.collected,
        heap.len()
    )?;
    p.heap("2-cycle-collected", "after gc.collect()", &heap)?;
    Ok(())
}

/// One gallery exhibit: builds its heap, then before / trial deletion / after.
fn exhibit(
    w: &mut W,
    p: &mut Pictures,
    slug: &str,
    title: &str,
    build: impl FnOnce(&mut Py) -> gclab::Result<()>,
) -> Result<()> {
    let mut heap = new_heap();
    build(&mut heap)?;
    let before = heap.len();
    p.heap(
        &format!("3-{slug}-1-before"),
        &format!("{title}: before"),
        &heap,
    )?;
    p.trial(
        &format!("3-{slug}-2-trial"),
        &format!("{title}: trial deletion"),
        &heap,
    )?;
    let report = heap.collect_full();
    p.heap(
        &format!("3-{slug}-3-after"),
        &format!("{title}: after"),
        &heap,
    )?;
    let mut extra = String::new();
    if report.resurrected > 0 {
        extra.push_str(&format!(", resurrected {}", report.resurrected));
    }
    if report.weakrefs_cleared > 0 {
        extra.push_str(&format!(
            ", weak references cleared {}",
            report.weakrefs_cleared
        ));
    }
    writeln!(
        w,
        "{title:<34} objects {before:>2} → {:>2}   collected {}{extra}",
        heap.len(),
        report.collected
    )?;
    Ok(())
}

/// Allocates `n` objects with the given labels and gives up our handles once `wire` has
/// linked them.
fn objects(
    heap: &mut Py,
    labels: &[&'static str],
    wire: &[(usize, usize)],
) -> gclab::Result<Vec<ObjId>> {
    let ids: Vec<ObjId> = labels.iter().map(|&l| heap.alloc(l)).collect();
    for &(from, to) in wire {
        heap.link(ids[from], ids[to])?;
    }
    for &id in &ids {
        heap.decref(id)?;
    }
    Ok(ids)
}

fn gallery(w: &mut W, p: &mut Pictures) -> Result<()> {
    section(w, "3. A gallery of classic cycles")?;
    exhibit(w, p, "self-loop", "self-loop (l.append(l))", |h| {
        objects(h, &["list l"], &[(0, 0)]).map(|_| ())
    })?;
    exhibit(w, p, "two-cycle", "two-node cycle", |h| {
        objects(h, &["a", "b"], &[(0, 1), (1, 0)]).map(|_| ())
    })?;
    exhibit(w, p, "doubly-linked", "doubly linked list", |h| {
        let labels = ["node 0", "node 1", "node 2", "node 3"];
        let wire: Vec<(usize, usize)> = (0..3).flat_map(|i| [(i, i + 1), (i + 1, i)]).collect();
        objects(h, &labels, &wire).map(|_| ())
    })?;
    exhibit(w, p, "tree-parents", "tree with parent pointers", |h| {
        let labels = ["root", "left", "right", "left.left", "left.right"];
        let wire = [
            (0, 1),
            (0, 2),
            (1, 3),
            (1, 4),
            (1, 0),
            (2, 0),
            (3, 1),
            (4, 1),
        ];
        objects(h, &labels, &wire).map(|_| ())
    })?;
    exhibit(
        w,
        p,
        "garbage-off-garbage",
        "garbage hanging off garbage",
        |h| {
            let labels = ["outer a", "outer b", "inner c", "inner d"];
            objects(h, &labels, &[(0, 1), (1, 0), (1, 2), (2, 3), (3, 2)]).map(|_| ())
        },
    )?;
    exhibit(
        w,
        p,
        "garbage-into-live",
        "garbage pointing into live data",
        |h| {
            let cache = h.alloc("dict cache");
            bind(h, "cache", cache)?;
            let ids = objects(h, &["a", "b"], &[(0, 1), (1, 0)])?;
            h.link(ids[0], cache)
        },
    )?;
    exhibit(w, p, "resurrection", "a finalizer that resurrects", |h| {
        let ids = objects(h, &["phoenix", "ash"], &[(0, 1), (1, 0)])?;
        h.set_finalizer(ids[0], |heap, me| {
            // __del__: self.saved = self, as `global saved; saved = self`.
            let _ = heap.set_var("saved", me);
        })?;
        Ok(())
    })?;
    let called = Rc::new(RefCell::new(None));
    let seen = called.clone();
    exhibit(
        w,
        p,
        "weakref-callback",
        "a weak reference with a callback",
        move |h| {
            let ids = objects(h, &["a", "b"], &[(0, 1), (1, 0)])?;
            h.downgrade_with_callback(ids[0], move |heap, weak| {
                *seen.borrow_mut() = Some(heap.upgrade(weak).is_none());
            })?;
            Ok(())
        },
    )?;
    if let Some(dead) = *called.borrow() {
        writeln!(
            w,
            "  the weak reference's callback ran and saw its reference dead: {dead}"
        )?;
    }
    Ok(())
}

/// Whether `id` is unreachable garbage: a trial deletion of the oldest generation finds it
/// unreachable.
fn is_garbage(heap: &Py, id: ObjId) -> bool {
    heap.trial_deletion(heap.generations() - 1)
        .ok()
        .and_then(|view| view.get(id).map(|e| !e.reachable))
        .unwrap_or(false)
}

fn generations(w: &mut W, p: &mut Pictures) -> Result<()> {
    section(w, "4. Generations: survivors are promoted")?;
    let config = GcConfig {
        generations: 3,
        thresholds: vec![4, 2, 2],
        enabled: true,
    };
    let mut heap: Py = Heap::with_config(config)?;
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    heap.add_callback(move |phase, info| {
        if phase == Phase::Stop {
            l.borrow_mut()
                .push((info.generation, info.candidates, info.collected));
        }
    });
    let keep = heap.alloc("list keep");
    bind(&mut heap, "keep", keep)?;
    writeln!(
        w,
        "thresholds (4, 2, 2): a young collection when more than 4 new objects are alive,"
    )?;
    writeln!(
        w,
        "generation 1 after more than 2 young ones, generation 2 after more than 2 of those."
    )?;
    writeln!(
        w,
        "Every other new object is kept (appended to `keep`); the rest are self-cycles (garbage)."
    )?;
    let sizes = |heap: &Py| -> Vec<usize> {
        (0..3)
            .map(|g| heap.get_objects(Some(g)).map_or(0, |v| v.len()))
            .collect()
    };
    para(
        w,
        "A collection runs inside `alloc`, after the new object is tracked: the sizes printed \
         below count that object, and the collection examines it too. The program still holds \
         it, so it survives and is promoted to generation 1, even when it is a \"garbage\" \
         object about to become a self-cycle.",
    )?;
    let mut pictures = 0;
    let mut promoted_garbage = 0;
    for i in 1..=40 {
        let garbage = i % 2 == 1;
        let obj = heap.alloc(if garbage { "garbage" } else { "kept" });
        // Collections that ran inside this allocation: the new object was examined and,
        // held by us, promoted.
        let during_alloc = log.borrow().len();
        if garbage && during_alloc > 0 {
            promoted_garbage += 1;
        }
        if garbage {
            heap.link(obj, obj)?; // a self-cycle: garbage once we drop our reference
        } else {
            heap.link(keep, obj)?; // kept: survives and is promoted
        }
        heap.decref(obj)?;
        let happened: Vec<(usize, usize, usize)> = log.borrow_mut().drain(..).collect();
        let what = if garbage { "garbage" } else { "kept" };
        for (generation, candidates, collected) in happened {
            writeln!(
                w,
                "allocation {i:>2} ({what:<7}): collected generation {generation} (examined {candidates:>2}, collected {collected:>2}) → generation sizes {:?}",
                sizes(&heap)
            )?;
            if generation > 0 || pictures == 0 {
                pictures += 1;
                p.heap_colored(
                    &format!("4-generations-{pictures}-after-gen{generation}-collection"),
                    &format!("after a generation-{generation} collection (allocation {i})"),
                    &heap,
                    ColorBy::Generation,
                )?;
            }
        }
    }
    writeln!(
        w,
        "The kept objects end up in the oldest generation; young collections no longer look at them."
    )?;
    let waiting: Vec<usize> = (0..3)
        .map(|g| {
            heap.get_objects(Some(g)).map_or(0, |ids| {
                ids.iter().filter(|&&id| is_garbage(&heap, id)).count()
            })
        })
        .collect();
    para(
        w,
        &format!(
            "{promoted_garbage} \"garbage\" objects were being allocated when a collection ran, so they were \
             promoted before they became cycles. Those that reached generation 1 were freed by \
             the next generation-1 collection; those promoted into generation 2 stay until a \
             generation-2 collection. Unreachable garbage per generation now: {waiting:?}: \
             the \"garbage … gen 2, unreachable\" nodes of the picture after allocation 39."
        ),
    )?;
    let report = heap.collect_full();
    writeln!(
        w,
        "gc.collect() (generation 2, so every generation): examined {}, collected {}; generation sizes now {:?}",
        report.candidates,
        report.collected,
        sizes(&heap)
    )?;
    pictures += 1;
    p.heap_colored(
        &format!("4-generations-{pictures}-after-gc-collect"),
        "after gc.collect(): the promoted garbage is gone",
        &heap,
        ColorBy::Generation,
    )?;
    Ok(())
}

fn run(w: &mut W, args: &Args) -> Result<ExitCode> {
    let mut p = Pictures::new(&args.out)?;
    seed(w, &mut p)?;
    seed_as_python(w)?;
    refcounting_is_not_enough(w, &mut p)?;
    if !args.quick {
        gallery(w, &mut p)?;
        generations(w, &mut p)?;
    }
    section(w, "5. Files written")?;
    let svgs = p.written.iter().filter(|(_, _, svg)| svg.is_some()).count();
    let mut header = vec!["picture", "DOT file"];
    if svgs > 0 {
        header.push("SVG file");
    }
    let mut table = Table::new(header);
    for (what, dot, svg) in &p.written {
        let svg_text = svg
            .as_ref()
            .map_or(String::from("-"), |s| s.display().to_string());
        table.row([what.clone(), dot.display().to_string(), svg_text]);
    }
    write!(w, "{table}")?;
    if svgs > 0 {
        writeln!(
            w,
            "\nOpen the .svg files in a browser. (Each .dot renders with `dot -Tsvg FILE.dot -o FILE.svg`.)"
        )?;
    } else {
        writeln!(
            w,
            "\nRender a picture with Graphviz: `dot -Tsvg FILE.dot -o FILE.svg`, then open it in a browser."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = Args::parse();
    experiment::main("gclab-tour", 1, |w| run(w, &args))
}
