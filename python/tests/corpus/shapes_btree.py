# The shape of pyperformance's btree benchmark, written for this project: a B-tree of
# nodes with __slots__ whose in-order walk is a recursive generator (`yield from` each
# child), records holding random bytes and interned strs, keys inserted in a shuffled
# order, a part deleted and re-inserted, then one collection.
import gc
import random
import sys

ORDER = 4


class Node:
    __slots__ = ["keys", "values", "children"]

    def __init__(self):
        self.keys = []
        self.values = []
        self.children = []

    def leaf(self):
        return not self.children

    def __iter__(self):
        if self.leaf():
            yield from self.keys
            return
        for i, k in enumerate(self.keys):
            yield from self.children[i]
            yield k
        yield from self.children[-1]

    def find(self, key):
        node = self
        while True:
            i = 0
            while i < len(node.keys) and node.keys[i] < key:
                i += 1
            if i < len(node.keys) and node.keys[i] == key:
                return node.values[i]
            if node.leaf():
                return None
            node = node.children[i]

    def split_child(self, i):
        full = self.children[i]
        right = Node()
        mid = ORDER - 1
        right.keys = full.keys[mid + 1:]
        right.values = full.values[mid + 1:]
        if not full.leaf():
            right.children = full.children[mid + 1:]
            full.children = full.children[:mid + 1]
        self.keys.insert(i, full.keys[mid])
        self.values.insert(i, full.values[mid])
        full.keys = full.keys[:mid]
        full.values = full.values[:mid]
        self.children.insert(i + 1, right)

    def insert_nonfull(self, key, value):
        node = self
        while True:
            i = 0
            while i < len(node.keys) and node.keys[i] < key:
                i += 1
            if i < len(node.keys) and node.keys[i] == key:
                node.values[i] = value
                return
            if node.leaf():
                node.keys.insert(i, key)
                node.values.insert(i, value)
                return
            if len(node.children[i].keys) == 2 * ORDER - 1:
                node.split_child(i)
                if key > node.keys[i]:
                    i += 1
                elif key == node.keys[i]:
                    node.values[i] = value
                    return
            node = node.children[i]


class Tree:
    __slots__ = ["root"]

    def __init__(self):
        self.root = Node()

    def __setitem__(self, key, value):
        if len(self.root.keys) == 2 * ORDER - 1:
            old = self.root
            self.root = Node()
            self.root.children.append(old)
            self.root.split_child(0)
        self.root.insert_nonfull(key, value)

    def __getitem__(self, key):
        return self.root.find(key)

    def __iter__(self):
        yield from self.root

    def depth(self):
        d, node = 1, self.root
        while not node.leaf():
            d, node = d + 1, node.children[0]
        return d


class Record:
    def __init__(self, a, b, c, d, e, f):
        self.a, self.b, self.c, self.d, self.e, self.f = a, b, c, d, e, f


def make_records(n):
    rnd = random.Random(5)
    for i in range(n):
        yield Record(i, f"node {i}", rnd.randbytes(i % 7), rnd.random(),
                     sys.intern(str(rnd.randint(0, 30))), rnd.choice([None, True, False]))


records = list(make_records(600))
print(len(records), records[5].c, records[6].e, records[7].f)

random.seed(11)
ids = list(range(len(records)))
random.shuffle(ids)
tree = Tree()
for i in ids:
    tree[i] = records[i]
keys = list(tree)
print(keys == sorted(keys), len(keys), tree.depth())
print(round(sum(tree[k].d for k in keys), 6), sum(len(tree[k].c) for k in keys))
for i in range(100):
    tree[i] = Record(i, "again", records[i].c, 0.5, "x", None)
print(round(sum(tree[k].d for k in tree), 6), tree[3].b, tree[450].b)

walk = iter(tree)
print(next(walk), next(walk), next(walk))
del walk
del tree, records, keys
print("collected:", gc.collect())
