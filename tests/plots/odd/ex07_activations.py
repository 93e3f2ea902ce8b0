"""A submission whose functions return what no picture can show: a scalar, a string, NaN, ragged lists."""

import numpy as np


def tanh(z):
    return 1.0


def tanh_grad(z):
    return np.zeros((3, 3))


def relu(z):
    return "abc"


def relu_grad(z):
    return np.full(z.shape, np.nan)


def leaky_relu(z, alpha):
    return z[:10]


def leaky_relu_grad(z, alpha):
    return [[1, 2], [3]]


def elu(z, alpha):
    return np.full(z.shape, np.inf)


def elu_grad(z, alpha):
    raise ValueError("boom")
