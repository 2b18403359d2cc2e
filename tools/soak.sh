#!/usr/bin/env bash
# tools/soak.sh — run every property of the harness for N op sequences each.
#
# Usage:
#   tools/soak.sh [N] [--chunk C] [--jobs J] [--seed S] [--only REGEX] [--out DIR]
#
#   N            sequences per property (default 10000; 1_000_000 and 1e6 work too)
#   --chunk C    sequences per chunk (default 10000, or N if smaller): each chunk is
#                one run of one property with its own proptest seed
#   --jobs J     chunks run at once (default 2: both cores)
#   --seed S     base seed (default: the current time); chunk k of property p uses
#                PROPTEST_RNG_SEED = S + 64*k + p, so every chunk draws other sequences
#                and any chunk can be rerun alone (its command is in its log)
#   --only REGEX run only the properties whose test name matches REGEX (grep -E)
#   --out DIR    where logs and failing traces go (default target/soak-runs/<time>)
#
# The properties are the model-based tests of tests/suite/harness.rs, the `harness::`
# module of the `suite` test binary (`harness::*_keep(s)_every_invariant`, built on
# gclab::testing::check_config / check_strategy); `harness::fuzz_decoded_sequences_…`
# is left out (it draws a fixed set of byte strings, not proptest sequences), as are
# the proptest properties of tests/suite/incremental.rs and tests/suite/mark_alive.rs
# (differential checks without the harness, with a fixed case count).
#
# How: the `suite` test binary is built once with the `soak` profile (release speed,
# debug assertions and overflow checks on), its properties listed from its `--list`,
# then it is run per chunk as
#   PROPTEST_CASES=C PROPTEST_RNG_SEED=seed GCLAB_TRACE_DIR=DIR/traces/<property>/chunk-k \
#     suite-binary --exact harness::<property> --test-threads=1
# (gclab::testing::proptest_config reads PROPTEST_CASES; proptest's default config, which
# it extends, reads PROPTEST_RNG_SEED). A failing chunk's shrunk trace is written to its
# GCLAB_TRACE_DIR; replay it with `cargo run --bin gclab-replay -- TRACE`
# (the trace's header names the strategy).
#
# Prints, per property: sequences run, failing chunks, sequences per second (one core;
# `every_registered_strategy_keeps_every_invariant` checks each registered setting on a
# thread of its own, so its rate is theirs together), and at the end the path of every
# shrunk trace. Exit status 0 when no chunk failed, 1 otherwise, 2 on bad usage or a
# build failure.
#
# Cost (measured December 2026 on a 2-core machine busy with other builds): 20000
# sequences per property, 11 properties, took 139 s wall clock after a 65 s build,
# 690–930 sequences/s per property per chunk, 1,580/s in all; so 10^6 per property
# (`tools/soak.sh 1e6`) takes about two hours there, less on an idle machine.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

n=10000 chunk="" jobs=2 seed="" only="" out=""
while (($#)); do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --chunk) chunk="${2:?--chunk needs a number}"; shift 2 ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
        --only) only="${2:?--only needs a pattern}"; shift 2 ;;
        --out) out="${2:?--out needs a directory}"; shift 2 ;;
        -*) echo "soak: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) n="$1"; shift ;;
    esac
done

