# Generated from solutions/ex04_forward_pass.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
"""Exercise 4: the forward pass of one neuron (report sections 2.3.1, 2.3.2)."""

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
    raise NotImplementedError
