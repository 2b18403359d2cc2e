//! Code-object constants, as CPython 3.11's compiler makes them.
//!
//! CPython folds constant expressions (`Python/ast_opt.c`: `10**6`, `-7`, `(1, 2)`,
//! `"a" + "b"`), stores each code object's constants in its `co_consts` tuple, and
//! merges equal constants across every code object of one compilation
//! (`Python/compile.c`, `merge_consts_recursive`: equal values, same type, are one
//! object; equal `co_consts` tuples are one tuple too). So within one program
//! `a = 1000; b = 1000` makes `a is b` true, and a constant's reference count includes
//! one reference from each distinct `co_consts` tuple holding it, plus one from the
//! parsed tree, which CPython keeps alive while the program runs (`pyrun_file` frees
//! the arena after `run_mod`). Constant tuples hold their items, the merged ones.
//!
//! [`Constants::collect`] walks the module once before it runs: each code object
//! (module, function, lambda, class body, comprehension) lists its folded constants in
//! first-use order. The interpreter then allocates one object per distinct value with
//! those references, and evaluating a constant expression returns that object.

use std::collections::HashMap;
use std::rc::Rc;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Operator, Stmt, UnaryOp};

/// CPython's limits on folding (`Python/ast_opt.c`): results of `*` on sequences stay
/// within these sizes.
const MAX_COLLECTION_SIZE: usize = 256;
const MAX_STR_SIZE: usize = 4096;
/// Tuples nested deeper than this are not folded here (a bound on the folder's work).
const MAX_NESTING: usize = 64;

/// A constant value, compared as `_PyCode_ConstantKey` compares them: by type and
/// value (`1`, `1.0` and `True` differ; `0.0` and `-0.0` differ).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An int.
    Int(i64),
    /// A float, by its bits.
    Float(u64),
    /// A str.
    Str(Rc<str>),
    /// A tuple of constants.
    Tuple(Vec<Key>),
}

impl Key {
    /// Whether CPython shares this value whatever the compiler does (small ints, `None`,
    /// the bools): it gets no constant object of its own here.
    pub fn is_singleton(&self) -> bool {
        match self {
            Key::None | Key::Bool(_) => true,
            Key::Int(i) => (-5..=256).contains(i),
            _ => false,
        }
    }
}

/// Every folded constant of a program, with the references the code holds to each.
#[derive(Debug, Default)]
pub struct Constants {
    /// The constant each folded expression (by node address) evaluates to.
    pub by_node: HashMap<usize, Key>,
    /// Each distinct constant (not singletons), in first-use order, with the number of
    /// references the compiled program holds to it: the distinct `co_consts` tuples
    /// holding it, plus one for the parsed tree.
    pub refs: Vec<(Key, usize)>,
}

impl Constants {
    /// Folds and collects the constants of a module.
    pub fn collect(body: &'static [Stmt]) -> Constants {
        let mut w = Walker {
            codes: vec![CodeConsts::default()],
            done: vec![],
            by_node: HashMap::new(),
        };
        if let Some(doc) = docstring(body) {
            w.codes[0].keys.push(doc);
        }
        for s in body {
            w.visit_stmt(s);
        }
        let module = w.codes.pop().unwrap_or_default();
        w.done.push((module, true));
        // equal co_consts tuples are merged: count each distinct one once
        let mut tuples: Vec<&CodeConsts> = vec![];
        let mut unique: Vec<&CodeConsts> = vec![];
        for (c, is_unique) in &w.done {
            if *is_unique {
                unique.push(c);
            } else if !tuples.iter().any(|t| t.keys == c.keys) {
                tuples.push(c);
            }
        }
        let mut refs: Vec<(Key, usize)> = vec![];
        let mut index: HashMap<Key, usize> = HashMap::new();
        for c in unique.into_iter().chain(tuples) {
            let mut seen: Vec<&Key> = vec![];
            for k in &c.keys {
                if seen.contains(&k) {
                    continue;
                }
                seen.push(k);
                add_ref(&mut refs, &mut index, k, 1);
            }
        }
        // constants nested in tuples exist (and are merged) too, referred to by the tuple
        let mut nested: Vec<Key> = vec![];
        for (k, _) in &refs {
            if let Key::Tuple(items) = k {
                nested.extend(items.iter().cloned());
            }
        }
        while let Some(k) = nested.pop() {
            if let Key::Tuple(items) = &k {
                nested.extend(items.iter().cloned());
            }
            add_ref(&mut refs, &mut index, &k, 0);
        }
        // and each constant's first parsed occurrence is held by the tree
        for (k, n) in &mut refs {
            if !k.is_singleton() {
                *n += 1;
            }
        }
        refs.retain(|(k, _)| !k.is_singleton());
        Constants {
            by_node: w.by_node,
            refs,
        }
    }
}

