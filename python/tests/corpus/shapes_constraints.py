# A constraint graph in the shape of a one-way constraint solver: variables know the
# constraints on them, constraints know their variables, so the graph is one web of
# cycles. Collections are a subclass of list; strengths are class attributes set after
# the class; plans are extracted by walking the web.
import gc


class Bag(list):
    """A list that also removes by identity and pops from the front."""

    def drop(self, x):
        for i in range(len(self)):
            if self[i] is x:
                del self[i]
                return True
        return False

    def take_first(self):
        return self.pop(0)


class Level:
    def __init__(self, rank, name):
        self.rank = rank
        self.name = name

    def __repr__(self):
        return "Level(%s)" % self.name

    @classmethod
    def stronger(cls, a, b):
        return a.rank < b.rank

    @staticmethod
    def weakest(a, b):
        return a if a.rank > b.rank else b


Level.HARD = Level(0, "hard")
Level.SOFT = Level(1, "soft")
Level.HINT = Level(2, "hint")


class Var:
    def __init__(self, name, value):
        self.name = name
        self.value = value
        self.constraints = Bag()
        self.set_by = None
        self.level = Level.HINT

    def attach(self, c):
        self.constraints.append(c)

    def detach(self, c):
        self.constraints.drop(c)
        if self.set_by is c:
            self.set_by = None

    def __repr__(self):
        return "%s=%r" % (self.name, self.value)


class Constraint:
    def __init__(self, level):
        self.level = level

    def inputs(self):
        return []

    def is_input(self):
        return False


class Equal(Constraint):
    def __init__(self, src, dst, level):
        super().__init__(level)
        self.src = src
        self.dst = dst
        src.attach(self)
        dst.attach(self)
        dst.set_by = self
        dst.level = Level.weakest(src.level, level)

    def inputs(self):
        return [self.src]

    def fire(self):
        self.dst.value = self.src.value


class Scale(Equal):
    def __init__(self, src, dst, factor, offset, level):
        super().__init__(src, dst, level)
        self.factor = factor
        self.offset = offset

    def fire(self):
        self.dst.value = self.src.value * self.factor + self.offset


class Stay(Constraint):
    def __init__(self, var, level):
        super().__init__(level)
        self.var = var
        var.attach(self)

    def fire(self):
        pass


def plan_from(source):
    """The constraints downstream of `source`, breadth first."""
    todo = Bag([source])
    seen = set()
    plan = Bag()
    while len(todo):
        v = todo.take_first()
        for c in v.constraints:
            if isinstance(c, Equal) and c.src is v and id(c) not in seen:
                seen.add(id(c))
                plan.append(c)
                todo.append(c.dst)
    return plan


def chain(n):
    vs = [Var("v%d" % i, 0) for i in range(n)]
    Stay(vs[0], Level.HARD)
    for a, b in zip(vs, vs[1:]):
        Equal(a, b, Level.SOFT)
    return vs


def run_chain(n):
    vs = chain(n)
    plan = plan_from(vs[0])
    print("chain", n, "plan", len(plan), type(plan).__name__, isinstance(plan, list))
    for value in (5, 17, -3):
        vs[0].value = value
        for c in plan:
            c.fire()
        print(" first", vs[0], "last", vs[-1], "level", vs[-1].level)
    return vs


def run_projection(n):
    src = [Var("s%d" % i, i) for i in range(n)]
    dst = [Var("d%d" % i, 0) for i in range(n)]
    scale = Var("scale", 10)
    offset = Var("offset", 1000)
    cs = []
    for s, d in zip(src, dst):
        cs.append(Scale(s, d, scale.value, offset.value, Level.HARD))
    for c in cs:
        c.fire()
    print("projection", [d.value for d in dst[:5]], Level.stronger(Level.HARD, Level.SOFT))
    # remove every other constraint from the web
    for c in cs[::2]:
        c.src.detach(c)
        c.dst.detach(c)
    print("attached", sum(len(s.constraints) for s in src), [d.set_by is None for d in dst[:4]])
    return src, dst


gc.collect()
vs = run_chain(50)
print("collected while alive", gc.collect())
del vs
print("collected chain", gc.collect())
src, dst = run_projection(20)
del src, dst
print("collected projection", gc.collect())
b = Bag("abc")
b.extend(Bag([1, 2]))
b.insert(0, "z")
lv = Level(9, "extra")
b.append(lv)
print(b, b.take_first(), b.drop(lv), b.drop(Level.HARD), len(b), b[1:3], type(b[1:3]).__name__)
print(b == ["a", "b", "c", 1, 2], b + [0], Bag() or "empty", b.index("c"), b.count(1))
b.append(b)
del b
print("collected a bag holding itself", gc.collect())
