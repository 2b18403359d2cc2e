# a tour of the supported subset
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a

print([fib(i) for i in range(10)])
print({k: v for k, v in zip("abc", range(3))})
print(sorted({3, 1, 2}), sorted(["b", "a"], reverse=True))
s = "Hello, World"
print(s.upper(), s.lower(), s.split(", "), "-".join(["a", "b"]), s[::-1], s[1:5], s.find("W"))
print(f"{s!r:>20}|{3.5:8.3f}|{255:#x}|{1234567:,}|{0.25:.1%}")
print("%5s|%-5s|%05d|%.3f|%r" % ("ab", "cd", 42, 3.14159, "q"))
print(1 / 3, 2 ** 10, 7 // 2, -7 // 2, 7 % -3, 1e20, 1.5e-7, 0.1 + 0.2, 10 / 2)
print(divmod(17, 5), abs(-3), max(3, 9, 2), min([4, 1, 7]), sum(range(10)), round(2.675, 2), round(3.5))

def kw(a, b=2, *args, c=3, **kwargs):
    return (a, b, args, c, sorted(kwargs.items()))

print(kw(1), kw(1, 5, 6, 7, c=8, d=9))
first, *rest = [1, 2, 3, 4]
print(first, rest)

counter = 0
def bump():
    global counter
    counter += 1

bump(); bump()
print(counter)

def outer():
    x = 1
    def inner():
        nonlocal x
        x += 10
        return x
    inner()
    return x

print(outer())

class Animal:
    sound = "..."
    def __init__(self, name):
        self.name = name
    def speak(self):
        return f"{self.name} says {self.sound}"
    def __str__(self):
        return f"Animal({self.name})"

class Dog(Animal):
    sound = "woof"
    def speak(self):
        return super().speak() + "!"

class Puppy(Dog):
    pass

p = Puppy("rex")
print(p.speak(), str(p), isinstance(p, Animal), issubclass(Puppy, Dog), [c.__name__ for c in Puppy.__mro__])

class A: pass
class B(A): pass
class C(A): pass
class E(B, C): pass
print([k.__name__ for k in E.__mro__])

class Vec:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)
    def __eq__(self, o):
        return self.x == o.x and self.y == o.y
    def __hash__(self):
        return hash((self.x, self.y))
    def __repr__(self):
        return f"Vec({self.x}, {self.y})"
    def __len__(self):
        return 2
    @property
    def norm1(self):
        return abs(self.x) + abs(self.y)
    @staticmethod
    def zero():
        return Vec(0, 0)
    @classmethod
    def unit(cls):
        return cls(1, 1)

print(Vec(1, 2) + Vec(3, 4), Vec(1, 2) == Vec(1, 2), len(Vec(0, 0)), Vec(-2, 3).norm1, Vec.zero(), Vec.unit())

class MyError(Exception):
    pass

def risky(n):
    if n > 2:
        raise MyError(f"too big: {n}")
    return n

for n in range(5):
    try:
        risky(n)
    except MyError as e:
        print("caught", e, type(e).__name__)
    else:
        print("ok", n)
    finally:
        print("finally", n)

try:
    {}["missing"]
except KeyError as e:
    print("KeyError", e)
try:
    [][1]
except IndexError as e:
    print("IndexError", e)

class Ctx:
    def __enter__(self):
        print("enter")
        return self
    def __exit__(self, t, v, tb):
        print("exit", t.__name__ if t else None)
        return True

with Ctx() as c:
    raise ValueError("inside")
print("after with")

assert 1 + 1 == 2
try:
    assert False, "nope"
except AssertionError as e:
    print("assert", e)

i = 0
while True:
    i += 1
    if i % 2:
        continue
    if i > 6:
        break
else:
    print("not reached")
print(i)
for x in []:
    pass
else:
    print("for-else")
sq = lambda v: v * v
print(list(map(sq, [1, 2, 3])), list(filter(lambda v: v % 2, range(6))), any([0, 1]), all([]))
print(list(enumerate("ab", 1)), list(reversed([1, 2, 3])))
d = {"a": 1}
d.setdefault("b", 2)
d.update(c=3)
print(d, d.get("z", 0), list(d.keys()), list(d.values()), d.pop("a"), d)
nums = [5, 3, 8]
nums.sort()
nums.insert(0, 0)
print(nums, nums.pop(), nums.index(3), 3 in nums, nums * 2, (1, 2) + (3,))
print(int("42") + 1, float("1.5"), str(3), bool(""), list("ab"), tuple([1]), set([1, 1]))
print(type(1).__name__, type("").__name__, type([]).__name__, type(None).__name__, type(1.0))
print(1 < 2 < 3, 1 < 3 < 2, "a" < "b", [1, 2] < [1, 3], None is None, 1 if 0 else 2)
print(chr(65), ord("A"), hex(255), bin(5), "abc".replace("b", "B"), "  x  ".strip(), "x".center(5, "*"))
print("{} and {}".format("a", "b"), "{0}{1}{0}".format("x", "y"), "{name}".format(name="n"))
