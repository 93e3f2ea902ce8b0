"""Mistake: returns the weighted sum z without the sigmoid."""

from __future__ import annotations

import numpy as np


def forward_pass(x: np.ndarray, w: np.ndarray, b: float) -> float:
    """Forward pass d'un neurone : ``z = sum_i w_i x_i + b`` puis ``y_prédit = sigma(z)`` (sections 2.3.1,
    2.3.2). Calculez la sortie ``y_prédit`` après le forward pass.

    Forward pass of one sigmoid neuron: weighted sum plus bias, then the sigmoid.

    Inputs:
        x: array of shape (n,), the inputs.
        w: array of shape (n,), the weights.
        b: float, the bias.
    Returns:
        y_pred: float.
    """
    z = float(np.dot(np.asarray(w, dtype=np.float64), np.asarray(x, dtype=np.float64))) + b
    return z
