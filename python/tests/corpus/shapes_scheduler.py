# A round-robin scheduler in the shape of an operating-system simulation: task records
# linked into a run list, each with a work queue of packets linked to each other, and
# a scheduler that walks the links. Records use __slots__; packets are made with
# keyword-only arguments.
import gc

IDLE, WORKER, DEVICE = 0, 1, 2


class Packet:
    __slots__ = ("link", "owner", "kind", "data")

    def __init__(self, link, owner, *, kind, data=0):
        self.link = link
        self.owner = owner
        self.kind = kind
        self.data = data

    def append_to(self, queue):
        self.link = None
        if queue is None:
            return self
        p = queue
        while p.link is not None:
            p = p.link
        p.link = self
        return queue


class Task:
    __slots__ = ("ident", "priority", "next", "queue", "runs", "held", "sched")

    def __init__(self, sched, ident, priority, queue):
        self.sched = sched
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.runs = 0
        self.held = False
        self.next = sched.tasks
        sched.tasks = self

    def step(self):
        self.runs += 1
        pkt = self.queue
        if pkt is None:
            return self.next
        self.queue = pkt.link
        return self.handle(pkt)

    def handle(self, pkt):
        return self.sched.send(pkt, (self.ident + 1) % self.sched.count)


class Worker(Task):
    __slots__ = ("total",)

    def __init__(self, sched, ident, priority, queue):
        super().__init__(sched, ident, priority, queue)
        self.total = 0

    def handle(self, pkt):
        self.total += pkt.data
        pkt.data = (pkt.data * 7 + self.ident) % 101
        return super().handle(pkt)


class Device(Task):
    __slots__ = ()

    def handle(self, pkt):
        if pkt.data % 3 == 0:
            self.held = not self.held
        return Task.handle(self, pkt)


class Scheduler:
    def __init__(self):
        self.tasks = None
        self.count = 0
        self.table = []
        self.sent = 0

    def add(self, cls, priority, queue):
        t = cls(self, self.count, priority, queue)
        self.count += 1
        self.table.append(t)
        return t

    def send(self, pkt, dest):
        target = self.table[dest]
        self.sent += 1
        pkt.owner = target
        target.queue = pkt.append_to(target.queue)
        return target

    def run(self, steps):
        t = self.tasks
        for _ in range(steps):
            if t is None:
                t = self.tasks
            if t.held:
                t = t.next
                continue
            t = t.step()


def build(n_workers, n_packets):
    s = Scheduler()
    s.add(Task, 0, None)
    for i in range(n_workers):
        q = None
        for j in range(n_packets):
            q = Packet(q, None, kind=WORKER, data=i * 10 + j)
        s.add(Worker if i % 3 else Device, i + 1, q)
    return s


s = build(6, 4)
s.run(500)
print("sent", s.sent)
for t in s.table:
    n = 0
    p = t.queue
    while p is not None:
        n += 1
        p = p.link
    print(type(t).__name__, t.ident, "runs", t.runs, "queued", n, "held", t.held,
          "total", getattr(t, "total", "-"))
try:
    s.table[1].colour = "red"
except AttributeError as e:
    print("AttributeError:", e)
try:
    Packet(None, None, WORKER)
except TypeError as e:
    print("TypeError:", e)
p = Packet(None, None, kind=DEVICE)
print(p.kind, p.data, hasattr(p, "__dict__"))
del s, t
print("collected", gc.collect())
