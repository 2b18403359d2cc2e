//! The interpreter core: values, calls, attribute lookup, statements and expressions.
//!
//! Every value is an object of the heap. A value produced by evaluation is an *owned*
//! temporary: one external reference (`incref`) the code gives back (`decref`) when it
//! is done with it, or moves into a container edge, a frame slot or a callee. So the
//! counts the heap holds are the counts CPython's stack and objects hold.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Write;
use std::rc::{Rc, Weak};

use gclab::{CycleCollector, ObjId};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::code::{Access, Code, FuncDef, Kind, Scopes};
use crate::obj::{
    CLASS_BASE, CLASS_BASES, CLASS_DICT, CLASS_MRO, ClassInfo, DescrKind, HKey, Index, IterState,
    Obj,
};

/// The attribute-name list of an instance whose values moved into a dict (edge 1).
const DICT_MODE: &str = "\u{0}__dict__";

/// The heap every object lives in: gclab's heap behind the recording wrapper of
/// `gclab-py --trace` (`crate::record`).
pub type H<'h, C> = crate::record::Rec<'h, C>;

/// One traceback entry: frame depth, line, function name.
#[derive(Debug, Clone)]
pub struct TbEntry {
    /// Call depth of the frame.
    pub depth: usize,
    /// 1-based line.
    pub line: usize,
    /// Function name (`<module>` at module level).
    pub func: Rc<str>,
    /// The innermost expression of this frame the exception went through (for 3.11's
    /// `^^^^` markers).
    pub expr: Option<&'static Expr>,
}

/// A raised Python exception.
#[derive(Debug)]
pub struct PyExc {
    /// The exception instance (an owned reference).
    pub obj: ObjId,
    /// Where it went through, innermost first.
    pub tb: Vec<TbEntry>,
    /// The exceptions before it, rendered as CPython prints them above its traceback
    /// ("During handling of the above exception, ..." / "The above exception was the
    /// direct cause ..."); an empty string when suppressed (`raise ... from None`).
    pub context: Option<String>,
}

/// An exception being handled: the instance (borrowed from the handler's `PyExc`), its
/// traceback and what came before it (for bare `raise` and chained tracebacks).
pub type Handled = (ObjId, Vec<TbEntry>, Option<String>);

/// Why evaluation stopped early.
#[derive(Debug)]
pub enum Unwind {
    /// A Python exception.
    Exc(Box<PyExc>),
    /// `sys.exit(code)`.
    Exit(i32),
    /// A construct outside the subset: line and description.
    Unsupported(usize, String),
}

/// Result of evaluation.
pub type R<T> = Result<T, Unwind>;

/// What a comprehension does for each innermost iteration (in its own frame).
pub type CompBody<'b, C> = dyn FnMut(&Interp<C>, &mut H<C>, &Ctx) -> R<()> + 'b;

/// How a statement finished.
pub enum Flow {
    /// Fell through.
    Normal,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return value` (owned).
    Return(ObjId),
}

/// Whether two names are equal, compared inline byte by byte: names are short, and a
/// `memcmp` call per compared name (instance attribute names are searched linearly)
/// cost more than the loop.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The largest byte offset `Interp::line_of` keeps in its table.
const LINE_TABLE_MAX: usize = 1 << 24;

/// The most entries the attribute cache holds before it starts over.
const ATTR_CACHE_MAX: usize = 4096;

/// Cached class-attribute lookups: (class, the name's address and length) to the name
/// (compared on a hit, since a name's address may be reused) and the lookup's result.
#[derive(Default)]
struct AttrCache {
    ver: u64,
    map: HashMap<AttrKey, (Box<str>, Option<ObjId>), crate::obj::FxBuild>,
}

/// A cached global load: the globals dict, its version, the value (borrowed).
type GlobalEntry = (ObjId, u64, ObjId);

/// An attribute cache key: the class, the name's address and its length.
type AttrKey = (ObjId, usize, usize);

/// Where code runs: its scope, its frame, its globals and class namespace.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The scope.
    pub code: &'a Code,
    /// The frame object (slots), for functions and classes with cells.
    pub frame: Option<ObjId>,
    /// The globals dict.
    pub globals: ObjId,
    /// The class namespace dict, in a class body.
    pub ns: Option<ObjId>,
}

/// Builtin exception class names with their base.
pub const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", "object"),
    ("Exception", "BaseException"),
    ("SystemExit", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("AssertionError", "Exception"),
    ("AttributeError", "Exception"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("RuntimeError", "Exception"),
    ("RecursionError", "RuntimeError"),
    ("NotImplementedError", "RuntimeError"),
    ("StopIteration", "Exception"),
    ("TypeError", "Exception"),
    ("ValueError", "Exception"),
    ("UnicodeError", "ValueError"),
    ("OSError", "Exception"),
    ("ReferenceError", "Exception"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
];

/// Builtin types exposed as classes.
pub const TYPES: &[&str] = &[
    "object",
    "int",
    "float",
    "bool",
    "str",
    "list",
    "tuple",
    "dict",
    "set",
    "range",
    "type",
    "NoneType",
    "function",
    "cell",
    "frame",
    "method",
    "builtin_function_or_method",
    "module",
    "iterator",
    "slice",
    "property",
    "classmethod",
    "staticmethod",
    "super",
    "weakref.ReferenceType",
    "finalize",
    "dict_keys",
    "dict_values",
    "dict_items",
    "random.Random",
    "array.array",
    "getset_descriptor",
    "member_descriptor",
    "generator",
    "bytes",
];

/// Totals over every collection of a run (all strategies), for `--stats`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunStats {
    /// Objects collected.
    pub collected: u64,
    /// Objects found uncollectable.
    pub uncollectable: u64,
    /// Total pause.
    pub pause_total: std::time::Duration,
    /// Longest pause.
    pub pause_max: std::time::Duration,
    /// Objects examined (the collections' `candidates`).
    pub examined: u64,
    /// When the running collection started (its start event).
    pub started: Option<std::time::Instant>,
}

/// The interpreter: everything but the heap, shared with finalizers and callbacks.
pub struct Interp<C> {
    /// Itself, for closures registered on the heap.
    pub me: RefCell<Weak<Interp<C>>>,
    /// `None`.
    pub none: ObjId,
    /// `True`.
    pub true_: ObjId,
    /// `False`.
    pub false_: ObjId,
    /// The unbound marker.
    pub null: ObjId,
    /// Ints -5..=256.
    small: Vec<ObjId>,
    /// Builtin names.
    pub builtins: RefCell<HashMap<String, ObjId>>,
    /// Builtin types by name.
    pub types: RefCell<HashMap<&'static str, ObjId>>,
    /// Modules by name.
    pub modules: RefCell<HashMap<String, ObjId>>,
    /// The constant object each folded constant expression evaluates to, by node
    /// address (`crate::consts`).
    consts: RefCell<HashMap<usize, ObjId>>,
    /// Each constant object with the references the compiled program holds to it.
    const_refs: RefCell<Vec<(ObjId, usize)>>,
    /// The class of each live instance of a list subclass (a list object whose type is
    /// not `list`); each holds a reference to its class, released when it dies.
    pub list_class: RefCell<HashMap<ObjId, ObjId>>,
    /// Call depth.
    pub depth: Cell<usize>,
    /// `sys.getrecursionlimit()`.
    pub limit: Cell<usize>,
    /// Nesting of expression evaluation (bounded separately from calls).
    pub expr_depth: Cell<usize>,
    /// Standard output, buffered.
    pub out: RefCell<std::io::BufWriter<std::io::Stdout>>,
    /// Scopes of the program.
    pub scopes: RefCell<Scopes>,
    /// Line starts of the source (byte offsets).
    pub line_starts: RefCell<Vec<usize>>,
    /// Each byte offset's line, for the `line_starts` of that many lines (`line_of`).
    line_table: RefCell<(usize, Vec<u32>)>,
    /// The source.
    pub source: RefCell<&'static str>,
    /// The file name for tracebacks.
    pub filename: RefCell<String>,
    /// The line being executed.
    pub line: Cell<usize>,
    /// Exceptions being handled (for bare `raise`), owned.
    pub handling: RefCell<Vec<Handled>>,
    /// `gc.garbage`.
    pub gc_garbage: Cell<ObjId>,
    /// The innermost expression an exception went through at a depth: (depth,
    /// exception, expression).
    pub pending: Cell<Option<(usize, ObjId, &'static Expr)>>,
    /// The module's globals (`globals()`).
    pub main_globals: Cell<ObjId>,
    /// `gc.callbacks`.
    pub gc_callbacks: Cell<ObjId>,
    /// Objects alive after start-up: the interpreter's permanent ones.
    pub permanent: RefCell<std::collections::HashSet<ObjId>>,
    /// Interned attribute-name strings.
    interned: RefCell<HashMap<Rc<str>, ObjId>>,
    /// The class-attribute version: bumped whenever a class is created or a class
    /// namespace dict is written, so every cached lookup older than it is stale (the
    /// role of CPython's type version tags, `Objects/typeobject.c`, one counter for all
    /// classes).
    class_ver: Cell<u64>,
    /// Cached `class_lookup` results, valid while `class_ver` is unchanged.
    attr_cache: RefCell<AttrCache>,
    /// Cached global loads by name node address: (globals dict, its version then, the
    /// value, borrowed), see `load_node`.
    global_cache: RefCell<HashMap<usize, GlobalEntry, crate::obj::FxBuild>>,
    /// Shared names for payloads and hash keys.
    names: RefCell<std::collections::HashSet<Rc<str>, crate::obj::FxBuild>>,
    /// Collections observed.
    pub stats_collections: Cell<u64>,
    /// What the observed collections did (`--stats`).
    pub stats: RefCell<RunStats>,
    /// Each observed collection's pause in nanoseconds, in order (`--stats`' percentiles).
    pub pauses: RefCell<Vec<u64>>,
    /// The most objects the heap held, sampled at every Python call and as every
    /// collection starts (`--stats`' peak heap).
    pub peak_objects: Cell<usize>,
    /// `--dot DIR`: where pictures go.
    pub dot_dir: RefCell<Option<std::path::PathBuf>>,
    /// `--dot-line N`: lines before which a picture is written.
    pub dot_lines: RefCell<Vec<usize>>,
    /// Pictures written so far.
    pub dot_count: Cell<usize>,
}

fn lit_str(s: &ast::StringLiteralValue) -> String {
    s.to_str().to_owned()
}

/// A picture label for a payload: its type and scalar value.
pub fn label(o: &Obj) -> String {
    match o {
        Obj::Int(i) => i.to_string(),
        Obj::Float(f) => float_repr(*f),
        Obj::Bool(b) => if *b { "True" } else { "False" }.into(),
        Obj::None => "None".into(),
        Obj::Str(s) => {
            let short: String = s.chars().take(24).collect();
            str_repr(&short)
        }
        Obj::Func(d) => format!("function {}", d.qualname),
        Obj::Class(c) => format!("class {}", c.name),
        Obj::Instance(names) => {
            let n: Vec<&str> = names.iter().map(|n| &**n).collect();
            format!("instance\n.{}", n.join(" ."))
        }
        Obj::Module(m) => format!("module {m}"),
        Obj::Builtin(n) | Obj::BuiltinMethod(n) => format!("builtin {n}"),
        o => o.type_name().to_string(),
    }
}

/// `repr()` of a float, as Python prints it.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let e = format!("{x:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let e = exp as usize;
            if digits.len() > e + 1 {
                format!("{sign}{}.{}", &digits[..=e], &digits[e + 1..])
            } else {
                format!("{sign}{}{}.0", digits, "0".repeat(e + 1 - digits.len()))
            }
        } else {
            format!("{sign}0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        }
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        format!(
            "{sign}{m}e{}{:02}",
            if exp < 0 { "-" } else { "+" },
            exp.abs()
        )
    }
}

/// Python's `repr()` of a str.
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c)
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

impl<C: CycleCollector> Interp<C> {
    /// A new interpreter with its permanent objects allocated on `h`.
    pub fn new(h: &mut H<C>) -> Rc<Interp<C>> {
        let none = h.alloc_atomic(Obj::None);
        let true_ = h.alloc_atomic(Obj::Bool(true));
        let false_ = h.alloc_atomic(Obj::Bool(false));
        let null = h.alloc_atomic(Obj::Null);
        let small = (-5..=256).map(|i| h.alloc_atomic(Obj::Int(i))).collect();
        let it = Rc::new(Interp {
            me: RefCell::new(Weak::new()),
            none,
            true_,
            false_,
            null,
            small,
            builtins: RefCell::default(),
            types: RefCell::default(),
            modules: RefCell::default(),
            consts: RefCell::default(),
            const_refs: RefCell::default(),
            list_class: RefCell::default(),
            depth: Cell::new(0),
            limit: Cell::new(1000),
            expr_depth: Cell::new(0),
            out: RefCell::new(std::io::BufWriter::new(std::io::stdout())),
            scopes: RefCell::default(),
            line_starts: RefCell::default(),
            line_table: RefCell::default(),
            source: RefCell::new(""),
            filename: RefCell::new(String::new()),
            line: Cell::new(0),
            handling: RefCell::default(),
            gc_garbage: Cell::new(none),
            main_globals: Cell::new(none),
            pending: Cell::new(None),
            gc_callbacks: Cell::new(none),
            permanent: RefCell::default(),
            interned: RefCell::default(),
            class_ver: Cell::new(0),
            attr_cache: RefCell::default(),
            global_cache: RefCell::default(),
            names: RefCell::default(),
            stats_collections: Cell::new(0),
            stats: RefCell::default(),
            pauses: RefCell::default(),
            peak_objects: Cell::new(0),
            dot_dir: RefCell::new(None),
            dot_lines: RefCell::new(Vec::new()),
            dot_count: Cell::new(0),
        });
        *it.me.borrow_mut() = Rc::downgrade(&it);
        it.init_types(h);
        crate::builtins::install(&it, h);
        it
    }

    /// Allocates the program's constants (`crate::consts`): one object per distinct
    /// folded value, held by as many references as CPython's compiled program holds
    /// (its `co_consts` tuples and the parsed tree), and constant tuples over the merged
    /// items. Evaluating a folded expression then returns its object.
    pub fn install_constants(&self, h: &mut H<C>, body: &'static [Stmt]) {
        let c = crate::consts::Constants::collect(body);
        let mut made: HashMap<crate::consts::Key, ObjId> = HashMap::new();
        let mut refs = Vec::with_capacity(c.refs.len());
        for (k, n) in &c.refs {
            let o = self.const_obj(h, &mut made, k);
            refs.push((o, *n));
        }
        // each was made with one reference (the parsed tree's); the co_consts ones
        for &(o, n) in &refs {
            for _ in 1..n {
                self.inc(h, o);
            }
        }
        let by_node = c
            .by_node
            .into_iter()
            .filter_map(|(node, k)| made.get(&k).map(|&o| (node, o)))
            .collect();
        *self.consts.borrow_mut() = by_node;
        *self.const_refs.borrow_mut() = refs;
    }

    /// The object of constant `k`: made once (one reference, kept in `made`) unless a
    /// singleton (a small int), whose returned reference the caller owns.
    fn const_obj(
        &self,
        h: &mut H<C>,
        made: &mut HashMap<crate::consts::Key, ObjId>,
        k: &crate::consts::Key,
    ) -> ObjId {
        use crate::consts::Key;
        if let Some(&o) = made.get(k) {
            return o;
        }
        let o = match k {
            Key::None => return self.none(h),
            Key::Bool(b) => return self.bool_(h, *b),
            Key::Int(i) if k.is_singleton() => return self.int(h, *i),
            Key::Int(i) => self.int(h, *i),
            Key::Float(f) => self.float(h, f64::from_bits(*f)),
            Key::Str(s) => self.str_(h, s),
            Key::Tuple(items) => {
                // nesting is bounded by the folder (consts::MAX_NESTING)
                let objs: Vec<ObjId> = items.iter().map(|i| self.const_obj(h, made, i)).collect();
                let t = self.new_tuple_borrowed(h, &objs);
                for (i, o) in items.iter().zip(objs) {
                    if !made.contains_key(i) {
                        self.dec(h, o); // a singleton's reference
                    }
                }
                t
            }
        };
        made.insert(k.clone(), o);
        o
    }

    /// Gives back the references the program's constants hold (at teardown).
    pub fn release_constants(&self, h: &mut H<C>) {
        self.consts.borrow_mut().clear();
        let refs = std::mem::take(&mut *self.const_refs.borrow_mut());
        for (o, n) in refs {
            for _ in 0..n {
                self.dec(h, o);
            }
        }
    }

    /// This interpreter as an `Rc`, for closures.
    pub fn rc(&self) -> Rc<Interp<C>> {
        self.me.borrow().upgrade().expect("interpreter alive")
    }

    fn init_types(&self, h: &mut H<C>) {
        let mut made: HashMap<&'static str, ObjId> = HashMap::new();
        for &t in TYPES {
            let bases = if t == "object" {
                vec![]
            } else {
                vec![made["object"]]
            };
            let c = self.make_class_raw(h, t.rsplit('.').next().unwrap_or(t), Some(t), &bases);
            made.insert(t, c);
        }
        for &(e, base) in EXCEPTIONS {
            let c = self.make_class_raw(h, e, Some(e), &[made[base]]);
            made.insert(e, c);
        }
        for (cls, name) in [
            ("object", "object.__init__"),
            ("BaseException", "BaseException.__init__"),
        ] {
            let f = h.alloc_atomic(Obj::Builtin(name));
            let d = self.edge(h, made[cls], 0);
            self.dict_set_str(h, d, "__init__", f);
        }
        let mut b = self.builtins.borrow_mut();
        for (&k, &v) in &made {
            if !k.contains('_') || k == "NoneType" {
                b.insert(k.to_owned(), v);
            }
        }
        *self.types.borrow_mut() = made;
    }

    /// Allocates a builtin (or module-made) class with these bases (borrowed),
    /// computing its MRO (C3); its base is the first base (`None` for `object`).
    pub fn make_class_raw(
        &self,
        h: &mut H<C>,
        name: &str,
        builtin: Option<&'static str>,
        bases: &[ObjId],
    ) -> ObjId {
        let dict = self.new_dict(h);
        self.mark_class_ns(h, dict);
        let rest = self.c3(h, bases).unwrap_or_default();
        let has_del = rest
            .iter()
            .any(|&c| self.class_dict_get(h, c, "__del__").is_some());
        let info = ClassInfo {
            name: name.into(),
            builtin,
            has_del,
        };
        let base = bases.first().copied().unwrap_or(self.none);
        self.alloc_class(h, info, dict, bases, &rest, base)
    }

    /// Allocates a class object over its namespace `ns` (owned): edges `dict, mro,
    /// bases, base` ([`Obj::Class`]), the MRO tuple being the class itself followed by
    /// `rest` (the C3 linearisation of `bases`, borrowed), so the class and its MRO
    /// make a reference cycle as in CPython (`type_new` sets `tp_mro` to a tuple whose
    /// first item is the type).
    fn alloc_class(
        &self,
        h: &mut H<C>,
        info: ClassInfo,
        ns: ObjId,
        bases: &[ObjId],
        rest: &[ObjId],
        base: ObjId,
    ) -> ObjId {
        let bases_t = self.new_tuple_borrowed(h, bases);
        let cls = h
            .alloc_with(Obj::Class(Rc::new(info)), &[ns, self.none, bases_t, base])
            .expect("alloc");
        let mut mro = Vec::with_capacity(rest.len() + 1);
        mro.push(cls);
        mro.extend_from_slice(rest);
        let mro_t = self.new_tuple_borrowed(h, &mro);
        let _ = h.set_edge(cls, CLASS_MRO, mro_t);
        self.dec_all(h, [ns, bases_t, mro_t]);
        self.classes_changed();
        cls
    }

    /// Whether `a` is `b` or a subclass of it.
    fn is_subclass(&self, h: &H<C>, a: ObjId, b: ObjId) -> bool {
        a == b || self.mro(h, a).contains(&b)
    }

    /// Whether a builtin class is `BaseException` or one of its subclasses.
    fn is_builtin_exception(&self, h: &H<C>, c: ObjId) -> bool {
        let be = self.types.borrow().get("BaseException").copied();
        be.is_some_and(|be| self.is_subclass(h, c, be))
    }

