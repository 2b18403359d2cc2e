import gc

class D:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        print("__del__", self.name)

x = D("refcount")
del x
print("after del x")

a = D("cycle-a")
b = D("cycle-b")
a.peer = b
b.peer = a
del a, b
print("collect", gc.collect())

saved = []

class Phoenix:
    def __del__(self):
        print("resurrecting")
        saved.append(self)

p = Phoenix()
p.me = p
del p
print("collect", gc.collect())
print("saved", len(saved), gc.is_finalized(saved[0]))
saved.clear()
print("collect again", gc.collect())

def f():
    local = D("local")
    print("in f")

f()
print("after f")
keep = D("at exit")
