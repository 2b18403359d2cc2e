import gc

gc.collect()
gc.set_debug(gc.DEBUG_SAVEALL)

class Thing:
    pass

for i in range(3):
    t = Thing()
    t.me = t
del t
print("collected", gc.collect())
print(len(gc.garbage), all(type(x).__name__ == "Thing" for x in gc.garbage))
first = gc.garbage[0]
gc.garbage[:] = [first]
print(len(gc.garbage), gc.garbage[0] is first)
del gc.garbage[:]
print(len(gc.garbage))
del first
gc.set_debug(0)
print("collected after turning save-all off", gc.collect())
print(gc.garbage)
