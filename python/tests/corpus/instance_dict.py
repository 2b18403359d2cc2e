import gc, sys

gc.collect()

class P:
    def __init__(self, name):
        self.name = name

# inline values (3.11): an instance is one object
a = P("a")
b = P("b")
a.peer = b
b.peer = a
del a, b
print("inline cycle", gc.collect())

# once __dict__ is touched, each instance has its own dict
a = P("a")
b = P("b")
a.peer = b
b.peer = a
print(sorted(a.__dict__), vars(b)["name"])
del a, b
print("cycle with dicts", gc.collect())

c = P("c")
d = c.__dict__
d["extra"] = 42
print(c.extra, sys.getrefcount(d))
c.more = 1
print(sorted(d.items()))
del c.name
print(sorted(d))
