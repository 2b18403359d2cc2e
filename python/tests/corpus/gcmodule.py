import gc

print(gc.get_threshold())
print(gc.isenabled())
gc.disable()
print(gc.isenabled())
gc.enable()
gc.set_threshold(100, 5, 5)
print(gc.get_threshold())
gc.set_threshold(700, 10, 10)

events = []
def cb(phase, info):
    events.append((phase, info["generation"], info["collected"]))

gc.callbacks.append(cb)
l = []
l.append(l)
del l
gc.collect()
gc.callbacks.remove(cb)
print(events)

x = []
print(gc.is_tracked(x), gc.is_tracked(1), gc.is_tracked("s"), gc.is_tracked({}), gc.is_tracked({"a": []}))
y = [x]
print(x in gc.get_referents(y), y in gc.get_referrers(x))
gc.collect()
gc.freeze()
print(gc.get_freeze_count() > 0)
gc.unfreeze()
print(gc.get_freeze_count())
print(len(gc.get_stats()), sorted(gc.get_stats()[0].keys()))

gc.collect()
gc.disable()
before = gc.get_count()[0]
junk = []
for i in range(50):
    junk.append([])
print("count grew by at least 50:", gc.get_count()[0] - before >= 50)
del junk
gc.enable()

gc.collect()
count = 0
def on(phase, info):
    global count
    if phase == "stop" and info["generation"] == 0:
        count += 1
gc.callbacks.append(on)
keep = []
for i in range(2000):
    keep.append([])
gc.callbacks.remove(on)
print("automatic collections happened:", count > 0)
