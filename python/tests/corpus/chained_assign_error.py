# A chained assignment whose first store fails: the value's references all go back
# (found by the fuzz test: a float stayed alive under --check-leaks).
import gc
import sys


class Slotted:
    __slots__ = ("y",)

    def __init__(self, v):
        self.x = y = v


class Box:
    pass


value = [1.5]
print(sys.getrefcount(value))
try:
    Slotted(value)
except AttributeError as e:
    print(e)
print(sys.getrefcount(value))
b = Box()
try:
    b.a = b.c.d = value
except AttributeError as e:
    print(e)
print(sys.getrefcount(value), b.a is value)
del b.a
print(sys.getrefcount(value))
print(gc.collect())
