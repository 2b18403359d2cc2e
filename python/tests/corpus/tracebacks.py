def f(x):
    return x + undefined_thing
def g(d):
    return d["k"] * 2
def h():
    return f(1)
def k():
    g({})
import sys
which = "b"
if which == "a":
    h()
elif which == "b":
    k()
elif which == "c":
    print([1][5])
elif which == "d":
    obj = None
    obj.attr.more
elif which == "e":
    int("x") + 1