fn add_ref(refs: &mut Vec<(Key, usize)>, index: &mut HashMap<Key, usize>, k: &Key, n: usize) {
    match index.get(k) {
        Some(&i) => refs[i].1 += n,
        None => {
            index.insert(k.clone(), refs.len());
            refs.push((k.clone(), n));
        }
    }
}

/// The constants of one code object, in first-use order.
#[derive(Debug, Default)]
struct CodeConsts {
    keys: Vec<Key>,
    /// Whether it holds a nested code object (then its `co_consts` is unlike any other).
    has_code: bool,
}

struct Walker {
    /// The code objects being walked, innermost last.
    codes: Vec<CodeConsts>,
    /// Finished code objects, with whether their `co_consts` tuple is certainly unique.
    done: Vec<(CodeConsts, bool)>,
    by_node: HashMap<usize, Key>,
}

impl Walker {
    fn note(&mut self, k: Key) {
        if let Some(c) = self.codes.last_mut() {
            if !c.keys.contains(&k) {
                c.keys.push(k);
            }
        }
    }

    /// Walks a nested code object: `first` are its leading constants (a function's
    /// docstring or `None`, a class body's qualified name), `walk` visits its body.
    fn nested(&mut self, first: Vec<Key>, unique: bool, walk: impl FnOnce(&mut Self)) {
        if let Some(c) = self.codes.last_mut() {
            c.has_code = true;
        }
        self.codes.push(CodeConsts {
            keys: first,
            has_code: false,
        });
        walk(self);
        let c = self.codes.pop().unwrap_or_default();
        let unique = unique || c.has_code;
        self.done.push((c, unique));
    }
}

fn docstring(body: &[Stmt]) -> Option<Key> {
    match body.first() {
        Some(Stmt::Expr(e)) => match &*e.value {
            Expr::StringLiteral(s) => Some(Key::Str(s.value.to_str().into())),
            _ => None,
        },
        _ => None,
    }
}

impl Visitor<'static> for Walker {
    fn visit_stmt(&mut self, s: &'static Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.visit_expr(&d.expression);
                }
                self.visit_parameters(&f.parameters);
                if let Some(r) = &f.returns {
                    self.visit_expr(r);
                }
                let first = vec![docstring(&f.body).unwrap_or(Key::None)];
                self.nested(first, false, |w| {
                    for s in &f.body {
                        w.visit_stmt(s);
                    }
                });
            }
            Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.visit_expr(&d.expression);
                }
                if let Some(a) = &c.arguments {
                    for x in a.args.iter() {
                        self.visit_expr(x);
                    }
                    for k in a.keywords.iter() {
                        self.visit_expr(&k.value);
                    }
                }
                let first = vec![Key::Str(c.name.id.as_str().into())];
                self.nested(first, true, |w| {
                    for s in &c.body {
                        w.visit_stmt(s);
                    }
                });
            }
            _ => visitor::walk_stmt(self, s),
        }
    }

    fn visit_parameters(&mut self, p: &'static ast::Parameters) {
        // defaults and annotations are evaluated where the function is made
        for x in p.iter() {
            if let Some(d) = x.default() {
                self.visit_expr(d);
            }
            if let Some(a) = x.annotation() {
                self.visit_expr(a);
            }
        }
    }

    fn visit_expr(&mut self, e: &'static Expr) {
        if let Some(k) = fold(e, 0) {
            if !matches!(k, Key::None | Key::Bool(_)) {
                self.by_node.insert(e as *const Expr as usize, k.clone());
            }
            self.note(k);
            return;
        }
        match e {
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    self.visit_parameters(p);
                }
                self.nested(vec![Key::None], false, |w| w.visit_expr(&l.body));
            }
            Expr::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt, generators, ..
            })
            | Expr::Generator(ast::ExprGenerator {
                elt, generators, ..
            }) => self.comprehension(generators, &[elt]),
            Expr::DictComp(d) => {
                let mut elts: Vec<&'static Expr> = d.key.as_deref().into_iter().collect();
                elts.push(&d.value);
                self.comprehension(&d.generators, &elts)
            }
            _ => visitor::walk_expr(self, e),
        }
    }
}

