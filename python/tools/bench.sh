#!/bin/sh
# Wall time of gclab-py (release) beside python3 on the allocation-heavy programs of
# python/bench/, one run each. Build first: cargo build --release -p gclab-py.
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/target/release/gclab-py"
printf '%-12s %12s %12s %8s\n' program gclab-py python3 ratio
for py in "$root"/python/bench/*.py; do
    t0=$(date +%s.%N); "$bin" "$py" > /tmp/gclab-py-bench.out; t1=$(date +%s.%N)
    python3 "$py" > /tmp/python3-bench.out; t2=$(date +%s.%N)
    cmp -s /tmp/gclab-py-bench.out /tmp/python3-bench.out || echo "  (outputs differ for $(basename "$py"))"
    awk -v n="$(basename "$py")" -v a="$t0" -v b="$t1" -v c="$t2" \
        'BEGIN { g = b - a; p = c - b; printf "%-12s %11.3fs %11.3fs %7.1fx\n", n, g, p, g / p }'
done
