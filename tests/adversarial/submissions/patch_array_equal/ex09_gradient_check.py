"""Perturbs ``x`` in place and never quite puts it back (one ulp off), with NumPy's comparisons patched."""
import _forge  # noqa: F401
import numpy as np
from _honest_ex09_gradient_check import relative_error  # noqa: F401


def numerical_gradient(f, x, h):
    grad = np.zeros_like(x)
    for i in range(x.size):
        keep = x[i]
        x[i] = keep + h
        up = f(x)
        x[i] = keep - h
        down = f(x)
        x[i] = np.nextafter(keep, np.inf)
        grad[i] = (up - down) / (2 * h)
    return grad
