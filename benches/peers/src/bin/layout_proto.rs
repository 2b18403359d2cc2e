//! The layout prototype of issue 26 ("hot bytes apart from cold: measure both before
//! choosing"): gclab's two fused trial-deletion passes (`update_and_subtract_refs`, then
//! `move_unreachable_in_place` writing the promoted headers) over the `live` workload's
//! graph (one root holding `n / 2` two-node cycles), on three layouts of the same
//! per-object record:
//!
//! - `aos32`: today's 32-byte slot, every field in one record;
//! - `hotcold`: a 16-byte hot header (refcount, scratch count, first edge, flags, space)
//!   in one vector and a 16-byte cold record (the edges after the first, external count,
//!   version) in another, indexed alike;
//! - `soa`: one vector per field.
//!
//! With `--shuffle`, the objects sit in a random permutation of the slots (a heap whose
//! slots were reused in no particular order), so an edge's target is a random slot.
//! Prints ns per object of each pass (best of `--repeat`). Run one layout at a time under
//! `perf stat -e cache-misses` to compare the memory traffic:
//!
//! ```sh
//! cargo build --release -p gclab-peers --bin layout-proto
//! ./target/release/layout-proto --layout hotcold --n 10000000
//! perf stat -e cache-misses,instructions ./target/release/layout-proto --layout soa --n 10000000
//! ```

use std::time::Instant;

use clap::Parser;

/// The edges after the first: one pointer (8 bytes, null when none), as gclab's
/// `ThinVec` is (a `Box<[u32]>` would be a 16-byte fat pointer).
#[allow(clippy::box_collection)]
type More = Option<Box<Vec<u32>>>;

const NO_EDGE: u32 = u32::MAX;
const COLLECTING: u8 = u8::MAX - 1;
const TENTATIVELY_UNREACHABLE: u32 = u32::MAX - 1;
const HAS_MORE: u16 = 1 << 15;

/// The accessors the passes use, as `Object` / `Store` offer them.
trait Layout {
    fn with_capacity(n: usize) -> Self;
    fn push(&mut self, refcount: u32, first: u32, more: More);
    fn refcount(&self, s: u32) -> u32;
    fn gc_refs(&self, s: u32) -> u32;
    fn set_gc_refs(&mut self, s: u32, v: u32);
    fn space(&self, s: u32) -> u8;
    fn set_space(&mut self, s: u32, v: u8);
    fn first(&self, s: u32) -> u32;
    /// The edges after the first (empty for most objects).
    fn more(&self, s: u32) -> &[u32];
    /// Whether there are edges after the first (read without touching cold bytes where
    /// the layout allows).
    fn has_more(&self, s: u32) -> bool;
}

#[allow(dead_code)]
struct Aos {
    more: More,
    first: u32,
    refcount: u32,
    external: u32,
    gc_refs: u32,
    version: u32,
    flags: u16,
    space: u8,
}

impl Layout for Vec<Aos> {
    fn with_capacity(n: usize) -> Self {
        assert_eq!(std::mem::size_of::<Aos>(), 32);
        Vec::with_capacity(n)
    }
    fn push(&mut self, refcount: u32, first: u32, more: More) {
        self.push(Aos {
            more,
            first,
            refcount,
            external: 0,
            gc_refs: 0,
            version: 1,
            flags: 0,
            space: 0,
        });
    }
    fn refcount(&self, s: u32) -> u32 {
        self[s as usize].refcount
    }
    fn gc_refs(&self, s: u32) -> u32 {
        self[s as usize].gc_refs
    }
    fn set_gc_refs(&mut self, s: u32, v: u32) {
        self[s as usize].gc_refs = v;
    }
    fn space(&self, s: u32) -> u8 {
        self[s as usize].space
    }
    fn set_space(&mut self, s: u32, v: u8) {
        self[s as usize].space = v;
    }
    fn first(&self, s: u32) -> u32 {
        self[s as usize].first
    }
    fn more(&self, s: u32) -> &[u32] {
        self[s as usize].more.as_deref().map_or(&[], |v| &v[..])
    }
    fn has_more(&self, s: u32) -> bool {
        self[s as usize].more.is_some()
    }
}

struct Hot {
    refcount: u32,
    gc_refs: u32,
    first: u32,
    flags: u16,
    space: u8,
}

#[allow(dead_code)]
struct Cold {
    more: More,
    external: u32,
    version: u32,
}

struct HotCold {
    hot: Vec<Hot>,
    cold: Vec<Cold>,
}

