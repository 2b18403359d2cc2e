import gc

gc.collect()
class Keep:
    pass

keep = [Keep() for _ in range(10)]
gc.freeze()
n = gc.get_freeze_count()
print("frozen some", n >= 10)
junk = []
junk.append(junk)
del junk
print("collect with frozen objects", gc.collect())
gc.unfreeze()
print("after unfreeze", gc.get_freeze_count())
a = Keep()
a.me = a
gc.freeze()
del a
print("frozen cycle not collected", gc.collect())
gc.unfreeze()
print("unfrozen cycle collected", gc.collect())
