//! The built-in `pyperf` module: enough of pyperf's `Runner` for pyperformance's
//! `bm_*/run_benchmark.py` files to run unchanged (issue 25).
//!
//! `Runner(...)` has `metadata` (a dict), `argparser` (an `ArgumentParser` with
//! `add_argument`), `parse_args()`, `bench_func(name, func, *args)` and
//! `bench_time_func(name, func, *args)`; `pyperf.perf_counter` is `time.perf_counter`.
//! Unlike pyperf there are no worker processes and no calibration: each benchmark runs
//! `--warmups N` (default 1) unrecorded values, then `--values N` (default 3) values of
//! `--loops N` (default 1) loops each, in this process, so a run under `--stats` counts
//! exactly these. It prints one line per benchmark, `NAME: Mean +- std dev: X +- Y`, with
//! the units and precision of pyperf's `format_timedeltas` (`pyperf/_formatter.py`).
//!
//! Every object here is an ordinary heap object: the classes are classes, the runner
//! and the parser are instances whose attributes are edges.

use std::rc::Rc;

use gclab::{CycleCollector, ObjId};

use crate::interp::{H, Interp, R, Unwind};
use crate::obj::Obj;

/// The prefix of every builtin method of the module's classes (bound like functions).
pub const PREFIX: &str = "pyperf:";

/// The options `Runner` itself adds to every parser: flag, dest, default.
const RUNNER_OPTIONS: &[(&str, &str, i64)] = &[
    ("--values", "values", 3),
    ("--warmups", "warmups", 1),
    ("--loops", "loops", 1),
    ("--processes", "processes", 1),
    ("-p", "processes", 1),
];

/// The classes of the module and their builtin methods.
const CLASSES: &[(&str, &[&str])] = &[
    (
        "Runner",
        &[
            "pyperf:Runner.__init__",
            "pyperf:Runner.parse_args",
            "pyperf:Runner.bench_func",
            "pyperf:Runner.bench_time_func",
        ],
    ),
    (
        "ArgumentParser",
        &[
            "pyperf:ArgumentParser.__init__",
            "pyperf:ArgumentParser.add_argument",
            "pyperf:ArgumentParser.parse_args",
        ],
    ),
    ("Namespace", &[]),
];

/// Adds the classes to the `pyperf` module (made by the module table with its
/// functions) and keeps them in the interpreter's types (`pyperf.Runner`, ...).
pub fn install<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>) {
    let Some(m) = it.modules.borrow().get("pyperf").copied() else {
        return;
    };
    let md = it.edge(h, m, 0);
    let object = it.types.borrow()["object"];
    for &(name, methods) in CLASSES {
        let c = it.make_class_raw(h, name, None, &[object]);
        let d = it.edge(h, c, 0);
        for &meth in methods {
            let f = h.alloc_atomic(Obj::Builtin(meth));
            let short = meth.rsplit('.').next().unwrap_or(meth);
            it.dict_set_str(h, d, short, f);
        }
        let s = it.str_(h, "pyperf");
        it.dict_set_str(h, d, "__module__", s);
        let key: &'static str = Box::leak(format!("pyperf.{name}").into_boxed_str());
        it.types.borrow_mut().insert(key, c);
        let c2 = it.inc(h, c);
        it.dict_set_str(h, md, name, c2);
    }
}

fn kwarg(kw: &[(Rc<str>, ObjId)], name: &str) -> Option<ObjId> {
    kw.iter().find(|(k, _)| &**k == name).map(|x| x.1)
}

/// A new instance of the module's class `name` (owned), without `__init__`.
fn new_instance<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, name: &str) -> ObjId {
    let c = it.types.borrow()[format!("pyperf.{name}").as_str()];
    h.alloc_with(Obj::Instance(vec![]), &[c]).expect("alloc")
}

