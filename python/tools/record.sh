#!/bin/sh
# Records what CPython printed for every corpus program: python/tests/corpus/NAME.out
# (standard output), NAME.err (standard error, when not empty) and, when it is not 0,
# NAME.exit (the exit status). Run from
# anywhere; needs python3 (3.11). Never edit a .out by hand: rerun this script.
set -eu
dir="$(cd "$(dirname "$0")/../tests/corpus" && pwd)"
python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' || {
    echo "record.sh: python3 must be CPython 3.11" >&2; exit 1; }
for py in "$dir"/*.py; do
    base="${py%.py}"
    status=0
    (cd "$dir" && python3 "$(basename "$py")") > "$base.out" 2> "$base.err.tmp" || status=$?
    # tracebacks name the script by its absolute path: record the directory as <dir>
    sed "s|$dir|<dir>|g" "$base.err.tmp" > "$base.err" && rm -f "$base.err.tmp"
    [ -s "$base.err" ] || rm -f "$base.err"
    if [ "$status" -ne 0 ]; then echo "$status" > "$base.exit"; else rm -f "$base.exit"; fi
    echo "recorded $(basename "$py") (exit $status)"
done
