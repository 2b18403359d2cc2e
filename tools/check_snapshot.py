#!/usr/bin/env python3
"""Validate a ``gclab-snapshot/1`` file and re-run trial deletion on it.

Standard library only.

Usage
-----
    python3 tools/check_snapshot.py SNAPSHOT.json     # '-' reads stdin

Validation (exit code 2 on a malformed file, naming the offending object):
  * top level is an object whose ``format`` is ``"gclab-snapshot/1"``;
  * every object has an integer ``id`` (unique), an integer ``refcount``, a
    string ``type`` and a list of integer ``referents``;
  * every referent and every ``expected_unreachable`` id is an object of the
    snapshot;
  * no external count is negative: for every object,
    ``refcount - (number of references to it from snapshot objects) >= 0``.

Then the trial-deletion collection the Rust side implements is run over all
objects, iteratively (no recursion, so 10^5+ objects are fine):
  1. external(o) = refcount(o) - internal references to o;
  2. the objects with external(o) > 0 are roots;
  3. everything reachable from a root (following referents) survives;
  4. the rest is unreachable.
The result is compared with ``expected_unreachable``.  Prints
``agree: N objects, M unreachable`` and exits 0, or prints the differences
and exits 1.
"""

import argparse
import json
import sys

FORMAT = "gclab-snapshot/1"


class SnapshotError(Exception):
    """The snapshot file is malformed."""


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def load(path):
    """Read and parse a snapshot file ('-' for stdin)."""
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: invalid JSON: {exc}") from None


def validate(snap):
    """Check the structure; return (ids, refcounts, referents-as-indices, expected).

    ``referents`` are converted to positions in the ``objects`` array.
    Raises SnapshotError naming the offending object.
    """
    if not isinstance(snap, dict):
        raise SnapshotError("top level is not a JSON object")
    fmt = snap.get("format")
    if fmt != FORMAT:
        raise SnapshotError(f"format is {fmt!r}, expected {FORMAT!r}")
    objects = snap.get("objects")
    if not isinstance(objects, list):
        raise SnapshotError("'objects' is missing or not a list")
    expected = snap.get("expected_unreachable")
    if not isinstance(expected, list):
        raise SnapshotError("'expected_unreachable' is missing or not a list")

    index = {}
    ids = []
    refcounts = []
    for pos, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise SnapshotError(f"objects[{pos}] is not a JSON object")
        oid = obj.get("id")
        if not _is_int(oid):
            raise SnapshotError(f"objects[{pos}] has no integer 'id'")
        if oid in index:
            raise SnapshotError(f"duplicate id {oid} (objects[{index[oid]}] "
                                f"and objects[{pos}])")
        index[oid] = pos
        ids.append(oid)
        rc = obj.get("refcount")
        if not _is_int(rc) or rc < 0:
            raise SnapshotError(f"object {oid}: 'refcount' must be a "
                                f"non-negative integer, got {rc!r}")
        refcounts.append(rc)
        if not isinstance(obj.get("type"), str):
            raise SnapshotError(f"object {oid}: 'type' must be a string")
        if not isinstance(obj.get("referents"), list):
            raise SnapshotError(f"object {oid}: 'referents' must be a list")

    referents = []
    internal = [0] * len(objects)
    for pos, obj in enumerate(objects):
        out = []
        for r in obj["referents"]:
            if not _is_int(r):
                raise SnapshotError(f"object {ids[pos]}: referent {r!r} is "
                                    "not an integer")
            t = index.get(r)
            if t is None:
                raise SnapshotError(f"object {ids[pos]}: referent {r} is not "
                                    "an object of the snapshot")
            out.append(t)
            internal[t] += 1
        referents.append(out)

    for pos in range(len(objects)):
        ext = refcounts[pos] - internal[pos]
        if ext < 0:
            raise SnapshotError(
                f"object {ids[pos]} ({objects[pos]['type']}): negative external "
                f"count {ext} (refcount {refcounts[pos]}, {internal[pos]} "
                "references from inside the snapshot)")

    exp = set()
    for e in expected:
        if not _is_int(e):
            raise SnapshotError(f"expected_unreachable entry {e!r} is not an integer")
        if e not in index:
            raise SnapshotError(f"expected_unreachable id {e} is not an object "
                                "of the snapshot")
        if e in exp:
            raise SnapshotError(f"expected_unreachable lists id {e} twice")
        exp.add(e)
    return ids, refcounts, referents, internal, exp


def trial_deletion(refcounts, referents, internal=None):
    """Return the set of positions found unreachable (iterative)."""
    n = len(refcounts)
    if internal is None:
        internal = [0] * n
        for out in referents:
            for t in out:
                internal[t] += 1
    reachable = bytearray(n)
    stack = []
    for i in range(n):
        if refcounts[i] - internal[i] > 0:
            reachable[i] = 1
            stack.append(i)
    while stack:
        i = stack.pop()
        for t in referents[i]:
            if not reachable[t]:
                reachable[t] = 1
                stack.append(t)
    return {i for i in range(n) if not reachable[i]}


def check(snap, out=sys.stdout, limit=20):
    """Validate and compare; return True on agreement.  Raises SnapshotError."""
    ids, refcounts, referents, internal, expected = validate(snap)
    objects = snap["objects"]
    found = {ids[i] for i in trial_deletion(refcounts, referents, internal)}
    if found == expected:
        print(f"agree: {len(ids)} objects, {len(found)} unreachable", file=out)
        return True
    pos = {oid: i for i, oid in enumerate(ids)}
    extra = sorted(found - expected)       # we say unreachable, CPython not
    missing = sorted(expected - found)     # CPython says unreachable, we not
    print(f"DISAGREE: {len(ids)} objects; trial deletion finds {len(found)} "
          f"unreachable, CPython found {len(expected)}", file=out)
    for title, lst in (("unreachable here but live in CPython", extra),
                       ("unreachable in CPython but live here", missing)):
        if not lst:
            continue
        print(f"  {len(lst)} {title}:", file=out)
        for oid in lst[:limit]:
            o = objects[pos[oid]]
            print(f"    {oid} {o['type']} refcount={o['refcount']} "
                  f"internal={internal[pos[oid]]}", file=out)
        if len(lst) > limit:
            print(f"    ... {len(lst) - limit} more", file=out)
    return False


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Validate a gclab-snapshot/1 file and check that trial "
                    "deletion agrees with CPython's expected_unreachable.")
    p.add_argument("snapshot", help="snapshot file ('-' for stdin)")
    p.add_argument("--limit", type=int, default=20,
                   help="differences to print per kind (default 20)")
    args = p.parse_args(argv)
    try:
        snap = load(args.snapshot)
        ok = check(snap, limit=args.limit)
    except SnapshotError as exc:
        print(f"invalid snapshot: {exc}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
