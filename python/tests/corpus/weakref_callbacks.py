import weakref, gc, sys

class Node:
    def __init__(self, name):
        self.name = name
    def __repr__(self):
        return "Node(%s)" % self.name

log = []
def make_cb(tag):
    def cb(ref):
        log.append(tag)
        print("callback", tag, ref() is None)
    return cb

n = Node("n")
r1 = weakref.ref(n, make_cb("first"))
r2 = weakref.ref(n, make_cb("second"))
print(weakref.getweakrefcount(n), r1() is n, sys.getrefcount(n))
del n
print("order", log)

# a weak reference that dies before its target: no callback
t = Node("t")
r = weakref.ref(t, make_cb("never"))
del r
del t
print("no callback", log)

# cycle with a weakref to a member, callback reachable
a = Node("a"); b = Node("b")
a.b = b; b.a = a
wa = weakref.ref(a, make_cb("cycle"))
del a, b
print("collected", gc.collect(), wa())

# the weakref object itself inside the garbage: its callback does not run
c = Node("c")
c.self_ref = weakref.ref(c, make_cb("inside"))
c.me = c
del c
print("collected", gc.collect(), log)

# weakref.finalize
class Res:
    pass
def closed(name):
    print("finalize ran for", name)
res = Res()
f = weakref.finalize(res, closed, "res")
print(f.alive)
del res
print(f.alive)
res2 = Res()
f2 = weakref.finalize(res2, closed, "res2")
f2()
print("called early", f2.alive)
del res2
print("done")
