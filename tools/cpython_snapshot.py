#!/usr/bin/env python3
"""Dump a real CPython heap as a ``gclab-snapshot/1`` JSON file.

Standard library only; written for and verified on CPython 3.11 (it runs on
other 3.x versions, but the reference-count correction below is checked at
run time and the script refuses to run if it does not hold).

Usage
-----
    python3 tools/cpython_snapshot.py --scenario NAME [--seed S] [--size K] [--out FILE]
    python3 tools/cpython_snapshot.py --stdlib [--scenario NAME] [--time-collect] [--out FILE]
    python3 tools/cpython_snapshot.py --list-scenarios

Without ``--out`` the snapshot is written to stdout.  Diagnostics go to stderr.

Output format (one JSON object)::

    {"format": "gclab-snapshot/1",
     "objects": [{"id": 140, "type": "list", "refcount": 2, "referents": [141, 141]}, ...],
     "expected_unreachable": [141, ...],
     "cpython_collect_ns": T,          # only with --time-collect
     "cpython_collect_objects": N}     # only with --time-collect

* ``objects`` are all objects tracked by CPython's cyclic GC (``gc.get_objects()``,
  i.e. generations 0..2; the permanent generation is empty because nothing calls
  ``gc.freeze()``).
* ``id`` is ``id(o)``; ``type`` is ``type(o).__qualname__`` (prefixed with the
  module for non-builtin types), only a label.
* ``refcount`` is the object's true total reference count (``sys.getrefcount``
  corrected for the dumper's own references, see ``_take_snapshot``).  It
  includes references from objects outside the snapshot (untracked objects,
  C globals, interpreter frames), which are the "external" references.
* ``referents`` lists, with multiplicity, the snapshot objects that
  ``gc.get_referents(o)`` returns -- the same ``tp_traverse`` the collector uses.
  References to untracked objects are omitted (the collector ignores them too).
* ``expected_unreachable`` are the ids that CPython's own full ``gc.collect()``
  found unreachable right after the snapshot was taken (run with
  ``gc.DEBUG_SAVEALL`` so the objects are kept in ``gc.garbage`` and their ids
  stay valid).

The invariant, checked by ``tools/check_snapshot.py``: plain trial deletion
over the snapshot (external = refcount - internal references; objects with a
positive external count are roots; everything reachable from a root survives)
finds exactly ``expected_unreachable``.  It has been verified for every
scenario, alone and on top of ``--stdlib``.

Method
------
1. ``gc.disable()``; optionally import ~590 standard-library modules (``--stdlib``:
   a fixed list plus the submodules of the main packages; ~70,000 objects).
2. ``gc.collect()`` so the heap holds no garbage yet.
3. Build the scenario.  Scenario builders are functions; their locals die on
   return, so only what is kept in the module-level list ``_KEEP`` stays alive.
4. ``objs = gc.get_objects()``; pass 1 reads every refcount (nothing created
   by the dumper references any snapshot object at that time, apart from the
   three references subtracted); pass 2 reads the referents (temporaries made
   here no longer matter, the refcounts are already recorded) and renders
   every record to a JSON string at once, so the records are strs and ints
   only and hold no reference to any snapshot object (finally joined into a
   single string, so they add nothing for the timed collection to traverse).
5. Drop ``objs`` and the loop variables, ``gc.set_debug(gc.DEBUG_SAVEALL)``,
   ``gc.collect()`` (timed with ``--time-collect``), read ``id()`` of every
   object in ``gc.garbage``.  Every garbage id is checked to be in the snapshot
   with the same type label (guards against id reuse and against garbage made
   by the dumper itself); any mismatch is a fatal error.

Limitations
-----------
* Scenarios avoid ``__del__``: finalizers may resurrect objects, and CPython's
  verdict would then differ from plain trial deletion.  The ``--stdlib`` heap
  is collected before the snapshot, so it contributes no garbage.
* ``cpython_collect_ns`` is the time of a collection with ``DEBUG_SAVEALL``:
  unreachable objects are appended to ``gc.garbage`` instead of being freed,
  so deallocation time is not included.  ``cpython_collect_objects`` is the
  number of tracked objects at the time of that collection (the snapshot's
  objects plus a handful of the dumper's own containers).
* Must run single-threaded: no scenario or imported module starts threads.
"""

import argparse
import gc
import json
import random
import sys
import time
import warnings

FORMAT = "gclab-snapshot/1"

# Live data of the scenarios; a module-level name, so it survives collection.
_KEEP = []


# ---------------------------------------------------------------------------
# Scenario classes (module level, so the classes themselves are live)
# ---------------------------------------------------------------------------