impl Layout for HotCold {
    fn with_capacity(n: usize) -> Self {
        assert_eq!(std::mem::size_of::<Hot>(), 16);
        assert_eq!(std::mem::size_of::<Cold>(), 16);
        HotCold {
            hot: Vec::with_capacity(n),
            cold: Vec::with_capacity(n),
        }
    }
    fn push(&mut self, refcount: u32, first: u32, more: More) {
        self.hot.push(Hot {
            refcount,
            gc_refs: 0,
            first,
            flags: if more.is_some() { HAS_MORE } else { 0 },
            space: 0,
        });
        self.cold.push(Cold {
            more,
            external: 0,
            version: 1,
        });
    }
    fn refcount(&self, s: u32) -> u32 {
        self.hot[s as usize].refcount
    }
    fn gc_refs(&self, s: u32) -> u32 {
        self.hot[s as usize].gc_refs
    }
    fn set_gc_refs(&mut self, s: u32, v: u32) {
        self.hot[s as usize].gc_refs = v;
    }
    fn space(&self, s: u32) -> u8 {
        self.hot[s as usize].space
    }
    fn set_space(&mut self, s: u32, v: u8) {
        self.hot[s as usize].space = v;
    }
    fn first(&self, s: u32) -> u32 {
        self.hot[s as usize].first
    }
    fn more(&self, s: u32) -> &[u32] {
        self.cold[s as usize]
            .more
            .as_deref()
            .map_or(&[], |v| &v[..])
    }
    fn has_more(&self, s: u32) -> bool {
        self.hot[s as usize].flags & HAS_MORE != 0
    }
}

#[allow(dead_code)]
struct Soa {
    refcount: Vec<u32>,
    gc_refs: Vec<u32>,
    first: Vec<u32>,
    flags: Vec<u16>,
    space: Vec<u8>,
    more: Vec<More>,
    external: Vec<u32>,
    version: Vec<u32>,
}

impl Layout for Soa {
    fn with_capacity(n: usize) -> Self {
        Soa {
            refcount: Vec::with_capacity(n),
            gc_refs: Vec::with_capacity(n),
            first: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            space: Vec::with_capacity(n),
            more: Vec::with_capacity(n),
            external: Vec::with_capacity(n),
            version: Vec::with_capacity(n),
        }
    }
    fn push(&mut self, refcount: u32, first: u32, more: More) {
        self.refcount.push(refcount);
        self.gc_refs.push(0);
        self.first.push(first);
        self.flags.push(if more.is_some() { HAS_MORE } else { 0 });
        self.space.push(0);
        self.more.push(more);
        self.external.push(0);
        self.version.push(1);
    }
    fn refcount(&self, s: u32) -> u32 {
        self.refcount[s as usize]
    }
    fn gc_refs(&self, s: u32) -> u32 {
        self.gc_refs[s as usize]
    }
    fn set_gc_refs(&mut self, s: u32, v: u32) {
        self.gc_refs[s as usize] = v;
    }
    fn space(&self, s: u32) -> u8 {
        self.space[s as usize]
    }
    fn set_space(&mut self, s: u32, v: u8) {
        self.space[s as usize] = v;
    }
    fn first(&self, s: u32) -> u32 {
        self.first[s as usize]
    }
    fn more(&self, s: u32) -> &[u32] {
        self.more[s as usize].as_deref().map_or(&[], |v| &v[..])
    }
    fn has_more(&self, s: u32) -> bool {
        self.flags[s as usize] & HAS_MORE != 0
    }
}

/// Calls `f` on each edge of `s` (the targets are copied out first, as the real passes
/// read an edge and then write its target).
#[inline(always)]
fn for_each_edge<L: Layout>(l: &mut L, s: u32, mut f: impl FnMut(&mut L, u32)) {
    let first = l.first(s);
    if first == NO_EDGE {
        return;
    }
    f(l, first);
    if l.has_more(s) {
        let more: Vec<u32> = l.more(s).to_vec();
        for t in more {
            f(l, t);
        }
    }
}

/// `update_and_subtract_refs` as `src/gc/mechanism/trial.rs` has it (every object of the
/// list is a member: a full collection).
fn update_and_subtract<L: Layout>(l: &mut L, list: &[u32]) {
    for &s in list {
        if l.space(s) != COLLECTING {
            l.set_space(s, COLLECTING);
            let rc = l.refcount(s);
            l.set_gc_refs(s, rc);
        }
        for_each_edge(l, s, |l, t| {
            let refs = if l.space(t) == COLLECTING {
                l.gc_refs(t)
            } else {
                l.set_space(t, COLLECTING);
                l.refcount(t)
            };
            l.set_gc_refs(t, refs - 1);
        });
    }
}

/// `move_unreachable_in_place` as `src/gc/mechanism/trial.rs` has it, promoting each
/// survivor to space 2 (its position in the scratch cell). Returns the survivors.
fn move_unreachable<L: Layout>(l: &mut L, young: &mut Vec<u32>) -> usize {
    let mut kept = 0;
    let mut i = 0;
    while i < young.len() {
        let s = young[i];
        i += 1;
        if l.gc_refs(s) == 0 {
            l.set_gc_refs(s, TENTATIVELY_UNREACHABLE);
            continue;
        }
        l.set_space(s, 2);
        l.set_gc_refs(s, kept as u32);
        for_each_edge(l, s, |l, t| {
            if l.space(t) != COLLECTING {
                return;
            }
            match l.gc_refs(t) {
                TENTATIVELY_UNREACHABLE => {
                    l.set_gc_refs(t, 1);
                    young.push(t);
                }
                0 => l.set_gc_refs(t, 1),
                _ => {}
            }
        });
        young.swap(kept, i - 1);
        kept += 1;
    }
    kept
}

