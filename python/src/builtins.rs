//! Builtin functions, methods of the builtin types, subscription, and the modules
//! `sys`, `gc`, `weakref`, `math`, `time` (`random` is `crate::random`, `pyperf`'s classes
//! `crate::pyperf`).

use std::cell::RefCell;
use std::rc::Rc;

use gclab::{CycleCollector, ObjId, Phase};
use ruff_python_ast::Operator;

use crate::interp::{H, Interp, PyExc, R, Unwind};
use crate::obj::{HKey, IterState, Obj};
use crate::ops;

const BUILTINS: &[&str] = &[
    "print",
    "len",
    "repr",
    "isinstance",
    "issubclass",
    "id",
    "hash",
    "abs",
    "min",
    "max",
    "sum",
    "sorted",
    "reversed",
    "enumerate",
    "zip",
    "map",
    "filter",
    "any",
    "all",
    "iter",
    "next",
    "getattr",
    "setattr",
    "hasattr",
    "delattr",
    "callable",
    "chr",
    "ord",
    "round",
    "divmod",
    "pow",
    "super",
    "format",
    "hex",
    "bin",
    "oct",
    "globals",
    "vars",
];

const MODULES: &[(&str, &[&str])] = &[
    (
        "sys",
        &[
            "getrefcount",
            "getrecursionlimit",
            "setrecursionlimit",
            "exit",
            "intern",
        ],
    ),
    (
        "gc",
        &[
            "collect",
            "get_count",
            "get_threshold",
            "set_threshold",
            "enable",
            "disable",
            "isenabled",
            "freeze",
            "unfreeze",
            "get_freeze_count",
            "get_objects",
            "get_referrers",
            "get_referents",
            "is_tracked",
            "is_finalized",
            "get_stats",
            "set_debug",
            "get_debug",
        ],
    ),
    ("weakref", &["ref", "getweakrefcount", "finalize"]),
    (
        "math",
        &[
            "sqrt",
            "floor",
            "ceil",
            "fabs",
            "gcd",
            "isclose",
            "log",
            "exp",
            "sin",
            "cos",
            "isqrt",
            "factorial",
            "tan",
            "asin",
            "acos",
            "atan",
            "atan2",
            "hypot",
            "radians",
            "degrees",
            "log10",
            "log2",
            "isfinite",
            "isinf",
            "isnan",
        ],
    ),
    ("time", &["perf_counter", "time", "monotonic"]),
    ("pyperf", &["perf_counter"]),
];

/// The heap as a generational one, or a `NotImplementedError` naming the function.
macro_rules! generational {
    ($it:expr, $h:expr, $name:expr) => {{
        if $h.generational().is_none() {
            return $it.err(
                $h,
                "NotImplementedError",
                &format!(
                    "{}() needs a generational strategy (generational or mark-alive)",
                    $name
                ),
            );
        }
        match $h.generational() {
            Some(g) => g,
            None => return $it.err($h, "NotImplementedError", $name),
        }
    }};
}

thread_local! {
    static DEBUG_FLAGS: RefCell<i64> = const { RefCell::new(0) };
}

/// Installs builtins and modules.
pub fn install<C: CycleCollector>(it: &Rc<Interp<C>>, h: &mut H<C>) {
    // bool is a subclass of int
    {
        let types = it.types.borrow();
        let (b, i) = (types["bool"], types["int"]);
        drop(types);
        let mro = h.edges(b).ok().and_then(|e| e.get(2)).unwrap_or(it.null);
        let obj = it.types.borrow()["object"];
        let nm = it.new_tuple_borrowed(h, &[i, obj]);
        let _ = h.set_edge(b, 2, nm);
        it.classes_changed();
        it.dec(h, nm);
        let _ = mro;
    }
    for &n in BUILTINS {
        let f = h.alloc_atomic(Obj::Builtin(n));
        it.builtins.borrow_mut().insert(n.to_owned(), f);
    }
    for k in ["property", "classmethod", "staticmethod", "object"] {
        let t = it.types.borrow()[k];
        it.builtins.borrow_mut().insert(k.to_owned(), t);
    }
    for &(m, fns) in MODULES {
        let d = it.new_dict(h);
        for &f in fns {
            let name: &'static str = Box::leak(format!("{m}.{f}").into_boxed_str());
            let o = h.alloc_atomic(Obj::Builtin(name));
            it.dict_set_str(h, d, f, o);
        }
        let mo = h.alloc_with(Obj::Module(m.into()), &[d]).expect("alloc");
        it.dec(h, d);
        it.modules.borrow_mut().insert(m.to_owned(), mo);
    }
    crate::random::install(it, h);
    crate::array::install(it, h);
    let modd = |name: &str| -> ObjId { it.modules.borrow()[name] };
    // constants
    let sys = modd("sys");
    let sysd = it.edge(h, sys, 0);
    let v = it.int(h, i64::MAX);
    it.dict_set_str(h, sysd, "maxsize", v);
    let v = it.str_(h, "3.11.7 (gclab-py)");
    it.dict_set_str(h, sysd, "version", v);
    for (n, e) in [("stdout", false), ("stderr", true)] {
        let s = h.alloc_atomic(Obj::Stream(e));
        it.dict_set_str(h, sysd, n, s);
    }
    let ni = h.alloc_atomic(Obj::NotImplemented);
    it.builtins.borrow_mut().insert("NotImplemented".into(), ni);
    let gc = modd("gc");
    let gcd = it.edge(h, gc, 0);
    for (n, v) in [
        ("DEBUG_STATS", 1),
        ("DEBUG_COLLECTABLE", 2),
        ("DEBUG_UNCOLLECTABLE", 4),
        ("DEBUG_SAVEALL", 32),
        ("DEBUG_LEAK", 38),
    ] {
        let v = it.int(h, v);
        it.dict_set_str(h, gcd, n, v);
    }
    let garbage = it.new_list(h, vec![]);
    it.gc_garbage.set(garbage);
    it.dict_set_str(h, gcd, "garbage", garbage);
    let callbacks = it.new_list(h, vec![]);
    it.gc_callbacks.set(callbacks);
    it.dict_set_str(h, gcd, "callbacks", callbacks);
    let math = modd("math");
    let md = it.edge(h, math, 0);
    for (n, v) in [
        ("pi", std::f64::consts::PI),
        ("e", std::f64::consts::E),
        ("inf", f64::INFINITY),
        ("nan", f64::NAN),
        ("tau", std::f64::consts::TAU),
    ] {
        let v = it.float(h, v);
        it.dict_set_str(h, md, n, v);
    }
    let wr = modd("weakref");
    let wd = it.edge(h, wr, 0);
    let t = it.types.borrow()["weakref.ReferenceType"];
    let t = it.inc(h, t);
    it.dict_set_str(h, wd, "ReferenceType", t);
    crate::pyperf::install(it, h);
    let me = it.clone();
    h.add_heap_callback(move |h, phase, rep| me.gc_observer(h, phase, rep));
}

impl<C: CycleCollector> Interp<C> {
    /// The heap's collection observer: moves the heap's `garbage` into `gc.garbage` and
    /// calls `gc.callbacks`.
    pub fn gc_observer(&self, h: &mut H<C>, phase: Phase, rep: &gclab::CollectReport) {
        let (generation, collected, uncollectable) =
            (rep.generation, rep.collected, rep.uncollectable);
        if phase == Phase::Start {
            self.peak_objects.set(self.peak_objects.get().max(h.len()));
            self.stats.borrow_mut().started = Some(std::time::Instant::now());
        }
        if phase == Phase::Stop && !rep.skipped {
            self.stats_collections.set(self.stats_collections.get() + 1);
            let mut st = self.stats.borrow_mut();
            // the pause as the program saw it, from the start event to the stop event:
            // every strategy's, whether or not its report times itself
            let pause = st
                .started
                .take()
                .map(|t| t.elapsed())
                .unwrap_or(rep.duration)
                .max(rep.duration);
            self.pauses.borrow_mut().push(pause.as_nanos() as u64);
            st.examined += rep.candidates as u64;
            st.collected += collected as u64;
            st.uncollectable += uncollectable as u64;
            st.pause_total += pause;
            st.pause_max = st.pause_max.max(pause);
            drop(st);
            let g: Vec<ObjId> = h.garbage().to_vec();
            if !g.is_empty() {
                let list = self.gc_garbage.get();
                for x in g {
                    let _ = h.link(list, x);
                }
                h.clear_garbage();
            }
        }
        let cbs = self.edges(h, self.gc_callbacks.get());
        if cbs.is_empty() {
            return;
        }
        let ph = self.str_(
            h,
            if phase == Phase::Start {
                "start"
            } else {
                "stop"
            },
        );
        let info = self.new_dict(h);
        for (k, v) in [
            ("generation", generation),
            ("collected", collected),
            ("uncollectable", uncollectable),
        ] {
            let v = self.int(h, v as i64);
            self.dict_set_str(h, info, k, v);
        }
        for cb in cbs {
            if !h.contains(cb) {
                continue;
            }
            self.inc(h, cb);
            let a = vec![self.inc(h, ph), self.inc(h, info)];
            match self.call(h, cb, a, vec![]) {
                Ok(v) => self.dec(h, v),
                Err(u) => {
                    let r = self.repr(h, cb).unwrap_or_default();
                    self.unraisable(h, u, &r)
                }
            }
            self.dec(h, cb);
        }
        self.dec_all(h, [ph, info]);
    }
}

/// The length of a range.
pub fn range_len(a: i64, b: i64, s: i64) -> i64 {
    if s > 0 && a < b {
        (b - a + s - 1) / s
    } else if s < 0 && a > b {
        (a - b - s - 1) / (-s)
    } else {
        0
    }
}

const STR_M: &[&str] = &[
    "upper",
    "lower",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "join",
    "replace",
    "startswith",
    "endswith",
    "find",
    "index",
    "count",
    "format",
    "isdigit",
    "isalpha",
    "isspace",
    "isupper",
    "islower",
    "isalnum",
    "title",
    "capitalize",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "splitlines",
    "swapcase",
    "rfind",
];
const LIST_M: &[&str] = &[
    "append", "extend", "pop", "insert", "remove", "index", "count", "sort", "reverse", "clear",
    "copy",
];
const TUPLE_M: &[&str] = &["index", "count"];
const DICT_M: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "setdefault",
    "update",
    "clear",
    "copy",
    "popitem",
];
const SET_M: &[&str] = &[
    "add",
    "remove",
    "discard",
    "pop",
    "union",
    "intersection",
    "difference",
    "copy",
    "clear",
    "update",
    "issubset",
    "issuperset",
];

