//! The `array` module: `array.array(typecode, initializer)`, a typed sequence of machine
//! numbers held in the object's payload (no edges, so never tracked by the collector, as
//! CPython's array objects are not: `Modules/arraymodule.c` has no `tp_traverse`).
//!
//! Typecodes `b B h H i I l L q Q` (ints, range-checked with CPython's messages) and
//! `f d` (floats; `f` rounds to single precision). Supported: construction from a list,
//! tuple, range or another array, `len`, indexing and index assignment (negative
//! indices), iteration (through `tolist`), `append`, `extend`, `tolist`, `typecode`,
//! `itemsize`, `==`, and the repr `array('B', [1, 2])`. `tobytes` needs `bytes`, which
//! this interpreter does not have: it raises `NotImplementedError`.

use std::rc::Rc;

use gclab::{CycleCollector, ObjId};

use crate::interp::{H, Interp, R};
use crate::obj::Obj;

/// The type's name in the interpreter's type table.
pub const TYPE: &str = "array.array";

/// The methods of an array.
pub const METHODS: &[&str] = &["append", "extend", "tolist", "tobytes"];

/// An array's items.
#[derive(Debug, Clone, PartialEq)]
pub enum Items {
    /// An integer typecode's items.
    Int(Vec<i64>),
    /// `f` or `d`.
    Float(Vec<f64>),
}

/// An array's payload: its typecode and items.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayData {
    /// The typecode.
    pub code: char,
    /// The items.
    pub items: Items,
}

impl ArrayData {
    /// The number of items.
    pub fn len(&self) -> usize {
        match &self.items {
            Items::Int(v) => v.len(),
            Items::Float(v) => v.len(),
        }
    }
}

/// The inclusive range and CPython's overflow messages of an integer typecode
/// (`Modules/arraymodule.c`, `b_setitem` ... `QQ_setitem`).
fn int_range(code: char) -> Option<(i64, i64, &'static str, &'static str, usize)> {
    Some(match code {
        'b' => (
            -128,
            127,
            "signed char is less than minimum",
            "signed char is greater than maximum",
            1,
        ),
        'B' => (
            0,
            255,
            "unsigned byte integer is less than minimum",
            "unsigned byte integer is greater than maximum",
            1,
        ),
        'h' => (
            i16::MIN as i64,
            i16::MAX as i64,
            "signed short integer is less than minimum",
            "signed short integer is greater than maximum",
            2,
        ),
        'H' => (
            0,
            u16::MAX as i64,
            "unsigned short is less than minimum",
            "unsigned short is greater than maximum",
            2,
        ),
        'i' => (
            i32::MIN as i64,
            i32::MAX as i64,
            "signed integer is less than minimum",
            "signed integer is greater than maximum",
            4,
        ),
        'I' => (
            0,
            u32::MAX as i64,
            "unsigned int is less than minimum",
            "unsigned int is greater than maximum",
            4,
        ),
        'l' | 'q' => (
            i64::MIN,
            i64::MAX,
            "Python int too large to convert to C long",
            "Python int too large to convert to C long",
            8,
        ),
        'L' | 'Q' => (
            0,
            i64::MAX,
            "unsigned long is less than minimum",
            "unsigned long is greater than maximum",
            8,
        ),
        _ => return None,
    })
}

/// Converts `v` to an item of typecode `code`.
fn item<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, code: char, v: ObjId) -> R<Item> {
    if let Some((lo, hi, under, over, _)) = int_range(code) {
        let i = match it.p(h, v) {
            Obj::Int(i) => *i,
            Obj::Bool(b) => *b as i64,
            Obj::Float(_) => {
                return it.err(
                    h,
                    "TypeError",
                    "'float' object cannot be interpreted as an integer",
                );
            }
            _ => {
                let t = it.type_name(h, v);
                return it.err(
                    h,
                    "TypeError",
                    &format!("an integer is required (got type {t})"),
                );
            }
        };
        if i < lo {
            return it.err(h, "OverflowError", under);
        }
        if i > hi {
            return it.err(h, "OverflowError", over);
        }
        return Ok(Item::Int(i));
    }
    let f = match it.p(h, v) {
        Obj::Float(f) => *f,
        Obj::Int(i) => *i as f64,
        Obj::Bool(b) => *b as i64 as f64,
        _ => {
            let t = it.type_name(h, v);
            return it.err(h, "TypeError", &format!("must be real number, not {t}"));
        }
    };
    Ok(Item::Float(if code == 'f' { f as f32 as f64 } else { f }))
}

