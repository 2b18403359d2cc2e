import weakref, gc

class Obj:
    pass

def callback(ref):
    print("callback; dead:", ref() is None)

o = Obj()
r = weakref.ref(o, callback)
print("alive:", r() is o)
print("count", weakref.getweakrefcount(o))
del o
print("after del")

a = Obj()
b = Obj()
a.b = b
b.a = a
w = weakref.ref(a, callback)
del a, b
print("collect", gc.collect())
print("dead", w() is None)

class Res:
    pass

def bye(tag):
    print("finalize", tag)

x = Res()
fin = weakref.finalize(x, bye, "x")
print("fin alive", fin.alive if hasattr(fin, "alive") else "n/a")
del x
print("end")
