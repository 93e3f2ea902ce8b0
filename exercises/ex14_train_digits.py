# Generated from solutions/ex14_train_digits.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
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
    raise NotImplementedError


def predict(params: Any, X: np.ndarray) -> np.ndarray:
    """Prédisez la classe de chaque ligne de ``X`` avec les paramètres renvoyés par ``train_mlp``.

    Predict the class of every row of ``X``.

    Inputs:
        params: what ``train_mlp`` returned. X: float64 array of shape (m, 64).
    Returns:
        int array of shape (m,), labels 0-9.
    """
    raise NotImplementedError
