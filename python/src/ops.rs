//! Operators: arithmetic, comparison, unary, with the dunder fallbacks.

use gclab::{CycleCollector, ObjId};
use ruff_python_ast::{CmpOp, Operator, UnaryOp};

use crate::interp::{H, Interp, R};
use crate::obj::Obj;

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

fn num(o: &Obj) -> Option<Num> {
    match o {
        Obj::Int(i) => Some(Num::I(*i)),
        Obj::Bool(b) => Some(Num::I(*b as i64)),
        Obj::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(x) => x,
    }
}

fn dunder(op: Operator) -> (&'static str, &'static str, &'static str) {
    match op {
        Operator::Add => ("__add__", "__radd__", "+"),
        Operator::Sub => ("__sub__", "__rsub__", "-"),
        Operator::Mult => ("__mul__", "__rmul__", "*"),
        Operator::MatMult => ("__matmul__", "__rmatmul__", "@"),
        Operator::Div => ("__truediv__", "__rtruediv__", "/"),
        Operator::Mod => ("__mod__", "__rmod__", "%"),
        Operator::Pow => ("__pow__", "__rpow__", "** or pow()"),
        Operator::LShift => ("__lshift__", "__rlshift__", "<<"),
        Operator::RShift => ("__rshift__", "__rrshift__", ">>"),
        Operator::BitOr => ("__or__", "__ror__", "|"),
        Operator::BitXor => ("__xor__", "__rxor__", "^"),
        Operator::BitAnd => ("__and__", "__rand__", "&"),
        Operator::FloorDiv => ("__floordiv__", "__rfloordiv__", "//"),
    }
}

fn overflow<T, C: CycleCollector>(it: &Interp<C>, h: &mut H<C>) -> R<T> {
    it.err(
        h,
        "OverflowError",
        "integer result too large for gclab-py (64-bit ints)",
    )
}

/// `l op r` on borrowed operands; `inplace` for `op=` (lists extend in place).
pub fn binop<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: Operator,
    l: ObjId,
    r: ObjId,
    inplace: bool,
) -> R<ObjId> {
    if let (Some(a), Some(b)) = (num(it.p(h, l)), num(it.p(h, r))) {
        return arith(it, h, op, a, b);
    }
    // user dunders
    let (name, rname, sym) = dunder(op);
    if inplace {
        let iname = format!("__i{}", &name[2..]);
        if it.special(h, l, &iname).is_some() {
            let a = it.inc(h, r);
            if let Some(v) = it.call_special(h, l, &iname, vec![a])? {
                return Ok(v);
            }
        }
    }
    if it.special(h, l, name).is_some() {
        let a = it.inc(h, r);
        if let Some(v) = it.call_special(h, l, name, vec![a])? {
            if !is_not_implemented(it, h, v) {
                return Ok(v);
            }
            it.dec(h, v);
        }
    }
    if it.special(h, r, rname).is_some() {
        let a = it.inc(h, l);
        if let Some(v) = it.call_special(h, r, rname, vec![a])? {
            if !is_not_implemented(it, h, v) {
                return Ok(v);
            }
            it.dec(h, v);
        }
    }
    let lp = it.p(h, l);
    let rp = it.p(h, r);
    match (op, lp, rp) {
        (Operator::Add, Obj::Str(a), Obj::Str(b)) => {
            let s = format!("{a}{b}");
            return Ok(it.str_(h, &s));
        }
        (Operator::Mult, Obj::Str(a), Obj::Int(n)) | (Operator::Mult, Obj::Int(n), Obj::Str(a)) => {
            let s = a.repeat((*n).max(0) as usize);
            return Ok(it.str_(h, &s));
        }
        (Operator::Mod, Obj::Str(a), _) => {
            let a = a.clone();
            let s = crate::format::percent(it, h, &a, r)?;
            return Ok(it.str_(h, &s));
        }
        (Operator::Add, Obj::List, Obj::List) => {
            if inplace {
                for x in it.edges(h, r) {
                    let _ = h.link(l, x);
                }
                return Ok(it.inc(h, l));
            }
            let mut items = it.edges(h, l);
            items.extend(it.edges(h, r));
            for &x in &items {
                it.inc(h, x);
            }
            return Ok(it.new_list(h, items));
        }
        (Operator::Add, Obj::Tuple, Obj::Tuple) => {
            let mut items = it.edges(h, l);
            items.extend(it.edges(h, r));
            return Ok(it.new_tuple_borrowed(h, &items));
        }
        (Operator::Mult, Obj::List | Obj::Tuple, Obj::Int(n))
        | (Operator::Mult, Obj::Int(n), Obj::List | Obj::Tuple) => {
            let (seq, n) = if matches!(lp, Obj::Int(_)) {
                (r, *n)
            } else {
                (l, *n)
            };
            let is_list = matches!(it.p(h, seq), Obj::List);
            let base = it.edges(h, seq);
            let mut items = vec![];
            for _ in 0..n.max(0) {
                items.extend(base.iter().copied());
            }
            if inplace && is_list {
                let _ = h.clear_edges(seq);
                for x in items {
                    let _ = h.link(seq, x);
                }
                return Ok(it.inc(h, seq));
            }
            return Ok(if is_list {
                for &x in &items {
                    it.inc(h, x);
                }
                it.new_list(h, items)
            } else {
                it.new_tuple_borrowed(h, &items)
            });
        }
        (
            Operator::BitOr | Operator::BitAnd | Operator::Sub | Operator::BitXor,
            Obj::Set(_),
            Obj::Set(_),
        ) => {
            return crate::builtins::set_op(it, h, op, l, r);
        }
        _ => {}
    }
    let (a, b) = (it.type_name(h, l), it.type_name(h, r));
    if op == Operator::Add
        && (a == "str" || a == "list" || a == "tuple")
        && matches!(it.p(h, l), Obj::Str(_) | Obj::List | Obj::Tuple)
    {
        return it.err(
            h,
            "TypeError",
            &format!("can only concatenate {a} (not \"{b}\") to {a}"),
        );
    }
    it.err(
        h,
        "TypeError",
        &format!("unsupported operand type(s) for {sym}: '{a}' and '{b}'"),
    )
}

