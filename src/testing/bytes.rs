//! Decoding op sequences from raw bytes (for fuzzers).

use super::op::{Op, Target};

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn u16(&mut self) -> u16 {
        u16::from(self.byte()) | (u16::from(self.byte()) << 8)
    }

    fn target(&mut self) -> Target {
        let b = self.byte();
        match b % 4 {
            0 => Target::Recent(u16::from(b / 4 % 4)),
            1 => Target::Live(u16::from(self.byte())),
            2 => Target::Alloc(u32::from(self.byte())),
            _ => Target::Me,
        }
    }

    /// A program for a finalizer or callback: a length byte (0–3 ops), then the ops,
    /// whose own programs are empty at `depth` 1.
    fn program(&mut self, depth: u8) -> Vec<Op> {
        if depth > 1 {
            return Vec::new();
        }
        let n = self.byte() % 4;
        (0..n).map(|_| self.op(depth + 1)).collect()
    }
}

/// Decodes an op sequence from bytes: one byte picks each op, the following bytes give
/// its arguments (missing bytes read as 0). Every byte string decodes to some
/// sequence, so a fuzzer explores op sequences directly.
///
/// # Examples
/// ```
/// use gclab::testing::{Op, ops_from_bytes};
/// assert_eq!(ops_from_bytes(&[0, 0]), vec![Op::Alloc, Op::Alloc]);
/// assert!(ops_from_bytes(&[]).is_empty());
/// ```
pub fn ops_from_bytes(data: &[u8]) -> Vec<Op> {
    let mut c = Cursor { data, pos: 0 };
    let mut ops = Vec::new();
    while c.pos < data.len() {
        let op = c.op(0);
        ops.push(op);
    }
    ops
}

impl Cursor<'_> {
    /// One op; `depth` 0 at the top level, 1 inside a program.
    fn op(&mut self, depth: u8) -> Op {
        let c = self;
        match c.byte() % 36 {
            0..=3 => Op::Alloc,
            4 => Op::AllocAtomic,
            5 => {
                let n = c.byte() % 3;
                Op::AllocImmutable {
                    edges: (0..n).map(|_| c.target()).collect(),
                }
            }
            6..=10 => Op::Link {
                from: c.target(),
                to: c.target(),
            },
            11 => Op::InsertEdge {
                from: c.target(),
                index: c.u16(),
                to: c.target(),
            },
            12 => Op::SetEdge {
                from: c.target(),
                index: c.u16(),
                to: c.target(),
            },
            13 => Op::RemoveEdge {
                from: c.target(),
                index: c.u16(),
            },
            14 => Op::Unlink {
                from: c.target(),
                to: c.target(),
            },
            15 => Op::ClearEdges { from: c.target() },
            16 => Op::SetVar {
                name: c.byte(),
                obj: c.target(),
            },
            17 => Op::DelVar { name: c.byte() },
            18 => Op::Incref { obj: c.target() },
            19 | 20 => Op::Decref { obj: c.target() },
            21 => Op::Collect {
                generation: c.byte() % 4,
            },
            22 => Op::CollectFull,
            23 => {
                let n = c.byte() % 4;
                Op::SetThreshold {
                    thresholds: (0..n).map(|_| u32::from(c.byte() % 16)).collect(),
                }
            }
            24 => match c.byte() % 4 {
                0 => Op::Enable,
                1 => Op::Disable,
                2 => Op::Freeze,
                _ => Op::Unfreeze,
            },
            25 => {
                let b = c.byte();
                let obj = c.target();
                match b % 4 {
                    0 => Op::ClearFinalizer { obj },
                    1 => Op::SetLegacyFinalizer {
                        obj,
                        on: b & 4 != 0,
                    },
                    _ => Op::SetFinalizer {
                        obj,
                        resurrect: b & 4 != 0,
                        program: c.program(depth),
                    },
                }
            }
            26 | 27 => {
                let b = c.byte();
                let obj = c.target();
                Op::Downgrade {
                    obj,
                    callback: b & 1 != 0,
                    program: c.program(depth),
                }
            }
            28 => Op::Upgrade { weak: c.u16() },
            29 => Op::ReleaseWeakref { weak: c.u16() },
            30 => match c.byte() % 3 {
                0 => Op::SetSaveAll { on: true },
                1 => Op::SetSaveAll { on: false },
                _ => Op::ClearGarbage,
            },
            31 => Op::AllocLazy,
            32 => Op::SetPayload {
                obj: c.target(),
                value: u64::from(c.byte()),
            },
            33 => {
                let n = c.byte() % 3;
                Op::EditGarbage {
                    start: u16::from(c.byte()),
                    end: u16::from(c.byte()),
                    items: (0..n).map(|_| c.target()).collect(),
                }
            }
            34 => Op::AddCallback {
                program: c.program(depth),
            },
            _ => Op::PanicOnDrop { obj: c.target() },
        }
    }
}
