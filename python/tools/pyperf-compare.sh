#!/bin/sh
# Runs pyperformance's benchmarks under python3 (with pyperf) and under gclab-py (with its
# built-in pyperf) back to back, and prints per benchmark both means, their ratio, and the
# collector's share of gclab-py's time, twice: from `--stats` (collector pause time over
# the run's wall time) and from a `perf` profile (the share of samples in gclab's
# collector code: symbols under gclab::gc, every strategy and its mechanism).
#
# usage: python/tools/pyperf-compare.sh BENCH_DIR [NAME ...]
#   BENCH_DIR  pyperformance's pyperformance/data-files/benchmarks (a checkout of
#              https://github.com/python/pyperformance), or any directory holding
#              bm_NAME/run_benchmark.py
#   NAME       benchmarks to run (default: the ten gclab-py runs)
# environment:
#   VALUES (3), WARMUPS (1), LOOPS (1)  passed to both as --values/--warmups/--loops, with -p 1
#   PYPERF_PATH   a directory added to python3's PYTHONPATH to find pyperf (pip install pyperf)
#   GCLAB_PY      the gclab-py binary (default: target/release/gclab-py, built if missing)
#   NO_PERF=1     skip the perf profile
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:?usage: pyperf-compare.sh BENCH_DIR [NAME ...]}"
shift
names="${*:-gc_collect gc_traversal deltablue richards richards_super go raytrace nbody chaos float}"
values="${VALUES:-3}"
warmups="${WARMUPS:-1}"
loops="${LOOPS:-1}"
gpy="${GCLAB_PY:-$root/target/release/gclab-py}"
if [ ! -x "$gpy" ]; then
    (cd "$root" && cargo build --release -p gclab-py)
fi
if ! PYTHONPATH="${PYPERF_PATH:-}" python3 -c 'import pyperf' 2>/dev/null; then
    echo "pyperf-compare.sh: python3 cannot import pyperf: pip install pyperf, or set PYPERF_PATH" >&2
    exit 2
fi
have_perf=1
if [ -n "${NO_PERF:-}" ] || ! command -v perf >/dev/null 2>&1; then have_perf=0; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
flags="-p 1 --values $values --warmups $warmups --loops $loops"

# mean in seconds from pyperf's "NAME: Mean +- std dev: 12.3 ms +- 0.4 ms" or "NAME: 12.3 ms"
mean_of() {
    awk '/: Mean \+- std dev: / { v = $(NF-4); u = $(NF-3) }
         /: [0-9.]+ (sec|ms|us|ns)$/ && !/Mean/ { v = $(NF-1); u = $NF }
         END { if (v == "") { print "nan"; exit }
               f = (u == "ms") ? 1e-3 : (u == "us") ? 1e-6 : (u == "ns") ? 1e-9 : 1
               printf "%.6g\n", v * f }' "$1"
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(python3 --version), gclab-py $(git -C "$root" rev-parse --short HEAD)"
echo "# flags: $flags"
printf '%-15s %12s %12s %8s %14s %12s\n' benchmark python3_s gclab_py_s ratio gc_share_stats gc_share_perf
for n in $names; do
    f="$dir/bm_$n/run_benchmark.py"
    [ -f "$f" ] || { echo "pyperf-compare.sh: no $f" >&2; exit 2; }
    PYTHONPATH="${PYPERF_PATH:-}" python3 "$f" $flags > "$tmp/py.out" 2>&1 || { cat "$tmp/py.out" >&2; exit 1; }
    start=$(date +%s.%N)
    "$gpy" --stats "$f" $flags > "$tmp/g.out" 2> "$tmp/g.err" || { cat "$tmp/g.out" "$tmp/g.err" >&2; exit 1; }
    end=$(date +%s.%N)
    p=$(mean_of "$tmp/py.out")
    g=$(mean_of "$tmp/g.out")
    # --stats' first line: "gclab-py stats: strategy S: collections N, ..., pause total T ms, ..."
    share_stats=$(awk -v s="$start" -v e="$end" '/^gclab-py stats:/ {
            for (i = 1; i < NF; i++) if ($i == "total") t = $(i + 1) }
        END { if (t == "") print "-"; else printf "%.1f%%\n", 100 * t * 1e-3 / (e - s) }' "$tmp/g.err")
    share_perf="-"
    if [ "$have_perf" = 1 ]; then
        perf record -q -F 499 -o "$tmp/perf.data" "$gpy" "$f" $flags > /dev/null 2>&1 || true
        share_perf=$(perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
            awk '/^ +[0-9.]+%/ { p = $1; sub("%", "", p); tot += p
                   if ($0 ~ /gclab::gc::/) gc += p }
                 END { if (tot == 0) print "-"; else printf "%.1f%%\n", 100 * gc / tot }')
    fi
    ratio=$(awk -v a="$g" -v b="$p" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }')
    printf '%-15s %12s %12s %8s %14s %12s\n' "$n" "$p" "$g" "$ratio" "$share_stats" "$share_perf"
done
