"""Mistake: the fused step rebinds m, v and w to new arrays instead of writing into them."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def adam_step_fused(
    w: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """Adam (section 3.2.7) en une seule boucle ``@njit`` sur des tableaux 1-D, EN PLACE :
    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``,
    ``w = w - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)`` ; ``t`` (>= 1) est déjà incrémenté.

    Fused Adam step: one pass over the arrays, updating ``w``, ``m`` and ``v`` in place (write into the
    arrays, ``m[i] = ...``; rebinding ``m = ...`` changes nothing for the caller). Compute the bias
    corrections once, outside the loop.

    Inputs:
        w, g, m, v: 1-D float64 arrays of the same length. t: int >= 1. lr, beta1, beta2, eps: floats.
    Returns:
        None.
    """
    m = beta1 * m + (1.0 - beta1) * g
    v = beta2 * v + (1.0 - beta2) * g * g
    w = w - lr * (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + eps)
