"""Mistake: a forward difference (f(x + h) - f(x)) / h instead of the centred one."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Gradient numérique par différences centrées :
    ``df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)`` pour chaque composante de ``x``.
    ``x`` ne doit pas être modifié à la sortie.

    Centred finite-difference gradient of a scalar function. ``x`` must be unchanged on return.

    Inputs:
        f: function taking an array of the shape of ``x`` and returning a float.
        x: float64 array of any shape.
        h: float, the step.
    Returns:
        float64 array of the same shape as ``x``.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x)
        flat[i] = old
        gflat[i] = (f_plus - f(x)) / h
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Erreur relative entre le gradient analytique et le gradient numérique :
    ``max |a - b| / max(1e-12, max(|a| + |b|))``.

    Relative error used to compare an analytic and a numerical gradient:
    ``max_i |a_i - b_i| / max(1e-12, max_i (|a_i| + |b_i|))``.

    Inputs:
        a, b: arrays of the same shape.
    Returns:
        float >= 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(a) + np.abs(b)))))