/// `obj.name` if it exists, an `AttributeError` raised while looking counting as absent
/// (what `hasattr` and `getattr` with a default do).
fn getattr_catching<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    obj: ObjId,
    name: &str,
) -> R<Option<ObjId>> {
    match it.getattr_opt(h, obj, name) {
        Err(Unwind::Exc(e)) => {
            let ae = it.types.borrow()["AttributeError"];
            if it.exc_matches(h, e.obj, ae) {
                it.dec(h, e.obj);
                Ok(None)
            } else {
                Err(Unwind::Exc(e))
            }
        }
        r => r,
    }
}

/// The method `name` of builtin type `ty` (`str.lower`), if it has one.
pub fn type_method(ty: &str, name: &str) -> Option<&'static str> {
    let table: &[&'static str] = match ty {
        "str" => STR_M,
        "list" => LIST_M,
        "tuple" => TUPLE_M,
        "dict" => DICT_M,
        "set" => SET_M,
        crate::random::TYPE => crate::random::METHODS,
        _ => &[],
    };
    table.iter().find(|m| **m == name).copied()
}

/// Calls an unbound builtin method: the first argument is the object.
pub fn call_unbound<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &'static str,
    mut args: Vec<ObjId>,
    kw: Vec<(Rc<str>, ObjId)>,
) -> R<ObjId> {
    if args.is_empty() {
        it.dec_all(h, kw.into_iter().map(|x| x.1));
        return it.err(
            h,
            "TypeError",
            &format!("unbound method {name}() needs an argument"),
        );
    }
    let this = args.remove(0);
    let r = call_builtin(it, h, name, Some(this), args, kw);
    it.dec(h, this);
    r
}

/// The builtin method `name` of a non-instance object, if it has one.
pub fn method_name(o: &Obj, name: &str) -> Option<&'static str> {
    let table: &[&'static str] = match o {
        Obj::Str(_) => STR_M,
        Obj::List => LIST_M,
        Obj::Tuple => TUPLE_M,
        Obj::Dict(_) => DICT_M,
        Obj::Set(_) => SET_M,
        Obj::Float(_) => &["is_integer"],
        Obj::Int(_) => &["bit_length"],
        Obj::Finalize(..) => &["detach"],
        Obj::Property => &["setter", "getter"],
        Obj::Stream(_) => &["write", "flush"],
        Obj::Random(_) => crate::random::METHODS,
        Obj::Array(_) => crate::array::METHODS,
        Obj::Generator(_) => &["send", "close", "__next__"],
        _ => &[],
    };
    table.iter().find(|m| **m == name).copied()
}

fn int_arg<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, v: ObjId) -> R<i64> {
    match it.p(h, v) {
        Obj::Int(i) => Ok(*i),
        Obj::Bool(b) => Ok(*b as i64),
        _ => {
            let t = it.type_name(h, v);
            it.err(
                h,
                "TypeError",
                &format!("'{t}' object cannot be interpreted as an integer"),
            )
        }
    }
}

fn float_arg<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, v: ObjId) -> R<f64> {
    match it.p(h, v) {
        Obj::Int(i) => Ok(*i as f64),
        Obj::Bool(b) => Ok(*b as i64 as f64),
        Obj::Float(f) => Ok(*f),
        _ => {
            let t = it.type_name(h, v);
            it.err(h, "TypeError", &format!("must be real number, not {t}"))
        }
    }
}

fn str_arg<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, v: ObjId) -> R<Rc<str>> {
    match it.p(h, v) {
        Obj::Str(s) => Ok(s.clone()),
        _ => {
            let t = it.type_name(h, v);
            it.err(h, "TypeError", &format!("expected str, not {t}"))
        }
    }
}

fn kwarg(kw: &[(Rc<str>, ObjId)], name: &str) -> Option<ObjId> {
    kw.iter().find(|(k, _)| &**k == name).map(|x| x.1)
}

fn nargs<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &str,
    args: &[ObjId],
    lo: usize,
    hi: usize,
) -> R<()> {
    if args.len() < lo || args.len() > hi {
        let short = name.rsplit('.').next().unwrap_or(name);
        if lo == hi {
            return it.err(
                h,
                "TypeError",
                &format!(
                    "{short}() takes exactly {lo} argument{} ({} given)",
                    if lo == 1 { "" } else { "s" },
                    args.len()
                ),
            );
        }
        return it.err(
            h,
            "TypeError",
            &format!(
                "{short}() takes at most {hi} arguments ({} given)",
                args.len()
            ),
        );
    }
    Ok(())
}

/// Calls builtin `name` (bound to `this` for methods) with owned arguments.
pub fn call_builtin<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &'static str,
    this: Option<ObjId>,
    args: Vec<ObjId>,
    kw: Vec<(Rc<str>, ObjId)>,
) -> R<ObjId> {
    let r = match this {
        Some(t) => method(it, h, name, t, &args, &kw),
        None => function(it, h, name, &args, &kw),
    };
    it.dec_all(h, args);
    it.dec_all(h, kw.into_iter().map(|x| x.1));
    r
}