impl Walker {
    /// A comprehension: its first iterable is evaluated outside, the rest is its own
    /// code object (3.11).
    fn comprehension(&mut self, generators: &'static [ast::Comprehension], elts: &[&'static Expr]) {
        if let Some(g) = generators.first() {
            self.visit_expr(&g.iter);
        }
        self.nested(vec![], false, |w| {
            for (i, g) in generators.iter().enumerate() {
                w.visit_expr(&g.target);
                if i > 0 {
                    w.visit_expr(&g.iter);
                }
                for c in &g.ifs {
                    w.visit_expr(c);
                }
            }
            for e in elts {
                w.visit_expr(e);
            }
        });
    }
}

/// The constant `e` folds to, as CPython 3.11's AST optimizer folds it, or `None`.
pub fn fold(e: &Expr, depth: usize) -> Option<Key> {
    if depth > MAX_NESTING {
        return None;
    }
    match e {
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_i64().map(Key::Int),
            ast::Number::Float(f) => Some(Key::Float(f.to_bits())),
            ast::Number::Complex { .. } => None,
        },
        Expr::StringLiteral(s) => Some(Key::Str(s.value.to_str().into())),
        Expr::BooleanLiteral(b) => Some(Key::Bool(b.value)),
        Expr::NoneLiteral(_) => Some(Key::None),
        Expr::Tuple(t) if t.ctx.is_load() => {
            if t.elts.iter().any(|x| matches!(x, Expr::Starred(_))) {
                return None;
            }
            let items: Option<Vec<Key>> = t.elts.iter().map(|x| fold(x, depth + 1)).collect();
            items.map(Key::Tuple)
        }
        Expr::UnaryOp(u) => {
            let v = fold(&u.operand, depth + 1)?;
            match (u.op, v) {
                (UnaryOp::USub, Key::Int(i)) => i.checked_neg().map(Key::Int),
                (UnaryOp::UAdd, Key::Int(i)) => Some(Key::Int(i)),
                (UnaryOp::Invert, Key::Int(i)) => Some(Key::Int(!i)),
                (UnaryOp::USub, Key::Float(f)) => Some(Key::Float((-f64::from_bits(f)).to_bits())),
                (UnaryOp::UAdd, Key::Float(f)) => Some(Key::Float(f)),
                _ => None,
            }
        }
        Expr::BinOp(b) => {
            let l = fold(&b.left, depth + 1)?;
            let r = fold(&b.right, depth + 1)?;
            binop(b.op, l, r)
        }
        _ => None,
    }
}

