# Generated from solutions/ex08_dense_layer.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
"""Exercise 8: a dense layer, forward and backward, on batches (report sections 2.3.1, 2.3.4).

Conventions (the same in every exercise): data arrays are ``(batch, features)``; a layer has ``W`` of shape
``(n_out, n_in)`` and ``b`` of shape ``(n_out,)``, so one sample follows the report's ``z = W a + b``.
"""

from __future__ import annotations

import numpy as np


def dense_forward(a_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Combinaison linéaire d'une couche, ``z = W a_{l-1} + b`` pour chaque exemple (section 2.3.1),
    écrite pour un lot : ``Z = A_prev W^T + b``.

    Linear part of a dense layer on a batch.

    Inputs:
        a_prev: array of shape (batch, n_in), the previous layer's activations.
        W: array of shape (n_out, n_in).
        b: array of shape (n_out,).
    Returns:
        Z: float64 array of shape (batch, n_out).
    """
    raise NotImplementedError


def dense_backward(
    delta: np.ndarray, a_prev: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rétropropagation d'une couche (section 2.3.4) : avec ``delta_l = dJ/dz_l``,
    ``dJ/dW_l = delta_l a_{l-1}^T`` (sommé sur le lot), ``dJ/db_l = sum delta_l`` et
    ``dJ/da_{l-1} = W_l^T delta_l``.

    Backward pass of the linear part of a dense layer on a batch.

    Inputs:
        delta: array of shape (batch, n_out), dJ/dZ.
        a_prev: array of shape (batch, n_in).
        W: array of shape (n_out, n_in).
    Returns:
        (dW, db, dA_prev): float64 arrays of shapes (n_out, n_in), (n_out,), (batch, n_in).
    """
    raise NotImplementedError
