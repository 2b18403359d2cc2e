import sys, gc

gc.collect()

class Counter:
    def __init__(self):
        self.n = 0
    def tick(self):
        self.n += 1
        return self.n

c = Counter()
print(sys.getrefcount(c))
m = c.tick
print(sys.getrefcount(c), m.__self__ is c, m.__func__ is Counter.tick)
m(); m()
print(c.n)
c.handler = c.tick      # a cycle through a bound method
del m
print(sys.getrefcount(c))
del c
print("method cycle", gc.collect())

def deco(f):
    def wrapper(*a, **k):
        return ("wrapped", f(*a, **k))
    return wrapper

@deco
def add(x, y=1):
    return x + y

print(add(1), add(1, y=5), add.__name__, len(add.__closure__))

class Account:
    total = 0
    def __init__(self, owner):
        self.owner = owner
        Account.total += 1
    @classmethod
    def count(cls):
        return cls.total
    @property
    def label(self):
        return self.owner.upper()

Account("a"); Account("b")
print(Account.count(), Account("z").label)