/// One converted item.
enum Item {
    Int(i64),
    Float(f64),
}

fn push(d: &mut ArrayData, x: Item) {
    match (&mut d.items, x) {
        (Items::Int(v), Item::Int(i)) => v.push(i),
        (Items::Float(v), Item::Float(f)) => v.push(f),
        _ => {}
    }
}

/// `array.array(typecode[, initializer])`.
pub fn construct<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    if !kw.is_empty() {
        return it.err(h, "TypeError", "array.array() takes no keyword arguments");
    }
    if args.is_empty() || args.len() > 2 {
        return it.err(
            h,
            "TypeError",
            &format!("array() takes at most 2 arguments ({} given)", args.len()),
        );
    }
    let code = match it.p(h, args[0]) {
        Obj::Str(s) if s.chars().count() == 1 => s.chars().next().unwrap_or(' '),
        _ => {
            return it.err(
                h,
                "TypeError",
                "array() argument 1 must be a unicode character, not str",
            );
        }
    };
    let items = match code {
        'f' | 'd' => Items::Float(vec![]),
        c if int_range(c).is_some() => Items::Int(vec![]),
        _ => {
            return it.err(
                h,
                "ValueError",
                "bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)",
            );
        }
    };
    let mut d = ArrayData { code, items };
    if let Some(&init) = args.get(1) {
        extend(it, h, &mut d, init)?;
    }
    Ok(h.alloc_atomic(Obj::Array(Box::new(d))))
}

fn extend<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, d: &mut ArrayData, src: ObjId) -> R<()> {
    if let Obj::Array(other) = it.p(h, src) {
        if other.code != d.code {
            return it.err(h, "TypeError", "bad argument type for built-in operation");
        }
        let o = other.items.clone();
        match (&mut d.items, o) {
            (Items::Int(v), Items::Int(o)) => v.extend(o),
            (Items::Float(v), Items::Float(o)) => v.extend(o),
            _ => {}
        }
        return Ok(());
    }
    let xs = it.unpack_iterable(h, src)?;
    let mut r = Ok(());
    for &x in &xs {
        match item(it, h, d.code, x) {
            Ok(v) => push(d, v),
            Err(e) => {
                r = Err(e);
                break;
            }
        }
    }
    it.dec_all(h, xs);
    r
}

/// The items as new Python objects (owned).
pub fn to_objects<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, a: ObjId) -> Vec<ObjId> {
    let items = match it.p(h, a) {
        Obj::Array(d) => d.items.clone(),
        _ => return vec![],
    };
    match items {
        Items::Int(v) => v.into_iter().map(|i| it.int(h, i)).collect(),
        Items::Float(v) => v.into_iter().map(|f| it.float(h, f)).collect(),
    }
}

fn index<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, a: ObjId, k: ObjId) -> R<usize> {
    let n = match it.p(h, a) {
        Obj::Array(d) => d.len() as i64,
        _ => 0,
    };
    let i = match it.p(h, k) {
        Obj::Int(i) => *i,
        Obj::Bool(b) => *b as i64,
        _ => return it.err(h, "TypeError", "array indices must be integers"),
    };
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return it.err(h, "IndexError", "array index out of range");
    }
    Ok(j as usize)
}

/// `a[k]` (owned).
pub fn getitem<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, a: ObjId, k: ObjId) -> R<ObjId> {
    let i = index(it, h, a, k)?;
    let x = match it.p(h, a) {
        Obj::Array(d) => match &d.items {
            Items::Int(v) => Item::Int(v[i]),
            Items::Float(v) => Item::Float(v[i]),
        },
        _ => return it.err(h, "TypeError", "not an array"),
    };
    Ok(match x {
        Item::Int(i) => it.int(h, i),
        Item::Float(f) => it.float(h, f),
    })
}

