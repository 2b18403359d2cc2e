//! The payload of every Python object on the heap: a type tag and scalar data. The
//! references an object holds are the heap's edges, never payload fields; the layout of
//! each kind's edges is documented on its variant.

use std::collections::HashMap;
use std::rc::Rc;

use gclab::WeakRef;

use crate::code::{Code, FuncDef};

/// A hashable summary of a dict key or set element, derived from the key object's value
/// (strings, numbers, tuples of those) or its identity (everything else). The payload
/// of a dict maps these to entry positions; the keys themselves are edges.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HKey {
    /// An int, a bool or an integral float.
    Int(i64),
    /// A non-integral float, by its bits.
    Float(u64),
    /// A string.
    Str(Rc<str>),
    /// A bytes object.
    Bytes(Rc<[u8]>),
    /// `None`.
    None,
    /// A tuple of hashable values.
    Tuple(Vec<HKey>),
    /// An object hashed by identity (`id()`).
    Id(u64),
    /// An object of a class defining `__hash__`: the value it returned.
    Custom(i64),
}

/// A fast non-cryptographic hasher (FxHash's multiply-rotate) for dict indexes: keys
/// are the program's own values, so no flooding defence is needed.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Whole 8-byte words, then the tail zero-padded (the same value as padding every
        // chunk), without a variable-length copy per word.
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.write_u64(u64::from_le_bytes(b));
        }
        let tail = words.remainder();
        if !tail.is_empty() {
            let v = tail
                .iter()
                .rev()
                .fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
            self.write_u64(v);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
}

/// The hasher builder of dict indexes.
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// The index of a dict (edges `k0, v0, k1, v1, …`) or a set (edges `e0, e1, …`).
#[derive(Debug, Default, Clone)]
pub struct Index {
    /// Key summary to entry number (edge `2i` for dicts, `i` for sets).
    pub map: HashMap<HKey, usize, FxBuild>,
    /// Whether this dict is a class's namespace: writing to it invalidates the
    /// interpreter's attribute-lookup cache (`Interp::class_lookup`).
    pub class_ns: bool,
    /// How many times this dict was written (set, delete, clear): a cached read of it
    /// is valid while this is unchanged (`Interp::load_node`'s global cache).
    pub ver: u64,
}

/// Which builtin function a `Builtin` object is.
pub type BuiltinName = &'static str;

/// The state of an iterator object; its source is its edge 0.
#[derive(Debug, Clone)]
pub enum IterState {
    /// A list, tuple, dict (keys), set or str walked by position.
    Seq(usize),
    /// A range.
    Range(i64, i64, i64),
    /// Exhausted.
    Done,
}

/// A class: its name and, for builtin types, which one.
#[derive(Debug)]
pub struct ClassInfo {
    /// `__name__`.
    pub name: Rc<str>,
    /// For a builtin type, its name (`"int"`, `"list"`, `"Exception"`, ...).
    pub builtin: Option<&'static str>,
    /// Whether this class or a base defines `__del__` (set at creation).
    pub has_del: bool,
}

/// Edge position of a class's namespace dict.
pub const CLASS_DICT: usize = 0;
/// Edge position of a class's MRO tuple (the class itself first).
pub const CLASS_MRO: usize = 1;
/// Edge position of a class's `__bases__` tuple.
pub const CLASS_BASES: usize = 2;
/// Edge position of a class's `__base__` (the base whose instance layout it extends).
pub const CLASS_BASE: usize = 3;

/// Which descriptor an [`Obj::Descr`] is.
#[derive(Debug, Clone)]
pub enum DescrKind {
    /// `<attribute '__dict__' of 'C' objects>`.
    Dict,
    /// `<attribute '__weakref__' of 'C' objects>`.
    Weakref,
    /// `<member 'name' of 'C' objects>`: a `__slots__` name.
    Member(Rc<str>),
}

