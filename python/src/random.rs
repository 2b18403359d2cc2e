//! The `random` module, CPython 3.11's: the Mersenne Twister MT19937 of
//! `Modules/_randommodule.c` with its seeding, and the methods of `Lib/random.py`'s
//! `Random` built on it, drawing the same numbers in the same order, so a seeded
//! program prints what `python3` prints.
//!
//! A generator is an ordinary heap object (`Obj::Random`, no edges) whose payload is
//! the generator's state; `random.Random(x)` makes one, and the module's functions are
//! built-in methods bound to the module's own instance `random._inst`, as
//! `Lib/random.py` binds them (`random = _inst.random`, ...).
//!
//! String seeds are hashed with SHA-512 (the `sha2` crate) as version 2 does, and
//! `randrange`'s non-integer arguments print 3.11's `DeprecationWarning`s (once per
//! line, as the `default` filter of `__main__` shows them).
//!
//! Differences from CPython, each refused with a clear error rather than answered
//! differently: ints are 64-bit (`getrandbits(k)` for `k > 63`, and ranges wider than
//! 64 bits, are an `OverflowError`); a string seed of a version other than 1 and 2
//! (CPython: its randomized `hash()`) is a `NotImplementedError`; `random.Random`
//! cannot be subclassed. `randbytes` makes a `bytes` object (`Obj::Bytes`).

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use gclab::{CycleCollector, ObjId};
use ruff_python_ast::{CmpOp, Operator};

use crate::interp::{H, Interp, R, Unwind};
use crate::obj::Obj;
use crate::ops;

// ------------------------------------------------------------------ the generator

/// Words of MT19937's state (`N` in `Modules/_randommodule.c`).
pub const N: usize = 624;
/// MT19937's middle word offset (`M`).
const M: usize = 397;
/// The constant vector a (`MATRIX_A`).
const MATRIX_A: u32 = 0x9908_b0df;
/// Most significant w-r bits (`UPPER_MASK`).
const UPPER_MASK: u32 = 0x8000_0000;
/// Least significant r bits (`LOWER_MASK`).
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The Mersenne Twister MT19937 as CPython 3.11 runs it (`Modules/_randommodule.c`,
/// after Matsumoto and Nishimura's `mt19937ar.c`).
#[derive(Clone)]
pub struct Mt19937 {
    mt: [u32; N],
    index: usize,
}

impl std::fmt::Debug for Mt19937 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mt19937 {{ index: {}, .. }}", self.index)
    }
}

