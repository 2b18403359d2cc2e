# Small everyday programs: a queue, a graph search, word counts, a matrix.
from math import sqrt, floor

class Queue:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
    def pop(self):
        return self.items.pop(0)
    def __len__(self):
        return len(self.items)
    def __bool__(self):
        return len(self.items) > 0
    def __iter__(self):
        return iter(self.items)
    def __repr__(self):
        return "Queue(%r)" % (self.items,)

graph = {"a": ["b", "c"], "b": ["d"], "c": ["d", "e"], "d": ["f"], "e": ["f"], "f": []}

def bfs(start):
    seen = {start}
    order = []
    q = Queue()
    q.push(start)
    while q:
        node = q.pop()
        order.append(node)
        for nxt in graph[node]:
            if nxt not in seen:
                seen.add(nxt)
                q.push(nxt)
    return order

print(bfs("a"))
q = Queue()
for i in range(3):
    q.push(i * i)
print(q, len(q), list(q), [x + 1 for x in q])

text = """the quick brown fox jumps over the lazy dog
the dog sleeps and the fox runs"""
counts = {}
for word in text.split():
    counts[word] = counts.get(word, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
print(top)
print(max(counts, key=counts.get), len(counts), sum(counts.values()))
lines = text.splitlines()
print([len(l) for l in lines], lines[1].title(), lines[0].count("o"))

def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]

m = [[1, 2], [3, 4]]
print(matmul(m, m), [row[:] for row in m] == m, list(zip(*m)))
print(sqrt(16), floor(2.7), round(sqrt(2), 4), f"{sqrt(2):.6f}", abs(-2.5), 2 ** 0.5 == sqrt(2))

def primes(n):
    sieve = [True] * (n + 1)
    sieve[0] = sieve[1] = False
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            for j in range(i * i, n + 1, i):
                sieve[j] = False
    return [i for i, p in enumerate(sieve) if p]

print(primes(50))

class Temperature:
    def __init__(self, c):
        self._c = c
    @property
    def f(self):
        return self._c * 9 / 5 + 32
    @f.setter
    def f(self, value):
        self._c = (value - 32) * 5 / 9
    def __lt__(self, other):
        return self._c < other._c
    def __eq__(self, other):
        return isinstance(other, Temperature) and self._c == other._c
    def __hash__(self):
        return hash(self._c)
    def __repr__(self):
        return f"T({self._c:.1f})"

ts = [Temperature(c) for c in (30, -5, 12)]
print(sorted(ts), min(ts), ts[0].f)
ts[1].f = 212
print(ts[1], Temperature(1) == Temperature(1), len({Temperature(1), Temperature(1)}))

stack = []
for ch in "(a[b]{c})":
    if ch in "([{":
        stack.append(ch)
    elif ch in ")]}":
        stack.pop()
print("balanced", not stack)
s = "Mississippi"
print(s.lower().count("ss"), s.replace("ss", "SS", ), s.find("x"), s.index("p"), s[::2], s.startswith(("Mi", "x")))
nums = list(range(10))
print(nums[2:8:2], nums[-3:], nums[::-3], nums[5:2:-1])
nums[2:5] = []
print(nums, nums.count(9), sorted(nums, reverse=True)[:2])
a, (b, c), *d = 1, (2, 3), 4, 5
print(a, b, c, d)
print("%s has %d items costing %.2f (%5.1f%%)" % ("cart", 3, 9.5, 12.345))
print("{:>6}|{:<6}|{:^6}|{:06.2f}|{:+d}".format("r", "l", "c", 3.14159, 5))
