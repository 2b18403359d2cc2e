import sys

a = [1, 2]
print("name", sys.getrefcount(a))
b = [a, a, a]
print("in list x3", sys.getrefcount(a))
d = {"k": a}
print("in dict", sys.getrefcount(a))
t = (a,)
print("in tuple", sys.getrefcount(a))
del b, d, t
print("after del", sys.getrefcount(a))

def param(x):
    return sys.getrefcount(x)

print("parameter", param(a))

def two(x, y):
    return sys.getrefcount(x)

print("two params same object", two(a, a))

class Box:
    def __init__(self, v):
        self.v = v
    def count_self(self):
        return sys.getrefcount(self)

box = Box(a)
print("attribute", sys.getrefcount(a))
print("self in method", box.count_self())
m = box.count_self
print("bound method holds self", sys.getrefcount(box))
del m
print("after del method", sys.getrefcount(box))

def make_counter():
    n = [0]
    def inc():
        n[0] += 1
        return n[0]
    return inc

c = make_counter()
c(); c()
print("closure", c(), len(c.__closure__), type(c.__closure__).__name__)
cell_list = c.__closure__[0].cell_contents
print("cell contents refcount", sys.getrefcount(cell_list))

for item in a:
    print("while iterating", sys.getrefcount(a))