impl Mt19937 {
    /// A generator seeded with one word (`init_genrand`).
    pub fn from_u32(s: u32) -> Mt19937 {
        let mut mt = [0u32; N];
        mt[0] = s;
        for i in 1..N {
            let p = mt[i - 1];
            mt[i] = 1_812_433_253u32
                .wrapping_mul(p ^ (p >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { mt, index: N }
    }

    /// A generator seeded with a key of words (`init_by_array`); an empty key is
    /// taken as `[0]`, as `random_seed` passes one word for the int 0.
    pub fn from_key(key: &[u32]) -> Mt19937 {
        let key: &[u32] = if key.is_empty() { &[0] } else { key };
        let mut g = Mt19937::from_u32(19_650_218);
        let mt = &mut g.mt;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let p = mt[i - 1];
            mt[i] = (mt[i] ^ (p ^ (p >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let p = mt[i - 1];
            mt[i] = (mt[i] ^ (p ^ (p >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        g
    }

    /// The next 32-bit output (`genrand_uint32`): regenerates the 624 words when they
    /// are used up, then tempers one.
    pub fn next_u32(&mut self) -> u32 {
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        if self.index >= N {
            let mt = &mut self.mt;
            for kk in 0..N - M {
                let y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M] ^ (y >> 1) ^ mag(y);
            }
            for kk in N - M..N - 1 {
                let y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M - N] ^ (y >> 1) ^ mag(y);
            }
            let y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
            mt[N - 1] = mt[M - 1] ^ (y >> 1) ^ mag(y);
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// A float in [0, 1) with 53 random bits (`_random_Random_random_impl`):
    /// `(a*67108864.0+b)*(1.0/9007199254740992.0)` with `a = next>>5`, `b = next>>6`.
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `getrandbits(k)` for `k <= 64` (`_random_Random_getrandbits_impl`): one word
    /// shifted right for `k <= 32`, otherwise 32-bit words from the least significant
    /// up, the last one shifted right to the bits left. `k` past 64 is taken as 64.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        let k = k.min(64);
        if k == 0 {
            return 0;
        }
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let lo = u64::from(self.next_u32());
        let hi = u64::from(self.next_u32() >> (64 - k));
        lo | (hi << 32)
    }

    /// `randbytes(n)` (`Lib/random.py`: `getrandbits(n * 8).to_bytes(n, 'little')`):
    /// `getrandbits` fills 32-bit words from the least significant up, the last
    /// shifted right to the bits left, so the bytes are each word's little-endian
    /// bytes in turn, the last word's high bytes.
    pub fn randbytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        let mut left = n;
        while left > 0 {
            let take = left.min(4);
            let w = self.next_u32() >> (32 - 8 * take as u32);
            out.extend_from_slice(&w.to_le_bytes()[..take]);
            left -= take;
        }
        out
    }

    /// A uniform int in `[0, n)` for `n > 0` (`Lib/random.py`,
    /// `Random._randbelow_with_getrandbits`): `getrandbits(n.bit_length())` until it
    /// is below `n`. `n = 0` gives 0 without drawing.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// The state as `getstate()` gives it: the 624 words and the position.
    pub fn state(&self) -> (&[u32; N], usize) {
        (&self.mt, self.index)
    }

    /// A generator with this state (`random_setstate`); `index` must be at most `N`.
    pub fn with_state(mt: [u32; N], index: usize) -> Mt19937 {
        Mt19937 {
            mt,
            index: index.min(N),
        }
    }
}

/// The key `random_seed` feeds `init_by_array` for a non-negative int given by its
/// big-endian bytes: its 32-bit words, least significant first, as many as its bit
/// length needs (one word, 0, for zero).
pub fn key_from_be_bytes(bytes: &[u8]) -> Vec<u32> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let sig = &bytes[start..];
    if sig.is_empty() {
        return vec![0];
    }
    sig.rchunks(4)
        .map(|c| c.iter().fold(0u32, |w, &b| (w << 8) | u32::from(b)))
        .collect()
}

/// CPython's hash of a finite or infinite float (`Python/pyhash.c`, `_Py_HashDouble`):
/// the value modulo the Mersenne prime 2**61 - 1, signed, with -1 mapped to -2. NaN
/// hashes by identity in 3.11 and is not handled here.
pub fn float_hash(v: f64) -> i64 {
    const BITS: i32 = 61;
    const MODULUS: u64 = (1 << 61) - 1;
    if v.is_infinite() {
        return if v > 0.0 { 314_159 } else { -314_159 };
    }
    let (mut m, mut e) = frexp(v);
    let mut sign = 1i64;
    if m < 0.0 {
        sign = -1;
        m = -m;
    }
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (BITS - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % BITS
    } else {
        BITS - 1 - ((-1 - e) % BITS)
    };
    x = ((x << e) & MODULUS) | (x >> (BITS - e));
    let x = (x as i64).wrapping_mul(sign);
    if x == -1 { -2 } else { x }
}

/// C's `frexp`: `v = m * 2**e` with `0.5 <= |m| < 1` (or `m = 0`).
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (v, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // subnormal: scale into the normal range first
        let (m, e) = frexp(v * f64::from_bits(0x4350_0000_0000_0000)); // 2**54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// The key `random_seed_urandom` builds: 624 words of operating-system entropy, or,
/// where that cannot be read, `random_seed_time_pid`'s time and process id.
fn entropy_key() -> Vec<u32> {
    use std::io::Read;
    let mut buf = vec![0u8; N * 4];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        if f.read_exact(&mut buf).is_ok() {
            return buf
                .chunks(4)
                .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
        }
    }
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let ns = t.as_nanos() as u64;
    vec![
        ns as u32,
        (ns >> 32) as u32,
        std::process::id(),
        t.subsec_micros(),
    ]
}

/// A generator's payload: the twister and `gauss()`'s second value (`gauss_next`).
#[derive(Debug, Clone)]
pub struct RandomState {
    /// The Mersenne Twister.
    pub mt: Mt19937,
    /// `Random.gauss_next`: the second normal deviate of the last pair, if unused.
    pub gauss_next: Option<f64>,
}

impl RandomState {
    /// `vonmisesvariate`'s draw (`Lib/random.py` `Random.vonmisesvariate`): `Ok(theta)`
    /// for `kappa <= 1e-6` (a uniform angle), otherwise `Err(+-acos(f))`, the signed
    /// angle the caller adds to `mu` modulo 2*pi.
    fn vonmises_theta(&mut self, kappa: f64) -> Result<f64, f64> {
        use std::f64::consts::{PI, TAU};
        let mt = &mut self.mt;
        if kappa <= 1e-6 {
            return Ok(TAU * mt.random());
        }
        let s = 0.5 / kappa;
        let r = s + (1.0 + s * s).sqrt();
        let z = loop {
            let u1 = mt.random();
            let z = (PI * u1).cos();
            let d = z / (r + z);
            let u2 = mt.random();
            if u2 < 1.0 - d * d || u2 <= (1.0 - d) * d.exp() {
                break z;
            }
        };
        let q = 1.0 / r;
        let f = (q + z) / (1.0 + q * z);
        let u3 = mt.random();
        Err(if u3 > 0.5 { f.acos() } else { -f.acos() })
    }

    /// `gammavariate(alpha, 1.0)` for `alpha > 0` (`Lib/random.py`
    /// `Random.gammavariate`): Cheng's method for `alpha > 1`, the exponential for 1,
    /// Ahrens and Dieter's GS for `alpha < 1`.
    fn gamma_x(&mut self, alpha: f64) -> f64 {
        use std::f64::consts::E;
        let mt = &mut self.mt;
        // LOG4 = _log(4.0); SG_MAGICCONST = 1.0 + _log(4.5)
        let log4 = 4.0f64.ln();
        let sg_magic = 1.0 + 4.5f64.ln();
        if alpha > 1.0 {
            let ainv = (2.0 * alpha - 1.0).sqrt();
            let bbb = alpha - log4;
            let ccc = alpha + ainv;
            loop {
                let u1 = mt.random();
                if !(1e-7 < u1 && u1 < 0.9999999) {
                    continue;
                }
                let u2 = 1.0 - mt.random();
                let v = (u1 / (1.0 - u1)).ln() / ainv;
                let x = alpha * v.exp();
                let z = u1 * u1 * u2;
                let r = bbb + ccc * v - x;
                if r + sg_magic - 4.5 * z >= 0.0 || r >= z.ln() {
                    return x;
                }
            }
        } else if alpha == 1.0 {
            -(1.0 - mt.random()).ln()
        } else {
            loop {
                let u = mt.random();
                let b = (E + alpha) / E;
                let p = b * u;
                let x = if p <= 1.0 {
                    p.powf(1.0 / alpha)
                } else {
                    -((b - p) / alpha).ln()
                };
                let u1 = mt.random();
                if p > 1.0 {
                    if u1 <= x.powf(alpha - 1.0) {
                        return x;
                    }
                } else if u1 <= (-x).exp() {
                    return x;
                }
            }
        }
    }

    /// A generator seeded from operating-system entropy (`random.Random()`).
    pub fn from_entropy() -> RandomState {
        RandomState {
            mt: Mt19937::from_key(&entropy_key()),
            gauss_next: None,
        }
    }
}

// ------------------------------------------------------------------ the module

/// The methods of `random.Random` (and the module's functions bound to `_inst`).
pub const METHODS: &[&str] = &[
    "seed",
    "random",
    "getrandbits",
    "randbytes",
    "randrange",
    "randint",
    "choice",
    "shuffle",
    "sample",
    "choices",
    "uniform",
    "triangular",
    "gauss",
    "normalvariate",
    "lognormvariate",
    "expovariate",
    "vonmisesvariate",
    "gammavariate",
    "betavariate",
    "paretovariate",
    "weibullvariate",
    "getstate",
    "setstate",
];

/// The builtin type name of generators (`Obj::Random`), in the interpreter's type table.
pub const TYPE: &str = "random.Random";

/// Installs the module `random`: its instance `_inst`, the functions bound to it, and
/// the class `Random`.
pub fn install<C: CycleCollector>(it: &Rc<Interp<C>>, h: &mut H<C>) {
    let d = it.new_dict(h);
    let inst = h.alloc_atomic(Obj::Random(Box::new(RandomState::from_entropy())));
    for &m in METHODS {
        let f = h.alloc_with(Obj::BuiltinMethod(m), &[inst]).expect("alloc");
        it.dict_set_str(h, d, m, f);
    }
    it.dict_set_str(h, d, "_inst", inst);
    let cls = it.types.borrow().get(TYPE).copied();
    if let Some(cls) = cls {
        let cls = it.inc(h, cls);
        it.dict_set_str(h, d, "Random", cls);
    }
    let v = it.int(h, 53);
    it.dict_set_str(h, d, "BPF", v);
    let mo = h
        .alloc_with(Obj::Module("random".into()), &[d])
        .expect("alloc");
    it.dec(h, d);
    it.modules.borrow_mut().insert("random".to_owned(), mo);
}

/// `random.Random(x=None)`: a new generator seeded with `x` (`Lib/random.py`
/// `Random.__init__`).
pub fn construct<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    let a = bind(it, h, "__init__", &[P::Opt("x")], args, kw)?;
    let mut st = RandomState {
        mt: Mt19937::from_u32(0),
        gauss_next: None,
    };
    st.mt = seeded(it, h, a[0], 2.0)?;
    Ok(h.alloc_atomic(Obj::Random(Box::new(st))))
}

/// A parameter of a `Lib/random.py` method (after `self`).
#[derive(Clone, Copy)]
enum P {
    /// Required positional-or-keyword.
    Req(&'static str),
    /// Positional-or-keyword with a default.
    Opt(&'static str),
    /// Keyword-only with a default.
    Kw(&'static str),
}

impl P {
    fn name(self) -> &'static str {
        match self {
            P::Req(n) | P::Opt(n) | P::Kw(n) => n,
        }
    }
}

/// `Random.NAME()`, as messages name a method (formatted only when one is raised).
struct Qual<'a>(&'a str);

impl std::fmt::Display for Qual<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Random.{}()", self.0)
    }
}

/// Binds a Python-level method's arguments to its parameters (borrowed; `None` where
/// the default applies), with CPython 3.11's messages (`Python/ceval.c`,
/// `initialize_locals`, `too_many_positional`, `missing_arguments`), `self` counted.
fn bind<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    meth: &str,
    params: &[P],
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<Vec<Option<ObjId>>> {
    let qual = Qual(meth);
    let npos = params.iter().filter(|p| !matches!(p, P::Kw(_))).count();
    let mut out: Vec<Option<ObjId>> = vec![None; params.len()];
    for (i, &a) in args.iter().enumerate().take(npos) {
        out[i] = Some(a);
    }
    for (k, v) in kw {
        match params.iter().position(|p| p.name() == &**k) {
            None => {
                return it.err(
                    h,
                    "TypeError",
                    &format!("{qual} got an unexpected keyword argument '{k}'"),
                );
            }
            Some(i) if out[i].is_some() => {
                return it.err(
                    h,
                    "TypeError",
                    &format!("{qual} got multiple values for argument '{k}'"),
                );
            }
            Some(i) => out[i] = Some(*v),
        }
    }
    if args.len() > npos {
        let req = params.iter().filter(|p| matches!(p, P::Req(_))).count();
        let sig = if req == npos {
            format!("{}", npos + 1)
        } else {
            format!("from {} to {}", req + 1, npos + 1)
        };
        let s = if npos == 0 && req == npos { "" } else { "s" };
        return it.err(
            h,
            "TypeError",
            &format!(
                "{qual} takes {sig} positional argument{s} but {} were given",
                args.len() + 1
            ),
        );
    }
    let missing: Vec<String> = params
        .iter()
        .zip(&out)
        .filter(|(p, v)| matches!(p, P::Req(_)) && v.is_none())
        .map(|(p, _)| format!("'{}'", p.name()))
        .collect();
    if !missing.is_empty() {
        let names = match missing.len() {
            1 => missing[0].clone(),
            2 => format!("{} and {}", missing[0], missing[1]),
            n => format!("{}, and {}", missing[..n - 1].join(", "), missing[n - 1]),
        };
        return it.err(
            h,
            "TypeError",
            &format!(
                "{qual} missing {} required positional argument{}: {names}",
                missing.len(),
                if missing.len() == 1 { "" } else { "s" }
            ),
        );
    }
    Ok(out)
}

/// The generator of a `random.Random` object.
fn gen_mut<'a, C: CycleCollector>(h: &'a mut H<'_, C>, this: ObjId) -> Option<&'a mut RandomState> {
    match h.payload_mut(this) {
        Ok(Obj::Random(st)) => Some(st),
        _ => None,
    }
}

/// One float from the generator (`random()`).
fn draw<C: CycleCollector>(h: &mut H<C>, this: ObjId) -> f64 {
    gen_mut(h, this).map_or(0.0, |g| g.mt.random())
}

/// `_randbelow(n)` for `n > 0` (0, drawing nothing, otherwise).
fn below<C: CycleCollector>(h: &mut H<C>, this: ObjId, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    gen_mut(h, this).map_or(0, |g| g.mt.below(n as u64) as i64)
}

/// A first capacity for a list of `n` results: the whole of a small one, a bounded
/// start for a huge one (which grows as it fills, and fails as CPython's would).
fn cap(n: i64) -> usize {
    n.clamp(0, 1 << 16) as usize
}

/// `bisect.bisect_right(a, x)` over ints, probing as `Modules/_bisectmodule.c`'s
/// `internal_bisect_right` does (so unsorted input gives the same answer).
fn bisect_right(a: &[i64], x: i64) -> usize {
    let (mut lo, mut hi) = (0usize, a.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if x < a[mid] {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// An int argument taken as `operator.index` takes it (ints and bools).
fn index_of<C: CycleCollector>(it: &Interp<C>, h: &H<C>, v: ObjId) -> Option<i64> {
    match it.p(h, v) {
        Obj::Int(i) => Some(*i),
        Obj::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// `len(x)`: lists and tuples by their edge count (not copying them), anything else
/// through the builtin.
fn len_of<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, x: ObjId) -> R<i64> {
    if matches!(it.p(h, x), Obj::List | Obj::Tuple) {
        return Ok(h.edges(x).map_or(0, |e| e.len()) as i64);
    }
    let a = it.inc(h, x);
    let n = crate::builtins::call_builtin(it, h, "len", None, vec![a], vec![])?;
    let v = index_of(it, h, n).unwrap_or(0);
    it.dec(h, n);
    Ok(v)
}

/// `seq[i]` (owned): an item of a list or tuple in range directly, anything else
/// through the interpreter's subscription (and its errors).
fn item<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, seq: ObjId, i: i64) -> R<ObjId> {
    if matches!(it.p(h, seq), Obj::List | Obj::Tuple) {
        let v = h
            .edges(seq)
            .ok()
            .and_then(|e| usize::try_from(i).ok().and_then(|i| e.get(i)));
        if let Some(v) = v {
            return Ok(it.inc(h, v));
        }
    }
    let k = it.int(h, i);
    let r = crate::builtins::getitem(it, h, seq, k);
    it.dec(h, k);
    r
}

/// `l op r` (borrowed operands, owned result).
fn bin<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: Operator,
    l: ObjId,
    r: ObjId,
) -> R<ObjId> {
    ops::binop(it, h, op, l, r, false)
}

/// `l op x` for a float `x` (owned result).
fn bin_f<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    op: Operator,
    l: ObjId,
    x: f64,
    float_left: bool,
) -> R<ObjId> {
    let f = it.float(h, x);
    let r = if float_left {
        bin(it, h, op, f, l)
    } else {
        bin(it, h, op, l, f)
    };
    it.dec(h, f);
    r
}

/// A real-number argument as `math` functions take it.
fn real<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, v: ObjId) -> R<f64> {
    match it.p(h, v) {
        Obj::Int(i) => Ok(*i as f64),
        Obj::Bool(b) => Ok(f64::from(u8::from(*b))),
        Obj::Float(f) => Ok(*f),
        _ => {
            let t = it.type_name(h, v);
            it.err(h, "TypeError", &format!("must be real number, not {t}"))
        }
    }
}

thread_local! {
    /// The warnings already shown, by (message, line): the `default` action's
    /// once-per-location registry of `__main__`.
    static WARNED: RefCell<HashSet<(&'static str, usize)>> = RefCell::new(HashSet::new());
}

/// Shows a `DeprecationWarning` attributed to the running line of `__main__` once, as
/// `warnings.showwarning` prints it (`file:line: DeprecationWarning: msg` and the
/// source line).
fn deprecation<C: CycleCollector>(it: &Interp<C>, msg: &'static str) {
    let line = it.line.get();
    let new = WARNED.with(|w| w.borrow_mut().insert((msg, line)));
    if !new {
        return;
    }
    it.flush();
    let file = it.filename.borrow().clone();
    let mut s = format!("{file}:{line}: DeprecationWarning: {msg}\n");
    if file != "<string>" && file != "<stdin>" {
        let src = *it.source.borrow();
        if let Some(l) = src.lines().nth(line.saturating_sub(1)) {
            s.push_str(&format!("  {}\n", l.trim()));
        }
    }
    eprint!("{s}");
}

/// A number compared with a float (`x <= 0.0` and the like) as a float; anything else
/// is the comparison's `TypeError`.
fn real_cmp<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, v: Option<ObjId>, op: &str) -> R<f64> {
    let v = v.unwrap_or(it.none);
    match it.p(h, v) {
        Obj::Int(i) => Ok(*i as f64),
        Obj::Bool(b) => Ok(f64::from(u8::from(*b))),
        Obj::Float(f) => Ok(*f),
        _ => {
            let t = it.type_name(h, v);
            it.err(
                h,
                "TypeError",
                &format!("'{op}' not supported between instances of '{t}' and 'float'"),
            )
        }
    }
}

/// Whether an unwinding is a Python exception of class `cls`.
fn is_exc<C: CycleCollector>(it: &Interp<C>, h: &H<C>, u: &Unwind, cls: &str) -> bool {
    match u {
        Unwind::Exc(e) => {
            let c = it.types.borrow().get(cls).copied();
            c.is_some_and(|c| it.exc_matches(h, e.obj, c))
        }
        _ => false,
    }
}

/// Calls method `name` of the generator `this` (borrowed arguments, owned result).
pub fn method<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    name: &str,
    this: ObjId,
    args: &[ObjId],
    kw: &[(Rc<str>, ObjId)],
) -> R<ObjId> {
    match name {
        // C methods (`_randommodule.c`): METH_NOARGS / METH_O messages
        "randbytes" => {
            if args.len() != 1 || !kw.is_empty() {
                return it.err(
                    h,
                    "TypeError",
                    &format!(
                        "Random.randbytes() takes exactly one argument ({} given)",
                        args.len() + kw.len()
                    ),
                );
            }
            let n = match it.p(h, args[0]) {
                Obj::Int(n) => *n,
                _ => {
                    let t = it.type_name(h, args[0]);
                    return it.err(
                        h,
                        "TypeError",
                        &format!("'{t}' object cannot be interpreted as an integer"),
                    );
                }
            };
            if n < 0 {
                return it.err(h, "ValueError", "number of bits must be non-negative");
            }
            let Some(n) = usize::try_from(n).ok().filter(|&n| n <= 1 << 28) else {
                return it.err(h, "OverflowError", "randbytes() argument too large");
            };
            let b = gen_mut(h, this).map_or_else(Vec::new, |g| g.mt.randbytes(n));
            Ok(h.alloc_atomic(Obj::Bytes(b.into())))
        }
        "random" | "getrandbits" => {
            if !kw.is_empty() {
                return it.err(
                    h,
                    "TypeError",
                    &format!("Random.{name}() takes no keyword arguments"),
                );
            }
            if name == "random" {
                if !args.is_empty() {
                    return it.err(
                        h,
                        "TypeError",
                        &format!("Random.random() takes no arguments ({} given)", args.len()),
                    );
                }
                let x = draw(h, this);
                return Ok(it.float(h, x));
            }
            if args.len() != 1 {
                return it.err(
                    h,
                    "TypeError",
                    &format!(
                        "Random.getrandbits() takes exactly one argument ({} given)",
                        args.len()
                    ),
                );
            }
            getrandbits(it, h, this, args[0])
        }
        "seed" => {
            let a = bind(it, h, name, &[P::Opt("a"), P::Opt("version")], args, kw)?;
            let version = match a[1] {
                None => 2.0,
                Some(v) => match it.p(h, v) {
                    Obj::Int(i) => *i as f64,
                    Obj::Bool(b) => f64::from(u8::from(*b)),
                    Obj::Float(f) => *f,
                    _ => f64::NAN,
                },
            };
            let mt = seeded(it, h, a[0], version)?;
            if let Some(g) = gen_mut(h, this) {
                g.mt = mt;
                g.gauss_next = None;
            }
            Ok(it.none(h))
        }
        "randrange" => {
            let a = bind(
                it,
                h,
                name,
                &[P::Req("start"), P::Opt("stop"), P::Opt("step")],
                args,
                kw,
            )?;
            let start = a[0].unwrap_or(it.none);
            randrange(it, h, this, start, a[1], a[2], true)
        }
        "randint" => {
            let a = bind(it, h, name, &[P::Req("a"), P::Req("b")], args, kw)?;
            let (lo, hi) = (a[0].unwrap_or(it.none), a[1].unwrap_or(it.none));
            let one = it.int(h, 1);
            let stop = bin(it, h, Operator::Add, hi, one);
            it.dec(h, one);
            let stop = stop?;
            let r = randrange(it, h, this, lo, Some(stop), None, false);
            it.dec(h, stop);
            r
        }
        "choice" => {
            let a = bind(it, h, name, &[P::Req("seq")], args, kw)?;
            let seq = a[0].unwrap_or(it.none);
            let n = len_of(it, h, seq)?;
            if n == 0 {
                return it.err(h, "IndexError", "Cannot choose from an empty sequence");
            }
            let i = below(h, this, n);
            item(it, h, seq, i)
        }
        "shuffle" => {
            let a = bind(it, h, name, &[P::Req("x")], args, kw)?;
            shuffle(it, h, this, a[0].unwrap_or(it.none))?;
            Ok(it.none(h))
        }
        "sample" => {
            let a = bind(
                it,
                h,
                name,
                &[P::Req("population"), P::Req("k"), P::Kw("counts")],
                args,
                kw,
            )?;
            let (pop, k) = (a[0].unwrap_or(it.none), a[1].unwrap_or(it.none));
            sample(it, h, this, pop, k, a[2])
        }
        "choices" => {
            let a = bind(
                it,
                h,
                name,
                &[
                    P::Req("population"),
                    P::Opt("weights"),
                    P::Kw("cum_weights"),
                    P::Kw("k"),
                ],
                args,
                kw,
            )?;
            choices(it, h, this, a[0].unwrap_or(it.none), a[1], a[2], a[3])
        }
        "uniform" => {
            // Lib/random.py Random.uniform: a + (b - a) * self.random()
            let a = bind(it, h, name, &[P::Req("a"), P::Req("b")], args, kw)?;
            let (lo, hi) = (a[0].unwrap_or(it.none), a[1].unwrap_or(it.none));
            let width = bin(it, h, Operator::Sub, hi, lo)?;
            let x = draw(h, this);
            let scaled = bin_f(it, h, Operator::Mult, width, x, false);
            it.dec(h, width);
            let scaled = scaled?;
            let r = bin(it, h, Operator::Add, lo, scaled);
            it.dec(h, scaled);
            r
        }
        "triangular" => {
            let a = bind(
                it,
                h,
                name,
                &[P::Opt("low"), P::Opt("high"), P::Opt("mode")],
                args,
                kw,
            )?;
            triangular(it, h, this, a[0], a[1], a[2])
        }
        "gauss" | "normalvariate" => {
            let a = bind(it, h, name, &[P::Opt("mu"), P::Opt("sigma")], args, kw)?;
            let z = if name == "gauss" {
                gauss_z(h, this)
            } else {
                normal_z(h, this)
            };
            mu_plus_z_sigma(it, h, a[0], a[1], z)
        }
        "lognormvariate" => {
            // Lib/random.py Random.lognormvariate: exp(normalvariate(mu, sigma))
            let a = bind(it, h, name, &[P::Req("mu"), P::Req("sigma")], args, kw)?;
            let z = normal_z(h, this);
            let v = mu_plus_z_sigma(it, h, a[0], a[1], z)?;
            let x = real(it, h, v);
            it.dec(h, v);
            let e = x?.exp();
            if e.is_infinite() {
                return it.err(h, "OverflowError", "math range error");
            }
            Ok(it.float(h, e))
        }
        "expovariate" => {
            // Lib/random.py Random.expovariate: -log(1.0 - self.random()) / lambd
            let a = bind(it, h, name, &[P::Req("lambd")], args, kw)?;
            let x = -(1.0 - draw(h, this)).ln();
            bin_f(it, h, Operator::Div, a[0].unwrap_or(it.none), x, true)
        }
        "vonmisesvariate" => {
            let a = bind(it, h, name, &[P::Req("mu"), P::Req("kappa")], args, kw)?;
            let kappa = real_cmp(it, h, a[1], "<=")?;
            let mu = a[0].unwrap_or(it.none);
            let g = gen_mut(h, this).map(|g| g.vonmises_theta(kappa));
            match g {
                // kappa <= 1e-6: TWOPI * random(), mu unused
                Some(Ok(x)) => Ok(it.float(h, x)),
                Some(Err(acos_f)) => {
                    // theta = (mu +- acos(f)) % TWOPI, with Python's arithmetic
                    let sum = bin_f(it, h, Operator::Add, mu, acos_f, false)?;
                    let r = bin_f(it, h, Operator::Mod, sum, std::f64::consts::TAU, false);
                    it.dec(h, sum);
                    r
                }
                None => Ok(it.float(h, 0.0)),
            }
        }
        "gammavariate" => {
            let a = bind(it, h, name, &[P::Req("alpha"), P::Req("beta")], args, kw)?;
            // if alpha <= 0.0 or beta <= 0.0: raise ValueError(...)
            let alpha = real_cmp(it, h, a[0], "<=")?;
            let beta = a[1].unwrap_or(it.none);
            if alpha <= 0.0 || real_cmp(it, h, Some(beta), "<=")? <= 0.0 {
                return it.err(
                    h,
                    "ValueError",
                    "gammavariate: alpha and beta must be > 0.0",
                );
            }
            let x = gen_mut(h, this).map_or(0.0, |g| g.gamma_x(alpha));
            // x * beta
            bin_f(it, h, Operator::Mult, beta, x, true)
        }
        "betavariate" => {
            let a = bind(it, h, name, &[P::Req("alpha"), P::Req("beta")], args, kw)?;
            let alpha = real_cmp(it, h, a[0], "<=")?;
            if alpha <= 0.0 {
                return it.err(
                    h,
                    "ValueError",
                    "gammavariate: alpha and beta must be > 0.0",
                );
            }
            let y = gen_mut(h, this).map_or(0.0, |g| g.gamma_x(alpha));
            if y == 0.0 {
                return Ok(it.float(h, 0.0));
            }
            let beta = real_cmp(it, h, a[1], "<=")?;
            if beta <= 0.0 {
                return it.err(
                    h,
                    "ValueError",
                    "gammavariate: alpha and beta must be > 0.0",
                );
            }
            let z = gen_mut(h, this).map_or(0.0, |g| g.gamma_x(beta));
            Ok(it.float(h, y / (y + z)))
        }
        "paretovariate" => {
            // Lib/random.py Random.paretovariate: (1.0 - random()) ** (-1.0 / alpha)
            let a = bind(it, h, name, &[P::Req("alpha")], args, kw)?;
            let u = 1.0 - draw(h, this);
            let e = bin_f(it, h, Operator::Div, a[0].unwrap_or(it.none), -1.0, true)?;
            let r = bin_f(it, h, Operator::Pow, e, u, true);
            it.dec(h, e);
            r
        }
        "weibullvariate" => {
            // Lib/random.py Random.weibullvariate:
            // alpha * (-log(1.0 - random())) ** (1.0 / beta)
            let a = bind(it, h, name, &[P::Req("alpha"), P::Req("beta")], args, kw)?;
            let u = 1.0 - draw(h, this);
            let e = bin_f(it, h, Operator::Div, a[1].unwrap_or(it.none), 1.0, true)?;
            let p = bin_f(it, h, Operator::Pow, e, -u.ln(), true);
            it.dec(h, e);
            let p = p?;
            let r = bin(it, h, Operator::Mult, a[0].unwrap_or(it.none), p);
            it.dec(h, p);
            r
        }
        "getstate" => {
            bind(it, h, name, &[], args, kw)?;
            getstate(it, h, this)
        }
        "setstate" => {
            let a = bind(it, h, name, &[P::Req("state")], args, kw)?;
            setstate(it, h, this, a[0].unwrap_or(it.none))?;
            Ok(it.none(h))
        }
        _ => it.err(
            h,
            "AttributeError",
            &format!("'Random' object has no attribute '{name}'"),
        ),
    }
}

/// `getrandbits(k)` (`_random_Random_getrandbits_impl`).
fn getrandbits<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    kv: ObjId,
) -> R<ObjId> {
    let Some(k) = index_of(it, h, kv) else {
        let t = it.type_name(h, kv);
        return it.err(
            h,
            "TypeError",
            &format!("'{t}' object cannot be interpreted as an integer"),
        );
    };
    if k < 0 {
        return it.err(h, "ValueError", "number of bits must be non-negative");
    }
    if k > 63 {
        return it.err(
            h,
            "OverflowError",
            &format!("getrandbits({k}): gclab-py ints are 64-bit, so at most 63 bits"),
        );
    }
    let v = gen_mut(h, this).map_or(0, |g| g.mt.getrandbits(k as u32));
    Ok(it.int(h, v as i64))
}

/// A generator seeded as `Random.seed(a, version)` seeds (`Lib/random.py`
/// `Random.seed`, then `Modules/_randommodule.c` `random_seed`).
fn seeded<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    a: Option<ObjId>,
    version: f64,
) -> R<Mt19937> {
    let Some(a) = a else {
        return Ok(Mt19937::from_key(&entropy_key()));
    };
    let magnitude: u64 = match it.p(h, a) {
        Obj::None => return Ok(Mt19937::from_key(&entropy_key())),
        // random_seed: ints by their absolute value
        Obj::Int(i) => i.unsigned_abs(),
        Obj::Bool(b) => u64::from(*b),
        // random_seed: anything else by its hash, taken as a size_t
        Obj::Float(f) if f.is_nan() => h.id(a).unwrap_or(0),
        Obj::Float(f) => float_hash(*f) as u64,
        Obj::Str(s) if version == 1.0 => {
            // Lib/random.py Random.seed, version 1: a 64-bit FNV-like hash of the
            // code points
            let cps: Vec<u64> = s.chars().map(|c| u64::from(u32::from(c))).collect();
            let mut x: u64 = cps.first().map_or(0, |&c| c << 7);
            for &c in &cps {
                x = 1_000_003u64.wrapping_mul(x) ^ c;
            }
            x ^ cps.len() as u64
        }
        Obj::Str(s) if version == 2.0 => {
            // Lib/random.py Random.seed, version 2:
            // int.from_bytes(a.encode() + sha512(a.encode()).digest()), big-endian
            use sha2::Digest;
            let mut bytes = s.as_bytes().to_vec();
            let digest = sha2::Sha512::digest(s.as_bytes());
            bytes.extend_from_slice(digest.as_slice());
            return Ok(Mt19937::from_key(&key_from_be_bytes(&bytes)));
        }
        Obj::Str(_) => {
            return it.err(
                h,
                "NotImplementedError",
                "random.seed(str, version) for a version other than 1 and 2 seeds from the \
                 string's randomized hash, which gclab-py does not implement",
            );
        }
        _ => {
            return it.err(
                h,
                "TypeError",
                "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.",
            );
        }
    };
    Ok(Mt19937::from_key(&key_from_be_bytes(
        &magnitude.to_be_bytes(),
    )))
}

/// An argument of `randrange` as an int (`Lib/random.py` `Random.randrange`):
/// `operator.index` first, then `int(x)` with its deprecation warning when that loses
/// nothing, a `ValueError` when it does.
fn randrange_int<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    v: ObjId,
    what: &str,
    warn: bool,
) -> R<i64> {
    if let Some(i) = index_of(it, h, v) {
        return Ok(i);
    }
    let a = it.inc(h, v);
    let iv = crate::builtins::construct(it, h, "int", vec![a], vec![])?;
    let same = ops::eq(it, h, iv, v);
    let i = index_of(it, h, iv).unwrap_or(0);
    it.dec(h, iv);
    if !same? {
        if warn {
            deprecation(it, "randrange() will raise TypeError in the future");
        }
        return it.err(
            h,
            "ValueError",
            &format!("non-integer {what} for randrange()"),
        );
    }
    if warn {
        deprecation(
            it,
            "non-integer arguments to randrange() have been deprecated since Python 3.10 \
             and will be removed in a subsequent version",
        );
    }
    Ok(i)
}

