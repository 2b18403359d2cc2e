# Exceptions: hierarchy, re-raise, finally ordering, context managers, custom classes.
class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code
    def __str__(self):
        return f"[{self.code}] {self.args[0]}"

class NotFound(AppError):
    pass

def find(d, k):
    try:
        return d[k]
    except KeyError:
        raise NotFound(404, f"no {k}")

try:
    find({}, "x")
except AppError as e:
    print("caught", type(e).__name__, e, e.code, isinstance(e, Exception))

def order():
    try:
        print("try")
        return "from try"
    finally:
        print("finally")

print(order())

def swallow():
    for i in range(3):
        try:
            if i == 1:
                continue
            if i == 2:
                break
            print("body", i)
        finally:
            print("finally", i)
    return "done"

print(swallow())

def reraise():
    try:
        int("nope")
    except ValueError:
        print("handling")
        raise

try:
    reraise()
except ValueError as e:
    print("re-raised:", e)

try:
    try:
        1 / 0
    finally:
        print("inner finally")
except ZeroDivisionError:
    print("outer caught")

class Resource:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print("open", self.name)
        return self
    def __exit__(self, exc_type, exc, tb):
        print("close", self.name, exc_type.__name__ if exc_type else None)
        return False

try:
    with Resource("a") as a, Resource("b") as b:
        print("using", a.name, b.name)
        raise KeyError("k")
except KeyError as e:
    print("propagated", repr(e))

for exc in (ValueError("v"), TypeError("t"), IndexError("i"), ZeroDivisionError("z")):
    try:
        raise exc
    except (ValueError, TypeError) as e:
        print("group 1", e)
    except LookupError as e:
        print("lookup", e)
    except Exception as e:
        print("other", type(e).__name__)

try:
    raise RuntimeError
except RuntimeError as e:
    print("bare class raised:", repr(e), e.args)
print(issubclass(KeyError, LookupError), issubclass(RecursionError, RuntimeError), NotFound.__mro__[1].__name__)
try:
    assert 1 > 2, ("tuple", "message")
except AssertionError as e:
    print(e)
try:
    [].pop()
except IndexError as e:
    print(e)
try:
    undefined
except NameError as e:
    print(e)
def local_before():
    print(v)
    v = 1
try:
    local_before()
except UnboundLocalError as e:
    print(e)
try:
    None.x
except AttributeError as e:
    print(e)
try:
    len(5)
except TypeError as e:
    print(e)
try:
    "a" + 1
except TypeError as e:
    print(e)
try:
    {}["k"]
except KeyError as e:
    print(repr(e), str(e))
