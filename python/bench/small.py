# Many small objects: lists, tuples, dicts, strings.
data = []
for i in range(200000):
    data.append((i, [i, i * 2], {"k": i}))
s = 0
for t in data:
    s += t[1][1] + t[2]["k"]
words = []
for i in range(50000):
    words.append("w" + str(i))
print(s, len(data), len(" ".join(words)))
