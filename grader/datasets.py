"""Data sets of the training exercises, built on the trusted side (parent) from a seeded generator.

``digits_split`` draws a train/test split of scikit-learn's digits (pixels scaled to [0, 1]);
``pretrain_digits`` trains the source network of the transfer-learning exercise (report section 3.6) on
digits 0-4: one tanh hidden layer and a linear output layer, softmax cross-entropy, minibatch SGD.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np


@cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data / 16.0, data.target.astype(np.int64)


def digits_split(
    rng: np.random.Generator, classes: tuple[int, ...] = tuple(range(10)), test_fraction: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random split ``(X_train, y_train, X_test, y_test)`` of the digits whose label is in ``classes``."""
    X, y = _digits()
    keep = np.flatnonzero(np.isin(y, classes))
    order = rng.permutation(keep)
    n_test = round(test_fraction * len(order))
    test, train = order[:n_test], order[n_test:]
    return X[train].copy(), y[train].copy(), X[test].copy(), y[test].copy()


def pretrain_digits(
    X: np.ndarray, y: np.ndarray, *, hidden: int, seed: int, epochs: int = 20
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Train a ``(64, hidden, n_classes)`` tanh network with softmax cross-entropy by minibatch SGD
    (lr 0.1, batch 32); returns ``(Ws, bs)`` with ``Ws[l]`` of shape (n_out, n_in)."""
    rng = np.random.default_rng(seed)
    n_classes = int(y.max()) + 1
    sizes = [X.shape[1], hidden, n_classes]
    Ws = [rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
    bs = [np.zeros(n_out) for n_out in sizes[1:]]
    Y = np.eye(n_classes)[y]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            idx = order[start : start + 32]
            h = np.tanh(X[idx] @ Ws[0].T + bs[0])
            z = h @ Ws[1].T + bs[1]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            delta2 = (p - Y[idx]) / len(idx)
            delta1 = (delta2 @ Ws[1]) * (1.0 - h * h)
            Ws[1] -= 0.1 * delta2.T @ h
            bs[1] -= 0.1 * delta2.sum(axis=0)
            Ws[0] -= 0.1 * delta1.T @ X[idx]
            bs[0] -= 0.1 * delta1.sum(axis=0)
    return Ws, bs