/// `a[k] = v` (v borrowed).
pub fn setitem<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    a: ObjId,
    k: ObjId,
    v: ObjId,
) -> R<()> {
    let code = match it.p(h, a) {
        Obj::Array(d) => d.code,
        _ => return it.err(h, "TypeError", "not an array"),
    };
    let i = index(it, h, a, k)?;
    let x = item(it, h, code, v)?;
    if let Ok(Obj::Array(d)) = h.payload_mut(a) {
        match (&mut d.items, x) {
            (Items::Int(v), Item::Int(x)) => v[i] = x,
            (Items::Float(v), Item::Float(x)) => v[i] = x,
            _ => {}
        }
    }
    Ok(())
}

/// The methods of an array (arguments borrowed).
pub fn method<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &str,
    this: ObjId,
    args: &[ObjId],
) -> R<ObjId> {
    let Obj::Array(d) = it.p(h, this) else {
        return it.err(h, "TypeError", "not an array");
    };
    let mut d = (**d).clone();
    match name {
        "append" | "extend" => {
            if args.len() != 1 {
                return it.err(
                    h,
                    "TypeError",
                    &format!(
                        "array.{name}() takes exactly one argument ({} given)",
                        args.len()
                    ),
                );
            }
            if name == "append" {
                let x = item(it, h, d.code, args[0])?;
                push(&mut d, x);
            } else {
                extend(it, h, &mut d, args[0])?;
            }
            if let Ok(Obj::Array(p)) = h.payload_mut(this) {
                **p = d;
            }
            Ok(it.none(h))
        }
        "tolist" => {
            let xs = to_objects(it, h, this);
            Ok(it.new_list(h, xs))
        }
        _ => it.err(
            h,
            "NotImplementedError",
            "array.tobytes(): gclab-py has no bytes type",
        ),
    }
}

/// `typecode` and `itemsize` (owned), if `name` is one of them.
pub fn attr<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    a: ObjId,
    name: &str,
) -> Option<ObjId> {
    let code = match it.p(h, a) {
        Obj::Array(d) => d.code,
        _ => return None,
    };
    match name {
        "typecode" => Some(it.str_(h, &code.to_string())),
        "itemsize" => {
            let n = int_range(code)
                .map(|r| r.4)
                .unwrap_or(if code == 'f' { 4 } else { 8 });
            Some(it.int(h, n as i64))
        }
        _ => None,
    }
}

/// `repr(a)`: `array('B')` or `array('B', [1, 2])`.
pub fn repr<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, a: ObjId) -> R<String> {
    let (code, n) = match it.p(h, a) {
        Obj::Array(d) => (d.code, d.len()),
        _ => return Ok(String::new()),
    };
    if n == 0 {
        return Ok(format!("array('{code}')"));
    }
    let xs = to_objects(it, h, a);
    let mut parts = vec![];
    let mut r = Ok(());
    for &x in &xs {
        match it.repr(h, x) {
            Ok(s) => parts.push(s),
            Err(e) => {
                r = Err(e);
                break;
            }
        }
    }
    it.dec_all(h, xs);
    r?;
    Ok(format!("array('{code}', [{}])", parts.join(", ")))
}

/// Installs the module `array` (`array.array`, `array.typecodes`).
pub fn install<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>) {
    let d = it.new_dict(h);
    let cls = it.types.borrow().get(TYPE).copied();
    if let Some(cls) = cls {
        let cls = it.inc(h, cls);
        it.dict_set_str(h, d, "array", cls);
        let c2 = it.inc(h, cls);
        it.dict_set_str(h, d, "ArrayType", c2);
    }
    let t = it.str_(h, "bBhHiIlLqQfd");
    it.dict_set_str(h, d, "typecodes", t);
    let mo = h
        .alloc_with(Obj::Module("array".into()), &[d])
        .expect("alloc");
    it.dec(h, d);
    it.modules.borrow_mut().insert("array".to_owned(), mo);
}
