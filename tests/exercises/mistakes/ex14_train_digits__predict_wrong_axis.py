"""Mistake: predict takes the arg max over the batch (axis=0) instead of the classes."""

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


def predict(params: Any, X: np.ndarray) -> np.ndarray:
    """Prédisez la classe de chaque ligne de ``X`` avec les paramètres renvoyés par ``train_mlp``.

    Predict the class of every row of ``X``.

    Inputs:
        params: what ``train_mlp`` returned. X: float64 array of shape (m, 64).
    Returns:
        int array of shape (m,), labels 0-9.
    """
    Ws, bs = params
    h = np.tanh(np.asarray(X, dtype=np.float64) @ Ws[0].T + bs[0])
    return np.argmax(h @ Ws[1].T + bs[1], axis=0)
