//! `gclab-py`: a Python-subset interpreter whose every object lives in a gclab heap.
//!
//! The binary (`src/main.rs`) parses [`Args`] and calls [`run_on_own_stack`]; the
//! library is that same entry point, for programs that run Python on gclab's heap in
//! process (`gclab-tour` runs the seed this way):
//!
//! ```no_run
//! use clap::Parser;
//! let args = gclab_py::Args::parse_from(["gclab-py", "-c", "print(1 + 1)"]);
//! assert_eq!(gclab_py::run_on_own_stack(args), Ok(0));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod array;
mod builtins;
mod code;
mod consts;
mod format;
mod generator;
mod interp;
pub mod latency;
mod obj;
mod ops;
mod pyperf;
mod random;
pub mod record;

use std::collections::HashSet;
use std::io::Read;

use gclab::CycleCollector;
use gclab::experiment::{StrategyChoice, StrategyHeaps, WithStrategy};
use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use crate::interp::{Ctx, H, Interp, Unwind};
use crate::obj::Obj;

/// The deepest Python call nesting allowed, whatever `sys.setrecursionlimit` says (the
/// interpreter's stack is sized for it).
pub const MAX_DEPTH: usize = 20_000;

/// Runs a Python program on gclab's heap: `gclab-py`'s command line.
#[derive(clap::Parser, Debug)]
#[command(
    name = "gclab-py",
    version,
    about,
    after_help = "Strategies:\n{strategies}"
)]
pub struct Args {
    /// Program text to run instead of a file.
    #[arg(short = 'c', value_name = "CODE")]
    code: Option<String>,
    /// The collection strategy, `NAME[:SETTINGS]` (gclab's strategies, listed below);
    /// default `generational:700,10,10`, CPython 3.11's thresholds.
    #[arg(long, value_name = "NAME[:SETTINGS]")]
    strategy: Option<String>,
    /// Print collections, collected, uncollectable and pauses at exit (to stderr).
    #[arg(long)]
    stats: bool,
    /// With `--stats`: also measure garbage latency, for every object a collection frees
    /// the time from its becoming unreachable to its freeing, in allocations and in
    /// milliseconds (objects freed by reference counting: latency 0, counted apart).
    /// Keeps a shadow of the heap's edges, so the run is slower: take pauses and times
    /// from a run without it. The definition is in `src/latency.rs`.
    #[arg(long)]
    latency: bool,
    /// At exit, tear the module down, collect, and fail listing any object left besides
    /// the interpreter's permanent ones.
    #[arg(long)]
    check_leaks: bool,
    /// Write DOT pictures of the heap (the program's objects, labelled with Python
    /// values, coloured by status) into DIR: one before every `gc.collect()`, one at
    /// every `--dot-line`, one at exit before teardown.
    #[arg(long, value_name = "DIR")]
    dot: Option<std::path::PathBuf>,
    /// With `--dot`: also picture the heap before line N runs (repeatable).
    #[arg(long = "dot-line", value_name = "N")]
    dot_lines: Vec<usize>,
    /// Write the heap's op trace of the run to FILE (JSON lines, `gclab::testing`'s
    /// format, with a header naming the strategy): `gclab-replay FILE` replays it
    /// against the reference model, `gclab-strategies --trace FILE` runs every strategy
    /// on it. Objects are named by allocation number; what a replay reproduces is in
    /// `python/README.md`.
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
    /// The program file (`-` or nothing: standard input), then its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

/// Runs the program `args` names on a thread of its own whose stack is sized for
/// [`MAX_DEPTH`] nested Python calls, as the binary does; returns its exit status
/// (0, 1 for an uncaught exception or a syntax error, 2 for a construct outside the
/// subset or a bad argument, 4 for `--check-leaks` finding objects left).
///
/// # Errors
/// A sentence when the thread cannot be started or the interpreter panicked (a bug).
pub fn run_on_own_stack(args: Args) -> Result<u8, String> {
    let child = std::thread::Builder::new()
        .stack_size(4 << 30)
        .spawn(move || run(args))
        .map_err(|e| format!("cannot start the interpreter thread: {e}"))?;
    child
        .join()
        .map_err(|_| "internal error (a bug: please report the program)".to_owned())
}

/// The first construct outside the subset, found before running.
fn refuse(body: &[Stmt], line_of: &dyn Fn(usize) -> usize) -> Option<(usize, &'static str)> {
    use ruff_python_ast::visitor::{self, Visitor};
    struct V<'a> {
        found: Option<(usize, &'static str)>,
        line_of: &'a dyn Fn(usize) -> usize,
        /// Whether each enclosing scope is a function (a `yield` may stand there).
        scopes: Vec<bool>,
    }
    impl<'b> Visitor<'b> for V<'_> {
        fn visit_stmt(&mut self, s: &'b Stmt) {
            if self.found.is_some() {
                return;
            }
            let what = match s {
                Stmt::FunctionDef(f) if f.is_async => Some("'async def'"),
                Stmt::For(f) if f.is_async => Some("'async for'"),
                Stmt::With(w) if w.is_async => Some("'async with'"),
                Stmt::Match(_) => Some("'match'"),
                Stmt::TypeAlias(_) => Some("'type' alias"),
                Stmt::Try(t) if t.is_star => Some("'except*'"),
                Stmt::ClassDef(c)
                    if c.arguments.as_ref().is_some_and(|a| !a.keywords.is_empty()) =>
                {
                    Some("class keywords (metaclass)")
                }
                _ => None,
            };
            if let Some(w) = what {
                self.found = Some(((self.line_of)(s.range().start().to_usize()), w));
                return;
            }
            match s {
                Stmt::FunctionDef(f) => {
                    // a generator's `yield`s must stand where its walker can suspend
                    if let Some(found) = crate::generator::check(&f.body, self.line_of) {
                        self.found = Some(found);
                        return;
                    }
                    self.scopes.push(true);
                    visitor::walk_stmt(self, s);
                    self.scopes.pop();
                }
                Stmt::ClassDef(_) => {
                    self.scopes.push(false);
                    visitor::walk_stmt(self, s);
                    self.scopes.pop();
                }
                _ => visitor::walk_stmt(self, s),
            }
        }
        fn visit_expr(&mut self, e: &'b Expr) {
            if self.found.is_some() {
                return;
            }
            let in_function = self.scopes.last() == Some(&true);
            let what = match e {
                Expr::Yield(_) | Expr::YieldFrom(_) if !in_function => {
                    Some("'yield' outside a 'def' (in a lambda or comprehension)")
                }
                Expr::Await(_) => Some("'await'"),
                Expr::BytesLiteral(_) => Some("bytes"),
                Expr::EllipsisLiteral(_) => Some("'...' (Ellipsis)"),
                Expr::TString(_) => Some("template strings"),
                Expr::NumberLiteral(n)
                    if matches!(n.value, ruff_python_ast::Number::Complex { .. }) =>
                {
                    Some("complex numbers")
                }
                _ => None,
            };
            if let Some(w) = what {
                self.found = Some(((self.line_of)(e.range().start().to_usize()), w));
                return;
            }
            if matches!(
                e,
                Expr::Lambda(_)
                    | Expr::ListComp(_)
                    | Expr::SetComp(_)
                    | Expr::DictComp(_)
                    | Expr::Generator(_)
            ) {
                self.scopes.push(false);
                visitor::walk_expr(self, e);
                self.scopes.pop();
                return;
            }
            visitor::walk_expr(self, e);
        }
    }
    let mut v = V {
        found: None,
        line_of,
        scopes: vec![],
    };
    v.visit_body(body);
    v.found
}

