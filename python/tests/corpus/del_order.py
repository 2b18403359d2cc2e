import gc

gc.collect()
log = []

class F:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        log.append(self.name)
        print("finalize", self.name)

# a ring of finalizable objects: finalizers run in the collector's list order
ring = [F("r%d" % i) for i in range(4)]
for i in range(4):
    ring[i].next = ring[(i + 1) % 4]
del ring
print("collected", gc.collect())

# refcounting frees a chain front to back
head = F("c0")
head.next = F("c1")
head.next.next = F("c2")
del head
print(log)

# a finalizer that breaks its own cycle, then a second collection
class Breaker:
    def __del__(self):
        print("breaker runs; had", type(self.partner).__name__)
        self.partner = None

x = Breaker()
y = F("partner")
x.partner = y
y.back = x
del x, y
print("collected", gc.collect())
print("again", gc.collect())

# an exception in __del__ is reported, not raised
class Bad:
    def __del__(self):
        raise ValueError("in __del__")

b = Bad()
del b
print("still running")
