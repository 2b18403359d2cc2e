a = [10, 20]
import sys
print(sys.getrefcount(a))   # 2
b = a
print(sys.getrefcount(a))   # 3
del b
print(sys.getrefcount(a))   # 2
