# A class statement that fails part way gives back everything it took: its decorators,
# the bases evaluated so far, the namespace and the frame of its body. CPython evaluates
# the decorators first, then the bases left to right, then the body
# (Python/compile.c, compiler_class), and applies the decorators innermost first.
import gc
import sys


def tag(name):
    print("evaluate decorator", name)

    def deco(cls):
        print("apply decorator", name, "to", cls.__name__)
        return cls

    return deco


def base(cls, name):
    print("evaluate base", name)
    return cls


class Root:
    pass


@tag("outer")
@tag("inner")
class Kept(base(Root, "Root")):
    print("body of Kept")


print([k.__name__ for k in Kept.__mro__])
before = sys.getrefcount(Root)

try:
    @tag("never applied")
    class Broken(base(Root, "Root"), Missing):
        print("never run")
except NameError as e:
    print("NameError:", e)
print("Root's count unchanged:", sys.getrefcount(Root) == before)

try:
    @tag("never applied either")
    class Broken2(Root):
        print("body of Broken2")
        raise ValueError("in the body")
except ValueError as e:
    print("ValueError:", e)
print("Root's count unchanged:", sys.getrefcount(Root) == before)


def failing(cls):
    raise RuntimeError("decorator failed on " + cls.__name__)


try:
    @tag("outer, not applied")
    @failing
    class Broken3(Root):
        pass
except RuntimeError as e:
    print("RuntimeError:", e)
print("unreachable after the failed decorator:", gc.collect())
print("Root's count unchanged:", sys.getrefcount(Root) == before)

try:
    @undefined_decorator
    class NeverBuilt(base(Root, "not evaluated")):
        pass
except NameError as e:
    print("NameError:", e)
print("Broken" in globals(), "Broken2" in globals(), "Broken3" in globals())
