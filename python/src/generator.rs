//! Generators: a function whose body contains `yield` returns a generator object that
//! runs the body a step at a time.
//!
//! The evaluator walks syntax trees with Rust's call stack, which cannot be suspended;
//! a generator's body is therefore run by a resumable walker of its own: a stack of
//! cursors (a block and its position, a `for` loop, a `while` loop, a `yield from`
//! delegation). A statement without `yield` runs through the ordinary evaluator in one
//! step; `yield` may stand as a statement (`yield v`, `x = yield v`, `yield from it`,
//! `x = yield from it`) inside `for`, `while` and `if` blocks. Anything else holding a
//! `yield` (inside `try` or `with`, or deeper in an expression) is refused before the
//! program runs ([`check`]).
//!
//! The generator object is a heap object whose edges are its frame (the locals), its
//! globals, and the iterators of the loops and delegations it is suspended in — what
//! CPython's `gen_traverse` reaches through the frame's value stack — so a suspended
//! generator in a reference cycle is found by the collector.

use std::rc::Rc;

use gclab::{CycleCollector, ObjId};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use crate::code::FuncDef;
use crate::interp::{Ctx, Flow, H, Interp, PyExc, R, TbEntry, Unwind};
use crate::obj::Obj;

/// Edge positions of a generator object.
const FRAME: usize = 0;
const GLOBALS: usize = 1;
/// The first iterator edge; one per `For`/`YieldFrom` cursor, in stack order.
const ITERS: usize = 2;

/// Where a suspended generator stands.
#[derive(Debug)]
enum Cursor {
    /// Running the statements of a block.
    Block(&'static [Stmt], usize),
    /// A `for` loop: its iterator is the generator's next iterator edge.
    For(&'static ast::StmtFor),
    /// A `while` loop.
    While(&'static ast::StmtWhile),
    /// `yield from`: its iterator is the next iterator edge; the target receives the
    /// delegate's return value.
    YieldFrom(Option<&'static Expr>),
    /// Level `n` of a generator expression's `for` clauses: its iterator is the
    /// `n`-th iterator edge.
    CompFor(usize),
}

/// A generator's state (the payload of `Obj::Generator`).
#[derive(Debug)]
pub struct GenState {
    /// The generator function (a generator expression's own function).
    pub def: Rc<FuncDef>,
    /// The generator expression it runs, if it is one.
    comp: Option<&'static ast::ExprGenerator>,
    cursors: Vec<Cursor>,
    /// The target of the `x = yield v` it is suspended at.
    pending: Option<&'static Expr>,
    /// Not started, suspended, running or finished.
    pub status: Status,
}

/// A generator's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created, not started.
    Created,
    /// Suspended at a `yield`.
    Suspended,
    /// Running (a `next` from inside it is an error).
    Running,
    /// Returned or raised: exhausted for ever.
    Done,
}

/// What a resumed generator starts from: the target of the `yield` it is suspended
/// at, the value sent in (owned), the generator expression it runs.
struct Resume {
    pending: Option<&'static Expr>,
    sent: Option<ObjId>,
    comp: Option<&'static ast::ExprGenerator>,
}

/// One step of a generator.
enum Step {
    Yield(ObjId),
    Return(ObjId),
}

/// Why a generator body cannot run here, with the line of the offending statement, or
/// `None` when every `yield` stands where the walker can suspend.
pub fn check<'a>(
    body: &'a [Stmt],
    line_of: &dyn Fn(usize) -> usize,
) -> Option<(usize, &'static str)> {
    let mut stack: Vec<&'a [Stmt]> = vec![body];
    while let Some(stmts) = stack.pop() {
        for s in stmts {
            if !stmt_has_yield(s) {
                continue;
            }
            let line = line_of(s.range().start().to_usize());
            let ok = match s {
                Stmt::Expr(e) => yield_value_ok(&e.value),
                Stmt::Assign(a) => {
                    a.targets.len() == 1
                        && !expr_has_yield(&a.targets[0])
                        && yield_value_ok(&a.value)
                }
                Stmt::For(f) if !f.is_async => {
                    if expr_has_yield(&f.iter) || expr_has_yield(&f.target) {
                        false
                    } else {
                        stack.push(&f.body);
                        stack.push(&f.orelse);
                        true
                    }
                }
                Stmt::While(w) => {
                    if expr_has_yield(&w.test) {
                        false
                    } else {
                        stack.push(&w.body);
                        stack.push(&w.orelse);
                        true
                    }
                }
                Stmt::If(i) => {
                    if expr_has_yield(&i.test)
                        || i.elif_else_clauses
                            .iter()
                            .any(|c| c.test.as_ref().is_some_and(expr_has_yield))
                    {
                        false
                    } else {
                        stack.push(&i.body);
                        for c in &i.elif_else_clauses {
                            stack.push(&c.body);
                        }
                        true
                    }
                }
                _ => false,
            };
            if !ok {
                let what = match s {
                    Stmt::Try(_) => "'yield' inside 'try'",
                    Stmt::With(_) => "'yield' inside 'with'",
                    _ => {
                        "'yield' inside an expression (only 'yield v', 'x = yield v' and 'yield from' statements)"
                    }
                };
                return Some((line, what));
            }
        }
    }
    None
}

/// `yield v`, `yield`, `yield from e` with no other `yield` inside.
fn yield_value_ok(e: &Expr) -> bool {
    match e {
        Expr::Yield(y) => y.value.as_deref().is_none_or(|v| !expr_has_yield(v)),
        Expr::YieldFrom(y) => !expr_has_yield(&y.value),
        _ => false,
    }
}

/// Finds a `yield` (or `await`) outside nested functions, classes and lambdas.
struct FindYield(bool);

impl<'a> ruff_python_ast::visitor::Visitor<'a> for FindYield {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        match s {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            s => ruff_python_ast::visitor::walk_stmt(self, s),
        }
    }
    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Yield(_) | Expr::YieldFrom(_) | Expr::Await(_) => self.0 = true,
            Expr::Lambda(_) => {}
            e => ruff_python_ast::visitor::walk_expr(self, e),
        }
    }
}

