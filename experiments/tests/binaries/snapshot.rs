//! `gclab-snapshot`, the binary: `collect`, `stats` and `dot` on the snapshot fixtures
//! of `tests/data/` (the library's import is tested in the core crate's
//! `tests/suite/snapshot.rs`).

use std::path::PathBuf;
use std::process::Command;

use gclab::snapshot::{Snapshot, SnapshotObject};

fn obj(id: u64, label: &str, refcount: u64, referents: &[u64]) -> SnapshotObject {
    SnapshotObject {
        id,
        type_label: label.into(),
        refcount,
        referents: referents.to_vec(),
    }
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(name)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gclab-snapshot"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn cli_collect_json_prints_one_object_and_agrees() {
    let path = data("two_cycles.json");
    let (code, stdout, _) = run(&["collect", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["objects"], 6);
    assert_eq!(v["unreachable"], serde_json::json!([1, 2, 5]));
    assert!(v["elapsed_ns"].is_u64());
    assert_eq!(v["agree"], true);
    assert_eq!(v.as_object().unwrap().len(), 4);
}

#[test]
fn cli_collect_reports_disagreement_with_exit_code_1() {
    let path = data("disagree.json");
    let (code, stdout, _) = run(&["collect", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("DISAGREES"), "{stdout}");
    assert!(stdout.contains("only in gclab's set (1): 5"), "{stdout}");
    assert!(
        stdout.contains("only in the expected set (1): 6"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["collect", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.contains("\"agree\":false"), "{stdout}");
}

#[test]
fn cli_bad_files_exit_2_with_the_path_and_position() {
    for (name, needle) in [
        ("bad_syntax.json", "line 3, column"),
        ("missing_referent.json", "object 1 refers to object 2"),
        ("no_such_file.json", "cannot read"),
    ] {
        let path = data(name);
        for sub in ["collect", "stats"] {
            let (code, _, stderr) = run(&[sub, path.to_str().unwrap()]);
            assert_eq!(code, 2, "{sub} {name}: {stderr}");
            assert!(stderr.contains(name) && stderr.contains(needle), "{stderr}");
        }
    }
}

#[test]
fn cli_stats_and_dot_describe_the_fixture() {
    let path = data("two_cycles.json");
    let (code, stdout, stderr) = run(&["stats", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("6 objects, 7 references"), "{stdout}");
    assert!(
        stdout.contains("cycles (strongly connected components of > 1 object, or self-loops): 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unreachable: 3 objects in 1 weakly connected components"),
        "{stdout}"
    );
    let dir = std::env::temp_dir().join(format!("gclab-snapshot-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("only.dot");
    let (code, _, stderr) = run(&[
        "dot",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--only-unreachable",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let dot = std::fs::read_to_string(&out).unwrap();
    assert_eq!(dot.matches("color = red").count(), 3, "{dot}");
    assert!(!dot.contains("tuple"), "6 is reachable: {dot}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_stats_and_collect_handle_a_long_ring_without_recursion() {
    // Recursion once per node (as petgraph 0.8's tarjan_scc does) would overflow the
    // main thread's stack on this ring.
    let n = 100_000u64;
    let objects = (0..n)
        .map(|i| obj(i + 1, "node", 1, &[(i + 1) % n + 1]))
        .collect();
    let dir = std::env::temp_dir().join(format!("gclab-ring-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ring.json");
    std::fs::write(&file, Snapshot::new(objects).to_json_string()).unwrap();
    let (code, stdout, stderr) = run(&["stats", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("{n} objects in 1 weakly connected components")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("largest: {n} objects (unreachable)")),
        "{stdout}"
    );
    let (code, stdout, stderr) = run(&["collect", "--json", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["unreachable"].as_array().unwrap().len(), n as usize);
    assert!(
        v.get("agree").is_none(),
        "no expectation, no verdict: {stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `text` with `BAD` replaced by the bytes 0xff 0xfe (never valid in UTF-8).
fn with_bad_bytes(text: &str) -> Vec<u8> {
    let at = text.find("BAD").unwrap();
    let mut bytes = text.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(&text.as_bytes()[at + 3..]);
    bytes
}

#[test]
fn cli_refuses_invalid_utf8_with_its_position() {
    // The inputs of the core crate's invalid_utf8_inside_ignored_fields_is_refused_with_
    // its_position (tests/suite/snapshot.rs), through the binary.
    let cases: [(Vec<u8>, usize, usize); 5] = [
        (
            with_bad_bytes(
                "{\"format\": \"gclab-snapshot/1\",\n \"comment\": \"xBAD\",\n \"objects\": []}",
            ),
            2,
            15,
        ),
        (
            with_bad_bytes(
                "{\"format\": \"gclab-snapshot/1\", \"objects\": [\n  {\"id\": 1, \"type\": \"list\", \"refcount\": 1, \"repr\": \"[BAD]\"}]}",
            ),
            2,
            54,
        ),
        (
            with_bad_bytes(
                "{\"format\": \"gclab-snapshot/1\",\n\"producer\": {\"a\": [1, {\"BAD\": 2}]}, \"objects\": []}",
            ),
            2,
            25,
        ),
        (
            with_bad_bytes(
                "{\"format\": \"gclab-snapshot/1\", \"objects\": [\n{\"id\": 1, \"type\": \"liBAD\", \"refcount\": 1}]}",
            ),
            2,
            22,
        ),
        (
            b"{\"format\": \"gclab-snapshot/1\", \"objects\": [], \"x\": \"\xc3".to_vec(),
            1,
            53,
        ),
    ];
    let dir = std::env::temp_dir().join(format!("gclab-utf8-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (bytes, line, column) in cases {
        let file = dir.join(format!("bad_utf8_{line}_{column}.json"));
        std::fs::write(&file, bytes).unwrap();
        let (code, _, stderr) = run(&["collect", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("line {line}, column {column}")) && stderr.contains("UTF-8"),
            "{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
