#!/bin/sh
# Runs pyperformance's benchmarks on gclab-py under every collection strategy and prints
# one markdown row per (benchmark, strategy).
#
# Two runs per row. The first, `gclab-py --stats`, gives collections, objects collected,
# objects examined, collector time, pause p50/p99/max, peak heap objects (sampled at
# every Python call and as each collection starts) and the run's wall time. The second,
# `gclab-py --stats --latency`, gives garbage latency (python/src/latency.rs: for every
# object a collection frees, the time from its becoming unreachable to its freeing, on
# the allocation clock and in milliseconds; objects freed by reference counting have
# latency 0 and are counted apart) and its own wall time: the tracker's shadow of the
# heap slows the program, so its milliseconds are of a run that much slower (the
# "slowdown" column); its allocation counts are not affected. The script checks that both
# runs made the same collections and collected the same objects.
#
# usage: python/tools/pyperf-strategies.sh BENCH_DIR [NAME ...]
#   BENCH_DIR  pyperformance's pyperformance/data-files/benchmarks (or any directory
#              holding bm_NAME/run_benchmark.py)
# environment: VALUES (1), WARMUPS (1), LOOPS (1); STRATEGIES (all five);
#   GCLAB_PY (default target/release/gclab-py, built if missing)
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:?usage: pyperf-strategies.sh BENCH_DIR [NAME ...]}"
shift
names="${*:-gc_collect gc_traversal deltablue richards richards_super go raytrace nbody chaos float}"
strategies="${STRATEGIES:-generational full-only bacon-rajan incremental mark-alive}"
gpy="${GCLAB_PY:-$root/target/release/gclab-py}"
[ -x "$gpy" ] || (cd "$root" && cargo build --release -p gclab-py)
flags="--values ${VALUES:-1} --warmups ${WARMUPS:-1} --loops ${LOOPS:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Runs one benchmark under one strategy with gclab-py's extra flags $3...; stderr into
# $tmp/err.$1, the wall time into $tmp/wall.$1.
run() {
    tag="$1" f="$2" s="$3"
    shift 3
    start=$(date +%s.%N)
    "$gpy" --strategy "$s" --stats "$@" "$f" $flags > "$tmp/out" 2> "$tmp/err.$tag" ||
        { echo "pyperf-strategies.sh: $f under $s $* failed:" >&2; cat "$tmp/out" "$tmp/err.$tag" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc > "$tmp/wall.$tag"
}
echo "<!-- $(date -u '+%Y-%m-%d %H:%M UTC'), gclab-py $(git -C "$root" rev-parse --short HEAD), flags: $flags; load average $(cut -d' ' -f1-3 /proc/loadavg) -->"
echo "| benchmark | strategy | collections | collected | examined | collector ms | p50 ms | p99 ms | max ms | peak heap | wall s | freed by collections | freed by refcount | latency allocs p50 / p99 / max | latency ms p50 / p99 / max | slowdown |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $names; do
    f="$dir/bm_$n/run_benchmark.py"
    [ -f "$f" ] || { echo "pyperf-strategies.sh: no $f" >&2; exit 2; }
    for s in $strategies; do
        run plain "$f" "$s"
        run lat "$f" "$s" --latency
        counts() { grep '^gclab-py stats:' "$1" | sed 's/, pause.*//'; }
        if [ "$(counts "$tmp/err.plain")" != "$(counts "$tmp/err.lat")" ]; then
            echo "pyperf-strategies.sh: $n under $s: the --latency run made other collections:" >&2
            counts "$tmp/err.plain" >&2
            counts "$tmp/err.lat" >&2
            exit 1
        fi
        awk -v n="$n" -v s="$s" -v w="$(cat "$tmp/wall.plain")" -v wl="$(cat "$tmp/wall.lat")" '
            FNR == 1 { file++ }
            file == 1 && /^gclab-py stats:/ { for (i = 1; i < NF; i++) {
                    if ($i == "collections") c = $(i + 1)
                    if ($i == "collected") k = $(i + 1)
                    if ($i == "total") t = $(i + 1) } }
            file == 1 && /^  pauses:/ { for (i = 1; i < NF; i++) {
                    if ($i == "p50") p50 = $(i + 1)
                    if ($i == "p99") p99 = $(i + 1)
                    if ($i == "max") mx = $(i + 1)
                    if ($i == "examined") e = $(i + 1)
                    if ($i == "heap") pk = $(i + 1) } }
            file == 2 && /^  garbage latency:/ {
                    gf = $3; a50 = $10; a99 = $12; amx = $14; m50 = $17; m99 = $19; mmx = $21; rc = $22
                    gsub(";", "", amx); gsub(";", "", mmx) }
            END { gsub(",", "", c); gsub(",", "", k); gsub(";", "", e)
                  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %s | %s | %s / %s / %s | %s / %s / %s | %.1fx |\n",
                      n, s, c, k, e, t, p50, p99, mx, pk, w, gf, rc, a50, a99, amx, m50, m99, mmx, wl / w }' "$tmp/err.plain" "$tmp/err.lat"
    done
done
