import numpy as np
from _honest_ex02_sigmoid import sigmoid  # noqa: F401


def sigmoid_grad(z):
    hog = [bytearray(2**28) for _ in range(40)]  # 10 GB
    return np.ones(10 * 2**30 // 8)[: len(hog)]
