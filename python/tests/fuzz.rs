//! "No input makes it panic": mutated corpus programs (lines deleted, duplicated,
//! truncated, tokens inserted), from a fixed seed, must end with a Python-level outcome —
//! output, a traceback, a syntax error, a refusal — never a Rust panic, a crash or a
//! leak under `--check-leaks`. `GCLAB_PY_FUZZ_CASES` sets the number of cases (default
//! 150); `GCLAB_PY_FUZZ_SEED` the seed; `GCLAB_PY_FUZZ_FROM` the first case run (the
//! earlier ones are generated, not run, so a failure at case N replays alone).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    ".",
    "*",
    "**",
    "=",
    "del ",
    "x",
    "None",
    "0",
    "-1",
    "\"s\"",
    "lambda: 1",
    "[]",
    "{}",
    "self",
    "super()",
    "raise",
    "return",
    "\n",
    "    ",
    "not ",
    " if ",
    " else ",
    "1e309",
    "9999999999999999999",
    "%",
    "//",
    "gc.collect()",
    "sys.getrefcount(x)",
    "f'{x!r:>{3}}'",
    "*a",
    "**k",
];

fn mutate(rng: &mut Lcg, src: &str) -> String {
    let mut lines: Vec<String> = src.lines().map(String::from).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            lines.push("x".into());
        }
        let i = rng.below(lines.len());
        match rng.below(5) {
            0 => {
                lines.remove(i);
            }
            1 | 2 => {
                let l = &lines[i];
                let cut = l
                    .char_indices()
                    .map(|(b, _)| b)
                    .nth(rng.below(l.chars().count() + 1))
                    .unwrap_or(l.len());
                let t = TOKENS[rng.below(TOKENS.len())];
                lines[i] = format!("{}{t}{}", &l[..cut], &l[cut..]);
            }
            3 => {
                let j = rng.below(lines.len());
                let l = lines[j].clone();
                lines.insert(i, l);
            }
            _ => {
                let l = &lines[i];
                let keep = rng.below(l.chars().count() + 1);
                lines[i] = l.chars().take(keep).collect();
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_programs_never_panic_crash_or_leak() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut sources: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    sources.sort();
    let cases: usize = std::env::var("GCLAB_PY_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let seed: u64 = std::env::var("GCLAB_PY_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    // `GCLAB_PY_FUZZ_FROM` replays a failure: cases below it are generated (so the
    // random stream is the same) but not run.
    let from: usize = std::env::var("GCLAB_PY_FUZZ_FROM")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut rng = Lcg(seed);
    let mut failures = vec![];
    for case in 0..cases {
        let src = &sources[rng.below(sources.len())];
        let program = mutate(&mut rng, src);
        if case < from {
            continue;
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
            .args(["--check-leaks", "-c", &program])
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                break None; // a mutated program may loop for ever: not a failure
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let Some(status) = status else { continue };
        let mut err = String::new();
        use std::io::Read;
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err);
        let bad = status.code().is_none()
            || status.code() == Some(70)
            || err.contains("panicked at")
            || err.contains("--check-leaks:");
        if bad {
            failures.push(format!(
                "case {case} (seed {seed}): status {status:?}\n{program}\n--- stderr\n{err}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n=====\n"));
}
