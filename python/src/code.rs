//! Scope analysis: which names of a function are locals, cells, free variables or
//! globals, computed once for the whole module before it runs (CPython's symtable).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use ruff_python_ast::{self as ast, Expr, Stmt};

/// What kind of scope a code object runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Module level: every name is a global.
    Module,
    /// A class body: names live in the class namespace.
    Class,
    /// A function (or lambda): names live in frame slots.
    Function,
}

/// How a name is reached in one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A plain local slot.
    Local(usize),
    /// A slot holding a cell (a cell variable or a free variable).
    Cell(usize),
    /// Globals, then builtins.
    Global,
    /// A class namespace, then globals and builtins.
    ClassNs,
}

/// The compiled scope of one function, lambda, class body or module.
#[derive(Debug)]
pub struct Code {
    /// The name shown in tracebacks (`<module>` at module level).
    pub name: Rc<str>,
    /// The kind of scope.
    pub kind: Kind,
    /// Slot names, in slot order: parameters first.
    pub slots: Vec<String>,
    /// Name to slot.
    pub slot_of: HashMap<String, usize, crate::obj::FxBuild>,
    /// Whether each slot holds a cell.
    pub is_cell: Vec<bool>,
    /// Free variables, in closure order, with their slots.
    pub free: Vec<(String, usize)>,
    /// Names declared global.
    pub globals: HashSet<String, crate::obj::FxBuild>,
    /// How each name node of this scope seen so far is reached, by the node's source
    /// offset (no two name nodes of one source start at the same byte): the name's text
    /// is hashed once per node, and a use is an index into a vector, not a hash probe.
    pub by_node: std::cell::RefCell<ByOffset>,
}

/// [`Code::by_node`]: accesses by source offset, in a vector covering the offsets of the
/// scope's name nodes seen so far (`base` is the smallest).
#[derive(Debug, Default)]
pub struct ByOffset {
    base: usize,
    at: Vec<Option<Access>>,
}

impl ByOffset {
    #[inline]
    fn get(&self, offset: usize) -> Option<Access> {
        self.at
            .get(offset.wrapping_sub(self.base))
            .copied()
            .flatten()
    }

    fn insert(&mut self, offset: usize, a: Access) {
        if self.at.is_empty() {
            self.base = offset;
        } else if offset < self.base {
            let grow = self.base - offset;
            self.at.splice(0..0, std::iter::repeat_n(None, grow));
            self.base = offset;
        }
        let i = offset - self.base;
        if self.at.len() <= i {
            self.at.resize(i + 1, None);
        }
        self.at[i] = Some(a);
    }
}

impl Code {
    /// How the name of node `n` is reached here ([`Code::access`], cached per node).
    #[inline]
    pub fn access_node(&self, n: &'static ast::ExprName) -> Access {
        let key = n.range.start().to_usize();
        if let Some(a) = self.by_node.borrow().get(key) {
            return a;
        }
        let a = self.access(n.id.as_str());
        self.by_node.borrow_mut().insert(key, a);
        a
    }

    /// How `name` is reached here.
    pub fn access(&self, name: &str) -> Access {
        if !self.globals.is_empty() && self.globals.contains(name) {
            return Access::Global;
        }
        match self.slot_of.get(name) {
            Some(&s) if self.is_cell[s] => Access::Cell(s),
            Some(&s) if self.kind == Kind::Function => Access::Local(s),
            _ => match self.kind {
                Kind::Class => Access::ClassNs,
                _ => Access::Global,
            },
        }
    }
}

/// A function's or lambda's definition: its code and its syntax.
#[derive(Debug)]
pub struct FuncDef {
    /// `__name__`.
    pub name: Rc<str>,
    /// `__qualname__`.
    pub qualname: Rc<str>,
    /// The scope.
    pub code: Rc<Code>,
    /// The parameters.
    pub params: &'static ast::Parameters,
    /// The body (`None` for a lambda).
    pub body: Option<&'static [Stmt]>,
    /// The lambda's expression.
    pub lambda: Option<&'static Expr>,
    /// The line of the definition.
    #[allow(dead_code)]
    pub line: usize,
    /// Whether its body holds a `yield`: a call returns a generator
    /// (`crate::generator`).
    pub generator: bool,
}

