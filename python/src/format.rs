//! `format()` specs, f-string fields and `%` formatting.

use gclab::{CycleCollector, ObjId};

use crate::interp::{H, Interp, R, float_repr};
use crate::obj::Obj;

struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    comma: bool,
    prec: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(s: &str) -> Option<Spec> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut sp = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        alt: false,
        zero: false,
        width: 0,
        comma: false,
        prec: None,
        ty: None,
    };
    if c.len() >= 2 && "<>^=".contains(c[1]) {
        sp.fill = c[0];
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && "<>^=".contains(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && "+- ".contains(c[i]) {
        sp.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let st = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > st {
        sp.width = c[st..i].iter().collect::<String>().parse().ok()?;
    }
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        sp.comma = true;
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let st = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        sp.prec = Some(c[st..i].iter().collect::<String>().parse().ok()?);
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    (i == c.len()).then_some(sp)
}

fn group(digits: &str) -> String {
    let (int, frac) = match digits.find('.') {
        Some(p) => (&digits[..p], &digits[p..]),
        None => (digits, ""),
    };
    let mut out = String::new();
    for (n, ch) in int.chars().enumerate() {
        if n > 0 && (int.len() - n) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out + frac
}

fn exp_fmt(x: f64, prec: usize) -> String {
    let s = format!("{x:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

fn general(x: f64, prec: usize, alt: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if x == 0.0 {
        return "0".into();
    }
    let exp = x.abs().log10().floor() as i32;
    if exp < -4 || exp >= p as i32 {
        let s = exp_fmt(x, p - 1);
        if alt {
            s
        } else {
            let (m, e) = s.split_once('e').unwrap_or((&s, ""));
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            format!("{m}e{e}")
        }
    } else {
        let d = (p as i32 - 1 - exp).max(0) as usize;
        let s = format!("{x:.d$}");
        if alt || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

fn pad(s: String, sp: &Spec, numeric: bool) -> String {
    let len = s.chars().count();
    if len >= sp.width {
        return s;
    }
    let n = sp.width - len;
    let align = sp.align.unwrap_or(if sp.zero && numeric {
        '='
    } else if numeric {
        '>'
    } else {
        '<'
    });
    let fill = if sp.zero && sp.align.is_none() {
        '0'
    } else {
        sp.fill
    };
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => s + &f(n),
        '^' => format!("{}{}{}", f(n / 2), s, f(n - n / 2)),
        '=' => {
            let (sign, rest) = if s.starts_with(['-', '+', ' ']) {
                s.split_at(1)
            } else {
                ("", s.as_str())
            };
            format!("{sign}{}{rest}", f(n))
        }
        _ => f(n) + &s,
    }
}

/// `format(v, spec)` for a borrowed value.
pub fn format_value<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    v: ObjId,
    spec: &str,
) -> R<String> {
    if spec.is_empty() {
        return it.str_of(h, v);
    }
    if it.special(h, v, "__format__").is_some() {
        let s = it.str_(h, spec);
        let r = it
            .call_special(h, v, "__format__", vec![s])?
            .unwrap_or(it.null);
        let out = it.str_of(h, r);
        it.dec(h, r);
        return out;
    }
    let Some(sp) = parse_spec(spec) else {
        return it.err(h, "ValueError", "Invalid format specifier");
    };
    let sign = |neg: bool, s: String| -> String {
        if neg {
            format!("-{s}")
        } else if sp.sign == '+' {
            format!("+{s}")
        } else if sp.sign == ' ' {
            format!(" {s}")
        } else {
            s
        }
    };
    let p = it.p(h, v);
    let out = match (p, sp.ty) {
        (Obj::Int(_) | Obj::Bool(_), None | Some('d' | 'n'))
            if sp.prec.is_none() || sp.ty.is_some() =>
        {
            let i = match p {
                Obj::Int(i) => *i,
                Obj::Bool(b) => *b as i64,
                _ => 0,
            };
            let d = i.unsigned_abs().to_string();
            let d = if sp.comma { group(&d) } else { d };
            pad(sign(i < 0, d), &sp, true)
        }
        (Obj::Int(i), Some(t @ ('x' | 'X' | 'o' | 'b'))) => {
            let a = i.unsigned_abs();
            let (d, pre) = match t {
                'x' => (format!("{a:x}"), "0x"),
                'X' => (format!("{a:X}"), "0X"),
                'o' => (format!("{a:o}"), "0o"),
                _ => (format!("{a:b}"), "0b"),
            };
            let d = if sp.alt { format!("{pre}{d}") } else { d };
            pad(sign(*i < 0, d), &sp, true)
        }
        (
            Obj::Int(_) | Obj::Float(_) | Obj::Bool(_),
            Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%') | None,
        ) => {
            let x = match p {
                Obj::Int(i) => *i as f64,
                Obj::Bool(b) => *b as i64 as f64,
                Obj::Float(f) => *f,
                _ => 0.0,
            };
            let prec = sp.prec.unwrap_or(6);
            let a = x.abs();
            let body = match sp.ty {
                Some('f' | 'F') => format!("{a:.prec$}"),
                Some('e') => exp_fmt(a, prec),
                Some('E') => exp_fmt(a, prec).to_uppercase(),
                Some('g') => general(a, prec, sp.alt),
                Some('G') => general(a, prec, sp.alt).to_uppercase(),
                Some('%') => format!("{:.prec$}%", a * 100.0),
                _ => match sp.prec {
                    Some(pr) => general(a, pr, sp.alt),
                    None => float_repr(a),
                },
            };
            let body = if sp.comma { group(&body) } else { body };
            pad(sign(x.is_sign_negative() && x != 0.0, body), &sp, true)
        }
        (Obj::Str(s), None | Some('s')) => {
            let s: String = match sp.prec {
                Some(pr) => s.chars().take(pr).collect(),
                None => s.to_string(),
            };
            pad(s, &sp, false)
        }
        _ => {
            if matches!(
                p,
                Obj::Instance(_) | Obj::List | Obj::Tuple | Obj::Dict(_) | Obj::None
            ) && sp.ty.is_none()
            {
                let s = it.str_of(h, v)?;
                pad(s, &sp, false)
            } else {
                let t = it.type_name(h, v);
                return it.err(
                    h,
                    "ValueError",
                    &format!(
                        "Unknown format code '{}' for object of type '{t}'",
                        sp.ty.unwrap_or(' ')
                    ),
                );
            }
        }
    };
    Ok(out)
}

/// `fmt % args`.
pub fn percent<C: CycleCollector>(
    it: &Interp<C>,
    h: &mut H<C>,
    fmt: &str,
    args: ObjId,
) -> R<String> {
    let items: Vec<ObjId> = match it.p(h, args) {
        Obj::Tuple => it.edges(h, args),
        _ => vec![args],
    };
    let mut out = String::new();
    let c: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut k = 0;
    while i < c.len() {
        if c[i] != '%' {
            out.push(c[i]);
            i += 1;
            continue;
        }
        i += 1;
        if i < c.len() && c[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let st = i;
        while i < c.len() && "-+ #0123456789.".contains(c[i]) {
            i += 1;
        }
        let flags: String = c[st..i].iter().collect();
        let Some(&ty) = c.get(i) else {
            return it.err(h, "ValueError", "incomplete format");
        };
        i += 1;
        let Some(&v) = items.get(k) else {
            return it.err(h, "TypeError", "not enough arguments for format string");
        };
        k += 1;
        let left = flags.starts_with('-');
        let flags = flags.trim_start_matches('-');
        let s = match ty {
            's' => {
                let s = it.str_of(h, v)?;
                let sv = it.str_(h, &s);
                let spec = if left || flags.is_empty() {
                    flags.to_string()
                } else {
                    format!(">{flags}")
                };
                let r = format_value(it, h, sv, &spec);
                it.dec(h, sv);
                r?
            }
            'r' => {
                let s = it.repr(h, v)?;
                let sv = it.str_(h, &s);
                let spec = if left || flags.is_empty() {
                    flags.to_string()
                } else {
                    format!(">{flags}")
                };
                let r = format_value(it, h, sv, &spec);
                it.dec(h, sv);
                r?
            }
            'd' | 'i' | 'f' | 'e' | 'g' | 'x' | 'X' | 'o' => {
                let t = if ty == 'i' { 'd' } else { ty };
                let v2 = match (t, it.p(h, v)) {
                    ('d' | 'x' | 'X' | 'o', Obj::Float(f)) => it.int(h, f.trunc() as i64),
                    _ => it.inc(h, v),
                };
                let r = format_value(it, h, v2, &format!("{flags}{t}"));
                it.dec(h, v2);
                r?
            }
            _ => {
                return it.err(
                    h,
                    "ValueError",
                    &format!("unsupported format character '{ty}'"),
                );
            }
        };
        if left {
            let w: usize = flags
                .split('.')
                .next()
                .unwrap_or("")
                .trim_start_matches('0')
                .parse()
                .unwrap_or(0);
            let n = s.chars().count();
            out.push_str(&s);
            if w > n {
                out.push_str(&" ".repeat(w - n));
            }
        } else {
            out.push_str(&s);
        }
    }
    if k < items.len() && matches!(it.p(h, args), Obj::Tuple) {
        return it.err(
            h,
            "TypeError",
            "not all arguments converted during string formatting",
        );
    }
    Ok(out)
}