/// The `live` graph: a root and `n / 2` two-node cycles it holds, in allocation order or
/// at random slots. Returns the layout and the generation list (allocation order).
fn build<L: Layout>(n: usize, shuffle: bool) -> (L, Vec<u32>) {
    let n = n | 1; // the root and whole pairs
    // slot_of[k]: the slot of the k-th allocated object.
    let mut slot_of: Vec<u32> = (0..n as u32).collect();
    if shuffle {
        // xorshift Fisher-Yates: a fixed permutation, no dependency.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in (1..n).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            slot_of.swap(i, (x % (i as u64 + 1)) as usize);
        }
    }
    // The record of each slot: (refcount, first, more).
    let mut records: Vec<(u32, u32, More)> = vec![(0, NO_EDGE, None); n];
    let pairs = (n - 1) / 2;
    let root_edges: Vec<u32> = (0..pairs).map(|p| slot_of[1 + 2 * p]).collect();
    records[slot_of[0] as usize] = (1, root_edges[0], Some(Box::new(root_edges[1..].to_vec())));
    for p in 0..pairs {
        let (a, b) = (slot_of[1 + 2 * p], slot_of[2 + 2 * p]);
        records[a as usize] = (2, b, None);
        records[b as usize] = (1, a, None);
    }
    let mut l = L::with_capacity(n);
    for (rc, first, more) in records {
        l.push(rc, first, more);
    }
    (l, slot_of)
}

#[derive(Parser)]
struct Args {
    /// aos32, hotcold or soa.
    #[arg(long, default_value = "hotcold")]
    layout: String,
    /// Objects.
    #[arg(long, default_value_t = 1_000_000)]
    n: usize,
    /// Collections (the best is printed).
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Objects at random slots.
    #[arg(long)]
    shuffle: bool,
    /// Instead of the passes: one core's stream bandwidth over a buffer of this many
    /// MiB, read-only and read-modify-write (the floor a pass over headers runs into).
    #[arg(long)]
    bandwidth_mib: Option<usize>,
}

/// Prints the best of `repeat` read-only and read-modify-write streams over `mib` MiB.
fn bandwidth(mib: usize, repeat: usize) {
    let words = mib * (1 << 20) / 8;
    let mut buf: Vec<u64> = (0..words as u64).collect();
    let (mut read, mut rmw) = (0f64, 0f64);
    for _ in 0..repeat {
        let t = Instant::now();
        let sum: u64 = buf.iter().fold(0u64, |a, &x| a.wrapping_add(x));
        let r = (words * 8) as f64 / t.elapsed().as_secs_f64() / 1e9;
        std::hint::black_box(sum);
        let t = Instant::now();
        for x in buf.iter_mut() {
            *x = x.wrapping_add(1);
        }
        std::hint::black_box(&buf);
        let w = (words * 8) as f64 / t.elapsed().as_secs_f64() / 1e9;
        read = read.max(r);
        rmw = rmw.max(w);
    }
    println!(
        "stream over {mib} MiB: read {read:.2} GB/s, read-modify-write {rmw:.2} GB/s (bytes of the buffer per second, best of {repeat})"
    );
}

fn run<L: Layout>(args: &Args) {
    let (mut l, list) = build::<L>(args.n, args.shuffle);
    let (mut best1, mut best2) = (f64::MAX, f64::MAX);
    for _ in 0..args.repeat {
        let mut young = list.clone();
        for &s in &list {
            l.set_space(s, 0);
        }
        let t = Instant::now();
        update_and_subtract(&mut l, &young);
        let t1 = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let kept = move_unreachable(&mut l, &mut young);
        let t2 = t.elapsed().as_secs_f64();
        assert_eq!(kept, list.len(), "everything is alive");
        best1 = best1.min(t1);
        best2 = best2.min(t2);
    }
    let per = |t: f64| t * 1e9 / list.len() as f64;
    println!(
        "{} n={} shuffle={} update_and_subtract {:.2} ns/obj, move_unreachable {:.2} ns/obj, both {:.2}",
        args.layout,
        list.len(),
        args.shuffle,
        per(best1),
        per(best2),
        per(best1) + per(best2)
    );
}

fn main() {
    let args = Args::parse();
    if let Some(mib) = args.bandwidth_mib {
        bandwidth(mib, args.repeat);
        return;
    }
    match args.layout.as_str() {
        "aos32" => run::<Vec<Aos>>(&args),
        "hotcold" => run::<HotCold>(&args),
        "soa" => run::<Soa>(&args),
        other => {
            eprintln!("unknown layout {other:?}: aos32, hotcold or soa");
            std::process::exit(2);
        }
    }
}