/// Scopes of the module, keyed by the address of their syntax node.
#[derive(Debug, Default)]
pub struct Scopes {
    /// Node address to code.
    pub codes: HashMap<usize, Rc<Code>>,
}

/// Names bound and used directly in one scope.
#[derive(Default)]
struct Names {
    bound: Vec<String>,
    used: HashSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
    nested: Vec<Nested>,
    uses_super: bool,
}

enum Nested {
    Comp(
        &'static [ast::Comprehension],
        Vec<&'static Expr>,
        usize,
        &'static str,
    ),
    Func(&'static ast::Parameters, NestedBody, usize, Rc<str>),
    Class(&'static ast::StmtClassDef),
}

enum NestedBody {
    Stmts(&'static [Stmt]),
    Expr(&'static Expr),
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

impl Names {
    fn bind(&mut self, s: &str) {
        push_unique(&mut self.bound, s);
    }

    fn target(&mut self, e: &'static Expr) {
        match e {
            Expr::Name(n) => self.bind(n.id.as_str()),
            Expr::Tuple(t) => t.elts.iter().for_each(|x| self.target(x)),
            Expr::List(t) => t.elts.iter().for_each(|x| self.target(x)),
            Expr::Starred(s) => self.target(&s.value),
            other => self.expr(other),
        }
    }

    fn stmts(&mut self, body: &'static [Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &'static Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                self.bind(f.name.id.as_str());
                for d in &f.decorator_list {
                    self.expr(&d.expression);
                }
                self.params_defaults(&f.parameters);
                self.nested.push(Nested::Func(
                    &f.parameters,
                    NestedBody::Stmts(&f.body),
                    f as *const _ as usize,
                    f.name.id.as_str().into(),
                ));
            }
            Stmt::ClassDef(c) => {
                self.bind(c.name.id.as_str());
                for d in &c.decorator_list {
                    self.expr(&d.expression);
                }
                if let Some(a) = &c.arguments {
                    a.args.iter().for_each(|x| self.expr(x));
                    a.keywords.iter().for_each(|k| self.expr(&k.value));
                }
                self.nested.push(Nested::Class(c));
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.expr(v)
                }
            }
            Stmt::Delete(d) => d.targets.iter().for_each(|t| self.target(t)),
            Stmt::Assign(a) => {
                a.targets.iter().for_each(|t| self.target(t));
                self.expr(&a.value);
            }
            Stmt::AugAssign(a) => {
                self.target(&a.target);
                if let Expr::Name(n) = &*a.target {
                    self.used.insert(n.id.to_string());
                }
                self.expr(&a.value);
            }
            Stmt::AnnAssign(a) => {
                self.target(&a.target);
                if let Some(v) = &a.value {
                    self.expr(v);
                }
            }
            Stmt::For(f) => {
                self.target(&f.target);
                self.expr(&f.iter);
                self.stmts(&f.body);
                self.stmts(&f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.stmts(&w.body);
                self.stmts(&w.orelse);
            }
            Stmt::If(i) => {
                self.expr(&i.test);
                self.stmts(&i.body);
                for c in &i.elif_else_clauses {
                    if let Some(t) = &c.test {
                        self.expr(t);
                    }
                    self.stmts(&c.body);
                }
            }
            Stmt::With(w) => {
                for it in &w.items {
                    self.expr(&it.context_expr);
                    if let Some(v) = &it.optional_vars {
                        self.target(v);
                    }
                }
                self.stmts(&w.body);
            }
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.expr(e);
                }
                if let Some(e) = &r.cause {
                    self.expr(e);
                }
            }
            Stmt::Try(t) => {
                self.stmts(&t.body);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(e) = &h.type_ {
                        self.expr(e);
                    }
                    if let Some(n) = &h.name {
                        self.bind(n.id.as_str());
                    }
                    self.stmts(&h.body);
                }
                self.stmts(&t.orelse);
                self.stmts(&t.finalbody);
            }
            Stmt::Assert(a) => {
                self.expr(&a.test);
                if let Some(m) = &a.msg {
                    self.expr(m);
                }
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let n = a.asname.as_ref().unwrap_or(&a.name);
                    let n = n.id.as_str();
                    self.bind(n.split('.').next().unwrap_or(n));
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    self.bind(a.asname.as_ref().unwrap_or(&a.name).id.as_str());
                }
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    self.globals.insert(n.id.to_string());
                }
            }
            Stmt::Nonlocal(g) => {
                for n in &g.names {
                    self.nonlocals.insert(n.id.to_string());
                }
            }
            Stmt::Expr(e) => self.expr(&e.value),
            _ => {}
        }
    }

    fn params_defaults(&mut self, p: &'static ast::Parameters) {
        for a in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            if let Some(d) = &a.default {
                self.expr(d);
            }
        }
    }

    fn expr(&mut self, e: &'static Expr) {
        match e {
            Expr::Name(n) => {
                let s = n.id.as_str();
                if s == "super" {
                    self.uses_super = true;
                }
                self.used.insert(s.to_owned());
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    self.params_defaults(p);
                }
                static EMPTY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
                let _ = EMPTY;
                if let Some(p) = &l.parameters {
                    self.nested.push(Nested::Func(
                        p,
                        NestedBody::Expr(&l.body),
                        l as *const _ as usize,
                        "<lambda>".into(),
                    ));
                } else {
                    self.nested.push(Nested::Func(
                        empty_params(),
                        NestedBody::Expr(&l.body),
                        l as *const _ as usize,
                        "<lambda>".into(),
                    ));
                }
            }
            Expr::Named(n) => {
                self.target(&n.target);
                self.expr(&n.value);
            }
            Expr::ListComp(c) => self.comp(
                c as *const _ as usize,
                "<listcomp>",
                &c.generators,
                vec![&c.elt],
            ),
            Expr::SetComp(c) => self.comp(
                c as *const _ as usize,
                "<setcomp>",
                &c.generators,
                vec![&c.elt],
            ),
            Expr::Generator(c) => self.comp(
                c as *const _ as usize,
                "<genexpr>",
                &c.generators,
                vec![&c.elt],
            ),
            Expr::DictComp(c) => {
                let mut v: Vec<&'static Expr> = vec![&c.value];
                if let Some(k) = &c.key {
                    v.push(k);
                }
                self.comp(c as *const _ as usize, "<dictcomp>", &c.generators, v)
            }
            _ => each_child(e, &mut |c| self.expr(c)),
        }
    }

    /// A comprehension is a function of its own (3.11): its first iterable is evaluated
    /// here, the rest in its scope.
    fn comp(
        &mut self,
        key: usize,
        name: &'static str,
        gens: &'static [ast::Comprehension],
        elts: Vec<&'static Expr>,
    ) {
        if let Some(g) = gens.first() {
            self.expr(&g.iter);
        }
        self.nested.push(Nested::Comp(gens, elts, key, name));
    }
}