/// Calls the builtin method `name` of the module's classes on `this` (arguments borrowed).
pub fn method<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &'static str,
    this: ObjId,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    match &name[PREFIX.len()..] {
        "Runner.__init__" => {
            const KNOWN: &[&str] = &[
                "values",
                "processes",
                "loops",
                "min_time",
                "metadata",
                "show_name",
                "program_args",
                "add_cmdline_args",
                "_argparser",
                "warmups",
            ];
            if !args.is_empty() {
                return it.err(h, "TypeError", "Runner() takes keyword arguments only");
            }
            if let Some((k, _)) = kw.iter().find(|(k, _)| !KNOWN.contains(&&**k)) {
                return it.err(
                    h,
                    "TypeError",
                    &format!("Runner.__init__() got an unexpected keyword argument '{k}'"),
                );
            }
            let md = match kwarg(kw, "metadata") {
                Some(m) if m != it.none => {
                    let d = it.new_dict(h);
                    crate::builtins::dict_update(it, h, d, m)?;
                    d
                }
                _ => it.new_dict(h),
            };
            it.setattr(h, this, "metadata", md)?;
            let parser = new_instance(it, h, "ArgumentParser");
            parser_init(it, h, parser)?;
            it.setattr(h, this, "argparser", parser)?;
            let n = it.none(h);
            it.setattr(h, this, "args", n)?;
            Ok(it.none(h))
        }
        "ArgumentParser.__init__" => {
            parser_init(it, h, this)?;
            Ok(it.none(h))
        }
        "ArgumentParser.add_argument" => add_argument(it, h, this, args, kw),
        "ArgumentParser.parse_args" => parse(it, h, this, args.first().copied()),
        "Runner.parse_args" => runner_args(it, h, this, args.first().copied()),
        "Runner.bench_func" | "Runner.bench_time_func" => {
            let timed = name.ends_with("bench_time_func");
            if args.len() < 2 {
                return it.err(h, "TypeError", "bench_func() needs a name and a function");
            }
            let bname = it.str_of(h, args[0])?;
            let func = args[1];
            let fargs = &args[2..];
            let inner = match kwarg(kw, "inner_loops") {
                Some(v) if v != it.none => int_of(it, h, v, "inner_loops")?.max(1),
                _ => 1,
            };
            let ns = runner_args(it, h, this, None)?;
            let get = |it: &Interp<C>, h: &mut H<C>, n: &str| -> R<i64> {
                let v = it.getattr(h, ns, n)?;
                let r = int_of(it, h, v, n);
                it.dec(h, v);
                r
            };
            let counts = (
                get(it, h, "loops"),
                get(it, h, "warmups"),
                get(it, h, "values"),
            );
            it.dec(h, ns);
            let (loops, warmups, values) = (counts.0?.max(1), counts.1?.max(0), counts.2?.max(1));
            let mut recorded = vec![];
            for run in 0..warmups + values {
                let dt = if timed {
                    let mut a = vec![it.int(h, loops)];
                    a.extend(fargs.iter().map(|&x| it.inc(h, x)));
                    let r = it.call(h, func, a, vec![])?;
                    let t = match it.p(h, r) {
                        Obj::Float(f) => Ok(*f),
                        Obj::Int(i) => Ok(*i as f64),
                        _ => Err(()),
                    };
                    it.dec(h, r);
                    match t {
                        Ok(t) => t,
                        Err(()) => {
                            return it.err(
                                h,
                                "TypeError",
                                "bench_time_func(): the function must return a number of seconds",
                            );
                        }
                    }
                } else {
                    let t0 = perf_counter();
                    for _ in 0..loops {
                        let a: Vec<ObjId> = fargs.iter().map(|&x| it.inc(h, x)).collect();
                        let r = it.call(h, func, a, vec![])?;
                        it.dec(h, r);
                    }
                    perf_counter() - t0
                };
                if run >= warmups {
                    recorded.push(dt / (loops * inner) as f64);
                }
            }
            it.write_out(&format!("{}\n", result_line(&bname, &recorded)));
            Ok(it.none(h))
        }
        other => Err(Unwind::Unsupported(
            it.line.get(),
            format!("'pyperf {other}'"),
        )),
    }
}

fn int_of<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, v: ObjId, what: &str) -> R<i64> {
    match it.p(h, v) {
        Obj::Int(i) => Ok(*i),
        _ => {
            let t = it.type_name(h, v);
            it.err(h, "TypeError", &format!("{what} must be an int, not {t}"))
        }
    }
}

/// Seconds since the first call, as `time.perf_counter`.
pub fn perf_counter() -> f64 {
    thread_local! {
        static START: std::time::Instant = std::time::Instant::now();
    }
    START.with(|s| s.elapsed().as_secs_f64())
}

/// An empty parser: `_actions` is a list of `(flag, dest, default, type, store_true)`.
fn parser_init<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, p: ObjId) -> R<()> {
    let l = it.new_list(h, vec![]);
    it.setattr(h, p, "_actions", l)?;
    for &(flag, dest, default) in RUNNER_OPTIONS {
        let t = it.types.borrow()["int"];
        let items = vec![
            it.str_(h, flag),
            it.str_(h, dest),
            it.int(h, default),
            it.inc(h, t),
            it.bool_(h, false),
        ];
        push_action(it, h, p, items)?;
    }
    Ok(())
}

