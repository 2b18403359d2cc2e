# Attribute lookups after the classes change: gclab-py caches class-attribute lookups
# (like CPython's type version tags, Objects/typeobject.c) and must see every change:
# a class attribute rebound, a method replaced on a base, an attribute deleted, added to
# a base after a miss, changed through setattr/delattr, and a class made again.


class Base:
    kind = "base"

    def who(self):
        return "Base.who"


class Mid(Base):
    pass


class Leaf(Mid):
    def name(self):
        return "Leaf.name"


x = Leaf()
for _ in range(3):
    print(x.kind, x.who(), x.name())

Base.kind = "rebound"
print(x.kind)


def who2(self):
    return "who2"


Base.who = who2
print(x.who())

Mid.kind = "mid"
print(x.kind)
del Mid.kind
print(x.kind)

print(hasattr(x, "late"))
Base.late = 42
print(hasattr(x, "late"), x.late)

setattr(Mid, "late", 43)
print(x.late)
delattr(Mid, "late")
print(x.late)
del Base.late
print(hasattr(x, "late"))


def make(v):
    class K:
        val = v

        def get(self):
            return self.val

    return K


for i in range(3):
    k = make(i)()
    print(k.get(), type(k).val)

Leaf.__dict__  # a mapping proxy in CPython; reading it changes nothing
vars_before = Leaf.name(x)
Leaf.name = lambda self: "lambda"
print(vars_before, x.name())