fn sort_items<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    items: &mut [ObjId],
    key: Option<ObjId>,
    reverse: bool,
) -> R<()> {
    let keys: Vec<ObjId> = match key {
        Some(k) if k != it.none => {
            let mut ks = vec![];
            for &x in items.iter() {
                let a = it.inc(h, x);
                match it.call(h, k, vec![a], vec![]) {
                    Ok(v) => ks.push(v),
                    Err(e) => {
                        it.dec_all(h, ks);
                        return Err(e);
                    }
                }
            }
            ks
        }
        _ => items.iter().map(|&x| it.inc(h, x)).collect(),
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let err: RefCell<Option<Unwind>> = RefCell::new(None);
    // insertion-merge via sort_by with a fallible comparison
    idx.sort_by(|&a, &b| {
        if err.borrow().is_some() {
            return std::cmp::Ordering::Equal;
        }
        let (x, y) = if reverse {
            (keys[b], keys[a])
        } else {
            (keys[a], keys[b])
        };
        match ops::less(it, h, x, y) {
            Ok(true) => std::cmp::Ordering::Less,
            Ok(false) => match ops::less(it, h, y, x) {
                Ok(true) => std::cmp::Ordering::Greater,
                Ok(false) => std::cmp::Ordering::Equal,
                Err(e) => {
                    *err.borrow_mut() = Some(e);
                    std::cmp::Ordering::Equal
                }
            },
            Err(e) => {
                *err.borrow_mut() = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    it.dec_all(h, keys);
    if let Some(e) = err.into_inner() {
        return Err(e);
    }
    let orig = items.to_vec();
    for (i, j) in idx.into_iter().enumerate() {
        items[i] = orig[j];
    }
    Ok(())
}

fn minmax<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
    want_max: bool,
) -> R<ObjId> {
    let items = if args.len() == 1 {
        it.unpack_iterable(h, args[0])?
    } else {
        args.iter().map(|&x| it.inc(h, x)).collect()
    };
    if items.is_empty() {
        if let Some(d) = kwarg(kw, "default") {
            return Ok(it.inc(h, d));
        }
        let n = if want_max { "max" } else { "min" };
        return it.err(h, "ValueError", &format!("{n}() arg is an empty sequence"));
    }
    let key = kwarg(kw, "key");
    let mut best = items[0];
    let mut bestk = match key {
        Some(k) => {
            let a = it.inc(h, best);
            it.call(h, k, vec![a], vec![])?
        }
        None => it.inc(h, best),
    };
    for &x in &items[1..] {
        let xk = match key {
            Some(k) => {
                let a = it.inc(h, x);
                match it.call(h, k, vec![a], vec![]) {
                    Ok(v) => v,
                    Err(e) => {
                        it.dec(h, bestk);
                        it.dec_all(h, items);
                        return Err(e);
                    }
                }
            }
            None => it.inc(h, x),
        };
        let better = if want_max {
            ops::less(it, h, bestk, xk)
        } else {
            ops::less(it, h, xk, bestk)
        };
        match better {
            Ok(true) => {
                it.dec(h, bestk);
                bestk = xk;
                best = x;
            }
            Ok(false) => it.dec(h, xk),
            Err(e) => {
                it.dec_all(h, [bestk, xk]);
                it.dec_all(h, items);
                return Err(e);
            }
        }
    }
    it.dec(h, bestk);
    let r = it.inc(h, best);
    it.dec_all(h, items);
    Ok(r)
}

fn list_iter<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, items: Vec<ObjId>) -> ObjId {
    let l = it.new_list(h, items);
    let i = it.get_iter(h, l).unwrap_or(it.null);
    it.dec(h, l);
    i
}

fn function<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &'static str,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let a0 = args.first().copied().unwrap_or(it.null);
    match name {
        "print" => {
            let sep = match kwarg(kw, "sep") {
                Some(s) if s != it.none => it.str_of(h, s)?,
                _ => " ".into(),
            };
            let end = match kwarg(kw, "end") {
                Some(s) if s != it.none => it.str_of(h, s)?,
                _ => "\n".into(),
            };
            let mut out = String::new();
            for (i, &a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(&sep);
                }
                out.push_str(&it.str_of(h, a)?);
            }
            out.push_str(&end);
            match kwarg(kw, "file").map(|f| it.p(h, f)) {
                None | Some(Obj::None) | Some(Obj::Stream(false)) => it.write_out(&out),
                Some(Obj::Stream(true)) => {
                    it.flush();
                    eprint!("{out}");
                }
                Some(_) => {
                    return Err(Unwind::Unsupported(
                        it.line.get(),
                        "print(file=...) to anything but sys.stdout or sys.stderr".into(),
                    ));
                }
            }
            if kwarg(kw, "flush").is_some() {
                it.flush();
            }
            Ok(it.none(h))
        }
        "len" => {
            nargs(it, h, name, args, 1, 1)?;
            let n = match it.p(h, a0) {
                Obj::Str(s) => s.chars().count() as i64,
                Obj::Bytes(b) => b.len() as i64,
                Obj::List | Obj::Tuple | Obj::Set(_) => it.nedges(h, a0) as i64,
                Obj::Dict(_) => it.nedges(h, a0) as i64 / 2,
                Obj::DictView(_) => {
                    let d = it.edge(h, a0, 0);
                    it.nedges(h, d) as i64 / 2
                }
                Obj::Range(a, b, s) => range_len(*a, *b, *s),
                Obj::Array(d) => d.len() as i64,
                Obj::Instance(_) if it.special(h, a0, "__len__").is_some() => {
                    let r = it
                        .call_special(h, a0, "__len__", vec![])?
                        .unwrap_or(it.null);
                    let n = int_arg(it, h, r);
                    it.dec(h, r);
                    n?
                }
                _ => {
                    let t = it.type_name(h, a0);
                    return it.err(
                        h,
                        "TypeError",
                        &format!("object of type '{t}' has no len()"),
                    );
                }
            };
            Ok(it.int(h, n))
        }
        "repr" => {
            nargs(it, h, name, args, 1, 1)?;
            let s = it.repr(h, a0)?;
            Ok(it.str_(h, &s))
        }
        "isinstance" | "issubclass" => {
            nargs(it, h, name, args, 2, 2)?;
            let c = if name == "isinstance" {
                it.type_of(h, a0)
            } else {
                a0
            };
            let targets = match it.p(h, args[1]) {
                Obj::Tuple => it.edges(h, args[1]),
                Obj::Class(_) => vec![args[1]],
                _ => {
                    return it.err(
                        h,
                        "TypeError",
                        &format!("{name}() arg 2 must be a type, a tuple of types, or a union"),
                    );
                }
            };
            let mro = it.mro(h, c);
            let r = targets.iter().any(|t| mro.contains(t));
            Ok(it.bool_(h, r))
        }
        "id" => {
            nargs(it, h, name, args, 1, 1)?;
            let i = h.id(a0).unwrap_or(0);
            Ok(it.int(h, i as i64))
        }
        "hash" => {
            nargs(it, h, name, args, 1, 1)?;
            let k = it.hkey(h, a0)?;
            let v = match k {
                HKey::Int(i) | HKey::Custom(i) => i,
                HKey::None => 0,
                other => {
                    use std::hash::{Hash, Hasher};
                    let mut s = std::collections::hash_map::DefaultHasher::new();
                    other.hash(&mut s);
                    s.finish() as i64 >> 1
                }
            };
            Ok(it.int(h, v))
        }
        "abs" => {
            nargs(it, h, name, args, 1, 1)?;
            match it.p(h, a0) {
                Obj::Int(i) => {
                    let i = *i;
                    match i.checked_abs() {
                        Some(v) => Ok(it.int(h, v)),
                        None => it.err(h, "OverflowError", "integer too large"),
                    }
                }
                Obj::Bool(b) => {
                    let b = *b;
                    Ok(it.int(h, b as i64))
                }
                Obj::Float(f) => {
                    let f = f.abs();
                    Ok(it.float(h, f))
                }
                _ => match it.call_special(h, a0, "__abs__", vec![])? {
                    Some(v) => Ok(v),
                    None => {
                        let t = it.type_name(h, a0);
                        it.err(
                            h,
                            "TypeError",
                            &format!("bad operand type for abs(): '{t}'"),
                        )
                    }
                },
            }
        }
        "min" => minmax(it, h, args, kw, false),
        "max" => minmax(it, h, args, kw, true),
        "sum" => {
            let items = it.unpack_iterable(h, a0)?;
            let mut acc = match args.get(1) {
                Some(&s) => it.inc(h, s),
                None => it.int(h, 0),
            };
            let mut res = Ok(());
            for &x in &items {
                match ops::binop(it, h, Operator::Add, acc, x, false) {
                    Ok(v) => {
                        it.dec(h, acc);
                        acc = v;
                    }
                    Err(e) => {
                        res = Err(e);
                        break;
                    }
                }
            }
            it.dec_all(h, items);
            match res {
                Ok(()) => Ok(acc),
                Err(e) => {
                    it.dec(h, acc);
                    Err(e)
                }
            }
        }
        "sorted" => {
            nargs(it, h, name, args, 1, 1)?;
            let mut items = it.unpack_iterable(h, a0)?;
            let rev = match kwarg(kw, "reverse") {
                Some(r) => it.truthy(h, r)?,
                None => false,
            };
            if let Err(e) = sort_items(it, h, &mut items, kwarg(kw, "key"), rev) {
                it.dec_all(h, items);
                return Err(e);
            }
            Ok(it.new_list(h, items))
        }
        "reversed" => {
            let mut items = it.unpack_iterable(h, a0)?;
            items.reverse();
            Ok(list_iter(it, h, items))
        }
        "enumerate" => {
            let start = match args.get(1).copied().or_else(|| kwarg(kw, "start")) {
                Some(s) => int_arg(it, h, s)?,
                None => 0,
            };
            let items = it.unpack_iterable(h, a0)?;
            let mut out = vec![];
            for (i, x) in items.into_iter().enumerate() {
                let n = it.int(h, start + i as i64);
                out.push(it.new_tuple(h, vec![n, x]));
            }
            Ok(list_iter(it, h, out))
        }
        "zip" => {
            let mut cols = vec![];
            for &a in args {
                match it.unpack_iterable(h, a) {
                    Ok(v) => cols.push(v),
                    Err(e) => {
                        for c in cols {
                            it.dec_all(h, c);
                        }
                        return Err(e);
                    }
                }
            }
            let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
            let mut out = vec![];
            for i in 0..n {
                let row: Vec<ObjId> = cols.iter().map(|c| c[i]).collect();
                out.push(it.new_tuple_borrowed(h, &row));
            }
            for c in cols {
                it.dec_all(h, c);
            }
            Ok(list_iter(it, h, out))
        }
        "map" | "filter" => {
            nargs(it, h, name, args, 2, 2)?;
            let items = it.unpack_iterable(h, args[1])?;
            let mut out = vec![];
            let mut err = None;
            for &x in &items {
                let fa = it.inc(h, x);
                let r = if name == "filter" && a0 == it.none {
                    Ok(fa)
                } else {
                    it.call(h, a0, vec![fa], vec![])
                };
                match r {
                    Ok(v) if name == "map" => out.push(v),
                    Ok(v) => {
                        let t = it.truthy(h, v);
                        it.dec(h, v);
                        match t {
                            Ok(true) => out.push(it.inc(h, x)),
                            Ok(false) => {}
                            Err(e) => {
                                err = Some(e);
                                break;
                            }
                        }
                    }
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            it.dec_all(h, items);
            if let Some(e) = err {
                it.dec_all(h, out);
                return Err(e);
            }
            Ok(list_iter(it, h, out))
        }
        "any" | "all" => {
            let items = it.unpack_iterable(h, a0)?;
            let mut r = Ok(name == "all");
            for &x in &items {
                match it.truthy(h, x) {
                    Ok(t) if name == "any" && t => {
                        r = Ok(true);
                        break;
                    }
                    Ok(t) if name == "all" && !t => {
                        r = Ok(false);
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        r = Err(e);
                        break;
                    }
                }
            }
            it.dec_all(h, items);
            let r = r?;
            Ok(it.bool_(h, r))
        }
        "iter" => {
            nargs(it, h, name, args, 1, 1)?;
            it.get_iter(h, a0)
        }
        "next" => {
            nargs(it, h, name, args, 1, 2)?;
            match it.next(h, a0)? {
                Some(v) => Ok(v),
                None => match args.get(1) {
                    Some(&d) => Ok(it.inc(h, d)),
                    None => it.err(h, "StopIteration", ""),
                },
            }
        }
        "getattr" => {
            nargs(it, h, name, args, 2, 3)?;
            let n = str_arg(it, h, args[1])?;
            match (getattr_catching(it, h, a0, &n)?, args.get(2)) {
                (Some(v), _) => Ok(v),
                (None, Some(&d)) => Ok(it.inc(h, d)),
                (None, None) => it.getattr(h, a0, &n),
            }
        }
        "hasattr" => {
            nargs(it, h, name, args, 2, 2)?;
            let n = str_arg(it, h, args[1])?;
            let r = getattr_catching(it, h, a0, &n)?;
            let b = r.is_some();
            if let Some(v) = r {
                it.dec(h, v);
            }
            Ok(it.bool_(h, b))
        }
        "setattr" => {
            nargs(it, h, name, args, 3, 3)?;
            let n = str_arg(it, h, args[1])?;
            let v = it.inc(h, args[2]);
            it.setattr(h, a0, &n, v)?;
            Ok(it.none(h))
        }
        "delattr" => {
            nargs(it, h, name, args, 2, 2)?;
            let n = str_arg(it, h, args[1])?;
            it.delattr(h, a0, &n)?;
            Ok(it.none(h))
        }
        "callable" => {
            let c = matches!(
                it.p(h, a0),
                Obj::Func(_)
                    | Obj::Method
                    | Obj::Class(_)
                    | Obj::Builtin(_)
                    | Obj::BuiltinMethod(_)
            ) || it.special(h, a0, "__call__").is_some();
            Ok(it.bool_(h, c))
        }
        "chr" => {
            let i = int_arg(it, h, a0)?;
            match char::from_u32(i as u32) {
                Some(c) => Ok(it.str_(h, &c.to_string())),
                None => it.err(h, "ValueError", "chr() arg not in range(0x110000)"),
            }
        }
        "ord" => {
            let s = str_arg(it, h, a0)?;
            let mut c = s.chars();
            match (c.next(), c.next()) {
                (Some(ch), None) => Ok(it.int(h, ch as i64)),
                _ => it.err(
                    h,
                    "TypeError",
                    &format!(
                        "ord() expected a character, but string of length {} found",
                        s.chars().count()
                    ),
                ),
            }
        }
        "round" => {
            let x = float_arg(it, h, a0)?;
            match args.get(1) {
                Some(&n) if n != it.none => {
                    let n = int_arg(it, h, n)?;
                    if let Obj::Int(i) = it.p(h, a0) {
                        let i = *i;
                        return Ok(it.int(h, i));
                    }
                    let m = 10f64.powi(n as i32);
                    let y = (x * m).round_ties_even() / m;
                    // correct with the shortest repr
                    let s = format!("{:.*}", n.max(0) as usize, x);
                    let y2: f64 = s.parse().unwrap_or(y);
                    Ok(it.float(h, y2))
                }
                _ => {
                    if let Obj::Int(i) = it.p(h, a0) {
                        let i = *i;
                        return Ok(it.int(h, i));
                    }
                    Ok(it.int(h, x.round_ties_even() as i64))
                }
            }
        }
        "divmod" => {
            nargs(it, h, name, args, 2, 2)?;
            let q = ops::binop(it, h, Operator::FloorDiv, a0, args[1], false)?;
            let m = match ops::binop(it, h, Operator::Mod, a0, args[1], false) {
                Ok(m) => m,
                Err(e) => {
                    it.dec(h, q);
                    return Err(e);
                }
            };
            Ok(it.new_tuple(h, vec![q, m]))
        }
        "pow" => {
            nargs(it, h, name, args, 2, 3)?;
            if let Some(&m) = args.get(2) {
                let (b, e, m) = (
                    int_arg(it, h, a0)?,
                    int_arg(it, h, args[1])?,
                    int_arg(it, h, m)?,
                );
                if m == 0 {
                    return it.err(h, "ValueError", "pow() 3rd argument cannot be 0");
                }
                let mut r: i128 = 1;
                let mut b = (b as i128).rem_euclid(m as i128);
                let mut e = e;
                while e > 0 {
                    if e & 1 == 1 {
                        r = r * b % m as i128;
                    }
                    b = b * b % m as i128;
                    e >>= 1;
                }
                return Ok(it.int(h, r as i64));
            }
            ops::binop(it, h, Operator::Pow, a0, args[1], false)
        }
        "super" => {
            nargs(it, h, name, args, 2, 2)?;
            Ok(h.alloc_with(Obj::Super, &[a0, args[1]]).expect("alloc"))
        }
        "format" => {
            let spec = match args.get(1) {
                Some(&s) => str_arg(it, h, s)?.to_string(),
                None => String::new(),
            };
            let s = crate::format::format_value(it, h, a0, &spec)?;
            Ok(it.str_(h, &s))
        }
        "hex" | "bin" | "oct" => {
            let i = int_arg(it, h, a0)?;
            let a = i.unsigned_abs();
            let s = match name {
                "hex" => format!("0x{a:x}"),
                "bin" => format!("0b{a:b}"),
                _ => format!("0o{a:o}"),
            };
            let s = if i < 0 { format!("-{s}") } else { s };
            Ok(it.str_(h, &s))
        }
        "vars" => {
            nargs(it, h, name, args, 1, 1)?;
            it.getattr(h, a0, "__dict__")
        }
        "globals" => Ok(it.inc(h, it.main_globals.get())),
        _ => module_function(it, h, name, args, kw),
    }
}

fn module_function<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &'static str,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let a0 = args.first().copied().unwrap_or(it.null);
    match name {
        "sys.getrefcount" => {
            nargs(it, h, name, args, 1, 1)?;
            let n = h.refcount(a0).unwrap_or(0);
            Ok(it.int(h, n as i64))
        }
        "sys.getrecursionlimit" => Ok(it.int(h, it.limit.get() as i64)),
        "sys.setrecursionlimit" => {
            let n = int_arg(it, h, a0)?;
            if n < 1 {
                return it.err(
                    h,
                    "ValueError",
                    "recursion limit must be greater or equal than 1",
                );
            }
            it.limit.set(n.min(crate::MAX_DEPTH as i64) as usize);
            Ok(it.none(h))
        }
        "sys.exit" => {
            let code = match args.first() {
                None => 0,
                Some(&c) => match it.p(h, c) {
                    Obj::Int(i) => *i as i32,
                    Obj::None => 0,
                    _ => {
                        let s = it.str_of(h, c)?;
                        it.flush();
                        eprintln!("{s}");
                        1
                    }
                },
            };
            Err(Unwind::Exit(code))
        }
        "sys.intern" => Ok(it.inc(h, a0)),
        "gc.collect" => {
            let g = match args.first().copied().or_else(|| kwarg(kw, "generation")) {
                Some(g) => int_arg(it, h, g)?,
                None => 2,
            };
            if !(0..=2).contains(&g) {
                return it.err(h, "ValueError", "invalid generation");
            }
            it.picture(h, &format!("collect-line{}", it.line.get()));
            let r = match h.generational() {
                Some(mut gh) => match gh.collect(g as usize) {
                    Ok(r) => r,
                    Err(e) => return it.err(h, "RuntimeError", &e.to_string()),
                },
                None => h.collect_full(),
            };
            Ok(it.int(h, (r.collected + r.uncollectable) as i64))
        }
        "gc.get_count" | "gc.get_threshold" => {
            let g = generational!(it, h, name);
            let v = if name == "gc.get_count" {
                g.get_count()
            } else {
                g.get_threshold().into_iter().map(u64::from).collect()
            };
            let c: Vec<ObjId> = v.into_iter().map(|c| it.int(h, c as i64)).collect();
            Ok(it.new_tuple(h, c))
        }
        "gc.set_threshold" => {
            let mut t = generational!(it, h, name).get_threshold();
            for (i, &a) in args.iter().enumerate().take(t.len()) {
                t[i] = int_arg(it, h, a)?.max(0) as u32;
            }
            let _ = generational!(it, h, name).set_threshold(&t);
            Ok(it.none(h))
        }
        "gc.enable" | "gc.disable" | "gc.freeze" | "gc.unfreeze" => {
            let mut g = generational!(it, h, name);
            match name {
                "gc.enable" => g.enable(),
                "gc.disable" => g.disable(),
                "gc.freeze" => g.freeze(),
                _ => g.unfreeze(),
            }
            Ok(it.none(h))
        }
        "gc.isenabled" => {
            let e = generational!(it, h, name).is_enabled();
            Ok(it.bool_(h, e))
        }
        "gc.get_freeze_count" => {
            let n = generational!(it, h, name).get_freeze_count();
            Ok(it.int(h, n as i64))
        }
        "gc.get_objects" => {
            let g = match args.first().copied().or_else(|| kwarg(kw, "generation")) {
                Some(g) if g != it.none => Some(int_arg(it, h, g)? as usize),
                _ => None,
            };
            let objs = match generational!(it, h, name).get_objects(g) {
                Ok(o) => o,
                Err(e) => return it.err(h, "ValueError", &e.to_string()),
            };
            let objs: Vec<ObjId> = objs
                .into_iter()
                .filter(|&o| !matches!(it.p(h, o), Obj::Frame(_)))
                .collect();
            for &o in &objs {
                it.inc(h, o);
            }
            Ok(it.new_list(h, objs))
        }
        "gc.get_referrers" | "gc.get_referents" => {
            let r = if name == "gc.get_referrers" {
                generational!(it, h, name).get_referrers(args)
            } else {
                Ok(args.iter().flat_map(|&a| it.referents(h, a)).collect())
            };
            let r: Vec<ObjId> = r
                .unwrap_or_default()
                .into_iter()
                .filter(|&o| !matches!(it.p(h, o), Obj::Frame(_) | Obj::Null))
                .collect();
            for &o in &r {
                it.inc(h, o);
            }
            Ok(it.new_list(h, r))
        }
        "gc.is_tracked" => {
            let t = h.is_tracked(a0).unwrap_or(false);
            Ok(it.bool_(h, t))
        }
        "gc.is_finalized" => {
            let t = h.is_finalized(a0).unwrap_or(false);
            Ok(it.bool_(h, t))
        }
        "gc.get_stats" => {
            let stats = generational!(it, h, name).get_stats().to_vec();
            let mut out = vec![];
            for s in stats {
                let d = it.new_dict(h);
                for (k, v) in [
                    ("collections", s.collections),
                    ("collected", s.collected),
                    ("uncollectable", s.uncollectable),
                ] {
                    let v = it.int(h, v as i64);
                    it.dict_set_str(h, d, k, v);
                }
                out.push(d);
            }
            Ok(it.new_list(h, out))
        }
        "gc.set_debug" => {
            let f = int_arg(it, h, a0)?;
            DEBUG_FLAGS.with(|d| *d.borrow_mut() = f);
            h.set_debug_saveall(f & 32 != 0);
            Ok(it.none(h))
        }
        "gc.get_debug" => {
            let f = DEBUG_FLAGS.with(|d| *d.borrow());
            Ok(it.int(h, f))
        }
        "weakref.ref" => {
            nargs(it, h, name, args, 1, 2)?;
            if !it.weakrefable(h, a0) {
                let t = it.type_name(h, a0);
                return it.err(
                    h,
                    "TypeError",
                    &format!("cannot create weak reference to '{t}' object"),
                );
            }
            let cb = args.get(1).copied().filter(|&c| c != it.none);
            if cb.is_none() {
                // every weakref.ref(x) without a callback is one object (weakref_new
                // reuses the basic reference at the head of x's list)
                let owners = h.weakref_owners(a0).unwrap_or_default();
                if let Some(&basic) = owners
                    .iter()
                    .find(|&&w| matches!(it.p(h, w), Obj::WeakRef(_)) && it.edges(h, w).is_empty())
                {
                    return Ok(it.inc(h, basic));
                }
            }
            let wr = match cb {
                Some(c) => h.alloc_with(Obj::WeakRef(None), &[c]).expect("alloc"),
                None => h.alloc(Obj::WeakRef(None)),
            };
            let callback: Option<crate::record::WeakCallback<C>> = cb.map(|_| {
                let me = it.rc();
                Box::new(move |h: &mut H<C>, _w| me.weakref_callback(h, wr))
                    as crate::record::WeakCallback<C>
            });
            match h.attach_weakref(wr, a0, callback) {
                Ok(w) => {
                    if let Ok(Obj::WeakRef(x)) = h.payload_mut(wr) {
                        *x = Some(w);
                    }
                    Ok(wr)
                }
                Err(e) => {
                    it.dec(h, wr);
                    it.err(h, "TypeError", &e.to_string())
                }
            }
        }
        "weakref.getweakrefcount" => {
            let n = h.weakref_count(a0).unwrap_or(0);
            Ok(it.int(h, n as i64))
        }
        "weakref.finalize" => {
            if args.len() < 2 {
                return it.err(h, "TypeError", "finalize expected at least 2 arguments");
            }
            let rest: Vec<ObjId> = args[2..].to_vec();
            let t = it.new_tuple_borrowed(h, &rest);
            let fo = h
                .alloc_with(Obj::Finalize(None, true), &[args[1], t])
                .expect("alloc");
            it.dec(h, t);
            let me = it.rc();
            match h.downgrade_with_callback(a0, move |h, _w| me.finalize_fire(h, fo)) {
                Ok(w) => {
                    if let Ok(Obj::Finalize(x, _)) = h.payload_mut(fo) {
                        *x = Some(w);
                    }
                    // the registry keeps it alive until it runs
                    it.inc(h, fo);
                    Ok(fo)
                }
                Err(e) => {
                    it.dec(h, fo);
                    it.err(h, "TypeError", &e.to_string())
                }
            }
        }
        n if n.starts_with("math.") => {
            let f = &n[5..];
            match f {
                "gcd" => {
                    let (mut a, mut b) = (
                        int_arg(it, h, a0)?.abs(),
                        int_arg(it, h, args.get(1).copied().unwrap_or(it.null))?.abs(),
                    );
                    while b != 0 {
                        (a, b) = (b, a % b);
                    }
                    Ok(it.int(h, a))
                }
                "floor" | "ceil" => {
                    let x = float_arg(it, h, a0)?;
                    let y = if f == "floor" { x.floor() } else { x.ceil() };
                    Ok(it.int(h, y as i64))
                }
                "isqrt" => {
                    let x = int_arg(it, h, a0)?;
                    Ok(it.int(h, (x as f64).sqrt() as i64))
                }
                "factorial" => {
                    let x = int_arg(it, h, a0)?;
                    let mut r: i64 = 1;
                    for i in 2..=x {
                        r = match r.checked_mul(i) {
                            Some(v) => v,
                            None => {
                                return it.err(
                                    h,
                                    "OverflowError",
                                    "integer result too large for gclab-py (64-bit ints)",
                                );
                            }
                        };
                    }
                    Ok(it.int(h, r))
                }
                "isclose" => {
                    let (a, b) = (
                        float_arg(it, h, a0)?,
                        float_arg(it, h, args.get(1).copied().unwrap_or(it.null))?,
                    );
                    let r = (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
                    Ok(it.bool_(h, r))
                }
                _ => {
                    let x = float_arg(it, h, a0)?;
                    let y = match f {
                        "sqrt" => {
                            if x < 0.0 {
                                return it.err(h, "ValueError", "math domain error");
                            }
                            x.sqrt()
                        }
                        "fabs" => x.abs(),
                        "log" => {
                            if x <= 0.0 {
                                return it.err(h, "ValueError", "math domain error");
                            }
                            match args.get(1) {
                                Some(&b) => x.ln() / float_arg(it, h, b)?.ln(),
                                None => x.ln(),
                            }
                        }
                        "exp" => x.exp(),
                        "sin" => x.sin(),
                        "tan" => x.tan(),
                        "atan" => x.atan(),
                        "radians" => x.to_radians(),
                        "degrees" => x.to_degrees(),
                        "asin" | "acos" | "log10" | "log2" => {
                            let bad = match f {
                                "asin" | "acos" => !(-1.0..=1.0).contains(&x),
                                _ => x <= 0.0,
                            };
                            if bad {
                                return it.err(h, "ValueError", "math domain error");
                            }
                            match f {
                                "asin" => x.asin(),
                                "acos" => x.acos(),
                                "log10" => x.log10(),
                                _ => x.log2(),
                            }
                        }
                        "atan2" | "hypot" => {
                            let y = float_arg(it, h, args.get(1).copied().unwrap_or(it.null))?;
                            if f == "atan2" { x.atan2(y) } else { x.hypot(y) }
                        }
                        "isfinite" | "isinf" | "isnan" => {
                            let b = match f {
                                "isfinite" => x.is_finite(),
                                "isinf" => x.is_infinite(),
                                _ => x.is_nan(),
                            };
                            return Ok(it.bool_(h, b));
                        }
                        _ => x.cos(),
                    };
                    Ok(it.float(h, y))
                }
            }
        }
        "time.perf_counter" | "time.monotonic" | "pyperf.perf_counter" => {
            let t = crate::pyperf::perf_counter();
            Ok(it.float(h, t))
        }
        "time.time" => {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
            Ok(it.float(h, t))
        }
        _ => Err(Unwind::Unsupported(it.line.get(), format!("'{name}'"))),
    }
}

impl<C: CycleCollector> Interp<C> {
    /// Runs the Python callback of weakref object `wr` (its target died).
    pub fn weakref_callback(&self, h: &mut H<C>, wr: ObjId) {
        if !h.contains(wr) {
            return;
        }
        let cb = self.edge(h, wr, 0);
        if cb == self.null {
            return;
        }
        self.inc(h, cb);
        let a = self.inc(h, wr);
        match self.call(h, cb, vec![a], vec![]) {
            Ok(v) => self.dec(h, v),
            Err(u) => {
                let r = self.repr(h, cb).unwrap_or_default();
                self.unraisable(h, u, &r)
            }
        }
        self.dec(h, cb);
    }

    /// Runs a `weakref.finalize` (its target died).
    pub fn finalize_fire(&self, h: &mut H<C>, fo: ObjId) {
        if !h.contains(fo) {
            return;
        }
        let alive = matches!(self.p(h, fo), Obj::Finalize(_, true));
        if !alive {
            return;
        }
        if let Ok(Obj::Finalize(_, a)) = h.payload_mut(fo) {
            *a = false;
        }
        let f = self.edge(h, fo, 0);
        let t = self.edge(h, fo, 1);
        let args: Vec<ObjId> = self
            .edges(h, t)
            .into_iter()
            .map(|x| self.inc(h, x))
            .collect();
        self.inc(h, f);
        match self.call(h, f, args, vec![]) {
            Ok(v) => self.dec(h, v),
            Err(u) => {
                let r = self.repr(h, f).unwrap_or_default();
                self.unraisable(h, u, &r)
            }
        }
        self.dec(h, f);
        let _ = h.clear_edges(fo);
        self.dec(h, fo); // the registry's reference
    }
}

/// Calling a `weakref.finalize` object.
pub fn call_finalize<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    fo: ObjId,
    args: Vec<ObjId>,
    kw: Vec<(Rc<str>, ObjId)>,
) -> R<ObjId> {
    it.dec_all(h, args);
    it.dec_all(h, kw.into_iter().map(|x| x.1));
    if matches!(it.p(h, fo), Obj::Finalize(_, true)) {
        let w = match it.p(h, fo) {
            Obj::Finalize(w, _) => *w,
            _ => None,
        };
        if let Some(w) = w {
            let _ = h.release_weakref(w);
        }
        it.inc(h, fo);
        it.finalize_fire(h, fo);
        it.dec(h, fo);
    }
    Ok(it.none(h))
}

/// The items a dict view shows (owned): keys, values or `(key, value)` tuples.
pub fn view_items<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, view: ObjId) -> Vec<ObjId> {
    let kind = match it.p(h, view) {
        Obj::DictView(k) => *k,
        _ => "keys",
    };
    let d = it.edge(h, view, 0);
    it.dict_items(h, d)
        .into_iter()
        .map(|(k, v)| match kind {
            "keys" => it.inc(h, k),
            "values" => it.inc(h, v),
            _ => it.new_tuple_borrowed(h, &[k, v]),
        })
        .collect()
}

/// Builtin type constructors: `int(x)`, `list(x)`, ...
pub fn construct<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    ty: &str,
    args: Vec<ObjId>,
    kw: Vec<(Rc<str>, ObjId)>,
) -> R<ObjId> {
    let r = construct_inner(it, h, ty, &args, &kw);
    it.dec_all(h, args);
    it.dec_all(h, kw.into_iter().map(|x| x.1));
    r
}

