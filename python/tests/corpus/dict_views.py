d = {"a": 1, "b": 2}
k = d.keys()
print(k, d.values(), d.items(), len(k), "a" in k, 2 in d.values(), ("a", 1) in d.items())
d["c"] = 3
print(k, list(k), sorted(d.items(), reverse=True), bool({}.keys()))
for key, value in d.items():
    print(key, value)
print(type(k).__name__, [x for x in d.values()], max(d.values()))