/// `randrange(start, stop, step)` (`Lib/random.py` `Random.randrange`, 3.11).
/// `warn`: whether deprecation warnings are shown (not when `randint` calls it: the
/// warning is then attributed to `random.py`, where the default filters ignore it).
fn randrange<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    start: ObjId,
    stop: Option<ObjId>,
    step: Option<ObjId>,
    warn: bool,
) -> R<ObjId> {
    let istart = randrange_int(it, h, start, "arg 1", warn)?;
    let stop = stop.filter(|&s| s != it.none);
    let Some(stop) = stop else {
        // `step is not _ONE`: any step but the int 1 itself
        if let Some(s) = step {
            if !matches!(it.p(h, s), Obj::Int(1)) {
                return it.err(h, "TypeError", "Missing a non-None stop argument");
            }
        }
        if istart > 0 {
            let r = below(h, this, istart);
            return Ok(it.int(h, r));
        }
        return it.err(h, "ValueError", "empty range for randrange()");
    };
    let istop = randrange_int(it, h, stop, "stop", warn)?;
    let overflow = |it: &Interp<C>, h: &mut H<C>| {
        it.err::<ObjId>(
            h,
            "OverflowError",
            "integer result too large for gclab-py (64-bit ints)",
        )
    };
    let Some(width) = istop.checked_sub(istart) else {
        return overflow(it, h);
    };
    let istep = match step {
        None => 1,
        Some(s) => randrange_int(it, h, s, "step", warn)?,
    };
    if istep == 1 {
        if width > 0 {
            let r = below(h, this, width);
            return Ok(it.int(h, istart + r));
        }
        return it.err(
            h,
            "ValueError",
            &format!("empty range for randrange() ({istart}, {istop}, {width})"),
        );
    }
    let n = if istep > 0 {
        width.checked_add(istep - 1).map(|x| x.div_euclid(istep))
    } else if istep < 0 {
        width.checked_add(istep + 1).map(|x| floor_div(x, istep))
    } else {
        return it.err(h, "ValueError", "zero step for randrange()");
    };
    let Some(n) = n else {
        return overflow(it, h);
    };
    if n <= 0 {
        return it.err(h, "ValueError", "empty range for randrange()");
    }
    let r = below(h, this, n);
    match istep.checked_mul(r).and_then(|x| x.checked_add(istart)) {
        Some(v) => Ok(it.int(h, v)),
        None => overflow(it, h),
    }
}