fn binop(op: Operator, l: Key, r: Key) -> Option<Key> {
    use Operator::*;
    match (l, r) {
        (Key::Int(a), Key::Int(b)) => match op {
            Add => a.checked_add(b).map(Key::Int),
            Sub => a.checked_sub(b).map(Key::Int),
            Mult => a.checked_mul(b).map(Key::Int),
            FloorDiv => floor_div(a, b).map(Key::Int),
            Mod => floor_div(a, b)
                .and_then(|q| q.checked_mul(b))
                .and_then(|m| a.checked_sub(m))
                .map(Key::Int),
            Pow => u32::try_from(b)
                .ok()
                .and_then(|e| a.checked_pow(e))
                .map(Key::Int),
            LShift => u32::try_from(b)
                .ok()
                .filter(|&s| s < 64)
                .and_then(|s| a.checked_mul(1i64.checked_shl(s)?))
                .map(Key::Int),
            RShift => u32::try_from(b)
                .ok()
                .map(|s| Key::Int(if s >= 64 { a >> 63 } else { a >> s })),
            BitAnd => Some(Key::Int(a & b)),
            BitOr => Some(Key::Int(a | b)),
            BitXor => Some(Key::Int(a ^ b)),
            Div => {
                const EXACT: i64 = 1 << 53;
                (b != 0 && (-EXACT..=EXACT).contains(&a) && (-EXACT..=EXACT).contains(&b))
                    .then(|| Key::Float((a as f64 / b as f64).to_bits()))
            }
            MatMult => None,
        },
        (l @ (Key::Int(_) | Key::Float(_)), r @ (Key::Int(_) | Key::Float(_))) => {
            let f = |k: &Key| match *k {
                Key::Int(i) => i as f64,
                Key::Float(b) => f64::from_bits(b),
                _ => 0.0,
            };
            let (a, b) = (f(&l), f(&r));
            let v = match op {
                Add => a + b,
                Sub => a - b,
                Mult => a * b,
                Div if b != 0.0 => a / b,
                _ => return None,
            };
            Some(Key::Float(v.to_bits()))
        }
        (Key::Str(a), Key::Str(b)) if op == Add => Some(Key::Str(format!("{a}{b}").into())),
        (Key::Str(s), Key::Int(n)) | (Key::Int(n), Key::Str(s)) if op == Mult => {
            let n = usize::try_from(n.max(0)).ok()?;
            (s.len().checked_mul(n)? <= MAX_STR_SIZE).then(|| Key::Str(s.repeat(n).into()))
        }
        (Key::Tuple(a), Key::Tuple(b)) if op == Add => Some(Key::Tuple([a, b].concat())),
        (Key::Tuple(t), Key::Int(n)) | (Key::Int(n), Key::Tuple(t)) if op == Mult => {
            let n = usize::try_from(n.max(0)).ok()?;
            (t.len().checked_mul(n)? <= MAX_COLLECTION_SIZE)
                .then(|| Key::Tuple(std::iter::repeat_n(&t, n).flatten().cloned().collect()))
        }
        _ => None,
    }
}

/// Python's `a // b` on ints (rounding toward negative infinity); `None` on a zero
/// divisor or an overflow.
fn floor_div(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    Some(if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consts(src: &str) -> Constants {
        let parsed = ruff_python_parser::parse_module(src).expect("parse");
        let module: &'static ast::ModModule = Box::leak(Box::new(parsed.into_syntax()));
        Constants::collect(&module.body)
    }

    fn refs(c: &Constants, k: &Key) -> usize {
        c.refs.iter().find(|(x, _)| x == k).map_or(0, |(_, n)| *n)
    }

    #[test]
    fn folds_as_the_ast_optimizer_does() {
        let c = consts(
            "a = 10**6\nb = -7\nc = (1, (2.5, 'x'))\nd = 'ab' + 'c'\ne = 701 // -2\nf = 1/0\n",
        );
        assert_eq!(refs(&c, &Key::Int(1_000_000)), 2);
        assert_eq!(refs(&c, &Key::Int(-7)), 2);
        assert_eq!(refs(&c, &Key::Str("abc".into())), 2);
        assert_eq!(refs(&c, &Key::Int(-351)), 2); // floor division
        // a nested constant is held by its tuple, not by co_consts
        assert_eq!(refs(&c, &Key::Float(2.5f64.to_bits())), 1);
        assert!(c.refs.iter().all(|(k, _)| !k.is_singleton()));
        // 1/0 is left to the running program (ZeroDivisionError): only its literals fold
        let folded = c.by_node.values().filter(|k| !k.is_singleton()).count();
        assert_eq!(folded, 5);
    }

    #[test]
    fn equal_co_consts_tuples_count_once() {
        // python3: x = 2.5 in the module and in f and g, whose co_consts (None, 2.5) merge
        let c = consts("x = 2.5\ndef f(): return 2.5\ndef g(): return 2.5\n");
        assert_eq!(refs(&c, &Key::Float(2.5f64.to_bits())), 3);
        let c = consts("x = 2.5\ny = 2.5\n");
        assert_eq!(refs(&c, &Key::Float(2.5f64.to_bits())), 2);
    }
}
