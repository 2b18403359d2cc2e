import sys, gc

def make_adders():
    adders = []
    for i in range(3):
        def add(x, i=i):
            return x + i
        adders.append(add)
    return adders

print([f(10) for f in make_adders()])

def late_binding():
    fs = [lambda: i for i in range(3)]
    return [f() for f in fs]

print(late_binding())

def counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    def get():
        return count
    return inc, get

inc, get = counter()
inc(); inc(5)
print(get(), inc.__closure__[0] is get.__closure__[0], inc.__closure__[0].cell_contents)

x = "global"
def shadow():
    x = "local"
    def inner():
        return x
    return inner()
print(shadow(), x)

def modify_global():
    global x
    x = "changed"
modify_global()
print(x)

class K:
    attr = 1
    def method(self):
        return self.attr
    def __repr__(self):
        return "K()"

def outer():
    k = K()
    def uses_k():
        return k.method()
    return uses_k

f = outer()
print(f(), type(f.__closure__[0].cell_contents).__name__)
print(sys.getrefcount(f.__closure__[0]))
del f
print(gc.collect())

def nested_cells():
    a = 1
    def level1():
        b = 2
        def level2():
            return a + b
        return level2
    return level1()

g = nested_cells()
print(g(), len(g.__closure__))

def kwargs_demo(a, /, b, *, c, **rest):
    return a, b, c, rest

print(kwargs_demo(1, 2, c=3), kwargs_demo(1, b=2, c=3, d=4))
try:
    kwargs_demo(1, 2, 3)
except TypeError as e:
    print(e)
try:
    kwargs_demo(1)
except TypeError as e:
    print(e)
def star(*args, **kwargs):
    return len(args), sorted(kwargs)
print(star(*[1, 2], *(3,), **{"a": 1}, b=2))
print((lambda *a, **k: (a, k))(1, x=2))
total = 0
def acc(n):
    global total
    for i in range(n):
        total += i
acc(5)
print(total)