/// Runs the program `args` names on the calling thread (see [`run_on_own_stack`] for
/// the stack it needs); returns its exit status.
pub fn run(args: Args) -> u8 {
    let (source, filename, argv) = match (&args.code, args.rest.first()) {
        (Some(c), _) => (c.clone(), "<string>".to_owned(), {
            let mut v = vec!["-c".to_owned()];
            v.extend(args.rest.iter().cloned());
            v
        }),
        (None, Some(f)) if f != "-" => match std::fs::read_to_string(f) {
            Ok(s) => {
                // CPython shows the script's absolute path in tracebacks
                let shown = std::fs::canonicalize(f)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| f.clone());
                (s, shown, args.rest.clone())
            }
            Err(e) => {
                eprintln!("gclab-py: can't open file '{f}': {e}");
                return 2;
            }
        },
        _ => {
            let mut s = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                eprintln!("gclab-py: can't read standard input: {e}");
                return 2;
            }
            let mut v = vec!["-".to_owned()];
            v.extend(args.rest.iter().skip(1).cloned());
            (s, "<stdin>".to_owned(), v)
        }
    };
    let source: &'static str = Box::leak(source.into_boxed_str());
    let mut line_starts = vec![0usize];
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            line_starts.push(i + 1);
        }
    }
    let line_of = |off: usize| match line_starts.binary_search(&off) {
        Ok(i) => i + 1,
        Err(i) => i,
    };
    let parsed = match ruff_python_parser::parse_module(source) {
        Ok(p) => p,
        Err(e) => {
            let off = e.location.start().to_usize();
            let line = line_of(off);
            let start = line_starts[line - 1];
            let text = source[start..].lines().next().unwrap_or("");
            let col = source[start..off.min(source.len()).max(start)]
                .chars()
                .count();
            eprintln!("  File \"{filename}\", line {line}");
            let trimmed = text.trim_start();
            let indent = text.chars().count() - trimmed.chars().count();
            eprintln!("    {}", trimmed.trim_end());
            eprintln!("    {}^", " ".repeat(col.saturating_sub(indent)));
            eprintln!("SyntaxError: {}", e.error);
            return 1;
        }
    };
    let module: &'static ruff_python_ast::ModModule = Box::leak(Box::new(parsed.into_syntax()));
    let body: &'static [Stmt] = &module.body;
    if let Some((line, what)) = refuse(body, &line_of) {
        eprintln!("gclab-py: line {line}: {what} is not supported");
        return 2;
    }
    let spec = match args.strategy.as_deref() {
        None | Some("generational") => "generational:700,10,10".to_owned(),
        Some("mark-alive") => "mark-alive:700,10,10".to_owned(),
        Some(s) => s.to_owned(),
    };
    let choice: StrategyChoice = match spec.parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gclab-py: --strategy: {e}");
            return 2;
        }
    };
    let choice_name = choice.to_string();
    choice.with(Prepared {
        choice_name,
        args,
        source,
        filename,
        argv,
        body,
        line_starts,
    })
}