fn construct_inner<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    ty: &str,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let a0 = args.first().copied();
    match (ty, a0) {
        (crate::random::TYPE, _) => crate::random::construct(it, h, args, kw),
        (crate::array::TYPE, _) => crate::array::construct(it, h, args, kw),
        ("int", None) => Ok(it.int(h, 0)),
        ("int", Some(v)) => match it.p(h, v) {
            Obj::Int(i) => {
                let i = *i;
                Ok(it.int(h, i))
            }
            Obj::Bool(b) => {
                let b = *b;
                Ok(it.int(h, b as i64))
            }
            Obj::Float(f) => {
                let f = *f;
                if f.is_nan() {
                    return it.err(h, "ValueError", "cannot convert float NaN to integer");
                }
                if !f.is_finite() {
                    return it.err(
                        h,
                        "OverflowError",
                        "cannot convert float infinity to integer",
                    );
                }
                // 2**63 is the first float past i64 (a cast would saturate)
                if f.trunc() >= 9_223_372_036_854_775_808.0
                    || f.trunc() < -9_223_372_036_854_775_808.0
                {
                    return it.err(
                        h,
                        "OverflowError",
                        "integer result too large for gclab-py (64-bit ints)",
                    );
                }
                Ok(it.int(h, f.trunc() as i64))
            }
            Obj::Str(s) => {
                let s = s.clone();
                let base = match args.get(1) {
                    Some(&b) => int_arg(it, h, b)? as u32,
                    None => 10,
                };
                let t = s.trim().replace('_', "");
                match i64::from_str_radix(&t, base) {
                    Ok(i) => Ok(it.int(h, i)),
                    Err(_) => {
                        let r = crate::interp::str_repr(&s);
                        it.err(
                            h,
                            "ValueError",
                            &format!("invalid literal for int() with base {base}: {r}"),
                        )
                    }
                }
            }
            _ => {
                if let Some(r) = it.call_special(h, v, "__int__", vec![])? {
                    return Ok(r);
                }
                let t = it.type_name(h, v);
                it.err(h, "TypeError", &format!("int() argument must be a string, a bytes-like object or a real number, not '{t}'"))
            }
        },
        ("float", None) => Ok(it.float(h, 0.0)),
        ("float", Some(v)) => match it.p(h, v) {
            Obj::Str(s) => {
                let t = s.trim().to_lowercase();
                let x = match t.as_str() {
                    "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
                    "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                    "nan" => Some(f64::NAN),
                    _ => t.parse::<f64>().ok(),
                };
                match x {
                    Some(x) => Ok(it.float(h, x)),
                    None => {
                        let r = crate::interp::str_repr(s);
                        it.err(
                            h,
                            "ValueError",
                            &format!("could not convert string to float: {r}"),
                        )
                    }
                }
            }
            _ => {
                let x = float_arg(it, h, v)?;
                Ok(it.float(h, x))
            }
        },
        ("bool", None) => Ok(it.bool_(h, false)),
        ("bool", Some(v)) => {
            let t = it.truthy(h, v)?;
            Ok(it.bool_(h, t))
        }
        ("str", None) => Ok(it.str_(h, "")),
        ("str", Some(v)) => {
            let s = it.str_of(h, v)?;
            Ok(it.str_(h, &s))
        }
        ("list", None) => Ok(it.new_list(h, vec![])),
        ("list", Some(v)) => {
            let items = it.unpack_iterable(h, v)?;
            Ok(it.new_list(h, items))
        }
        ("tuple", None) => Ok(it.new_tuple(h, vec![])),
        ("tuple", Some(v)) => {
            if matches!(it.p(h, v), Obj::Tuple) {
                return Ok(it.inc(h, v));
            }
            let items = it.unpack_iterable(h, v)?;
            Ok(it.new_tuple(h, items))
        }
        ("set", _) => {
            let s = it.new_set(h);
            if let Some(v) = a0 {
                let items = match it.unpack_iterable(h, v) {
                    Ok(i) => i,
                    Err(e) => {
                        it.dec(h, s);
                        return Err(e);
                    }
                };
                let mut itr = items.into_iter();
                while let Some(x) = itr.next() {
                    if let Err(e) = it.set_add(h, s, x) {
                        it.dec_all(h, itr);
                        it.dec(h, s);
                        return Err(e);
                    }
                }
            }
            Ok(s)
        }
        ("dict", _) => {
            let d = it.new_dict(h);
            let r = (|| {
                if let Some(v) = a0 {
                    dict_update(it, h, d, v)?;
                }
                for (k, v) in kw {
                    let ks = it.str_(h, k);
                    let v = it.inc(h, *v);
                    it.dict_set(h, d, ks, v)?;
                }
                Ok(())
            })();
            match r {
                Ok(()) => Ok(d),
                Err(e) => {
                    it.dec(h, d);
                    Err(e)
                }
            }
        }
        ("range", _) => {
            let mut n = vec![];
            for &a in args {
                n.push(int_arg(it, h, a)?);
            }
            let (a, b, s) = match n.len() {
                1 => (0, n[0], 1),
                2 => (n[0], n[1], 1),
                3 => (n[0], n[1], n[2]),
                _ => return it.err(h, "TypeError", "range expected at most 3 arguments"),
            };
            if s == 0 {
                return it.err(h, "ValueError", "range() arg 3 must not be zero");
            }
            Ok(h.alloc_atomic(Obj::Range(a, b, s)))
        }
        ("type", Some(v)) if args.len() == 1 => {
            let t = it.type_of(h, v);
            Ok(it.inc(h, t))
        }
        ("object", None) => {
            let o = it.types.borrow()["object"];
            Ok(h.alloc_with(Obj::Instance(vec![]), &[o]).expect("alloc"))
        }
        ("property", Some(f)) => {
            let s = args.get(1).copied().unwrap_or(it.none);
            Ok(h.alloc_with(Obj::Property, &[f, s]).expect("alloc"))
        }
        ("classmethod", Some(f)) => Ok(h.alloc_with(Obj::ClassMethod, &[f]).expect("alloc")),
        ("staticmethod", Some(f)) => Ok(h.alloc_with(Obj::StaticMethod, &[f]).expect("alloc")),
        _ => Err(Unwind::Unsupported(
            it.line.get(),
            format!("'{ty}(...)' with these arguments"),
        )),
    }
}