fn is_not_implemented<C: CycleCollector>(it: &Interp<C>, h: &H<C>, v: ObjId) -> bool {
    matches!(it.p(h, v), Obj::NotImplemented)
}

fn arith<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: Operator,
    a: Num,
    b: Num,
) -> R<ObjId> {
    use Num::*;
    match (a, b) {
        (I(x), I(y)) => {
            let r = match op {
                Operator::Add => x.checked_add(y),
                Operator::Sub => x.checked_sub(y),
                Operator::Mult => x.checked_mul(y),
                Operator::Div => {
                    if y == 0 {
                        return it.err(h, "ZeroDivisionError", "division by zero");
                    }
                    return Ok(it.float(h, x as f64 / y as f64));
                }
                Operator::FloorDiv => {
                    if y == 0 {
                        return it.err(
                            h,
                            "ZeroDivisionError",
                            "integer division or modulo by zero",
                        );
                    }
                    x.checked_div(y).map(|q| {
                        if x % y != 0 && ((x < 0) != (y < 0)) {
                            q - 1
                        } else {
                            q
                        }
                    })
                }
                Operator::Mod => {
                    if y == 0 {
                        return it.err(
                            h,
                            "ZeroDivisionError",
                            "integer division or modulo by zero",
                        );
                    }
                    let m = (x as i128).rem_euclid(y as i128);
                    let m = if m != 0 && y < 0 { m + y as i128 } else { m };
                    Some(m as i64)
                }
                Operator::Pow => {
                    if y < 0 {
                        return Ok(it.float(h, (x as f64).powf(y as f64)));
                    }
                    u32::try_from(y).ok().and_then(|y| x.checked_pow(y))
                }
                Operator::LShift => {
                    if y < 0 {
                        return it.err(h, "ValueError", "negative shift count");
                    }
                    if y >= 63 {
                        if x == 0 { Some(0) } else { None }
                    } else {
                        let r = x << y;
                        if r >> y == x { Some(r) } else { None }
                    }
                }
                Operator::RShift => {
                    if y < 0 {
                        return it.err(h, "ValueError", "negative shift count");
                    }
                    Some(x >> y.min(63))
                }
                Operator::BitOr => Some(x | y),
                Operator::BitAnd => Some(x & y),
                Operator::BitXor => Some(x ^ y),
                Operator::MatMult => {
                    return it.err(
                        h,
                        "TypeError",
                        "unsupported operand type(s) for @: 'int' and 'int'",
                    );
                }
            };
            match r {
                Some(v) => Ok(it.int(h, v)),
                None => overflow(it, h),
            }
        }
        _ => {
            let (x, y) = (f(a), f(b));
            let r = match op {
                Operator::Add => x + y,
                Operator::Sub => x - y,
                Operator::Mult => x * y,
                Operator::Div => {
                    if y == 0.0 {
                        return it.err(h, "ZeroDivisionError", "float division by zero");
                    }
                    x / y
                }
                Operator::FloorDiv => {
                    if y == 0.0 {
                        return it.err(h, "ZeroDivisionError", "float floor division by zero");
                    }
                    (x / y).floor()
                }
                Operator::Mod => {
                    if y == 0.0 {
                        return it.err(h, "ZeroDivisionError", "float modulo");
                    }
                    let m = x % y;
                    if m != 0.0 && ((m < 0.0) != (y < 0.0)) {
                        m + y
                    } else {
                        m
                    }
                }
                Operator::Pow => x.powf(y),
                _ => {
                    let (_, _, sym) = dunder(op);
                    return it.err(
                        h,
                        "TypeError",
                        &format!("unsupported operand type(s) for {sym}: 'float' and 'float'"),
                    );
                }
            };
            Ok(it.float(h, r))
        }
    }
}

