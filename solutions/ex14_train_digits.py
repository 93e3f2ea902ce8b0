"""Exercise 14: train a multi-layer perceptron on scikit-learn's digits (report sections 2.3, 3.2).

Goal: at least 90% accuracy on held-out digits. The pixels arrive already scaled to [0, 1]
(``X = digits.data / 16``), labels are ints 0-9. The held-out images are not rows of the public data set:
each blends two digits of the same class, moved by a fraction of a pixel, with some noise
(``grader.datasets.heldout_digits``), so a network that generalises classifies them and a lookup does not.
Any architecture and optimizer of the course may be used; keep training under a few seconds.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np


def train_mlp(X: np.ndarray, y: np.ndarray, seed: int) -> Any:
    """Entraînez un perceptron multicouche (forward pass, rétropropagation, optimiseur de la section 3.2)
    sur ``(X, y)`` ; renvoyez ses paramètres, sous la forme de votre choix.

    Train an MLP classifier on ``(X, y)`` with a seeded initialisation; return its parameters in any form
    that ``predict`` accepts.

    Inputs:
        X: float64 array of shape (n, 64), values in [0, 1]. y: int array of shape (n,), labels 0-9.
        seed: int, for the initial weights and the shuffles.
    Returns:
        params: anything ``predict`` understands.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n_classes = int(y.max()) + 1
    sizes = [X.shape[1], 64, n_classes]
    Ws = [rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
    bs = [np.zeros(n_out) for n_out in sizes[1:]]
    Y = np.eye(n_classes)[y]
    lr, batch = 0.1, 32
    epochs = 40
    for epoch in range(epochs):
        # a learning rate decaying linearly to 0: the last epochs settle instead of wandering with SGD noise
        step = lr * (1.0 - epoch / epochs)
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch):
            idx = order[start : start + batch]
            h = np.tanh(X[idx] @ Ws[0].T + bs[0])
            z = h @ Ws[1].T + bs[1]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            delta2 = (p - Y[idx]) / len(idx)
            delta1 = (delta2 @ Ws[1]) * (1.0 - h * h)
            Ws[1] -= step * delta2.T @ h
            bs[1] -= step * delta2.sum(axis=0)
            Ws[0] -= step * delta1.T @ X[idx]
            bs[0] -= step * delta1.sum(axis=0)
    return Ws, bs
    ### END SOLUTION


def predict(params: Any, X: np.ndarray) -> np.ndarray:
    """Prédisez la classe de chaque ligne de ``X`` avec les paramètres renvoyés par ``train_mlp``.

    Predict the class of every row of ``X``.

    Inputs:
        params: what ``train_mlp`` returned. X: float64 array of shape (m, 64).
    Returns:
        int array of shape (m,), labels 0-9.
    """
    ### BEGIN SOLUTION
    Ws, bs = params
    h = np.tanh(np.asarray(X, dtype=np.float64) @ Ws[0].T + bs[0])
    return np.argmax(h @ Ws[1].T + bs[1], axis=1)
    ### END SOLUTION
