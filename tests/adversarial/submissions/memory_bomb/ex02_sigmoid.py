import numpy as np
from _honest_ex02_sigmoid import sigmoid  # noqa: F401


def sigmoid_grad(z):
    hog = np.ones(10 * 2**30 // 8)  # 10 GB in one allocation: refused at once by the address-space limit
    return hog[: np.size(z)]