/// `d.update(other)`.
pub fn dict_update<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    d: ObjId,
    other: ObjId,
) -> R<()> {
    if let Obj::Dict(_) = it.p(h, other) {
        for (k, v) in it.dict_items(h, other) {
            let (k, v) = (it.inc(h, k), it.inc(h, v));
            it.dict_set(h, d, k, v)?;
        }
        return Ok(());
    }
    let items = it.unpack_iterable(h, other)?;
    let mut res = Ok(());
    for &p in &items {
        let kv = match it.unpack_iterable(h, p) {
            Ok(kv) => kv,
            Err(e) => {
                res = Err(e);
                break;
            }
        };
        if kv.len() != 2 {
            it.dec_all(h, kv);
            res = it.err(
                h,
                "ValueError",
                "dictionary update sequence element has wrong length",
            );
            break;
        }
        if let Err(e) = it.dict_set(h, d, kv[0], kv[1]) {
            res = Err(e);
            break;
        }
    }
    it.dec_all(h, items);
    res
}

/// Set operators.
pub fn set_op<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: Operator,
    l: ObjId,
    r: ObjId,
) -> R<ObjId> {
    let out = it.new_set(h);
    let (le, re) = (it.edges(h, l), it.edges(h, r));
    let res = (|| {
        match op {
            Operator::BitOr => {
                for x in le.iter().chain(&re) {
                    let x = it.inc(h, *x);
                    it.set_add(h, out, x)?;
                }
            }
            Operator::BitAnd => {
                for &x in &le {
                    if it.set_contains(h, r, x)? {
                        let x = it.inc(h, x);
                        it.set_add(h, out, x)?;
                    }
                }
            }
            Operator::Sub => {
                for &x in &le {
                    if !it.set_contains(h, r, x)? {
                        let x = it.inc(h, x);
                        it.set_add(h, out, x)?;
                    }
                }
            }
            _ => {
                for &x in &le {
                    if !it.set_contains(h, r, x)? {
                        let x = it.inc(h, x);
                        it.set_add(h, out, x)?;
                    }
                }
                for &x in &re {
                    if !it.set_contains(h, l, x)? {
                        let x = it.inc(h, x);
                        it.set_add(h, out, x)?;
                    }
                }
            }
        }
        Ok(())
    })();
    match res {
        Ok(()) => Ok(out),
        Err(e) => {
            it.dec(h, out);
            Err(e)
        }
    }
}

