#!/usr/bin/env python3
"""gclab's standard workloads, timed in CPython (for ``gclab-perf --vs-python``).

Standard library only; written for CPython 3.11.

Usage
-----
    python3 benches/cpython_workloads.py --n N [--workloads a,b,...] [--repeat R]
                                       [--gcbench-scale K]
    python3 benches/cpython_workloads.py --list

Output (stdout, nothing else): CSV with the header ``workload,n,phase,ns_per_object``
and one row per (workload, phase), in the order of ``--workloads`` (default:
all, in the order of ``--list``).  ``n`` is always the ``--n`` given, also for
the workloads whose size is fixed (rings21, dag, gcbench) or capped
(young_vs_old); ``ns_per_object`` is a float with two decimals.  Progress and
context (tracked-object count of the bare interpreter, etc.) go to stderr.

Timing: ``time.perf_counter_ns``; automatic collection is disabled
(``gc.disable()``) except inside gcbench; ``gc.collect()`` runs before every
measurement so each starts from a clean heap; every figure is the best
(minimum) of ``--repeat`` runs (default 3), or of at least 50 runs for the
short workloads (young_vs_old, rings21, dag).

Objects are Python lists (a node with one reference is ``[other]``) unless
said otherwise.  Workloads and phases:

dead_cycles      n two-node garbage cycles (a=[]; b=[a]; a.append(b)), names
                 dropped.  collect: one full gc.collect() / 2n.
live             n objects in n/2 two-node cycles, each held from one root
                 list kept by a name.  collect: full gc.collect() (finds
                 nothing) / n.
acyclic_churn    n times: allocate [p] (p a persistent list) and drop it.
                 churn: total / n.
chain            head = [head], n times; then ``del head`` frees the chain by
                 reference counting.  build: / n, drop: / n.
ring             one ring of n lists, names dropped.  collect: full
                 gc.collect() / n.
young_vs_old     an old generation of 10^3 (phase old_1e3) or min(n, 10^6)
                 (phase old_1e6) live objects (two-node cycles held from a
                 root) moved to the oldest generation by gc.collect(); then
                 1,000 new objects (500 two-node garbage cycles) and
                 gc.collect(0) is timed / 1000.
gcbench          Boehm-Ellis-Kovac GCBench (stretch tree depth 18, long-lived
                 tree depth 16 plus an array of 500,000 doubles, temporary
                 trees of depth 4..16 step 2, each built top-down (Populate)
                 and bottom-up (MakeTree), 2*TreeSize(18)/TreeSize(d)
                 iterations per depth), automatic gc ENABLED.  Phases
                 acyclic (node = [left, right]) and parent_pointers (node =
                 [left, right, parent], every tree full of cycles): total time
                 / nodes allocated.  --gcbench-scale K subtracts K from every
                 depth (the minimum temporary depth stays 4 while it is <= the
                 maximum) for quick runs.
rings21          pyperformance gc_collect: 100 rings of 21 doubly linked
                 instances of a class with prev/next, dropped.  collect: full
                 gc.collect() / 2100.
dag              pyperformance gc_traversal: 1,000 lists, level k holding k
                 references to level k-1, all live.  collect: full
                 gc.collect() / 1000 lists; collect_per_edge: same time /
                 499,500 edges.

The interpreter's own heap: a bare ``python3`` running this script already
has about 11-12 thousand tracked objects (modules, functions, classes), and a
full collection examines them all (about 0.8 ms here).  gclab's heaps hold
only the workload's objects, so by default the script calls ``gc.freeze()``
once at start-up: the interpreter's objects move to the permanent generation
and no measurement includes them.  ``--no-freeze`` keeps them in, as
pyperformance does; that changes mostly the small fixed-size workloads
(rings21: 2,100 objects, dag: 1,000 lists), whose figures are then dominated
by the interpreter's heap.  The bare heap's size and full-collection time are
printed on stderr either way.
"""

import argparse
import array
import gc
import sys
import time

now = time.perf_counter_ns


def log(msg):
    print(f"cpython_workloads: {msg}", file=sys.stderr, flush=True)


def clean():
    """Start a measurement from a clean heap, automatic gc off."""
    gc.disable()
    gc.collect()


def timed_collect(generation=2):
    t0 = now()
    gc.collect(generation)
    return now() - t0


# ---------------------------------------------------------------------------
# Workloads.  Each is a function (n, repeat, args) -> list of (phase, ns/obj).
# ---------------------------------------------------------------------------

def make_dead_cycles(n):
    for _ in range(n):
        a = []
        b = [a]
        a.append(b)


def make_live_cycles(pairs):
    root = []
    for _ in range(pairs):
        a = []
        b = [a]
        a.append(b)
        root.append(a)
    return root


