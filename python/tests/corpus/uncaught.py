def f():
    return g()
def g():
    return undefined_thing
print("before")
f()
