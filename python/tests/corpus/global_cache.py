# Global loads after the globals change: gclab-py caches a global name's value per use
# site while the module's dict is unchanged (like CPython 3.11's LOAD_GLOBAL cache,
# Python/specialize.c) and must see every change: a global rebound, a builtin shadowed
# and unshadowed, a write through globals(), a deletion, and a global first missing.

counter = 0


def read():
    return counter


def length(x):
    return len(x)


def missing():
    return later


for i in range(3):
    counter = i
    print(read(), length("ab"))


def fake_len(x):
    return -1


len = fake_len
print(length("abc"))
del len
print(length("abc"))

globals()["counter"] = 100
print(read())
del counter
try:
    read()
except NameError as e:
    print("NameError:", e)

try:
    missing()
except NameError as e:
    print("NameError:", e)
later = "now here"
print(missing())
later = "changed"
print(missing())