/// `op v`.
pub fn unary<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, op: UnaryOp, v: ObjId) -> R<ObjId> {
    if op == UnaryOp::Not {
        let t = it.truthy(h, v)?;
        return Ok(it.bool_(h, !t));
    }
    match (op, num(it.p(h, v))) {
        (UnaryOp::USub, Some(Num::I(i))) => match i.checked_neg() {
            Some(n) => Ok(it.int(h, n)),
            None => overflow(it, h),
        },
        (UnaryOp::USub, Some(Num::F(x))) => Ok(it.float(h, -x)),
        (UnaryOp::UAdd, Some(Num::I(i))) => Ok(it.int(h, i)),
        (UnaryOp::UAdd, Some(Num::F(x))) => Ok(it.float(h, x)),
        (UnaryOp::Invert, Some(Num::I(i))) => Ok(it.int(h, !i)),
        _ => {
            let name = match op {
                UnaryOp::USub => "__neg__",
                UnaryOp::UAdd => "__pos__",
                UnaryOp::Invert => "__invert__",
                UnaryOp::Not => "__bool__",
            };
            if let Some(r) = it.call_special(h, v, name, vec![])? {
                return Ok(r);
            }
            let sym = match op {
                UnaryOp::USub => "-",
                UnaryOp::UAdd => "+",
                _ => "~",
            };
            let t = it.type_name(h, v);
            it.err(
                h,
                "TypeError",
                &format!("bad operand type for unary {sym}: '{t}'"),
            )
        }
    }
}

