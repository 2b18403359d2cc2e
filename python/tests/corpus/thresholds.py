import gc

gc.collect()
gc.set_threshold(50, 2, 2)
print(gc.get_threshold())
seen = []
def cb(phase, info):
    if phase == "stop":
        seen.append(info["generation"])
gc.callbacks.append(cb)

class Node:
    def __init__(self):
        self.me = self

for i in range(500):
    Node()
gc.callbacks.remove(cb)
print("collections:", len(seen) > 5, "generations seen:", sorted(set(seen)))
gc.disable()
before = len(seen)
gc.callbacks.append(cb)
for i in range(500):
    Node()
gc.callbacks.remove(cb)
print("disabled: no automatic collection", len(seen) == before)
gc.enable()
print("collect", gc.collect() >= 500)
gc.set_threshold(700, 10, 10)
