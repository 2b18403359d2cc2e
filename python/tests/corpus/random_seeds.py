# random.seed with ints (by their absolute value's 32-bit words), bools, floats (by
# their hash), None, strings (versions 1 and 2), and random.Random(x) seeded the same way.
import random

SEEDS = [0, 1, 2, 42, 255, 256, 12345, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1,
         2**53, 2**62, 9223372036854775807, 12345678901234567, -1, -42, -(2**32), -(9223372036854775807),
         -9223372036854775807 - 1, True, False]

for s in SEEDS:
    random.seed(s)
    a = random.random()
    bits = [random.getrandbits(k) for k in (0, 1, 7, 31, 32, 33, 53, 63)]
    r = random.randrange(1000000)
    print(s, repr(a), bits, r)

# a seed and its negation seed the same generator
for s in [7, 2**40 + 3, 9223372036854775807]:
    random.seed(s)
    x = random.random()
    random.seed(-s)
    print(s, x == random.random())

# floats seed by hash(): integral floats as their int
FLOATS = [0.0, -0.0, 1.0, 42.0, 1.5, -1.5, 0.1, -0.1, 3.141592653589793, 1e300, -1e300,
          5e-324, 2.0**70, -2.5, float("inf"), float("-inf"), -1.0]
for f in FLOATS:
    random.seed(f)
    print(repr(f), repr(random.random()), random.getrandbits(32))
random.seed(1.0)
x = random.random()
random.seed(1)
print("1.0 is 1:", x == random.random())

# version-1 string seeds (Lib/random.py's old algorithm)
for s in ["", "a", "hello", "gclab", "ünïcode ✓"]:
    random.seed(s, version=1)
    print(repr(s), random.random(), random.randrange(100))
random.seed(a=17, version=2)
print(random.random())

# version-2 string seeds: the UTF-8 bytes followed by their SHA-512 digest, as an int
for s in ["", "a", "hello", "gclab", "ünïcode ✓", "x" * 1000, "0"]:
    random.seed(s)
    x = random.random()
    print(repr(s[:12]), x, random.getrandbits(40), random.Random(s).random() == x)
random.seed("abc", version=2.0)
print(random.random())

# random.Random(x) is random.seed(x) on its own state
for s in [0, 42, -7, 9223372036854775807, 2.5]:
    r = random.Random(s)
    random.seed(s)
    same = all([r.random() == random.random() for i in range(50)])
    print("Random(%r)" % (s,), same, r.randrange(10**9))

# two independent generators interleaved keep their own streams
a = random.Random(3)
b = random.Random(3)
xs = []
for i in range(5):
    xs.append(a.random())
    b.getrandbits(5)
print(xs)
print(b.random() == xs[1] if False else b.random())

# seed() and seed(None) draw from the operating system: two of them differ
random.seed()
x = [random.random() for i in range(3)]
random.seed(None)
y = [random.random() for i in range(3)]
print("entropy seeds differ:", x != y)
print("unseeded instances differ:", random.Random().random() != random.Random().random())
r = random.Random()
r.seed(99)
random.seed(99)
print(r.random() == random.random())
