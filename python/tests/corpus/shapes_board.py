# A board game in the shape of a Go player: a board of squares, each with a list of
# its neighbours (so the squares form a web of cycles), stones grouped by union-find
# parents, a seeded random player, and captures that clear groups.
import gc
import random

EMPTY, BLACK, WHITE = 0, 1, 2
SHOW = ".XO"


class Square:
    def __init__(self, board, pos):
        self.board = board
        self.pos = pos
        self.colour = EMPTY
        self.neighbours = []
        self.parent = self
        self.liberties = 0

    def find(self):
        s = self
        while s.parent is not s:
            s.parent = s.parent.parent
            s = s.parent
        return s

    def place(self, colour):
        self.colour = colour
        self.parent = self
        for n in self.neighbours:
            if n.colour == colour:
                a, b = n.find(), self.find()
                if a is not b:
                    b.parent = a


class Board:
    def __init__(self, size):
        self.size = size
        self.squares = [Square(self, i) for i in range(size * size)]
        for sq in self.squares:
            x, y = sq.pos % size, sq.pos // size
            for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                nx, ny = x + dx, y + dy
                if 0 <= nx < size and 0 <= ny < size:
                    sq.neighbours.append(self.squares[ny * size + nx])
        self.empties = list(range(size * size))
        self.captured = [0, 0, 0]

    def group(self, root):
        return [s for s in self.squares if s.colour != EMPTY and s.find() is root]

    def liberties(self, members):
        libs = set()
        for s in members:
            for n in s.neighbours:
                if n.colour == EMPTY:
                    libs.add(n.pos)
        return len(libs)

    def play(self, pos, colour):
        sq = self.squares[pos]
        sq.place(colour)
        self.empties.remove(pos)
        enemy = BLACK + WHITE - colour
        for n in sq.neighbours:
            if n.colour == enemy:
                members = self.group(n.find())
                if self.liberties(members) == 0:
                    for m in members:
                        m.colour = EMPTY
                        m.parent = m
                        self.empties.append(m.pos)
                    self.captured[colour] += len(members)

    def show(self):
        for y in range(self.size):
            row = self.squares[y * self.size:(y + 1) * self.size]
            print("".join(SHOW[s.colour] for s in row))


def game(seed, size, moves):
    random.seed(seed)
    b = Board(size)
    colour = BLACK
    for _ in range(moves):
        if not b.empties:
            break
        pos = random.choice(b.empties)
        b.play(pos, colour)
        colour = BLACK + WHITE - colour
    return b


b = game(1, 7, 60)
b.show()
print("captured", b.captured[1:], "empty", len(b.empties))
print("neighbours of the corner", [n.pos for n in b.squares[0].neighbours])
roots = {s.find().pos for s in b.squares if s.colour != EMPTY}
print("groups", len(roots))
b2 = game(42, 5, 1000)
b2.show()
print("captured", b2.captured[1:], random.randrange(100), random.random() < 0.5)
gc.collect()
del b
print("collected", gc.collect())
del b2
print("collected", gc.collect())