/// Whether a statement holds a `yield` (not in nested functions or classes).
pub fn stmt_has_yield(s: &Stmt) -> bool {
    use ruff_python_ast::visitor::Visitor;
    let mut y = FindYield(false);
    y.visit_stmt(s);
    y.0
}

fn expr_has_yield(e: &Expr) -> bool {
    use ruff_python_ast::visitor::Visitor;
    let mut y = FindYield(false);
    y.visit_expr(e);
    y.0
}

impl<C: CycleCollector> Interp<C> {
    /// The generator object a call of generator function `def` returns: it takes its
    /// own references to the call's frame (arguments bound, cells made) and globals.
    pub fn make_generator(
        &self,
        h: &mut H<C>,
        def: &Rc<FuncDef>,
        frame: ObjId,
        globals: ObjId,
    ) -> ObjId {
        let body = def.body.unwrap_or(&[]);
        let state = GenState {
            def: def.clone(),
            comp: None,
            cursors: vec![Cursor::Block(body, 0)],
            pending: None,
            status: Status::Created,
        };
        let g = h
            .alloc_with(Obj::Generator(Box::new(state)), &[frame, globals])
            .expect("alloc");
        // CPython's generators have a finalizer that closes a suspended one: a
        // suspended generator in a cycle through its own frame is then freed by
        // reference counting during the collection, not counted as collected
        let me = self.rc();
        let _ = h.set_finalizer(g, move |h, obj| me.gen_close(h, obj));
        g
    }