class Plain:
    """A plain class; instances get attributes assigned by the scenarios."""


class DNode:
    """Doubly linked list node."""

    def __init__(self, value):
        self.value = value
        self.prev = None
        self.next = None


# ---------------------------------------------------------------------------
# Scenarios.  Each takes (rng, size), builds garbage and/or live data, and
# returns nothing; only _KEEP keeps data alive.
# ---------------------------------------------------------------------------

def sc_none(rng, size):
    """Nothing: the snapshot is the bare interpreter heap."""


def sc_self_list(rng, size):
    """Lists that contain themselves (garbage), one live self-list."""
    for _ in range(size):
        lst = []
        lst.append(lst)
    keep = []
    keep.append(keep)
    keep.append(keep)          # two references to itself: multiplicity
    _KEEP.append(keep)


def sc_dict_cycles(rng, size):
    """Rings of dicts referring to each other; a few rings kept alive."""
    for i in range(size):
        ring = [{"i": i, "k": k} for k in range(rng.randint(1, 5))]
        for a, b in zip(ring, ring[1:] + ring[:1]):
            a["next"] = b
            if rng.random() < 0.5:
                b["prev"] = a
        if i % 4 == 0:
            _KEEP.append(ring[0])


def _make_instance_cycles(rng, size, cls, keep):
    for i in range(size):
        a, b, c = cls(), cls(), cls()
        a.partner, b.partner = b, a
        a.third = c
        c.back = a if rng.random() < 0.5 else b
        c.payload = [i, (i, str(i))]
        if keep and i % 5 == 0:
            _KEEP.append(c)


def sc_instance_cycles(rng, size):
    """Instances of a plain class referring to each other via attributes.

    Also builds cycles of instances of a class defined inside the function and
    then dropped, so the class object itself (type, mro tuple, dict,
    descriptors) becomes cyclic garbage as well.
    """
    _make_instance_cycles(rng, size, Plain, keep=True)

    class Throwaway:
        pass

    _make_instance_cycles(rng, size, Throwaway, keep=False)


def sc_closure_cycle(rng, size):
    """Closures that refer to themselves through their own cell."""
    def make(i):
        def f():
            return f, i
        return f

    for i in range(size):
        make(i)                 # f -> closure tuple -> cell -> f, dropped
    _KEEP.append(make(-1))      # one kept alive


def sc_garbage_off_garbage(rng, size):
    """A garbage cycle reachable only from another garbage cycle."""
    for i in range(size):
        inner_a, inner_b = {"i": i}, {"i": -i}
        inner_a["o"], inner_b["o"] = inner_b, inner_a
        outer_a = [inner_a]
        outer_b = [outer_a]
        outer_a.append(outer_b)
        # A third level: a self-cycle hanging off the inner cycle.
        leaf = []
        leaf.append(leaf)
        inner_b["leaf"] = leaf


def sc_garbage_into_live(rng, size):
    """Garbage cycles pointing into live data held by a module-level name."""
    live = [[j] for j in range(max(1, size))]
    _KEEP.append(live)
    for i in range(size):
        a, b = [], []
        a.append(b)
        b.append(a)
        a.append(live[rng.randrange(len(live))])
        b.append(live)


def sc_random_lists(rng, size):
    """Random graphs of lists with random edges, some kept from a global.

    ``size`` clusters of 20 lists; every list gets 0..3 random edges, each to
    a random list of its own cluster (90%) or of any earlier cluster (10%);
    self edges and parallel edges occur.  About 30% of the clusters have one
    list kept alive from _KEEP (so whatever it reaches survives, including
    parts of earlier clusters); the rest is dropped.  Acyclic parts of dropped
    clusters are freed by reference counting at once; the cyclic remainder is
    the garbage the collector must find.
    """
    csize = 20
    nodes = []
    for c in range(max(1, size)):
        base = len(nodes)
        nodes.extend([] for _ in range(csize))
        for i in range(base, base + csize):
            for _ in range(rng.randint(0, 3)):
                if c and rng.random() < 0.1:
                    target = rng.randrange(base)
                else:
                    target = base + rng.randrange(csize)
                nodes[i].append(nodes[target])
        if rng.random() < 0.3:
            _KEEP.append(nodes[base + rng.randrange(csize)])


def sc_doubly_linked(rng, size):
    """Doubly linked lists of class instances; one kept alive, one dropped."""
    for keep in (True, False):
        head = prev = DNode(0)
        for i in range(1, max(2, 10 * size)):
            node = DNode(i)
            node.prev = prev
            prev.next = node
            prev = node
        if keep:
            _KEEP.append(head)