def w_dead_cycles(n, repeat, args):
    best = None
    for _ in range(repeat):
        clean()
        make_dead_cycles(n)
        t = timed_collect()
        best = t if best is None else min(best, t)
    return [("collect", best / max(1, 2 * n))]


def w_live(n, repeat, args):
    best = None
    for _ in range(repeat):
        clean()
        root = make_live_cycles(n // 2)
        t = timed_collect()
        best = t if best is None else min(best, t)
        del root
    return [("collect", best / max(1, n))]


def w_acyclic_churn(n, repeat, args):
    best = None
    persistent = []
    for _ in range(repeat):
        clean()
        t0 = now()
        for _ in range(n):
            x = [persistent]
            del x
        t = now() - t0
        best = t if best is None else min(best, t)
    return [("churn", best / max(1, n))]


def w_chain(n, repeat, args):
    best_build = best_drop = None
    for _ in range(repeat):
        clean()
        t0 = now()
        head = None
        for _ in range(n):
            head = [head]
        t1 = now()
        del head
        t2 = now()
        best_build = t1 - t0 if best_build is None else min(best_build, t1 - t0)
        best_drop = t2 - t1 if best_drop is None else min(best_drop, t2 - t1)
    return [("build", best_build / max(1, n)), ("drop", best_drop / max(1, n))]


def make_ring(n):
    tail = [None]
    head = tail
    for _ in range(n - 1):
        head = [head]
    tail[0] = head          # close the ring: tail -> head -> ... -> tail


def w_ring(n, repeat, args):
    best = None
    for _ in range(repeat):
        clean()
        make_ring(max(1, n))
        t = timed_collect()
        best = t if best is None else min(best, t)
    return [("collect", best / max(1, n))]


def w_young_vs_old(n, repeat, args):
    reps = max(repeat, 50)
    rows = []
    for phase, old in (("old_1e3", 1000), ("old_1e6", min(n, 10**6))):
        clean()
        root = make_live_cycles(old // 2)
        gc.collect()                    # survivors move to the oldest generation
        best = None
        for _ in range(reps):
            gc.collect(0)               # young generation empty
            make_dead_cycles(500)       # 1,000 new objects, all garbage
            t = timed_collect(0)
            best = t if best is None else min(best, t)
        rows.append((phase, best / 1000))
        del root
    return rows


# --- GCBench ---------------------------------------------------------------

def tree_size(depth):
    return (1 << (depth + 1)) - 1


def populate(depth, node):
    if depth <= 0:
        return
    depth -= 1
    node[0] = left = [None, None]
    node[1] = right = [None, None]
    populate(depth, left)
    populate(depth, right)


def make_tree(depth):
    if depth <= 0:
        return [None, None]
    return [make_tree(depth - 1), make_tree(depth - 1)]


def populate_pp(depth, node):
    if depth <= 0:
        return
    depth -= 1
    node[0] = left = [None, None, node]
    node[1] = right = [None, None, node]
    populate_pp(depth, left)
    populate_pp(depth, right)


def make_tree_pp(depth):
    if depth <= 0:
        return [None, None, None]
    left = make_tree_pp(depth - 1)
    right = make_tree_pp(depth - 1)
    node = [left, right, None]
    left[2] = node
    right[2] = node
    return node


def gcbench_depths(scale):
    stretch = max(1, 18 - scale)
    long_lived = max(1, 16 - scale)
    max_depth = max(1, 16 - scale)
    min_depth = 4 if max_depth >= 4 else max_depth
    return stretch, long_lived, list(range(min_depth, max_depth + 1, 2))


def gcbench_run(scale, parent_pointers):
    """One GCBench run; returns (elapsed ns, nodes allocated)."""
    populate_f = populate_pp if parent_pointers else populate
    make_f = make_tree_pp if parent_pointers else make_tree
    new_node = ((lambda: [None, None, None]) if parent_pointers
                else (lambda: [None, None]))
    stretch, long_lived_depth, depths = gcbench_depths(scale)
    nodes = 0
    gc.enable()                                  # the real workload
    t0 = now()
    # Stretch the memory space quickly.
    temp = make_f(stretch)
    nodes += tree_size(stretch)
    temp = None
    # A long-lived tree and array, live for the whole benchmark.
    long_lived = new_node()
    populate_f(long_lived_depth, long_lived)
    nodes += tree_size(long_lived_depth)
    arr = array.array("d", (1.0 / i if i else 0.0 for i in range(500000)))
    for d in depths:
        iters = 2 * tree_size(stretch) // tree_size(d)
        for _ in range(iters):                   # top-down
            temp = new_node()
            populate_f(d, temp)
            temp = None
        for _ in range(iters):                   # bottom-up
            temp = make_f(d)
            temp = None
        nodes += 2 * iters * tree_size(d)
    if long_lived is None or arr[1000] != 1.0 / 1000:
        raise AssertionError("GCBench: long-lived data lost")
    elapsed = now() - t0
    gc.disable()
    return elapsed, nodes


def w_gcbench(n, repeat, args):
    rows = []
    for phase, pp in (("acyclic", False), ("parent_pointers", True)):
        best = None
        for _ in range(repeat):
            clean()
            t, nodes = gcbench_run(args.gcbench_scale, pp)
            best = t / nodes if best is None else min(best, t / nodes)
        rows.append((phase, best))
    return rows


# --- pyperformance gc_collect / gc_traversal ------------------------------

class Node:
    def __init__(self):
        self.prev = None
        self.next = None


def create_cycle(node, n_links):
    current = node
    for _ in range(n_links):
        next_node = Node()
        current.next = next_node
        next_node.prev = current
        current = next_node
    current.next = node


def w_rings21(n, repeat, args):
    cycles, links = 100, 20
    best = None
    for _ in range(max(repeat, 50)):
        clean()
        all_cycles = []
        for _ in range(cycles):
            node = Node()
            all_cycles.append(node)
            create_cycle(node, links)
        del all_cycles, node
        t = timed_collect()
        best = t if best is None else min(best, t)
    return [("collect", best / (cycles * (links + 1)))]


def create_recursive_containers(n_levels):
    current = []
    for level in range(n_levels):
        new = [None] * level
        for i in range(level):
            new[i] = current
        current = new
    return current


def w_dag(n, repeat, args):
    levels = 1000
    edges = levels * (levels - 1) // 2
    best = None
    clean()
    top = create_recursive_containers(levels)
    for _ in range(max(repeat, 50)):
        gc.collect()
        t = timed_collect()
        best = t if best is None else min(best, t)
    del top
    return [("collect", best / levels), ("collect_per_edge", best / edges)]


WORKLOADS = {
    "dead_cycles": w_dead_cycles,
    "live": w_live,
    "acyclic_churn": w_acyclic_churn,
    "chain": w_chain,
    "ring": w_ring,
    "young_vs_old": w_young_vs_old,
    "gcbench": w_gcbench,
    "rings21": w_rings21,
    "dag": w_dag,
}


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Time gclab's standard workloads in CPython; CSV on stdout.")
    p.add_argument("--n", type=int, help="workload size (objects)")
    p.add_argument("--workloads", help="comma-separated workload names "
                   "(default: all; see --list)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs per measurement, the best is reported (default 3)")
    p.add_argument("--gcbench-scale", type=int, default=0, metavar="K",
                   help="subtract K from every GCBench tree depth (default 0)")
    p.add_argument("--no-freeze", action="store_true",
                   help="do not gc.freeze() the interpreter's own objects at "
                        "start-up (full collections then examine them too)")
    p.add_argument("--list", action="store_true", help="print workload names")
    args = p.parse_args(argv)
    if args.list:
        return args
    if args.n is None:
        p.error("--n is required")
    if args.n < 2:
        p.error(f"--n must be at least 2, got {args.n}")
    if args.repeat < 1:
        p.error(f"--repeat must be at least 1, got {args.repeat}")
    if not 0 <= args.gcbench_scale <= 15:
        p.error(f"--gcbench-scale must be in 0..15, got {args.gcbench_scale}")
    if args.workloads is None:
        args.workloads = list(WORKLOADS)
    else:
        names = [w.strip() for w in args.workloads.split(",") if w.strip()]
        unknown = [w for w in names if w not in WORKLOADS]
        if unknown or not names:
            p.error(f"unknown workload(s) {', '.join(unknown) or '(none given)'}"
                    f"; choose from: {', '.join(WORKLOADS)}")
        args.workloads = names
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        print("\n".join(WORKLOADS))
        return 0
    clean()
    base_objs = len(gc.get_objects())
    base_ns = min(timed_collect() for _ in range(20))
    log(f"Python {sys.version.split()[0]}; bare heap {base_objs} tracked "
        f"objects, full gc.collect() {base_ns / 1000:.0f} us; "
        + ("not frozen" if args.no_freeze else "frozen (excluded from timings)"))
    if not args.no_freeze:
        gc.freeze()
        clean()
    out = sys.stdout
    out.write("workload,n,phase,ns_per_object\n")
    for name in args.workloads:
        t0 = now()
        rows = WORKLOADS[name](args.n, args.repeat, args)
        for phase, ns in rows:
            out.write(f"{name},{args.n},{phase},{ns:.2f}\n")
        out.flush()
        log(f"{name} done in {(now() - t0) / 1e9:.1f} s")
        clean()
    return 0


if __name__ == "__main__":
    sys.exit(main())