/// Python's `a // b` for `b != 0`.
fn floor_div(a: i64, b: i64) -> i64 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// `shuffle(x)` (`Lib/random.py` `Random.shuffle`): for `i` from `len(x)-1` down to
/// 1, swap `x[i]` with `x[randbelow(i+1)]`.
fn shuffle<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, this: ObjId, x: ObjId) -> R<()> {
    let n = len_of(it, h, x)?;
    let is_list = matches!(it.p(h, x), Obj::List);
    for i in (1..n).rev() {
        let j = below(h, this, i + 1);
        if is_list && h.edges(x).map_or(0, |e| e.len()) as i64 == n {
            let (a, b) = (it.edge(h, x, i as usize), it.edge(h, x, j as usize));
            it.inc(h, a);
            it.inc(h, b);
            let _ = h.set_edge(x, i as usize, b);
            let _ = h.set_edge(x, j as usize, a);
            it.dec_all(h, [a, b]);
            continue;
        }
        // x[i], x[j] = x[j], x[i]
        let vj = item(it, h, x, j)?;
        let vi = match item(it, h, x, i) {
            Ok(v) => v,
            Err(e) => {
                it.dec(h, vj);
                return Err(e);
            }
        };
        let ki = it.int(h, i);
        let r = crate::builtins::setitem(it, h, x, ki, vj);
        it.dec(h, ki);
        if let Err(e) = r {
            it.dec(h, vi);
            return Err(e);
        }
        let kj = it.int(h, j);
        let r = crate::builtins::setitem(it, h, x, kj, vi);
        it.dec(h, kj);
        r?;
    }
    Ok(())
}

