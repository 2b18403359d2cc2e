import gc

gc.collect()

class Node:
    def __init__(self, name):
        self.name = name
        self.other = None

a = Node("a")
b = Node("b")
a.other = b
b.other = a
del a, b
print("two instances", gc.collect())

l = []
l.append(l)
del l
print("self list", gc.collect())

d = {}
d["me"] = d
del d
print("self dict", gc.collect())

def outer():
    def f():
        return f
    return None

outer()
print("self-referencing closure", gc.collect())

class Tree:
    def __init__(self, parent):
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)

root = Tree(None)
for i in range(3):
    child = Tree(root)
    for j in range(2):
        Tree(child)
del root, child
print("tree with parent pointers", gc.collect())

x = [1, 2, 3]
y = (x,)
x.append(y)
del x, y
print("list-tuple cycle", gc.collect())
print("nothing left", gc.collect())