    /// Whether instances of `c` have a `__dict__` slot or a `__weakref__` slot
    /// (CPython's `tp_dictoffset != 0` / `tp_weaklistoffset != 0`): some class of
    /// the MRO has the descriptor, or, for the dict, it is an exception class
    /// (`BaseException` has a `__dict__`).
    fn layout_has(&self, h: &H<C>, c: ObjId, weak: bool) -> bool {
        if !weak && self.is_builtin_exception(h, c) {
            return true;
        }
        self.mro(h, c).into_iter().any(|k| {
            let key = if weak { "__weakref__" } else { "__dict__" };
            self.class_dict_get(h, k, key).is_some_and(|d| {
                matches!(
                    (self.p(h, d), weak),
                    (Obj::Descr(DescrKind::Weakref), true) | (Obj::Descr(DescrKind::Dict), false)
                )
            })
        })
    }

    /// The most derived class whose instance layout `c`'s instances share (CPython's
    /// `solid_base`): a class with `__slots__` members is its own, `__dict__` and
    /// `__weakref__` add nothing, builtin exceptions share `BaseException`'s.
    fn solid_base(&self, h: &H<C>, c: ObjId) -> ObjId {
        let mut c = c;
        loop {
            let Obj::Class(ci) = self.p(h, c) else {
                return c;
            };
            if ci.builtin.is_some() {
                if self.is_builtin_exception(h, c) {
                    return self.types.borrow()["BaseException"];
                }
                return c;
            }
            let d = self.edge(h, c, CLASS_DICT);
            let members = self
                .edges(h, d)
                .iter()
                .skip(1)
                .step_by(2)
                .any(|&v| matches!(self.p(h, v), Obj::Descr(DescrKind::Member(_))));
            if members {
                return c;
            }
            c = self.edge(h, c, CLASS_BASE);
        }
    }

    /// The base whose instance layout a new class extends (CPython's `best_base`), or
    /// `None` when two bases' layouts conflict.
    fn best_base(&self, h: &H<C>, bases: &[ObjId]) -> Option<ObjId> {
        let mut winner: Option<(ObjId, ObjId)> = None;
        for &b in bases {
            let cand = self.solid_base(h, b);
            match winner {
                None => winner = Some((cand, b)),
                Some((w, _)) if self.is_subclass(h, w, cand) => {}
                Some((w, _)) if self.is_subclass(h, cand, w) => winner = Some((cand, b)),
                Some(_) => return None,
            }
        }
        winner.map(|(_, b)| b)
    }

    /// C3 linearisation of the bases' MROs (without the class itself); on failure,
    /// the heads of the lists left to merge, in order and once each (what CPython's
    /// `set_mro_error` names).
    fn c3(&self, h: &H<C>, bases: &[ObjId]) -> Result<Vec<ObjId>, Vec<ObjId>> {
        let mut seqs: Vec<Vec<ObjId>> = bases.iter().map(|&b| self.mro(h, b)).collect();
        seqs.push(bases.to_vec());
        let mut out = vec![];
        loop {
            seqs.retain(|s| !s.is_empty());
            if seqs.is_empty() {
                return Ok(out);
            }
            let mut found = None;
            for s in &seqs {
                let cand = s[0];
                if !seqs.iter().any(|t| t[1..].contains(&cand)) {
                    found = Some(cand);
                    break;
                }
            }
            let Some(c) = found else {
                let mut heads: Vec<ObjId> = vec![];
                for s in &seqs {
                    if !heads.contains(&s[0]) {
                        heads.push(s[0]);
                    }
                }
                return Err(heads);
            };
            out.push(c);
            for s in &mut seqs {
                if s[0] == c {
                    s.remove(0);
                }
            }
        }
    }

    /// The full MRO of a class, itself first.
    pub fn mro(&self, h: &H<C>, cls: ObjId) -> Vec<ObjId> {
        h.edges(cls)
            .ok()
            .and_then(|e| e.get(CLASS_MRO))
            .and_then(|t| h.edges(t).ok())
            .filter(|m| m.get(0) == Some(cls))
            .map_or_else(|| vec![cls], |m| m.to_vec())
    }

    // ---------------------------------------------------------------- references

    /// Takes a reference.
    pub fn inc(&self, h: &mut H<C>, id: ObjId) -> ObjId {
        let _ = h.incref(id);
        id
    }

    /// Gives a reference back.
    pub fn dec(&self, h: &mut H<C>, id: ObjId) {
        let _ = h.decref(id);
    }

    /// Gives references back.
    pub fn dec_all(&self, h: &mut H<C>, ids: impl IntoIterator<Item = ObjId>) {
        for id in ids {
            self.dec(h, id);
        }
    }