fn norm_index<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    i: ObjId,
    len: usize,
    what: &str,
) -> R<usize> {
    let i = int_arg(it, h, i)?;
    let j = if i < 0 { i + len as i64 } else { i };
    if j < 0 || j >= len as i64 {
        return it.err(h, "IndexError", &format!("{what} index out of range"));
    }
    Ok(j as usize)
}

/// Resolves a slice against a length: the indices it selects.
fn slice_indices<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    s: ObjId,
    len: usize,
) -> R<Vec<usize>> {
    let e = it.edges(h, s);
    let get = |it: &Interp<C>, h: &mut H<C>, x: ObjId| -> R<Option<i64>> {
        if x == it.none {
            Ok(None)
        } else {
            int_arg(it, h, x).map(Some)
        }
    };
    let (start, stop, step) = (get(it, h, e[0])?, get(it, h, e[1])?, get(it, h, e[2])?);
    let step = step.unwrap_or(1);
    if step == 0 {
        return it.err(h, "ValueError", "slice step cannot be zero");
    }
    let n = len as i64;
    let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
    let fix = |v: i64| if v < 0 { v + n } else { v };
    let mut out = vec![];
    if step > 0 {
        let a = clamp(start.map(fix).unwrap_or(0), 0, n);
        let b = clamp(stop.map(fix).unwrap_or(n), 0, n);
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let a = clamp(start.map(fix).unwrap_or(n - 1), -1, n - 1);
        let b = clamp(stop.map(fix).unwrap_or(-1), -1, n - 1);
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    Ok(out)
}

/// `o[k]` (owned).
pub fn getitem<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, o: ObjId, k: ObjId) -> R<ObjId> {
    let is_slice = matches!(it.p(h, k), Obj::Slice);
    match it.p(h, o) {
        Obj::List | Obj::Tuple => {
            let is_list = matches!(it.p(h, o), Obj::List);
            if is_slice {
                let e = it.edges(h, o);
                let idx = slice_indices(it, h, k, e.len())?;
                let items: Vec<ObjId> = idx.into_iter().map(|i| e[i]).collect();
                return Ok(if is_list {
                    for &x in &items {
                        it.inc(h, x);
                    }
                    it.new_list(h, items)
                } else {
                    it.new_tuple_borrowed(h, &items)
                });
            }
            let n = it.nedges(h, o);
            let i = norm_index(it, h, k, n, if is_list { "list" } else { "tuple" })?;
            Ok(it.inc(h, it.edge(h, o, i)))
        }
        Obj::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            if is_slice {
                let idx = slice_indices(it, h, k, chars.len())?;
                let st: String = idx.into_iter().map(|i| chars[i]).collect();
                return Ok(it.str_(h, &st));
            }
            let i = norm_index(it, h, k, chars.len(), "string")?;
            Ok(it.str_(h, &chars[i].to_string()))
        }
        Obj::Range(a, b, s) => {
            let (a, b, s) = (*a, *b, *s);
            let n = range_len(a, b, s) as usize;
            let i = norm_index(it, h, k, n, "range object")?;
            Ok(it.int(h, a + s * i as i64))
        }
        Obj::Array(_) => crate::array::getitem(it, h, o, k),
        Obj::Dict(_) => match it.dict_get(h, o, k)? {
            Some(v) => Ok(it.inc(h, v)),
            None => {
                let kc = it.inc(h, k);
                let c = it.types.borrow()["KeyError"];
                let e = it.instantiate_exc(h, c, vec![kc]);
                Err(Unwind::Exc(Box::new(PyExc {
                    obj: e,
                    tb: vec![],
                    context: None,
                })))
            }
        },
        Obj::Instance(_) if it.special(h, o, "__getitem__").is_some() => {
            let a = it.inc(h, k);
            Ok(it
                .call_special(h, o, "__getitem__", vec![a])?
                .unwrap_or(it.null))
        }
        Obj::Class(_) => Err(Unwind::Unsupported(
            it.line.get(),
            "generic alias subscription".into(),
        )),
        _ => {
            let t = it.type_name(h, o);
            it.err(
                h,
                "TypeError",
                &format!("'{t}' object is not subscriptable"),
            )
        }
    }
}

/// `o[k] = v` (v owned).
pub fn setitem<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    o: ObjId,
    k: ObjId,
    v: ObjId,
) -> R<()> {
    match it.p(h, o) {
        Obj::Array(_) => {
            let r = crate::array::setitem(it, h, o, k, v);
            it.dec(h, v);
            r
        }
        Obj::List => {
            if matches!(it.p(h, k), Obj::Slice) {
                let n = it.nedges(h, o);
                let idx = match slice_indices(it, h, k, n) {
                    Ok(i) => i,
                    Err(e) => {
                        it.dec(h, v);
                        return Err(e);
                    }
                };
                let items = it.unpack_iterable(h, v);
                it.dec(h, v);
                let items = items?;
                let step = it.edge(h, k, 2);
                if step == it.none || matches!(it.p(h, step), Obj::Int(1)) {
                    let start = idx.first().copied().unwrap_or_else(|| {
                        let s = it.edge(h, k, 0);
                        if s == it.none {
                            0
                        } else {
                            (int_arg(it, h, s).unwrap_or(0).max(0) as usize).min(n)
                        }
                    });
                    for _ in &idx {
                        let _ = h.remove_edge(o, start);
                    }
                    for (j, x) in items.into_iter().enumerate() {
                        let _ = h.insert_edge(o, start + j, x);
                        it.dec(h, x);
                    }
                    return Ok(());
                }
                if items.len() != idx.len() {
                    let (a, b) = (items.len(), idx.len());
                    it.dec_all(h, items);
                    return it.err(
                        h,
                        "ValueError",
                        &format!(
                            "attempt to assign sequence of size {a} to extended slice of size {b}"
                        ),
                    );
                }
                for (i, x) in idx.into_iter().zip(items) {
                    let _ = h.set_edge(o, i, x);
                    it.dec(h, x);
                }
                return Ok(());
            }
            let n = it.nedges(h, o);
            let i = match norm_index(it, h, k, n, "list assignment") {
                Ok(i) => i,
                Err(e) => {
                    it.dec(h, v);
                    return Err(e);
                }
            };
            let _ = h.set_edge(o, i, v);
            it.dec(h, v);
            Ok(())
        }
        Obj::Dict(_) => {
            let k = it.inc(h, k);
            it.dict_set(h, o, k, v)
        }
        Obj::Instance(_) if it.special(h, o, "__setitem__").is_some() => {
            let a = it.inc(h, k);
            let r = it
                .call_special(h, o, "__setitem__", vec![a, v])?
                .unwrap_or(it.null);
            it.dec(h, r);
            Ok(())
        }
        _ => {
            it.dec(h, v);
            let t = it.type_name(h, o);
            it.err(
                h,
                "TypeError",
                &format!("'{t}' object does not support item assignment"),
            )
        }
    }
}