    /// A generator expression (CPython 3.11: a function of its own scope, called at
    /// once with the iterator of the first iterable, evaluated here; the call returns
    /// the generator). The function object is not kept: the generator holds the frame,
    /// its globals and that iterator.
    pub fn make_genexp(&self, h: &mut H<C>, cx: &Ctx, c: &'static ast::ExprGenerator) -> R<ObjId> {
        let key = c as *const _ as usize;
        let code = self.scopes.borrow().codes.get(&key).cloned();
        let (Some(code), Some(g0)) = (code, c.generators.first()) else {
            return self.unsupported(self.line.get(), "this generator expression");
        };
        if c.generators.iter().any(|g| g.is_async) {
            return self.unsupported(self.line.get(), "async comprehensions");
        }
        let src = self.eval(h, cx, &g0.iter)?;
        let it = self.get_iter(h, src);
        self.dec(h, src);
        let it = it?;
        let def = Rc::new(self.comprehension_def(cx, &code, true));
        let closure = self.closure_for(h, cx, &code);
        let frame = self.new_frame(h, &code, closure);
        self.dec(h, closure);
        let state = GenState {
            def,
            comp: Some(c),
            cursors: vec![Cursor::CompFor(0)],
            pending: None,
            status: Status::Created,
        };
        let g = h
            .alloc_with(Obj::Generator(Box::new(state)), &[frame, cx.globals, it])
            .expect("alloc");
        self.dec_all(h, [frame, it]);
        let me = self.rc();
        let _ = h.set_finalizer(g, move |h, obj| me.gen_close(h, obj));
        Ok(g)
    }

    /// `next(gen)` for iteration: the next value (owned), or `None` once it returned.
    pub fn gen_next(&self, h: &mut H<C>, g_id: ObjId) -> R<Option<ObjId>> {
        match self.gen_resume(h, g_id, None)? {
            Step::Yield(v) => Ok(Some(v)),
            Step::Return(v) => {
                self.dec(h, v);
                Ok(None)
            }
        }
    }

    /// `gen.send(value)` (value owned): the next value, or `StopIteration` carrying
    /// the return value.
    pub fn gen_send(&self, h: &mut H<C>, g_id: ObjId, value: ObjId) -> R<ObjId> {
        let created = matches!(self.p(h, g_id), Obj::Generator(g) if g.status == Status::Created);
        if created && value != self.none {
            self.dec(h, value);
            return self.err(
                h,
                "TypeError",
                "can't send non-None value to a just-started generator",
            );
        }
        match self.gen_resume(h, g_id, Some(value))? {
            Step::Yield(v) => Ok(v),
            Step::Return(v) => Err(self.stop_iteration(h, v)),
        }
    }

    /// `gen.close()`, and a generator's finalizer (`_PyGen_Finalize`): a generator
    /// not finished is finished and lets go of its frame, started or not (`gen_close`
    /// throws `GeneratorExit` into the frame, which exits; there is no `try` around a
    /// `yield` here, so no handler can run).
    pub fn gen_close(&self, h: &mut H<C>, g_id: ObjId) {
        let mut release = false;
        if let Ok(Obj::Generator(g)) = h.payload_mut(g_id) {
            if matches!(g.status, Status::Created | Status::Suspended) {
                release = true;
                g.status = Status::Done;
                g.cursors.clear();
                g.pending = None;
            }
        }
        if release {
            self.gen_release(h, g_id);
        }
    }

    /// `StopIteration(value)` (value owned; no args when it is `None`).
    pub fn stop_iteration(&self, h: &mut H<C>, value: ObjId) -> Unwind {
        let si = self.types.borrow()["StopIteration"];
        let args = if value == self.none {
            self.dec(h, value);
            vec![]
        } else {
            vec![value]
        };
        let obj = self.instantiate_exc(h, si, args);
        Unwind::Exc(Box::new(PyExc {
            obj,
            tb: vec![],
            context: None,
        }))
    }

    /// A finished generator lets go of its frame and iterators (CPython clears the
    /// frame when the generator returns or raises).
    fn gen_release(&self, h: &mut H<C>, g_id: ObjId) {
        if matches!(self.p(h, g_id), Obj::Generator(g) if g.status == Status::Done) {
            let n = self.edges(h, g_id).len();
            if n > 0 {
                let none = self.none;
                let _ = h.set_edge(g_id, FRAME, none);
                let _ = h.set_edge(g_id, GLOBALS, none);
                for _ in ITERS..n {
                    let _ = h.remove_edge(g_id, ITERS);
                }
            }
        }
    }