/// Parameters of a lambda without any.
pub fn empty_params() -> &'static ast::Parameters {
    thread_local! {
        static EMPTY: &'static ast::Parameters = Box::leak(Box::default());
    }
    EMPTY.with(|e| *e)
}

/// Calls `f` on each direct child expression of `e` (for the expression kinds the scope
/// walk does not handle itself).
pub fn each_child(e: &'static Expr, f: &mut dyn FnMut(&'static Expr)) {
    match e {
        Expr::BoolOp(b) => b.values.iter().for_each(f),
        Expr::BinOp(b) => {
            f(&b.left);
            f(&b.right)
        }
        Expr::UnaryOp(u) => f(&u.operand),
        Expr::If(i) => {
            f(&i.test);
            f(&i.body);
            f(&i.orelse)
        }
        Expr::Dict(d) => {
            for it in &d.items {
                if let Some(k) = &it.key {
                    f(k);
                }
                f(&it.value);
            }
        }
        Expr::Set(s) => s.elts.iter().for_each(f),
        Expr::Compare(c) => {
            f(&c.left);
            c.comparators.iter().for_each(f)
        }
        Expr::Call(c) => {
            f(&c.func);
            c.arguments.args.iter().for_each(&mut *f);
            c.arguments.keywords.iter().for_each(|k| f(&k.value))
        }
        Expr::FString(s) => {
            for part in s.value.iter() {
                if let ast::FStringPart::FString(fs) = part {
                    fstring_exprs(&fs.elements, f);
                }
            }
        }
        Expr::Attribute(a) => f(&a.value),
        Expr::Subscript(s) => {
            f(&s.value);
            f(&s.slice)
        }
        Expr::Starred(s) => f(&s.value),
        Expr::List(l) => l.elts.iter().for_each(f),
        Expr::Tuple(t) => t.elts.iter().for_each(f),
        Expr::Slice(s) => {
            for x in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                f(x)
            }
        }
        Expr::Await(a) => f(&a.value),
        Expr::Yield(y) => {
            if let Some(v) = &y.value {
                f(v)
            }
        }
        Expr::YieldFrom(y) => f(&y.value),
        _ => {}
    }
}

