#!/bin/sh
# Wall time of gclab-py (release) beside python3 on three loops over the random module
# (a million random(), a million randrange(1000), 200 shuffles of 1000 items) and the
# same loop without random, one run each; the outputs must agree. Build first:
# cargo build --release -p gclab-py.
set -eu
cd "$(dirname "$0")/../.."
for name in random randrange shuffle loop; do
  case $name in
    random) P='import random
random.seed(1)
s = 0.0
for i in range(1000000):
    s += random.random()
print(s)';;
    randrange) P='import random
random.seed(1)
s = 0
for i in range(1000000):
    s += random.randrange(1000)
print(s)';;
    shuffle) P='import random
random.seed(1)
l = list(range(1000))
for i in range(200):
    random.shuffle(l)
print(l[:3])';;
    loop) P='s = 0.0
for i in range(1000000):
    s += 0.5
print(s)';;
  esac
  t0=$(date +%s.%N); a=$(./target/release/gclab-py -c "$P"); t1=$(date +%s.%N); b=$(python3 -c "$P"); t2=$(date +%s.%N)
  [ "$a" = "$b" ] || echo "outputs differ: $a / $b"
  awk -v n=$name -v a=$t0 -v b=$t1 -v c=$t2 'BEGIN { g=b-a; p=c-b; printf "%-10s gclab-py %.2fs python3 %.2fs ratio %.1fx\n", n, g, p, g/p }'
done