/// Equality of two borrowed objects.
pub fn eq<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, a: ObjId, b: ObjId) -> R<bool> {
    if a == b {
        return Ok(true);
    }
    if let (Some(x), Some(y)) = (num(it.p(h, a)), num(it.p(h, b))) {
        return Ok(match (x, y) {
            (Num::I(x), Num::I(y)) => x == y,
            _ => f(x) == f(y),
        });
    }
    for (x, y) in [(a, b), (b, a)] {
        if it.special(h, x, "__eq__").is_some() {
            let arg = it.inc(h, y);
            if let Some(r) = it.call_special(h, x, "__eq__", vec![arg])? {
                if is_not_implemented(it, h, r) {
                    it.dec(h, r);
                    continue;
                }
                let t = it.truthy(h, r);
                it.dec(h, r);
                return t;
            }
        }
    }
    let (pa, pb) = (it.p(h, a), it.p(h, b));
    match (pa, pb) {
        (Obj::Str(x), Obj::Str(y)) => Ok(x == y),
        (Obj::Bytes(x), Obj::Bytes(y)) => Ok(x == y),
        (Obj::None, Obj::None) => Ok(true),
        (Obj::Method, Obj::Method) => {
            // method_richcompare: equal functions and the same `__self__`
            let (ea, eb) = (it.edges(h, a), it.edges(h, b));
            Ok(ea.len() == 2 && eb.len() == 2 && ea[1] == eb[1] && eq(it, h, ea[0], eb[0])?)
        }
        (Obj::List, Obj::List) | (Obj::Tuple, Obj::Tuple) => {
            let (ea, eb) = (it.edges(h, a), it.edges(h, b));
            if ea.len() != eb.len() {
                return Ok(false);
            }
            // nested containers: bounded as CPython's Py_EnterRecursiveCall bounds it
            it.enter_for(h, " in comparison")?;
            let mut r = Ok(true);
            for (x, y) in ea.into_iter().zip(eb) {
                match eq(it, h, x, y) {
                    Ok(true) => {}
                    other => {
                        r = other.map(|_| false);
                        break;
                    }
                }
            }
            it.leave();
            r
        }
        (Obj::Dict(_), Obj::Dict(_)) => {
            let (ia, ib) = (it.dict_items(h, a), it.dict_items(h, b));
            if ia.len() != ib.len() {
                return Ok(false);
            }
            for (k, v) in ia {
                match it.dict_get(h, b, k)? {
                    Some(w) => {
                        if !eq(it, h, v, w)? {
                            return Ok(false);
                        }
                    }
                    None => return Ok(false),
                }
            }
            Ok(true)
        }
        (Obj::Set(_), Obj::Set(_)) => {
            let (ea, eb) = (it.edges(h, a), it.edges(h, b));
            if ea.len() != eb.len() {
                return Ok(false);
            }
            for x in ea {
                if !it.set_contains(h, b, x)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (Obj::Range(a1, b1, c1), Obj::Range(a2, b2, c2)) => Ok((a1, b1, c1) == (a2, b2, c2)),
        _ => Ok(false),
    }
}

/// Ordering of two borrowed objects: `Some(Less|Equal|Greater)`.
fn order<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: CmpOp,
    a: ObjId,
    b: ObjId,
) -> R<bool> {
    use std::cmp::Ordering;
    let want = |o: Ordering| match op {
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::LtE => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::GtE => o != Ordering::Less,
        _ => false,
    };
    if let (Some(x), Some(y)) = (num(it.p(h, a)), num(it.p(h, b))) {
        return Ok(match (x, y) {
            (Num::I(x), Num::I(y)) => want(x.cmp(&y)),
            _ => f(x).partial_cmp(&f(y)).is_some_and(want),
        });
    }
    let (name, rname) = match op {
        CmpOp::Lt => ("__lt__", "__gt__"),
        CmpOp::LtE => ("__le__", "__ge__"),
        CmpOp::Gt => ("__gt__", "__lt__"),
        _ => ("__ge__", "__le__"),
    };
    for (x, y, n) in [(a, b, name), (b, a, rname)] {
        if it.special(h, x, n).is_some() {
            let arg = it.inc(h, y);
            if let Some(r) = it.call_special(h, x, n, vec![arg])? {
                let t = it.truthy(h, r);
                it.dec(h, r);
                return t;
            }
        }
    }
    match (it.p(h, a), it.p(h, b)) {
        (Obj::Str(x), Obj::Str(y)) => Ok(want(x.cmp(y))),
        (Obj::List, Obj::List) | (Obj::Tuple, Obj::Tuple) => {
            let (ea, eb) = (it.edges(h, a), it.edges(h, b));
            it.enter_for(h, " in comparison")?;
            let r = (|| {
                for (&x, &y) in ea.iter().zip(&eb) {
                    if !eq(it, h, x, y)? {
                        return order(it, h, op, x, y);
                    }
                }
                Ok(want(ea.len().cmp(&eb.len())))
            })();
            it.leave();
            r
        }
        (Obj::Set(_), Obj::Set(_)) => {
            let sub = |it: &Interp<C>, h: &mut H<C>, x: ObjId, y: ObjId| -> R<bool> {
                for e in it.edges(h, x) {
                    if !it.set_contains(h, y, e)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            };
            let (la, lb) = (it.nedges(h, a), it.nedges(h, b));
            Ok(match op {
                CmpOp::LtE => sub(it, h, a, b)?,
                CmpOp::Lt => la < lb && sub(it, h, a, b)?,
                CmpOp::GtE => sub(it, h, b, a)?,
                _ => la > lb && sub(it, h, b, a)?,
            })
        }
        _ => {
            let sym = match op {
                CmpOp::Lt => "<",
                CmpOp::LtE => "<=",
                CmpOp::Gt => ">",
                _ => ">=",
            };
            let (x, y) = (it.type_name(h, a), it.type_name(h, b));
            it.err(
                h,
                "TypeError",
                &format!("'{sym}' not supported between instances of '{x}' and '{y}'"),
            )
        }
    }
}

/// `x < y` as a bool (sorting).
pub fn less<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, a: ObjId, b: ObjId) -> R<bool> {
    order(it, h, CmpOp::Lt, a, b)
}

/// `item in container`.
pub fn contains<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    container: ObjId,
    item: ObjId,
) -> R<bool> {
    match it.p(h, container) {
        Obj::Str(s) => match it.p(h, item) {
            Obj::Str(x) => Ok(s.contains(&**x)),
            _ => it.err(
                h,
                "TypeError",
                "'in <string>' requires string as left operand",
            ),
        },
        Obj::Dict(_) => Ok(it.dict_get(h, container, item)?.is_some()),
        Obj::DictView("keys") => {
            let d = it.edge(h, container, 0);
            Ok(it.dict_get(h, d, item)?.is_some())
        }
        Obj::Set(_) => it.set_contains(h, container, item),
        Obj::List | Obj::Tuple => {
            for x in it.edges(h, container) {
                if eq(it, h, x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Obj::Range(a, b, s) => {
            let (a, b, s) = (*a, *b, *s);
            Ok(match it.p(h, item) {
                Obj::Int(i) => {
                    let i = *i;
                    (if s > 0 {
                        a <= i && i < b
                    } else {
                        b < i && i <= a
                    }) && (i - a) % s == 0
                }
                _ => false,
            })
        }
        Obj::Instance(_) if it.special(h, container, "__contains__").is_some() => {
            let arg = it.inc(h, item);
            let r = it
                .call_special(h, container, "__contains__", vec![arg])?
                .unwrap_or(it.null);
            let t = it.truthy(h, r);
            it.dec(h, r);
            t
        }
        _ => {
            let items = it.unpack_iterable(h, container)?;
            let mut found = Ok(false);
            for &x in &items {
                match eq(it, h, x, item) {
                    Ok(true) => {
                        found = Ok(true);
                        break;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        found = Err(e);
                        break;
                    }
                }
            }
            it.dec_all(h, items);
            found
        }
    }
}

/// `a op b` for a comparison operator (owned bool).
pub fn compare<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: CmpOp,
    a: ObjId,
    b: ObjId,
) -> R<ObjId> {
    let r = match op {
        CmpOp::Eq => eq(it, h, a, b)?,
        CmpOp::NotEq => {
            if it.special(h, a, "__ne__").is_some() {
                let arg = it.inc(h, b);
                let r = it
                    .call_special(h, a, "__ne__", vec![arg])?
                    .unwrap_or(it.null);
                let t = it.truthy(h, r);
                it.dec(h, r);
                t?
            } else {
                !eq(it, h, a, b)?
            }
        }
        CmpOp::Is => a == b,
        CmpOp::IsNot => a != b,
        CmpOp::In => contains(it, h, b, a)?,
        CmpOp::NotIn => !contains(it, h, b, a)?,
        _ => order(it, h, op, a, b)?,
    };
    Ok(it.bool_(h, r))
}
