"""Helpers of the kernel tests: numerical gradients, relative errors, a small Hypothesis budget."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, settings

FEW_EXAMPLES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
"""Hypothesis settings of the gradient checks: a dozen deterministic examples each (CI time)."""

GRAD_STEP = 1e-6
GRAD_RTOL = 1e-6


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = GRAD_STEP) -> np.ndarray:
    """Centred differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every element of ``x`` (changed in
    place and restored); ``f`` reads ``x``."""
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f()
        flat[i] = old - h
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / max(||a|| + ||b||, 1e-12)``: norm-wise relative error, robust to zero entries."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))
