# Generators: a call of a function whose body holds `yield` returns a generator object
# holding the call's frame; the frame is let go when the generator returns, raises or
# is closed (CPython 3.11: Objects/genobject.c, gen_send_ex2, gen_close,
# _PyGen_Finalize).
import gc
import sys


def count(n):
    i = 0
    while i < n:
        yield i
        i += 1


print(list(count(5)), sum(count(10)), type(count(1)).__name__)


def labelled(xs):
    for x in xs:
        if x % 2:
            yield x, "odd"
        elif x == 4:
            continue
        else:
            yield x, "even"
        if x > 5:
            break
    else:
        yield "no break"
    yield "end"


print(list(labelled([1, 2, 3, 4])), list(labelled([7, 8])))


def running_total():
    total = 0
    while True:
        x = yield total
        if x is None:
            break
        total += x
    return total


g = running_total()
print(next(g), g.send(3), g.send(4))
try:
    g.send(None)
except StopIteration as e:
    print("returned", e.args)
try:
    count(3).send(1)
except TypeError as e:
    print("TypeError:", e)


def inner():
    yield 1
    yield 2
    return "inner's value"


def outer():
    got = yield from inner()
    yield got
    yield from [10, 20]
    yield from range(2)


print(list(outer()))

# a suspended generator holds its frame, and so its arguments
data = [1, 2, 3]


def walk(xs):
    for x in xs:
        yield x


w = walk(data)
print("before start:", sys.getrefcount(data))
next(w)
print("suspended:", sys.getrefcount(data))
print(list(w))
print("finished:", sys.getrefcount(data))

w = walk(data)
next(w)
w.close()
print("closed:", sys.getrefcount(data), list(w))


def failing():
    yield "first"
    raise ValueError("inside the generator")


try:
    for v in failing():
        print(v)
except ValueError as e:
    print("ValueError:", e)


# a suspended generator that refers to itself through its frame: the collector runs
# its finalizer, which closes it, and reference counting frees it (not counted)
def holder():
    me = yield
    yield me


h = holder()
next(h)
h.send(h)
del h
print("suspended self-cycle:", gc.collect())


# one never started keeps its frame until it dies: the cycle is counted
def never(box):
    yield box


box = []
n = never(box)
box.append(n)
del n, box
print("unstarted cycle:", gc.collect())


def tree(depth):
    if depth == 0:
        yield "leaf"
        return
    yield depth
    yield from tree(depth - 1)
    yield from tree(depth - 1)


print(list(tree(2)))