/// A Python object's payload.
#[derive(Debug)]
pub enum Obj {
    /// The marker of an unbound local slot or an empty cell. No edges.
    Null,
    /// `None`.
    None,
    /// `NotImplemented`.
    NotImplemented,
    /// `sys.stdout` (`false`) or `sys.stderr` (`true`).
    Stream(bool),
    /// `True` / `False`.
    Bool(bool),
    /// An int (64-bit).
    Int(i64),
    /// A float.
    Float(f64),
    /// A str.
    Str(Rc<str>),
    /// A bytes object (`random.randbytes` makes them; no literal or methods here).
    Bytes(Rc<[u8]>),
    /// A list: edges are the items.
    List,
    /// A tuple: edges are the items (immutable).
    Tuple,
    /// A dict: edges `k0, v0, k1, v1, …`.
    Dict(Box<Index>),
    /// A set: edges are the elements.
    Set(Box<Index>),
    /// A dict view (`"keys"`, `"values"`, `"items"`): edges `dict`.
    DictView(&'static str),
    /// A range (no edges).
    Range(i64, i64, i64),
    /// A slice: edges `start, stop, step`.
    Slice,
    /// A function: edges `globals, defaults, kwdefaults, closure` (None where absent).
    Func(Rc<FuncDef>),
    /// A cell: edges `[]` (empty) or `[value]`.
    Cell,
    /// A call's frame: edges are the local slots (`Null` when unbound).
    Frame(#[allow(dead_code)] Rc<Code>),
    /// A class: edges `dict, mro (tuple, the class first), bases (tuple), base` — what
    /// CPython 3.11's `type_traverse` visits (`tp_dict`, `tp_mro`, `tp_bases`,
    /// `tp_base`), so a class is in a reference cycle through its MRO, as in CPython.
    /// The edge positions are [`CLASS_DICT`], [`CLASS_MRO`], [`CLASS_BASES`],
    /// [`CLASS_BASE`] (`object`'s base is `None`).
    Class(Rc<ClassInfo>),
    /// A descriptor a class statement puts in the class's dict: `__dict__` and
    /// `__weakref__` (`getset_descriptor`) and one per `__slots__` name
    /// (`member_descriptor`). Edges `class` (CPython's `d_type`, visited by
    /// `descr_traverse`).
    Descr(DescrKind),
    /// An instance with inline values: edges `class, v0, v1, …`, the names here.
    Instance(Vec<Rc<str>>),
    /// A bound method: edges `func, self`.
    Method,
    /// A builtin function (no edges).
    Builtin(BuiltinName),
    /// A builtin method bound to its object: edges `self`.
    BuiltinMethod(BuiltinName),
    /// A builtin type's method taken from the type (`str.lower`): no edges.
    UnboundMethod(BuiltinName),
    /// A module: edges `dict`.
    Module(Rc<str>),
    /// An iterator: edges `source`.
    Iter(IterState),
    /// A `weakref.ref`: edges `[callback]` or `[]`.
    WeakRef(Option<WeakRef>),
    /// `property`: edges `fget, fset` (None where absent).
    Property,
    /// `classmethod`: edges `func`.
    ClassMethod,
    /// `staticmethod`: edges `func`.
    StaticMethod,
    /// `super()`: edges `class, self`.
    Super,
    /// `weakref.finalize`: edges `func, args tuple`; alive while not called.
    Finalize(Option<WeakRef>, bool),
    /// A `random.Random` generator (no edges): its state (`crate::random`).
    Random(Box<crate::random::RandomState>),
    /// A generator: edges `frame, globals, iterators of the loops it is suspended in`
    /// (`crate::generator`).
    Generator(Box<crate::generator::GenState>),
    /// An `array.array` (no edges): its typecode and items (`crate::array`).
    Array(Box<crate::array::ArrayData>),
}

impl Obj {
    /// The Python type name of a non-instance object.
    pub fn type_name(&self) -> &'static str {
        match self {
            Obj::Null => "NULL",
            Obj::None => "NoneType",
            Obj::NotImplemented => "NotImplementedType",
            Obj::Stream(_) => "_io.TextIOWrapper",
            Obj::Bool(_) => "bool",
            Obj::Int(_) => "int",
            Obj::Float(_) => "float",
            Obj::Str(_) => "str",
            Obj::Bytes(_) => "bytes",
            Obj::List => "list",
            Obj::Tuple => "tuple",
            Obj::Dict(_) => "dict",
            Obj::Set(_) => "set",
            Obj::Range(..) => "range",
            Obj::DictView("keys") => "dict_keys",
            Obj::DictView("values") => "dict_values",
            Obj::DictView(_) => "dict_items",
            Obj::Slice => "slice",
            Obj::Func(_) => "function",
            Obj::Cell => "cell",
            Obj::Frame(_) => "frame",
            Obj::Class(_) => "type",
            Obj::Descr(DescrKind::Member(_)) => "member_descriptor",
            Obj::Descr(_) => "getset_descriptor",
            Obj::Instance(_) => "object",
            Obj::Method => "method",
            Obj::Builtin(_) | Obj::BuiltinMethod(_) => "builtin_function_or_method",
            Obj::UnboundMethod(_) => "method_descriptor",
            Obj::Module(_) => "module",
            Obj::Iter(_) => "iterator",
            Obj::WeakRef(_) => "weakref.ReferenceType",
            Obj::Property => "property",
            Obj::ClassMethod => "classmethod",
            Obj::StaticMethod => "staticmethod",
            Obj::Super => "super",
            Obj::Finalize(..) => "finalize",
            Obj::Random(_) => crate::random::TYPE,
            Obj::Array(_) => crate::array::TYPE,
            Obj::Generator(_) => "generator",
        }
    }
}
