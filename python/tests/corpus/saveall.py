import gc

gc.collect()
print(gc.get_debug())
gc.set_debug(gc.DEBUG_SAVEALL)
l = [1]
l.append(l)
del l
print("collected", gc.collect())
print("garbage", len(gc.garbage), gc.garbage[0][0])
gc.set_debug(0)
gc.garbage.clear()
print("garbage after clear", len(gc.garbage))
print("collect", gc.collect())
