# gc.get_referents lists what tp_traverse visits, in its order (CPython 3.11):
# dict_traverse visits only the values of a dict whose keys are all str, else each
# value then its key; subtype_traverse visits an instance's values (or its dict) and
# then its class; method_traverse the function then self.
import gc
import sys
import weakref


class Node:
    def go(self):
        return self


n = Node()
n.child = [1]
n.size = 2
print(gc.get_referents(n))
n.__dict__
print(gc.get_referents(n))
print(gc.get_referents({"a": [3], "b": 4}))
print(gc.get_referents({1: 2, "a": [3]}))
print(gc.get_referents(n.go)[0] is Node.go, gc.get_referents(n.go)[1] is n)
print(gc.get_referents([1, "x", None], (2,)))

# bound methods compare equal when their functions are equal and __self__ is the same
# object (method_richcompare), though each attribute access makes a new one
print(n.go == n.go, n.go is n.go, n.go != Node().go)

# weakref.ref(x) without a callback is one shared object (weakref_new); one with a
# callback is new each time; x.__weakref__ is the head of x's list (insert_head)
r1 = weakref.ref(n)
r2 = weakref.ref(n)
print(r1 is r2, weakref.getweakrefcount(n), n.__weakref__ is r1)
r3 = weakref.ref(n, lambda r: print("callback of r3"))
print(r3 is r1, weakref.getweakrefcount(n), n.__weakref__ is r1)
del r1, r2
print(weakref.getweakrefcount(n), n.__weakref__ is r3)
r4 = weakref.ref(n)
print(r4 is r3, n.__weakref__ is r4, sys.getrefcount(r4))
del n
print(r3(), r4())