fn push_action<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    p: ObjId,
    items: Vec<ObjId>,
) -> R<()> {
    let l = it.getattr(h, p, "_actions")?;
    let t = it.new_tuple(h, items);
    let _ = h.link(l, t);
    it.dec_all(h, [t, l]);
    Ok(())
}

/// `add_argument("--flag", type=..., default=..., action="store_true", dest=..., help=...)`.
fn add_argument<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    p: ObjId,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let mut flags = vec![];
    for &a in args {
        match it.p(h, a) {
            Obj::Str(s) if s.starts_with('-') => flags.push(s.to_string()),
            _ => {
                return Err(Unwind::Unsupported(
                    it.line.get(),
                    "pyperf argparser: positional arguments".into(),
                ));
            }
        }
    }
    let Some(long) = flags
        .iter()
        .find(|f| f.starts_with("--"))
        .or(flags.first())
        .cloned()
    else {
        return it.err(h, "TypeError", "add_argument() needs an option string");
    };
    let dest = match kwarg(kw, "dest") {
        Some(d) => it.str_of(h, d)?,
        None => long.trim_start_matches('-').replace('-', "_"),
    };
    let store_true = match kwarg(kw, "action") {
        None => false,
        Some(a) => match it.str_of(h, a)?.as_str() {
            "store_true" => true,
            "store" => false,
            other => {
                return Err(Unwind::Unsupported(
                    it.line.get(),
                    format!("pyperf argparser: action '{other}'"),
                ));
            }
        },
    };
    let ty = kwarg(kw, "type").unwrap_or(it.none);
    let mut default = match kwarg(kw, "default") {
        Some(d) => it.inc(h, d),
        None if store_true => it.bool_(h, false),
        None => it.none(h),
    };
    // argparse converts a string default with `type` (argparse's `_get_values`)
    if ty != it.none && matches!(it.p(h, default), Obj::Str(_)) {
        let r = it.call(h, ty, vec![default], vec![])?;
        default = r;
    }
    for f in &flags {
        let items = vec![
            it.str_(h, f),
            it.str_(h, &dest),
            it.inc(h, default),
            it.inc(h, ty),
            it.bool_(h, store_true),
        ];
        push_action(it, h, p, items)?;
    }
    it.dec(h, default);
    Ok(it.none(h))
}

/// The runner's parsed arguments (owned), parsing `sys.argv[1:]` (or `argv`) the first time.
fn runner_args<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    runner: ObjId,
    argv: Option<ObjId>,
) -> R<ObjId> {
    let cur = it.getattr(h, runner, "args")?;
    if cur != it.none {
        return Ok(cur);
    }
    it.dec(h, cur);
    let p = it.getattr(h, runner, "argparser")?;
    let ns = parse(it, h, p, argv);
    it.dec(h, p);
    let ns = ns?;
    let ns2 = it.inc(h, ns);
    it.setattr(h, runner, "args", ns2)?;
    Ok(ns)
}