fn fstring_exprs(els: &'static ast::InterpolatedStringElements, f: &mut dyn FnMut(&'static Expr)) {
    for el in els.iter() {
        if let ast::InterpolatedStringElement::Interpolation(i) = el {
            f(&i.expression);
            if let Some(spec) = &i.format_spec {
                fstring_exprs(&spec.elements, f);
            }
        }
    }
}

fn param_names(p: &ast::Parameters) -> Vec<String> {
    let mut v: Vec<String> = p
        .posonlyargs
        .iter()
        .chain(&p.args)
        .map(|a| a.parameter.name.id.to_string())
        .collect();
    if let Some(a) = &p.vararg {
        v.push(a.name.id.to_string());
    }
    v.extend(p.kwonlyargs.iter().map(|a| a.parameter.name.id.to_string()));
    if let Some(a) = &p.kwarg {
        v.push(a.name.id.to_string());
    }
    v
}

impl Scopes {
    /// Analyses a module.
    pub fn analyse(body: &'static [Stmt]) -> Scopes {
        let mut scopes = Scopes::default();
        let mut n = Names::default();
        n.stmts(body);
        let code = Rc::new(Code {
            name: "<module>".into(),
            kind: Kind::Module,
            slots: vec![],
            slot_of: HashMap::default(),
            is_cell: vec![],
            free: vec![],
            globals: HashSet::default(),
            by_node: Default::default(),
        });
        scopes.codes.insert(0, code);
        for nested in std::mem::take(&mut n.nested) {
            scopes.nested(nested, &[], false);
        }
        scopes
    }

