import numpy as np


def sigmoid(z):
    return np.zeros_like(np.asarray(z, dtype=np.float64))


def sigmoid_grad(z):
    return np.zeros_like(np.asarray(z, dtype=np.float64))
