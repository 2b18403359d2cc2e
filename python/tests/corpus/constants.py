# Literals are code-object constants (CPython 3.11): the AST optimizer folds constant
# expressions (Python/ast_opt.c), the compiler merges equal constants across every code
# object of the file (Python/compile.c, merge_consts_recursive), and a constant's count
# includes each distinct co_consts tuple holding it and the parsed tree, alive while the
# program runs (Python/pythonrun.c, pyrun_file).
import sys


def same(x, y):
    return x is y


a = 1000
b = 1000
print("equal literals are one object:", a is b, sys.getrefcount(a))

big = 10**6
also_big = 1000 * 1000
print("folded expressions too:", big is also_big, sys.getrefcount(big))

computed = int("1000000")
print("a computed value is another object:", computed is big, computed == big)

neg = -7
print("a negative literal is folded:", same(neg, -7), sys.getrefcount(neg))

t1 = (1, 2.5, "two words")
t2 = (1, 2.5, "two words")
print("constant tuples merge:", t1 is t2, sys.getrefcount(t1))
print("their items are the merged constants:", same(t1[1], 2.5), sys.getrefcount(t1[1]))

nested = ((1, 2), (1, 2))
print("nested tuples merge:", nested[0] is nested[1], sys.getrefcount(nested[0]))

s = "hello world"
print("strings:", same(s, "hello " + "world"), sys.getrefcount(s))


def f():
    return 2.5


def g():
    x = 2.5
    return x


# f's and g's co_consts are the same tuple, (None, 2.5): one reference for both
print("functions share constants:", f() is g(), f() is t1[1], sys.getrefcount(f()))


def h(n):
    total = 0.0
    for i in range(n):
        total += 0.125
    return total


print(h(4), sys.getrefcount(0.125))

# a list literal is not a constant: each evaluation makes a new list
print("lists are new each time:", [1, 2] is [1, 2])
values = [3.75 for _ in range(3)]
print("a constant in a comprehension:", values[0] is values[2], sys.getrefcount(3.75))