    /// The scope of a function (or comprehension) whose names `n` holds.
    fn function_scope(
        &mut self,
        mut n: Names,
        key: usize,
        name: Rc<str>,
        enclosing: &[HashSet<String>],
        in_class: bool,
    ) -> HashSet<String> {
        let globals = std::mem::take(&mut n.globals);
        let nonlocals = std::mem::take(&mut n.nonlocals);
        let bound: Vec<String> = n
            .bound
            .iter()
            .filter(|b| !globals.contains(*b) && !nonlocals.contains(*b))
            .cloned()
            .collect();
        let bound_set: HashSet<String> = bound.iter().cloned().collect();
        let mut chain = enclosing.to_vec();
        chain.push(bound_set.clone());
        let mut inner_free = HashSet::new();
        for nn in std::mem::take(&mut n.nested) {
            inner_free.extend(self.nested(nn, &chain, false));
        }
        let mut wanted: HashSet<String> = n.used.clone();
        wanted.extend(inner_free.iter().cloned());
        wanted.extend(nonlocals.iter().cloned());
        if in_class && n.uses_super {
            wanted.insert("__class__".into());
        }
        let mut free: Vec<String> = wanted
            .into_iter()
            .filter(|w| {
                !bound_set.contains(w)
                    && !globals.contains(w)
                    && (enclosing.iter().any(|s| s.contains(w))
                        || nonlocals.contains(w)
                        || (w == "__class__" && in_class))
            })
            .collect();
        free.sort();
        let mut slots = bound.clone();
        let mut is_cell: Vec<bool> = bound.iter().map(|b| inner_free.contains(b)).collect();
        let mut free_slots = vec![];
        for f in &free {
            free_slots.push((f.clone(), slots.len()));
            slots.push(f.clone());
            is_cell.push(true);
        }
        let slot_of = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        self.codes.insert(
            key,
            Rc::new(Code {
                name,
                kind: Kind::Function,
                slots,
                slot_of,
                is_cell,
                free: free_slots,
                globals: globals.into_iter().collect(),
                by_node: Default::default(),
            }),
        );
        free.into_iter().collect()
    }

    /// Analyses a nested scope; returns its free names. `enclosing` are the bound names
    /// of the enclosing function scopes, innermost last.
    fn nested(
        &mut self,
        nested: Nested,
        enclosing: &[HashSet<String>],
        in_class: bool,
    ) -> HashSet<String> {
        match nested {
            Nested::Comp(gens, elts, key, name) => {
                let mut n = Names::default();
                for (i, g) in gens.iter().enumerate() {
                    n.target(&g.target);
                    if i > 0 {
                        n.expr(&g.iter);
                    }
                    g.ifs.iter().for_each(|x| n.expr(x));
                }
                for e in elts {
                    n.expr(e);
                }
                self.function_scope(n, key, name.into(), enclosing, in_class)
            }
            Nested::Func(params, body, key, name) => {
                let mut n = Names::default();
                for p in param_names(params) {
                    n.bind(&p);
                }
                match body {
                    NestedBody::Stmts(s) => n.stmts(s),
                    NestedBody::Expr(e) => n.expr(e),
                }
                self.function_scope(n, key, name, enclosing, in_class)
            }
            Nested::Class(c) => {
                let mut n = Names::default();
                n.stmts(&c.body);
                let mut inner_free = HashSet::new();
                for nn in std::mem::take(&mut n.nested) {
                    inner_free.extend(self.nested(nn, enclosing, true));
                }
                let mut wanted: HashSet<String> = inner_free.clone();
                wanted.extend(n.used.iter().cloned());
                let bound: HashSet<String> = n.bound.iter().cloned().collect();
                let mut free: Vec<String> = wanted
                    .into_iter()
                    .filter(|w| {
                        w != "__class__"
                            && enclosing.iter().any(|s| s.contains(w))
                            && (inner_free.contains(w) || !bound.contains(w))
                    })
                    .collect();
                free.sort();
                let mut slots = vec![];
                let mut is_cell = vec![];
                if inner_free.contains("__class__") {
                    slots.push("__class__".to_owned());
                    is_cell.push(true);
                }
                let mut free_slots = vec![];
                for f in &free {
                    free_slots.push((f.clone(), slots.len()));
                    slots.push(f.clone());
                    is_cell.push(true);
                }
                let slot_of = slots
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.clone(), i))
                    .collect();
                self.codes.insert(
                    c as *const _ as usize,
                    Rc::new(Code {
                        name: c.name.id.as_str().into(),
                        kind: Kind::Class,
                        slots,
                        slot_of,
                        is_cell,
                        free: free_slots,
                        globals: n.globals.into_iter().collect(),
                        by_node: Default::default(),
                    }),
                );
                free.into_iter().collect()
            }
        }
    }
}
