class Proxy:
    def __init__(self, target):
        self.target = target
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.target, name)
class T:
    x = 5
    def hello(self):
        return "hi"
p = Proxy(T())
print(p.x, p.hello(), hasattr(p, "nope"), hasattr(p, "_private"))
try:
    p.missing
except AttributeError as e:
    print("AttributeError", e)
