x = 42; y = "hello"; z = [1,2,3]; print(id(x), id(y), id(z))
