import sys
class A:
    def __init__(self):
        print("init self", sys.getrefcount(self))
a = A()
print("a", sys.getrefcount(a))
l = [a]
print("in list", sys.getrefcount(a))
d = {"a": a, "b": a}
print("in dict twice", sys.getrefcount(a))
def f(x, y=None):
    print("param", sys.getrefcount(x))
    z = x
    print("local alias", sys.getrefcount(x))
f(a)
f(a, a)
def default(x=a):
    print("default", sys.getrefcount(x))
default()
print("default held by function", sys.getrefcount(a))
t = (a, a)
print("tuple", sys.getrefcount(a))
del l, d, t, default
print("after dels", sys.getrefcount(a))
class B:
    pass
b = B()
b.x = b
print("self attr", sys.getrefcount(b))
x = [1, 2, 3]
it = iter(x)
print("iterator", sys.getrefcount(x))
del it
m = a.__init__
print("method object", sys.getrefcount(a))