/// `sample(population, k, *, counts=None)` (`Lib/random.py` `Random.sample`, 3.11).
fn sample<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    pop: ObjId,
    kv: ObjId,
    counts: Option<ObjId>,
) -> R<ObjId> {
    // isinstance(population, collections.abc.Sequence)
    if !matches!(
        it.p(h, pop),
        Obj::List | Obj::Tuple | Obj::Str(_) | Obj::Range(..)
    ) {
        return it.err(
            h,
            "TypeError",
            "Population must be a sequence.  For dicts or sets, use sorted(d).",
        );
    }
    let n = len_of(it, h, pop)?;
    if let Some(c) = counts.filter(|&c| c != it.none) {
        return sample_counts(it, h, this, pop, n, kv, c);
    }
    let k = match index_of(it, h, kv) {
        Some(k) => k,
        None => {
            // `0 <= k <= n` with a non-int k compares as Python does; then
            // `[None] * k` refuses it
            let (zero, no) = (it.int(h, 0), it.int(h, n));
            let mut inside = Ok(false);
            for (a, b) in [(zero, kv), (kv, no)] {
                inside = ops::compare(it, h, CmpOp::LtE, a, b).and_then(|r| {
                    let t = it.truthy(h, r);
                    it.dec(h, r);
                    t
                });
                if !matches!(inside, Ok(true)) {
                    break;
                }
            }
            it.dec_all(h, [zero, no]);
            if !inside? {
                return it.err(
                    h,
                    "ValueError",
                    "Sample larger than population or is negative",
                );
            }
            let t = it.type_name(h, kv);
            return it.err(
                h,
                "TypeError",
                &format!("can't multiply sequence by non-int of type '{t}'"),
            );
        }
    };
    if !(0 <= k && k <= n) {
        return it.err(
            h,
            "ValueError",
            "Sample larger than population or is negative",
        );
    }
    let mut result: Vec<ObjId> = Vec::with_capacity(cap(k));
    let mut setsize: i64 = 21;
    if k > 5 {
        // setsize += 4 ** _ceil(_log(k * 3, 4))
        let e = ((k * 3) as f64).ln() / 4f64.ln();
        setsize += 4i64.saturating_pow(e.ceil() as u32);
    }
    let fail = |it: &Interp<C>, h: &mut H<C>, result: Vec<ObjId>, e: Unwind| {
        it.dec_all(h, result);
        Err(e)
    };
    if n <= setsize {
        // pool = list(population)
        let mut pool: Vec<ObjId> = Vec::with_capacity(cap(n));
        for i in 0..n {
            match item(it, h, pop, i) {
                Ok(v) => pool.push(v),
                Err(e) => {
                    it.dec_all(h, pool);
                    return fail(it, h, result, e);
                }
            }
        }
        for i in 0..k {
            let j = below(h, this, n - i) as usize;
            let v = it.inc(h, pool[j]);
            result.push(v);
            let last = (n - i - 1) as usize;
            if j != last {
                let moved = it.inc(h, pool[last]);
                let old = std::mem::replace(&mut pool[j], moved);
                it.dec(h, old);
            }
        }
        it.dec_all(h, pool);
    } else {
        let mut selected: HashSet<i64> = HashSet::new();
        for _ in 0..k {
            let mut j = below(h, this, n);
            while selected.contains(&j) {
                j = below(h, this, n);
            }
            selected.insert(j);
            match item(it, h, pop, j) {
                Ok(v) => result.push(v),
                Err(e) => return fail(it, h, result, e),
            }
        }
    }
    Ok(it.new_list(h, result))
}

