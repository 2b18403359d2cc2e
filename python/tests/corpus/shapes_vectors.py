# Float and vector arithmetic objects: vectors with operator methods, points with
# __slots__ updated in place, bodies in a system stepped by a symplectic integrator,
# a pixel buffer in an array, and a few trigonometric values printed by repr.
import array
import math


class Vec:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return Vec(self.x - o.x, self.y - o.y, self.z - o.z)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k, self.z * k)

    __rmul__ = __mul__

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def norm(self):
        return math.sqrt(self.dot(self))

    def unit(self):
        n = self.norm()
        return Vec(self.x / n, self.y / n, self.z / n)

    def __repr__(self):
        return "Vec(%s, %s, %s)" % (self.x, self.y, self.z)


class Point:
    __slots__ = ("x", "y", "z")

    def __init__(self, i):
        self.x = x = math.sin(i)
        self.y = math.cos(i) * 3
        self.z = (x * x) / 2

    def normalize(self):
        n = math.sqrt(self.x * self.x + self.y * self.y + self.z * self.z)
        self.x /= n
        self.y /= n
        self.z /= n

    def maximize(self, other):
        self.x = self.x if self.x > other.x else other.x
        self.y = self.y if self.y > other.y else other.y
        self.z = self.z if self.z > other.z else other.z
        return self


def points(n):
    ps = [Point(i) for i in range(n)]
    for p in ps:
        p.normalize()
    best = ps[0]
    for p in ps[1:]:
        best = best.maximize(p)
    return best


def system():
    # name: ([position], [velocity], mass)
    bodies = {
        "star": ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], 40.0),
        "rock": ([1.0, 0.0, 0.0], [0.0, 6.3, 0.0], 0.01),
        "moon": ([0.0, 2.0, 0.1], [-4.4, 0.0, 0.0], 0.002),
    }
    return bodies


def pairs(items):
    out = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            out.append((items[i], items[j]))
    return out


def advance(bodies, dt, steps):
    ps = pairs(list(bodies.values()))
    for _ in range(steps):
        for ([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2) in ps:
            dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** -1.5)
            b1, b2 = m1 * mag, m2 * mag
            v1[0] -= dx * b2
            v1[1] -= dy * b2
            v1[2] -= dz * b2
            v2[0] += dx * b1
            v2[1] += dy * b1
            v2[2] += dz * b1
        for r, [vx, vy, vz], m in bodies.values():
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz


def energy(bodies):
    e = 0.0
    items = list(bodies.values())
    for (r1, v1, m1), (r2, v2, m2) in pairs(items):
        d = math.sqrt(sum((a - b) ** 2 for a, b in zip(r1, r2)))
        e -= m1 * m2 / d
    for r, v, m in items:
        e += m * sum(x * x for x in v) / 2.0
    return e


a, b = Vec(1.0, 2.0, 2.0), Vec(0.5, -1.0, 4.0)
print(a + b, a - b, a * 2, 3 * b, a.dot(b), a.norm(), a.unit())
print(points(1000).__class__.__name__, "%.12f %.12f %.12f" % tuple(
    getattr(points(1000), k) for k in ("x", "y", "z")))
bs = system()
print("energy before %.9f" % energy(bs))
advance(bs, 0.001, 200)
print("energy after %.9f" % energy(bs))
print("rock at", ["%.6f" % c for c in bs["rock"][0]])
px = array.array("B", [0] * 12)
for i in range(4):
    px[i * 3] = max(0, min(255, int(math.fabs(math.sin(i)) * 255)))
    px[i * 3 + 2] = 255
print(px, len(px), px.tolist()[:6], sum(px))
print(math.tan(0.5), math.atan2(1.0, -2.0), math.hypot(3.0, 4.0), math.radians(90))
print(round(math.pi, 3), 1e300 * 1e10, -(1e300 * 1e10), 0.1 + 0.2, 2 ** -3, 7 / 2, 7 // 2)