    fn gen_resume(&self, h: &mut H<C>, g_id: ObjId, sent: Option<ObjId>) -> R<Step> {
        let state = match h.payload_mut(g_id) {
            Ok(Obj::Generator(g)) => match g.status {
                Status::Running => None,
                Status::Done => Some(None),
                _ => {
                    g.status = Status::Running;
                    Some(Some((
                        std::mem::take(&mut g.cursors),
                        g.pending.take(),
                        g.def.clone(),
                        g.comp,
                    )))
                }
            },
            _ => Some(None),
        };
        let (mut cursors, pending, def, comp) = match state {
            None => {
                if let Some(v) = sent {
                    self.dec(h, v);
                }
                return self.err(h, "ValueError", "generator already executing");
            }
            Some(None) => {
                if let Some(v) = sent {
                    self.dec(h, v);
                }
                return Ok(Step::Return(self.none(h)));
            }
            Some(Some(s)) => s,
        };
        if let Err(e) = self.enter(h) {
            if let Some(v) = sent {
                self.dec(h, v);
            }
            self.gen_finish(h, g_id);
            return Err(e);
        }
        let code = def.code.clone();
        let frame = self.edge(h, g_id, FRAME);
        let globals = self.edge(h, g_id, GLOBALS);
        let cx = Ctx {
            code: &code,
            frame: Some(frame),
            globals,
            ns: None,
        };
        let resume = Resume {
            pending,
            sent,
            comp,
        };
        let r = self.gen_run(h, &cx, g_id, &mut cursors, resume);
        self.leave();
        match r {
            Ok((Step::Yield(v), pending)) => {
                if let Ok(Obj::Generator(g)) = h.payload_mut(g_id) {
                    g.cursors = cursors;
                    g.pending = pending;
                    g.status = Status::Suspended;
                }
                Ok(Step::Yield(v))
            }
            Ok((ret, _)) => {
                self.gen_finish(h, g_id);
                Ok(ret)
            }
            Err(e) => {
                self.gen_finish(h, g_id);
                Err(e)
            }
        }
    }

    fn gen_finish(&self, h: &mut H<C>, g_id: ObjId) {
        if let Ok(Obj::Generator(g)) = h.payload_mut(g_id) {
            g.status = Status::Done;
            g.cursors.clear();
            g.pending = None;
        }
        self.gen_release(h, g_id);
    }

