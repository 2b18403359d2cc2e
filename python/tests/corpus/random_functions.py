# Every function of the random module, seeded, against CPython 3.11's draws.
import random

random.seed(2024)
print("random", [random.random() for i in range(5)])
print("getrandbits", [random.getrandbits(k) for k in range(0, 64, 3)])

# randrange: one argument, two, steps of both signs, keywords
print("randrange(n)", [random.randrange(n) for n in (1, 2, 3, 10, 1000, 2**31, 2**32 + 5)])
print("randrange(a, b)", [random.randrange(-5, 5) for i in range(10)])
print("randrange step", [random.randrange(0, 100, 7) for i in range(8)])
print("randrange neg step", [random.randrange(100, 0, -3) for i in range(8)])
print("randrange neg step 2", [random.randrange(-1, -50, -10) for i in range(8)])
print("randrange kw", random.randrange(start=3, stop=30, step=9), random.randrange(5, stop=9))
print("randrange step=1", random.randrange(10, step=1), random.randrange(2, 3, 1))
print("randrange big", random.randrange(9223372036854775807), random.randrange(-2**61, 2**61))
print("randrange bool", random.randrange(True), random.randrange(False, True))

# randint
print("randint", [random.randint(1, 6) for i in range(12)])
print("randint", random.randint(-10, -10), random.randint(0, 2**40), random.randint(a=1, b=3))

# choice over the sequence types
print("choice", random.choice([1, 2, 3]), random.choice((4, 5)), random.choice("xyz"),
      random.choice(range(100, 200, 7)), random.choice(["only"]))


class Seq:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


print("choice(Seq)", [random.choice(Seq(50)) for i in range(6)])

# shuffle: lists of several lengths, and a list-like class
for n in (0, 1, 2, 3, 10, 30):
    l = list(range(n))
    random.shuffle(l)
    print("shuffle", n, l)
l = ["a", "b", [1], (2,), None, 3.5]
random.shuffle(l)
print("shuffle mixed", l)


class Box:
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]

    def __setitem__(self, i, v):
        self.items[i] = v


b = Box(list("abcdefgh"))
random.shuffle(b)
print("shuffle(Box)", b.items)

# sample: the pool branch (small population) and the set branch (large one)
print("sample", random.sample([10, 20, 30, 40, 50], 3), random.sample((1, 2, 3), 3))
print("sample str", random.sample("abcdefghij", 4), random.sample(range(10), 0))
print("sample range", random.sample(range(1000000), 8))
print("sample big k", random.sample(range(100), 20))
print("sample k=6", random.sample(range(30), 6), random.sample(range(100), 6))
print("sample counts", random.sample(["red", "blue"], counts=[4, 2], k=5))
print("sample counts", random.sample("abc", 6, counts=[1, 2, 3]))
print("sample counts 0", random.sample("abcde", 4, counts=[0, 3, 0, 2, 0]))
print("sample counts big", random.sample(range(5), 30, counts=[10, 20, 30, 40, 50]))

# choices: unweighted, weighted, cumulative, k
print("choices", random.choices("abcd"), random.choices(range(5), k=7))
print("choices w", random.choices(["x", "y", "z"], [10, 1, 1], k=10))
print("choices fw", random.choices(["x", "y", "z"], weights=[0.5, 0.25, 0.25], k=10))
print("choices cw", random.choices("pq", cum_weights=[1, 100], k=10))
print("choices k=0", random.choices("pq", k=0), random.choices("pq", k=-3))

# real-valued distributions
print("uniform", random.uniform(1, 2), random.uniform(5, -5), random.uniform(0.5, 0.5))
print("uniform int", random.uniform(0, 10), random.uniform(a=-1, b=1))
print("triangular", random.triangular(), random.triangular(0, 10), random.triangular(0, 10, 9))
print("triangular", random.triangular(5, 5, 5), random.triangular(1, 3, mode=1))
print("gauss", [random.gauss() for i in range(4)], random.gauss(100, 15))
print("gauss int", random.gauss(10, 2), random.gauss(mu=1, sigma=0))
print("normalvariate", [random.normalvariate() for i in range(4)], random.normalvariate(5, 2))
print("lognormvariate", random.lognormvariate(0, 1), random.lognormvariate(1, 0.5))
print("expovariate", random.expovariate(1), random.expovariate(0.25), random.expovariate(-2))

