//! The README's main command: `gclab-tour` writes the pictures it lists.

use crate::common;

use std::path::PathBuf;
use std::process::Command;

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclab-tour-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The DOT files the tour printed in its closing table.
fn listed_dot_files(stdout: &str, dir: &std::path::Path) -> Vec<PathBuf> {
    stdout
        .split_whitespace()
        .map(PathBuf::from)
        .filter(|p| p.starts_with(dir) && p.extension().is_some_and(|e| e == "dot"))
        .collect()
}

#[test]
fn tour_writes_every_picture_it_lists() {
    let dir = out_dir("full");
    let output = Command::new(env!("CARGO_BIN_EXE_gclab-tour"))
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("gclab-tour runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    // The seed reproduced: refcounts 1, 2, 1 where Python prints 2, 3, 2.
    assert!(stdout.contains("refcount(a) = 1   (Python's sys.getrefcount(a) prints 2)"));
    assert!(stdout.contains("refcount(a) = 2   (Python prints 3)"));
    assert!(stdout.contains("del b          refcount(a) = 1"));
    assert!(stdout.contains("both still alive, refcount(a) = 1, refcount(b) = 1"));
    assert!(stdout.contains("a finalizer that resurrects"));
    assert!(stdout.contains("resurrected 2"));
    let files = listed_dot_files(&stdout, &dir);
    assert!(files.len() >= 30, "the tour lists its pictures: {files:?}");
    let has_dot = common::dot_installed();
    if !has_dot {
        common::skip("the tour's SVG checks", "graphviz `dot` is not on the PATH");
    }
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.starts_with("digraph {"), "{} is DOT", file.display());
        assert_eq!(text.matches('{').count(), text.matches('}').count());
        if has_dot {
            // Graphviz parses it; the tour wrote the SVG beside it.
            assert!(
                file.with_extension("svg").exists(),
                "{} has its SVG",
                file.display()
            );
            let status = Command::new("dot")
                .arg("-Tcanon")
                .arg(file)
                .output()
                .unwrap()
                .status;
            assert!(status.success(), "graphviz parses {}", file.display());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quick_tour_stops_after_the_first_two_sections() {
    let dir = out_dir("quick");
    let output = Command::new(env!("CARGO_BIN_EXE_gclab-tour"))
        .arg("--quick")
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("gclab-tour runs");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("A gallery"));
    assert_eq!(listed_dot_files(&stdout, &dir).len(), 8);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tour_runs_the_seed_as_python_and_prints_what_cpython_prints() {
    let dir = out_dir("python");
    let output = Command::new(env!("CARGO_BIN_EXE_gclab-tour"))
        .arg("--quick")
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("gclab-tour runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    // The snippet verbatim, then gclab-py's output: CPython 3.11 prints 2, 3, 2
    // (python/tests/corpus/seed_refcount.out), in order, after the snippet and before
    // section 2.
    let snippet = stdout
        .find("--- seed_refcount.py ---")
        .expect("the refcount snippet is shown");
    assert!(stdout[snippet..].contains(">>> print(sys.getrefcount(a))   # 3"));
    let printed = snippet
        + stdout[snippet..]
            .find("--- gclab-py prints ---\n")
            .expect("gclab-py's output is announced")
        + "--- gclab-py prints ---\n".len();
    let cpython = include_str!("../../../python/tests/corpus/seed_refcount.out");
    assert_eq!(cpython, "2\n3\n2\n");
    assert!(
        stdout[printed..].starts_with(cpython),
        "{}",
        &stdout[printed..]
    );
    let ids = stdout.find("--- seed_ids.py ---").expect("the ids snippet");
    assert!(ids < snippet);
    let section2 = stdout.find("2. Why reference counting").expect("section 2");
    assert!(printed < section2);
    let _ = std::fs::remove_dir_all(&dir);
}
