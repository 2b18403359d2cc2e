//! Differential test against CPython: `tools/cpython_snapshot.py` builds a scenario in a
//! real interpreter, dumps every tracked object as a `gclab-snapshot/1` file and records
//! which objects CPython's own `gc.collect()` found unreachable. gclab imports the
//! snapshot, runs one full collection, and must find exactly the same set.
//!
//! When `python3` is not installed or the dumper is missing, each test prints
//! `SKIPPED: ...` on stderr and returns, except under CI (`CI=true`), where it fails: CI
//! has both (`tests/suite/common.rs`). A dumper that runs and fails is a test failure.

use crate::common;

use std::path::PathBuf;
use std::process::Command;

use gclab::Heap;
use gclab::snapshot::{
    Disagreement, Snapshot, SnapshotExt, TypeLabel, collect_and_report, compare_unreachable,
};

/// The dumper, or `None` (after saying why) when the test cannot run here.
fn dumper() -> Option<PathBuf> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/cpython_snapshot.py");
    let what = "the CPython differential test";
    if !script.is_file() {
        common::skip(what, &format!("{} is missing", script.display()));
        return None;
    }
    if !common::python_installed() {
        common::skip(what, "python3 is not available");
        return None;
    }
    Some(script)
}

/// Runs the dumper with `args` and parses its snapshot.
fn dump(args: &[&str]) -> Option<Snapshot> {
    let script = dumper()?;
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .expect("python3 ran a moment ago");
    assert!(
        out.status.success(),
        "dumper {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot = Snapshot::from_json_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("dumper {args:?} wrote an unreadable snapshot: {e}"));
    assert!(
        snapshot.expected_unreachable.is_some(),
        "dumper {args:?} recorded no expected_unreachable"
    );
    Some(snapshot)
}

/// Imports, collects, and compares gclab's unreachable set with CPython's.
fn differences(snapshot: &Snapshot) -> (Vec<u64>, Disagreement) {
    let mut heap: Heap<TypeLabel> = Heap::from_snapshot(snapshot).expect("snapshot imports");
    let outcome = collect_and_report(&mut heap);
    assert_eq!(
        outcome.report.candidates,
        snapshot.objects.len(),
        "a full collection examines every imported object"
    );
    let expected = snapshot.expected_sorted().unwrap();
    let d = compare_unreachable(&outcome.unreachable, &expected);
    (outcome.unreachable, d)
}

fn assert_agrees(what: &str, snapshot: &Snapshot) {
    let (found, d) = differences(snapshot);
    assert!(
        d.agrees(),
        "{what}: gclab and CPython disagree ({} objects, gclab found {}, CPython {}):\n  \
         only gclab: {:?}\n  only CPython: {:?}",
        snapshot.objects.len(),
        found.len(),
        snapshot.expected_unreachable.as_ref().unwrap().len(),
        &d.only_gclab[..d.only_gclab.len().min(20)],
        &d.only_expected[..d.only_expected.len().min(20)],
    );
}

fn scenario(name: &str, extra: &[&str]) {
    let mut args = vec!["--scenario", name];
    args.extend_from_slice(extra);
    if let Some(snapshot) = dump(&args) {
        assert_agrees(&format!("scenario {name} {extra:?}"), &snapshot);
    }
}

#[test]
fn bare_interpreter_heap_has_no_garbage_in_either() {
    scenario("none", &[]);
}

#[test]
fn self_referencing_lists_agree_with_cpython() {
    scenario("self_list", &[]);
}

#[test]
fn dict_cycles_agree_with_cpython() {
    scenario("dict_cycles", &[]);
}

#[test]
fn instance_cycles_agree_with_cpython() {
    scenario("instance_cycles", &[]);
}

#[test]
fn closure_cycles_agree_with_cpython() {
    scenario("closure_cycle", &[]);
}

#[test]
fn garbage_referenced_only_from_garbage_agrees_with_cpython() {
    scenario("garbage_off_garbage", &[]);
}

#[test]
fn garbage_pointing_into_live_data_agrees_with_cpython() {
    scenario("garbage_into_live", &[]);
}

#[test]
fn random_list_graphs_agree_with_cpython() {
    for seed in ["1", "2", "3", "42"] {
        scenario("random_lists", &["--seed", seed, "--size", "40"]);
    }
}

#[test]
fn doubly_linked_lists_agree_with_cpython() {
    scenario("doubly_linked", &[]);
}

#[test]
fn all_scenarios_together_agree_with_cpython() {
    scenario("all", &["--seed", "7"]);
}

/// The full standard-library heap (~70,000 objects) with every scenario on top.
#[test]
fn stdlib_heap_with_all_scenarios_agrees_with_cpython() {
    if let Some(snapshot) = dump(&["--stdlib", "--scenario", "all"]) {
        assert!(
            snapshot.objects.len() > 20_000,
            "a large heap: {} objects",
            snapshot.objects.len()
        );
        assert_agrees("stdlib + all", &snapshot);
    }
}

/// The comparison can fail: dropping one internal reference from a garbage object to
/// another leaves the target's refcount unchanged, so the target now looks referenced
/// from outside and survives, with everything it reaches.
#[test]
fn perturbed_snapshot_is_caught_as_a_disagreement() {
    let Some(mut snapshot) = dump(&["--scenario", "dict_cycles"]) else {
        return;
    };
    assert_agrees("unperturbed dict_cycles", &snapshot);
    let garbage = snapshot.expected_sorted().unwrap();
    let (holder, target) = snapshot
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| garbage.binary_search(&o.id).is_ok())
        .find_map(|(i, o)| {
            o.referents
                .iter()
                .position(|r| garbage.binary_search(r).is_ok())
                .map(|k| (i, k))
        })
        .expect("dict_cycles has a garbage object referring to garbage");
    let removed = snapshot.objects[holder].referents.remove(target);
    let (_, d) = differences(&snapshot);
    assert!(!d.agrees(), "the perturbation must be detected");
    assert!(
        d.only_expected.contains(&removed),
        "{removed} now survives: {d:?}"
    );
    assert!(d.only_gclab.is_empty(), "{d:?}");
}

/// The other direction: detaching the scenario's live self-list from the list that
/// keeps it (dropping that reference from both the holder's referents and the refcount)
/// makes it garbage to gclab, while CPython kept it.
#[test]
fn detached_live_cycle_is_caught_as_a_disagreement() {
    let Some(mut snapshot) = dump(&["--scenario", "self_list"]) else {
        return;
    };
    let garbage = snapshot.expected_sorted().unwrap();
    let live_self_list = snapshot
        .objects
        .iter()
        .position(|o| {
            garbage.binary_search(&o.id).is_err()
                && !o.referents.is_empty()
                && o.referents.iter().all(|&r| r == o.id)
                && o.refcount == o.referents.len() as u64 + 1
                && &*o.type_label == "list"
        })
        .expect("self_list keeps one self-referencing list alive");
    let id = snapshot.objects[live_self_list].id;
    let holder = snapshot
        .objects
        .iter()
        .position(|o| o.id != id && o.referents.contains(&id))
        .expect("something keeps the live self-list");
    let referents = &mut snapshot.objects[holder].referents;
    let k = referents.iter().position(|&r| r == id).unwrap();
    referents.remove(k);
    snapshot.objects[live_self_list].refcount -= 1;
    let (_, d) = differences(&snapshot);
    assert!(!d.agrees(), "the perturbation must be detected");
    assert_eq!(d.only_gclab, vec![id], "{d:?}");
    assert!(d.only_expected.is_empty(), "{d:?}");
}
