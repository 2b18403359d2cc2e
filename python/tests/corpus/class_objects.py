# A class is an object in a reference cycle: its MRO tuple starts with the class itself,
# and the `__dict__`/`__weakref__` descriptors in its dict refer back to it
# (Objects/typeobject.c: type_new, type_new_slots, type_traverse; CPython 3.11). So a
# deleted class waits for the cycle collector, and its count includes those references.
import gc
import sys
import weakref

gc.disable()


class Plain:
    pass


print("fresh class count:", sys.getrefcount(Plain))  # name, MRO, two descriptors, argument
print(list(Plain.__dict__))
print(Plain.__dict__["__dict__"], Plain.__dict__["__weakref__"])
print(type(Plain.__dict__["__dict__"]).__name__, Plain.__doc__)
print(Plain.__mro__ is Plain.__mro__, Plain.__mro__[0] is Plain, Plain.__base__, Plain.__bases__)
print(len(gc.get_referents(Plain)), gc.is_tracked(Plain))


class Child(Plain):
    "A documented child."

    def method(self):
        return 1


print("after a subclass:", sys.getrefcount(Plain), sys.getrefcount(Child))
print(list(Child.__dict__), Child.__doc__)
print(Child.__base__ is Plain, Child.__mro__)

x = Child()
print("an instance refers to its class:", sys.getrefcount(Child))
del x

# deleting a class leaves a cycle: class, dict, MRO, bases, descriptors (and methods).
# (Plain stays: once a collection has run, CPython has untracked its bases tuple
# `(object,)`, builtin types not being GC objects there; gclab-py's are.)
del Child
print("a deleted subclass:", gc.collect())


class Error(Exception):
    pass


print(list(Error.__dict__), Error.__base__)  # BaseException instances have a __dict__
del Error
print("an exception class:", gc.collect())


def make_classes(n):
    out = []
    for i in range(n):
        class Local:
            pass
        out.append(Local)
    return len(out)


print(make_classes(5), "classes made in a function:", gc.collect())


class Slotted:
    __slots__ = ("y", "x")


print(list(Slotted.__dict__), Slotted.x, type(Slotted.x).__name__)
print("slots add member descriptors:", sys.getrefcount(Slotted))
s = Slotted()
s.x = 1
print(s.x)
try:
    s.y
except AttributeError as e:
    print("AttributeError:", e)
try:
    s.z = 3
except AttributeError as e:
    print("AttributeError:", e)
try:
    weakref.ref(s)
except TypeError as e:
    print("TypeError:", e)


class SlottedDict(Slotted):
    __slots__ = ("__dict__", "w")


print(list(SlottedDict.__dict__), SlottedDict.__base__)
print(sys.getrefcount(Slotted))

for bad in (["__dict__"], [1], ["a b"], ["x"]):
    try:
        if bad == ["x"]:
            class Conflict:
                __slots__ = bad
                x = 1
        else:
            class WithDict(Plain if False else object):
                __slots__ = bad + ["__dict__"] if bad == ["__dict__"] else bad
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ":", e)


class A:
    pass


class B(A):
    pass


try:
    class Bad(A, B):
        pass
except TypeError as e:
    print("TypeError:", e)
try:
    class Mixed(list, Error2 if False else Exception):
        pass
except TypeError as e:
    print("TypeError:", e)


class E2(Exception):
    pass


class Both(A, E2):
    pass


print(Both.__base__, Both.__mro__)

a = A()
print(a.__weakref__)
r = weakref.ref(a)
print(a.__weakref__ is r, weakref.getweakrefcount(a))
del r
print(a.__weakref__)