# the other distributions (Cheng, Ahrens-Dieter, Best-Fisher, ...)
random.seed(31)
print("vonmises", [random.vonmisesvariate(0, 4) for i in range(3)], random.vonmisesvariate(1, 0))
print("vonmises", random.vonmisesvariate(-10, 0.5), random.vonmisesvariate(100, 1e-7), random.vonmisesvariate(2.5, 50))
print("gamma", [random.gammavariate(a, 1.0) for a in (0.3, 0.5, 1, 1.0, 2, 9.5, 100)])
print("gamma beta", random.gammavariate(2, 3), random.gammavariate(0.7, 2.5))
print("beta", [random.betavariate(a, b) for a, b in ((0.5, 0.5), (2, 5), (1, 1), (10, 0.2))])
print("pareto", [random.paretovariate(a) for a in (1, 2.5, 0.5)])
print("weibull", [random.weibullvariate(a, b) for a, b in ((1, 1), (2, 0.5), (0.5, 3))])
s = 0.0
for i in range(3000):
    s += random.gammavariate(0.9, 1) + random.gammavariate(3.3, 2) + random.betavariate(2, 3)
    s += random.vonmisesvariate(1.0, 2.0) + random.paretovariate(3) + random.weibullvariate(1, 2)
print("sum", s)


def t(f, *a, **k):
    try:
        print(repr(f(*a, **k)))
    except Exception as e:
        print(type(e).__name__ + ":", e)


t(random.gammavariate, 0, 1)
t(random.gammavariate, 1, 0)
t(random.gammavariate, -1, "x")
t(random.gammavariate, "x", 1)
t(random.gammavariate, 1, "x")
t(random.betavariate, 0, 1)
t(random.betavariate, 1, -1)
t(random.betavariate, "a", 1)
t(random.vonmisesvariate, 0, "k")
t(random.paretovariate, 0)
t(random.weibullvariate, 1, 0)
t(random.gammavariate, 1)
t(random.vonmisesvariate)

# gauss keeps its second value (gauss_next); seed() forgets it
random.seed(5)
g1 = random.gauss()
random.seed(5)
print("gauss after seed", random.gauss() == g1)
random.gauss()
x = random.gauss()
random.seed(5)
random.gauss()
print("gauss pair", random.gauss() == x)

# getstate / setstate
random.seed(11)
st = random.getstate()
print("state", st[0], len(st[1]), st[1][-1], st[1][:3], st[2])
a = [random.random() for i in range(700)]
random.setstate(st)
print("setstate replays", a == [random.random() for i in range(700)])
random.gauss()
st = random.getstate()
print("state gauss_next", st[2], st[1][-1])
g = random.gauss()
random.setstate(st)
print("setstate gauss_next", random.gauss() == g)
r = random.Random(0)
r.setstate(random.getstate())
print("state to another instance", r.random() == random.random(), r.getstate() == random.getstate())
v2 = (2, tuple([x - 2**32 if x >= 2**31 else x for x in st[1][:-1]]) + (st[1][-1],), None)
random.setstate(v2)
r.setstate(st)
print("version 2 state", random.random() == r.random())

# the methods of a Random instance, and unbound through the class
r = random.Random(77)
print("Random", r.random(), r.getrandbits(20), r.randrange(5, 50, 5), r.randint(1, 2))
print("Random", r.choice("abc"), r.sample(range(9), 3), r.choices([1, 2], k=3))
l = list(range(6))
r.shuffle(l)
print("Random", l, r.uniform(2, 3), r.gauss(), r.normalvariate(1, 1))
print("unbound", random.Random.random(r), random.Random.randrange(r, 10))
r.seed(77)
print("reseeded", r.random())
print(type(r).__name__, isinstance(r, random.Random), type(random.Random), random.BPF)
print(type(random.random).__name__)
