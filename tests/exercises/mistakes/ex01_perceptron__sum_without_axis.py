"""Mistake: the weighted sum adds up the whole batch (np.sum without axis)."""

from __future__ import annotations

import numpy as np


def step(z: np.ndarray) -> np.ndarray:
    """Fonction échelon : ``step(z) = 1 si z >= 0, sinon step(z) = 0`` (section 1.2).

    Heaviside step of the perceptron, element-wise: ``1.0`` where ``z >= 0``, ``0.0`` elsewhere.

    Inputs:
        z: array of any shape (or a float).
    Returns:
        float64 array of the same shape as ``z``, holding 0.0 or 1.0.
    """
    return np.where(np.asarray(z, dtype=np.float64) >= 0.0, 1.0, 0.0)


def perceptron(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Soit un perceptron simple ; sa sortie est ``y = step(w_1 x_1 + w_2 x_2 + b)`` (section 1.2).
    Calculez la sortie du perceptron pour chaque ligne de ``x``.

    Output of a perceptron for a batch of inputs: ``y_i = step(sum_j w_j x_ij + b)``.

    Inputs:
        x: array of shape (n, d), one input per row.
        w: array of shape (d,), the weights.
        b: float, the bias.
    Returns:
        float64 array of shape (n,), each entry 0.0 or 1.0.
    """
    z = np.sum(np.asarray(x) * np.asarray(w)) + b
    return step(z)