SCENARIOS = {
    "none": sc_none,
    "self_list": sc_self_list,
    "dict_cycles": sc_dict_cycles,
    "instance_cycles": sc_instance_cycles,
    "closure_cycle": sc_closure_cycle,
    "garbage_off_garbage": sc_garbage_off_garbage,
    "garbage_into_live": sc_garbage_into_live,
    "random_lists": sc_random_lists,
    "doubly_linked": sc_doubly_linked,
}
SCENARIO_NAMES = list(SCENARIOS) + ["all"]


def build_scenario(name, seed, size):
    """Build scenario ``name`` (or every scenario for ``all``)."""
    names = [n for n in SCENARIOS if n != "none"] if name == "all" else [name]
    for n in names:
        # One generator per scenario, so "all" builds exactly what the
        # individual scenarios build for the same seed.
        SCENARIOS[n](random.Random(f"{seed}:{n}"), size)


# ---------------------------------------------------------------------------
# Standard-library heap
# ---------------------------------------------------------------------------

STDLIB_MODULES = """
__future__ abc argparse array ast asyncio asyncio.subprocess base64 bdb binascii
bisect bz2 cProfile calendar cmath cmd code codecs codeop collections
collections.abc colorsys compileall concurrent.futures configparser contextlib
contextvars copy copyreg csv ctypes ctypes.util curses dataclasses datetime
dbm dbm.dumb decimal difflib dis doctest email email.generator email.header
email.message email.mime.application email.mime.multipart email.mime.text
email.parser email.policy email.utils encodings.idna enum errno faulthandler
fcntl filecmp fileinput fnmatch fractions ftplib functools getopt getpass
gettext glob graphlib grp gzip hashlib heapq hmac html html.parser http
http.client http.cookiejar http.cookies http.server imaplib importlib
importlib.metadata importlib.resources importlib.util inspect io ipaddress
itertools json json.decoder keyword linecache locale logging logging.config
logging.handlers lzma mailbox marshal math mimetypes mmap modulefinder
multiprocessing multiprocessing.pool netrc numbers opcode operator optparse os
pathlib pdb pickle pickletools pkgutil platform plistlib poplib posixpath
pprint profile pstats pty pwd py_compile pyclbr pydoc pyexpat queue quopri
random re reprlib resource rlcompleter runpy sched secrets select selectors
shelve shlex shutil signal smtplib socket socketserver sqlite3 ssl stat
statistics string stringprep struct subprocess symtable sysconfig syslog
tabnanny tarfile tempfile termios textwrap threading timeit token tokenize
tomllib trace traceback tracemalloc tty types typing unicodedata unittest
unittest.mock urllib.error urllib.parse urllib.request urllib.robotparser uuid
venv warnings wave weakref webbrowser wsgiref.simple_server wsgiref.util
xml.dom.minidom xml.dom.pulldom xml.etree.ElementTree xml.sax xml.sax.saxutils
xmlrpc.client xmlrpc.server zipapp zipfile zipimport zlib zoneinfo
""".split()

# Never imported: GUI, test suites, side effects on import.
STDLIB_EXCLUDED = {"tkinter", "turtle", "turtledemo", "idlelib", "test",
                   "antigravity", "this", "readline"}


# Packages whose submodules are imported as well (pkgutil.walk_packages).
STDLIB_PACKAGES = """
asyncio collections concurrent ctypes curses dbm distutils email encodings
html http importlib json lib2to3 logging multiprocessing pydoc_data sqlite3
unittest urllib wsgiref xml xmlrpc zoneinfo
""".split()


def _skip_module(name):
    parts = name.split(".")
    if parts[0] in STDLIB_EXCLUDED:
        return True
    # Never run __main__ modules; never import test suites.
    return any(p == "__main__" or p in ("test", "tests") or p.startswith("test_")
               for p in parts)


def _stdlib_module_names():
    """The module names to import for --stdlib, deterministic order."""
    import importlib
    import pkgutil
    names = list(STDLIB_MODULES)
    for pkg in STDLIB_PACKAGES:
        try:
            mod = importlib.import_module(pkg)
        except Exception:
            continue
        path = getattr(mod, "__path__", None)
        if path is None:
            continue
        names.extend(sorted(info.name for info in
                            pkgutil.iter_modules(path, pkg + ".")))
        # One level deeper (e.g. email.mime.*, xml.etree.*, lib2to3.fixes.*).
        for info in sorted(pkgutil.iter_modules(path, pkg + "."),
                           key=lambda i: i.name):
            if info.ispkg and not _skip_module(info.name):
                try:
                    sub = importlib.import_module(info.name)
                except Exception:
                    continue
                names.extend(sorted(i.name for i in pkgutil.iter_modules(
                    getattr(sub, "__path__", []), info.name + ".")))
    seen = set()
    return [n for n in names
            if not (n in seen or seen.add(n)) and not _skip_module(n)]