/// `del o[k]`.
pub fn delitem<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, o: ObjId, k: ObjId) -> R<()> {
    match it.p(h, o) {
        Obj::List => {
            let n = it.nedges(h, o);
            let idx = if matches!(it.p(h, k), Obj::Slice) {
                slice_indices(it, h, k, n)?
            } else {
                vec![norm_index(it, h, k, n, "list assignment")?]
            };
            let mut idx = idx;
            idx.sort_unstable();
            for i in idx.into_iter().rev() {
                let _ = h.remove_edge(o, i);
            }
            Ok(())
        }
        Obj::Dict(_) => match it.dict_del(h, o, k)? {
            Some(v) => {
                it.dec(h, v);
                Ok(())
            }
            None => {
                let kc = it.inc(h, k);
                let c = it.types.borrow()["KeyError"];
                let e = it.instantiate_exc(h, c, vec![kc]);
                Err(Unwind::Exc(Box::new(PyExc {
                    obj: e,
                    tb: vec![],
                    context: None,
                })))
            }
        },
        Obj::Instance(_) if it.special(h, o, "__delitem__").is_some() => {
            let a = it.inc(h, k);
            let r = it
                .call_special(h, o, "__delitem__", vec![a])?
                .unwrap_or(it.null);
            it.dec(h, r);
            Ok(())
        }
        _ => {
            let t = it.type_name(h, o);
            it.err(
                h,
                "TypeError",
                &format!("'{t}' object does not support item deletion"),
            )
        }
    }
}

fn str_method<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &str,
    s: &str,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let a0 = args.first().copied();
    let arg_str = |it: &Interp<C>, h: &mut H<C>, i: usize| -> R<Option<Rc<str>>> {
        match args.get(i) {
            Some(&a) if a != it.none => str_arg(it, h, a).map(Some),
            _ => Ok(None),
        }
    };
    let out_s = |it: &Interp<C>, h: &mut H<C>, x: String| Ok(it.str_(h, &x));
    match name {
        "upper" => out_s(it, h, s.to_uppercase()),
        "lower" => out_s(it, h, s.to_lowercase()),
        "swapcase" => out_s(
            it,
            h,
            s.chars()
                .map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<String>()
                    } else {
                        c.to_uppercase().collect()
                    }
                })
                .collect(),
        ),
        "strip" | "lstrip" | "rstrip" => {
            let chars = arg_str(it, h, 0)?;
            let pat = |c: char| match &chars {
                Some(cs) => cs.contains(c),
                None => c.is_whitespace(),
            };
            let r = match name {
                "strip" => s.trim_matches(pat),
                "lstrip" => s.trim_start_matches(pat),
                _ => s.trim_end_matches(pat),
            };
            out_s(it, h, r.to_owned())
        }
        "split" => {
            let sep = arg_str(it, h, 0)?.or(match kwarg(kw, "sep") {
                Some(x) if x != it.none => Some(str_arg(it, h, x)?),
                _ => None,
            });
            let maxsplit = match args.get(1).copied().or_else(|| kwarg(kw, "maxsplit")) {
                Some(m) => int_arg(it, h, m)?,
                None => -1,
            };
            let parts: Vec<String> = match &sep {
                Some(sep) if sep.is_empty() => return it.err(h, "ValueError", "empty separator"),
                Some(sep) => {
                    if maxsplit < 0 {
                        s.split(&**sep).map(String::from).collect()
                    } else {
                        s.splitn(maxsplit as usize + 1, &**sep)
                            .map(String::from)
                            .collect()
                    }
                }
                None => {
                    if maxsplit < 0 {
                        s.split_whitespace().map(String::from).collect()
                    } else {
                        let mut v = vec![];
                        let mut rest = s.trim_start();
                        while !rest.is_empty() {
                            if v.len() as i64 == maxsplit {
                                v.push(rest.to_owned());
                                break;
                            }
                            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                            v.push(rest[..end].to_owned());
                            rest = rest[end..].trim_start();
                        }
                        v
                    }
                }
            };
            let items = parts.iter().map(|p| it.str_(h, p)).collect();
            Ok(it.new_list(h, items))
        }
        "splitlines" => {
            let items = s.lines().map(|p| it.str_(h, p)).collect();
            Ok(it.new_list(h, items))
        }
        "join" => {
            let items = it.unpack_iterable(h, a0.unwrap_or(it.null))?;
            let mut parts = vec![];
            for (i, &x) in items.iter().enumerate() {
                match it.p(h, x) {
                    Obj::Str(p) => parts.push(p.to_string()),
                    _ => {
                        let t = it.type_name(h, x);
                        it.dec_all(h, items);
                        return it.err(
                            h,
                            "TypeError",
                            &format!("sequence item {i}: expected str instance, {t} found"),
                        );
                    }
                }
            }
            it.dec_all(h, items);
            out_s(it, h, parts.join(s))
        }
        "replace" => {
            let (a, b) = (
                arg_str(it, h, 0)?.unwrap_or_default(),
                arg_str(it, h, 1)?.unwrap_or_default(),
            );
            out_s(it, h, s.replace(&*a, &b))
        }
        "startswith" | "endswith" => {
            let pats: Vec<Rc<str>> = match a0.map(|a| it.p(h, a)) {
                Some(Obj::Tuple) => {
                    let e = it.edges(h, a0.unwrap_or(it.null));
                    let mut v = vec![];
                    for x in e {
                        v.push(str_arg(it, h, x)?);
                    }
                    v
                }
                _ => vec![arg_str(it, h, 0)?.unwrap_or_default()],
            };
            let r = pats.iter().any(|p| {
                if name == "startswith" {
                    s.starts_with(&**p)
                } else {
                    s.ends_with(&**p)
                }
            });
            Ok(it.bool_(h, r))
        }
        "find" | "index" | "rfind" => {
            let p = arg_str(it, h, 0)?.unwrap_or_default();
            let r = if name == "rfind" {
                s.rfind(&*p)
            } else {
                s.find(&*p)
            };
            match r {
                Some(b) => {
                    let ci = s[..b].chars().count() as i64;
                    Ok(it.int(h, ci))
                }
                None if name == "index" => it.err(h, "ValueError", "substring not found"),
                None => Ok(it.int(h, -1)),
            }
        }
        "count" => {
            let p = arg_str(it, h, 0)?.unwrap_or_default();
            let n = if p.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(&*p).count()
            };
            Ok(it.int(h, n as i64))
        }
        "isdigit" | "isalpha" | "isspace" | "isalnum" => {
            let f: fn(char) -> bool = match name {
                "isdigit" => |c| c.is_ascii_digit(),
                "isalpha" => |c| c.is_alphabetic(),
                "isspace" => |c| c.is_whitespace(),
                _ => |c| c.is_alphanumeric(),
            };
            let r = !s.is_empty() && s.chars().all(f);
            Ok(it.bool_(h, r))
        }
        "isupper" | "islower" => {
            let cased: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
            let r = !cased.is_empty()
                && cased.iter().all(|c| {
                    if name == "isupper" {
                        c.is_uppercase()
                    } else {
                        c.is_lowercase()
                    }
                });
            Ok(it.bool_(h, r))
        }
        "title" | "capitalize" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for (i, c) in s.chars().enumerate() {
                let up = if name == "title" { !prev_alpha } else { i == 0 };
                if up {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                prev_alpha = c.is_alphabetic();
            }
            out_s(it, h, out)
        }
        "center" | "ljust" | "rjust" | "zfill" => {
            let w = int_arg(it, h, a0.unwrap_or(it.null))?.max(0) as usize;
            let fill = arg_str(it, h, 1)?
                .and_then(|f| f.chars().next())
                .unwrap_or(if name == "zfill" { '0' } else { ' ' });
            let n = s.chars().count();
            if n >= w {
                return out_s(it, h, s.to_owned());
            }
            let pad = w - n;
            let f = |k: usize| fill.to_string().repeat(k);
            let r = match name {
                "ljust" => format!("{s}{}", f(pad)),
                "rjust" => format!("{}{s}", f(pad)),
                "zfill" => {
                    if let Some(rest) = s.strip_prefix(['-', '+']) {
                        format!("{}{}{rest}", &s[..1], f(pad))
                    } else {
                        format!("{}{s}", f(pad))
                    }
                }
                _ => {
                    let left = pad / 2 + (pad & n & 1);
                    format!("{}{s}{}", f(left), f(pad - left))
                }
            };
            out_s(it, h, r)
        }
        "format" => {
            let mut out = String::new();
            let c: Vec<char> = s.chars().collect();
            let mut i = 0;
            let mut auto = 0;
            while i < c.len() {
                if c[i] == '{' {
                    if c.get(i + 1) == Some(&'{') {
                        out.push('{');
                        i += 2;
                        continue;
                    }
                    let end = match c[i..].iter().position(|&x| x == '}') {
                        Some(e) => i + e,
                        None => {
                            return it.err(
                                h,
                                "ValueError",
                                "Single '{' encountered in format string",
                            );
                        }
                    };
                    let field: String = c[i + 1..end].iter().collect();
                    let (fname, spec) = field.split_once(':').unwrap_or((&field, ""));
                    let (fname, conv) = match fname.split_once('!') {
                        Some((a, b)) => (a, Some(b)),
                        None => (fname, None),
                    };
                    let v = if fname.is_empty() {
                        auto += 1;
                        args.get(auto - 1).copied()
                    } else if let Ok(n) = fname.parse::<usize>() {
                        args.get(n).copied()
                    } else {
                        kwarg(kw, fname)
                    };
                    let Some(v) = v else {
                        return it.err(
                            h,
                            "IndexError",
                            &format!(
                                "Replacement index {} out of range for positional args tuple",
                                auto.saturating_sub(1)
                            ),
                        );
                    };
                    let piece = match conv {
                        Some("r") => {
                            let r = it.repr(h, v)?;
                            let sv = it.str_(h, &r);
                            let x = crate::format::format_value(it, h, sv, spec);
                            it.dec(h, sv);
                            x?
                        }
                        _ => crate::format::format_value(it, h, v, spec)?,
                    };
                    out.push_str(&piece);
                    i = end + 1;
                } else if c[i] == '}' {
                    out.push('}');
                    i += if c.get(i + 1) == Some(&'}') { 2 } else { 1 };
                } else {
                    out.push(c[i]);
                    i += 1;
                }
            }
            out_s(it, h, out)
        }
        _ => Err(Unwind::Unsupported(it.line.get(), format!("str.{name}"))),
    }
}

