import sys, gc

d = {}
for i, ch in enumerate("hello"):
    d[ch] = i
print(d, len(d), "l" in d, d.get("z"), list(d))
del d["h"]
print(d, d.pop("e"), d.popitem(), d)
d2 = dict(a=1, b=2)
d2.update({"c": 3}, d=4)
print(d2, dict([("x", 1), ("y", 2)]), {**d2, "a": 0})
print({1: "int", 1.0: "float", True: "bool"})
print(sorted({3: "c", 1: "a", 2: "b"}.items()), d2.copy() == d2, d2 is d2.copy())
for k, v in d2.items():
    if v % 2 == 0:
        print("even", k)
s = {1, 2, 3}
t = {3, 4}
print(s | t, s & t, s - t, s ^ t, s <= {1, 2, 3, 4}, 2 in s, len(s))
s.add(10); s.discard(1); s.discard(99)
print(sorted(s), sorted(s.union([7])), s.issubset(s), set() == set(), {1, 2} == {2, 1})
try:
    s.remove(42)
except KeyError as e:
    print("KeyError", e)
t = (1, "two", 3.0, None, True)
print(t, t[1:3], t.index(3.0), t.count(1), len(t), t + (5,), t * 0)
print(tuple(), (1,), ((1, 2), [3]), list(t)[::-1])
nested = [[0] * 2 for _ in range(2)]
nested[0][0] = 1
print(nested, [[0] * 2] * 2)
l = [3, 1, 2]
l.extend((5, 4)); l.reverse()
print(l, l.index(5), sorted(l), l[-1], l[-2:], l.copy() is l)
l.clear()
print(l, bool(l), bool([0]))
matrix = [[i * 3 + j for j in range(3)] for i in range(3)]
print([row[1] for row in matrix], [x for row in matrix for x in row if x % 2], sum(map(sum, matrix)))
words = ["banana", "Apple", "cherry"]
print(sorted(words), sorted(words, key=str.lower) if hasattr(str, "lower") else None)
print(sorted(words, key=len), max(words, key=len), min(words))
a = [1, 2]
b = [a, a]
print(sys.getrefcount(a), b[0] is b[1])
b.append(b)
print(b)
del b
print(gc.collect())
r = range(2, 20, 3)
print(r, list(r), len(r), r[2], 11 in r, 12 in r, list(range(5, 0, -2)))
print(list(zip([1, 2, 3], "ab")), list(enumerate([], 5)), dict(zip("ab", [1, 2])))
x = [0, 1, 2, 3, 4, 5]
x[1:3] = ["a"]
x[::2] = [9, 9, 9]
print(x)
print(" | ".join(f"{k}={v}" for k, v in sorted({"b": 2, "a": 1}.items())))
print(any(x > 3 for x in [1, 5]), all(x > 0 for x in [1, 0]), sum(x * x for x in range(4)))
print(list(reversed("abc")), list(map(lambda p: p[0] * p[1], [(2, 3), (4, 5)])))