def import_stdlib():
    """Import the standard-library modules; returns (ok, failed) counts.

    Windows-only or optional modules that fail to import are skipped (listed
    on stderr).  Nothing is run: __main__ modules and test suites are never
    imported, nor GUI modules (tkinter, turtle, idlelib) nor ones with side
    effects on import (antigravity, this) nor readline.
    """
    import importlib
    ok = 0
    failed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in _stdlib_module_names():
            try:
                importlib.import_module(name)
                ok += 1
            except BaseException as exc:  # missing optional/Windows modules
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failed.append(f"{name} ({type(exc).__name__})")
    if failed:
        print(f"cpython_snapshot: could not import {len(failed)} modules: "
              + ", ".join(failed), file=sys.stderr)
    return ok, len(failed)


# ---------------------------------------------------------------------------
# The snapshot
# ---------------------------------------------------------------------------

# References that the dumper itself holds on every object while pass 1 calls
# sys.getrefcount(o) (verified by check_refcount_correction() at start-up):
#   1. the list returned by gc.get_objects() (it holds one reference to each
#      object; the list does not contain itself),
#   2. the loop variable ``o`` (a fast local of _take_snapshot),
#   3. the argument of sys.getrefcount: on 3.11 the caller's value stack holds
#      its own strong reference to ``o`` while the call runs.
DUMPER_REFS = 3


def _measure_one(target):
    """Read a refcount exactly the way pass 1 of _take_snapshot does."""
    getrefcount = sys.getrefcount
    objs = gc.get_objects()
    rcs = []
    for o in objs:
        rcs.append(getrefcount(o) - DUMPER_REFS)
    for o, rc in zip(objs, rcs):
        if o is target:
            return rc
    raise RuntimeError("probe object is not tracked")


def check_refcount_correction():
    """Verify DUMPER_REFS on objects with known true reference counts."""
    # True counts while _measure_one(x) runs: its parameter 'target' holds one
    # reference (the caller's stack slot is moved into it, not copied).
    probe = []                      # 'probe' local + 2 in holder + target = 4
    holder = [probe, probe]         # 'holder' local + target = 2
    got_probe = _measure_one(probe)
    got_holder = _measure_one(holder)
    if (got_probe, got_holder) != (4, 2):
        raise SystemExit(
            "cpython_snapshot: refcount correction does not hold on this "
            f"interpreter ({sys.version.split()[0]}): measured {got_probe}/"
            f"{got_holder}, expected 4/2; adjust DUMPER_REFS")


def _type_label(tp):
    # type.__getattribute__ bypasses any metaclass __getattribute__, so no
    # Python code of the heap's own classes runs while the snapshot is taken.
    try:
        qual = type.__getattribute__(tp, "__qualname__")
    except Exception:
        qual = None
    if not isinstance(qual, str):
        qual = tp.__name__ if isinstance(tp.__name__, str) else "?"
    try:
        mod = type.__getattribute__(tp, "__module__")
    except Exception:
        mod = None
    if not isinstance(mod, str) or mod == "builtins":
        return qual
    return f"{mod}.{qual}"