/// `sample(population, k, counts=counts)`: a sample of `range(total)` mapped back
/// through the cumulative counts with `bisect_right`.
fn sample_counts<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    pop: ObjId,
    n: i64,
    kv: ObjId,
    counts: ObjId,
) -> R<ObjId> {
    let items = it.unpack_iterable(h, counts)?;
    let mut cum: Vec<i64> = Vec::with_capacity(items.len());
    let mut acc: i64 = 0;
    let mut bad = false;
    for &c in &items {
        match index_of(it, h, c).and_then(|c| acc.checked_add(c)) {
            Some(v) => {
                acc = v;
                cum.push(v);
            }
            None => bad = true,
        }
    }
    let given = items.len() as i64;
    it.dec_all(h, items);
    if given != n {
        return it.err(
            h,
            "ValueError",
            "The number of counts does not match the population",
        );
    }
    if bad {
        return it.err(h, "TypeError", "Counts must be integers");
    }
    let total = cum.pop().unwrap_or(0);
    if total <= 0 {
        return it.err(h, "ValueError", "Total of counts must be greater than zero");
    }
    let range = h.alloc_atomic(Obj::Range(0, total, 1));
    let sel = sample(it, h, this, range, kv, None);
    it.dec(h, range);
    let sel = sel?;
    let picks = it.edges(h, sel);
    let mut out = Vec::with_capacity(picks.len());
    for s in picks {
        let s = index_of(it, h, s).unwrap_or(0);
        let i = bisect_right(&cum, s) as i64;
        match item(it, h, pop, i) {
            Ok(v) => out.push(v),
            Err(e) => {
                it.dec_all(h, out);
                it.dec(h, sel);
                return Err(e);
            }
        }
    }
    it.dec(h, sel);
    Ok(it.new_list(h, out))
}

/// `choices(population, weights=None, *, cum_weights=None, k=1)` (`Lib/random.py`
/// `Random.choices`, 3.11).
fn choices<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    pop: ObjId,
    weights: Option<ObjId>,
    cum_weights: Option<ObjId>,
    kv: Option<ObjId>,
) -> R<ObjId> {
    let weights = weights.filter(|&w| w != it.none);
    let cum_weights = cum_weights.filter(|&w| w != it.none);
    let n = len_of(it, h, pop)?;
    let cum: Vec<ObjId> = match (weights, cum_weights) {
        (None, None) => {
            let k = count_of(it, h, kv)?;
            let nf = n as f64;
            let mut out = Vec::with_capacity(cap(k));
            for _ in 0..k {
                let i = (draw(h, this) * nf).floor() as i64;
                match item(it, h, pop, i) {
                    Ok(v) => out.push(v),
                    Err(e) => {
                        it.dec_all(h, out);
                        return Err(e);
                    }
                }
            }
            return Ok(it.new_list(h, out));
        }
        (Some(w), None) => {
            // cum_weights = list(accumulate(weights))
            let items = match it.unpack_iterable(h, w) {
                Ok(v) => v,
                Err(e) => {
                    if let Some(k) = index_of(it, h, w) {
                        if is_exc(it, h, &e, "TypeError") {
                            it.drop_unwind(h, e);
                            return it.err(
                                h,
                                "TypeError",
                                &format!("The number of choices must be a keyword argument: k={k}"),
                            );
                        }
                    }
                    return Err(e);
                }
            };
            let mut cum: Vec<ObjId> = Vec::with_capacity(items.len());
            for x in items.iter().copied() {
                let next = match cum.last() {
                    None => Ok(it.inc(h, x)),
                    Some(&prev) => bin(it, h, Operator::Add, prev, x),
                };
                match next {
                    Ok(v) => cum.push(v),
                    Err(e) => {
                        it.dec_all(h, items);
                        it.dec_all(h, cum);
                        return Err(e);
                    }
                }
            }
            it.dec_all(h, items);
            cum
        }
        (None, Some(c)) => it.unpack_iterable(h, c)?,
        (Some(_), Some(_)) => {
            return it.err(
                h,
                "TypeError",
                "Cannot specify both weights and cumulative weights",
            );
        }
    };
    let r = choices_weighted(it, h, this, pop, n, &cum, kv);
    it.dec_all(h, cum);
    r
}

