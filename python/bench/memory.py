class P:
    def __init__(self, i):
        self.a = i
        self.b = None
keep = [P(i) for i in range(300000)]
lists = [[i] for i in range(300000)]
print(len(keep), len(lists))
