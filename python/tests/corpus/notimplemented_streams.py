import sys
class A:
    def __init__(self, v): self.v = v
    def __eq__(self, o):
        if not isinstance(o, A):
            return NotImplemented
        return self.v == o.v
    def __add__(self, o):
        if not isinstance(o, A):
            return NotImplemented
        return A(self.v + o.v)
    __hash__ = None
print(A(1) == A(1), A(1) == 1, A(1) != 2, (A(1) + A(2)).v)
try:
    A(1) + 1
except TypeError as e:
    print(e)
print("to stderr", file=sys.stderr)
sys.stdout.write("written\n")
print(sorted(k for k in globals() if not k.startswith("__")), NotImplemented)
