# Many small reference cycles, dropped as they are made: the collector's work.
import gc

class Node:
    def __init__(self, i):
        self.i = i
        self.peer = None

total = 0
for i in range(100000):
    a = Node(i)
    b = Node(i + 1)
    a.peer = b
    b.peer = a
    total += a.i
print(total)
gc.collect()