/// A parsed program, ready to run under a strategy.
struct Prepared {
    choice_name: String,
    args: Args,
    source: &'static str,
    filename: String,
    argv: Vec<String>,
    body: &'static [Stmt],
    line_starts: Vec<usize>,
}

impl WithStrategy for Prepared {
    type Output = u8;

    fn run<C: CycleCollector>(self, strategy: &StrategyHeaps<C>) -> u8 {
        let mut heap = strategy.heap::<Obj>();
        let recorder = match &self.args.trace {
            None => None,
            Some(path) => match record::Recorder::create(path, &self.filename, &self.choice_name) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("gclab-py: --trace: {e}");
                    return 2;
                }
            },
        };
        let latency = self
            .args
            .latency
            .then(|| std::rc::Rc::new(std::cell::RefCell::new(latency::Latency::new())));
        let status = execute(self, H::with_latency(&mut heap, recorder.clone(), latency));
        match recorder.map(|r| r.borrow_mut().finish()) {
            Some(Err(e)) => {
                eprintln!("gclab-py: --trace: {e}");
                if status == 0 { 2 } else { status }
            }
            _ => status,
        }
    }
}

/// Runs the program on `heap`, tears it down, reports; returns the exit status.
fn execute<C: CycleCollector>(p: Prepared, mut heap: H<'_, C>) -> u8 {
    let Prepared {
        choice_name,
        args,
        source,
        filename,
        argv,
        body,
        line_starts,
    } = p;
    let h = &mut heap;
    let it = Interp::new(h);
    // After the interpreter's own observer, which times the pauses: the tracker's work
    // at a collection's stop stays out of them.
    h.add_latency_observer();
    *it.source.borrow_mut() = source;
    *it.filename.borrow_mut() = filename;
    *it.line_starts.borrow_mut() = line_starts.clone();
    *it.scopes.borrow_mut() = code::Scopes::analyse(body);
    // sys.argv
    let sys = it.modules.borrow()["sys"];
    let sysd = it.edge(h, sys, 0);
    let argv: Vec<_> = argv.iter().map(|a| it.str_(h, a)).collect();
    let argv = it.new_list(h, argv);
    it.dict_set_str(h, sysd, "argv", argv);
    let globals = it.new_dict(h);
    let n = it.str_(h, "__main__");
    it.dict_set_str(h, globals, "__name__", n);
    it.main_globals.set(globals);
    let permanent: HashSet<_> = h.ids().collect();
    *it.permanent.borrow_mut() = permanent;
    it.install_constants(h, body);
    if let Some(d) = &args.dot {
        if let Err(e) = std::fs::create_dir_all(d) {
            eprintln!("gclab-py: --dot: cannot create {}: {e}", d.display());
            return 2;
        }
        *it.dot_dir.borrow_mut() = Some(d.clone());
        *it.dot_lines.borrow_mut() = args.dot_lines.clone();
    }
    let code = it.scopes.borrow().codes[&0].clone();
    let cx = Ctx {
        code: &code,
        frame: None,
        globals,
        ns: None,
    };
    let result = it.exec_block(h, &cx, body);
    let mut status = 0u8;
    match result {
        Ok(f) => {
            if let interp::Flow::Return(v) = f {
                it.dec(h, v);
            }
        }
        Err(Unwind::Exc(e)) => {
            it.flush();
            if it.type_name(h, e.obj) == "SystemExit" {
                status = 0;
            } else {
                let msg = it.format_exc_line(h, e.obj);
                eprint!("{}", e.context.as_deref().unwrap_or(""));
                eprintln!("Traceback (most recent call last):");
                it.print_tb(&e.tb);
                eprintln!("{msg}");
                status = 1;
            }
            it.dec(h, e.obj);
        }
        Err(Unwind::Exit(c)) => status = c.clamp(0, 255) as u8,
        Err(Unwind::Unsupported(line, what)) => {
            it.flush();
            eprintln!("gclab-py: line {line}: {what}");
            return 2;
        }
    }
    it.picture(h, "exit");
    // tear the module down as CPython's _PyModule_ClearDict does: names starting with
    // one underscore first, then the rest, each set to None
    for pass in 0..2 {
        let items = it.dict_items(h, globals);
        for (k, _) in items {
            let name = match it.p(h, k) {
                Obj::Str(s) => s.to_string(),
                _ => continue,
            };
            let underscore = name.starts_with('_') && !name.starts_with("__");
            if (pass == 0) != underscore || name == "__builtins__" {
                continue;
            }
            let none = it.none(h);
            it.dict_set_str(h, globals, &name, none);
        }
    }
    it.dec(h, globals);
    let report = h.collect_full();
    let _ = report;
    it.flush();
    if args.stats {
        let stats = h
            .generational()
            .map(|g| g.get_stats().to_vec())
            .unwrap_or_default();
        let st = *it.stats.borrow();
        eprintln!(
            "gclab-py stats: strategy {}: collections {}, collected {}, uncollectable {}, pause total {:.3} ms, max {:.3} ms",
            choice_name,
            it.stats_collections.get(),
            st.collected,
            st.uncollectable,
            st.pause_total.as_secs_f64() * 1e3,
            st.pause_max.as_secs_f64() * 1e3
        );
        for (g, s) in stats.iter().enumerate() {
            eprintln!(
                "  generation {g}: collections {}, collected {}, uncollectable {}, pause {:.3} ms",
                s.collections,
                s.collected,
                s.uncollectable,
                s.duration.as_secs_f64() * 1e3
            );
        }
        let mut pauses = it.pauses.borrow().clone();
        pauses.sort_unstable();
        let pct = |p: f64| gclab::experiment::percentile(&pauses, p) as f64 / 1e6;
        eprintln!(
            "  pauses: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; objects examined {}; peak heap {} objects (sampled at every call and collection)",
            pct(50.0),
            pct(99.0),
            st.pause_max.as_secs_f64() * 1e3,
            st.examined,
            it.peak_objects.get()
        );
        if let Some(lat) = h.latency() {
            let lat = lat.borrow();
            if let Err(e) = lat.verify(h) {
                eprintln!(
                    "gclab-py: --latency: the shadow of the heap differs from it (a bug): {e}"
                );
                return 4;
            }
            let s = lat.summary();
            let ms = |ns: u64| ns as f64 / 1e6;
            eprintln!(
                "  garbage latency: {} objects freed by collections: allocations p50 {} p99 {} max {}; ms p50 {:.3} p99 {:.3} max {:.3}; {} freed by reference counting (latency 0)",
                s.collected,
                s.allocs[0],
                s.allocs[1],
                s.allocs[2],
                ms(s.nanos[0]),
                ms(s.nanos[1]),
                ms(s.nanos[2]),
                s.rc_freed
            );
        }
        let n = h.counters();
        eprintln!(
            "  heap: {} allocations, {} objects left (the interpreter's permanent ones included); payload {} bytes beside gclab's 32-byte object header",
            n.allocations,
            h.len(),
            std::mem::size_of::<Obj>()
        );
    }
    if args.check_leaks {
        // gc.garbage and gc.callbacks are emptied, as at interpreter shutdown
        let g = it.gc_garbage.get();
        let _ = h.clear_edges(g);
        let cb = it.gc_callbacks.get();
        let _ = h.clear_edges(cb);
        h.set_debug_saveall(false);
        it.release_constants(h);
        // what the program stored in the builtin modules (`gc.x = [...]`) is dropped, as
        // CPython's `finalize_modules` clears module dicts at shutdown
        let modules: Vec<gclab::ObjId> = it.modules.borrow().values().copied().collect();
        for m in modules {
            let d = it.edge(h, m, 0);
            let permanent = it.permanent.borrow();
            let added: Vec<gclab::ObjId> = it
                .dict_items(h, d)
                .into_iter()
                .filter(|(_, v)| !permanent.contains(v))
                .map(|(k, _)| k)
                .collect();
            drop(permanent);
            for k in added {
                match it.dict_del(h, d, k) {
                    Ok(Some(v)) => it.dec(h, v),
                    Ok(None) => {}
                    Err(u) => it.drop_unwind(h, u),
                }
            }
        }
        // frozen objects are not the interpreter's: thaw them so they can be collected
        if let Some(mut g) = h.generational() {
            g.unfreeze();
        }
        h.collect_full();
        let permanent = it.permanent.borrow().clone();
        let mut left = vec![];
        for id in h.ids().collect::<Vec<_>>() {
            if permanent.contains(&id) {
                continue;
            }
            if let Obj::Str(_) = it.p(h, id) {
                // interned names
                if h.refcount(id).unwrap_or(0) > 0
                    && h.external_count(id).unwrap_or(0) == h.refcount(id).unwrap_or(0)
                {
                    continue;
                }
            }
            left.push(id);
        }
        if !left.is_empty() {
            eprintln!(
                "gclab-py: --check-leaks: {} object(s) left after teardown:",
                left.len()
            );
            for id in left.iter().take(50) {
                let r = match it.repr(h, *id) {
                    Ok(r) => r,
                    Err(u) => {
                        it.drop_unwind(h, u);
                        "?".into()
                    }
                };
                let r: String = r.chars().take(80).collect();
                eprintln!(
                    "  {:?} {} refcount {} (external {}): {}",
                    id,
                    it.p(h, *id).type_name(),
                    h.refcount(*id).unwrap_or(0),
                    h.external_count(*id).unwrap_or(0),
                    r
                );
            }
            return if status == 0 { 4 } else { status };
        }
        if let Err(e) = h.verify() {
            eprintln!("gclab-py: --check-leaks: heap verification failed: {e:?}");
            return 4;
        }
    }
    status
}
