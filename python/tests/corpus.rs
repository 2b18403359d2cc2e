//! Runs every program of `tests/corpus/` through `gclab-py --check-leaks` and compares
//! its standard output, byte for byte, with what CPython 3.11 printed (`NAME.out`,
//! recorded by `tools/record.sh`), and its exit status with `NAME.exit` (0 when absent).
//!
//! Standard error: what CPython wrote (`NAME.err`, empty when absent) must be the same —
//! tracebacks with their frames, source lines and 3.11's `^^^^`/`~~^~~` markers, the
//! "Exception ignored in" reports of `__del__` — with the corpus directory's path
//! replaced by `<dir>` on both sides (CPython shows the script's absolute path).
//!
//! Masking: the numbers `id()` returns and the addresses in default reprs differ between
//! the two interpreters, so before comparing both sides replace every run of 12 or more
//! decimal digits with `<id>` and every `0x` followed by 6 or more hex digits with
//! `0x<addr>`. Nothing else is masked; corpus programs print no other numbers that long.

use std::path::Path;
use std::process::Command;

mod common;
use common::corpus;

/// Replaces ids and addresses (see the module documentation).
fn mask(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0' && b.get(i + 1) == Some(&b'x') {
            let n = b[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if n >= 6 {
                out.push_str("0x<addr>");
                i += 2 + n;
                continue;
            }
        }
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n >= 12 {
                out.push_str("<id>");
                i += n;
                continue;
            }
        }
        let ch = s[i..].chars().next().expect("char");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn expected(py: &Path) -> (String, i32) {
    let out = std::fs::read_to_string(py.with_extension("out")).expect("recorded .out");
    let exit = std::fs::read_to_string(py.with_extension("exit"))
        .map(|s| s.trim().parse().expect("exit status"))
        .unwrap_or(0);
    (out, exit)
}

fn run(program: &str, args: &[&str], py: &Path) -> (String, String, i32) {
    let dir = py.parent().expect("dir");
    let o = Command::new(program)
        .args(args)
        .arg(py.file_name().expect("name"))
        .current_dir(dir)
        .output()
        .expect("run");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

#[test]
fn corpus_matches_recorded_cpython_output_without_leaks() {
    let mut failures = vec![];
    for py in corpus() {
        let (want, want_status) = expected(&py);
        let (got, err, status) = run(env!("CARGO_BIN_EXE_gclab-py"), &["--check-leaks"], &py);
        let want_err = std::fs::read_to_string(py.with_extension("err")).unwrap_or_default();
        let dir = py.parent().expect("dir").display().to_string();
        let unpath = |s: &str| mask(&s.replace(&dir, "<dir>"));
        if unpath(&want_err) != unpath(&err) {
            failures.push(format!(
                "{}: standard error\n--- want\n{want_err}--- got\n{err}",
                py.display()
            ));
        }
        if mask(&got) != mask(&want) || status != want_status {
            failures.push(format!(
                "{}: status {status} (want {want_status})\n--- want\n{want}--- got\n{got}--- stderr\n{err}",
                py.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn recorded_outputs_are_what_python3_prints_now() {
    let have = Command::new("python3")
        .arg("-c")
        .arg("import sys; assert sys.version_info[:2] == (3, 11)")
        .status();
    if !have.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no python3 3.11 to check the corpus against"
        );
        eprintln!("SKIPPED: no python3 3.11 here; the recorded .out files were not re-checked");
        return;
    }
    for py in corpus() {
        let (want, want_status) = expected(&py);
        let (got, err, status) = run("python3", &[], &py);
        let want_err = std::fs::read_to_string(py.with_extension("err")).unwrap_or_default();
        let dir = py.parent().expect("dir").display().to_string();
        assert_eq!(
            mask(&err.replace(&dir, "<dir>")),
            mask(&want_err),
            "{}: the recorded .err is stale; rerun python/tools/record.sh",
            py.display()
        );
        assert_eq!(
            mask(&got),
            mask(&want),
            "{}: the recorded .out is stale; rerun python/tools/record.sh",
            py.display()
        );
        assert_eq!(status, want_status, "{}: exit status", py.display());
    }
}

#[test]
fn unsupported_construct_is_one_line_and_status_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["-c", "x = 1\nasync def f():\n    pass\n"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "gclab-py: line 2: 'async def' is not supported\n"
    );
}

#[test]
fn syntax_error_names_file_line_and_caret() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["-c", "x = (1,\n"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("File \"<string>\", line"), "{err}");
    assert!(err.contains('^') && err.contains("SyntaxError:"), "{err}");
}

#[test]
fn uncaught_exception_prints_a_traceback_and_exits_1() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["-c", "def f():\n    return x\nf()\n"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err,
        "Traceback (most recent call last):\n  File \"<string>\", line 3, in <module>\n  File \"<string>\", line 2, in f\nNameError: name 'x' is not defined\n"
    );
}

#[test]
fn program_on_standard_input() {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    c.stdin
        .take()
        .expect("stdin")
        .write_all(b"print(1 + 1)\n")
        .expect("write");
    let o = c.wait_with_output().expect("wait");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "2\n");
}

