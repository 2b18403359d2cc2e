# Binary trees with parent pointers, built and dropped.
import gc

class Tree:
    def __init__(self, parent, depth):
        self.parent = parent
        self.children = []
        if depth > 0:
            for _ in range(2):
                self.children.append(Tree(self, depth - 1))

def count(t):
    n = 1
    for c in t.children:
        n += count(c)
    return n

total = 0
for round in range(20):
    t = Tree(None, 12)
    total += count(t)
    del t
print(total, gc.collect())
