# Long runs: many draws per seed, so the generator regenerates its 624 words many
# times; sums and running hashes of the outputs, against CPython 3.11's.
import random

M = 2**31 - 1


def mix(h, v):
    return (h * 1000003 + v % M) % M


for seed in [0, 1, 42, 987654321, 9223372036854775807, -5, -9223372036854775807 - 1]:
    random.seed(seed)
    h = 0
    total = 0
    for i in range(10000):
        v = random.getrandbits(32)
        total += v
        h = mix(h, v)
    fs = 0.0
    for i in range(10000):
        fs += random.random()
    print(seed, total, h, repr(fs), random.getrandbits(63))

# randrange and friends over long runs (each draw consumes a varying number of words)
random.seed(12345)
h = 0
for i in range(20000):
    h = mix(h, random.randrange(1, 2 + i % 1000))
    h = mix(h, random.randint(-i, i))
    h = mix(h, random.randrange(0, 10 * i + 10, 7))
print("randrange", h)

# bm_go's Zobrist hashing: randrange(sys.maxsize) words, xored
random.seed(1)
z = 0
for i in range(3 * 81):
    z ^= random.randrange(9223372036854775807)
print("zobrist", z)

# bm_chaos's trafo choice: randrange(int(total) + 1)
random.seed(1234)
counts = [0, 0, 0]
num = [3.0, 7.5, 12.25]
for i in range(30000):
    r = random.randrange(int(num[i % 3]) + 1)
    counts[i % 3] += r
print("chaos", counts)

# bm_go's random_choice: int(random() * n)
random.seed(1)
acc = 0
for i in range(30000):
    acc += int(random.random() * (i % 81 + 1))
print("go choice", acc)

# shuffles of a long list, samples and choices
random.seed(7)
l = list(range(5000))
for rnd in range(5):
    random.shuffle(l)
    h = 0
    for x in l:
        h = mix(h, x)
    print("shuffle", rnd, l[:5], h)
s = random.sample(range(10**9), 2000)
print("sample", len(set(s)), sum(s), s[:3])
s = random.sample(l, 3000)
print("sample pool", sum(s), s[-3:])
c = random.choices(range(50), k=5000)
print("choices", sum(c))
c = random.choices(range(50), weights=range(1, 51), k=5000)
print("choices w", sum(c))

# floats of the distributions, summed
random.seed(99)
g = 0.0
n = 0.0
u = 0.0
e = 0.0
for i in range(5000):
    g += random.gauss(1.0, 2.0)
    n += random.normalvariate(-1.0, 0.5)
    u += random.uniform(-3, 7)
    e += random.expovariate(1.5)
print("distributions", repr(g), repr(n), repr(u), repr(e))

# several instances advancing together stay independent
gens = [random.Random(i) for i in range(8)]
hs = [0] * 8
for step in range(3000):
    for j in range(8):
        hs[j] = mix(hs[j], gens[j].getrandbits(16 + j))
print("instances", hs)
st = gens[3].getstate()
x = [gens[3].random() for i in range(1500)]
gens[3].setstate(st)
print("replay", x == [gens[3].random() for i in range(1500)])
