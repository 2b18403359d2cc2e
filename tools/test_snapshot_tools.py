"""Tests for tools/cpython_snapshot.py and tools/check_snapshot.py.

Run from the repository root:
    python3 -m unittest discover -s tools -p 'test_*.py'

Every dump runs in a fresh interpreter (subprocess), as the real tool does.
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import check_snapshot  # noqa: E402
import cpython_snapshot  # noqa: E402

DUMPER = os.path.join(HERE, "cpython_snapshot.py")
CHECKER = os.path.join(HERE, "check_snapshot.py")


def dump(*args):
    """Run the dumper; return the parsed snapshot."""
    proc = subprocess.run([sys.executable, DUMPER, *args],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"dumper failed ({proc.returncode}): {proc.stderr}")
    return json.loads(proc.stdout)


def check(snap):
    out = io.StringIO()
    ok = check_snapshot.check(snap, out=out)
    return ok, out.getvalue()


class ScenarioAgreement(unittest.TestCase):
    """Trial deletion on the dump finds exactly what gc.collect() found."""

    def test_every_scenario_agrees(self):
        for name in cpython_snapshot.SCENARIO_NAMES:
            for seed in (0, 1):
                with self.subTest(scenario=name, seed=seed):
                    snap = dump("--scenario", name, "--seed", str(seed),
                                "--size", "5")
                    ok, msg = check(snap)
                    self.assertTrue(ok, msg)
                    self.assertTrue(msg.startswith("agree: "), msg)
                    if name != "none":
                        self.assertGreater(len(snap["expected_unreachable"]), 0,
                                           f"{name} produced no garbage")

    def test_scenarios_are_deterministic_in_garbage_count(self):
        a = dump("--scenario", "random_lists", "--seed", "3", "--size", "8")
        b = dump("--scenario", "random_lists", "--seed", "3", "--size", "8")
        self.assertEqual(len(a["expected_unreachable"]),
                         len(b["expected_unreachable"]))

    def test_stdlib_heap_agrees_and_is_timed(self):
        snap = dump("--stdlib", "--scenario", "all", "--size", "3",
                    "--time-collect")
        ok, msg = check(snap)
        self.assertTrue(ok, msg)
        self.assertGreater(len(snap["objects"]), 20000)
        self.assertGreater(snap["cpython_collect_ns"], 0)
        self.assertGreaterEqual(snap["cpython_collect_objects"],
                                len(snap["objects"]))

    def test_known_structure_of_self_list(self):
        snap = dump("--scenario", "self_list", "--size", "3")
        objs = {o["id"]: o for o in snap["objects"]}
        garbage = snap["expected_unreachable"]
        self.assertEqual(len(garbage), 3)
        for gid in garbage:
            o = objs[gid]
            self.assertEqual(o["type"], "list")
            self.assertEqual(o["referents"], [gid])
            self.assertEqual(o["refcount"], 1)
        # The live self-list in _KEEP holds itself twice: multiplicity kept.
        doubles = [o for o in snap["objects"]
                   if o["type"] == "list" and o["referents"] == [o["id"]] * 2]
        self.assertEqual(len(doubles), 1)
        self.assertEqual(doubles[0]["refcount"], 3)   # itself twice + _KEEP

    def test_output_file_and_cli_checker(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "snap.json")
            subprocess.run([sys.executable, DUMPER, "--scenario", "dict_cycles",
                            "--out", path], check=True, capture_output=True)
            proc = subprocess.run([sys.executable, CHECKER, path],
                                  capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertRegex(proc.stdout, r"^agree: \d+ objects, \d+ unreachable")


class DumperCli(unittest.TestCase):

    def run_dumper(self, *args):
        return subprocess.run([sys.executable, DUMPER, *args],
                              capture_output=True, text=True)

    def test_list_scenarios(self):
        proc = self.run_dumper("--list-scenarios")
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout.split(), cpython_snapshot.SCENARIO_NAMES)

    def test_unknown_scenario(self):
        proc = self.run_dumper("--scenario", "nope")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown scenario 'nope'", proc.stderr)

    def test_nothing_requested(self):
        proc = self.run_dumper()
        self.assertEqual(proc.returncode, 2)
        self.assertIn("required", proc.stderr)


def small_snapshot():
    """Objects 1 <-> 2: a garbage cycle.  3 (one external reference) refers
    twice to 4, whose refcount 2 is exactly those two references."""
    return {
        "format": "gclab-snapshot/1",
        "objects": [
            {"id": 1, "type": "list", "refcount": 1, "referents": [2]},
            {"id": 2, "type": "list", "refcount": 1, "referents": [1]},
            {"id": 3, "type": "dict", "refcount": 1, "referents": [4, 4]},
            {"id": 4, "type": "list", "refcount": 2, "referents": []},
        ],
        "expected_unreachable": [1, 2],
    }


class CheckerLogic(unittest.TestCase):

    def test_agrees(self):
        ok, msg = check(small_snapshot())
        self.assertTrue(ok, msg)
        self.assertEqual(msg.strip(), "agree: 4 objects, 2 unreachable")

    def test_disagreement_reported(self):
        snap = small_snapshot()
        snap["expected_unreachable"] = [1]
        ok, msg = check(snap)
        self.assertFalse(ok)
        self.assertIn("DISAGREE", msg)
        self.assertIn("2 list", msg)

    def test_reachability_is_transitive_and_iterative(self):
        # A 200,000-long chain hanging off one root: must not recurse.
        n = 200_000
        # Every object has refcount 1: object 0's reference is external, the
        # others' is the one from their predecessor.
        objs = [{"id": i, "type": "list", "refcount": 1,
                 "referents": [i + 1] if i + 1 < n else []} for i in range(n)]
        snap = {"format": "gclab-snapshot/1", "objects": objs,
                "expected_unreachable": []}
        self.assertTrue(check(snap)[0])
        # Close the chain into a ring: object 0's one reference is now
        # internal, nothing is rooted, the whole ring is garbage.
        objs[-1]["referents"] = [0]
        snap["expected_unreachable"] = list(range(n))
        self.assertTrue(check(snap)[0])

    def assert_rejected(self, snap, *fragments):
        with self.assertRaises(check_snapshot.SnapshotError) as cm:
            check(snap)
        for frag in fragments:
            self.assertIn(frag, str(cm.exception))

    def test_rejects_duplicate_id(self):
        snap = small_snapshot()
        snap["objects"][3]["id"] = 3
        self.assert_rejected(snap, "duplicate id 3")

    def test_rejects_missing_referent(self):
        snap = small_snapshot()
        snap["objects"][2]["referents"] = [4, 99]
        self.assert_rejected(snap, "object 3", "referent 99")

    def test_rejects_negative_external_count(self):
        snap = small_snapshot()
        snap["objects"][3]["refcount"] = 1       # but referenced twice by 3
        self.assert_rejected(snap, "object 4", "negative external count -1")

    def test_rejects_wrong_format(self):
        snap = small_snapshot()
        snap["format"] = "gclab-snapshot/2"
        self.assert_rejected(snap, "format")

    def test_rejects_unknown_expected_id(self):
        snap = small_snapshot()
        snap["expected_unreachable"] = [1, 2, 42]
        self.assert_rejected(snap, "expected_unreachable id 42")

    def test_cli_exit_codes(self):
        with tempfile.TemporaryDirectory() as tmp:
            cases = {"good": (small_snapshot(), 0, "agree: 4 objects"),
                     "bad": (dict(small_snapshot(),
                                  expected_unreachable=[]), 1, "DISAGREE")}
            dup = small_snapshot()
            dup["objects"][1]["id"] = 1
            cases["dup"] = (dup, 2, "duplicate id 1")
            for name, (snap, code, text) in cases.items():
                path = os.path.join(tmp, name + ".json")
                with open(path, "w") as f:
                    json.dump(snap, f)
                proc = subprocess.run([sys.executable, CHECKER, path],
                                      capture_output=True, text=True)
                self.assertEqual(proc.returncode, code, name)
                self.assertIn(text, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