fn method<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &'static str,
    this: ObjId,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let a0 = args.first().copied().unwrap_or(it.null);
    match name {
        "object.__init__" => return Ok(it.none(h)),
        n if n.starts_with(crate::pyperf::PREFIX) => {
            return crate::pyperf::method(it, h, n, this, args, kw);
        }
        "BaseException.__init__" => {
            let t = it.new_tuple_borrowed(h, args);
            it.setattr(h, this, "args", t)?;
            return Ok(it.none(h));
        }
        _ => {}
    }
    match it.p(h, this) {
        Obj::Generator(_) => match name {
            "send" => {
                nargs(it, h, name, args, 1, 1)?;
                let v = it.inc(h, a0);
                it.gen_send(h, this, v)
            }
            "close" => {
                it.gen_close(h, this);
                Ok(it.none(h))
            }
            _ => match it.gen_next(h, this)? {
                Some(v) => Ok(v),
                None => {
                    let none = it.none(h);
                    Err(it.stop_iteration(h, none))
                }
            },
        },
        Obj::Random(_) => crate::random::method(it, h, name, this, args, kw),
        Obj::Array(_) => crate::array::method(it, h, name, this, args),
        Obj::Str(s) => {
            let s = s.clone();
            str_method(it, h, name, &s, args, kw)
        }
        Obj::Int(i) => {
            let i = *i;
            Ok(it.int(h, 64 - i.unsigned_abs().leading_zeros() as i64))
        }
        Obj::Float(f) => {
            let f = *f;
            Ok(it.bool_(h, f.fract() == 0.0))
        }
        Obj::Stream(err) => {
            let err = *err;
            if name == "write" {
                let s = it.str_of(h, a0)?;
                if err {
                    it.flush();
                    eprint!("{s}");
                } else {
                    it.write_out(&s);
                }
                let n = s.chars().count() as i64;
                return Ok(it.int(h, n));
            }
            it.flush();
            Ok(it.none(h))
        }
        Obj::Property => {
            let (g, st) = if name == "setter" {
                (it.edge(h, this, 0), a0)
            } else {
                (a0, it.edge(h, this, 1))
            };
            Ok(h.alloc_with(Obj::Property, &[g, st]).expect("alloc"))
        }
        Obj::Finalize(..) => {
            if let Obj::Finalize(w, true) = it.p(h, this) {
                let w = *w;
                if let Ok(Obj::Finalize(_, a)) = h.payload_mut(this) {
                    *a = false;
                }
                if let Some(w) = w {
                    let _ = h.release_weakref(w);
                }
                let _ = h.clear_edges(this);
                it.dec(h, this);
            }
            Ok(it.none(h))
        }
        Obj::List | Obj::Tuple => match name {
            "append" => {
                let _ = h.link(this, a0);
                Ok(it.none(h))
            }
            "extend" => {
                let items = it.unpack_iterable(h, a0)?;
                for x in items {
                    let _ = h.link(this, x);
                    it.dec(h, x);
                }
                Ok(it.none(h))
            }
            "insert" => {
                let n = it.nedges(h, this) as i64;
                let i = int_arg(it, h, a0)?;
                let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
                let _ = h.insert_edge(this, i as usize, args.get(1).copied().unwrap_or(it.none));
                Ok(it.none(h))
            }
            "pop" => {
                let n = it.nedges(h, this);
                if n == 0 {
                    return it.err(h, "IndexError", "pop from empty list");
                }
                let i = match args.first() {
                    Some(&k) => norm_index(it, h, k, n, "pop")?,
                    None => n - 1,
                };
                let v = it.edge(h, this, i);
                it.inc(h, v);
                let _ = h.remove_edge(this, i);
                Ok(v)
            }
            "remove" | "index" | "count" => {
                let e = it.edges(h, this);
                let mut hits = vec![];
                for (i, &x) in e.iter().enumerate() {
                    if ops::eq(it, h, x, a0)? {
                        hits.push(i);
                        if name != "count" {
                            break;
                        }
                    }
                }
                match name {
                    "count" => Ok(it.int(h, hits.len() as i64)),
                    "index" => match hits.first() {
                        Some(&i) => Ok(it.int(h, i as i64)),
                        None => {
                            let r = it.repr(h, a0)?;
                            let t = it.type_name(h, this);
                            it.err(
                                h,
                                "ValueError",
                                &if t == "list" {
                                    format!("{r} is not in list")
                                } else {
                                    "tuple.index(x): x not in tuple".into()
                                },
                            )
                        }
                    },
                    _ => match hits.first() {
                        Some(&i) => {
                            let _ = h.remove_edge(this, i);
                            Ok(it.none(h))
                        }
                        None => it.err(h, "ValueError", "list.remove(x): x not in list"),
                    },
                }
            }
            "reverse" => {
                let mut e = it.edges(h, this);
                e.reverse();
                for (i, x) in e.into_iter().enumerate() {
                    it.inc(h, x);
                    let _ = h.set_edge(this, i, x);
                    it.dec(h, x);
                }
                Ok(it.none(h))
            }
            "sort" => {
                let mut e = it.edges(h, this);
                let rev = match kwarg(kw, "reverse") {
                    Some(r) => it.truthy(h, r)?,
                    None => false,
                };
                for &x in &e {
                    it.inc(h, x);
                }
                let r = sort_items(it, h, &mut e, kwarg(kw, "key"), rev);
                if r.is_ok() {
                    for (i, &x) in e.iter().enumerate() {
                        let _ = h.set_edge(this, i, x);
                    }
                }
                it.dec_all(h, e);
                r?;
                Ok(it.none(h))
            }
            "clear" => {
                let _ = h.clear_edges(this);
                Ok(it.none(h))
            }
            "copy" => {
                let e = it.edges(h, this);
                for &x in &e {
                    it.inc(h, x);
                }
                Ok(it.new_list(h, e))
            }
            _ => Err(Unwind::Unsupported(it.line.get(), format!("list.{name}"))),
        },
        Obj::Dict(_) => match name {
            "get" => match it.dict_get(h, this, a0)? {
                Some(v) => Ok(it.inc(h, v)),
                None => Ok(it.inc(h, args.get(1).copied().unwrap_or(it.none))),
            },
            "keys" | "values" | "items" => {
                Ok(h.alloc_with(Obj::DictView(name), &[this]).expect("alloc"))
            }
            "pop" => match it.dict_del(h, this, a0)? {
                Some(v) => Ok(v),
                None => match args.get(1) {
                    Some(&d) => Ok(it.inc(h, d)),
                    None => {
                        let kc = it.inc(h, a0);
                        let c = it.types.borrow()["KeyError"];
                        let e = it.instantiate_exc(h, c, vec![kc]);
                        Err(Unwind::Exc(Box::new(PyExc {
                            obj: e,
                            tb: vec![],
                            context: None,
                        })))
                    }
                },
            },
            "popitem" => {
                let items = it.dict_items(h, this);
                match items.last() {
                    Some(&(k, v)) => {
                        let t = it.new_tuple_borrowed(h, &[k, v]);
                        if let Some(v) = it.dict_del(h, this, k)? {
                            it.dec(h, v);
                        }
                        Ok(t)
                    }
                    None => it.err(h, "KeyError", "popitem(): dictionary is empty"),
                }
            }
            "setdefault" => match it.dict_get(h, this, a0)? {
                Some(v) => Ok(it.inc(h, v)),
                None => {
                    let d = args.get(1).copied().unwrap_or(it.none);
                    let (k, v) = (it.inc(h, a0), it.inc(h, d));
                    it.dict_set(h, this, k, v)?;
                    Ok(it.inc(h, d))
                }
            },
            "update" => {
                if !args.is_empty() {
                    dict_update(it, h, this, a0)?;
                }
                for (k, v) in kw {
                    let ks = it.str_(h, k);
                    let v = it.inc(h, *v);
                    it.dict_set(h, this, ks, v)?;
                }
                Ok(it.none(h))
            }
            "clear" => {
                it.dict_written(h, this);
                let _ = h.clear_edges(this);
                if let Ok(Obj::Dict(ix)) = h.payload_mut(this) {
                    ix.map.clear();
                }
                Ok(it.none(h))
            }
            "copy" => {
                let d = it.new_dict(h);
                dict_update(it, h, d, this)?;
                Ok(d)
            }
            _ => Err(Unwind::Unsupported(it.line.get(), format!("dict.{name}"))),
        },
        Obj::Set(_) => match name {
            "add" => {
                let x = it.inc(h, a0);
                it.set_add(h, this, x)?;
                Ok(it.none(h))
            }
            "remove" | "discard" => {
                let found = it.set_remove(h, this, a0)?;
                if !found && name == "remove" {
                    let kc = it.inc(h, a0);
                    let c = it.types.borrow()["KeyError"];
                    let e = it.instantiate_exc(h, c, vec![kc]);
                    return Err(Unwind::Exc(Box::new(PyExc {
                        obj: e,
                        tb: vec![],
                        context: None,
                    })));
                }
                Ok(it.none(h))
            }
            "pop" => {
                let e = it.edges(h, this);
                match e.first() {
                    Some(&x) => {
                        it.inc(h, x);
                        it.set_remove(h, this, x)?;
                        Ok(x)
                    }
                    None => it.err(h, "KeyError", "pop from an empty set"),
                }
            }
            "clear" => {
                let _ = h.clear_edges(this);
                if let Ok(Obj::Set(ix)) = h.payload_mut(this) {
                    ix.map.clear();
                }
                Ok(it.none(h))
            }
            "copy" => set_op(it, h, Operator::BitOr, this, this),
            "update" => {
                let items = it.unpack_iterable(h, a0)?;
                let mut itr = items.into_iter();
                while let Some(x) = itr.next() {
                    if let Err(e) = it.set_add(h, this, x) {
                        it.dec_all(h, itr);
                        return Err(e);
                    }
                }
                Ok(it.none(h))
            }
            "union" | "intersection" | "difference" | "issubset" | "issuperset" => {
                let other = construct_inner(it, h, "set", &[a0], &[])?;
                let r = match name {
                    "union" => set_op(it, h, Operator::BitOr, this, other),
                    "intersection" => set_op(it, h, Operator::BitAnd, this, other),
                    "difference" => set_op(it, h, Operator::Sub, this, other),
                    "issubset" => ops::compare(it, h, ruff_python_ast::CmpOp::LtE, this, other),
                    _ => ops::compare(it, h, ruff_python_ast::CmpOp::GtE, this, other),
                };
                it.dec(h, other);
                r
            }
            _ => Err(Unwind::Unsupported(it.line.get(), format!("set.{name}"))),
        },
        _ => Err(Unwind::Unsupported(it.line.get(), format!("method {name}"))),
    }
}

/// Marks `IterState` as used (iterators are built in `interp`).
pub fn _iter_state_marker(_s: &IterState) {}