#[test]
fn deep_recursion_is_a_recursion_error_not_a_crash() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args([
            "-c",
            "import sys\nsys.setrecursionlimit(100000)\ndef f(n):\n    return f(n + 1)\nf(0)\n",
        ])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("RecursionError: maximum recursion depth exceeded")
    );
}

#[test]
fn mask_replaces_ids_and_addresses_only() {
    assert_eq!(
        mask("281474976711472 42 <C object at 0x7f12ab34cd>"),
        "<id> 42 <C object at 0x<addr>>"
    );
}

#[test]
fn strategy_independent_programs_agree_under_every_strategy() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let programs = [
        "cycles",
        "finalizers",
        "weakrefs",
        "refcounts",
        "seed_refcount",
        "language",
    ];
    for strategy in [
        "full-only",
        "bacon-rajan",
        "incremental",
        "mark-alive",
        "generational:100,5,5",
    ] {
        for name in programs {
            let py = dir.join(format!("{name}.py"));
            let (want, want_status) = expected(&py);
            let (got, err, status) = run(
                env!("CARGO_BIN_EXE_gclab-py"),
                &["--check-leaks", "--strategy", strategy],
                &py,
            );
            assert_eq!(mask(&got), mask(&want), "{name} under {strategy}: {err}");
            assert_eq!(status, want_status, "{name} under {strategy}: {err}");
        }
    }
}

#[test]
fn generational_only_gc_functions_raise_under_other_strategies() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["--strategy", "full-only", "-c", "import gc\ntry:\n    gc.get_count()\nexcept NotImplementedError as e:\n    print('refused')\n"])
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "refused\n");
}

#[test]
fn dot_pictures_are_written_at_each_collect_and_at_exit() {
    let dir = std::env::temp_dir().join(format!("gclab-py-dot-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .arg("--dot")
        .arg(&dir)
        .args([
            "--dot-line",
            "2",
            "-c",
            "l = []\nl.append(l)\ndel l\nimport gc\ngc.collect()\n",
        ])
        .output()
        .expect("run");
    assert!(o.status.success());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["001-line2.dot", "002-collect-line5.dot", "003-exit.dot"]
    );
    let dot = std::fs::read_to_string(dir.join("002-collect-line5.dot")).expect("read");
    assert!(
        dot.starts_with("digraph") && dot.contains("list") && dot.contains("unreachable"),
        "{dot}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A program using the built-in `pyperf` as pyperformance's benchmarks do.
const PYPERF_PROGRAM: &str = "\
import pyperf
def add_cmdline_args(cmd, args):
    cmd.append(str(args.width))
runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
runner.metadata['description'] = 'test'
runner.argparser.add_argument('--width', type=int, default=10, help='w')
runner.argparser.add_argument('--name', default='x')
runner.argparser.add_argument('--flag', action='store_true')
args = runner.parse_args()
print(args.width, args.name, args.flag, args.values, args.warmups, args.loops)
runner.metadata['width'] = args.width
calls = []
def f(n):
    calls.append(n)
runner.bench_func('f', f, 7)
print(len(calls), calls[0], type(runner.metadata).__name__)
def timed(loops, k):
    return k * loops
runner.bench_time_func('timed', timed, 0.5)
";

/// `pyperf.Runner`: options parsed from `sys.argv` with their types and defaults,
/// `--warmups` + `--values` runs of `--loops` calls each, and pyperf's result line
/// (`bench_time_func` divides the returned time by the loops).
#[test]
fn pyperf_runner_parses_options_runs_the_loops_and_prints_pyperfs_line() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["-c", PYPERF_PROGRAM, "--width", "3", "--flag", "--values=2"])
        .args(["--warmups", "1", "--loops", "2", "-p", "4"])
        .output()
        .expect("run");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "3 x True 2 1 2");
    assert!(lines[1].starts_with("f: Mean +- std dev: "), "{out}");
    // (1 warmup + 2 values) x 2 loops
    assert_eq!(lines[2], "6 7 dict");
    assert_eq!(lines[3], "timed: Mean +- std dev: 500 ms +- 0 ms");
}

/// An option the program did not add is argparse's usage error, exit status 2.
#[test]
fn pyperf_unknown_option_is_a_usage_error() {
    let o = Command::new(env!("CARGO_BIN_EXE_gclab-py"))
        .args(["-c", PYPERF_PROGRAM, "--colour", "red"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error: unrecognized arguments: --colour red"),
        "{err}"
    );
}