    /// Runs the body from its cursors until it yields, returns or raises.
    fn gen_run(
        &self,
        h: &mut H<C>,
        cx: &Ctx,
        g_id: ObjId,
        cursors: &mut Vec<Cursor>,
        resume: Resume,
    ) -> R<(Step, Option<&'static Expr>)> {
        let Resume {
            pending,
            sent,
            comp,
        } = resume;
        let line = self.line.get();
        let here = |e: Unwind, line: usize| -> Unwind {
            match e {
                Unwind::Exc(mut x) => {
                    let depth = self.depth.get();
                    if x.tb.last().is_none_or(|t| t.depth != depth) {
                        x.tb.push(TbEntry {
                            depth,
                            line,
                            func: cx.code.name.clone(),
                            expr: None,
                        });
                    }
                    Unwind::Exc(x)
                }
                other => other,
            }
        };
        // the value sent in: the result of the `yield` it was suspended at
        let mut sent = sent;
        if let Some(t) = pending {
            let v = sent.take().unwrap_or_else(|| self.none(h));
            self.assign(h, cx, t, v).map_err(|e| here(e, line))?;
        }
        loop {
            let Some(top) = cursors.last_mut() else {
                if let Some(v) = sent.take() {
                    self.dec(h, v);
                }
                return Ok((Step::Return(self.none(h)), None));
            };
            match top {
                Cursor::Block(stmts, pc) => {
                    let Some(s) = stmts.get(*pc) else {
                        cursors.pop();
                        continue;
                    };
                    *pc += 1;
                    if let Some(v) = sent.take() {
                        self.dec(h, v); // `yield v` as a statement drops what was sent
                    }
                    let line = self.line_of(s.range().start().to_usize());
                    self.line.set(line);
                    if !stmt_has_yield(s) {
                        match self.exec_block(h, cx, std::slice::from_ref(s))? {
                            Flow::Normal => {}
                            Flow::Return(v) => return Ok((Step::Return(v), None)),
                            Flow::Break => self.gen_unwind_loop(h, g_id, cursors, true),
                            Flow::Continue => self.gen_unwind_loop(h, g_id, cursors, false),
                        }
                        continue;
                    }
                    match s {
                        Stmt::Expr(e) => match &*e.value {
                            Expr::Yield(y) => {
                                let v = self.gen_value(h, cx, y).map_err(|e| here(e, line))?;
                                return Ok((Step::Yield(v), None));
                            }
                            Expr::YieldFrom(y) => {
                                self.gen_push_iter(h, cx, g_id, &y.value)
                                    .map_err(|e| here(e, line))?;
                                cursors.push(Cursor::YieldFrom(None));
                            }
                            _ => return self.unsupported(line, "this use of 'yield'"),
                        },
                        Stmt::Assign(a) => match &*a.value {
                            Expr::Yield(y) => {
                                let v = self.gen_value(h, cx, y).map_err(|e| here(e, line))?;
                                return Ok((Step::Yield(v), Some(&a.targets[0])));
                            }
                            Expr::YieldFrom(y) => {
                                self.gen_push_iter(h, cx, g_id, &y.value)
                                    .map_err(|e| here(e, line))?;
                                cursors.push(Cursor::YieldFrom(Some(&a.targets[0])));
                            }
                            _ => return self.unsupported(line, "this use of 'yield'"),
                        },
                        Stmt::For(f) => {
                            self.gen_push_iter(h, cx, g_id, &f.iter)
                                .map_err(|e| here(e, line))?;
                            cursors.push(Cursor::For(f));
                        }
                        Stmt::While(w) => cursors.push(Cursor::While(w)),
                        Stmt::If(i) => {
                            let mut chosen: &'static [Stmt] = &[];
                            let c = self.eval(h, cx, &i.test).map_err(|e| here(e, line))?;
                            let t = self.truthy(h, c);
                            self.dec(h, c);
                            if t.map_err(|e| here(e, line))? {
                                chosen = &i.body;
                            } else {
                                for clause in &i.elif_else_clauses {
                                    let take = match &clause.test {
                                        None => true,
                                        Some(test) => {
                                            let c = self
                                                .eval(h, cx, test)
                                                .map_err(|e| here(e, line))?;
                                            let t = self.truthy(h, c);
                                            self.dec(h, c);
                                            t.map_err(|e| here(e, line))?
                                        }
                                    };
                                    if take {
                                        chosen = &clause.body;
                                        break;
                                    }
                                }
                            }
                            cursors.push(Cursor::Block(chosen, 0));
                        }
                        _ => return self.unsupported(line, "this use of 'yield'"),
                    }
                }
                Cursor::For(f) => {
                    let f: &'static ast::StmtFor = f;
                    let it = self.gen_top_iter(h, g_id);
                    let line = self.line_of(f.range().start().to_usize());
                    match self.next(h, it).map_err(|e| here(e, line))? {
                        Some(v) => {
                            self.assign(h, cx, &f.target, v)
                                .map_err(|e| here(e, line))?;
                            cursors.push(Cursor::Block(&f.body, 0));
                        }
                        None => {
                            cursors.pop();
                            self.gen_pop_iter(h, g_id);
                            cursors.push(Cursor::Block(&f.orelse, 0));
                        }
                    }
                }
                Cursor::While(w) => {
                    let w: &'static ast::StmtWhile = w;
                    let line = self.line_of(w.range().start().to_usize());
                    let c = self.eval(h, cx, &w.test).map_err(|e| here(e, line))?;
                    let t = self.truthy(h, c);
                    self.dec(h, c);
                    if t.map_err(|e| here(e, line))? {
                        cursors.push(Cursor::Block(&w.body, 0));
                    } else {
                        cursors.pop();
                        cursors.push(Cursor::Block(&w.orelse, 0));
                    }
                }
                Cursor::CompFor(level) => {
                    let level = *level;
                    let Some(c) = comp else {
                        cursors.pop();
                        continue;
                    };
                    if let Some(v) = sent.take() {
                        self.dec(h, v); // a generator expression ignores what is sent
                    }
                    let g = &c.generators[level];
                    let it = self.gen_top_iter(h, g_id);
                    let Some(v) = self.next(h, it).map_err(|e| here(e, line))? else {
                        cursors.pop();
                        self.gen_pop_iter(h, g_id);
                        continue;
                    };
                    self.assign(h, cx, &g.target, v)
                        .map_err(|e| here(e, line))?;
                    let mut keep = true;
                    for cond in &g.ifs {
                        if !self.eval_truth(h, cx, cond).map_err(|e| here(e, line))? {
                            keep = false;
                            break;
                        }
                    }
                    if !keep {
                        continue;
                    }
                    if level + 1 == c.generators.len() {
                        let v = self.eval(h, cx, &c.elt).map_err(|e| here(e, line))?;
                        return Ok((Step::Yield(v), None));
                    }
                    let next = &c.generators[level + 1];
                    self.gen_push_iter(h, cx, g_id, &next.iter)
                        .map_err(|e| here(e, line))?;
                    cursors.push(Cursor::CompFor(level + 1));
                }
                Cursor::YieldFrom(target) => {
                    let target = *target;
                    let it = self.gen_top_iter(h, g_id);
                    let step = self
                        .gen_delegate(h, it, sent.take())
                        .map_err(|e| here(e, line))?;
                    match step {
                        Step::Yield(v) => return Ok((Step::Yield(v), None)),
                        Step::Return(r) => {
                            cursors.pop();
                            self.gen_pop_iter(h, g_id);
                            match target {
                                Some(t) => self.assign(h, cx, t, r).map_err(|e| here(e, line))?,
                                None => self.dec(h, r),
                            }
                        }
                    }
                }
            }
        }
    }