/// `choices`' `k` (default 1) as `itertools.repeat` takes it: an int, negative
/// meaning none.
fn count_of<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, kv: Option<ObjId>) -> R<i64> {
    match kv {
        None => Ok(1),
        Some(k) => match index_of(it, h, k) {
            Some(k) => Ok(k.max(0)),
            None => {
                let t = it.type_name(h, k);
                it.err(
                    h,
                    "TypeError",
                    &format!("'{t}' object cannot be interpreted as an integer"),
                )
            }
        },
    }
}

/// The weighted half of `choices`: `bisect(cum_weights, random() * total, 0, n - 1)`.
fn choices_weighted<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    pop: ObjId,
    n: i64,
    cum: &[ObjId],
    kv: Option<ObjId>,
) -> R<ObjId> {
    if cum.len() as i64 != n {
        return it.err(
            h,
            "ValueError",
            "The number of weights does not match the population",
        );
    }
    let Some(&last) = cum.last() else {
        return it.err(h, "IndexError", "list index out of range");
    };
    // total = cum_weights[-1] + 0.0
    let total_o = bin_f(it, h, Operator::Add, last, 0.0, false)?;
    let total = match it.p(h, total_o) {
        Obj::Float(f) => Some(*f),
        _ => None,
    };
    it.dec(h, total_o);
    let Some(total) = total else {
        return it.err(h, "TypeError", "choices() weights must be numbers");
    };
    if total <= 0.0 {
        return it.err(
            h,
            "ValueError",
            "Total of weights must be greater than zero",
        );
    }
    if !total.is_finite() {
        return it.err(h, "ValueError", "Total of weights must be finite");
    }
    let k = count_of(it, h, kv)?;
    let hi = (n - 1) as usize;
    let mut out = Vec::with_capacity(cap(k));
    for _ in 0..k {
        let x = draw(h, this) * total;
        let x = it.float(h, x);
        // bisect_right(cum, x, 0, hi)
        let (mut lo, mut up) = (0usize, hi);
        let mut err = None;
        while lo < up {
            let mid = (lo + up) / 2;
            match ops::less(it, h, x, cum[mid]) {
                Ok(true) => up = mid,
                Ok(false) => lo = mid + 1,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        it.dec(h, x);
        let r = match err {
            Some(e) => Err(e),
            None => item(it, h, pop, lo as i64),
        };
        match r {
            Ok(v) => out.push(v),
            Err(e) => {
                it.dec_all(h, out);
                return Err(e);
            }
        }
    }
    Ok(it.new_list(h, out))
}

/// `triangular(low=0.0, high=1.0, mode=None)` (`Lib/random.py` `Random.triangular`).
fn triangular<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    this: ObjId,
    low: Option<ObjId>,
    high: Option<ObjId>,
    mode: Option<ObjId>,
) -> R<ObjId> {
    let mut tmp = vec![];
    let mut get = |it: &Interp<C>, h: &mut H<C>, v: Option<ObjId>, d: f64| match v {
        Some(v) => v,
        None => {
            let f = it.float(h, d);
            tmp.push(f);
            f
        }
    };
    let mut low = get(it, h, low, 0.0);
    let mut high = get(it, h, high, 1.0);
    let r = (|| -> R<ObjId> {
        let mut u = draw(h, this);
        // c = 0.5 if mode is None else (mode - low) / (high - low)
        let mut c = match mode.filter(|&m| m != it.none) {
            None => 0.5,
            Some(m) => {
                let num = bin(it, h, Operator::Sub, m, low)?;
                let den = bin(it, h, Operator::Sub, high, low);
                let den = match den {
                    Ok(d) => d,
                    Err(e) => {
                        it.dec(h, num);
                        return Err(e);
                    }
                };
                let q = bin(it, h, Operator::Div, num, den);
                it.dec_all(h, [num, den]);
                match q {
                    Ok(q) => {
                        let c = real(it, h, q);
                        it.dec(h, q);
                        c?
                    }
                    Err(e) if is_exc(it, h, &e, "ZeroDivisionError") => {
                        it.drop_unwind(h, e);
                        return Ok(it.inc(h, low));
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if u > c {
            u = 1.0 - u;
            c = 1.0 - c;
            std::mem::swap(&mut low, &mut high);
        }
        // low + (high - low) * sqrt(u * c)
        let w = bin(it, h, Operator::Sub, high, low)?;
        let s = bin_f(it, h, Operator::Mult, w, (u * c).sqrt(), false);
        it.dec(h, w);
        let s = s?;
        let r = bin(it, h, Operator::Add, low, s);
        it.dec(h, s);
        r
    })();
    it.dec_all(h, tmp);
    r
}

/// `gauss()`'s standard deviate (`Lib/random.py` `Random.gauss`): the saved second
/// value of the last pair, or a new pair by the Box-Muller transform.
fn gauss_z<C: CycleCollector>(h: &mut H<C>, this: ObjId) -> f64 {
    let Some(g) = gen_mut(h, this) else {
        return 0.0;
    };
    if let Some(z) = g.gauss_next.take() {
        return z;
    }
    let x2pi = g.mt.random() * std::f64::consts::TAU;
    let g2rad = (-2.0 * (1.0 - g.mt.random()).ln()).sqrt();
    g.gauss_next = Some(x2pi.sin() * g2rad);
    x2pi.cos() * g2rad
}

/// `normalvariate()`'s standard deviate (`Lib/random.py` `Random.normalvariate`):
/// Kinderman and Monahan's ratio of uniforms.
fn normal_z<C: CycleCollector>(h: &mut H<C>, this: ObjId) -> f64 {
    let Some(g) = gen_mut(h, this) else {
        return 0.0;
    };
    // NV_MAGICCONST = 4 * exp(-0.5) / sqrt(2.0)
    let nv = 4.0 * (-0.5f64).exp() / 2.0f64.sqrt();
    loop {
        let u1 = g.mt.random();
        let u2 = 1.0 - g.mt.random();
        let z = nv * (u1 - 0.5) / u2;
        let zz = z * z / 4.0;
        if zz <= -u2.ln() {
            return z;
        }
    }
}

/// `mu + z * sigma` with Python's arithmetic (defaults 0.0 and 1.0).
fn mu_plus_z_sigma<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    mu: Option<ObjId>,
    sigma: Option<ObjId>,
    z: f64,
) -> R<ObjId> {
    let mu = match mu {
        Some(m) => it.inc(h, m),
        None => it.float(h, 0.0),
    };
    let sigma = match sigma {
        Some(s) => it.inc(h, s),
        None => it.float(h, 1.0),
    };
    let zs = bin_f(it, h, Operator::Mult, sigma, z, true);
    let r = match zs {
        Ok(zs) => {
            let r = bin(it, h, Operator::Add, mu, zs);
            it.dec(h, zs);
            r
        }
        Err(e) => Err(e),
    };
    it.dec_all(h, [mu, sigma]);
    r
}

/// `getstate()`: `(3, (624 words..., index), gauss_next)` (`Lib/random.py`
/// `Random.getstate`, `random_getstate`).
fn getstate<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, this: ObjId) -> R<ObjId> {
    let Some(g) = gen_mut(h, this) else {
        return it.err(h, "TypeError", "getstate() needs a Random object");
    };
    let (words, index) = g.mt.state();
    let (words, index, gn) = (*words, index, g.gauss_next);
    let mut items: Vec<ObjId> = words.iter().map(|&w| it.int(h, i64::from(w))).collect();
    items.push(it.int(h, index as i64));
    let inner = it.new_tuple(h, items);
    let version = it.int(h, 3);
    let gn = match gn {
        Some(z) => it.float(h, z),
        None => it.none(h),
    };
    Ok(it.new_tuple(h, vec![version, inner, gn]))
}

/// `setstate(state)` (`Lib/random.py` `Random.setstate`, versions 3 and 2, then
/// `random_setstate`).
fn setstate<C: CycleCollector>(it: &Interp<C>, h: &mut H<C>, this: ObjId, state: ObjId) -> R<()> {
    let v = item(it, h, state, 0)?;
    let version = index_of(it, h, v);
    let vs = it.str_of(h, v);
    it.dec(h, v);
    let vs = vs?;
    let version = match version {
        Some(v @ (2 | 3)) => v,
        _ => {
            return it.err(
                h,
                "ValueError",
                &format!("state with version {vs} passed to Random.setstate() of version 3"),
            );
        }
    };
    let parts = it.unpack_iterable(h, state)?;
    if parts.len() != 3 {
        let n = parts.len();
        it.dec_all(h, parts);
        let msg = if n > 3 {
            "too many values to unpack (expected 3)".to_owned()
        } else {
            format!("not enough values to unpack (expected 3, got {n})")
        };
        return it.err(h, "ValueError", &msg);
    }
    let (inner, gn) = (parts[1], parts[2]);
    let r = (|| -> R<()> {
        let gauss_next = match it.p(h, gn) {
            Obj::None => None,
            Obj::Float(f) => Some(*f),
            Obj::Int(i) => Some(*i as f64),
            _ => {
                return it.err(
                    h,
                    "TypeError",
                    "gclab-py's Random keeps gauss_next as a float: the state's third \
                     item must be None or a number",
                );
            }
        };
        if let Some(g) = gen_mut(h, this) {
            g.gauss_next = gauss_next;
        }
        if !matches!(it.p(h, inner), Obj::Tuple) {
            return it.err(h, "TypeError", "state vector must be a tuple");
        }
        let words = it.edges(h, inner);
        if words.len() != N + 1 {
            return it.err(h, "ValueError", "state vector is the wrong size");
        }
        let mut mt = [0u32; N];
        for (slot, &w) in mt.iter_mut().zip(&words) {
            let Some(x) = index_of(it, h, w) else {
                // PyLong_AsUnsignedLong's message
                return it.err(h, "TypeError", "an integer is required");
            };
            *slot = if version == 2 {
                // version 2 saved signed words: x % 2**32
                x.rem_euclid(1 << 32) as u32
            } else if x < 0 {
                return it.err(
                    h,
                    "OverflowError",
                    "can't convert negative value to unsigned int",
                );
            } else {
                // PyLong_AsUnsignedLong, then the cast to uint32_t
                x as u32
            };
        }
        let index = index_of(it, h, words[N]).unwrap_or(-1);
        if !(0..=N as i64).contains(&index) {
            return it.err(h, "ValueError", "invalid state");
        }
        if let Some(g) = gen_mut(h, this) {
            g.mt = Mt19937::with_state(mt, index as usize);
        }
        Ok(())
    })();
    it.dec_all(h, parts);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mt19937ar.out` of Matsumoto and Nishimura's reference `mt19937ar.c`:
    /// `init_by_array({0x123, 0x234, 0x345, 0x456}, 4)`, then `genrand_int32()`; the
    /// first five outputs and the 998th to 1000th (past the 624-word regeneration).
    #[test]
    fn init_by_array_matches_the_reference_outputs() {
        let mut g = Mt19937::from_key(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| g.next_u32()).collect();
        assert_eq!(
            first,
            [
                1_067_595_299,
                955_945_823,
                477_289_528,
                4_107_218_783,
                4_228_976_476
            ]
        );
        let rest: Vec<u32> = (5..1000).map(|_| g.next_u32()).collect();
        assert_eq!(
            &rest[rest.len() - 3..],
            [2_416_995_901, 1_397_735_321, 3_460_025_646]
        );
    }

    /// CPython 3.11 (`random_seed`: the absolute value's 32-bit words):
    /// `random.seed(0); [random.getrandbits(32) for _ in range(3)]` and
    /// `random.seed(42); random.random(), random.random()`.
    #[test]
    fn int_seeds_match_cpython() {
        let mut g = Mt19937::from_key(&key_from_be_bytes(&0u64.to_be_bytes()));
        let v: Vec<u64> = (0..3).map(|_| g.getrandbits(32)).collect();
        assert_eq!(v, [3_626_764_237, 1_654_615_998, 3_255_389_356]);
        let mut g = Mt19937::from_key(&key_from_be_bytes(&42u64.to_be_bytes()));
        assert_eq!(g.random(), 0.639_426_798_457_883_7);
        assert_eq!(g.random(), 0.025_010_755_222_666_936);
        // random.seed(-2**63): the magnitude 2**63, two words [0, 2**31]
        let mut g = Mt19937::from_key(&key_from_be_bytes(&(1u64 << 63).to_be_bytes()));
        assert_eq!(g.getrandbits(32), 2_377_109_768);
    }

    /// `random_seed` passes as many words as the bit length needs, least significant
    /// first, and one zero word for 0.
    #[test]
    fn keys_are_little_endian_words_of_the_magnitude() {
        assert_eq!(key_from_be_bytes(&0u64.to_be_bytes()), [0]);
        assert_eq!(key_from_be_bytes(&5u64.to_be_bytes()), [5]);
        assert_eq!(key_from_be_bytes(&0x1_0000_0002u64.to_be_bytes()), [2, 1]);
        assert_eq!(key_from_be_bytes(&[0, 0, 1, 2, 3, 4, 5]), [0x0203_0405, 1]);
    }

    /// CPython 3.11's `hash()` of floats (`_Py_HashDouble`): `hash(1.5)`,
    /// `hash(-0.1)`, `hash(1e300)`, `hash(float('inf'))`, `hash(-1.0)`.
    #[test]
    fn float_hash_matches_cpython() {
        assert_eq!(float_hash(1.5), 1_152_921_504_606_846_977);
        assert_eq!(float_hash(-0.1), -230_584_300_921_369_408);
        assert_eq!(float_hash(1e300), 1_224_995_262_755_759_164);
        assert_eq!(float_hash(f64::INFINITY), 314_159);
        assert_eq!(float_hash(-1.0), -2);
        assert_eq!(float_hash(3.0), 3);
    }

    /// `getrandbits(k)` for `32 < k <= 64` is two words, the first the low one
    /// (`_random_Random_getrandbits_impl`); for `k <= 32` one word's top bits.
    #[test]
    fn getrandbits_takes_words_low_first() {
        let mut a = Mt19937::from_u32(5489);
        let mut b = a.clone();
        let (w0, w1) = (b.next_u32(), b.next_u32());
        assert_eq!(
            a.getrandbits(63),
            u64::from(w0) | (u64::from(w1 >> 1) << 32)
        );
        assert_eq!(a.getrandbits(7), u64::from(b.next_u32() >> 25));
    }

    /// `_randbelow_with_getrandbits` retries until below `n`: results stay in range,
    /// up to the largest `n` this interpreter's ints allow.
    #[test]
    fn below_stays_in_range() {
        let mut g = Mt19937::from_u32(1);
        for n in [1u64, 2, 3, 7, 1000, (1 << 63) - 1] {
            for _ in 0..200 {
                assert!(g.below(n) < n);
            }
        }
        let before = g.clone().next_u32();
        assert_eq!(g.below(0), 0);
        assert_eq!(g.next_u32(), before, "below(0) draws nothing");
    }

    /// `bisect.bisect_right`: the insertion point after equal items, and on unsorted
    /// input the answer of CPython's probe order (`internal_bisect_right`):
    /// `bisect.bisect_right([5, 1, 9, 2], 3) == 2`.
    #[test]
    fn bisect_right_probes_as_cpython() {
        assert_eq!(bisect_right(&[1, 2, 2, 3], 2), 3);
        assert_eq!(bisect_right(&[1, 2, 2, 3], 0), 0);
        assert_eq!(bisect_right(&[1, 2, 2, 3], 9), 4);
        assert_eq!(bisect_right(&[], 1), 0);
        assert_eq!(bisect_right(&[5, 1, 9, 2], 3), 2);
    }
}