# 1_000_000, 1e6 and 2.5e5 are counts too.
count() {
    local v="${1//_/}"
    if [[ "$v" =~ ^[0-9]+$ ]]; then echo "$v"; return; fi
    if [[ "$v" =~ ^([0-9]+)(\.([0-9]+))?[eE]([0-9]+)$ ]]; then
        awk -v x="$v" 'BEGIN { if (x == int(x)) printf "%d\n", x; else exit 1 }' && return
    fi
    echo "soak: $2 must be a whole number, got $1" >&2
    exit 2
}
n=$(count "$n" N)
chunk=$(count "${chunk:-$((n < 10000 ? n : 10000))}" --chunk)
jobs=$(count "$jobs" --jobs)
seed=$(count "${seed:-$(date +%s)}" --seed)
((n > 0 && chunk > 0 && jobs > 0)) || { echo "soak: N, --chunk and --jobs must be above 0" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${out:-target/soak-runs/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out/logs" "$out/results" "$out/traces"
out=$(cd "$out" && pwd)

echo "soak: building the suite test binary, where the harness is (profile soak)…" >&2
bin=$(cargo test --profile soak --features testing --test suite --no-run --message-format=json 2>"$out/build.log" \
    | grep '"kind":\["test"\]' | grep '"name":"suite"' \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1) || true
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "soak: the build failed; see $out/build.log" >&2
    tail -20 "$out/build.log" >&2
    exit 2
fi

# The harness module's properties, without their `harness::` prefix.
mapfile -t props < <("$bin" --list 2>/dev/null | sed -n 's/^harness::\(.*\): test$/\1/p' \
    | grep -E '_keeps?_every_invariant$' | grep -v '^fuzz_decoded' \
    | { if [[ -n "$only" ]]; then grep -E "$only" || true; else cat; fi })
((${#props[@]})) || { echo "soak: no property matches ${only:-the harness}" >&2; exit 2; }

chunks=$(((n + chunk - 1) / chunk))
echo "soak: ${#props[@]} properties × $n sequences, in $chunks chunk(s) of ≤ $chunk, $jobs at once; base seed $seed; output $out" >&2

# One chunk: property index p, name, chunk index k, cases.
run_chunk() {
    local p=$1 prop=$2 k=$3 cases=$4
    local s=$((seed + 64 * k + p)) dir="$out/traces/$prop/chunk-$k"
    local log="$out/logs/$prop.$k.log" start end status=0
    echo "PROPTEST_CASES=$cases PROPTEST_RNG_SEED=$s GCLAB_TRACE_DIR=$dir $bin --exact harness::$prop --test-threads=1" >"$log"
    start=$(date +%s.%N)
    PROPTEST_CASES=$cases PROPTEST_RNG_SEED=$s GCLAB_TRACE_DIR=$dir \
        "$bin" --exact "harness::$prop" --test-threads=1 >>"$log" 2>&1 || status=$?
    end=$(date +%s.%N)
    echo "$status $cases $start $end" >"$out/results/$prop.$k"
}

started=$(date +%s.%N)
for ((k = 0; k < chunks; k++)); do
    cases=$((k + 1 < chunks ? chunk : n - k * chunk))
    for p in "${!props[@]}"; do
        while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
        run_chunk "$p" "${props[$p]}" "$k" "$cases" &
    done
done
wait
finished=$(date +%s.%N)

failed=0
printf '%-64s %12s %8s %10s\n' property sequences failures 'seq/s'
for prop in "${props[@]}"; do
    # Sequences in chunks that passed (a failing chunk stops at its first failure),
    # failing chunks, and the seconds the passing chunks took.
    read -r seqs fails secs < <(cat "$out/results/$prop".* | awk '
        { t = $4 - $3 } $1 == 0 { s += $2; secs += t } $1 != 0 { f++ }
        END { printf "%d %d %.3f\n", s, f, secs }')
    rate=$(awk -v s="$seqs" -v t="$secs" 'BEGIN { if (t > 0) printf "%.0f", s / t; else print "-" }')
    printf '%-64s %12s %8s %10s\n' "$prop" "$seqs" "$fails" "$rate"
    failed=$((failed + fails))
done
wall=$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.1f", b - a }')
echo "soak: $wall s wall clock; sequences counted are those of passing chunks (a failing chunk stops at its first failure)"
if ((failed)); then
    echo "soak: $failed failing chunk(s); shrunk traces:"
    find "$out/traces" -name '*.jsonl' | sort | sed 's/^/  /'
    echo "soak: each chunk's log (with its command line) is in $out/logs/"
    exit 1
fi
echo "soak: no failure"