    /// The value a `yield` gives (owned).
    fn gen_value(&self, h: &mut H<C>, cx: &Ctx, y: &'static ast::ExprYield) -> R<ObjId> {
        match &y.value {
            Some(v) => self.eval(h, cx, v),
            None => Ok(self.none(h)),
        }
    }

    /// One step of a `yield from`'s delegate: a generator is resumed with what was
    /// sent; any other iterator is advanced (sending a value to it is an error).
    fn gen_delegate(&self, h: &mut H<C>, it: ObjId, sent: Option<ObjId>) -> R<Step> {
        if matches!(self.p(h, it), Obj::Generator(_)) {
            return self.gen_resume(h, it, sent);
        }
        if let Some(v) = sent {
            let none = v == self.none;
            self.dec(h, v);
            if !none {
                let t = self.type_name(h, it);
                return self.err(
                    h,
                    "AttributeError",
                    &format!("'{t}' object has no attribute 'send'"),
                );
            }
        }
        match self.next(h, it)? {
            Some(v) => Ok(Step::Yield(v)),
            None => Ok(Step::Return(self.none(h))),
        }
    }

    /// Evaluates `e`, takes its iterator and keeps it as the generator's newest
    /// iterator edge.
    fn gen_push_iter(&self, h: &mut H<C>, cx: &Ctx, g_id: ObjId, e: &'static Expr) -> R<()> {
        let x = self.eval(h, cx, e)?;
        let it = self.get_iter(h, x);
        self.dec(h, x);
        let it = it?;
        let _ = h.link(g_id, it);
        self.dec(h, it);
        Ok(())
    }

    /// The newest iterator (borrowed).
    fn gen_top_iter(&self, h: &H<C>, g_id: ObjId) -> ObjId {
        let e = self.edges(h, g_id);
        e.last().copied().unwrap_or(self.null)
    }

    fn gen_pop_iter(&self, h: &mut H<C>, g_id: ObjId) {
        let n = self.edges(h, g_id).len();
        if n > ITERS {
            let _ = h.remove_edge(g_id, n - 1);
        }
    }

    /// `break` (or `continue`) out of a block: pops to the innermost loop of the
    /// walker's own stack and leaves it (or lets it take its next turn).
    fn gen_unwind_loop(&self, h: &mut H<C>, g_id: ObjId, cursors: &mut Vec<Cursor>, leave: bool) {
        while let Some(c) = cursors.last() {
            match c {
                Cursor::For(_) | Cursor::While(_) => {
                    if leave {
                        if matches!(c, Cursor::For(_)) {
                            self.gen_pop_iter(h, g_id);
                        }
                        cursors.pop();
                    }
                    return;
                }
                Cursor::YieldFrom(_) | Cursor::CompFor(_) => {
                    self.gen_pop_iter(h, g_id);
                    cursors.pop();
                }
                Cursor::Block(..) => {
                    cursors.pop();
                }
            }
        }
    }
}
