# Trees whose children point back to their parents, and rings of nodes linked both
# ways: every node is in a cycle, so only the cycle collector reclaims them. Counts
# are checked while alive (nothing collected), after dropping the root (everything),
# and with one node kept from outside (nothing of its structure).
import gc
import sys


class TreeNode:
    def __init__(self, parent, depth):
        self.parent = parent
        self.depth = depth
        self.children = []

    def grow(self, fanout, depth):
        todo = [self]
        while todo:
            n = todo.pop()
            if n.depth < depth:
                for _ in range(fanout):
                    c = TreeNode(n, n.depth + 1)
                    n.children.append(c)
                    todo.append(c)
        return self

    def size(self):
        count, todo = 0, [self]
        while todo:
            n = todo.pop()
            count += 1
            todo.extend(n.children)
        return count

    def path_to_root(self):
        out, n = [], self
        while n is not None:
            out.append(n.depth)
            n = n.parent
        return out


class RingNode:
    def __init__(self, value):
        self.value = value
        self.next = self
        self.prev = self

    def insert_after(self, node):
        node.prev = self
        node.next = self.next
        self.next.prev = node
        self.next = node


def ring(n):
    head = RingNode(0)
    cur = head
    for i in range(1, n):
        node = RingNode(i)
        cur.insert_after(node)
        cur = node
    return head


def walk(head, steps, backwards=False):
    out, n = [], head
    for _ in range(steps):
        out.append(n.value)
        n = n.prev if backwards else n.next
    return out


gc.collect()
t = TreeNode(None, 0).grow(3, 4)
print("tree size", t.size(), "leaf path", t.children[2].children[0].children[1].path_to_root())
print("collected while alive", gc.collect())
leaf = t.children[1].children[1].children[1].children[1]
del t
print("collected while a leaf is kept", gc.collect(), leaf.path_to_root())
print("refcount of a leaf", sys.getrefcount(leaf))
del leaf
# each node is an instance and its children list: 121 nodes, 242 objects
print("collected the tree", gc.collect())

r = ring(10)
print("forwards", walk(r, 12), "backwards", walk(r, 4, True))
r.next.next.insert_after(RingNode(99))
print("after insert", walk(r, 12))
print("collected while alive", gc.collect())
rings = [ring(n) for n in (1, 2, 5, 50)]
print("ring sizes", [len(walk(x, 100)) for x in rings], [x.next.value for x in rings])
del rings
print("collected four rings", gc.collect())
del r
print("collected the first ring", gc.collect())
