"""Right numbers in the wrong shape, the wrong dtype or the wrong type."""
import numpy as np
from _honest_ex02_sigmoid import sigmoid as _sigmoid
from _honest_ex02_sigmoid import sigmoid_grad as _sigmoid_grad


def sigmoid(z):
    s = _sigmoid(z)
    return np.asarray(s)[None, ...] if np.ndim(s) else [float(s)]


def sigmoid_grad(z):
    g = np.asarray(_sigmoid_grad(z))
    return g.astype(np.float32).astype(object) if g.ndim else str(float(g))
