"""Answers with a 20-million-element broadcast view: a few bytes in the child, hundreds of MB if the
grader expanded it."""
import numpy as np

from _honest_ex02_sigmoid import sigmoid_grad  # noqa: F401


def sigmoid(z):
    return np.broadcast_to(np.float64(0.5), (20_000_000,))