    /// The payload.
    pub fn p<'h>(&self, h: &'h H<C>, id: ObjId) -> &'h Obj {
        h.payload(id).unwrap_or(&Obj::Null)
    }

    /// The edges, copied.
    pub fn edges(&self, h: &H<C>, id: ObjId) -> Vec<ObjId> {
        h.edges(id).map(|e| e.to_vec()).unwrap_or_default()
    }

    /// The number of edges (no copy).
    pub fn nedges(&self, h: &H<C>, id: ObjId) -> usize {
        h.edges(id).map(|e| e.len()).unwrap_or(0)
    }

    /// A new frame for `code` (owned), every slot unbound; the slots come from a stack
    /// buffer for the usual small frame, not a fresh vector per call.
    pub fn alloc_frame(&self, h: &mut H<C>, code: &Rc<Code>) -> ObjId {
        let n = code.slots.len();
        let small = [self.null; 32];
        let big;
        let slots: &[ObjId] = if n <= small.len() {
            &small[..n]
        } else {
            big = vec![self.null; n];
            &big
        };
        h.alloc_with(Obj::Frame(code.clone()), slots)
            .expect("alloc")
    }

    /// Edge `i` of `id` (borrowed), `NULL` where there is none.
    pub fn edge(&self, h: &H<C>, id: ObjId, i: usize) -> ObjId {
        h.edges(id).ok().and_then(|e| e.get(i)).unwrap_or(self.null)
    }

    // ---------------------------------------------------------------- constructors

    /// `None`, owned.
    pub fn none(&self, h: &mut H<C>) -> ObjId {
        self.inc(h, self.none)
    }

    /// A bool, owned.
    pub fn bool_(&self, h: &mut H<C>, b: bool) -> ObjId {
        self.inc(h, if b { self.true_ } else { self.false_ })
    }

    /// An int, owned.
    pub fn int(&self, h: &mut H<C>, i: i64) -> ObjId {
        if (-5..=256).contains(&i) {
            let id = self.small[(i + 5) as usize];
            return self.inc(h, id);
        }
        h.alloc_atomic(Obj::Int(i))
    }

    /// A float, owned.
    pub fn float(&self, h: &mut H<C>, x: f64) -> ObjId {
        h.alloc_atomic(Obj::Float(x))
    }

    /// A str, owned.
    pub fn str_(&self, h: &mut H<C>, s: &str) -> ObjId {
        h.alloc_atomic(Obj::Str(s.into()))
    }

    /// An interned str (identifiers: dict keys of names and attributes), owned.
    pub fn intern(&self, h: &mut H<C>, s: &str) -> ObjId {
        if let Some(&id) = self.interned.borrow().get(s) {
            if h.contains(id) {
                return self.inc(h, id);
            }
        }
        let id = h.alloc_atomic(Obj::Str(s.into()));
        self.interned.borrow_mut().insert(s.into(), id);
        // the interned table keeps one reference, as CPython's interned dict does
        self.inc(h, id)
    }

    /// A list of owned items, owned.
    pub fn new_list(&self, h: &mut H<C>, items: Vec<ObjId>) -> ObjId {
        let l = h.alloc_with(Obj::List, &items).expect("alloc");
        self.dec_all(h, items);
        l
    }

    /// A tuple of owned items, owned.
    pub fn new_tuple(&self, h: &mut H<C>, items: Vec<ObjId>) -> ObjId {
        let t = self.new_tuple_borrowed(h, &items);
        self.dec_all(h, items);
        t
    }

    /// A tuple of borrowed items, owned.
    pub fn new_tuple_borrowed(&self, h: &mut H<C>, items: &[ObjId]) -> ObjId {
        h.alloc_immutable(Obj::Tuple, items).expect("alloc")
    }

    /// An empty dict, owned.
    pub fn new_dict(&self, h: &mut H<C>) -> ObjId {
        h.alloc_lazy(Obj::Dict(Box::default()))
    }

    /// An empty set, owned.
    pub fn new_set(&self, h: &mut H<C>) -> ObjId {
        h.alloc(Obj::Set(Box::default()))
    }

    // ---------------------------------------------------------------- exceptions

    /// A new exception of builtin class `cls` with message `msg`.
    pub fn exc(&self, h: &mut H<C>, cls: &str, msg: &str) -> Unwind {
        let c = self.types.borrow().get(cls).copied().unwrap_or(self.null);
        let args = if msg.is_empty() {
            vec![]
        } else {
            vec![self.str_(h, msg)]
        };
        let inst = self.instantiate_exc(h, c, args);
        Unwind::Exc(Box::new(PyExc {
            obj: inst,
            tb: vec![],
            context: None,
        }))
    }

    /// An exception instance of class `c` with owned args.
    pub fn instantiate_exc(&self, h: &mut H<C>, c: ObjId, args: Vec<ObjId>) -> ObjId {
        let t = self.new_tuple(h, args);
        let inst = h
            .alloc_with(Obj::Instance(vec!["args".into()]), &[c, t])
            .expect("alloc");
        self.dec(h, t);
        inst
    }

    /// Shorthand for an `Err` of a new exception.
    pub fn err<T>(&self, h: &mut H<C>, cls: &str, msg: &str) -> R<T> {
        Err(self.exc(h, cls, msg))
    }

    /// The unsupported-construct error.
    pub fn unsupported<T>(&self, line: usize, what: &str) -> R<T> {
        Err(Unwind::Unsupported(
            line,
            format!("{what} is not supported"),
        ))
    }

    /// The 1-based line of a byte offset: read from a table of every offset's line
    /// (built on first use, rebuilt if `line_starts` changes; each statement asks), so
    /// that the binary search over the line starts runs once per offset, not per step.
    pub fn line_of(&self, off: usize) -> usize {
        let ls = self.line_starts.borrow();
        {
            let t = self.line_table.borrow();
            if t.0 == ls.len() {
                if let Some(&l) = t.1.get(off) {
                    return l as usize;
                }
            }
        }
        let search = |o: usize| match ls.binary_search(&o) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        let line = search(off);
        // The table covers the source (its last line start plus a line's worth, and
        // any offset asked for up to a bound), never an arbitrary offset.
        let end = ls.last().copied().unwrap_or(0).saturating_add(1 << 12);
        if off < end && off < LINE_TABLE_MAX {
            let mut t = self.line_table.borrow_mut();
            if t.0 != ls.len() {
                *t = (ls.len(), Vec::new());
            }
            let mut o = t.1.len();
            while o <= off {
                let l = u32::try_from(search(o)).unwrap_or(u32::MAX);
                t.1.push(l);
                o += 1;
            }
        }
        line
    }

    /// Whether the exception instance `e` is an instance of class (or tuple of classes) `c`.
    pub fn exc_matches(&self, h: &H<C>, e: ObjId, c: ObjId) -> bool {
        if let Obj::Tuple = self.p(h, c) {
            return self
                .edges(h, c)
                .into_iter()
                .any(|x| self.exc_matches(h, e, x));
        }
        let ec = self.type_of(h, e);
        self.mro(h, ec).contains(&c)
    }

    // ---------------------------------------------------------------- types

    /// The class of any object (borrowed).
    pub fn type_of(&self, h: &H<C>, id: ObjId) -> ObjId {
        let t = self.types.borrow();
        match self.p(h, id) {
            Obj::Instance(_) => self.edge(h, id, 0),
            Obj::Class(_) => t["type"],
            Obj::List => match self.list_class.borrow().get(&id) {
                Some(&c) => c,
                None => t["list"],
            },
            o => t.get(o.type_name()).copied().unwrap_or(t["object"]),
        }
    }

    /// The class name of any object.
    pub fn type_name(&self, h: &H<C>, id: ObjId) -> String {
        let c = self.type_of(h, id);
        match self.p(h, c) {
            Obj::Class(ci) => ci.name.to_string(),
            _ => "object".into(),
        }
    }

    /// Looks `name` up in a class's own dict (borrowed result).
    pub fn class_dict_get(&self, h: &H<C>, cls: ObjId, name: &str) -> Option<ObjId> {
        let d = self.edge(h, cls, CLASS_DICT);
        self.dict_get_str(h, d, name)
    }

    /// Looks `name` up along a class's MRO (borrowed result), through the attribute
    /// cache: a result is reused while no class was created and no class namespace was
    /// written since it was found (`class_ver`).
    pub fn class_lookup(&self, h: &H<C>, cls: ObjId, name: &str) -> Option<ObjId> {
        if !matches!(h.payload(cls), Ok(Obj::Class(_))) {
            return self.class_lookup_uncached(h, cls, name);
        }
        let key = (cls, name.as_ptr() as usize, name.len());
        let ver = self.class_ver.get();
        {
            let mut cache = self.attr_cache.borrow_mut();
            if cache.ver != ver || cache.map.len() >= ATTR_CACHE_MAX {
                cache.map.clear();
                cache.ver = ver;
            }
            if let Some((n, v)) = cache.map.get(&key) {
                // Same address and length: the text is compared byte by byte inline
                // (names are short; a `memcmp` call cost more than the loop).
                if same_name(n, name) {
                    return *v;
                }
            }
        }
        let v = self.class_lookup_uncached(h, cls, name);
        self.attr_cache
            .borrow_mut()
            .map
            .insert(key, (name.into(), v));
        v
    }

    /// Invalidates every cached attribute lookup (a class was made or a class namespace
    /// written).
    pub fn classes_changed(&self) {
        self.class_ver.set(self.class_ver.get().wrapping_add(1));
    }

    /// Marks dict `d` as a class namespace, so that writes to it invalidate the attribute
    /// cache, and invalidates the cache (a class is being made).
    pub fn mark_class_ns(&self, h: &mut H<C>, d: ObjId) {
        if let Ok(Obj::Dict(ix)) = h.payload_mut(d) {
            ix.class_ns = true;
        }
        self.classes_changed();
    }

    /// Notes a write to dict `d`: bumps its version, and invalidates the attribute
    /// cache if it is a class namespace.
    pub fn dict_written(&self, h: &mut H<C>, d: ObjId) {
        if let Ok(Obj::Dict(ix)) = h.payload_mut(d) {
            ix.ver = ix.ver.wrapping_add(1);
            if ix.class_ns {
                self.classes_changed();
            }
        }
    }

    fn class_lookup_uncached(&self, h: &H<C>, cls: ObjId, name: &str) -> Option<ObjId> {
        let key = HKey::Str(self.name_rc(name));
        let get = |c: ObjId| -> Option<ObjId> {
            let d = h.edges(c).ok()?.get(CLASS_DICT)?;
            let i = *self.dict_index(h, d)?.map.get(&key)?;
            h.edges(d).ok()?.get(2 * i + 1)
        };
        let mro = h.edges(cls).ok()?.get(CLASS_MRO)?;
        if h.edges(mro).ok()?.get(0) != Some(cls) {
            return None; // a class being made: its MRO is not set yet
        }
        let n = h.edges(mro).ok()?.len();
        for i in 0..n {
            let c = h.edges(mro).ok()?.get(i)?;
            if let Some(v) = get(c) {
                return Some(v);
            }
        }
        None
    }

    /// A shared `Rc<str>` for a name (no allocation once seen).
    pub fn name_rc(&self, name: &str) -> Rc<str> {
        if let Some(r) = self.names.borrow().get(name) {
            return r.clone();
        }
        let r: Rc<str> = name.into();
        self.names.borrow_mut().insert(r.clone());
        r
    }

    /// A special method of an instance's class (borrowed), only for user instances.
    pub fn special(&self, h: &H<C>, obj: ObjId, name: &str) -> Option<ObjId> {
        match self.p(h, obj) {
            Obj::Instance(_) => {
                let c = self.edge(h, obj, 0);
                let f = self.class_lookup(h, c, name)?;
                matches!(self.p(h, f), Obj::Func(_)).then_some(f)
            }
            _ => None,
        }
    }

    /// Calls the special method `name` of `obj` with owned `args`, if it has one.
    pub fn call_special(
        &self,
        h: &mut H<C>,
        obj: ObjId,
        name: &str,
        args: Vec<ObjId>,
    ) -> R<Option<ObjId>> {
        match self.special(h, obj, name) {
            Some(f) => {
                let mut a = vec![self.inc(h, obj)];
                a.extend(args);
                self.call(h, f, a, vec![]).map(Some)
            }
            None => {
                self.dec_all(h, args);
                Ok(None)
            }
        }
    }

    // ---------------------------------------------------------------- dicts

    /// The hash key of an object.
    pub fn hkey(&self, h: &mut H<C>, id: ObjId) -> R<HKey> {
        Ok(match self.p(h, id) {
            Obj::Int(i) => HKey::Int(*i),
            Obj::Bool(b) => HKey::Int(*b as i64),
            Obj::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 9.0e18 {
                    HKey::Int(*f as i64)
                } else {
                    HKey::Float(f.to_bits())
                }
            }
            Obj::Str(s) => HKey::Str(s.clone()),
            Obj::Bytes(b) => HKey::Bytes(b.clone()),
            Obj::None => HKey::None,
            Obj::Tuple => {
                self.enter(h)?;
                let mut v = vec![];
                for e in self.edges(h, id) {
                    match self.hkey(h, e) {
                        Ok(k) => v.push(k),
                        Err(x) => {
                            self.leave();
                            return Err(x);
                        }
                    }
                }
                self.leave();
                HKey::Tuple(v)
            }
            Obj::List | Obj::Dict(_) | Obj::Set(_) => {
                let t = self.type_name(h, id);
                return self.err(h, "TypeError", &format!("unhashable type: '{t}'"));
            }
            Obj::Instance(_) => {
                if let Some(r) = self.call_special(h, id, "__hash__", vec![])? {
                    let v = match self.p(h, r) {
                        Obj::Int(i) => *i,
                        _ => 0,
                    };
                    self.dec(h, r);
                    HKey::Custom(v)
                } else if self.special(h, id, "__eq__").is_some() {
                    let t = self.type_name(h, id);
                    return self.err(h, "TypeError", &format!("unhashable type: '{t}'"));
                } else {
                    HKey::Id(h.id(id).unwrap_or(0))
                }
            }
            _ => HKey::Id(h.id(id).unwrap_or(0)),
        })
    }

    fn dict_index<'h>(&self, h: &'h H<C>, d: ObjId) -> Option<&'h Index> {
        match h.payload(d).ok()? {
            Obj::Dict(i) | Obj::Set(i) => Some(i),
            _ => None,
        }
    }

    /// The value for a str key (borrowed).
    pub fn dict_get_str(&self, h: &H<C>, d: ObjId, key: &str) -> Option<ObjId> {
        let i = *self
            .dict_index(h, d)?
            .map
            .get(&HKey::Str(self.name_rc(key)))?;
        h.edges(d).ok()?.get(2 * i + 1)
    }

    /// The value for a key (borrowed).
    pub fn dict_get(&self, h: &mut H<C>, d: ObjId, key: ObjId) -> R<Option<ObjId>> {
        let k = self.hkey(h, key)?;
        Ok(self
            .dict_index(h, d)
            .and_then(|ix| ix.map.get(&k).copied())
            .and_then(|i| h.edges(d).ok()?.get(2 * i + 1)))
    }

    /// Sets `d[key] = value`; `key` and `value` are owned.
    pub fn dict_set(&self, h: &mut H<C>, d: ObjId, key: ObjId, value: ObjId) -> R<()> {
        self.dict_written(h, d);
        let k = match self.hkey(h, key) {
            Ok(k) => k,
            Err(e) => {
                self.dec_all(h, [key, value]);
                return Err(e);
            }
        };
        let pos = self.dict_index(h, d).and_then(|ix| ix.map.get(&k).copied());
        match pos {
            Some(i) => {
                let _ = h.set_edge(d, 2 * i + 1, value);
                self.dec_all(h, [key, value]);
            }
            None => {
                let n = h.edges(d).map(|e| e.len()).unwrap_or(0) / 2;
                if let Ok(Obj::Dict(ix)) = h.payload_mut(d) {
                    ix.map.insert(k, n);
                }
                let _ = h.link(d, key);
                let _ = h.link(d, value);
                self.dec_all(h, [key, value]);
            }
        }
        Ok(())
    }

    /// Sets a str-keyed entry; `value` owned.
    pub fn dict_set_str(&self, h: &mut H<C>, d: ObjId, key: &str, value: ObjId) {
        let k = self.intern(h, key);
        let _ = self.dict_set(h, d, k, value);
    }

    /// Removes `d[key]`, returning the value (owned) if it was there.
    pub fn dict_del(&self, h: &mut H<C>, d: ObjId, key: ObjId) -> R<Option<ObjId>> {
        let k = self.hkey(h, key)?;
        self.dict_del_hkey(h, d, &k)
    }

    /// Removes an entry by hash key, returning the value (owned).
    pub fn dict_del_hkey(&self, h: &mut H<C>, d: ObjId, k: &HKey) -> R<Option<ObjId>> {
        let Some(i) = self.dict_index(h, d).and_then(|ix| ix.map.get(k).copied()) else {
            return Ok(None);
        };
        self.dict_written(h, d);
        if let Ok(Obj::Dict(ix)) = h.payload_mut(d) {
            ix.map.remove(k);
            for v in ix.map.values_mut() {
                if *v > i {
                    *v -= 1;
                }
            }
        }
        let kk = self.edge(h, d, 2 * i);
        let v = self.edge(h, d, 2 * i + 1);
        self.inc(h, v);
        self.inc(h, kk);
        let _ = h.remove_edge(d, 2 * i + 1);
        let _ = h.remove_edge(d, 2 * i);
        self.dec(h, kk);
        Ok(Some(v))
    }

    /// Dict entries (borrowed).
    pub fn dict_items(&self, h: &H<C>, d: ObjId) -> Vec<(ObjId, ObjId)> {
        self.edges(h, d).chunks(2).map(|c| (c[0], c[1])).collect()
    }

    /// Adds an owned element to a set.
    pub fn set_add(&self, h: &mut H<C>, s: ObjId, x: ObjId) -> R<()> {
        let k = match self.hkey(h, x) {
            Ok(k) => k,
            Err(e) => {
                self.dec(h, x);
                return Err(e);
            }
        };
        let n = h.edges(s).map(|e| e.len()).unwrap_or(0);
        let new = match h.payload_mut(s) {
            Ok(Obj::Set(ix)) if !ix.map.contains_key(&k) => {
                ix.map.insert(k, n);
                true
            }
            _ => false,
        };
        if new {
            let _ = h.link(s, x);
        }
        self.dec(h, x);
        Ok(())
    }

    /// Removes an element of a set; whether it was there.
    pub fn set_remove(&self, h: &mut H<C>, s: ObjId, x: ObjId) -> R<bool> {
        let k = self.hkey(h, x)?;
        let Some(i) = self.dict_index(h, s).and_then(|ix| ix.map.get(&k).copied()) else {
            return Ok(false);
        };
        if let Ok(Obj::Set(ix)) = h.payload_mut(s) {
            ix.map.remove(&k);
            for v in ix.map.values_mut() {
                if *v > i {
                    *v -= 1;
                }
            }
        }
        let _ = h.remove_edge(s, i);
        Ok(true)
    }

    /// Whether a set contains x.
    pub fn set_contains(&self, h: &mut H<C>, s: ObjId, x: ObjId) -> R<bool> {
        let k = self.hkey(h, x)?;
        Ok(self
            .dict_index(h, s)
            .is_some_and(|ix| ix.map.contains_key(&k)))
    }

    // ---------------------------------------------------------------- names

    /// Loads the value of a name node (owned), its scope resolved once per node. A
    /// global's value (from the globals or the builtins, which never change after
    /// start-up) is cached per node while the globals dict's version is unchanged
    /// (CPython 3.11's `LOAD_GLOBAL` cache keyed by the dict's keys version,
    /// `Python/specialize.c`).
    pub fn load_node(&self, h: &mut H<C>, cx: &Ctx, n: &'static ast::ExprName) -> R<ObjId> {
        let access = cx.code.access_node(n);
        if access == Access::Global {
            if let Ok(Obj::Dict(ix)) = h.payload(cx.globals) {
                let ver = ix.ver;
                let key = n as *const ast::ExprName as usize;
                let hit = self.global_cache.borrow().get(&key).copied();
                if let Some((g, v, val)) = hit {
                    if g == cx.globals && v == ver && h.payload(val).is_ok() {
                        return Ok(self.inc(h, val));
                    }
                }
                let val = self.load_global(h, cx.globals, n.id.as_str())?;
                self.global_cache
                    .borrow_mut()
                    .insert(key, (cx.globals, ver, val));
                return Ok(val);
            }
        }
        self.load_access(h, cx, access, n.id.as_str())
    }

    /// Loads `name`, reached by `access` (owned).
    fn load_access(&self, h: &mut H<C>, cx: &Ctx, access: Access, name: &str) -> R<ObjId> {
        match access {
            Access::Local(s) => {
                let v = self.edge(h, cx.frame.unwrap_or(self.null), s);
                if v == self.null {
                    return self.err(
                        h,
                        "UnboundLocalError",
                        &format!("cannot access local variable '{name}' where it is not associated with a value"),
                    );
                }
                Ok(self.inc(h, v))
            }
            Access::Cell(s) => {
                let c = self.edge(h, cx.frame.unwrap_or(self.null), s);
                let v = self.edge(h, c, 0);
                if v == self.null {
                    return self.err(
                        h,
                        "NameError",
                        &format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope"),
                    );
                }
                Ok(self.inc(h, v))
            }
            Access::ClassNs => {
                if let Some(ns) = cx.ns {
                    if let Some(v) = self.dict_get_str(h, ns, name) {
                        return Ok(self.inc(h, v));
                    }
                }
                self.load_global(h, cx.globals, name)
            }
            Access::Global => self.load_global(h, cx.globals, name),
        }
    }

    /// Loads a global or builtin (owned).
    pub fn load_global(&self, h: &mut H<C>, globals: ObjId, name: &str) -> R<ObjId> {
        if let Some(v) = self.dict_get_str(h, globals, name) {
            return Ok(self.inc(h, v));
        }
        let b = self.builtins.borrow().get(name).copied();
        match b {
            Some(v) => Ok(self.inc(h, v)),
            None => self.err(h, "NameError", &format!("name '{name}' is not defined")),
        }
    }

    /// Binds a name to an owned value.
    pub fn store_name(&self, h: &mut H<C>, cx: &Ctx, name: &str, v: ObjId) -> R<()> {
        self.store_access(h, cx, cx.code.access(name), name, v)
    }

    /// Binds a name node to an owned value, its scope resolved once per node.
    pub fn store_node(&self, h: &mut H<C>, cx: &Ctx, n: &'static ast::ExprName, v: ObjId) -> R<()> {
        self.store_access(h, cx, cx.code.access_node(n), n.id.as_str(), v)
    }

    /// Binds `name`, reached by `access`, to an owned value.
    fn store_access(&self, h: &mut H<C>, cx: &Ctx, access: Access, name: &str, v: ObjId) -> R<()> {
        match access {
            Access::Local(s) => {
                let _ = h.set_edge(cx.frame.unwrap_or(self.null), s, v);
                self.dec(h, v);
            }
            Access::Cell(s) => {
                let c = self.edge(h, cx.frame.unwrap_or(self.null), s);
                self.cell_set(h, c, Some(v));
            }
            Access::ClassNs => self.dict_set_str(h, cx.ns.unwrap_or(cx.globals), name, v),
            Access::Global => self.dict_set_str(h, cx.globals, name, v),
        }
        Ok(())
    }

    /// Sets (`Some`, owned) or empties a cell.
    pub fn cell_set(&self, h: &mut H<C>, c: ObjId, v: Option<ObjId>) {
        let has = h.edges(c).map(|e| e.len()).unwrap_or(0) > 0;
        match (v, has) {
            (Some(v), true) => {
                let _ = h.set_edge(c, 0, v);
                self.dec(h, v);
            }
            (Some(v), false) => {
                let _ = h.link(c, v);
                self.dec(h, v);
            }
            (None, true) => {
                let _ = h.remove_edge(c, 0);
            }
            (None, false) => {}
        }
    }

    /// Unbinds a name.
    pub fn delete_name(&self, h: &mut H<C>, cx: &Ctx, name: &str) -> R<()> {
        match cx.code.access(name) {
            Access::Local(s) => {
                let f = cx.frame.unwrap_or(self.null);
                if self.edge(h, f, s) == self.null {
                    return self.err(
                        h,
                        "UnboundLocalError",
                        &format!("cannot access local variable '{name}' where it is not associated with a value"),
                    );
                }
                let _ = h.set_edge(f, s, self.null);
            }
            Access::Cell(s) => {
                let c = self.edge(h, cx.frame.unwrap_or(self.null), s);
                self.cell_set(h, c, None);
            }
            Access::ClassNs | Access::Global => {
                let d = if cx.code.access(name) == Access::ClassNs {
                    cx.ns.unwrap_or(cx.globals)
                } else {
                    cx.globals
                };
                match self.dict_del_hkey(h, d, &HKey::Str(self.name_rc(name)))? {
                    Some(v) => self.dec(h, v),
                    None => {
                        return self.err(h, "NameError", &format!("name '{name}' is not defined"));
                    }
                }
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- output

    /// Writes to standard output.
    pub fn write_out(&self, s: &str) {
        let _ = self.out.borrow_mut().write_all(s.as_bytes());
    }

    /// Flushes standard output.
    pub fn flush(&self) {
        let _ = self.out.borrow_mut().flush();
    }

    /// Prints an exception that cannot be raised (in `__del__` or a callback).
    pub fn unraisable(&self, h: &mut H<C>, u: Unwind, what: &str) {
        self.flush();
        match u {
            Unwind::Exc(e) => {
                let msg = self.format_exc_line(h, e.obj);
                eprintln!("Exception ignored in: {what}");
                eprintln!("Traceback (most recent call last):");
                self.print_tb(&e.tb);
                eprintln!("{msg}");
                self.dec(h, e.obj);
            }
            Unwind::Exit(_) => {}
            Unwind::Unsupported(line, what) => {
                eprintln!("gclab-py: line {line}: {what}");
                std::process::exit(2);
            }
        }
    }

    /// Prints traceback entries (outermost first).
    pub fn print_tb(&self, tb: &[TbEntry]) {
        eprint!("{}", self.format_tb(tb));
    }

    /// Traceback entries as CPython prints them (outermost first).
    pub fn format_tb(&self, tb: &[TbEntry]) -> String {
        use std::fmt::Write as _;
        let src = *self.source.borrow();
        let file = self.filename.borrow().clone();
        let mut out = String::new();
        for e in tb.iter().rev() {
            let _ = writeln!(out, "  File \"{}\", line {}, in {}", file, e.line, e.func);
            if file != "<string>" && file != "<stdin>" {
                if let Some(l) = src.lines().nth(e.line.saturating_sub(1)) {
                    let _ = writeln!(out, "    {}", l.trim());
                    if let Some(m) = e.expr.and_then(|x| self.markers(l, e.line, x)) {
                        let _ = writeln!(out, "    {m}");
                    }
                }
            }
        }
        out
    }

    /// An exception with what came before it, its traceback and its line, as CPython
    /// prints an uncaught one.
    pub fn render_exc(
        &self,
        h: &mut H<C>,
        obj: ObjId,
        tb: &[TbEntry],
        context: Option<&str>,
    ) -> String {
        let mut s = context.unwrap_or("").to_owned();
        if !tb.is_empty() {
            s.push_str("Traceback (most recent call last):\n");
            s.push_str(&self.format_tb(tb));
        }
        s.push_str(&self.format_exc_line(h, obj));
        s.push('\n');
        s
    }

    /// CPython 3.11's position markers under a traceback line: `^` under the expression,
    /// `~` under a binary operation's operands and a subscript's value; none when the
    /// expression is the whole line or spans lines.
    fn markers(&self, text: &str, line: usize, x: &'static Expr) -> Option<String> {
        let starts = self.line_starts.borrow();
        let ls = *starts.get(line - 1)?;
        let (a, b) = (x.range().start().to_usize(), x.range().end().to_usize());
        if a < ls || b > ls + text.len() {
            return None;
        }
        let col = |off: usize| text[..off - ls].chars().count();
        let indent = text.chars().count() - text.trim_start().chars().count();
        let trimmed_end = text.trim_end().chars().count();
        let (ca, cb) = (col(a), col(b));
        // the whole line: no markers, unless a binary operation or subscript has an
        // operator part to show (3.11's "anchors")
        if ca <= indent && cb >= trimmed_end && !matches!(x, Expr::BinOp(_) | Expr::Subscript(_)) {
            return None;
        }
        let mut m: String = " ".repeat(ca.saturating_sub(indent));
        match x {
            Expr::BinOp(op) => {
                let (le, rs) = (
                    op.left.range().end().to_usize(),
                    op.right.range().start().to_usize(),
                );
                for (i, ch) in text[a - ls..b - ls].char_indices() {
                    let off = a + i;
                    m.push(
                        if off >= le && off < rs && !ch.is_whitespace() && ch != ')' && ch != '(' {
                            '^'
                        } else {
                            '~'
                        },
                    );
                }
            }
            Expr::Subscript(sub) => {
                let ve = sub.value.range().end().to_usize();
                for (i, _) in text[a - ls..b - ls].char_indices() {
                    m.push(if a + i < ve { '~' } else { '^' });
                }
            }
            _ => m.push_str(&"^".repeat(cb - ca)),
        }
        Some(m)
    }

    /// `ExcName: message` for an exception instance.
    pub fn format_exc_line(&self, h: &mut H<C>, e: ObjId) -> String {
        let name = self.type_name(h, e);
        let msg = match self.str_of(h, e) {
            Ok(s) => s,
            Err(u) => {
                self.drop_unwind(h, u);
                String::new()
            }
        };
        if msg.is_empty() {
            name
        } else {
            format!("{name}: {msg}")
        }
    }

    /// Discards an unwind, releasing its exception.
    pub fn drop_unwind(&self, h: &mut H<C>, u: Unwind) {
        if let Unwind::Exc(e) = u {
            self.dec(h, e.obj);
        }
    }

    /// Writes a DOT picture of the program's objects (not the interpreter's permanent
    /// ones, nor frames) to the `--dot` directory, named `NNN-what.dot`.
    pub fn picture(&self, h: &mut H<C>, what: &str) {
        let Some(dir) = self.dot_dir.borrow().clone() else {
            return;
        };
        let n = self.dot_count.get() + 1;
        self.dot_count.set(n);
        let permanent = self.permanent.borrow();
        let opts = gclab::graph::ExportOptions::with_labeler(label)
            .filter(|id, o| !permanent.contains(&id) && !matches!(o, Obj::Frame(_) | Obj::Null));
        let Some(gh) = h.generational() else {
            return;
        };
        let g = gclab::graph::export(&*gh, &opts);
        let dot = g.to_dot(&gclab::graph::DotOptions::default());
        let path = dir.join(format!("{n:03}-{what}.dot"));
        if let Err(e) = std::fs::write(&path, dot) {
            eprintln!("gclab-py: --dot: cannot write {}: {e}", path.display());
        }
    }

    // ---------------------------------------------------------------- calls

    /// Calls `f` (borrowed) with owned positional and keyword arguments; returns an owned
    /// result.
    pub fn call(
        &self,
        h: &mut H<C>,
        f: ObjId,
        args: Vec<ObjId>,
        kw: Vec<(Rc<str>, ObjId)>,
    ) -> R<ObjId> {
        match self.p(h, f) {
            Obj::Func(def) => {
                let def = def.clone();
                self.call_func(h, f, &def, args, kw)
            }
            Obj::Method => {
                let func = self.edge(h, f, 0);
                let this = self.edge(h, f, 1);
                let mut a = Vec::with_capacity(args.len() + 1);
                a.push(self.inc(h, this));
                a.extend(args);
                self.inc(h, func);
                let r = self.call(h, func, a, kw);
                self.dec(h, func);
                r
            }
            Obj::Class(_) => self.instantiate(h, f, args, kw),
            Obj::Builtin(name) => {
                let name = *name;
                crate::builtins::call_builtin(self, h, name, None, args, kw)
            }
            Obj::BuiltinMethod(name) => {
                let name = *name;
                let this = self.edge(h, f, 0);
                self.inc(h, this);
                let r = crate::builtins::call_builtin(self, h, name, Some(this), args, kw);
                self.dec(h, this);
                r
            }
            Obj::UnboundMethod(name) => {
                let name = *name;
                crate::builtins::call_unbound(self, h, name, args, kw)
            }
            Obj::StaticMethod | Obj::ClassMethod => {
                let func = self.edge(h, f, 0);
                self.call(h, func, args, kw)
            }
            Obj::WeakRef(w) => {
                let w = *w;
                self.dec_all(h, args);
                self.dec_all(h, kw.into_iter().map(|x| x.1));
                match w.and_then(|w| h.upgrade(w)) {
                    Some(o) => Ok(self.inc(h, o)),
                    None => Ok(self.none(h)),
                }
            }
            Obj::Finalize(..) => crate::builtins::call_finalize(self, h, f, args, kw),
            Obj::Instance(_) if self.special(h, f, "__call__").is_some() => {
                let m = self.special(h, f, "__call__").unwrap_or(self.null);
                let mut a = vec![self.inc(h, f)];
                a.extend(args);
                self.call(h, m, a, kw)
            }
            _ => {
                self.dec_all(h, args);
                self.dec_all(h, kw.into_iter().map(|x| x.1));
                let t = self.type_name(h, f);
                self.err(h, "TypeError", &format!("'{t}' object is not callable"))
            }
        }
    }

    /// Enters a Python-level call: the recursion check.
    pub fn enter(&self, h: &mut H<C>) -> R<()> {
        self.enter_for(h, "")
    }

    /// [`Interp::enter`] with CPython's suffix for the kind of recursion (`" in
    /// comparison"`).
    pub fn enter_for(&self, h: &mut H<C>, what: &str) -> R<()> {
        let d = self.depth.get();
        if d >= self.limit.get() {
            return self.err(
                h,
                "RecursionError",
                &format!("maximum recursion depth exceeded{what}"),
            );
        }
        self.depth.set(d + 1);
        Ok(())
    }

    /// Leaves a Python-level call.
    pub fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    fn call_func(
        &self,
        h: &mut H<C>,
        f: ObjId,
        def: &Rc<FuncDef>,
        args: Vec<ObjId>,
        kw: Vec<(Rc<str>, ObjId)>,
    ) -> R<ObjId> {
        let n = h.len();
        if n > self.peak_objects.get() {
            self.peak_objects.set(n);
        }
        if let Err(e) = self.enter(h) {
            self.dec_all(h, args);
            self.dec_all(h, kw.into_iter().map(|x| x.1));
            return Err(e);
        }
        let code = def.code.clone();
        let nslots = code.slots.len();
        let frame = self.alloc_frame(h, &code);
        let r = self.bind_args(h, f, def, frame, args, kw).and_then(|()| {
            let globals = self.edge(h, f, 0);
            // cells
            let closure = self.edge(h, f, 3);
            let cells = self.edges(h, closure);
            for (i, (_, slot)) in code.free.iter().enumerate() {
                if let Some(&c) = cells.get(i) {
                    let _ = h.set_edge(frame, *slot, c);
                }
            }
            for s in 0..nslots {
                if code.is_cell[s] && !code.free.iter().any(|(_, fs)| *fs == s) {
                    let v = self.edge(h, frame, s);
                    let c = h.alloc(Obj::Cell);
                    if v != self.null {
                        let _ = h.link(c, v);
                    }
                    let _ = h.set_edge(frame, s, c);
                    self.dec(h, c);
                }
            }
            let cx = Ctx {
                code: &code,
                frame: Some(frame),
                globals,
                ns: None,
            };
            if def.generator {
                return Ok(self.make_generator(h, def, frame, globals));
            }
            if let Some(body) = def.body {
                match self.exec_block(h, &cx, body)? {
                    Flow::Return(v) => Ok(v),
                    _ => Ok(self.none(h)),
                }
            } else if let Some(e) = def.lambda {
                self.eval(h, &cx, e)
            } else {
                Ok(self.none(h))
            }
        });
        self.dec(h, frame);
        self.leave();
        r
    }

    fn bind_args(
        &self,
        h: &mut H<C>,
        f: ObjId,
        def: &FuncDef,
        frame: ObjId,
        args: Vec<ObjId>,
        kw: Vec<(Rc<str>, ObjId)>,
    ) -> R<()> {
        let p = def.params;
        let positional = || p.posonlyargs.iter().chain(&p.args);
        let npos = p.posonlyargs.len() + p.args.len();
        let mut slot = 0usize;
        let mut extra = vec![];
        for (i, a) in args.into_iter().enumerate() {
            if i < npos {
                let _ = h.set_edge(frame, i, a);
                self.dec(h, a);
            } else {
                extra.push(a);
            }
        }
        slot += npos;
        let name = def.qualname.clone(); // CPython 3.10+ names the qualified name
        if let Some(_va) = &p.vararg {
            let t = self.new_tuple(h, extra);
            let _ = h.set_edge(frame, slot, t);
            self.dec(h, t);
            slot += 1;
        } else if !extra.is_empty() {
            let n = extra.len() + npos;
            self.dec_all(h, extra);
            self.dec_all(h, kw.into_iter().map(|x| x.1));
            return self.err(
                h,
                "TypeError",
                &format!(
                    "{name}() takes {npos} positional argument{} but {n} were given",
                    if npos == 1 { "" } else { "s" }
                ),
            );
        }
        let kwonly_start = slot;
        slot += p.kwonlyargs.len();
        let kwargs_slot = p.kwarg.as_ref().map(|_| slot);
        let kwdict = if kwargs_slot.is_some() {
            Some(self.new_dict(h))
        } else {
            None
        };
        let mut err = None;
        for (k, v) in kw {
            let pos = positional()
                .position(|a| a.parameter.name.id.as_str() == &*k)
                .or_else(|| {
                    p.kwonlyargs
                        .iter()
                        .position(|a| a.parameter.name.id.as_str() == &*k)
                        .map(|i| i + kwonly_start)
                });
            match pos {
                Some(s) if err.is_none() => {
                    if self.edge(h, frame, s) != self.null {
                        err = Some(format!("{name}() got multiple values for argument '{k}'"));
                    }
                    let _ = h.set_edge(frame, s, v);
                    self.dec(h, v);
                }
                _ => match kwdict {
                    Some(d) if err.is_none() => {
                        let ks = self.str_(h, &k);
                        self.dict_set(h, d, ks, v)?;
                    }
                    _ => {
                        if err.is_none() {
                            err =
                                Some(format!("{name}() got an unexpected keyword argument '{k}'"));
                        }
                        self.dec(h, v);
                    }
                },
            }
        }
        if let (Some(s), Some(d)) = (kwargs_slot, kwdict) {
            let _ = h.set_edge(frame, s, d);
            self.dec(h, d);
        }
        if let Some(m) = err {
            return self.err(h, "TypeError", &m);
        }
        // defaults
        let defaults = self.edge(h, f, 1);
        let first_default = npos - self.nedges(h, defaults).min(npos);
        let mut missing = vec![];
        for (i, a) in positional().enumerate() {
            if self.edge(h, frame, i) == self.null {
                if i >= first_default {
                    let d = self.edge(h, defaults, i - first_default);
                    let _ = h.set_edge(frame, i, d);
                } else {
                    missing.push(a.parameter.name.id.to_string());
                }
            }
        }
        if !missing.is_empty() {
            let n = missing.len();
            let names: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
            let list = match names.len() {
                1 => names[0].clone(),
                _ => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
            };
            return self.err(
                h,
                "TypeError",
                &format!(
                    "{name}() missing {n} required positional argument{}: {list}",
                    if n == 1 { "" } else { "s" }
                ),
            );
        }
        let kwdefaults = self.edge(h, f, 2);
        for (i, a) in p.kwonlyargs.iter().enumerate() {
            let s = kwonly_start + i;
            if self.edge(h, frame, s) == self.null {
                let an = a.parameter.name.id.as_str();
                match self.dict_get_str(h, kwdefaults, an) {
                    Some(d) => {
                        let _ = h.set_edge(frame, s, d);
                    }
                    None => {
                        return self.err(
                            h,
                            "TypeError",
                            &format!("{name}() missing 1 required keyword-only argument: '{an}'"),
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// `cls(*args, **kw)`.
    fn instantiate(
        &self,
        h: &mut H<C>,
        cls: ObjId,
        args: Vec<ObjId>,
        kw: Vec<(Rc<str>, ObjId)>,
    ) -> R<ObjId> {
        let info = match self.p(h, cls) {
            Obj::Class(ci) => ci.clone(),
            _ => unreachable!(),
        };
        // the builtin base, if any
        let mut builtin = None;
        for c in self.mro(h, cls) {
            if let Obj::Class(ci) = self.p(h, c) {
                if let Some(b) = ci.builtin {
                    if b != "object" {
                        builtin = Some(b);
                        break;
                    }
                }
            }
        }
        let is_exc = builtin.is_some_and(|b| EXCEPTIONS.iter().any(|(e, _)| *e == b));
        if let Some(b) = builtin {
            if !is_exc {
                if info.builtin.is_some() {
                    return crate::builtins::construct(self, h, b, args, kw);
                }
                if b == "list" {
                    return self.instantiate_list_subclass(h, cls, args, kw);
                }
                self.dec_all(h, args);
                self.dec_all(h, kw.into_iter().map(|x| x.1));
                return Err(Unwind::Unsupported(
                    self.line.get(),
                    format!("subclassing '{b}' is not supported"),
                ));
            }
        }
        let inst = if is_exc {
            let a: Vec<ObjId> = args.iter().map(|&x| self.inc(h, x)).collect();
            self.instantiate_exc(h, cls, a)
        } else {
            h.alloc_with(Obj::Instance(vec![]), &[cls]).expect("alloc")
        };
        if info.has_del || self.class_lookup(h, cls, "__del__").is_some() {
            let me = self.rc();
            let _ = h.set_finalizer(inst, move |h, obj| me.run_del(h, obj));
        }
        if let Some(init) = self.class_lookup(h, cls, "__init__") {
            if let Obj::Builtin(n) = self.p(h, init) {
                if n.starts_with(crate::pyperf::PREFIX) {
                    let n = *n;
                    return match crate::builtins::call_builtin(self, h, n, Some(inst), args, kw) {
                        Ok(v) => {
                            self.dec(h, v);
                            Ok(inst)
                        }
                        Err(e) => {
                            self.dec(h, inst);
                            Err(e)
                        }
                    };
                }
            }
            if matches!(self.p(h, init), Obj::Func(_)) {
                let mut a = vec![self.inc(h, inst)];
                a.extend(args);
                self.inc(h, init);
                let r = self.call(h, init, a, kw);
                self.dec(h, init);
                match r {
                    Ok(v) => {
                        let is_none = v == self.none;
                        self.dec(h, v);
                        if !is_none {
                            self.dec(h, inst);
                            return self.err(h, "TypeError", "__init__() should return None");
                        }
                    }
                    Err(e) => {
                        self.dec(h, inst);
                        return Err(e);
                    }
                }
                return Ok(inst);
            }
        }
        if !is_exc && (!args.is_empty() || !kw.is_empty()) {
            self.dec_all(h, args);
            self.dec_all(h, kw.into_iter().map(|x| x.1));
            self.dec(h, inst);
            return self.err(
                h,
                "TypeError",
                &format!("{}() takes no arguments", info.name),
            );
        }
        self.dec_all(h, args);
        self.dec_all(h, kw.into_iter().map(|x| x.1));
        Ok(inst)
    }

    /// `cls(*args, **kw)` for a subclass of `list`: one list object whose type is `cls`
    /// (it holds a reference to its class, as a CPython instance of a heap type does,
    /// given back when the list dies); then the class's `__init__`, or `list.__init__`'s
    /// filling from an iterable.
    fn instantiate_list_subclass(
        &self,
        h: &mut H<C>,
        cls: ObjId,
        args: Vec<ObjId>,
        kw: Vec<(Rc<str>, ObjId)>,
    ) -> R<ObjId> {
        let inst = self.new_list(h, vec![]);
        self.inc(h, cls);
        self.list_class.borrow_mut().insert(inst, cls);
        let me = self.rc();
        let _ = h.downgrade_with_callback(inst, move |h, _w| {
            if let Some(c) = me.list_class.borrow_mut().remove(&inst) {
                let _ = h.decref(c);
            }
        });
        let init = self
            .class_lookup(h, cls, "__init__")
            .filter(|&f| matches!(self.p(h, f), Obj::Func(_)));
        if let Some(init) = init {
            let mut a = vec![self.inc(h, inst)];
            a.extend(args);
            self.inc(h, init);
            let r = self.call(h, init, a, kw);
            self.dec(h, init);
            match r {
                Ok(v) => {
                    self.dec(h, v);
                    return Ok(inst);
                }
                Err(e) => {
                    self.dec(h, inst);
                    return Err(e);
                }
            }
        }
        if !kw.is_empty() || args.len() > 1 {
            self.dec_all(h, args);
            self.dec_all(h, kw.into_iter().map(|x| x.1));
            self.dec(h, inst);
            return self.err(h, "TypeError", "list expected at most 1 argument");
        }
        if let Some(&src) = args.first() {
            let items = self.unpack_iterable(h, src);
            self.dec_all(h, args);
            match items {
                Ok(items) => {
                    for x in items {
                        let _ = h.link(inst, x);
                        self.dec(h, x);
                    }
                }
                Err(e) => {
                    self.dec(h, inst);
                    return Err(e);
                }
            }
        }
        Ok(inst)
    }

    /// Runs `__del__` on `obj` (the heap's finalizer).
    pub fn run_del(&self, h: &mut H<C>, obj: ObjId) {
        let Some(f) = self.special(h, obj, "__del__") else {
            return;
        };
        self.inc(h, f);
        let this = self.inc(h, obj);
        let saved = self.line.get();
        let r = self.call(h, f, vec![this], vec![]);
        self.line.set(saved);
        match r {
            Ok(v) => self.dec(h, v),
            Err(u) => {
                let q = match self.p(h, f) {
                    Obj::Func(d) => d.qualname.to_string(),
                    _ => "__del__".into(),
                };
                let id = h.id(f).unwrap_or(0);
                self.unraisable(h, u, &format!("<function {q} at {id:#x}>"));
            }
        }
        self.dec(h, f);
    }

    // ---------------------------------------------------------------- attributes

    /// `obj.name` (owned).
    pub fn getattr(&self, h: &mut H<C>, obj: ObjId, name: &str) -> R<ObjId> {
        match self.getattr_opt(h, obj, name)? {
            Some(v) => Ok(v),
            None => {
                let msg = match self.p(h, obj) {
                    Obj::Class(ci) => {
                        format!("type object '{}' has no attribute '{name}'", ci.name)
                    }
                    Obj::Module(m) => format!("module '{m}' has no attribute '{name}'"),
                    _ => format!(
                        "'{}' object has no attribute '{name}'",
                        self.type_name(h, obj)
                    ),
                };
                self.err(h, "AttributeError", &msg)
            }
        }
    }

    /// Binds a class attribute found for an instance (or class, `inst` = None).
    fn bind_attr(&self, h: &mut H<C>, v: ObjId, inst: Option<ObjId>, cls: ObjId) -> R<ObjId> {
        match (self.p(h, v), inst) {
            (Obj::Func(_), Some(i)) => Ok(h.alloc_with(Obj::Method, &[v, i]).expect("alloc")),
            (Obj::ClassMethod, _) => {
                let f = self.edge(h, v, 0);
                Ok(h.alloc_with(Obj::Method, &[f, cls]).expect("alloc"))
            }
            (Obj::StaticMethod, _) => Ok(self.inc(h, self.edge(h, v, 0))),
            (Obj::Builtin(n), Some(i))
                if n.ends_with(".__init__") || n.starts_with(crate::pyperf::PREFIX) =>
            {
                let n = *n;
                Ok(h.alloc_with(Obj::BuiltinMethod(n), &[i]).expect("alloc"))
            }
            (Obj::Descr(DescrKind::Member(n)), Some(i)) => {
                // an unset slot: the value itself is found inline before the class is asked
                let n = n.clone();
                let t = self.type_name(h, i);
                self.err(
                    h,
                    "AttributeError",
                    &format!("'{t}' object has no attribute '{n}'"),
                )
            }
            (Obj::Descr(DescrKind::Weakref), Some(i)) => self.weakref_head(h, i),
            (Obj::Property, Some(i)) => {
                let g = self.edge(h, v, 0);
                let a = self.inc(h, i);
                self.inc(h, g);
                let r = self.call(h, g, vec![a], vec![]);
                self.dec(h, g);
                r
            }
            _ => Ok(self.inc(h, v)),
        }
    }

    /// `obj.__weakref__` (owned): the head of the object's weak-reference list, or
    /// `None`. CPython keeps the reference without a callback first (it is shared by
    /// every `weakref.ref(obj)`) and puts each new reference with a callback at the
    /// head when there is none (`Objects/weakrefobject.c`, `insert_head`).
    fn weakref_head(&self, h: &mut H<C>, obj: ObjId) -> R<ObjId> {
        let owners = h.weakref_owners(obj).unwrap_or_default();
        let basic = owners
            .iter()
            .copied()
            .find(|&w| matches!(self.p(h, w), Obj::WeakRef(_)) && self.edges(h, w).is_empty());
        Ok(match basic.or_else(|| owners.last().copied()) {
            Some(w) => self.inc(h, w),
            None => self.none(h),
        })
    }

    /// Whether `weakref.ref(x)` may target `x`: CPython's `tp_weaklistoffset != 0`.
    /// An instance or a list-subclass instance when its class has a `__weakref__`
    /// slot (a class without `__slots__` gets one unless a base has it; builtin
    /// exceptions have none); never ints, strs, tuples, lists, dicts, `None`, bools or
    /// floats; other builtin objects (functions, classes, sets, ...) always.
    pub fn weakrefable(&self, h: &H<C>, x: ObjId) -> bool {
        match self.p(h, x) {
            Obj::Instance(_) => self.layout_has(h, self.edge(h, x, 0), true),
            Obj::List => match self.list_class.borrow().get(&x) {
                Some(&c) => self.layout_has(h, c, true),
                None => false,
            },
            Obj::Int(_)
            | Obj::Str(_)
            | Obj::Tuple
            | Obj::Dict(_)
            | Obj::None
            | Obj::Bool(_)
            | Obj::Float(_) => false,
            _ => true,
        }
    }

    /// What `gc.get_referents(x)` lists for `x`, in the order CPython 3.11's
    /// `tp_traverse` visits: a dict's values only when every key is a str, else each
    /// value then its key (`dict_traverse`); a list's or tuple's items last first; an
    /// instance's values (or its dict) then its class (`subtype_traverse`); anything
    /// else its edges in order.
    pub fn referents(&self, h: &H<C>, x: ObjId) -> Vec<ObjId> {
        let e = self.edges(h, x);
        match self.p(h, x) {
            Obj::Dict(_) => {
                let all_str = e
                    .iter()
                    .step_by(2)
                    .all(|&k| matches!(self.p(h, k), Obj::Str(_)));
                if all_str {
                    e.iter().skip(1).step_by(2).copied().collect()
                } else {
                    e.chunks(2)
                        .flat_map(|kv| kv.iter().rev().copied())
                        .collect()
                }
            }
            // list_traverse and tuple_traverse run from the last item to the first
            Obj::List | Obj::Tuple => e.into_iter().rev().collect(),
            Obj::Instance(_) if !e.is_empty() => {
                let mut v = e[1..].to_vec();
                v.push(e[0]);
                v
            }
            _ => e,
        }
    }

    /// The dict of an instance whose `__dict__` was materialized.
    pub fn inst_dict(&self, h: &H<C>, x: ObjId) -> Option<ObjId> {
        match self.p(h, x) {
            Obj::Instance(names) if names.len() == 1 && &*names[0] == DICT_MODE => {
                Some(self.edge(h, x, 1))
            }
            _ => None,
        }
    }

    /// `obj.__dict__` (owned): the first access moves the inline values into a new dict
    /// the instance then refers to, as CPython 3.11 materializes an instance's dict.
    fn materialize_dict(&self, h: &mut H<C>, obj: ObjId) -> ObjId {
        if let Some(d) = self.inst_dict(h, obj) {
            return self.inc(h, d);
        }
        let names = match self.p(h, obj) {
            Obj::Instance(n) => n.clone(),
            _ => vec![],
        };
        let d = self.new_dict(h);
        for (i, n) in names.iter().enumerate() {
            let v = self.edge(h, obj, i + 1);
            self.inc(h, v);
            self.dict_set_str(h, d, n, v);
        }
        for _ in 0..names.len() {
            let _ = h.remove_edge(obj, 1);
        }
        let _ = h.link(obj, d);
        if let Ok(Obj::Instance(n)) = h.payload_mut(obj) {
            *n = vec![DICT_MODE.into()];
        }
        d
    }

    /// `obj.name` if it exists (owned).
    pub fn getattr_opt(&self, h: &mut H<C>, obj: ObjId, name: &str) -> R<Option<ObjId>> {
        match self.p(h, obj) {
            Obj::Instance(names) => {
                if name == "__class__" {
                    return Ok(Some(self.inc(h, self.edge(h, obj, 0))));
                }
                if name == "__dict__" {
                    let cls = self.edge(h, obj, 0);
                    if !self.slot_allows(h, cls, "__dict__") {
                        return Ok(None);
                    }
                    return Ok(Some(self.materialize_dict(h, obj)));
                }
                let pos = names.iter().position(|n| same_name(n, name));
                let cls = self.edge(h, obj, 0);
                if let Some(d) = self.inst_dict(h, obj) {
                    if let Some(v) = self.dict_get_str(h, d, name) {
                        let prop = self
                            .class_lookup(h, cls, name)
                            .filter(|&p| matches!(self.p(h, p), Obj::Property));
                        if prop.is_none() {
                            return Ok(Some(self.inc(h, v)));
                        }
                    }
                }
                let cv = self.class_lookup(h, cls, name);
                if let Some(cv) = cv {
                    if matches!(self.p(h, cv), Obj::Property) {
                        return self.bind_attr(h, cv, Some(obj), cls).map(Some);
                    }
                }
                if let Some(i) = pos {
                    return Ok(Some(self.inc(h, self.edge(h, obj, i + 1))));
                }
                match cv {
                    Some(cv) => self.bind_attr(h, cv, Some(obj), cls).map(Some),
                    None => {
                        if self.special(h, obj, "__getattr__").is_some() {
                            let n = self.str_(h, name);
                            return self.call_special(h, obj, "__getattr__", vec![n]);
                        }
                        Ok(None)
                    }
                }
            }
            Obj::Class(ci) => {
                let ci = ci.clone();
                match name {
                    "__name__" | "__qualname__" => return Ok(Some(self.str_(h, &ci.name))),
                    "__mro__" => return Ok(Some(self.inc(h, self.edge(h, obj, CLASS_MRO)))),
                    "__bases__" => return Ok(Some(self.inc(h, self.edge(h, obj, CLASS_BASES)))),
                    "__base__" => return Ok(Some(self.inc(h, self.edge(h, obj, CLASS_BASE)))),
                    "__dict__" => return Ok(Some(self.inc(h, self.edge(h, obj, CLASS_DICT)))),
                    _ => {}
                }
                match self.class_lookup(h, obj, name) {
                    Some(v) => self.bind_attr(h, v, None, obj).map(Some),
                    None => Ok(ci
                        .builtin
                        .and_then(|b| crate::builtins::type_method(b, name))
                        .map(|m| h.alloc_atomic(Obj::UnboundMethod(m)))),
                }
            }
            Obj::Module(_) => {
                let d = self.edge(h, obj, 0);
                Ok(self.dict_get_str(h, d, name).map(|v| self.inc(h, v)))
            }
            Obj::Func(def) => {
                let def = def.clone();
                Ok(Some(match name {
                    "__name__" => self.str_(h, &def.name),
                    "__qualname__" => self.str_(h, &def.qualname),
                    "__closure__" => self.inc(h, self.edge(h, obj, 3)),
                    "__defaults__" => self.inc(h, self.edge(h, obj, 1)),
                    "__globals__" => self.inc(h, self.edge(h, obj, 0)),
                    _ => return Ok(None),
                }))
            }
            Obj::Method => Ok(match name {
                "__self__" => Some(self.inc(h, self.edge(h, obj, 1))),
                "__func__" => Some(self.inc(h, self.edge(h, obj, 0))),
                _ => {
                    let f = self.edge(h, obj, 0);
                    self.getattr_opt(h, f, name)?
                }
            }),
            Obj::Cell if name == "cell_contents" => {
                let v = self.edge(h, obj, 0);
                if v == self.null {
                    return self.err(h, "ValueError", "Cell is empty");
                }
                Ok(Some(self.inc(h, v)))
            }
            Obj::List if self.list_class.borrow().contains_key(&obj) => {
                let cls = self.type_of(h, obj);
                if name == "__class__" {
                    return Ok(Some(self.inc(h, cls)));
                }
                match self.class_lookup(h, cls, name) {
                    Some(v) if !matches!(self.p(h, v), Obj::UnboundMethod(_)) => {
                        self.bind_attr(h, v, Some(obj), cls).map(Some)
                    }
                    _ => Ok(crate::builtins::method_name(self.p(h, obj), name)
                        .map(|m| h.alloc_with(Obj::BuiltinMethod(m), &[obj]).expect("alloc"))),
                }
            }
            Obj::Super => {
                let cls = self.edge(h, obj, 0);
                let this = self.edge(h, obj, 1);
                let tcls = if matches!(self.p(h, this), Obj::Class(_)) {
                    this
                } else {
                    self.type_of(h, this)
                };
                let mro = self.mro(h, tcls);
                let start = mro
                    .iter()
                    .position(|&c| c == cls)
                    .map(|i| i + 1)
                    .unwrap_or(mro.len());
                for &c in &mro[start..] {
                    if let Some(v) = self.class_dict_get(h, c, name) {
                        let inst = if matches!(self.p(h, this), Obj::Class(_)) {
                            None
                        } else {
                            Some(this)
                        };
                        return self.bind_attr(h, v, inst, tcls).map(Some);
                    }
                }
                Ok(None)
            }
            _ => {
                if let (Obj::Finalize(_, alive), "alive") = (self.p(h, obj), name) {
                    let a = *alive;
                    return Ok(Some(self.bool_(h, a)));
                }
                if name == "__class__" {
                    let t = self.type_of(h, obj);
                    return Ok(Some(self.inc(h, t)));
                }
                if let Some(v) = crate::array::attr(self, h, obj, name) {
                    return Ok(Some(v));
                }
                match crate::builtins::method_name(self.p(h, obj), name) {
                    Some(m) => Ok(Some(
                        h.alloc_with(Obj::BuiltinMethod(m), &[obj]).expect("alloc"),
                    )),
                    None => Ok(None),
                }
            }
        }
    }

    /// `obj.name = v` (v owned).
    pub fn setattr(&self, h: &mut H<C>, obj: ObjId, name: &str, v: ObjId) -> R<()> {
        match self.p(h, obj) {
            Obj::Instance(names) => {
                let pos = names.iter().position(|n| same_name(n, name));
                let cls = self.edge(h, obj, 0);
                if let Some(p) = self.class_lookup(h, cls, name) {
                    if matches!(self.p(h, p), Obj::Property) {
                        let setter = self.edge(h, p, 1);
                        if setter == self.none || setter == self.null {
                            self.dec(h, v);
                            return self.err(
                                h,
                                "AttributeError",
                                &format!("can't set attribute '{name}'"),
                            );
                        }
                        let a = self.inc(h, obj);
                        let r = self.call(h, setter, vec![a, v], vec![])?;
                        self.dec(h, r);
                        return Ok(());
                    }
                }
                if let Some(d) = self.inst_dict(h, obj) {
                    self.dict_set_str(h, d, name, v);
                    return Ok(());
                }
                if pos.is_none() && !self.slot_allows(h, cls, name) {
                    self.dec(h, v);
                    let t = self.type_name(h, obj);
                    return self.err(
                        h,
                        "AttributeError",
                        &format!("'{t}' object has no attribute '{name}'"),
                    );
                }
                match pos {
                    Some(i) => {
                        let _ = h.set_edge(obj, i + 1, v);
                    }
                    None => {
                        if let Ok(Obj::Instance(names)) = h.payload_mut(obj) {
                            names.push(self.name_rc(name));
                        }
                        let _ = h.link(obj, v);
                    }
                }
                self.dec(h, v);
                Ok(())
            }
            Obj::Class(_) | Obj::Module(_) => {
                let d = self.edge(h, obj, 0);
                self.dict_set_str(h, d, name, v);
                Ok(())
            }
            _ => {
                self.dec(h, v);
                let t = self.type_name(h, obj);
                self.err(
                    h,
                    "AttributeError",
                    &format!("'{t}' object has no attribute '{name}'"),
                )
            }
        }
    }

    /// Whether instances of `cls` may get a new attribute `name`: always, unless every
    /// class of the MRO but `object` defines `__slots__` (then it must be a declared
    /// slot, or `__dict__` must be one), as CPython's `__slots__` (`Objects/typeobject.c`,
    /// `type_new`'s slot handling) decides.
    fn slot_allows(&self, h: &H<C>, cls: ObjId, name: &str) -> bool {
        let mut found = false;
        for c in self.mro(h, cls) {
            if let Obj::Class(ci) = self.p(h, c) {
                if ci.builtin == Some("object") {
                    continue;
                }
                if ci.builtin.is_some() {
                    return true;
                }
            }
            let Some(s) = self.class_dict_get(h, c, "__slots__") else {
                return true;
            };
            let names: Vec<ObjId> = match self.p(h, s) {
                Obj::Str(_) => vec![s],
                Obj::Tuple | Obj::List => self.edges(h, s),
                _ => return true,
            };
            for n in names {
                if let Obj::Str(t) = self.p(h, n) {
                    if &**t == name || &**t == "__dict__" {
                        found = true;
                    }
                }
            }
        }
        found
    }

    /// `del obj.name`.
    pub fn delattr(&self, h: &mut H<C>, obj: ObjId, name: &str) -> R<()> {
        if let Some(d) = self.inst_dict(h, obj) {
            if let Some(v) = self.dict_del_hkey(h, d, &HKey::Str(self.name_rc(name)))? {
                self.dec(h, v);
                return Ok(());
            }
        }
        if let Obj::Instance(names) = self.p(h, obj) {
            if let Some(i) = names.iter().position(|n| same_name(n, name)) {
                if let Ok(Obj::Instance(names)) = h.payload_mut(obj) {
                    names.remove(i);
                }
                let _ = h.remove_edge(obj, i + 1);
                return Ok(());
            }
        }
        if let Obj::Class(_) = self.p(h, obj) {
            let d = self.edge(h, obj, 0);
            if let Some(v) = self.dict_del_hkey(h, d, &HKey::Str(self.name_rc(name)))? {
                self.dec(h, v);
                return Ok(());
            }
        }
        let t = self.type_name(h, obj);
        self.err(
            h,
            "AttributeError",
            &format!("'{t}' object has no attribute '{name}'"),
        )
    }

    // ---------------------------------------------------------------- truth, str, repr

    /// `bool(x)`.
    pub fn truthy(&self, h: &mut H<C>, x: ObjId) -> R<bool> {
        Ok(match self.p(h, x) {
            Obj::None | Obj::Null => false,
            Obj::Bool(b) => *b,
            Obj::Int(i) => *i != 0,
            Obj::Float(f) => *f != 0.0,
            Obj::Str(s) => !s.is_empty(),
            Obj::Bytes(b) => !b.is_empty(),
            Obj::List | Obj::Tuple | Obj::Dict(_) | Obj::Set(_) => {
                h.edges(x).map(|e| e.len()).unwrap_or(0) > 0
            }
            Obj::Range(a, b, s) => crate::builtins::range_len(*a, *b, *s) > 0,
            Obj::DictView(_) => {
                let d = self.edge(h, x, 0);
                h.edges(d).map(|e| e.len()).unwrap_or(0) > 0
            }
            Obj::Instance(_) => {
                if let Some(r) = self.call_special(h, x, "__bool__", vec![])? {
                    let b = matches!(self.p(h, r), Obj::Bool(true));
                    self.dec(h, r);
                    b
                } else if let Some(r) = self.call_special(h, x, "__len__", vec![])? {
                    let b = !matches!(self.p(h, r), Obj::Int(0));
                    self.dec(h, r);
                    b
                } else {
                    true
                }
            }
            _ => true,
        })
    }

    /// `str(x)`.
    pub fn str_of(&self, h: &mut H<C>, x: ObjId) -> R<String> {
        match self.p(h, x) {
            Obj::Str(s) => Ok(s.to_string()),
            Obj::Instance(_) => {
                if let Some(r) = self.call_special(h, x, "__str__", vec![])? {
                    let s = match self.p(h, r) {
                        Obj::Str(s) => s.to_string(),
                        _ => {
                            self.dec(h, r);
                            return self.err(h, "TypeError", "__str__ returned non-string");
                        }
                    };
                    self.dec(h, r);
                    return Ok(s);
                }
                if self.is_exception(h, x) {
                    let args = self.instance_attr(h, x, "args");
                    let items = self.edges(h, args);
                    return match items.len() {
                        0 => Ok(String::new()),
                        1 => {
                            if self.type_name(h, x) == "KeyError" {
                                self.repr(h, items[0])
                            } else {
                                self.str_of(h, items[0])
                            }
                        }
                        _ => self.repr(h, args),
                    };
                }
                self.repr(h, x)
            }
            _ => self.repr(h, x),
        }
    }

    /// Whether an instance is an exception.
    pub fn is_exception(&self, h: &H<C>, x: ObjId) -> bool {
        let base = self.types.borrow()["BaseException"];
        matches!(self.p(h, x), Obj::Instance(_)) && self.mro(h, self.edge(h, x, 0)).contains(&base)
    }

    /// An inline attribute of an instance (borrowed), or `null`.
    pub fn instance_attr(&self, h: &H<C>, x: ObjId, name: &str) -> ObjId {
        if let Some(d) = self.inst_dict(h, x) {
            return self.dict_get_str(h, d, name).unwrap_or(self.null);
        }
        match self.p(h, x) {
            Obj::Instance(names) => match names.iter().position(|n| same_name(n, name)) {
                Some(i) => self.edge(h, x, i + 1),
                None => self.null,
            },
            _ => self.null,
        }
    }

    /// `repr(x)`.
    pub fn repr(&self, h: &mut H<C>, x: ObjId) -> R<String> {
        self.enter(h)?;
        let r = self.repr_inner(h, x);
        self.leave();
        r
    }

    fn repr_inner(&self, h: &mut H<C>, x: ObjId) -> R<String> {
        thread_local! {
            static ACTIVE: RefCell<Vec<ObjId>> = const { RefCell::new(Vec::new()) };
        }
        let seq =
            |this: &Self, h: &mut H<C>, open: &str, close: &str, items: Vec<ObjId>| -> R<String> {
                if ACTIVE.with(|a| a.borrow().contains(&x)) {
                    return Ok(format!("{open}...{close}"));
                }
                ACTIVE.with(|a| a.borrow_mut().push(x));
                let mut parts = vec![];
                let mut res = Ok(());
                for i in items {
                    match this.repr(h, i) {
                        Ok(s) => parts.push(s),
                        Err(e) => {
                            res = Err(e);
                            break;
                        }
                    }
                }
                ACTIVE.with(|a| a.borrow_mut().retain(|&y| y != x));
                res?;
                Ok(format!("{open}{}{close}", parts.join(", ")))
            };
        match self.p(h, x) {
            Obj::None => Ok("None".into()),
            Obj::NotImplemented => Ok("NotImplemented".into()),
            Obj::Stream(e) => Ok(if *e {
                "<_io.TextIOWrapper name='<stderr>' mode='w' encoding='utf-8'>".into()
            } else {
                "<_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>".into()
            }),
            Obj::Null => Ok("<NULL>".into()),
            Obj::Array(_) => crate::array::repr(self, h, x),
            Obj::Bool(b) => Ok(if *b { "True" } else { "False" }.into()),
            Obj::Int(i) => Ok(i.to_string()),
            Obj::Float(f) => Ok(float_repr(*f)),
            Obj::Str(s) => Ok(str_repr(s)),
            Obj::Bytes(b) => Ok(bytes_repr(b)),
            Obj::List => {
                let items = self.edges(h, x);
                seq(self, h, "[", "]", items)
            }
            Obj::Tuple => {
                let items = self.edges(h, x);
                if items.len() == 1 {
                    let s = self.repr(h, items[0])?;
                    return Ok(format!("({s},)"));
                }
                seq(self, h, "(", ")", items)
            }
            Obj::Set(_) => {
                let items = self.edges(h, x);
                if items.is_empty() {
                    return Ok("set()".into());
                }
                seq(self, h, "{", "}", items)
            }
            Obj::Dict(_) => {
                if ACTIVE.with(|a| a.borrow().contains(&x)) {
                    return Ok("{...}".into());
                }
                ACTIVE.with(|a| a.borrow_mut().push(x));
                let mut parts = vec![];
                let mut res = Ok(());
                for (k, v) in self.dict_items(h, x) {
                    match self
                        .repr(h, k)
                        .and_then(|ks| Ok(format!("{ks}: {}", self.repr(h, v)?)))
                    {
                        Ok(s) => parts.push(s),
                        Err(e) => {
                            res = Err(e);
                            break;
                        }
                    }
                }
                ACTIVE.with(|a| a.borrow_mut().retain(|&y| y != x));
                res?;
                Ok(format!("{{{}}}", parts.join(", ")))
            }
            Obj::DictView(k) => {
                let k = *k;
                let items = crate::builtins::view_items(self, h, x);
                let l = self.new_list(h, items);
                let r = self.repr(h, l);
                self.dec(h, l);
                Ok(format!("dict_{k}({})", r?))
            }
            Obj::Range(a, b, s) => Ok(if *s == 1 {
                format!("range({a}, {b})")
            } else {
                format!("range({a}, {b}, {s})")
            }),
            Obj::Descr(k) => {
                let k = k.clone();
                let owner = self.edge(h, x, 0);
                let t = match self.p(h, owner) {
                    Obj::Class(ci) => ci.name.clone(),
                    _ => "?".into(),
                };
                Ok(match k {
                    DescrKind::Member(n) => format!("<member '{n}' of '{t}' objects>"),
                    DescrKind::Dict => format!("<attribute '__dict__' of '{t}' objects>"),
                    DescrKind::Weakref => format!("<attribute '__weakref__' of '{t}' objects>"),
                })
            }
            Obj::Generator(g) => Ok(format!(
                "<generator object {} at {:#x}>",
                g.def.qualname,
                h.id(x).unwrap_or(0)
            )),
            Obj::Func(d) => Ok(format!(
                "<function {} at {:#x}>",
                d.qualname,
                h.id(x).unwrap_or(0)
            )),
            Obj::Class(ci) => Ok(if ci.builtin.is_some() {
                format!("<class '{}'>", ci.builtin.unwrap_or(""))
            } else {
                format!("<class '__main__.{}'>", ci.name)
            }),
            Obj::Instance(_) => {
                if let Some(r) = self.call_special(h, x, "__repr__", vec![])? {
                    let s = match self.p(h, r) {
                        Obj::Str(s) => s.to_string(),
                        _ => String::new(),
                    };
                    self.dec(h, r);
                    return Ok(s);
                }
                if self.is_exception(h, x) {
                    let args = self.instance_attr(h, x, "args");
                    let n = self.type_name(h, x);
                    let items = self.edges(h, args);
                    let inner = if items.len() == 1 {
                        self.repr(h, items[0])?
                    } else {
                        let s = self.repr(h, args)?;
                        s[1..s.len() - 1].to_string()
                    };
                    return Ok(format!("{n}({inner})"));
                }
                let c = self.edge(h, x, 0);
                let n = match self.p(h, c) {
                    Obj::Class(ci) => ci.name.clone(),
                    _ => "object".into(),
                };
                Ok(format!(
                    "<__main__.{n} object at {:#x}>",
                    h.id(x).unwrap_or(0)
                ))
            }
            Obj::Method => {
                let f = self.edge(h, x, 0);
                let this = self.edge(h, x, 1);
                let q = match self.p(h, f) {
                    Obj::Func(d) => d.qualname.to_string(),
                    _ => "?".into(),
                };
                let r = self.repr(h, this)?;
                Ok(format!("<bound method {q} of {r}>"))
            }
            Obj::Builtin(n) => Ok(format!("<built-in function {n}>")),
            Obj::BuiltinMethod(n) => {
                let this = self.edge(h, x, 0);
                let t = self.type_name(h, this);
                Ok(format!(
                    "<built-in method {n} of {t} object at {:#x}>",
                    h.id(this).unwrap_or(0)
                ))
            }
            Obj::Module(m) => Ok(format!("<module '{m}' (built-in)>")),
            Obj::Cell => {
                let v = self.edge(h, x, 0);
                let id = h.id(x).unwrap_or(0);
                if v == self.null {
                    Ok(format!("<cell at {id:#x}: empty>"))
                } else {
                    let t = self.type_name(h, v);
                    Ok(format!(
                        "<cell at {id:#x}: {t} object at {:#x}>",
                        h.id(v).unwrap_or(0)
                    ))
                }
            }
            Obj::WeakRef(w) => {
                let id = h.id(x).unwrap_or(0);
                match w.and_then(|w| h.upgrade(w)) {
                    Some(o) => {
                        let t = self.type_name(h, o);
                        Ok(format!(
                            "<weakref at {id:#x}; to '{t}' at {:#x}>",
                            h.id(o).unwrap_or(0)
                        ))
                    }
                    None => Ok(format!("<weakref at {id:#x}; dead>")),
                }
            }
            o => Ok(format!(
                "<{} object at {:#x}>",
                o.type_name(),
                h.id(x).unwrap_or(0)
            )),
        }
    }

    // ---------------------------------------------------------------- statements

    /// Runs a block.
    pub fn exec_block(&self, h: &mut H<C>, cx: &Ctx, body: &'static [Stmt]) -> R<Flow> {
        for s in body {
            let line = self.line_of(s.range().start().to_usize());
            self.line.set(line);
            if self.dot_lines.borrow().contains(&line) {
                self.picture(h, &format!("line{line}"));
            }
            match self.exec(h, cx, s) {
                Ok(Flow::Normal) => {}
                Ok(f) => return Ok(f),
                Err(Unwind::Exc(mut e)) => {
                    let depth = self.depth.get();
                    if e.tb.last().is_none_or(|t| t.depth != depth) {
                        let expr = match self.pending.get() {
                            Some((d, o, x)) if d == depth && o == e.obj => Some(x),
                            _ => None,
                        };
                        e.tb.push(TbEntry {
                            depth,
                            line,
                            func: cx.code.name.clone(),
                            expr,
                        });
                    }
                    return Err(Unwind::Exc(e));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&self, h: &mut H<C>, cx: &Ctx, s: &'static Stmt) -> R<Flow> {
        let line = self.line.get();
        match s {
            Stmt::Expr(e) => {
                let v = self.eval(h, cx, &e.value)?;
                self.dec(h, v);
            }
            Stmt::Assign(a) => {
                let v = self.eval(h, cx, &a.value)?;
                for (i, t) in a.targets.iter().enumerate() {
                    // Every target but the last takes a new reference; the one kept for
                    // the targets after a failing store goes back with the error.
                    let more = i + 1 < a.targets.len();
                    if more {
                        self.inc(h, v);
                    }
                    if let Err(e) = self.assign(h, cx, t, v) {
                        if more {
                            self.dec(h, v);
                        }
                        return Err(e);
                    }
                }
            }
            Stmt::AugAssign(a) => self.aug_assign(h, cx, a)?,
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    let v = self.eval(h, cx, v)?;
                    self.assign(h, cx, &a.target, v)?;
                }
            }
            Stmt::Pass(_) => {}
            Stmt::Return(r) => {
                let v = match &r.value {
                    Some(v) => self.eval(h, cx, v)?,
                    None => self.none(h),
                };
                return Ok(Flow::Return(v));
            }
            Stmt::If(i) => {
                if self.eval_truth(h, cx, &i.test)? {
                    return self.exec_block(h, cx, &i.body);
                }
                for c in &i.elif_else_clauses {
                    let take = match &c.test {
                        Some(t) => {
                            self.line.set(self.line_of(t.range().start().to_usize()));
                            self.eval_truth(h, cx, t)?
                        }
                        None => true,
                    };
                    if take {
                        return self.exec_block(h, cx, &c.body);
                    }
                }
            }
            Stmt::While(w) => loop {
                self.line.set(line);
                if !self.eval_truth(h, cx, &w.test)? {
                    return self.exec_block(h, cx, &w.orelse);
                }
                match self.exec_block(h, cx, &w.body)? {
                    Flow::Break => break,
                    Flow::Continue | Flow::Normal => {}
                    r => return Ok(r),
                }
            },
            Stmt::For(f) => {
                if f.is_async {
                    return self.unsupported(line, "'async for'");
                }
                let src = self.eval(h, cx, &f.iter)?;
                let it = self.get_iter(h, src);
                self.dec(h, src);
                let it = it?;
                let r = (|| {
                    loop {
                        let Some(v) = self.next(h, it)? else {
                            return self.exec_block(h, cx, &f.orelse);
                        };
                        self.assign(h, cx, &f.target, v)?;
                        match self.exec_block(h, cx, &f.body)? {
                            Flow::Break => return Ok(Flow::Normal),
                            Flow::Continue | Flow::Normal => {}
                            r => return Ok(r),
                        }
                        self.line.set(line);
                    }
                })();
                self.dec(h, it);
                return r;
            }
            Stmt::Break(_) => return Ok(Flow::Break),
            Stmt::Continue(_) => return Ok(Flow::Continue),
            Stmt::FunctionDef(fd) => {
                if fd.is_async {
                    return self.unsupported(line, "'async def'");
                }
                if fd.type_params.is_some() {
                    return self.unsupported(line, "type parameters");
                }
                let decos = self.eval_decorators(h, cx, &fd.decorator_list)?;
                let f = self.make_function(
                    h,
                    cx,
                    &fd.parameters,
                    Some(&fd.body),
                    None,
                    fd.name.id.as_str(),
                    fd as *const _ as usize,
                    line,
                );
                let f = match f {
                    Ok(f) => f,
                    Err(e) => {
                        self.dec_all(h, decos);
                        return Err(e);
                    }
                };
                self.decorate_and_store(h, cx, fd.name.id.as_str(), f, decos)?;
            }
            Stmt::ClassDef(c) => self.class_def(h, cx, c)?,
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.delete(h, cx, t)?;
                }
            }
            Stmt::Global(_) | Stmt::Nonlocal(_) => {}
            Stmt::Import(i) => {
                for a in &i.names {
                    let name = a.name.id.as_str();
                    let m = self.import(h, name)?;
                    let bind = a.asname.as_ref().map(|x| x.id.as_str()).unwrap_or(name);
                    self.store_name(h, cx, bind, m)?;
                }
            }
            Stmt::ImportFrom(i) => {
                let Some(m) = &i.module else {
                    return self.unsupported(line, "relative import");
                };
                let m = self.import(h, m.id.as_str())?;
                for a in &i.names {
                    if a.name.id.as_str() == "*" {
                        self.dec(h, m);
                        return self.unsupported(line, "'import *'");
                    }
                    let v = match self.getattr(h, m, a.name.id.as_str()) {
                        Ok(v) => v,
                        Err(e) => {
                            self.dec(h, m);
                            return Err(e);
                        }
                    };
                    let bind = a.asname.as_ref().unwrap_or(&a.name).id.as_str();
                    self.store_name(h, cx, bind, v)?;
                }
                self.dec(h, m);
            }
            Stmt::Raise(r) => return self.raise(h, cx, r).map(|_| Flow::Normal),
            Stmt::Try(t) => return self.exec_try(h, cx, t),
            Stmt::Assert(a) => {
                if !self.eval_truth(h, cx, &a.test)? {
                    let args = match &a.msg {
                        Some(m) => vec![self.eval(h, cx, m)?],
                        None => vec![],
                    };
                    let c = self.types.borrow()["AssertionError"];
                    let e = self.instantiate_exc(h, c, args);
                    return Err(Unwind::Exc(Box::new(PyExc {
                        obj: e,
                        tb: vec![],
                        context: None,
                    })));
                }
            }
            Stmt::With(w) => {
                if w.is_async {
                    return self.unsupported(line, "'async with'");
                }
                return self.exec_with(h, cx, &w.items, &w.body);
            }
            Stmt::Match(_) => return self.unsupported(line, "'match'"),
            Stmt::TypeAlias(_) => return self.unsupported(line, "'type' alias"),
            Stmt::IpyEscapeCommand(_) => return self.unsupported(line, "IPython escape"),
        }
        Ok(Flow::Normal)
    }

    fn import(&self, h: &mut H<C>, name: &str) -> R<ObjId> {
        let m = self.modules.borrow().get(name).copied();
        match m {
            Some(m) => Ok(self.inc(h, m)),
            None => self.err(
                h,
                "ModuleNotFoundError",
                &format!("No module named '{name}'"),
            ),
        }
    }

    fn exec_with(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        items: &'static [ast::WithItem],
        body: &'static [Stmt],
    ) -> R<Flow> {
        let Some((first, rest)) = items.split_first() else {
            return self.exec_block(h, cx, body);
        };
        let mgr = self.eval(h, cx, &first.context_expr)?;
        let exit = match self.getattr(h, mgr, "__exit__") {
            Ok(x) => x,
            Err(e) => {
                self.dec(h, mgr);
                return Err(e);
            }
        };
        let enter = self.getattr(h, mgr, "__enter__");
        self.dec(h, mgr);
        let entered = enter.and_then(|en| {
            let r = self.call(h, en, vec![], vec![]);
            self.dec(h, en);
            r
        });
        let v = match entered {
            Ok(v) => v,
            Err(e) => {
                self.dec(h, exit);
                return Err(e);
            }
        };
        let r = match &first.optional_vars {
            Some(t) => self.assign(h, cx, t, v),
            None => {
                self.dec(h, v);
                Ok(())
            }
        }
        .and_then(|()| self.exec_with(h, cx, rest, body));
        match r {
            Ok(flow) => {
                let a = vec![self.none(h), self.none(h), self.none(h)];
                let x = self.call(h, exit, a, vec![]);
                self.dec(h, exit);
                match x {
                    Ok(x) => {
                        self.dec(h, x);
                        Ok(flow)
                    }
                    Err(e) => {
                        if let Flow::Return(v) = flow {
                            self.dec(h, v);
                        }
                        Err(e)
                    }
                }
            }
            Err(Unwind::Exc(e)) => {
                let t = self.type_of(h, e.obj);
                let a = vec![self.inc(h, t), self.inc(h, e.obj), self.none(h)];
                let x = self.call(h, exit, a, vec![]);
                self.dec(h, exit);
                let x = match x {
                    Ok(x) => x,
                    Err(e2) => {
                        self.dec(h, e.obj);
                        return Err(e2);
                    }
                };
                let suppress = self.truthy(h, x);
                self.dec(h, x);
                if suppress? {
                    self.dec(h, e.obj);
                    Ok(Flow::Normal)
                } else {
                    Err(Unwind::Exc(e))
                }
            }
            Err(e) => {
                self.dec(h, exit);
                Err(e)
            }
        }
    }

    fn raise(&self, h: &mut H<C>, cx: &Ctx, r: &'static ast::StmtRaise) -> R<()> {
        let Some(e) = &r.exc else {
            let cur = self.handling.borrow().last().cloned();
            return match cur {
                Some((e, tb, context)) => Err(Unwind::Exc(Box::new(PyExc {
                    obj: self.inc(h, e),
                    tb,
                    context,
                }))),
                None => self.err(h, "RuntimeError", "No active exception to reraise"),
            };
        };
        let v = self.eval(h, cx, e)?;
        let mut context = None;
        if let Some(c) = &r.cause {
            let c = match self.eval(h, cx, c) {
                Ok(c) => c,
                Err(x) => {
                    self.dec(h, v);
                    return Err(x);
                }
            };
            if c == self.none {
                context = Some(String::new());
            } else if self.is_exception(h, c) {
                let saved = self
                    .handling
                    .borrow()
                    .iter()
                    .rev()
                    .find(|x| x.0 == c)
                    .cloned();
                let (tb, ctx) = saved.map(|x| (x.1, x.2)).unwrap_or_default();
                let mut s = self.render_exc(h, c, &tb, ctx.as_deref());
                s.push_str(
                    "\nThe above exception was the direct cause of the following exception:\n\n",
                );
                context = Some(s);
            }
            self.dec(h, c);
        }
        let obj = match self.p(h, v) {
            Obj::Class(_) => {
                let r = self.call(h, v, vec![], vec![]);
                self.dec(h, v);
                r?
            }
            _ => v,
        };
        if !self.is_exception(h, obj) {
            self.dec(h, obj);
            return self.err(h, "TypeError", "exceptions must derive from BaseException");
        }
        Err(Unwind::Exc(Box::new(PyExc {
            obj,
            tb: vec![],
            context,
        })))
    }

    fn exec_try(&self, h: &mut H<C>, cx: &Ctx, t: &'static ast::StmtTry) -> R<Flow> {
        if t.is_star {
            return self.unsupported(self.line.get(), "'except*'");
        }
        let mut result = self.exec_block(h, cx, &t.body);
        if let Err(Unwind::Exc(e)) = result {
            let mut handled = None;
            let mut err = None;
            for hd in &t.handlers {
                let ast::ExceptHandler::ExceptHandler(hd) = hd;
                let m = match &hd.type_ {
                    None => true,
                    Some(te) => {
                        self.line.set(self.line_of(hd.range.start().to_usize()));
                        match self.eval(h, cx, te) {
                            Ok(c) => {
                                let m = self.exc_matches(h, e.obj, c);
                                self.dec(h, c);
                                m
                            }
                            Err(x) => {
                                err = Some(x);
                                break;
                            }
                        }
                    }
                };
                if m {
                    handled = Some(hd);
                    break;
                }
            }
            if let Some(x) = err {
                self.dec(h, e.obj);
                result = Err(x);
            } else if let Some(hd) = handled {
                self.handling
                    .borrow_mut()
                    .push((e.obj, e.tb.clone(), e.context.clone()));
                let mut r = Ok(());
                if let Some(n) = &hd.name {
                    let v = self.inc(h, e.obj);
                    r = self.store_name(h, cx, n.id.as_str(), v);
                }
                let mut res = r.and_then(|()| self.exec_block(h, cx, &hd.body));
                if let Some(n) = &hd.name {
                    if let Err(x) = self.delete_name(h, cx, n.id.as_str()) {
                        self.drop_unwind(h, x);
                    }
                }
                self.handling.borrow_mut().pop();
                if let Err(Unwind::Exc(mut inner)) = res {
                    if inner.obj != e.obj && inner.context.is_none() {
                        let mut s = self.render_exc(h, e.obj, &e.tb, e.context.as_deref());
                        s.push_str("\nDuring handling of the above exception, another exception occurred:\n\n");
                        inner.context = Some(s);
                    }
                    res = Err(Unwind::Exc(inner));
                }
                self.dec(h, e.obj);
                result = res;
            } else {
                result = Err(Unwind::Exc(e));
            }
        } else if let Ok(Flow::Normal) = result {
            result = self.exec_block(h, cx, &t.orelse);
        }
        if !t.finalbody.is_empty() {
            match self.exec_block(h, cx, &t.finalbody) {
                Ok(Flow::Normal) => {}
                other => {
                    match result {
                        Ok(Flow::Return(v)) => self.dec(h, v),
                        Err(u) => self.drop_unwind(h, u),
                        _ => {}
                    }
                    return other;
                }
            }
        }
        result
    }

    /// Builds a function object (owned).
    #[allow(clippy::too_many_arguments)]
    fn make_function(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        params: &'static ast::Parameters,
        body: Option<&'static [Stmt]>,
        lambda: Option<&'static Expr>,
        name: &str,
        key: usize,
        line: usize,
    ) -> R<ObjId> {
        let code = self.scopes.borrow().codes.get(&key).cloned();
        let Some(code) = code else {
            return self.unsupported(line, "this function");
        };
        // defaults
        let mut defs = vec![];
        for a in params.posonlyargs.iter().chain(&params.args) {
            if let Some(d) = &a.default {
                match self.eval(h, cx, d) {
                    Ok(v) => defs.push(v),
                    Err(e) => {
                        self.dec_all(h, defs);
                        return Err(e);
                    }
                }
            }
        }
        let defaults = if defs.is_empty() {
            self.none(h)
        } else {
            self.new_tuple(h, defs)
        };
        let mut kwd = None;
        for a in &params.kwonlyargs {
            if let Some(d) = &a.default {
                let v = match self.eval(h, cx, d) {
                    Ok(v) => v,
                    Err(e) => {
                        self.dec(h, defaults);
                        if let Some(k) = kwd {
                            self.dec(h, k);
                        }
                        return Err(e);
                    }
                };
                let d = *kwd.get_or_insert_with(|| self.new_dict(h));
                self.dict_set_str(h, d, a.parameter.name.id.as_str(), v);
            }
        }
        let kwdefaults = kwd.unwrap_or_else(|| self.none(h));
        let closure = if code.free.is_empty() {
            self.none(h)
        } else {
            let mut cells = vec![];
            for (n, _) in &code.free {
                let s = cx.code.slot_of.get(n).copied();
                match (s, cx.frame) {
                    (Some(s), Some(f)) if cx.code.is_cell[s] => cells.push(self.edge(h, f, s)),
                    _ => cells.push(self.null),
                }
            }
            self.new_tuple_borrowed(h, &cells)
        };
        let qualname: Rc<str> = match cx.code.kind {
            Kind::Module => name.into(),
            Kind::Class => format!("{}.{name}", cx.code.name).into(),
            Kind::Function => format!("{}.<locals>.{name}", cx.code.name).into(),
        };
        let def = FuncDef {
            name: name.into(),
            qualname,
            code,
            params,
            body,
            lambda,
            line,
            generator: body.is_some_and(|b| b.iter().any(crate::generator::stmt_has_yield)),
        };
        let edges = [cx.globals, defaults, kwdefaults, closure];
        let f = h
            .alloc_with(Obj::Func(Rc::new(def)), &edges)
            .expect("alloc");
        self.dec_all(h, [defaults, kwdefaults, closure]);
        Ok(f)
    }

    fn class_def(&self, h: &mut H<C>, cx: &Ctx, c: &'static ast::StmtClassDef) -> R<()> {
        let line = self.line.get();
        if c.type_params.is_some() {
            return self.unsupported(line, "type parameters");
        }
        if c.arguments.as_ref().is_some_and(|a| !a.keywords.is_empty()) {
            return self.unsupported(line, "class keywords (metaclass)");
        }
        // CPython evaluates the decorators first, then the bases, then the body
        // (compiler_class: decorators are pushed before LOAD_BUILD_CLASS).
        let decos = self.eval_decorators(h, cx, &c.decorator_list)?;
        match self.build_class(h, cx, c, line) {
            Ok(cls) => self.decorate_and_store(h, cx, c.name.id.as_str(), cls, decos),
            Err(e) => {
                self.dec_all(h, decos);
                Err(e)
            }
        }
    }

    /// Evaluates decorator expressions, outermost first (owned; all released if one
    /// raises).
    fn eval_decorators(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        list: &'static [ast::Decorator],
    ) -> R<Vec<ObjId>> {
        let mut decos = Vec::with_capacity(list.len());
        for d in list {
            match self.eval(h, cx, &d.expression) {
                Ok(v) => decos.push(v),
                Err(e) => {
                    self.dec_all(h, decos);
                    return Err(e);
                }
            }
        }
        Ok(decos)
    }

    /// Applies decorators (evaluated, owned, outermost first) to `value`, innermost
    /// first, and binds the result to `name`; on an error the decorators not yet
    /// applied are released.
    fn decorate_and_store(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        name: &str,
        value: ObjId,
        mut decos: Vec<ObjId>,
    ) -> R<()> {
        let mut value = value;
        while let Some(d) = decos.pop() {
            let r = self.call(h, d, vec![value], vec![]);
            self.dec(h, d);
            match r {
                Ok(v) => value = v,
                Err(e) => {
                    self.dec_all(h, decos);
                    return Err(e);
                }
            }
        }
        self.store_name(h, cx, name, value)
    }

    /// Evaluates a class statement's bases and runs its body, returning the new
    /// class (owned). Everything taken is given back on an error.
    fn build_class(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        c: &'static ast::StmtClassDef,
        line: usize,
    ) -> R<ObjId> {
        let mut bases = vec![];
        if let Some(a) = &c.arguments {
            for b in a.args.iter() {
                let v = match self.eval(h, cx, b) {
                    Ok(v) => v,
                    Err(e) => {
                        self.dec_all(h, bases);
                        return Err(e);
                    }
                };
                if !matches!(self.p(h, v), Obj::Class(_)) {
                    self.dec(h, v);
                    self.dec_all(h, bases);
                    return self.err(h, "TypeError", "bases must be types");
                }
                bases.push(v);
            }
        }
        if bases.is_empty() {
            let o = self.types.borrow()["object"];
            bases.push(self.inc(h, o));
        }
        let key = c as *const _ as usize;
        let code = self.scopes.borrow().codes.get(&key).cloned();
        let Some(code) = code else {
            self.dec_all(h, bases);
            return self.unsupported(line, "this class");
        };
        let ns = self.new_dict(h);
        let frame = self.alloc_frame(h, &code);
        for (i, is_cell) in code.is_cell.iter().enumerate() {
            if *is_cell {
                let free = code.free.iter().find(|(_, s)| *s == i);
                let cell = match free {
                    Some((n, _)) => match (cx.code.slot_of.get(n), cx.frame) {
                        (Some(&s), Some(f)) => self.inc(h, self.edge(h, f, s)),
                        _ => h.alloc(Obj::Cell),
                    },
                    None => h.alloc(Obj::Cell),
                };
                let _ = h.set_edge(frame, i, cell);
                self.dec(h, cell);
            }
        }
        let m = self.str_(h, "__main__");
        self.dict_set_str(h, ns, "__module__", m);
        let q = self.str_(h, c.name.id.as_str());
        self.dict_set_str(h, ns, "__qualname__", q);
        if let Some(Stmt::Expr(e)) = c.body.first() {
            if let Expr::StringLiteral(_) = &*e.value {
                // the compiler stores a class's docstring as `__doc__` (compiler_body)
                if let Ok(d) = self.eval(h, cx, &e.value) {
                    self.dict_set_str(h, ns, "__doc__", d);
                }
            }
        }
        let bcx = Ctx {
            code: &code,
            frame: Some(frame),
            globals: cx.globals,
            ns: Some(ns),
        };
        self.depth.set(self.depth.get() + 1);
        let r = self.exec_block(h, &bcx, &c.body);
        self.depth.set(self.depth.get() - 1);
        if let Err(e) = r {
            self.dec_all(h, [ns, frame]);
            self.dec_all(h, bases);
            return Err(e);
        }
        // type_new: the MRO, the base whose layout the class extends, the namespace's
        // `__qualname__` taken out, the descriptors and `__doc__` put in.
        let layout = match self.class_layout(h, ns, &bases) {
            Ok(v) => v,
            Err(e) => {
                self.dec_all(h, [ns, frame]);
                self.dec_all(h, bases);
                return Err(e);
            }
        };
        let has_del = self.dict_get_str(h, ns, "__del__").is_some()
            || layout
                .rest
                .iter()
                .any(|&m| self.class_dict_get(h, m, "__del__").is_some());
        let info = ClassInfo {
            name: c.name.id.as_str().into(),
            builtin: None,
            has_del,
        };
        self.mark_class_ns(h, ns);
        let cls = self.alloc_class(h, info, ns, &bases, &layout.rest, layout.base);
        self.dec_all(h, bases);
        self.add_descriptors(h, cls, layout);
        if let Some(&s) = code.slot_of.get("__class__") {
            let cell = self.edge(h, frame, s);
            let v = self.inc(h, cls);
            self.cell_set(h, cell, Some(v));
        }
        self.dec(h, frame);
        Ok(cls)
    }

    /// What CPython's `type_new` decides before the class object exists, from the
    /// bases (borrowed) and the namespace `ns` the body filled: the MRO, the base
    /// whose instance layout the class extends (`best_base`), the `__slots__` checked
    /// (`type_new_slots`); `__qualname__` is taken out of `ns`. The descriptors it
    /// chooses refer to the class, so [`Interp::add_descriptors`] adds them once the
    /// class exists.
    fn class_layout(&self, h: &mut H<C>, ns: ObjId, bases: &[ObjId]) -> R<ClassLayout> {
        let rest = match self.c3(h, bases) {
            Ok(rest) => rest,
            Err(heads) => {
                let names: Vec<String> = heads
                    .iter()
                    .map(|&b| match self.p(h, b) {
                        Obj::Class(ci) => ci.name.to_string(),
                        _ => "?".into(),
                    })
                    .collect();
                return self.err(
                    h,
                    "TypeError",
                    &format!(
                        "Cannot create a consistent method resolution\norder (MRO) for bases {}",
                        names.join(", ")
                    ),
                );
            }
        };
        let Some(base) = self.best_base(h, bases) else {
            return self.err(
                h,
                "TypeError",
                "multiple bases have instance lay-out conflict",
            );
        };
        if let Some(q) = self.dict_del_hkey(h, ns, &HKey::Str(self.name_rc("__qualname__")))? {
            self.dec(h, q);
        }
        let slots = match self.dict_get_str(h, ns, "__slots__") {
            None => None,
            Some(s) => {
                let items = match self.p(h, s) {
                    Obj::Str(_) => vec![s],
                    _ => {
                        // owned items: the namespace keeps `__slots__` (and its items) alive
                        let v = self.unpack_iterable(h, s)?;
                        self.dec_all(h, v.iter().copied());
                        v
                    }
                };
                let mut names = Vec::with_capacity(items.len());
                for i in items {
                    match self.p(h, i) {
                        Obj::Str(t) => names.push(t.clone()),
                        _ => {
                            let t = self.type_name(h, i);
                            return self.err(
                                h,
                                "TypeError",
                                &format!("__slots__ items must be strings, not '{t}'"),
                            );
                        }
                    }
                }
                Some(names)
            }
        };
        let may_dict = !self.layout_has(h, base, false);
        let may_weak = !self.layout_has(h, base, true);
        let (mut add_dict, mut add_weak, mut members) = (may_dict, may_weak, vec![]);
        if let Some(names) = slots {
            add_dict = false;
            add_weak = false;
            for n in names {
                match &*n {
                    "__dict__" => {
                        if !may_dict || add_dict {
                            return self.err(
                                h,
                                "TypeError",
                                "__dict__ slot disallowed: we already got one",
                            );
                        }
                        add_dict = true;
                    }
                    "__weakref__" => {
                        if !may_weak || add_weak {
                            return self.err(
                                h,
                                "TypeError",
                                "__weakref__ slot disallowed: either we already got one, or the base type has a nonzero tp_itemsize",
                            );
                        }
                        add_weak = true;
                    }
                    _ => {
                        if !is_identifier(&n) {
                            return self.err(h, "TypeError", "__slots__ must be identifiers");
                        }
                        if self.dict_get_str(h, ns, &n).is_some() {
                            return self.err(
                                h,
                                "ValueError",
                                &format!("'{n}' in __slots__ conflicts with class variable"),
                            );
                        }
                        members.push(n);
                    }
                }
            }
            // type_new_slots_bases: another base with a dict or weak-reference slot
            for &b in bases.iter().filter(|&&b| b != base) {
                add_dict |= may_dict && self.layout_has(h, b, false);
                add_weak |= may_weak && self.layout_has(h, b, true);
            }
            members.sort(); // type_new_copy_slots sorts the names
            members.dedup();
        }
        Ok(ClassLayout {
            rest,
            base,
            members,
            add_dict,
            add_weak,
        })
    }

    /// Puts into a new class's dict the descriptors [`Interp::class_layout`] chose:
    /// the `__slots__` members, then `__dict__`, then `__weakref__`, then `__doc__`
    /// (`None`) if the body set none — CPython 3.11's order (`type_ready`'s
    /// `add_members`, `add_getset`, `type_dict_set_doc`).
    fn add_descriptors(&self, h: &mut H<C>, cls: ObjId, layout: ClassLayout) {
        let d = self.edge(h, cls, CLASS_DICT);
        let kinds = layout
            .members
            .into_iter()
            .map(DescrKind::Member)
            .chain(layout.add_dict.then_some(DescrKind::Dict))
            .chain(layout.add_weak.then_some(DescrKind::Weakref));
        for k in kinds {
            let name = match &k {
                DescrKind::Member(n) => n.to_string(),
                DescrKind::Dict => "__dict__".into(),
                DescrKind::Weakref => "__weakref__".into(),
            };
            let o = h.alloc_with(Obj::Descr(k), &[cls]).expect("alloc");
            self.dict_set_str(h, d, &name, o);
        }
        if self.dict_get_str(h, d, "__doc__").is_none() {
            let n = self.none(h);
            self.dict_set_str(h, d, "__doc__", n);
        }
    }

    /// Binds an assignment target to an owned value.
    pub fn assign(&self, h: &mut H<C>, cx: &Ctx, t: &'static Expr, v: ObjId) -> R<()> {
        match t {
            Expr::Name(n) => self.store_node(h, cx, n, v),
            Expr::Attribute(a) => {
                let o = match self.eval(h, cx, &a.value) {
                    Ok(o) => o,
                    Err(e) => {
                        self.dec(h, v);
                        return Err(e);
                    }
                };
                let r = self.setattr(h, o, a.attr.id.as_str(), v);
                self.dec(h, o);
                r
            }
            Expr::Subscript(s) => {
                let o = match self.eval(h, cx, &s.value) {
                    Ok(o) => o,
                    Err(e) => {
                        self.dec(h, v);
                        return Err(e);
                    }
                };
                let k = match self.eval(h, cx, &s.slice) {
                    Ok(k) => k,
                    Err(e) => {
                        self.dec_all(h, [v, o]);
                        return Err(e);
                    }
                };
                let r = crate::builtins::setitem(self, h, o, k, v);
                self.dec_all(h, [o, k]);
                r
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let items = self.unpack_iterable(h, v);
                self.dec(h, v);
                let mut items = items?;
                let star = elts.iter().position(|e| matches!(e, Expr::Starred(_)));
                let n = elts.len();
                match star {
                    None => {
                        if items.len() != n {
                            let got = items.len();
                            self.dec_all(h, items);
                            return if got > n {
                                self.err(
                                    h,
                                    "ValueError",
                                    &format!("too many values to unpack (expected {n})"),
                                )
                            } else {
                                self.err(
                                    h,
                                    "ValueError",
                                    &format!(
                                        "not enough values to unpack (expected {n}, got {got})"
                                    ),
                                )
                            };
                        }
                        let mut it = items.into_iter();
                        for e in elts {
                            let x = it.next().unwrap_or(self.null);
                            if let Err(err) = self.assign(h, cx, e, x) {
                                self.dec_all(h, it);
                                return Err(err);
                            }
                        }
                        Ok(())
                    }
                    Some(si) => {
                        if items.len() < n - 1 {
                            let got = items.len();
                            self.dec_all(h, items);
                            return self.err(
                                h,
                                "ValueError",
                                &format!(
                                    "not enough values to unpack (expected at least {}, got {got})",
                                    n - 1
                                ),
                            );
                        }
                        let after = n - si - 1;
                        let tail = items.split_off(items.len() - after);
                        let mid = items.split_off(si);
                        let mut seq: Vec<ObjId> = items;
                        let l = self.new_list(h, mid);
                        seq.push(l);
                        seq.extend(tail);
                        let mut it = seq.into_iter();
                        for e in elts {
                            let tgt = match e {
                                Expr::Starred(s) => &*s.value,
                                e => e,
                            };
                            let x = it.next().unwrap_or(self.null);
                            if let Err(err) = self.assign(h, cx, tgt, x) {
                                self.dec_all(h, it);
                                return Err(err);
                            }
                        }
                        Ok(())
                    }
                }
            }
            Expr::Starred(_) => {
                self.dec(h, v);
                self.err(
                    h,
                    "SyntaxError",
                    "starred assignment target must be in a list or tuple",
                )
            }
            _ => {
                self.dec(h, v);
                self.unsupported(self.line.get(), "this assignment target")
            }
        }
    }

    fn delete(&self, h: &mut H<C>, cx: &Ctx, t: &'static Expr) -> R<()> {
        match t {
            Expr::Name(n) => self.delete_name(h, cx, n.id.as_str()),
            Expr::Attribute(a) => {
                let o = self.eval(h, cx, &a.value)?;
                let r = self.delattr(h, o, a.attr.id.as_str());
                self.dec(h, o);
                r
            }
            Expr::Subscript(s) => {
                let o = self.eval(h, cx, &s.value)?;
                let k = match self.eval(h, cx, &s.slice) {
                    Ok(k) => k,
                    Err(e) => {
                        self.dec(h, o);
                        return Err(e);
                    }
                };
                let r = crate::builtins::delitem(self, h, o, k);
                self.dec_all(h, [o, k]);
                r
            }
            Expr::Tuple(t) => {
                for e in &t.elts {
                    self.delete(h, cx, e)?;
                }
                Ok(())
            }
            Expr::List(t) => {
                for e in &t.elts {
                    self.delete(h, cx, e)?;
                }
                Ok(())
            }
            _ => self.unsupported(self.line.get(), "this del target"),
        }
    }

    fn aug_assign(&self, h: &mut H<C>, cx: &Ctx, a: &'static ast::StmtAugAssign) -> R<()> {
        match &*a.target {
            Expr::Name(n) => {
                let cur = self.load_node(h, cx, n)?;
                let rhs = match self.eval(h, cx, &a.value) {
                    Ok(v) => v,
                    Err(e) => {
                        self.dec(h, cur);
                        return Err(e);
                    }
                };
                let r = crate::ops::binop(self, h, a.op, cur, rhs, true);
                self.dec_all(h, [cur, rhs]);
                self.store_node(h, cx, n, r?)
            }
            Expr::Attribute(at) => {
                let o = self.eval(h, cx, &at.value)?;
                let r = (|| {
                    let cur = self.getattr(h, o, at.attr.id.as_str())?;
                    let rhs = match self.eval(h, cx, &a.value) {
                        Ok(v) => v,
                        Err(e) => {
                            self.dec(h, cur);
                            return Err(e);
                        }
                    };
                    let r = crate::ops::binop(self, h, a.op, cur, rhs, true);
                    self.dec_all(h, [cur, rhs]);
                    self.setattr(h, o, at.attr.id.as_str(), r?)
                })();
                self.dec(h, o);
                r
            }
            Expr::Subscript(s) => {
                let o = self.eval(h, cx, &s.value)?;
                let k = match self.eval(h, cx, &s.slice) {
                    Ok(k) => k,
                    Err(e) => {
                        self.dec(h, o);
                        return Err(e);
                    }
                };
                let r = (|| {
                    let cur = crate::builtins::getitem(self, h, o, k)?;
                    let rhs = match self.eval(h, cx, &a.value) {
                        Ok(v) => v,
                        Err(e) => {
                            self.dec(h, cur);
                            return Err(e);
                        }
                    };
                    let r = crate::ops::binop(self, h, a.op, cur, rhs, true);
                    self.dec_all(h, [cur, rhs]);
                    crate::builtins::setitem(self, h, o, k, r?)
                })();
                self.dec_all(h, [o, k]);
                r
            }
            _ => self.unsupported(self.line.get(), "this augmented assignment target"),
        }
    }

    // ---------------------------------------------------------------- iteration

    /// `iter(x)` (owned).
    pub fn get_iter(&self, h: &mut H<C>, x: ObjId) -> R<ObjId> {
        match self.p(h, x) {
            Obj::List | Obj::Tuple | Obj::Dict(_) | Obj::Set(_) | Obj::Str(_) => Ok(h
                .alloc_with(Obj::Iter(IterState::Seq(0)), &[x])
                .expect("alloc")),
            Obj::Range(a, b, s) => {
                let st = IterState::Range(*a, *b, *s);
                Ok(h.alloc_with(Obj::Iter(st), &[x]).expect("alloc"))
            }
            Obj::Iter(_) | Obj::Generator(_) => Ok(self.inc(h, x)),
            Obj::Array(_) => {
                let items = crate::array::to_objects(self, h, x);
                let l = self.new_list(h, items);
                let it = self.get_iter(h, l);
                self.dec(h, l);
                it
            }
            Obj::DictView(_) => {
                let items = crate::builtins::view_items(self, h, x);
                let l = self.new_list(h, items);
                let it = self.get_iter(h, l);
                self.dec(h, l);
                it
            }
            Obj::Instance(_) => match self.call_special(h, x, "__iter__", vec![])? {
                Some(it) => Ok(it),
                None => {
                    if self.special(h, x, "__getitem__").is_some() {
                        return self.unsupported(self.line.get(), "iteration through __getitem__");
                    }
                    let t = self.type_name(h, x);
                    self.err(h, "TypeError", &format!("'{t}' object is not iterable"))
                }
            },
            _ => {
                let t = self.type_name(h, x);
                self.err(h, "TypeError", &format!("'{t}' object is not iterable"))
            }
        }
    }

    /// The next item (owned), or `None` when exhausted.
    pub fn next(&self, h: &mut H<C>, it: ObjId) -> R<Option<ObjId>> {
        match self.p(h, it) {
            Obj::Generator(_) => self.gen_next(h, it),
            Obj::Iter(IterState::Done) => Ok(None),
            Obj::Iter(IterState::Range(cur, stop, step)) => {
                let (cur, stop, step) = (*cur, *stop, *step);
                if (step > 0 && cur < stop) || (step < 0 && cur > stop) {
                    if let Ok(Obj::Iter(IterState::Range(c, ..))) = h.payload_mut(it) {
                        *c = cur + step;
                    }
                    Ok(Some(self.int(h, cur)))
                } else {
                    Ok(None)
                }
            }
            Obj::Iter(IterState::Seq(i)) => {
                let i = *i;
                let src = self.edge(h, it, 0);
                let item = match self.p(h, src) {
                    Obj::Str(s) => s
                        .chars()
                        .nth(i)
                        .map(|c| c.to_string())
                        .map(|c| self.str_(h, &c)),
                    Obj::Dict(_) => h
                        .edges(src)
                        .ok()
                        .and_then(|e| e.get(2 * i))
                        .map(|k| self.inc(h, k)),
                    _ => h
                        .edges(src)
                        .ok()
                        .and_then(|e| e.get(i))
                        .map(|k| self.inc(h, k)),
                };
                match item {
                    Some(v) => {
                        if let Ok(Obj::Iter(IterState::Seq(j))) = h.payload_mut(it) {
                            *j = i + 1;
                        }
                        Ok(Some(v))
                    }
                    None => {
                        if let Ok(Obj::Iter(st)) = h.payload_mut(it) {
                            *st = IterState::Done;
                        }
                        let _ = h.clear_edges(it);
                        Ok(None)
                    }
                }
            }
            Obj::Instance(_) => match self.call_special(h, it, "__next__", vec![]) {
                Ok(Some(v)) => Ok(Some(v)),
                Ok(None) => {
                    let t = self.type_name(h, it);
                    self.err(h, "TypeError", &format!("'{t}' object is not an iterator"))
                }
                Err(Unwind::Exc(e)) => {
                    let si = self.types.borrow()["StopIteration"];
                    if self.exc_matches(h, e.obj, si) {
                        self.dec(h, e.obj);
                        Ok(None)
                    } else {
                        Err(Unwind::Exc(e))
                    }
                }
                Err(e) => Err(e),
            },
            _ => {
                let t = self.type_name(h, it);
                self.err(h, "TypeError", &format!("'{t}' object is not an iterator"))
            }
        }
    }

    /// All items of an iterable (owned).
    pub fn unpack_iterable(&self, h: &mut H<C>, x: ObjId) -> R<Vec<ObjId>> {
        if matches!(self.p(h, x), Obj::List | Obj::Tuple) {
            let e = self.edges(h, x);
            for &i in &e {
                self.inc(h, i);
            }
            return Ok(e);
        }
        let it = self.get_iter(h, x)?;
        let mut out = vec![];
        loop {
            match self.next(h, it) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => break,
                Err(e) => {
                    self.dec(h, it);
                    self.dec_all(h, out);
                    return Err(e);
                }
            }
        }
        self.dec(h, it);
        Ok(out)
    }

    // ---------------------------------------------------------------- expressions

    pub(crate) fn eval_truth(&self, h: &mut H<C>, cx: &Ctx, e: &'static Expr) -> R<bool> {
        let v = self.eval(h, cx, e)?;
        let b = self.truthy(h, v);
        self.dec(h, v);
        b
    }

    fn eval_all(&self, h: &mut H<C>, cx: &Ctx, es: &'static [Expr]) -> R<Vec<ObjId>> {
        let mut out = vec![];
        for e in es {
            match e {
                Expr::Starred(s) => {
                    let v = match self.eval(h, cx, &s.value) {
                        Ok(v) => v,
                        Err(err) => {
                            self.dec_all(h, out);
                            return Err(err);
                        }
                    };
                    let items = self.unpack_iterable(h, v);
                    self.dec(h, v);
                    match items {
                        Ok(items) => out.extend(items),
                        Err(err) => {
                            self.dec_all(h, out);
                            return Err(err);
                        }
                    }
                }
                e => match self.eval(h, cx, e) {
                    Ok(v) => out.push(v),
                    Err(err) => {
                        self.dec_all(h, out);
                        return Err(err);
                    }
                },
            }
        }
        Ok(out)
    }

    /// Evaluates an expression to an owned value.
    pub fn eval(&self, h: &mut H<C>, cx: &Ctx, e: &'static Expr) -> R<ObjId> {
        let d = self.expr_depth.get();
        if d >= crate::MAX_DEPTH {
            return self.err(
                h,
                "RecursionError",
                "maximum recursion depth exceeded during compilation",
            );
        }
        self.expr_depth.set(d + 1);
        let r = self.eval_inner(h, cx, e);
        self.expr_depth.set(d);
        if let Err(Unwind::Exc(x)) = &r {
            let depth = self.depth.get();
            let keep =
                matches!(self.pending.get(), Some((pd, po, _)) if pd == depth && po == x.obj);
            if !keep {
                self.pending.set(Some((depth, x.obj, e)));
            }
        }
        r
    }

    fn eval_inner(&self, h: &mut H<C>, cx: &Ctx, e: &'static Expr) -> R<ObjId> {
        if could_be_constant(e) {
            if let Some(&o) = self.consts.borrow().get(&(e as *const Expr as usize)) {
                return Ok(self.inc(h, o));
            }
        }
        match e {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => match i.as_i64() {
                    Some(i) => Ok(self.int(h, i)),
                    None => self.err(
                        h,
                        "OverflowError",
                        "int literal too large for gclab-py (64-bit ints)",
                    ),
                },
                ast::Number::Float(f) => Ok(self.float(h, *f)),
                ast::Number::Complex { .. } => self.unsupported(self.line.get(), "complex numbers"),
            },
            Expr::StringLiteral(s) => Ok(self.str_(h, &lit_str(&s.value))),
            Expr::BooleanLiteral(b) => Ok(self.bool_(h, b.value)),
            Expr::NoneLiteral(_) => Ok(self.none(h)),
            Expr::EllipsisLiteral(_) => self.unsupported(self.line.get(), "'...' (Ellipsis)"),
            Expr::BytesLiteral(_) => self.unsupported(self.line.get(), "bytes"),
            Expr::Name(n) => self.load_node(h, cx, n),
            Expr::List(l) => {
                let items = self.eval_all(h, cx, &l.elts)?;
                Ok(self.new_list(h, items))
            }
            Expr::Tuple(t) => {
                let items = self.eval_all(h, cx, &t.elts)?;
                Ok(self.new_tuple(h, items))
            }
            Expr::Set(s) => {
                let items = self.eval_all(h, cx, &s.elts)?;
                let set = self.new_set(h);
                let mut it = items.into_iter();
                while let Some(x) = it.next() {
                    if let Err(e) = self.set_add(h, set, x) {
                        self.dec_all(h, it);
                        self.dec(h, set);
                        return Err(e);
                    }
                }
                Ok(set)
            }
            Expr::Dict(d) => {
                let dict = self.new_dict(h);
                let r = (|| {
                    for it in &d.items {
                        match &it.key {
                            Some(k) => {
                                let k = self.eval(h, cx, k)?;
                                let v = match self.eval(h, cx, &it.value) {
                                    Ok(v) => v,
                                    Err(e) => {
                                        self.dec(h, k);
                                        return Err(e);
                                    }
                                };
                                self.dict_set(h, dict, k, v)?;
                            }
                            None => {
                                let other = self.eval(h, cx, &it.value)?;
                                let r = crate::builtins::dict_update(self, h, dict, other);
                                self.dec(h, other);
                                r?;
                            }
                        }
                    }
                    Ok(())
                })();
                match r {
                    Ok(()) => Ok(dict),
                    Err(e) => {
                        self.dec(h, dict);
                        Err(e)
                    }
                }
            }
            Expr::BoolOp(b) => {
                let mut v = self.eval(h, cx, &b.values[0])?;
                for x in &b.values[1..] {
                    let t = self.truthy(h, v)?;
                    let stop = match b.op {
                        ast::BoolOp::And => !t,
                        ast::BoolOp::Or => t,
                    };
                    if stop {
                        return Ok(v);
                    }
                    self.dec(h, v);
                    v = self.eval(h, cx, x)?;
                }
                Ok(v)
            }
            Expr::BinOp(b) => {
                let l = self.eval(h, cx, &b.left)?;
                let r = match self.eval(h, cx, &b.right) {
                    Ok(r) => r,
                    Err(e) => {
                        self.dec(h, l);
                        return Err(e);
                    }
                };
                let res = crate::ops::binop(self, h, b.op, l, r, false);
                self.dec_all(h, [l, r]);
                res
            }
            Expr::UnaryOp(u) => {
                let v = self.eval(h, cx, &u.operand)?;
                let r = crate::ops::unary(self, h, u.op, v);
                self.dec(h, v);
                r
            }
            Expr::Compare(c) => {
                let mut left = self.eval(h, cx, &c.left)?;
                for (i, (op, re)) in c.ops.iter().zip(c.comparators.iter()).enumerate() {
                    let right = match self.eval(h, cx, re) {
                        Ok(r) => r,
                        Err(e) => {
                            self.dec(h, left);
                            return Err(e);
                        }
                    };
                    let res = crate::ops::compare(self, h, *op, left, right);
                    self.dec(h, left);
                    let res = match res {
                        Ok(r) => r,
                        Err(e) => {
                            self.dec(h, right);
                            return Err(e);
                        }
                    };
                    if i + 1 == c.ops.len() {
                        self.dec(h, right);
                        return Ok(res);
                    }
                    let t = self.truthy(h, res);
                    if !t? {
                        self.dec(h, right);
                        return Ok(res);
                    }
                    self.dec(h, res);
                    left = right;
                }
                Ok(left)
            }
            Expr::If(i) => {
                if self.eval_truth(h, cx, &i.test)? {
                    self.eval(h, cx, &i.body)
                } else {
                    self.eval(h, cx, &i.orelse)
                }
            }
            Expr::Named(n) => {
                let v = self.eval(h, cx, &n.value)?;
                self.inc(h, v);
                self.assign(h, cx, &n.target, v)?;
                Ok(v)
            }
            Expr::Attribute(a) => {
                let o = self.eval(h, cx, &a.value)?;
                let r = self.getattr(h, o, a.attr.id.as_str());
                self.dec(h, o);
                r
            }
            Expr::Subscript(s) => {
                let o = self.eval(h, cx, &s.value)?;
                let k = match self.eval(h, cx, &s.slice) {
                    Ok(k) => k,
                    Err(e) => {
                        self.dec(h, o);
                        return Err(e);
                    }
                };
                let r = crate::builtins::getitem(self, h, o, k);
                self.dec_all(h, [o, k]);
                r
            }
            Expr::Slice(s) => {
                let mut parts = vec![];
                for x in [&s.lower, &s.upper, &s.step] {
                    match x {
                        Some(x) => match self.eval(h, cx, x) {
                            Ok(v) => parts.push(v),
                            Err(e) => {
                                self.dec_all(h, parts);
                                return Err(e);
                            }
                        },
                        None => parts.push(self.none(h)),
                    }
                }
                let sl = h.alloc_with(Obj::Slice, &parts).expect("alloc");
                self.dec_all(h, parts);
                Ok(sl)
            }
            Expr::Call(c) => self.eval_call(h, cx, c),
            Expr::Lambda(l) => {
                let params = match &l.parameters {
                    Some(p) => &**p,
                    None => {
                        thread_local! {
                            static EMPTY: &'static ast::Parameters = Box::leak(Box::default());
                        }
                        EMPTY.with(|e| *e)
                    }
                };
                self.make_function(
                    h,
                    cx,
                    params,
                    None,
                    Some(&l.body),
                    "<lambda>",
                    l as *const _ as usize,
                    self.line.get(),
                )
            }
            Expr::FString(f) => {
                let mut s = String::new();
                for part in f.value.iter() {
                    match part {
                        ast::FStringPart::Literal(l) => s.push_str(l.as_str()),
                        ast::FStringPart::FString(fs) => {
                            self.fstring(h, cx, &fs.elements, &mut s)?
                        }
                    }
                }
                Ok(self.str_(h, &s))
            }
            Expr::ListComp(c) => {
                let out = self.new_list(h, vec![]);
                self.comprehension(
                    h,
                    cx,
                    c as *const _ as usize,
                    &c.generators,
                    &mut |this, h, cx: &Ctx| {
                        let v = this.eval(h, cx, &c.elt)?;
                        let _ = h.link(out, v);
                        this.dec(h, v);
                        Ok(())
                    },
                    out,
                )
            }
            Expr::SetComp(c) => {
                let out = self.new_set(h);
                self.comprehension(
                    h,
                    cx,
                    c as *const _ as usize,
                    &c.generators,
                    &mut |this, h, cx: &Ctx| {
                        let v = this.eval(h, cx, &c.elt)?;
                        this.set_add(h, out, v)
                    },
                    out,
                )
            }
            Expr::DictComp(c) => {
                let out = self.new_dict(h);
                let Some(key) = &c.key else {
                    return self.unsupported(self.line.get(), "this dict comprehension");
                };
                self.comprehension(
                    h,
                    cx,
                    c as *const _ as usize,
                    &c.generators,
                    &mut |this, h, cx: &Ctx| {
                        let k = this.eval(h, cx, key)?;
                        let v = match this.eval(h, cx, &c.value) {
                            Ok(v) => v,
                            Err(e) => {
                                this.dec(h, k);
                                return Err(e);
                            }
                        };
                        this.dict_set(h, out, k, v)
                    },
                    out,
                )
            }
            Expr::Generator(c) => self.make_genexp(h, cx, c),
            Expr::Starred(_) => self.unsupported(self.line.get(), "a starred expression here"),
            Expr::Await(_) => self.unsupported(self.line.get(), "'await'"),
            Expr::Yield(_) | Expr::YieldFrom(_) => self.unsupported(self.line.get(), "'yield'"),
            Expr::TString(_) => self.unsupported(self.line.get(), "template strings"),
            Expr::IpyEscapeCommand(_) => self.unsupported(self.line.get(), "IPython escape"),
        }
    }

    fn fstring(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        els: &'static ast::InterpolatedStringElements,
        s: &mut String,
    ) -> R<()> {
        for el in els.iter() {
            match el {
                ast::InterpolatedStringElement::Literal(l) => s.push_str(l),
                ast::InterpolatedStringElement::Interpolation(i) => {
                    if let Some(d) = &i.debug_text {
                        s.push_str(d.leading());
                        s.push_str(d.expression());
                        s.push_str(d.trailing());
                    }
                    let v = self.eval(h, cx, &i.expression)?;
                    let mut spec = String::new();
                    if let Some(fs) = &i.format_spec {
                        if let Err(e) = self.fstring(h, cx, &fs.elements, &mut spec) {
                            self.dec(h, v);
                            return Err(e);
                        }
                    }
                    let conv = match i.conversion {
                        ast::ConversionFlag::Repr => Some(true),
                        ast::ConversionFlag::Str => Some(false),
                        ast::ConversionFlag::Ascii => Some(true),
                        ast::ConversionFlag::None => {
                            if i.debug_text.is_some() && spec.is_empty() {
                                Some(true)
                            } else {
                                None
                            }
                        }
                    };
                    let r = match conv {
                        Some(true) => self.repr(h, v).map(|r| {
                            let sv = self.str_(h, &r);
                            self.dec(h, v);
                            sv
                        }),
                        Some(false) => self.str_of(h, v).map(|r| {
                            let sv = self.str_(h, &r);
                            self.dec(h, v);
                            sv
                        }),
                        None => Ok(v),
                    };
                    let v = r?;
                    let out = crate::format::format_value(self, h, v, &spec);
                    self.dec(h, v);
                    s.push_str(&out?);
                }
            }
        }
        Ok(())
    }

    /// Runs a comprehension as CPython 3.11 does: a function object of its own scope is
    /// made (its closure from this frame), the first iterable is evaluated here, and the
    /// function is called with its iterator in a frame of its own; `body` runs for each
    /// innermost iteration in that frame. Returns `out` (owned) or releases it on error.
    fn comprehension(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        key: usize,
        gens: &'static [ast::Comprehension],
        body: &mut CompBody<'_, C>,
        out: ObjId,
    ) -> R<ObjId> {
        let r = self.comprehension_inner(h, cx, key, gens, body);
        match r {
            Ok(()) => Ok(out),
            Err(e) => {
                self.dec(h, out);
                Err(e)
            }
        }
    }

    /// The function a comprehension (or generator expression, `generator`) of scope
    /// `code` made in `cx` runs as (3.11: its qualified name under the enclosing
    /// function's `<locals>`).
    pub(crate) fn comprehension_def(&self, cx: &Ctx, code: &Rc<Code>, generator: bool) -> FuncDef {
        let qualname: Rc<str> = match cx.code.kind {
            Kind::Function => format!("{}.<locals>.{}", cx.code.name, code.name).into(),
            _ => code.name.clone(),
        };
        FuncDef {
            name: code.name.clone(),
            qualname,
            code: code.clone(),
            params: crate::code::empty_params(),
            body: None,
            lambda: None,
            line: self.line.get(),
            generator,
        }
    }

    fn comprehension_inner(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        key: usize,
        gens: &'static [ast::Comprehension],
        body: &mut CompBody<'_, C>,
    ) -> R<()> {
        let code = self.scopes.borrow().codes.get(&key).cloned();
        let (Some(code), Some((g0, rest))) = (code, gens.split_first()) else {
            return self.unsupported(self.line.get(), "this comprehension");
        };
        if gens.iter().any(|g| g.is_async) {
            return self.unsupported(self.line.get(), "async comprehensions");
        }
        // MAKE_FUNCTION
        let def = self.comprehension_def(cx, &code, false);
        let closure = self.closure_for(h, cx, &code);
        let none = self.none;
        let func = h
            .alloc_with(Obj::Func(Rc::new(def)), &[cx.globals, none, none, closure])
            .expect("alloc");
        self.dec(h, closure);
        // the first iterable, in this scope
        let src = match self.eval(h, cx, &g0.iter) {
            Ok(s) => s,
            Err(e) => {
                self.dec(h, func);
                return Err(e);
            }
        };
        let it = self.get_iter(h, src);
        self.dec(h, src);
        let it = match it {
            Ok(it) => it,
            Err(e) => {
                self.dec(h, func);
                return Err(e);
            }
        };
        // CALL: a frame of its own
        let r = self.enter(h).and_then(|()| {
            let closure = self.edge(h, func, 3);
            let frame = self.new_frame(h, &code, closure);
            let cx2 = Ctx {
                code: &code,
                frame: Some(frame),
                globals: cx.globals,
                ns: None,
            };
            let r = (|| {
                'outer: while let Some(v) = self.next(h, it)? {
                    self.assign(h, &cx2, &g0.target, v)?;
                    for cond in &g0.ifs {
                        if !self.eval_truth(h, &cx2, cond)? {
                            continue 'outer;
                        }
                    }
                    self.comp_level(h, &cx2, rest, body)?;
                }
                Ok(())
            })();
            self.dec(h, frame);
            self.leave();
            r
        });
        self.dec_all(h, [it, func]);
        r
    }

    /// The closure tuple (owned) a function of scope `code` made in `cx` gets: the cells
    /// of its free variables, or `None`.
    pub(crate) fn closure_for(&self, h: &mut H<C>, cx: &Ctx, code: &Code) -> ObjId {
        if code.free.is_empty() {
            return self.none(h);
        }
        let mut cells = vec![];
        for (n, _) in &code.free {
            let s = cx.code.slot_of.get(n).copied();
            match (s, cx.frame) {
                (Some(s), Some(f)) if cx.code.is_cell[s] => cells.push(self.edge(h, f, s)),
                _ => cells.push(self.null),
            }
        }
        self.new_tuple_borrowed(h, &cells)
    }

    /// A new frame (owned) for scope `code`: free variables from `closure` (borrowed),
    /// new cells for cell variables (holding the argument already in their slot, if any).
    pub(crate) fn new_frame(&self, h: &mut H<C>, code: &Rc<Code>, closure: ObjId) -> ObjId {
        let nslots = code.slots.len();
        let frame = self.alloc_frame(h, code);
        let cells = self.edges(h, closure);
        for (i, (_, slot)) in code.free.iter().enumerate() {
            if let Some(&c) = cells.get(i) {
                let _ = h.set_edge(frame, *slot, c);
            }
        }
        for s in 0..nslots {
            if code.is_cell[s] && !code.free.iter().any(|(_, fs)| *fs == s) {
                let v = self.edge(h, frame, s);
                let c = h.alloc(Obj::Cell);
                if v != self.null {
                    let _ = h.link(c, v);
                }
                let _ = h.set_edge(frame, s, c);
                self.dec(h, c);
            }
        }
        frame
    }

    fn comp_level(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        gens: &'static [ast::Comprehension],
        body: &mut CompBody<'_, C>,
    ) -> R<()> {
        let Some((g, rest)) = gens.split_first() else {
            return body(self, h, cx);
        };
        if g.is_async {
            return self.unsupported(self.line.get(), "async comprehensions");
        }
        let src = self.eval(h, cx, &g.iter)?;
        let it = self.get_iter(h, src);
        self.dec(h, src);
        let it = it?;
        let r = (|| {
            'outer: while let Some(v) = self.next(h, it)? {
                self.assign(h, cx, &g.target, v)?;
                for cond in &g.ifs {
                    if !self.eval_truth(h, cx, cond)? {
                        continue 'outer;
                    }
                }
                self.comp_level(h, cx, rest, body)?;
            }
            Ok(())
        })();
        self.dec(h, it);
        r
    }

    fn eval_call(&self, h: &mut H<C>, cx: &Ctx, c: &'static ast::ExprCall) -> R<ObjId> {
        // a method call: LOAD_METHOD avoids the bound method object
        let (f, self_arg) = match &*c.func {
            Expr::Attribute(a) => {
                let o = self.eval(h, cx, &a.value)?;
                let name = a.attr.id.as_str();
                let plain = match self.p(h, o) {
                    Obj::Instance(names)
                        if !names.iter().any(|n| same_name(n, name))
                            && self
                                .inst_dict(h, o)
                                .is_none_or(|d| self.dict_get_str(h, d, name).is_none()) =>
                    {
                        let cls = self.edge(h, o, 0);
                        self.class_lookup(h, cls, name)
                            .filter(|&f| matches!(self.p(h, f), Obj::Func(_)))
                    }
                    _ => None,
                };
                match plain {
                    Some(func) => (self.inc(h, func), Some(o)),
                    None => {
                        let r = self.getattr(h, o, name);
                        self.dec(h, o);
                        (r?, None)
                    }
                }
            }
            other => (self.eval(h, cx, other)?, None),
        };
        let mut args: Vec<ObjId> = self_arg.into_iter().collect();
        let a = match self.eval_all(h, cx, &c.arguments.args) {
            Ok(a) => a,
            Err(e) => {
                self.dec_all(h, args);
                self.dec(h, f);
                return Err(e);
            }
        };
        args.extend(a);
        let mut kw = vec![];
        for k in &c.arguments.keywords {
            let v = match self.eval(h, cx, &k.value) {
                Ok(v) => v,
                Err(e) => {
                    self.dec_all(h, args);
                    self.dec_all(h, kw.into_iter().map(|x: (Rc<str>, ObjId)| x.1));
                    self.dec(h, f);
                    return Err(e);
                }
            };
            match &k.arg {
                Some(n) => kw.push((Rc::from(n.id.as_str()), v)),
                None => {
                    for (kk, vv) in self.dict_items(h, v) {
                        let name: Rc<str> = match self.p(h, kk) {
                            Obj::Str(s) => s.clone(),
                            _ => "?".into(),
                        };
                        kw.push((name, self.inc(h, vv)));
                    }
                    self.dec(h, v);
                }
            }
        }
        // zero-argument super()
        if let (Expr::Name(n), true) = (&*c.func, args.is_empty()) {
            if n.id.as_str() == "super" && matches!(self.p(h, f), Obj::Builtin("super")) {
                if let (Some(&cs), Some(fr)) = (cx.code.slot_of.get("__class__"), cx.frame) {
                    let cell = self.edge(h, fr, cs);
                    let cls = self.edge(h, cell, 0);
                    let first = self.edge(h, fr, 0);
                    if cls != self.null && first != self.null {
                        args = vec![self.inc(h, cls), self.inc(h, first)];
                    }
                }
                if args.is_empty() {
                    self.dec(h, f);
                    return self.err(h, "RuntimeError", "super(): no arguments");
                }
            }
        }
        let r = self.call(h, f, args, kw);
        self.dec(h, f);
        r
    }
}

/// What a class statement decided before its class object exists
/// ([`Interp::class_layout`]).
struct ClassLayout {
    /// The MRO after the class itself.
    rest: Vec<ObjId>,
    /// The base whose instance layout the class extends (`__base__`).
    base: ObjId,
    /// The `__slots__` names that get member descriptors, sorted.
    members: Vec<Rc<str>>,
    /// Whether a `__dict__` descriptor is added.
    add_dict: bool,
    /// Whether a `__weakref__` descriptor is added.
    add_weak: bool,
}

/// Whether `s` is a Python identifier (ASCII letters, digits and `_`, not starting
/// with a digit; non-ASCII letters are accepted as CPython's `str.isidentifier` does
/// for them).
fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && cs.all(|c| c == '_' || c.is_alphanumeric())
}

/// Whether `e` may be a folded constant (`crate::consts`): a literal, or a tuple,
/// unary or binary operation directly over literals or such operations. A cheap test
/// before the constant table is asked.
fn could_be_constant(e: &Expr) -> bool {
    let leaf = |x: &Expr| {
        matches!(
            x,
            Expr::NumberLiteral(_)
                | Expr::StringLiteral(_)
                | Expr::BooleanLiteral(_)
                | Expr::NoneLiteral(_)
                | Expr::Tuple(_)
                | Expr::UnaryOp(_)
                | Expr::BinOp(_)
        )
    };
    match e {
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => true,
        Expr::Tuple(t) => t.elts.iter().all(leaf),
        Expr::UnaryOp(u) => leaf(&u.operand),
        Expr::BinOp(b) => leaf(&b.left) && leaf(&b.right),
        _ => false,
    }
}

/// `repr(b)` of a bytes object as CPython 3.11's `PyBytes_Repr` writes it: single quotes
/// unless the bytes hold a `'` and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped;
/// other bytes outside printable ASCII as `\xhh`.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}
