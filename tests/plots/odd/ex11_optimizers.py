"""Steps that return the wrong shape, None, overflow, NaN or too few arrays."""

import numpy as np


def sgd_step(w, dw, lr):
    return np.zeros(5)


def momentum_step(w, dw, v, lr, beta):
    return w


def nesterov_lookahead(w, v, lr, beta):
    return None


def nesterov_step(w, g, v, lr, beta):
    return w, v


def adagrad_step(w, dw, G, lr, eps):
    return w * 1e300, G


def rmsprop_step(w, dw, E, lr, beta, eps):
    return (w + np.nan, E)


def adam_step(w, dw, m, v, t, lr, beta1, beta2, eps):
    return w, m
