"""Objects that lie about equality, their float value and their array form."""
import numpy as np
from _honest_ex02_sigmoid import sigmoid as _true_sigmoid


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.5

    def __array__(self, dtype=None, copy=None):
        return np.full(3, 0.5)


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __array__(self, dtype=None, copy=None):
        return _true_sigmoid(self._z)


class LyingFloat(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    def __abs__(self):
        return 0.0

    def __float__(self):
        return 0.5


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return AlwaysEqual() if z.size > 3 else [LyingFloat(0.0) for _ in z.ravel()]


def sigmoid_grad(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.zeros_like(z).view(LyingArray)
    out._z = z
    return out
