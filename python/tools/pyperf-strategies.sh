#!/bin/sh
# Runs pyperformance's benchmarks on gclab-py under every collection strategy with
# --stats, and prints one markdown row per (benchmark, strategy): collections, objects
# collected, objects examined, collector time, pause p50/p99/max, peak heap objects
# (sampled at every Python call and as each collection starts) and the run's wall time.
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
echo "<!-- $(date -u '+%Y-%m-%d %H:%M UTC'), gclab-py $(git -C "$root" rev-parse --short HEAD), flags: $flags -->"
echo "| benchmark | strategy | collections | collected | examined | collector ms | p50 ms | p99 ms | max ms | peak heap | wall s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $names; do
    f="$dir/bm_$n/run_benchmark.py"
    [ -f "$f" ] || { echo "pyperf-strategies.sh: no $f" >&2; exit 2; }
    for s in $strategies; do
        start=$(date +%s.%N)
        "$gpy" --strategy "$s" --stats "$f" $flags > "$tmp/out" 2> "$tmp/err" ||
            { echo "pyperf-strategies.sh: $n under $s failed:" >&2; cat "$tmp/out" "$tmp/err" >&2; exit 1; }
        end=$(date +%s.%N)
        awk -v n="$n" -v s="$s" -v w="$(echo "$end - $start" | bc)" '
            /^gclab-py stats:/ { for (i = 1; i < NF; i++) {
                    if ($i == "collections") c = $(i + 1)
                    if ($i == "collected") k = $(i + 1)
                    if ($i == "total") t = $(i + 1) } }
            /^  pauses:/ { for (i = 1; i < NF; i++) {
                    if ($i == "p50") p50 = $(i + 1)
                    if ($i == "p99") p99 = $(i + 1)
                    if ($i == "max") mx = $(i + 1)
                    if ($i == "examined") e = $(i + 1)
                    if ($i == "heap") pk = $(i + 1) } }
            END { gsub(",", "", c); gsub(",", "", k); gsub(";", "", e)
                  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f |\n", n, s, c, k, e, t, p50, p99, mx, pk, w }' "$tmp/err"
    done
done
