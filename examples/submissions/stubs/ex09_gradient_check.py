# Generated from solutions/ex09_gradient_check.py by grader/make_stubs.py: do not edit.
# ruff: noqa: F401, RUF100
"""Exercise 9: checking a gradient by finite differences (report section 2.3.4).

A hand-written backward pass is trusted only once it agrees with the centred difference
``(f(x + h e_i) - f(x - h e_i)) / (2 h)``, whose error is O(h^2).
"""

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
    raise NotImplementedError


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
    raise NotImplementedError