/// Parses `argv` (a list of str; `sys.argv[1:]` when absent) against the parser's
/// actions into a new `Namespace` (owned). A bad command line prints argparse's usage
/// error and exits with status 2, as argparse does.
fn parse<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    p: ObjId,
    argv: Option<ObjId>,
) -> R<ObjId> {
    let words: Vec<String> = {
        let (list, skip) = match argv {
            Some(a) if a != it.none => (a, 0),
            _ => {
                let sys = it.modules.borrow()["sys"];
                let sd = it.edge(h, sys, 0);
                (it.dict_get_str(h, sd, "argv").unwrap_or(it.null), 1)
            }
        };
        let mut v = vec![];
        for x in it.edges(h, list).into_iter().skip(skip) {
            v.push(it.str_of(h, x)?);
        }
        v
    };
    let l = it.getattr(h, p, "_actions")?;
    let actions: Vec<Vec<ObjId>> = it.edges(h, l).into_iter().map(|t| it.edges(h, t)).collect();
    it.dec(h, l);
    let text = |it: &Interp<C>, h: &H<C>, x: ObjId| match it.p(h, x) {
        Obj::Str(s) => s.to_string(),
        _ => String::new(),
    };
    // dest -> parsed value (owned), in order of first appearance
    let mut parsed: Vec<(String, ObjId)> = vec![];
    let fail = |it: &Interp<C>, msg: String| -> R<ObjId> {
        it.flush();
        eprintln!("usage: {}", it.filename.borrow());
        eprintln!("error: {msg}");
        Err(Unwind::Exit(2))
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f.to_owned(), Some(v.to_owned())),
            _ => (w.clone(), None),
        };
        let Some(act) = actions.iter().find(|a| text(it, h, a[0]) == flag) else {
            for (_, v) in parsed {
                it.dec(h, v);
            }
            return fail(
                it,
                format!("unrecognized arguments: {}", words[i..].join(" ")),
            );
        };
        let dest = text(it, h, act[1]);
        let store_true = matches!(it.p(h, act[4]), Obj::Bool(true));
        let value = if store_true {
            it.bool_(h, true)
        } else {
            let raw = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    match words.get(i) {
                        Some(v) => v.clone(),
                        None => {
                            for (_, v) in parsed {
                                it.dec(h, v);
                            }
                            return fail(it, format!("argument {flag}: expected one argument"));
                        }
                    }
                }
            };
            let s = it.str_(h, &raw);
            if act[3] != it.none {
                let ty = act[3];
                match it.call(h, ty, vec![s], vec![]) {
                    Ok(v) => v,
                    Err(_) => {
                        for (_, v) in parsed {
                            it.dec(h, v);
                        }
                        return fail(it, format!("argument {flag}: invalid value: '{raw}'"));
                    }
                }
            } else {
                s
            }
        };
        match parsed.iter_mut().find(|(d, _)| *d == dest) {
            Some(slot) => {
                let old = std::mem::replace(&mut slot.1, value);
                it.dec(h, old);
            }
            None => parsed.push((dest, value)),
        }
        i += 1;
    }
    let ns = new_instance(it, h, "Namespace");
    for a in &actions {
        let dest = text(it, h, a[1]);
        if parsed.iter().any(|(d, _)| *d == dest)
            || it
                .getattr_opt(h, ns, &dest)?
                .map(|v| it.dec(h, v))
                .is_some()
        {
            continue;
        }
        let v = it.inc(h, a[2]);
        it.setattr(h, ns, &dest, v)?;
    }
    for (d, v) in parsed {
        it.setattr(h, ns, &d, v)?;
    }
    Ok(ns)
}

/// pyperf's `format_timedeltas` (pyperf/_formatter.py): the unit and precision follow
/// the first value (three significant digits), applied to every value.
pub fn format_timedeltas(values: &[f64]) -> Vec<String> {
    const UNITS: [&str; 4] = ["sec", "ms", "us", "ns"];
    let r = values.first().copied().unwrap_or(0.0).abs();
    let mut i: i32 = -9;
    for k in (-8..=2).rev() {
        if r >= 10f64.powi(k) {
            i = k;
            break;
        }
    }
    let precision = (2 - i.rem_euclid(3)) as usize;
    let k = if i < 0 { -i.div_euclid(3) } else { 0 } as usize;
    let factor = 10f64.powi(3 * k as i32);
    values
        .iter()
        .map(|v| format!("{:.*} {}", precision, v * factor, UNITS[k.min(3)]))
        .collect()
}

/// The line pyperf prints for a benchmark: `NAME: Mean +- std dev: X +- Y` (the sample
/// standard deviation, as `statistics.stdev`), or `NAME: X` for a single value.
pub fn result_line(name: &str, values: &[f64]) -> String {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    if n < 2 {
        return format!("{name}: {}", format_timedeltas(&[mean])[0]);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let f = format_timedeltas(&[mean, var.sqrt()]);
    format!("{name}: Mean +- std dev: {} +- {}", f[0], f[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pyperf's `format_timedelta` examples (pyperf/tests/test_utils.py,
    /// `test_format_timedelta`): three significant digits in the unit of the value.
    #[test]
    fn format_timedeltas_follows_pyperf() {
        let one = |v: f64| format_timedeltas(&[v]).remove(0);
        assert_eq!(one(555222.0), "555222 sec");
        assert_eq!(one(316e-3), "316 ms");
        assert_eq!(one(1e-10), "0.10 ns");
        assert_eq!(one(1e0), "1.00 sec");
        assert_eq!(one(1e-3), "1.00 ms");
        assert_eq!(one(1e-6), "1.00 us");
        assert_eq!(one(1e-9), "1.00 ns");
        assert_eq!(one(316e-4), "31.6 ms");
        assert_eq!(one(316e-5), "3.16 ms");
        assert_eq!(
            format_timedeltas(&[0.0123, 0.00045]),
            vec!["12.3 ms", "0.5 ms"]
        );
    }

    #[test]
    fn result_line_has_mean_and_sample_std_dev() {
        assert_eq!(
            result_line("x", &[0.010, 0.012, 0.014]),
            "x: Mean +- std dev: 12.0 ms +- 2.0 ms"
        );
        assert_eq!(result_line("y", &[0.5]), "y: 500 ms");
    }
}
