import sys
def parse(s):
    try:
        return int(s)
    except ValueError as e:
        raise RuntimeError("bad input") from e
def lookup(d, k):
    try:
        return d[k]
    except KeyError:
        return undefined_default
def quiet():
    try:
        {}["x"]
    except KeyError:
        raise ValueError("clean") from None
def again():
    try:
        1 / 0
    except ZeroDivisionError:
        print("handling")
        raise
which = "b"
if which == "a":
    parse("x")
elif which == "b":
    lookup({}, "k")
elif which == "c":
    quiet()
else:
    again()
