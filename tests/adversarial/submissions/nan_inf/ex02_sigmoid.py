import numpy as np


def sigmoid(z):
    return np.full_like(np.asarray(z, dtype=np.float64), np.nan)


def sigmoid_grad(z):
    return np.full_like(np.asarray(z, dtype=np.float64), np.inf)