def _take_snapshot(time_collect):
    """Return (body, count, unreachable_ids, collect_ns, collect_objects).

    ``body`` is the JSON text of all object records (one string), ``count``
    their number.  Must be called with automatic collection disabled.
    """
    getrefcount = sys.getrefcount
    get_referents = gc.get_referents
    dumps = json.dumps

    objs = gc.get_objects()
    ids = []
    rcs = []
    # Pass 1: refcounts.  Apart from the DUMPER_REFS references nothing the
    # dumper created (ids, rcs, ints) refers to any snapshot object.
    for o in objs:
        rcs.append(getrefcount(o) - DUMPER_REFS)
        ids.append(id(o))

    # Pass 2: referents and type labels, rendered straight to strings.
    # Temporaries here do reference snapshot objects, which no longer matters.
    idset = set(ids)
    type_json = {}          # id(type) -> JSON string; ints as keys, no refs
    type_by_id = {}         # object id -> type label (for the garbage check)
    records = []
    for i, o in enumerate(objs):
        tp = type(o)
        tkey = id(tp)
        tj = type_json.get(tkey)
        if tj is None:
            tj = type_json[tkey] = dumps(_type_label(tp))
        refs = [str(x) for x in map(id, get_referents(o)) if x in idset]
        oid = ids[i]
        type_by_id[oid] = tj
        records.append(
            f'{{"id": {oid}, "type": {tj}, "refcount": {rcs[i]}, '
            f'"referents": [{", ".join(refs)}]}}')
    # Drop every reference the dumper holds on snapshot objects.
    del objs, o, tp, refs
    # Leave no big traversable container behind either: the timed collection
    # should examine the snapshot's objects, not e.g. 10^5 record strings in
    # a list or 10^5 ints in a set.  (type_by_id maps ints to strs, so CPython
    # keeps that dict untracked.)
    count = len(records)
    body = ",\n  ".join(records)
    del ids, rcs, idset, records, type_json

    gc.set_debug(gc.DEBUG_SAVEALL)
    collect_objects = len(gc.get_objects()) if time_collect else None
    t0 = time.perf_counter_ns()
    gc.collect()
    t1 = time.perf_counter_ns()
    gc.set_debug(0)

    garbage = gc.garbage
    unreachable = []
    problems = []
    for g in garbage:
        gid = id(g)
        tj = type_by_id.get(gid)
        if tj is None:
            problems.append(f"garbage object {gid} ({type(g).__name__}) "
                            "is not in the snapshot")
        elif tj != dumps(_type_label(type(g))):
            problems.append(f"garbage object {gid} has type "
                            f"{_type_label(type(g))}, snapshot says {tj}")
        unreachable.append(gid)
    g = None
    garbage.clear()
    if problems:
        raise SystemExit("cpython_snapshot: inconsistent collection:\n  "
                         + "\n  ".join(problems[:20]))
    return body, count, unreachable, t1 - t0, collect_objects


def render(body, unreachable, collect_ns=None, collect_objects=None):
    """Assemble the snapshot JSON text from the pre-rendered object records."""
    parts = ['{"format": "gclab-snapshot/1",\n "objects": [\n  ',
             body,
             "\n ],\n \"expected_unreachable\": [",
             ", ".join(map(str, unreachable)), "]"]
    if collect_ns is not None:
        parts.append(f',\n "cpython_collect_ns": {collect_ns}'
                     f',\n "cpython_collect_objects": {collect_objects}')
    parts.append("}\n")
    return "".join(parts)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Dump the CPython heap as a gclab-snapshot/1 JSON file.")
    p.add_argument("--scenario", help="scenario to build (see --list-scenarios)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--size", type=int, default=10,
                   help="scale factor of the scenario (default 10)")
    p.add_argument("--out", help="output file (default: stdout)")
    p.add_argument("--list-scenarios", action="store_true",
                   help="print the scenario names and exit")
    p.add_argument("--stdlib", action="store_true",
                   help="import ~590 standard-library modules first (large heap)")
    p.add_argument("--time-collect", action="store_true",
                   help="record CPython's gc.collect() time as cpython_collect_ns")
    args = p.parse_args(argv)
    if args.list_scenarios:
        return p, args
    if args.scenario is None and not args.stdlib:
        p.error("one of --scenario, --stdlib or --list-scenarios is required")
    if args.scenario is not None and args.scenario not in SCENARIO_NAMES:
        p.error(f"unknown scenario {args.scenario!r}; choose from: "
                + ", ".join(SCENARIO_NAMES))
    if args.size < 0:
        p.error(f"--size must be >= 0, got {args.size}")
    return p, args


def main(argv=None):
    parser, args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list_scenarios:
        print("\n".join(SCENARIO_NAMES))
        return 0

    gc.disable()
    if gc.get_freeze_count():
        raise SystemExit("cpython_snapshot: frozen objects present; refusing")
    if args.stdlib:
        ok, failed = import_stdlib()
        print(f"cpython_snapshot: imported {ok} stdlib modules "
              f"({failed} failed)", file=sys.stderr)
    out = open(args.out, "w") if args.out else None  # opened before the snapshot
    check_refcount_correction()
    gc.collect()
    if gc.garbage:
        raise SystemExit("cpython_snapshot: gc.garbage not empty before start")
    if args.scenario:
        build_scenario(args.scenario, args.seed, args.size)

    body, count, unreachable, ns, nobj = _take_snapshot(args.time_collect)
    text = render(body, unreachable,
                  ns if args.time_collect else None, nobj)
    if out is not None:
        with out:
            out.write(text)
    else:
        sys.stdout.write(text)
    print(f"cpython_snapshot: {count} objects, {len(unreachable)} "
          "unreachable" + (f", gc.collect() {ns} ns ({nobj} tracked objects, "
                           f"{ns / max(1, nobj):.1f} ns/object)"
                           if args.time_collect else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
