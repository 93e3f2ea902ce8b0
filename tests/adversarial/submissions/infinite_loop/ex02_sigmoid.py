from _honest_ex02_sigmoid import sigmoid  # noqa: F401


def sigmoid_grad(z):
    while True:
        pass
